//! Response and Error builders.

use alloc::collections::BTreeMap;
use alloc::string::String;
use alloc::vec::Vec;

use super::{
    at, at_least_one, code_for, command, event, finish, map_keys, non_empty, obj_path, versions,
};
use crate::pb::get_supported_dm_resp as gsdm;
use crate::{Body, BuildError, ErrorCode, Location, Operation, Response, pb};

// ---------------------------------------------------------------------------------------------
// GetResp

/// One resolved object of a GetResp result: its path and parameter values.
///
/// ```
/// use usp_msg::{GetRespBuilder, GetResult, ResolvedPath, Response};
///
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let path = ResolvedPath::new("Device.DeviceInfo.")
///     .param("SoftwareVersion", "1.2.3")
///     .param("UpTime", "42");
/// let msg = GetRespBuilder::new("g-1")
///     .result(GetResult::new("Device.DeviceInfo.").resolved(path))
///     .build()?;
/// let Some(Response::GetResp(resp)) = msg.response() else { unreachable!() };
/// let params = &resp.req_path_results[0].resolved_path_results[0].result_params;
/// assert_eq!(params["UpTime"], "42");
/// # Ok(()) }
/// ```
#[derive(Clone, Debug)]
#[must_use]
pub struct ResolvedPath(pb::get_resp::ResolvedPathResult);

impl ResolvedPath {
    /// An object path (ending in `.`; for a parameter request, its parent object, R-GET.2).
    pub fn new(resolved_path: impl Into<String>) -> Self {
        Self(pb::get_resp::ResolvedPathResult {
            resolved_path: resolved_path.into(),
            result_params: BTreeMap::new(),
        })
    }

    /// Adds a parameter, named relative to the resolved path (e.g. `"Stats.BytesSent"`).
    pub fn param(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.0.result_params.insert(name.into(), value.into());
        self
    }
}

/// The result for one requested path of a Get.
///
/// ```
/// use usp_msg::{BuildError, ErrorCode, GetRespBuilder, GetResult, ResolvedPath};
///
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let ok = GetResult::new("Device.Time.").resolved(ResolvedPath::new("Device.Time.").param("Enable", "true"));
/// let failed = GetResult::failure("Device.Nope.", ErrorCode::INVALID_PATH, "no such object");
/// assert!(GetRespBuilder::new("g-1").result(ok).result(failed.clone()).build().is_ok());
/// // A failed result carries no resolved objects.
/// let both = failed.resolved(ResolvedPath::new("Device.Nope."));
/// assert!(matches!(GetRespBuilder::new("g-2").result(both).build(), Err(BuildError::Conflict(_))));
/// # Ok(()) }
/// ```
#[derive(Clone, Debug)]
#[must_use]
pub struct GetResult(pb::get_resp::RequestedPathResult, bool);

impl GetResult {
    /// A successful result with no resolved objects yet (an empty result is valid, R-GET.1a).
    pub fn new(requested_path: impl Into<String>) -> Self {
        Self(
            pb::get_resp::RequestedPathResult {
                requested_path: requested_path.into(),
                ..Default::default()
            },
            false,
        )
    }

    /// A failed result; the code must be allowed for Get (e.g. 7026).
    pub fn failure(
        requested_path: impl Into<String>,
        code: impl Into<u32>,
        err_msg: impl Into<String>,
    ) -> Self {
        Self(
            pb::get_resp::RequestedPathResult {
                requested_path: requested_path.into(),
                err_code: code.into(),
                err_msg: err_msg.into(),
                resolved_path_results: Vec::new(),
            },
            true,
        )
    }

    /// Adds a resolved object (success only; on a failure `build()` fails with
    /// [`BuildError::Conflict`]).
    pub fn resolved(mut self, path: ResolvedPath) -> Self {
        self.0.resolved_path_results.push(path.0);
        self
    }
}

/// Builds a GetResp. Needs at least one requested-path result.
///
/// ```
/// use usp_msg::{ErrorCode, GetRespBuilder, GetResult, Msg, MsgType, ResolvedPath};
///
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let msg = GetRespBuilder::new("msg-1")
///     .result(
///         GetResult::new("Device.DeviceInfo.")
///             .resolved(ResolvedPath::new("Device.DeviceInfo.").param("SoftwareVersion", "1.2.3")),
///     )
///     .result(GetResult::failure("Device.Nope.", ErrorCode::INVALID_PATH, "not supported"))
///     .build()?;
/// assert_eq!(msg.msg_type(), MsgType::GetResp);
/// assert_eq!(Msg::decode(msg.encode_to_bytes())?, msg);
/// // 7028 is a Register code: not allowed in a GetResp.
/// let bad = GetRespBuilder::new("msg-2").result(GetResult::failure("Device.", 7028u32, "x")).build();
/// assert!(bad.is_err());
/// # Ok(()) }
/// ```
#[derive(Clone, Debug)]
#[must_use]
pub struct GetRespBuilder {
    msg_id: String,
    resp: pb::GetResp,
    failures: Vec<bool>,
}

impl GetRespBuilder {
    /// A GetResp answering the Get with this msg_id (R-MSG.9).
    pub fn new(msg_id: impl Into<String>) -> Self {
        Self {
            msg_id: msg_id.into(),
            resp: pb::GetResp::default(),
            failures: Vec::new(),
        }
    }

    /// Adds the result for one requested path.
    pub fn result(mut self, result: GetResult) -> Self {
        self.failures.push(result.1);
        self.resp.req_path_results.push(result.0);
        self
    }

    fn into_parts(self) -> Result<(String, Body), BuildError> {
        at_least_one("get_resp.req_path_results", &self.resp.req_path_results)?;
        for (i, (r, failure)) in self
            .resp
            .req_path_results
            .iter()
            .zip(&self.failures)
            .enumerate()
        {
            non_empty(
                at("get_resp.req_path_results[].requested_path", &[i]),
                &r.requested_path,
            )?;
            if *failure && !r.resolved_path_results.is_empty() {
                return Err(BuildError::Conflict(
                    "get_resp: a failed requested path has no resolved path results",
                ));
            }
            if *failure {
                code_for(
                    at("get_resp.req_path_results[].err_code", &[i]),
                    r.err_code,
                    Operation::Get,
                )?;
            }
            for (j, rp) in r.resolved_path_results.iter().enumerate() {
                obj_path(
                    at(
                        "get_resp.req_path_results[].resolved_path_results[].resolved_path",
                        &[i, j],
                    ),
                    &rp.resolved_path,
                )?;
                map_keys(
                    at(
                        "get_resp.req_path_results[].resolved_path_results[].result_params",
                        &[i, j],
                    ),
                    &rp.result_params,
                )?;
            }
        }
        Ok((self.msg_id, Body::Response(Response::GetResp(self.resp))))
    }

    finish!();
}

// ---------------------------------------------------------------------------------------------
// GetSupportedDMResp

/// One supported object of a GetSupportedDMResp result.
///
/// ```
/// use usp_msg::pb::get_supported_dm_resp::{CmdType, ObjAccessType, ParamAccessType, ParamValueType, ValueChangeType};
/// use usp_msg::{GetSupportedDmRespBuilder, SupportedDmResult, SupportedObject};
///
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let table = SupportedObject::new("Device.IP.Interface.{i}.", ObjAccessType::ObjAddDelete, true)
///     .param("Enable", ParamAccessType::ParamReadWrite, ParamValueType::ParamBoolean, ValueChangeType::ValueChangeAllowed)
///     .command("Reset()", CmdType::CmdSync, [""; 0], ["Status"])
///     .event("Changed!", ["Reason"])
///     .unique_key_set(["Name"]);
/// let result = SupportedDmResult::new("Device.IP.", "urn:broadband-forum-org:tr-181-2-17-0-cwmp").object(table);
/// assert!(GetSupportedDmRespBuilder::new("gsdm-1").result(result).build().is_ok());
/// // A multi-instance object's path ends in "{i}.".
/// let bad = SupportedObject::new("Device.IP.Interface.", ObjAccessType::ObjReadOnly, true);
/// let result = SupportedDmResult::new("Device.IP.", "urn:x").object(bad);
/// assert!(GetSupportedDmRespBuilder::new("gsdm-2").result(result).build().is_err());
/// # Ok(()) }
/// ```
#[derive(Clone, Debug)]
#[must_use]
pub struct SupportedObject(gsdm::SupportedObjectResult);

