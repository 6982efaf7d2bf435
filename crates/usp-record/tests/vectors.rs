//! Every Record vector of `testdata/vectors` (made by Google's protobuf runtime from the official
//! schema) through the validated layer: decode, compare with the JSON description, re-encode.

use std::path::PathBuf;

use bytes::Bytes;
use serde_json::Value;
use usp_record::{Disposition, PayloadSecurity, Record, RecordError, RecordKind, SarState};

fn dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../testdata/vectors")
}

fn load(name: &str) -> (Bytes, Value) {
    let bin = std::fs::read(dir().join(format!("{name}.bin"))).expect("vector .bin");
    let json = std::fs::read_to_string(dir().join(format!("{name}.json"))).expect("vector .json");
    (
        Bytes::from(bin),
        serde_json::from_str(&json).expect("vector json"),
    )
}

/// All vector names whose JSON matches `pred`.
fn names(pred: impl Fn(&Value) -> bool) -> Vec<String> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir()).expect("testdata dir") {
        let path = entry.expect("entry").path();
        let file = path
            .file_name()
            .and_then(|f| f.to_str())
            .unwrap_or_default()
            .to_string();
        if !file.ends_with(".json") || file.ends_with(".payload.json") {
            continue;
        }
        let v: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        if pred(&v) {
            out.push(file.trim_end_matches(".json").to_string());
        }
    }
    out.sort();
    out
}

fn u64_field(v: &Value, key: &str) -> u64 {
    v.get(key)
        .and_then(Value::as_str)
        .map_or(0, |s| s.parse().expect("u64 string"))
}

fn str_field<'a>(v: &'a Value, key: &str) -> &'a str {
    v.get(key).and_then(Value::as_str).unwrap_or("")
}

fn b64(s: &str) -> Vec<u8> {
    // Small standard-alphabet decoder for the test (padding required).
    let mut out = Vec::new();
    let mut acc = 0u32;
    let mut bits = 0;
    for c in s.bytes().filter(|&c| c != b'=') {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => panic!("bad base64"),
        };
        acc = (acc << 6) | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
        }
    }
    out
}

fn sar(v: &Value, key: &str) -> SarState {
    match v.get(key).and_then(Value::as_str) {
        None => SarState::None,
        Some("BEGIN") => SarState::Begin,
        Some("INPROCESS") => SarState::InProcess,
        Some("COMPLETE") => SarState::Complete,
        Some(other) => panic!("sar state {other}"),
    }
}

/// Compares a validated Record with the vector's JSON description field by field.
fn assert_matches_json(rec: &Record, value: &Value, name: &str) {
    assert_eq!(rec.version_str(), str_field(value, "version"), "{name}");
    assert_eq!(rec.to_id().as_str(), str_field(value, "to_id"), "{name}");
    assert_eq!(
        rec.from_id().as_str(),
        str_field(value, "from_id"),
        "{name}"
    );
    let sec = match value.get("payload_security").and_then(Value::as_str) {
        Some("TLS12") => PayloadSecurity::Tls12,
        _ => PayloadSecurity::Plaintext,
    };
    assert_eq!(rec.payload_security(), sec, "{name}");
    assert_eq!(
        rec.mac_signature().as_ref(),
        b64(str_field(value, "mac_signature")),
        "{name}"
    );
    assert_eq!(
        rec.sender_cert().as_ref(),
        b64(str_field(value, "sender_cert")),
        "{name}"
    );
    let kind = rec.kind().name();
    let body = value
        .get(kind)
        .unwrap_or_else(|| panic!("{name}: JSON lacks {kind}"));
    match rec.kind() {
        RecordKind::NoSessionContext { payload } => {
            assert_eq!(payload.as_ref(), b64(str_field(body, "payload")), "{name}");
        }
        RecordKind::SessionContext(s) => {
            assert_eq!(s.session_id, u64_field(body, "session_id"), "{name}");
            assert_eq!(s.sequence_id, u64_field(body, "sequence_id"), "{name}");
            assert_eq!(s.expected_id, u64_field(body, "expected_id"), "{name}");
            assert_eq!(s.retransmit_id, u64_field(body, "retransmit_id"), "{name}");
            assert_eq!(
                s.payload_sar_state,
                sar(body, "payload_sar_state"),
                "{name}"
            );
            assert_eq!(
                s.payloadrec_sar_state,
                sar(body, "payloadrec_sar_state"),
                "{name}"
            );
            let want: Vec<Vec<u8>> = body
                .get("payload")
                .and_then(Value::as_array)
                .map(|a| a.iter().map(|p| b64(p.as_str().unwrap())).collect())
                .unwrap_or_default();
            let got: Vec<Vec<u8>> = s.payload.iter().map(|p| p.to_vec()).collect();
            assert_eq!(got, want, "{name}");
        }
        RecordKind::MqttConnect {
            version,
            subscribed_topic,
        } => {
            let v = str_field(body, "version");
            assert_eq!(
                format!("{version:?}"),
                if v.is_empty() { "V3_1_1" } else { v },
                "{name}"
            );
            assert_eq!(
                subscribed_topic,
                str_field(body, "subscribed_topic"),
                "{name}"
            );
        }
        RecordKind::StompConnect {
            subscribed_destination,
            ..
        } => {
            assert_eq!(
                subscribed_destination,
                str_field(body, "subscribed_destination"),
                "{name}"
            );
        }
        RecordKind::Disconnect {
            reason,
            reason_code,
        } => {
            assert_eq!(reason, str_field(body, "reason"), "{name}");
            assert_eq!(
                u64::from(*reason_code),
                body.get("reason_code").and_then(Value::as_u64).unwrap_or(0)
            );
        }
        RecordKind::WebSocketConnect | RecordKind::UdsConnect => {
            assert_eq!(body, &serde_json::json!({}), "{name}");
        }
        other => panic!("{name}: unexpected kind {other:?}"),
    }
}

