//! [`MemoryDataModel`]: a ready in-memory [`DataModel`].

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

#[derive(Clone, Debug, Default, PartialEq, Eq)]
struct Table {
    rows: BTreeSet<u32>,
    /// The next instance number; numbers are never reused while the model lives (R-ARC.8).
    next: u32,
}

/// Objects and tables removed with a row, kept for rollback.
type Subtree = (
    Vec<(String, BTreeMap<String, String>)>,
    Vec<(String, Table)>,
);

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
        objects: Vec<(String, BTreeMap<String, String>)>,
        tables: Vec<(String, Table)>,
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
    objects: BTreeMap<String, BTreeMap<String, String>>,
    tables: BTreeMap<String, Table>,
    journal: Option<Vec<Undo>>,
}

impl MemoryDataModel {
    /// A model over `schema` with every single-instance object outside tables instantiated.
    pub fn new(schema: Schema) -> Self {
        let mut m = Self {
            schema,
            objects: BTreeMap::new(),
            tables: BTreeMap::new(),
            journal: None,
        };
        let roots: Vec<ObjId> = m.schema.roots().to_vec();
        for r in roots {
            let path = m.schema.get(r).map(|o| String::from(o.path()));
            if let Some(path) = path {
                if !path.ends_with("{i}.") {
                    m.instantiate(r, path, &BTreeMap::new(), "");
                }
            }
        }
        m
    }

    /// The schema.
    pub const fn schema_ref(&self) -> &Schema {
        &self.schema
    }

    /// Creates object `id` at concrete path `path` and its single-instance sub-objects,
    /// taking values from `init` (keys relative to `rel`'s base) or the initial values.
    fn instantiate(&mut self, id: ObjId, path: String, init: &BTreeMap<String, String>, rel: &str) {
        let Some(def) = self.schema.get(id) else {
            return;
        };
        let mut params = BTreeMap::new();
        let mut key = String::new();
        for (name, p) in &def.params {
            key.clear();
            key.push_str(rel);
            key.push_str(name);
            let v = init.get(&key).cloned().unwrap_or_else(|| p.initial_value());
            params.insert(name.clone(), v);
        }
        let children: Vec<(ObjId, String, bool)> = self
            .schema
            .children(id)
            .iter()
            .filter_map(|&c| {
                let d = self.schema.get(c)?;
                Some((c, String::from(d.name()), d.is_multi_instance()))
            })
            .collect();
        for (c, name, multi) in children {
            let mut cp = path.clone();
            cp.push_str(&name);
            cp.push('.');
            if multi {
                self.tables.entry(cp).or_insert(Table {
                    rows: BTreeSet::new(),
                    next: 1,
                });
            } else {
                let mut crel = String::from(rel);
                crel.push_str(&name);
                crel.push('.');
                self.instantiate(c, cp, init, &crel);
            }
        }
        self.objects.insert(path, params);
    }

    /// Sets a value directly, without schema checks and outside the journal. For the Agent's
    /// own updates (status, counters).
    ///
    /// # Errors
    /// 7016 if the object does not exist.
    pub fn set_value(&mut self, object: &str, param: &str, value: &str) -> Result<(), DmError> {
        let o = self.objects.get_mut(object).ok_or_else(|| {
            DmError::new(
                code::OBJECT_DOES_NOT_EXIST,
                format!("{object} does not exist"),
            )
        })?;
        o.insert(String::from(param), String::from(value));
        Ok(())
    }

    /// Number of instantiated objects (single-instance objects and rows).
    pub fn object_count(&self) -> usize {
        self.objects.len()
    }

    /// Number of stored parameter values.
    pub fn value_count(&self) -> usize {
        self.objects.values().map(BTreeMap::len).sum()
    }

    /// Every parameter of every object as `(object, param, value)`, in path order; for tests
    /// and diagnostics.
    pub fn dump(&self) -> Vec<(String, String, String)> {
        let mut v = Vec::new();
        for (o, ps) in &self.objects {
            for (p, x) in ps {
                v.push((o.clone(), p.clone(), x.clone()));
            }
        }
        v
    }

    fn log(&mut self, u: Undo) {
        if let Some(j) = &mut self.journal {
            j.push(u);
        }
    }

    fn remove_subtree(&mut self, prefix: &str) -> Subtree {
        let okeys: Vec<String> = self
            .objects
            .range::<str, _>((
                core::ops::Bound::Included(prefix),
                core::ops::Bound::Unbounded,
            ))
            .take_while(|(k, _)| k.starts_with(prefix))
            .map(|(k, _)| k.clone())
            .collect();
        let tkeys: Vec<String> = self
            .tables
            .range::<str, _>((
                core::ops::Bound::Included(prefix),
                core::ops::Bound::Unbounded,
            ))
            .take_while(|(k, _)| k.starts_with(prefix))
            .map(|(k, _)| k.clone())
            .collect();
        let objs = okeys
            .into_iter()
            .filter_map(|k| self.objects.remove(&k).map(|v| (k, v)))
            .collect();
        let tabs = tkeys
            .into_iter()
            .filter_map(|k| self.tables.remove(&k).map(|v| (k, v)))
            .collect();
        (objs, tabs)
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
        if let Some(t) = self.tables.get(table) {
            out.extend(t.rows.iter().copied());
        }
    }

    fn has_instance(&self, table: &str, n: u32) -> bool {
        self.tables.get(table).is_some_and(|t| t.rows.contains(&n))
    }

    fn get(&self, object: &str, param: &str) -> Option<Cow<'_, str>> {
        self.objects
            .get(object)
            .and_then(|o| o.get(param))
            .map(|s| Cow::Borrowed(s.as_str()))
    }

    fn set(&mut self, object: &str, param: &str, value: &str) -> Result<(), DmError> {
        let o = self.objects.get_mut(object).ok_or_else(|| {
            DmError::new(
                code::OBJECT_DOES_NOT_EXIST,
                format!("{object} does not exist"),
            )
        })?;
        let old = o.insert(String::from(param), String::from(value));
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
        let t = self.tables.get_mut(table).ok_or_else(|| {
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
        t.rows.insert(n);
        self.instantiate(id, row_path(table, n), init, "");
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
        let present = self.tables.get(table).is_some_and(|t| t.rows.contains(&n));
        if !present {
            return Err(DmError::new(
                code::OBJECT_DOES_NOT_EXIST,
                format!("{object} does not exist"),
            ));
        }
        let table = String::from(table);
        if let Some(t) = self.tables.get_mut(&table) {
            t.rows.remove(&n);
        }
        let (objects, tables) = self.remove_subtree(object);
        self.log(Undo::Delete {
            table,
            n,
            objects,
            tables,
        });
        Ok(())
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
                    if let Some(o) = self.objects.get_mut(&object) {
                        match old {
                            Some(v) => {
                                o.insert(param, v);
                            }
                            None => {
                                o.remove(&param);
                            }
                        }
                    }
                }
                Undo::Add {
                    table,
                    n,
                    prev_next,
                } => {
                    let row = row_path(&table, n);
                    let _ = self.remove_subtree(&row);
                    if let Some(t) = self.tables.get_mut(&table) {
                        t.rows.remove(&n);
                        t.next = prev_next;
                    }
                }
                Undo::Delete {
                    table,
                    n,
                    objects,
                    tables,
                } => {
                    self.objects.extend(objects);
                    self.tables.extend(tables);
                    if let Some(t) = self.tables.get_mut(&table) {
                        t.rows.insert(n);
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
