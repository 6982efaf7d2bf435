//! Typed views of the Agent's responses: [`TypedResult`] and one type per response.
//!
//! Every view is built from a validated [`usp_msg::Response`] by [`TypedResult::from_response`]
//! and keeps everything the response said: successes, and every per-path or per-parameter
//! failure as a [`PathFailure`] carrying its [`ErrorCode`](usp_msg::ErrorCode) and `err_msg`.
//! A `err_code` of 0 in a requested-path result means success, as in the schema.

use alloc::collections::{BTreeMap, BTreeSet};
use alloc::string::String;
use alloc::vec::Vec;

use usp_msg::pb;
use usp_msg::pb::get_supported_dm_resp as gsdm;
use usp_msg::{MsgType, Response};
use usp_record::Version;

use crate::error::{PathFailure, UspError};

/// The typed result of a request, by response type.
///
/// ```
/// use usp_controller::TypedResult;
/// use usp_msg::{GetRespBuilder, GetResult, ResolvedPath};
///
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let msg = GetRespBuilder::new("m-1")
///     .result(GetResult::new("Device.DeviceInfo.").resolved(
///         ResolvedPath::new("Device.DeviceInfo.").param("SoftwareVersion", "1.2.3"),
///     ))
///     .build()?;
/// let typed = TypedResult::from_response(msg.response().ok_or("not a response")?.clone());
/// let values = typed.into_get().ok_or("not a GetResp")?;
/// assert_eq!(values.values["Device.DeviceInfo.SoftwareVersion"], "1.2.3");
/// # Ok(()) }
/// ```
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum TypedResult {
    /// GetResp.
    Get(GetValues),
    /// GetSupportedDMResp.
    GetSupportedDm(SupportedDm),
    /// GetInstancesResp.
    GetInstances(Instances),
    /// SetResp.
    Set(SetOutcome),
    /// AddResp.
    Add(AddOutcome),
    /// DeleteResp.
    Delete(DeleteOutcome),
    /// OperateResp.
    Operate(OperateOutcome),
    /// GetSupportedProtocolResp.
    GetSupportedProtocol(ProtocolVersions),
    /// A response this crate has no typed view for (RegisterResp, DeregisterResp, NotifyResp),
    /// answering a request sent with
    /// [`Controller::request_with`](crate::Controller::request_with).
    Other(Response),
}

