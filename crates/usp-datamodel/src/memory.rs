//! [`MemoryDataModel`]: a ready in-memory [`DataModel`].
//!
//! Storage is a tree mirroring the paths: objects hold parameters and child slots, a table
//! slot holds rows by instance number. A lookup walks one small map per path segment, which
//! keeps Get and searches over large tables fast without hashing (no_std).
//!
//! Each table also keeps an index per unique key of its schema (canonical typed key values →
//! instance numbers), maintained by every change and by rollback, so unique-key addresses
//! (`[Alias=="lan"]`) are answered in O(log n) rather than by a scan.

use alloc::borrow::Cow;
use alloc::collections::{BTreeMap, BTreeSet};
use alloc::format;
use alloc::string::{String, ToString as _};
use alloc::vec::Vec;
use core::fmt::Write as _;

use crate::code;
use crate::error::DmError;
use crate::model::DataModel;
use crate::schema::{ObjId, ObjectDef, Schema, UniqueKey};
use usp_path::Expression;
use usp_path::resolve::KeyLookup;
use usp_path::value::{ParamType, TypedConstant, Value, ValueType, check_constant};

#[derive(Clone, Debug, Default, PartialEq, Eq)]
struct Node {
    params: BTreeMap<String, String>,
    children: BTreeMap<String, Slot>,
    /// The `writeOnceReadOnly` parameters a Controller has written.
    written: BTreeSet<String>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum Slot {
    Obj(Node),
    Tab(Table),
}

#[derive(Clone, Debug, PartialEq, Eq)]
struct Table {
    rows: BTreeMap<u32, Node>,
    /// The next instance number; numbers are never reused while the model lives (R-ARC.8).
    next: u32,
    /// One index per unique key of the table's [`ObjectDef`] (same positions as
    /// `unique_keys`; missing at the end while no row has been indexed for it): the key's
    /// canonical values ([`canonical`]) in key order, with the row holding them. A row whose
    /// key value is missing or invalid is not in it (such a row matches no key address).
    /// Several rows may share a value (a functional key need only be unique among enabled
    /// rows; the integrator's [`MemoryDataModel::set_value`] is not checked).
    keys: Vec<BTreeSet<(Vec<String>, u32)>>,
}

impl Table {
    const fn new() -> Self {
        Self {
            rows: BTreeMap::new(),
            next: 1,
            keys: Vec::new(),
        }
    }

    /// Adds (`insert`) or removes row `n`'s entries of the unique keys of `def`: every key,
    /// or only those holding parameter `only`. Call it to remove the entries before changing
    /// a key value or removing the row, and to insert them after.
    fn reindex(&mut self, def: &ObjectDef, n: u32, insert: bool, only: Option<&str>) {
        let Some(row) = self.rows.get(&n) else {
            return;
        };
        for (i, k) in def.unique_keys.iter().enumerate() {
            if only.is_some_and(|p| !k.params.iter().any(|kp| kp == p)) {
                continue;
            }
            let Some(v) = key_of(def, k, row) else {
                continue;
            };
            if insert {
                if self.keys.len() <= i {
                    self.keys.resize_with(i + 1, BTreeSet::new);
                }
                if let Some(ix) = self.keys.get_mut(i) {
                    ix.insert((v, n));
                }
            } else if let Some(ix) = self.keys.get_mut(i) {
                ix.remove(&(v, n));
            }
        }
    }
}

/// The canonical form of parameter value `v` of type `ty` for the unique-key index: two
/// values are equal for an `==` expression ([`TypedConstant::matches`]) exactly when their
/// canonical forms are equal. Strings and lists (`==` on a list compares the text) are kept
/// as they are; other types are parsed and formatted canonically (`+01` → `1`, `1` →
/// `true`). `None` for a value that is not valid for its type: it matches no constant.
fn canonical(ty: ParamType, v: &str) -> Option<String> {
    if ty.is_list() || ty.base() == ValueType::String {
        return Some(String::from(v));
    }
    Value::parse(ty.base(), v).ok().map(|x| x.to_string())
}

/// The canonical form of an `==` constant, comparable with [`canonical`] values.
fn canonical_constant(tc: &TypedConstant) -> String {
    tc.value().to_string()
}

/// The canonical values of key `k` of `row`, in key order.
fn key_of(def: &ObjectDef, k: &UniqueKey, row: &Node) -> Option<Vec<String>> {
    k.params
        .iter()
        .map(|name| canonical(def.params.get(name)?.ty, row.params.get(name)?))
        .collect()
}

/// The table definition of `table` when it has unique keys (and so indexes).
fn keyed_table<'a>(schema: &'a Schema, table: &str) -> Option<&'a ObjectDef> {
    schema
        .object_for_path(table)
        .filter(|d| d.is_multi_instance() && !d.unique_keys.is_empty())
}

/// Sets (`Some`) or removes (`None`) parameter `param` of `object`, keeping the unique-key
/// index of the row's table up to date. `None` if the object does not exist, else the old
/// value.
fn write_param(
    schema: &Schema,
    root: &mut BTreeMap<String, Slot>,
    object: &str,
    param: &str,
    value: Option<&str>,
) -> Option<Option<String>> {
    let put = |o: &mut Node| match value {
        Some(v) => o.params.insert(String::from(param), String::from(v)),
        None => o.params.remove(param),
    };
    if let Some((table, n)) = split_row(object) {
        if let Some(def) = keyed_table(schema, table).filter(|d| d.key_role(param).is_some()) {
            let t = table_mut(root, table)?;
            t.rows.get(&n)?;
            t.reindex(def, n, false, Some(param));
            let old = t.rows.get_mut(&n).map(put);
            t.reindex(def, n, true, Some(param));
            return old;
        }
    }
    node_mut(root, object).map(put)
}

