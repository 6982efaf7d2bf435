//! USP error codes (TR-369 1.4, the 7000–7999 range) and which codes each message may carry.

use core::fmt;

use crate::MsgType;

/// A USP error code, as carried in `err_code` fields (fixed32 on the wire).
///
/// USP error codes form an open range, 7000–7999, so this is a newtype with associated
/// constants rather than an enum: codes this crate does not know (data-model-defined 7200–7299,
/// vendor 7800–7999, or codes added by later USP versions) still round-trip unchanged.
///
/// ```
/// use usp_msg::ErrorCode;
///
/// let code = ErrorCode::INVALID_PATH;
/// assert_eq!(code.get(), 7026);
/// assert_eq!(code.name(), "Invalid path");
/// assert_eq!(code.to_string(), "7026 (Invalid path)");
/// assert_eq!(ErrorCode::from(7026), code);
/// assert!(ErrorCode::new(7850).is_vendor());
/// assert!(ErrorCode::new(6999).is_reserved_out_of_range());
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ErrorCode(u32);

/// `(code, name, meaning)` for every code the USP 1.4 tables define.
const TABLE: &[(u32, &str, &str)] = &[
    (
        7000,
        "Message failed",
        "the message failed for a reason given in err_msg",
    ),
    (
        7001,
        "Message not supported",
        "the receiver does not understand this message type",
    ),
    (
        7002,
        "Request denied (no reason specified)",
        "the receiver cannot or will not process the request",
    ),
    (
        7003,
        "Internal error",
        "a hardware or software fault inside the receiver",
    ),
    (
        7004,
        "Invalid arguments",
        "the message holds invalid values or breaks a oneof rule",
    ),
    (
        7005,
        "Resources exceeded",
        "the receiver ran out of memory or processing capacity",
    ),
    (
        7006,
        "Permission denied",
        "the sender is not authorised for this request",
    ),
    (
        7007,
        "Invalid configuration",
        "the result would leave the device in an invalid or unrecoverable state",
    ),
    (
        7008,
        "Invalid path syntax",
        "a requested path could not be parsed",
    ),
    (
        7009,
        "Parameter action failed",
        "updating a parameter failed for a general reason",
    ),
    (
        7010,
        "Unsupported parameter",
        "the parameter matches no instantiated parameter",
    ),
    (
        7011,
        "Invalid type",
        "the value string does not have the parameter's type",
    ),
    (
        7012,
        "Invalid value",
        "the value lies outside the parameter's allowed range",
    ),
    (
        7013,
        "Attempt to update non-writeable parameter",
        "the parameter is read-only",
    ),
    (
        7014,
        "Value conflict",
        "the value conflicts with the values of other parameters",
    ),
    (
        7015,
        "Operation error",
        "creating, updating or deleting the object failed for a general reason",
    ),
    (
        7016,
        "Object does not exist",
        "no such object in the instantiated data model",
    ),
    (
        7017,
        "Object could not be created",
        "creating the object failed",
    ),
    (
        7018,
        "Object is not a table",
        "the path does not name a multi-instance object",
    ),
    (
        7019,
        "Attempt to create non-creatable object",
        "the table does not allow Add",
    ),
    (
        7020,
        "Object could not be updated",
        "updating the object failed",
    ),
    (
        7021,
        "Required parameter failed",
        "a parameter marked required could not be set; see param_errs",
    ),
    (7022, "Command failure", "the command failed"),
    (
        7023,
        "Command canceled",
        "an asynchronous command was stopped by a Cancel() of its request",
    ),
    (7024, "Delete failure", "the instance was not deleted"),
    (
        7025,
        "Object exists with duplicate key",
        "the unique key values clash with an existing instance",
    ),
    (
        7026,
        "Invalid path",
        "the path is not in the supported data model",
    ),
    (
        7027,
        "Invalid command arguments",
        "command input arguments are bad, unknown or missing",
    ),
    (7028, "Register failure", "registering the path failed"),
    (
        7029,
        "Already in use",
        "another service already registered this path",
    ),
    (7030, "Deregister failure", "deregistering the path failed"),
    (
        7031,
        "Path already registered",
        "the path belongs to another service",
    ),
    (
        7100,
        "Record could not be parsed",
        "the USP Record could not be decoded",
    ),
    (
        7101,
        "Secure session required",
        "policy requires a secure session context",
    ),
    (
        7102,
        "Secure session not supported",
        "the receiver does not support secure session contexts",
    ),
    (
        7103,
        "Segmentation and reassembly not supported",
        "the receiver does not support SAR",
    ),
    (
        7104,
        "Invalid Record value",
        "a Record field holds an invalid value",
    ),
    (
        7105,
        "Session Context terminated",
        "the session context was ended by the sender",
    ),
    (
        7106,
        "Session Context not allowed",
        "the receiver does not allow session contexts",
    ),
];