macro_rules! into {
    ($($(#[$doc:meta])* $name:ident => $variant:ident($ty:ty);)*) => {$(
        $(#[$doc])*
        #[must_use]
        pub fn $name(self) -> Option<$ty> {
            match self {
                Self::$variant(v) => Some(v),
                _ => None,
            }
        }
    )*};
}

impl TypedResult {
    /// The typed view of a validated response.
    #[must_use]
    pub fn from_response(resp: Response) -> Self {
        match resp {
            Response::GetResp(r) => Self::Get(GetValues::from_pb(r)),
            Response::GetSupportedDmResp(r) => Self::GetSupportedDm(SupportedDm::from_pb(r)),
            Response::GetInstancesResp(r) => Self::GetInstances(Instances::from_pb(r)),
            Response::SetResp(r) => Self::Set(SetOutcome::from_pb(r)),
            Response::AddResp(r) => Self::Add(AddOutcome::from_pb(r)),
            Response::DeleteResp(r) => Self::Delete(DeleteOutcome::from_pb(r)),
            Response::OperateResp(r) => Self::Operate(OperateOutcome::from_pb(r)),
            Response::GetSupportedProtocolResp(r) => Self::GetSupportedProtocol(
                ProtocolVersions::parse(&r.agent_supported_protocol_versions),
            ),
            other => Self::Other(other),
        }
    }

    /// The response type this result came from.
    #[must_use]
    pub fn msg_type(&self) -> MsgType {
        match self {
            Self::Get(_) => MsgType::GetResp,
            Self::GetSupportedDm(_) => MsgType::GetSupportedDmResp,
            Self::GetInstances(_) => MsgType::GetInstancesResp,
            Self::Set(_) => MsgType::SetResp,
            Self::Add(_) => MsgType::AddResp,
            Self::Delete(_) => MsgType::DeleteResp,
            Self::Operate(_) => MsgType::OperateResp,
            Self::GetSupportedProtocol(_) => MsgType::GetSupportedProtoResp,
            Self::Other(r) => r.msg_type(),
        }
    }

    into! {
        /// The GetResp view, if this is one.
        into_get => Get(GetValues);
        /// The GetSupportedDMResp view, if this is one.
        into_supported_dm => GetSupportedDm(SupportedDm);
        /// The GetInstancesResp view, if this is one.
        into_instances => GetInstances(Instances);
        /// The SetResp view, if this is one.
        into_set => Set(SetOutcome);
        /// The AddResp view, if this is one.
        into_add => Add(AddOutcome);
        /// The DeleteResp view, if this is one.
        into_delete => Delete(DeleteOutcome);
        /// The OperateResp view, if this is one.
        into_operate => Operate(OperateOutcome);
        /// The GetSupportedProtocolResp view, if this is one.
        into_protocol => GetSupportedProtocol(ProtocolVersions);
    }
}

fn usp_error(code: u32, msg: String) -> UspError {
    UspError::new(code, msg)
}

/// `object_path` + `name`: the full path of a parameter (or argument) reported relative to an
/// object. A `.` is inserted when the object path lacks its trailing dot.
#[must_use]
pub fn join_path(object_path: &str, name: &str) -> String {
    let mut s = String::with_capacity(object_path.len() + name.len() + 1);
    s.push_str(object_path);
    if !object_path.is_empty() && !object_path.ends_with('.') {
        s.push('.');
    }
    s.push_str(name);
    s
}

/// A GetResp: parameter values by full path, plus the requested paths that failed.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct GetValues {
    /// Every returned parameter, keyed by its full path (`resolved_path` + parameter name,
    /// e.g. `Device.DeviceInfo.SoftwareVersion`). A parameter reported under several requested
    /// paths appears once (the last value reported wins).
    pub values: BTreeMap<String, String>,
    /// Every `resolved_path` reported, including objects with no readable parameters
    /// (R-GET.1b, R-GET.4).
    pub objects: BTreeSet<String>,
    /// Requested paths the Agent could not get (non-zero `err_code`, e.g. 7026 per R-GET.0).
    pub failures: Vec<PathFailure>,
}

impl GetValues {
    fn from_pb(r: pb::GetResp) -> Self {
        let mut out = Self::default();
        for req in r.req_path_results {
            if req.err_code != 0 {
                out.failures.push(PathFailure::new(
                    req.requested_path,
                    usp_error(req.err_code, req.err_msg),
                ));
                continue;
            }
            for res in req.resolved_path_results {
                for (name, value) in res.result_params {
                    out.values
                        .insert(join_path(&res.resolved_path, &name), value);
                }
                out.objects.insert(res.resolved_path);
            }
        }
        out
    }

    /// The value of one full parameter path.
    #[must_use]
    pub fn get(&self, path: &str) -> Option<&str> {
        self.values.get(path).map(String::as_str)
    }
}

/// A GetInstancesResp: instance paths with their unique keys, plus the failed requested paths.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Instances {
    /// Every reported instance (`instantiated_obj_path`, e.g. `Device.IP.Interface.1.`) with
    /// its readable unique keys (name → value; R-GIN.1 leaves unreadable ones out).
    pub instances: BTreeMap<String, BTreeMap<String, String>>,
    /// Requested paths that failed.
    pub failures: Vec<PathFailure>,
}

impl Instances {
    fn from_pb(r: pb::GetInstancesResp) -> Self {
        let mut out = Self::default();
        for req in r.req_path_results {
            if req.err_code != 0 {
                out.failures.push(PathFailure::new(
                    req.requested_path,
                    usp_error(req.err_code, req.err_msg),
                ));
                continue;
            }
            for inst in req.curr_insts {
                out.instances
                    .entry(inst.instantiated_obj_path)
                    .or_default()
                    .extend(inst.unique_keys);
            }
        }
        out
    }
}

/// A SetResp: the instances updated and the objects that failed.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct SetOutcome {
    /// One entry per updated instance.
    pub updated: Vec<UpdatedInstance>,
    /// One entry per requested object whose update failed (`oper_failure`).
    pub failures: Vec<SetFailure>,
}

