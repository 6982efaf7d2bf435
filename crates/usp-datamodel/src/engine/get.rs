//! Get (R-GET.0–R-GET.5).

use alloc::collections::BTreeMap;
use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;

use usp_msg::pb;
use usp_msg::pb::get_resp::{RequestedPathResult, ResolvedPathResult};
use usp_path::Target;

use super::EngineConfig;
use super::resolve::{Fail, parse, read_param, resolve_objects, row};
use crate::access::{AccessControl, Perms};
use crate::code;
use crate::model::DataModel;
use crate::schema::ObjId;

pub(crate) fn get<M: DataModel + ?Sized>(
    cfg: &EngineConfig,
    dm: &M,
    acl: &dyn AccessControl,
    g: &pb::Get,
) -> pb::GetResp {
    let mut out = pb::GetResp::default();
    for p in &g.param_paths {
        let mut r = RequestedPathResult {
            requested_path: p.clone(),
            ..RequestedPathResult::default()
        };
        match get_one(cfg, dm, acl, p, g.max_depth) {
            Ok(res) => r.resolved_path_results = res,
            Err(f) => {
                r.err_code = f.code;
                r.err_msg = f.msg;
            }
        }
        out.req_path_results.push(r);
    }
    out
}

struct Collector<'a, M: ?Sized> {
    dm: &'a M,
    acl: &'a dyn AccessControl,
    out: Vec<ResolvedPathResult>,
    values: usize,
    max: usize,
    ids: Vec<u32>,
}

impl<M: DataModel + ?Sized> Collector<'_, M> {
    /// Adds object `path` (schema `id`) and, depth permitting, everything below it. `depth`
    /// 0 = unlimited, 1 = this object's parameters only.
    fn collect(&mut self, id: ObjId, path: String, depth: u32) -> Result<(), Fail> {
        let schema = self.dm.schema();
        let Some(def) = schema.get(id) else {
            return Ok(());
        };
        // The model lists values in name order (BTreeMap), as the schema does, so the two
        // are merged without lookups; anything out of order falls back to a lookup.
        let mut list: Vec<(String, String)> = Vec::with_capacity(def.params.len());
        let mut defs = def.params.iter().peekable();
        let acl = self.acl;
        // R-GET.1: an object the Controller cannot read shows no parameters (its sub-objects
        // may be readable and are still visited).
        let readable = acl.obj(&path).contains(Perms::READ);
        let bulk = !readable
            || self.dm.for_each_value(&path, &mut |name, v| {
                while defs.peek().is_some_and(|(d, _)| d.as_str() < name) {
                    defs.next();
                }
                let p = match defs.peek() {
                    Some((d, p)) if d.as_str() == name => Some(*p),
                    _ => def.params.get(name),
                };
                if let Some(p) = p {
                    // R-GET.4: unreadable parameters are dropped.
                    if p.access.is_readable() && acl.param(&path, name).contains(Perms::READ) {
                        let v = if p.secured && !acl.secured(&path, name) {
                            ""
                        } else {
                            v
                        };
                        list.push((String::from(name), String::from(v)));
                    }
                }
            });
        let mut params: BTreeMap<String, String> = list.into_iter().collect();
        if !bulk {
            for (name, p) in &def.params {
                if let Some(v) = read_param(self.dm, acl, p, &path) {
                    params.insert(name.clone(), v.into_owned());
                }
            }
        }
        self.values += params.len();
        if self.values > self.max {
            return Err(Fail::new(
                code::RESOURCES_EXCEEDED,
                format!("more than {} values", self.max),
            ));
        }
        let children = schema.children(id);
        // Every resolved Object and Sub-Object the Controller may read gets a
        // ResolvedPathResult, its result_params possibly empty (messages.md, Get; R-GET.4),
        // except one with neither Parameters nor Sub-Objects (R-GET.1b, applied at every
        // level so that an object reads the same whichever path reached it).
        if readable && (!def.params.is_empty() || self.has_sub_objects(children, &path)) {
            self.out.push(ResolvedPathResult {
                resolved_path: path.clone(),
                result_params: params,
            });
        }
        if depth == 1 || children.is_empty() {
            return Ok(());
        }
        let next = depth.saturating_sub(1);
        for &c in children {
            let Some(cdef) = schema.get(c) else { continue };
            let mut cp = String::with_capacity(path.len() + 24);
            cp.push_str(&path);
            cp.push_str(cdef.name());
            cp.push('.');
            if cdef.is_multi_instance() {
                let start = self.ids.len();
                self.dm.instances(&cp, &mut self.ids);
                let rows: Vec<u32> = self.ids.drain(start..).collect();
                for n in rows {
                    self.collect(c, row(&cp, n), next)?;
                }
            } else {
                self.collect(c, cp, next)?;
            }
        }
        Ok(())
    }
}

