//! Error and warning types.

use alloc::string::{String, ToString};
use core::fmt;

use crate::{ErrorCode, MsgType, Operation};

/// Why a USP Message was rejected by [`Msg::decode`](crate::Msg::decode) or
/// [`Msg::try_from`](crate::Msg#impl-TryFrom<Msg>-for-Msg).
///
/// Each variant says what is wrong and where. [`usp_error_code`](Self::usp_error_code) gives
/// the code to answer with and [`error_reply`](Self::error_reply) builds the Error message, when
/// one may be sent.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum MsgError {
    /// The input is longer than [`DecodeOptions::max_msg_size`](crate::DecodeOptions::max_msg_size);
    /// nothing was decoded.
    #[error("message is {size} bytes, more than the configured maximum of {max}")]
    TooLarge {
        /// Input length in bytes.
        size: usize,
        /// The configured maximum.
        max: usize,
    },
    /// The bytes are not a valid `usp.Msg` protobuf encoding (R-MSG.5): truncated data, a
    /// wrong wire type for a known field, invalid UTF-8 in a string, a varint overflow, or
    /// nesting deeper than prost's recursion limit. [`MsgError::offset`] says where.
    #[error("protobuf decode failed: {}", DecodeDetail(detail.as_ref(), source))]
    Decode {
        /// prost's error.
        source: prost::DecodeError,
        /// What is wrong and at which byte offset, from the generated views, which reject
        /// exactly the inputs prost rejects (`None` only if they disagree with prost).
        detail: Option<crate::view::DecodeError>,
    },
    /// `Msg.header` is absent (R-MSG.6).
    #[error("header missing")]
    MissingHeader,
    /// `header.msg_id` is empty (R-MSG.8).
    #[error("header.msg_id is empty")]
    EmptyMsgId,
    /// A oneof that must have exactly one member set has none (R-ENC.5, R-MSG.7).
    #[error("{oneof} missing (msg_id {msg_id:?})")]
    MissingOneof {
        /// The message's msg_id, for the Error reply.
        msg_id: String,
        /// Whether the body was a request, response or error, if that much was present.
        body: Option<BodyKind>,
        /// Which oneof is empty.
        oneof: Oneof,
    },
    /// A oneof has two different members on the wire (R-ENC.5: exactly one). prost would
    /// silently keep the last one; [`Msg::decode`](crate::Msg::decode) scans the bytes for
    /// this. Values built in memory (`pb` structs) cannot have it.
    #[error(
        "{oneof} has more than one member set (fields {first} and {second}; msg_id {msg_id:?})"
    )]
    ConflictingOneof {
        /// The message's msg_id, for the Error reply.
        msg_id: String,
        /// Whether the decoded body was a request, response or error.
        body: Option<BodyKind>,
        /// Which oneof.
        oneof: Oneof,
        /// Field number of the first member seen.
        first: u32,
        /// Field number of the other member.
        second: u32,
    },
    /// Strict mode only: the header's msg_type does not agree with the body.
    #[error("{warning} (msg_id {msg_id:?}, strict mode)")]
    MsgTypeRejected {
        /// The message's msg_id, for the Error reply.
        msg_id: String,
        /// Whether the body was a request, response or error.
        body: BodyKind,
        /// What disagreed.
        warning: Warning,
    },
    /// [`Msg::encode`](crate::Msg::encode) was given a buffer with too little space.
    #[error("buffer has {remaining} bytes of space, {required} needed")]
    BufferTooSmall {
        /// Bytes needed.
        required: usize,
        /// Bytes available.
        remaining: usize,
    },
}

impl MsgError {
    /// The USP error code to answer with.
    ///
    /// 7004 (Invalid arguments) for validation failures, including broken oneofs (R-ENC.5);
    /// 7005 (Resources exceeded) for [`MsgError::TooLarge`]; 7000 (Message failed) for protobuf
    /// decode failures. Whether a reply can be sent at all is [`Self::can_reply`].
    #[must_use]
    pub fn usp_error_code(&self) -> ErrorCode {
        match self {
            Self::TooLarge { .. } | Self::BufferTooSmall { .. } => ErrorCode::RESOURCES_EXCEEDED,
            Self::Decode { .. } => ErrorCode::MESSAGE_FAILED,
            Self::MissingHeader
            | Self::EmptyMsgId
            | Self::MissingOneof { .. }
            | Self::ConflictingOneof { .. }
            | Self::MsgTypeRejected { .. } => ErrorCode::INVALID_ARGUMENTS,
        }
    }

