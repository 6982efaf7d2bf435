//! Error types: [`ConfigError`] for configuration, [`E2eError`] for records and sends.

/// A configuration value is out of the range the spec (TR-181 `E2ESession.*`) or this crate allows.
///
/// Returned once, by [`Session::new`](crate::Session::new) / [`Config::validate`](crate::Config::validate).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// `MaxUSPRecordSize` is neither 0 (segmentation off) nor at least [`MIN_MAX_RECORD_SIZE`](crate::MIN_MAX_RECORD_SIZE).
    #[error("MaxUSPRecordSize {0} is below the minimum of 512 bytes (0 disables segmentation)")]
    MaxRecordSizeTooSmall(u32),
    /// `SessionRetryMinimumWaitInterval` is outside 1..=65535 seconds.
    #[error("SessionRetryMinimumWaitInterval must be 1..=65535 s, got {0}")]
    RetryMinimumWait(u32),
    /// `SessionRetryIntervalMultiplier` is outside 1000..=65535.
    #[error("SessionRetryIntervalMultiplier must be 1000..=65535, got {0}")]
    RetryMultiplier(u32),
    /// `MaxRetransmitTries` is outside -1..=10.
    #[error("MaxRetransmitTries must be -1..=10, got {0}")]
    MaxRetransmitTries(i32),
    /// An implementation limit is below its minimum.
    #[error("{what} must be at least {min}, got {value}")]
    Limit {
        /// Which limit.
        what: &'static str,
        /// Smallest accepted value.
        min: usize,
        /// The value given.
        value: usize,
    },
    /// The local and remote Endpoint IDs must be non-empty and different (R-ARC.2).
    #[error("local and remote endpoint ids must be non-empty and different")]
    EndpointIds,
    /// The MTP is not protected (R-E2E.28) but the record integrity never signs, so R-E2E.29 cannot be met
    /// (e.g. [`TrustMtp`](crate::TrustMtp) with [`Config::mtp_protected`](crate::Config::mtp_protected) `false`).
    #[error("the MTP does not protect Records, so the record integrity must sign them (R-E2E.29)")]
    IntegrityRequired,
    /// The fixed Record header fields (ids, version, sender_cert, reserved mac_signature) leave no room for a
    /// payload byte within `MaxUSPRecordSize`.
    #[error(
        "record header needs up to {overhead} bytes, leaving no payload room in MaxUSPRecordSize {max}"
    )]
    HeaderTooLarge {
        /// Worst-case encoded size of a Record with a 1-byte payload.
        overhead: usize,
        /// The configured MaxUSPRecordSize.
        max: usize,
    },
}

/// A segmentation-and-reassembly failure on receive (R-E2E.21: the session is restarted).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SarError {
    /// A SAR state field holds a value outside NONE/BEGIN/INPROCESS/COMPLETE (R-ENC.2).
    #[error("sequence_id {sequence_id}: unknown SAR state value {value}")]
    UnknownState {
        /// The offending Record.
        sequence_id: u64,
        /// The raw enum value.
        value: i32,
    },
    /// The `payload_sar_state`/`payloadrec_sar_state` pair does not follow the SAR algorithm here.
    #[error(
        "sequence_id {sequence_id}: {reason} (payload_sar_state {payload}, payloadrec_sar_state {payloadrec})"
    )]
    UnexpectedState {
        /// The offending Record.
        sequence_id: u64,
        /// Raw `payload_sar_state`.
        payload: i32,
        /// Raw `payloadrec_sar_state`.
        payloadrec: i32,
        /// What is wrong, e.g. "INPROCESS without BEGIN".
        reason: &'static str,
    },
    /// The reassembly would exceed the configured receive buffer.
    #[error("reassembly needs {needed} bytes, limit is {limit}")]
    TooLarge {
        /// Configured `max_receive_buffer_bytes`.
        limit: usize,
        /// Bytes that would be held.
        needed: usize,
    },
}

