//! Path reference parameters: R-ARC.11 (key-form values accepted on write, stored with
//! instance numbers) and R-ARC.12 (strong references must point at existing objects and are
//! cleared when their target is deleted; weak references are never changed).

use alloc::collections::BTreeSet;
use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;

use usp_path::resolve::Resolver;
use usp_path::value::split_list;
use usp_path::{ParseConfig, Path, Target};

use super::EngineConfig;
use super::resolve::{Fail, Tree, classify};
use super::tx::Tx;
use crate::access::FullAccess;
use crate::code;
use crate::model::DataModel;
use crate::schema::{ParamDef, RefKind};

/// Rewrites a reference value for storage: each item parsed as a path reference, resolved to
/// the one object it names and written with instance numbers and no trailing `.`.
///
/// Errors (7012): an item that is not a path reference; for a strong reference, an item that
/// names no existing object or several.
pub(crate) fn normalize<M: DataModel + ?Sized>(
    cfg: &EngineConfig,
    dm: &M,
    def: &ParamDef,
    value: String,
) -> Result<String, Fail> {
    let Some(kind) = def.reference else {
        return Ok(value);
    };
    let items: Vec<&str> = if def.ty.is_list() {
        split_list(&value).collect()
    } else {
        alloc::vec![value.as_str()]
    };
    let mut out = String::with_capacity(value.len());
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push_str(&normalize_item(cfg, dm, def, kind, item)?);
    }
    Ok(out)
}

fn normalize_item<M: DataModel + ?Sized>(
    cfg: &EngineConfig,
    dm: &M,
    def: &ParamDef,
    kind: RefKind,
    item: &str,
) -> Result<String, Fail> {
    if item.is_empty() {
        return Ok(String::new());
    }
    let bad = |why: &str| Fail::new(code::INVALID_VALUE, format!("{}: {item:?} {why}", def.name));
    let p = match Path::parse_reference(item) {
        Ok(Some(p)) => p,
        Ok(None) => return Ok(String::new()),
        Err(e) => return Err(bad(&format!("is not a path reference: {e}"))),
    };
    // A reference to a parameter (`...Interface.1.Name`) is kept as an object path only when
    // the schema says so; otherwise resolve the object it names.
    let obj = match p.target() {
        Target::Object => p.clone(),
        _ => p.object(),
    };
    let tree = Tree::new(dm, &FullAccess);
    let found = Resolver::with_limits(&tree, cfg.limits, ParseConfig::DEFAULT)
        .resolve(&obj)
        .unwrap_or_default();
    let found: Vec<String> = found
        .into_iter()
        .filter(|f| classify(dm.schema(), f).is_some_and(|(_, table)| !table))
        .collect();
    match (found.as_slice(), kind) {
        ([one], _) => {
            let mut s = one.clone();
            match p.target() {
                Target::Object => {
                    s.pop();
                }
                Target::Parameter(n) => s.push_str(n.as_str()),
                Target::Command(_) | Target::Event(_) => return Ok(String::from(item)),
            }
            Ok(s)
        }
        ([], RefKind::Weak) => Ok(String::from(item)),
        ([], _) => Err(bad(
            "refers to no existing object (strong reference, R-ARC.12)",
        )),
        (_, _) => Err(bad("refers to more than one object")),
    }
}

/// After `rows` (`Device.IP.Interface.1.`, ...) were deleted: every strong reference to one
/// of them or to an object below one is cleared, a list losing just that item (R-ARC.12).
/// Changes go through `tx`, so they are undone with the Delete. One pass over the model for
/// the whole message.
pub(crate) fn clear_strong_refs<M: DataModel + ?Sized>(
    cfg: &EngineConfig,
    tx: &mut Tx<'_, M>,
    rows: &[String],
) {
    if rows.is_empty() {
        return;
    }
    let targets: BTreeSet<&str> = rows
        .iter()
        .map(|r| r.strip_suffix('.').unwrap_or(r))
        .collect();
    // An item refers to a deleted object if it, or a prefix of it ending before a '.', is a
    // deleted row.
    let hits = |it: &str| {
        let it = it.strip_suffix('.').unwrap_or(it);
        targets.contains(it)
            || it
                .match_indices('.')
                .any(|(i, _)| it.get(..i).is_some_and(|p| targets.contains(p)))
    };
    let mut changes: Vec<(String, String, String)> = Vec::new();
    {
        let dm = &*tx.dm;
        let schema = dm.schema();
        for o in schema.objects() {
            let strong: Vec<&ParamDef> = o
                .params
                .values()
                .filter(|p| p.reference == Some(RefKind::Strong))
                .collect();
            if strong.is_empty() {
                continue;
            }
            let wildcard = o.path().replace("{i}", "*");
            let Ok(p) = Path::parse(&wildcard) else {
                continue;
            };
            let tree = Tree::new(dm, &FullAccess);
            let Ok(objects) =
                Resolver::with_limits(&tree, cfg.limits, ParseConfig::DEFAULT).resolve(&p)
            else {
                continue;
            };
            for obj in objects {
                for def in &strong {
                    let Some(v) = dm.get(&obj, &def.name) else {
                        continue;
                    };
                    if !split_list(&v).any(hits) {
                        continue;
                    }
                    let new = if def.ty.is_list() {
                        split_list(&v)
                            .filter(|it| !hits(it))
                            .collect::<Vec<_>>()
                            .join(",")
                    } else {
                        String::new()
                    };
                    changes.push((obj.clone(), def.name.clone(), new));
                }
            }
        }
    }
    for (obj, name, v) in changes {
        let _ = tx.set(&obj, &name, &v);
    }
}
