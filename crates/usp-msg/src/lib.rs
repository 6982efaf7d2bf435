//! USP (TR-369) Message codec: decode, validate, build and encode every USP Message.
//!
//! A USP Message (`usp.Msg`) is what travels inside a USP Record's payload: a header with a
//! msg_id and msg_type, and a body that is a request, a response or an Error. This crate has
//! three layers:
//!
//! - [`pb`]: the raw prost structs generated from the official schema, every field as on the
//!   wire and nothing checked. Its semver follows prost.
//! - The validated layer: [`Msg`] with a typed [`Body`] ([`Request`], [`Response`], Error) and
//!   [`Notify`] kinds. A `Msg` can only be made through [`Msg::decode`], `TryFrom<pb::Msg>`,
//!   [`Msg::new`] or a builder, so holding one means the header and msg_id are present and
//!   every required oneof has exactly one member (R-MSG.6–R-MSG.8, R-ENC.5; two members on
//!   the wire, which prost would silently resolve, are rejected). The msg_type is derived
//!   from the body:
//!   a received header that disagrees is reported as a [`Warning`] (R-MSG.10), or rejected in
//!   strict mode.
//! - [`MsgRef`]: the same checks over the zero-copy [`view`]s, borrowing the input and
//!   allocating nothing; for messages that are read and answered rather than kept.
//!   [`Msg::decode`] is built on it.
//!
//! On top of that: [`MsgError`] says what was wrong and where, with the USP code to answer
//! with ([`MsgError::usp_error_code`]) and the Error reply ([`MsgError::error_reply`]);
//! [`ErrorCode`] names every USP error code and knows which ones each operation may carry;
//! and there is a typed builder for every request, response, Error and Notify kind, e.g.
//! [`GetBuilder`], [`SetRespBuilder`], [`OperationCompleteBuilder`], [`ErrorBuilder`].
//!
//! # No I/O
//!
//! This crate never opens sockets or files, reads clocks or the environment, spawns tasks or
//! keeps global state. It turns bytes into values and values into bytes; carrying them (in a
//! USP Record, over an MTP) is up to the caller, e.g. with `usp-record`.
//!
//! Decoding never panics and allocates at most a bounded multiple of the input (see
//! [`DecodeOptions::max_msg_size`] for measured factors), whose size is capped before anything
//! is decoded.
//!
//! # Features
//!
//! - `std` (default): `std` support in `prost` and `bytes`. Without it the crate is
//!   `#![no_std]` and needs only `alloc`.
//! - `text-decoder` (default): a second [`view`] decoder for input that is UTF-8 as a whole
//!   (every USP message whose nested messages are at most 127 bytes long is), used by
//!   `decode` and `decode_text` when it applies. It is faster (about 9% fewer instructions on
//!   a Record with a Get) and needs about twice the view decoder code; results and errors are
//!   the same either way. Firmware short of flash can leave it out.
//! - `serde`: `Serialize`/`Deserialize` for the [`pb`] types with protobuf JSON conventions, and
//!   for [`Msg`] (written as its `pb::Msg`; reading validates like [`Msg::decode`] and fails with
//!   the [`MsgError`] message), [`ErrorCode`] (a number) and [`MsgType`] (the proto enum name).
//!
//!   ```
//!   # #[cfg(feature = "serde")] {
//!   use usp_msg::{GetBuilder, Msg};
//!   let msg = GetBuilder::new("m-1").path("Device.").build().unwrap();
//!   let json = serde_json::to_string(&msg).unwrap();
//!   assert_eq!(
//!       json,
//!       r#"{"header":{"msg_id":"m-1","msg_type":"GET"},"body":{"request":{"get":{"param_paths":["Device."]}}}}"#
//!   );
//!   assert_eq!(serde_json::from_str::<Msg>(&json).unwrap(), msg);
//!   // Reading validates: R-MSG.8
//!   assert!(serde_json::from_str::<Msg>(&json.replace("m-1", "")).is_err());
//!   # }
//!   ```
//!
//! # Example
//!
//! ```
//! use usp_msg::{Body, ErrorCode, GetBuilder, GetRespBuilder, GetResult, Msg, MsgType, Request, ResolvedPath};
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! // Controller: build a Get and encode it.
//! let wire = GetBuilder::new("c-42").path("Device.DeviceInfo.SoftwareVersion").build_bytes()?;
//!
//! // Agent: decode and validate, then answer with the same msg_id (R-MSG.9).
//! let msg = Msg::decode(wire)?;
//! assert_eq!(msg.msg_type(), MsgType::Get);
//! let Body::Request(Request::Get(get)) = msg.body() else { return Ok(()) };
//! let mut resp = GetRespBuilder::new(msg.msg_id());
//! for path in &get.param_paths {
//!     resp = resp.result(
//!         GetResult::new(path.as_str())
//!             .resolved(ResolvedPath::new("Device.DeviceInfo.").param("SoftwareVersion", "1.2.3")),
//!     );
//! }
//! let reply = Msg::decode(resp.build_bytes()?)?;
//! assert_eq!(reply.msg_id(), "c-42");
//! assert_eq!(reply.msg_type(), MsgType::GetResp);
//!
//! // Or refuse it.
//! let err = msg.error_reply(ErrorCode::PERMISSION_DENIED, "not allowed")?;
//! assert_eq!(err.msg_type(), MsgType::Error);
//! # Ok(()) }
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