impl SupportedObject {
    /// A supported object path (ending in `.`; tables end in `{i}.`).
    pub fn new(
        supported_obj_path: impl Into<String>,
        access: gsdm::ObjAccessType,
        is_multi_instance: bool,
    ) -> Self {
        Self(gsdm::SupportedObjectResult {
            supported_obj_path: supported_obj_path.into(),
            access: access as i32,
            is_multi_instance,
            ..Default::default()
        })
    }

    /// Adds a supported parameter.
    pub fn param(
        mut self,
        name: impl Into<String>,
        access: gsdm::ParamAccessType,
        value_type: gsdm::ParamValueType,
        value_change: gsdm::ValueChangeType,
    ) -> Self {
        self.0.supported_params.push(gsdm::SupportedParamResult {
            param_name: name.into(),
            access: access as i32,
            value_type: value_type as i32,
            value_change: value_change as i32,
        });
        self
    }

    /// Adds a supported command (name ending in `()`), with its argument names.
    pub fn command<I, O, S, T>(
        mut self,
        name: impl Into<String>,
        command_type: gsdm::CmdType,
        input_args: I,
        output_args: O,
    ) -> Self
    where
        I: IntoIterator<Item = S>,
        O: IntoIterator<Item = T>,
        S: Into<String>,
        T: Into<String>,
    {
        self.0
            .supported_commands
            .push(gsdm::SupportedCommandResult {
                command_name: name.into(),
                input_arg_names: input_args.into_iter().map(Into::into).collect(),
                output_arg_names: output_args.into_iter().map(Into::into).collect(),
                command_type: command_type as i32,
            });
        self
    }

    /// Adds a supported event (name ending in `!`), with its argument names.
    pub fn event<I, S>(mut self, name: impl Into<String>, args: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.0.supported_events.push(gsdm::SupportedEventResult {
            event_name: name.into(),
            arg_names: args.into_iter().map(Into::into).collect(),
        });
        self
    }

    /// Adds a unique key set (the parameter names that together form a key).
    pub fn unique_key_set<I, S>(mut self, keys: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.0.unique_key_sets.push(gsdm::SupportedUniqueKeySet {
            key_names: keys.into_iter().map(Into::into).collect(),
        });
        self
    }

    /// Adds a divergent path (a sub-object whose support differs per instance).
    pub fn divergent_path(mut self, path: impl Into<String>) -> Self {
        self.0.divergent_paths.push(path.into());
        self
    }
}

fn check_supported_object(
    o: &gsdm::SupportedObjectResult,
    i: usize,
    j: usize,
) -> Result<(), BuildError> {
    const OBJ: &str = "get_supported_dm_resp.req_obj_results[].supported_objs[]";
    let path = at(
        "get_supported_dm_resp.req_obj_results[].supported_objs[].supported_obj_path",
        &[i, j],
    );
    obj_path(path, &o.supported_obj_path)?;
    if o.is_multi_instance && !o.supported_obj_path.ends_with(".{i}.") {
        return Err(BuildError::InvalidValue {
            at: path,
            reason: "a multi-instance object's supported path must end with \"{i}.\"",
        });
    }
    if !o.is_multi_instance && o.supported_obj_path.ends_with(".{i}.") {
        return Err(BuildError::InvalidValue {
            at: at(OBJ, &[i, j]),
            reason: "a path ending in \"{i}.\" names a multi-instance object",
        });
    }
    for (k, p) in o.supported_params.iter().enumerate() {
        non_empty(
            at(
                "get_supported_dm_resp.req_obj_results[].supported_objs[].supported_params[].param_name",
                &[i, j, k],
            ),
            &p.param_name,
        )?;
    }
    for (k, c) in o.supported_commands.iter().enumerate() {
        command(
            at(
                "get_supported_dm_resp.req_obj_results[].supported_objs[].supported_commands[].command_name",
                &[i, j, k],
            ),
            &c.command_name,
        )?;
    }
    for (k, e) in o.supported_events.iter().enumerate() {
        event(
            at(
                "get_supported_dm_resp.req_obj_results[].supported_objs[].supported_events[].event_name",
                &[i, j, k],
            ),
            &e.event_name,
        )?;
    }
    for (k, set) in o.unique_key_sets.iter().enumerate() {
        let keys = at(
            "get_supported_dm_resp.req_obj_results[].supported_objs[].unique_key_sets[].key_names",
            &[i, j, k],
        );
        at_least_one(keys, &set.key_names)?;
        for name in &set.key_names {
            non_empty(keys, name)?;
        }
    }
    Ok(())
}

/// The result for one requested path of a GetSupportedDM.
///
/// ```
/// use usp_msg::pb::get_supported_dm_resp::ObjAccessType;
/// use usp_msg::{ErrorCode, GetSupportedDmRespBuilder, Response, SupportedDmResult, SupportedObject};
///
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let msg = GetSupportedDmRespBuilder::new("gsdm-1")
///     .result(
///         SupportedDmResult::new("Device.Time.", "urn:broadband-forum-org:tr-181-2-17-0-cwmp")
///             .object(SupportedObject::new("Device.Time.", ObjAccessType::ObjReadOnly, false)),
///     )
///     .result(SupportedDmResult::failure("Device.Nope.", ErrorCode::INVALID_PATH, "not supported"))
///     .build()?;
/// let Some(Response::GetSupportedDmResp(resp)) = msg.response() else { unreachable!() };
/// assert_eq!(resp.req_obj_results[1].err_code, 7026);
/// # Ok(()) }
/// ```
#[derive(Clone, Debug)]
#[must_use]
pub struct SupportedDmResult(gsdm::RequestedObjectResult, bool);

impl SupportedDmResult {
    /// A successful result for `req_obj_path`, from the data model at `data_model_inst_uri`
    /// (e.g. `"urn:broadband-forum-org:tr-181-2-16-0-usp"`).
    pub fn new(req_obj_path: impl Into<String>, data_model_inst_uri: impl Into<String>) -> Self {
        Self(
            gsdm::RequestedObjectResult {
                req_obj_path: req_obj_path.into(),
                data_model_inst_uri: data_model_inst_uri.into(),
                ..Default::default()
            },
            false,
        )
    }

    /// A failed result; the code must be allowed for GetSupportedDM (e.g. 7026).
    pub fn failure(
        req_obj_path: impl Into<String>,
        code: impl Into<u32>,
        err_msg: impl Into<String>,
    ) -> Self {
        Self(
            gsdm::RequestedObjectResult {
                req_obj_path: req_obj_path.into(),
                err_code: code.into(),
                err_msg: err_msg.into(),
                ..Default::default()
            },
            true,
        )
    }

    /// Adds a supported object (success only; on a failure `build()` fails with
    /// [`BuildError::Conflict`]).
    pub fn object(mut self, obj: SupportedObject) -> Self {
        self.0.supported_objs.push(obj.0);
        self
    }
}

/// Builds a GetSupportedDMResp. Needs at least one result.
///
/// ```
/// use usp_msg::{GetSupportedDmRespBuilder, Msg, MsgType, SupportedDmResult, SupportedObject};
/// use usp_msg::pb::get_supported_dm_resp::{CmdType, ObjAccessType, ParamAccessType, ParamValueType, ValueChangeType};
///
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let ssid = SupportedObject::new("Device.WiFi.SSID.{i}.", ObjAccessType::ObjAddDelete, true)
///     .param("SSID", ParamAccessType::ParamReadWrite, ParamValueType::ParamString, ValueChangeType::ValueChangeAllowed)
///     .command("Reset()", CmdType::CmdSync, Vec::<String>::new(), Vec::<String>::new())
///     .event("Changed!", ["Reason"])
///     .unique_key_set(["Name"]);
/// let msg = GetSupportedDmRespBuilder::new("gsdm-1")
///     .result(SupportedDmResult::new("Device.WiFi.", "urn:broadband-forum-org:tr-181-2-16-0-usp").object(ssid))
///     .build()?;
/// assert_eq!(msg.msg_type(), MsgType::GetSupportedDmResp);
/// assert_eq!(Msg::decode(msg.encode_to_bytes())?, msg);
/// # Ok(()) }
/// ```
#[derive(Clone, Debug)]
#[must_use]
pub struct GetSupportedDmRespBuilder {
    msg_id: String,
    results: Vec<SupportedDmResult>,
}

impl GetSupportedDmRespBuilder {
    /// A GetSupportedDMResp answering the request with this msg_id.
    pub fn new(msg_id: impl Into<String>) -> Self {
        Self {
            msg_id: msg_id.into(),
            results: Vec::new(),
        }
    }

    /// Adds the result for one requested path.
    pub fn result(mut self, result: SupportedDmResult) -> Self {
        self.results.push(result);
        self
    }

