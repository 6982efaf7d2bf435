//! The Supported Data Model: which objects, tables, parameters, commands and events an Agent
//! supports, with their types, access and value constraints.
//!
//! A [`Schema`] is plain data. Build it in code ([`Schema::add_object`] with [`ObjectDef`],
//! [`ParamDef`], [`CommandDef`], [`EventDef`]) or load it from a Broadband Forum data model XML
//! file (feature `xml`, module `xml`). Object paths are supported paths: names, and `{i}.`
//! after each table name (`Device.IP.Interface.{i}.IPv4Address.{i}.`).
//!
//! ```
//! use usp_datamodel::{ObjAccess, ObjectDef, ParamAccess, ParamDef, Schema, UniqueKey};
//! use usp_path::value::ValueType;
//!
//! let mut s = Schema::new("urn:example-org:demo-1-0");
//! s.add_object(ObjectDef::new("Device."))?;
//! s.add_object(
//!     ObjectDef::new("Device.Thing.{i}.")
//!         .with_access(ObjAccess::AddDelete)
//!         .with_param(ParamDef::new("Alias", ValueType::String).with_access(ParamAccess::ReadWrite))
//!         .with_unique_key(UniqueKey::new(["Alias"])),
//! )?;
//! let t = s.object("Device.Thing.{i}.").unwrap();
//! assert!(t.is_multi_instance());
//! assert_eq!(s.object_for_path("Device.Thing.7.").map(|o| o.path()), Some("Device.Thing.{i}."));
//! # Ok::<(), usp_datamodel::SchemaError>(())
//! ```

#[path = "pattern.rs"]
pub mod pattern;

use alloc::borrow::ToOwned;
use alloc::collections::BTreeMap;
use alloc::format;
use alloc::string::{String, ToString};
use alloc::vec::Vec;
use core::cmp::Ordering;

use usp_path::value::{ParamType, Value, ValueError, ValueType, split_list};

use crate::code;
use crate::error::{DmError, SchemaError};

/// What a Controller may do with a table (GetSupportedDM `ObjAccessType`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ObjAccess {
    /// No Add or Delete (every single-instance object, and read-only tables).
    #[default]
    ReadOnly,
    /// Add and Delete (`access="readWrite"` in BBF XML).
    AddDelete,
    /// Add only.
    AddOnly,
    /// Delete only.
    DeleteOnly,
}

impl ObjAccess {
    /// Whether Add may create rows.
    pub const fn can_add(self) -> bool {
        matches!(self, Self::AddDelete | Self::AddOnly)
    }

    /// Whether Delete may remove rows.
    pub const fn can_delete(self) -> bool {
        matches!(self, Self::AddDelete | Self::DeleteOnly)
    }

    /// The `usp.GetSupportedDMResp.ObjAccessType` value.
    pub const fn to_pb(self) -> i32 {
        match self {
            Self::ReadOnly => 0,
            Self::AddDelete => 1,
            Self::AddOnly => 2,
            Self::DeleteOnly => 3,
        }
    }
}

/// What a Controller may do with a parameter.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ParamAccess {
    /// Read only.
    #[default]
    ReadOnly,
    /// Read and write.
    ReadWrite,
    /// Written once by a Controller, at Add or by a Set, then read-only (`writeOnceReadOnly`;
    /// GetSupportedDM reports it as read-write, REQUIREMENTS §5.1). Exact when the model
    /// tracks Controller writes ([`crate::DataModel::written_once`]), as
    /// [`crate::MemoryDataModel`] does.
    WriteOnceReadOnly,
    /// Write only: never returned by Get (R-SET.3 keeps it out of `updated_params`).
    WriteOnly,
}

impl ParamAccess {
    /// Whether Set/Add may write it (subject to the write-once rule).
    pub const fn is_writable(self) -> bool {
        !matches!(self, Self::ReadOnly)
    }

    /// Whether Get may read it.
    pub const fn is_readable(self) -> bool {
        !matches!(self, Self::WriteOnly)
    }

    /// The `usp.GetSupportedDMResp.ParamAccessType` value.
    pub const fn to_pb(self) -> i32 {
        match self {
            Self::ReadOnly => 0,
            Self::ReadWrite | Self::WriteOnceReadOnly => 1,
            Self::WriteOnly => 2,
        }
    }
}

/// Whether value-change notifications are honoured (GetSupportedDM `ValueChangeType`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ValueChange {
    /// Subscriptions to value changes are honoured.
    #[default]
    Allowed,
    /// The Agent will ignore value-change subscriptions (BBF `activeNotify="canDeny"`).
    WillIgnore,
}

