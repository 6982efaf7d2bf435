//! The `Header.msg_type` values and the msg_type ↔ body mapping.

use core::fmt;

use crate::pb;

/// The type of a USP Message, as in `Header.msg_type`.
///
/// The discriminants are the wire values. On receive the body decides the type (R-MSG.10);
/// builders and [`Msg::encode`](crate::Msg::encode) always write the type derived from the body.
///
/// ```
/// use usp_msg::MsgType;
///
/// assert!(MsgType::Get.is_request());
/// assert_eq!(MsgType::Get.response_type(), Some(MsgType::GetResp));
/// assert_eq!(MsgType::GetResp.request_type(), Some(MsgType::Get));
/// assert_eq!(MsgType::Notify.response_type(), Some(MsgType::NotifyResp));
/// assert_eq!(MsgType::from_i32(13), Some(MsgType::GetSupportedDmResp));
/// assert_eq!(MsgType::Set.to_string(), "SET");
/// // ERROR is 0, the proto3 default: an absent msg_type decodes as ERROR.
/// assert_eq!(MsgType::Error as i32, 0);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[non_exhaustive]
#[repr(i32)]
pub enum MsgType {
    /// `ERROR` (0): body.error.
    Error = 0,
    /// `GET` (1): request.get.
    Get = 1,
    /// `GET_RESP` (2): response.get_resp.
    GetResp = 2,
    /// `NOTIFY` (3): request.notify.
    Notify = 3,
    /// `SET` (4): request.set.
    Set = 4,
    /// `SET_RESP` (5): response.set_resp.
    SetResp = 5,
    /// `OPERATE` (6): request.operate.
    Operate = 6,
    /// `OPERATE_RESP` (7): response.operate_resp.
    OperateResp = 7,
    /// `ADD` (8): request.add.
    Add = 8,
    /// `ADD_RESP` (9): response.add_resp.
    AddResp = 9,
    /// `DELETE` (10): request.delete.
    Delete = 10,
    /// `DELETE_RESP` (11): response.delete_resp.
    DeleteResp = 11,
    /// `GET_SUPPORTED_DM` (12): request.get_supported_dm.
    GetSupportedDm = 12,
    /// `GET_SUPPORTED_DM_RESP` (13): response.get_supported_dm_resp.
    GetSupportedDmResp = 13,
    /// `GET_INSTANCES` (14): request.get_instances.
    GetInstances = 14,
    /// `GET_INSTANCES_RESP` (15): response.get_instances_resp.
    GetInstancesResp = 15,
    /// `NOTIFY_RESP` (16): response.notify_resp.
    NotifyResp = 16,
    /// `GET_SUPPORTED_PROTO` (17): request.get_supported_protocol.
    GetSupportedProto = 17,
    /// `GET_SUPPORTED_PROTO_RESP` (18): response.get_supported_protocol_resp.
    GetSupportedProtoResp = 18,
    /// `REGISTER` (19): request.register.
    Register = 19,
    /// `REGISTER_RESP` (20): response.register_resp.
    RegisterResp = 20,
    /// `DEREGISTER` (21): request.deregister.
    Deregister = 21,
    /// `DEREGISTER_RESP` (22): response.deregister_resp.
    DeregisterResp = 22,
}

impl MsgType {
    /// All 23 message types in wire-value order.
    pub const ALL: [Self; 23] = [
        Self::Error,
        Self::Get,
        Self::GetResp,
        Self::Notify,
        Self::Set,
        Self::SetResp,
        Self::Operate,
        Self::OperateResp,
        Self::Add,
        Self::AddResp,
        Self::Delete,
        Self::DeleteResp,
        Self::GetSupportedDm,
        Self::GetSupportedDmResp,
        Self::GetInstances,
        Self::GetInstancesResp,
        Self::NotifyResp,
        Self::GetSupportedProto,
        Self::GetSupportedProtoResp,
        Self::Register,
        Self::RegisterResp,
        Self::Deregister,
        Self::DeregisterResp,
    ];

    /// The type for a wire value, or `None` for a value USP 1.4 does not define.
    #[must_use]
    pub fn from_i32(value: i32) -> Option<Self> {
        usize::try_from(value)
            .ok()
            .and_then(|i| Self::ALL.get(i))
            .copied()
    }

    /// The wire value.
    #[must_use]
    pub const fn as_i32(self) -> i32 {
        self as i32
    }

