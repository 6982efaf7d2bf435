//! Loader for Broadband Forum data model XML (the `cwmp-datamodel` schema used by TR-181,
//! TR-140, ...): builds a [`Schema`] from a flattened "full" USP model such as
//! `tr-181-2-16-0-usp-full.xml`. Needs the `xml` feature.
//!
//! What is read: the first `<model>`'s objects (tables, access, min/max entries,
//! `numEntriesParameter`, `enableParameter`, unique keys with `functional`), parameters (access
//! including `writeOnceReadOnly`, `activeNotify="canDeny"`, secured syntax, base type or named
//! data type, `<list>` with item counts, enumerations, ranges with step, sizes, patterns,
//! `pathRef refType`, `default type="object"|"factory"`), commands (`async`, input and output
//! arguments including argument tables such as `Result.{i}.`, `mandatory`) and events with
//! their arguments. Patterns are kept as written (DTD entities such as `&octet;` in
//! `tr-106-types.xml` expanded) and checked on every write by
//! [`crate::ParamDef::check_value`] ([`crate::schema::pattern`]); a pattern the matcher cannot
//! compile does not stop the load (see [`crate::ParamDef::unchecked_patterns`]). Named data
//! types come from the document's own `<dataType>` definitions and
//! from any extra type files given to [`Loader::types`] (e.g. `tr-106-types.xml`); derived
//! types inherit their base's type and facets. Items with `status="deleted"` are skipped.
//! Descriptions, profiles, bibliography and components are ignored: the input must be a
//! flattened ("full") model, as BBF publishes for every release.
//!
//! ```
//! use usp_datamodel::xml::Loader;
//!
//! let xml = r#"<dm:document xmlns:dm="urn:broadband-forum-org:cwmp:datamodel-1-14" spec="urn:example-org:demo-1-0">
//!   <model name="Device:2.16">
//!     <object name="Device." access="readOnly" minEntries="1" maxEntries="1">
//!       <parameter name="RootDataModelVersion" access="readOnly"><syntax><string><size maxLength="32"/></string></syntax></parameter>
//!     </object>
//!   </model>
//! </dm:document>"#;
//! let schema = Loader::new().load_str(xml)?;
//! assert_eq!(schema.uri(), "urn:example-org:demo-1-0");
//! let p = &schema.object("Device.").unwrap().params["RootDataModelVersion"];
//! assert_eq!(p.constraints.max_length, Some(32));
//! # Ok::<(), usp_datamodel::xml::XmlError>(())
//! ```

use std::collections::BTreeMap;
use std::path::Path as FsPath;
use std::string::{String, ToString};
use std::vec::Vec;

use roxmltree::{Document, Node};
use usp_path::value::{ParamType, Value, ValueType};

use crate::error::SchemaError;
use crate::schema::{
    CommandDef, Constraints, EventDef, ObjAccess, ObjectDef, ParamAccess, ParamDef, Range, RefKind,
    Schema, UniqueKey, ValueChange,
};

/// Why a data model XML file could not be loaded.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum XmlError {
    /// The file could not be read.
    #[error("cannot read {path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The text is not well-formed XML.
    #[error("XML syntax error: {0}")]
    Syntax(#[from] roxmltree::Error),
    /// The document has no `<model>` element.
    #[error("no <model> element")]
    NoModel,
    /// An object or parameter could not be added to the schema.
    #[error("line {line}: {error}")]
    Schema {
        /// 1-based line of the element.
        line: u32,
        /// What is wrong.
        error: SchemaError,
    },
    /// A parameter has no usable `<syntax>` (unknown type or data type).
    #[error("line {line}: parameter {name:?} has an unknown type {ty:?}")]
    UnknownType {
        /// 1-based line of the parameter.
        line: u32,
        /// The parameter name.
        name: String,
        /// The type or data type name found.
        ty: String,
    },
}

/// `<list minItems maxItems>` (and `<size maxLength>` inside it) when the type is a list.
type ListItems = Option<(Option<u32>, Option<u32>, Option<u32>)>;

fn list_facets(l: Node<'_, '_>) -> (Option<u32>, Option<u32>, Option<u32>) {
    let size = l
        .children()
        .find(|n| n.has_tag_name("size"))
        .and_then(|s| num(s, "maxLength"));
    (num(l, "minItems"), num(l, "maxItems"), size)
}

/// A named data type, resolved to a base type with facets.
#[derive(Clone, Debug)]
struct NamedType {
    base: Option<ValueType>,
    list: ListItems,
    constraints: Constraints,
    /// The name of the base named type (`base="..."`), resolved lazily.
    parent: Option<String>,
}

