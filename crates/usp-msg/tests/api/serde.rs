//! serde for the validated types (feature `serde`): every Msg vector's JSON description (and
//! every `*.payload.json`) deserializes into a validated [`Msg`] that serializes back to the
//! same JSON value and equals the decoded bytes; invalid JSON fails with the validation error's
//! message; [`ErrorCode`] is a number and [`MsgType`] the proto enum name.

use serde_json::{Value, json};
use usp_msg::{ErrorCode, GetBuilder, Msg, MsgError, MsgType, Warning, pb};

use crate::MSG_VECTORS;

fn desc(json: &str) -> Value {
    serde_json::from_str(json).expect("vector json")
}

/// JSON → Msg → JSON is lossless and agrees with the binary vector.
fn check(name: &str, bin: &[u8], value: &Value) {
    let msg: Msg = serde_json::from_value(value.clone())
        .unwrap_or_else(|e| panic!("{name}: deserialize: {e}"));
    assert_eq!(serde_json::to_value(&msg).unwrap(), *value, "{name}");
    assert_eq!(Msg::decode(bin).unwrap(), msg, "{name}");
    let text = serde_json::to_string(&msg).unwrap();
    assert_eq!(serde_json::from_str::<Msg>(&text).unwrap(), msg, "{name}");
}

/// R-ENC.0: every valid Msg vector's `value` round-trips losslessly through `Msg`.
#[test]
fn every_msg_vector_json_round_trips_through_the_validated_msg() {
    let mut checked = 0;
    for v in MSG_VECTORS {
        let d = desc(v.json);
        if d["kind"] == "msg" {
            check(v.name, v.bin, &d["value"]);
            checked += 1;
        }
    }
    assert_eq!(checked, 41);
}

/// The Msgs inside the Record vectors' payloads (`*.payload.json`) too.
#[test]
fn every_payload_json_round_trips_through_the_validated_msg() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../testdata/vectors");
    let mut checked = 0;
    for entry in std::fs::read_dir(&dir).expect("testdata/vectors") {
        let path = entry.expect("dir entry").path();
        let file = path.file_name().and_then(|f| f.to_str()).unwrap_or("");
        if !file.ends_with(".payload.json") {
            continue;
        }
        let d = desc(&std::fs::read_to_string(&path).unwrap());
        let msg: Msg = serde_json::from_value(d["value"].clone())
            .unwrap_or_else(|e| panic!("{file}: deserialize: {e}"));
        assert_eq!(serde_json::to_value(&msg).unwrap(), d["value"], "{file}");
        assert_eq!(
            Some(msg.encoded_len() as u64),
            d["payload_len"].as_u64(),
            "{file}"
        );
        checked += 1;
    }
    assert_eq!(checked, 4);
}

/// R-MSG.6/R-MSG.7: JSON that is a well-formed `pb::Msg` but not a valid USP Message fails with
/// the message of the error `Msg::decode` gives for the same vector's bytes.
#[test]
fn invalid_msg_json_fails_with_the_validation_error_message() {
    for name in ["invalid_msg_no_body", "invalid_msg_no_header"] {
        let v = MSG_VECTORS.iter().find(|v| v.name == name).unwrap();
        let d = desc(v.json);
        let want = Msg::decode(v.bin).unwrap_err();
        let err = serde_json::from_value::<Msg>(d["value"].clone()).unwrap_err();
        assert_eq!(err.to_string(), want.to_string(), "{name}");
        assert!(serde_json::from_value::<pb::Msg>(d["value"].clone()).is_ok());
    }
    // A request without a req_type: R-ENC.5.
    let v = json!({"header": {"msg_id": "x", "msg_type": "GET"}, "body": {"request": {}}});
    let err = serde_json::from_value::<Msg>(v.clone())
        .unwrap_err()
        .to_string();
    let want = Msg::try_from(serde_json::from_value::<pb::Msg>(v).unwrap()).unwrap_err();
    assert!(matches!(want, MsgError::MissingOneof { .. }));
    assert_eq!(err, want.to_string());
    // An empty msg_id: R-MSG.8.
    let v = json!({"header": {"msg_type": "GET"}, "body": {"request": {"get": {}}}});
    let err = serde_json::from_value::<Msg>(v).unwrap_err().to_string();
    assert_eq!(err, MsgError::EmptyMsgId.to_string());
}

/// R-MSG.10: a header msg_type that disagrees with the body is read leniently, as by
/// `Msg::decode`: the Msg carries the warning and is written back with the body's type.
#[test]
fn msg_type_mismatch_json_gives_a_warning_and_is_written_corrected() {
    let v = MSG_VECTORS
        .iter()
        .find(|v| v.name == "invalid_msg_type_mismatch")
        .unwrap();
    let d = desc(v.json);
    let msg: Msg = serde_json::from_value(d["value"].clone()).unwrap();
    assert_eq!(msg, Msg::decode(v.bin).unwrap());
    assert_eq!(
        msg.warning(),
        Some(Warning::MsgTypeMismatch {
            header: MsgType::Get,
            body: MsgType::SetResp
        })
    );
    let mut want = d["value"].clone();
    want["header"]["msg_type"] = json!("SET_RESP");
    assert_eq!(serde_json::to_value(&msg).unwrap(), want);
    let again: Msg = serde_json::from_value(want).unwrap();
    assert_eq!(again, msg.without_warning());
}

/// `ErrorCode` is a JSON number (any u32, as `ErrorCode::new`); `MsgType` is the proto enum
/// name, and a known number is accepted on input.
#[test]
fn error_code_is_a_number_and_msg_type_its_enum_name() {
    assert_eq!(
        serde_json::to_value(ErrorCode::INVALID_PATH).unwrap(),
        json!(7026)
    );
    assert_eq!(
        serde_json::from_value::<ErrorCode>(json!(7026)).unwrap(),
        ErrorCode::INVALID_PATH
    );
    assert!(serde_json::from_value::<ErrorCode>(json!("7026")).is_err());
    assert!(serde_json::from_value::<ErrorCode>(json!(-1)).is_err());
    for t in MsgType::ALL {
        let v = serde_json::to_value(t).unwrap();
        assert_eq!(v, json!(t.name()));
        assert_eq!(serde_json::from_value::<MsgType>(v).unwrap(), t);
        assert_eq!(
            serde_json::from_value::<MsgType>(json!(t.as_i32())).unwrap(),
            t
        );
    }
    assert_eq!(
        serde_json::to_value(MsgType::GetSupportedDmResp).unwrap(),
        json!("GET_SUPPORTED_DM_RESP")
    );
    assert!(serde_json::from_value::<MsgType>(json!("get")).is_err());
    assert!(serde_json::from_value::<MsgType>(json!(23)).is_err());
    assert!(serde_json::from_value::<MsgType>(json!(-1)).is_err());

    let msg = GetBuilder::new("m-1").path("Device.").build().unwrap();
    assert_eq!(
        serde_json::to_value(&msg).unwrap(),
        json!({"header": {"msg_id": "m-1", "msg_type": "GET"},
               "body": {"request": {"get": {"param_paths": ["Device."]}}}})
    );
}
