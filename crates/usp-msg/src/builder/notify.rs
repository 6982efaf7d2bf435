//! Builders for the Notify request, one per notification kind.

use alloc::collections::BTreeMap;
use alloc::string::String;

use super::{code_for, command, event, finish, map_keys, non_empty, obj_path, versions};
use crate::{Body, BuildError, Notify, NotifyKind, Operation, Request, pb};

fn notify_body(subscription_id: String, send_resp: bool, kind: NotifyKind) -> Body {
    Body::Request(Request::Notify(Notify {
        subscription_id,
        send_resp,
        kind,
    }))
}

/// Builds a Notify carrying an Event.
///
/// The object path must end in `.` and the event name in `!` (e.g. `"Boot!"`).
///
/// ```
/// use usp_msg::{EventBuilder, Msg, MsgType, NotifyKind, Request};
///
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let msg = EventBuilder::new("ev-1", "boot-sub", "Device.", "Boot!")
///     .param("Cause", "LocalReboot")
///     .send_resp(true)
///     .build()?;
/// assert_eq!(msg.msg_type(), MsgType::Notify);
/// let Some(Request::Notify(n)) = msg.request() else { panic!("not a Notify") };
/// assert!(matches!(&n.kind, NotifyKind::Event(e) if e.params["Cause"] == "LocalReboot"));
/// assert_eq!(Msg::decode(msg.encode_to_bytes())?, msg);
/// # Ok(()) }
/// ```
#[derive(Clone, Debug)]
#[must_use]
pub struct EventBuilder {
    msg_id: String,
    subscription_id: String,
    send_resp: bool,
    event: pb::notify::Event,
}

impl EventBuilder {
    /// An Event notification for `subscription_id` (may be `""`, R-NOT.7), `send_resp` false.
    pub fn new(
        msg_id: impl Into<String>,
        subscription_id: impl Into<String>,
        obj_path: impl Into<String>,
        event_name: impl Into<String>,
    ) -> Self {
        Self {
            msg_id: msg_id.into(),
            subscription_id: subscription_id.into(),
            send_resp: false,
            event: pb::notify::Event {
                obj_path: obj_path.into(),
                event_name: event_name.into(),
                params: BTreeMap::new(),
            },
        }
    }

    /// Adds an event argument.
    pub fn param(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.event.params.insert(name.into(), value.into());
        self
    }

    /// Whether a NotifyResp is wanted.
    pub fn send_resp(mut self, v: bool) -> Self {
        self.send_resp = v;
        self
    }

    fn into_parts(self) -> Result<(String, Body), BuildError> {
        obj_path("notify.event.obj_path", &self.event.obj_path)?;
        event("notify.event.event_name", &self.event.event_name)?;
        map_keys("notify.event.params", &self.event.params)?;
        let body = notify_body(
            self.subscription_id,
            self.send_resp,
            NotifyKind::Event(self.event),
        );
        Ok((self.msg_id, body))
    }

    finish!();
}

/// Builds a Notify carrying a ValueChange.
///
/// ```
/// use usp_msg::{Msg, MsgType, ValueChangeBuilder};
///
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let msg = ValueChangeBuilder::new("vc-1", "vc-sub", "Device.WiFi.SSID.1.SSID", "Guest").build()?;
/// assert_eq!(msg.msg_type(), MsgType::Notify);
/// assert_eq!(Msg::decode(msg.encode_to_bytes())?, msg);
/// assert!(ValueChangeBuilder::new("vc-2", "s", "Device.WiFi.", "x").build().is_err());
/// # Ok(()) }
/// ```
#[derive(Clone, Debug)]
#[must_use]
pub struct ValueChangeBuilder {
    msg_id: String,
    subscription_id: String,
    send_resp: bool,
    change: pb::notify::ValueChange,
}