/// One instance a Set updated.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct UpdatedInstance {
    /// The `obj_path` of the Set this instance matched.
    pub requested_path: String,
    /// The instance (e.g. `Device.WiFi.SSID.1.`).
    pub affected_path: String,
    /// Parameters set, by name relative to `affected_path`, with their new values (R-SET.3
    /// leaves unreadable ones out).
    pub updated_params: BTreeMap<String, String>,
    /// Optional parameters that failed; `path` is the parameter name.
    pub param_errs: Vec<PathFailure>,
}

/// A requested object whose update failed.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct SetFailure {
    /// The `obj_path` of the Set.
    pub requested_path: String,
    /// The failure.
    pub error: UspError,
    /// Per-instance detail: for each affected instance, the parameters that failed (`path` is
    /// the parameter name).
    pub instance_failures: Vec<(String, Vec<PathFailure>)>,
}

fn set_param_errs(errs: Vec<pb::set_resp::ParameterError>) -> Vec<PathFailure> {
    errs.into_iter()
        .map(|e| PathFailure::new(e.param, usp_error(e.err_code, e.err_msg)))
        .collect()
}

impl SetOutcome {
    fn from_pb(r: pb::SetResp) -> Self {
        use pb::set_resp::updated_object_result::operation_status::OperStatus;
        let mut out = Self::default();
        for obj in r.updated_obj_results {
            let status = obj.oper_status.and_then(|s| s.oper_status);
            match status {
                Some(OperStatus::OperSuccess(s)) => {
                    for inst in s.updated_inst_results {
                        out.updated.push(UpdatedInstance {
                            requested_path: obj.requested_path.clone(),
                            affected_path: inst.affected_path,
                            updated_params: inst.updated_params,
                            param_errs: set_param_errs(inst.param_errs),
                        });
                    }
                }
                Some(OperStatus::OperFailure(f)) => out.failures.push(SetFailure {
                    requested_path: obj.requested_path,
                    error: usp_error(f.err_code, f.err_msg),
                    instance_failures: f
                        .updated_inst_failures
                        .into_iter()
                        .map(|i| (i.affected_path, set_param_errs(i.param_errs)))
                        .collect(),
                }),
                // A validated Msg always has the oneof set.
                None => {}
            }
        }
        out
    }

    /// Every updated parameter by full path (`affected_path` + name) with its new value.
    #[must_use]
    pub fn updated_values(&self) -> BTreeMap<String, String> {
        self.updated
            .iter()
            .flat_map(|u| {
                u.updated_params
                    .iter()
                    .map(|(k, v)| (join_path(&u.affected_path, k), v.clone()))
            })
            .collect()
    }
}

/// An AddResp: the objects created and the requested objects that failed.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct AddOutcome {
    /// One entry per created object.
    pub created: Vec<CreatedObject>,
    /// Requested objects that were not created (`path` is the requested `obj_path`).
    pub failures: Vec<PathFailure>,
}

/// One object an Add created.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct CreatedObject {
    /// The `obj_path` of the Add.
    pub requested_path: String,
    /// The new instance (e.g. `Device.LocalAgent.Subscription.4.`).
    pub instantiated_path: String,
    /// Its readable unique keys, including those the Agent assigned (R-ADD.5/6).
    pub unique_keys: BTreeMap<String, String>,
    /// Optional parameters that could not be set (R-ADD.4); `path` is the parameter name.
    pub param_errs: Vec<PathFailure>,
}

impl AddOutcome {
    fn from_pb(r: pb::AddResp) -> Self {
        use pb::add_resp::created_object_result::operation_status::OperStatus;
        let mut out = Self::default();
        for obj in r.created_obj_results {
            match obj.oper_status.and_then(|s| s.oper_status) {
                Some(OperStatus::OperSuccess(s)) => out.created.push(CreatedObject {
                    requested_path: obj.requested_path,
                    instantiated_path: s.instantiated_path,
                    unique_keys: s.unique_keys,
                    param_errs: s
                        .param_errs
                        .into_iter()
                        .map(|e| PathFailure::new(e.param, usp_error(e.err_code, e.err_msg)))
                        .collect(),
                }),
                Some(OperStatus::OperFailure(f)) => out.failures.push(PathFailure::new(
                    obj.requested_path,
                    usp_error(f.err_code, f.err_msg),
                )),
                None => {}
            }
        }
        out
    }
}

