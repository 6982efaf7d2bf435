//! [`Session`]: the E2E state machine for one (local, remote) Endpoint pair.

use alloc::boxed::Box;
use alloc::collections::{BTreeMap, VecDeque};
use alloc::string::String;
use alloc::vec::Vec;
use core::time::Duration;

use bytes::Bytes;
use prost::Message as _;
use usp_record::pb::{self, record::RecordType};

use crate::config::{Config, SessionMode};
use crate::error::{ConfigError, E2eError, IntegrityError};
use crate::event::{Event, RestartReason, Stats};
use crate::integrity::{
    IntegrityContext, IntegrityMethod, RecordIntegrity, TrustMtp, integrity_input,
};
use crate::rng::Rng;
use crate::sar::{ENTRY_OVERHEAD, Fit, OutMsg, Reassembler};
use crate::security::{PayloadSecurity, Plaintext};
use crate::time::Instant;

/// A sequence_id within this distance of `u64::MAX` forces a new session (R-E2E.8/9).
pub const SEQUENCE_EXHAUSTION_MARGIN: u64 = 10_000;
/// Disconnect `reason_code` when an Agent ends a session but keeps the MTP (R-E2E.6b).
pub const DISCONNECT_SESSION_TERMINATED: u32 = 7105;
/// Disconnect `reason_code` when a session is not allowed (R-E2E.6a).
pub const DISCONNECT_SESSION_NOT_ALLOWED: u32 = 7106;

/// Session ids we left recently; their Records are in flight across restarts and are ignored, not answered
/// with yet another restart.
const PREVIOUS_IDS: usize = 8;
/// Retransmission back-off doubles at most this many times.
const MAX_BACKOFF_SHIFT: u32 = 6;
/// Establishment retries stop growing after the tenth (R-E2E.11).
const MAX_RETRY_STEP: u32 = 10;

/// The wait range before establishment retry `n` (1-based) in milliseconds: `[m·(k/1000)^(n−1), m·(k/1000)^n]`,
/// with `n` capped at 10 (R-E2E.10/11).
pub(crate) fn retry_wait_bounds(m_secs: u32, k: u32, n: u32) -> (u64, u64) {
    let n = n.clamp(1, MAX_RETRY_STEP);
    let k = u128::from(k);
    let mut lo = u128::from(m_secs) * 1000;
    for _ in 1..n {
        lo = lo * k / 1000;
    }
    let hi = lo * k / 1000;
    (
        u64::try_from(lo).unwrap_or(u64::MAX),
        u64::try_from(hi).unwrap_or(u64::MAX),
    )
}

#[derive(Debug)]
struct Sent {
    seq: u64,
    /// The session part, `mac_signature` and `sender_cert`; the header strings come from the template.
    sc: pb::SessionContextRecord,
    mac_signature: Bytes,
    sender_cert: Bytes,
    retransmits: u32,
    ack_eliciting: bool,
}

#[derive(Debug)]
struct Unacked {
    last_seq: u64,
    payload: Bytes,
    charge: usize,
}

#[derive(Debug)]
struct Context {
    session_id: u64,
    initiated_locally: bool,
    started_at: Instant,
    established: bool,
    next_tx_seq: u64,
    rx_expected: u64,
    /// Highest expected_id the peer has sent: it holds everything below.
    peer_expected: u64,
    sent: VecDeque<Sent>,
    unacked: VecDeque<Unacked>,
    reorder: BTreeMap<u64, pb::SessionContextRecord>,
    reorder_bytes: usize,
    reasm: Reassembler,
    ack_deadline: Option<Instant>,
    ack_now: bool,
    request: Option<u64>,
    request_now: bool,
    request_deadline: Option<Instant>,
    request_backoff: u32,
    rto_deadline: Option<Instant>,
    rto_backoff: u32,
}

impl Context {
    fn new(session_id: u64, initiated_locally: bool, now: Instant) -> Self {
        Self {
            session_id,
            initiated_locally,
            started_at: now,
            established: !initiated_locally,
            next_tx_seq: 1,
            rx_expected: 1,
            peer_expected: 1,
            sent: VecDeque::new(),
            unacked: VecDeque::new(),
            reorder: BTreeMap::new(),
            reorder_bytes: 0,
            reasm: Reassembler::default(),
            ack_deadline: None,
            // The initiator announces the new context at once (an empty Record if nothing is queued).
            ack_now: initiated_locally,
            request: None,
            request_now: false,
            request_deadline: None,
            request_backoff: 0,
            rto_deadline: None,
            rto_backoff: 0,
        }
    }
}

fn record_cost(sc: &pb::SessionContextRecord) -> usize {
    sc.payload
        .iter()
        .map(|p| p.len() + ENTRY_OVERHEAD)
        .sum::<usize>()
        + ENTRY_OVERHEAD
}

/// Whether a Record asks for an acknowledgement: it carries payload, or it is the first Record of a context its
/// sender started (the establishment must be confirmed, R-E2E.10). Pure acknowledgements and retransmit
/// requests (which have their own timer) do not, so acknowledgements never ping-pong.
fn ack_eliciting(sc: &pb::SessionContextRecord, started_by_sender: bool) -> bool {
    !sc.payload.is_empty() || (sc.sequence_id == 1 && started_by_sender)
}

fn mac_field_len(max_len: usize) -> usize {
    if max_len == 0 {
        0
    } else {
        max_len.saturating_add(1 + prost::length_delimiter_len(max_len))
    }
}

/// The context for signing or verifying with `method`: the exported keys (with our TLS role) for the MAC method.
fn integrity_context(
    security: &(dyn PayloadSecurity + Send),
    method: IntegrityMethod,
    local_is_initiator: bool,
) -> IntegrityContext<'_> {
    let cx = IntegrityContext::new(method);
    match security.keying_material() {
        Some(k) if method == IntegrityMethod::Mac => cx.with_keys(k, local_is_initiator),
        _ => cx,
    }
}

/// The End-to-End Session Context state machine for one (local, remote) Endpoint pair (no I/O).
///
/// See the [crate docs](crate) for the poll loop. In short: feed every received Record to
/// [`handle_record`](Self::handle_record), every outgoing Message to [`send`](Self::send) and expired timers to
/// [`handle_timeout`](Self::handle_timeout); after each call drain [`poll_transmit`](Self::poll_transmit) and
/// [`poll_event`](Self::poll_event), then re-arm your timer with [`poll_timeout`](Self::poll_timeout).
///
/// Both modes share this entry point: with [`SessionMode::Forbid`] (or `Allow` without a context) `send` emits
/// `no_session_context` Records, and `handle_record` accepts both record types.
pub struct Session {
    cfg: Config,
    security: Box<dyn PayloadSecurity + Send>,
    integrity: Box<dyn RecordIntegrity + Send>,
    template: pb::Record,
    rng: Rng,
    now: Instant,
    last_activity: Instant,
    ctx: Option<Context>,
    previous_ids: VecDeque<u64>,
    /// (our session we abandoned for the peer's simultaneous start, the peer's session we adopted instead); see
    /// `handle_session_record`.
    collision_lost: Option<(u64, u64)>,
    retry_count: u32,
    restarted_since_success: bool,
    pending_restart: Option<(Instant, RestartReason)>,
    transmit: VecDeque<pb::Record>,
    events: VecDeque<Event>,
    queue: VecDeque<OutMsg>,
    send_bytes: usize,
    stats: Stats,
    scratch: Vec<u8>,
}

