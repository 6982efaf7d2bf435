//! Generates `<package>_view.rs`: the fast path of one schema.
//!
//! * A borrowed "view" type for every message (`&'a str` strings, `&'a [u8]` bytes, a small
//!   `Map<'a>` for maps, `Repeated` (up to 4 inline, then a `Vec`) for repeated strings and
//!   bytes, `Vec` for repeated messages, `Option` for message fields, generated enums for
//!   oneofs, enums as `i32` with typed accessors).
//! * A hand-rolled zero-copy decoder per view with exactly prost's acceptance rules (see
//!   `fast_runtime.rs.in`), `to_pb()` into the prost type and `From<&pb::X>` back. Each
//!   `merge` is generic over the cursor and compiled twice: for input that is UTF-8 as a whole
//!   (a `TextReader`, the fast path) and for any bytes (a `Reader`, which also gives the
//!   errors).
//! * `FastEncode` for every prost type and every view: nested sizes are computed once, then
//!   the message is written in one pass, byte-identical to prost.
//!
//! Only the shapes the USP schema uses are supported (integer, bool, string and bytes scalars,
//! enums, messages, repeated string/bytes/message, `map<string, string>`, oneofs); anything
//! else stops the generator with a message rather than producing wrong code.

use core::fmt::Write as _;
use std::collections::{BTreeMap, BTreeSet};

use prost_types::field_descriptor_proto::{Label, Type};
use prost_types::{DescriptorProto, FileDescriptorProto};

use crate::model::{camel, snake};

/// The runtime shared by all generated views of one crate (decoder cursor, errors, `Map`,
/// encoder helpers).
const RUNTIME: &str = include_str!("fast_runtime.rs.in");

/// The `map<string, string>` support (the `Map` type, entry decoding and encoding), emitted
/// only for a schema with maps.
const RUNTIME_MAP: &str = include_str!("fast_runtime_map.rs.in");

/// A scalar proto type.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Sc {
    Str,
    Bytes,
    Bool,
    Int32,
    Int64,
    Uint32,
    Uint64,
    Sint32,
    Sint64,
    Fixed32,
    Fixed64,
    Sfixed32,
    Sfixed64,
}

impl Sc {
    fn from_type(t: Type) -> Self {
        match t {
            Type::String => Self::Str,
            Type::Bytes => Self::Bytes,
            Type::Bool => Self::Bool,
            Type::Int32 | Type::Enum => Self::Int32,
            Type::Int64 => Self::Int64,
            Type::Uint32 => Self::Uint32,
            Type::Uint64 => Self::Uint64,
            Type::Sint32 => Self::Sint32,
            Type::Sint64 => Self::Sint64,
            Type::Fixed32 => Self::Fixed32,
            Type::Fixed64 => Self::Fixed64,
            Type::Sfixed32 => Self::Sfixed32,
            Type::Sfixed64 => Self::Sfixed64,
            other => panic!(
                "usp-codegen: proto type {other:?} is not supported by the fast path \
                 (the USP schema does not use it)"
            ),
        }
    }

    fn wire_type(self) -> u32 {
        match self {
            Self::Str | Self::Bytes => 2,
            Self::Fixed32 | Self::Sfixed32 => 5,
            Self::Fixed64 | Self::Sfixed64 => 1,
            _ => 0,
        }
    }

    /// The Rust type of a numeric scalar (same in prost and in the views).
    fn rust(self) -> &'static str {
        match self {
            Self::Bool => "bool",
            Self::Int32 | Self::Sint32 | Self::Sfixed32 => "i32",
            Self::Int64 | Self::Sint64 | Self::Sfixed64 => "i64",
            Self::Uint32 | Self::Fixed32 => "u32",
            Self::Uint64 | Self::Fixed64 => "u64",
            Self::Str => "&'a str",
            Self::Bytes => "&'a [u8]",
        }
    }

    /// Expression decoding one value from reader `r` (errors propagate with `?`).
    fn decode(self, field: &str) -> String {
        match self {
            Self::Str => format!("r.str({field:?})?"),
            Self::Bytes => "r.bytes()?".into(),
            Self::Bool => "r.varint()? != 0".into(),
            Self::Int32 => "r.varint()? as i32".into(),
            Self::Int64 => "r.varint()? as i64".into(),
            Self::Uint32 => "r.varint()? as u32".into(),
            Self::Uint64 => "r.varint()?".into(),
            Self::Sint32 => {
                "{ let v = r.varint()? as u32; ((v >> 1) as i32) ^ (-((v & 1) as i32)) }".into()
            }
            Self::Sint64 => {
                "{ let v = r.varint()?; ((v >> 1) as i64) ^ (-((v & 1) as i64)) }".into()
            }
            Self::Fixed32 => "u32::from_le_bytes(r.fixed::<4>()?)".into(),
            Self::Sfixed32 => "i32::from_le_bytes(r.fixed::<4>()?)".into(),
            Self::Fixed64 => "u64::from_le_bytes(r.fixed::<8>()?)".into(),
            Self::Sfixed64 => "i64::from_le_bytes(r.fixed::<8>()?)".into(),
        }
    }

    /// For a varint scalar: the `u64` prost writes for value `v`.
    fn varint_of(self, v: &str) -> String {
        match self {
            Self::Bool | Self::Uint32 => format!("u64::from({v})"),
            Self::Int32 | Self::Int64 => format!("{v} as u64"),
            Self::Uint64 => v.to_string(),
            Self::Sint32 => format!("(({v} << 1) ^ ({v} >> 31)) as u32 as u64"),
            Self::Sint64 => format!("(({v} << 1) ^ ({v} >> 63)) as u64"),
            _ => unreachable!("not a varint scalar"),
        }
    }

    /// Statement adding the field's encoded size (key included) to `n`; `v` is a value of a
    /// numeric scalar or a reference to a string/bytes value.
    fn size(self, key_len: usize, v: &str) -> String {
        match self {
            Self::Str | Self::Bytes => format!("n += {key_len} + ld_len({v}.len());"),
            Self::Fixed32 | Self::Sfixed32 => format!("n += {};", key_len + 4),
            Self::Fixed64 | Self::Sfixed64 => format!("n += {};", key_len + 8),
            Self::Bool => format!("n += {};", key_len + 1),
            _ => format!("n += {key_len} + varint_len({});", self.varint_of(v)),
        }
    }

    /// Statements writing value `v` (after the key).
    fn write(self, v: &str) -> String {
        match self {
            Self::Str => format!("w.ld({v}.as_bytes());"),
            Self::Bytes => format!("w.ld({v});"),
            Self::Fixed32 | Self::Sfixed32 | Self::Fixed64 | Self::Sfixed64 => {
                format!("w.bytes(&({v}).to_le_bytes());")
            }
            _ => format!("w.varint({});", self.varint_of(v)),
        }
    }
}

