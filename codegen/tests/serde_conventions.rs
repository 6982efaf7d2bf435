//! The protobuf JSON conventions of the generated serde impls, rule by rule (see the header
//! of `crates/*/src/generated/*_serde.rs`), including what is accepted on input only.

use bytes::Bytes;
use serde_json::{Value, json};
use usp_msg::pb;
use usp_record::pb as rpb;

fn de<T: serde::de::DeserializeOwned>(v: Value) -> Result<T, String> {
    // Both the Value deserializer and the text one must give the same answer.
    let text = v.to_string();
    let a = serde_json::from_value::<T>(v).map_err(|e| e.to_string());
    let b = serde_json::from_str::<T>(&text).map_err(|e| e.to_string());
    assert_eq!(
        a.is_ok(),
        b.is_ok(),
        "from_value and from_str disagree on {text}"
    );
    a
}

fn record_with(rt: rpb::record::RecordType) -> rpb::Record {
    rpb::Record {
        version: "1.4".into(),
        record_type: Some(rt),
        ..Default::default()
    }
}

#[test]
fn proto_field_names_out_lower_camel_case_accepted_in() {
    let h = pb::Header {
        msg_id: "m1".into(),
        msg_type: pb::header::MsgType::GetResp as i32,
    };
    assert_eq!(
        serde_json::to_value(&h).unwrap(),
        json!({"msg_id": "m1", "msg_type": "GET_RESP"})
    );
    let camel: pb::Header = de(json!({"msgId": "m1", "msgType": "GET_RESP"})).unwrap();
    assert_eq!(camel, h);
}

#[test]
fn the_same_field_twice_is_rejected_even_under_both_names() {
    let err = de::<pb::Header>(json!({"msg_id": "a", "msgId": "b"})).unwrap_err();
    assert!(err.contains("duplicate field"), "{err}");
}

#[test]
fn defaults_are_omitted_but_set_oneof_members_and_some_messages_are_written() {
    assert_eq!(
        serde_json::to_value(pb::Header::default()).unwrap(),
        json!({})
    );
    assert_eq!(
        serde_json::to_value(rpb::Record::default()).unwrap(),
        json!({})
    );
    let rec = record_with(rpb::record::RecordType::WebsocketConnect(
        rpb::WebSocketConnectRecord {},
    ));
    assert_eq!(
        serde_json::to_value(&rec).unwrap(),
        json!({"version": "1.4", "websocket_connect": {}})
    );
    let res = pb::operate_resp::OperationResult {
        executed_command: String::new(),
        operation_resp: Some(
            pb::operate_resp::operation_result::OperationResp::ReqObjPath(String::new()),
        ),
    };
    assert_eq!(
        serde_json::to_value(&res).unwrap(),
        json!({"req_obj_path": ""})
    );
    let msg = pb::Msg {
        header: Some(pb::Header::default()),
        body: None,
    };
    assert_eq!(serde_json::to_value(&msg).unwrap(), json!({"header": {}}));
}

#[test]
fn enums_by_name_unknown_numbers_as_integers_and_name_or_number_accepted() {
    let mut h = pb::Header {
        msg_id: String::new(),
        msg_type: 9999,
    };
    assert_eq!(serde_json::to_value(&h).unwrap(), json!({"msg_type": 9999}));
    assert_eq!(de::<pb::Header>(json!({"msg_type": 9999})).unwrap(), h);
    h.msg_type = pb::header::MsgType::Notify as i32;
    assert_eq!(de::<pb::Header>(json!({"msg_type": "NOTIFY"})).unwrap(), h);
    assert_eq!(
        de::<pb::Header>(json!({"msg_type": pb::header::MsgType::Notify as i32})).unwrap(),
        h
    );
    let err = de::<pb::Header>(json!({"msg_type": "NO_SUCH_TYPE"})).unwrap_err();
    assert!(err.contains("unknown variant"), "{err}");
    assert!(de::<pb::Header>(json!({"msg_type": 1u64 << 40})).is_err());
    // The enum types themselves: by name; only defined numbers can be represented.
    let t = pb::header::MsgType::Error;
    assert_eq!(serde_json::to_value(t).unwrap(), json!("ERROR"));
    assert_eq!(de::<pb::header::MsgType>(json!("ERROR")).unwrap(), t);
    assert_eq!(de::<pb::header::MsgType>(json!(0)).unwrap(), t);
    assert!(de::<pb::header::MsgType>(json!(9999)).is_err());
}

#[test]
fn bytes_are_padded_standard_base64_and_unpadded_or_url_safe_accepted() {
    let payload = Bytes::from_static(&[0xfb, 0xff, 0x01]);
    let rec = record_with(rpb::record::RecordType::NoSessionContext(
        rpb::NoSessionContextRecord { payload },
    ));
    assert_eq!(
        serde_json::to_value(&rec).unwrap()["no_session_context"]["payload"],
        json!("+/8B")
    );
    for text in ["+/8B", "-_8B"] {
        let back: rpb::Record =
            de(json!({"version": "1.4", "no_session_context": {"payload": text}})).unwrap();
        assert_eq!(back, rec, "{text}");
    }
    // Lengths that need padding: 1 and 2 bytes.
    for (bytes, padded, bare) in [(&b"a"[..], "YQ==", "YQ"), (&b"ab"[..], "YWI=", "YWI")] {
        let s = rpb::SessionContextRecord {
            payload: vec![Bytes::copy_from_slice(bytes)],
            ..Default::default()
        };
        assert_eq!(
            serde_json::to_value(&s).unwrap(),
            json!({"payload": [padded]})
        );
        assert_eq!(
            de::<rpb::SessionContextRecord>(json!({"payload": [bare]})).unwrap(),
            s
        );
        assert_eq!(
            de::<rpb::SessionContextRecord>(json!({"payload": [padded]})).unwrap(),
            s
        );
    }
    for bad in [
        "YQ=", "Y", "YQ===", "Y Q==", "YR==", "*A==", "=", "YWI=YWI=",
    ] {
        assert!(
            de::<rpb::NoSessionContextRecord>(json!({"payload": bad})).is_err(),
            "{bad:?} must be rejected"
        );
    }
}