    /// The byte offset in the input where decoding failed, for [`MsgError::Decode`].
    ///
    /// ```
    /// use usp_msg::Msg;
    ///
    /// // A header (field 1) whose length prefix (byte 1: 9 bytes) runs past the end.
    /// let err = Msg::decode(&[0x0a, 0x09, 0x0a][..]).unwrap_err();
    /// assert_eq!(err.offset(), Some(1));
    /// assert_eq!(err.to_string(), "protobuf decode failed: truncated input at byte 1");
    /// ```
    #[must_use]
    pub fn offset(&self) -> Option<usize> {
        match self {
            Self::Decode { detail, .. } => detail.map(|d| d.offset()),
            _ => None,
        }
    }

    /// The msg_id of the rejected message, when it could be read and is non-empty.
    #[must_use]
    pub fn msg_id(&self) -> Option<&str> {
        match self {
            Self::MissingOneof { msg_id, .. }
            | Self::ConflictingOneof { msg_id, .. }
            | Self::MsgTypeRejected { msg_id, .. } => Some(msg_id),
            _ => None,
        }
    }

    /// True if an Error message may be sent back for this failure.
    ///
    /// That needs a readable, non-empty msg_id, and a body that is a request or is missing
    /// altogether (R-ENC.5 names a missing body; the sender meant it as a request, since
    /// responses and errors answer nothing). A broken Response or Error is dropped instead:
    /// no message flow answers a response (decision of this crate).
    #[must_use]
    pub fn can_reply(&self) -> bool {
        match self {
            Self::MissingOneof { body, .. } | Self::ConflictingOneof { body, .. } => {
                matches!(body, None | Some(BodyKind::Request))
            }
            Self::MsgTypeRejected { body, .. } => *body == BodyKind::Request,
            _ => false,
        }
    }

    /// The Error message to send back (same msg_id, R-MSG.9; code from
    /// [`usp_error_code`](Self::usp_error_code); err_msg = this error's text), or `None` when
    /// [`can_reply`](Self::can_reply) is false.
    ///
    /// ```
    /// use usp_msg::{pb, ErrorCode, Msg, MsgError};
    ///
    /// // A request whose req_type oneof is empty.
    /// let raw = pb::Msg {
    ///     header: Some(pb::Header { msg_id: "m-7".into(), msg_type: pb::header::MsgType::Get as i32 }),
    ///     body: Some(pb::Body { msg_body: Some(pb::body::MsgBody::Request(pb::Request { req_type: None })) }),
    /// };
    /// let err = Msg::try_from(raw).unwrap_err();
    /// assert_eq!(err.to_string(), "body.request.req_type missing (msg_id \"m-7\")");
    /// let reply = err.error_reply().expect("a request with a msg_id can be answered");
    /// assert_eq!(reply.msg_id(), "m-7");
    /// assert_eq!(reply.error().map(|e| e.err_code), Some(ErrorCode::INVALID_ARGUMENTS.get()));
    /// ```
    #[must_use]
    pub fn error_reply(&self) -> Option<crate::Msg> {
        if !self.can_reply() {
            return None;
        }
        let msg_id = self.msg_id()?;
        crate::ErrorBuilder::new(msg_id, self.usp_error_code())
            .err_msg(self.to_string())
            .build()
            .ok()
    }
}

/// Which member of `Body.msg_body` a message had.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum BodyKind {
    /// `body.request`.
    Request,
    /// `body.response`.
    Response,
    /// `body.error`.
    Error,
}