/// The value type of a field.
#[derive(Clone, Debug)]
enum Ty {
    Sc(Sc),
    /// An enum (an `i32` on the wire); the prost path relative to `pb`.
    Enum(String),
    /// A message; its full proto name.
    Msg(String),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Shape {
    Single,
    Repeated,
    /// `map<string, string>` (the only map shape the USP schema uses).
    StringMap,
}

#[derive(Clone, Debug)]
struct Field {
    /// Full proto name (`usp.Header.msg_id`), for errors.
    full: String,
    name: String,
    /// Rust field name, or variant name for a oneof member.
    ident: String,
    number: u32,
    ty: Ty,
    shape: Shape,
    oneof: Option<usize>,
}

impl Field {
    fn wire_type(&self) -> u32 {
        match (&self.shape, &self.ty) {
            (Shape::Single, Ty::Sc(s)) => s.wire_type(),
            (Shape::Single, Ty::Enum(_)) => 0,
            _ => 2,
        }
    }

    /// Statement writing the key.
    fn key(&self) -> String {
        key_write(self.number, self.wire_type())
    }

    fn key_len(&self) -> usize {
        varint_bytes(u64::from(self.number << 3 | self.wire_type())).len()
    }

    fn sc(&self) -> Sc {
        match &self.ty {
            Ty::Sc(s) => *s,
            Ty::Enum(_) => Sc::Int32,
            Ty::Msg(_) => unreachable!("message field"),
        }
    }
}

#[derive(Clone, Debug)]
struct Oneof {
    name: String,
    /// Rust field name.
    ident: String,
    /// Enum path relative to `pb` / the view root (`body::MsgBody`).
    rel: String,
    members: Vec<usize>,
}

#[derive(Clone, Debug)]
struct Msg {
    full: String,
    /// Path relative to `pb` / the view root (`get_resp::RequestedPathResult`).
    rel: String,
    /// Module path of the type (`["get_resp"]`).
    module: Vec<String>,
    name: String,
    fields: Vec<Field>,
    oneofs: Vec<Oneof>,
}

fn varint_bytes(mut v: u64) -> Vec<u8> {
    let mut out = Vec::new();
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
    out
}

fn key_write(number: u32, wire_type: u32) -> String {
    let bytes = varint_bytes(u64::from(number << 3 | wire_type));
    match bytes.as_slice() {
        [b] => format!("w.byte({b});"),
        _ => {
            let list: Vec<String> = bytes.iter().map(|b| b.to_string()).collect();
            format!("w.bytes(&[{}]);", list.join(", "))
        }
    }
}

/// Everything the generator knows about one file.
struct Schema {
    msgs: Vec<Msg>,
    /// Full name → index into `msgs`.
    index: BTreeMap<String, usize>,
    /// Full names of messages whose view borrows from the input (needs `<'a>`).
    borrows: BTreeSet<String>,
    /// Full names of oneofs (`msg.oneof`) whose view enum borrows.
    oneof_borrows: BTreeSet<String>,
    /// Whether some field is a map.
    maps: bool,
    /// Full names of messages with a string field (directly or nested).
    has_str: BTreeSet<String>,
    /// Full names of messages no field refers to (the ones applications decode: `Msg`,
    /// `Record`); they get a crate-internal text-only entry point for the validated layer.
    roots: BTreeSet<String>,
    /// Full names of messages that are the elements of a repeated field.
    elems: BTreeSet<String>,
}

enum Known {
    Msg,
    Enum(String),
    StringMap,
}

fn is_map_entry(m: &DescriptorProto) -> bool {
    m.options.as_ref().and_then(|o| o.map_entry) == Some(true)
}

fn collect(known: &mut BTreeMap<String, Known>, parent: &str, rust_mod: &str, m: &DescriptorProto) {
    let full = format!("{parent}.{}", m.name());
    if is_map_entry(m) {
        let ok = m.field.len() == 2
            && m.field
                .iter()
                .all(|f| f.r#type() == Type::String && (f.number() == 1 || f.number() == 2));
        assert!(
            ok,
            "usp-codegen: fast path supports only map<string, string> ({full})"
        );
        known.insert(full, Known::StringMap);
        return;
    }
    known.insert(full.clone(), Known::Msg);
    let inner = format!("{rust_mod}{}::", snake(m.name()));
    for n in &m.nested_type {
        collect(known, &full, &inner, n);
    }
    for e in &m.enum_type {
        known.insert(
            format!("{full}.{}", e.name()),
            Known::Enum(format!("{inner}{}", camel(e.name()))),
        );
    }
}

fn build(
    known: &BTreeMap<String, Known>,
    parent: &str,
    module: &[String],
    m: &DescriptorProto,
    out: &mut Vec<Msg>,
) {
    if is_map_entry(m) {
        return;
    }
    let full = format!("{parent}.{}", m.name());
    let rel_mod: String = module.iter().map(|s| format!("{s}::")).collect();
    let mut inner_mod = module.to_vec();
    inner_mod.push(snake(m.name()));
    let inner_rel: String = inner_mod.iter().map(|s| format!("{s}::")).collect();
    let mut oneofs: Vec<Oneof> = m
        .oneof_decl
        .iter()
        .map(|o| Oneof {
            name: o.name().to_string(),
            ident: snake(o.name()),
            rel: format!("{inner_rel}{}", camel(o.name())),
            members: Vec::new(),
        })
        .collect();
    let mut fields = Vec::new();
    for f in &m.field {
        assert!(
            !f.proto3_optional(),
            "usp-codegen: proto3 optional is not supported ({full})"
        );
        let ty = match f.r#type() {
            Type::Message | Type::Enum => match known.get(f.type_name().trim_start_matches('.')) {
                Some(Known::Msg) => Ty::Msg(f.type_name().trim_start_matches('.').to_string()),
                Some(Known::Enum(p)) => Ty::Enum(p.clone()),
                Some(Known::StringMap) => Ty::Sc(Sc::Str),
                None => {
                    let top = f.type_name().trim_start_matches('.');
                    // Top-level enums are not collected by `collect` (which walks messages).
                    match top.rsplit_once('.') {
                        Some((_, name)) if f.r#type() == Type::Enum => Ty::Enum(camel(name)),
                        _ => panic!("usp-codegen: unresolved type {}", f.type_name()),
                    }
                }
            },
            t => Ty::Sc(Sc::from_type(t)),
        };
        let is_map = matches!(
            known.get(f.type_name().trim_start_matches('.')),
            Some(Known::StringMap)
        );
        let shape = if is_map {
            Shape::StringMap
        } else if f.label() == Label::Repeated {
            match &ty {
                Ty::Sc(Sc::Str | Sc::Bytes) | Ty::Msg(_) => Shape::Repeated,
                _ => panic!(
                    "usp-codegen: repeated numeric fields (packed) are not supported by the fast \
                     path ({full}.{})",
                    f.name()
                ),
            }
        } else {
            Shape::Single
        };
        let oneof = f.oneof_index.map(|i| i as usize);
        if let Some(o) = oneof {
            oneofs[o].members.push(fields.len());
            assert!(
                shape == Shape::Single,
                "usp-codegen: oneof member {} is not singular",
                f.name()
            );
        }
        fields.push(Field {
            full: format!("{full}.{}", f.name()),
            name: f.name().to_string(),
            ident: if oneof.is_some() {
                camel(f.name())
            } else {
                snake(f.name())
            },
            number: u32::try_from(f.number()).expect("positive field number"),
            ty,
            shape,
            oneof,
        });
    }
    out.push(Msg {
        full: full.clone(),
        rel: format!("{rel_mod}{}", camel(m.name())),
        module: module.to_vec(),
        name: camel(m.name()),
        fields,
        oneofs,
    });
    for n in &m.nested_type {
        build(known, &full, &inner_mod, n, out);
    }
}

impl Schema {
    fn new(file: &FileDescriptorProto) -> Self {
        let pkg = file.package();
        let mut known = BTreeMap::new();
        for m in &file.message_type {
            collect(&mut known, pkg, "", m);
        }
        for e in &file.enum_type {
            known.insert(format!("{pkg}.{}", e.name()), Known::Enum(camel(e.name())));
        }
        let mut msgs = Vec::new();
        for m in &file.message_type {
            build(&known, pkg, &[], m, &mut msgs);
        }
        let index: BTreeMap<String, usize> = msgs
            .iter()
            .enumerate()
            .map(|(i, m)| (m.full.clone(), i))
            .collect();
        let mut s = Self {
            msgs,
            index,
            borrows: BTreeSet::new(),
            oneof_borrows: BTreeSet::new(),
            maps: false,
            has_str: BTreeSet::new(),
            roots: BTreeSet::new(),
            elems: BTreeSet::new(),
        };
        s.check_acyclic();
        let used: BTreeSet<String> = s
            .msgs
            .iter()
            .flat_map(|m| &m.fields)
            .filter_map(|f| match &f.ty {
                Ty::Msg(t) => Some(t.clone()),
                _ => None,
            })
            .collect();
        s.roots = s
            .msgs
            .iter()
            .map(|m| m.full.clone())
            .filter(|n| !used.contains(n))
            .collect();
        s.compute_borrows();
        for m in &s.msgs {
            for f in &m.fields {
                s.maps |= f.shape == Shape::StringMap;
                if let (Ty::Msg(t), Shape::Repeated) = (&f.ty, f.shape) {
                    s.elems.insert(t.clone());
                }
            }
        }
        s
    }