/// R-ENC.1: every valid Record vector decodes, matches its description and re-encodes to the
/// identical bytes.
#[test]
fn r_enc_1_valid_record_vectors() {
    let list = names(|v| v["kind"] == "record");
    assert_eq!(list.len(), 14, "found only {list:?}");
    for name in &list {
        let (bin, json) = load(name);
        let rec = Record::decode(bin.clone()).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_matches_json(&rec, &json["value"], name);
        assert_eq!(json["byte_exact_reencode"], true, "{name}");
        assert_eq!(rec.to_bytes(), bin, "{name}: re-encoding differs");
        assert_eq!(rec.encoded_len(), bin.len(), "{name}");
    }
}

/// Every invalid Record vector fails with the expected class of error.
#[test]
fn invalid_record_vectors() {
    let list = names(|v| v["kind"] == "invalid" && v["target"] == "record");
    assert_eq!(list.len(), 10, "found only {list:?}");
    for name in &list {
        let (bin, json) = load(name);
        let err = Record::decode(bin).expect_err(name);
        let expect = json["expect"].as_str().unwrap();
        assert_eq!(
            err.is_decode_error(),
            expect == "decode_error",
            "{name}: {err:?} but {expect}"
        );
    }
}

/// The error of an invalid vector; the borrowed layer (from bytes, and from text when the
/// vector is UTF-8) must give the same one.
fn decode_vector(name: &str) -> RecordError {
    let bin = load(name).0;
    let e = Record::decode(bin.clone()).expect_err(name);
    assert_eq!(
        usp_record::RecordRef::decode(&bin).err(),
        Some(e.clone()),
        "{name}: RecordRef"
    );
    if let Ok(text) = core::str::from_utf8(&bin) {
        let opts = usp_record::DecodeOptions::default();
        assert_eq!(
            usp_record::RecordRef::decode_text_with(text, &opts).err(),
            Some(e.clone()),
            "{name}: RecordRef from text"
        );
    }
    e
}

/// R-ENC.2: unknown enum values in known fields are erroneous records (7104).
#[test]
fn r_enc_2_unknown_enum_values() {
    assert_eq!(
        decode_vector("invalid_record_unknown_payload_security"),
        RecordError::UnknownEnumValue {
            field: "payload_security",
            value: 7
        }
    );
    assert_eq!(
        decode_vector("invalid_record_unknown_sar_state"),
        RecordError::UnknownEnumValue {
            field: "session_context.payload_sar_state",
            value: 9
        }
    );
    let e = decode_vector("invalid_record_unknown_mqtt_version");
    assert_eq!(
        e,
        RecordError::UnknownEnumValue {
            field: "mqtt_connect.version",
            value: 5
        }
    );
    assert_eq!(e.disposition(), Disposition::ErrorReply(7104));
}

