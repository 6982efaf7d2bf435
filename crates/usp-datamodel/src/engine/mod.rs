//! The Agent engine: a request [`pb::Msg`] in, a response or Error [`pb::Msg`] out.

use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;

use prost::Message as _;
use usp_msg::pb;
use usp_msg::pb::request::ReqType;
use usp_path::resolve::ResolveLimits;

use crate::access::{AccessControl, FullAccess};
use crate::code;
use crate::model::DataModel;

mod add;
mod delete;
pub(crate) mod get;
mod gsdm;
pub(crate) mod instances;
mod refs;
pub(crate) mod resolve;
pub(crate) mod set;
mod tx;

/// What the engine does with requests it does not implement (Operate, Notify, Register,
/// Deregister) — R-MSG.1 allows either.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum Unsupported {
    /// Answer with Error 7001 (Message not supported). The default.
    #[default]
    Error7001,
    /// Send no reply.
    Ignore,
}

/// How Delete treats an Object Instance Path whose instance does not exist when
/// `allow_partial` is false (REQUIREMENTS §8 item 1).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum DeleteMissing {
    /// R-DEL.1: the Delete fails with Error 7016. The default.
    #[default]
    Error,
    /// TP-469 1.25: `oper_success` with empty `affected_paths`, as for a search matching
    /// nothing (R-DEL.2a).
    Success,
}

/// Engine settings; every field has the spec default.
///
/// ```
/// use usp_datamodel::{DeleteMissing, EngineConfig};
///
/// let mut cfg = EngineConfig::default();
/// cfg.set_delete_missing(DeleteMissing::Success).set_max_get_values(10_000);
/// assert_eq!(cfg.agent_supported_protocol_versions(), "1.0,1.1,1.2,1.3,1.4");
/// ```
#[derive(Clone, Debug)]
pub struct EngineConfig {
    versions: String,
    unsupported: Unsupported,
    delete_missing: DeleteMissing,
    limits: ResolveLimits,
    max_get_values: usize,
}

impl Default for EngineConfig {
    fn default() -> Self {
        Self {
            versions: String::from("1.0,1.1,1.2,1.3,1.4"),
            unsupported: Unsupported::Error7001,
            delete_missing: DeleteMissing::Error,
            limits: ResolveLimits::DEFAULT,
            max_get_values: 1_000_000,
        }
    }
}

impl EngineConfig {
    /// The versions GetSupportedProtocol reports (`"1.0,1.1,1.2,1.3,1.4"`).
    pub fn agent_supported_protocol_versions(&self) -> &str {
        &self.versions
    }

    /// Sets the versions GetSupportedProtocol reports.
    pub fn set_agent_supported_protocol_versions(&mut self, v: impl Into<String>) -> &mut Self {
        self.versions = v.into();
        self
    }

    /// Sets what happens to requests the engine does not implement.
    pub const fn set_unsupported(&mut self, u: Unsupported) -> &mut Self {
        self.unsupported = u;
        self
    }

    /// Sets the Delete behaviour for a missing instance (REQUIREMENTS §8 item 1).
    pub const fn set_delete_missing(&mut self, d: DeleteMissing) -> &mut Self {
        self.delete_missing = d;
        self
    }

    /// Sets the path resolution limits (work, results, reference depth).
    pub const fn set_resolve_limits(&mut self, l: ResolveLimits) -> &mut Self {
        self.limits = l;
        self
    }

    /// Sets the maximum number of parameter values one Get may return (default 1,000,000);
    /// beyond it the path fails with 7005.
    pub const fn set_max_get_values(&mut self, n: usize) -> &mut Self {
        self.max_get_values = n;
        self
    }
}

