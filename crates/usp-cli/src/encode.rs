//! `usp encode`: protobuf JSON to bytes, and the byte output formats shared with the
//! request builders.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Args, ValueEnum};
use prost::Message as _;
use serde::Deserialize as _;
use usp_msg::pb as mpb;
use usp_record::pb as rpb;

use crate::decode::{As, Diags};
use crate::input;
use crate::{Failure, emit};

/// How encoded bytes are written.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub(crate) enum BytesFormat {
    /// Raw protobuf bytes (not to a terminal: use `-o FILE` or a pipe).
    Binary,
    /// Lowercase hex on one line.
    Hex,
    /// Standard base64 with padding, on one line.
    Base64,
    /// A C array `const uint8_t NAME[] = {...};` and its length (see `--name`).
    CArray,
}

/// Arguments of `usp encode`.
#[derive(Args, Debug)]
pub(crate) struct EncodeArgs {
    /// The JSON file; none or `-` reads stdin.
    #[arg(value_name = "FILE")]
    file: Option<PathBuf>,
    /// What the JSON describes; `auto` looks at the top-level keys (`header`/`body`: a Msg;
    /// `version`, `to_id`, a record type...: a Record; `kind` + `value`: a vector file or
    /// `usp decode --output json` output).
    #[arg(long = "as", value_name = "KIND", value_enum, default_value_t = As::Auto)]
    kind: As,
    /// Output format.
    #[arg(long, value_enum, default_value_t = BytesFormat::Binary)]
    output: BytesFormat,
    /// Write to FILE instead of stdout.
    #[arg(short = 'o', long = "out-file", value_name = "FILE")]
    out_file: Option<PathBuf>,
    /// Name of the C array for `--output c-array` [default: usp_record or usp_msg].
    #[arg(long, value_name = "IDENT", value_parser = c_identifier)]
    name: Option<String>,
    /// Refuse to encode (exit status 1) when the value breaks a USP rule, instead of warning.
    #[arg(long)]
    strict: bool,
}

/// clap value parser for a C identifier.
pub(crate) fn c_identifier(s: &str) -> Result<String, String> {
    let mut chars = s.chars();
    let ok = chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_');
    if ok {
        Ok(s.to_owned())
    } else {
        Err("a C identifier is a letter or '_' followed by letters, digits or '_'".into())
    }
}

const RECORD_KEYS: &[&str] = &[
    "version",
    "to_id",
    "toId",
    "from_id",
    "fromId",
    "payload_security",
    "payloadSecurity",
    "mac_signature",
    "macSignature",
    "sender_cert",
    "senderCert",
    "no_session_context",
    "noSessionContext",
    "session_context",
    "sessionContext",
    "websocket_connect",
    "websocketConnect",
    "mqtt_connect",
    "mqttConnect",
    "stomp_connect",
    "stompConnect",
    "disconnect",
    "uds_connect",
    "udsConnect",
];

const MSG_KEYS: &[&str] = &["header", "body"];

/// What the JSON holds and where the protobuf JSON value is.
enum Source {
    /// The whole text is the value.
    Whole(As),
    /// The value is the `value` member of a `{"kind", "value"}` wrapper.
    Wrapped(As, serde_json::Value),
}

fn detect(root: &serde_json::Value, forced: As) -> Result<Source, String> {
    let Some(obj) = root.as_object() else {
        return Err(
            "the JSON is not an object; expected a Record or a Msg in protobuf JSON".into(),
        );
    };
    if let (Some(kind), Some(value)) = (obj.get("kind"), obj.get("value")) {
        let kind = kind.as_str().unwrap_or_default();
        let target = obj
            .get("target")
            .and_then(|t| t.as_str())
            .unwrap_or_default();
        let detected = match (kind, target) {
            ("record", _) | ("invalid", "record") => As::Record,
            ("msg", _) | ("invalid", "msg") => As::Msg,
            _ => forced,
        };
        let kind = if forced == As::Auto { detected } else { forced };
        if kind == As::Auto {
            return Err(format!(
                "\"kind\" is {kind:?}; expected \"record\" or \"msg\" (or use --as)",
                kind = obj.get("kind")
            ));
        }
        return Ok(Source::Wrapped(kind, value.clone()));
    }
    if forced != As::Auto {
        return Ok(Source::Whole(forced));
    }
    let keys: Vec<&str> = obj.keys().map(String::as_str).collect();
    let record = keys.iter().any(|k| RECORD_KEYS.contains(k));
    let msg = keys.iter().any(|k| MSG_KEYS.contains(k));
    match (record, msg) {
        (true, false) => Ok(Source::Whole(As::Record)),
        (false, true) => Ok(Source::Whole(As::Msg)),
        _ => Err(format!(
            "cannot tell whether the JSON is a Record or a Msg from its top-level keys [{}] \
             (a Msg has \"header\"/\"body\", a Record \"version\", \"to_id\", \"from_id\" and a \
             record type); use --as record or --as msg",
            keys.join(", ")
        )),
    }
}

/// A Record or Msg read from JSON.
enum Value {
    Record(rpb::Record),
    Msg(mpb::Msg),
}

