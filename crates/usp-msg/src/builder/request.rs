//! Request builders (Notify kinds are in `notify.rs`).

use alloc::collections::BTreeMap;
use alloc::string::String;
use alloc::vec::Vec;

use super::{at, at_least_one, command, finish, map_keys, non_empty, obj_path, versions};
use crate::{Body, BuildError, Request, pb};

/// Builds a Get request.
///
/// Needs at least one path, none empty. `max_depth` 0 (the default) means no limit (R-GET.5).
///
/// ```
/// use usp_msg::{GetBuilder, Msg, MsgType, Request};
///
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let msg = GetBuilder::new("msg-1").path("Device.DeviceInfo.").max_depth(2).build()?;
/// assert_eq!(msg.msg_type(), MsgType::Get);
/// assert!(matches!(msg.request(), Some(Request::Get(g)) if g.max_depth == 2));
/// assert_eq!(Msg::decode(msg.encode_to_bytes())?, msg);
/// assert!(GetBuilder::new("msg-2").build().is_err()); // no paths
/// # Ok(()) }
/// ```
#[derive(Clone, Debug)]
#[must_use]
pub struct GetBuilder {
    msg_id: String,
    get: pb::Get,
}

impl GetBuilder {
    /// A Get with the given msg_id and no paths yet.
    pub fn new(msg_id: impl Into<String>) -> Self {
        Self {
            msg_id: msg_id.into(),
            get: pb::Get::default(),
        }
    }

    /// Adds a path to get (object, parameter or search path).
    pub fn path(mut self, path: impl Into<String>) -> Self {
        self.get.param_paths.push(path.into());
        self
    }

    /// Adds several paths.
    pub fn paths<I, S>(mut self, paths: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.get
            .param_paths
            .extend(paths.into_iter().map(Into::into));
        self
    }

    /// Limits the depth of sub-objects returned (0 = unlimited).
    pub fn max_depth(mut self, depth: u32) -> Self {
        self.get.max_depth = depth;
        self
    }

    fn into_parts(self) -> Result<(String, Body), BuildError> {
        at_least_one("get.param_paths", &self.get.param_paths)?;
        for (i, p) in self.get.param_paths.iter().enumerate() {
            non_empty(at("get.param_paths[]", &[i]), p)?;
        }
        Ok((self.msg_id, Body::Request(Request::Get(self.get))))
    }

    finish!();
}

/// Builds a GetSupportedDM request.
///
/// ```
/// use usp_msg::{GetSupportedDmBuilder, Msg, MsgType, Request};
///
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let msg = GetSupportedDmBuilder::new("gsdm-1")
///     .obj_path("Device.WiFi.")
///     .first_level_only(true)
///     .return_params(true)
///     .return_commands(true)
///     .build()?;
/// assert_eq!(msg.msg_type(), MsgType::GetSupportedDm);
/// assert!(matches!(msg.request(), Some(Request::GetSupportedDm(g)) if g.return_params && !g.return_events));
/// assert_eq!(Msg::decode(msg.encode_to_bytes())?, msg);
/// # Ok(()) }
/// ```
#[derive(Clone, Debug)]
#[must_use]
pub struct GetSupportedDmBuilder {
    msg_id: String,
    req: pb::GetSupportedDm,
}

impl GetSupportedDmBuilder {
    /// A GetSupportedDM with no paths and every flag false.
    pub fn new(msg_id: impl Into<String>) -> Self {
        Self {
            msg_id: msg_id.into(),
            req: pb::GetSupportedDm::default(),
        }
    }

    /// Adds a path (object path, optionally with `{i}`; or a parameter, command or event).
    pub fn obj_path(mut self, path: impl Into<String>) -> Self {
        self.req.obj_paths.push(path.into());
        self
    }

    /// Only the first level of sub-objects.
    pub fn first_level_only(mut self, v: bool) -> Self {
        self.req.first_level_only = v;
        self
    }

    /// Include commands.
    pub fn return_commands(mut self, v: bool) -> Self {
        self.req.return_commands = v;
        self
    }

    /// Include events.
    pub fn return_events(mut self, v: bool) -> Self {
        self.req.return_events = v;
        self
    }

    /// Include parameters.
    pub fn return_params(mut self, v: bool) -> Self {
        self.req.return_params = v;
        self
    }

    /// Include unique key sets.
    pub fn return_unique_key_sets(mut self, v: bool) -> Self {
        self.req.return_unique_key_sets = v;
        self
    }

