//! USP (TR-369) End-to-End Message Exchange: the Session Context as a sans-IO state machine.
//!
//! # Purpose
//! [`Session`] implements the E2E layer between one local and one remote USP Endpoint (REQUIREMENTS §4):
//!
//! * **Session Context** — session_id choice (R-E2E.3, from a seeded PRNG), adoption of a peer's context
//!   (R-E2E.4/6), at most one context per pair (R-E2E.5), expiry (R-E2E.7), sequence exhaustion (R-E2E.8/9) and
//!   the establishment retry back-off with jitter (R-E2E.10–13).
//! * **Reliability** — sequence_id/expected_id bookkeeping (R-E2E.14–17), in-order processing with a bounded
//!   reorder buffer (R-E2E.20), duplicate suppression (R-E2E.25), retransmission on `retransmit_id` from a
//!   bounded outgoing buffer capped by `MaxRetransmitTries` (R-E2E.16), and the failure handling of
//!   REQUIREMENTS §4.4 (R-E2E.19/21–24).
//! * **Segmentation and reassembly** — every Record is at most `MaxUSPRecordSize` bytes *encoded*, header
//!   fields included; `payload_sar_state`/`payloadrec_sar_state` follow the spec's SAR algorithm (see [`sar`]
//!   module docs, including several payload records per USP Record). Segments are zero-copy `Bytes` slices;
//!   a single-Record payload is delivered without copying.
//! * **Seams** — [`PayloadSecurity`] (PLAINTEXT built in, TLS12 later) and [`RecordIntegrity`] (MAC/signature
//!   over the canonical non-payload bytes of [`integrity_input`], R-E2E.29–32.1).
//! * **No session** — the same [`Session`] sends and accepts `no_session_context` Records (R-E2E.26), so one
//!   entry point serves both modes; [`Sessions`] keys sessions by remote Endpoint ID.
//!
//! Records are the prost wire types [`usp_record::pb::Record`]; payloads are opaque [`bytes::Bytes`] (encoded
//! USP Msgs).
//!
//! # No I/O
//! This crate never touches sockets, clocks, environment or threads, and keeps no global state. Time is passed
//! in as an [`Instant`] (milliseconds since an epoch you choose); randomness comes from
//! [`Config::rng_seed`]. Every buffer is bounded by [`Config`]. The driver loop is:
//!
//! 1. Call one of [`Session::handle_record`] (a Record arrived), [`Session::send`] (the application has a
//!    Msg) or [`Session::handle_timeout`] (the timer fired).
//! 2. Drain [`Session::poll_transmit`] until `None`, handing each Record to the MTP (encode with
//!    `prost::Message::encode_to_vec`).
//! 3. Drain [`Session::poll_event`] until `None` ([`Event::Payload`] carries received Msgs).
//! 4. Re-arm the timer with [`Session::poll_timeout`].
//!
//! # Features
//! * `std` (default): enables `std` in the dependencies. Without it the crate is `no_std` + `alloc`.
//!
//! # Example: two sessions exchanging a segmented payload
//! ```
//! use bytes::Bytes;
//! use prost::Message as _;
//! use usp_e2e::{Config, Event, Instant, Session, SessionMode};
//!
//! let mut now = Instant::from_millis(0);
//! let mut agent_cfg = Config::new("proto::agent", "proto::controller");
//! agent_cfg.mode(SessionMode::Require).max_record_size(512).rng_seed(1);
//! let mut ctrl_cfg = Config::new("proto::controller", "proto::agent");
//! ctrl_cfg.mode(SessionMode::Require).max_record_size(512).rng_seed(2);
//! let mut agent = Session::new(agent_cfg, now)?;
//! let mut controller = Session::new(ctrl_cfg, now)?;
//!
//! let msg = Bytes::from((0..3000u32).map(|i| i as u8).collect::<Vec<u8>>());
//! agent.send(now, msg.clone())?;
//!
//! let mut received = Vec::new();
//! for _ in 0..20 {
//!     // 2. drain transmits (here: a perfect in-memory link) ...
//!     while let Some(rec) = agent.poll_transmit() {
//!         assert!(rec.encoded_len() <= 512);
//!         controller.handle_record(now, rec)?;
//!     }
//!     while let Some(rec) = controller.poll_transmit() {
//!         agent.handle_record(now, rec)?;
//!     }
//!     // 3. ... then events ...
//!     while let Some(ev) = controller.poll_event() {
//!         if let Event::Payload(p) = ev {
//!             received.push(p);
//!         }
//!     }
//!     while agent.poll_event().is_some() {}
//!     // 4. ... then re-arm the timer (simulated time jumps straight to it).
//!     match agent.poll_timeout().into_iter().chain(controller.poll_timeout()).min() {
//!         Some(t) => {
//!             now = t;
//!             agent.handle_timeout(now);
//!             controller.handle_timeout(now);
//!         }
//!         None => break,
//!     }
//! }
//! assert_eq!(received, [msg]);
//! assert_eq!(agent.unacknowledged_records(), 0);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Decisions on spec ambiguities (REQUIREMENTS §8)
//! * **Item 2 (R-E2E.6 vs R-E2E.24)**: a Record with a session_id we do not know and `sequence_id == 1` is a
//!   peer (re)start and is adopted; any other unknown session_id is invalid: dropped silently and the session
//!   restarted — except when that Record's `expected_id` is 0 or 1: its sender has received nothing in that
//!   session yet, so it is still establishing it (its first Record was lost or overtaken) and its own
//!   establishment retries will deliver `sequence_id` 1; restarting then would only cause a collision.
//!   Records of the last few session ids we left are ignored without a restart, so Records in flight across a
//!   restart cannot trigger restart storms. If both ends start a context at once, the higher session_id wins
//!   (both ends converge on it). session_id 0 and 1 are invalid (R-E2E.3).
//! * **Item 3 (MAC input)**: see the [`integrity`] module docs — default-valued fields are always fed in at
//!   fixed width; `no_session_context` and other record types contribute only the Record header fields.
//! * **Item 4 (HMAC key direction)**: the TLS client (the session initiator) MACs with bytes 0–31, the server
//!   with 32–63; [`IntegrityContext::local_is_tls_client`] carries the role.
//!
//! Further choices the spec leaves open:
//! * **Acknowledgement and retransmit request of an out-of-order Record are acted on at once**; only its payload
//!   waits for its turn (R-E2E.20). Read literally, R-E2E.20 would process `retransmit_id` only in order, and
//!   when both ends lose a Record of the other, each end's request would then wait behind its own gap forever.
//!   A request for a Record the peer has already acknowledged (overtaken by a later Record) is stale and
//!   ignored rather than treated as "Record does not exist".
//! * Records are acknowledged by the `expected_id` of whatever we send next; when nothing else goes out within
//!   [`Config::ack_delay`], an empty Record carries it. Only Records with payload, and the first Record of a
//!   context its sender started, ask for an acknowledgement, so acknowledgements never ping-pong.
//! * Missing Records are requested with `retransmit_id` as soon as a gap is seen, again after
//!   [`Config::retransmit_timeout`] (doubling). When acknowledgements stop coming, the lowest unacknowledged
//!   Record that asks for one is resent unchanged; such resends do not count against `MaxRetransmitTries`,
//!   which caps *requested* resends. Until a context we started is established, resends follow the R-E2E.10
//!   back-off instead.
//! * `expected_id == 0` carries no acknowledgement; one beyond our next sequence_id fails the Record.
//! * On a restart, payloads not yet transmitted move to the new context; partially or fully transmitted but
//!   unacknowledged ones are reported as [`Event::Unacknowledged`] (the application decides whether to resend).
//! * The first restart after a successful receive is immediate, each further one waits the R-E2E.10 back-off;
//!   this is what breaks the persistent-failure cycle the spec describes.
//! * A Record is "activity" for SessionExpiration when it is newly sent or processed, not when it is
//!   retransmitted, so establishment retries end at expiry (R-E2E.11).
//! * `Allow` mode restarts a context it is perpetuating after failures (TR-181: it "MUST perpetuate any existing
//!   Session Context"), but does not start one for a `send`.
#![no_std]
#![forbid(unsafe_code)]
#![warn(clippy::exhaustive_enums, clippy::exhaustive_structs)]
#![cfg_attr(
    not(test),
    warn(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::panic,
        clippy::indexing_slicing
    )
)]

extern crate alloc;
#[cfg(feature = "std")]
extern crate std;

mod config;
mod error;
mod event;
pub mod integrity;
mod rng;
pub mod sar;
pub mod security;
mod session;
mod sessions;
mod time;

#[cfg(any(fuzzing, test))]
pub mod fuzzing;

pub use config::{Config, MIN_MAX_RECORD_SIZE, SessionMode};
pub use error::{ConfigError, E2eError, IntegrityError, SarError, SecurityError};
pub use event::{Event, RestartReason, Stats};
pub use integrity::{
    IntegrityContext, IntegrityMethod, MtpProtection, RecordIntegrity, TrustMtp, integrity_input,
};
pub use security::{PayloadSecurity, Plaintext};
pub use session::{
    DISCONNECT_SESSION_NOT_ALLOWED, DISCONNECT_SESSION_TERMINATED, SEQUENCE_EXHAUSTION_MARGIN,
    Session,
};
pub use sessions::Sessions;
pub use time::Instant;

/// Re-export of the prost version whose types appear in this API.
pub use prost;
/// Re-export of the `usp_record` wire types used by this API.
pub use usp_record::pb;
