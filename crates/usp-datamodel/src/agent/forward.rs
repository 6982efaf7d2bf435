//! Permissions on requests the Broker forwards to a USP Service (R-SEC.1): checked before the
//! request leaves, with the rules the local engine applies, and the service's reply filtered
//! to what the requesting Controller may read.
//!
//! The Broker cannot see the service's instances, so a search or wildcard path is checked
//! with [`Roles::every`] (the permission must hold on every instance it may match) and a path
//! that follows a reference with the permission on every path of the data model.

use alloc::collections::BTreeMap;
use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;

use usp_msg::pb;
use usp_msg::pb::request::ReqType;
use usp_msg::pb::response::RespType;
use usp_path::{Instance, Path, Segment, Target};

use crate::access::{AccessControl, Permission, Perms, Roles};
use crate::code;

/// A request path as the permission checks see it.
struct Pat {
    /// The object part (ending in `.`), with `{i}` where the path searches; empty when it
    /// follows a reference (the target may be anywhere).
    obj: String,
    /// Names and instance numbers only.
    concrete: bool,
    /// `Name`, `Name()`, `Name!`, or empty for an object path.
    target: String,
    /// The parameters its search expressions read: (object pattern, name); an empty object
    /// stands for anywhere.
    reads: Vec<(String, String)>,
}

fn pattern(text: &str) -> Result<Pat, (u32, String)> {
    let path = Path::parse(text.trim())
        .map_err(|e| (code::INVALID_PATH_SYNTAX, format!("{text:?}: {e}")))?;
    let mut obj = String::new();
    let mut concrete = true;
    let mut anywhere = false;
    let mut reads = Vec::new();
    for s in path.segments() {
        match s {
            Segment::Object(n) => {
                obj.push_str(n.as_str());
                obj.push('.');
            }
            Segment::Instance(Instance::Number(k)) => {
                obj.push_str(&format!("{k}."));
            }
            Segment::Instance(Instance::Wildcard | Instance::Placeholder) => {
                concrete = false;
                obj.push_str("{i}.");
            }
            Segment::Instance(Instance::Expression(e)) => {
                concrete = false;
                obj.push_str("{i}.");
                for c in e.components() {
                    let steps = c.param().steps();
                    if anywhere || steps.iter().any(|st| st.follow().is_some()) {
                        reads.push((String::new(), String::new()));
                        continue;
                    }
                    let mut o = obj.clone();
                    let Some((last, inner)) = steps.split_last() else {
                        continue;
                    };
                    for st in inner {
                        o.push_str(st.name().as_str());
                        o.push('.');
                    }
                    reads.push((o, String::from(last.name().as_str())));
                }
            }
            Segment::Follow(..) => {
                concrete = false;
                anywhere = true;
            }
        }
    }
    if anywhere {
        obj.clear();
    }
    let target = match path.target() {
        Target::Object => String::new(),
        Target::Parameter(n) => String::from(n.as_str()),
        Target::Command(n) => format!("{}()", n.as_str()),
        Target::Event(n) => format!("{}!", n.as_str()),
    };
    Ok(Pat {
        obj,
        concrete,
        target,
        reads,
    })
}

/// The permission kind a check needs.
#[derive(Clone, Copy)]
enum Kind {
    Param,
    Obj,
    Instance,
    CommandEvent,
}

impl Kind {
    fn of(self, e: &Permission) -> Perms {
        match self {
            Self::Param => e.param,
            Self::Obj => e.obj,
            Self::Instance => e.instance,
            Self::CommandEvent => e.command_event,
        }
    }
}

/// The permissions of `kind` on object `obj` (a pattern unless `concrete`; empty: anywhere)
/// and, for parameters, commands and events, `name`.
fn perm(acl: &Roles, kind: Kind, obj: &str, name: &str, concrete: bool) -> Perms {
    if obj.is_empty() {
        return acl.every("", |e| kind.of(e));
    }
    if concrete {
        return match kind {
            Kind::Param => acl.param(obj, name),
            Kind::Obj => acl.obj(obj),
            Kind::Instance => acl.instance(obj),
            Kind::CommandEvent => acl.command_event(&format!("{obj}{name}")),
        };
    }
    acl.every(&format!("{obj}{name}"), |e| kind.of(e))
}