#[derive(Clone, Debug)]
enum Undo {
    Set {
        object: String,
        param: String,
        old: Option<String>,
    },
    Add {
        table: String,
        n: u32,
        prev_next: u32,
    },
    Delete {
        table: String,
        n: u32,
        node: Node,
    },
    Written {
        object: String,
        param: String,
    },
}

/// An in-memory Instantiated Data Model over a [`Schema`], with native transactions.
///
/// - Every single-instance object outside tables exists from the start, its parameters set to
///   their defaults or zero values ([`crate::ParamDef::initial_value`]).
/// - [`DataModel::add`] creates a row with its single-instance sub-objects; sub-tables start
///   empty. Instance numbers count up from 1 per table and are never reused (R-ARC.8).
/// - [`DataModel::delete`] removes the row and everything below it.
/// - [`DataModel::rollback`] undoes every change since [`DataModel::begin`], including
///   deletes, and restores the instance counters.
/// - It tracks which `writeOnceReadOnly` parameters a Controller has written
///   ([`DataModel::written_once`]), so the engine applies that rule exactly; values set with
///   [`MemoryDataModel::set_value`] or given to [`DataModel::add`] by the integrator are not
///   Controller writes.
///
/// - Unique-key addresses (`Device.IP.Interface.[Alias=="lan"].`) are answered from an index
///   per table and unique key ([`DataModel::find_by_key`]), kept up to date by every change
///   above, by [`MemoryDataModel::set_value`] and by rollback; it holds one entry per row and
///   key.
///
/// Values are stored as given: the engine checks them. [`MemoryDataModel::set_value`] lets the
/// Agent's own code update status values directly.
///
/// ```
/// use std::collections::BTreeMap;
/// use usp_datamodel::{DataModel, MemoryDataModel, ObjAccess, ObjectDef, ParamAccess, ParamDef, Schema};
/// use usp_path::value::ValueType;
///
/// let mut s = Schema::new("urn:example-org:demo-1-0");
/// s.add_object(ObjectDef::new("Device."))?;
/// s.add_object(ObjectDef::new("Device.Thing.{i}.").with_access(ObjAccess::AddDelete)
///     .with_param(ParamDef::new("Enable", ValueType::Boolean).with_access(ParamAccess::ReadWrite)))?;
/// let mut m = MemoryDataModel::new(s);
/// let n = m.add("Device.Thing.", &BTreeMap::new())?;
/// assert_eq!(n, 1);
/// assert_eq!(m.get("Device.Thing.1.", "Enable").as_deref(), Some("false"));
/// m.begin();
/// m.set("Device.Thing.1.", "Enable", "true")?;
/// assert!(m.rollback());
/// assert_eq!(m.get("Device.Thing.1.", "Enable").as_deref(), Some("false"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug)]
pub struct MemoryDataModel {
    schema: Schema,
    root: BTreeMap<String, Slot>,
    journal: Option<Vec<Undo>>,
    mounts: BTreeMap<String, Schema>,
}

/// Walks `path` (`A.B.3.C.`, or a table path `A.B.`) from `root`; `None` for a path ending
/// at a row (see [`node`]).
fn walk<'a>(root: &'a BTreeMap<String, Slot>, path: &str) -> Option<&'a Slot> {
    let body = path.strip_suffix('.')?;
    let mut segs = body.split('.');
    let mut slot = root.get(segs.next()?)?;
    while let Some(seg) = segs.next() {
        let node = match slot {
            Slot::Obj(n) => n,
            Slot::Tab(t) => {
                let n = t.rows.get(&seg.parse::<u32>().ok()?)?;
                let next = segs.next()?;
                slot = n.children.get(next)?;
                continue;
            }
        };
        slot = node.children.get(seg)?;
    }
    Some(slot)
}

/// The object (single-instance object or row) at `path`.
fn node<'a>(root: &'a BTreeMap<String, Slot>, path: &str) -> Option<&'a Node> {
    let (parent, last) = split_last(path)?;
    if let Ok(n) = last.parse::<u32>() {
        match walk(root, parent)? {
            Slot::Tab(t) => t.rows.get(&n),
            Slot::Obj(_) => None,
        }
    } else {
        match walk(root, path)? {
            Slot::Obj(n) => Some(n),
            Slot::Tab(_) => None,
        }
    }
}

fn walk_mut<'a>(root: &'a mut BTreeMap<String, Slot>, path: &str) -> Option<&'a mut Slot> {
    let body = path.strip_suffix('.')?;
    let mut segs = body.split('.').peekable();
    let mut slot = root.get_mut(segs.next()?)?;
    loop {
        let Some(seg) = segs.next() else {
            return Some(slot);
        };
        let node = match slot {
            Slot::Obj(n) => n,
            Slot::Tab(t) => {
                let n = t.rows.get_mut(&seg.parse::<u32>().ok()?)?;
                let next = segs.next()?;
                slot = n.children.get_mut(next)?;
                continue;
            }
        };
        slot = node.children.get_mut(seg)?;
    }
}

