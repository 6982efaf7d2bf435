//! Path handling shared by every message: parse, check against the Supported DM, resolve.

use alloc::borrow::Cow;
use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;
use core::cell::RefCell;
use core::fmt::Write as _;

use usp_path::resolve::{DataTree, KeyLookup, ParamValue, Resolver};
use usp_path::value::ParamType;
use usp_path::value::check_constant;
use usp_path::{Expression, Instance, ParseConfig, Path, RelPath, Segment, Target};

use super::EngineConfig;
use crate::access::{AccessControl, Perms};
use crate::code;
use crate::model::DataModel;
use crate::schema::{ObjId, ParamDef, Schema, supported_form};

/// A failure with its USP code and message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Fail {
    pub(crate) code: u32,
    pub(crate) msg: String,
}

impl Fail {
    pub(crate) fn new(code: u32, msg: impl Into<String>) -> Self {
        Self {
            code,
            msg: msg.into(),
        }
    }
}

impl From<crate::DmError> for Fail {
    fn from(e: crate::DmError) -> Self {
        Self::new(e.code(), e.msg())
    }
}

/// The [`DataTree`] view of a [`DataModel`] used by the resolver. Parameters are typed from
/// the schema; write-only parameters cannot be searched on. The schema object of the last
/// table scanned is cached, so a search over many rows looks the schema up once.
pub(crate) struct Tree<'a, M: ?Sized> {
    dm: &'a M,
    acl: &'a dyn AccessControl,
    cache: RefCell<(String, Option<ObjId>)>,
}

impl<'a, M: DataModel + ?Sized> Tree<'a, M> {
    pub(crate) fn new(dm: &'a M, acl: &'a dyn AccessControl) -> Self {
        Self {
            dm,
            acl,
            cache: RefCell::new((String::new(), None)),
        }
    }

    fn object_id(&self, object: &str) -> Option<ObjId> {
        // Rows of one table share everything but the last instance number.
        let key = object
            .strip_suffix('.')
            .and_then(|b| b.rfind('.').map(|i| (b, i)))
            .filter(|(b, i)| {
                b.get(i + 1..)
                    .is_some_and(|n| n.bytes().all(|c| c.is_ascii_digit()))
            })
            .and_then(|(b, i)| b.get(..=i))
            .unwrap_or(object);
        let mut c = self.cache.borrow_mut();
        if c.0.is_empty() || c.0 != key {
            c.0.clear();
            c.0.push_str(key);
            c.1 = self.dm.schema().id_for_path(object);
        }
        c.1
    }
}

impl<M: DataModel + ?Sized> DataTree for Tree<'_, M> {
    fn instances(&self, table: &str, out: &mut Vec<u32>) {
        self.dm.instances(table, out);
    }

    fn has_instance(&self, table: &str, n: u32) -> bool {
        self.dm.has_instance(table, n)
    }

    fn has_instance_is_direct(&self) -> bool {
        self.dm.has_instance_is_direct()
    }

    /// From the schema, so a constant of the wrong type is 7008 even on an empty table.
    /// Parameters that cannot be searched on (write-only) answer `None`, as in
    /// [`DataTree::param`].
    fn param_type(&self, table: &str, param: &RelPath<'_>) -> Option<ParamType> {
        let schema = self.dm.schema();
        let (last, walk) = param.steps().split_last()?;
        let mut path = String::from(table);
        if !schema.object_for_path(table)?.is_multi_instance() {
            return None;
        }
        path.push_str("{i}.");
        for step in walk {
            path.push_str(step.name().as_str());
            path.push('.');
        }
        let def = schema
            .object_for_path(&path)?
            .params
            .get(last.name().as_str())?;
        def.access.is_readable().then_some(def.ty)
    }

    fn param(&self, object: &str, name: &str) -> Option<ParamValue<'_>> {
        let id = self.object_id(object)?;
        let def = self.dm.schema().get(id)?.params.get(name)?;
        // R-GIN.0: a parameter the Controller cannot read does not match; nor does a secured
        // one whose value it may not see (its real value must not be probed by searches).
        if !def.access.is_readable()
            || !self.acl.param(object, name).contains(Perms::READ)
            || (def.secured && !self.acl.secured(object, name))
        {
            return None;
        }
        let v: Cow<'_, str> = self.dm.get(object, name)?;
        Some(ParamValue::new(def.ty, v))
    }

    fn find_by_key(&self, table: &str, key: &Expression<'_>) -> KeyLookup {
        self.dm.find_by_key(table, key)
    }
}

