//! Fuzz bodies, called by one-line targets in `fuzz/` (STYLE §7). Only built in tests, or with `cfg(fuzzing)`
//! and the `arbitrary` feature.
//!
//! [`e2e_session`] decodes the fuzzer's bytes with [`arbitrary`] into a structured [`Scenario`]: the
//! configuration of two sessions (A and B) — mode, MaxUSPRecordSize, MaxRetransmitTries, expiry, timers,
//! whether the MTP protects Records, the record integrity (none, or a MAC-checking test integrity with or
//! without a sender certificate) and the payload security (PLAINTEXT, or a TLS stand-in that splits messages
//! into several payload records, sends a handshake record and switches to the MAC method) — followed by
//! operations: sends, link delivery/loss/duplication/reordering, tampering with a Record on the link,
//! injection of crafted Records (any session_id, sequence_id, expected_id, retransmit_id, SAR states, payload
//! entries, mac_signature, sender_cert, from_id/to_id, version, payload_security and record type), time
//! steps, timeouts, resets and closes.
//!
//! It asserts only invariants: no panic, receive and send buffers within their configured bounds, windows
//! respected, every session Record within MaxUSPRecordSize, and every Record sent over an unprotected MTP
//! carrying a `mac_signature` (R-E2E.29).

#![allow(
    clippy::exhaustive_enums,
    clippy::exhaustive_structs,
    reason = "fuzz inputs, built only for fuzzing and tests; not a stable API"
)]

use alloc::collections::VecDeque;
use alloc::vec::Vec;
use core::time::Duration;

use arbitrary::{Arbitrary, Unstructured};
use bytes::Bytes;
use prost::Message as _;
use usp_record::pb::{self, record::RecordType};

use crate::error::{IntegrityError, SecurityError};
use crate::integrity::{IntegrityContext, IntegrityMethod, RecordIntegrity, TrustMtp};
use crate::security::{PayloadSecurity, Plaintext, concat};
use crate::{Config, Event, Instant, Session, SessionMode, integrity_input};

const A: &str = "proto::fuzz-a";
const B: &str = "proto::fuzz-b";
const RECV_LIMIT: usize = 64 * 1024;
const SEND_LIMIT: usize = 64 * 1024;
const MAX_OPS: usize = 4096;
const MAX_LINK: usize = 256;
const IN_FLIGHT: usize = 8;
const REORDER: usize = 16;
/// Largest payload a `Send` operation builds.
const MAX_SEND: usize = 9000;
/// Largest crafted payload entry, and most crafted entries per Record.
const MAX_ENTRY: usize = 2048;
const MAX_ENTRIES: usize = 6;
const CERT: &[u8] = b"toy-cert";
const TLS_DATA: u8 = 0x17;
const TLS_HANDSHAKE: u8 = 0x16;
/// The "exported keying material" of the TLS stand-in once its handshake is done.
static KEYING_MATERIAL: [u8; 64] = {
    let mut k = [0u8; 64];
    let mut i = 0;
    while i < 64 {
        k[i] = (i as u8).wrapping_mul(37) ^ 0x5a;
        i += 1;
    }
    k
};

/// One fuzz case: two endpoints and what happens to them.
#[derive(Arbitrary, Debug, Clone, PartialEq, Eq)]
pub struct Scenario {
    /// Endpoint A (the target of most crafted Records).
    pub a: Endpoint,
    /// Endpoint B.
    pub b: Endpoint,
    /// The operations, in order (at most 4096 are run).
    pub ops: Vec<Op>,
}

/// The configuration of one endpoint.
#[derive(Arbitrary, Debug, Clone, PartialEq, Eq)]
pub struct Endpoint {
    /// `SessionMode`.
    pub mode: Mode,
    /// MaxUSPRecordSize: `None` = 0 (no segmentation), `Some(x)` = 512 + x % 2048.
    pub max_record_size: Option<u16>,
    /// MaxRetransmitTries = `tries % 12 - 1` (-1..=10).
    pub max_retransmit_tries: u8,
    /// SessionExpiration in ms (0 = never).
    pub session_expiration_ms: u16,
    /// Acknowledgement delay in ms.
    pub ack_delay_ms: u8,
    /// Retransmission timeout in ms (`+ 1`).
    pub retransmit_timeout_ms: u16,
    /// PRNG seed.
    pub seed: u8,
    /// Whether the MTP protects Records (R-E2E.28); [`IntegrityChoice::TrustMtp`] forces it on.
    pub mtp_protected: bool,
    /// Record integrity.
    pub integrity: IntegrityChoice,
    /// Payload security.
    pub security: SecurityChoice,
}

