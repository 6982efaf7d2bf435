//! Error types: [`ControllerError`] for API calls and received Records, [`RequestError`] for a
//! request the Agent refused, [`UspError`] and [`PathFailure`] for USP error codes in results.

use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;

use usp_msg::{BuildError, ErrorCode, MsgError, MsgType};
use usp_record::{EndpointIdError, RecordError};

/// A USP error reported by the Agent: an [`ErrorCode`] and its `err_msg` text.
///
/// Appears in an Error message ([`RequestError::Agent`]) and in per-path or per-parameter
/// failures inside responses ([`PathFailure`]).
///
/// ```
/// use usp_controller::UspError;
/// use usp_msg::ErrorCode;
///
/// let e = UspError::new(7026, "no such path");
/// assert_eq!(e.code, ErrorCode::INVALID_PATH);
/// assert_eq!(e.to_string(), "7026 (Invalid path): no such path");
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct UspError {
    /// The `err_code` (7000–7999 for conforming Agents; kept as received otherwise).
    pub code: ErrorCode,
    /// The `err_msg` text (may be empty).
    pub message: String,
}

impl UspError {
    /// An error with this code and text.
    #[must_use]
    pub fn new(code: impl Into<ErrorCode>, message: impl Into<String>) -> Self {
        Self {
            code: code.into(),
            message: message.into(),
        }
    }
}

impl fmt::Display for UspError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.code, self.message)
    }
}

impl core::error::Error for UspError {}

/// A failure tied to one path: a requested path, an affected instance, a parameter name
/// (relative, as the Agent sent it) or a full parameter path, depending on where it appears.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct PathFailure {
    /// The path or parameter the error is about.
    pub path: String,
    /// What went wrong.
    pub error: UspError,
}

impl PathFailure {
    /// A failure of `path`.
    #[must_use]
    pub fn new(path: impl Into<String>, error: UspError) -> Self {
        Self {
            path: path.into(),
            error,
        }
    }
}

/// Why a request produced no typed result, carried by
/// [`ControllerEvent::Response`](crate::ControllerEvent::Response).
///
/// Per-path failures inside a successful response are not `RequestError`s: they are
/// [`PathFailure`]s in the typed result (e.g. [`GetValues::failures`](crate::GetValues)).
/// A request that got no answer in time is reported by
/// [`ControllerEvent::TimedOut`](crate::ControllerEvent::TimedOut) instead.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum RequestError {
    /// The Agent answered with an Error message (R-MSG.9: same msg_id as the request).
    #[error("agent answered with error {error}")]
    Agent {
        /// `err_code` and `err_msg` of the Error message.
        error: UspError,
        /// Its `param_errs`: one entry per failed parameter or object path.
        param_errs: Vec<PathFailure>,
    },
    /// A reply with this request's msg_id arrived but failed validation (the Agent broke the
    /// schema, e.g. a SetResp result without `oper_status`). The request is over.
    #[error("the reply to this request is invalid: {0}")]
    InvalidResponse(MsgError),
}

impl RequestError {
    /// The USP error code of an [`RequestError::Agent`] error.
    #[must_use]
    pub fn code(&self) -> Option<ErrorCode> {
        match self {
            Self::Agent { error, .. } => Some(error.code),
            Self::InvalidResponse(_) => None,
        }
    }
}

/// Why an API call failed or a received Record was dropped.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum ControllerError {
    /// An Endpoint ID given to the configuration is invalid.
    #[error("`{field}` is not a valid Endpoint ID: {source}")]
    EndpointId {
        /// `"local_id"` or `"agent_id"`.
        field: &'static str,
        /// The rule broken.
        source: EndpointIdError,
    },
    /// A configuration value is out of range.
    #[error("invalid configuration: {0}")]
    Config(&'static str),
    /// The E2E session configuration is invalid.
    #[error("invalid E2E session configuration: {0}")]
    E2eConfig(usp_e2e::ConfigError),
    /// The request could not be built from the given arguments (empty path list, a path
    /// without its required ending, ...).
    #[error("request could not be built: {0}")]
    Build(BuildError),
    /// A message passed to [`Controller::request_with`](crate::Controller::request_with) or
    /// [`Controller::reply`](crate::Controller::reply) is of the wrong kind.
    #[error("message of type {got:?} cannot be sent here: {reason}")]
    WrongMessage {
        /// The type of the message given.
        got: MsgType,
        /// What was expected.
        reason: &'static str,
    },
    /// [`Controller::request_with`](crate::Controller::request_with) built a message whose
    /// msg_id is not the one it was given.
    #[error("the built request has msg_id {got:?}, expected {expected:?}")]
    MsgIdChanged {
        /// The msg_id assigned by the Controller.
        expected: String,
        /// The msg_id of the built message.
        got: String,
    },
    /// As many requests as configured are already awaiting replies; wait for some to finish.
    #[error("{limit} requests are already pending")]
    TooManyPending {
        /// The configured maximum.
        limit: usize,
    },
    /// A [`Controllers`](crate::Controllers) container has no Controller for the Record's
    /// sender (and does not add Agents automatically).
    #[error("no Controller for this Agent")]
    UnknownAgent,
    /// A [`Controllers`](crate::Controllers) container is full.
    #[error("already {limit} Agents")]
    TooManyAgents {
        /// The configured maximum.
        limit: usize,
    },
    /// A received Record failed validation and was dropped.
    #[error("received record dropped: {0}")]
    Record(RecordError),
    /// The E2E layer refused a received Record or an outgoing payload (the spec's reaction,
    /// e.g. a session restart, has already been taken).
    #[error("E2E layer: {0}")]
    E2e(usp_e2e::E2eError),
}

impl From<BuildError> for ControllerError {
    fn from(e: BuildError) -> Self {
        Self::Build(e)
    }
}

impl From<RecordError> for ControllerError {
    fn from(e: RecordError) -> Self {
        Self::Record(e)
    }
}

impl From<usp_e2e::E2eError> for ControllerError {
    fn from(e: usp_e2e::E2eError) -> Self {
        Self::E2e(e)
    }
}

impl From<usp_e2e::ConfigError> for ControllerError {
    fn from(e: usp_e2e::ConfigError) -> Self {
        Self::E2eConfig(e)
    }
}