impl ErrorCode {
    /// 7000: general failure, explained in `err_msg`.
    pub const MESSAGE_FAILED: Self = Self(7000);
    /// 7001: the message type is not understood.
    pub const MESSAGE_NOT_SUPPORTED: Self = Self(7001);
    /// 7002: the request is refused without a specific reason.
    pub const REQUEST_DENIED: Self = Self(7002);
    /// 7003: internal hardware or software fault.
    pub const INTERNAL_ERROR: Self = Self(7003);
    /// 7004: invalid values in the message, including a broken oneof (R-ENC.5).
    pub const INVALID_ARGUMENTS: Self = Self(7004);
    /// 7005: memory or processing limits exceeded.
    pub const RESOURCES_EXCEEDED: Self = Self(7005);
    /// 7006: the sender is not authorised.
    pub const PERMISSION_DENIED: Self = Self(7006);
    /// 7007: the result would be an invalid or unrecoverable configuration.
    pub const INVALID_CONFIGURATION: Self = Self(7007);
    /// 7008: a path cannot be parsed.
    pub const INVALID_PATH_SYNTAX: Self = Self(7008);
    /// 7009: a parameter update failed (general reason).
    pub const PARAMETER_ACTION_FAILED: Self = Self(7009);
    /// 7010: the parameter matches no instantiated parameter.
    pub const UNSUPPORTED_PARAMETER: Self = Self(7010);
    /// 7011: the value is not of the parameter's type.
    pub const INVALID_TYPE: Self = Self(7011);
    /// 7012: the value is out of range.
    pub const INVALID_VALUE: Self = Self(7012);
    /// 7013: attempt to update a non-writeable parameter.
    pub const PARAM_READ_ONLY: Self = Self(7013);
    /// 7014: the value conflicts with other parameter values.
    pub const VALUE_CONFLICT: Self = Self(7014);
    /// 7015: general create, update or delete failure.
    pub const OPERATION_ERROR: Self = Self(7015);
    /// 7016: the object does not exist in the instantiated data model.
    pub const OBJECT_DOES_NOT_EXIST: Self = Self(7016);
    /// 7017: the object could not be created.
    pub const OBJECT_NOT_CREATED: Self = Self(7017);
    /// 7018: the object is not a table (multi-instance object).
    pub const NOT_A_TABLE: Self = Self(7018);
    /// 7019: attempt to create a non-creatable object.
    pub const OBJECT_NOT_CREATABLE: Self = Self(7019);
    /// 7020: the object could not be updated.
    pub const OBJECT_NOT_UPDATED: Self = Self(7020);
    /// 7021: a parameter marked `required` failed.
    pub const REQUIRED_PARAMETER_FAILED: Self = Self(7021);
    /// 7022: the command failed.
    pub const COMMAND_FAILURE: Self = Self(7022);
    /// 7023: an asynchronous command was canceled.
    pub const COMMAND_CANCELED: Self = Self(7023);
    /// 7024: the instance was not deleted.
    pub const DELETE_FAILURE: Self = Self(7024);
    /// 7025: an object with the same unique key exists.
    pub const DUPLICATE_UNIQUE_KEY: Self = Self(7025);
    /// 7026: the path is not in the supported data model.
    pub const INVALID_PATH: Self = Self(7026);
    /// 7027: bad, unknown or missing command arguments.
    pub const INVALID_COMMAND_ARGUMENTS: Self = Self(7027);
    /// 7028: registration failed.
    pub const REGISTER_FAILURE: Self = Self(7028);
    /// 7029: the path is already registered by another service.
    pub const ALREADY_IN_USE: Self = Self(7029);
    /// 7030: deregistration failed.
    pub const DEREGISTER_FAILURE: Self = Self(7030);
    /// 7031: the path belongs to another service.
    pub const PATH_ALREADY_REGISTERED: Self = Self(7031);
    /// 7100: the USP Record could not be parsed.
    pub const RECORD_NOT_PARSED: Self = Self(7100);
    /// 7101: a secure session is required.
    pub const SECURE_SESSION_REQUIRED: Self = Self(7101);
    /// 7102: secure sessions are not supported.
    pub const SECURE_SESSION_NOT_SUPPORTED: Self = Self(7102);
    /// 7103: segmentation and reassembly is not supported.
    pub const SAR_NOT_SUPPORTED: Self = Self(7103);
    /// 7104: a Record field holds an invalid value.
    pub const INVALID_RECORD_VALUE: Self = Self(7104);
    /// 7105: the session context was terminated.
    pub const SESSION_CONTEXT_TERMINATED: Self = Self(7105);
    /// 7106: session contexts are not allowed.
    pub const SESSION_CONTEXT_NOT_ALLOWED: Self = Self(7106);

