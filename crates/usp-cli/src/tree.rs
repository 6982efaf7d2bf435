//! An ordered JSON tree and its indented text rendering.
//!
//! `serde_json::Value` sorts object keys (without its `preserve_order` feature), which would
//! scramble the proto field order of the generated serde impls. [`Node`] keeps keys in the
//! order they were written, so both the JSON and the text output list fields in proto order.

use core::fmt;
use core::fmt::Write as _;

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::ser::{Serialize, SerializeMap, SerializeSeq, Serializer};

/// A JSON value with object keys in insertion order, plus one text-only variant.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Node {
    /// `null`
    Null,
    /// `true` / `false`
    Bool(bool),
    /// A non-negative integer.
    U64(u64),
    /// A negative integer.
    I64(i64),
    /// Any other number.
    F64(f64),
    /// A string.
    Str(String),
    /// An array.
    Seq(Vec<Self>),
    /// An object, keys in order.
    Map(Vec<(String, Self)>),
    /// Text output only: `label` written verbatim (never quoted), followed by the entries of
    /// the optional nested object. In JSON it is written as the label string.
    Note(String, Option<Box<Self>>),
}

impl Node {
    /// The ordered tree of anything serde can write as JSON (the `pb` types).
    pub(crate) fn of<T: Serialize + ?Sized>(value: &T) -> Result<Self, serde_json::Error> {
        let text = serde_json::to_string(value)?;
        serde_json::from_str(&text)
    }

    /// A string node.
    pub(crate) fn str(s: impl Into<String>) -> Self {
        Self::Str(s.into())
    }

    /// An object node from `(key, value)` pairs.
    pub(crate) fn map<K: Into<String>>(entries: impl IntoIterator<Item = (K, Self)>) -> Self {
        Self::Map(entries.into_iter().map(|(k, v)| (k.into(), v)).collect())
    }

    /// The value of `key` in an object, mutably.
    pub(crate) fn get_mut(&mut self, key: &str) -> Option<&mut Self> {
        match self {
            Self::Map(entries) => entries.iter_mut().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    /// Appends `key: value` to an object (no-op on other nodes).
    pub(crate) fn push(&mut self, key: impl Into<String>, value: Self) {
        if let Self::Map(entries) = self {
            entries.push((key.into(), value));
        }
    }

    /// The object keys, if this is an object.
    #[cfg(test)]
    pub(crate) fn keys(&self) -> Vec<&str> {
        match self {
            Self::Map(entries) => entries.iter().map(|(k, _)| k.as_str()).collect(),
            _ => Vec::new(),
        }
    }

    /// Pretty JSON text (two-space indent), without a trailing newline.
    pub(crate) fn to_json_pretty(&self) -> String {
        // Writing a tree of strings and numbers to a String cannot fail.
        serde_json::to_string_pretty(self).unwrap_or_default()
    }

    /// The indented text rendering of an object's entries at `indent` spaces.
    pub(crate) fn render_text(&self, indent: usize) -> String {
        let mut out = String::new();
        render_entries(self, indent, &mut out);
        out
    }
}

fn render_entries(node: &Node, indent: usize, out: &mut String) {
    match node {
        Node::Map(entries) => {
            for (key, value) in entries {
                render_entry(&quote_key(key), value, indent, out);
            }
        }
        Node::Note(label, nested) => {
            let _ = writeln!(out, "{:indent$}{label}", "");
            if let Some(n) = nested {
                render_entries(n, indent + 2, out);
            }
        }
        other => {
            let _ = writeln!(out, "{:indent$}{}", "", Scalar(other));
        }
    }
}

fn render_entry(key: &str, value: &Node, indent: usize, out: &mut String) {
    match value {
        Node::Map(entries) if entries.is_empty() => {
            let _ = writeln!(out, "{:indent$}{key}: {{}}", "");
        }
        Node::Map(_) => {
            let _ = writeln!(out, "{:indent$}{key}:", "");
            render_entries(value, indent + 2, out);
        }
        Node::Seq(items) if items.is_empty() => {
            let _ = writeln!(out, "{:indent$}{key}: []", "");
        }
        Node::Seq(items) => {
            let _ = writeln!(out, "{:indent$}{key}:", "");
            for item in items {
                render_item(item, indent + 2, out);
            }
        }
        Node::Note(label, nested) => {
            let _ = writeln!(out, "{:indent$}{key}: {label}", "");
            if let Some(n) = nested {
                render_entries(n, indent + 2, out);
            }
        }
        scalar => {
            let _ = writeln!(out, "{:indent$}{key}: {}", "", Scalar(scalar));
        }
    }
}

/// One `- item` of a list at `indent`; an object's first entry shares the dash's line.
fn render_item(item: &Node, indent: usize, out: &mut String) {
    let nested = match item {
        Node::Map(entries) if !entries.is_empty() => {
            let mut s = String::new();
            render_entries(item, indent + 2, &mut s);
            s
        }
        Node::Seq(items) if !items.is_empty() => {
            let mut s = String::new();
            for i in items {
                render_item(i, indent + 2, &mut s);
            }
            s
        }
        Node::Note(label, Some(n)) => {
            let _ = writeln!(out, "{:indent$}- {label}", "");
            render_entries(n, indent + 2, out);
            return;
        }
        Node::Note(label, None) => {
            let _ = writeln!(out, "{:indent$}- {label}", "");
            return;
        }
        Node::Map(_) => {
            let _ = writeln!(out, "{:indent$}- {{}}", "");
            return;
        }
        Node::Seq(_) => {
            let _ = writeln!(out, "{:indent$}- []", "");
            return;
        }
        scalar => {
            let _ = writeln!(out, "{:indent$}- {}", "", Scalar(scalar));
            return;
        }
    };
    // Replace the indentation of the first line with "- ".
    let body = nested.get(indent + 2..).unwrap_or_default();
    let _ = write!(out, "{:indent$}- {body}", "");
}

/// A scalar as text: strings bare when that is unambiguous, JSON-quoted otherwise.
struct Scalar<'a>(&'a Node);

impl fmt::Display for Scalar<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Node::Null => f.write_str("null"),
            Node::Bool(b) => write!(f, "{b}"),
            Node::U64(n) => write!(f, "{n}"),
            Node::I64(n) => write!(f, "{n}"),
            Node::F64(n) => write!(f, "{n}"),
            Node::Str(s) if needs_quotes(s) => f.write_str(&json_quote(s)),
            Node::Str(s) => f.write_str(s),
            Node::Note(label, _) => f.write_str(label),
            Node::Seq(_) => f.write_str("[...]"),
            Node::Map(_) => f.write_str("{...}"),
        }
    }
}