/// `rel` (`Name`, `Stats.BytesSent`) below `obj` as (object, parameter name).
fn split_param(obj: &str, rel: &str) -> (String, String) {
    match rel.rfind('.') {
        Some(i) => (
            format!("{obj}{}", rel.get(..=i).unwrap_or("")),
            String::from(rel.get(i + 1..).unwrap_or("")),
        ),
        None => (String::from(obj), String::from(rel)),
    }
}

/// Whether the search expressions of `p` read only readable parameters (R-GIN.0: locally a
/// parameter the Controller cannot read matches nothing).
fn reads_ok(acl: &Roles, p: &Pat) -> bool {
    p.reads
        .iter()
        .all(|(o, n)| perm(acl, Kind::Param, o, n, false).contains(Perms::READ))
}

/// Whether parameter `rel` of the concrete object `obj` is readable (R-GET.1, R-GET.4).
fn readable(acl: &Roles, obj: &str, rel: &str) -> bool {
    let (o, n) = split_param(obj, rel);
    acl.obj(&o).contains(Perms::READ) && acl.param(&o, &n).contains(Perms::READ)
}

/// Whether parameter `rel` of the concrete object `obj` may be read (R-SET.3, R-ADD.6,
/// R-GIN.1: the engine asks only the parameter's `r` there).
fn param_readable(acl: &Roles, obj: &str, rel: &str) -> bool {
    let (o, n) = split_param(obj, rel);
    acl.param(&o, &n).contains(Perms::READ)
}

/// Results answered by the Broker for entries it did not forward, to merge into the
/// service's reply in request order.
#[derive(Clone, Debug)]
pub(super) struct Merge<T> {
    /// The requested paths, in request order.
    paths: Vec<String>,
    /// (index in `paths`, result), ascending.
    here: Vec<(usize, T)>,
}

impl<T> Merge<T> {
    fn new(paths: Vec<String>) -> Self {
        Self {
            paths,
            here: Vec::new(),
        }
    }

    /// The service's results with the Broker's put back in request order; results naming no
    /// requested path go last.
    fn apply(self, svc: Vec<T>, key: impl Fn(&T) -> &str) -> Vec<T> {
        if self.here.is_empty() {
            return svc;
        }
        let mut groups: BTreeMap<String, Vec<T>> = BTreeMap::new();
        let mut order: Vec<String> = Vec::new();
        for t in svc {
            let k = String::from(key(&t));
            groups
                .entry(k)
                .or_insert_with_key(|k| {
                    order.push(k.clone());
                    Vec::new()
                })
                .push(t);
        }
        let mut out = Vec::new();
        let mut here = self.here.into_iter().peekable();
        for (i, p) in self.paths.iter().enumerate() {
            if let Some((_, t)) = here.next_if(|(j, _)| *j == i) {
                out.push(t);
            } else if let Some(v) = groups.remove(p) {
                out.extend(v);
            }
        }
        for k in order {
            if let Some(v) = groups.remove(&k) {
                out.extend(v);
            }
        }
        out
    }
}

/// What the Broker adds to the service's reply.
#[derive(Clone, Debug)]
pub(super) enum Fix {
    Get(Merge<pb::get_resp::RequestedPathResult>),
    Instances(Merge<pb::get_instances_resp::RequestedPathResult>),
    /// Also the parameter errors of settings not forwarded: (obj_path, error).
    Set(
        Merge<pb::set_resp::UpdatedObjectResult>,
        Vec<(String, pb::set_resp::ParameterError)>,
    ),
    Add(Merge<pb::add_resp::CreatedObjectResult>),
    Delete(Merge<pb::delete_resp::DeletedObjectResult>),
    None,
}

/// The outcome of checking a request for a USP Service.
pub(super) enum Screen {
    /// Refused: answer with this Error.
    Error(pb::Error),
    /// Nothing left to forward: answer with this Response.
    Answer(RespType),
    /// Nothing left to forward and nothing to answer (Operate with `send_resp = false`).
    Silent,
    /// Forward this (possibly reduced) request.
    Forward(ReqType, Fix),
}

fn denied(what: String, param_errs: Vec<pb::error::ParamError>) -> pb::Error {
    pb::Error {
        err_code: code::PERMISSION_DENIED,
        err_msg: what,
        param_errs,
    }
}

