//! USP (TR-369) Record codec.
#![no_std]
#![forbid(unsafe_code)]
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
