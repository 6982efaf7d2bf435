//! [`MemoryDataModel`]: a ready in-memory [`DataModel`].
//!
//! Storage is a tree mirroring the paths: objects hold parameters and child slots, a table
//! slot holds rows by instance number. A lookup walks one small map per path segment, which
//! keeps Get and searches over large tables fast without hashing (no_std).

use alloc::borrow::Cow;
use alloc::collections::{BTreeMap, BTreeSet};
use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;
use core::fmt::Write as _;

use crate::code;
use crate::error::DmError;
use crate::model::DataModel;
use crate::schema::{ObjId, Schema};
use usp_path::Expression;
use usp_path::resolve::KeyLookup;
use usp_path::value::check_constant;

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
}

impl Table {
    const fn new() -> Self {
        Self {
            rows: BTreeMap::new(),
            next: 1,
        }
    }
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
        let o = node_mut(&mut self.root, object).ok_or_else(|| {
            DmError::new(
                code::OBJECT_DOES_NOT_EXIST,
                format!("{object} does not exist"),
            )
        })?;
        o.params.insert(String::from(param), String::from(value));
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
                            o.key_role(n).is_some()
                                && p.ty.base() == usp_path::value::ValueType::String
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

    /// Unique-key addresses (`[Alias=="x"]`) are answered by one pass over the table's rows,
    /// comparing stored values directly (typed, as the resolver would).
    fn find_by_key(&self, table: &str, key: &Expression<'_>) -> KeyLookup {
        let Some(def) = self.schema.object_for_path(table) else {
            return KeyLookup::NotIndexed;
        };
        let is_key = def.unique_keys.iter().any(|k| {
            let names: Vec<&str> = k.params.iter().map(String::as_str).collect();
            key.addresses_key(&names)
        });
        if !is_key {
            return KeyLookup::NotIndexed;
        }
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
        let Some(Slot::Tab(t)) = walk(&self.root, table) else {
            return KeyLookup::Missing;
        };
        for (n, row) in &t.rows {
            let hit = comps.iter().all(|(name, tc)| {
                row.params
                    .get(*name)
                    .is_some_and(|v| tc.matches(v).unwrap_or(false))
            });
            if hit {
                return KeyLookup::Found(*n);
            }
        }
        KeyLookup::Missing
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
        let o = node_mut(&mut self.root, object).ok_or_else(|| {
            DmError::new(
                code::OBJECT_DOES_NOT_EXIST,
                format!("{object} does not exist"),
            )
        })?;
        let old = o.params.insert(String::from(param), String::from(value));
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
        let removed = table_mut(&mut self.root, table).and_then(|t| t.rows.remove(&n));
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
        for u in j.into_iter().rev() {
            match u {
                Undo::Set { object, param, old } => {
                    if let Some(o) = node_mut(&mut self.root, &object) {
                        match old {
                            Some(v) => {
                                o.params.insert(param, v);
                            }
                            None => {
                                o.params.remove(&param);
                            }
                        }
                    }
                }
                Undo::Add {
                    table,
                    n,
                    prev_next,
                } => {
                    if let Some(t) = table_mut(&mut self.root, &table) {
                        t.rows.remove(&n);
                        t.next = prev_next;
                    }
                }
                Undo::Delete { table, n, node } => {
                    if let Some(t) = table_mut(&mut self.root, &table) {
                        t.rows.insert(n, node);
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
    use crate::schema::{ObjAccess, ObjectDef, ParamDef};
    use usp_path::value::ValueType;

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
