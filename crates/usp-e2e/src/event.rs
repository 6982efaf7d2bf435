//! What a session reports to its user: [`Event`], [`RestartReason`] and [`Stats`].

use alloc::string::String;

use bytes::Bytes;

use crate::error::E2eError;

/// Something the application must know about, drained with [`Session::poll_event`](crate::Session::poll_event).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Event {
    /// A complete USP Message payload, delivered exactly once and in order (the bytes of the reassembled,
    /// opened message — pass them to the Msg decoder).
    Payload(Bytes),
    /// A Session Context is now in use: started by us (R-E2E.3) or adopted from the peer (R-E2E.4/6).
    SessionStarted {
        /// Its session_id.
        session_id: u64,
        /// Whether this end chose the id.
        initiated_locally: bool,
    },
    /// The context `previous_session_id` was torn down for `reason`; a new one has been started (a
    /// [`Event::SessionStarted`] follows) or will be after the R-E2E.10 back-off (see
    /// [`Session::poll_timeout`](crate::Session::poll_timeout)).
    SessionRestarted {
        /// The context that ended, if there was one.
        previous_session_id: Option<u64>,
        /// Why.
        reason: RestartReason,
    },
    /// The context expired after `SessionExpiration` without activity; the next interaction starts a new one
    /// (R-E2E.7).
    SessionExpired {
        /// The context that expired.
        session_id: u64,
    },
    /// The peer sent a Disconnect Record; all E2E state for it was dropped (R-MTP.7).
    Disconnected {
        /// `reason_code` of the Disconnect Record (e.g. 7105, 7106).
        reason_code: u32,
        /// `reason` text.
        reason: String,
    },
    /// A payload passed to `send` whose delivery is unknown because its context ended before the peer
    /// acknowledged it (some or all of its Records may have arrived). Payloads not yet transmitted at all are
    /// kept and sent in the next context instead — except after an expiry that starts no new context
    /// (establishment gave up, or mode `Allow`): those are reported here too, never transmitted. Resending is the application's policy decision
    /// (TR-369 "Guidelines for Handling Session Context Restarts").
    Unacknowledged(Bytes),
    /// A received Record failed processing (SAR, decryption, retransmission); the session restarts
    /// (R-E2E.21). Integrity and session-id failures are *silent* (R-E2E.23/24) and do not produce this event.
    Failed(E2eError),
}

/// Why a Session Context ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum RestartReason {
    /// The peer started a new context (R-E2E.6).
    PeerRestarted,
    /// A Record failed the integrity check (R-E2E.23).
    IntegrityFailure,
    /// A Record carried an invalid or unknown session_id (R-E2E.24).
    InvalidSessionId,
    /// The peer changed payload_security (R-E2E.19).
    PayloadSecurityChanged,
    /// A Record could not be processed: reassembly, decryption, or an invalid expected_id (R-E2E.21).
    ProcessingFailure,
    /// A Record could not be buffered: reorder window or receive buffer exceeded (R-E2E.21).
    BufferFull,
    /// The peer asked for a Record we no longer hold, or more often than MaxRetransmitTries allows.
    RetransmitFailure,
    /// A sequence_id came within 10 000 of its maximum (R-E2E.8/9).
    SequenceExhausted,
    /// Signing an outgoing Record failed.
    LocalFailure,
    /// [`Session::reset`](crate::Session::reset) was called (`E2ESession.Reset()`).
    Reset,
}

/// Counters and current buffer use, from [`Session::stats`](crate::Session::stats).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Stats {
    /// Records handed out by `poll_transmit` for the first time (session and no-session).
    pub records_sent: u64,
    /// Session Records processed in order.
    pub records_processed: u64,
    /// Records resent because the peer asked (retransmit_id).
    pub retransmissions: u64,
    /// Records resent because no acknowledgement came in time (including establishment retries).
    pub timeouts: u64,
    /// Duplicate Records ignored (R-E2E.25).
    pub duplicates: u64,
    /// Records buffered out of order.
    pub out_of_order: u64,
    /// Payloads delivered as [`Event::Payload`].
    pub payloads_received: u64,
    /// Contexts started (by either side).
    pub sessions_started: u64,
    /// Records dropped for failing the integrity check.
    pub integrity_failures: u64,
}