/// Checks request `rt` for a USP Service against `acl`, as the local engine would.
pub(super) fn screen(acl: &Roles, rt: &ReqType) -> Screen {
    match rt {
        ReqType::Get(g) => screen_get(acl, g),
        ReqType::GetInstances(g) => screen_instances(acl, g),
        ReqType::Set(s) => screen_set(acl, s),
        ReqType::Add(a) => screen_add(acl, a),
        ReqType::Delete(d) => screen_delete(acl, d),
        ReqType::Operate(o) => screen_operate(acl, o),
        // GetSupportedDM is filtered on the way back; the rest is not routed.
        other => Screen::Forward(other.clone(), Fix::None),
    }
}

fn screen_get(acl: &Roles, g: &pb::Get) -> Screen {
    use pb::get_resp::RequestedPathResult as R;
    let mut m = Merge::new(g.param_paths.clone());
    let mut fwd = g.clone();
    fwd.param_paths.clear();
    for (i, text) in g.param_paths.iter().enumerate() {
        let res = |err_code, err_msg| R {
            requested_path: text.clone(),
            err_code,
            err_msg,
            resolved_path_results: Vec::new(),
        };
        match pattern(text) {
            Err((c, msg)) => m.here.push((i, res(c, msg))),
            // A search on what the Controller cannot read matches nothing.
            Ok(p) if !reads_ok(acl, &p) => m.here.push((i, res(0, String::new()))),
            Ok(p) if p.concrete && !p.target.ends_with(['(', ')', '!']) => {
                // R-GET.1: what the Controller cannot read is treated as unsupported.
                let visible = acl.obj(&p.obj).contains(Perms::READ)
                    && (p.target.is_empty() || acl.param(&p.obj, &p.target).contains(Perms::READ));
                if visible {
                    fwd.param_paths.push(text.clone());
                } else {
                    let msg = format!("{} is not in the Supported Data Model", text.trim());
                    m.here.push((i, res(code::INVALID_PATH, msg)));
                }
            }
            Ok(_) => fwd.param_paths.push(text.clone()),
        }
    }
    if fwd.param_paths.is_empty() && !m.paths.is_empty() {
        return Screen::Answer(RespType::GetResp(pb::GetResp {
            req_path_results: m.apply(Vec::new(), |r| &r.requested_path),
        }));
    }
    Screen::Forward(ReqType::Get(fwd), Fix::Get(m))
}

fn screen_instances(acl: &Roles, g: &pb::GetInstances) -> Screen {
    use pb::get_instances_resp::RequestedPathResult as R;
    let mut m = Merge::new(g.obj_paths.clone());
    let mut fwd = g.clone();
    fwd.obj_paths.clear();
    for (i, text) in g.obj_paths.iter().enumerate() {
        let res = |err_code, err_msg| R {
            requested_path: text.clone(),
            err_code,
            err_msg,
            curr_insts: Vec::new(),
        };
        match pattern(text) {
            Err((c, msg)) => m.here.push((i, res(c, msg))),
            Ok(p) if !reads_ok(acl, &p) => m.here.push((i, res(0, String::new()))),
            Ok(_) => fwd.obj_paths.push(text.clone()),
        }
    }
    if fwd.obj_paths.is_empty() && !m.paths.is_empty() {
        return Screen::Answer(RespType::GetInstancesResp(pb::GetInstancesResp {
            req_path_results: m.apply(Vec::new(), |r| &r.requested_path),
        }));
    }
    Screen::Forward(ReqType::GetInstances(fwd), Fix::Instances(m))
}