/// A DeleteResp: per requested path, the instances deleted and those that could not be.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct DeleteOutcome {
    /// One entry per requested path that succeeded (possibly with no affected paths,
    /// R-DEL.2a, or with unaffected instances, R-DEL.3).
    pub deleted: Vec<DeletedObjects>,
    /// Requested paths that failed as a whole (`path` is the requested `obj_path`).
    pub failures: Vec<PathFailure>,
}

/// The success result of one requested path of a Delete.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct DeletedObjects {
    /// The `obj_path` of the Delete.
    pub requested_path: String,
    /// Instances deleted.
    pub affected_paths: Vec<String>,
    /// Matched instances that could not be deleted (`path` is the instance).
    pub unaffected: Vec<PathFailure>,
}

impl DeleteOutcome {
    fn from_pb(r: pb::DeleteResp) -> Self {
        use pb::delete_resp::deleted_object_result::operation_status::OperStatus;
        let mut out = Self::default();
        for obj in r.deleted_obj_results {
            match obj.oper_status.and_then(|s| s.oper_status) {
                Some(OperStatus::OperSuccess(s)) => out.deleted.push(DeletedObjects {
                    requested_path: obj.requested_path,
                    affected_paths: s.affected_paths,
                    unaffected: s
                        .unaffected_path_errs
                        .into_iter()
                        .map(|e| {
                            PathFailure::new(e.unaffected_path, usp_error(e.err_code, e.err_msg))
                        })
                        .collect(),
                }),
                Some(OperStatus::OperFailure(f)) => out.failures.push(PathFailure::new(
                    obj.requested_path,
                    usp_error(f.err_code, f.err_msg),
                )),
                None => {}
            }
        }
        out
    }

    /// Every deleted instance, across requested paths.
    pub fn affected_paths(&self) -> impl Iterator<Item = &str> {
        self.deleted
            .iter()
            .flat_map(|d| d.affected_paths.iter().map(String::as_str))
    }

    /// Every instance that could not be deleted, across requested paths.
    pub fn unaffected(&self) -> impl Iterator<Item = &PathFailure> {
        self.deleted.iter().flat_map(|d| d.unaffected.iter())
    }
}

/// An OperateResp: one outcome per command executed.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct OperateOutcome {
    /// One entry per `operation_results` element (a search path may run several commands).
    pub results: Vec<CommandOutcome>,
}

/// The outcome of one executed command.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct CommandOutcome {
    /// The command that ran (e.g. `Device.IP.Interface.1.Reset()`).
    pub executed_command: String,
    /// How it ended.
    pub result: CommandResult,
}

/// How one command ended (the `operation_resp` oneof).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum CommandResult {
    /// A synchronous command finished with these output arguments.
    OutputArgs(BTreeMap<String, String>),
    /// An asynchronous command started; this is its `Request.{i}.` object path. The result
    /// comes later in an OperationComplete notification.
    RequestObjPath(String),
    /// The command failed (R-OPR.1, R-OPR.5).
    Failure(UspError),
}

impl OperateOutcome {
    fn from_pb(r: pb::OperateResp) -> Self {
        use pb::operate_resp::operation_result::OperationResp;
        let results = r
            .operation_results
            .into_iter()
            .filter_map(|res| {
                let result = match res.operation_resp? {
                    OperationResp::ReqOutputArgs(a) => CommandResult::OutputArgs(a.output_args),
                    OperationResp::ReqObjPath(p) => CommandResult::RequestObjPath(p),
                    OperationResp::CmdFailure(f) => {
                        CommandResult::Failure(usp_error(f.err_code, f.err_msg))
                    }
                };
                Some(CommandOutcome {
                    executed_command: res.executed_command,
                    result,
                })
            })
            .collect();
        Self { results }
    }
}

/// A GetSupportedProtocolResp: the Agent's USP versions.
///
/// ```
/// use usp_controller::ProtocolVersions;
/// use usp_record::Version;
///
/// let v = ProtocolVersions::parse("1.0, 1.3,1.4,bogus");
/// assert_eq!(v.versions.len(), 3);
/// assert_eq!(v.unparsed, ["bogus"]);
/// let ours = [Version { major: 1, minor: 3 }, Version { major: 1, minor: 5 }];
/// assert_eq!(v.highest_common(&ours), Some(Version { major: 1, minor: 3 }));
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct ProtocolVersions {
    /// `agent_supported_protocol_versions` as received.
    pub raw: String,
    /// The `Major.Minor` entries that parsed, sorted, without duplicates.
    pub versions: Vec<Version>,
    /// Entries that are not `Major.Minor` (trimmed).
    pub unparsed: Vec<String>,
}