    /// Every code defined by the USP 1.4 tables (7000–7031 and 7100–7106), ascending.
    pub const ALL_DEFINED: [Self; 39] = [
        Self::MESSAGE_FAILED,
        Self::MESSAGE_NOT_SUPPORTED,
        Self::REQUEST_DENIED,
        Self::INTERNAL_ERROR,
        Self::INVALID_ARGUMENTS,
        Self::RESOURCES_EXCEEDED,
        Self::PERMISSION_DENIED,
        Self::INVALID_CONFIGURATION,
        Self::INVALID_PATH_SYNTAX,
        Self::PARAMETER_ACTION_FAILED,
        Self::UNSUPPORTED_PARAMETER,
        Self::INVALID_TYPE,
        Self::INVALID_VALUE,
        Self::PARAM_READ_ONLY,
        Self::VALUE_CONFLICT,
        Self::OPERATION_ERROR,
        Self::OBJECT_DOES_NOT_EXIST,
        Self::OBJECT_NOT_CREATED,
        Self::NOT_A_TABLE,
        Self::OBJECT_NOT_CREATABLE,
        Self::OBJECT_NOT_UPDATED,
        Self::REQUIRED_PARAMETER_FAILED,
        Self::COMMAND_FAILURE,
        Self::COMMAND_CANCELED,
        Self::DELETE_FAILURE,
        Self::DUPLICATE_UNIQUE_KEY,
        Self::INVALID_PATH,
        Self::INVALID_COMMAND_ARGUMENTS,
        Self::REGISTER_FAILURE,
        Self::ALREADY_IN_USE,
        Self::DEREGISTER_FAILURE,
        Self::PATH_ALREADY_REGISTERED,
        Self::RECORD_NOT_PARSED,
        Self::SECURE_SESSION_REQUIRED,
        Self::SECURE_SESSION_NOT_SUPPORTED,
        Self::SAR_NOT_SUPPORTED,
        Self::INVALID_RECORD_VALUE,
        Self::SESSION_CONTEXT_TERMINATED,
        Self::SESSION_CONTEXT_NOT_ALLOWED,
    ];

    /// Wraps a raw code. Any `u32` is accepted; see [`is_in_usp_range`](Self::is_in_usp_range).
    #[must_use]
    pub const fn new(code: u32) -> Self {
        Self(code)
    }

    /// The raw code.
    #[must_use]
    pub const fn get(self) -> u32 {
        self.0
    }

    /// True for 7000–7999, the only range USP allows in `err_code` fields.
    #[must_use]
    pub const fn is_in_usp_range(self) -> bool {
        matches!(self.0, 7000..=7999)
    }

    /// True for codes outside 7000–7999, which no USP endpoint may send.
    #[must_use]
    pub const fn is_reserved_out_of_range(self) -> bool {
        !self.is_in_usp_range()
    }

    /// True for the message error codes 7000–7099.
    #[must_use]
    pub const fn is_message(self) -> bool {
        matches!(self.0, 7000..=7099)
    }

    /// True for USP Record error codes, 7100–7199.
    #[must_use]
    pub const fn is_record(self) -> bool {
        matches!(self.0, 7100..=7199)
    }

    /// True for data-model-defined codes, 7200–7299.
    #[must_use]
    pub const fn is_data_model_defined(self) -> bool {
        matches!(self.0, 7200..=7299)
    }

    /// True for vendor-defined codes, 7800–7999.
    #[must_use]
    pub const fn is_vendor(self) -> bool {
        matches!(self.0, 7800..=7999)
    }