fn screen_set(acl: &Roles, s: &pb::Set) -> Screen {
    use pb::set_resp::ParameterError;
    use pb::set_resp::updated_object_result::OperationStatus;
    use pb::set_resp::updated_object_result::operation_status::{
        OperStatus, OperationFailure, OperationSuccess,
    };
    use pb::set_resp::{UpdatedInstanceFailure, UpdatedInstanceResult, UpdatedObjectResult};
    let mut m = Merge::new(s.update_objs.iter().map(|u| u.obj_path.clone()).collect());
    let mut stripped = Vec::new();
    let mut fwd = s.clone();
    fwd.update_objs.clear();
    for (i, uo) in s.update_objs.iter().enumerate() {
        let result = |st| UpdatedObjectResult {
            requested_path: uo.obj_path.clone(),
            oper_status: Some(OperationStatus {
                oper_status: Some(st),
            }),
        };
        let p = match pattern(&uo.obj_path) {
            Ok(p) => p,
            Err((c, msg)) => {
                if !s.allow_partial {
                    return Screen::Error(pb::Error {
                        err_code: c,
                        err_msg: msg,
                        param_errs: Vec::new(),
                    });
                }
                let f = OperStatus::OperFailure(OperationFailure {
                    err_code: c,
                    err_msg: msg,
                    updated_inst_failures: Vec::new(),
                });
                m.here.push((i, result(f)));
                continue;
            }
        };
        if !reads_ok(acl, &p) {
            let ok = OperStatus::OperSuccess(OperationSuccess::default());
            m.here.push((i, result(ok)));
            continue;
        }
        let mut keep = uo.clone();
        keep.param_settings.clear();
        let mut errs: Vec<(ParameterError, bool)> = Vec::new();
        for ps in &uo.param_settings {
            let (o, n) = if p.obj.is_empty() {
                (String::new(), String::new())
            } else {
                split_param(&p.obj, &ps.param)
            };
            if perm(acl, Kind::Param, &o, &n, p.concrete).contains(Perms::WRITE) {
                keep.param_settings.push(ps.clone());
            } else {
                let e = ParameterError {
                    param: ps.param.clone(),
                    err_code: code::PERMISSION_DENIED,
                    err_msg: format!("no permission to write {}", ps.param),
                };
                errs.push((e, ps.required));
            }
        }
        if let Some((e, _)) = errs.iter().find(|(_, req)| *req) {
            // As the engine: a required setting denied fails the object with 7021.
            let msg = format!("required parameter {} failed: {}", e.param, e.err_msg);
            if !s.allow_partial {
                return Screen::Error(pb::Error {
                    err_code: code::REQUIRED_PARAMETER_FAILED,
                    err_msg: format!("{}: {msg}", uo.obj_path),
                    param_errs: errs
                        .iter()
                        .map(|(e, _)| pb::error::ParamError {
                            param_path: format!("{}{}", uo.obj_path.trim(), e.param),
                            err_code: e.err_code,
                            err_msg: e.err_msg.clone(),
                        })
                        .collect(),
                });
            }
            let f = OperStatus::OperFailure(OperationFailure {
                err_code: code::REQUIRED_PARAMETER_FAILED,
                err_msg: msg,
                updated_inst_failures: alloc::vec![UpdatedInstanceFailure {
                    affected_path: uo.obj_path.clone(),
                    param_errs: errs.into_iter().map(|(e, _)| e).collect(),
                }],
            });
            m.here.push((i, result(f)));
            continue;
        }
        if keep.param_settings.is_empty() && !uo.param_settings.is_empty() {
            // Every setting denied and none required: nothing to forward; the object is
            // reported with its parameter errors, as the engine does.
            let insts = if p.concrete {
                alloc::vec![UpdatedInstanceResult {
                    affected_path: String::from(uo.obj_path.trim()),
                    param_errs: errs.into_iter().map(|(e, _)| e).collect(),
                    updated_params: BTreeMap::new(),
                }]
            } else {
                Vec::new()
            };
            let ok = OperStatus::OperSuccess(OperationSuccess {
                updated_inst_results: insts,
            });
            m.here.push((i, result(ok)));
            continue;
        }
        stripped.extend(errs.into_iter().map(|(e, _)| (uo.obj_path.clone(), e)));
        fwd.update_objs.push(keep);
    }
    if fwd.update_objs.is_empty() && !m.paths.is_empty() {
        let mut out = m.apply(Vec::new(), |r| &r.requested_path);
        add_set_param_errs(&mut out, &stripped);
        return Screen::Answer(RespType::SetResp(pb::SetResp {
            updated_obj_results: out,
        }));
    }
    Screen::Forward(ReqType::Set(fwd), Fix::Set(m, stripped))
}