fn parse(text: &str, forced: As) -> Result<Value, String> {
    let root: serde_json::Value =
        serde_json::from_str(text).map_err(|e| format!("not valid JSON: {e}"))?;
    let source = detect(&root, forced)?;
    let (kind, result) = match source {
        Source::Whole(As::Msg) => ("Msg", serde_json::from_str(text).map(Value::Msg)),
        Source::Whole(_) => ("Record", serde_json::from_str(text).map(Value::Record)),
        Source::Wrapped(As::Msg, v) => ("Msg", mpb::Msg::deserialize(v).map(Value::Msg)),
        Source::Wrapped(_, v) => ("Record", rpb::Record::deserialize(v).map(Value::Record)),
    };
    result.map_err(|e| format!("not a valid {kind} in protobuf JSON: {e}"))
}

/// Runs `usp encode`.
pub(crate) fn run(args: &EncodeArgs) -> Result<ExitCode, Failure> {
    let (source, raw) = input::read_source(args.file.as_deref())?;
    let text = String::from_utf8(raw).map_err(|e| {
        Failure::new(format!(
            "{source}: not UTF-8 text (invalid byte at offset {}); encode reads JSON",
            e.utf8_error().valid_up_to()
        ))
    })?;
    let value = parse(&text, args.kind).map_err(|e| Failure::new(format!("{source}: {e}")))?;
    let (bytes, default_name) = match &value {
        Value::Record(r) => (r.encode_to_vec(), "usp_record"),
        Value::Msg(m) => (m.encode_to_vec(), "usp_msg"),
    };
    // Validate by decoding what was encoded, exactly as a receiver would.
    let mut diags = Diags::default();
    let kind = match value {
        Value::Record(_) => As::Record,
        Value::Msg(_) => As::Msg,
    };
    let _ = crate::decode::decode_bytes(
        &source,
        bytes.clone(),
        input::Encoding::Binary,
        kind,
        &mut diags,
    );
    diags.print();
    if args.strict && (diags.has_errors() || diags.has_warnings()) {
        return Err(Failure::new(
            "refusing to encode a value that breaks USP rules (--strict)",
        ));
    }
    let name = args.name.as_deref().unwrap_or(default_name);
    write_bytes(&bytes, args.output, name, args.out_file.as_deref())?;
    Ok(ExitCode::SUCCESS)
}

/// Writes `bytes` in `format` to `out` (stdout when `None`).
pub(crate) fn write_bytes(
    bytes: &[u8],
    format: BytesFormat,
    name: &str,
    out: Option<&Path>,
) -> Result<(), Failure> {
    match format {
        BytesFormat::Binary => {
            if out.is_none() && std::io::IsTerminal::is_terminal(&std::io::stdout()) {
                return Err(Failure::new(
                    "refusing to write binary to a terminal; use -o FILE, a pipe, or --output hex",
                ));
            }
            emit(out, bytes)
        }
        BytesFormat::Hex => emit(out, format!("{}\n", input::hex_encode(bytes)).as_bytes()),
        BytesFormat::Base64 => emit(out, format!("{}\n", input::base64_encode(bytes)).as_bytes()),
        BytesFormat::CArray => emit(out, c_array(bytes, name).as_bytes()),
    }
}

/// `bytes` as a C array definition.
pub(crate) fn c_array(bytes: &[u8], name: &str) -> String {
    let mut s =
        format!("#include <stddef.h>\n#include <stdint.h>\n\nconst uint8_t {name}[] = {{\n");
    for line in bytes.chunks(12) {
        let cells: Vec<String> = line.iter().map(|b| format!("0x{b:02x}")).collect();
        s.push_str("    ");
        s.push_str(&cells.join(", "));
        s.push_str(",\n");
    }
    s.push_str("};\n");
    s.push_str(&format!("const size_t {name}_len = {};\n", bytes.len()));
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn c_array_layout() {
        let s = c_array(&[0x0a, 0x03, 0x31], "rec");
        assert!(s.contains("const uint8_t rec[] = {\n    0x0a, 0x03, 0x31,\n};\n"));
        assert!(s.ends_with("const size_t rec_len = 3;\n"));
    }

    #[test]
    fn c_identifiers() {
        assert!(c_identifier("usp_record_1").is_ok());
        assert!(c_identifier("_x").is_ok());
        for bad in ["", "1x", "a-b", "a b"] {
            assert!(c_identifier(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn detection_by_keys() {
        let j = |s: &str| serde_json::from_str::<serde_json::Value>(s).unwrap();
        assert!(matches!(
            detect(&j(r#"{"header":{}}"#), As::Auto),
            Ok(Source::Whole(As::Msg))
        ));
        assert!(matches!(
            detect(&j(r#"{"toId":"x"}"#), As::Auto),
            Ok(Source::Whole(As::Record))
        ));
        assert!(matches!(
            detect(
                &j(r#"{"kind":"invalid","target":"msg","value":{}}"#),
                As::Auto
            ),
            Ok(Source::Wrapped(As::Msg, _))
        ));
        assert!(detect(&j(r#"{"x":1}"#), As::Auto).is_err());
        assert!(detect(&j("[1]"), As::Record).is_err());
        assert!(matches!(
            detect(&j(r#"{"x":1}"#), As::Msg),
            Ok(Source::Whole(As::Msg))
        ));
    }
}
