//! GetSupportedDM (R-GSP.0 without permissions), with divergent objects (REQUIREMENTS §5.3).

use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;

use usp_msg::pb;
use usp_msg::pb::get_supported_dm_resp::{
    RequestedObjectResult, SupportedCommandResult, SupportedEventResult, SupportedObjectResult,
    SupportedParamResult, SupportedUniqueKeySet,
};
use usp_path::{Instance, Path, Segment, Target};

use super::EngineConfig;
use super::resolve::{Fail, Tree, classify};
use crate::access::{AccessControl, Perms};
use crate::code;
use crate::model::DataModel;
use crate::schema::{CommandDef, EventDef, ObjId, ObjectDef, ParamDef, Schema};

pub(crate) fn gsdm<M: DataModel + ?Sized>(
    cfg: &EngineConfig,
    dm: &M,
    acl: &dyn AccessControl,
    g: &pb::GetSupportedDm,
) -> pb::GetSupportedDmResp {
    let mut out = pb::GetSupportedDmResp::default();
    for p in &g.obj_paths {
        let mut r = RequestedObjectResult {
            req_obj_path: p.clone(),
            ..RequestedObjectResult::default()
        };
        match one(cfg, dm, acl, p, g) {
            Ok((uri, objs)) => {
                r.data_model_inst_uri = uri;
                r.supported_objs = objs;
            }
            Err(f) => {
                r.err_code = f.code;
                r.err_msg = f.msg;
            }
        }
        out.req_obj_results.push(r);
    }
    out
}

#[derive(Clone, Copy)]
struct Flags {
    commands: bool,
    events: bool,
    params: bool,
    keys: bool,
}

fn param_result(p: &ParamDef) -> SupportedParamResult {
    SupportedParamResult {
        param_name: p.name.clone(),
        access: p.access.to_pb(),
        value_type: p.value_type_pb(),
        value_change: p.value_change.to_pb(),
    }
}

fn command_result(c: &CommandDef) -> SupportedCommandResult {
    SupportedCommandResult {
        command_name: format!("{}()", c.name),
        input_arg_names: c.input.iter().map(|a| a.name.clone()).collect(),
        output_arg_names: c.output.iter().map(|a| a.name.clone()).collect(),
        command_type: if c.is_async { 2 } else { 1 },
    }
}

fn event_result(e: &EventDef) -> SupportedEventResult {
    SupportedEventResult {
        event_name: format!("{}!", e.name),
        arg_names: e.args.iter().map(|a| a.name.clone()).collect(),
    }
}

/// Whether the Controller may read object `o` (R-GSP.0).
fn visible(acl: &dyn AccessControl, o: &ObjectDef) -> bool {
    acl.obj(o.path()).contains(Perms::READ)
}

fn object_result(acl: &dyn AccessControl, o: &ObjectDef, f: Flags) -> SupportedObjectResult {
    let path = o.path();
    let cmd_ok = |name: &str, suffix: &str| {
        acl.command_event(&format!("{path}{name}{suffix}"))
            .contains(Perms::READ)
    };
    let mut r = SupportedObjectResult {
        supported_obj_path: String::from(o.path()),
        access: o.access.to_pb(),
        is_multi_instance: o.is_multi_instance(),
        ..SupportedObjectResult::default()
    };
    if f.params {
        r.supported_params = o
            .params
            .values()
            .filter(|p| acl.param(path, &p.name).contains(Perms::READ))
            .map(param_result)
            .collect();
    }
    if f.commands {
        r.supported_commands = o
            .commands
            .values()
            .filter(|c| cmd_ok(&c.name, "()"))
            .map(command_result)
            .collect();
    }
    if f.events {
        r.supported_events = o
            .events
            .values()
            .filter(|e| cmd_ok(&e.name, "!"))
            .map(event_result)
            .collect();
    }
    if f.keys && o.is_multi_instance() {
        r.unique_key_sets = o
            .unique_keys
            .iter()
            .map(|k| SupportedUniqueKeySet {
                key_names: k.params.clone(),
            })
            .collect();
    }
    r
}

/// Where divergent objects are found: the request's object as a pattern (instance numbers
/// given, `*` elsewhere; it matches `base`'s supported path) and the budget of instance paths
/// left.
struct Divergence<'a, M: ?Sized> {
    dm: &'a M,
    acl: &'a dyn AccessControl,
    base: &'a str,
    pattern: &'a str,
    budget: usize,
}