impl core::fmt::Debug for Session {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Session")
            .field("local_id", &self.cfg.local_id)
            .field("remote_id", &self.cfg.remote_id)
            .field("session_id", &self.session_id())
            .field("context", &self.ctx.as_ref().map(ContextSummary))
            .field("queue", &self.queue.len())
            .field("send_bytes", &self.send_bytes)
            .field("retry_count", &self.retry_count)
            .field("pending_restart", &self.pending_restart)
            .field("stats", &self.stats)
            .finish_non_exhaustive()
    }
}

/// A compact view of a context for `Debug` (no payload bytes).
struct ContextSummary<'a>(&'a Context);

impl core::fmt::Debug for ContextSummary<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        let c = self.0;
        f.debug_struct("Context")
            .field("initiated_locally", &c.initiated_locally)
            .field("established", &c.established)
            .field("next_tx_seq", &c.next_tx_seq)
            .field("rx_expected", &c.rx_expected)
            .field(
                "unacked",
                &(
                    c.sent.front().map(|s| s.seq),
                    c.sent.back().map(|s| s.seq),
                    c.sent.len(),
                ),
            )
            .field(
                "reorder",
                &(
                    c.reorder.keys().next(),
                    c.reorder.keys().next_back(),
                    c.reorder.len(),
                ),
            )
            .field("request", &(c.request, c.request_now, c.request_deadline))
            .field("ack", &(c.ack_now, c.ack_deadline))
            .field("rto", &(c.rto_deadline, c.rto_backoff))
            .finish()
    }
}

impl Session {
    /// A session with PLAINTEXT payloads and no Record-level integrity ([`TrustMtp`]), created at `now`.
    ///
    /// No context exists yet: one is started by the first `send` (mode `Require`) or adopted from the peer.
    ///
    /// # Errors
    /// [`ConfigError`] if a configuration value is out of range, or if the Record header (ids, version,
    /// reserved `mac_signature`) leaves no room for payload within `MaxUSPRecordSize`.
    pub fn new(cfg: Config, now: Instant) -> Result<Self, ConfigError> {
        Self::with_layers(cfg, now, Box::new(Plaintext), Box::new(TrustMtp))
    }

    /// A session with the given payload-security and record-integrity implementations.
    ///
    /// # Errors
    /// As [`Session::new`].
    pub fn with_layers(
        cfg: Config,
        now: Instant,
        security: Box<dyn PayloadSecurity + Send>,
        integrity: Box<dyn RecordIntegrity + Send>,
    ) -> Result<Self, ConfigError> {
        cfg.validate()?;
        if !cfg.mtp_protected
            && [IntegrityMethod::Signature, IntegrityMethod::Mac]
                .into_iter()
                .all(|m| integrity.max_len(m) == 0)
        {
            return Err(ConfigError::IntegrityRequired);
        }
        let template = pb::Record {
            version: cfg.version.clone(),
            to_id: cfg.remote_id.clone(),
            from_id: cfg.local_id.clone(),
            payload_security: security.kind() as i32,
            ..Default::default()
        };
        let s = Self {
            rng: Rng::new(cfg.rng_seed),
            cfg,
            security,
            integrity,
            template,
            now,
            last_activity: now,
            ctx: None,
            previous_ids: VecDeque::new(),
            collision_lost: None,
            retry_count: 0,
            restarted_since_success: false,
            pending_restart: None,
            transmit: VecDeque::new(),
            events: VecDeque::new(),
            queue: VecDeque::new(),
            send_bytes: 0,
            stats: Stats::default(),
            scratch: Vec::new(),
        };
        if s.cfg.max_record_size != 0 {
            for method in [IntegrityMethod::Signature, IntegrityMethod::Mac] {
                let fit = s.worst_case_fit(method);
                if fit.max_chunk().is_none() {
                    return Err(ConfigError::HeaderTooLarge {
                        overhead: fit.total(4, 3),
                        max: fit.max,
                    });
                }
            }
        }
        Ok(s)
    }

    // ------------------------------------------------------------------ getters

    /// The configuration this session was built with.
    #[must_use]
    pub const fn config(&self) -> &Config {
        &self.cfg
    }

    /// The current Session Context id, if a context exists.
    #[must_use]
    pub fn session_id(&self) -> Option<u64> {
        self.ctx.as_ref().map(|c| c.session_id)
    }

    /// Whether a context exists and this end started it. The initiator is the TLS client of the payload
    /// security and MACs with the client half of the exported keys (R-E2E.39).
    #[must_use]
    pub fn is_initiator(&self) -> bool {
        self.ctx.as_ref().is_some_and(|c| c.initiated_locally)
    }

    /// Changes whether the MTP protects this peer's Records (R-E2E.28), e.g. after the MTP reconnected with
    /// another certificate; see [`Config::mtp_protected`]. Takes effect for the next Record sent or received.
    ///
    /// # Errors
    /// [`ConfigError::IntegrityRequired`] when `protected` is false and the record integrity never signs; the
    /// setting is then left unchanged.
    pub fn set_mtp_protected(&mut self, protected: bool) -> Result<(), ConfigError> {
        if !protected
            && [IntegrityMethod::Signature, IntegrityMethod::Mac]
                .into_iter()
                .all(|m| self.integrity.max_len(m) == 0)
        {
            return Err(ConfigError::IntegrityRequired);
        }
        self.cfg.mtp_protected = protected;
        Ok(())
    }

    /// Whether a context exists and a Record of it has been received (an initiator's context is "established"
    /// once the peer answered).
    #[must_use]
    pub fn is_established(&self) -> bool {
        self.ctx.as_ref().is_some_and(|c| c.established)
    }

    /// The sequence_id the next new Record will carry, if a context exists.
    #[must_use]
    pub fn next_sequence_id(&self) -> Option<u64> {
        self.ctx.as_ref().map(|c| c.next_tx_seq)
    }

    /// The `expected_id` we advertise: the next sequence_id we want from the peer (R-E2E.17).
    #[must_use]
    pub fn expected_id(&self) -> Option<u64> {
        self.ctx.as_ref().map(|c| c.rx_expected)
    }

    /// `E2ESession.CurrentRetryCount`: establishment retries since the last successful receive (R-E2E.10–13).
    #[must_use]
    pub const fn retry_count(&self) -> u32 {
        self.retry_count
    }

    /// Counters.
    #[must_use]
    pub const fn stats(&self) -> &Stats {
        &self.stats
    }