    /// prost boxes recursive message fields; the views do not, so a recursive schema is
    /// refused (the USP schema has none).
    fn check_acyclic(&self) {
        fn visit(s: &Schema, i: usize, stack: &mut Vec<usize>) {
            assert!(
                !stack.contains(&i),
                "usp-codegen: recursive message {} is not supported by the fast path",
                s.msgs[i].full
            );
            stack.push(i);
            for f in &s.msgs[i].fields {
                if let (Ty::Msg(t), Shape::Single) = (&f.ty, f.shape) {
                    visit(s, s.index[t], stack);
                }
            }
            stack.pop();
        }
        for i in 0..self.msgs.len() {
            visit(self, i, &mut Vec::new());
        }
    }

    fn compute_borrows(&mut self) {
        loop {
            let mut changed = false;
            for m in &self.msgs {
                let has = m.fields.iter().any(|f| match &f.ty {
                    Ty::Sc(Sc::Str) => true,
                    Ty::Msg(t) => self.has_str.contains(t),
                    _ => f.shape == Shape::StringMap,
                });
                if has {
                    changed |= self.has_str.insert(m.full.clone());
                }
            }
            if !changed {
                break;
            }
        }
        loop {
            let mut changed = false;
            for m in &self.msgs {
                for f in &m.fields {
                    let b = match &f.ty {
                        Ty::Sc(Sc::Str | Sc::Bytes) => true,
                        Ty::Msg(t) => self.borrows.contains(t),
                        _ => false,
                    } || f.shape == Shape::StringMap;
                    if !b {
                        continue;
                    }
                    if let Some(o) = f.oneof {
                        let key = format!("{}.{}", m.full, m.oneofs[o].name);
                        changed |= self.oneof_borrows.insert(key);
                    }
                    changed |= self.borrows.insert(m.full.clone());
                }
            }
            if !changed {
                break;
            }
        }
    }