/// R-ENC.3 / R-ENC.4: no record_type, or two different members on the wire: discarded silently.
#[test]
fn r_enc_3_r_enc_4_exactly_one_record_type() {
    let e = decode_vector("invalid_record_no_record_type");
    assert_eq!(e, RecordError::MissingRecordType);
    assert_eq!(e.disposition(), Disposition::Discard);
    let e = decode_vector("invalid_record_two_record_types");
    assert_eq!(
        e,
        RecordError::MultipleRecordTypes {
            first: 7,
            second: 8
        }
    );
    assert_eq!(e.disposition(), Disposition::Discard);
    assert_eq!(e.usp_error_code(), None);
}

/// R-E2E.41: TLS12 without a session context is invalid (7104).
#[test]
fn r_e2e_41_tls12_needs_a_session() {
    let e = decode_vector("invalid_record_no_session_tls12");
    assert_eq!(e, RecordError::Tls12WithoutSession);
    assert_eq!(e.usp_error_code(), Some(7104));
    // and a session record with TLS12 is fine
    let (bin, _) = load("record_session_tls12");
    assert_eq!(
        Record::decode(bin).unwrap().payload_security(),
        PayloadSecurity::Tls12
    );
}

/// Broken protobuf gives 7100.
#[test]
fn decode_errors_map_to_7100() {
    for name in [
        "invalid_record_truncated",
        "invalid_varint_overflow",
        "invalid_varint_10th_byte_overflow",
        "invalid_length_exceeds_buffer",
    ] {
        let e = decode_vector(name);
        assert!(matches!(e, RecordError::Decode(_)), "{name}: {e:?}");
        assert_eq!(e.usp_error_code(), Some(7100), "{name}");
    }
}

/// Decoding from `Bytes` does not copy payloads: they are slices of the input buffer.
#[test]
fn decode_from_bytes_is_zero_copy() {
    for name in [
        "record_no_session_context",
        "record_session_sar_1_begin",
        "record_session_tls12",
    ] {
        let (bin, _) = load(name);
        let range = bin.as_ptr() as usize..bin.as_ptr() as usize + bin.len();
        let rec = Record::decode(bin.clone()).unwrap();
        let payloads: Vec<&Bytes> = match rec.kind() {
            RecordKind::NoSessionContext { payload } => vec![payload],
            RecordKind::SessionContext(s) => s.payload.iter().collect(),
            _ => unreachable!(),
        };
        assert!(!payloads.is_empty());
        for p in payloads {
            assert!(
                range.contains(&(p.as_ptr() as usize)),
                "{name}: payload was copied"
            );
        }
        // mac_signature and sender_cert too
        if !rec.mac_signature().is_empty() {
            assert!(range.contains(&(rec.mac_signature().as_ptr() as usize)));
        }
    }
}

/// The configured size limit is enforced before decoding.
#[test]
fn max_record_size_enforced() {
    let (bin, _) = load("record_session_sar_1_begin");
    let opts = usp_record::DecodeOptions::new().max_record_size(1000);
    let e = Record::decode_with(bin.clone(), &opts).unwrap_err();
    assert_eq!(
        e,
        RecordError::TooLarge {
            size: bin.len(),
            max: 1000
        }
    );
    let opts = usp_record::DecodeOptions::new().max_record_size(bin.len());
    assert!(Record::decode_with(bin, &opts).is_ok());
}

/// Every vector (Records, Msgs, invalid inputs) decodes without panicking, and the `Bytes` and
/// slice entry points agree. The fuzz body itself (`fuzzing::record_decode`, compiled for unit
/// tests and `cfg(fuzzing)` only, so not visible here) is fed every vector and deterministic
/// mutations of each by the unit test
/// `fuzzing::tests::every_vector_and_its_mutations_through_record_decode`.
#[test]
fn every_vector_decodes_the_same_from_bytes_and_from_a_slice() {
    let list = names(|_| true);
    assert!(list.len() >= 60, "found only {list:?}");
    for name in list {
        let (bin, _) = load(&name);
        assert_eq!(
            Record::decode(bin.clone()),
            Record::decode_slice(&bin),
            "{name}"
        );
    }
}