    /// The schema name, e.g. `"GET_SUPPORTED_DM_RESP"`.
    #[must_use]
    pub fn name(self) -> &'static str {
        pb::header::MsgType::from(self).as_str_name()
    }

    /// True for the 11 request types (including NOTIFY).
    #[must_use]
    pub const fn is_request(self) -> bool {
        matches!(
            self,
            Self::Get
                | Self::Notify
                | Self::Set
                | Self::Operate
                | Self::Add
                | Self::Delete
                | Self::GetSupportedDm
                | Self::GetInstances
                | Self::GetSupportedProto
                | Self::Register
                | Self::Deregister
        )
    }

    /// True for the 11 response types (including NOTIFY_RESP).
    #[must_use]
    pub const fn is_response(self) -> bool {
        !self.is_request() && !self.is_error()
    }

    /// True for ERROR.
    #[must_use]
    pub const fn is_error(self) -> bool {
        matches!(self, Self::Error)
    }

    /// The response type that answers this request type; `None` for responses and ERROR.
    ///
    /// Any request may also be answered with ERROR (R-MSG.0).
    #[must_use]
    pub const fn response_type(self) -> Option<Self> {
        Some(match self {
            Self::Get => Self::GetResp,
            Self::Notify => Self::NotifyResp,
            Self::Set => Self::SetResp,
            Self::Operate => Self::OperateResp,
            Self::Add => Self::AddResp,
            Self::Delete => Self::DeleteResp,
            Self::GetSupportedDm => Self::GetSupportedDmResp,
            Self::GetInstances => Self::GetInstancesResp,
            Self::GetSupportedProto => Self::GetSupportedProtoResp,
            Self::Register => Self::RegisterResp,
            Self::Deregister => Self::DeregisterResp,
            _ => return None,
        })
    }

    /// The request type a response type answers; `None` for requests and ERROR.
    #[must_use]
    pub const fn request_type(self) -> Option<Self> {
        Some(match self {
            Self::GetResp => Self::Get,
            Self::NotifyResp => Self::Notify,
            Self::SetResp => Self::Set,
            Self::OperateResp => Self::Operate,
            Self::AddResp => Self::Add,
            Self::DeleteResp => Self::Delete,
            Self::GetSupportedDmResp => Self::GetSupportedDm,
            Self::GetInstancesResp => Self::GetInstances,
            Self::GetSupportedProtoResp => Self::GetSupportedProto,
            Self::RegisterResp => Self::Register,
            Self::DeregisterResp => Self::Deregister,
            _ => return None,
        })
    }

    /// The field number of this type's member in the `Request` or `Response` oneof
    /// (`req_type` / `resp_type`), or for ERROR the `Body.error` field number (3).
    ///
    /// This is the msg_type ↔ body mapping of REQUIREMENTS §3.
    #[must_use]
    pub const fn body_field(self) -> u32 {
        match self {
            Self::Error => 3,
            Self::Get | Self::GetResp => 1,
            Self::GetSupportedDm | Self::GetSupportedDmResp => 2,
            Self::GetInstances | Self::GetInstancesResp => 3,
            Self::Set | Self::SetResp => 4,
            Self::Add | Self::AddResp => 5,
            Self::Delete | Self::DeleteResp => 6,
            Self::Operate | Self::OperateResp => 7,
            Self::Notify | Self::NotifyResp => 8,
            Self::GetSupportedProto | Self::GetSupportedProtoResp => 9,
            Self::Register | Self::RegisterResp => 10,
            Self::Deregister | Self::DeregisterResp => 11,
        }
    }
}

impl fmt::Display for MsgType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl From<MsgType> for pb::header::MsgType {
    fn from(t: MsgType) -> Self {
        match t {
            MsgType::Error => Self::Error,
            MsgType::Get => Self::Get,
            MsgType::GetResp => Self::GetResp,
            MsgType::Notify => Self::Notify,
            MsgType::Set => Self::Set,
            MsgType::SetResp => Self::SetResp,
            MsgType::Operate => Self::Operate,
            MsgType::OperateResp => Self::OperateResp,
            MsgType::Add => Self::Add,
            MsgType::AddResp => Self::AddResp,
            MsgType::Delete => Self::Delete,
            MsgType::DeleteResp => Self::DeleteResp,
            MsgType::GetSupportedDm => Self::GetSupportedDm,
            MsgType::GetSupportedDmResp => Self::GetSupportedDmResp,
            MsgType::GetInstances => Self::GetInstances,
            MsgType::GetInstancesResp => Self::GetInstancesResp,
            MsgType::NotifyResp => Self::NotifyResp,
            MsgType::GetSupportedProto => Self::GetSupportedProto,
            MsgType::GetSupportedProtoResp => Self::GetSupportedProtoResp,
            MsgType::Register => Self::Register,
            MsgType::RegisterResp => Self::RegisterResp,
            MsgType::Deregister => Self::Deregister,
            MsgType::DeregisterResp => Self::DeregisterResp,
        }
    }
}