impl<M: DataModel + ?Sized> Collector<'_, M> {
    /// Whether object `path` has a Sub-Object in the Instantiated Data Model: a
    /// single-instance child, or a row of a child table.
    fn has_sub_objects(&mut self, children: &[ObjId], path: &str) -> bool {
        let schema = self.dm.schema();
        children.iter().any(|&c| {
            let Some(cdef) = schema.get(c) else {
                return false;
            };
            if !cdef.is_multi_instance() {
                return true;
            }
            let mut cp = String::with_capacity(path.len() + 24);
            cp.push_str(path);
            cp.push_str(cdef.name());
            cp.push('.');
            let start = self.ids.len();
            self.dm.instances(&cp, &mut self.ids);
            let any = self.ids.len() > start;
            self.ids.truncate(start);
            any
        })
    }
}

fn get_one<M: DataModel + ?Sized>(
    cfg: &EngineConfig,
    dm: &M,
    acl: &dyn AccessControl,
    text: &str,
    max_depth: u32,
) -> Result<Vec<ResolvedPathResult>, Fail> {
    let path = parse(text)?;
    let schema = dm.schema();
    match path.target() {
        Target::Command(_) | Target::Event(_) => Err(Fail::new(
            code::INVALID_PATH,
            format!("{text}: Get reads objects and parameters, not commands or events"),
        )),
        Target::Parameter(name) => {
            let m = resolve_objects(cfg, dm, acl, &path, code::INVALID_PATH)?;
            let mut out = Vec::new();
            for h in &m.hits {
                // R-GET.1: what the Controller cannot read is treated as unsupported.
                let visible = acl.obj(&h.path).contains(Perms::READ)
                    && acl.param(&h.path, name.as_str()).contains(Perms::READ);
                if !visible && m.search {
                    continue;
                }
                let def = schema
                    .get(h.id)
                    .filter(|_| !h.is_table && visible)
                    .and_then(|o| o.params.get(name.as_str()))
                    .filter(|d| d.access.is_readable())
                    .ok_or_else(|| {
                        Fail::new(
                            code::INVALID_PATH,
                            format!("{}{} is not a supported parameter", h.path, name.as_str()),
                        )
                    })?;
                match read_param(dm, acl, def, &h.path) {
                    Some(v) => {
                        let mut params = BTreeMap::new();
                        params.insert(String::from(name.as_str()), v.into_owned());
                        out.push(ResolvedPathResult {
                            resolved_path: h.path.clone(),
                            result_params: params,
                        });
                    }
                    None if !m.search => {
                        return Err(Fail::new(
                            code::INVALID_PATH,
                            format!("{}{} does not exist", h.path, name.as_str()),
                        ));
                    }
                    None => {}
                }
            }
            Ok(out)
        }
        Target::Object => {
            let m = resolve_objects(cfg, dm, acl, &path, code::INVALID_PATH)?;
            if !m.search {
                if let Some(h) = m
                    .hits
                    .first()
                    .filter(|h| !acl.obj(&h.path).contains(Perms::READ))
                {
                    return Err(Fail::new(
                        code::INVALID_PATH,
                        format!("{} is not in the Supported Data Model", h.path),
                    ));
                }
            }
            let mut c = Collector {
                dm,
                acl,
                out: Vec::new(),
                values: 0,
                max: cfg.max_get_values,
                ids: Vec::new(),
            };
            for h in m.hits {
                if h.is_table {
                    let mut ids = Vec::new();
                    dm.instances(&h.path, &mut ids);
                    for n in ids {
                        c.collect(h.id, row(&h.path, n), max_depth)?;
                    }
                } else {
                    c.collect(h.id, h.path, max_depth)?;
                }
            }
            Ok(c.out)
        }
    }
}