impl ProtocolVersions {
    /// Parses a comma-separated version list, e.g. `"1.3,1.4"` (spaces around entries are
    /// tolerated; empty entries are skipped).
    #[must_use]
    pub fn parse(raw: &str) -> Self {
        let mut versions = BTreeSet::new();
        let mut unparsed = Vec::new();
        for part in raw.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            match Version::parse(part) {
                Some(v) => {
                    versions.insert(v);
                }
                None => unparsed.push(String::from(part)),
            }
        }
        Self {
            raw: String::from(raw),
            versions: versions.into_iter().collect(),
            unparsed,
        }
    }

    /// Whether the Agent listed `v`.
    #[must_use]
    pub fn supports(&self, v: Version) -> bool {
        self.versions.binary_search(&v).is_ok()
    }

    /// The highest version both the Agent and `ours` support.
    #[must_use]
    pub fn highest_common(&self, ours: &[Version]) -> Option<Version> {
        self.versions
            .iter()
            .rev()
            .copied()
            .find(|v| ours.contains(v))
    }
}

/// A GetSupportedDMResp: one supported-data-model tree per requested path.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct SupportedDm {
    /// Successful requested paths.
    pub trees: Vec<SupportedTree>,
    /// Requested paths that failed (`path` is `req_obj_path`).
    pub failures: Vec<PathFailure>,
}

/// The supported objects under one requested path.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct SupportedTree {
    /// The `req_obj_path`.
    pub requested_path: String,
    /// The data model instance URI the Agent reported.
    pub data_model_inst_uri: String,
    /// Supported objects by `supported_obj_path` (e.g. `Device.WiFi.SSID.{i}.`). The map's
    /// order puts every object right before its sub-objects.
    pub objects: BTreeMap<String, SupportedObject>,
}

impl SupportedTree {
    /// The direct sub-objects of `path` (one more path segment, a `{i}.` of a table counted
    /// with its name), in path order.
    ///
    /// ```
    /// use usp_controller::TypedResult;
    /// use usp_msg::{GetSupportedDmRespBuilder, SupportedDmResult, SupportedObject};
    /// use usp_msg::pb::get_supported_dm_resp::ObjAccessType;
    ///
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let ro = ObjAccessType::ObjReadOnly;
    /// let msg = GetSupportedDmRespBuilder::new("m")
    ///     .result(
    ///         SupportedDmResult::new("Device.WiFi.", "urn:broadband-forum-org:tr-181-2-19-0")
    ///             .object(SupportedObject::new("Device.WiFi.", ro, false))
    ///             .object(SupportedObject::new("Device.WiFi.SSID.{i}.", ro, true))
    ///             .object(SupportedObject::new("Device.WiFi.SSID.{i}.Stats.", ro, false))
    ///             .object(SupportedObject::new("Device.WiFi.Radio.{i}.", ro, true)),
    ///     )
    ///     .build()?;
    /// let dm = TypedResult::from_response(msg.response().ok_or("?")?.clone())
    ///     .into_supported_dm()
    ///     .ok_or("?")?;
    /// let tree = &dm.trees[0];
    /// let kids: Vec<&str> = tree.children("Device.WiFi.").map(|o| o.path.as_str()).collect();
    /// assert_eq!(kids, ["Device.WiFi.Radio.{i}.", "Device.WiFi.SSID.{i}."]);
    /// assert!(tree.objects["Device.WiFi.SSID.{i}."].is_multi_instance);
    /// # Ok(()) }
    /// ```
    pub fn children<'a>(&'a self, path: &'a str) -> impl Iterator<Item = &'a SupportedObject> {
        self.objects
            .range::<str, _>((
                core::ops::Bound::Excluded(path),
                core::ops::Bound::Unbounded,
            ))
            .take_while(move |(k, _)| k.starts_with(path))
            .filter(move |(k, _)| {
                let rest = k.get(path.len()..).unwrap_or_default();
                let rest = rest.strip_suffix('.').unwrap_or(rest);
                let rest = rest.strip_suffix(".{i}").unwrap_or(rest);
                !rest.is_empty() && !rest.contains('.')
            })
            .map(|(_, v)| v)
    }
}