impl ValueChangeBuilder {
    /// A ValueChange of a parameter path (not ending in `.`) to `value`.
    pub fn new(
        msg_id: impl Into<String>,
        subscription_id: impl Into<String>,
        param_path: impl Into<String>,
        value: impl Into<String>,
    ) -> Self {
        Self {
            msg_id: msg_id.into(),
            subscription_id: subscription_id.into(),
            send_resp: false,
            change: pb::notify::ValueChange {
                param_path: param_path.into(),
                param_value: value.into(),
            },
        }
    }

    /// Whether a NotifyResp is wanted.
    pub fn send_resp(mut self, v: bool) -> Self {
        self.send_resp = v;
        self
    }

    fn into_parts(self) -> Result<(String, Body), BuildError> {
        let path = &self.change.param_path;
        non_empty("notify.value_change.param_path", path)?;
        if path.ends_with('.') {
            return Err(BuildError::InvalidValue {
                at: "notify.value_change.param_path".into(),
                reason: "a parameter path must not end with '.'",
            });
        }
        let body = notify_body(
            self.subscription_id,
            self.send_resp,
            NotifyKind::ValueChange(self.change),
        );
        Ok((self.msg_id, body))
    }

    finish!();
}

/// Builds a Notify carrying an ObjectCreation.
///
/// ```
/// use usp_msg::{Msg, MsgType, ObjCreationBuilder};
///
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let msg = ObjCreationBuilder::new("oc-1", "oc-sub", "Device.IP.Interface.4.")
///     .unique_key("Name", "eth3")
///     .unique_key("Alias", "cpe-eth3")
///     .build()?;
/// assert_eq!(msg.msg_type(), MsgType::Notify);
/// assert_eq!(Msg::decode(msg.encode_to_bytes())?, msg);
/// # Ok(()) }
/// ```
#[derive(Clone, Debug)]
#[must_use]
pub struct ObjCreationBuilder {
    msg_id: String,
    subscription_id: String,
    send_resp: bool,
    creation: pb::notify::ObjectCreation,
}

impl ObjCreationBuilder {
    /// An ObjectCreation of the instance at `obj_path` (ending in `.`).
    pub fn new(
        msg_id: impl Into<String>,
        subscription_id: impl Into<String>,
        obj_path: impl Into<String>,
    ) -> Self {
        Self {
            msg_id: msg_id.into(),
            subscription_id: subscription_id.into(),
            send_resp: false,
            creation: pb::notify::ObjectCreation {
                obj_path: obj_path.into(),
                unique_keys: BTreeMap::new(),
            },
        }
    }

    /// Adds a unique key of the new instance.
    pub fn unique_key(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.creation.unique_keys.insert(name.into(), value.into());
        self
    }

    /// Whether a NotifyResp is wanted.
    pub fn send_resp(mut self, v: bool) -> Self {
        self.send_resp = v;
        self
    }

    fn into_parts(self) -> Result<(String, Body), BuildError> {
        obj_path("notify.obj_creation.obj_path", &self.creation.obj_path)?;
        map_keys(
            "notify.obj_creation.unique_keys",
            &self.creation.unique_keys,
        )?;
        let body = notify_body(
            self.subscription_id,
            self.send_resp,
            NotifyKind::ObjCreation(self.creation),
        );
        Ok((self.msg_id, body))
    }

    finish!();
}

/// Builds a Notify carrying an ObjectDeletion.
///
/// ```
/// use usp_msg::{Msg, MsgType, ObjDeletionBuilder};
///
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let msg = ObjDeletionBuilder::new("od-1", "od-sub", "Device.IP.Interface.4.").send_resp(true).build()?;
/// assert_eq!(msg.msg_type(), MsgType::Notify);
/// assert_eq!(Msg::decode(msg.encode_to_bytes())?, msg);
/// # Ok(()) }
/// ```
#[derive(Clone, Debug)]
#[must_use]
pub struct ObjDeletionBuilder {
    msg_id: String,
    subscription_id: String,
    send_resp: bool,
    deletion: pb::notify::ObjectDeletion,
}