    /// Whether the decoder should try to validate message `full`'s bytes as UTF-8 as a whole
    /// (it has strings). Measured: even for a Record, whose payload is binary, one pass over
    /// the whole message beats validating its few strings one by one.
    fn whole_text(&self, full: &str) -> bool {
        self.has_str.contains(full)
    }

    fn lt(&self, full: &str) -> &'static str {
        if self.borrows.contains(full) {
            "<'a>"
        } else {
            ""
        }
    }

    fn oneof_lt(&self, m: &Msg, o: &Oneof) -> &'static str {
        if self
            .oneof_borrows
            .contains(&format!("{}.{}", m.full, o.name))
        {
            "<'a>"
        } else {
            ""
        }
    }
}

/// Doc text for a field's type.
fn ty_doc(s: &Schema, f: &Field) -> String {
    let base = match &f.ty {
        Ty::Sc(sc) => format!("{sc:?}").to_lowercase().replace("str", "string"),
        Ty::Enum(p) => format!("enum `{p}`"),
        Ty::Msg(t) => format!("`{}`", s.msgs[s.index[t]].full),
    };
    match f.shape {
        Shape::Single => base,
        Shape::Repeated => format!("repeated {base}"),
        Shape::StringMap => "map<string, string>".into(),
    }
}

/// Path from module `cur` to the item at `rel` (relative to the view root), as short as the
/// `unused_qualifications` lint wants.
fn rel_from(cur: &[String], rel: &str) -> String {
    let parts: Vec<&str> = rel.split("::").collect();
    let (name, module) = parts.split_last().expect("non-empty path");
    let common = cur
        .iter()
        .zip(module.iter())
        .take_while(|(a, b)| a == b)
        .count();
    let mut out = "super::".repeat(cur.len() - common);
    for m in &module[common..] {
        out.push_str(m);
        out.push_str("::");
    }
    out.push_str(name);
    out
}

/// The view type of a field's single value, written from module `cur`.
fn value_ty(s: &Schema, f: &Field, cur: &[String]) -> String {
    match &f.ty {
        Ty::Sc(sc) => sc.rust().to_string(),
        Ty::Enum(_) => "i32".into(),
        Ty::Msg(t) => format!("{}{}", rel_from(cur, &s.msgs[s.index[t]].rel), s.lt(t)),
    }
}

/// A module of the generated view tree.
#[derive(Default)]
struct Module {
    doc: String,
    items: String,
    children: BTreeMap<String, Self>,
}

impl Module {
    fn at(&mut self, path: &[String]) -> &mut Self {
        match path.split_first() {
            None => self,
            Some((first, rest)) => self.children.entry(first.clone()).or_default().at(rest),
        }
    }

    fn render(&self, out: &mut String) {
        out.push_str(&self.items);
        for (name, child) in &self.children {
            writeln!(out, "#[doc = {:?}] pub mod {name} {{", child.doc).unwrap();
            child.render(out);
            out.push_str("}\n");
        }
    }
}

/// Generates the view file of `file` (package `package`).
pub(crate) fn generate(file: &FileDescriptorProto) -> String {
    let s = Schema::new(file);
    let mut root = Module::default();
    let mut impls = String::new();
    for m in &s.msgs {
        let mut nested_path = m.module.clone();
        nested_path.push(snake(&m.name));
        let has_nested = !m.oneofs.is_empty() || s.msgs.iter().any(|n| n.module == nested_path);
        if has_nested {
            root.at(&nested_path).doc = format!("Nested view types of `{}`.", m.full);
        }
        let def = struct_def(&s, m);
        root.at(&m.module).items.push_str(&def);
        for o in &m.oneofs {
            let def = oneof_def(&s, m, o);
            root.at(&nested_path).items.push_str(&def);
        }
        impls.push_str(&decode_impl(&s, m));
        impls.push_str(&conv_impl(&s, m));
        impls.push_str(&encode_impl(&s, m, false));
        impls.push_str(&encode_impl(&s, m, true));
    }
    let mut src = String::new();
    src.push_str(RUNTIME);
    if s.maps {
        src.push_str(RUNTIME_MAP);
    }
    root.render(&mut src);
    src.push_str(&impls);
    let body = crate::format_rust(&src);
    format!("{}{body}", crate::HEADER)
}

fn struct_def(s: &Schema, m: &Msg) -> String {
    let up = "super::".repeat(m.module.len());
    let lt = s.lt(&m.full);
    let mut out = String::new();
    writeln!(
        out,
        "/// Borrowed view of `{}`: decoded without copying; strings and bytes point into the \
         input. See [`{up}FastEncode`] and `to_pb`.",
        m.full
    )
    .unwrap();
    writeln!(out, "#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]").unwrap();
    writeln!(out, "pub struct {}{lt} {{", m.name).unwrap();
    let mut oneofs_done = BTreeSet::new();
    for f in &m.fields {
        if let Some(o) = f.oneof {
            if oneofs_done.insert(o) {
                let of = &m.oneofs[o];
                let members: Vec<String> = of
                    .members
                    .iter()
                    .map(|i| format!("`{}`", m.fields[*i].name))
                    .collect();
                writeln!(
                    out,
                    "/// Oneof `{}`: one of {} (`None` if absent).\npub {}: Option<{}{}>,",
                    of.name,
                    members.join(", "),
                    of.ident,
                    rel_from(&m.module, &of.rel),
                    s.oneof_lt(m, of)
                )
                .unwrap();
            }
            continue;
        }
        let doc = format!("/// Field {} `{}` ({}).", f.number, f.name, ty_doc(s, f));
        let vt = value_ty(s, f, &m.module);
        let ty = match f.shape {
            Shape::StringMap => {
                format!("{up}Map<'a>")
            }
            Shape::Repeated => match f.ty {
                Ty::Msg(_) => format!("alloc::vec::Vec<{vt}>"),
                _ => format!("{up}Repeated<{vt}>"),
            },
            Shape::Single => match f.ty {
                Ty::Msg(_) => format!("Option<{vt}>"),
                _ => vt,
            },
        };
        let extra = match (&f.ty, f.shape) {
            (_, Shape::StringMap) => " Duplicate keys are kept in wire order; the last wins.",
            (Ty::Enum(_), _) => " The raw number; the method of the same name gives the enum.",
            _ => "",
        };
        writeln!(out, "{doc}{extra}\npub {}: {ty},", f.ident).unwrap();
    }
    out.push_str("}\n");
    out
}

