//! The trait an integrator implements: the Instantiated Data Model over a [`Schema`].

use alloc::borrow::Cow;
use alloc::collections::BTreeMap;
use alloc::string::String;
use alloc::vec::Vec;

use usp_path::Expression;
use usp_path::resolve::KeyLookup;

use crate::error::DmError;
use crate::schema::Schema;

/// An Agent's data model: the Supported Data Model ([`DataModel::schema`]) and the
/// Instantiated Data Model (rows and parameter values), with transaction hooks.
///
/// Paths passed in are concrete, use instance numbers and end in `.`: `Device.IP.Interface.`
/// for a table, `Device.IP.Interface.3.` for a row, `Device.IP.Interface.3.Stats.` for a
/// single-instance object inside it. The engine has already checked them against the schema,
/// checked and canonicalised values ([`crate::ParamDef::check_value`]), checked access and
/// unique keys, so an implementation only stores and reports.
///
/// # Transactions
///
/// The engine calls [`begin`](DataModel::begin) before the first change of a Set, Add or
/// Delete message and [`commit`](DataModel::commit) after the last. When a message with
/// `allow_partial = false` fails, it calls [`rollback`](DataModel::rollback): return `true`
/// if the model undid everything since `begin`. The default returns `false`, and the engine
/// then undoes with its own journal: it sets changed parameters back to their old values and
/// deletes the rows it added.
///
/// A deleted row cannot be brought back through this trait (re-adding it would give it a new
/// instance number, R-ARC.8), so for a Delete with `allow_partial = false` the engine first
/// asks [`check_delete`](DataModel::check_delete) about every row it is going to delete, and
/// deletes nothing if one is refused. A model without native rollback gets an atomic Delete
/// exactly when its `check_delete` predicts every refusal of its
/// [`delete`](DataModel::delete). If `delete` still refuses a row after `check_delete`
/// accepted it, the engine answers with an Error whose `err_msg` says how many rows of the
/// message were already deleted and could not be restored.
///
/// # Example
///
/// [`crate::MemoryDataModel`] implements this trait. A simple read-only model implements
/// three methods; the defaults refuse changes with the right USP codes:
///
/// ```
/// use std::borrow::Cow;
/// use usp_datamodel::{DataModel, ObjectDef, ParamDef, Schema};
/// use usp_path::value::ValueType;
///
/// struct Info(Schema);
/// impl DataModel for Info {
///     fn schema(&self) -> &Schema { &self.0 }
///     fn instances(&self, _table: &str, _out: &mut Vec<u32>) {}
///     fn get(&self, object: &str, param: &str) -> Option<Cow<'_, str>> {
///         (object == "Device.DeviceInfo." && param == "SoftwareVersion").then(|| "1.0".into())
///     }
/// }
///
/// let mut s = Schema::new("urn:example-org:info-1-0");
/// s.add_object(ObjectDef::new("Device."))?;
/// s.add_object(ObjectDef::new("Device.DeviceInfo.").with_param(ParamDef::new("SoftwareVersion", ValueType::String)))?;
/// let mut m = Info(s);
/// assert_eq!(m.get("Device.DeviceInfo.", "SoftwareVersion").as_deref(), Some("1.0"));
/// assert_eq!(m.set("Device.DeviceInfo.", "SoftwareVersion", "2").unwrap_err().code(), 7009);
/// # Ok::<(), usp_datamodel::SchemaError>(())
/// ```
pub trait DataModel {
    /// The Supported Data Model.
    fn schema(&self) -> &Schema;

    /// Appends the instance numbers of table `table` (`Device.IP.Interface.`) to `out`, in a
    /// stable order (ascending is usual). Appends nothing if the table or its parent row does
    /// not exist.
    fn instances(&self, table: &str, out: &mut Vec<u32>);

    /// Whether row `n` of `table` exists. Override when a direct lookup is cheaper than
    /// [`DataModel::instances`].
    fn has_instance(&self, table: &str, n: u32) -> bool {
        let mut v = Vec::new();
        self.instances(table, &mut v);
        v.contains(&n)
    }

    /// Whether [`DataModel::has_instance`] is a direct lookup rather than the default scan of
    /// [`DataModel::instances`]. The default, `false`, makes path resolution list the table
    /// itself and count one unit of work per row, so its work limit bounds the real cost.
    /// Return `true` when you override `has_instance` with a direct lookup.
    fn has_instance_is_direct(&self) -> bool {
        false
    }

    /// The value of parameter `param` of object `object` in TR-106 string form, or `None` if
    /// the object or parameter does not exist.
    fn get(&self, object: &str, param: &str) -> Option<Cow<'_, str>>;

    /// Calls `f(name, value)` for every parameter value of `object` and returns `true`, or
    /// returns `false` (the default) if the model has no bulk read; the engine then calls
    /// [`DataModel::get`] for each parameter of the schema. Get over large subtrees uses this,
    /// so implement it when reading a whole object at once is cheaper.
    fn for_each_value(&self, object: &str, f: &mut dyn FnMut(&str, &str)) -> bool {
        let _ = (object, f);
        false
    }