/// `SessionMode`.
#[derive(Arbitrary, Debug, Clone, Copy, PartialEq, Eq)]
#[allow(missing_docs, reason = "the SessionMode variants")]
pub enum Mode {
    Require,
    Allow,
    Forbid,
}

/// Which [`RecordIntegrity`] an endpoint uses.
#[derive(Arbitrary, Debug, Clone, Copy, PartialEq, Eq)]
pub enum IntegrityChoice {
    /// [`TrustMtp`]: no mac_signature, accepts everything.
    TrustMtp,
    /// A keyed toy MAC ([`ToyMac`]); with `cert` it also sends and checks a `sender_cert` for the signature
    /// method.
    Mac {
        /// Send and require a sender certificate with the signature method.
        cert: bool,
    },
}

/// Which [`PayloadSecurity`] an endpoint uses.
#[derive(Arbitrary, Debug, Clone, Copy, PartialEq, Eq)]
pub enum SecurityChoice {
    /// PLAINTEXT.
    Plaintext,
    /// The TLS stand-in [`ToyTls`].
    Tls {
        /// Payload-record size: `1 + record % 1024`.
        record: u16,
        /// Whether the initiator sends a handshake record when a context starts.
        handshake: bool,
        /// Whether the MAC method (with exported keys) is in force instead of the signature method.
        mac_method: bool,
    },
}

/// One operation.
#[derive(Arbitrary, Debug, Clone, PartialEq, Eq)]
pub enum Op {
    /// `send` a payload of `len % 9000` bytes (pattern `fill`) on A (or B).
    Send {
        /// On B instead of A.
        on_b: bool,
        /// Length (mod 9000).
        len: u16,
        /// Pattern byte.
        fill: u8,
    },
    /// `send_without_session` on A (or B).
    SendWithoutSession {
        /// On B instead of A.
        on_b: bool,
        /// Length.
        len: u8,
    },
    /// Deliver the head of the A→B (or B→A) link.
    Deliver {
        /// The B→A direction.
        to_a: bool,
    },
    /// Lose the head of a link direction.
    Lose {
        /// The B→A direction.
        to_a: bool,
    },
    /// Duplicate the head of a link direction.
    Duplicate {
        /// The B→A direction.
        to_a: bool,
    },
    /// Rotate both link directions by `by`.
    Reorder {
        /// Rotation.
        by: u8,
    },
    /// Change one field of the Record at the head of a link direction (its mac_signature is kept).
    Tamper {
        /// The B→A direction.
        to_a: bool,
        /// What to change.
        field: Tamper,
    },
    /// Hand a crafted Record to A (or B).
    Inject {
        /// To B instead of A.
        to_b: bool,
        /// The Record.
        record: Crafted,
    },
    /// Encode a crafted Record, flip bits of one byte, and hand it to A if it still decodes.
    Corrupt {
        /// The Record.
        record: Crafted,
        /// Byte position (mod length).
        at: u16,
        /// XOR mask (`| 1`).
        xor: u8,
    },
    /// Advance time by `ms * 16` ms.
    Advance {
        /// Step in units of 16 ms.
        ms: u16,
    },
    /// Jump to the earliest timer and run both sessions' timers.
    Timeout,
    /// `reset` A (or B).
    Reset {
        /// B instead of A.
        on_b: bool,
    },
    /// `close_session` on A (or B).
    Close {
        /// B instead of A.
        on_b: bool,
    },
}

/// A field change for [`Op::Tamper`].
#[derive(Arbitrary, Debug, Clone, PartialEq, Eq)]
pub enum Tamper {
    /// Set session_id.
    SessionId(Num),
    /// Set sequence_id.
    SequenceId(Num),
    /// Set expected_id.
    ExpectedId(Num),
    /// Set retransmit_id.
    RetransmitId(Num),
    /// Set payload_sar_state.
    PayloadSar(Sar),
    /// Set payloadrec_sar_state.
    PayloadrecSar(Sar),
    /// Drop the last payload entry.
    DropEntry,
    /// Append a payload entry.
    AddEntry(Vec<u8>),
    /// Replace the mac_signature (`None` removes it).
    Mac(Option<Vec<u8>>),
    /// Set payload_security.
    PayloadSecurity(u8),
    /// Set the version.
    Version(Version),
}