    fn into_parts(self) -> Result<(String, Body), BuildError> {
        at_least_one("get_supported_dm.obj_paths", &self.req.obj_paths)?;
        for (i, p) in self.req.obj_paths.iter().enumerate() {
            non_empty(at("get_supported_dm.obj_paths[]", &[i]), p)?;
        }
        Ok((
            self.msg_id,
            Body::Request(Request::GetSupportedDm(self.req)),
        ))
    }

    finish!();
}

/// Builds a GetInstances request. Paths must be object paths (ending in `.`).
///
/// ```
/// use usp_msg::{GetInstancesBuilder, Msg, MsgType};
///
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let msg = GetInstancesBuilder::new("gi-1")
///     .obj_path("Device.IP.Interface.")
///     .first_level_only(true)
///     .build()?;
/// assert_eq!(msg.msg_type(), MsgType::GetInstances);
/// assert_eq!(Msg::decode(msg.encode_to_bytes())?, msg);
/// assert!(GetInstancesBuilder::new("gi-2").obj_path("Device.IP.Interface").build().is_err());
/// # Ok(()) }
/// ```
#[derive(Clone, Debug)]
#[must_use]
pub struct GetInstancesBuilder {
    msg_id: String,
    req: pb::GetInstances,
}

impl GetInstancesBuilder {
    /// A GetInstances with no paths.
    pub fn new(msg_id: impl Into<String>) -> Self {
        Self {
            msg_id: msg_id.into(),
            req: pb::GetInstances::default(),
        }
    }

    /// Adds an object path.
    pub fn obj_path(mut self, path: impl Into<String>) -> Self {
        self.req.obj_paths.push(path.into());
        self
    }

    /// Only instances of the named tables, not of their sub-tables.
    pub fn first_level_only(mut self, v: bool) -> Self {
        self.req.first_level_only = v;
        self
    }

    fn into_parts(self) -> Result<(String, Body), BuildError> {
        at_least_one("get_instances.obj_paths", &self.req.obj_paths)?;
        for (i, p) in self.req.obj_paths.iter().enumerate() {
            obj_path(at("get_instances.obj_paths[]", &[i]), p)?;
        }
        Ok((self.msg_id, Body::Request(Request::GetInstances(self.req))))
    }

    finish!();
}

/// One object of a Set request: an object (or search) path and its parameter settings.
///
/// ```
/// use usp_msg::{Request, SetBuilder, UpdateObject};
///
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let obj = UpdateObject::new("Device.WiFi.SSID.1.")
///     .param("Alias", "home")
///     .required_param("SSID", "Home"); // R-SET.2: if this fails, the object fails
/// let msg = SetBuilder::new("set-1").update_obj(obj).build()?;
/// let Some(Request::Set(set)) = msg.request() else { unreachable!() };
/// let settings = &set.update_objs[0].param_settings;
/// assert_eq!((settings[1].param.as_str(), settings[1].required), ("SSID", true));
/// # Ok(()) }
/// ```
#[derive(Clone, Debug)]
#[must_use]
pub struct UpdateObject(pb::set::UpdateObject);

impl UpdateObject {
    /// An object path (ending in `.`) with no settings yet.
    pub fn new(obj_path: impl Into<String>) -> Self {
        Self(pb::set::UpdateObject {
            obj_path: obj_path.into(),
            param_settings: Vec::new(),
        })
    }

    /// Sets an optional parameter (relative name, e.g. `"Enable"`).
    pub fn param(self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.setting(name.into(), value.into(), false)
    }

    /// Sets a required parameter: if it fails, the object's update fails (R-SET.2).
    pub fn required_param(self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.setting(name.into(), value.into(), true)
    }

    fn setting(mut self, param: String, value: String, required: bool) -> Self {
        self.0.param_settings.push(pb::set::UpdateParamSetting {
            param,
            value,
            required,
        });
        self
    }
}

/// Builds a Set request.
///
/// Needs at least one object; each needs an object path and at least one parameter setting
/// with a non-empty name.
///
/// ```
/// use usp_msg::{Msg, MsgType, Request, SetBuilder, UpdateObject};
///
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let msg = SetBuilder::new("set-1")
///     .allow_partial(true)
///     .update_obj(
///         UpdateObject::new("Device.WiFi.SSID.1.")
///             .required_param("SSID", "Home")
///             .param("Enable", "true"),
///     )
///     .build()?;
/// assert_eq!(msg.msg_type(), MsgType::Set);
/// assert!(matches!(msg.request(), Some(Request::Set(s)) if s.update_objs[0].param_settings.len() == 2));
/// assert_eq!(Msg::decode(msg.encode_to_bytes())?, msg);
/// assert!(SetBuilder::new("set-2").build().is_err()); // a Set with no objects
/// # Ok(()) }
/// ```
#[derive(Clone, Debug)]
#[must_use]
pub struct SetBuilder {
    msg_id: String,
    req: pb::Set,
}