    /// Bytes held on the receive side (out-of-order Records plus the reassembly), as charged against
    /// `max_receive_buffer_bytes`.
    #[must_use]
    pub fn receive_buffered_bytes(&self) -> usize {
        self.ctx
            .as_ref()
            .map_or(0, |c| c.reorder_bytes + c.reasm.held())
    }

    /// Records currently buffered out of order.
    #[must_use]
    pub fn reorder_buffered_records(&self) -> usize {
        self.ctx.as_ref().map_or(0, |c| c.reorder.len())
    }

    /// Payload bytes queued or awaiting acknowledgement, as charged against `max_send_queue_bytes`.
    #[must_use]
    pub const fn send_queue_bytes(&self) -> usize {
        self.send_bytes
    }

    /// Sent Records kept for retransmission (R-E2E.16).
    #[must_use]
    pub fn unacknowledged_records(&self) -> usize {
        self.ctx.as_ref().map_or(0, |c| c.sent.len())
    }

    // ------------------------------------------------------------------ handle_*

    /// Processes one received Record (already decoded with `usp_record`). Call when the MTP delivers a Record
    /// for this peer; then drain `poll_transmit`/`poll_event` and re-arm the timer.
    ///
    /// Accepts `session_context`, `no_session_context` and `disconnect` Records. Implements R-E2E.20 (in-order
    /// processing, buffering, duplicates), the failure handling of REQUIREMENTS §4.4 and SAR reassembly.
    ///
    /// # Errors
    /// Why the Record was not (fully) processed. The spec's reaction (ignore, restart, Disconnect reply) has
    /// already been taken; the caller only logs. Duplicates are ignored gracefully and return `Ok` (R-E2E.25).
    pub fn handle_record(&mut self, now: Instant, record: pb::Record) -> Result<(), E2eError> {
        self.now = now;
        if record.to_id != self.cfg.local_id {
            return Err(E2eError::NotForUs);
        }
        if record.from_id != self.cfg.remote_id {
            return Err(E2eError::UnexpectedSender);
        }
        match &record.record_type {
            None => Err(E2eError::MissingRecordType),
            Some(RecordType::SessionContext(_)) => self.handle_session_record(now, record),
            Some(RecordType::NoSessionContext(_)) => self.handle_no_session_record(record),
            Some(RecordType::Disconnect(_)) => self.handle_disconnect(record),
            Some(RecordType::WebsocketConnect(_)) => {
                Err(E2eError::UnsupportedRecordType("websocket_connect"))
            }
            Some(RecordType::MqttConnect(_)) => {
                Err(E2eError::UnsupportedRecordType("mqtt_connect"))
            }
            Some(RecordType::StompConnect(_)) => {
                Err(E2eError::UnsupportedRecordType("stomp_connect"))
            }
            Some(RecordType::UdsConnect(_)) => Err(E2eError::UnsupportedRecordType("uds_connect")),
        }
    }

    /// Queues one USP Message payload for the peer. Call whenever the application has a Msg to send; then drain
    /// `poll_transmit`.
    ///
    /// Within a session the payload is sealed by the payload-security layer and segmented lazily by
    /// `MaxUSPRecordSize` as Records are polled (zero-copy slices). Without one (mode `Forbid`, or `Allow`
    /// before the peer started a context) it becomes one `no_session_context` Record. With mode `Require` and no
    /// context, a new context is started (R-E2E.7).
    ///
    /// # Errors
    /// [`E2eError::SendBufferFull`] when `max_send_queue_bytes` would be exceeded (retry after acknowledgements),
    /// [`E2eError::SessionRequired`] when the payload security is not PLAINTEXT but no session is in use
    /// (R-E2E.41),
    /// [`E2eError::EmptyPayload`] for an empty no-session payload (R-E2E.26), [`E2eError::Security`] if sealing
    /// fails, [`E2eError::RecordSizeTooSmall`] if the Record header leaves no room for payload.
    pub fn send(&mut self, now: Instant, payload: Bytes) -> Result<(), E2eError> {
        self.now = now;
        let use_session = match self.cfg.mode {
            SessionMode::Forbid => false,
            SessionMode::Allow => self.ctx.is_some() || self.pending_restart.is_some(),
            SessionMode::Require => true,
        };
        if !use_session {
            return self.queue_no_session(payload);
        }
        let charge = payload.len().saturating_add(ENTRY_OVERHEAD);
        let needed = self.send_bytes.saturating_add(charge);
        if needed > self.cfg.max_send_queue_bytes {
            return Err(E2eError::SendBufferFull {
                limit: self.cfg.max_send_queue_bytes,
                needed,
            });
        }
        if self.cfg.max_record_size != 0 {
            let fit = self.worst_case_fit(self.security.integrity_method());
            if fit.max_chunk().is_none() {
                return Err(E2eError::RecordSizeTooSmall {
                    overhead: fit.total(4, 3),
                    max: fit.max,
                });
            }
        }
        let mut parts = Vec::new();
        self.security
            .seal(payload.clone(), &mut parts)
            .map_err(E2eError::Security)?;
        self.queue.push_back(OutMsg::new(payload, parts, charge));
        self.send_bytes = needed;
        if self.ctx.is_none() && self.pending_restart.is_none() {
            self.initiate(now);
        }
        self.last_activity = now;
        Ok(())
    }

    /// Queues one payload as a `no_session_context` Record even while a context exists — for answering a
    /// request that came without a session in kind (R-MSG.0a: a response uses its request's record type).
    /// Drain `poll_transmit` afterwards.
    ///
    /// # Errors
    /// [`E2eError::SessionRequired`] with mode `Require` or a payload security other than PLAINTEXT (R-E2E.41),
    /// [`E2eError::EmptyPayload`] for an empty payload (R-E2E.26), [`E2eError::Integrity`] if signing fails.
    pub fn send_without_session(&mut self, now: Instant, payload: Bytes) -> Result<(), E2eError> {
        self.now = now;
        if self.cfg.mode == SessionMode::Require {
            return Err(E2eError::SessionRequired);
        }
        self.queue_no_session(payload)
    }