impl From<pb::header::MsgType> for MsgType {
    fn from(t: pb::header::MsgType) -> Self {
        match t {
            pb::header::MsgType::Error => Self::Error,
            pb::header::MsgType::Get => Self::Get,
            pb::header::MsgType::GetResp => Self::GetResp,
            pb::header::MsgType::Notify => Self::Notify,
            pb::header::MsgType::Set => Self::Set,
            pb::header::MsgType::SetResp => Self::SetResp,
            pb::header::MsgType::Operate => Self::Operate,
            pb::header::MsgType::OperateResp => Self::OperateResp,
            pb::header::MsgType::Add => Self::Add,
            pb::header::MsgType::AddResp => Self::AddResp,
            pb::header::MsgType::Delete => Self::Delete,
            pb::header::MsgType::DeleteResp => Self::DeleteResp,
            pb::header::MsgType::GetSupportedDm => Self::GetSupportedDm,
            pb::header::MsgType::GetSupportedDmResp => Self::GetSupportedDmResp,
            pb::header::MsgType::GetInstances => Self::GetInstances,
            pb::header::MsgType::GetInstancesResp => Self::GetInstancesResp,
            pb::header::MsgType::NotifyResp => Self::NotifyResp,
            pb::header::MsgType::GetSupportedProto => Self::GetSupportedProto,
            pb::header::MsgType::GetSupportedProtoResp => Self::GetSupportedProtoResp,
            pb::header::MsgType::Register => Self::Register,
            pb::header::MsgType::RegisterResp => Self::RegisterResp,
            pb::header::MsgType::Deregister => Self::Deregister,
            pb::header::MsgType::DeregisterResp => Self::DeregisterResp,
        }
    }
}

impl TryFrom<i32> for MsgType {
    type Error = i32;

    /// Fails with the value itself when USP 1.4 does not define it.
    fn try_from(value: i32) -> Result<Self, i32> {
        Self::from_i32(value).ok_or(value)
    }
}

impl From<MsgType> for i32 {
    fn from(t: MsgType) -> Self {
        t as Self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wire_values_and_names_match_pb() {
        for (i, t) in MsgType::ALL.iter().enumerate() {
            assert_eq!(t.as_i32(), i as i32);
            let p = pb::header::MsgType::from(*t);
            assert_eq!(p as i32, i as i32);
            assert_eq!(MsgType::from(p), *t);
            assert_eq!(MsgType::try_from(i as i32), Ok(*t));
        }
        assert_eq!(MsgType::from_i32(23), None);
        assert_eq!(MsgType::from_i32(-1), None);
    }

    #[test]
    fn request_response_pairs() {
        let requests: usize = MsgType::ALL.iter().filter(|t| t.is_request()).count();
        let responses: usize = MsgType::ALL.iter().filter(|t| t.is_response()).count();
        assert_eq!((requests, responses), (11, 11));
        for t in MsgType::ALL {
            if let Some(resp) = t.response_type() {
                assert!(t.is_request() && resp.is_response());
                assert_eq!(resp.request_type(), Some(t));
                assert_eq!(resp.body_field(), t.body_field());
            } else {
                assert!(!t.is_request());
            }
        }
        assert_eq!(MsgType::Error.response_type(), None);
        assert_eq!(MsgType::Error.request_type(), None);
    }

    #[test]
    fn body_field_mapping_matches_requirements_section_3() {
        let expect = [
            (MsgType::Get, 1),
            (MsgType::Notify, 8),
            (MsgType::Set, 4),
            (MsgType::Operate, 7),
            (MsgType::Add, 5),
            (MsgType::Delete, 6),
            (MsgType::GetSupportedDm, 2),
            (MsgType::GetInstances, 3),
            (MsgType::GetSupportedProto, 9),
            (MsgType::Register, 10),
            (MsgType::Deregister, 11),
            (MsgType::Error, 3),
        ];
        for (t, field) in expect {
            assert_eq!(t.body_field(), field, "{t}");
        }
    }
}