/// A crafted Record.
#[derive(Arbitrary, Debug, Clone, PartialEq, Eq)]
pub struct Crafted {
    /// `to_id`, relative to the receiving endpoint.
    pub to: Addr,
    /// `from_id`, relative to the receiving endpoint (`Peer` = its remote).
    pub from: Addr,
    /// `version`.
    pub version: Version,
    /// `payload_security` = `value % 3` (2 is unknown).
    pub payload_security: u8,
    /// `mac_signature`.
    pub mac: MacChoice,
    /// `sender_cert` (truncated to 64 bytes); `Some(empty)` is the valid toy certificate.
    pub sender_cert: Option<Vec<u8>>,
    /// `record_type`.
    pub body: Body,
}

/// An Endpoint ID relative to the receiving endpoint.
#[derive(Arbitrary, Debug, Clone, Copy, PartialEq, Eq)]
pub enum Addr {
    /// The expected one (`to_id` = the receiver, `from_id` = its peer).
    Expected,
    /// The other endpoint of the pair (swapped ids).
    Swapped,
    /// An unrelated Endpoint ID.
    Other,
    /// Empty.
    Empty,
}

/// The Record `version`.
#[derive(Arbitrary, Debug, Clone, Copy, PartialEq, Eq)]
pub enum Version {
    /// "1.4".
    V14,
    /// "1.3".
    V13,
    /// "".
    Empty,
    /// "9.9".
    Unknown,
}

/// `mac_signature` of a crafted Record.
#[derive(Arbitrary, Debug, Clone, PartialEq, Eq)]
pub enum MacChoice {
    /// No mac_signature.
    Absent,
    /// The toy MAC the peer would compute (signature method; MAC method with the TLS stand-in's keys when
    /// `mac_method`).
    Valid {
        /// Computed as by the MAC method.
        mac_method: bool,
    },
    /// These bytes (truncated to 64).
    Garbage(Vec<u8>),
}

/// The `record_type` of a crafted Record.
#[derive(Arbitrary, Debug, Clone, PartialEq, Eq)]
pub enum Body {
    /// `session_context`.
    Session(Sc),
    /// `no_session_context` with this payload (truncated to 2048 bytes).
    NoSession(Vec<u8>),
    /// `disconnect` with this reason code.
    Disconnect(u32),
    /// No `record_type`.
    Missing,
    /// `mqtt_connect`.
    MqttConnect,
}

/// The fields of a crafted `SessionContextRecord`.
#[derive(Arbitrary, Debug, Clone, PartialEq, Eq)]
pub struct Sc {
    /// `session_id`; `Current` = the receiver's current session id.
    pub session_id: Num,
    /// `sequence_id`; `Current` = the receiver's expected_id.
    pub sequence_id: Num,
    /// `expected_id`; `Current` = the receiver's next sequence_id.
    pub expected_id: Num,
    /// `retransmit_id`; `Current` = the receiver's last sent sequence_id.
    pub retransmit_id: Num,
    /// `payload_sar_state`.
    pub payload_sar_state: Sar,
    /// `payloadrec_sar_state`.
    pub payloadrec_sar_state: Sar,
    /// `payload` entries (at most 6 are used, each truncated to 2048 bytes).
    pub payload: Vec<Vec<u8>>,
}

/// A u64 field value, mostly near the interesting values.
#[derive(Arbitrary, Debug, Clone, Copy, PartialEq, Eq)]
pub enum Num {
    /// The receiver's current value for the field (see [`Sc`]), or 2 without a context.
    Current,
    /// That plus `n % 8`.
    Above(u8),
    /// That minus `n % 8` (saturating).
    Below(u8),
    /// `n % 16`.
    Small(u8),
    /// `u64::MAX - n`.
    NearMax(u16),
    /// Any value.
    Raw(u64),
}