    /// Runs the timers that are due at `now`: acknowledgement delay, retransmit-request and retransmission
    /// timeouts, establishment retries (R-E2E.10/11), restarts waiting for their back-off, and expiry
    /// (R-E2E.7). Call when the instant from [`poll_timeout`](Self::poll_timeout) is reached; a spurious or
    /// early call does nothing.
    pub fn handle_timeout(&mut self, now: Instant) {
        self.now = now;
        if let Some((at, reason)) = self.pending_restart {
            if at <= now {
                self.pending_restart = None;
                if self.ctx.is_some() {
                    let prev = self.teardown();
                    self.events.push_back(Event::SessionRestarted {
                        previous_session_id: prev,
                        reason,
                    });
                }
                self.initiate(now);
            }
        }
        if let Some(deadline) = self.expiry_deadline() {
            if deadline <= now {
                self.expire(now);
                return;
            }
        }
        let rto = self.cfg.retransmit_timeout;
        let Some(ctx) = self.ctx.as_mut() else { return };
        if ctx.ack_deadline.is_some_and(|t| t <= now) {
            ctx.ack_deadline = None;
            ctx.ack_now = true;
        }
        if ctx.request.is_some() && ctx.request_deadline.is_some_and(|t| t <= now) {
            ctx.request_deadline = None;
            ctx.request_now = true;
            ctx.request_backoff = (ctx.request_backoff + 1).min(MAX_BACKOFF_SHIFT);
        }
        if ctx.rto_deadline.is_some_and(|t| t <= now) {
            ctx.rto_deadline = None;
            // The lowest unacknowledged Record that asks for an acknowledgement: the peer either lacks it (and
            // then requests any gap below it) or acknowledges the duplicate.
            if let Some(lowest) = ctx.sent.iter().find(|s| s.ack_eliciting) {
                let rec = Self::rebuild(&self.template, lowest);
                self.stats.timeouts += 1;
                if ctx.initiated_locally && !ctx.established {
                    self.retry_count = self.retry_count.saturating_add(1);
                } else {
                    ctx.rto_backoff = (ctx.rto_backoff + 1).min(MAX_BACKOFF_SHIFT);
                }
                Self::queue_resend(&mut self.transmit, rec);
            }
            self.rearm_rto(now, rto);
        }
    }

    /// Ends the context without ending the MTP: queues a Disconnect Record with code 7105 (R-E2E.6b) and drops
    /// all context state. Payloads in flight are reported as [`Event::Unacknowledged`]; queued ones stay queued.
    pub fn close_session(&mut self, now: Instant) {
        self.now = now;
        self.pending_restart = None;
        self.teardown();
        self.queue_disconnect(DISCONNECT_SESSION_TERMINATED, "Session Context terminated");
    }

    /// Restarts the context now (`E2ESession.Reset()`), with a new session_id.
    pub fn reset(&mut self, now: Instant) {
        self.now = now;
        self.pending_restart = None;
        let prev = self.teardown();
        self.events.push_back(Event::SessionRestarted {
            previous_session_id: prev,
            reason: RestartReason::Reset,
        });
        if self.cfg.mode != SessionMode::Forbid {
            self.initiate(now);
        }
    }

    // ------------------------------------------------------------------ poll_*

    /// The next Record to hand to the MTP, or `None`. Call repeatedly after every `handle_*`/`send` until it
    /// returns `None`.
    ///
    /// Retransmissions and control Records come first, then new Records cut from the send queue while fewer
    /// than `max_in_flight_records` are unacknowledged; an empty Record is sent when an acknowledgement or a
    /// retransmit request is due and nothing else can carry it.
    #[must_use]
    pub fn poll_transmit(&mut self) -> Option<pb::Record> {
        if let Some(r) = self.transmit.pop_front() {
            return Some(r);
        }
        self.build_next()
    }

    /// The next [`Event`], or `None`. Drain after every `handle_*`/`send`.
    #[must_use]
    pub fn poll_event(&mut self) -> Option<Event> {
        self.events.pop_front()
    }

    /// When [`handle_timeout`](Self::handle_timeout) must be called next, or `None` if no timer is armed. Call
    /// after draining transmits and events, and re-arm your timer with the answer.
    #[must_use]
    pub fn poll_timeout(&self) -> Option<Instant> {
        let mut t = self.pending_restart.map(|(at, _)| at);
        let mut consider = |x: Option<Instant>| {
            if let Some(x) = x {
                t = Some(t.map_or(x, |t| t.min(x)));
            }
        };
        consider(self.expiry_deadline());
        if let Some(ctx) = &self.ctx {
            consider(ctx.ack_deadline);
            consider(ctx.request.and(ctx.request_deadline));
            consider(ctx.rto_deadline);
        }
        t
    }

    // ------------------------------------------------------------------ internals: receive

    fn handle_no_session_record(&mut self, record: pb::Record) -> Result<(), E2eError> {
        if let Err(e) = self.verify(&record) {
            self.stats.integrity_failures += 1;
            return Err(E2eError::Integrity(e));
        }
        if record.payload_security != pb::record::PayloadSecurity::Plaintext as i32 {
            // R-E2E.41: TLS12 needs a session context.
            return Err(E2eError::PayloadSecurityMismatch {
                expected: 0,
                got: record.payload_security,
            });
        }
        if self.cfg.mode == SessionMode::Require {
            return Err(E2eError::SessionRequired);
        }
        let Some(RecordType::NoSessionContext(nsc)) = record.record_type else {
            return Err(E2eError::MissingRecordType);
        };
        if nsc.payload.is_empty() {
            return Err(E2eError::EmptyPayload);
        }
        self.stats.payloads_received += 1;
        self.events.push_back(Event::Payload(nsc.payload));
        Ok(())
    }

    fn handle_disconnect(&mut self, record: pb::Record) -> Result<(), E2eError> {
        if let Err(e) = self.verify(&record) {
            self.stats.integrity_failures += 1;
            return Err(E2eError::Integrity(e));
        }
        let Some(RecordType::Disconnect(d)) = record.record_type else {
            return Err(E2eError::MissingRecordType);
        };
        // R-MTP.7: forget all E2E state for this peer.
        self.teardown();
        self.pending_restart = None;
        self.retry_count = 0;
        self.restarted_since_success = false;
        self.previous_ids.clear();
        self.collision_lost = None;
        self.events.push_back(Event::Disconnected {
            reason_code: d.reason_code,
            reason: d.reason,
        });
        Ok(())
    }