fn oneof_def(s: &Schema, m: &Msg, o: &Oneof) -> String {
    let mut cur = m.module.clone();
    cur.push(snake(&m.name));
    let name = o.rel.rsplit("::").next().unwrap_or_default();
    let mut out = String::new();
    writeln!(
        out,
        "/// Borrowed view of oneof `{}` of `{}`.",
        o.name, m.full
    )
    .unwrap();
    writeln!(out, "#[derive(Clone, Debug, PartialEq, Eq, Hash)]").unwrap();
    writeln!(out, "pub enum {name}{} {{", s.oneof_lt(m, o)).unwrap();
    for i in &o.members {
        let f = &m.fields[*i];
        writeln!(
            out,
            "/// Field {} `{}` ({}).\n{}({}),",
            f.number,
            f.name,
            ty_doc(s, f),
            f.ident,
            value_ty(s, f, &cur)
        )
        .unwrap();
    }
    out.push_str("}\n");
    out
}

/// `impl` header of message `m`'s view (`impl<'a> X<'a>` or `impl X`) and the reader lifetime.
fn view_impl_head(s: &Schema, m: &Msg) -> (String, &'static str) {
    if s.borrows.contains(&m.full) {
        (format!("impl<'a> {}<'a>", m.rel), "'a")
    } else {
        (format!("impl {}", m.rel), "'_")
    }
}

fn decode_impl(s: &Schema, m: &Msg) -> String {
    let (head, rlt) = view_impl_head(s, m);
    let buf_ty = if rlt == "'a" { "&'a [u8]" } else { "&[u8]" };
    let mut out = String::new();
    writeln!(out, "{head} {{").unwrap();
    writeln!(
        out,
        "/// Decodes a `{full}` from `buf` without copying: strings and bytes borrow from \
         `buf`.\n///\n/// Accepts exactly what prost's `{full}` decoder accepts: unknown fields \
         (groups included) are skipped, a repeated occurrence of a singular message field is \
         merged into the first, the last value of a singular scalar field wins.\n///\n/// \
         # Errors\n/// [`DecodeError`] for malformed protobuf: truncated or overlong values, \
         invalid keys, a wire type that does not match the field, a string that is not \
         UTF-8, unbalanced groups, nesting beyond [`RECURSION_LIMIT`].\n\
         pub fn decode(buf: {buf_ty}) -> Result<Self, DecodeError> {{\n\
         {decode_body}\n}}\n\
         /// [`Self::decode`] for input already known to be UTF-8 as a whole, skipping \
         `decode`'s validation pass over it: strings and nested messages are split off the \
         text with one char boundary check each. For a payload inside a validated buffer, \
         see [`text_within`]. The result, errors included, is the same as \
         `decode(text.as_bytes())`: on malformed input (or a shape the text reader leaves \
         to it) the general reader decodes again and gives the error.\n///\n/// \
         # Errors\n/// As [`Self::decode`].\n\
         #[inline(never)]\n\
         pub fn decode_text(text: {text_ty}) -> Result<Self, DecodeError> {{\n\
         #[cfg(feature = \"text-decoder\")]\n\
         {{ let mut out = Self::default();\n\
         match out.merge(TextReader::new(text), RECURSION_LIMIT) {{ Ok(()) => Ok(out), Err(Retry) => Self::decode_from(Reader::from_text(text)) }} }}\n\
         #[cfg(not(feature = \"text-decoder\"))]\n\
         {{ Self::decode_from(Reader::from_text(text)) }}\n}}\n\
         {root_entry}\
         /// The general reader's out-of-line body (input that is not UTF-8 as a whole, and \
         errors): the `merge` functions below it are inlined into it.\n\
         #[inline(never)]\n\
         fn decode_from(r: Reader<{rlt}>) -> Result<Self, DecodeError> {{\n\
         let mut out = Ok(Self::default());\n\
         if let Ok(m) = &mut out {{\n\
         if let Err(e) = m.merge(r, RECURSION_LIMIT) {{ out = Err(*e); }}\n\
         }}\n\
         out\n}}",
        full = m.full,
        decode_body = if s.whole_text(&m.full) {
            "#[cfg(feature = \"text-decoder\")]\n\
             { match as_text(buf) { Some(t) => Self::decode_text(t), None => Self::decode_from(Reader::from_bytes(buf)) } }\n\
             #[cfg(not(feature = \"text-decoder\"))]\n\
             { Self::decode_from(Reader::new(buf)) }"
        } else {
            "Self::decode_from(Reader::from_bytes(buf))"
        },
        text_ty = if rlt == "'a" { "&'a str" } else { "&str" },
        // `decode_text` keeps its own inlined text decoder rather than calling
        // `decode_text_only`: sharing it saves a copy of the roots' text decoder (42 KB in the
        // x86 bench binary, 25 KB of usp-msg on thumbv7em at opt-level s) but costs the views
        // 72 instructions per Record with a Get (measured), about 7%.
        root_entry = if s.roots.contains(&m.full) {
            format!(
                "/// [`Self::decode_text`] without the general reader, for the validated layer: \
                 `Some` only when the text decoder took the whole input, which proves that no \
                 oneof of it had two different members (the text decoder leaves a member \
                 change to the general reader), so the wire scan for them can be skipped.\n\
                 #[cfg(feature = \"text-decoder\")]\n\
                 #[allow(dead_code)]\n\
                 #[inline(never)]\n\
                 pub(crate) fn decode_text_only(text: {t}) -> Option<Self> {{\n\
                 let mut out = Self::default();\n\
                 match out.merge(TextReader::new(text), RECURSION_LIMIT) {{ Ok(()) => Some(out), Err(Retry) => None }}\n}}\n\
                 /// [`Self::decode`] for input known not to be UTF-8 as a whole: the general \
                 reader, without trying the text decoder first.\n\
                 #[cfg(feature = \"text-decoder\")]\n\
                 #[allow(dead_code)]\n\
                 pub(crate) fn decode_bytes(buf: {b}) -> Result<Self, DecodeError> {{\n\
                 Self::decode_from(Reader::from_bytes(buf))\n}}\n",
                t = if rlt == "'a" { "&'a str" } else { "&str" },
                b = buf_ty,
            )
        } else {
            String::new()
        },
    )
    .unwrap();
    // Inlining, chosen and measured (callgrind, views of a Record with a Get / a GetResp with
    // 50 params): every `merge` is inlined into its parent's, down to one `decode_text` and
    // one `decode_from` per decoded type (-9% instructions on the Record, no function calls
    // per nested message), except the element of a repeated message field: its `merge` runs
    // in the tight loop of its parent, which stays small that way (inlined, the GetResp took
    // +10%). Not in debug builds: unoptimized, the inlined tree of `Msg` needs a stack frame
    // of ~140 KB.
    writeln!(
        out,
        "{inl}\nfn merge<{gen}>(&mut self, r: R, depth: u32) -> Result<(), R::E> {{",
        gen = if rlt == "'a" { "R: Src<'a>" } else { "'r, R: Src<'r>" },
        inl = if s.elems.contains(&m.full) {
            "#[inline(never)]"
        } else {
            "#[cfg_attr(not(debug_assertions), inline(always))]"
        },
    )
    .unwrap();
    // A local copy of the reader: the one passed in lives in the caller's memory (it is too
    // large for registers), where every change of `pos` would be stored; the copy stays in
    // registers (measured: -1.5% instructions on a Record with a Get).
    out.push_str("let mut r = r;\nwhile r.more() {\n");
    if m.fields.is_empty() {
        out.push_str(
            "let at = r.pos();\nlet key = r.key()?;\nr.check_key(at, key)?;\nr.skip(key, depth)?;\n",
        );
    } else {
        out.push_str("let at = r.pos();\nlet key = r.key()?;\nmatch key {\n");
        for f in &m.fields {
            let key = f.number << 3 | f.wire_type();
            write!(out, "{key} => ").unwrap();
            out.push_str(&decode_arm(s, m, f));
            out.push('\n');
        }
        out.push_str("_ => {\nr.check_key(at, key)?;\nmatch key >> 3 {\n");
        for f in &m.fields {
            writeln!(
                out,
                "{} => return Err(r.mismatch(at, key, {}, {:?})),",
                f.number,
                f.wire_type(),
                f.full
            )
            .unwrap();
        }
        out.push_str("_ => r.skip(key, depth)?,\n}\n}\n}\n");
    }
    out.push_str("}\nOk(())\n}\n");
    // Typed enum accessors.
    for f in &m.fields {
        if let (Ty::Enum(p), Shape::Single, None) = (&f.ty, f.shape, f.oneof) {
            writeln!(
                out,
                "/// Field `{}` as `pb::{p}`; a number the schema does not define gives the \
                 default value, like prost's accessor.\npub fn {}(&self) -> crate::pb::{p} {{\n\
                 crate::pb::{p}::try_from(self.{}).unwrap_or_default()\n}}",
                f.name, f.ident, f.ident
            )
            .unwrap();
        }
    }
    out.push_str("}\n");
    out
}