/// A SAR state value.
#[derive(Arbitrary, Debug, Clone, Copy, PartialEq, Eq)]
#[allow(missing_docs, reason = "the PayloadSarState values")]
pub enum Sar {
    None,
    Begin,
    Inprocess,
    Complete,
    /// Any value (mostly invalid).
    Raw(i32),
}

impl Sar {
    const fn value(self) -> i32 {
        match self {
            Self::None => 0,
            Self::Begin => 1,
            Self::Inprocess => 2,
            Self::Complete => 3,
            Self::Raw(v) => v,
        }
    }
}

impl Version {
    const fn as_str(self) -> &'static str {
        match self {
            Self::V14 => "1.4",
            Self::V13 => "1.3",
            Self::Empty => "",
            Self::Unknown => "9.9",
        }
    }
}

fn truncated(mut v: Vec<u8>, max: usize) -> Bytes {
    v.truncate(max);
    Bytes::from(v)
}

/// FNV-1a over the key material and the input: a keyed stand-in for HMAC/ECDSA.
fn toy_tag(key: &[u8], input: &[u8]) -> [u8; 4] {
    let mut h: u32 = 0x811c_9dc5;
    for b in key.iter().chain(input) {
        h = (h ^ u32::from(*b)).wrapping_mul(0x0100_0193);
    }
    h.to_be_bytes()
}