/// Adds the errors of settings the Broker did not forward to every updated instance of their
/// object.
fn add_set_param_errs(
    out: &mut [pb::set_resp::UpdatedObjectResult],
    errs: &[(String, pb::set_resp::ParameterError)],
) {
    use pb::set_resp::updated_object_result::operation_status::OperStatus;
    if errs.is_empty() {
        return;
    }
    for r in out {
        let Some(OperStatus::OperSuccess(ok)) =
            r.oper_status.as_mut().and_then(|s| s.oper_status.as_mut())
        else {
            continue;
        };
        for inst in &mut ok.updated_inst_results {
            for (obj, e) in errs {
                if *obj == r.requested_path {
                    inst.param_errs.push(e.clone());
                }
            }
        }
    }
}

fn screen_add(acl: &Roles, a: &pb::Add) -> Screen {
    use pb::add_resp::CreatedObjectResult;
    use pb::add_resp::created_object_result::OperationStatus;
    use pb::add_resp::created_object_result::operation_status::{OperStatus, OperationFailure};
    let mut m = Merge::new(a.create_objs.iter().map(|c| c.obj_path.clone()).collect());
    let mut fwd = a.clone();
    fwd.create_objs.clear();
    for (i, co) in a.create_objs.iter().enumerate() {
        let checked = pattern(&co.obj_path)
            .map_err(|(c, msg)| (c, msg, Vec::new()))
            .and_then(|p| {
                // R-SEC.1: Obj-w on the table.
                let w = perm(acl, Kind::Obj, &p.obj, "", p.concrete).contains(Perms::WRITE);
                if !reads_ok(acl, &p) || !w {
                    let msg = format!("no permission to add to {}", co.obj_path.trim());
                    return Err((code::PERMISSION_DENIED, msg, Vec::new()));
                }
                // REQUIREMENTS §5.1: a parameter the Controller may not write fails the
                // object when required (7021) and is left out otherwise; the new row is `{i}`,
                // as locally.
                let row = if p.obj.is_empty() {
                    String::new()
                } else {
                    format!("{}{{i}}.", p.obj)
                };
                let mut keep = co.clone();
                keep.param_settings.clear();
                let mut errs = Vec::new();
                for ps in &co.param_settings {
                    let (o, n) = if row.is_empty() {
                        (String::new(), String::new())
                    } else {
                        split_param(&row, &ps.param)
                    };
                    if perm(acl, Kind::Param, &o, &n, p.concrete).contains(Perms::WRITE) {
                        keep.param_settings.push(ps.clone());
                    } else if ps.required {
                        errs.push(pb::error::ParamError {
                            param_path: format!("{row}{}", ps.param),
                            err_code: code::PERMISSION_DENIED,
                            err_msg: format!("no permission to write {}", ps.param),
                        });
                    }
                }
                match errs.first() {
                    Some(e) => {
                        let msg =
                            format!("required parameter {} failed: {}", e.param_path, e.err_msg);
                        Err((code::REQUIRED_PARAMETER_FAILED, msg, errs))
                    }
                    None => Ok(keep),
                }
            });
        match checked {
            Ok(keep) => fwd.create_objs.push(keep),
            Err((c, msg, param_errs)) if !a.allow_partial => {
                return Screen::Error(pb::Error {
                    err_code: c,
                    err_msg: format!("{}: {msg}", co.obj_path),
                    param_errs,
                });
            }
            Err((c, msg, _)) => m.here.push((
                i,
                CreatedObjectResult {
                    requested_path: co.obj_path.clone(),
                    oper_status: Some(OperationStatus {
                        oper_status: Some(OperStatus::OperFailure(OperationFailure {
                            err_code: c,
                            err_msg: msg,
                        })),
                    }),
                },
            )),
        }
    }
    if fwd.create_objs.is_empty() && !m.paths.is_empty() {
        return Screen::Answer(RespType::AddResp(pb::AddResp {
            created_obj_results: m.apply(Vec::new(), |r| &r.requested_path),
        }));
    }
    Screen::Forward(ReqType::Add(fwd), Fix::Add(m))
}

