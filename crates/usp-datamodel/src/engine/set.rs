//! Set (R-SET.0–R-SET.3, R-KEY.1, R-KEY.2; REQUIREMENTS §5.2).

use alloc::borrow::Cow;
use alloc::collections::BTreeMap;
use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;

use usp_msg::pb;
use usp_msg::pb::set_resp::updated_object_result::OperationStatus;
use usp_msg::pb::set_resp::updated_object_result::operation_status::{
    OperStatus, OperationFailure, OperationSuccess,
};
use usp_msg::pb::set_resp::{
    ParameterError, UpdatedInstanceFailure, UpdatedInstanceResult, UpdatedObjectResult,
};

use super::EngineConfig;
use super::resolve::{Fail, Hit, is_object_target, parse, rel_param, resolve_objects};
use super::tx::Tx;
use crate::access::{AccessControl, Perms};
use crate::code;
use crate::memory::split_row;
use crate::model::DataModel;
use crate::schema::{ObjId, ParamAccess};

struct ObjFail {
    fail: Fail,
    insts: Vec<UpdatedInstanceFailure>,
}

impl From<Fail> for ObjFail {
    fn from(fail: Fail) -> Self {
        Self {
            fail,
            insts: Vec::new(),
        }
    }
}

pub(crate) fn set<M: DataModel + ?Sized>(
    cfg: &EngineConfig,
    dm: &mut M,
    acl: &dyn AccessControl,
    s: &pb::Set,
) -> Result<pb::SetResp, pb::Error> {
    let mut tx = Tx::begin(dm);
    let mut out = pb::SetResp::default();
    for uo in &s.update_objs {
        let mark = tx.mark();
        let status = match set_one(cfg, &mut tx, acl, uo) {
            Ok(results) => OperStatus::OperSuccess(OperationSuccess {
                updated_inst_results: results,
            }),
            Err(f) => {
                // R-SET.2a: the UpdateObject is all-or-nothing.
                tx.undo_to(mark);
                if !s.allow_partial {
                    tx.rollback();
                    let mut param_errs = Vec::new();
                    for i in &f.insts {
                        for p in &i.param_errs {
                            param_errs.push(pb::error::ParamError {
                                param_path: format!("{}{}", i.affected_path, p.param),
                                err_code: p.err_code,
                                err_msg: p.err_msg.clone(),
                            });
                        }
                    }
                    return Err(pb::Error {
                        err_code: f.fail.code,
                        err_msg: format!("{}: {}", uo.obj_path, f.fail.msg),
                        param_errs,
                    });
                }
                OperStatus::OperFailure(OperationFailure {
                    err_code: f.fail.code,
                    err_msg: f.fail.msg,
                    updated_inst_failures: f.insts,
                })
            }
        };
        out.updated_obj_results.push(UpdatedObjectResult {
            requested_path: uo.obj_path.clone(),
            oper_status: Some(OperationStatus {
                oper_status: Some(status),
            }),
        });
    }
    tx.commit();
    Ok(out)
}

fn set_one<M: DataModel + ?Sized>(
    cfg: &EngineConfig,
    tx: &mut Tx<'_, M>,
    acl: &dyn AccessControl,
    uo: &pb::set::UpdateObject,
) -> Result<Vec<UpdatedInstanceResult>, ObjFail> {
    let path = parse(&uo.obj_path)?;
    if !is_object_target(path.target()) {
        return Err(Fail::new(
            code::INVALID_PATH,
            format!("{} is not an Object Path", uo.obj_path),
        )
        .into());
    }
    let m = resolve_objects(cfg, &*tx.dm, acl, &path, code::OBJECT_DOES_NOT_EXIST)?;
    let mut results = Vec::new();
    let mut failures = Vec::new();
    let mut first: Option<Fail> = None;
    for h in &m.hits {
        if h.is_table {
            return Err(Fail::new(
                code::INVALID_PATH,
                format!(
                    "{} is a table; Set needs an object or instance path",
                    h.path
                ),
            )
            .into());
        }
        match set_instance(cfg, tx, acl, h, &uo.param_settings) {
            Ok(r) => results.push(r),
            Err((f, param_errs)) => {
                first.get_or_insert(f);
                failures.push(UpdatedInstanceFailure {
                    affected_path: h.path.clone(),
                    param_errs,
                });
            }
        }
    }
    match first {
        None => Ok(results),
        Some(f) => Err(ObjFail {
            fail: f,
            insts: failures,
        }),
    }
}

