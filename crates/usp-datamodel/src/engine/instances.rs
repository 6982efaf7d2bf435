//! GetInstances (R-GIN.0, R-GIN.1).

use alloc::collections::BTreeMap;
use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;

use usp_msg::pb;
use usp_msg::pb::get_instances_resp::{CurrInstance, RequestedPathResult};

use super::EngineConfig;
use super::resolve::{Fail, is_object_target, parse, read_param, resolve_objects, row};
use crate::code;
use crate::model::DataModel;
use crate::schema::ObjId;

pub(crate) fn get_instances<M: DataModel + ?Sized>(
    cfg: &EngineConfig,
    dm: &M,
    g: &pb::GetInstances,
) -> pb::GetInstancesResp {
    let mut out = pb::GetInstancesResp::default();
    for p in &g.obj_paths {
        let mut r = RequestedPathResult {
            requested_path: p.clone(),
            ..RequestedPathResult::default()
        };
        match one(cfg, dm, p, g.first_level_only) {
            Ok(v) => r.curr_insts = v,
            Err(f) => {
                r.err_code = f.code;
                r.err_msg = f.msg;
            }
        }
        out.req_path_results.push(r);
    }
    out
}

/// The readable unique key values of row `path` (R-GIN.1, R-ADD.5).
pub(crate) fn unique_keys<M: DataModel + ?Sized>(
    dm: &M,
    id: ObjId,
    path: &str,
) -> BTreeMap<String, String> {
    let mut keys = BTreeMap::new();
    if let Some(def) = dm.schema().get(id) {
        for k in &def.unique_keys {
            for p in &k.params {
                if keys.contains_key(p) {
                    continue;
                }
                if let Some(v) = def.params.get(p).and_then(|d| read_param(dm, d, path)) {
                    keys.insert(p.clone(), v.into_owned());
                }
            }
        }
    }
    keys
}

fn one<M: DataModel + ?Sized>(
    cfg: &EngineConfig,
    dm: &M,
    text: &str,
    first_level_only: bool,
) -> Result<Vec<CurrInstance>, Fail> {
    let path = parse(text)?;
    if !is_object_target(path.target()) {
        return Err(Fail::new(
            code::NOT_A_TABLE,
            format!("{text} is not a path to a Multi-Instance Object"),
        ));
    }
    let m = resolve_objects(cfg, dm, &path, code::OBJECT_DOES_NOT_EXIST)?;
    let schema = dm.schema();
    let mut out = Vec::new();
    let mut budget = cfg.max_get_values;
    for h in m.hits {
        let multi = schema.get(h.id).is_some_and(|o| o.is_multi_instance());
        if !multi {
            return Err(Fail::new(
                code::NOT_A_TABLE,
                format!("{} is not a Multi-Instance Object", h.path),
            ));
        }
        if h.is_table {
            let mut ids = Vec::new();
            dm.instances(&h.path, &mut ids);
            for n in ids {
                push(
                    dm,
                    h.id,
                    row(&h.path, n),
                    first_level_only,
                    &mut out,
                    &mut budget,
                )?;
            }
        } else {
            push(dm, h.id, h.path, first_level_only, &mut out, &mut budget)?;
        }
    }
    Ok(out)
}

fn push<M: DataModel + ?Sized>(
    dm: &M,
    id: ObjId,
    path: String,
    first_level_only: bool,
    out: &mut Vec<CurrInstance>,
    budget: &mut usize,
) -> Result<(), Fail> {
    *budget = budget
        .checked_sub(1)
        .ok_or_else(|| Fail::new(code::RESOURCES_EXCEEDED, "too many instances"))?;
    out.push(CurrInstance {
        unique_keys: unique_keys(dm, id, &path),
        instantiated_obj_path: path.clone(),
    });
    if !first_level_only {
        nested(dm, id, &path, out, budget)?;
    }
    Ok(())
}

/// Every row of every table below object `path`, depth first.
fn nested<M: DataModel + ?Sized>(
    dm: &M,
    id: ObjId,
    path: &str,
    out: &mut Vec<CurrInstance>,
    budget: &mut usize,
) -> Result<(), Fail> {
    let schema = dm.schema();
    for &c in schema.children(id) {
        let Some(cdef) = schema.get(c) else { continue };
        let mut cp = String::from(path);
        cp.push_str(cdef.name());
        cp.push('.');
        if cdef.is_multi_instance() {
            let mut ids = Vec::new();
            dm.instances(&cp, &mut ids);
            for n in ids {
                push(dm, c, row(&cp, n), false, out, budget)?;
            }
        } else {
            nested(dm, c, &cp, out, budget)?;
        }
    }
    Ok(())
}