/// Loads BBF data model XML into a [`Schema`].
#[derive(Debug, Default)]
pub struct Loader {
    types: BTreeMap<String, NamedType>,
}

impl Loader {
    /// A loader with no extra named data types.
    pub fn new() -> Self {
        Self::default()
    }

    /// Reads the `<dataType>` definitions of another document (e.g. `tr-106-types.xml`), so
    /// models that refer to them without defining them can be loaded. Definitions in the model
    /// document itself take precedence.
    ///
    /// # Errors
    /// [`XmlError::Syntax`] if `xml` is not well-formed.
    pub fn types(&mut self, xml: &str) -> Result<&mut Self, XmlError> {
        let doc = parse(xml)?;
        collect_types(doc.root_element(), &mut self.types);
        Ok(self)
    }

    /// Like [`Loader::types`], reading the file at `path`.
    ///
    /// # Errors
    /// [`XmlError::Io`] or [`XmlError::Syntax`].
    pub fn types_file(&mut self, path: impl AsRef<FsPath>) -> Result<&mut Self, XmlError> {
        let text = read(path.as_ref())?;
        self.types(&text)
    }

    /// Builds the schema of the first `<model>` of `xml`. The data model URI is the document's
    /// `spec` attribute.
    ///
    /// # Errors
    /// An [`XmlError`] for malformed XML, a missing model, an unknown type or an inconsistent
    /// object tree.
    pub fn load_str(&self, xml: &str) -> Result<Schema, XmlError> {
        let doc = parse(xml)?;
        let root = doc.root_element();
        let mut types = self.types.clone();
        collect_types(root, &mut types);
        let model = root
            .children()
            .find(|n| n.has_tag_name("model"))
            .ok_or(XmlError::NoModel)?;
        let mut schema = Schema::new(root.attribute("spec").unwrap_or(""));
        let cx = Cx { doc: &doc, types };
        for obj in model.children().filter(|n| n.has_tag_name("object")) {
            if deleted(obj) {
                continue;
            }
            let Some(name) = obj.attribute("name") else {
                continue;
            };
            let def = cx.object(obj, name)?;
            schema.add_object(def).map_err(|error| XmlError::Schema {
                line: cx.line(obj),
                error,
            })?;
        }
        Ok(schema)
    }

    /// Like [`Loader::load_str`], reading the file at `path`.
    ///
    /// # Errors
    /// [`XmlError::Io`] or any error of [`Loader::load_str`].
    pub fn load_file(&self, path: impl AsRef<FsPath>) -> Result<Schema, XmlError> {
        let text = read(path.as_ref())?;
        self.load_str(&text)
    }
}

fn read(path: &FsPath) -> Result<String, XmlError> {
    std::fs::read_to_string(path).map_err(|source| XmlError::Io {
        path: path.display().to_string(),
        source,
    })
}

fn parse(xml: &str) -> Result<Document<'_>, XmlError> {
    let opt = roxmltree::ParsingOptions {
        allow_dtd: true,
        ..roxmltree::ParsingOptions::default()
    };
    Ok(Document::parse_with_options(xml, opt)?)
}

fn deleted(n: Node<'_, '_>) -> bool {
    n.attribute("status") == Some("deleted")
}

fn base_type(tag: &str) -> Option<ValueType> {
    Some(match tag {
        "string" => ValueType::String,
        "boolean" => ValueType::Boolean,
        "int" => ValueType::Int,
        "unsignedInt" => ValueType::UnsignedInt,
        "long" => ValueType::Long,
        "unsignedLong" => ValueType::UnsignedLong,
        "decimal" => ValueType::Decimal,
        "dateTime" => ValueType::DateTime,
        "base64" => ValueType::Base64,
        "hexBinary" => ValueType::HexBinary,
        _ => return None,
    })
}

fn num(n: Node<'_, '_>, attr: &str) -> Option<u32> {
    n.attribute(attr).and_then(|v| v.parse().ok())
}

fn collect_types(root: Node<'_, '_>, out: &mut BTreeMap<String, NamedType>) {
    for dt in root.children().filter(|n| n.has_tag_name("dataType")) {
        let Some(name) = dt.attribute("name") else {
            continue;
        };
        let mut t = NamedType {
            base: None,
            list: None,
            constraints: Constraints::default(),
            parent: dt.attribute("base").map(String::from),
        };
        for c in dt.children().filter(Node::is_element) {
            let tag = c.tag_name().name();
            if let Some(b) = base_type(tag) {
                t.base = Some(b);
                facets(c, b, &mut t.constraints);
            } else if tag == "list" {
                t.list = Some(list_facets(c));
            }
        }
        if t.base.is_none() {
            // A derived type writes its extra facets directly under <dataType>. Ranges need
            // the base type to be parsed, so only size, enumeration and pattern are taken.
            facets(dt, ValueType::String, &mut t.constraints);
            t.constraints.ranges.clear();
        }
        out.insert(String::from(name), t);
    }
}

