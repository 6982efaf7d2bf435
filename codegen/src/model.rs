//! A small model of one proto file, shared by the serde and proptest generators: every message,
//! oneof and enum with the Rust names prost-build gives them.

use std::collections::BTreeMap;

use heck::{ToSnakeCase, ToUpperCamelCase};
use prost_types::field_descriptor_proto::{Label, Type};
use prost_types::{
    DescriptorProto, EnumDescriptorProto, FieldDescriptorProto, FileDescriptorProto,
};

/// A scalar proto type, grouped by how it is written in JSON.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Scalar {
    /// `string`.
    Str,
    /// `bool`.
    Bool,
    /// `int32`, `sint32`, `sfixed32`.
    I32,
    /// `uint32`, `fixed32`.
    U32,
    /// `int64`, `sint64`, `sfixed64`.
    I64,
    /// `uint64`, `fixed64`.
    U64,
    /// `bytes`.
    Bytes,
}

/// The type of one value (a singular field, a repeated element, a map value).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Ty {
    Scalar(Scalar),
    /// An enum; the Rust path relative to `pb`.
    Enum(String),
    /// A message; the Rust path relative to `pb`.
    Msg(String),
}

/// The shape of a field.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    Single(Ty),
    Repeated(Ty),
    /// A map field: key and value types.
    Map(Scalar, Ty),
}

/// One field of a message.
#[derive(Clone, Debug)]
pub(crate) struct Field {
    /// The proto field name.
    pub(crate) name: String,
    /// The lowerCamelCase JSON name.
    pub(crate) json_name: String,
    /// The Rust field name (or, for a oneof member, the Rust variant name).
    pub(crate) ident: String,
    pub(crate) kind: Kind,
    /// Index into [`Msg::oneofs`] for a oneof member.
    pub(crate) oneof: Option<usize>,
}

/// One oneof of a message.
#[derive(Clone, Debug)]
pub(crate) struct Oneof {
    /// The proto oneof name.
    pub(crate) name: String,
    /// The Rust field holding it (`Option<Enum>`).
    pub(crate) ident: String,
    /// The Rust path of the generated enum, relative to `pb`.
    pub(crate) rust: String,
    /// Indexes into [`Msg::fields`] of the members, in declaration order.
    pub(crate) members: Vec<usize>,
}

/// One message (map-entry messages are left out: they have no Rust type).
#[derive(Clone, Debug)]
pub(crate) struct Msg {
    /// Full proto name without leading dot (`usp.GetResp.RequestedPathResult`).
    pub(crate) full: String,
    /// Rust path relative to `pb` (`get_resp::RequestedPathResult`).
    pub(crate) rust: String,
    /// Fields in declaration order.
    pub(crate) fields: Vec<Field>,
    pub(crate) oneofs: Vec<Oneof>,
}

/// One enum.
#[derive(Clone, Debug)]
pub(crate) struct Enum {
    /// Full proto name without leading dot.
    pub(crate) full: String,
    /// Rust path relative to `pb`.
    pub(crate) rust: String,
    /// `(name, number)` in declaration order.
    pub(crate) values: Vec<(String, i32)>,
}

/// Every message and enum of one file.
#[derive(Clone, Debug)]
pub(crate) struct Model {
    pub(crate) msgs: Vec<Msg>,
    pub(crate) enums: Vec<Enum>,
}

const KEYWORDS: &[&str] = &[
    "as", "break", "const", "continue", "else", "enum", "false", "fn", "for", "if", "impl", "in",
    "let", "loop", "match", "mod", "move", "mut", "pub", "ref", "return", "static", "struct",
    "trait", "true", "type", "unsafe", "use", "where", "while", "abstract", "become", "box", "do",
    "final", "macro", "override", "priv", "typeof", "unsized", "virtual", "yield", "async",
    "await", "dyn", "try", "gen",
];

/// prost-build's snake_case identifier (raw identifier for keywords).
pub(crate) fn snake(name: &str) -> String {
    let s = name.to_snake_case();
    match s.as_str() {
        "self" | "super" | "extern" | "crate" => format!("{s}_"),
        _ if KEYWORDS.contains(&s.as_str()) => format!("r#{s}"),
        _ => s,
    }
}

/// prost-build's UpperCamelCase identifier.
pub(crate) fn camel(name: &str) -> String {
    let s = name.to_upper_camel_case();
    if s == "Self" { format!("{s}_") } else { s }
}

