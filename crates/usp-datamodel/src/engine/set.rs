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
use super::resolve::{Fail, Hit, classify, is_object_target, parse, rel_param, resolve_objects};
use super::tx::Tx;
use crate::access::{AccessControl, Perms};
use crate::code;
use crate::memory::split_row;
use crate::model::DataModel;
use crate::schema::ParamAccess;

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

/// Key clashes found after a round, injected into the next one: for (UpdateObject index, row
/// path), the parameters to leave unchanged and the 7025 failure.
type Clashes = BTreeMap<(usize, String), Vec<(Vec<String>, Fail)>>;

/// A parameter a round changed: (UpdateObject index, object path, parameter name).
type Touched = Vec<(usize, String, String)>;

pub(crate) fn set<M: DataModel + ?Sized>(
    cfg: &EngineConfig,
    dm: &mut M,
    acl: &dyn AccessControl,
    s: &pb::Set,
) -> Result<pb::SetResp, pb::Error> {
    let mut tx = Tx::begin(dm);
    // R-KEY.2: unique keys are checked once every update of the message is applied, so two
    // rows may swap their keys. A clash is blamed on the latest UpdateObject that changed the
    // key (or the enable parameter gating it), the whole message is undone and replayed with
    // those settings failing with 7025, exactly as if they had been refused up front. Every
    // round blames at least one new setting, so the rounds are bounded by the settings.
    let mut clashes = Clashes::new();
    let max_rounds = s
        .update_objs
        .iter()
        .map(|u| u.param_settings.len())
        .sum::<usize>()
        .saturating_add(1);
    for _ in 0..=max_rounds {
        let mut touched = Touched::new();
        let out = match set_round(cfg, &mut tx, acl, s, &clashes, &mut touched) {
            Ok(out) => out,
            Err(e) => {
                tx.rollback();
                return Err(e);
            }
        };
        let found = final_clashes(&*tx.dm, &touched, &clashes);
        if found.is_empty() {
            tx.commit();
            return Ok(out);
        }
        tx.undo_to(0);
        for (k, v) in found {
            clashes.entry(k).or_default().extend(v);
        }
    }
    tx.rollback();
    Err(pb::Error {
        err_code: code::DUPLICATE_KEY,
        err_msg: String::from("the unique keys of this Set could not be made unique"),
        param_errs: Vec::new(),
    })
}