    fn into_parts(self) -> Result<(String, Body), BuildError> {
        at_least_one("get_supported_dm_resp.req_obj_results", &self.results)?;
        let mut resp = pb::GetSupportedDmResp::default();
        for (i, r) in self.results.into_iter().enumerate() {
            non_empty(
                at("get_supported_dm_resp.req_obj_results[].req_obj_path", &[i]),
                &r.0.req_obj_path,
            )?;
            if r.1 && !r.0.supported_objs.is_empty() {
                return Err(BuildError::Conflict(
                    "get_supported_dm_resp: a failed requested path has no supported objects",
                ));
            }
            if r.1 {
                code_for(
                    at("get_supported_dm_resp.req_obj_results[].err_code", &[i]),
                    r.0.err_code,
                    Operation::GetSupportedDm,
                )?;
            }
            for (j, o) in r.0.supported_objs.iter().enumerate() {
                check_supported_object(o, i, j)?;
            }
            resp.req_obj_results.push(r.0);
        }
        Ok((
            self.msg_id,
            Body::Response(Response::GetSupportedDmResp(resp)),
        ))
    }

    finish!();
}

// ---------------------------------------------------------------------------------------------
// GetInstancesResp

/// The result for one requested path of a GetInstances.
///
/// ```
/// use usp_msg::{BuildError, GetInstancesRespBuilder, InstancesResult};
///
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let ok = InstancesResult::new("Device.IP.Interface.")
///     .instance("Device.IP.Interface.1.", [("Name", "lan")]);
/// assert!(GetInstancesRespBuilder::new("gi-1").result(ok).build().is_ok());
/// // A failed result lists no instances.
/// let both = InstancesResult::failure("Device.DeviceInfo.", 7018u32, "not a table")
///     .instance("Device.DeviceInfo.1.", [("Name", "x")]);
/// assert!(matches!(GetInstancesRespBuilder::new("gi-2").result(both).build(), Err(BuildError::Conflict(_))));
/// # Ok(()) }
/// ```
#[derive(Clone, Debug)]
#[must_use]
pub struct InstancesResult(pb::get_instances_resp::RequestedPathResult, bool);

impl InstancesResult {
    /// A successful result with no instances yet.
    pub fn new(requested_path: impl Into<String>) -> Self {
        Self(
            pb::get_instances_resp::RequestedPathResult {
                requested_path: requested_path.into(),
                ..Default::default()
            },
            false,
        )
    }

    /// A failed result; the code must be allowed for GetInstances (e.g. 7018).
    pub fn failure(
        requested_path: impl Into<String>,
        code: impl Into<u32>,
        err_msg: impl Into<String>,
    ) -> Self {
        Self(
            pb::get_instances_resp::RequestedPathResult {
                requested_path: requested_path.into(),
                err_code: code.into(),
                err_msg: err_msg.into(),
                curr_insts: Vec::new(),
            },
            true,
        )
    }

    /// Adds an instance (path ending in `.`) with its readable unique keys (R-GIN.1); success
    /// only (on a failure `build()` fails with [`BuildError::Conflict`]).
    pub fn instance<I, K, V>(
        mut self,
        instantiated_obj_path: impl Into<String>,
        unique_keys: I,
    ) -> Self
    where
        I: IntoIterator<Item = (K, V)>,
        K: Into<String>,
        V: Into<String>,
    {
        self.0
            .curr_insts
            .push(pb::get_instances_resp::CurrInstance {
                instantiated_obj_path: instantiated_obj_path.into(),
                unique_keys: unique_keys
                    .into_iter()
                    .map(|(k, v)| (k.into(), v.into()))
                    .collect(),
            });
        self
    }
}

/// Builds a GetInstancesResp. Needs at least one result.
///
/// ```
/// use usp_msg::{GetInstancesRespBuilder, InstancesResult, Msg, MsgType};
///
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let msg = GetInstancesRespBuilder::new("gi-1")
///     .result(
///         InstancesResult::new("Device.IP.Interface.")
///             .instance("Device.IP.Interface.1.", [("Name", "lan"), ("Alias", "cpe-1")])
///             .instance("Device.IP.Interface.2.", [("Name", "wan")]),
///     )
///     .result(InstancesResult::failure("Device.DeviceInfo.", 7018u32, "not a table"))
///     .build()?;
/// assert_eq!(msg.msg_type(), MsgType::GetInstancesResp);
/// assert_eq!(Msg::decode(msg.encode_to_bytes())?, msg);
/// # Ok(()) }
/// ```
#[derive(Clone, Debug)]
#[must_use]
pub struct GetInstancesRespBuilder {
    msg_id: String,
    resp: pb::GetInstancesResp,
    failures: Vec<bool>,
}

impl GetInstancesRespBuilder {
    /// A GetInstancesResp answering the request with this msg_id.
    pub fn new(msg_id: impl Into<String>) -> Self {
        Self {
            msg_id: msg_id.into(),
            resp: pb::GetInstancesResp::default(),
            failures: Vec::new(),
        }
    }

    /// Adds the result for one requested path.
    pub fn result(mut self, result: InstancesResult) -> Self {
        self.failures.push(result.1);
        self.resp.req_path_results.push(result.0);
        self
    }

    fn into_parts(self) -> Result<(String, Body), BuildError> {
        at_least_one(
            "get_instances_resp.req_path_results",
            &self.resp.req_path_results,
        )?;
        for (i, (r, failure)) in self
            .resp
            .req_path_results
            .iter()
            .zip(&self.failures)
            .enumerate()
        {
            non_empty(
                at("get_instances_resp.req_path_results[].requested_path", &[i]),
                &r.requested_path,
            )?;
            if *failure && !r.curr_insts.is_empty() {
                return Err(BuildError::Conflict(
                    "get_instances_resp: a failed requested path has no instances",
                ));
            }
            if *failure {
                code_for(
                    at("get_instances_resp.req_path_results[].err_code", &[i]),
                    r.err_code,
                    Operation::GetInstances,
                )?;
            }
            for (j, inst) in r.curr_insts.iter().enumerate() {
                obj_path(
                    at(
                        "get_instances_resp.req_path_results[].curr_insts[].instantiated_obj_path",
                        &[i, j],
                    ),
                    &inst.instantiated_obj_path,
                )?;
            }
        }
        Ok((
            self.msg_id,
            Body::Response(Response::GetInstancesResp(self.resp)),
        ))
    }

    finish!();
}

// ---------------------------------------------------------------------------------------------
// SetResp

/// One updated instance of a successful SetResp result.
///
/// ```
/// use usp_msg::{ErrorCode, SetRespBuilder, SetResult, UpdatedInstance};
///
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let inst = UpdatedInstance::new("Device.WiFi.SSID.1.")
///     .param("SSID", "Home")
///     .param_error("Alias", ErrorCode::INVALID_VALUE, "too long"); // an optional one failed
/// let msg = SetRespBuilder::new("s-1").result(SetResult::success("Device.WiFi.SSID.1.").updated(inst)).build()?;
/// assert_eq!(msg.msg_id(), "s-1");
/// # Ok(()) }
/// ```
#[derive(Clone, Debug)]
#[must_use]
pub struct UpdatedInstance(pb::set_resp::UpdatedInstanceResult);

impl UpdatedInstance {
    /// The instance path (ending in `.`) that was updated.
    pub fn new(affected_path: impl Into<String>) -> Self {
        Self(pb::set_resp::UpdatedInstanceResult {
            affected_path: affected_path.into(),
            ..Default::default()
        })
    }

    /// Adds a parameter that was set, with its new value.
    pub fn param(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.0.updated_params.insert(name.into(), value.into());
        self
    }

    /// Adds an optional parameter that failed.
    pub fn param_error(
        mut self,
        param: impl Into<String>,
        code: impl Into<u32>,
        err_msg: impl Into<String>,
    ) -> Self {
        self.0.param_errs.push(pb::set_resp::ParameterError {
            param: param.into(),
            err_code: code.into(),
            err_msg: err_msg.into(),
        });
        self
    }
}

/// One failed instance of a failed SetResp result.
///
/// ```
/// use usp_msg::{ErrorCode, SetRespBuilder, SetResult, UpdateFailure};
///
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let failed = UpdateFailure::new("Device.WiFi.SSID.2.")
///     .param_error("SSID", ErrorCode::INVALID_VALUE, "too long");
/// let result = SetResult::failure("Device.WiFi.SSID.2.", ErrorCode::REQUIRED_PARAMETER_FAILED, "required failed")
///     .instance_failure(failed);
/// assert!(SetRespBuilder::new("s-1").result(result).build().is_ok());
/// # Ok(()) }
/// ```
#[derive(Clone, Debug)]
#[must_use]
pub struct UpdateFailure(pb::set_resp::UpdatedInstanceFailure);