/// Answers USP requests against a [`DataModel`]: Get, Set, Add, Delete, GetInstances,
/// GetSupportedDM and GetSupportedProtocol. Operate, Notify, Register and Deregister get Error
/// 7001 (or no reply, [`Unsupported::Ignore`]).
///
/// The engine holds no state between messages and performs no I/O: call
/// [`Engine::handle`] for each received request and send what it returns.
///
/// # Rules implemented
///
/// - **Replies** (R-MSG.0, R-MSG.9, R-MSG.10, R-ENC.5): one reply per request with the
///   request's msg_id; the body's type decides the message, whatever the header's msg_type
///   says. A message without a header or with an empty msg_id gets no reply (nothing to
///   correlate it with, R-MSG.8); one without a body or request type gets Error 7004.
///   Responses and Errors sent to the Agent get no reply. R-MSG.4 (ignore a duplicate
///   msg_id that arrives before the reply to the original) holds by construction: the
///   engine answers inside [`Engine::handle`], which borrows the model mutably, so every
///   message has its reply before another can be passed in; a replay after the reply is a
///   new request and is answered again (filtering those needs session state). The test
///   `r_msg_4_each_reply_is_sent_before_the_next_message_is_read` checks that consequence.
///   Every code used is in the message's list of REQUIREMENTS §0.3, except 7025 (Add, Set)
///   and 7021 (Add), which the main code table allows (§8 item 5).
/// - **Paths** (R-ARC.7, R-ARC.9, R-ARC.10, R-MSG.3, R-MSG.4a): parsed by `usp-path` (7008 on
///   a syntax error, and on a search constant of the wrong type, REQUIREMENTS §8 item 7),
///   checked against the Supported DM (7026), resolved through wildcards, expressions,
///   unique-key addresses and reference following, reported with instance numbers. A search
///   matching nothing succeeds with an empty result.
/// - **Get** (R-GET.0–R-GET.5): one `RequestedPathResult` per path, one
///   `ResolvedPathResult` per resolved Object and Sub-Object the Controller may read, with
///   parameters relative to it; `result_params` may be empty (no readable parameters,
///   R-GET.4). An object with neither parameters nor Sub-Objects (instantiated: a
///   single-instance child or a row of a child table) gets none (R-GET.1b), at every level
///   of the tree, so it reads the same however it is reached. A table path (`Device.IP.Interface.`) returns its rows. A
///   parameter path resolves to its parent. `max_depth` counts a table row as one level
///   (the spec's `Device.DeviceInfo.` table). Command and event paths give 7026. Write-only
///   parameters are not returned; secured ones read as `""` unless the Controller holds a
///   secured role granting `r` on them (see Permissions).
/// - **Set** (R-SET.0–R-SET.3, R-KEY.1, R-KEY.2): values are type- and range-checked
///   (7010–7013); non-functional unique keys cannot change (7013), functional ones must stay
///   unique (7025), checked once every update of the message is applied, so rows may swap
///   keys; a clash fails the latest UpdateObject that changed the key. `allow_partial = false`: any failed object gives an Error and everything
///   is rolled back. A search matching several objects is all-or-nothing (R-SET.2a).
/// - **Add** (R-ADD.0–R-ADD.5): tables only (7018), creatable only (7019); unique keys are
///   implicitly required and must not clash (7025); an Alias not given is assigned `cpe-N`;
///   defaults fill the rest. `allow_partial = false`: any failure gives an Error and no row is
///   created (R-ADD.2a).
/// - **Delete** (R-DEL.0–R-DEL.3): Object Instance Paths or searches. `allow_partial =
///   false`: every entry is checked first (non-instance path 7018/7026, non-deletable table
///   7024, missing instance 7016, per [`DeleteMissing`]), then every row is offered to
///   [`DataModel::check_delete`], and the Delete fails with an Error before anything is
///   deleted; a deletion the model still refuses rolls back all, which for a model without
///   native rollback cannot restore the rows deleted before it (the Error's `err_msg` lists
///   them; see "Transactions" on [`DataModel`]). `allow_partial
///   = true`: a valid path matching nothing succeeds with no `affected_paths` (R-DEL.2a), a
///   row the model refuses is an `unaffected_path_err`.
/// - **GetInstances** (R-GIN.*): table, instance or search paths (other objects 7018),
///   `first_level_only`, readable unique keys.
/// - **GetSupportedDM**: supported (`{i}`, final `{i}.` optional) or instantiated paths,
///   `first_level_only`, `return_commands`/`events`/`params`/`unique_key_sets`;
///   parameter, command and event paths return only that element. An object the schema marks
///   divergent ([`crate::ObjectDef::divergent`]) is reported with path, access,
///   multi-instance and `divergent_paths` (its existing, readable instance paths, at most
///   [`EngineConfig::set_max_get_values`]) only, its children skipped; an Object Instance Path
///   through it uses that instance's model ([`DataModel::instance_schema`], whose URI is
///   then the `data_model_inst_uri`); a supported path below it is 7026.
/// - **GetSupportedProtocol**: the configured versions.
/// - **Permissions** (R-SEC.1 and the "without Read permission" rules R-GET.1, R-GET.4,
///   R-GIN.0, R-GIN.1, R-GSP.0, R-SET.3, R-ADD.6, R-DEL.1, R-DEL.2, R-DEL.4): through
///   [`Engine::handle_as`] with an [`AccessControl`] such as [`crate::Role`];
///   [`Engine::handle`] grants everything. Denied writes are 7006; what the Controller cannot
///   read is treated as absent (7026 when addressed directly).
/// - **Secured parameters** (TR-181 `SecuredRoles`, security.md; R-SEC.1, R-GET.4): a
///   parameter the schema marks secured ([`crate::ParamDef::secured`]) is readable or not by
///   the ordinary rules above, and its value is the real one only when
///   [`AccessControl::secured`] allows it (a secured role, [`crate::Role::new_secured`],
///   granting `r` on it); otherwise it is the null value `""` everywhere a value leaves the
///   engine: Get results, GetInstances and Add unique keys, and the Set echo (left out).
///   A search expression or unique-key address comparing a secured parameter the
///   Controller may not see matches no row (as for an unreadable parameter, R-GIN.0), so its
///   value cannot be probed; a reference through it cannot be followed. [`Engine::handle`]
///   ([`FullAccess`]) holds no secured role.
/// - **References** (R-ARC.11, R-ARC.12): reference values given in Set or Add may use the
///   key form and are stored with instance numbers; a strong reference must name an existing
///   object (7012); deleting a row clears strong references to it (a list loses the item),
///   inside the same transaction; weak references are never changed.
///
/// - **Instance numbers** (R-ARC.8): the engine never renumbers a row (a Set of a unique key
///   keeps the number; a failed Delete is rolled back with the numbers it had); handing out
///   numbers, never reusing them and keeping them across a reboot is the model's job
///   ([`DataModel::add`]). [`crate::MemoryDataModel`] never reuses a number while it lives,
///   except that of an Add that was rolled back (a row no Controller ever saw); it keeps
///   nothing across a restart, so an integrator who needs persistence stores the rows.
///
/// Divergent objects are implemented for GetSupportedDM only (see above); the other messages
/// check paths and values against [`DataModel::schema`].
/// Operate, subscriptions, Notify and Register/Deregister are in the stateful
/// [`crate::Agent`], which wraps this engine.
///
/// ```
/// use usp_datamodel::{Engine, EngineConfig, MemoryDataModel, ObjectDef, ParamDef, Schema};
/// use usp_msg::pb;
/// use usp_path::value::ValueType;
///
/// let mut s = Schema::new("urn:example-org:demo-1-0");
/// s.add_object(ObjectDef::new("Device."))?;
/// s.add_object(ObjectDef::new("Device.DeviceInfo.")
///     .with_param(ParamDef::new("SoftwareVersion", ValueType::String).with_default("1.2.3")))?;
/// let mut dm = MemoryDataModel::new(s);
/// let engine = Engine::new(EngineConfig::default());
///
/// let req = pb::Msg {
///     header: Some(pb::Header { msg_id: "m1".into(), msg_type: pb::header::MsgType::Get as i32 }),
///     body: Some(pb::Body { msg_body: Some(pb::body::MsgBody::Request(pb::Request {
///         req_type: Some(pb::request::ReqType::Get(pb::Get {
///             param_paths: vec!["Device.DeviceInfo.SoftwareVersion".into()],
///             max_depth: 0,
///         })),
///     }))}),
/// };
/// let reply = engine.handle(&mut dm, &req).expect("a reply");
/// let Some(pb::body::MsgBody::Response(pb::Response { resp_type: Some(pb::response::RespType::GetResp(r)) })) =
///     reply.body.and_then(|b| b.msg_body) else { panic!("not a GetResp") };
/// let res = &r.req_path_results[0].resolved_path_results[0];
/// assert_eq!(res.resolved_path, "Device.DeviceInfo.");
/// assert_eq!(res.result_params["SoftwareVersion"], "1.2.3");
/// # Ok::<(), usp_datamodel::SchemaError>(())
/// ```
#[derive(Clone, Debug, Default)]
pub struct Engine {
    cfg: EngineConfig,
}