/// Reads the facets under a type element into `c`.
fn facets(n: Node<'_, '_>, ty: ValueType, c: &mut Constraints) {
    for f in n.children().filter(Node::is_element) {
        if deleted(f) {
            continue;
        }
        match f.tag_name().name() {
            "size" => {
                if let Some(v) = num(f, "minLength") {
                    c.min_length = Some(v);
                }
                if let Some(v) = num(f, "maxLength") {
                    c.max_length = Some(v);
                }
            }
            "enumeration" => {
                if let Some(v) = f.attribute("value") {
                    c.enumerations.push(String::from(v));
                }
            }
            "pattern" => {
                if let Some(v) = f.attribute("value") {
                    c.patterns.push(String::from(v));
                }
            }
            "range" => {
                let b = |a: &str| f.attribute(a).and_then(|v| Value::parse(ty, v).ok());
                let mut r = Range::new(b("minInclusive"), b("maxInclusive"));
                if let Some(s) = f.attribute("step").and_then(|s| s.parse().ok()) {
                    r = r.with_step(s);
                }
                c.ranges.push(r);
            }
            _ => {}
        }
    }
}

fn merge(into: &mut Constraints, from: &Constraints) {
    if into.enumerations.is_empty() {
        into.enumerations.clone_from(&from.enumerations);
    }
    if into.ranges.is_empty() {
        into.ranges.clone_from(&from.ranges);
    }
    if into.patterns.is_empty() {
        into.patterns.clone_from(&from.patterns);
    }
    into.min_length = into.min_length.or(from.min_length);
    into.max_length = into.max_length.or(from.max_length);
}

struct Cx<'d, 'i> {
    doc: &'d Document<'i>,
    types: BTreeMap<String, NamedType>,
}

impl Cx<'_, '_> {
    fn line(&self, n: Node<'_, '_>) -> u32 {
        self.doc.text_pos_at(n.range().start).row
    }

    /// Resolves a named type to (base, list, constraints), following `base=` up to 16 levels.
    fn named(&self, name: &str) -> Option<(ValueType, ListItems, Constraints)> {
        let mut c = Constraints::default();
        let mut list = None;
        let mut cur = name;
        for _ in 0..16 {
            let t = self.types.get(cur)?;
            merge(&mut c, &t.constraints);
            list = list.or(t.list);
            if let Some(b) = t.base {
                return Some((b, list, c));
            }
            cur = t.parent.as_deref()?;
        }
        None
    }

    fn object(&self, obj: Node<'_, '_>, name: &str) -> Result<ObjectDef, XmlError> {
        let mut def = ObjectDef::new(name);
        let multi = name.ends_with("{i}.");
        if multi && obj.attribute("access") == Some("readWrite") {
            def.access = ObjAccess::AddDelete;
        }
        def.min_entries = num(obj, "minEntries").unwrap_or(0);
        def.max_entries = num(obj, "maxEntries");
        def.num_entries_param = obj.attribute("numEntriesParameter").map(String::from);
        def.enable_param = obj.attribute("enableParameter").map(String::from);
        for c in obj.children().filter(Node::is_element) {
            if deleted(c) {
                continue;
            }
            match c.tag_name().name() {
                "parameter" => {
                    let p = self.param(c)?;
                    def.params.insert(p.name.clone(), p);
                }
                "uniqueKey" => {
                    let params: Vec<String> = c
                        .children()
                        .filter(|n| n.has_tag_name("parameter"))
                        .filter_map(|n| n.attribute("ref").map(String::from))
                        .collect();
                    let mut k = UniqueKey::new(params);
                    // TR-106: functional defaults to true.
                    k.functional = c.attribute("functional") != Some("false");
                    def.unique_keys.push(k);
                }
                "command" => {
                    let mut cmd = CommandDef::new(c.attribute("name").unwrap_or(""));
                    cmd.is_async = c.attribute("async") == Some("true");
                    for io in c.children().filter(Node::is_element) {
                        match io.tag_name().name() {
                            "input" => self.args(io, "", &mut cmd.input)?,
                            "output" => self.args(io, "", &mut cmd.output)?,
                            _ => {}
                        }
                    }
                    def.commands.insert(cmd.name.clone(), cmd);
                }
                "event" => {
                    let mut ev = EventDef::new(c.attribute("name").unwrap_or(""));
                    self.args(c, "", &mut ev.args)?;
                    def.events.insert(ev.name.clone(), ev);
                }
                _ => {}
            }
        }
        // Unique keys naming parameters the object lacks (none in BBF models) are dropped
        // rather than failing the whole load.
        def.unique_keys
            .retain(|k| k.params.iter().all(|p| def.params.contains_key(p)));
        Ok(def)
    }