impl UpdateFailure {
    /// The instance path (ending in `.`) that failed.
    pub fn new(affected_path: impl Into<String>) -> Self {
        Self(pb::set_resp::UpdatedInstanceFailure {
            affected_path: affected_path.into(),
            param_errs: Vec::new(),
        })
    }

    /// Adds a parameter that failed.
    pub fn param_error(
        mut self,
        param: impl Into<String>,
        code: impl Into<u32>,
        err_msg: impl Into<String>,
    ) -> Self {
        self.0.param_errs.push(pb::set_resp::ParameterError {
            param: param.into(),
            err_code: code.into(),
            err_msg: err_msg.into(),
        });
        self
    }
}

/// The result for one object of a Set.
///
/// ```
/// use usp_msg::{BuildError, ErrorCode, SetRespBuilder, SetResult, UpdateFailure, UpdatedInstance};
///
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// // A search path that matched nothing is a success with no instances (R-MSG.4a).
/// assert!(SetRespBuilder::new("s-1").result(SetResult::success("Device.WiFi.SSID.[Enable==true].")).build().is_ok());
/// // A success carries updated instances, a failure failed ones; mixing them is a conflict.
/// let mixed = SetResult::success("Device.WiFi.SSID.1.").instance_failure(UpdateFailure::new("Device.WiFi.SSID.1."));
/// assert!(matches!(SetRespBuilder::new("s-2").result(mixed).build(), Err(BuildError::Conflict(_))));
/// let ok = SetResult::success("Device.WiFi.SSID.1.").updated(UpdatedInstance::new("Device.WiFi.SSID.1.").param("SSID", "x"));
/// let failed = SetResult::failure("Device.WiFi.SSID.2.", ErrorCode::OBJECT_DOES_NOT_EXIST, "gone");
/// assert!(SetRespBuilder::new("s-3").result(ok).result(failed).build().is_ok());
/// # Ok(()) }
/// ```
#[derive(Clone, Debug)]
#[must_use]
pub struct SetResult {
    requested_path: String,
    status: SetStatus,
    conflict: bool,
}

#[derive(Clone, Debug)]
enum SetStatus {
    Success(Vec<UpdatedInstance>),
    Failure {
        code: u32,
        err_msg: String,
        failures: Vec<UpdateFailure>,
    },
}

impl SetResult {
    /// A successful result (`oper_success`); a search that matched nothing has no instances
    /// (R-MSG.4a).
    pub fn success(requested_path: impl Into<String>) -> Self {
        Self {
            requested_path: requested_path.into(),
            status: SetStatus::Success(Vec::new()),
            conflict: false,
        }
    }

    /// A failed result (`oper_failure`); the code must be allowed for Set.
    pub fn failure(
        requested_path: impl Into<String>,
        code: impl Into<u32>,
        err_msg: impl Into<String>,
    ) -> Self {
        Self {
            requested_path: requested_path.into(),
            status: SetStatus::Failure {
                code: code.into(),
                err_msg: err_msg.into(),
                failures: Vec::new(),
            },
            conflict: false,
        }
    }

    /// Adds an updated instance; only valid on a [`success`](Self::success) result (else
    /// `build()` fails with [`BuildError::Conflict`]).
    pub fn updated(mut self, inst: UpdatedInstance) -> Self {
        match &mut self.status {
            SetStatus::Success(v) => v.push(inst),
            SetStatus::Failure { .. } => self.conflict = true,
        }
        self
    }

    /// Adds a failed instance; only valid on a [`failure`](Self::failure) result (else
    /// `build()` fails with [`BuildError::Conflict`]).
    pub fn instance_failure(mut self, failure: UpdateFailure) -> Self {
        match &mut self.status {
            SetStatus::Failure { failures, .. } => failures.push(failure),
            SetStatus::Success(_) => self.conflict = true,
        }
        self
    }
}

/// Builds a SetResp. Needs at least one result.
///
/// ```
/// use usp_msg::{ErrorCode, Msg, MsgType, SetRespBuilder, SetResult, UpdateFailure, UpdatedInstance};
///
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let msg = SetRespBuilder::new("set-1")
///     .result(SetResult::success("Device.WiFi.SSID.1.").updated(
///         UpdatedInstance::new("Device.WiFi.SSID.1.")
///             .param("SSID", "Home")
///             .param_error("Enable", ErrorCode::INVALID_VALUE, "bad boolean"),
///     ))
///     .result(
///         SetResult::failure("Device.WiFi.SSID.2.", ErrorCode::REQUIRED_PARAMETER_FAILED, "required failed")
///             .instance_failure(
///                 UpdateFailure::new("Device.WiFi.SSID.2.").param_error("SSID", ErrorCode::INVALID_VALUE, "too long"),
///             ),
///     )
///     .build()?;
/// assert_eq!(msg.msg_type(), MsgType::SetResp);
/// assert_eq!(Msg::decode(msg.encode_to_bytes())?, msg);
/// # Ok(()) }
/// ```
#[derive(Clone, Debug)]
#[must_use]
pub struct SetRespBuilder {
    msg_id: String,
    results: Vec<SetResult>,
}

impl SetRespBuilder {
    /// A SetResp answering the Set with this msg_id.
    pub fn new(msg_id: impl Into<String>) -> Self {
        Self {
            msg_id: msg_id.into(),
            results: Vec::new(),
        }
    }

    /// Adds the result for one object of the Set.
    pub fn result(mut self, result: SetResult) -> Self {
        self.results.push(result);
        self
    }

    fn into_parts(self) -> Result<(String, Body), BuildError> {
        use pb::set_resp::updated_object_result::{OperationStatus, operation_status as os};
        at_least_one("set_resp.updated_obj_results", &self.results)?;
        let check_errs = |errs: &[pb::set_resp::ParameterError],
                          fields: [&'static str; 2],
                          i: usize,
                          j: usize|
         -> Result<(), BuildError> {
            for (k, e) in errs.iter().enumerate() {
                non_empty(at(fields[0], &[i, j, k]), &e.param)?;
                code_for(at(fields[1], &[i, j, k]), e.err_code, Operation::Set)?;
            }
            Ok(())
        };
        let mut resp = pb::SetResp::default();
        for (i, r) in self.results.into_iter().enumerate() {
            non_empty(
                at("set_resp.updated_obj_results[].requested_path", &[i]),
                &r.requested_path,
            )?;
            if r.conflict {
                return Err(BuildError::Conflict(
                    "set_resp: updated instances belong to a success, instance failures to a failure",
                ));
            }
            let status = match r.status {
                SetStatus::Success(insts) => {
                    let mut out = Vec::with_capacity(insts.len());
                    for (j, inst) in insts.into_iter().enumerate() {
                        obj_path(
                            at(
                                "set_resp.updated_obj_results[].oper_status.oper_success.updated_inst_results[].affected_path",
                                &[i, j],
                            ),
                            &inst.0.affected_path,
                        )?;
                        map_keys(
                            at(
                                "set_resp.updated_obj_results[].oper_status.oper_success.updated_inst_results[].updated_params",
                                &[i, j],
                            ),
                            &inst.0.updated_params,
                        )?;
                        check_errs(
                            &inst.0.param_errs,
                            [
                                "set_resp.updated_obj_results[].oper_status.oper_success.updated_inst_results[].param_errs[].param",
                                "set_resp.updated_obj_results[].oper_status.oper_success.updated_inst_results[].param_errs[].err_code",
                            ],
                            i,
                            j,
                        )?;
                        out.push(inst.0);
                    }
                    os::OperStatus::OperSuccess(os::OperationSuccess {
                        updated_inst_results: out,
                    })
                }
                SetStatus::Failure {
                    code,
                    err_msg,
                    failures,
                } => {
                    code_for(
                        at(
                            "set_resp.updated_obj_results[].oper_status.oper_failure.err_code",
                            &[i],
                        ),
                        code,
                        Operation::Set,
                    )?;
                    let mut out = Vec::with_capacity(failures.len());
                    for (j, f) in failures.into_iter().enumerate() {
                        obj_path(
                            at(
                                "set_resp.updated_obj_results[].oper_status.oper_failure.updated_inst_failures[].affected_path",
                                &[i, j],
                            ),
                            &f.0.affected_path,
                        )?;
                        check_errs(
                            &f.0.param_errs,
                            [
                                "set_resp.updated_obj_results[].oper_status.oper_failure.updated_inst_failures[].param_errs[].param",
                                "set_resp.updated_obj_results[].oper_status.oper_failure.updated_inst_failures[].param_errs[].err_code",
                            ],
                            i,
                            j,
                        )?;
                        out.push(f.0);
                    }
                    os::OperStatus::OperFailure(os::OperationFailure {
                        err_code: code,
                        err_msg,
                        updated_inst_failures: out,
                    })
                }
            };
            resp.updated_obj_results
                .push(pb::set_resp::UpdatedObjectResult {
                    requested_path: r.requested_path,
                    oper_status: Some(OperationStatus {
                        oper_status: Some(status),
                    }),
                });
        }
        Ok((self.msg_id, Body::Response(Response::SetResp(resp))))
    }

    finish!();
}

// ---------------------------------------------------------------------------------------------
// AddResp

/// The result for one object of an Add.
///
/// ```
/// use usp_msg::{AddRespBuilder, AddResult, BuildError, ErrorCode};
///
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let created = AddResult::success("Device.LocalAgent.Subscription.", "Device.LocalAgent.Subscription.4.")
///     .unique_key("ID", "sub-4")
///     .param_error("Enable", ErrorCode::INVALID_VALUE, "not a boolean");
/// assert!(AddRespBuilder::new("a-1").result(created).build().is_ok());
/// // Unique keys belong to a created instance, not to a failure.
/// let bad = AddResult::failure("Device.IP.Interface.", ErrorCode::OBJECT_NOT_CREATED, "full").unique_key("Name", "x");
/// assert!(matches!(AddRespBuilder::new("a-2").result(bad).build(), Err(BuildError::Conflict(_))));
/// # Ok(()) }
/// ```
#[derive(Clone, Debug)]
#[must_use]
pub struct AddResult(pb::add_resp::CreatedObjectResult, bool);

impl AddResult {
    /// A successful result: the new instance's path (ending in `.`).
    pub fn success(
        requested_path: impl Into<String>,
        instantiated_path: impl Into<String>,
    ) -> Self {
        use pb::add_resp::created_object_result::{OperationStatus, operation_status as os};
        Self(
            pb::add_resp::CreatedObjectResult {
                requested_path: requested_path.into(),
                oper_status: Some(OperationStatus {
                    oper_status: Some(os::OperStatus::OperSuccess(os::OperationSuccess {
                        instantiated_path: instantiated_path.into(),
                        param_errs: Vec::new(),
                        unique_keys: BTreeMap::new(),
                    })),
                }),
            },
            false,
        )
    }