/// A record-integrity (mac_signature) failure.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum IntegrityError {
    /// The Record carries no mac_signature but one is required (R-E2E.30).
    #[error("mac_signature missing")]
    Missing,
    /// The MAC or signature does not match the non-payload fields (R-E2E.23).
    #[error("mac_signature does not verify")]
    Mismatch,
    /// The sender certificate is missing or unusable.
    #[error("sender certificate unusable: {0}")]
    Certificate(&'static str),
    /// The integrity backend failed.
    #[error("integrity backend error: {0}")]
    Backend(&'static str),
}

/// A payload-security (PLAINTEXT, TLS12) failure.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SecurityError {
    /// The payload cannot be decrypted or decoded.
    #[error("payload could not be opened: {0}")]
    Open(&'static str),
    /// The payload cannot be sealed (encrypted) for sending.
    #[error("payload could not be sealed: {0}")]
    Seal(&'static str),
    /// The secure session (e.g. the TLS handshake) failed.
    #[error("secure session failed: {0}")]
    Handshake(&'static str),
}

/// Why a Record was not (fully) processed, or why a send was refused.
///
/// Returned by [`Session::handle_record`](crate::Session::handle_record) and [`Session::send`](crate::Session::send).
/// For received Records the session has *already* taken the action the spec requires (ignore, restart, reply
/// with a Disconnect Record); the error tells the caller what happened, and [`E2eError::record_error_code`] gives
/// the USP Record error code (7100–7106) where one applies. Nothing has to be sent back by the caller.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum E2eError {
    /// `to_id` is not our Endpoint ID: ignored (R-E2E.1).
    #[error("record is addressed to another endpoint")]
    NotForUs,
    /// `from_id` is not the remote Endpoint of this session.
    #[error("record comes from an endpoint this session does not serve")]
    UnexpectedSender,
    /// The Record has no `record_type`.
    #[error("record has no record_type")]
    MissingRecordType,
    /// A record type that the E2E layer does not handle (MTP Connect Records).
    #[error("record type {0} is not handled by the E2E layer")]
    UnsupportedRecordType(&'static str),
    /// An empty payload in a `no_session_context` Record (R-E2E.26), or an empty send without a session.
    #[error("no_session_context needs a non-empty payload")]
    EmptyPayload,
    /// A `no_session_context` Record arrived while `SessionMode` is `Require`, or a send without a session was
    /// refused because the payload security is not PLAINTEXT (R-E2E.41).
    #[error("a Session Context is required")]
    SessionRequired,
    /// A session Record arrived while `SessionMode` is `Forbid`; a Disconnect Record (7106) was queued (R-E2E.6a).
    #[error("Session Context not allowed")]
    SessionNotAllowed,
    /// `payload_security` differs from the session's (R-E2E.19) or TLS12 came without a session (R-E2E.41).
    #[error("payload_security {got} does not match the session's {expected}")]
    PayloadSecurityMismatch {
        /// The value in use.
        expected: i32,
        /// The value received.
        got: i32,
    },
    /// The mac_signature check failed: dropped silently, session restarted (R-E2E.23).
    #[error("integrity check failed: {0}")]
    Integrity(IntegrityError),
    /// session_id 0 or 1 (R-E2E.3 requires > 1): dropped, session restarted (R-E2E.24).
    #[error("invalid session_id {0}")]
    InvalidSessionId(u64),
    /// An unknown session_id with sequence_id ≠ 1: dropped silently and the session restarted (R-E2E.24),
    /// unless the Record's expected_id is 0 or 1 (its sender is still establishing that session).
    #[error("unknown session_id {session_id} (sequence_id {sequence_id})")]
    UnknownSession {
        /// The Record's session_id.
        session_id: u64,
        /// The Record's sequence_id.
        sequence_id: u64,
    },
    /// A Record of a session this endpoint already left (in flight across a restart): dropped silently.
    #[error("record of a previous session {0}")]
    StaleSession(u64),
    /// Both ends started a session at once; the peer's start lost the tie-break (higher session_id wins).
    #[error("simultaneous session start; keeping our session_id")]
    SessionCollision,
    /// A sequence_id within 10 000 of `u64::MAX` was received: session restarted (R-E2E.8).
    #[error("sequence_id {0} is too close to exhaustion")]
    SequenceExhausted(u64),
    /// The out-of-order buffer or the reassembly is full: session restarted (R-E2E.21).
    #[error("receive buffer full: {needed} bytes needed, limit {limit}")]
    ReceiveBufferFull {
        /// Configured limit in bytes.
        limit: usize,
        /// Bytes that would be held.
        needed: usize,
    },
    /// A sequence_id too far ahead of the expected one: session restarted (R-E2E.21).
    #[error("sequence_id {sequence_id} is outside the reorder window ({expected_id} + {window})")]
    ReorderWindowExceeded {
        /// The Record's sequence_id.
        sequence_id: u64,
        /// Our next expected sequence_id.
        expected_id: u64,
        /// Configured window in Records.
        window: usize,
    },
    /// Reassembly failed: session restarted (R-E2E.21).
    #[error("reassembly failed: {0}")]
    Reassembly(SarError),
    /// The peer asked for a Record that is no longer (or never was) buffered: session restarted.
    #[error("retransmit_id {0} is not in the outgoing buffer")]
    RetransmitUnavailable(u64),
    /// The peer asked for a Record more often than `MaxRetransmitTries` allows: session restarted.
    #[error("retransmit_id {sequence_id} requested more than {tries} times")]
    RetransmitLimit {
        /// The requested sequence_id.
        sequence_id: u64,
        /// Configured `MaxRetransmitTries`.
        tries: i32,
    },
    /// The peer acknowledged Records we never sent (`expected_id` beyond our next sequence_id).
    #[error("expected_id {expected_id} is beyond our next sequence_id {next}")]
    InvalidExpectedId {
        /// The Record's expected_id.
        expected_id: u64,
        /// Our next sequence_id.
        next: u64,
    },
    /// Payload security failed (decrypt/decode/handshake): session restarted (R-E2E.21).
    #[error("payload security: {0}")]
    Security(SecurityError),
    /// The outgoing queue is full; try again after the peer acknowledged earlier payloads.
    #[error("send queue full: {needed} bytes needed, limit {limit}")]
    SendBufferFull {
        /// Configured `max_send_queue_bytes`.
        limit: usize,
        /// Bytes that would be queued.
        needed: usize,
    },
    /// The Record header leaves no room for payload within MaxUSPRecordSize.
    #[error("record header needs {overhead} bytes of MaxUSPRecordSize {max}")]
    RecordSizeTooSmall {
        /// Worst-case header size.
        overhead: usize,
        /// MaxUSPRecordSize.
        max: usize,
    },
}

impl E2eError {
    /// The USP Record error code (REQUIREMENTS §0.2) that describes this error, if one does.
    ///
    /// Useful when answering under R-MTP.5 (an Error Msg with code 71xx) for `no_session_context` traffic; within
    /// a session the spec restarts the session instead of replying.
    ///
    /// ```
    /// use usp_e2e::E2eError;
    /// assert_eq!(E2eError::EmptyPayload.record_error_code(), Some(7104));
    /// assert_eq!(E2eError::SessionNotAllowed.record_error_code(), Some(7106));
    /// assert_eq!(E2eError::NotForUs.record_error_code(), None);
    /// ```
    #[must_use]
    pub const fn record_error_code(&self) -> Option<u32> {
        match self {
            Self::EmptyPayload
            | Self::InvalidSessionId(_)
            | Self::PayloadSecurityMismatch { .. } => Some(7104),
            Self::SessionNotAllowed => Some(7106),
            _ => None,
        }
    }
}