impl ValueChange {
    /// The `usp.GetSupportedDMResp.ValueChangeType` value.
    pub const fn to_pb(self) -> i32 {
        match self {
            Self::Allowed => 1,
            Self::WillIgnore => 2,
        }
    }
}

/// The kind of a path reference parameter (TR-106 `pathRef refType`, R-ARC.12).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum RefKind {
    /// A strong reference: must point at an existing object.
    Strong,
    /// A weak reference: may dangle.
    Weak,
}

/// A numeric or dateTime range (TR-106 `<range>`); bounds are inclusive.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Range {
    /// Inclusive minimum.
    pub min: Option<Value>,
    /// Inclusive maximum.
    pub max: Option<Value>,
    /// Step from `min` (integer types only).
    pub step: Option<u64>,
}

impl Range {
    /// A range from `min` to `max`, both optional.
    pub const fn new(min: Option<Value>, max: Option<Value>) -> Self {
        Self {
            min,
            max,
            step: None,
        }
    }

    /// Sets the step.
    #[must_use]
    pub const fn with_step(mut self, step: u64) -> Self {
        self.step = Some(step);
        self
    }

    fn contains(&self, v: &Value) -> bool {
        if let Some(min) = &self.min {
            if v.compare(min) == Some(Ordering::Less) {
                return false;
            }
        }
        if let Some(max) = &self.max {
            if v.compare(max) == Some(Ordering::Greater) {
                return false;
            }
        }
        match (self.step, int_of(v), self.min.as_ref().and_then(int_of)) {
            (Some(step), Some(x), base) if step > 1 => {
                (x - base.unwrap_or(0)).rem_euclid(i128::from(step)) == 0
            }
            _ => true,
        }
    }
}

fn int_of(v: &Value) -> Option<i128> {
    match v {
        Value::Int(x) => Some(i128::from(*x)),
        Value::UnsignedInt(x) => Some(i128::from(*x)),
        Value::Long(x) => Some(i128::from(*x)),
        Value::UnsignedLong(x) => Some(i128::from(*x)),
        _ => None,
    }
}

/// Value constraints of a parameter (TR-106 facets).
///
/// Checked by [`ParamDef::check_value`]: enumerations, ranges (with step), string length and
/// binary size, list item count, and patterns (TR-106 / XML Schema regular expressions,
/// matched against the whole value by the non-backtracking matcher of [`pattern`]; a value
/// must match at least one of them). A pattern the matcher cannot compile (unsupported or
/// invalid syntax, over a size limit) is not checked: [`ParamDef::unchecked_patterns`] lists
/// them, so an integrator can find them once at start-up.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Constraints {
    /// Allowed values (strings); empty = any.
    pub enumerations: Vec<String>,
    /// Allowed ranges; a value must fall in at least one. Empty = the type's range.
    pub ranges: Vec<Range>,
    /// Minimum length of a string (characters) or binary value (bytes).
    pub min_length: Option<u32>,
    /// Maximum length of a string (characters) or binary value (bytes).
    pub max_length: Option<u32>,
    /// XML Schema patterns: a value (each item of a list) must match at least one. Empty =
    /// any value. `""` is a pattern matching only the empty value.
    pub patterns: Vec<String>,
    /// Minimum number of list items.
    pub min_items: Option<u32>,
    /// Maximum number of list items.
    pub max_items: Option<u32>,
    /// Maximum length of a whole list value in characters (TR-106 `<list><size>`).
    pub list_max_length: Option<u32>,
}

/// A parameter, or a command or event argument.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct ParamDef {
    /// The name (`Enable`); for arguments a relative path (`Result.{i}.SSID`).
    pub name: String,
    /// Access.
    pub access: ParamAccess,
    /// The base type and whether it is a list.
    pub ty: ParamType,
    /// The named TR-106 data type (`Alias`, `IPAddress`, ...), if any.
    pub data_type: Option<String>,
    /// Value constraints.
    pub constraints: Constraints,
    /// The default value for new instances (TR-106 `default type="object"` or `"factory"`).
    pub default: Option<String>,
    /// Value-change notification support.
    pub value_change: ValueChange,
    /// A secured (hidden) value such as a password: Get returns `""`.
    pub secured: bool,
    /// For path reference parameters, the reference kind.
    pub reference: Option<RefKind>,
    /// For command input arguments: whether the argument is mandatory.
    pub mandatory: bool,
}