    /// A failed result; the code must be allowed for Add (e.g. 7017, 7021).
    pub fn failure(
        requested_path: impl Into<String>,
        code: impl Into<u32>,
        err_msg: impl Into<String>,
    ) -> Self {
        use pb::add_resp::created_object_result::{OperationStatus, operation_status as os};
        Self(
            pb::add_resp::CreatedObjectResult {
                requested_path: requested_path.into(),
                oper_status: Some(OperationStatus {
                    oper_status: Some(os::OperStatus::OperFailure(os::OperationFailure {
                        err_code: code.into(),
                        err_msg: err_msg.into(),
                    })),
                }),
            },
            false,
        )
    }

    fn success_mut(
        &mut self,
    ) -> Option<&mut pb::add_resp::created_object_result::operation_status::OperationSuccess> {
        use pb::add_resp::created_object_result::operation_status::OperStatus;
        match self.0.oper_status.as_mut()?.oper_status.as_mut()? {
            OperStatus::OperSuccess(s) => Some(s),
            OperStatus::OperFailure(_) => None,
        }
    }

    /// Adds a unique key of the new instance (success only; on a failure `build()` fails with [`BuildError::Conflict`]).
    pub fn unique_key(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        match self.success_mut() {
            Some(s) => {
                s.unique_keys.insert(name.into(), value.into());
            }
            None => self.1 = true,
        }
        self
    }

    /// Adds an optional parameter that failed (success only; on a failure `build()` fails with [`BuildError::Conflict`]).
    pub fn param_error(
        mut self,
        param: impl Into<String>,
        code: impl Into<u32>,
        err_msg: impl Into<String>,
    ) -> Self {
        match self.success_mut() {
            Some(s) => s.param_errs.push(pb::add_resp::ParameterError {
                param: param.into(),
                err_code: code.into(),
                err_msg: err_msg.into(),
            }),
            None => self.1 = true,
        }
        self
    }
}

/// Builds an AddResp. Needs at least one result.
///
/// ```
/// use usp_msg::{AddRespBuilder, AddResult, ErrorCode, Msg, MsgType};
///
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let msg = AddRespBuilder::new("add-1")
///     .result(
///         AddResult::success("Device.LocalAgent.Subscription.", "Device.LocalAgent.Subscription.4.")
///             .unique_key("ID", "sub-4")
///             .unique_key("Alias", "cpe-4"),
///     )
///     .result(AddResult::failure("Device.IP.Interface.", ErrorCode::OBJECT_NOT_CREATED, "table full"))
///     .build()?;
/// assert_eq!(msg.msg_type(), MsgType::AddResp);
/// assert_eq!(Msg::decode(msg.encode_to_bytes())?, msg);
/// # Ok(()) }
/// ```
#[derive(Clone, Debug)]
#[must_use]
pub struct AddRespBuilder {
    msg_id: String,
    resp: pb::AddResp,
    conflict: bool,
}

impl AddRespBuilder {
    /// An AddResp answering the Add with this msg_id.
    pub fn new(msg_id: impl Into<String>) -> Self {
        Self {
            msg_id: msg_id.into(),
            resp: pb::AddResp::default(),
            conflict: false,
        }
    }

    /// Adds the result for one object of the Add.
    pub fn result(mut self, result: AddResult) -> Self {
        self.conflict |= result.1;
        self.resp.created_obj_results.push(result.0);
        self
    }

    fn into_parts(self) -> Result<(String, Body), BuildError> {
        use pb::add_resp::created_object_result::operation_status::OperStatus;
        at_least_one(
            "add_resp.created_obj_results",
            &self.resp.created_obj_results,
        )?;
        if self.conflict {
            return Err(BuildError::Conflict(
                "add_resp: unique keys and param errors belong to a success result",
            ));
        }
        for (i, r) in self.resp.created_obj_results.iter().enumerate() {
            non_empty(
                at("add_resp.created_obj_results[].requested_path", &[i]),
                &r.requested_path,
            )?;
            match r.oper_status.as_ref().and_then(|s| s.oper_status.as_ref()) {
                Some(OperStatus::OperSuccess(s)) => {
                    obj_path(
                        at(
                            "add_resp.created_obj_results[].oper_status.oper_success.instantiated_path",
                            &[i],
                        ),
                        &s.instantiated_path,
                    )?;
                    map_keys(
                        at(
                            "add_resp.created_obj_results[].oper_status.oper_success.unique_keys",
                            &[i],
                        ),
                        &s.unique_keys,
                    )?;
                    for (k, e) in s.param_errs.iter().enumerate() {
                        non_empty(
                            at(
                                "add_resp.created_obj_results[].oper_status.oper_success.param_errs[].param",
                                &[i, k],
                            ),
                            &e.param,
                        )?;
                        code_for(
                            at(
                                "add_resp.created_obj_results[].oper_status.oper_success.param_errs[].err_code",
                                &[i, k],
                            ),
                            e.err_code,
                            Operation::Add,
                        )?;
                    }
                }
                Some(OperStatus::OperFailure(f)) => {
                    code_for(
                        at(
                            "add_resp.created_obj_results[].oper_status.oper_failure.err_code",
                            &[i],
                        ),
                        f.err_code,
                        Operation::Add,
                    )?;
                }
                // Constructors always set the oneof; Msg::new would report it anyway.
                None => {}
            }
        }
        Ok((self.msg_id, Body::Response(Response::AddResp(self.resp))))
    }