impl Engine {
    /// An engine with `cfg`.
    pub const fn new(cfg: EngineConfig) -> Self {
        Self { cfg }
    }

    /// The configuration.
    pub const fn config(&self) -> &EngineConfig {
        &self.cfg
    }

    /// Answers one request. Returns the Response or Error to send, or `None` when nothing is
    /// to be sent (see the rules above).
    pub fn handle<M: DataModel + ?Sized>(&self, dm: &mut M, msg: &pb::Msg) -> Option<pb::Msg> {
        self.handle_as(dm, &FullAccess, msg)
    }

    /// Like [`Engine::handle`], for a Controller with the permissions `acl` (R-SEC.1; see
    /// [`AccessControl`] for what each permission gates). Permissions are checked before
    /// anything changes.
    pub fn handle_as<M: DataModel + ?Sized, A: AccessControl + ?Sized>(
        &self,
        dm: &mut M,
        acl: &A,
        msg: &pb::Msg,
    ) -> Option<pb::Msg> {
        let acl = AclRef(acl);
        let acl: &dyn AccessControl = &acl;
        let id = msg.header.as_ref()?.msg_id.clone();
        if id.is_empty() {
            return None;
        }
        let req = match msg.body.as_ref().and_then(|b| b.msg_body.as_ref()) {
            Some(pb::body::MsgBody::Request(r)) => r,
            Some(_) => return None,
            None => {
                return Some(error_msg(
                    id,
                    pb::Error {
                        err_code: code::INVALID_ARGUMENTS,
                        err_msg: String::from("the message has no body"),
                        param_errs: Vec::new(),
                    },
                ));
            }
        };
        let Some(rt) = &req.req_type else {
            return Some(error_msg(
                id,
                pb::Error {
                    err_code: code::INVALID_ARGUMENTS,
                    err_msg: String::from("the request has no request type"),
                    param_errs: Vec::new(),
                },
            ));
        };
        use pb::response::RespType as R;
        let out = match rt {
            ReqType::Get(g) => Ok(R::GetResp(get::get(&self.cfg, dm, acl, g))),
            ReqType::GetInstances(g) => Ok(R::GetInstancesResp(instances::get_instances(
                &self.cfg, dm, acl, g,
            ))),
            ReqType::GetSupportedDm(g) => {
                Ok(R::GetSupportedDmResp(gsdm::gsdm(&self.cfg, dm, acl, g)))
            }
            ReqType::GetSupportedProtocol(_) => {
                Ok(R::GetSupportedProtocolResp(pb::GetSupportedProtocolResp {
                    agent_supported_protocol_versions: self.cfg.versions.clone(),
                }))
            }
            ReqType::Set(s) => set::set(&self.cfg, dm, acl, s).map(R::SetResp),
            ReqType::Add(a) => add::add(&self.cfg, dm, acl, a).map(R::AddResp),
            ReqType::Delete(d) => delete::delete(&self.cfg, dm, acl, d).map(R::DeleteResp),
            ReqType::Operate(_)
            | ReqType::Notify(_)
            | ReqType::Register(_)
            | ReqType::Deregister(_) => {
                if self.cfg.unsupported == Unsupported::Ignore {
                    return None;
                }
                let name = match rt {
                    ReqType::Operate(_) => "Operate",
                    ReqType::Notify(_) => "Notify",
                    ReqType::Register(_) => "Register",
                    _ => "Deregister",
                };
                Err(pb::Error {
                    err_code: code::MESSAGE_NOT_SUPPORTED,
                    err_msg: format!("{name} is not supported by this Agent"),
                    param_errs: Vec::new(),
                })
            }
        };
        Some(match out {
            Ok(resp) => response_msg(id, resp),
            Err(e) => error_msg(id, e),
        })
    }

