//! Typed, fallible builders for every USP message.
//!
//! Required values are constructor arguments; optional ones are chained setters; `build()`
//! checks the combination and returns a validated [`Msg`] whose msg_type is derived from the
//! body, so it cannot disagree with it. `build_bytes()` encodes in the same call.
//!
//! Checks made by every builder: a non-empty msg_id (R-MSG.8), the lists the message needs
//! are non-empty, names and paths are non-empty and have the right ending (`.` for objects,
//! `()` for commands, `!` for events), and every error code is in 7000–7999 and on the
//! per-operation list of [`ErrorCode::allowed_for`] (data-model-defined codes 7200–7299 are
//! accepted too). Path syntax beyond that is the job of `usp-path`.

mod notify;
mod request;
mod response;

pub use notify::*;
pub use request::*;
pub use response::*;

use crate::{BuildError, ErrorCode, Location, Operation};

/// Generates `build` and `build_bytes` from a private `into_parts(self) -> Result<(String, Body), BuildError>`.
macro_rules! finish {
    () => {
        /// Checks the inputs and builds the message (msg_type derived from the body).
        ///
        /// Fails with the first problem found; see [`BuildError`](crate::BuildError).
        pub fn build(self) -> Result<crate::Msg, crate::BuildError> {
            let (msg_id, body) = self.into_parts()?;
            if msg_id.is_empty() {
                return Err(crate::BuildError::EmptyMsgId);
            }
            crate::Msg::new(msg_id, body).map_err(crate::BuildError::Invalid)
        }

        /// [`build`](Self::build), then encode: the bytes to put in a USP Record payload.
        pub fn build_bytes(self) -> Result<bytes::Bytes, crate::BuildError> {
            Ok(self.build()?.encode_to_bytes())
        }
    };
}
pub(crate) use finish;

/// Shorthand for a [`Location`] with indices.
pub(crate) fn at(field: &'static str, indices: &[usize]) -> Location {
    Location::new(field, indices)
}

pub(crate) fn non_empty(at: impl Into<Location>, value: &str) -> Result<(), BuildError> {
    if value.is_empty() {
        Err(BuildError::EmptyValue { at: at.into() })
    } else {
        Ok(())
    }
}

pub(crate) fn at_least_one<T>(at: impl Into<Location>, items: &[T]) -> Result<(), BuildError> {
    if items.is_empty() {
        Err(BuildError::NoEntries { at: at.into() })
    } else {
        Ok(())
    }
}

/// No key of a string map may be empty.
pub(crate) fn map_keys<V>(
    at: impl Into<Location>,
    map: &alloc::collections::BTreeMap<alloc::string::String, V>,
) -> Result<(), BuildError> {
    if map.contains_key("") {
        Err(BuildError::InvalidValue {
            at: at.into(),
            reason: "a key is empty",
        })
    } else {
        Ok(())
    }
}

/// A path that must name an object: non-empty and ending in `.`.
pub(crate) fn obj_path(at: impl Into<Location>, value: &str) -> Result<(), BuildError> {
    let at = at.into();
    non_empty(at, value)?;
    if value.ends_with('.') {
        Ok(())
    } else {
        Err(BuildError::InvalidValue {
            at,
            reason: "an object path must end with '.'",
        })
    }
}

/// A command path or name: something before a final `()`.
pub(crate) fn command(at: impl Into<Location>, value: &str) -> Result<(), BuildError> {
    let at = at.into();
    non_empty(at, value)?;
    match value.strip_suffix("()") {
        Some(name) if !name.is_empty() && !name.ends_with('.') => Ok(()),
        _ => Err(BuildError::InvalidValue {
            at,
            reason: "a command must be a name followed by \"()\"",
        }),
    }
}

/// An event path or name: something before a final `!`.
pub(crate) fn event(at: impl Into<Location>, value: &str) -> Result<(), BuildError> {
    let at = at.into();
    non_empty(at, value)?;
    match value.strip_suffix('!') {
        Some(name) if !name.is_empty() && !name.ends_with('.') => Ok(()),
        _ => Err(BuildError::InvalidValue {
            at,
            reason: "an event must be a name followed by '!'",
        }),
    }
}

/// A comma-separated list of `Major.Minor` protocol versions, e.g. `"1.3,1.4"`.
pub(crate) fn versions(at: impl Into<Location>, value: &str) -> Result<(), BuildError> {
    let at = at.into();
    non_empty(at, value)?;
    let ok = value.split(',').all(|v| {
        let mut parts = v.trim().split('.');
        let digits = |p: Option<&str>| {
            p.is_some_and(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
        };
        digits(parts.next()) && digits(parts.next()) && parts.next().is_none()
    });
    if ok {
        Ok(())
    } else {
        Err(BuildError::InvalidValue {
            at,
            reason: "expected a comma-separated list of Major.Minor versions such as \"1.3,1.4\"",
        })
    }
}

/// An error code for `op`: in 7000–7999 and allowed for `op` (or data-model defined).
pub(crate) fn code_for(
    at: impl Into<Location>,
    code: u32,
    op: Operation,
) -> Result<(), BuildError> {
    let at = at.into();
    let c = ErrorCode::new(code);
    if !c.is_in_usp_range() {
        return Err(BuildError::ErrorCodeOutOfRange { at, code });
    }
    if c.is_allowed_for(op) || c.is_data_model_defined() {
        Ok(())
    } else {
        Err(BuildError::ErrorCodeNotAllowed {
            at,
            code: c,
            operation: op,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn helper_checks() {
        assert!(obj_path("f", "Device.").is_ok());
        assert!(obj_path("f", "Device").is_err());
        assert!(obj_path("f", "").is_err());
        assert!(command("f", "Device.Reboot()").is_ok());
        assert!(command("f", "Reboot()").is_ok());
        assert!(command("f", "()").is_err());
        assert!(command("f", "Device.()").is_err());
        assert!(command("f", "Device.Reboot").is_err());
        assert!(event("f", "Boot!").is_ok());
        assert!(event("f", "!").is_err());
        assert!(versions("f", "1.4").is_ok());
        assert!(versions("f", "1.0,1.1, 1.4").is_ok());
        assert!(versions("f", "1").is_err());
        assert!(versions("f", "1.4,").is_err());
        assert!(versions("f", "1.4.1").is_err());
        assert!(versions("f", "").is_err());
        assert!(code_for("f", 7026, Operation::Get).is_ok());
        assert!(code_for("f", 7250, Operation::Get).is_ok());
        assert!(code_for("f", 7900, Operation::Get).is_ok());
        assert!(matches!(
            code_for("f", 7028, Operation::Get),
            Err(BuildError::ErrorCodeNotAllowed { .. })
        ));
        assert!(matches!(
            code_for("f", 0, Operation::Get),
            Err(BuildError::ErrorCodeOutOfRange { code: 0, .. })
        ));
    }
}