#[test]
fn uint64_as_decimal_strings_and_numbers_or_strings_accepted() {
    let s = rpb::SessionContextRecord {
        session_id: u64::MAX,
        sequence_id: 1,
        ..Default::default()
    };
    assert_eq!(
        serde_json::to_value(&s).unwrap(),
        json!({"session_id": "18446744073709551615", "sequence_id": "1"})
    );
    assert_eq!(
        de::<rpb::SessionContextRecord>(json!({"session_id": u64::MAX, "sequence_id": 1})).unwrap(),
        s
    );
    assert_eq!(
        de::<rpb::SessionContextRecord>(
            json!({"sessionId": "18446744073709551615", "sequenceId": 1.0})
        )
        .unwrap(),
        s
    );
    for bad in [
        json!("18446744073709551616"),
        json!(-1),
        json!("1.5"),
        json!(1.5),
        json!(true),
    ] {
        assert!(
            de::<rpb::SessionContextRecord>(json!({"session_id": bad})).is_err(),
            "{bad} must be rejected"
        );
    }
}

#[test]
fn fixed32_as_numbers_and_strings_accepted() {
    let g = pb::Get {
        param_paths: vec!["Device.".into()],
        max_depth: u32::MAX,
    };
    assert_eq!(
        serde_json::to_value(&g).unwrap(),
        json!({"param_paths": ["Device."], "max_depth": 4294967295u32})
    );
    assert_eq!(
        de::<pb::Get>(json!({"paramPaths": ["Device."], "maxDepth": "4294967295"})).unwrap(),
        g
    );
    assert!(de::<pb::Get>(json!({"max_depth": 4294967296u64})).is_err());
    assert!(de::<pb::Get>(json!({"max_depth": -1})).is_err());
}

#[test]
fn maps_are_objects_and_duplicate_map_keys_are_rejected() {
    let mut r = pb::get_resp::ResolvedPathResult {
        resolved_path: "Device.".into(),
        ..Default::default()
    };
    r.result_params.insert("A".into(), "1".into());
    r.result_params.insert("B".into(), String::new());
    assert_eq!(
        serde_json::to_value(&r).unwrap(),
        json!({"resolved_path": "Device.", "result_params": {"A": "1", "B": ""}})
    );
    let err = serde_json::from_str::<pb::get_resp::ResolvedPathResult>(
        r#"{"result_params": {"A": "1", "A": "2"}}"#,
    )
    .unwrap_err();
    assert!(err.to_string().contains("duplicate map key"), "{err}");
}

#[test]
fn null_means_default_and_unknown_keys_are_ignored() {
    let v = json!({
        "msg_id": null,
        "msg_type": null,
        "not_in_the_schema": {"deep": [1, 2, 3]},
        "anotherUnknown": 5
    });
    assert_eq!(de::<pb::Header>(v).unwrap(), pb::Header::default());
    let m: pb::Msg = de(json!({"header": null, "body": {"request": null}})).unwrap();
    assert_eq!(
        m,
        pb::Msg {
            header: None,
            body: Some(pb::Body { msg_body: None })
        }
    );
    // null is not an element of a repeated field or a map value.
    assert!(de::<pb::Get>(json!({"param_paths": [null]})).is_err());
}

#[test]
fn two_members_of_one_oneof_are_rejected() {
    let err = de::<rpb::Record>(json!({"websocket_connect": {}, "uds_connect": {}})).unwrap_err();
    assert!(err.contains("more than one member of oneof"), "{err}");
    let err = de::<pb::Body>(json!({"request": {"get": {}}, "error": {}})).unwrap_err();
    assert!(err.contains("usp.Body.msg_body"), "{err}");
    let err = de::<pb::Request>(json!({"get": {}, "set": {}})).unwrap_err();
    assert!(err.contains("oneof"), "{err}");
    // A null member does not count as set.
    assert!(de::<rpb::Record>(json!({"websocket_connect": {}, "uds_connect": null})).is_ok());
}

#[test]
fn oneofs_on_their_own_are_single_key_objects() {
    let rt = rpb::record::RecordType::MqttConnect(rpb::MqttConnectRecord {
        version: 0,
        subscribed_topic: "t".into(),
    });
    let v = serde_json::to_value(&rt).unwrap();
    assert_eq!(v, json!({"mqtt_connect": {"subscribed_topic": "t"}}));
    assert_eq!(de::<rpb::record::RecordType>(v).unwrap(), rt);
    assert!(de::<rpb::record::RecordType>(json!({})).is_err());
    assert!(de::<rpb::record::RecordType>(json!({"mqtt_connect": {}, "disconnect": {}})).is_err());
}

#[test]
fn wrong_json_types_are_errors_not_panics() {
    for v in [
        json!([]),
        json!("x"),
        json!(1),
        json!({"header": 1}),
        json!({"header": {"msg_id": 5}}),
        json!({"body": {"request": {"get": {"param_paths": "Device."}}}}),
        json!({"body": {"request": {"get": {"max_depth": {}}}}}),
    ] {
        assert!(de::<pb::Msg>(v.clone()).is_err(), "{v} must be rejected");
    }
}