impl SetBuilder {
    /// A Set with no objects, `allow_partial` false.
    pub fn new(msg_id: impl Into<String>) -> Self {
        Self {
            msg_id: msg_id.into(),
            req: pb::Set::default(),
        }
    }

    /// Whether objects succeed or fail independently (R-SET.0/1).
    pub fn allow_partial(mut self, v: bool) -> Self {
        self.req.allow_partial = v;
        self
    }

    /// Adds an object to update.
    pub fn update_obj(mut self, obj: UpdateObject) -> Self {
        self.req.update_objs.push(obj.0);
        self
    }

    fn into_parts(self) -> Result<(String, Body), BuildError> {
        at_least_one("set.update_objs", &self.req.update_objs)?;
        for (i, o) in self.req.update_objs.iter().enumerate() {
            obj_path(at("set.update_objs[].obj_path", &[i]), &o.obj_path)?;
            at_least_one(
                at("set.update_objs[].param_settings", &[i]),
                &o.param_settings,
            )?;
            for (j, s) in o.param_settings.iter().enumerate() {
                non_empty(
                    at("set.update_objs[].param_settings[].param", &[i, j]),
                    &s.param,
                )?;
            }
        }
        Ok((self.msg_id, Body::Request(Request::Set(self.req))))
    }

    finish!();
}

/// One object of an Add request: the table path and the initial parameter values.
///
/// ```
/// use usp_msg::{AddBuilder, CreateObject, Request};
///
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let obj = CreateObject::new("Device.LocalAgent.Subscription.")
///     .required_param("ID", "sub-1")
///     .param("Enable", "true");
/// let msg = AddBuilder::new("add-1").create_obj(obj).build()?;
/// let Some(Request::Add(add)) = msg.request() else { unreachable!() };
/// assert_eq!(add.create_objs[0].obj_path, "Device.LocalAgent.Subscription.");
/// assert_eq!(add.create_objs[0].param_settings.len(), 2);
/// # Ok(()) }
/// ```
#[derive(Clone, Debug)]
#[must_use]
pub struct CreateObject(pb::add::CreateObject);

impl CreateObject {
    /// A table path (ending in `.`) with no settings.
    pub fn new(obj_path: impl Into<String>) -> Self {
        Self(pb::add::CreateObject {
            obj_path: obj_path.into(),
            param_settings: Vec::new(),
        })
    }

    /// Sets an optional parameter.
    pub fn param(self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.setting(name.into(), value.into(), false)
    }

    /// Sets a required parameter: if it fails, the object is not created (R-ADD.3).
    pub fn required_param(self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.setting(name.into(), value.into(), true)
    }

    fn setting(mut self, param: String, value: String, required: bool) -> Self {
        self.0.param_settings.push(pb::add::CreateParamSetting {
            param,
            value,
            required,
        });
        self
    }
}

/// Builds an Add request. Needs at least one object; parameter settings are optional.
///
/// ```
/// use usp_msg::{AddBuilder, CreateObject, Msg, MsgType};
///
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let msg = AddBuilder::new("add-1")
///     .create_obj(CreateObject::new("Device.LocalAgent.Subscription.").required_param("ID", "sub-1"))
///     .create_obj(CreateObject::new("Device.IP.Interface."))
///     .build()?;
/// assert_eq!(msg.msg_type(), MsgType::Add);
/// assert_eq!(Msg::decode(msg.encode_to_bytes())?, msg);
/// # Ok(()) }
/// ```
#[derive(Clone, Debug)]
#[must_use]
pub struct AddBuilder {
    msg_id: String,
    req: pb::Add,
}

impl AddBuilder {
    /// An Add with no objects, `allow_partial` false.
    pub fn new(msg_id: impl Into<String>) -> Self {
        Self {
            msg_id: msg_id.into(),
            req: pb::Add::default(),
        }
    }

    /// Whether objects succeed or fail independently (R-ADD.0/1).
    pub fn allow_partial(mut self, v: bool) -> Self {
        self.req.allow_partial = v;
        self
    }

    /// Adds an object to create.
    pub fn create_obj(mut self, obj: CreateObject) -> Self {
        self.req.create_objs.push(obj.0);
        self
    }