    /// [`Engine::handle`] for the validated message type of `usp-msg`: a request that
    /// already passed `usp_msg::Msg` validation in, the validated reply out.
    pub fn handle_validated<M: DataModel + ?Sized>(
        &self,
        dm: &mut M,
        msg: &usp_msg::Msg,
    ) -> Option<usp_msg::Msg> {
        let raw: pb::Msg = msg.clone().into();
        self.handle(dm, &raw)
            .and_then(|r| usp_msg::Msg::try_from(r).ok())
    }

    /// Decodes `bytes` as a `usp.Msg`, answers it with [`Engine::handle`] and encodes the
    /// reply. Bytes that do not decode get no reply (there is no msg_id to answer).
    pub fn handle_bytes<M: DataModel + ?Sized>(&self, dm: &mut M, bytes: &[u8]) -> Option<Vec<u8>> {
        let msg = pb::Msg::decode(bytes).ok()?;
        self.handle(dm, &msg).map(|m| m.encode_to_vec())
    }
}

/// Makes any `A: AccessControl + ?Sized` usable as `&dyn AccessControl`.
pub(crate) struct AclRef<'a, A: ?Sized>(pub(crate) &'a A);

impl<A: AccessControl + ?Sized> AccessControl for AclRef<'_, A> {
    fn param(&self, object: &str, param: &str) -> crate::Perms {
        self.0.param(object, param)
    }
    fn obj(&self, object: &str) -> crate::Perms {
        self.0.obj(object)
    }
    fn instance(&self, object: &str) -> crate::Perms {
        self.0.instance(object)
    }
    fn command_event(&self, path: &str) -> crate::Perms {
        self.0.command_event(path)
    }
    fn to_roles(&self) -> Option<crate::Roles> {
        self.0.to_roles()
    }
    fn secured(&self, object: &str, param: &str) -> bool {
        self.0.secured(object, param)
    }
}

