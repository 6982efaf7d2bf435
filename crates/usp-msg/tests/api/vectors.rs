//! Golden vectors (`testdata/vectors`) through the validated layer (R-ENC.0, R-MSG.5–R-MSG.10).

use std::collections::BTreeSet;

use serde_json::Value;
use usp_msg::{DecodeOptions, Msg, MsgError, MsgType, Warning, bytes, pb, prost};

use crate::{MSG_VECTORS, Vector};

fn json(v: &Vector) -> Value {
    serde_json::from_str(v.json).unwrap_or_else(|e| panic!("{}: bad json: {e}", v.name))
}

fn strict() -> DecodeOptions {
    let mut o = DecodeOptions::default();
    o.strict(true);
    o
}

/// Standard base64 with padding (the vectors' `canonical_base64`).
fn base64(s: &str) -> Vec<u8> {
    let val = |c: u8| -> u32 {
        match c {
            b'A'..=b'Z' => u32::from(c - b'A'),
            b'a'..=b'z' => u32::from(c - b'a') + 26,
            b'0'..=b'9' => u32::from(c - b'0') + 52,
            b'+' => 62,
            b'/' => 63,
            _ => panic!("bad base64 char {c}"),
        }
    };
    let bytes: Vec<u8> = s.bytes().filter(|&c| c != b'=').collect();
    let mut out = Vec::new();
    for chunk in bytes.chunks(4) {
        let mut n = 0u32;
        for (i, &c) in chunk.iter().enumerate() {
            n |= val(c) << (18 - 6 * i);
        }
        let take = chunk.len() - 1;
        out.extend_from_slice(&n.to_be_bytes()[1..=take]);
    }
    out
}

#[test]
fn base64_helper() {
    assert_eq!(base64("TWFu"), b"Man");
    assert_eq!(base64("TWE="), b"Ma");
    assert_eq!(base64("TQ=="), b"M");
}

/// R-ENC.0: every valid msg vector decodes, has the expected header, re-encodes exactly
/// (or to its canonical bytes), and is accepted in strict mode too.
#[test]
fn r_enc_0_every_msg_vector_decodes_and_reencodes() {
    let mut checked = 0;
    for v in MSG_VECTORS {
        let j = json(v);
        if j["kind"] != "msg" {
            continue;
        }
        let msg = Msg::decode(v.bin).unwrap_or_else(|e| panic!("{}: {e}", v.name));
        assert!(msg.warning().is_none(), "{}: {:?}", v.name, msg.warning());
        let strict_msg = Msg::decode_with(v.bin, &strict()).unwrap();
        assert_eq!(strict_msg, msg, "{}", v.name);

        let header = &j["value"]["header"];
        assert_eq!(
            msg.msg_id(),
            header["msg_id"].as_str().unwrap(),
            "{}",
            v.name
        );
        let expected_type = header["msg_type"].as_str().unwrap_or("ERROR");
        assert_eq!(msg.msg_type().name(), expected_type, "{}", v.name);

        let out = msg.encode_to_vec();
        assert_eq!(out.len(), msg.encoded_len(), "{}", v.name);
        if j["byte_exact_reencode"] == true {
            assert_eq!(out, v.bin, "{}: re-encoding differs", v.name);
        } else if let Some(c) = j["canonical_base64"].as_str() {
            assert_eq!(out, base64(c), "{}: not the canonical bytes", v.name);
        } else {
            assert_eq!(Msg::decode(out.as_slice()).unwrap(), msg, "{}", v.name);
        }
        // The raw layer re-encodes to the same bytes.
        assert_eq!(
            prost::Message::encode_to_vec(&pb::Msg::from(msg.clone())),
            out,
            "{}",
            v.name
        );
        #[cfg(feature = "serde")]
        assert_eq!(
            serde_json::to_value(pb::Msg::from(msg.clone())).unwrap(),
            j["value"],
            "{}: decoded value differs from the vector's",
            v.name
        );
        checked += 1;
    }
    assert_eq!(checked, 41);
}

/// R-ENC.0: the msg_ vectors cover all 23 message types.
#[test]
fn r_enc_0_vectors_cover_every_msg_type() {
    let seen: BTreeSet<MsgType> = MSG_VECTORS
        .iter()
        .filter(|v| v.name.starts_with("msg_"))
        .map(|v| Msg::decode(v.bin).unwrap().msg_type())
        .collect();
    assert_eq!(seen.len(), 23);
    assert_eq!(seen, MsgType::ALL.into_iter().collect());
}

/// The unknown-fields vector re-encodes to its canonical bytes (decision: accepted, dropped).
#[test]
fn r_msg_5_unknown_fields_vector_reencodes_canonically() {
    let v = MSG_VECTORS
        .iter()
        .find(|v| v.name == "edge_unknown_fields")
        .unwrap();
    let j = json(v);
    let msg = Msg::decode(v.bin).unwrap();
    assert_eq!(
        msg.encode_to_vec(),
        base64(j["canonical_base64"].as_str().unwrap())
    );
}