fn node_mut<'a>(root: &'a mut BTreeMap<String, Slot>, path: &str) -> Option<&'a mut Node> {
    let (parent, last) = split_last(path)?;
    if let Ok(n) = last.parse::<u32>() {
        match walk_mut(root, parent)? {
            Slot::Tab(t) => t.rows.get_mut(&n),
            Slot::Obj(_) => None,
        }
    } else {
        match walk_mut(root, path)? {
            Slot::Obj(n) => Some(n),
            Slot::Tab(_) => None,
        }
    }
}

fn table_mut<'a>(root: &'a mut BTreeMap<String, Slot>, path: &str) -> Option<&'a mut Table> {
    match walk_mut(root, path)? {
        Slot::Tab(t) => Some(t),
        Slot::Obj(_) => None,
    }
}

/// Splits `A.B.C.` into (`A.B.`, `C`).
fn split_last(path: &str) -> Option<(&str, &str)> {
    let body = path.strip_suffix('.')?;
    match body.rfind('.') {
        Some(i) => Some((body.get(..=i)?, body.get(i + 1..)?)),
        None => Some(("", body)),
    }
}

/// A new object `id` with values from `init` (keys relative to `rel`) or initial values, its
/// single-instance sub-objects, and empty sub-tables.
fn instantiate(schema: &Schema, id: ObjId, init: &BTreeMap<String, String>, rel: &str) -> Node {
    let mut node = Node::default();
    let Some(def) = schema.get(id) else {
        return node;
    };
    let mut key = String::new();
    for (name, p) in &def.params {
        key.clear();
        key.push_str(rel);
        key.push_str(name);
        let v = init.get(&key).cloned().unwrap_or_else(|| p.initial_value());
        node.params.insert(name.clone(), v);
    }
    for &c in schema.children(id) {
        let Some(cd) = schema.get(c) else { continue };
        let slot = if cd.is_multi_instance() {
            Slot::Tab(Table::new())
        } else {
            let crel = format!("{rel}{}.", cd.name());
            Slot::Obj(instantiate(schema, c, init, &crel))
        };
        node.children.insert(String::from(cd.name()), slot);
    }
    node
}

fn count(slot: &Slot, objects: &mut usize, values: &mut usize) {
    let visit = |n: &Node, objects: &mut usize, values: &mut usize| {
        *objects += 1;
        *values += n.params.len();
        for c in n.children.values() {
            count(c, objects, values);
        }
    };
    match slot {
        Slot::Obj(n) => visit(n, objects, values),
        Slot::Tab(t) => {
            for n in t.rows.values() {
                visit(n, objects, values);
            }
        }
    }
}

fn dump_slot(slot: &Slot, path: &mut String, out: &mut Vec<(String, String, String)>) {
    fn node(n: &Node, path: &mut String, out: &mut Vec<(String, String, String)>) {
        for (p, v) in &n.params {
            out.push((path.clone(), p.clone(), v.clone()));
        }
        for (name, c) in &n.children {
            let len = path.len();
            path.push_str(name);
            path.push('.');
            dump_slot(c, path, out);
            path.truncate(len);
        }
    }
    match slot {
        Slot::Obj(n) => node(n, path, out),
        Slot::Tab(t) => {
            for (k, n) in &t.rows {
                let len = path.len();
                let _ = write!(path, "{k}.");
                node(n, path, out);
                path.truncate(len);
            }
        }
    }
}

/// Table paths under `slot` at `path`.
fn tables_under(slot: &Slot, path: &mut String, out: &mut Vec<String>) {
    fn node(n: &Node, path: &mut String, out: &mut Vec<String>) {
        for (name, c) in &n.children {
            let len = path.len();
            path.push_str(name);
            path.push('.');
            tables_under(c, path, out);
            path.truncate(len);
        }
    }
    match slot {
        Slot::Obj(n) => node(n, path, out),
        Slot::Tab(t) => {
            out.push(path.clone());
            for (k, n) in &t.rows {
                let len = path.len();
                let _ = write!(path, "{k}.");
                node(n, path, out);
                path.truncate(len);
            }
        }
    }
}

impl MemoryDataModel {
    /// A model over `schema` with every single-instance object outside tables instantiated.
    pub fn new(schema: Schema) -> Self {
        let mut root = BTreeMap::new();
        for &r in schema.roots() {
            let Some(def) = schema.get(r) else { continue };
            // A service model's root may be a table (`StorageService.{i}.`).
            let slot = if def.is_multi_instance() {
                Slot::Tab(Table::new())
            } else {
                Slot::Obj(instantiate(&schema, r, &BTreeMap::new(), ""))
            };
            root.insert(String::from(def.name()), slot);
        }
        Self {
            schema,
            root,
            journal: None,
            mounts: BTreeMap::new(),
        }
    }