impl ObjDeletionBuilder {
    /// An ObjectDeletion of the instance at `obj_path` (ending in `.`).
    pub fn new(
        msg_id: impl Into<String>,
        subscription_id: impl Into<String>,
        obj_path: impl Into<String>,
    ) -> Self {
        Self {
            msg_id: msg_id.into(),
            subscription_id: subscription_id.into(),
            send_resp: false,
            deletion: pb::notify::ObjectDeletion {
                obj_path: obj_path.into(),
            },
        }
    }

    /// Whether a NotifyResp is wanted.
    pub fn send_resp(mut self, v: bool) -> Self {
        self.send_resp = v;
        self
    }

    fn into_parts(self) -> Result<(String, Body), BuildError> {
        obj_path("notify.obj_deletion.obj_path", &self.deletion.obj_path)?;
        let body = notify_body(
            self.subscription_id,
            self.send_resp,
            NotifyKind::ObjDeletion(self.deletion),
        );
        Ok((self.msg_id, body))
    }

    finish!();
}

/// Builds a Notify carrying an OperationComplete: output arguments by default, or a
/// `cmd_failure` after [`cmd_failure`](Self::cmd_failure). Giving both is rejected.
///
/// ```
/// use usp_msg::{ErrorCode, Msg, MsgType, OperationCompleteBuilder};
///
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let ok = OperationCompleteBuilder::new("oc-1", "op-sub", "Device.IP.Diagnostics.", "IPPing()", "ping-1")
///     .output_arg("SuccessCount", "3")
///     .build()?;
/// assert_eq!(ok.msg_type(), MsgType::Notify);
/// assert_eq!(Msg::decode(ok.encode_to_bytes())?, ok);
///
/// let failed = OperationCompleteBuilder::new("oc-2", "op-sub", "Device.IP.Diagnostics.", "IPPing()", "ping-2")
///     .cmd_failure(ErrorCode::COMMAND_FAILURE, "host unreachable")
///     .build()?;
/// assert_eq!(Msg::decode(failed.encode_to_bytes())?, failed);
///
/// let both = OperationCompleteBuilder::new("oc-3", "s", "Device.", "Reboot()", "k")
///     .output_arg("A", "1")
///     .cmd_failure(ErrorCode::COMMAND_FAILURE, "x")
///     .build();
/// assert!(both.is_err());
/// # Ok(()) }
/// ```
#[derive(Clone, Debug)]
#[must_use]
pub struct OperationCompleteBuilder {
    msg_id: String,
    subscription_id: String,
    send_resp: bool,
    obj_path: String,
    command_name: String,
    command_key: String,
    output_args: BTreeMap<String, String>,
    failure: Option<(u32, String)>,
}

impl OperationCompleteBuilder {
    /// An OperationComplete for `command_name` (e.g. `"Reboot()"`) on the object `obj_path`
    /// (ending in `.`), echoing the Operate's `command_key`.
    pub fn new(
        msg_id: impl Into<String>,
        subscription_id: impl Into<String>,
        obj_path: impl Into<String>,
        command_name: impl Into<String>,
        command_key: impl Into<String>,
    ) -> Self {
        Self {
            msg_id: msg_id.into(),
            subscription_id: subscription_id.into(),
            send_resp: false,
            obj_path: obj_path.into(),
            command_name: command_name.into(),
            command_key: command_key.into(),
            output_args: BTreeMap::new(),
            failure: None,
        }
    }

    /// Adds an output argument (success case).
    pub fn output_arg(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.output_args.insert(name.into(), value.into());
        self
    }

    /// Reports failure instead of output arguments. The code must be allowed for
    /// [`Operation::CommandFailure`] (e.g. 7022, 7023).
    pub fn cmd_failure(mut self, code: impl Into<u32>, err_msg: impl Into<String>) -> Self {
        self.failure = Some((code.into(), err_msg.into()));
        self
    }