    fn handle_session_record(&mut self, now: Instant, record: pb::Record) -> Result<(), E2eError> {
        // R-E2E.23: integrity first; a failing Record is dropped silently and the session restarts.
        if let Err(e) = self.verify(&record) {
            self.stats.integrity_failures += 1;
            self.fail(now, RestartReason::IntegrityFailure);
            return Err(E2eError::Integrity(e));
        }
        if self.cfg.mode == SessionMode::Forbid {
            // R-E2E.6a.
            self.teardown();
            self.queue_disconnect(
                DISCONNECT_SESSION_NOT_ALLOWED,
                "Session Context not allowed",
            );
            return Err(E2eError::SessionNotAllowed);
        }
        let expected_kind = self.security.kind() as i32;
        if record.payload_security != expected_kind {
            // R-E2E.19/21.
            self.fail(now, RestartReason::PayloadSecurityChanged);
            return Err(E2eError::PayloadSecurityMismatch {
                expected: expected_kind,
                got: record.payload_security,
            });
        }
        let Some(RecordType::SessionContext(sc)) = record.record_type else {
            return Err(E2eError::MissingRecordType);
        };
        let sid = sc.session_id;
        if sid <= 1 {
            // R-E2E.3 requires ids > 1; R-E2E.24: drop and restart.
            self.fail(now, RestartReason::InvalidSessionId);
            return Err(E2eError::InvalidSessionId(sid));
        }
        if self.session_id() != Some(sid) {
            if self.previous_ids.contains(&sid) {
                // Records of a session we left are normally still in flight and ignored. But if the peer holds
                // state in that session (expected_id > 1) while it has never acknowledged the context we are
                // in, the two ends have diverged: we gave up our session for a simultaneous start of the
                // peer's (which then followed ours), or adopted a delayed copy of a start the peer had already
                // abandoned. Each end would ignore the other for ever; break the tie with a fresh session
                // (R-E2E.24). A context the peer started gets a grace period first (the peer's first
                // establishment retry wait, R-E2E.10, plus `retransmit_timeout`): our answer may have been
                // lost. A context we started must first have gone unanswered through an establishment retry.
                let (_, first_retry) =
                    retry_wait_bounds(self.cfg.retry_min_wait_secs, self.cfg.retry_multiplier, 1);
                let grace =
                    Duration::from_millis(first_retry).saturating_add(self.cfg.retransmit_timeout);
                let retried = self.retry_count > 0;
                let diverged = self.ctx.as_ref().is_some_and(|c| {
                    if c.initiated_locally {
                        // Our start went unanswered through at least one retry, while the peer keeps
                        // talking in an old session.
                        !c.established && retried
                    } else {
                        c.peer_expected <= 1 && now >= c.started_at + grace
                    }
                });
                let lost_to_current = self.collision_lost.is_some_and(|(lost, adopted)| {
                    lost == sid && self.session_id() == Some(adopted)
                });
                // A repeated start of the left session (its sender is establishing it) after the grace
                // period is the same divergence, seen from the other side.
                let peer_in_it = sc.expected_id > 1 || sc.sequence_id == 1;
                if peer_in_it && (lost_to_current || diverged) {
                    self.collision_lost = None;
                    self.fail(now, RestartReason::InvalidSessionId);
                    return Err(E2eError::UnknownSession {
                        session_id: sid,
                        sequence_id: sc.sequence_id,
                    });
                }
                return Err(E2eError::StaleSession(sid));
            }
            if let Some(ctx) = &self.ctx {
                // After our own start went unanswered through a retry, we yield to any peer start instead:
                // the peer may be ignoring ours (a session it left), and two ends each insisting on their
                // own start would never meet.
                if ctx.initiated_locally
                    && !ctx.established
                    && sid < ctx.session_id
                    && self.retry_count == 0
                {
                    // Both ends started at once: the higher session_id wins, so both converge. The peer will
                    // abandon the losing id; remember it, so that a delayed or duplicated copy of its start
                    // arriving after our context is established is not taken for a new peer start (we would
                    // move to a session the peer has left, and each side would ignore the other's Records).
                    self.remember_left(sid);
                    return Err(E2eError::SessionCollision);
                }
            }
            if sc.sequence_id != 1 {
                // §8 item 2: only a new session_id with sequence_id 1 is a peer (re)start; anything else is an
                // invalid session_id (R-E2E.24): dropped silently and the session restarted — unless the
                // Record's expected_id is 0 or 1, i.e. its sender has received nothing in that session yet.
                // Such a peer is still establishing it (its first Record was lost or overtaken) and its
                // establishment retries will deliver sequence_id 1, so a restart would only cause a collision.
                if sc.expected_id > 1 {
                    self.fail(now, RestartReason::InvalidSessionId);
                }
                return Err(E2eError::UnknownSession {
                    session_id: sid,
                    sequence_id: sc.sequence_id,
                });
            }
            self.adopt(now, sid);
        }
        self.receive_in_session(now, sc)
    }

    fn adopt(&mut self, now: Instant, sid: u64) {
        self.previous_ids.retain(|&p| p != sid);
        if let Some(ctx) = &self.ctx {
            if ctx.initiated_locally && !ctx.established {
                // We lose a simultaneous start (the peer's id is higher).
                self.collision_lost = Some((ctx.session_id, sid));
            }
        }
        if self.ctx.is_some() {
            let prev = self.teardown();
            self.events.push_back(Event::SessionRestarted {
                previous_session_id: prev,
                reason: RestartReason::PeerRestarted,
            });
        }
        self.pending_restart = None;
        self.start_context(now, sid, false);
    }

    fn receive_in_session(
        &mut self,
        now: Instant,
        sc: pb::SessionContextRecord,
    ) -> Result<(), E2eError> {
        let seq = sc.sequence_id;
        if seq >= u64::MAX - SEQUENCE_EXHAUSTION_MARGIN {
            // R-E2E.8.
            self.fail(now, RestartReason::SequenceExhausted);
            return Err(E2eError::SequenceExhausted(seq));
        }
        let window = self.cfg.max_reorder_records;
        let limit = self.cfg.max_receive_buffer_bytes;
        let Some(ctx) = self.ctx.as_mut() else {
            return Ok(());
        };
        if seq < ctx.rx_expected || ctx.reorder.contains_key(&seq) {
            // R-E2E.20 rule 2 / R-E2E.25: ignore, but re-acknowledge so a peer that missed our ack stops resending.
            self.stats.duplicates += 1;
            if ack_eliciting(&sc, !ctx.initiated_locally) {
                Self::schedule_ack(ctx, now, self.cfg.ack_delay);
            }
            return Ok(());
        }
        if seq > ctx.rx_expected {
            // R-E2E.20 rule 1: buffer, bounded by the window and the byte budget (else R-E2E.21).
            let expected_id = ctx.rx_expected;
            if seq - expected_id >= window as u64 {
                self.fail(now, RestartReason::BufferFull);
                return Err(E2eError::ReorderWindowExceeded {
                    sequence_id: seq,
                    expected_id,
                    window,
                });
            }
            let cost = record_cost(&sc);
            let needed = ctx.reorder_bytes + ctx.reasm.held() + cost;
            if needed > limit {
                self.fail(now, RestartReason::BufferFull);
                return Err(E2eError::ReceiveBufferFull { limit, needed });
            }
            if ctx.request != Some(expected_id) {
                ctx.request = Some(expected_id);
                ctx.request_now = true;
                ctx.request_backoff = 0;
            }
            // A Record of our context from the peer: it is established, and received (R-E2E.12).
            ctx.established = true;
            self.retry_count = 0;
            self.restarted_since_success = false;
            self.last_activity = now;
            self.stats.out_of_order += 1;
            // Acknowledgement and retransmit request are acted on at once, not when the gap closes: if both
            // ends lost a Record of the other, each one's request would otherwise wait behind its own gap
            // forever. The payload still waits for its turn (R-E2E.20).
            let mut sc = sc;
            let retransmit_id = core::mem::take(&mut sc.retransmit_id);
            let ack = sc.expected_id;
            ctx.reorder.insert(seq, sc);
            ctx.reorder_bytes += cost;
            if retransmit_id != 0 {
                self.serve_retransmit(now, retransmit_id)?;
            }
            return self.process_ack(now, ack);
        }
        // R-E2E.20 rule 3: this Record and every consecutive buffered one.
        let mut next = Some(sc);
        while let Some(rec) = next {
            self.process_in_order(now, rec)?;
            let Some(ctx) = self.ctx.as_mut() else {
                return Ok(());
            };
            next = ctx.reorder.remove(&ctx.rx_expected);
            if let Some(r) = &next {
                ctx.reorder_bytes = ctx.reorder_bytes.saturating_sub(record_cost(r));
            }
        }
        if let Some(ctx) = self.ctx.as_mut() {
            if ctx.request.is_some_and(|r| r < ctx.rx_expected) {
                ctx.request = None;
                ctx.request_now = false;
                ctx.request_deadline = None;
            }
            if ctx.request.is_none() && !ctx.reorder.is_empty() {
                ctx.request = Some(ctx.rx_expected);
                ctx.request_now = true;
                ctx.request_backoff = 0;
            }
        }
        Ok(())
    }