    fn into_parts(self) -> Result<(String, Body), BuildError> {
        at_least_one("add.create_objs", &self.req.create_objs)?;
        for (i, o) in self.req.create_objs.iter().enumerate() {
            obj_path(at("add.create_objs[].obj_path", &[i]), &o.obj_path)?;
            for (j, s) in o.param_settings.iter().enumerate() {
                non_empty(
                    at("add.create_objs[].param_settings[].param", &[i, j]),
                    &s.param,
                )?;
            }
        }
        Ok((self.msg_id, Body::Request(Request::Add(self.req))))
    }

    finish!();
}

/// Builds a Delete request. Needs at least one object path (ending in `.`).
///
/// ```
/// use usp_msg::{DeleteBuilder, Msg, MsgType};
///
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let msg = DeleteBuilder::new("del-1")
///     .allow_partial(true)
///     .obj_path("Device.LocalAgent.Subscription.3.")
///     .build()?;
/// assert_eq!(msg.msg_type(), MsgType::Delete);
/// assert_eq!(Msg::decode(msg.encode_to_bytes())?, msg);
/// # Ok(()) }
/// ```
#[derive(Clone, Debug)]
#[must_use]
pub struct DeleteBuilder {
    msg_id: String,
    req: pb::Delete,
}

impl DeleteBuilder {
    /// A Delete with no paths, `allow_partial` false.
    pub fn new(msg_id: impl Into<String>) -> Self {
        Self {
            msg_id: msg_id.into(),
            req: pb::Delete::default(),
        }
    }

    /// Whether paths succeed or fail independently (R-DEL.0/1).
    pub fn allow_partial(mut self, v: bool) -> Self {
        self.req.allow_partial = v;
        self
    }

    /// Adds an object instance (or search) path to delete.
    pub fn obj_path(mut self, path: impl Into<String>) -> Self {
        self.req.obj_paths.push(path.into());
        self
    }

    fn into_parts(self) -> Result<(String, Body), BuildError> {
        at_least_one("delete.obj_paths", &self.req.obj_paths)?;
        for (i, p) in self.req.obj_paths.iter().enumerate() {
            obj_path(at("delete.obj_paths[]", &[i]), p)?;
        }
        Ok((self.msg_id, Body::Request(Request::Delete(self.req))))
    }

    finish!();
}

/// Builds an Operate request. The command path must end in `()`; argument names must be
/// non-empty.
///
/// ```
/// use usp_msg::{Msg, MsgType, OperateBuilder, Request};
///
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let msg = OperateBuilder::new("op-1", "Device.IP.Diagnostics.IPPing()")
///     .command_key("ping-1")
///     .send_resp(true)
///     .input_arg("Host", "192.0.2.1")
///     .build()?;
/// assert_eq!(msg.msg_type(), MsgType::Operate);
/// assert!(matches!(msg.request(), Some(Request::Operate(o)) if o.input_args["Host"] == "192.0.2.1"));
/// assert_eq!(Msg::decode(msg.encode_to_bytes())?, msg);
/// assert!(OperateBuilder::new("op-2", "Device.Reboot").build().is_err());
/// # Ok(()) }
/// ```
#[derive(Clone, Debug)]
#[must_use]
pub struct OperateBuilder {
    msg_id: String,
    req: pb::Operate,
}

impl OperateBuilder {
    /// An Operate of `command` (e.g. `"Device.Reboot()"`), no key, `send_resp` false.
    pub fn new(msg_id: impl Into<String>, command: impl Into<String>) -> Self {
        Self {
            msg_id: msg_id.into(),
            req: pb::Operate {
                command: command.into(),
                command_key: String::new(),
                send_resp: false,
                input_args: BTreeMap::new(),
            },
        }
    }

    /// The key echoed in the OperationComplete notification and the Request object.
    pub fn command_key(mut self, key: impl Into<String>) -> Self {
        self.req.command_key = key.into();
        self
    }

    /// Whether an OperateResp is wanted (R-OPR.4).
    pub fn send_resp(mut self, v: bool) -> Self {
        self.req.send_resp = v;
        self
    }

    /// Adds an input argument (a later value for the same name replaces the earlier one).
    pub fn input_arg(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.req.input_args.insert(name.into(), value.into());
        self
    }

    fn into_parts(self) -> Result<(String, Body), BuildError> {
        command("operate.command", &self.req.command)?;
        map_keys("operate.input_args", &self.req.input_args)?;
        Ok((self.msg_id, Body::Request(Request::Operate(self.req))))
    }

    finish!();
}