    /// Whether a NotifyResp is wanted.
    pub fn send_resp(mut self, v: bool) -> Self {
        self.send_resp = v;
        self
    }

    fn into_parts(self) -> Result<(String, Body), BuildError> {
        use pb::notify::operation_complete::{CommandFailure, OperationResp, OutputArgs};
        obj_path("notify.oper_complete.obj_path", &self.obj_path)?;
        command("notify.oper_complete.command_name", &self.command_name)?;
        let resp = match self.failure {
            Some((code, err_msg)) => {
                if !self.output_args.is_empty() {
                    return Err(BuildError::Conflict(
                        "notify.oper_complete: output args and cmd_failure exclude each other",
                    ));
                }
                code_for(
                    "notify.oper_complete.cmd_failure.err_code",
                    code,
                    Operation::CommandFailure,
                )?;
                OperationResp::CmdFailure(CommandFailure {
                    err_code: code,
                    err_msg,
                })
            }
            None => {
                map_keys("notify.oper_complete.req_output_args", &self.output_args)?;
                OperationResp::ReqOutputArgs(OutputArgs {
                    output_args: self.output_args,
                })
            }
        };
        let oc = pb::notify::OperationComplete {
            obj_path: self.obj_path,
            command_name: self.command_name,
            command_key: self.command_key,
            operation_resp: Some(resp),
        };
        let body = notify_body(
            self.subscription_id,
            self.send_resp,
            NotifyKind::OperComplete(oc),
        );
        Ok((self.msg_id, body))
    }

    finish!();
}

/// Builds a Notify carrying an OnBoardRequest.
///
/// `send_resp` is always true (R-NOT.6) and the subscription_id is `""` (R-NOT.7). The OUI
/// must be 6, 7 or 9 hex digits, the serial number non-empty, and the versions a
/// comma-separated `Major.Minor` list.
///
/// ```
/// use usp_msg::{Msg, MsgType, OnBoardRequestBuilder, Request};
///
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let msg = OnBoardRequestBuilder::new("ob-1", "00256D", "Gateway", "0123456789", "1.3,1.4").build()?;
/// assert_eq!(msg.msg_type(), MsgType::Notify);
/// assert!(matches!(msg.request(), Some(Request::Notify(n)) if n.send_resp && n.subscription_id.is_empty()));
/// assert_eq!(Msg::decode(msg.encode_to_bytes())?, msg);
/// # Ok(()) }
/// ```
#[derive(Clone, Debug)]
#[must_use]
pub struct OnBoardRequestBuilder {
    msg_id: String,
    req: pb::notify::OnBoardRequest,
}

impl OnBoardRequestBuilder {
    /// An OnBoardRequest with the device's identity and supported USP versions.
    pub fn new(
        msg_id: impl Into<String>,
        oui: impl Into<String>,
        product_class: impl Into<String>,
        serial_number: impl Into<String>,
        agent_supported_protocol_versions: impl Into<String>,
    ) -> Self {
        Self {
            msg_id: msg_id.into(),
            req: pb::notify::OnBoardRequest {
                oui: oui.into(),
                product_class: product_class.into(),
                serial_number: serial_number.into(),
                agent_supported_protocol_versions: agent_supported_protocol_versions.into(),
            },
        }
    }

    fn into_parts(self) -> Result<(String, Body), BuildError> {
        let oui = &self.req.oui;
        if !matches!(oui.len(), 6 | 7 | 9) || !oui.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(BuildError::InvalidValue {
                at: "notify.on_board_req.oui".into(),
                reason: "an OUI is 6, 7 or 9 hexadecimal digits",
            });
        }
        non_empty("notify.on_board_req.serial_number", &self.req.serial_number)?;
        versions(
            "notify.on_board_req.agent_supported_protocol_versions",
            &self.req.agent_supported_protocol_versions,
        )?;
        let body = notify_body(String::new(), true, NotifyKind::OnBoardReq(self.req));
        Ok((self.msg_id, body))
    }

    finish!();
}