/// protobuf's default JSON name: underscores removed, the following letter upper-cased.
pub(crate) fn json_name(name: &str) -> String {
    let mut out = String::new();
    let mut upper = false;
    for c in name.chars() {
        if c == '_' {
            upper = true;
        } else if upper {
            out.extend(c.to_uppercase());
            upper = false;
        } else {
            out.push(c);
        }
    }
    out
}

/// What the first pass learns about every type name.
enum Known {
    Msg(String),
    Enum(String),
    MapEntry(Box<FieldDescriptorProto>, Box<FieldDescriptorProto>),
}

fn collect(
    known: &mut BTreeMap<String, Known>,
    full_parent: &str,
    rust_mod: &str,
    m: &DescriptorProto,
) {
    let full = format!("{full_parent}.{}", m.name());
    if m.options.as_ref().and_then(|o| o.map_entry) == Some(true) {
        let key = m
            .field
            .iter()
            .find(|f| f.number() == 1)
            .expect("map key")
            .clone();
        let val = m
            .field
            .iter()
            .find(|f| f.number() == 2)
            .expect("map value")
            .clone();
        known.insert(full, Known::MapEntry(Box::new(key), Box::new(val)));
        return;
    }
    known.insert(
        full.clone(),
        Known::Msg(format!("{rust_mod}{}", camel(m.name()))),
    );
    let inner_mod = format!("{rust_mod}{}::", snake(m.name()));
    for n in &m.nested_type {
        collect(known, &full, &inner_mod, n);
    }
    for e in &m.enum_type {
        known.insert(
            format!("{full}.{}", e.name()),
            Known::Enum(format!("{inner_mod}{}", camel(e.name()))),
        );
    }
}

fn scalar(t: Type) -> Scalar {
    match t {
        Type::String => Scalar::Str,
        Type::Bool => Scalar::Bool,
        Type::Int32 | Type::Sint32 | Type::Sfixed32 => Scalar::I32,
        Type::Uint32 | Type::Fixed32 => Scalar::U32,
        Type::Int64 | Type::Sint64 | Type::Sfixed64 => Scalar::I64,
        Type::Uint64 | Type::Fixed64 => Scalar::U64,
        Type::Bytes => Scalar::Bytes,
        other => panic!(
            "usp-codegen: proto type {other:?} is not supported by the serde/proptest \
             generators (the USP schema does not use it)"
        ),
    }
}

fn value_ty(known: &BTreeMap<String, Known>, f: &FieldDescriptorProto) -> Ty {
    match f.r#type() {
        Type::Message | Type::Enum => match known.get(f.type_name().trim_start_matches('.')) {
            Some(Known::Msg(r)) => Ty::Msg(r.clone()),
            Some(Known::Enum(r)) => Ty::Enum(r.clone()),
            _ => panic!("usp-codegen: unresolved type {}", f.type_name()),
        },
        t => Ty::Scalar(scalar(t)),
    }
}

fn build_msg(
    known: &BTreeMap<String, Known>,
    full_parent: &str,
    rust_mod: &str,
    m: &DescriptorProto,
    out: &mut Model,
) {
    if m.options.as_ref().and_then(|o| o.map_entry) == Some(true) {
        return;
    }
    let full = format!("{full_parent}.{}", m.name());
    let inner_mod = format!("{rust_mod}{}::", snake(m.name()));
    let mut oneofs: Vec<Oneof> = m
        .oneof_decl
        .iter()
        .map(|o| Oneof {
            name: o.name().to_string(),
            ident: snake(o.name()),
            rust: format!("{inner_mod}{}", camel(o.name())),
            members: Vec::new(),
        })
        .collect();
    assert!(
        m.field.iter().all(|f| !f.proto3_optional()),
        "usp-codegen: proto3 `optional` is not supported (the USP schema does not use it)"
    );
    let mut fields = Vec::new();
    for f in &m.field {
        let kind = if f.label() == Label::Repeated {
            match known.get(f.type_name().trim_start_matches('.')) {
                Some(Known::MapEntry(k, v)) => {
                    let Ty::Scalar(ks) = value_ty(known, k) else {
                        panic!("usp-codegen: map key of {} is not a scalar", f.name())
                    };
                    assert_eq!(
                        ks,
                        Scalar::Str,
                        "usp-codegen: only string map keys are supported (field {})",
                        f.name()
                    );
                    Kind::Map(ks, value_ty(known, v))
                }
                _ => Kind::Repeated(value_ty(known, f)),
            }
        } else {
            Kind::Single(value_ty(known, f))
        };
        let oneof = f.oneof_index.map(|i| i as usize);
        if let Some(o) = oneof {
            oneofs[o].members.push(fields.len());
        }
        fields.push(Field {
            name: f.name().to_string(),
            json_name: match &f.json_name {
                Some(j) if !j.is_empty() => j.clone(),
                _ => json_name(f.name()),
            },
            ident: if oneof.is_some() {
                camel(f.name())
            } else {
                snake(f.name())
            },
            kind,
            oneof,
        });
    }
    assert!(
        fields.len() <= 64,
        "usp-codegen: more than 64 fields in {full}"
    );
    out.msgs.push(Msg {
        full: full.clone(),
        rust: format!("{rust_mod}{}", camel(m.name())),
        fields,
        oneofs,
    });
    for n in &m.nested_type {
        build_msg(known, &full, &inner_mod, n, out);
    }
    for e in &m.enum_type {
        out.enums.push(build_enum(&full, &inner_mod, e));
    }
}