impl<M: DataModel + ?Sized> Divergence<'_, M> {
    /// The result for divergent object `o`: path, access, multi and its instance paths only.
    fn result(&mut self, o: &ObjectDef) -> SupportedObjectResult {
        let rest = o.path().strip_prefix(self.base).unwrap_or("");
        let mut pattern = String::from(self.pattern);
        for seg in rest.split_terminator('.') {
            pattern.push_str(if seg == "{i}" { "*" } else { seg });
            pattern.push('.');
        }
        SupportedObjectResult {
            supported_obj_path: String::from(o.path()),
            access: o.access.to_pb(),
            is_multi_instance: o.is_multi_instance(),
            divergent_paths: self.expand(&pattern),
            ..SupportedObjectResult::default()
        }
    }

    /// The existing objects matching `pattern` that the Controller may see, within the budget.
    fn expand(&mut self, pattern: &str) -> Vec<String> {
        let mut cur = alloc::vec![String::new()];
        let mut rows = Vec::new();
        for seg in pattern.split_terminator('.') {
            let mut next = Vec::new();
            for base in cur {
                if seg == "*" {
                    rows.clear();
                    self.dm.instances(&base, &mut rows);
                    for n in &rows {
                        if self.budget == 0 {
                            break;
                        }
                        self.budget -= 1;
                        next.push(format!("{base}{n}."));
                    }
                } else {
                    next.push(format!("{base}{seg}."));
                }
            }
            cur = next;
        }
        cur.retain(|p| {
            if crate::memory::split_row(p).is_some() {
                self.acl.instance(p).contains(Perms::READ)
            } else {
                self.acl.obj(p).contains(Perms::READ)
            }
        });
        cur
    }
}

/// Every object below `id`; an object the Controller cannot read is left out with its
/// subtree (R-GSP.0); a divergent object is reported by [`Divergence::result`] without its
/// subtree.
fn subtree<M: DataModel + ?Sized>(
    schema: &Schema,
    id: ObjId,
    f: Flags,
    div: &mut Divergence<'_, M>,
    out: &mut Vec<SupportedObjectResult>,
) {
    let acl = div.acl;
    for &c in schema.children(id) {
        if let Some(o) = schema.get(c).filter(|o| visible(acl, o)) {
            if o.divergent {
                out.push(div.result(o));
            } else {
                out.push(object_result(acl, o, f));
                subtree(schema, c, f, div, out);
            }
        }
    }
}

/// The request path walked against the Supported DM, switching to an instance's own model
/// at each divergent object addressed with its instance number.
struct Walk<'s> {
    schema: &'s Schema,
    /// The object as a pattern: numbers where given, `*` for `{i}` and for a final table path.
    pattern: String,
    /// The requested object is divergent and was not addressed with its instance number.
    divergent_end: bool,
}

fn walk<'s, M: DataModel + ?Sized>(
    dm: &'s M,
    text: &str,
    obj: &Path<'_>,
    has_target: bool,
) -> Result<Walk<'s>, Fail> {
    let mut schema = dm.schema();
    let mut sup = String::new();
    let mut pattern = String::new();
    let mut concrete = true;
    let segs = obj.segments();
    let mut divergent_end = false;
    for (i, seg) in segs.iter().enumerate() {
        let last = i + 1 == segs.len();
        let complete = match seg {
            Segment::Object(n) => {
                sup.push_str(n.as_str());
                sup.push('.');
                pattern.push_str(n.as_str());
                pattern.push('.');
                match classify(schema, &sup) {
                    Some((id, true)) if last => {
                        // A table path: its rows.
                        pattern.push_str("*.");
                        concrete = false;
                        Some(id)
                    }
                    Some((id, false)) => Some(id),
                    _ => None,
                }
            }
            Segment::Instance(inst) => {
                sup.push_str("{i}.");
                match inst {
                    Instance::Number(k) => pattern.push_str(&format!("{k}.")),
                    _ => {
                        pattern.push_str("*.");
                        concrete = false;
                    }
                }
                schema.id(&sup)
            }
            Segment::Follow(..) => None,
        };
        let Some(o) = complete.and_then(|id| schema.get(id)) else {
            continue;
        };
        if !o.divergent {
            continue;
        }
        if concrete {
            // Addressed by its instance path: that instance's own model, if it has one.
            if let Some(s) = dm.instance_schema(&pattern) {
                schema = s;
            }
        } else if last && !has_target {
            divergent_end = true;
        } else {
            return Err(Fail::new(
                code::INVALID_PATH,
                format!(
                    "{text} lies below the divergent object {}; its instances support \
                     differing data models: use an Object Instance Path",
                    o.path()
                ),
            ));
        }
    }
    Ok(Walk {
        schema,
        pattern,
        divergent_end,
    })
}