    /// Reads argument parameters and argument objects under `n` with name prefix `prefix`.
    fn args(&self, n: Node<'_, '_>, prefix: &str, out: &mut Vec<ParamDef>) -> Result<(), XmlError> {
        for c in n.children().filter(Node::is_element) {
            if deleted(c) {
                continue;
            }
            match c.tag_name().name() {
                "parameter" => {
                    let mut p = self.param(c)?;
                    p.name = std::format!("{prefix}{}", p.name);
                    p.mandatory = c.attribute("mandatory") == Some("true");
                    out.push(p);
                }
                "object" => {
                    let name = c.attribute("name").unwrap_or("");
                    let sub = std::format!("{prefix}{name}");
                    self.args(c, &sub, out)?;
                }
                _ => {}
            }
        }
        Ok(())
    }

    fn param(&self, p: Node<'_, '_>) -> Result<ParamDef, XmlError> {
        let name = p.attribute("name").unwrap_or("");
        let access = match p.attribute("access") {
            Some("readWrite") => ParamAccess::ReadWrite,
            Some("writeOnceReadOnly") => ParamAccess::WriteOnceReadOnly,
            Some("writeOnly") => ParamAccess::WriteOnly,
            _ => ParamAccess::ReadOnly,
        };
        let syntax = p.children().find(|n| n.has_tag_name("syntax"));
        let mut base = None;
        let mut list = None;
        let mut constraints = Constraints::default();
        let mut data_type = None;
        let mut default = None;
        let mut reference = None;
        let mut unknown = None;
        let mut secured = false;
        if let Some(s) = syntax {
            secured =
                s.attribute("secured") == Some("true") || s.attribute("hidden") == Some("true");
            for c in s.children().filter(Node::is_element) {
                let tag = c.tag_name().name();
                if let Some(b) = base_type(tag) {
                    base = Some(b);
                    facets(c, b, &mut constraints);
                    if let Some(r) = c.children().find(|n| n.has_tag_name("pathRef")) {
                        reference = Some(match r.attribute("refType") {
                            Some("strong") => RefKind::Strong,
                            _ => RefKind::Weak,
                        });
                    }
                } else {
                    match tag {
                        "dataType" => {
                            let r = c
                                .attribute("ref")
                                .or_else(|| c.attribute("base"))
                                .unwrap_or("");
                            if let Some((b, l, inherited)) = self.named(r) {
                                base = Some(b);
                                list = list.or(l);
                                // Facets on the reference override the type's.
                                facets(c, b, &mut constraints);
                                merge(&mut constraints, &inherited);
                                data_type = Some(String::from(r));
                            } else {
                                unknown = Some(String::from(r));
                            }
                        }
                        "list" => {
                            list = Some(list_facets(c));
                        }
                        "default" => {
                            if matches!(c.attribute("type"), Some("object" | "factory")) {
                                default = c.attribute("value").map(String::from);
                            }
                        }
                        _ => {}
                    }
                }
            }
        }
        let Some(base) = base else {
            return Err(XmlError::UnknownType {
                line: self.line(p),
                name: String::from(name),
                ty: unknown.unwrap_or_default(),
            });
        };
        let ty = if list.is_some() {
            ParamType::list(base)
        } else {
            ParamType::scalar(base)
        };
        let mut def = ParamDef::new(name, ty).with_access(access);
        if let Some((min, max, len)) = list {
            constraints.min_items = min;
            constraints.max_items = max;
            constraints.list_max_length = len;
        }
        def.constraints = constraints;
        def.data_type = data_type;
        def.reference = reference;
        def.secured = secured;
        // A default must be a valid value, or it would make every Add fail; invalid ones
        // (e.g. an enumeration default not in the list) are dropped.
        def.default =
            default.filter(|d| def.check_value(d).is_ok() || d.is_empty() && !def.is_alias());
        if p.attribute("activeNotify") == Some("canDeny") {
            def.value_change = ValueChange::WillIgnore;
        }
        Ok(def)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DOC: &str = r#"<?xml version="1.0"?>
<dm:document xmlns:dm="urn:broadband-forum-org:cwmp:datamodel-1-14" spec="urn:t">
  <dataType name="Base"><string><size maxLength="8"/></string></dataType>
  <dataType name="Derived" base="Base"><pattern value="a.*"/></dataType>
  <dataType name="Counter"><unsignedLong/></dataType>
  <model name="T:1.0">
    <object name="Device." access="readOnly" minEntries="1" maxEntries="1">
      <parameter name="N" access="readOnly"><syntax><unsignedInt/></syntax></parameter>
      <command name="Go()" async="true">
        <input><parameter name="A" mandatory="true"><syntax><int><range minInclusive="-5" maxInclusive="5" step="5"/></int></syntax></parameter></input>
        <output><object name="R.{i}."><parameter name="X"><syntax><string/></syntax></parameter></object></output>
      </command>
      <event name="E!"><parameter name="P"><syntax><boolean/></syntax></parameter></event>
    </object>
    <object name="Device.T.{i}." access="readWrite" minEntries="0" maxEntries="unbounded" numEntriesParameter="N">
      <uniqueKey functional="false"><parameter ref="Alias"/></uniqueKey>
      <uniqueKey><parameter ref="D"/></uniqueKey>
      <parameter name="Alias" access="readWrite"><syntax><dataType ref="Derived"/></syntax></parameter>
      <parameter name="D" access="writeOnceReadOnly"><syntax><list maxItems="3"><size maxLength="20"/></list><dataType ref="Counter"/><default type="object" value="7"/></syntax></parameter>
      <parameter name="S" access="readWrite" activeNotify="canDeny"><syntax secured="true"><string><enumeration value="x"/><enumeration value="y"/></string><default type="object" value="z"/></syntax></parameter>
      <parameter name="Gone" status="deleted"><syntax><foo/></syntax></parameter>
    </object>
  </model>
</dm:document>"#;

    #[test]
    fn loads_every_construct() {
        let s = Loader::new()
            .load_str(DOC)
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(s.uri(), "urn:t");
        let d = s.object("Device.").unwrap_or_else(|| panic!());
        let go = &d.commands["Go"];
        assert!(go.is_async);
        assert_eq!(go.input[0].name, "A");
        assert!(go.input[0].mandatory);
        assert_eq!(go.input[0].constraints.ranges[0].step, Some(5));
        assert_eq!(go.output[0].name, "R.{i}.X");
        assert_eq!(d.events["E"].args[0].ty.base(), ValueType::Boolean);
        let t = s.object("Device.T.{i}.").unwrap_or_else(|| panic!());
        assert_eq!(t.access, ObjAccess::AddDelete);
        assert_eq!(t.num_entries_param.as_deref(), Some("N"));
        assert_eq!(t.unique_keys.len(), 2);
        assert!(!t.unique_keys[0].functional);
        assert!(t.unique_keys[1].functional);
        let alias = &t.params["Alias"];
        assert_eq!(alias.constraints.max_length, Some(8));
        assert_eq!(alias.constraints.patterns, ["a.*"]);
        let dd = &t.params["D"];
        assert!(dd.ty.is_list());
        assert_eq!(dd.ty.base(), ValueType::UnsignedLong);
        assert_eq!(dd.constraints.max_items, Some(3));
        assert_eq!(dd.constraints.list_max_length, Some(20));
        assert_eq!(dd.access, ParamAccess::WriteOnceReadOnly);
        assert_eq!(dd.default.as_deref(), Some("7"));
        let sp = &t.params["S"];
        assert!(sp.secured);
        assert_eq!(sp.value_change, ValueChange::WillIgnore);
        assert_eq!(sp.default, None, "invalid enum default dropped");
        assert!(!t.params.contains_key("Gone"));
    }

    #[test]
    fn errors() {
        assert!(matches!(
            Loader::new().load_str("<a"),
            Err(XmlError::Syntax(_))
        ));
        assert!(matches!(
            Loader::new().load_str("<a/>"),
            Err(XmlError::NoModel)
        ));
        let bad = r#"<d><model><object name="Device."><parameter name="X"><syntax><dataType ref="Nope"/></syntax></parameter></object></model></d>"#;
        assert!(matches!(
            Loader::new().load_str(bad),
            Err(XmlError::UnknownType { line: 1, .. })
        ));
        let orphan = r#"<d><model><object name="Device.A.B."/></model></d>"#;
        assert!(matches!(
            Loader::new().load_str(orphan),
            Err(XmlError::Schema { .. })
        ));
        assert!(matches!(
            Loader::new().load_file("/nonexistent/x.xml"),
            Err(XmlError::Io { .. })
        ));
    }
}
