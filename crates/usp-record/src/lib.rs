//! USP (TR-369) Record codec.
//!
//! A USP Record is the outer envelope of everything USP sends: it names the sender and the
//! recipient by Endpoint ID and carries either one encoded USP Message (NoSessionContext), a piece
//! of an End-to-End session (SessionContext), or an MTP control record (WebSocketConnect,
//! MQTTConnect, STOMPConnect, UDSConnect, Disconnect).
//!
//! This crate has three layers:
//!
//! * [`pb`]: the raw prost structs generated from the official `usp-record-1-4.proto`, exactly
//!   as on the wire, with no validation.
//! * [`Record`], [`RecordKind`], [`EndpointId`]: validated types. [`Record::decode`] checks every
//!   rule of TR-369 a receiver must check (exactly one record type, version, Endpoint IDs, enum
//!   values, required fields, payload security) and [`RecordError::disposition`] says whether to
//!   drop the Record silently or answer with a 71xx error. [`RecordBuilder`] builds every record
//!   type and validates with the same code, so what you build always decodes.
//! * [`RecordRef`]: the same checks as [`Record::decode`] over the zero-copy [`view`]s,
//!   borrowing the input and allocating nothing.
//!
//! # No I/O
//! Bytes in, values out; values in, bytes out. No sockets, clocks, threads or global state.
//! The crate is `no_std` + `alloc`.
//!
//! # Features
//! * `std` (default): `std` support in `bytes` and `prost`.
//! * `text-decoder` (default): a second [`view`] decoder for input that is UTF-8 as a whole,
//!   used by `decode` and `decode_text` when it applies: faster, with about twice the view
//!   decoder code; results and errors are the same either way (see usp-msg's feature of the
//!   same name).
//! * `serde`: `Serialize`/`Deserialize` for every [`pb`] type with protobuf's JSON conventions
//!   (proto field names, bytes as base64, 64-bit integers as strings, enums by name), and for
//!   [`Record`] (written as its `pb::Record`; reading validates like [`Record::decode`] and fails
//!   with the [`RecordError`] message) and [`EndpointId`] (a string, validated on input).
//!
//!   ```
//!   # #[cfg(feature = "serde")] {
//!   use usp_record::{Record, RecordBuilder};
//!   let rec = RecordBuilder::new("proto::agent", "proto::controller")?.uds_connect()?;
//!   let json = serde_json::to_string(&rec).unwrap();
//!   assert_eq!(json, r#"{"version":"1.4","to_id":"proto::agent","from_id":"proto::controller","uds_connect":{}}"#);
//!   assert_eq!(serde_json::from_str::<Record>(&json).unwrap(), rec);
//!   // Reading validates: R-ARC.2a
//!   assert!(serde_json::from_str::<Record>(&json.replace("proto::agent", "agent")).is_err());
//!   # }
//!   # Ok::<(), usp_record::RecordError>(())
//!   ```
//!
//! # Example
//! ```
//! use usp_record::{Record, RecordBuilder, RecordKind};
//!
//! // An encoded usp.Msg, e.g. from usp-msg.
//! let msg = bytes::Bytes::from_static(b"\x0a\x08\x0a\x06msg-42");
//! // One call: build, validate and encode (`no_session_context` gives the `Record` instead).
//! let wire = RecordBuilder::new("proto::agent", "proto::controller")?
//!     .no_session_context_bytes(msg.clone())?;
//!
//! let received = Record::decode(wire)?;
//! assert_eq!(received.from_id().as_str(), "proto::controller");
//! match received.kind() {
//!     RecordKind::NoSessionContext { payload } => assert_eq!(payload, &msg),
//!     other => panic!("unexpected {}", other.name()),
//! }
//! # Ok::<(), usp_record::RecordError>(())
//! ```
#![no_std]
#![forbid(unsafe_code)]
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

/// Raw wire types generated from the official `usp_record` schema by `usp-codegen`.
///
/// These are plain prost structs: every field as on the wire, no validation.
pub mod pb {
    include!("generated/usp_record.rs");
}

/// serde impls for the [`pb`] types with protobuf's JSON conventions (generated).
#[cfg(feature = "serde")]
mod serde_impls {
    include!("generated/usp_record_serde.rs");
}

/// The fast path (generated): zero-copy borrowed views of every [`pb`] message and a
/// one-pass encoder.
///
/// * `view::X::decode(&[u8])` decodes without copying: strings are `&str` (UTF-8 checked),
///   bytes are `&[u8]`. It accepts exactly the inputs prost accepts
///   and never panics; `to_pb()` copies into the [`pb`] type, `From<&pb::X>` borrows back.
/// * [`view::FastEncode`] encodes the [`pb`] types and the views with every nested size
///   computed once; the bytes are identical to prost's `encode_to_vec`.
///
/// These are wire-level types: nothing here checks USP rules (use [`Record::decode`] for that).
///
/// ```
/// use usp_record::pb;
/// use usp_record::view::{self, FastEncode as _};
///
/// let rec = pb::Record {
///     version: "1.4".into(),
///     to_id: "proto::agent".into(),
///     record_type: Some(pb::record::RecordType::NoSessionContext(pb::NoSessionContextRecord {
///         payload: bytes::Bytes::from_static(b"\x0a\x02\x0a\x00"),
///     })),
///     ..Default::default()
/// };
/// let wire = rec.encode_fast_to_vec();
/// assert_eq!(wire, prost::Message::encode_to_vec(&rec));
///
/// let v = view::Record::decode(&wire)?;
/// assert_eq!(v.to_id, "proto::agent");
/// match &v.record_type {
///     Some(view::record::RecordType::NoSessionContext(n)) => assert_eq!(n.payload, b"\x0a\x02\x0a\x00"),
///     other => panic!("unexpected {other:?}"),
/// }
/// assert_eq!(v.to_pb(), rec);
/// # Ok::<(), view::DecodeError>(())
/// ```
pub mod view {
    include!("generated/usp_record_view.rs");
}

mod endpoint;
mod error;
mod record;
mod record_ref;
#[cfg(feature = "serde")]
mod serde_validated;
mod wire;

#[cfg(any(fuzzing, test))]
pub mod fuzzing;

pub use endpoint::{
    EndpointId, EndpointIdError, ExpectedSan, MAX_INSTANCE_ID_LEN, ProductionIssue, Scheme,
};
pub use error::{Disposition, RecordError};
/// Re-exported so users can name `prost::Message` and errors without a direct dependency.
pub use prost;
pub use record::{
    DEFAULT_MAX_RECORD_SIZE, DecodeOptions, MqttVersion, PayloadSecurity, Record, RecordBuilder,
    RecordKind, SarState, SessionContext, StompVersion, USP_VERSION, Version,
};
pub use record_ref::RecordRef;