fn needs_quotes(s: &str) -> bool {
    s.is_empty()
        || s.starts_with(char::is_whitespace)
        || s.ends_with(char::is_whitespace)
        || s.starts_with(['"', '-', '[', '{'])
        || s.chars().any(char::is_control)
}

fn quote_key(key: &str) -> String {
    if needs_quotes(key) || key.contains(':') || key.contains(char::is_whitespace) {
        json_quote(key)
    } else {
        key.to_owned()
    }
}

/// `s` as a JSON string literal.
pub(crate) fn json_quote(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_else(|_| format!("{s:?}"))
}

impl Serialize for Node {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Self::Null => s.serialize_unit(),
            Self::Bool(b) => s.serialize_bool(*b),
            Self::U64(n) => s.serialize_u64(*n),
            Self::I64(n) => s.serialize_i64(*n),
            Self::F64(n) => s.serialize_f64(*n),
            Self::Str(v) | Self::Note(v, None) => s.serialize_str(v),
            Self::Note(_, Some(n)) => n.serialize(s),
            Self::Seq(items) => {
                let mut seq = s.serialize_seq(Some(items.len()))?;
                for i in items {
                    seq.serialize_element(i)?;
                }
                seq.end()
            }
            Self::Map(entries) => {
                let mut map = s.serialize_map(Some(entries.len()))?;
                for (k, v) in entries {
                    map.serialize_entry(k, v)?;
                }
                map.end()
            }
        }
    }
}

impl<'de> Deserialize<'de> for Node {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(NodeVisitor)
    }
}

struct NodeVisitor;

impl<'de> Visitor<'de> for NodeVisitor {
    type Value = Node;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Node, E> {
        Ok(Node::Bool(v))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Node, E> {
        Ok(u64::try_from(v).map_or(Node::I64(v), Node::U64))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Node, E> {
        Ok(Node::U64(v))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Node, E> {
        Ok(Node::F64(v))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Node, E> {
        Ok(Node::Str(v.to_owned()))
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<Node, E> {
        Ok(Node::Str(v))
    }
    fn visit_none<E: de::Error>(self) -> Result<Node, E> {
        Ok(Node::Null)
    }
    fn visit_unit<E: de::Error>(self) -> Result<Node, E> {
        Ok(Node::Null)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Node, D::Error> {
        Node::deserialize(d)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Node, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element()? {
            items.push(item);
        }
        Ok(Node::Seq(items))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Node, A::Error> {
        let mut entries = Vec::new();
        while let Some((k, v)) = map.next_entry::<String, Node>()? {
            entries.push((k, v));
        }
        Ok(Node::Map(entries))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_key_order_and_round_trips() {
        let n: Node = serde_json::from_str(r#"{"b":1,"a":[true,null,-2,"x"],"c":{}}"#).unwrap();
        assert_eq!(n.keys(), ["b", "a", "c"]);
        let back: Node = serde_json::from_str(&n.to_json_pretty()).unwrap();
        assert_eq!(back, n);
    }

    #[test]
    fn renders_nested_objects_and_lists() {
        let n: Node = serde_json::from_str(
            r#"{"header":{"msg_id":"1","msg_type":"GET"},"paths":["A.","B."],
                "objs":[{"obj_path":"X.","n":2},{}],"empty":"","e":{}}"#,
        )
        .unwrap();
        let want = "\
header:
  msg_id: 1
  msg_type: GET
paths:
  - A.
  - B.
objs:
  - obj_path: X.
    n: 2
  - {}
empty: \"\"
e: {}
";
        assert_eq!(n.render_text(0), want);
    }

    #[test]
    fn quotes_ambiguous_strings_and_keys() {
        let n = Node::map([
            ("a b", Node::str(" x")),
            ("k", Node::str("line\nbreak")),
            ("n", Node::Note("<3 bytes>".into(), None)),
        ]);
        assert_eq!(
            n.render_text(2),
            "  \"a b\": \" x\"\n  k: \"line\\nbreak\"\n  n: <3 bytes>\n"
        );
    }
}