/// One supported object.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct SupportedObject {
    /// Its `supported_obj_path`.
    pub path: String,
    /// Its access, or `None` for a value this crate does not know.
    pub access: Option<gsdm::ObjAccessType>,
    /// Whether it is a table.
    pub is_multi_instance: bool,
    /// Parameters by name.
    pub params: BTreeMap<String, SupportedParam>,
    /// Commands by name (e.g. `Reset()`).
    pub commands: BTreeMap<String, SupportedCommand>,
    /// Events by name (e.g. `Boot!`) with their argument names.
    pub events: BTreeMap<String, Vec<String>>,
    /// Paths below this object whose supported model differs per instance.
    pub divergent_paths: Vec<String>,
    /// Unique key sets, each a list of parameter names.
    pub unique_key_sets: Vec<Vec<String>>,
}

/// One supported parameter. Each enum is `None` when the Agent sent a value this crate does
/// not know (a newer schema).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct SupportedParam {
    /// Read-only, read-write or write-only.
    pub access: Option<gsdm::ParamAccessType>,
    /// Its data type.
    pub value_type: Option<gsdm::ParamValueType>,
    /// Whether ValueChange notifications are allowed for it.
    pub value_change: Option<gsdm::ValueChangeType>,
}

/// One supported command.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct SupportedCommand {
    /// Input argument names.
    pub input_args: Vec<String>,
    /// Output argument names.
    pub output_args: Vec<String>,
    /// Synchronous or asynchronous, or `None` if unknown.
    pub command_type: Option<gsdm::CmdType>,
}