impl ParamDef {
    /// A read-only parameter `name` of type `ty`, no constraints.
    pub fn new(name: impl Into<String>, ty: impl Into<ParamType>) -> Self {
        Self {
            name: name.into(),
            access: ParamAccess::ReadOnly,
            ty: ty.into(),
            data_type: None,
            constraints: Constraints::default(),
            default: None,
            value_change: ValueChange::Allowed,
            secured: false,
            reference: None,
            mandatory: false,
        }
    }

    /// Sets the access.
    #[must_use]
    pub fn with_access(mut self, access: ParamAccess) -> Self {
        self.access = access;
        self
    }

    /// Sets the default value.
    #[must_use]
    pub fn with_default(mut self, default: impl Into<String>) -> Self {
        self.default = Some(default.into());
        self
    }

    /// Sets the constraints.
    #[must_use]
    pub fn with_constraints(mut self, constraints: Constraints) -> Self {
        self.constraints = constraints;
        self
    }

    /// Sets the named data type (`Alias` enables the Alias rules: non-empty, starts with a
    /// letter, `cpe-` assigned when not given at Add).
    #[must_use]
    pub fn with_data_type(mut self, data_type: impl Into<String>) -> Self {
        self.data_type = Some(data_type.into());
        self
    }

    /// Marks the value as secured (read as `""`).
    #[must_use]
    pub const fn secured(mut self) -> Self {
        self.secured = true;
        self
    }

    /// Marks a path reference of the given kind.
    #[must_use]
    pub const fn with_reference(mut self, kind: RefKind) -> Self {
        self.reference = Some(kind);
        self
    }

    /// Marks a command input argument as mandatory.
    #[must_use]
    pub const fn mandatory(mut self) -> Self {
        self.mandatory = true;
        self
    }

    /// Whether this is an Alias parameter (data type `Alias`, or named `Alias` without a
    /// data type).
    pub fn is_alias(&self) -> bool {
        match &self.data_type {
            Some(t) => t == "Alias" || t == "_AliasUSP" || t == "_AliasCommon",
            None => self.name == "Alias",
        }
    }

    /// The `usp.GetSupportedDMResp.ParamValueType` of the base type.
    pub const fn value_type_pb(&self) -> i32 {
        match self.ty.base() {
            ValueType::Base64 => 1,
            ValueType::Boolean => 2,
            ValueType::DateTime => 3,
            ValueType::Decimal => 4,
            ValueType::HexBinary => 5,
            ValueType::Int => 6,
            ValueType::Long => 7,
            ValueType::UnsignedInt => 9,
            ValueType::UnsignedLong => 10,
            _ => 8,
        }
    }

    /// The value a new instance starts with: the default, or the type's zero value (`""`,
    /// `false`, `0`, the Unknown Time `0001-01-01T00:00:00Z`; `""` for lists).
    pub fn initial_value(&self) -> String {
        if let Some(d) = &self.default {
            return d.clone();
        }
        if self.ty.is_list() {
            return String::new();
        }
        match self.ty.base() {
            ValueType::Boolean => "false",
            ValueType::Int
            | ValueType::UnsignedInt
            | ValueType::Long
            | ValueType::UnsignedLong
            | ValueType::Decimal => "0",
            ValueType::DateTime => "0001-01-01T00:00:00Z",
            _ => "",
        }
        .to_owned()
    }