/// Builds a GetSupportedProtocol request.
///
/// The versions are a comma-separated list of `Major.Minor` USP versions.
///
/// ```
/// use usp_msg::{GetSupportedProtocolBuilder, Msg, MsgType};
///
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let msg = GetSupportedProtocolBuilder::new("gsp-1", "1.3,1.4").build()?;
/// assert_eq!(msg.msg_type(), MsgType::GetSupportedProto);
/// assert_eq!(Msg::decode(msg.encode_to_bytes())?, msg);
/// assert!(GetSupportedProtocolBuilder::new("gsp-2", "1.4.1").build().is_err());
/// # Ok(()) }
/// ```
#[derive(Clone, Debug)]
#[must_use]
pub struct GetSupportedProtocolBuilder {
    msg_id: String,
    req: pb::GetSupportedProtocol,
}

impl GetSupportedProtocolBuilder {
    /// A GetSupportedProtocol listing the Controller's supported versions.
    pub fn new(msg_id: impl Into<String>, controller_versions: impl Into<String>) -> Self {
        Self {
            msg_id: msg_id.into(),
            req: pb::GetSupportedProtocol {
                controller_supported_protocol_versions: controller_versions.into(),
            },
        }
    }

    fn into_parts(self) -> Result<(String, Body), BuildError> {
        versions(
            "get_supported_protocol.controller_supported_protocol_versions",
            &self.req.controller_supported_protocol_versions,
        )?;
        Ok((
            self.msg_id,
            Body::Request(Request::GetSupportedProtocol(self.req)),
        ))
    }

    finish!();
}

/// Builds a Register request. Needs at least one non-empty path.
///
/// ```
/// use usp_msg::{Msg, MsgType, RegisterBuilder};
///
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let msg = RegisterBuilder::new("reg-1")
///     .allow_partial(true)
///     .path("Device.Time.")
///     .path("Device.WiFi.DataElements.")
///     .build()?;
/// assert_eq!(msg.msg_type(), MsgType::Register);
/// assert_eq!(Msg::decode(msg.encode_to_bytes())?, msg);
/// # Ok(()) }
/// ```
#[derive(Clone, Debug)]
#[must_use]
pub struct RegisterBuilder {
    msg_id: String,
    req: pb::Register,
}

impl RegisterBuilder {
    /// A Register with no paths, `allow_partial` false.
    pub fn new(msg_id: impl Into<String>) -> Self {
        Self {
            msg_id: msg_id.into(),
            req: pb::Register::default(),
        }
    }

    /// Whether paths succeed or fail independently (R-REG.0/1).
    pub fn allow_partial(mut self, v: bool) -> Self {
        self.req.allow_partial = v;
        self
    }

    /// Adds a path to register (no instance numbers, R-REG.2; checked by `usp-path`).
    pub fn path(mut self, path: impl Into<String>) -> Self {
        self.req
            .reg_paths
            .push(pb::register::RegistrationPath { path: path.into() });
        self
    }

    fn into_parts(self) -> Result<(String, Body), BuildError> {
        at_least_one("register.reg_paths", &self.req.reg_paths)?;
        for (i, p) in self.req.reg_paths.iter().enumerate() {
            non_empty(at("register.reg_paths[].path", &[i]), &p.path)?;
        }
        Ok((self.msg_id, Body::Request(Request::Register(self.req))))
    }

    finish!();
}

/// Builds a Deregister request. Needs at least one path; `""` means every path this
/// service registered (R-DEREG.2).
///
/// ```
/// use usp_msg::{DeregisterBuilder, Msg, MsgType};
///
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let msg = DeregisterBuilder::new("dereg-1").path("Device.Time.").build()?;
/// assert_eq!(msg.msg_type(), MsgType::Deregister);
/// assert_eq!(Msg::decode(msg.encode_to_bytes())?, msg);
/// let all = DeregisterBuilder::new("dereg-2").path("").build()?;
/// assert_eq!(Msg::decode(all.encode_to_bytes())?, all);
/// # Ok(()) }
/// ```
#[derive(Clone, Debug)]
#[must_use]
pub struct DeregisterBuilder {
    msg_id: String,
    req: pb::Deregister,
}

impl DeregisterBuilder {
    /// A Deregister with no paths.
    pub fn new(msg_id: impl Into<String>) -> Self {
        Self {
            msg_id: msg_id.into(),
            req: pb::Deregister::default(),
        }
    }

    /// Adds a path to deregister (`""` = all of this service's paths).
    pub fn path(mut self, path: impl Into<String>) -> Self {
        self.req.paths.push(path.into());
        self
    }

    fn into_parts(self) -> Result<(String, Body), BuildError> {
        at_least_one("deregister.paths", &self.req.paths)?;
        Ok((self.msg_id, Body::Request(Request::Deregister(self.req))))
    }

    finish!();
}
