//! Delete (R-DEL.0–R-DEL.3; REQUIREMENTS §5.3 and §8 item 1).

use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;

use usp_msg::pb;
use usp_msg::pb::delete_resp::deleted_object_result::OperationStatus;
use usp_msg::pb::delete_resp::deleted_object_result::operation_status::{
    OperStatus, OperationFailure, OperationSuccess,
};
use usp_msg::pb::delete_resp::{DeletedObjectResult, UnaffectedPathError};

use super::resolve::{Fail, is_object_target, parse, resolve_objects};
use super::tx::Tx;
use super::{DeleteMissing, EngineConfig};
use crate::access::{AccessControl, Perms};
use crate::code;
use crate::memory::split_row;
use crate::model::DataModel;

/// Checks one entry; the rows to delete.
fn check<M: DataModel + ?Sized>(
    cfg: &EngineConfig,
    dm: &M,
    acl: &dyn AccessControl,
    text: &str,
    allow_partial: bool,
) -> Result<Vec<String>, Fail> {
    let path = parse(text)?;
    if !is_object_target(path.target()) {
        return Err(Fail::new(
            code::INVALID_PATH,
            format!("{text} is not an Object Instance Path"),
        ));
    }
    let m = match resolve_objects(cfg, dm, acl, &path, code::OBJECT_DOES_NOT_EXIST) {
        Ok(m) => m,
        // R-DEL.2a: a valid path resolving to nothing succeeds with allow_partial = true;
        // with false, R-DEL.1 fails it unless configured as TP-469 1.25 expects.
        Err(f)
            if f.code == code::OBJECT_DOES_NOT_EXIST
                && (allow_partial || cfg.delete_missing == DeleteMissing::Success) =>
        {
            return Ok(Vec::new());
        }
        Err(f) => return Err(f),
    };
    let schema = dm.schema();
    let mut rows = Vec::with_capacity(m.hits.len());
    for h in m.hits {
        let Some(def) = schema.get(h.id) else {
            continue;
        };
        if h.is_table {
            return Err(Fail::new(
                code::INVALID_PATH,
                format!(
                    "{} is a table path; Delete needs Object Instance Paths",
                    h.path
                ),
            ));
        }
        if !def.is_multi_instance() {
            return Err(Fail::new(
                code::NOT_A_TABLE,
                format!("{} is not an instance of a Multi-Instance Object", h.path),
            ));
        }
        if !def.access.can_delete() {
            return Err(Fail::new(
                code::DELETE_FAILURE,
                format!("{} does not allow Delete", def.path()),
            ));
        }
        // R-DEL.1: InstantiatedObj-w is needed; without allow_partial the entry fails,
        // with it the row is reported in unaffected_path_errs.
        if !allow_partial && !acl.instance(&h.path).contains(Perms::WRITE) {
            return Err(Fail::new(
                code::PERMISSION_DENIED,
                format!("no permission to delete {}", h.path),
            ));
        }
        if split_row(&h.path).is_some() {
            rows.push(h.path);
        }
    }
    Ok(rows)
}

/// The Error for a Delete without allow_partial whose row `row` the model refused.
fn refused(row: &str, e: &crate::DmError, extra: &str) -> pb::Error {
    pb::Error {
        err_code: code::DELETE_FAILURE,
        err_msg: format!("{row} could not be deleted: {}{extra}", e.msg()),
        param_errs: alloc::vec![pb::error::ParamError {
            param_path: String::from(row),
            err_code: e.code(),
            err_msg: String::from(e.msg()),
        }],
    }
}

pub(crate) fn delete<M: DataModel + ?Sized>(
    cfg: &EngineConfig,
    dm: &mut M,
    acl: &dyn AccessControl,
    d: &pb::Delete,
) -> Result<pb::DeleteResp, pb::Error> {
    // Every entry is checked before anything is deleted, so allow_partial = false fails
    // without changes even for models that cannot roll back deletes.
    let mut entries = Vec::with_capacity(d.obj_paths.len());
    for p in &d.obj_paths {
        let r = check(cfg, &*dm, acl, p, d.allow_partial);
        if let (Err(f), false) = (&r, d.allow_partial) {
            return Err(pb::Error {
                err_code: f.code,
                err_msg: format!("{p}: {}", f.msg),
                param_errs: alloc::vec![pb::error::ParamError {
                    param_path: p.clone(),
                    err_code: f.code,
                    err_msg: f.msg.clone(),
                }],
            });
        }
        entries.push((p, r));
    }
    if !d.allow_partial {
        // Without allow_partial nothing may change if one row fails; a deleted row cannot be
        // restored through the journal, so the model is asked about every row first.
        for row in entries.iter().flat_map(|(_, r)| r.iter().flatten()) {
            if let Err(e) = dm.check_delete(row) {
                return Err(refused(row, &e, ""));
            }
        }
    }
    let mut tx = Tx::begin(dm);
    let mut out = pb::DeleteResp::default();
    let mut deleted: Vec<String> = Vec::new();
    for (p, r) in entries {
        let status = match r {
            Err(f) => OperStatus::OperFailure(OperationFailure {
                err_code: f.code,
                err_msg: f.msg,
            }),
            Ok(rows) => {
                let mut ok = OperationSuccess::default();
                for row in rows {
                    // A row already deleted by an earlier entry (or as part of a deleted parent)
                    // is skipped.
                    let exists = split_row(&row).is_some_and(|(t, n)| tx.dm.has_instance(t, n));
                    if !exists {
                        continue;
                    }
                    // R-DEL.2, R-DEL.4: rows the Controller cannot read are not reported.
                    let readable = acl.instance(&row).contains(Perms::READ);
                    let r = if acl.instance(&row).contains(Perms::WRITE) {
                        tx.dm.delete(&row)
                    } else {
                        Err(crate::DmError::new(
                            code::PERMISSION_DENIED,
                            format!("no permission to delete {row}"),
                        ))
                    };
                    if r.is_ok() {
                        deleted.push(row.clone());
                    }
                    match r {
                        Ok(()) if readable => ok.affected_paths.push(row),
                        Ok(()) => {}
                        Err(_) if !readable && d.allow_partial => {}
                        Err(e) if d.allow_partial => {
                            // R-DEL.3: one error per matched instance that failed.
                            ok.unaffected_path_errs.push(UnaffectedPathError {
                                unaffected_path: row,
                                err_code: e.code(),
                                err_msg: String::from(e.msg()),
                            });
                        }
                        Err(e) => {
                            let native = tx.rollback();
                            let lost = if native || deleted.is_empty() {
                                String::new()
                            } else {
                                // The model's check_delete accepted this row and it has no
                                // rollback: the rows already deleted stay deleted.
                                format!(
                                    "; {} row(s) deleted before it could not be restored (the \
                                     data model has no rollback): {}",
                                    deleted.len(),
                                    deleted.join(", ")
                                )
                            };
                            return Err(refused(&row, &e, &lost));
                        }
                    }
                }
                OperStatus::OperSuccess(ok)
            }
        };
        out.deleted_obj_results.push(DeletedObjectResult {
            requested_path: p.clone(),
            oper_status: Some(OperationStatus {
                oper_status: Some(status),
            }),
        });
    }
    // R-ARC.12: strong references to the deleted rows are cleared, in one pass.
    super::refs::clear_strong_refs(cfg, &mut tx, &deleted);
    tx.commit();
    Ok(out)
}
