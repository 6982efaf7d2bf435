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
// Tests (and the `arbitrary` derives of the fuzz inputs) need std.
#[cfg(any(feature = "std", test))]
extern crate std;

mod config;
mod error;
mod event;
pub mod integrity;
mod rng;
mod sar;
pub mod security;
mod session;
mod sessions;
mod time;

#[cfg(any(test, all(fuzzing, feature = "arbitrary")))]
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