    /// Checks `text` against the type and constraints (R-ENC.6) and returns its canonical
    /// TR-106 form (`1` becomes `true`, `+007` becomes `7`, list items joined by `,`).
    ///
    /// # Errors
    /// A [`DmError`] with 7011 (Invalid type) when the text is not a value of the type, or 7012
    /// (Invalid value) when it is out of the allowed range, not an allowed enumeration, too long
    /// or too short, has too many or too few list items, or is not a valid Alias.
    ///
    /// ```
    /// use usp_datamodel::{Constraints, ParamDef, Range};
    /// use usp_path::value::{Value, ValueType};
    ///
    /// let mut c = Constraints::default();
    /// c.ranges.push(Range::new(Some(Value::UnsignedInt(1)), Some(Value::UnsignedInt(10))));
    /// let p = ParamDef::new("Port", ValueType::UnsignedInt).with_constraints(c);
    /// assert_eq!(p.check_value("+007")?, "7");
    /// assert_eq!(p.check_value("11").unwrap_err().code(), 7012);
    /// assert_eq!(p.check_value("x").unwrap_err().code(), 7011);
    /// # Ok::<(), usp_datamodel::DmError>(())
    /// ```
    pub fn check_value(&self, text: &str) -> Result<String, DmError> {
        let patterns = self.compiled_patterns();
        if !self.ty.is_list() {
            return self.check_item(text, patterns.as_deref());
        }
        let mut out = String::new();
        let mut n: u32 = 0;
        if !text.trim().is_empty() {
            for item in split_list(text) {
                if n > 0 {
                    out.push(',');
                }
                out.push_str(&self.check_item(item, patterns.as_deref())?);
                n = n.saturating_add(1);
            }
        }
        let c = &self.constraints;
        if let Some(max) = c.list_max_length {
            let len = u32::try_from(out.chars().count()).unwrap_or(u32::MAX);
            if len > max {
                return Err(DmError::new(
                    code::INVALID_VALUE,
                    format!(
                        "{}: list of {len} characters, at most {max} allowed",
                        self.name
                    ),
                ));
            }
        }
        if c.min_items.is_some_and(|m| n < m) || c.max_items.is_some_and(|m| n > m) {
            return Err(DmError::new(
                code::INVALID_VALUE,
                format!(
                    "{}: {n} list items, allowed {}..{}",
                    self.name,
                    c.min_items.unwrap_or(0),
                    c.max_items
                        .map_or_else(|| "".to_string(), |m| m.to_string())
                ),
            ));
        }
        Ok(out)
    }

    /// The patterns of [`Constraints::patterns`] that [`pattern::Pattern`] cannot compile, with
    /// the reason. [`ParamDef::check_value`] does not check those (a value passes them).
    pub fn unchecked_patterns(&self) -> Vec<(&str, pattern::PatternError)> {
        self.constraints
            .patterns
            .iter()
            .filter_map(|p| pattern::Pattern::new(p).err().map(|e| (p.as_str(), e)))
            .collect()
    }

    /// The patterns to check, compiled; `None` when there is nothing to check (no patterns, or
    /// one that does not compile, which lets every value pass).
    fn compiled_patterns(&self) -> Option<Vec<pattern::Pattern>> {
        let ps = &self.constraints.patterns;
        if ps.is_empty() {
            return None;
        }
        ps.iter().map(|p| pattern::Pattern::new(p).ok()).collect()
    }

    fn check_item(
        &self,
        text: &str,
        patterns: Option<&[pattern::Pattern]>,
    ) -> Result<String, DmError> {
        let base = self.ty.base();
        let v = Value::parse(base, text).map_err(|e| match e {
            ValueError::OutOfRange(t) => DmError::new(
                code::INVALID_VALUE,
                format!("{}: {text:?} is out of the {t} range", self.name),
            ),
            _ => DmError::new(
                code::INVALID_TYPE,
                format!("{}: {text:?} is not a valid {base} value", self.name),
            ),
        })?;
        let c = &self.constraints;
        let len = match &v {
            Value::String(s) => Some(s.chars().count()),
            Value::Base64(b) | Value::HexBinary(b) => Some(b.len()),
            _ => None,
        };
        if let Some(len) = len {
            let len = u32::try_from(len).unwrap_or(u32::MAX);
            if c.min_length.is_some_and(|m| len < m) || c.max_length.is_some_and(|m| len > m) {
                return Err(DmError::new(
                    code::INVALID_VALUE,
                    format!(
                        "{}: length {len} outside {}..{}",
                        self.name,
                        c.min_length.unwrap_or(0),
                        c.max_length
                            .map_or_else(|| "".to_string(), |m| m.to_string())
                    ),
                ));
            }
        }
        if !c.enumerations.is_empty() && !c.enumerations.iter().any(|e| e == text) {
            return Err(DmError::new(
                code::INVALID_VALUE,
                format!(
                    "{}: {text:?} is not one of the enumerated values",
                    self.name
                ),
            ));
        }
        if !c.ranges.is_empty() && !c.ranges.iter().any(|r| r.contains(&v)) {
            return Err(DmError::new(
                code::INVALID_VALUE,
                format!("{}: {text:?} is outside the allowed range", self.name),
            ));
        }
        if let Some(ps) = patterns {
            if !ps.iter().any(|p| p.is_match(text)) {
                let c = &self.constraints.patterns;
                let msg = match c.as_slice() {
                    [one] => format!("{}: {text:?} does not match the pattern {one:?}", self.name),
                    _ => format!(
                        "{}: {text:?} matches none of the patterns {}",
                        self.name,
                        c.iter()
                            .map(|p| format!("{p:?}"))
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                };
                return Err(DmError::new(code::INVALID_VALUE, msg));
            }
        }
        if self.is_alias()
            && !text
                .chars()
                .next()
                .is_some_and(|ch| ch.is_ascii_alphabetic())
        {
            return Err(DmError::new(
                code::INVALID_VALUE,
                format!(
                    "{}: an Alias must be non-empty and start with a letter",
                    self.name
                ),
            ));
        }
        Ok(match v {
            Value::String(s) => s,
            other => other.to_string(),
        })
    }
}

/// A command (`Reboot()`), sync or async, with its arguments.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct CommandDef {
    /// The name without `()`.
    pub name: String,
    /// Whether the command is asynchronous.
    pub is_async: bool,
    /// Input arguments (names relative, may contain `{i}`).
    pub input: Vec<ParamDef>,
    /// Output arguments.
    pub output: Vec<ParamDef>,
}