/// A oneof (or the message wrapping one) that is required to have exactly one member set.
///
/// Displays as the field path, e.g. `body.response.set_resp.updated_obj_results[2].oper_status`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Oneof {
    /// `Msg.body` or its `msg_body` oneof.
    MsgBody,
    /// `Request.req_type`.
    ReqType,
    /// `Response.resp_type`.
    RespType,
    /// `Notify.notification`.
    Notification,
    /// `Notify.OperationComplete.operation_resp`.
    OperationCompleteResp,
    /// `SetResp.UpdatedObjectResult.oper_status` at `index`.
    SetRespOperStatus {
        /// Index in `updated_obj_results`.
        index: usize,
    },
    /// `AddResp.CreatedObjectResult.oper_status` at `index`.
    AddRespOperStatus {
        /// Index in `created_obj_results`.
        index: usize,
    },
    /// `DeleteResp.DeletedObjectResult.oper_status` at `index`.
    DeleteRespOperStatus {
        /// Index in `deleted_obj_results`.
        index: usize,
    },
    /// `OperateResp.OperationResult.operation_resp` at `index`.
    OperateRespOperationResp {
        /// Index in `operation_results`.
        index: usize,
    },
    /// `RegisterResp.RegisteredPathResult.oper_status` at `index`.
    RegisterRespOperStatus {
        /// Index in `registered_path_results`.
        index: usize,
    },
    /// `DeregisterResp.DeregisteredPathResult.oper_status` at `index`.
    DeregisterRespOperStatus {
        /// Index in `deregistered_path_results`.
        index: usize,
    },
}

impl fmt::Display for Oneof {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (list, index, member) = match *self {
            Self::MsgBody => return f.write_str("body.msg_body"),
            Self::ReqType => return f.write_str("body.request.req_type"),
            Self::RespType => return f.write_str("body.response.resp_type"),
            Self::Notification => return f.write_str("body.request.notify.notification"),
            Self::OperationCompleteResp => {
                return f.write_str("body.request.notify.oper_complete.operation_resp");
            }
            Self::SetRespOperStatus { index } => (
                "body.response.set_resp.updated_obj_results",
                index,
                "oper_status",
            ),
            Self::AddRespOperStatus { index } => (
                "body.response.add_resp.created_obj_results",
                index,
                "oper_status",
            ),
            Self::DeleteRespOperStatus { index } => (
                "body.response.delete_resp.deleted_obj_results",
                index,
                "oper_status",
            ),
            Self::OperateRespOperationResp { index } => (
                "body.response.operate_resp.operation_results",
                index,
                "operation_resp",
            ),
            Self::RegisterRespOperStatus { index } => (
                "body.response.register_resp.registered_path_results",
                index,
                "oper_status",
            ),
            Self::DeregisterRespOperStatus { index } => (
                "body.response.deregister_resp.deregistered_path_results",
                index,
                "oper_status",
            ),
        };
        write!(f, "{list}[{index}].{member}")
    }
}

/// A non-fatal problem found while validating a received message.
///
/// `msg_type` is required but informative (R-MSG.10): when the header disagrees with the body
/// the body's type wins and the message is still accepted, carrying one of these (see
/// [`Msg::warning`](crate::Msg::warning)). [`DecodeOptions::strict`](crate::DecodeOptions::strict)
/// turns them into [`MsgError::MsgTypeRejected`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, thiserror::Error)]
#[non_exhaustive]
pub enum Warning {
    /// The header names a different type than the body.
    #[error("header.msg_type is {header} but the body is {body}")]
    MsgTypeMismatch {
        /// The type in the header.
        header: MsgType,
        /// The type of the body, which is used.
        body: MsgType,
    },
    /// `header.msg_type` was absent (so it decoded as ERROR, the proto3 default) while the
    /// body is not an Error.
    #[error("header.msg_type missing (decodes as ERROR) but the body is {body}")]
    MsgTypeMissing {
        /// The type of the body, which is used.
        body: MsgType,
    },
    /// `header.msg_type` holds a number USP 1.4 does not define.
    #[error("header.msg_type {header} is not a known type; the body is {body}")]
    UnknownMsgType {
        /// The raw value in the header.
        header: i32,
        /// The type of the body, which is used.
        body: MsgType,
    },
}