fn screen_delete(acl: &Roles, d: &pb::Delete) -> Screen {
    use pb::delete_resp::deleted_object_result::OperationStatus;
    use pb::delete_resp::deleted_object_result::operation_status::{
        OperStatus, OperationFailure, OperationSuccess,
    };
    use pb::delete_resp::{DeletedObjectResult, UnaffectedPathError};
    let mut m = Merge::new(d.obj_paths.clone());
    let mut fwd = d.clone();
    fwd.obj_paths.clear();
    for (i, text) in d.obj_paths.iter().enumerate() {
        let result = |st| DeletedObjectResult {
            requested_path: text.clone(),
            oper_status: Some(OperationStatus {
                oper_status: Some(st),
            }),
        };
        let p = match pattern(text) {
            Ok(p) => p,
            Err((c, msg)) if !d.allow_partial => {
                return Screen::Error(pb::Error {
                    err_code: c,
                    err_msg: msg.clone(),
                    param_errs: alloc::vec![pb::error::ParamError {
                        param_path: text.clone(),
                        err_code: c,
                        err_msg: msg,
                    }],
                });
            }
            Err((c, msg)) => {
                let f = OperStatus::OperFailure(OperationFailure {
                    err_code: c,
                    err_msg: msg,
                });
                m.here.push((i, result(f)));
                continue;
            }
        };
        if !reads_ok(acl, &p) {
            m.here.push((
                i,
                result(OperStatus::OperSuccess(OperationSuccess::default())),
            ));
            continue;
        }
        // R-DEL.1: InstantiatedObj-w on every row it may delete.
        if perm(acl, Kind::Instance, &p.obj, "", p.concrete).contains(Perms::WRITE) {
            fwd.obj_paths.push(text.clone());
            continue;
        }
        let msg = format!("no permission to delete {}", text.trim());
        if !d.allow_partial {
            return Screen::Error(denied(
                format!("{text}: {msg}"),
                alloc::vec![pb::error::ParamError {
                    param_path: text.clone(),
                    err_code: code::PERMISSION_DENIED,
                    err_msg: msg,
                }],
            ));
        }
        // R-DEL.2, R-DEL.4: reported only when the Controller may read it.
        let mut ok = OperationSuccess::default();
        if perm(acl, Kind::Instance, &p.obj, "", p.concrete).contains(Perms::READ) {
            ok.unaffected_path_errs.push(UnaffectedPathError {
                unaffected_path: String::from(text.trim()),
                err_code: code::PERMISSION_DENIED,
                err_msg: msg,
            });
        }
        m.here.push((i, result(OperStatus::OperSuccess(ok))));
    }
    if fwd.obj_paths.is_empty() && !m.paths.is_empty() {
        return Screen::Answer(RespType::DeleteResp(pb::DeleteResp {
            deleted_obj_results: m.apply(Vec::new(), |r| &r.requested_path),
        }));
    }
    Screen::Forward(ReqType::Delete(fwd), Fix::Delete(m))
}

fn screen_operate(acl: &Roles, o: &pb::Operate) -> Screen {
    let p = match pattern(&o.command) {
        Ok(p) => p,
        Err((c, msg)) => {
            return Screen::Error(pb::Error {
                err_code: c,
                err_msg: msg,
                param_errs: Vec::new(),
            });
        }
    };
    if !reads_ok(acl, &p) {
        // A search on what the Controller cannot read matches nothing.
        return if o.send_resp {
            Screen::Answer(RespType::OperateResp(pb::OperateResp::default()))
        } else {
            Screen::Silent
        };
    }
    if !perm(acl, Kind::CommandEvent, &p.obj, &p.target, p.concrete).contains(Perms::EXEC) {
        return Screen::Error(denied(
            format!("{}: no permission to execute", o.command.trim()),
            Vec::new(),
        ));
    }
    Screen::Forward(ReqType::Operate(o.clone()), Fix::None)
}