    /// True if the USP 1.4 tables give this code a name (7000–7031, 7100–7106).
    #[must_use]
    pub fn is_defined(self) -> bool {
        lookup(self.0).is_some()
    }

    /// The code's name from the USP tables, or a range name for codes the tables leave open
    /// (`"Data model defined error"`, `"Vendor defined error"`, `"Unassigned record error"`,
    /// `"Unassigned"` for other codes in 7000–7999, `"Not a USP error code"` outside it).
    #[must_use]
    pub fn name(self) -> &'static str {
        if let Some((_, name, _)) = lookup(self.0) {
            return name;
        }
        if self.is_data_model_defined() {
            "Data model defined error"
        } else if self.is_vendor() {
            "Vendor defined error"
        } else if self.is_record() {
            "Unassigned record error"
        } else if self.is_in_usp_range() {
            "Unassigned"
        } else {
            "Not a USP error code"
        }
    }

    /// A one-line description of when the code is used, in this crate's own words.
    #[must_use]
    pub fn meaning(self) -> &'static str {
        if let Some((_, _, meaning)) = lookup(self.0) {
            return meaning;
        }
        if self.is_data_model_defined() {
            "an error defined by the data model"
        } else if self.is_vendor() {
            "an error defined by the vendor"
        } else if self.is_record() {
            "a USP Record error not assigned by USP 1.4"
        } else if self.is_in_usp_range() {
            "a code USP 1.4 does not assign"
        } else {
            "USP error codes lie in 7000-7999"
        }
    }

    /// The codes a response or Error for `op` may carry (TR-369 1.4 per-message lists).
    ///
    /// Each list also allows the vendor range 7800–7999. Ambiguity decided (REQUIREMENTS §8.5):
    /// the main code table lists 7025 for Add and Set and 7031 for Deregister while the
    /// per-message lists omit them; both are allowed here. The spec has no list for
    /// GetSupportedProtocol; this crate uses the Notify list (7000–7006) for it. The
    /// CommandFailure list omits 7027 while R-OPR.5 requires `cmd_failure` 7027 for a missing
    /// mandatory input argument; 7027 is allowed there too.
    ///
    /// ```
    /// use usp_msg::{ErrorCode, MsgType, Operation};
    ///
    /// let set = ErrorCode::allowed_for(Operation::Set);
    /// assert!(set.contains(ErrorCode::REQUIRED_PARAMETER_FAILED));
    /// assert!(set.contains(ErrorCode::DUPLICATE_UNIQUE_KEY));
    /// assert!(set.contains(ErrorCode::new(7801)));
    /// assert!(!set.contains(ErrorCode::REGISTER_FAILURE));
    /// assert_eq!(Operation::from_msg_type(MsgType::SetResp), Some(Operation::Set));
    /// assert!(ErrorCode::PATH_ALREADY_REGISTERED.is_allowed_for(Operation::Deregister));
    /// ```
    #[must_use]
    pub const fn allowed_for(op: Operation) -> AllowedCodes {
        let ranges: &'static [(u32, u32)] = match op {
            Operation::Add => &[(7000, 7019), (7025, 7026)],
            Operation::Set => &[(7000, 7016), (7020, 7021), (7025, 7026)],
            Operation::Delete => &[
                (7000, 7008),
                (7015, 7016),
                (7018, 7018),
                (7024, 7024),
                (7026, 7026),
            ],
            Operation::Get => &[
                (7000, 7006),
                (7008, 7008),
                (7010, 7010),
                (7016, 7016),
                (7026, 7026),
            ],
            Operation::GetInstances => &[
                (7000, 7006),
                (7008, 7008),
                (7016, 7016),
                (7018, 7018),
                (7026, 7026),
            ],
            Operation::GetSupportedDm => &[(7000, 7006), (7008, 7008), (7016, 7016), (7026, 7026)],
            Operation::Notify | Operation::GetSupportedProtocol => &[(7000, 7006)],
            Operation::Operate => &[(7000, 7008), (7016, 7016), (7022, 7022), (7026, 7027)],
            Operation::CommandFailure => &[(7002, 7008), (7016, 7016), (7022, 7023), (7027, 7027)],
            Operation::Register => &[(7000, 7008), (7016, 7016), (7028, 7029)],
            Operation::Deregister => &[(7000, 7008), (7016, 7016), (7030, 7031)],
        };
        AllowedCodes { op, ranges }
    }

    /// The codes a message of type `t` (a request, or its response) may be answered or
    /// reported with; `None` for [`MsgType::Error`]. Same as
    /// `Operation::from_msg_type(t).map(ErrorCode::allowed_for)`.
    ///
    /// ```
    /// use usp_msg::{ErrorCode, MsgType};
    ///
    /// let codes = ErrorCode::allowed_for_msg_type(MsgType::RegisterResp);
    /// assert!(codes.is_some_and(|c| c.contains(ErrorCode::ALREADY_IN_USE)));
    /// assert!(ErrorCode::allowed_for_msg_type(MsgType::Error).is_none());
    /// ```
    #[must_use]
    pub const fn allowed_for_msg_type(t: MsgType) -> Option<AllowedCodes> {
        match Operation::from_msg_type(t) {
            Some(op) => Some(Self::allowed_for(op)),
            None => None,
        }
    }

    /// Shorthand for `ErrorCode::allowed_for(op).contains(self)`.
    #[must_use]
    pub const fn is_allowed_for(self, op: Operation) -> bool {
        Self::allowed_for(op).contains(self)
    }
}

