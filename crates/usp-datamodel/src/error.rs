//! Error types: [`DmError`] for data model operations, [`SchemaError`] for building a
//! [`crate::Schema`], and (with the `xml` feature) [`crate::xml::XmlError`].

use alloc::borrow::Cow;
use alloc::string::String;

/// A failure reported by a [`crate::DataModel`] implementation, carried into the USP reply.
///
/// `code` is the USP error code the engine answers with (for example 7009 for a parameter the
/// hardware refused, 7017 for a row that could not be created, 7024 for one that could not be
/// deleted), `msg` the human-readable `err_msg`.
///
/// ```
/// use usp_datamodel::DmError;
///
/// let e = DmError::new(7017, "table full");
/// assert_eq!((e.code(), e.msg()), (7017, "table full"));
/// assert_eq!(e.to_string(), "7017: table full");
/// ```
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{code}: {msg}")]
pub struct DmError {
    code: u32,
    msg: Cow<'static, str>,
}

impl DmError {
    /// An error with USP code `code` and message `msg`.
    pub fn new(code: u32, msg: impl Into<Cow<'static, str>>) -> Self {
        Self {
            code,
            msg: msg.into(),
        }
    }

    /// The USP error code.
    pub const fn code(&self) -> u32 {
        self.code
    }

    /// The USP error code as a `usp_msg::ErrorCode`.
    pub const fn error_code(&self) -> usp_msg::ErrorCode {
        usp_msg::ErrorCode::new(self.code)
    }

    /// The message (`err_msg`).
    pub fn msg(&self) -> &str {
        &self.msg
    }
}

/// Why an object, parameter, command or event could not be added to a [`crate::Schema`].
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SchemaError {
    /// The object path is not a valid supported path (`Device.IP.Interface.{i}.`).
    #[error("invalid supported object path {0:?}")]
    InvalidPath(String),
    /// An object with this path already exists.
    #[error("object {0:?} defined twice")]
    Duplicate(String),
    /// The parent object of this path is not defined yet (parents must come first).
    #[error("parent of {0:?} is not defined")]
    MissingParent(String),
    /// A name (parameter, command, event or argument) is not valid.
    #[error("invalid name {0:?}")]
    InvalidName(String),
    /// A unique key names a parameter the object does not have.
    #[error("unique key of {object:?} names unknown parameter {param:?}")]
    UnknownKeyParam {
        /// The object.
        object: String,
        /// The parameter.
        param: String,
    },
}