    /// Records the Supported Data Model of instance `object` (`Device.Container.2.`) of a
    /// divergent object, returned by [`DataModel::instance_schema`] while that row exists.
    ///
    /// ```
    /// use std::collections::BTreeMap;
    /// use usp_datamodel::{DataModel, Engine, EngineConfig, MemoryDataModel, ObjAccess,
    ///     ObjectDef, Schema};
    /// use usp_msg::pb;
    ///
    /// // Containers whose instances each run their own data model.
    /// let container = || ObjectDef::new("Device.Container.{i}.").with_access(ObjAccess::AddDelete);
    /// let mut s = Schema::new("urn:example-org:host-1-0");
    /// s.add_object(ObjectDef::new("Device."))?;
    /// s.add_object(container().divergent())?;
    /// s.add_object(ObjectDef::new("Device.Container.{i}.App."))?;
    /// let mut dm = MemoryDataModel::new(s);
    /// dm.add("Device.Container.", &BTreeMap::new())?;
    /// let mut app = Schema::new("urn:example-org:app-1-0");
    /// app.add_object(ObjectDef::new("Device."))?;
    /// app.add_object(container())?;
    /// app.add_object(ObjectDef::new("Device.Container.{i}.App."))?;
    /// dm.set_instance_schema("Device.Container.1.", app);
    ///
    /// let gsdm = |path: &str| pb::Msg {
    ///     header: Some(pb::Header { msg_id: "g".into(), msg_type: 12 }),
    ///     body: Some(pb::Body { msg_body: Some(pb::body::MsgBody::Request(pb::Request {
    ///         req_type: Some(pb::request::ReqType::GetSupportedDm(pb::GetSupportedDm {
    ///             obj_paths: vec![path.into()], ..Default::default()
    ///         })),
    ///     })) }),
    /// };
    /// let results = |m: pb::Msg| match m.body.and_then(|b| b.msg_body) {
    ///     Some(pb::body::MsgBody::Response(pb::Response {
    ///         resp_type: Some(pb::response::RespType::GetSupportedDmResp(r)) })) => r.req_obj_results,
    ///     _ => panic!("not a GetSupportedDMResp"),
    /// };
    /// let engine = Engine::new(EngineConfig::default());
    /// // The host model lists the instances and stops there…
    /// let r = results(engine.handle(&mut dm, &gsdm("Device.")).expect("reply"));
    /// let c = &r[0].supported_objs[1];
    /// assert_eq!(c.supported_obj_path, "Device.Container.{i}.");
    /// assert_eq!(c.divergent_paths, ["Device.Container.1."]);
    /// assert_eq!(r[0].supported_objs.len(), 2);
    /// // …and the instance path gives that instance's model.
    /// let r = results(engine.handle(&mut dm, &gsdm("Device.Container.1.")).expect("reply"));
    /// assert_eq!(r[0].data_model_inst_uri, "urn:example-org:app-1-0");
    /// assert_eq!(r[0].supported_objs[1].supported_obj_path, "Device.Container.{i}.App.");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn set_instance_schema(&mut self, object: impl Into<String>, schema: Schema) {
        self.mounts.insert(object.into(), schema);
    }

    /// Forgets what [`MemoryDataModel::set_instance_schema`] recorded for `object`.
    pub fn remove_instance_schema(&mut self, object: &str) -> Option<Schema> {
        self.mounts.remove(object)
    }

    /// The schema.
    pub const fn schema_ref(&self) -> &Schema {
        &self.schema
    }

    /// Sets a value directly, without schema checks and outside the journal. For the Agent's
    /// own updates (status, counters).
    ///
    /// # Errors
    /// 7016 if the object does not exist.
    pub fn set_value(&mut self, object: &str, param: &str, value: &str) -> Result<(), DmError> {
        write_param(&self.schema, &mut self.root, object, param, Some(value)).ok_or_else(|| {
            DmError::new(
                code::OBJECT_DOES_NOT_EXIST,
                format!("{object} does not exist"),
            )
        })?;
        Ok(())
    }

    /// Adds `rows` rows to every table, recursively (rows of nested tables are added under
    /// every new row), with initial values and, for string unique-key parameters, distinct
    /// values (`cpe-N` for an Alias, `<Param>-N` otherwise). Stops early once the model holds
    /// `max_objects` objects. Meant for demos, tests and benchmarks over a full model such as
    /// TR-181; returns the number of rows added.
    ///
    /// ```
    /// use usp_datamodel::{DataModel, MemoryDataModel, ObjAccess, ObjectDef, Schema};
    ///
    /// let mut s = Schema::new("urn:example-org:demo-1-0");
    /// s.add_object(ObjectDef::new("Device."))?;
    /// s.add_object(ObjectDef::new("Device.T.{i}."))?;
    /// s.add_object(ObjectDef::new("Device.T.{i}.U.{i}."))?;
    /// let mut m = MemoryDataModel::new(s);
    /// assert_eq!(m.fill_tables(2, 1_000), 6);
    /// let mut v = Vec::new();
    /// m.instances("Device.T.2.U.", &mut v);
    /// assert_eq!(v, [1, 2]);
    /// # Ok::<(), usp_datamodel::SchemaError>(())
    /// ```
    pub fn fill_tables(&mut self, rows: u32, max_objects: usize) -> usize {
        let mut added = 0;
        let mut objects = self.object_count();
        let mut todo = Vec::new();
        for (name, slot) in &self.root {
            let mut p = format!("{name}.");
            tables_under(slot, &mut p, &mut todo);
        }
        todo.reverse();
        while let Some(table) = todo.pop() {
            let Some(id) = self.schema.id_for_path(&table) else {
                continue;
            };
            let keys: Vec<(String, bool)> = self
                .schema
                .get(id)
                .map(|o| {
                    o.params
                        .iter()
                        .filter(|(n, p)| {
                            o.key_role(n).is_some() && p.ty.base() == ValueType::String
                        })
                        .map(|(n, p)| (n.clone(), p.is_alias()))
                        .collect()
                })
                .unwrap_or_default();
            for _ in 0..rows {
                if objects >= max_objects {
                    return added;
                }
                let next = table_mut(&mut self.root, &table).map_or(1, |t| t.next);
                let mut init = BTreeMap::new();
                for (k, alias) in &keys {
                    let v = if *alias {
                        format!("cpe-{next}")
                    } else {
                        format!("{k}-{next}")
                    };
                    init.insert(k.clone(), v);
                }
                let Ok(n) = DataModel::add(self, &table, &init) else {
                    break;
                };
                added += 1;
                let row = row_path(&table, n);
                if let Some(nd) = node(&self.root, &row) {
                    let mut o = 0;
                    let mut v = 0;
                    count(&Slot::Obj(nd.clone()), &mut o, &mut v);
                    objects += o;
                    let mut p = row.clone();
                    let mut sub = Vec::new();
                    tables_under(&Slot::Obj(nd.clone()), &mut p, &mut sub);
                    sub.reverse();
                    todo.extend(sub);
                }
            }
        }
        added
    }

    /// Number of instantiated objects (single-instance objects and rows).
    pub fn object_count(&self) -> usize {
        let (mut o, mut v) = (0, 0);
        for s in self.root.values() {
            count(s, &mut o, &mut v);
        }
        o
    }

    /// Number of stored parameter values.
    pub fn value_count(&self) -> usize {
        let (mut o, mut v) = (0, 0);
        for s in self.root.values() {
            count(s, &mut o, &mut v);
        }
        v
    }

    /// Every parameter of every object as `(object, param, value)`, in a deterministic order;
    /// for tests and diagnostics.
    pub fn dump(&self) -> Vec<(String, String, String)> {
        let mut out = Vec::new();
        for (name, s) in &self.root {
            let mut p = format!("{name}.");
            dump_slot(s, &mut p, &mut out);
        }
        out
    }

    fn log(&mut self, u: Undo) {
        if let Some(j) = &mut self.journal {
            j.push(u);
        }
    }
}