fn decode_arm(s: &Schema, m: &Msg, f: &Field) -> String {
    if let Some(o) = f.oneof {
        let of = &m.oneofs[o];
        let var = format!("{}::{}", of.rel, f.ident);
        // Built in place: a repeated occurrence of the same member merges into it (prost).
        // Filling an empty oneof forgets the `None` it replaces (nothing to leak) rather than
        // dropping it: the drop glue is an out-of-line call measured at ~14 instructions.
        return match &f.ty {
            Ty::Msg(t) => format!(
                "{{ let sub = r.sub(depth, {txt})?; \
                 match self.{oi} {{ Some({var}(_)) => {{}} \
                 None => {{ #[allow(clippy::forget_non_drop)] core::mem::forget(self.{oi}.replace({var}(Default::default()))); }} \
                 _ => {{ r.oneof_switch()?; self.{oi} = Some({var}(Default::default())) }} }} \
                 if let Some({var}(v)) = &mut self.{oi} {{ v.merge(sub, depth - 1)?; }} }}",
                txt = s.whole_text(t),
                oi = of.ident,
            ),
            _ => format!(
                "{{ let v = {}; if !matches!(self.{oi}, None | Some({var}(_))) {{ r.oneof_switch()?; }} self.{oi} = Some({var}(v)); }}",
                f.sc().decode(&f.full),
                oi = of.ident,
            ),
        };
    }
    match (f.shape, &f.ty) {
        (Shape::StringMap, _) => format!(
            "{{ let (k, v) = string_map_entry(r.sub(depth, true)?, depth, {:?})?; self.{}.push(k, v); }}",
            f.full, f.ident
        ),
        (Shape::Repeated, Ty::Msg(t)) => format!(
            "{{ let sub = r.sub(depth, {})?; self.{i}.push(Default::default()); \
             if let Some(v) = self.{i}.last_mut() {{ v.merge(sub, depth - 1)?; }} }}",
            s.whole_text(t),
            i = f.ident
        ),
        (Shape::Repeated, _) => format!("self.{}.push({}),", f.ident, f.sc().decode(&f.full)),
        (Shape::Single, Ty::Msg(t)) => format!(
            "{{ let sub = r.sub(depth, {})?; self.{}.get_or_insert_with(Default::default).merge(sub, depth - 1)?; }}",
            s.whole_text(t),
            f.ident
        ),
        (Shape::Single, _) => format!("self.{} = {},", f.ident, f.sc().decode(&f.full)),
    }
}