fn build_enum(full_parent: &str, rust_mod: &str, e: &EnumDescriptorProto) -> Enum {
    Enum {
        full: format!("{full_parent}.{}", e.name()),
        rust: format!("{rust_mod}{}", camel(e.name())),
        values: e
            .value
            .iter()
            .map(|v| (v.name().to_string(), v.number()))
            .collect(),
    }
}

impl Model {
    /// Builds the model of `file`.
    pub(crate) fn new(file: &FileDescriptorProto) -> Self {
        let pkg = file.package();
        let mut known = BTreeMap::new();
        for m in &file.message_type {
            collect(&mut known, pkg, "", m);
        }
        for e in &file.enum_type {
            known.insert(format!("{pkg}.{}", e.name()), Known::Enum(camel(e.name())));
        }
        let mut out = Self {
            msgs: Vec::new(),
            enums: Vec::new(),
        };
        for m in &file.message_type {
            build_msg(&known, pkg, "", m, &mut out);
        }
        for e in &file.enum_type {
            out.enums.push(build_enum(pkg, "", e));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn files() -> Vec<FileDescriptorProto> {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        let spec = std::env::var_os("USP_SPEC_DIR")
            .map_or_else(|| root.join("../shared/spec"), std::path::PathBuf::from);
        protox::compile(["usp-record-1-4.proto", "usp-msg-1-4.proto"], [spec])
            .expect("official schema compiles")
            .file
    }

    #[test]
    fn json_names_follow_protobuf() {
        assert_eq!(json_name("msg_id"), "msgId");
        assert_eq!(json_name("req_path_results"), "reqPathResults");
        assert_eq!(json_name("payloadrec_sar_state"), "payloadrecSarState");
        assert_eq!(json_name("version"), "version");
        // protox fills in json_name: ours must agree for every field of both files.
        for f in files() {
            fn walk(m: &DescriptorProto) {
                for fd in &m.field {
                    assert_eq!(
                        Some(json_name(fd.name())),
                        fd.json_name.clone(),
                        "{}",
                        fd.name()
                    );
                }
                m.nested_type.iter().for_each(walk);
            }
            f.message_type.iter().for_each(walk);
        }
    }

    #[test]
    fn rust_names_follow_prost_build() {
        assert_eq!(camel("MQTTConnectRecord"), "MqttConnectRecord");
        assert_eq!(camel("PayloadSARState"), "PayloadSarState");
        assert_eq!(snake("GetSupportedDMResp"), "get_supported_dm_resp");
        assert_eq!(snake("type"), "r#type");
        assert_eq!(snake("self"), "self_");
    }

    #[test]
    fn the_model_has_every_message_oneof_and_enum() {
        let models: Vec<Model> = files().iter().map(Model::new).collect();
        let msgs: usize = models.iter().map(|m| m.msgs.len()).sum();
        let oneofs: usize = models
            .iter()
            .flat_map(|m| &m.msgs)
            .map(|m| m.oneofs.len())
            .sum();
        let maps = models
            .iter()
            .flat_map(|m| &m.msgs)
            .flat_map(|m| &m.fields)
            .filter(|f| matches!(f.kind, Kind::Map(..)))
            .count();
        // 8 + 80 messages (map entries excluded); every oneof member knows its oneof.
        assert_eq!(msgs, 88);
        assert!(oneofs >= 10, "{oneofs} oneofs");
        assert!(maps >= 9, "{maps} maps");
        assert!(models.iter().map(|m| m.enums.len()).sum::<usize>() >= 10);
        for m in models.iter().flat_map(|m| &m.msgs) {
            for (i, o) in m.oneofs.iter().enumerate() {
                assert!(!o.members.is_empty(), "{}.{}", m.full, o.name);
                for &f in &o.members {
                    assert_eq!(m.fields[f].oneof, Some(i));
                }
            }
        }
    }
}