fn one<M: DataModel + ?Sized>(
    cfg: &EngineConfig,
    dm: &M,
    acl: &dyn AccessControl,
    text: &str,
    g: &pb::GetSupportedDm,
) -> Result<(String, Vec<SupportedObjectResult>), Fail> {
    let path = Path::parse_supported(text)
        .map_err(|e| Fail::new(code::INVALID_PATH_SYNTAX, format!("{text:?}: {e}")))?;
    let obj = path.object();
    let has_target = !matches!(path.target(), Target::Object);
    let w = walk(dm, text, &obj, has_target)?;
    let schema = w.schema;
    let uri = String::from(schema.uri());
    let mut sdm = String::new();
    for s in obj.segments() {
        match s {
            Segment::Object(n) => {
                sdm.push_str(n.as_str());
                sdm.push('.');
            }
            _ => sdm.push_str("{i}."),
        }
    }
    let Some((id, _)) = classify(schema, &sdm) else {
        return Err(Fail::new(
            code::INVALID_PATH,
            format!("{text} is not in the Supported Data Model"),
        ));
    };
    // An instantiated path (with instance numbers) must exist.
    let last_num = obj
        .segments()
        .iter()
        .rposition(|s| matches!(s, Segment::Instance(Instance::Number(_))));
    if let Some(i) = last_num {
        let mut concrete = String::new();
        for s in obj.segments().get(..=i).unwrap_or(&[]) {
            match s {
                Segment::Object(n) => {
                    concrete.push_str(n.as_str());
                    concrete.push('.');
                }
                Segment::Instance(Instance::Number(n)) => {
                    concrete.push_str(&alloc::format!("{n}."));
                }
                _ => {}
            }
        }
        let exists = Path::parse(&concrete).ok().is_some_and(|p| {
            usp_path::resolve::Resolver::with_limits(
                &Tree::new(dm, acl),
                cfg.limits,
                usp_path::ParseConfig::DEFAULT,
            )
            .resolve(&p)
            .is_ok_and(|v| !v.is_empty())
        });
        if !exists {
            return Err(Fail::new(
                code::OBJECT_DOES_NOT_EXIST,
                format!("{concrete} does not exist in the Instantiated Data Model"),
            ));
        }
    }
    let o = schema.get(id).filter(|o| visible(acl, o)).ok_or_else(|| {
        Fail::new(
            code::INVALID_PATH,
            format!("{text} is not in the Supported Data Model"),
        )
    })?;
    let none = Flags {
        commands: false,
        events: false,
        params: false,
        keys: false,
    };
    let mut div = Divergence {
        dm,
        acl,
        base: o.path(),
        pattern: &w.pattern,
        budget: cfg.max_get_values,
    };
    if w.divergent_end {
        return Ok((uri, alloc::vec![div.result(o)]));
    }
    let mut base = object_result(acl, o, none);
    let missing = |what: &str| {
        Fail::new(
            code::INVALID_PATH,
            format!("{text}: {} has no {what}", o.path()),
        )
    };
    match path.target() {
        Target::Parameter(n) => {
            let p = o
                .params
                .get(n.as_str())
                .filter(|p| acl.param(o.path(), &p.name).contains(Perms::READ))
                .ok_or_else(|| missing("such parameter"))?;
            base.supported_params.push(param_result(p));
            Ok((uri, alloc::vec![base]))
        }
        Target::Command(n) => {
            let c = o
                .commands
                .get(n.as_str())
                .filter(|c| {
                    acl.command_event(&format!("{}{}()", o.path(), c.name))
                        .contains(Perms::READ)
                })
                .ok_or_else(|| missing("such command"))?;
            base.supported_commands.push(command_result(c));
            Ok((uri, alloc::vec![base]))
        }
        Target::Event(n) => {
            let e = o
                .events
                .get(n.as_str())
                .filter(|e| {
                    acl.command_event(&format!("{}{}!", o.path(), e.name))
                        .contains(Perms::READ)
                })
                .ok_or_else(|| missing("such event"))?;
            base.supported_events.push(event_result(e));
            Ok((uri, alloc::vec![base]))
        }
        Target::Object => {
            let f = Flags {
                commands: g.return_commands,
                events: g.return_events,
                params: g.return_params,
                keys: g.return_unique_key_sets,
            };
            let mut out = alloc::vec![object_result(acl, o, f)];
            if g.first_level_only {
                let child = Flags {
                    keys: f.keys,
                    ..none
                };
                for &c in schema.children(id) {
                    if let Some(co) = schema.get(c).filter(|co| visible(acl, co)) {
                        if co.divergent {
                            out.push(div.result(co));
                        } else {
                            out.push(object_result(acl, co, child));
                        }
                    }
                }
            } else {
                subtree(schema, id, f, &mut div, &mut out);
            }
            Ok((uri, out))
        }
    }
}