fn conv_impl(s: &Schema, m: &Msg) -> String {
    let (head, _) = view_impl_head(s, m);
    let lt = s.borrows.contains(&m.full);
    let pb = format!("crate::pb::{}", m.rel);
    let mut to = Vec::new();
    let mut from = Vec::new();
    for f in &m.fields {
        if f.oneof.is_some() {
            continue;
        }
        let i = &f.ident;
        let (t, fr) = match (f.shape, &f.ty) {
            (Shape::StringMap, _) => (
                format!("self.{i}.to_btree_map()"),
                format!("Map::from(&m.{i})"),
            ),
            (Shape::Repeated, Ty::Msg(_)) => (
                format!("self.{i}.iter().map(|v| v.to_pb()).collect()"),
                format!("m.{i}.iter().map(Into::into).collect()"),
            ),
            (Shape::Repeated, Ty::Sc(Sc::Str)) => (
                format!("self.{i}.iter().map(|v| (*v).into()).collect()"),
                format!("m.{i}.iter().map(alloc::string::String::as_str).collect()"),
            ),
            (Shape::Repeated, Ty::Sc(Sc::Bytes)) => (
                format!(
                    "self.{i}.iter().map(|v| ::prost::bytes::Bytes::copy_from_slice(v)).collect()"
                ),
                format!("m.{i}.iter().map(core::ops::Deref::deref).collect()"),
            ),
            (Shape::Repeated, _) => unreachable!("checked in build"),
            (Shape::Single, Ty::Msg(_)) => (
                format!("self.{i}.as_ref().map(|v| v.to_pb())"),
                format!("m.{i}.as_ref().map(Into::into)"),
            ),
            (Shape::Single, Ty::Sc(Sc::Str)) => {
                (format!("self.{i}.into()"), format!("m.{i}.as_str()"))
            }
            (Shape::Single, Ty::Sc(Sc::Bytes)) => (
                format!("::prost::bytes::Bytes::copy_from_slice(self.{i})"),
                format!("core::ops::Deref::deref(&m.{i})"),
            ),
            (Shape::Single, _) => (format!("self.{i}"), format!("m.{i}")),
        };
        to.push(format!("{i}: {t}"));
        from.push(format!("{i}: {fr}"));
    }
    for o in &m.oneofs {
        let i = &o.ident;
        to.push(format!("{i}: self.{i}.as_ref().map(|v| v.to_pb())"));
        from.push(format!("{i}: m.{i}.as_ref().map(Into::into)"));
    }
    let view = format!("{}{}", m.rel, if lt { "<'a>" } else { "" });
    let mut out = String::new();
    writeln!(
        out,
        "{head} {{\n/// Copies this view into the owned prost type (strings and bytes are copied; \
         for a map the last duplicate key wins).\npub fn to_pb(&self) -> {pb} {{\n{pb} {{ {} }}\n}}\n}}",
        to.join(", ")
    )
    .unwrap();
    let (gen_a, ref_a) = if lt { ("<'a>", "&'a ") } else { ("", "&") };
    let m_name = if from.is_empty() { "_m" } else { "m" };
    writeln!(
        out,
        "impl{gen_a} From<{ref_a}{pb}> for {view} {{\n/// Borrows the owned value (allocates only the \
         `Vec`s of repeated fields and maps; maps are in key order).\nfn from({m_name}: {ref_a}{pb}) -> Self {{\nSelf {{ {} }}\n}}\n}}",
        from.join(", ")
    )
    .unwrap();
    let view_anon = format!("{}{}", m.rel, if lt { "<'_>" } else { "" });
    writeln!(
        out,
        "impl From<&{view_anon}> for {pb} {{\n/// Same as `to_pb`.\nfn from(v: &{view_anon}) -> Self {{\nv.to_pb()\n}}\n}}"
    )
    .unwrap();
    for o in &m.oneofs {
        out.push_str(&oneof_conv(s, m, o));
    }
    out
}

fn oneof_conv(s: &Schema, m: &Msg, o: &Oneof) -> String {
    let lt = s.oneof_lt(m, o);
    let pb = format!("crate::pb::{}", o.rel);
    let mut to = Vec::new();
    let mut from = Vec::new();
    for i in &o.members {
        let f = &m.fields[*i];
        let var = &f.ident;
        let (t, fr) = match &f.ty {
            Ty::Msg(_) => ("v.to_pb()", "v.into()"),
            Ty::Sc(Sc::Str) => ("(*v).into()", "v.as_str()"),
            Ty::Sc(Sc::Bytes) => (
                "::prost::bytes::Bytes::copy_from_slice(v)",
                "core::ops::Deref::deref(v)",
            ),
            _ => ("*v", "*v"),
        };
        to.push(format!("Self::{var}(v) => {pb}::{var}({t}),"));
        from.push(format!("{pb}::{var}(v) => Self::{var}({fr}),"));
    }
    let gen_a = if lt.is_empty() { "" } else { "<'a>" };
    let ref_a = if lt.is_empty() { "&" } else { "&'a " };
    let anon = if lt.is_empty() { "" } else { "<'_>" };
    let view = format!("{}{lt}", o.rel);
    format!(
        "impl{gen_a} {view} {{\n/// Copies this view into the owned prost oneof.\npub fn to_pb(&self) -> {pb} {{\nmatch self {{ {} }}\n}}\n}}\n\
         impl{gen_a} From<{ref_a}{pb}> for {view} {{\n/// Borrows the owned value.\nfn from(m: {ref_a}{pb}) -> Self {{\nmatch m {{ {} }}\n}}\n}}\n\
         impl From<&{}{anon}> for {pb} {{\n/// Same as `to_pb`.\nfn from(v: &{}{anon}) -> Self {{\nv.to_pb()\n}}\n}}\n",
        to.join("\n"),
        from.join("\n"),
        o.rel,
        o.rel
    )
}

