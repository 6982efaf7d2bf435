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

use crate::{BuildError, ErrorCode, Operation};

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

pub(crate) fn non_empty(
    field: &'static str,
    index: Option<usize>,
    value: &str,
) -> Result<(), BuildError> {
    if value.is_empty() {
        Err(BuildError::EmptyValue { field, index })
    } else {
        Ok(())
    }
}

pub(crate) fn at_least_one<T>(field: &'static str, items: &[T]) -> Result<(), BuildError> {
    if items.is_empty() {
        Err(BuildError::NoEntries { field })
    } else {
        Ok(())
    }
}

/// A path that must name an object: non-empty and ending in `.`.
pub(crate) fn obj_path(
    field: &'static str,
    index: Option<usize>,
    value: &str,
) -> Result<(), BuildError> {
    non_empty(field, index, value)?;
    if value.ends_with('.') {
        Ok(())
    } else {
        Err(BuildError::InvalidValue {
            field,
            index,
            reason: "an object path must end with '.'",
        })
    }
}

/// A command path or name: something before a final `()`.
pub(crate) fn command(
    field: &'static str,
    index: Option<usize>,
    value: &str,
) -> Result<(), BuildError> {
    non_empty(field, index, value)?;
    match value.strip_suffix("()") {
        Some(name) if !name.is_empty() && !name.ends_with('.') => Ok(()),
        _ => Err(BuildError::InvalidValue {
            field,
            index,
            reason: "a command must be a name followed by \"()\"",
        }),
    }
}

/// An event path or name: something before a final `!`.
pub(crate) fn event(
    field: &'static str,
    index: Option<usize>,
    value: &str,
) -> Result<(), BuildError> {
    non_empty(field, index, value)?;
    match value.strip_suffix('!') {
        Some(name) if !name.is_empty() && !name.ends_with('.') => Ok(()),
        _ => Err(BuildError::InvalidValue {
            field,
            index,
            reason: "an event must be a name followed by '!'",
        }),
    }
}

/// A comma-separated list of `Major.Minor` protocol versions, e.g. `"1.3,1.4"`.
pub(crate) fn versions(field: &'static str, value: &str) -> Result<(), BuildError> {
    non_empty(field, None, value)?;
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
            field,
            index: None,
            reason: "expected a comma-separated list of Major.Minor versions such as \"1.3,1.4\"",
        })
    }
}

/// An error code for `op`: in 7000–7999 and allowed for `op` (or data-model defined).
pub(crate) fn code_for(field: &'static str, code: u32, op: Operation) -> Result<(), BuildError> {
    let c = ErrorCode::new(code);
    if !c.is_in_usp_range() {
        return Err(BuildError::ErrorCodeOutOfRange { field, code });
    }
    if c.is_allowed_for(op) || c.is_data_model_defined() {
        Ok(())
    } else {
        Err(BuildError::ErrorCodeNotAllowed {
            field,
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
        assert!(obj_path("f", None, "Device.").is_ok());
        assert!(obj_path("f", None, "Device").is_err());
        assert!(obj_path("f", None, "").is_err());
        assert!(command("f", None, "Device.Reboot()").is_ok());
        assert!(command("f", None, "Reboot()").is_ok());
        assert!(command("f", None, "()").is_err());
        assert!(command("f", None, "Device.()").is_err());
        assert!(command("f", None, "Device.Reboot").is_err());
        assert!(event("f", None, "Boot!").is_ok());
        assert!(event("f", None, "!").is_err());
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