/// Every invalid msg vector fails with the expected class: `decode_error` → `MsgError::Decode`,
/// `validation_error` → a validation variant (or, for the msg_type mismatch, a warning in
/// lenient mode and an error in strict mode).
#[test]
fn invalid_msg_vectors_fail_with_the_expected_class() {
    let mut checked = 0;
    for v in MSG_VECTORS {
        let j = json(v);
        if j["kind"] != "invalid" {
            continue;
        }
        assert_eq!(j["target"], "msg");
        let lenient = Msg::decode(v.bin);
        let strict = Msg::decode_with(v.bin, &strict());
        match j["expect"].as_str().unwrap() {
            "decode_error" => {
                assert!(
                    matches!(lenient, Err(MsgError::Decode { .. })),
                    "{}: {lenient:?}",
                    v.name
                );
                assert!(matches!(strict, Err(MsgError::Decode { .. })), "{}", v.name);
                let err = lenient.unwrap_err();
                assert!(!err.can_reply() && err.error_reply().is_none());
                // Every decode error says where.
                let offset = err
                    .offset()
                    .unwrap_or_else(|| panic!("{}: no offset", v.name));
                assert!(offset < v.bin.len(), "{}: offset {offset}", v.name);
            }
            "validation_error" if v.name == "invalid_msg_type_mismatch" => {
                let msg = lenient.unwrap();
                assert_eq!(msg.msg_type(), MsgType::SetResp);
                assert_eq!(
                    msg.warning(),
                    Some(Warning::MsgTypeMismatch {
                        header: MsgType::Get,
                        body: MsgType::SetResp
                    })
                );
                let err = strict.unwrap_err();
                assert!(
                    matches!(err, MsgError::MsgTypeRejected { ref msg_id, .. } if msg_id == "12049"),
                    "{err:?}"
                );
            }
            "validation_error" => {
                let err = lenient.unwrap_err();
                assert!(
                    matches!(
                        err,
                        MsgError::MissingHeader
                            | MsgError::EmptyMsgId
                            | MsgError::MissingOneof { .. }
                    ),
                    "{}: {err:?}",
                    v.name
                );
                assert_eq!(err.usp_error_code().get(), 7004);
                assert_eq!(strict.unwrap_err(), err);
            }
            other => panic!("{}: unknown expectation {other}", v.name),
        }
        checked += 1;
    }
    assert_eq!(checked, 6);
}

/// Decoding from `Bytes` and from `&[u8]` gives the same message.
#[test]
fn bytes_and_slice_inputs_agree() {
    for v in MSG_VECTORS {
        let a = Msg::decode(v.bin);
        let b = Msg::decode(bytes::Bytes::from_static(v.bin));
        assert_eq!(a, b, "{}", v.name);
    }
}

/// Validating through `TryFrom<pb::Msg>` equals `Msg::decode`, and `From<Msg> for pb::Msg`
/// gives back the raw message (header msg_type taken from the body).
#[test]
fn pb_conversions_round_trip() {
    for v in MSG_VECTORS {
        let Ok(raw) = <pb::Msg as prost::Message>::decode(v.bin) else {
            continue;
        };
        let Ok(msg) = Msg::try_from(raw.clone()) else {
            continue;
        };
        let back = pb::Msg::from(msg.clone());
        assert_eq!(back.body, raw.body, "{}", v.name);
        assert_eq!(
            back.header.as_ref().map(|h| h.msg_type),
            Some(msg.msg_type().as_i32())
        );
        assert_eq!(Msg::try_from(back).unwrap(), msg.without_warning());
    }
}

/// `MSG_VECTORS` is written out by hand (for `include_bytes!`): every Msg vector in
/// `testdata/vectors` (kind `msg`, or an `invalid` one whose target is `msg`) must be in it,
/// and it must hold nothing else, so no vector is silently skipped.
#[test]
fn msg_vectors_list_has_every_msg_vector_in_testdata() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../testdata/vectors");
    let mut on_disk = BTreeSet::new();
    for entry in std::fs::read_dir(&dir).expect("testdata/vectors") {
        let path = entry.expect("dir entry").path();
        let file = path
            .file_name()
            .and_then(|f| f.to_str())
            .unwrap_or_default();
        let Some(stem) = file.strip_suffix(".bin") else {
            continue;
        };
        let desc = std::fs::read_to_string(dir.join(format!("{stem}.json")))
            .unwrap_or_else(|e| panic!("{stem}.bin has no .json: {e}"));
        let j: Value = serde_json::from_str(&desc).expect("vector json");
        if j["kind"] == "msg" || (j["kind"] == "invalid" && j["target"] == "msg") {
            on_disk.insert(stem.to_string());
        }
    }
    let listed: BTreeSet<String> = MSG_VECTORS.iter().map(|v| v.name.to_string()).collect();
    assert_eq!(listed.len(), MSG_VECTORS.len(), "duplicates in MSG_VECTORS");
    let missing: Vec<_> = on_disk.difference(&listed).collect();
    let extra: Vec<_> = listed.difference(&on_disk).collect();
    assert!(
        missing.is_empty(),
        "Msg vectors not in MSG_VECTORS: {missing:?}"
    );
    assert!(
        extra.is_empty(),
        "MSG_VECTORS entries that are not Msg vectors: {extra:?}"
    );
    assert!(on_disk.len() >= 47, "found only {on_disk:?}");
}