impl CommandDef {
    /// A synchronous command without arguments; `name` may end in `()`.
    pub fn new(name: impl Into<String>) -> Self {
        let mut name: String = name.into();
        if name.ends_with("()") {
            name.truncate(name.len() - 2);
        }
        Self {
            name,
            is_async: false,
            input: Vec::new(),
            output: Vec::new(),
        }
    }

    /// Makes it asynchronous.
    #[must_use]
    pub const fn asynchronous(mut self) -> Self {
        self.is_async = true;
        self
    }

    /// Adds an input argument.
    #[must_use]
    pub fn with_input(mut self, arg: ParamDef) -> Self {
        self.input.push(arg);
        self
    }

    /// Adds an output argument.
    #[must_use]
    pub fn with_output(mut self, arg: ParamDef) -> Self {
        self.output.push(arg);
        self
    }
}

/// An event (`Boot!`) with its arguments.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct EventDef {
    /// The name without `!`.
    pub name: String,
    /// Arguments.
    pub args: Vec<ParamDef>,
}

impl EventDef {
    /// An event without arguments; `name` may end in `!`.
    pub fn new(name: impl Into<String>) -> Self {
        let mut name: String = name.into();
        if name.ends_with('!') {
            name.pop();
        }
        Self {
            name,
            args: Vec::new(),
        }
    }

    /// Adds an argument.
    #[must_use]
    pub fn with_arg(mut self, arg: ParamDef) -> Self {
        self.args.push(arg);
        self
    }
}

/// A unique key of a table: parameter names that together identify a row.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct UniqueKey {
    /// The parameter names.
    pub params: Vec<String>,
    /// Functional keys may change during operation (R-KEY.2); non-functional keys never change
    /// after creation (R-KEY.1).
    pub functional: bool,
}

impl UniqueKey {
    /// A non-functional key made of `params`.
    pub fn new<I, S>(params: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        Self {
            params: params.into_iter().map(Into::into).collect(),
            functional: false,
        }
    }

    /// Marks the key functional.
    #[must_use]
    pub const fn functional(mut self) -> Self {
        self.functional = true;
        self
    }
}

/// An object or table of the Supported Data Model.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct ObjectDef {
    path: String,
    /// Add/Delete access (tables only; single-instance objects are always read-only).
    pub access: ObjAccess,
    /// Unique keys (tables).
    pub unique_keys: Vec<UniqueKey>,
    /// Parameters by name.
    pub params: BTreeMap<String, ParamDef>,
    /// Commands by name (without `()`).
    pub commands: BTreeMap<String, CommandDef>,
    /// Events by name (without `!`).
    pub events: BTreeMap<String, EventDef>,
    /// Minimum number of rows.
    pub min_entries: u32,
    /// Maximum number of rows (`None` = unbounded).
    pub max_entries: Option<u32>,
    /// The `...NumberOfEntries` parameter of the parent that counts the rows.
    pub num_entries_param: Option<String>,
    /// The row's enable parameter, if any.
    pub enable_param: Option<String>,
    /// Divergent: the instances of this object may support differing data models (a mount
    /// point, a container). GetSupportedDM reports it with `divergent_paths` and skips its
    /// children; an instance path asks [`crate::DataModel::instance_schema`] for that
    /// instance's model.
    pub divergent: bool,
}