    /// Sets parameter `param` of `object` to `value` (already checked and canonical).
    ///
    /// The default refuses with 7009, for read-only models.
    ///
    /// # Errors
    /// A [`DmError`] with the USP code to report, typically 7009 (Parameter action failed) or
    /// 7014 (Value conflict).
    fn set(&mut self, object: &str, param: &str, value: &str) -> Result<(), DmError> {
        let _ = value;
        Err(DmError::new(
            crate::code::PARAMETER_ACTION_FAILED,
            alloc::format!("{object}{param} cannot be changed in this data model"),
        ))
    }

    /// Creates a row in `table` and returns its instance number. `init` holds the initial
    /// values of parameters of the row and of its single-instance sub-objects, keyed by
    /// relative path (`Alias`, `Stats.X`): those the Controller gave, the schema defaults and
    /// Agent-assigned keys, all checked. Parameters absent from `init` start with a value of
    /// the implementation's choice. Instance numbers must never be reused for a table while
    /// the Agent runs (R-ARC.8).
    ///
    /// The default refuses with 7017, for models with fixed rows.
    ///
    /// # Errors
    /// A [`DmError`], typically 7017 (Object could not be created).
    fn add(&mut self, table: &str, init: &BTreeMap<String, String>) -> Result<u32, DmError> {
        let _ = init;
        Err(DmError::new(
            crate::code::OBJECT_NOT_CREATED,
            alloc::format!("rows cannot be added to {table} in this data model"),
        ))
    }

    /// Deletes row `object` (`Device.IP.Interface.3.`) with everything below it.
    ///
    /// The default refuses with 7024, for models with fixed rows.
    ///
    /// # Errors
    /// A [`DmError`], typically 7024 (Delete failure).
    fn delete(&mut self, object: &str) -> Result<(), DmError> {
        Err(DmError::new(
            crate::code::DELETE_FAILURE,
            alloc::format!("{object} cannot be deleted in this data model"),
        ))
    }

    /// Whether [`DataModel::delete`] would delete row `object` now: `Err` with the refusal it
    /// would give. Called for every row of a Delete with `allow_partial = false` before any
    /// row is deleted, so that a refusal leaves everything in place even without native
    /// rollback (see "Transactions" above). The default accepts every row; a model whose
    /// `delete` can refuse and that does not implement [`DataModel::rollback`] should
    /// implement this with the same rules.
    ///
    /// # Errors
    /// The [`DmError`] [`DataModel::delete`] would return, typically 7024 (Delete failure).
    fn check_delete(&self, object: &str) -> Result<(), DmError> {
        let _ = object;
        Ok(())
    }

    /// Whether `writeOnceReadOnly` parameter `param` of `object` has already been written by
    /// a Controller (by an Add that gave it, or a Set): `Some(true)` or `Some(false)` if the
    /// model tracks it ([`DataModel::mark_written_once`]), `None` (the default) if not.
    ///
    /// With `None` the engine can only guess: it treats the parameter as not yet written while
    /// its value equals the schema's initial value ([`crate::ParamDef::initial_value`]), so a
    /// Controller writing that very value, or an Agent-assigned value, fools it. Implement
    /// both methods for the exact rule (messages.md, "writeOnceReadOnly Parameter Access": set
    /// only once by a Controller; an Add that gives the value counts as that write).
    fn written_once(&self, object: &str, param: &str) -> Option<bool> {
        let _ = (object, param);
        None
    }

    /// Records that a Controller wrote `writeOnceReadOnly` parameter `param` of `object`.
    /// The engine calls it when a Set or Add that wrote the parameter succeeds, just before
    /// [`DataModel::commit`] (never for writes that were undone). The default does nothing.
    fn mark_written_once(&mut self, object: &str, param: &str) {
        let _ = (object, param);
    }

    /// Looks up the row of `table` addressed by the unique-key expression `key`. Return
    /// [`KeyLookup::NotIndexed`] (the default) to let the engine scan the rows.
    fn find_by_key(&self, table: &str, key: &Expression<'_>) -> KeyLookup {
        let _ = (table, key);
        KeyLookup::NotIndexed
    }

    /// The Supported Data Model of `object` (`Device.Container.2.`), an instance of an object
    /// the schema marks divergent ([`crate::ObjectDef::divergent`]), when it differs from
    /// [`DataModel::schema`]: a whole [`Schema`] (from the root) whose objects at and below
    /// that path describe what this instance supports, and whose URI is reported as the
    /// `data_model_inst_uri`. GetSupportedDM uses it for Object Instance Paths at or below
    /// `object`. The default (`None`) uses [`DataModel::schema`].
    fn instance_schema(&self, object: &str) -> Option<&Schema> {
        let _ = object;
        None
    }

    /// Starts a transaction (before the first change of a Set, Add or Delete).
    fn begin(&mut self) {}

    /// Ends the transaction, keeping the changes.
    fn commit(&mut self) {}

    /// Undoes every change since [`DataModel::begin`]. Return `true` if done, `false` (the
    /// default) to let the engine undo with its journal.
    fn rollback(&mut self) -> bool {
        false
    }
}