    finish!();
}

// ---------------------------------------------------------------------------------------------
// DeleteResp

/// The result for one path of a Delete.
///
/// ```
/// use usp_msg::{BuildError, DeleteRespBuilder, DeleteResult, ErrorCode};
///
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// // A valid path that matched nothing: success with no affected paths (R-DEL.2a).
/// let none = DeleteResult::success("Device.LocalAgent.Subscription.[ID==\"x\"].");
/// let some = DeleteResult::success("Device.NAT.PortMapping.*.")
///     .affected_path("Device.NAT.PortMapping.1.")
///     .unaffected_path_error("Device.NAT.PortMapping.2.", ErrorCode::DELETE_FAILURE, "locked");
/// assert!(DeleteRespBuilder::new("d-1").result(none).result(some).build().is_ok());
/// let bad = DeleteResult::failure("Device.Nope.", ErrorCode::OBJECT_DOES_NOT_EXIST, "gone").affected_path("Device.Nope.1.");
/// assert!(matches!(DeleteRespBuilder::new("d-2").result(bad).build(), Err(BuildError::Conflict(_))));
/// # Ok(()) }
/// ```
#[derive(Clone, Debug)]
#[must_use]
pub struct DeleteResult(pb::delete_resp::DeletedObjectResult, bool);

impl DeleteResult {
    /// A successful result with no affected paths yet (a valid path matching nothing is a
    /// success with none, R-DEL.2a).
    pub fn success(requested_path: impl Into<String>) -> Self {
        use pb::delete_resp::deleted_object_result::{OperationStatus, operation_status as os};
        Self(
            pb::delete_resp::DeletedObjectResult {
                requested_path: requested_path.into(),
                oper_status: Some(OperationStatus {
                    oper_status: Some(os::OperStatus::OperSuccess(os::OperationSuccess::default())),
                }),
            },
            false,
        )
    }

    /// A failed result; the code must be allowed for Delete (e.g. 7024).
    pub fn failure(
        requested_path: impl Into<String>,
        code: impl Into<u32>,
        err_msg: impl Into<String>,
    ) -> Self {
        use pb::delete_resp::deleted_object_result::{OperationStatus, operation_status as os};
        Self(
            pb::delete_resp::DeletedObjectResult {
                requested_path: requested_path.into(),
                oper_status: Some(OperationStatus {
                    oper_status: Some(os::OperStatus::OperFailure(os::OperationFailure {
                        err_code: code.into(),
                        err_msg: err_msg.into(),
                    })),
                }),
            },
            false,
        )
    }

    fn success_mut(
        &mut self,
    ) -> Option<&mut pb::delete_resp::deleted_object_result::operation_status::OperationSuccess>
    {
        use pb::delete_resp::deleted_object_result::operation_status::OperStatus;
        match self.0.oper_status.as_mut()?.oper_status.as_mut()? {
            OperStatus::OperSuccess(s) => Some(s),
            OperStatus::OperFailure(_) => None,
        }
    }

    /// Adds a deleted instance path (success only; on a failure `build()` fails with [`BuildError::Conflict`]).
    pub fn affected_path(mut self, path: impl Into<String>) -> Self {
        match self.success_mut() {
            Some(s) => s.affected_paths.push(path.into()),
            None => self.1 = true,
        }
        self
    }

    /// Adds a matched instance that could not be deleted (R-DEL.3; success only, like [`affected_path`](Self::affected_path)).
    pub fn unaffected_path_error(
        mut self,
        path: impl Into<String>,
        code: impl Into<u32>,
        err_msg: impl Into<String>,
    ) -> Self {
        match self.success_mut() {
            Some(s) => s
                .unaffected_path_errs
                .push(pb::delete_resp::UnaffectedPathError {
                    unaffected_path: path.into(),
                    err_code: code.into(),
                    err_msg: err_msg.into(),
                }),
            None => self.1 = true,
        }
        self
    }
}

/// Builds a DeleteResp. Needs at least one result.
///
/// ```
/// use usp_msg::{DeleteRespBuilder, DeleteResult, ErrorCode, Msg, MsgType};
///
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let msg = DeleteRespBuilder::new("del-1")
///     .result(
///         DeleteResult::success("Device.LocalAgent.Subscription.*.")
///             .affected_path("Device.LocalAgent.Subscription.1.")
///             .unaffected_path_error("Device.LocalAgent.Subscription.2.", ErrorCode::DELETE_FAILURE, "locked"),
///     )
///     .result(DeleteResult::failure("Device.Nope.", ErrorCode::INVALID_PATH, "no such path"))
///     .build()?;
/// assert_eq!(msg.msg_type(), MsgType::DeleteResp);
/// assert_eq!(Msg::decode(msg.encode_to_bytes())?, msg);
/// # Ok(()) }
/// ```
#[derive(Clone, Debug)]
#[must_use]
pub struct DeleteRespBuilder {
    msg_id: String,
    resp: pb::DeleteResp,
    conflict: bool,
}

impl DeleteRespBuilder {
    /// A DeleteResp answering the Delete with this msg_id.
    pub fn new(msg_id: impl Into<String>) -> Self {
        Self {
            msg_id: msg_id.into(),
            resp: pb::DeleteResp::default(),
            conflict: false,
        }
    }

    /// Adds the result for one path of the Delete.
    pub fn result(mut self, result: DeleteResult) -> Self {
        self.conflict |= result.1;
        self.resp.deleted_obj_results.push(result.0);
        self
    }

    fn into_parts(self) -> Result<(String, Body), BuildError> {
        use pb::delete_resp::deleted_object_result::operation_status::OperStatus;
        at_least_one(
            "delete_resp.deleted_obj_results",
            &self.resp.deleted_obj_results,
        )?;
        if self.conflict {
            return Err(BuildError::Conflict(
                "delete_resp: affected and unaffected paths belong to a success result",
            ));
        }
        for (i, r) in self.resp.deleted_obj_results.iter().enumerate() {
            non_empty(
                at("delete_resp.deleted_obj_results[].requested_path", &[i]),
                &r.requested_path,
            )?;
            match r.oper_status.as_ref().and_then(|s| s.oper_status.as_ref()) {
                Some(OperStatus::OperSuccess(s)) => {
                    for (k, p) in s.affected_paths.iter().enumerate() {
                        obj_path(
                            at(
                                "delete_resp.deleted_obj_results[].oper_status.oper_success.affected_paths[]",
                                &[i, k],
                            ),
                            p,
                        )?;
                    }
                    for (k, e) in s.unaffected_path_errs.iter().enumerate() {
                        obj_path(
                            at(
                                "delete_resp.deleted_obj_results[].oper_status.oper_success.unaffected_path_errs[].unaffected_path",
                                &[i, k],
                            ),
                            &e.unaffected_path,
                        )?;
                        code_for(
                            at(
                                "delete_resp.deleted_obj_results[].oper_status.oper_success.unaffected_path_errs[].err_code",
                                &[i, k],
                            ),
                            e.err_code,
                            Operation::Delete,
                        )?;
                    }
                }
                Some(OperStatus::OperFailure(f)) => {
                    code_for(
                        at(
                            "delete_resp.deleted_obj_results[].oper_status.oper_failure.err_code",
                            &[i],
                        ),
                        f.err_code,
                        Operation::Delete,
                    )?;
                }
                None => {}
            }
        }
        Ok((self.msg_id, Body::Response(Response::DeleteResp(self.resp))))
    }

    finish!();
}

// ---------------------------------------------------------------------------------------------
// OperateResp

/// The result for one executed command of an Operate.
///
/// ```
/// use usp_msg::{ErrorCode, OperateRespBuilder, OperateResult};
///
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let msg = OperateRespBuilder::new("op-1")
///     // A synchronous command that finished, with its output arguments.
///     .result(OperateResult::output_args("Device.IP.Diagnostics.IPPing()").arg("AverageResponseTime", "12"))
///     // An asynchronous command: the Request object that tracks it.
///     .result(OperateResult::req_obj_path("Device.SelfTestDiagnostics()", "Device.LocalAgent.Request.3."))
///     .result(OperateResult::failure("Device.Reboot()", ErrorCode::COMMAND_FAILURE, "busy"))
///     .build()?;
/// assert_eq!(msg.msg_id(), "op-1");
/// # Ok(()) }
/// ```
#[derive(Clone, Debug)]
#[must_use]
pub struct OperateResult(pb::operate_resp::OperationResult, bool);

impl OperateResult {
    /// A synchronous success with output arguments (add them with [`arg`](Self::arg)).
    pub fn output_args(executed_command: impl Into<String>) -> Self {
        use pb::operate_resp::operation_result::{OperationResp, OutputArgs};
        Self(
            pb::operate_resp::OperationResult {
                executed_command: executed_command.into(),
                operation_resp: Some(OperationResp::ReqOutputArgs(OutputArgs::default())),
            },
            false,
        )
    }

    /// An asynchronous command started: the path of its `Request` object (R-OPR.0).
    pub fn req_obj_path(executed_command: impl Into<String>, path: impl Into<String>) -> Self {
        use pb::operate_resp::operation_result::OperationResp;
        Self(
            pb::operate_resp::OperationResult {
                executed_command: executed_command.into(),
                operation_resp: Some(OperationResp::ReqObjPath(path.into())),
            },
            false,
        )
    }

