//! Add (R-ADD.0–R-ADD.5; REQUIREMENTS §5.2).

use alloc::borrow::Cow;
use alloc::collections::BTreeMap;
use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;

use usp_msg::pb;
use usp_msg::pb::add_resp::created_object_result::OperationStatus;
use usp_msg::pb::add_resp::created_object_result::operation_status::{
    OperStatus, OperationFailure, OperationSuccess,
};
use usp_msg::pb::add_resp::{CreatedObjectResult, ParameterError};

use super::EngineConfig;
use super::instances::unique_keys;
use super::resolve::{Fail, is_object_target, parse, rel_param, resolve_objects, row};
use super::tx::Tx;
use crate::access::{AccessControl, Perms};
use crate::code;
use crate::model::DataModel;
use crate::schema::{ObjId, ParamAccess, Schema};

/// A failed creation: the failure and the parameter errors behind it.
struct AddFail {
    fail: Fail,
    params: Vec<ParameterError>,
    /// The table the failure is about, for the Error's `param_path`s.
    table: String,
}

pub(crate) fn add<M: DataModel + ?Sized>(
    cfg: &EngineConfig,
    dm: &mut M,
    acl: &dyn AccessControl,
    a: &pb::Add,
) -> Result<pb::AddResp, pb::Error> {
    let mut tx = Tx::begin(dm);
    let mut out = pb::AddResp::default();
    for co in &a.create_objs {
        for r in add_one(cfg, &mut tx, acl, co) {
            let status = match r {
                Ok(s) => OperStatus::OperSuccess(s),
                Err(f) => {
                    if !a.allow_partial {
                        // R-ADD.1, R-ADD.2a: nothing is created.
                        tx.rollback();
                        return Err(pb::Error {
                            err_code: f.fail.code,
                            err_msg: format!("{}: {}", co.obj_path, f.fail.msg),
                            param_errs: f
                                .params
                                .iter()
                                .map(|p| pb::error::ParamError {
                                    param_path: format!("{}{{i}}.{}", f.table, p.param),
                                    err_code: p.err_code,
                                    err_msg: p.err_msg.clone(),
                                })
                                .collect(),
                        });
                    }
                    OperStatus::OperFailure(OperationFailure {
                        err_code: f.fail.code,
                        err_msg: f.fail.msg,
                    })
                }
            };
            out.created_obj_results.push(CreatedObjectResult {
                requested_path: co.obj_path.clone(),
                oper_status: Some(OperationStatus {
                    oper_status: Some(status),
                }),
            });
        }
    }
    tx.commit();
    Ok(out)
}

fn entry_fail(co: &pb::add::CreateObject, fail: Fail) -> Vec<Result<OperationSuccess, AddFail>> {
    alloc::vec![Err(AddFail {
        fail,
        params: Vec::new(),
        table: co.obj_path.clone(),
    })]
}

/// One result per matched table (R-ADD.2: a search may match several).
fn add_one<M: DataModel + ?Sized>(
    cfg: &EngineConfig,
    tx: &mut Tx<'_, M>,
    acl: &dyn AccessControl,
    co: &pb::add::CreateObject,
) -> Vec<Result<OperationSuccess, AddFail>> {
    let path = match parse(&co.obj_path) {
        Ok(p) => p,
        Err(f) => return entry_fail(co, f),
    };
    if !is_object_target(path.target()) {
        return entry_fail(
            co,
            Fail::new(
                code::NOT_A_TABLE,
                format!("{} is not a Multi-Instance Object path", co.obj_path),
            ),
        );
    }
    let m = match resolve_objects(cfg, &*tx.dm, acl, &path, code::OBJECT_DOES_NOT_EXIST) {
        Ok(m) => m,
        Err(f) => return entry_fail(co, f),
    };
    let mut out = Vec::new();
    for h in m.hits {
        let schema = tx.dm.schema();
        let Some(def) = schema.get(h.id) else {
            continue;
        };
        let r = if !h.is_table {
            Err(AddFail {
                fail: Fail::new(
                    code::NOT_A_TABLE,
                    format!("{} is not a Multi-Instance Object (table) path", h.path),
                ),
                params: Vec::new(),
                table: h.path,
            })
        } else if !def.access.can_add() {
            Err(AddFail {
                fail: Fail::new(
                    code::OBJECT_NOT_CREATABLE,
                    format!("{} does not allow Add", h.path),
                ),
                params: Vec::new(),
                table: h.path,
            })
        } else if !acl.obj(&h.path).contains(Perms::WRITE) {
            // R-SEC.1: Obj-w is needed to add.
            Err(AddFail {
                fail: Fail::new(
                    code::PERMISSION_DENIED,
                    format!("no permission to add to {}", h.path),
                ),
                params: Vec::new(),
                table: h.path,
            })
        } else {
            create(cfg, tx, acl, h.id, h.path, &co.param_settings)
        };
        out.push(r);
    }
    out
}