fn resp_type(r: &pb::response::RespType) -> pb::header::MsgType {
    use pb::header::MsgType as T;
    use pb::response::RespType as R;
    match r {
        R::GetResp(_) => T::GetResp,
        R::GetSupportedDmResp(_) => T::GetSupportedDmResp,
        R::GetInstancesResp(_) => T::GetInstancesResp,
        R::SetResp(_) => T::SetResp,
        R::AddResp(_) => T::AddResp,
        R::DeleteResp(_) => T::DeleteResp,
        R::OperateResp(_) => T::OperateResp,
        R::NotifyResp(_) => T::NotifyResp,
        R::GetSupportedProtocolResp(_) => T::GetSupportedProtoResp,
        R::RegisterResp(_) => T::RegisterResp,
        R::DeregisterResp(_) => T::DeregisterResp,
    }
}

pub(crate) fn response_msg(msg_id: String, r: pb::response::RespType) -> pb::Msg {
    pb::Msg {
        header: Some(pb::Header {
            msg_id,
            msg_type: resp_type(&r) as i32,
        }),
        body: Some(pb::Body {
            msg_body: Some(pb::body::MsgBody::Response(pb::Response {
                resp_type: Some(r),
            })),
        }),
    }
}

pub(crate) fn error_msg(msg_id: String, e: pb::Error) -> pb::Msg {
    pb::Msg {
        header: Some(pb::Header {
            msg_id,
            msg_type: pb::header::MsgType::Error as i32,
        }),
        body: Some(pb::Body {
            msg_body: Some(pb::body::MsgBody::Error(e)),
        }),
    }
}