impl ObjectDef {
    /// An object at supported path `path` (`Device.DeviceInfo.`, `Device.IP.Interface.{i}.`),
    /// read-only, with nothing in it yet.
    pub fn new(path: impl Into<String>) -> Self {
        Self {
            path: path.into(),
            access: ObjAccess::ReadOnly,
            unique_keys: Vec::new(),
            params: BTreeMap::new(),
            commands: BTreeMap::new(),
            events: BTreeMap::new(),
            min_entries: 0,
            max_entries: None,
            num_entries_param: None,
            enable_param: None,
            divergent: false,
        }
    }

    /// The supported path.
    pub fn path(&self) -> &str {
        &self.path
    }

    /// Whether this is a table (the path ends in `{i}.`).
    pub fn is_multi_instance(&self) -> bool {
        self.path.ends_with(".{i}.")
    }

    /// The table path without the final `{i}.` (`Device.IP.Interface.`), or the path itself.
    pub fn table_path(&self) -> &str {
        self.path.strip_suffix("{i}.").unwrap_or(&self.path)
    }

    /// The last name of the path (`Interface` for `Device.IP.Interface.{i}.`).
    pub fn name(&self) -> &str {
        let t = self.table_path();
        let t = t.strip_suffix('.').unwrap_or(t);
        t.rsplit('.').next().unwrap_or(t)
    }

    /// Sets the access.
    #[must_use]
    pub const fn with_access(mut self, access: ObjAccess) -> Self {
        self.access = access;
        self
    }

    /// Adds a parameter.
    #[must_use]
    pub fn with_param(mut self, p: ParamDef) -> Self {
        self.params.insert(p.name.clone(), p);
        self
    }

    /// Adds a command.
    #[must_use]
    pub fn with_command(mut self, c: CommandDef) -> Self {
        self.commands.insert(c.name.clone(), c);
        self
    }

    /// Adds an event.
    #[must_use]
    pub fn with_event(mut self, e: EventDef) -> Self {
        self.events.insert(e.name.clone(), e);
        self
    }

    /// Marks the object divergent (see [`ObjectDef::divergent`](ObjectDef#structfield.divergent)).
    #[must_use]
    pub const fn divergent(mut self) -> Self {
        self.divergent = true;
        self
    }

    /// Adds a unique key.
    #[must_use]
    pub fn with_unique_key(mut self, k: UniqueKey) -> Self {
        self.unique_keys.push(k);
        self
    }

    /// Whether `name` belongs to a unique key, and if so whether all keys holding it are
    /// functional.
    pub fn key_role(&self, name: &str) -> Option<bool> {
        let mut found = None;
        for k in &self.unique_keys {
            if k.params.iter().any(|p| p == name) {
                found = Some(found.unwrap_or(true) && k.functional);
            }
        }
        found
    }
}

/// The Supported Data Model: every [`ObjectDef`], indexed by supported path, with the
/// parent/child structure.
#[derive(Clone, Debug, Default)]
pub struct Schema {
    uri: String,
    objects: Vec<ObjectDef>,
    index: BTreeMap<String, usize>,
    children: Vec<Vec<usize>>,
    roots: Vec<usize>,
}

/// Index of an object in a [`Schema`] (stable while the schema lives).
pub type ObjId = usize;

impl Schema {
    /// An empty schema; `uri` is the `data_model_inst_uri` GetSupportedDM reports
    /// (`urn:broadband-forum-org:tr-181-2-16-0-usp`).
    pub fn new(uri: impl Into<String>) -> Self {
        Self {
            uri: uri.into(),
            ..Self::default()
        }
    }

    /// The data model URI.
    pub fn uri(&self) -> &str {
        &self.uri
    }

    /// Adds an object. Parents must be added before their children.
    ///
    /// # Errors
    /// [`SchemaError::InvalidPath`] if `def`'s path is not a supported object path (names, `{i}`
    /// only right after a table name, ending in `.`), [`SchemaError::Duplicate`],
    /// [`SchemaError::MissingParent`], [`SchemaError::UnknownKeyParam`].
    pub fn add_object(&mut self, def: ObjectDef) -> Result<ObjId, SchemaError> {
        let path = def.path.clone();
        let ok = is_supported_object_path(&path);
        if !ok {
            return Err(SchemaError::InvalidPath(path));
        }
        if self.index.contains_key(&path) {
            return Err(SchemaError::Duplicate(path));
        }
        for k in &def.unique_keys {
            for p in &k.params {
                if !def.params.contains_key(p) {
                    return Err(SchemaError::UnknownKeyParam {
                        object: path,
                        param: p.clone(),
                    });
                }
            }
        }
        let parent = parent_path(&path);
        let parent_id = match parent {
            None => None,
            Some(pp) => Some(
                *self
                    .index
                    .get(pp)
                    .ok_or_else(|| SchemaError::MissingParent(path.clone()))?,
            ),
        };
        let id = self.objects.len();
        self.objects.push(def);
        self.children.push(Vec::new());
        self.index.insert(path, id);
        match parent_id {
            Some(p) => {
                if let Some(c) = self.children.get_mut(p) {
                    c.push(id);
                }
            }
            None => self.roots.push(id),
        }
        Ok(id)
    }