fn row_path(table: &str, n: u32) -> String {
    let mut s = String::with_capacity(table.len() + 11);
    s.push_str(table);
    let _ = write!(s, "{n}.");
    s
}

impl DataModel for MemoryDataModel {
    fn schema(&self) -> &Schema {
        &self.schema
    }

    fn instances(&self, table: &str, out: &mut Vec<u32>) {
        if let Some(Slot::Tab(t)) = walk(&self.root, table) {
            out.extend(t.rows.keys().copied());
        }
    }

    fn has_instance(&self, table: &str, n: u32) -> bool {
        matches!(walk(&self.root, table), Some(Slot::Tab(t)) if t.rows.contains_key(&n))
    }

    fn has_instance_is_direct(&self) -> bool {
        true
    }

    fn get(&self, object: &str, param: &str) -> Option<Cow<'_, str>> {
        node(&self.root, object)
            .and_then(|o| o.params.get(param))
            .map(|s| Cow::Borrowed(s.as_str()))
    }

    /// Unique-key addresses (`[Alias=="x"]`, any unique key of the schema, functional or
    /// not) are answered from the table's index in O(log n): the constants are converted as
    /// the resolver would ([`check_constant`]) and looked up by canonical value, so every
    /// spelling of a typed value (`+1`, `01`; `1` for `true`) finds the row. `Found` only when
    /// exactly one row holds the key (checked against the expression again); when several do
    /// (a functional key need only be unique among enabled rows, TR-106) the answer is
    /// [`KeyLookup::NotIndexed`], and the resolver scans and evaluates every row.
    fn find_by_key(&self, table: &str, key: &Expression<'_>) -> KeyLookup {
        let Some(def) = self.schema.object_for_path(table) else {
            return KeyLookup::NotIndexed;
        };
        let found = def.unique_keys.iter().enumerate().find(|(_, k)| {
            let names: Vec<&str> = k.params.iter().map(String::as_str).collect();
            key.addresses_key(&names)
        });
        let Some((ki, uk)) = found else {
            return KeyLookup::NotIndexed;
        };
        let mut comps = Vec::with_capacity(key.components().len());
        for c in key.components() {
            let Some(name) = c.param().as_simple() else {
                return KeyLookup::NotIndexed;
            };
            let Some(p) = def
                .params
                .get(name.as_str())
                .filter(|p| p.access.is_readable())
            else {
                return KeyLookup::NotIndexed;
            };
            // A constant of the wrong type: let the resolver report it.
            let Ok(tc) = check_constant(p.ty, c.operator(), c.value()) else {
                return KeyLookup::NotIndexed;
            };
            comps.push((name.as_str(), tc));
        }
        let mut want = Vec::with_capacity(uk.params.len());
        for kp in &uk.params {
            let Some((_, tc)) = comps.iter().find(|(n, _)| *n == kp.as_str()) else {
                return KeyLookup::NotIndexed;
            };
            want.push(canonical_constant(tc));
        }
        let Some(Slot::Tab(t)) = walk(&self.root, table) else {
            return KeyLookup::Missing;
        };
        let Some(ix) = t.keys.get(ki) else {
            // No row has ever had a valid value for this key.
            return KeyLookup::Missing;
        };
        let mut hits = ix
            .range((want.clone(), 0)..=(want, u32::MAX))
            .map(|(_, n)| *n);
        let n = match (hits.next(), hits.next()) {
            (None, _) => return KeyLookup::Missing,
            (Some(n), None) => n,
            // Several rows hold the key: the resolver scans and evaluates them all.
            (Some(_), Some(_)) => return KeyLookup::NotIndexed,
        };
        // The index and the typed comparison agree by construction; check anyway, so a
        // mismatch can only cost a scan.
        let hit = t.rows.get(&n).is_some_and(|row| {
            comps.iter().all(|(name, tc)| {
                row.params
                    .get(*name)
                    .is_some_and(|v| tc.matches(v).unwrap_or(false))
            })
        });
        if hit {
            KeyLookup::Found(n)
        } else {
            KeyLookup::NotIndexed
        }
    }

    fn for_each_value(&self, object: &str, f: &mut dyn FnMut(&str, &str)) -> bool {
        if let Some(n) = node(&self.root, object) {
            for (k, v) in &n.params {
                f(k, v);
            }
        }
        true
    }

    fn set(&mut self, object: &str, param: &str, value: &str) -> Result<(), DmError> {
        let old = write_param(&self.schema, &mut self.root, object, param, Some(value))
            .ok_or_else(|| {
                DmError::new(
                    code::OBJECT_DOES_NOT_EXIST,
                    format!("{object} does not exist"),
                )
            })?;
        self.log(Undo::Set {
            object: String::from(object),
            param: String::from(param),
            old,
        });
        Ok(())
    }

    fn add(&mut self, table: &str, init: &BTreeMap<String, String>) -> Result<u32, DmError> {
        let id = self
            .schema
            .id_for_path(table)
            .filter(|&i| self.schema.get(i).is_some_and(|o| o.is_multi_instance()))
            .ok_or_else(|| {
                DmError::new(code::OBJECT_NOT_CREATED, format!("{table} is not a table"))
            })?;
        let t = table_mut(&mut self.root, table).ok_or_else(|| {
            DmError::new(
                code::OBJECT_NOT_CREATED,
                format!("the object holding {table} does not exist"),
            )
        })?;
        let n = t.next.max(1);
        let prev_next = t.next;
        t.next = n
            .checked_add(1)
            .ok_or_else(|| DmError::new(code::OBJECT_NOT_CREATED, "instance numbers exhausted"))?;
        let node = instantiate(&self.schema, id, init, "");
        t.rows.insert(n, node);
        if let Some(def) = self.schema.get(id) {
            t.reindex(def, n, true, None);
        }
        self.log(Undo::Add {
            table: String::from(table),
            n,
            prev_next,
        });
        Ok(n)
    }

    fn delete(&mut self, object: &str) -> Result<(), DmError> {
        let (table, n) = split_row(object)
            .ok_or_else(|| DmError::new(code::DELETE_FAILURE, format!("{object} is not a row")))?;
        let def = keyed_table(&self.schema, table);
        let removed = table_mut(&mut self.root, table).and_then(|t| {
            if let Some(def) = def {
                t.reindex(def, n, false, None);
            }
            t.rows.remove(&n)
        });
        let Some(node) = removed else {
            return Err(DmError::new(
                code::OBJECT_DOES_NOT_EXIST,
                format!("{object} does not exist"),
            ));
        };
        self.log(Undo::Delete {
            table: String::from(table),
            n,
            node,
        });
        Ok(())
    }

    fn written_once(&self, object: &str, param: &str) -> Option<bool> {
        node(&self.root, object).map(|n| n.written.contains(param))
    }

    fn mark_written_once(&mut self, object: &str, param: &str) {
        let Some(o) = node_mut(&mut self.root, object) else {
            return;
        };
        if o.written.insert(String::from(param)) {
            self.log(Undo::Written {
                object: String::from(object),
                param: String::from(param),
            });
        }
    }

    fn instance_schema(&self, object: &str) -> Option<&Schema> {
        let (table, n) = split_row(object)?;
        if !self.has_instance(table, n) {
            return None;
        }
        self.mounts.get(object)
    }

    fn begin(&mut self) {
        self.journal = Some(Vec::new());
    }

    fn commit(&mut self) {
        self.journal = None;
    }

    fn rollback(&mut self) -> bool {
        let Some(j) = self.journal.take() else {
            return true;
        };
        let schema = &self.schema;
        for u in j.into_iter().rev() {
            match u {
                Undo::Set { object, param, old } => {
                    write_param(schema, &mut self.root, &object, &param, old.as_deref());
                }
                Undo::Add {
                    table,
                    n,
                    prev_next,
                } => {
                    let def = keyed_table(schema, &table);
                    if let Some(t) = table_mut(&mut self.root, &table) {
                        if let Some(def) = def {
                            t.reindex(def, n, false, None);
                        }
                        t.rows.remove(&n);
                        t.next = prev_next;
                    }
                }
                Undo::Delete { table, n, node } => {
                    let def = keyed_table(schema, &table);
                    if let Some(t) = table_mut(&mut self.root, &table) {
                        // The row comes back with its sub-tables and their indexes as they
                        // were when it was deleted.
                        t.rows.insert(n, node);
                        if let Some(def) = def {
                            t.reindex(def, n, true, None);
                        }
                    }
                }
                Undo::Written { object, param } => {
                    if let Some(o) = node_mut(&mut self.root, &object) {
                        o.written.remove(&param);
                    }
                }
            }
        }
        true
    }
}