    fn process_in_order(
        &mut self,
        now: Instant,
        sc: pb::SessionContextRecord,
    ) -> Result<(), E2eError> {
        let limit = self.cfg.max_receive_buffer_bytes;
        let Some(ctx) = self.ctx.as_mut() else {
            return Ok(());
        };
        let seq = sc.sequence_id;
        ctx.rx_expected = seq + 1;
        ctx.established = true;
        // R-E2E.12: a successful receive resets the retry count.
        self.retry_count = 0;
        self.restarted_since_success = false;
        self.last_activity = now;
        self.stats.records_processed += 1;
        let eliciting = ack_eliciting(&sc, !ctx.initiated_locally);
        let (ps, prs, retransmit_id, expected_id) = (
            sc.payload_sar_state,
            sc.payloadrec_sar_state,
            sc.retransmit_id,
            sc.expected_id,
        );
        // 1. payload → reassembly → payload security.
        if !sc.payload.is_empty() {
            let budget = limit.saturating_sub(ctx.reorder_bytes);
            match ctx.reasm.push(seq, ps, prs, sc.payload, budget) {
                Err(e) => {
                    return Err(self.fail_processing(
                        now,
                        E2eError::Reassembly(e),
                        RestartReason::ProcessingFailure,
                    ));
                }
                Ok(Some(records)) => {
                    let mut msgs = Vec::new();
                    if let Err(e) = self.security.open(records, &mut msgs) {
                        return Err(self.fail_processing(
                            now,
                            E2eError::Security(e),
                            RestartReason::ProcessingFailure,
                        ));
                    }
                    for m in msgs {
                        self.stats.payloads_received += 1;
                        self.events.push_back(Event::Payload(m));
                    }
                }
                Ok(None) => {}
            }
        }
        // 2. retransmit request.
        if retransmit_id != 0 {
            self.serve_retransmit(now, retransmit_id)?;
        }
        // 3. acknowledgement.
        self.process_ack(now, expected_id)?;
        if eliciting {
            if let Some(ctx) = self.ctx.as_mut() {
                Self::schedule_ack(ctx, now, self.cfg.ack_delay);
            }
        }
        Ok(())
    }

    fn fail_processing(&mut self, now: Instant, err: E2eError, reason: RestartReason) -> E2eError {
        self.events.push_back(Event::Failed(err.clone()));
        self.fail(now, reason);
        err
    }

    fn serve_retransmit(&mut self, now: Instant, id: u64) -> Result<(), E2eError> {
        let tries = self.cfg.max_retransmit_tries;
        let Some(ctx) = self.ctx.as_mut() else {
            return Ok(());
        };
        if id < ctx.peer_expected {
            // The peer already acknowledged this Record (the request was overtaken by a later Record): stale.
            return Ok(());
        }
        let Ok(idx) = ctx.sent.binary_search_by_key(&id, |s| s.seq) else {
            return Err(self.fail_processing(
                now,
                E2eError::RetransmitUnavailable(id),
                RestartReason::RetransmitFailure,
            ));
        };
        let Some(sent) = ctx.sent.get_mut(idx) else {
            return Ok(());
        };
        if let Ok(cap) = u32::try_from(tries) {
            if sent.retransmits >= cap {
                let err = E2eError::RetransmitLimit {
                    sequence_id: id,
                    tries,
                };
                return Err(self.fail_processing(now, err, RestartReason::RetransmitFailure));
            }
        }
        sent.retransmits += 1;
        let rec = Self::rebuild(&self.template, sent);
        self.stats.retransmissions += 1;
        Self::queue_resend(&mut self.transmit, rec);
        Ok(())
    }

    fn process_ack(&mut self, now: Instant, expected_id: u64) -> Result<(), E2eError> {
        let rto = self.cfg.retransmit_timeout;
        let Some(ctx) = self.ctx.as_mut() else {
            return Ok(());
        };
        if expected_id <= ctx.peer_expected {
            // 0 carries no acknowledgement; lower values are older news.
            return Ok(());
        }
        if expected_id > ctx.next_tx_seq {
            let err = E2eError::InvalidExpectedId {
                expected_id,
                next: ctx.next_tx_seq,
            };
            return Err(self.fail_processing(now, err, RestartReason::ProcessingFailure));
        }
        ctx.peer_expected = expected_id;
        let mut progressed = false;
        while ctx.sent.front().is_some_and(|s| s.seq < expected_id) {
            ctx.sent.pop_front();
            progressed = true;
        }
        while ctx
            .unacked
            .front()
            .is_some_and(|u| u.last_seq < expected_id)
        {
            if let Some(u) = ctx.unacked.pop_front() {
                self.send_bytes = self.send_bytes.saturating_sub(u.charge);
            }
        }
        if progressed {
            ctx.rto_backoff = 0;
            self.rearm_rto(now, rto);
        }
        Ok(())
    }

    // ------------------------------------------------------------------ internals: send