    /// The command failed (R-OPR.1); the code must be allowed for
    /// [`Operation::CommandFailure`] (e.g. 7022, 7027).
    pub fn failure(
        executed_command: impl Into<String>,
        code: impl Into<u32>,
        err_msg: impl Into<String>,
    ) -> Self {
        use pb::operate_resp::operation_result::{CommandFailure, OperationResp};
        Self(
            pb::operate_resp::OperationResult {
                executed_command: executed_command.into(),
                operation_resp: Some(OperationResp::CmdFailure(CommandFailure {
                    err_code: code.into(),
                    err_msg: err_msg.into(),
                })),
            },
            false,
        )
    }

    /// Adds an output argument (output-args results only; otherwise `build()` fails with [`BuildError::Conflict`]).
    pub fn arg(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        use pb::operate_resp::operation_result::OperationResp;
        if let Some(OperationResp::ReqOutputArgs(a)) = &mut self.0.operation_resp {
            a.output_args.insert(name.into(), value.into());
        } else {
            self.1 = true;
        }
        self
    }
}

/// Builds an OperateResp. An empty result list is allowed (a search matching nothing).
///
/// ```
/// use usp_msg::{ErrorCode, Msg, MsgType, OperateRespBuilder, OperateResult};
///
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let msg = OperateRespBuilder::new("op-1")
///     .result(OperateResult::output_args("Device.Security.GetFingerprint()").arg("Fingerprint", "ab:cd"))
///     .result(OperateResult::req_obj_path("Device.IP.Diagnostics.IPPing()", "Device.LocalAgent.Request.3."))
///     .result(OperateResult::failure("Device.Reboot()", ErrorCode::COMMAND_FAILURE, "busy"))
///     .build()?;
/// assert_eq!(msg.msg_type(), MsgType::OperateResp);
/// assert_eq!(Msg::decode(msg.encode_to_bytes())?, msg);
/// # Ok(()) }
/// ```
#[derive(Clone, Debug)]
#[must_use]
pub struct OperateRespBuilder {
    msg_id: String,
    resp: pb::OperateResp,
    conflict: bool,
}

impl OperateRespBuilder {
    /// An OperateResp answering the Operate with this msg_id.
    pub fn new(msg_id: impl Into<String>) -> Self {
        Self {
            msg_id: msg_id.into(),
            resp: pb::OperateResp::default(),
            conflict: false,
        }
    }

    /// Adds the result for one executed command.
    pub fn result(mut self, result: OperateResult) -> Self {
        self.conflict |= result.1;
        self.resp.operation_results.push(result.0);
        self
    }

    fn into_parts(self) -> Result<(String, Body), BuildError> {
        use pb::operate_resp::operation_result::OperationResp;
        if self.conflict {
            return Err(BuildError::Conflict(
                "operate_resp: output arguments belong to an output-args result",
            ));
        }
        for (i, r) in self.resp.operation_results.iter().enumerate() {
            command(
                at("operate_resp.operation_results[].executed_command", &[i]),
                &r.executed_command,
            )?;
            match &r.operation_resp {
                Some(OperationResp::ReqObjPath(p)) => {
                    obj_path(at("operate_resp.operation_results[].req_obj_path", &[i]), p)?;
                }
                Some(OperationResp::ReqOutputArgs(a)) => {
                    map_keys(
                        at(
                            "operate_resp.operation_results[].req_output_args.output_args",
                            &[i],
                        ),
                        &a.output_args,
                    )?;
                }
                Some(OperationResp::CmdFailure(f)) => {
                    code_for(
                        at(
                            "operate_resp.operation_results[].cmd_failure.err_code",
                            &[i],
                        ),
                        f.err_code,
                        Operation::CommandFailure,
                    )?;
                }
                None => {}
            }
        }
        Ok((
            self.msg_id,
            Body::Response(Response::OperateResp(self.resp)),
        ))
    }

    finish!();
}

// ---------------------------------------------------------------------------------------------
// NotifyResp, GetSupportedProtocolResp

/// Builds a NotifyResp. The Controller echoes the Notify's subscription_id (R-NOT.10).
///
/// ```
/// use usp_msg::{Msg, MsgType, NotifyRespBuilder};
///
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let msg = NotifyRespBuilder::new("ev-1", "boot-sub").build()?;
/// assert_eq!(msg.msg_type(), MsgType::NotifyResp);
/// assert_eq!(Msg::decode(msg.encode_to_bytes())?, msg);
/// # Ok(()) }
/// ```
#[derive(Clone, Debug)]
#[must_use]
pub struct NotifyRespBuilder {
    msg_id: String,
    resp: pb::NotifyResp,
}

impl NotifyRespBuilder {
    /// A NotifyResp for the Notify with this msg_id and subscription_id (may be `""`).
    pub fn new(msg_id: impl Into<String>, subscription_id: impl Into<String>) -> Self {
        Self {
            msg_id: msg_id.into(),
            resp: pb::NotifyResp {
                subscription_id: subscription_id.into(),
            },
        }
    }

    fn into_parts(self) -> Result<(String, Body), BuildError> {
        Ok((self.msg_id, Body::Response(Response::NotifyResp(self.resp))))
    }

    finish!();
}

/// Builds a GetSupportedProtocolResp (a comma-separated `Major.Minor` version list).
///
/// ```
/// use usp_msg::{GetSupportedProtocolRespBuilder, Msg, MsgType};
///
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let msg = GetSupportedProtocolRespBuilder::new("gsp-1", "1.0,1.1,1.2,1.3,1.4").build()?;
/// assert_eq!(msg.msg_type(), MsgType::GetSupportedProtoResp);
/// assert_eq!(Msg::decode(msg.encode_to_bytes())?, msg);
/// # Ok(()) }
/// ```
#[derive(Clone, Debug)]
#[must_use]
pub struct GetSupportedProtocolRespBuilder {
    msg_id: String,
    resp: pb::GetSupportedProtocolResp,
}

impl GetSupportedProtocolRespBuilder {
    /// A GetSupportedProtocolResp listing the Agent's supported versions.
    pub fn new(msg_id: impl Into<String>, agent_versions: impl Into<String>) -> Self {
        Self {
            msg_id: msg_id.into(),
            resp: pb::GetSupportedProtocolResp {
                agent_supported_protocol_versions: agent_versions.into(),
            },
        }
    }

    fn into_parts(self) -> Result<(String, Body), BuildError> {
        versions(
            "get_supported_protocol_resp.agent_supported_protocol_versions",
            &self.resp.agent_supported_protocol_versions,
        )?;
        Ok((
            self.msg_id,
            Body::Response(Response::GetSupportedProtocolResp(self.resp)),
        ))
    }

    finish!();
}

// ---------------------------------------------------------------------------------------------
// RegisterResp, DeregisterResp

/// Builds a RegisterResp. Needs at least one result.
///
/// ```
/// use usp_msg::{ErrorCode, Msg, MsgType, RegisterRespBuilder};
///
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let msg = RegisterRespBuilder::new("reg-1")
///     .success("Device.Time.", "Device.Time.")
///     .failure("Device.WiFi.", ErrorCode::ALREADY_IN_USE, "registered by another service")
///     .build()?;
/// assert_eq!(msg.msg_type(), MsgType::RegisterResp);
/// assert_eq!(Msg::decode(msg.encode_to_bytes())?, msg);
/// # Ok(()) }
/// ```
#[derive(Clone, Debug)]
#[must_use]
pub struct RegisterRespBuilder {
    msg_id: String,
    resp: pb::RegisterResp,
}

impl RegisterRespBuilder {
    /// A RegisterResp answering the Register with this msg_id.
    pub fn new(msg_id: impl Into<String>) -> Self {
        Self {
            msg_id: msg_id.into(),
            resp: pb::RegisterResp::default(),
        }
    }

    fn push(
        mut self,
        requested_path: String,
        status: pb::register_resp::registered_path_result::operation_status::OperStatus,
    ) -> Self {
        use pb::register_resp::registered_path_result::OperationStatus;
        self.resp
            .registered_path_results
            .push(pb::register_resp::RegisteredPathResult {
                requested_path,
                oper_status: Some(OperationStatus {
                    oper_status: Some(status),
                }),
            });
        self
    }