    /// The object at supported path `path` (`Device.IP.Interface.{i}.`).
    pub fn object(&self, path: &str) -> Option<&ObjectDef> {
        self.index.get(path).and_then(|&i| self.objects.get(i))
    }

    /// Mutable access to the object at supported path `path`, to add parameters later.
    /// Unique keys added this way are not checked.
    pub fn object_mut(&mut self, path: &str) -> Option<&mut ObjectDef> {
        let i = *self.index.get(path)?;
        self.objects.get_mut(i)
    }

    /// The id of the object at supported path `path`.
    pub fn id(&self, path: &str) -> Option<ObjId> {
        self.index.get(path).copied()
    }

    /// The object with id `id`.
    pub fn get(&self, id: ObjId) -> Option<&ObjectDef> {
        self.objects.get(id)
    }

    /// The direct child objects of `id`, in the order they were added.
    pub fn children(&self, id: ObjId) -> &[ObjId] {
        self.children.get(id).map_or(&[], Vec::as_slice)
    }

    /// The top-level objects (normally just `Device.`).
    pub fn roots(&self) -> &[ObjId] {
        &self.roots
    }

    /// Every object in the order added (parents before children).
    pub fn objects(&self) -> impl Iterator<Item = &ObjectDef> {
        self.objects.iter()
    }

    /// Number of objects.
    pub fn len(&self) -> usize {
        self.objects.len()
    }

    /// Whether the schema has no objects.
    pub fn is_empty(&self) -> bool {
        self.objects.is_empty()
    }

    /// Total number of parameters over all objects.
    pub fn param_count(&self) -> usize {
        self.objects.iter().map(|o| o.params.len()).sum()
    }

    /// The object definition for a concrete or supported object path: instance numbers
    /// (`Device.IP.Interface.3.`) and `{i}` both map to `{i}`; a table path without its final
    /// instance (`Device.IP.Interface.`) maps to the table.
    pub fn object_for_path(&self, path: &str) -> Option<&ObjectDef> {
        self.id_for_path(path).and_then(|i| self.objects.get(i))
    }

    /// The id for [`Schema::object_for_path`].
    pub fn id_for_path(&self, path: &str) -> Option<ObjId> {
        let s = supported_form(path);
        if let Some(&i) = self.index.get(&s) {
            return Some(i);
        }
        let mut t = s;
        t.push_str("{i}.");
        self.index.get(&t).copied()
    }
}

/// Whether `path` is a supported object path: names (TR-106: a letter or `_`, then letters,
/// digits, `_` or `-`), each table name followed by `{i}`, ending in `.`. A service model's
/// root may itself be a table (`StorageService.{i}.`).
fn is_supported_object_path(path: &str) -> bool {
    let Some(body) = path.strip_suffix('.') else {
        return false;
    };
    let mut prev_name = false;
    for seg in body.split('.') {
        if seg == "{i}" {
            if !prev_name {
                return false;
            }
            prev_name = false;
        } else {
            let mut b = seg.bytes();
            let first_ok = b
                .next()
                .is_some_and(|c| c.is_ascii_alphabetic() || c == b'_');
            if !first_ok
                || !b.all(|c| c.is_ascii_alphanumeric() || c == b'_' || c == b'-')
                || seg.len() > 256
            {
                return false;
            }
            prev_name = true;
        }
    }
    true
}

/// The parent's supported path of supported object path `path`, `None` for a root.
fn parent_path(path: &str) -> Option<&str> {
    let p = path.strip_suffix("{i}.").unwrap_or(path);
    let p = p.strip_suffix('.')?;
    let cut = p.rfind('.')?;
    p.get(..=cut)
}