    fn build_next(&mut self) -> Option<pb::Record> {
        let now = self.now;
        for _ in 0..16 {
            let Some(h) = self.security.poll_handshake() else {
                break;
            };
            self.queue
                .push_back(OutMsg::new(h.clone(), alloc::vec![h], 0));
        }
        let at_boundary = !self.queue.front().is_some_and(|m| m.started);
        let next = self.ctx.as_ref().map_or(0, |c| c.next_tx_seq);
        if (at_boundary && next >= u64::MAX - SEQUENCE_EXHAUSTION_MARGIN) || next >= u64::MAX - 1 {
            // R-E2E.9: a new context before the next Record (mid-message only at the very end of the range).
            self.fail(now, RestartReason::SequenceExhausted);
        }
        let ctx = self.ctx.as_mut()?;
        let in_flight = ctx.sent.len();
        let data = !self.queue.is_empty() && in_flight < self.cfg.max_in_flight_records;
        let control =
            (ctx.ack_now || ctx.request_now) && in_flight + 1 < self.cfg.max_reorder_records;
        if !data && !control {
            return None;
        }
        let seq = ctx.next_tx_seq;
        let retransmit_id = if ctx.request_now {
            ctx.request.unwrap_or(0)
        } else {
            0
        };
        let mut sc = pb::SessionContextRecord {
            session_id: ctx.session_id,
            sequence_id: seq,
            expected_id: ctx.rx_expected,
            retransmit_id,
            ..Default::default()
        };
        let method = self.security.integrity_method();
        let mut rec = self.template.clone();
        rec.sender_cert = self.integrity.sender_cert(method);
        let fit = Fit {
            record_hdr: rec.encoded_len() + mac_field_len(self.integrity.max_len(method)),
            sc_hdr: sc.encoded_len(),
            max: if self.cfg.max_record_size == 0 {
                usize::MAX
            } else {
                self.cfg.max_record_size as usize
            },
        };
        let mut finished = None;
        if data {
            if let Some(head) = self.queue.front_mut() {
                if let Some(seg) = head.take(&fit) {
                    sc.payload = seg.entries;
                    sc.payload_sar_state = seg.payload_sar_state;
                    sc.payloadrec_sar_state = seg.payloadrec_sar_state;
                    if seg.last {
                        finished = self.queue.pop_front();
                    }
                } else if let Some(m) = self.queue.pop_front() {
                    // Unreachable after the check in `send`; report instead of looping.
                    self.send_bytes = self.send_bytes.saturating_sub(m.charge);
                    self.events.push_back(Event::Unacknowledged(m.original));
                }
            }
        }
        let eliciting = ack_eliciting(&sc, ctx.initiated_locally);
        rec.record_type = Some(RecordType::SessionContext(sc));
        let initiator = ctx.initiated_locally;
        if let Some(m) = finished {
            ctx.unacked.push_back(Unacked {
                last_seq: seq,
                payload: m.original,
                charge: m.charge,
            });
        }
        if self.sign(&mut rec, initiator).is_err() {
            self.fail(now, RestartReason::LocalFailure);
            return None;
        }
        let ctx = self.ctx.as_mut()?;
        ctx.next_tx_seq = seq.saturating_add(1);
        if let Some(RecordType::SessionContext(sc)) = &rec.record_type {
            ctx.sent.push_back(Sent {
                seq,
                sc: sc.clone(),
                mac_signature: rec.mac_signature.clone(),
                sender_cert: rec.sender_cert.clone(),
                retransmits: 0,
                ack_eliciting: eliciting,
            });
        }
        ctx.ack_now = false;
        ctx.ack_deadline = None;
        if retransmit_id != 0 {
            ctx.request_now = false;
            ctx.request_deadline = Some(
                now + self
                    .cfg
                    .retransmit_timeout
                    .saturating_mul(1 << ctx.request_backoff),
            );
        }
        let arm = eliciting && ctx.rto_deadline.is_none();
        self.last_activity = now;
        self.stats.records_sent += 1;
        if arm {
            self.rearm_rto(now, self.cfg.retransmit_timeout);
        }
        Some(rec)
    }

    /// The stored Record again, byte for byte (same fields, same mac_signature).
    fn rebuild(template: &pb::Record, sent: &Sent) -> pb::Record {
        let mut rec = template.clone();
        rec.mac_signature = sent.mac_signature.clone();
        rec.sender_cert = sent.sender_cert.clone();
        rec.record_type = Some(RecordType::SessionContext(sent.sc.clone()));
        rec
    }

    fn rearm_rto(&mut self, now: Instant, rto: Duration) {
        let establishing = self
            .ctx
            .as_ref()
            .is_some_and(|c| c.initiated_locally && !c.established);
        let wait = if establishing {
            Some(self.next_retry_wait())
        } else {
            None
        };
        let Some(ctx) = self.ctx.as_mut() else { return };
        ctx.rto_deadline = if ctx.sent.iter().any(|s| s.ack_eliciting) {
            Some(now + wait.unwrap_or(rto.saturating_mul(1 << ctx.rto_backoff)))
        } else {
            None
        };
    }

    fn schedule_ack(ctx: &mut Context, now: Instant, delay: Duration) {
        if delay.is_zero() {
            ctx.ack_now = true;
        } else if ctx.ack_deadline.is_none() && !ctx.ack_now {
            ctx.ack_deadline = Some(now + delay);
        }
    }

    fn queue_resend(transmit: &mut VecDeque<pb::Record>, rec: pb::Record) {
        let key = |r: &pb::Record| match &r.record_type {
            Some(RecordType::SessionContext(sc)) => Some((sc.session_id, sc.sequence_id)),
            _ => None,
        };
        let k = key(&rec);
        if !transmit.iter().any(|r| key(r) == k) {
            transmit.push_back(rec);
        }
    }

    fn queue_no_session(&mut self, payload: Bytes) -> Result<(), E2eError> {
        if self.security.kind() != pb::record::PayloadSecurity::Plaintext {
            // R-E2E.41: TLS12 only inside a session; never fall back to an unprotected payload.
            return Err(E2eError::SessionRequired);
        }
        if payload.is_empty() {
            return Err(E2eError::EmptyPayload);
        }
        let mut rec = self.template.clone();
        rec.payload_security = pb::record::PayloadSecurity::Plaintext as i32;
        rec.record_type = Some(RecordType::NoSessionContext(pb::NoSessionContextRecord {
            payload,
        }));
        self.sign(&mut rec, false).map_err(E2eError::Integrity)?;
        self.transmit.push_back(rec);
        self.stats.records_sent += 1;
        Ok(())
    }

    fn queue_disconnect(&mut self, reason_code: u32, reason: &str) {
        // One pending Disconnect is enough: a flood of refused Records must not grow the queue.
        if self
            .transmit
            .iter()
            .any(|r| matches!(r.record_type, Some(RecordType::Disconnect(_))))
        {
            return;
        }
        let mut rec = self.template.clone();
        rec.payload_security = pb::record::PayloadSecurity::Plaintext as i32;
        rec.record_type = Some(RecordType::Disconnect(pb::DisconnectRecord {
            reason: String::from(reason),
            reason_code,
        }));
        if self.sign(&mut rec, false).is_ok() {
            self.transmit.push_back(rec);
            self.stats.records_sent += 1;
        }
    }

    // ------------------------------------------------------------------ internals: lifecycle

    fn start_context(&mut self, now: Instant, sid: u64, locally: bool) {
        self.ctx = Some(Context::new(sid, locally, now));
        self.security.session_started(locally);
        self.last_activity = now;
        self.stats.sessions_started += 1;
        self.events.push_back(Event::SessionStarted {
            session_id: sid,
            initiated_locally: locally,
        });
    }

    /// Starts a context with a fresh id (R-E2E.3); the first Record goes out at the next `poll_transmit`.
    fn initiate(&mut self, now: Instant) {
        let sid = self.new_session_id();
        self.start_context(now, sid, true);
    }

    fn new_session_id(&mut self) -> u64 {
        let current = self.session_id();
        for _ in 0..16 {
            let v = self.rng.next_u64();
            if v > 1 && Some(v) != current && !self.previous_ids.contains(&v) {
                return v;
            }
        }
        // Practically unreachable (16 collisions in a 64-bit space); still > 1.
        (self.rng.next_u64() >> 1) | 2
    }