struct Planned {
    object: String,
    name: String,
    rel: String,
    value: String,
    required: bool,
    echo: bool,
}

fn perr(rel: &str, f: &Fail) -> ParameterError {
    ParameterError {
        param: String::from(rel),
        err_code: f.code,
        err_msg: f.msg.clone(),
    }
}

/// Updates one object. On a required failure nothing of this object is left changed and the
/// error lists every failed parameter.
fn set_instance<M: DataModel + ?Sized>(
    cfg: &EngineConfig,
    tx: &mut Tx<'_, M>,
    acl: &dyn AccessControl,
    h: &Hit,
    settings: &[pb::set::UpdateParamSetting],
) -> Result<UpdatedInstanceResult, (Fail, Vec<ParameterError>)> {
    let mut plan: Vec<Planned> = Vec::new();
    let mut errs: Vec<(ParameterError, bool)> = Vec::new();
    {
        let dm = &*tx.dm;
        let schema = dm.schema();
        for ps in settings {
            match check_setting(cfg, dm, acl, h, ps) {
                Ok(p) => {
                    // A later setting of the same parameter wins.
                    plan.retain(|q| q.rel != p.rel);
                    plan.push(p);
                }
                Err(f) => errs.push((perr(&ps.param, &f), ps.required)),
            }
        }
        // R-KEY.2: unique keys stay unique (checked before anything changes).
        if let Some((table, n)) = split_row(&h.path) {
            for f in key_clashes(dm, h.id, table, n, &plan) {
                let idx: Vec<usize> = plan
                    .iter()
                    .enumerate()
                    .filter(|(_, p)| p.object == h.path && f.0.contains(&p.name))
                    .map(|(i, _)| i)
                    .collect();
                for i in idx.into_iter().rev() {
                    let p = plan.remove(i);
                    errs.push((perr(&p.rel, &f.1), p.required));
                }
            }
        }
        let _ = schema;
    }
    if let Some((e, _)) = errs.iter().find(|(_, req)| *req) {
        return Err((
            Fail::new(
                code::REQUIRED_PARAMETER_FAILED,
                format!("required parameter {} failed: {}", e.param, e.err_msg),
            ),
            errs.into_iter().map(|(e, _)| e).collect(),
        ));
    }
    let mark = tx.mark();
    let mut applied = Vec::new();
    for p in plan {
        match tx.set(&p.object, &p.name, &p.value) {
            Ok(()) => applied.push(p),
            Err(e) => {
                let f = Fail::from(e);
                if p.required {
                    tx.undo_to(mark);
                    errs.push((perr(&p.rel, &f), true));
                    return Err((
                        Fail::new(
                            code::REQUIRED_PARAMETER_FAILED,
                            format!("required parameter {} failed: {}", p.rel, f.msg),
                        ),
                        errs.into_iter().map(|(e, _)| e).collect(),
                    ));
                }
                errs.push((perr(&p.rel, &f), false));
            }
        }
    }
    let mut updated = BTreeMap::new();
    for p in applied.into_iter().filter(|p| p.echo) {
        let v = tx
            .dm
            .get(&p.object, &p.name)
            .map(Cow::into_owned)
            .unwrap_or(p.value);
        updated.insert(p.rel, v);
    }
    Ok(UpdatedInstanceResult {
        affected_path: h.path.clone(),
        param_errs: errs.into_iter().map(|(e, _)| e).collect(),
        updated_params: updated,
    })
}