/// Splits `Device.IP.Interface.3.` into (`Device.IP.Interface.`, 3).
pub(crate) fn split_row(object: &str) -> Option<(&str, u32)> {
    let body = object.strip_suffix('.')?;
    let cut = body.rfind('.')?;
    let n: u32 = body.get(cut + 1..)?.parse().ok()?;
    if n == 0 {
        return None;
    }
    Some((body.get(..=cut)?, n))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::{ObjAccess, ParamDef};

    fn schema() -> Schema {
        let mut s = Schema::new("urn:t");
        let _ = s.add_object(ObjectDef::new("Device."));
        let _ = s.add_object(
            ObjectDef::new("Device.T.{i}.")
                .with_access(ObjAccess::AddDelete)
                .with_param(ParamDef::new("A", ValueType::UnsignedInt).with_default("5")),
        );
        let _ = s.add_object(
            ObjectDef::new("Device.T.{i}.S.").with_param(ParamDef::new("B", ValueType::String)),
        );
        let _ =
            s.add_object(ObjectDef::new("Device.T.{i}.U.{i}.").with_access(ObjAccess::AddDelete));
        s
    }

    #[test]
    fn written_once_marks_roll_back_and_go_with_their_row() {
        let mut m = MemoryDataModel::new(schema());
        assert_eq!(m.add("Device.T.", &BTreeMap::new()), Ok(1));
        assert_eq!(m.written_once("Device.T.1.", "A"), Some(false));
        assert_eq!(m.written_once("Device.T.9.", "A"), None);
        m.begin();
        m.mark_written_once("Device.T.1.", "A");
        assert_eq!(m.written_once("Device.T.1.", "A"), Some(true));
        assert!(m.rollback());
        assert_eq!(m.written_once("Device.T.1.", "A"), Some(false));
        m.begin();
        m.mark_written_once("Device.T.1.", "A");
        m.commit();
        assert_eq!(m.written_once("Device.T.1.", "A"), Some(true));
        m.begin();
        assert_eq!(m.delete("Device.T.1."), Ok(()));
        assert_eq!(m.written_once("Device.T.1.", "A"), None);
        assert!(m.rollback());
        assert_eq!(
            m.written_once("Device.T.1.", "A"),
            Some(true),
            "restored with the row"
        );
    }

    /// `Device.K.{i}.` with an Alias key and a functional (`Port`, `On`) key gated by
    /// `Enable`; `Device.K.{i}.C.{i}.` keyed by `Name`.
    fn keyed() -> Schema {
        let mut s = Schema::new("urn:k");
        let _ = s.add_object(ObjectDef::new("Device."));
        let mut k = ObjectDef::new("Device.K.{i}.")
            .with_access(ObjAccess::AddDelete)
            .with_param(ParamDef::new("Alias", ValueType::String))
            .with_param(ParamDef::new("Enable", ValueType::Boolean))
            .with_param(ParamDef::new("Port", ValueType::UnsignedInt))
            .with_param(ParamDef::new("On", ValueType::Boolean))
            .with_unique_key(UniqueKey::new(["Alias"]))
            .with_unique_key(UniqueKey::new(["Port", "On"]).functional());
        k.enable_param = Some(String::from("Enable"));
        let _ = s.add_object(k);
        let _ = s.add_object(
            ObjectDef::new("Device.K.{i}.C.{i}.")
                .with_access(ObjAccess::AddDelete)
                .with_param(ParamDef::new("Name", ValueType::String))
                .with_unique_key(UniqueKey::new(["Name"])),
        );
        s
    }

    fn init(kv: &[(&str, &str)]) -> BTreeMap<String, String> {
        kv.iter()
            .map(|(k, v)| (String::from(*k), String::from(*v)))
            .collect()
    }

    /// `find_by_key` for `[expr]` on `table`.
    fn lookup(m: &MemoryDataModel, table: &str, expr: &str) -> KeyLookup {
        let path = format!("{table}[{expr}].");
        let p = usp_path::Path::parse(&path).expect("path");
        let Some(usp_path::Segment::Instance(usp_path::Instance::Expression(e))) =
            p.segments().last()
        else {
            panic!("no expression in {path}")
        };
        m.find_by_key(table, e)
    }

    #[test]
    fn key_index_answers_every_typed_spelling() {
        let mut m = MemoryDataModel::new(keyed());
        // Stored as given (not canonical): `+0080`, `1`.
        let r = init(&[("Alias", "a"), ("Port", "+0080"), ("On", "1")]);
        assert_eq!(m.add("Device.K.", &r), Ok(1));
        let r = init(&[("Alias", "b"), ("Port", "81"), ("On", "false")]);
        assert_eq!(m.add("Device.K.", &r), Ok(2));
        for e in [
            "Port==80&&On==true",
            "On==1&&Port==080",
            "Port==+80&&On==true",
        ] {
            assert_eq!(lookup(&m, "Device.K.", e), KeyLookup::Found(1), "{e}");
        }
        assert_eq!(
            lookup(&m, "Device.K.", "Port==81&&On==0"),
            KeyLookup::Found(2)
        );
        assert_eq!(
            lookup(&m, "Device.K.", "Port==80&&On==false"),
            KeyLookup::Missing
        );
        assert_eq!(
            lookup(&m, "Device.K.", r#"Alias=="b""#),
            KeyLookup::Found(2)
        );
        // Strings compare exactly.
        assert_eq!(lookup(&m, "Device.K.", r#"Alias=="B""#), KeyLookup::Missing);
        // Not a whole key, or a constant of the wrong type: the resolver scans (and reports).
        assert_eq!(lookup(&m, "Device.K.", "Port==80"), KeyLookup::NotIndexed);
        assert_eq!(
            lookup(&m, "Device.K.", r#"Port=="80"&&On==true"#),
            KeyLookup::NotIndexed
        );
        // An invalid stored value (integrator write) matches nothing.
        assert_eq!(m.set_value("Device.K.2.", "Port", "x"), Ok(()));
        assert_eq!(
            lookup(&m, "Device.K.", "Port==81&&On==0"),
            KeyLookup::Missing
        );
        assert_eq!(m.set_value("Device.K.2.", "Port", "0081"), Ok(()));
        assert_eq!(
            lookup(&m, "Device.K.", "Port==81&&On==0"),
            KeyLookup::Found(2)
        );
    }

    /// TR-106: a functional key of a table with an Enable parameter need only be unique
    /// among enabled rows, so a disabled row may share it; then the index does not pick one.
    #[test]
    fn key_index_leaves_shared_functional_keys_to_the_scan() {
        let mut m = MemoryDataModel::new(keyed());
        let on = init(&[("Enable", "true"), ("Port", "1"), ("On", "true")]);
        let off = init(&[("Enable", "false"), ("Port", "1"), ("On", "1")]);
        assert_eq!(m.add("Device.K.", &on), Ok(1));
        assert_eq!(m.add("Device.K.", &off), Ok(2));
        let key = "Port==1&&On==true";
        assert_eq!(lookup(&m, "Device.K.", key), KeyLookup::NotIndexed);
        m.begin();
        assert_eq!(m.set("Device.K.2.", "Port", "2"), Ok(()));
        assert_eq!(lookup(&m, "Device.K.", key), KeyLookup::Found(1));
        assert_eq!(
            lookup(&m, "Device.K.", "Port==2&&On==true"),
            KeyLookup::Found(2)
        );
        assert!(m.rollback());
        assert_eq!(lookup(&m, "Device.K.", key), KeyLookup::NotIndexed);
        assert_eq!(
            lookup(&m, "Device.K.", "Port==2&&On==true"),
            KeyLookup::Missing
        );
        m.begin();
        assert_eq!(m.delete("Device.K.1."), Ok(()));
        assert_eq!(lookup(&m, "Device.K.", key), KeyLookup::Found(2));
        assert!(m.rollback());
        assert_eq!(lookup(&m, "Device.K.", key), KeyLookup::NotIndexed);
    }

    #[test]
    fn key_index_follows_adds_deletes_and_rollback_of_nested_tables() {
        let mut m = MemoryDataModel::new(keyed());
        assert_eq!(m.add("Device.K.", &init(&[("Alias", "a")])), Ok(1));
        assert_eq!(m.add("Device.K.1.C.", &init(&[("Name", "x")])), Ok(1));
        assert_eq!(m.add("Device.K.1.C.", &init(&[("Name", "y")])), Ok(2));
        assert_eq!(
            lookup(&m, "Device.K.1.C.", r#"Name=="y""#),
            KeyLookup::Found(2)
        );
        m.begin();
        assert_eq!(m.set("Device.K.1.C.2.", "Name", "z"), Ok(()));
        assert_eq!(m.add("Device.K.1.C.", &init(&[("Name", "y")])), Ok(3));
        assert_eq!(
            lookup(&m, "Device.K.1.C.", r#"Name=="y""#),
            KeyLookup::Found(3)
        );
        assert_eq!(m.delete("Device.K.1."), Ok(()));
        assert_eq!(
            lookup(&m, "Device.K.1.C.", r#"Name=="y""#),
            KeyLookup::Missing
        );
        assert_eq!(lookup(&m, "Device.K.", r#"Alias=="a""#), KeyLookup::Missing);
        assert_eq!(m.add("Device.K.", &init(&[("Alias", "a")])), Ok(2));
        assert_eq!(
            lookup(&m, "Device.K.", r#"Alias=="a""#),
            KeyLookup::Found(2)
        );
        assert!(m.rollback());
        assert_eq!(
            lookup(&m, "Device.K.", r#"Alias=="a""#),
            KeyLookup::Found(1)
        );
        assert_eq!(
            lookup(&m, "Device.K.1.C.", r#"Name=="y""#),
            KeyLookup::Found(2)
        );
        assert_eq!(
            lookup(&m, "Device.K.1.C.", r#"Name=="z""#),
            KeyLookup::Missing
        );
        assert_eq!(
            lookup(&m, "Device.K.9.C.", r#"Name=="y""#),
            KeyLookup::Missing
        );
    }

    #[test]
    fn split_rows() {
        assert_eq!(split_row("Device.T.3."), Some(("Device.T.", 3)));
        assert_eq!(split_row("Device.T."), None);
        assert_eq!(split_row("Device.T.0."), None);
    }

    #[test]
    fn r_arc_8_numbers_not_reused_and_rollback_restores_everything() {
        let mut m = MemoryDataModel::new(schema());
        let mut init = BTreeMap::new();
        init.insert(String::from("S.B"), String::from("x"));
        assert_eq!(m.add("Device.T.", &init), Ok(1));
        assert_eq!(m.get("Device.T.1.", "A").as_deref(), Some("5"));
        assert_eq!(m.get("Device.T.1.S.", "B").as_deref(), Some("x"));
        assert_eq!(m.add("Device.T.1.U.", &BTreeMap::new()), Ok(1));
        let before = m.dump();
        m.begin();
        assert_eq!(m.delete("Device.T.1."), Ok(()));
        assert_eq!(m.get("Device.T.1.S.", "B"), None);
        assert_eq!(m.add("Device.T.", &BTreeMap::new()), Ok(2));
        assert!(m.rollback());
        assert_eq!(m.dump(), before);
        assert!(m.has_instance("Device.T.1.U.", 1));
        // Numbers are not reused after a committed delete.
        m.begin();
        assert_eq!(m.delete("Device.T.1."), Ok(()));
        m.commit();
        assert_eq!(m.add("Device.T.", &BTreeMap::new()), Ok(2));
        assert_eq!(
            m.delete("Device.T.9.").map_err(|e| e.code()),
            Err(code::OBJECT_DOES_NOT_EXIST)
        );
    }
}
