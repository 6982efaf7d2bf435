//! The generated serde impls against the golden vectors (`testdata/vectors`, made by Google's
//! protobuf runtime): for every `msg`/`record` vector (and every `validation_error` vector, which
//! decodes too), the prost-decoded `.bin` serializes to exactly the vector's `value`, and the
//! `value` deserializes back to the decoded struct. The same for every `*.payload.json` (the Msg
//! inside a Record's payload).

use std::path::{Path, PathBuf};

use prost::Message;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

fn vectors_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../testdata/vectors")
}

fn read_json(path: &Path) -> Value {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Decodes `bin` as `T` and checks both serde directions against `value`.
fn check<T>(name: &str, bin: &[u8], value: &Value) -> T
where
    T: Message + Default + PartialEq + core::fmt::Debug + Serialize + DeserializeOwned,
{
    let decoded = T::decode(bin).unwrap_or_else(|e| panic!("{name}: prost decode: {e}"));
    let ours = serde_json::to_value(&decoded).unwrap_or_else(|e| panic!("{name}: serialize: {e}"));
    assert_eq!(
        &ours, value,
        "{name}: our JSON differs from the vector's value"
    );
    let back: T = serde_json::from_value(value.clone())
        .unwrap_or_else(|e| panic!("{name}: deserialize value: {e}"));
    assert_eq!(
        back, decoded,
        "{name}: deserialized value differs from the decoded .bin"
    );
    // The streaming deserializer (from text) must agree with the Value one.
    let text = serde_json::to_string(value).expect("to_string");
    let from_text: T =
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("{name}: deserialize text: {e}"));
    assert_eq!(from_text, decoded, "{name}: from_str differs");
    decoded
}

/// Every vector description file (not the payload files), sorted.
fn vector_files() -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(vectors_dir())
        .expect("testdata/vectors")
        .map(|e| e.expect("dir entry").path())
        .filter(|p| {
            let n = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
            n.ends_with(".json") && !n.ends_with(".payload.json")
        })
        .collect();
    files.sort();
    files
}

fn bin_of(json: &Path) -> Vec<u8> {
    let bin = json.with_extension("bin");
    std::fs::read(&bin).unwrap_or_else(|e| panic!("{}: {e}", bin.display()))
}

#[test]
fn every_msg_and_record_vector_matches_its_json_value() {
    let (mut msgs, mut records) = (0, 0);
    for path in vector_files() {
        let name = path
            .file_stem()
            .and_then(|n| n.to_str())
            .unwrap_or("?")
            .to_string();
        let desc = read_json(&path);
        let target = match desc["kind"].as_str() {
            Some("msg") => "msg",
            Some("record") => "record",
            // Well-formed protobuf that a USP rule rejects: it decodes, and carries its value.
            Some("invalid") if desc["expect"] == "validation_error" => {
                desc["target"].as_str().expect("target")
            }
            _ => continue,
        };
        let value = &desc["value"];
        assert!(value.is_object(), "{name}: no value");
        let bin = bin_of(&path);
        match target {
            "msg" => {
                check::<usp_msg::pb::Msg>(&name, &bin, value);
                msgs += 1;
            }
            _ => {
                check::<usp_record::pb::Record>(&name, &bin, value);
                records += 1;
            }
        }
    }
    // 31 msg_ and 11 msg-kind edge_/invalid_ vectors; 14 record_ and record-kind edge_/invalid_.
    assert!(msgs >= 40, "only {msgs} msg vectors checked");
    assert!(records >= 20, "only {records} record vectors checked");
}

/// The payload bytes `field` (`no_session_context.payload` or `session_context.payload[0]`)
/// of a Record vector.
fn payload_of(record_vector: &str, field: &str) -> Vec<u8> {
    let bin = std::fs::read(vectors_dir().join(format!("{record_vector}.bin"))).expect("bin");
    let rec = usp_record::pb::Record::decode(bin.as_slice()).expect("record decodes");
    use usp_record::pb::record::RecordType;
    match (field, rec.record_type) {
        ("no_session_context.payload", Some(RecordType::NoSessionContext(n))) => n.payload.to_vec(),
        ("session_context.payload[0]", Some(RecordType::SessionContext(s))) => {
            s.payload.first().expect("payload[0]").to_vec()
        }
        (f, other) => panic!("{record_vector}: cannot take {f} from {other:?}"),
    }
}

#[test]
fn every_payload_json_matches_the_msg_inside_its_record() {
    let mut checked = 0;
    for path in vector_files() {
        let record_vector = path
            .file_stem()
            .and_then(|n| n.to_str())
            .unwrap_or("?")
            .to_string();
        let payload_path = vectors_dir().join(format!("{record_vector}.payload.json"));
        if !payload_path.exists() {
            continue;
        }
        let desc = read_json(&payload_path);
        assert_eq!(desc["kind"], "msg");
        let bytes = match &desc["source"] {
            Value::String(field) => payload_of(&record_vector, field),
            Value::Object(src) => {
                // A SAR group: concatenate the segments in the listed (sequence_id) order.
                let field = src["field"].as_str().expect("field");
                src["records"]
                    .as_array()
                    .expect("records")
                    .iter()
                    .flat_map(|r| payload_of(r.as_str().expect("record name"), field))
                    .collect()
            }
            other => panic!("{record_vector}: unexpected source {other}"),
        };
        assert_eq!(
            Some(bytes.len() as u64),
            desc["payload_len"].as_u64(),
            "{record_vector}: payload length"
        );
        let name = format!("{record_vector}.payload");
        let msg = check::<usp_msg::pb::Msg>(&name, &bytes, &desc["value"]);
        // Byte-exact: the Msg built from the JSON re-encodes to the very payload bytes.
        if desc["byte_exact_reencode"] == true {
            assert_eq!(msg.encode_to_vec(), bytes, "{name}: re-encode");
        }
        checked += 1;
    }
    assert_eq!(checked, 4, "expected 4 payload.json files");
}