    /// Adds a registered path.
    pub fn success(
        self,
        requested_path: impl Into<String>,
        registered_path: impl Into<String>,
    ) -> Self {
        use pb::register_resp::registered_path_result::operation_status as os;
        self.push(
            requested_path.into(),
            os::OperStatus::OperSuccess(os::OperationSuccess {
                registered_path: registered_path.into(),
            }),
        )
    }

    /// Adds a path that failed; the code must be allowed for Register (e.g. 7028, 7029).
    pub fn failure(
        self,
        requested_path: impl Into<String>,
        code: impl Into<u32>,
        err_msg: impl Into<String>,
    ) -> Self {
        use pb::register_resp::registered_path_result::operation_status as os;
        self.push(
            requested_path.into(),
            os::OperStatus::OperFailure(os::OperationFailure {
                err_code: code.into(),
                err_msg: err_msg.into(),
            }),
        )
    }

    fn into_parts(self) -> Result<(String, Body), BuildError> {
        use pb::register_resp::registered_path_result::operation_status::OperStatus;
        at_least_one(
            "register_resp.registered_path_results",
            &self.resp.registered_path_results,
        )?;
        for (i, r) in self.resp.registered_path_results.iter().enumerate() {
            non_empty(
                at(
                    "register_resp.registered_path_results[].requested_path",
                    &[i],
                ),
                &r.requested_path,
            )?;
            match r.oper_status.as_ref().and_then(|s| s.oper_status.as_ref()) {
                Some(OperStatus::OperSuccess(s)) => non_empty(
                    at(
                        "register_resp.registered_path_results[].oper_status.oper_success.registered_path",
                        &[i],
                    ),
                    &s.registered_path,
                )?,
                Some(OperStatus::OperFailure(f)) => code_for(
                    at(
                        "register_resp.registered_path_results[].oper_status.oper_failure.err_code",
                        &[i],
                    ),
                    f.err_code,
                    Operation::Register,
                )?,
                None => {}
            }
        }
        Ok((
            self.msg_id,
            Body::Response(Response::RegisterResp(self.resp)),
        ))
    }

    finish!();
}

/// Builds a DeregisterResp. Needs at least one result. A Controller always answers a
/// Deregister with this, reporting failures in-band (R-DEREG.4).
///
/// ```
/// use usp_msg::{ErrorCode, Msg, MsgType, DeregisterRespBuilder};
///
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let msg = DeregisterRespBuilder::new("dereg-1")
///     .success("", ["Device.Time.", "Device.WiFi.DataElements."])
///     .failure("Device.IP.", ErrorCode::PATH_ALREADY_REGISTERED, "another service's path")
///     .build()?;
/// assert_eq!(msg.msg_type(), MsgType::DeregisterResp);
/// assert_eq!(Msg::decode(msg.encode_to_bytes())?, msg);
/// # Ok(()) }
/// ```
#[derive(Clone, Debug)]
#[must_use]
pub struct DeregisterRespBuilder {
    msg_id: String,
    resp: pb::DeregisterResp,
}

impl DeregisterRespBuilder {
    /// A DeregisterResp answering the Deregister with this msg_id.
    pub fn new(msg_id: impl Into<String>) -> Self {
        Self {
            msg_id: msg_id.into(),
            resp: pb::DeregisterResp::default(),
        }
    }

    fn push(
        mut self,
        requested_path: String,
        status: pb::deregister_resp::deregistered_path_result::operation_status::OperStatus,
    ) -> Self {
        use pb::deregister_resp::deregistered_path_result::OperationStatus;
        self.resp
            .deregistered_path_results
            .push(pb::deregister_resp::DeregisteredPathResult {
                requested_path,
                oper_status: Some(OperationStatus {
                    oper_status: Some(status),
                }),
            });
        self
    }

    /// Adds a requested path (`""` = all) and the paths it deregistered.
    pub fn success<I, S>(self, requested_path: impl Into<String>, deregistered: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        use pb::deregister_resp::deregistered_path_result::operation_status as os;
        self.push(
            requested_path.into(),
            os::OperStatus::OperSuccess(os::OperationSuccess {
                deregistered_path: deregistered.into_iter().map(Into::into).collect(),
            }),
        )
    }

    /// Adds a path that failed; the code must be allowed for Deregister (e.g. 7030, 7031).
    pub fn failure(
        self,
        requested_path: impl Into<String>,
        code: impl Into<u32>,
        err_msg: impl Into<String>,
    ) -> Self {
        use pb::deregister_resp::deregistered_path_result::operation_status as os;
        self.push(
            requested_path.into(),
            os::OperStatus::OperFailure(os::OperationFailure {
                err_code: code.into(),
                err_msg: err_msg.into(),
            }),
        )
    }

    fn into_parts(self) -> Result<(String, Body), BuildError> {
        use pb::deregister_resp::deregistered_path_result::operation_status::OperStatus;
        at_least_one(
            "deregister_resp.deregistered_path_results",
            &self.resp.deregistered_path_results,
        )?;
        for (i, r) in self.resp.deregistered_path_results.iter().enumerate() {
            match r.oper_status.as_ref().and_then(|s| s.oper_status.as_ref()) {
                Some(OperStatus::OperSuccess(s)) => {
                    for (k, p) in s.deregistered_path.iter().enumerate() {
                        non_empty(
                            at(
                                "deregister_resp.deregistered_path_results[].oper_status.oper_success.deregistered_path[]",
                                &[i, k],
                            ),
                            p,
                        )?;
                    }
                }
                Some(OperStatus::OperFailure(f)) => code_for(
                    at(
                        "deregister_resp.deregistered_path_results[].oper_status.oper_failure.err_code",
                        &[i],
                    ),
                    f.err_code,
                    Operation::Deregister,
                )?,
                None => {}
            }
        }
        Ok((
            self.msg_id,
            Body::Response(Response::DeregisterResp(self.resp)),
        ))
    }

    finish!();
}

// ---------------------------------------------------------------------------------------------
// Error

/// Builds an Error message.
///
/// The code must be in 7000–7999 (record codes 71xx are allowed: an Error Record carries
/// them). Per-parameter errors are optional. To answer a particular request with the
/// per-operation code check, use [`Msg::error_reply`](crate::Msg::error_reply).
///
/// ```
/// use usp_msg::{ErrorBuilder, ErrorCode, Msg, MsgType};
///
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let msg = ErrorBuilder::new("set-1", ErrorCode::REQUIRED_PARAMETER_FAILED)
///     .err_msg("required parameter failed")
///     .param_error("Device.WiFi.SSID.1.SSID", ErrorCode::INVALID_VALUE, "too long")
///     .build()?;
/// assert_eq!(msg.msg_type(), MsgType::Error);
/// assert_eq!(Msg::decode(msg.encode_to_bytes())?, msg);
/// assert!(ErrorBuilder::new("x", ErrorCode::new(6000)).build().is_err());
/// # Ok(()) }
/// ```
#[derive(Clone, Debug)]
#[must_use]
pub struct ErrorBuilder {
    msg_id: String,
    error: pb::Error,
}

impl ErrorBuilder {
    /// An Error answering the message with this msg_id (R-MSG.9).
    pub fn new(msg_id: impl Into<String>, code: impl Into<ErrorCode>) -> Self {
        Self {
            msg_id: msg_id.into(),
            error: pb::Error {
                err_code: code.into().get(),
                err_msg: String::new(),
                param_errs: Vec::new(),
            },
        }
    }

    /// The human-readable explanation.
    pub fn err_msg(mut self, err_msg: impl Into<String>) -> Self {
        self.error.err_msg = err_msg.into();
        self
    }

    /// Adds an error for one parameter (full path).
    pub fn param_error(
        mut self,
        param_path: impl Into<String>,
        code: impl Into<u32>,
        err_msg: impl Into<String>,
    ) -> Self {
        self.error.param_errs.push(pb::error::ParamError {
            param_path: param_path.into(),
            err_code: code.into(),
            err_msg: err_msg.into(),
        });
        self
    }

    fn into_parts(self) -> Result<(String, Body), BuildError> {
        let in_range = |at: Location, code: u32| {
            if ErrorCode::new(code).is_in_usp_range() {
                Ok(())
            } else {
                Err(BuildError::ErrorCodeOutOfRange { at, code })
            }
        };
        in_range("error.err_code".into(), self.error.err_code)?;
        for (i, e) in self.error.param_errs.iter().enumerate() {
            non_empty(at("error.param_errs[].param_path", &[i]), &e.param_path)?;
            in_range(at("error.param_errs[].err_code", &[i]), e.err_code)?;
        }
        Ok((self.msg_id, Body::Error(self.error)))
    }

    finish!();
}