fn lookup(code: u32) -> Option<&'static (u32, &'static str, &'static str)> {
    TABLE
        .binary_search_by_key(&code, |entry| entry.0)
        .ok()
        .and_then(|i| TABLE.get(i))
}

impl From<u32> for ErrorCode {
    fn from(code: u32) -> Self {
        Self(code)
    }
}

impl From<ErrorCode> for u32 {
    fn from(code: ErrorCode) -> Self {
        code.0
    }
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({})", self.0, self.name())
    }
}

/// The operation an error code is reported for; the key of the per-message code lists.
///
/// [`Operation::CommandFailure`] is the `cmd_failure` of an OperateResp or an
/// OperationComplete notification, which has its own list.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Operation {
    /// Get / GetResp.
    Get,
    /// GetSupportedDM / GetSupportedDMResp.
    GetSupportedDm,
    /// GetInstances / GetInstancesResp.
    GetInstances,
    /// Set / SetResp.
    Set,
    /// Add / AddResp.
    Add,
    /// Delete / DeleteResp.
    Delete,
    /// Operate / OperateResp (except `cmd_failure`).
    Operate,
    /// `cmd_failure` in OperateResp and in the OperationComplete notification.
    CommandFailure,
    /// Notify / NotifyResp.
    Notify,
    /// GetSupportedProtocol / GetSupportedProtocolResp.
    GetSupportedProtocol,
    /// Register / RegisterResp.
    Register,
    /// Deregister / DeregisterResp.
    Deregister,
}

impl Operation {
    /// The operation a request or response message type belongs to; `None` for
    /// [`MsgType::Error`].
    #[must_use]
    pub const fn from_msg_type(t: MsgType) -> Option<Self> {
        Some(match t {
            MsgType::Error => return None,
            MsgType::Get | MsgType::GetResp => Self::Get,
            MsgType::GetSupportedDm | MsgType::GetSupportedDmResp => Self::GetSupportedDm,
            MsgType::GetInstances | MsgType::GetInstancesResp => Self::GetInstances,
            MsgType::Set | MsgType::SetResp => Self::Set,
            MsgType::Add | MsgType::AddResp => Self::Add,
            MsgType::Delete | MsgType::DeleteResp => Self::Delete,
            MsgType::Operate | MsgType::OperateResp => Self::Operate,
            MsgType::Notify | MsgType::NotifyResp => Self::Notify,
            MsgType::GetSupportedProto | MsgType::GetSupportedProtoResp => {
                Self::GetSupportedProtocol
            }
            MsgType::Register | MsgType::RegisterResp => Self::Register,
            MsgType::Deregister | MsgType::DeregisterResp => Self::Deregister,
        })
    }
}

/// The set of codes allowed for one [`Operation`]; see [`ErrorCode::allowed_for`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AllowedCodes {
    op: Operation,
    ranges: &'static [(u32, u32)],
}

impl AllowedCodes {
    /// The operation these codes belong to.
    #[must_use]
    pub const fn operation(&self) -> Operation {
        self.op
    }