/// One item of a message in encoding order: a plain field or a whole oneof.
enum Item<'m> {
    Field(&'m Field),
    Oneof(&'m Oneof),
}

fn encode_items(m: &Msg) -> Vec<Item<'_>> {
    let mut items: Vec<(u32, Item<'_>)> = m
        .fields
        .iter()
        .filter(|f| f.oneof.is_none())
        .map(|f| (f.number, Item::Field(f)))
        .collect();
    for o in &m.oneofs {
        let min = o
            .members
            .iter()
            .map(|i| m.fields[*i].number)
            .min()
            .expect("non-empty oneof");
        items.push((min, Item::Oneof(o)));
    }
    items.sort_by_key(|(n, _)| *n);
    items.into_iter().map(|(_, i)| i).collect()
}

fn is_set(sc: Sc, v: &str) -> String {
    match sc {
        Sc::Str | Sc::Bytes => format!("!{v}.is_empty()"),
        Sc::Bool => v.to_string(),
        _ => format!("{v} != 0"),
    }
}

/// Size statements for one value `v` (a reference for messages/strings/bytes).
fn size_value(f: &Field, v: &str) -> String {
    match &f.ty {
        Ty::Msg(_) => format!(
            "let i = s.reserve(); let l = {v}.size(s); s.set(i, l); n += {} + ld_len(l);",
            f.key_len()
        ),
        _ => f.sc().size(f.key_len(), v),
    }
}

fn write_value(f: &Field, v: &str) -> String {
    match &f.ty {
        Ty::Msg(_) => format!("{} w.varint(s.next() as u64); {v}.write(w, s);", f.key()),
        _ => format!("{} {}", f.key(), f.sc().write(v)),
    }
}

fn encode_impl(s: &Schema, m: &Msg, view: bool) -> String {
    let ty = if view {
        format!(
            "{}{}",
            m.rel,
            if s.borrows.contains(&m.full) {
                "<'_>"
            } else {
                ""
            }
        )
    } else {
        format!("crate::pb::{}", m.rel)
    };
    let oneof_prefix = if view { "" } else { "crate::pb::" };
    let uses_sizes = m.fields.iter().any(|f| matches!(f.ty, Ty::Msg(_)));
    let sv = if uses_sizes { "s" } else { "_s" };
    let mut size = String::new();
    let mut write = String::new();
    for item in encode_items(m) {
        match item {
            Item::Field(f) => {
                let i = &f.ident;
                match (f.shape, &f.ty) {
                    (Shape::StringMap, _) => {
                        writeln!(
                            size,
                            "for (k, v) in self.{i}.iter() {{ n += {} + ld_len(string_entry_len(k, v)); }}",
                            f.key_len()
                        )
                        .unwrap();
                        writeln!(
                            write,
                            "for (k, v) in self.{i}.iter() {{ {} w.string_entry(k, v); }}",
                            f.key()
                        )
                        .unwrap();
                    }
                    (Shape::Repeated, _) => {
                        writeln!(size, "for v in &self.{i} {{ {} }}", size_value(f, "v")).unwrap();
                        let wv = match f.ty {
                            Ty::Sc(Sc::Str) => format!("{} w.ld(v.as_bytes());", f.key()),
                            _ => write_value(f, "v"),
                        };
                        writeln!(write, "for v in &self.{i} {{ {wv} }}").unwrap();
                    }
                    (Shape::Single, Ty::Msg(_)) => {
                        writeln!(
                            size,
                            "if let Some(v) = &self.{i} {{ {} }}",
                            size_value(f, "v")
                        )
                        .unwrap();
                        writeln!(
                            write,
                            "if let Some(v) = &self.{i} {{ {} }}",
                            write_value(f, "v")
                        )
                        .unwrap();
                    }
                    (Shape::Single, _) => {
                        let v = format!("self.{i}");
                        let cond = is_set(f.sc(), &v);
                        let (sv_, wv) = match f.sc() {
                            Sc::Bytes if !view => {
                                (size_value(f, &v), write_value(f, &format!("&{v}")))
                            }
                            _ => (size_value(f, &v), write_value(f, &v)),
                        };
                        writeln!(size, "if {cond} {{ {sv_} }}").unwrap();
                        writeln!(write, "if {cond} {{ {wv} }}").unwrap();
                    }
                }
            }
            Item::Oneof(o) => {
                let mut sarms = String::new();
                let mut warms = String::new();
                for idx in &o.members {
                    let f = &m.fields[*idx];
                    let var = format!("{oneof_prefix}{}::{}", o.rel, f.ident);
                    let v = match f.ty {
                        Ty::Msg(_) | Ty::Sc(Sc::Str | Sc::Bytes) => "v",
                        _ => "*v",
                    };
                    writeln!(sarms, "{var}(v) => {{ {} }}", size_value(f, v)).unwrap();
                    writeln!(warms, "{var}(v) => {{ {} }}", write_value(f, v)).unwrap();
                }
                writeln!(
                    size,
                    "if let Some(o) = &self.{} {{ match o {{ {sarms} }} }}",
                    o.ident
                )
                .unwrap();
                writeln!(
                    write,
                    "if let Some(o) = &self.{} {{ match o {{ {warms} }} }}",
                    o.ident
                )
                .unwrap();
            }
        }
    }
    let (size_fn, write_fn) = if m.fields.is_empty() {
        (
            "fn size(&self, _s: &mut Sizes) -> usize { 0 }".to_string(),
            "fn write(&self, _w: &mut Writer<'_>, _s: &mut Sizes) {}".to_string(),
        )
    } else {
        (
            format!("fn size(&self, {sv}: &mut Sizes) -> usize {{ let mut n = 0; {size} n }}"),
            format!("fn write(&self, w: &mut Writer<'_>, {sv}: &mut Sizes) {{ {write} }}"),
        )
    };
    format!(
        "impl Encode for {ty} {{ {size_fn} {write_fn} }}\n\
         impl FastEncode for {ty} {{\n\
         fn fast_encoded_len(&self) -> usize {{ encoded_len_with(self) }}\n\
         fn encode_fast(&self, buf: &mut alloc::vec::Vec<u8>) {{ encode_with(self, buf) }}\n\
         fn encode_fast_to_vec(&self) -> alloc::vec::Vec<u8> {{ encode_to_vec_with(self) }}\n}}\n"
    )
}
