//! serde for the validated types (feature `serde`): every Record vector's JSON description
//! deserializes into a validated [`Record`] that serializes back to the same JSON value and
//! equals the decoded `.bin`; invalid JSON fails with the validation error's message.
#![cfg(feature = "serde")]

use std::path::PathBuf;

use bytes::Bytes;
use serde_json::{Value, json};
use usp_record::{EndpointId, Record, RecordBuilder, RecordError, pb};

fn dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../testdata/vectors")
}

/// `(name, .bin, .json)` of every vector description (not the payload files).
fn vectors() -> Vec<(String, Bytes, Value)> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir()).expect("testdata/vectors") {
        let path = entry.expect("dir entry").path();
        let file = path.file_name().and_then(|f| f.to_str()).unwrap_or("");
        let Some(stem) = file.strip_suffix(".json") else {
            continue;
        };
        if stem.ends_with(".payload") {
            continue;
        }
        let json: Value =
            serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).expect("json");
        let bin = std::fs::read(dir().join(format!("{stem}.bin"))).expect("bin");
        out.push((stem.to_string(), Bytes::from(bin), json));
    }
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

/// Every valid Record vector: JSON → Record → JSON is lossless, the Record equals the one
/// decoded from the `.bin`, and text and `Value` (de)serializers agree.
#[test]
fn every_record_vector_json_round_trips_through_the_validated_record() {
    let mut checked = 0;
    for (name, bin, desc) in vectors() {
        if desc["kind"] != "record" {
            continue;
        }
        let value = &desc["value"];
        let rec: Record = serde_json::from_value(value.clone())
            .unwrap_or_else(|e| panic!("{name}: deserialize: {e}"));
        assert_eq!(serde_json::to_value(&rec).unwrap(), *value, "{name}");
        assert_eq!(Record::decode(bin).unwrap(), rec, "{name}");
        let text = serde_json::to_string(&rec).unwrap();
        assert_eq!(
            serde_json::from_str::<Record>(&text).unwrap(),
            rec,
            "{name}"
        );
        checked += 1;
    }
    assert_eq!(checked, 14);
}

/// Every `validation_error` Record vector carries its JSON value: deserializing it into a
/// `Record` fails with exactly the message of the error `Record::decode` gives for the `.bin`.
#[test]
fn invalid_record_json_fails_with_the_validation_error_message() {
    let mut checked = 0;
    for (name, bin, desc) in vectors() {
        if desc["kind"] != "invalid"
            || desc["target"] != "record"
            || desc["expect"] != "validation_error"
        {
            continue;
        }
        let want = Record::decode(bin).expect_err(&name);
        // Two record types on the wire cannot be written in JSON (a oneof is one key).
        if matches!(want, RecordError::MultipleRecordTypes { .. }) {
            continue;
        }
        let err = serde_json::from_value::<Record>(desc["value"].clone())
            .expect_err(&name)
            .to_string();
        assert_eq!(err, want.to_string(), "{name}");
        // The raw type still accepts it.
        assert!(serde_json::from_value::<pb::Record>(desc["value"].clone()).is_ok());
        checked += 1;
    }
    assert!(checked >= 4, "only {checked}");
}

/// R-ARC.2a: Endpoint IDs are JSON strings, validated on input (also inside a Record).
#[test]
fn endpoint_ids_are_validated_strings() {
    let id = EndpointId::parse("os::012345-525400A1B2C3").unwrap();
    assert_eq!(
        serde_json::to_value(&id).unwrap(),
        json!("os::012345-525400A1B2C3")
    );
    assert_eq!(
        serde_json::from_value::<EndpointId>(json!("proto::ctrl")).unwrap(),
        EndpointId::parse("proto::ctrl").unwrap()
    );
    let err = serde_json::from_value::<EndpointId>(json!("foo::x")).unwrap_err();
    assert_eq!(
        err.to_string(),
        EndpointId::parse("foo::x").unwrap_err().to_string()
    );
    assert!(serde_json::from_value::<EndpointId>(json!(7)).is_err());

    let rec = RecordBuilder::new("proto::agent", "proto::controller")
        .unwrap()
        .websocket_connect()
        .unwrap();
    let mut v = serde_json::to_value(&rec).unwrap();
    assert_eq!(
        v,
        json!({"version": "1.4", "to_id": "proto::agent", "from_id": "proto::controller",
               "websocket_connect": {}})
    );
    v["from_id"] = json!("nope");
    let err = serde_json::from_value::<Record>(v).unwrap_err().to_string();
    assert!(
        err.starts_with("`from_id` is not a valid Endpoint ID"),
        "{err}"
    );
}
