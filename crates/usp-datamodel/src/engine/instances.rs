//! GetInstances (R-GIN.0, R-GIN.1).

use alloc::collections::BTreeMap;
use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;

use usp_msg::pb;
use usp_msg::pb::get_instances_resp::{CurrInstance, RequestedPathResult};

use super::EngineConfig;
use super::resolve::{Fail, is_object_target, parse, read_param, resolve_objects, row};
use crate::access::{AccessControl, Perms};
use crate::code;
use crate::model::DataModel;
use crate::schema::ObjId;

pub(crate) fn get_instances<M: DataModel + ?Sized>(
    cfg: &EngineConfig,
    dm: &M,
    acl: &dyn AccessControl,
    g: &pb::GetInstances,
) -> pb::GetInstancesResp {
    let mut out = pb::GetInstancesResp::default();
    for p in &g.obj_paths {
        let mut r = RequestedPathResult {
            requested_path: p.clone(),
            ..RequestedPathResult::default()
        };
        match one(cfg, dm, acl, p, g.first_level_only) {
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

/// The unique key values of row `path` the Controller may read (R-GIN.1, R-ADD.5, R-ADD.6).
pub(crate) fn unique_keys<M: DataModel + ?Sized>(
    dm: &M,
    acl: &dyn AccessControl,
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
                if let Some(v) = def.params.get(p).and_then(|d| read_param(dm, acl, d, path)) {
                    keys.insert(p.clone(), v.into_owned());
                }
            }
        }
    }
    keys
}

struct Cx<'a, M: ?Sized> {
    dm: &'a M,
    acl: &'a dyn AccessControl,
    first_level_only: bool,
    budget: usize,
    out: Vec<CurrInstance>,
}

fn one<M: DataModel + ?Sized>(
    cfg: &EngineConfig,
    dm: &M,
    acl: &dyn AccessControl,
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
    let m = resolve_objects(cfg, dm, acl, &path, code::OBJECT_DOES_NOT_EXIST)?;
    let schema = dm.schema();
    let mut cx = Cx {
        dm,
        acl,
        first_level_only,
        budget: cfg.max_get_values,
        out: Vec::new(),
    };
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
                cx.push(h.id, row(&h.path, n))?;
            }
        } else {
            cx.push(h.id, h.path)?;
        }
    }
    Ok(cx.out)
}

impl<M: DataModel + ?Sized> Cx<'_, M> {
    fn push(&mut self, id: ObjId, path: String) -> Result<(), Fail> {
        self.budget = self
            .budget
            .checked_sub(1)
            .ok_or_else(|| Fail::new(code::RESOURCES_EXCEEDED, "too many instances"))?;
        // R-GIN.0: instances the Controller may not read are absent.
        if self.acl.instance(&path).contains(Perms::READ) {
            self.out.push(CurrInstance {
                unique_keys: unique_keys(self.dm, self.acl, id, &path),
                instantiated_obj_path: path.clone(),
            });
        }
        if !self.first_level_only {
            self.nested(id, &path)?;
        }
        Ok(())
    }

    /// Every row of every table below object `path`, depth first.
    fn nested(&mut self, id: ObjId, path: &str) -> Result<(), Fail> {
        let schema = self.dm.schema();
        for &c in schema.children(id) {
            let Some(cdef) = schema.get(c) else { continue };
            let mut cp = String::from(path);
            cp.push_str(cdef.name());
            cp.push('.');
            if cdef.is_multi_instance() {
                let mut ids = Vec::new();
                self.dm.instances(&cp, &mut ids);
                for n in ids {
                    self.push(c, row(&cp, n))?;
                }
            } else {
                self.nested(c, &cp)?;
            }
        }
        Ok(())
    }
}
