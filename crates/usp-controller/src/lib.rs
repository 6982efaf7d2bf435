#![doc = include_str!("../README.md")]
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
mod controller;
mod error;
mod pool;
mod results;

pub use config::{
    ControllerConfig, DEFAULT_MAX_PENDING, DEFAULT_REMEMBERED_IDS, DEFAULT_REQUEST_TIMEOUT,
};
pub use controller::{
    Controller, ControllerEvent, Notification, RequestId, SupportedDmFlags, UnmatchedReason,
};
pub use error::{ControllerError, PathFailure, RequestError, UspError};
pub use pool::Controllers;
pub use results::{
    AddOutcome, CommandOutcome, CommandResult, CreatedObject, DeleteOutcome, DeletedObjects,
    GetValues, Instances, OperateOutcome, ProtocolVersions, SetFailure, SetOutcome,
    SupportedCommand, SupportedDm, SupportedObject, SupportedParam, SupportedTree, TypedResult,
    UpdatedInstance, join_path,
};

/// Re-exported so users name the same versions as this crate.
pub use bytes;
/// Re-exported so users name the same versions as this crate.
pub use usp_e2e;
/// Re-exported: the caller-supplied millisecond clock value every input takes.
pub use usp_e2e::Instant;
/// Re-exported so users name the same versions as this crate.
pub use usp_msg;
/// Re-exported so users name the same versions as this crate.
pub use usp_record;