fn check_setting<M: DataModel + ?Sized>(
    cfg: &EngineConfig,
    dm: &M,
    acl: &dyn AccessControl,
    h: &Hit,
    ps: &pb::set::UpdateParamSetting,
) -> Result<Planned, Fail> {
    let schema = dm.schema();
    let (object, def) = rel_param(schema, h.id, &h.path, &ps.param)?;
    if !def.access.is_writable() {
        return Err(Fail::new(
            code::PARAM_READ_ONLY,
            format!("{object}{} is read-only", def.name),
        ));
    }
    // R-SEC.1: checked before anything changes.
    if !acl.param(&object, &def.name).contains(Perms::WRITE) {
        return Err(Fail::new(
            code::PERMISSION_DENIED,
            format!("no permission to write {object}{}", def.name),
        ));
    }
    let value = def.check_value(&ps.value).map_err(Fail::from)?;
    // R-ARC.11, R-ARC.12: references stored with instance numbers; strong ones must exist.
    let value = super::refs::normalize(cfg, dm, def, value)?;
    let current = dm.get(&object, &def.name);
    if def.access == ParamAccess::WriteOnceReadOnly {
        if let Some(c) = &current {
            if **c != def.initial_value() && **c != value {
                return Err(Fail::new(
                    code::PARAM_READ_ONLY,
                    format!("{object}{} can be written only once", def.name),
                ));
            }
        }
    }
    if object == h.path {
        let role = schema.get(h.id).and_then(|o| o.key_role(&def.name));
        if role == Some(false) && current.as_deref() != Some(value.as_str()) {
            return Err(Fail::new(
                code::PARAM_READ_ONLY,
                format!(
                    "{object}{} is a non-functional unique key and cannot change after creation (R-KEY.1)",
                    def.name
                ),
            ));
        }
    }
    Ok(Planned {
        // R-SET.3: only what the Controller may read is echoed.
        echo: def.access.is_readable()
            && !def.secured
            && acl.param(&object, &def.name).contains(Perms::READ),
        required: ps.required,
        rel: ps.param.clone(),
        name: def.name.clone(),
        object,
        value,
    })
}

/// For each unique key of row `n` of `table` that the plan changes and that would clash with
/// another row: the key's parameter names and the 7025 failure.
///
/// Decision (TR-106): in a table with an enable parameter, functional keys need to be unique
/// among enabled rows only; non-functional keys always.
fn key_clashes<M: DataModel + ?Sized>(
    dm: &M,
    id: ObjId,
    table: &str,
    n: u32,
    plan: &[Planned],
) -> Vec<(Vec<String>, Fail)> {
    let mut out = Vec::new();
    let Some(def) = dm.schema().get(id) else {
        return out;
    };
    let me = super::resolve::row(table, n);
    let planned = |name: &str| {
        plan.iter()
            .rev()
            .find(|p| p.object == me && p.name == name)
            .map(|p| Cow::Borrowed(p.value.as_str()))
    };
    let value = |name: &str| planned(name).or_else(|| dm.get(&me, name));
    let mut rows = Vec::new();
    dm.instances(table, &mut rows);
    for k in &def.unique_keys {
        if !k.params.iter().any(|p| planned(p).is_some()) {
            continue;
        }
        let gated = k.functional && def.enable_param.is_some();
        if gated {
            let en = def.enable_param.as_deref().unwrap_or("");
            if value(en).as_deref() != Some("true") {
                continue;
            }
        }
        let mine: Vec<Option<Cow<'_, str>>> = k.params.iter().map(|p| value(p)).collect();
        for &o in &rows {
            if o == n {
                continue;
            }
            let other = super::resolve::row(table, o);
            if gated {
                let en = def.enable_param.as_deref().unwrap_or("");
                if dm.get(&other, en).as_deref() != Some("true") {
                    continue;
                }
            }
            let same = k
                .params
                .iter()
                .zip(&mine)
                .all(|(p, v)| dm.get(&other, p).as_deref() == v.as_deref());
            if same {
                out.push((
                    k.params.clone(),
                    Fail::new(
                        code::DUPLICATE_KEY,
                        format!(
                            "unique key ({}) would duplicate that of {other}",
                            k.params.join(", ")
                        ),
                    ),
                ));
                break;
            }
        }
    }
    out
}