/// The key the toy MAC uses for a Record sent by the TLS client (`client`) or server, per R-E2E.39.
fn toy_key(cx: &IntegrityContext<'_>, sender_is_client: bool) -> &'static [u8] {
    match (cx.method, cx.keying_material) {
        (IntegrityMethod::Mac, Some(_)) => {
            if sender_is_client {
                KEYING_MATERIAL.get(..32).unwrap_or_default()
            } else {
                KEYING_MATERIAL.get(32..).unwrap_or_default()
            }
        }
        (IntegrityMethod::Mac, None) => b"no-keys",
        _ => b"signature",
    }
}

/// A keyed toy MAC standing in for HMAC-SHA256 / ECDSA (4-byte tags). It checks the exported keying material
/// and the TLS role (R-E2E.39): a Record MACed with the wrong half of the keys does not verify.
#[derive(Debug)]
pub struct ToyMac {
    cert: bool,
}

impl RecordIntegrity for ToyMac {
    fn max_len(&self, _method: IntegrityMethod) -> usize {
        4
    }

    fn sender_cert(&self, method: IntegrityMethod) -> Bytes {
        if self.cert && method == IntegrityMethod::Signature {
            Bytes::from_static(CERT)
        } else {
            Bytes::new()
        }
    }

    fn protect(
        &mut self,
        cx: &IntegrityContext<'_>,
        input: &[u8],
    ) -> Result<Bytes, IntegrityError> {
        if let (IntegrityMethod::Mac, Some(k)) = (cx.method, cx.keying_material) {
            if k.len() != 64 {
                return Err(IntegrityError::Backend("keying material is not 64 bytes"));
            }
        }
        Ok(Bytes::copy_from_slice(&toy_tag(
            toy_key(cx, cx.local_is_tls_client),
            input,
        )))
    }

    fn verify(
        &mut self,
        cx: &IntegrityContext<'_>,
        input: &[u8],
        mac_signature: &[u8],
        sender_cert: &[u8],
    ) -> Result<(), IntegrityError> {
        if mac_signature.is_empty() {
            return Err(IntegrityError::Missing);
        }
        if self.cert && cx.method == IntegrityMethod::Signature && sender_cert != CERT {
            return Err(IntegrityError::Certificate("unknown sender certificate"));
        }
        if mac_signature == toy_tag(toy_key(cx, !cx.local_is_tls_client), input) {
            Ok(())
        } else {
            Err(IntegrityError::Mismatch)
        }
    }
}

/// A TLS12 stand-in: seals a message into payload records of at most `record` bytes, each a marker byte plus
/// data (a copy); opens by checking the markers, dropping handshake records and joining the rest.
#[derive(Debug)]
pub struct ToyTls {
    record: usize,
    handshake: bool,
    mac_method: bool,
    pending_handshake: bool,
}

impl PayloadSecurity for ToyTls {
    fn kind(&self) -> pb::record::PayloadSecurity {
        pb::record::PayloadSecurity::Tls12
    }

    fn seal(&mut self, message: Bytes, out: &mut Vec<Bytes>) -> Result<(), SecurityError> {
        let mut rest: &[u8] = &message;
        loop {
            let (head, tail) = rest.split_at(rest.len().min(self.record));
            let mut rec = Vec::with_capacity(head.len() + 1);
            rec.push(TLS_DATA);
            rec.extend_from_slice(head);
            out.push(Bytes::from(rec));
            rest = tail;
            if rest.is_empty() {
                return Ok(());
            }
        }
    }

    fn open(&mut self, records: Vec<Bytes>, out: &mut Vec<Bytes>) -> Result<(), SecurityError> {
        let mut data = Vec::with_capacity(records.len());
        for r in &records {
            match r.first() {
                Some(&TLS_DATA) if r.len() <= self.record + 1 => data.push(r.slice(1..)),
                Some(&TLS_HANDSHAKE) => {}
                _ => return Err(SecurityError::Open("not a toy TLS record")),
            }
        }
        if !data.is_empty() {
            out.push(concat(&data));
        }
        Ok(())
    }

    fn integrity_method(&self) -> IntegrityMethod {
        if self.mac_method {
            IntegrityMethod::Mac
        } else {
            IntegrityMethod::Signature
        }
    }

    fn keying_material(&self) -> Option<&[u8]> {
        self.mac_method.then_some(&KEYING_MATERIAL[..])
    }

    fn session_started(&mut self, local_is_initiator: bool) {
        self.pending_handshake = self.handshake && local_is_initiator;
    }

    fn poll_handshake(&mut self) -> Option<Bytes> {
        core::mem::take(&mut self.pending_handshake)
            .then(|| Bytes::from_static(&[TLS_HANDSHAKE, 1, 2, 3]))
    }
}

fn session(e: &Endpoint, local: &str, remote: &str) -> Option<Session> {
    let mut c = Config::new(local, remote);
    c.mode(match e.mode {
        Mode::Require => SessionMode::Require,
        Mode::Allow => SessionMode::Allow,
        Mode::Forbid => SessionMode::Forbid,
    })
    .max_record_size(e.max_record_size.map_or(0, |x| 512 + u32::from(x % 2048)))
    .max_retransmit_tries(i32::from(e.max_retransmit_tries % 12) - 1)
    .session_expiration(Duration::from_millis(u64::from(e.session_expiration_ms)))
    .max_receive_buffer_bytes(RECV_LIMIT)
    .max_send_queue_bytes(SEND_LIMIT)
    .max_in_flight_records(IN_FLIGHT)
    .max_reorder_records(REORDER)
    .ack_delay(Duration::from_millis(u64::from(e.ack_delay_ms)))
    .retransmit_timeout(Duration::from_millis(
        u64::from(e.retransmit_timeout_ms) + 1,
    ))
    .rng_seed(u64::from(e.seed))
    .mtp_protected(e.mtp_protected);
    let security: alloc::boxed::Box<dyn PayloadSecurity + Send> = match e.security {
        SecurityChoice::Plaintext => alloc::boxed::Box::new(Plaintext),
        SecurityChoice::Tls {
            record,
            handshake,
            mac_method,
        } => alloc::boxed::Box::new(ToyTls {
            record: 1 + usize::from(record % 1024),
            handshake,
            mac_method,
            pending_handshake: false,
        }),
    };
    let integrity: alloc::boxed::Box<dyn RecordIntegrity + Send> = match e.integrity {
        IntegrityChoice::TrustMtp => {
            // TrustMtp never signs, so it is only valid on a protected MTP (R-E2E.29).
            c.mtp_protected(true);
            alloc::boxed::Box::new(TrustMtp)
        }
        IntegrityChoice::Mac { cert } => alloc::boxed::Box::new(ToyMac { cert }),
    };
    Session::with_layers(c, Instant::ZERO, security, integrity).ok()
}

/// What a run did (for tests and seed selection).
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Summary {
    /// Payloads delivered to A and to B.
    pub delivered: (usize, usize),
    /// Session (re)starts and restarts seen on either side.
    pub restarts: usize,
    /// Records either side dropped for integrity.
    pub integrity_failures: u64,
    /// Segmented Records (payload_sar_state ≠ NONE) put on the link.
    pub segmented_records: usize,
    /// Session Records with several payload entries put on the link.
    pub multi_entry_records: usize,
    /// Operations run.
    pub ops: usize,
}

struct Harness {
    a: Session,
    b: Session,
    a_to_b: VecDeque<Bytes>,
    b_to_a: VecDeque<Bytes>,
    now: Instant,
    summary: Summary,
}

fn check(s: &Session) {
    assert!(
        s.receive_buffered_bytes() <= RECV_LIMIT,
        "receive buffer over its limit"
    );
    assert!(
        s.send_queue_bytes() <= SEND_LIMIT,
        "send queue over its limit"
    );
    assert!(
        s.unacknowledged_records() <= REORDER,
        "outgoing buffer over the window"
    );
    assert!(
        s.reorder_buffered_records() < REORDER,
        "reorder buffer over the window"
    );
}

/// Drains transmits of `s` (B if `is_b`) onto `link` and its events into `summary`; checks the invariants.
fn drain(s: &mut Session, link: &mut VecDeque<Bytes>, summary: &mut Summary, is_b: bool) {
    let max = s.config().get_max_record_size() as usize;
    // Each poll either pops a queued Record or consumes window/flags, so this terminates; the bound is a guard.
    for _ in 0..10_000 {
        let Some(rec) = s.poll_transmit() else { break };
        let wire = Bytes::from(rec.encode_to_vec());
        if let Some(RecordType::SessionContext(sc)) = &rec.record_type {
            if max != 0 {
                assert!(
                    wire.len() <= max,
                    "Record of {} bytes exceeds MaxUSPRecordSize {max}",
                    wire.len()
                );
            }
            summary.segmented_records += usize::from(sc.payload_sar_state != 0);
            summary.multi_entry_records += usize::from(sc.payload.len() > 1);
        }
        if !s.config().is_mtp_protected() {
            assert!(
                !rec.mac_signature.is_empty(),
                "R-E2E.29: unprotected Record without mac_signature"
            );
        }
        if link.len() < MAX_LINK {
            link.push_back(wire);
        }
    }
    for _ in 0..10_000 {
        match s.poll_event() {
            None => break,
            Some(Event::Payload(_)) => {
                if is_b {
                    summary.delivered.1 += 1;
                } else {
                    summary.delivered.0 += 1;
                }
            }
            Some(Event::SessionRestarted { .. }) => summary.restarts += 1,
            Some(_) => {}
        }
    }
    check(s);
}

impl Harness {
    fn resolve(s: &Session, n: Num, current: Option<u64>) -> u64 {
        let base = current.unwrap_or(2);
        match n {
            Num::Current => base,
            Num::Above(k) => base.saturating_add(u64::from(k % 8)),
            Num::Below(k) => base.saturating_sub(u64::from(k % 8)),
            Num::Small(k) => u64::from(k % 16),
            Num::NearMax(k) => u64::MAX - u64::from(k),
            Num::Raw(v) => {
                let _ = s;
                v
            }
        }
    }

    /// Builds a crafted Record for `dst` (A or B).
    fn craft(&self, to_b: bool, c: Crafted) -> pb::Record {
        let (dst, local, remote) = if to_b {
            (&self.b, B, A)
        } else {
            (&self.a, A, B)
        };
        let id = |addr: Addr, expected: &str, swapped: &str| -> alloc::string::String {
            match addr {
                Addr::Expected => expected.into(),
                Addr::Swapped => swapped.into(),
                Addr::Other => "proto::other".into(),
                Addr::Empty => alloc::string::String::new(),
            }
        };
        let record_type = match c.body {
            Body::Session(sc) => {
                let last_sent = dst.next_sequence_id().map(|n| n.saturating_sub(1));
                Some(RecordType::SessionContext(pb::SessionContextRecord {
                    session_id: Self::resolve(dst, sc.session_id, dst.session_id()),
                    sequence_id: Self::resolve(dst, sc.sequence_id, dst.expected_id()),
                    expected_id: Self::resolve(dst, sc.expected_id, dst.next_sequence_id()),
                    retransmit_id: Self::resolve(dst, sc.retransmit_id, last_sent),
                    payload_sar_state: sc.payload_sar_state.value(),
                    payloadrec_sar_state: sc.payloadrec_sar_state.value(),
                    payload: sc
                        .payload
                        .into_iter()
                        .take(MAX_ENTRIES)
                        .map(|p| truncated(p, MAX_ENTRY))
                        .collect(),
                }))
            }
            Body::NoSession(p) => Some(RecordType::NoSessionContext(pb::NoSessionContextRecord {
                payload: truncated(p, MAX_ENTRY),
            })),
            Body::Disconnect(code) => Some(RecordType::Disconnect(pb::DisconnectRecord {
                reason: "fuzz".into(),
                reason_code: code,
            })),
            Body::Missing => None,
            Body::MqttConnect => Some(RecordType::MqttConnect(pb::MqttConnectRecord::default())),
        };
        let mut rec = pb::Record {
            version: c.version.as_str().into(),
            to_id: id(c.to, local, remote),
            from_id: id(c.from, remote, local),
            payload_security: i32::from(c.payload_security % 3),
            mac_signature: Bytes::new(),
            sender_cert: match c.sender_cert {
                None => Bytes::new(),
                Some(v) if v.is_empty() => Bytes::from_static(CERT),
                Some(v) => truncated(v, 64),
            },
            record_type,
        };
        rec.mac_signature = match c.mac {
            MacChoice::Absent => Bytes::new(),
            MacChoice::Garbage(v) => truncated(v, 64),
            MacChoice::Valid { mac_method } => {
                // As the peer would: it is the TLS client iff the receiver is not the initiator.
                let initiator = dst.is_initiator();
                let cx = if mac_method {
                    IntegrityContext::new(IntegrityMethod::Mac)
                        .with_keys(&KEYING_MATERIAL, !initiator)
                } else {
                    IntegrityContext::new(IntegrityMethod::Signature)
                };
                let mut input = Vec::new();
                integrity_input(&rec, &mut input);
                Bytes::copy_from_slice(&toy_tag(toy_key(&cx, !initiator), &input))
            }
        };
        rec
    }

    fn tamper(&self, wire: Bytes, to_b: bool, t: Tamper) -> Option<Bytes> {
        let mut rec = pb::Record::decode(wire).ok()?;
        let dst = if to_b { &self.b } else { &self.a };
        match t {
            Tamper::Mac(m) => rec.mac_signature = m.map_or_else(Bytes::new, |v| truncated(v, 64)),
            Tamper::PayloadSecurity(v) => rec.payload_security = i32::from(v % 3),
            Tamper::Version(v) => rec.version = v.as_str().into(),
            t => {
                let Some(RecordType::SessionContext(sc)) = &mut rec.record_type else {
                    return None;
                };
                match t {
                    Tamper::SessionId(n) => {
                        sc.session_id = Self::resolve(dst, n, Some(sc.session_id));
                    }
                    Tamper::SequenceId(n) => {
                        sc.sequence_id = Self::resolve(dst, n, Some(sc.sequence_id));
                    }
                    Tamper::ExpectedId(n) => {
                        sc.expected_id = Self::resolve(dst, n, Some(sc.expected_id));
                    }
                    Tamper::RetransmitId(n) => {
                        sc.retransmit_id = Self::resolve(dst, n, dst.next_sequence_id());
                    }
                    Tamper::PayloadSar(s) => sc.payload_sar_state = s.value(),
                    Tamper::PayloadrecSar(s) => sc.payloadrec_sar_state = s.value(),
                    Tamper::DropEntry => {
                        sc.payload.pop();
                    }
                    Tamper::AddEntry(v) => {
                        if sc.payload.len() < MAX_ENTRIES {
                            sc.payload.push(truncated(v, MAX_ENTRY));
                        }
                    }
                    Tamper::Mac(_) | Tamper::PayloadSecurity(_) | Tamper::Version(_) => {}
                }
            }
        }
        Some(Bytes::from(rec.encode_to_vec()))
    }

    fn deliver(&mut self, to_a: bool) {
        let (link, dst) = if to_a {
            (&mut self.b_to_a, &mut self.a)
        } else {
            (&mut self.a_to_b, &mut self.b)
        };
        if let Some(w) = link.pop_front() {
            if let Ok(r) = pb::Record::decode(w) {
                let _ = dst.handle_record(self.now, r);
            }
        }
    }

    fn link(&mut self, to_a: bool) -> &mut VecDeque<Bytes> {
        if to_a {
            &mut self.b_to_a
        } else {
            &mut self.a_to_b
        }
    }

    fn step(&mut self, op: Op) {
        let now = self.now;
        match op {
            Op::Send { on_b, len, fill } => {
                let p = Bytes::from(alloc::vec![fill; usize::from(len) % MAX_SEND]);
                let s = if on_b { &mut self.b } else { &mut self.a };
                let _ = s.send(now, p);
            }
            Op::SendWithoutSession { on_b, len } => {
                let p = Bytes::from(alloc::vec![len; usize::from(len)]);
                let s = if on_b { &mut self.b } else { &mut self.a };
                let _ = s.send_without_session(now, p);
            }
            Op::Deliver { to_a } => self.deliver(to_a),
            Op::Lose { to_a } => {
                self.link(to_a).pop_front();
            }
            Op::Duplicate { to_a } => {
                let link = self.link(to_a);
                if let Some(w) = link.front().cloned() {
                    link.push_back(w);
                }
            }
            Op::Reorder { by } => {
                for link in [&mut self.a_to_b, &mut self.b_to_a] {
                    if !link.is_empty() {
                        let n = usize::from(by) % link.len();
                        link.rotate_left(n);
                    }
                }
            }
            Op::Tamper { to_a, field } => {
                if let Some(w) = self.link(to_a).pop_front() {
                    if let Some(w) = self.tamper(w, !to_a, field) {
                        self.link(to_a).push_front(w);
                    }
                }
            }
            Op::Inject { to_b, record } => {
                let r = self.craft(to_b, record);
                let s = if to_b { &mut self.b } else { &mut self.a };
                let _ = s.handle_record(now, r);
            }
            Op::Corrupt { record, at, xor } => {
                let mut wire = self.craft(false, record).encode_to_vec();
                let at = usize::from(at) % wire.len().max(1);
                if let Some(byte) = wire.get_mut(at) {
                    *byte ^= xor | 1;
                }
                if let Ok(r) = pb::Record::decode(Bytes::from(wire)) {
                    let _ = self.a.handle_record(now, r);
                }
            }
            Op::Advance { ms } => {
                self.now = now + Duration::from_millis(u64::from(ms) * 16);
            }
            Op::Timeout => {
                if let Some(t) = [self.a.poll_timeout(), self.b.poll_timeout()]
                    .into_iter()
                    .flatten()
                    .min()
                {
                    self.now = now.max(t);
                }
                self.a.handle_timeout(self.now);
                self.b.handle_timeout(self.now);
            }
            Op::Reset { on_b } => {
                if on_b {
                    self.b.reset(now);
                } else {
                    self.a.reset(now);
                }
            }
            Op::Close { on_b } => {
                if on_b {
                    self.b.close_session(now);
                } else {
                    self.a.close_session(now);
                }
            }
        }
        drain(&mut self.a, &mut self.a_to_b, &mut self.summary, false);
        drain(&mut self.b, &mut self.b_to_a, &mut self.summary, true);
        self.summary.ops += 1;
    }
}

/// Runs `scenario`. Panics only on a broken invariant.
pub fn run(scenario: Scenario) -> Summary {
    let (Some(a), Some(b)) = (session(&scenario.a, A, B), session(&scenario.b, B, A)) else {
        return Summary::default();
    };
    let mut h = Harness {
        a,
        b,
        a_to_b: VecDeque::new(),
        b_to_a: VecDeque::new(),
        now: Instant::ZERO,
        summary: Summary::default(),
    };
    for op in scenario.ops.into_iter().take(MAX_OPS) {
        h.step(op);
    }
    h.summary.integrity_failures = h.a.stats().integrity_failures + h.b.stats().integrity_failures;
    h.summary
}

/// Decodes `data` into a [`Scenario`] with `arbitrary` and [`run`]s it; bytes that do not decode are ignored.
pub fn e2e_session(data: &[u8]) {
    let _ = summarize(data);
}

/// [`e2e_session`], returning what the run did (`None` if `data` does not decode).
pub fn summarize(data: &[u8]) -> Option<Summary> {
    let scenario = Scenario::arbitrary_take_rest(Unstructured::new(data)).ok()?;
    Some(run(scenario))
}

#[cfg(test)]
mod tests;