/// Parses an instantiated-DM path (7008 on error).
pub(crate) fn parse(text: &str) -> Result<Path<'_>, Fail> {
    Path::parse(text).map_err(|e| Fail::new(code::INVALID_PATH_SYNTAX, format!("{text:?}: {e}")))
}

/// One resolved object.
pub(crate) struct Hit {
    /// Concrete path ending in `.`.
    pub(crate) path: String,
    /// The schema object.
    pub(crate) id: ObjId,
    /// Whether `path` is a table path (`Device.IP.Interface.`) rather than an object or row.
    pub(crate) is_table: bool,
}

/// Resolution result.
pub(crate) struct Matched {
    pub(crate) hits: Vec<Hit>,
    /// Whether the path may match several objects (wildcard, search, `#*+`); a unique-key
    /// address is not a search.
    pub(crate) search: bool,
}

/// The supported path of the segments `segs` (no follow), ending in `.`.
fn supported_prefix(segs: &[Segment<'_>]) -> Option<String> {
    let mut s = String::new();
    for seg in segs {
        match seg {
            Segment::Object(n) => {
                s.push_str(n.as_str());
                s.push('.');
            }
            Segment::Instance(_) => s.push_str("{i}."),
            Segment::Follow(..) => return None,
        }
    }
    Some(s)
}

/// Whether expression `e` after table segments `segs` addresses one of the table's unique keys.
pub(crate) fn is_key_address(schema: &Schema, segs: &[Segment<'_>], e: &Expression<'_>) -> bool {
    let Some(mut t) = supported_prefix(segs) else {
        return false;
    };
    t.push_str("{i}.");
    schema.object(&t).is_some_and(|o| {
        o.unique_keys.iter().any(|k| {
            let names: Vec<&str> = k.params.iter().map(String::as_str).collect();
            e.addresses_key(&names)
        })
    })
}

/// Finds the object of a concrete (or supported) object path; `(id, is_table_path)`.
pub(crate) fn classify(schema: &Schema, path: &str) -> Option<(ObjId, bool)> {
    let s = supported_form(path);
    if let Some(i) = schema.id(&s) {
        return Some((i, false));
    }
    let mut t = s;
    t.push_str("{i}.");
    schema.id(&t).map(|i| (i, true))
}

/// Checks every search expression of `path` (no follow) against the schema: each compared
/// parameter must exist (7026) and each constant must suit its type and operator (7008).
fn check_expressions(schema: &Schema, path: &Path<'_>) -> Result<(), Fail> {
    let segs = path.segments();
    for (i, seg) in segs.iter().enumerate() {
        let Segment::Instance(Instance::Expression(e)) = seg else {
            continue;
        };
        let Some(mut table) = supported_prefix(segs.get(..i).unwrap_or(&[])) else {
            continue;
        };
        table.push_str("{i}.");
        for c in e.components() {
            let steps = c.param().steps();
            if steps.iter().any(|s| s.follow().is_some()) {
                continue;
            }
            let Some((last, walk)) = steps.split_last() else {
                continue;
            };
            let mut obj = table.clone();
            for s in walk {
                obj.push_str(s.name().as_str());
                obj.push('.');
            }
            let def = schema
                .object(&obj)
                .and_then(|o| o.params.get(last.name().as_str()))
                .filter(|d| d.access.is_readable())
                .ok_or_else(|| {
                    Fail::new(
                        code::INVALID_PATH,
                        format!(
                            "search expression in {path}: {table} has no parameter {}",
                            c.param()
                        ),
                    )
                })?;
            check_constant(def.ty, c.operator(), c.value()).map_err(|err| {
                Fail::new(
                    code::INVALID_PATH_SYNTAX,
                    format!("search expression in {path}: {}: {err}", c.param()),
                )
            })?;
        }
    }
    Ok(())
}

/// Resolves the object part of `path` (its target is ignored) to concrete objects.
///
/// Errors: 7026 when the path is not in the Supported DM; `missing` (7016 or 7026) when a
/// non-search path addresses an instance that does not exist; resolver errors with their
/// codes (7008 type mismatch, 7003 broken stored reference, 7005 limits).
pub(crate) fn resolve_objects<M: DataModel + ?Sized>(
    cfg: &EngineConfig,
    dm: &M,
    acl: &dyn AccessControl,
    path: &Path<'_>,
    missing: u32,
) -> Result<Matched, Fail> {
    let schema = dm.schema();
    let obj = path.object();
    let search = obj.may_match_many_with(|segs, e| is_key_address(schema, segs, e));
    let follow = obj.has_follow();
    if !follow {
        let sdm = supported_prefix(obj.segments()).unwrap_or_default();
        if classify(schema, &sdm).is_none() {
            return Err(Fail::new(
                code::INVALID_PATH,
                format!("{obj} is not in the Supported Data Model"),
            ));
        }
        check_expressions(schema, &obj)?;
    }
    let tree = Tree::new(dm, acl);
    let found = Resolver::with_limits(&tree, cfg.limits, ParseConfig::DEFAULT)
        .resolve(&obj)
        .map_err(|e| Fail::new(e.usp_error_code(), format!("{path}: {e}")))?;
    let mut hits = Vec::with_capacity(found.len());
    for p in found {
        if let Some((id, is_table)) = classify(schema, &p) {
            hits.push(Hit {
                path: p,
                id,
                is_table,
            });
        }
    }
    if hits.is_empty() && !search {
        return Err(Fail::new(
            missing,
            format!("{obj} does not exist in the Instantiated Data Model"),
        ));
    }
    Ok(Matched { hits, search })
}

/// Reads parameter `def` of `object` for a reply: `None` when not readable or absent;
/// secured values read as `""` unless [`AccessControl::secured`] allows them.
pub(crate) fn read_param<'m, M: DataModel + ?Sized>(
    dm: &'m M,
    acl: &dyn AccessControl,
    def: &ParamDef,
    object: &str,
) -> Option<Cow<'m, str>> {
    if !def.access.is_readable() || !acl.param(object, &def.name).contains(Perms::READ) {
        return None;
    }
    let v = dm.get(object, &def.name)?;
    if def.secured && !acl.secured(object, &def.name) {
        return Some(Cow::Borrowed(""));
    }
    Some(v)
}