/// One pass over the UpdateObjects. Errors only without allow_partial (the caller rolls back).
fn set_round<M: DataModel + ?Sized>(
    cfg: &EngineConfig,
    tx: &mut Tx<'_, M>,
    acl: &dyn AccessControl,
    s: &pb::Set,
    clashes: &Clashes,
    touched: &mut Touched,
) -> Result<pb::SetResp, pb::Error> {
    let mut out = pb::SetResp::default();
    for (i, uo) in s.update_objs.iter().enumerate() {
        let mark = tx.mark();
        let status = match set_one(cfg, tx, acl, uo, i, clashes, touched) {
            Ok(results) => OperStatus::OperSuccess(OperationSuccess {
                updated_inst_results: results,
            }),
            Err(f) => {
                // R-SET.2a: the UpdateObject is all-or-nothing.
                tx.undo_to(mark);
                touched.retain(|t| t.0 != i);
                if !s.allow_partial {
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
    Ok(out)
}

fn set_one<M: DataModel + ?Sized>(
    cfg: &EngineConfig,
    tx: &mut Tx<'_, M>,
    acl: &dyn AccessControl,
    uo: &pb::set::UpdateObject,
    idx: usize,
    clashes: &Clashes,
    touched: &mut Touched,
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
        match set_instance(cfg, tx, acl, h, &uo.param_settings, idx, clashes, touched) {
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
    write_once: bool,
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
#[allow(clippy::too_many_arguments)]
fn set_instance<M: DataModel + ?Sized>(
    cfg: &EngineConfig,
    tx: &mut Tx<'_, M>,
    acl: &dyn AccessControl,
    h: &Hit,
    settings: &[pb::set::UpdateParamSetting],
    idx: usize,
    clashes: &Clashes,
    touched: &mut Touched,
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
        // R-KEY.2: clashes a previous round found for this UpdateObject fail here, before
        // anything changes.
        let mut i = 0;
        while let Some(p) = plan.get(i) {
            let hit = clashes
                .get(&(idx, p.object.clone()))
                .and_then(|v| v.iter().find(|(names, _)| names.contains(&p.name)));
            match hit {
                Some((_, f)) => {
                    let p = plan.remove(i);
                    errs.push((perr(&p.rel, f), p.required));
                }
                None => i += 1,
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
            Ok(()) => {
                touched.push((idx, p.object.clone(), p.name.clone()));
                if p.write_once {
                    tx.written_once(p.object.clone(), p.name.clone());
                }
                applied.push(p);
            }
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
        // Exact when the model tracks Controller writes; otherwise a value still equal to
        // the initial value counts as not yet written (see DataModel::written_once). Setting
        // the value it already has is accepted: it updates nothing.
        let written = dm
            .written_once(&object, &def.name)
            .unwrap_or_else(|| current.as_deref().is_some_and(|c| c != def.initial_value()));
        if written && current.as_deref() != Some(value.as_str()) {
            return Err(Fail::new(
                code::PARAM_READ_ONLY,
                format!(
                    "{object}{} is writeOnceReadOnly and was already written",
                    def.name
                ),
            ));
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
        write_once: def.access == ParamAccess::WriteOnceReadOnly,
        // R-SET.3: only what the Controller may read is echoed; a secured value only to a
        // Controller with a secured role covering it.
        echo: def.access.is_readable()
            && acl.param(&object, &def.name).contains(Perms::READ)
            && (!def.secured || acl.secured(&object, &def.name)),
        required: ps.required,
        rel: ps.param.clone(),
        name: def.name.clone(),
        object,
        value,
    })
}

/// The unique-key clashes of the rows `touched` changed, against the current (final) state,
/// each blamed on the latest UpdateObject that changed the key of either row; blames already
/// in `known` are left out.
///
/// Decision (TR-106): in a table with an enable parameter, functional keys need to be unique
/// among enabled rows only (changing the enable parameter counts as changing the key);
/// non-functional keys always.
fn final_clashes<M: DataModel + ?Sized>(dm: &M, touched: &Touched, known: &Clashes) -> Clashes {
    let mut out = Clashes::new();
    let schema = dm.schema();
    let mut rows: Vec<&str> = touched.iter().map(|t| t.1.as_str()).collect();
    rows.sort_unstable();
    rows.dedup();
    let mut others = Vec::new();
    for me in rows {
        let Some((table, n)) = split_row(me) else {
            continue;
        };
        let Some((id, false)) = classify(schema, me) else {
            continue;
        };
        let Some(def) = schema.get(id) else {
            continue;
        };
        others.clear();
        dm.instances(table, &mut others);
        for k in &def.unique_keys {
            let gate = def.enable_param.as_deref().filter(|_| k.functional);
            let relevant = |name: &str| k.params.iter().any(|p| p == name) || gate == Some(name);
            let changed = |row: &str| {
                touched
                    .iter()
                    .filter(move |t| t.1 == row && relevant(&t.2))
                    .map(|t| t.0)
                    .max()
            };
            let Some(mine_at) = changed(me) else {
                continue;
            };
            if let Some(en) = gate {
                if dm.get(me, en).as_deref() != Some("true") {
                    continue;
                }
            }
            let mine: Vec<Option<Cow<'_, str>>> = k.params.iter().map(|p| dm.get(me, p)).collect();
            for &o in others.iter() {
                if o == n {
                    continue;
                }
                let other = super::resolve::row(table, o);
                if let Some(en) = gate {
                    if dm.get(&other, en).as_deref() != Some("true") {
                        continue;
                    }
                }
                let same = k
                    .params
                    .iter()
                    .zip(&mine)
                    .all(|(p, v)| dm.get(&other, p).as_deref() == v.as_deref());
                if !same {
                    continue;
                }
                // Blame the later change; on a tie (one UpdateObject) this row.
                let (at, blamed, against) = match changed(&other) {
                    Some(o_at) if o_at > mine_at => (o_at, other.clone(), String::from(me)),
                    _ => (mine_at, String::from(me), other.clone()),
                };
                let names: Vec<String> = touched
                    .iter()
                    .filter(|t| t.0 == at && t.1 == blamed && relevant(&t.2))
                    .map(|t| t.2.clone())
                    .collect();
                let key = (at, blamed);
                let seen = |c: &Clashes| {
                    c.get(&key)
                        .is_some_and(|v| v.iter().any(|(n, _)| names.iter().all(|x| n.contains(x))))
                };
                if seen(known) || seen(&out) {
                    continue;
                }
                let fail = Fail::new(
                    code::DUPLICATE_KEY,
                    format!(
                        "unique key ({}) would duplicate that of {against}",
                        k.params.join(", ")
                    ),
                );
                out.entry(key).or_default().push((names, fail));
                break;
            }
        }
    }
    out
}