impl SupportedDm {
    fn from_pb(r: pb::GetSupportedDmResp) -> Self {
        let mut out = Self::default();
        for req in r.req_obj_results {
            if req.err_code != 0 {
                out.failures.push(PathFailure::new(
                    req.req_obj_path,
                    usp_error(req.err_code, req.err_msg),
                ));
                continue;
            }
            let objects = req
                .supported_objs
                .into_iter()
                .map(|o| {
                    let obj = SupportedObject {
                        path: o.supported_obj_path.clone(),
                        access: gsdm::ObjAccessType::try_from(o.access).ok(),
                        is_multi_instance: o.is_multi_instance,
                        params: o
                            .supported_params
                            .into_iter()
                            .map(|p| {
                                let param = SupportedParam {
                                    access: gsdm::ParamAccessType::try_from(p.access).ok(),
                                    value_type: gsdm::ParamValueType::try_from(p.value_type).ok(),
                                    value_change: gsdm::ValueChangeType::try_from(p.value_change)
                                        .ok(),
                                };
                                (p.param_name, param)
                            })
                            .collect(),
                        commands: o
                            .supported_commands
                            .into_iter()
                            .map(|c| {
                                let cmd = SupportedCommand {
                                    input_args: c.input_arg_names,
                                    output_args: c.output_arg_names,
                                    command_type: gsdm::CmdType::try_from(c.command_type).ok(),
                                };
                                (c.command_name, cmd)
                            })
                            .collect(),
                        events: o
                            .supported_events
                            .into_iter()
                            .map(|e| (e.event_name, e.arg_names))
                            .collect(),
                        divergent_paths: o.divergent_paths,
                        unique_key_sets: o
                            .unique_key_sets
                            .into_iter()
                            .map(|k| k.key_names)
                            .collect(),
                    };
                    (o.supported_obj_path, obj)
                })
                .collect();
            out.trees.push(SupportedTree {
                requested_path: req.req_obj_path,
                data_model_inst_uri: req.data_model_inst_uri,
                objects,
            });
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn join_path_inserts_missing_dot() {
        assert_eq!(join_path("Device.DeviceInfo.", "X"), "Device.DeviceInfo.X");
        assert_eq!(join_path("Device.DeviceInfo", "X"), "Device.DeviceInfo.X");
        assert_eq!(join_path("", "X"), "X");
    }

    #[test]
    fn protocol_versions_parse_leniently() {
        let v = ProtocolVersions::parse(" 1.4 ,1.0,,1.4,2,1.x");
        assert_eq!(
            v.versions,
            [
                Version { major: 1, minor: 0 },
                Version { major: 1, minor: 4 }
            ]
        );
        assert_eq!(v.unparsed, ["2", "1.x"]);
        assert_eq!(v.highest_common(&[Version { major: 1, minor: 2 }]), None);
        assert!(ProtocolVersions::parse("").versions.is_empty());
    }

    /// R-GET.2: a parameter path's resolved_path is its parent object, so the full path is
    /// resolved_path + name; a failed requested path carries no values.
    #[test]
    fn get_values_from_pb() {
        let r = pb::GetResp {
            req_path_results: alloc::vec![
                pb::get_resp::RequestedPathResult {
                    requested_path: "Device.A.B".into(),
                    resolved_path_results: alloc::vec![pb::get_resp::ResolvedPathResult {
                        resolved_path: "Device.A.".into(),
                        result_params: [("B".into(), "1".into())].into(),
                    }],
                    ..Default::default()
                },
                pb::get_resp::RequestedPathResult {
                    requested_path: "Device.C.".into(),
                    err_code: 7026,
                    err_msg: "x".into(),
                    resolved_path_results: alloc::vec![pb::get_resp::ResolvedPathResult {
                        resolved_path: "Device.C.".into(),
                        result_params: [("D".into(), "2".into())].into(),
                    }],
                },
            ],
        };
        let v = GetValues::from_pb(r);
        assert_eq!(v.get("Device.A.B"), Some("1"));
        assert_eq!(v.values.len(), 1);
        assert_eq!(
            v.failures,
            [PathFailure::new("Device.C.", UspError::new(7026u32, "x"))]
        );
    }

    #[test]
    fn unknown_enum_values_become_none() {
        let r = pb::GetSupportedDmResp {
            req_obj_results: alloc::vec![gsdm::RequestedObjectResult {
                req_obj_path: "Device.".into(),
                supported_objs: alloc::vec![gsdm::SupportedObjectResult {
                    supported_obj_path: "Device.".into(),
                    access: 99,
                    supported_params: alloc::vec![gsdm::SupportedParamResult {
                        param_name: "P".into(),
                        access: 1,
                        value_type: 42,
                        value_change: -1,
                    }],
                    supported_commands: alloc::vec![gsdm::SupportedCommandResult {
                        command_name: "C()".into(),
                        command_type: 2,
                        ..Default::default()
                    }],
                    ..Default::default()
                }],
                ..Default::default()
            }],
        };
        let dm = SupportedDm::from_pb(r);
        let obj = &dm.trees[0].objects["Device."];
        assert_eq!(obj.access, None);
        let p = obj.params["P"];
        assert_eq!(p.access, Some(gsdm::ParamAccessType::ParamReadWrite));
        assert_eq!((p.value_type, p.value_change), (None, None));
        assert_eq!(
            obj.commands["C()"].command_type,
            Some(gsdm::CmdType::CmdAsync)
        );
    }

    #[test]
    fn children_of_tables_and_leaves() {
        let mut tree = SupportedTree::default();
        for p in [
            "Device.",
            "Device.A.",
            "Device.A.{i}.",
            "Device.A.{i}.B.",
            "Device.AB.",
            "Device.C.{i}.",
            "Device.C.{i}.D.{i}.",
        ] {
            tree.objects.insert(
                p.into(),
                SupportedObject {
                    path: p.into(),
                    ..Default::default()
                },
            );
        }
        let kids = |p| {
            tree.children(p)
                .map(|o| o.path.as_str())
                .collect::<Vec<_>>()
        };
        assert_eq!(
            kids("Device."),
            ["Device.A.", "Device.A.{i}.", "Device.AB.", "Device.C.{i}."]
        );
        assert_eq!(kids("Device.A.{i}."), ["Device.A.{i}.B."]);
        assert_eq!(kids("Device.C.{i}."), ["Device.C.{i}.D.{i}."]);
        assert!(kids("Device.AB.").is_empty());
        assert!(kids("Nope.").is_empty());
    }

    /// Results whose oneof is missing (impossible in a validated Msg) are skipped, not
    /// invented.
    #[test]
    fn missing_oneofs_are_skipped() {
        let set = SetOutcome::from_pb(pb::SetResp {
            updated_obj_results: alloc::vec![pb::set_resp::UpdatedObjectResult::default()],
        });
        assert_eq!(set, SetOutcome::default());
        let op = OperateOutcome::from_pb(pb::OperateResp {
            operation_results: alloc::vec![pb::operate_resp::OperationResult::default()],
        });
        assert!(op.results.is_empty());
    }
}