    /// The back-off wait before the next establishment retry, jittered from the seeded PRNG (R-E2E.10/11).
    fn next_retry_wait(&mut self) -> Duration {
        let (lo, hi) = retry_wait_bounds(
            self.cfg.retry_min_wait_secs,
            self.cfg.retry_multiplier,
            self.retry_count.saturating_add(1),
        );
        Duration::from_millis(self.rng.range_inclusive(lo, hi))
    }

    fn expiry_deadline(&self) -> Option<Instant> {
        if self.cfg.session_expiration.is_zero() || self.ctx.is_none() {
            return None;
        }
        Some(self.last_activity + self.cfg.session_expiration)
    }

    /// Drops the current context. Payloads in flight become `Unacknowledged`; queued, untouched ones stay for
    /// the next context. Returns the old session id.
    fn teardown(&mut self) -> Option<u64> {
        let ctx = self.ctx.take()?;
        self.remember_left(ctx.session_id);
        for u in ctx.unacked {
            self.send_bytes = self.send_bytes.saturating_sub(u.charge);
            self.events.push_back(Event::Unacknowledged(u.payload));
        }
        if self.queue.front().is_some_and(|m| m.started) {
            if let Some(m) = self.queue.pop_front() {
                self.send_bytes = self.send_bytes.saturating_sub(m.charge);
                self.events.push_back(Event::Unacknowledged(m.original));
            }
        }
        let sid = ctx.session_id;
        self.transmit.retain(|r| !matches!(&r.record_type, Some(RecordType::SessionContext(sc)) if sc.session_id == sid));
        Some(sid)
    }

    /// SessionExpiration reached (R-E2E.7): the context ends. Payloads still queued (not yet transmitted) are
    /// not stranded: with mode `Require`, when the expired context had been established, they are the "next
    /// interaction" and a new context starts at once to carry them; otherwise — establishment gave up at
    /// expiry (R-E2E.11), or mode `Allow`, which starts no context of its own — they are reported as
    /// [`Event::Unacknowledged`] and dropped.
    fn expire(&mut self, now: Instant) {
        let established = self.ctx.as_ref().is_some_and(|c| c.established);
        if let Some(session_id) = self.teardown() {
            self.events.push_back(Event::SessionExpired { session_id });
        }
        if self.queue.is_empty() || self.pending_restart.is_some() {
            return;
        }
        if established && self.cfg.mode == SessionMode::Require {
            self.initiate(now);
            return;
        }
        for m in self.queue.drain(..) {
            self.send_bytes = self.send_bytes.saturating_sub(m.charge);
            // Handshake records of the payload security (charge 0) are not the application's.
            if m.charge != 0 {
                self.events.push_back(Event::Unacknowledged(m.original));
            }
        }
    }

    /// Records of `sid` are ignored from now on (a session we left, or a peer start that lost a collision).
    fn remember_left(&mut self, sid: u64) {
        if self.previous_ids.contains(&sid) {
            return;
        }
        if self.previous_ids.len() >= PREVIOUS_IDS {
            self.previous_ids.pop_front();
        }
        self.previous_ids.push_back(sid);
    }

    /// Failure handling (R-E2E.21/23/24): tear down, then start a new context — at once for the first failure
    /// since the last successful receive, after the R-E2E.10 back-off for each further one.
    fn fail(&mut self, now: Instant, reason: RestartReason) {
        let prev = self.teardown();
        self.events.push_back(Event::SessionRestarted {
            previous_session_id: prev,
            reason,
        });
        if self.cfg.mode == SessionMode::Forbid {
            return;
        }
        if !self.restarted_since_success && self.pending_restart.is_none() {
            self.restarted_since_success = true;
            self.initiate(now);
        } else if self.pending_restart.is_none() {
            let wait = self.next_retry_wait();
            self.retry_count = self.retry_count.saturating_add(1);
            self.pending_restart = Some((now + wait, reason));
        }
    }

    // ------------------------------------------------------------------ integrity

    fn worst_case_fit(&self, method: IntegrityMethod) -> Fit {
        let mut rec = self.template.clone();
        rec.sender_cert = self.integrity.sender_cert(method);
        let sc = pb::SessionContextRecord {
            session_id: u64::MAX,
            sequence_id: u64::MAX,
            expected_id: u64::MAX,
            retransmit_id: u64::MAX,
            ..Default::default()
        };
        Fit {
            record_hdr: rec.encoded_len() + mac_field_len(self.integrity.max_len(method)),
            sc_hdr: sc.encoded_len(),
            max: self.cfg.max_record_size as usize,
        }
    }

    /// The integrity method for a Record with this `payload_security` (R-E2E.30): PLAINTEXT always uses the
    /// signature method; otherwise the payload security decides (signature until its handshake is done).
    fn method_for(&self, payload_security: i32) -> IntegrityMethod {
        if payload_security == pb::record::PayloadSecurity::Plaintext as i32 {
            IntegrityMethod::Signature
        } else {
            self.security.integrity_method()
        }
    }

    /// Protects an outgoing Record (R-E2E.29): always through the [`RecordIntegrity`], which must produce a
    /// `mac_signature` when the MTP is not protected.
    fn sign(
        &mut self,
        rec: &mut pb::Record,
        local_is_initiator: bool,
    ) -> Result<(), IntegrityError> {
        let method = self.method_for(rec.payload_security);
        if rec.sender_cert.is_empty() {
            rec.sender_cert = self.integrity.sender_cert(method);
        }
        let mut input = core::mem::take(&mut self.scratch);
        integrity_input(rec, &mut input);
        let cx = integrity_context(&*self.security, method, local_is_initiator);
        let mac = self.integrity.protect(&cx, &input);
        self.scratch = input;
        rec.mac_signature = mac?;
        if rec.mac_signature.is_empty() && !self.cfg.mtp_protected {
            return Err(IntegrityError::Backend(
                "no mac_signature for a Record on an unprotected MTP",
            ));
        }
        Ok(())
    }

    /// R-E2E.30: verifies a received Record when it carries a `mac_signature` or the MTP is not protected
    /// (then a missing one fails with [`IntegrityError::Missing`]); a Record without `mac_signature` on a
    /// protected MTP is accepted.
    fn verify(&mut self, rec: &pb::Record) -> Result<(), IntegrityError> {
        if rec.mac_signature.is_empty() {
            return if self.cfg.mtp_protected {
                Ok(())
            } else {
                Err(IntegrityError::Missing)
            };
        }
        let method = self.method_for(rec.payload_security);
        let mut input = core::mem::take(&mut self.scratch);
        integrity_input(rec, &mut input);
        let initiator = self.ctx.as_ref().is_some_and(|c| c.initiated_locally);
        let cx = integrity_context(&*self.security, method, initiator);
        let res = self
            .integrity
            .verify(&cx, &input, &rec.mac_signature, &rec.sender_cert);
        self.scratch = input;
        res
    }
}

#[cfg(test)]
mod tests;