/// Why a builder refused to build a message.
///
/// [`Location`] names the offending field, with list indices filled in, e.g.
/// `set.update_objs[1].param_settings[0].param`.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum BuildError {
    /// The msg_id is empty (R-MSG.8).
    #[error("msg_id is empty")]
    EmptyMsgId,
    /// A list the message needs at least one entry in is empty.
    #[error("{at} needs at least one entry")]
    NoEntries {
        /// The list.
        at: Location,
    },
    /// A string that must not be empty is empty.
    #[error("{at} is empty")]
    EmptyValue {
        /// The field.
        at: Location,
    },
    /// A value has the wrong form.
    #[error("{at} is invalid: {reason}")]
    InvalidValue {
        /// The field.
        at: Location,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// An error code outside 7000–7999 (including 0, which means success on the wire).
    #[error("{at} {code} is outside 7000-7999")]
    ErrorCodeOutOfRange {
        /// The field.
        at: Location,
        /// The code given.
        code: u32,
    },
    /// An error code the spec does not allow for this operation (see
    /// [`ErrorCode::allowed_for`]).
    #[error("{at} {code} is not allowed for {operation:?}")]
    ErrorCodeNotAllowed {
        /// The field.
        at: Location,
        /// The code given.
        code: ErrorCode,
        /// The operation whose list it is not on.
        operation: Operation,
    },
    /// Two settings that exclude each other were both given.
    #[error("{0}")]
    Conflict(&'static str),
    /// The built message failed validation (a bug in this crate if it ever happens).
    #[error("built message is invalid: {0}")]
    Invalid(MsgError),
}

/// Where in a message a builder found a problem: a field path in the message schema whose
/// `[]` markers (one per list level) are filled with the entry indices.
///
/// ```
/// use usp_msg::{BuildError, SetBuilder, UpdateObject};
///
/// let err = SetBuilder::new("s")
///     .update_obj(UpdateObject::new("Device.A.").param("X", "1"))
///     .update_obj(UpdateObject::new("Device.B.").param("Y", "1").param("", "2"))
///     .build()
///     .unwrap_err();
/// let BuildError::EmptyValue { at } = &err else { panic!("{err}") };
/// assert_eq!(at.field(), "set.update_objs[].param_settings[].param");
/// assert_eq!(at.indices(), [1, 1]);
/// assert_eq!(err.to_string(), "set.update_objs[1].param_settings[1].param is empty");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Location {
    field: &'static str,
    indices: [usize; 3],
    len: u8,
}

impl Location {
    /// A location; `indices` fill the `[]` markers of `field` in order (at most 3 are kept).
    pub(crate) fn new(field: &'static str, indices: &[usize]) -> Self {
        let mut out = [0; 3];
        let mut len = 0u8;
        for (slot, &i) in out.iter_mut().zip(indices) {
            *slot = i;
            len += 1;
        }
        Self {
            field,
            indices: out,
            len,
        }
    }

    /// The field path with a `[]` per list level, e.g. `"get.param_paths[]"`.
    #[must_use]
    pub fn field(&self) -> &'static str {
        self.field
    }

    /// The list indices, outermost first.
    #[must_use]
    pub fn indices(&self) -> &[usize] {
        self.indices.get(..usize::from(self.len)).unwrap_or(&[])
    }
}

impl From<&'static str> for Location {
    fn from(field: &'static str) -> Self {
        Self::new(field, &[])
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut indices = self.indices().iter();
        let mut parts = self.field.split("[]");
        if let Some(first) = parts.next() {
            f.write_str(first)?;
        }
        for part in parts {
            match indices.next() {
                Some(i) => write!(f, "[{i}]")?,
                None => f.write_str("[]")?,
            }
            f.write_str(part)?;
        }
        Ok(())
    }
}

/// Displays the view's error when there is one, else prost's.
struct DecodeDetail<'a>(Option<&'a crate::view::DecodeError>, &'a prost::DecodeError);

impl fmt::Display for DecodeDetail<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Some(detail) => fmt::Display::fmt(detail, f),
            None => fmt::Display::fmt(self.1, f),
        }
    }
}

impl From<MsgError> for BuildError {
    fn from(e: MsgError) -> Self {
        Self::Invalid(e)
    }
}