/// Adds the defaults of object `id` (and its single-instance sub-objects) not in `init`,
/// keyed by relative path `rel`.
fn defaults(schema: &Schema, id: ObjId, rel: &str, init: &mut BTreeMap<String, String>) {
    let Some(def) = schema.get(id) else { return };
    for (name, p) in &def.params {
        if let Some(d) = &p.default {
            let key = format!("{rel}{name}");
            init.entry(key).or_insert_with(|| d.clone());
        }
    }
    for &c in schema.children(id) {
        if let Some(cd) = schema.get(c) {
            if !cd.is_multi_instance() {
                defaults(schema, c, &format!("{rel}{}.", cd.name()), init);
            }
        }
    }
}

fn create<M: DataModel + ?Sized>(
    cfg: &EngineConfig,
    tx: &mut Tx<'_, M>,
    acl: &dyn AccessControl,
    id: ObjId,
    table: String,
    settings: &[pb::add::CreateParamSetting],
) -> Result<OperationSuccess, AddFail> {
    let mut init = BTreeMap::new();
    // writeOnceReadOnly parameters the Controller gave: (sub-object relative path, name).
    let mut once: Vec<(String, String)> = Vec::new();
    let mut param_errs = Vec::new();
    let mut required_errs = Vec::new();
    {
        let dm = &*tx.dm;
        let schema = dm.schema();
        let fail = |fail: Fail, params: Vec<ParameterError>| AddFail {
            fail,
            params,
            table: table.clone(),
        };
        let Some(def) = schema.get(id) else {
            return Err(fail(
                Fail::new(code::INTERNAL_ERROR, "schema index"),
                Vec::new(),
            ));
        };
        let mut rows = Vec::new();
        dm.instances(&table, &mut rows);
        if let Some(max) = def.max_entries {
            if rows.len() >= usize::try_from(max).unwrap_or(usize::MAX) {
                return Err(fail(
                    Fail::new(
                        code::OBJECT_NOT_CREATED,
                        format!("{table} is full ({max} rows at most)"),
                    ),
                    Vec::new(),
                ));
            }
        }
        for ps in settings {
            // Unique keys are implicitly required (REQUIREMENTS §5.1).
            let required = ps.required || def.key_role(&ps.param).is_some();
            let r = rel_param(schema, id, "", &ps.param).and_then(|(sub, p)| {
                // REQUIREMENTS §5.1: a parameter the Controller may not write fails the
                // object when required and is ignored otherwise.
                let mut obj = String::from(&table);
                obj.push_str("{i}.");
                obj.push_str(&sub);
                if !acl.param(&obj, &p.name).contains(Perms::WRITE) {
                    return Err(Fail::new(
                        code::PERMISSION_DENIED,
                        format!("no permission to write {}", ps.param),
                    ));
                }
                if !p.access.is_writable() {
                    return Err(Fail::new(
                        code::PARAM_READ_ONLY,
                        format!("{} is read-only", ps.param),
                    ));
                }
                let v = p.check_value(&ps.value).map_err(Fail::from)?;
                // R-ARC.11, R-ARC.12.
                let v = super::refs::normalize(cfg, dm, p, v)?;
                Ok((
                    v,
                    (p.access == ParamAccess::WriteOnceReadOnly).then(|| (sub, p.name.clone())),
                ))
            });
            match r {
                Ok((v, o)) => {
                    init.insert(ps.param.clone(), v);
                    once.extend(o);
                }
                Err(f) if f.code == code::PERMISSION_DENIED && !required => {}
                Err(f) => {
                    let e = ParameterError {
                        param: ps.param.clone(),
                        err_code: f.code,
                        err_msg: f.msg,
                    };
                    if required {
                        required_errs.push(e);
                    } else {
                        param_errs.push(e);
                    }
                }
            }
        }
        if let Some(first) = required_errs.first() {
            let msg = format!(
                "required parameter {} failed: {}",
                first.param, first.err_msg
            );
            required_errs.append(&mut param_errs);
            return Err(fail(
                Fail::new(code::REQUIRED_PARAMETER_FAILED, msg),
                required_errs,
            ));
        }
        defaults(schema, id, "", &mut init);
        // R-ADD.5: the Agent assigns an Alias that was not given.
        for (name, p) in &def.params {
            if def.key_role(name).is_some() && p.is_alias() && !init.contains_key(name) {
                let mut k = rows.len().saturating_add(1);
                let alias = loop {
                    let cand = format!("cpe-{k}");
                    let used = rows
                        .iter()
                        .any(|&n| dm.get(&row(&table, n), name).as_deref() == Some(cand.as_str()));
                    if !used {
                        break cand;
                    }
                    k = k.saturating_add(1);
                };
                init.insert(name.clone(), alias);
            }
        }
        // Unique keys must not clash with existing rows (7025). Functional keys of a table with
        // an enable parameter only among enabled rows (TR-106).
        for k in &def.unique_keys {
            let gated = k.functional && def.enable_param.is_some();
            let en = def.enable_param.as_deref().unwrap_or("");
            let initial = |name: &str| -> Option<Cow<'_, str>> {
                init.get(name)
                    .map(|v| Cow::Borrowed(v.as_str()))
                    .or_else(|| def.params.get(name).map(|p| Cow::Owned(p.initial_value())))
            };
            if gated && initial(en).as_deref() != Some("true") {
                continue;
            }
            let mine: Vec<Option<Cow<'_, str>>> = k.params.iter().map(|p| initial(p)).collect();
            for &n in &rows {
                let other = row(&table, n);
                if gated && dm.get(&other, en).as_deref() != Some("true") {
                    continue;
                }
                let same = k
                    .params
                    .iter()
                    .zip(&mine)
                    .all(|(p, v)| dm.get(&other, p).as_deref() == v.as_deref());
                if same {
                    let msg = format!(
                        "unique key ({}) duplicates that of {other}",
                        k.params.join(", ")
                    );
                    let params = k
                        .params
                        .iter()
                        .map(|p| ParameterError {
                            param: p.clone(),
                            err_code: code::DUPLICATE_KEY,
                            err_msg: msg.clone(),
                        })
                        .collect();
                    return Err(fail(Fail::new(code::DUPLICATE_KEY, msg), params));
                }
            }
        }
    }
    let n = tx.dm.add(&table, &init).map_err(|e| AddFail {
        fail: Fail::from(e),
        params: param_errs.clone(),
        table: table.clone(),
    })?;
    let inst = row(&table, n);
    tx.added(inst.clone());
    // messages.md: an Add that gives a writeOnceReadOnly parameter is its one write.
    for (sub, name) in once {
        tx.written_once(format!("{inst}{sub}"), name);
    }
    Ok(OperationSuccess {
        unique_keys: unique_keys(&*tx.dm, acl, id, &inst),
        instantiated_path: inst,
        param_errs,
    })
}