/// Raw wire types generated from the official `usp` schema by `usp-codegen`.
///
/// These are plain prost structs: every field as on the wire, no validation.
pub mod pb {
    include!("generated/usp.rs");
}

/// serde impls for the [`pb`] types with protobuf's JSON conventions (generated).
#[cfg(feature = "serde")]
mod serde_impls {
    include!("generated/usp_serde.rs");
}

/// The fast path (generated): zero-copy borrowed views of every [`pb`] message and a
/// one-pass encoder.
///
/// * `view::X::decode(&[u8])` decodes without copying: strings are `&str` (UTF-8 checked),
///   bytes are `&[u8]`, maps are [`view::Map`] (entries in wire order, the last duplicate key
///   wins). It accepts exactly the inputs prost accepts and never panics; `to_pb()` copies
///   into the [`pb`] type, `From<&pb::X>` borrows back.
/// * [`view::FastEncode`] encodes the [`pb`] types and the views with every nested size
///   computed once; the bytes are identical to prost's `encode_to_vec`.
///
/// These are wire-level types: nothing here checks USP rules (use [`Msg::decode`] for that).
///
/// ```
/// use usp_msg::pb;
/// use usp_msg::view::{self, FastEncode as _};
///
/// let get_resp = pb::GetResp {
///     req_path_results: vec![pb::get_resp::RequestedPathResult {
///         requested_path: "Device.DeviceInfo.".into(),
///         resolved_path_results: vec![pb::get_resp::ResolvedPathResult {
///             resolved_path: "Device.DeviceInfo.".into(),
///             result_params: [("SoftwareVersion".to_string(), "1.2.3".to_string())].into(),
///         }],
///         ..Default::default()
///     }],
/// };
/// let wire = get_resp.encode_fast_to_vec();
/// assert_eq!(wire, prost::Message::encode_to_vec(&get_resp));
///
/// let v = view::GetResp::decode(&wire)?;
/// let params = &v.req_path_results[0].resolved_path_results[0].result_params;
/// assert_eq!(params.get("SoftwareVersion"), Some("1.2.3"));
/// assert_eq!(v.to_pb(), get_resp);
/// assert_eq!(v.encode_fast_to_vec(), wire);
/// # Ok::<(), view::DecodeError>(())
/// ```
pub mod view {
    include!("generated/usp_view.rs");
}

mod builder;
mod error;
mod error_code;
mod msg;
mod msg_ref;
mod msg_type;
mod oneof_scan;
#[cfg(feature = "serde")]
mod serde_validated;

#[cfg(any(fuzzing, test))]
pub mod fuzzing;

pub use builder::*;
pub use error::{BodyKind, BuildError, Location, MsgError, Oneof, Warning};
pub use error_code::{AllowedCodes, ErrorCode, Operation};
pub use msg::{
    Body, DEFAULT_MAX_MSG_SIZE, DecodeOptions, Msg, Notify, NotifyKind, Request, Response,
};
pub use msg_ref::MsgRef;
pub use msg_type::MsgType;

/// Re-exported so users name the same `prost` and `bytes` versions as this crate.
pub use bytes;
/// Re-exported so users name the same `prost` and `bytes` versions as this crate.
pub use prost;

#[cfg(test)]
mod tests;

/// The README's examples, compiled and run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;