/// `table` + `n` + `.`.
pub(crate) fn row(table: &str, n: u32) -> String {
    let mut s = String::with_capacity(table.len() + 11);
    s.push_str(table);
    let _ = write!(s, "{n}.");
    s
}

/// A relative parameter (`Enable`, `Stats.BytesSent`) of an object at `base` (concrete) with
/// schema object `id`: the concrete sub-object path and the definition. Only single-instance
/// sub-objects may be crossed.
pub(crate) fn rel_param<'s>(
    schema: &'s Schema,
    id: ObjId,
    base: &str,
    rel: &str,
) -> Result<(String, &'s ParamDef), Fail> {
    let unsupported = || {
        Fail::new(
            code::UNSUPPORTED_PARAMETER,
            format!("{base}{rel} is not a supported parameter"),
        )
    };
    let valid = |s: &str| {
        !s.is_empty()
            && s.bytes()
                .next()
                .is_some_and(|b| b.is_ascii_alphabetic() || b == b'_')
            && s.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
    };
    let mut parts = rel.split('.').collect::<Vec<_>>();
    let name = parts.pop().filter(|n| valid(n)).ok_or_else(unsupported)?;
    let mut obj = schema.get(id).ok_or_else(unsupported)?;
    let mut path = String::from(base);
    for p in parts {
        if !valid(p) {
            return Err(unsupported());
        }
        let mut sdm = String::from(obj.path());
        sdm.push_str(p);
        sdm.push('.');
        obj = schema.object(&sdm).ok_or_else(unsupported)?;
        path.push_str(p);
        path.push('.');
    }
    let def = obj.params.get(name).ok_or_else(unsupported)?;
    Ok((path, def))
}

/// Whether the target is an object (`X.`).
pub(crate) const fn is_object_target(t: &Target<'_>) -> bool {
    matches!(t, Target::Object)
}