/// Filters the service's reply `resp` to what `acl` may read and merges in the Broker's own
/// results.
pub(super) fn fix_reply(acl: &Roles, fix: Fix, resp: &mut RespType) {
    use pb::add_resp::created_object_result::operation_status::OperStatus as AddStatus;
    use pb::delete_resp::deleted_object_result::operation_status::OperStatus as DelStatus;
    use pb::set_resp::updated_object_result::operation_status::OperStatus as SetStatus;
    match resp {
        RespType::GetResp(r) => {
            for rr in &mut r.req_path_results {
                for res in &mut rr.resolved_path_results {
                    let obj = res.resolved_path.clone();
                    res.result_params.retain(|k, _| readable(acl, &obj, k));
                }
                rr.resolved_path_results
                    .retain(|res| !res.result_params.is_empty());
            }
            if let Fix::Get(m) = fix {
                let v = core::mem::take(&mut r.req_path_results);
                r.req_path_results = m.apply(v, |x| &x.requested_path);
            }
        }
        RespType::GetInstancesResp(r) => {
            for rr in &mut r.req_path_results {
                rr.curr_insts
                    .retain(|c| acl.instance(&c.instantiated_obj_path).contains(Perms::READ));
                for c in &mut rr.curr_insts {
                    let obj = c.instantiated_obj_path.clone();
                    c.unique_keys.retain(|k, _| param_readable(acl, &obj, k));
                }
            }
            if let Fix::Instances(m) = fix {
                let v = core::mem::take(&mut r.req_path_results);
                r.req_path_results = m.apply(v, |x| &x.requested_path);
            }
        }
        RespType::GetSupportedDmResp(r) => {
            // As the engine's GSDM: supported paths (`{i}`) asked as they are.
            for rr in &mut r.req_obj_results {
                rr.supported_objs
                    .retain(|o| acl.obj(&o.supported_obj_path).contains(Perms::READ));
                for o in &mut rr.supported_objs {
                    let path = o.supported_obj_path.clone();
                    o.supported_params
                        .retain(|p| acl.param(&path, &p.param_name).contains(Perms::READ));
                    o.supported_commands.retain(|c| {
                        acl.command_event(&format!("{path}{}", c.command_name))
                            .contains(Perms::READ)
                    });
                    o.supported_events.retain(|e| {
                        acl.command_event(&format!("{path}{}", e.event_name))
                            .contains(Perms::READ)
                    });
                    o.divergent_paths
                        .retain(|d| acl.instance(d).contains(Perms::READ));
                }
            }
        }
        RespType::SetResp(r) => {
            // R-SET.3: only what the Controller may read is echoed.
            for o in &mut r.updated_obj_results {
                if let Some(SetStatus::OperSuccess(ok)) =
                    o.oper_status.as_mut().and_then(|s| s.oper_status.as_mut())
                {
                    for inst in &mut ok.updated_inst_results {
                        let obj = inst.affected_path.clone();
                        inst.updated_params
                            .retain(|k, _| param_readable(acl, &obj, k));
                    }
                }
            }
            if let Fix::Set(m, errs) = fix {
                let v = core::mem::take(&mut r.updated_obj_results);
                r.updated_obj_results = m.apply(v, |x| &x.requested_path);
                add_set_param_errs(&mut r.updated_obj_results, &errs);
            }
        }
        RespType::AddResp(r) => {
            // R-ADD.6: only readable unique keys.
            for o in &mut r.created_obj_results {
                if let Some(AddStatus::OperSuccess(ok)) =
                    o.oper_status.as_mut().and_then(|s| s.oper_status.as_mut())
                {
                    let obj = ok.instantiated_path.clone();
                    ok.unique_keys.retain(|k, _| param_readable(acl, &obj, k));
                }
            }
            if let Fix::Add(m) = fix {
                let v = core::mem::take(&mut r.created_obj_results);
                r.created_obj_results = m.apply(v, |x| &x.requested_path);
            }
        }
        RespType::DeleteResp(r) => {
            // R-DEL.2, R-DEL.4: rows the Controller cannot read are not reported.
            for o in &mut r.deleted_obj_results {
                if let Some(DelStatus::OperSuccess(ok)) =
                    o.oper_status.as_mut().and_then(|s| s.oper_status.as_mut())
                {
                    ok.affected_paths
                        .retain(|p| acl.instance(p).contains(Perms::READ));
                    ok.unaffected_path_errs
                        .retain(|e| acl.instance(&e.unaffected_path).contains(Perms::READ));
                }
            }
            if let Fix::Delete(m) = fix {
                let v = core::mem::take(&mut r.deleted_obj_results);
                r.deleted_obj_results = m.apply(v, |x| &x.requested_path);
            }
        }
        _ => {}
    }
}