    /// True if `code` is in the spec list or in the vendor range 7800–7999.
    #[must_use]
    pub const fn contains(&self, code: ErrorCode) -> bool {
        if code.is_vendor() {
            return true;
        }
        let mut rest = self.ranges;
        while let [(lo, hi), tail @ ..] = rest {
            if code.0 >= *lo && code.0 <= *hi {
                return true;
            }
            rest = tail;
        }
        false
    }

    /// The listed codes in ascending order (the vendor range is not enumerated).
    pub fn iter(&self) -> impl Iterator<Item = ErrorCode> + '_ {
        self.ranges
            .iter()
            .flat_map(|&(lo, hi)| (lo..=hi).map(ErrorCode))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec::Vec;

    #[test]
    fn table_is_sorted_and_complete() {
        let codes: Vec<u32> = TABLE.iter().map(|e| e.0).collect();
        let mut sorted = codes.clone();
        sorted.sort_unstable();
        assert_eq!(codes, sorted);
        let expected: Vec<u32> = (7000..=7031).chain(7100..=7106).collect();
        assert_eq!(codes, expected);
        assert_eq!(
            ErrorCode::ALL_DEFINED
                .iter()
                .map(|c| c.get())
                .collect::<Vec<_>>(),
            expected
        );
        for c in ErrorCode::ALL_DEFINED {
            assert!(c.is_defined());
            assert!(!c.name().is_empty() && !c.meaning().is_empty());
        }
    }

    #[test]
    fn ranges_and_names() {
        assert!(ErrorCode::new(7150).is_record());
        assert_eq!(ErrorCode::new(7150).name(), "Unassigned record error");
        assert!(ErrorCode::new(7250).is_data_model_defined());
        assert_eq!(ErrorCode::new(7250).name(), "Data model defined error");
        assert!(ErrorCode::new(7999).is_vendor());
        assert!(!ErrorCode::new(7799).is_vendor());
        assert_eq!(ErrorCode::new(7500).name(), "Unassigned");
        assert_eq!(ErrorCode::new(8000).name(), "Not a USP error code");
        assert!(ErrorCode::new(8000).is_reserved_out_of_range());
        assert_eq!(ErrorCode::REGISTER_FAILURE.name(), "Register failure");
        assert_eq!(u32::from(ErrorCode::INVALID_ARGUMENTS), 7004);
    }

    #[test]
    fn allowed_lists_match_spec_section_0_3() {
        let list = |op| {
            ErrorCode::allowed_for(op)
                .iter()
                .map(ErrorCode::get)
                .collect::<Vec<_>>()
        };
        let r = |a: u32, b: u32| (a..=b).collect::<Vec<_>>();
        let cat = |parts: &[Vec<u32>]| parts.concat();
        assert_eq!(list(Operation::Add), cat(&[r(7000, 7019), r(7025, 7026)]));
        assert_eq!(
            list(Operation::Set),
            cat(&[r(7000, 7016), r(7020, 7021), r(7025, 7026)])
        );
        assert_eq!(
            list(Operation::Delete),
            cat(&[
                r(7000, 7008),
                r(7015, 7016),
                r(7018, 7018),
                r(7024, 7024),
                r(7026, 7026)
            ])
        );
        assert_eq!(
            list(Operation::Deregister),
            cat(&[r(7000, 7008), r(7016, 7016), r(7030, 7031)])
        );
        assert_eq!(
            list(Operation::CommandFailure),
            cat(&[r(7002, 7008), r(7016, 7016), r(7022, 7023), r(7027, 7027)])
        );
        // R-ENC.5: 7004 is answerable for every operation.
        for op in [
            Operation::Get,
            Operation::GetSupportedDm,
            Operation::GetInstances,
            Operation::Set,
            Operation::Add,
            Operation::Delete,
            Operation::Operate,
            Operation::CommandFailure,
            Operation::Notify,
            Operation::GetSupportedProtocol,
            Operation::Register,
            Operation::Deregister,
        ] {
            assert!(ErrorCode::INVALID_ARGUMENTS.is_allowed_for(op));
            assert!(ErrorCode::new(7800).is_allowed_for(op));
            assert!(!ErrorCode::new(7799).is_allowed_for(op));
            assert!(!ErrorCode::new(7100).is_allowed_for(op));
        }
    }

    #[test]
    fn display() {
        assert_eq!(
            alloc::format!("{}", ErrorCode::INVALID_ARGUMENTS),
            "7004 (Invalid arguments)"
        );
    }
}