/// Converts a concrete object path to its supported form: every all-digit segment becomes
/// `{i}` (`Device.IP.Interface.3.IPv4Address.1.` -> `Device.IP.Interface.{i}.IPv4Address.{i}.`).
pub fn supported_form(path: &str) -> String {
    let mut out = String::with_capacity(path.len() + 8);
    for (i, seg) in path.split('.').enumerate() {
        if i > 0 {
            out.push('.');
        }
        if !seg.is_empty() && seg.bytes().all(|b| b.is_ascii_digit()) {
            out.push_str("{i}");
        } else {
            out.push_str(seg);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn supported_object_paths() {
        for ok in [
            "Device.",
            "Device.IP.Interface.{i}.",
            "StorageService.{i}.",
            "X_ORG-1.A.{i}.B.",
        ] {
            assert!(is_supported_object_path(ok), "{ok}");
        }
        for bad in [
            "Device",
            "{i}.",
            "Device.{i}.{i}.",
            "Device.1.",
            "Device..",
            "Device.T.1a.",
        ] {
            assert!(!is_supported_object_path(bad), "{bad}");
        }
    }

    #[test]
    fn parent_paths() {
        assert_eq!(parent_path("Device."), None);
        assert_eq!(parent_path("Device.IP."), Some("Device."));
        assert_eq!(parent_path("Device.IP.Interface.{i}."), Some("Device.IP."));
        assert_eq!(
            parent_path("Device.IP.Interface.{i}.Stats."),
            Some("Device.IP.Interface.{i}.")
        );
    }

    #[test]
    fn supported_forms() {
        assert_eq!(
            supported_form("Device.IP.Interface.3.IPv4Address.12."),
            "Device.IP.Interface.{i}.IPv4Address.{i}."
        );
        assert_eq!(supported_form("Device.X1.Y"), "Device.X1.Y");
    }

    #[test]
    fn r_enc_6_value_checks() {
        let b = ParamDef::new("Enable", ValueType::Boolean);
        assert_eq!(b.check_value("1").ok().as_deref(), Some("true"));
        assert_eq!(b.check_value("yes").map_err(|e| e.code()), Err(7011));
        let i = ParamDef::new("I", ValueType::Int);
        assert_eq!(
            i.check_value("99999999999").map_err(|e| e.code()),
            Err(7012)
        );
        let c = Constraints {
            enumerations: alloc::vec!["Up".into(), "Down".into()],
            max_items: Some(2),
            ..Constraints::default()
        };
        let mut l = ParamDef::new("L", ParamType::list(ValueType::String));
        l.constraints = c;
        assert_eq!(l.check_value("Up, Down").ok().as_deref(), Some("Up,Down"));
        assert_eq!(
            l.check_value("Up,Sideways").map_err(|e| e.code()),
            Err(7012)
        );
        assert_eq!(l.check_value("Up,Up,Up").map_err(|e| e.code()), Err(7012));
        assert_eq!(l.check_value("").ok().as_deref(), Some(""));
        l.constraints.list_max_length = Some(4);
        assert_eq!(l.check_value("Up,Up").map_err(|e| e.code()), Err(7012));
        assert!(l.check_value("Up").is_ok());
        let mut r = ParamDef::new("S", ValueType::Int);
        r.constraints
            .ranges
            .push(Range::new(Some(Value::Int(-10)), Some(Value::Int(10))).with_step(5));
        assert!(r.check_value("5").is_ok());
        assert_eq!(r.check_value("6").map_err(|e| e.code()), Err(7012));
        let a = ParamDef::new("Alias", ValueType::String);
        assert_eq!(a.check_value("1abc").map_err(|e| e.code()), Err(7012));
        assert_eq!(a.check_value("").map_err(|e| e.code()), Err(7012));
        assert!(a.check_value("abc").is_ok());
    }

    #[test]
    fn schema_structure_errors() {
        let mut s = Schema::new("urn:x");
        assert!(matches!(
            s.add_object(ObjectDef::new("Device.X.")),
            Err(SchemaError::MissingParent(_))
        ));
        s.add_object(ObjectDef::new("Device.")).ok();
        assert!(matches!(
            s.add_object(ObjectDef::new("Device.")),
            Err(SchemaError::Duplicate(_))
        ));
        assert!(matches!(
            s.add_object(ObjectDef::new("Device.T.1.")),
            Err(SchemaError::InvalidPath(_))
        ));
        assert!(matches!(
            s.add_object(ObjectDef::new("Device.T.{i}.").with_unique_key(UniqueKey::new(["A"]))),
            Err(SchemaError::UnknownKeyParam { .. })
        ));
    }
}
