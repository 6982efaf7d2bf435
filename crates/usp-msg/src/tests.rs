//! Unit tests for the validation rules, one or more per R-id.

use alloc::string::{String, ToString};
use alloc::vec;
use alloc::vec::Vec;

use prost::Message as _;

use crate::*;

fn header(msg_id: &str, t: MsgType) -> Option<pb::Header> {
    Some(pb::Header {
        msg_id: msg_id.into(),
        msg_type: t.as_i32(),
    })
}

fn request(r: pb::request::ReqType) -> Option<pb::Body> {
    Some(pb::Body {
        msg_body: Some(pb::body::MsgBody::Request(pb::Request {
            req_type: Some(r),
        })),
    })
}

fn response(r: pb::response::RespType) -> Option<pb::Body> {
    Some(pb::Body {
        msg_body: Some(pb::body::MsgBody::Response(pb::Response {
            resp_type: Some(r),
        })),
    })
}

fn get_body() -> Option<pb::Body> {
    request(pb::request::ReqType::Get(pb::Get {
        param_paths: vec!["Device.".into()],
        max_depth: 0,
    }))
}

fn strict() -> DecodeOptions {
    let mut o = DecodeOptions::default();
    o.strict(true);
    o
}

/// The error for `raw`, which must be the same from the owned checks (`TryFrom`), from the
/// decoder (`Msg::decode`) and from the borrowed layer (`MsgRef::decode`).
fn oneof_err(raw: pb::Msg) -> (Oneof, MsgError) {
    let bytes = raw.encode_to_vec();
    let err = Msg::try_from(raw).unwrap_err();
    assert_eq!(
        Msg::decode(bytes.as_slice()).unwrap_err(),
        err,
        "Msg::decode"
    );
    assert_eq!(MsgRef::decode(&bytes).unwrap_err(), err, "MsgRef::decode");
    match &err {
        MsgError::MissingOneof { oneof, .. } => (*oneof, err.clone()),
        other => panic!("expected MissingOneof, got {other:?}"),
    }
}

#[test]
fn r_enc_0_golden_get_decodes_and_reencodes_byte_exact() {
    let bin = include_bytes!("../../../testdata/vectors/msg_get.bin");
    let msg = Msg::decode(&bin[..]).unwrap();
    assert_eq!(msg.msg_id(), "10978");
    assert_eq!(msg.msg_type(), MsgType::Get);
    let Some(Request::Get(get)) = msg.request() else {
        panic!("not a Get")
    };
    assert_eq!(get.param_paths.len(), 5);
    assert_eq!(get.max_depth, 3);
    assert_eq!(msg.encode_to_vec(), bin.to_vec());
}

#[test]
fn r_enc_0_envelope_encoder_matches_prost_for_every_body_kind() {
    let msgs = [
        GetBuilder::new("a").path("Device.").build().unwrap(),
        EventBuilder::new("b", "", "Device.", "Boot!")
            .send_resp(true)
            .build()
            .unwrap(),
        EventBuilder::new("b2", "sub", "Device.", "Boot!")
            .build()
            .unwrap(),
        NotifyRespBuilder::new("c", "").build().unwrap(),
        ErrorBuilder::new("d", ErrorCode::MESSAGE_FAILED)
            .build()
            .unwrap(),
        // A msg_id over 127 bytes needs a two-byte length prefix.
        GetBuilder::new("m".repeat(300))
            .path("Device.")
            .build()
            .unwrap(),
        DeregisterRespBuilder::new("d".repeat(20_000))
            .success("", ["Device.Time."])
            .build()
            .unwrap(),
    ];
    for m in msgs {
        let ours = m.encode_to_vec();
        assert_eq!(ours, pb::Msg::from(m.clone()).encode_to_vec());
        assert_eq!(ours.len(), m.encoded_len());
        let mut small = [0u8; 4];
        let mut slice = &mut small[..];
        assert!(matches!(
            m.encode(&mut slice),
            Err(MsgError::BufferTooSmall { remaining: 4, .. })
        ));
        let mut buf = Vec::new();
        m.encode(&mut buf).unwrap();
        assert_eq!(buf, ours);
    }
}

#[test]
fn r_enc_5_missing_req_type_is_7004_with_reply() {
    let raw = pb::Msg {
        header: header("m1", MsgType::Get),
        body: Some(pb::Body {
            msg_body: Some(pb::body::MsgBody::Request(pb::Request { req_type: None })),
        }),
    };
    let (oneof, err) = oneof_err(raw);
    assert_eq!(oneof, Oneof::ReqType);
    assert_eq!(err.usp_error_code(), ErrorCode::INVALID_ARGUMENTS);
    assert_eq!(
        err.to_string(),
        "body.request.req_type missing (msg_id \"m1\")"
    );
    assert!(err.can_reply());
    let reply = err.error_reply().unwrap();
    assert_eq!(reply.msg_id(), "m1");
    assert_eq!(reply.error().unwrap().err_code, 7004);
}

#[test]
fn r_enc_5_missing_resp_type_gets_no_reply() {
    let raw = pb::Msg {
        header: header("m2", MsgType::GetResp),
        body: Some(pb::Body {
            msg_body: Some(pb::body::MsgBody::Response(pb::Response {
                resp_type: None,
            })),
        }),
    };
    let (oneof, err) = oneof_err(raw);
    assert_eq!(oneof, Oneof::RespType);
    assert_eq!(err.usp_error_code(), ErrorCode::INVALID_ARGUMENTS);
    // A broken response is dropped, never answered.
    assert!(!err.can_reply());
    assert!(err.error_reply().is_none());
}

#[test]
fn r_enc_5_missing_notification() {
    let raw = pb::Msg {
        header: header("m3", MsgType::Notify),
        body: request(pb::request::ReqType::Notify(pb::Notify {
            subscription_id: "s".into(),
            send_resp: true,
            notification: None,
        })),
    };
    assert_eq!(oneof_err(raw).0, Oneof::Notification);
}

#[test]
fn r_enc_5_missing_operation_complete_result() {
    let raw = pb::Msg {
        header: header("m4", MsgType::Notify),
        body: request(pb::request::ReqType::Notify(pb::Notify {
            subscription_id: "s".into(),
            send_resp: false,
            notification: Some(pb::notify::Notification::OperComplete(
                pb::notify::OperationComplete {
                    obj_path: "Device.".into(),
                    command_name: "Reboot()".into(),
                    command_key: "k".into(),
                    operation_resp: None,
                },
            )),
        })),
    };
    let (oneof, err) = oneof_err(raw);
    assert_eq!(oneof, Oneof::OperationCompleteResp);
    assert_eq!(
        err.to_string(),
        "body.request.notify.oper_complete.operation_resp missing (msg_id \"m4\")"
    );
}

#[test]
fn r_enc_5_missing_nested_oper_status_in_every_response() {
    use pb::response::RespType as R;
    // The second result of each list lacks its oneof (the wrapper message is present but
    // empty), the third lacks the wrapper altogether; the first missing one is reported.
    let cases: Vec<(R, Oneof)> = vec![
        (
            R::SetResp(pb::SetResp {
                updated_obj_results: vec![
                    SetRespBuilder::new("x")
                        .result(SetResult::success("Device."))
                        .build()
                        .map(|m| match m.response() {
                            Some(Response::SetResp(r)) => r.updated_obj_results[0].clone(),
                            _ => unreachable!(),
                        })
                        .unwrap(),
                    pb::set_resp::UpdatedObjectResult {
                        requested_path: "Device.".into(),
                        oper_status: Some(Default::default()),
                    },
                    pb::set_resp::UpdatedObjectResult::default(),
                ],
            }),
            Oneof::SetRespOperStatus { index: 1 },
        ),
        (
            R::AddResp(pb::AddResp {
                created_obj_results: vec![pb::add_resp::CreatedObjectResult {
                    requested_path: "Device.X.".into(),
                    oper_status: None,
                }],
            }),
            Oneof::AddRespOperStatus { index: 0 },
        ),
        (
            R::DeleteResp(pb::DeleteResp {
                deleted_obj_results: vec![pb::delete_resp::DeletedObjectResult {
                    requested_path: "Device.X.1.".into(),
                    oper_status: Some(Default::default()),
                }],
            }),
            Oneof::DeleteRespOperStatus { index: 0 },
        ),
        (
            R::OperateResp(pb::OperateResp {
                operation_results: vec![pb::operate_resp::OperationResult {
                    executed_command: "Device.Reboot()".into(),
                    operation_resp: None,
                }],
            }),
            Oneof::OperateRespOperationResp { index: 0 },
        ),
        (
            R::RegisterResp(pb::RegisterResp {
                registered_path_results: vec![Default::default()],
            }),
            Oneof::RegisterRespOperStatus { index: 0 },
        ),
        (
            R::DeregisterResp(pb::DeregisterResp {
                deregistered_path_results: vec![pb::deregister_resp::DeregisteredPathResult {
                    requested_path: String::new(),
                    oper_status: Some(Default::default()),
                }],
            }),
            Oneof::DeregisterRespOperStatus { index: 0 },
        ),
    ];
    for (resp, expected) in cases {
        let t = match &resp {
            R::SetResp(_) => MsgType::SetResp,
            R::AddResp(_) => MsgType::AddResp,
            R::DeleteResp(_) => MsgType::DeleteResp,
            R::OperateResp(_) => MsgType::OperateResp,
            R::RegisterResp(_) => MsgType::RegisterResp,
            _ => MsgType::DeregisterResp,
        };
        let raw = pb::Msg {
            header: header("r", t),
            body: response(resp),
        };
        // Also through the wire, to exercise the decoder path.
        let bytes = raw.encode_to_vec();
        let (oneof, err) = oneof_err(raw);
        assert_eq!(oneof, expected);
        assert_eq!(err.usp_error_code(), ErrorCode::INVALID_ARGUMENTS);
        assert_eq!(Msg::decode(bytes.as_slice()).unwrap_err(), err);
    }
    assert_eq!(
        Oneof::SetRespOperStatus { index: 1 }.to_string(),
        "body.response.set_resp.updated_obj_results[1].oper_status"
    );
}

#[test]
fn r_msg_5_wrong_wire_type_is_a_decode_error() {
    let bin = include_bytes!("../../../testdata/vectors/invalid_wrong_wire_type.bin");
    let err = Msg::decode(&bin[..]).unwrap_err();
    assert!(matches!(err, MsgError::Decode { .. }), "{err:?}");
    assert!(!err.can_reply());
    assert_eq!(err.usp_error_code(), ErrorCode::MESSAGE_FAILED);
}

#[test]
fn r_msg_5_unknown_fields_are_ignored_and_dropped() {
    let bin = include_bytes!("../../../testdata/vectors/edge_unknown_fields.bin");
    let msg = Msg::decode(&bin[..]).unwrap();
    assert_eq!(msg.msg_id(), "11972");
    assert!(msg.warning().is_none());
    let out = msg.encode_to_vec();
    assert!(out.len() < bin.len());
    // Canonical bytes from the vector's canonical_base64.
    let canonical: &[u8] = &[
        0x0a, 0x09, 0x0a, 0x05, b'1', b'1', b'9', b'7', b'2', 0x10, 0x01, 0x12, 0x2c, 0x0a, 0x2a,
        0x0a, 0x28, 0x0a, 0x21,
    ];
    assert_eq!(&out[..canonical.len()], canonical);
}

#[test]
fn r_msg_5_truncated_input_is_a_decode_error() {
    let bin = include_bytes!("../../../testdata/vectors/msg_get.bin");
    for cut in [1, 2, 10, bin.len() - 1] {
        let err = Msg::decode(&bin[..cut]).unwrap_err();
        assert!(matches!(err, MsgError::Decode { .. }), "cut {cut}: {err:?}");
    }
}

#[test]
fn r_msg_5_size_limit_is_checked_before_decoding() {
    let bin = include_bytes!("../../../testdata/vectors/msg_get.bin");
    let mut opts = DecodeOptions::default();
    opts.max_msg_size(bin.len() - 1);
    assert_eq!(
        Msg::decode_with(&bin[..], &opts).unwrap_err(),
        MsgError::TooLarge {
            size: bin.len(),
            max: bin.len() - 1
        }
    );
    opts.max_msg_size(bin.len());
    assert!(Msg::decode_with(&bin[..], &opts).is_ok());
    // Garbage over the limit is reported as too large, not as a decode error.
    let garbage = vec![0xffu8; DEFAULT_MAX_MSG_SIZE + 1];
    assert!(matches!(
        Msg::decode(garbage.as_slice()),
        Err(MsgError::TooLarge { .. })
    ));
}

#[test]
fn r_msg_6_missing_header() {
    let raw = pb::Msg {
        header: None,
        body: get_body(),
    };
    let err = Msg::try_from(raw).unwrap_err();
    assert_eq!(err, MsgError::MissingHeader);
    assert_eq!(err.usp_error_code(), ErrorCode::INVALID_ARGUMENTS);
    assert!(!err.can_reply());
    let bin = include_bytes!("../../../testdata/vectors/invalid_msg_no_header.bin");
    assert_eq!(Msg::decode(&bin[..]).unwrap_err(), MsgError::MissingHeader);
}

#[test]
fn r_msg_7_missing_body() {
    for body in [None, Some(pb::Body { msg_body: None })] {
        let raw = pb::Msg {
            header: header("b1", MsgType::Get),
            body,
        };
        let err = Msg::try_from(raw).unwrap_err();
        assert_eq!(
            err,
            MsgError::MissingOneof {
                msg_id: "b1".into(),
                body: None,
                oneof: Oneof::MsgBody
            }
        );
        assert_eq!(err.usp_error_code(), ErrorCode::INVALID_ARGUMENTS);
        assert_eq!(err.error_reply().unwrap().msg_id(), "b1");
    }
    let bin = include_bytes!("../../../testdata/vectors/invalid_msg_no_body.bin");
    let err = Msg::decode(&bin[..]).unwrap_err();
    assert!(matches!(
        err,
        MsgError::MissingOneof {
            oneof: Oneof::MsgBody,
            ..
        }
    ));
}

#[test]
fn r_msg_8_empty_msg_id() {
    let raw = pb::Msg {
        header: header("", MsgType::Get),
        body: get_body(),
    };
    let err = Msg::try_from(raw).unwrap_err();
    assert_eq!(err, MsgError::EmptyMsgId);
    assert!(!err.can_reply());
    assert_eq!(
        GetBuilder::new("").path("Device.").build().unwrap_err(),
        BuildError::EmptyMsgId
    );
    let body = Msg::decode(GetBuilder::new("x").path("Device.").build_bytes().unwrap())
        .unwrap()
        .into_parts()
        .1;
    assert_eq!(Msg::new("", body).unwrap_err(), MsgError::EmptyMsgId);
}

#[test]
fn r_msg_9_error_reply_copies_msg_id_and_checks_the_code() {
    let get = GetBuilder::new("req-1").path("Device.").build().unwrap();
    let reply = get.error_reply(ErrorCode::INVALID_PATH, "nope").unwrap();
    assert_eq!(reply.msg_id(), "req-1");
    assert_eq!(reply.msg_type(), MsgType::Error);
    let e = reply.error().unwrap();
    assert_eq!((e.err_code, e.err_msg.as_str()), (7026, "nope"));
    // A Register code is not allowed for a Get; record and vendor codes are.
    assert!(matches!(
        get.error_reply(ErrorCode::REGISTER_FAILURE, ""),
        Err(BuildError::ErrorCodeNotAllowed { .. })
    ));
    assert!(get.error_reply(ErrorCode::new(7850), "").is_ok());
    assert!(
        get.error_reply(ErrorCode::SECURE_SESSION_REQUIRED, "")
            .is_ok()
    );
    assert!(matches!(
        get.error_reply(ErrorCode::new(42), ""),
        Err(BuildError::ErrorCodeOutOfRange { code: 42, .. })
    ));
    assert!(reply.is_reply_to(&get));
    assert!(!get.is_reply_to(&reply));
    // Responses are never answered.
    assert!(reply.error_reply(ErrorCode::MESSAGE_FAILED, "").is_err());
    let resp = NotifyRespBuilder::new("n", "").build().unwrap();
    assert!(resp.error_reply(ErrorCode::MESSAGE_FAILED, "").is_err());
}

#[test]
fn r_msg_10_body_type_wins_and_mismatch_is_reported() {
    let raw = pb::Msg {
        header: header("t1", MsgType::Set),
        body: get_body(),
    };
    let bytes = raw.encode_to_vec();
    let msg = Msg::try_from(raw).unwrap();
    assert_eq!(msg.msg_type(), MsgType::Get);
    assert!(matches!(msg.request(), Some(Request::Get(_))));
    assert_eq!(
        msg.warning(),
        Some(Warning::MsgTypeMismatch {
            header: MsgType::Set,
            body: MsgType::Get
        })
    );
    assert_eq!(
        msg.header_msg_type_mismatch(),
        Some((MsgType::Set, MsgType::Get))
    );
    // Re-encoding writes the body's type.
    let again = Msg::decode(msg.encode_to_bytes()).unwrap();
    assert!(again.warning().is_none());
    // Strict mode rejects it, with a usable reply.
    let err = Msg::decode_with(bytes.as_slice(), &strict()).unwrap_err();
    assert!(matches!(
        err,
        MsgError::MsgTypeRejected {
            warning: Warning::MsgTypeMismatch { .. },
            ..
        }
    ));
    assert_eq!(err.usp_error_code(), ErrorCode::INVALID_ARGUMENTS);
    assert_eq!(err.error_reply().unwrap().msg_id(), "t1");
}

#[test]
fn r_msg_10_absent_msg_type_is_reported_distinctly() {
    // msg_type ERROR (0) is never on the wire, so "absent" and "ERROR" look the same.
    let raw = pb::Msg {
        header: header("t2", MsgType::Error),
        body: get_body(),
    };
    let msg = Msg::try_from(raw.clone()).unwrap();
    assert_eq!(
        msg.warning(),
        Some(Warning::MsgTypeMissing { body: MsgType::Get })
    );
    assert_eq!(msg.header_msg_type_mismatch(), None);
    assert!(Msg::from_pb_with(raw, &strict()).is_err());
    // For an Error body, msg_type 0 is correct and silent.
    let err = ErrorBuilder::new("t3", ErrorCode::MESSAGE_FAILED)
        .build()
        .unwrap();
    let decoded = Msg::decode_with(err.encode_to_bytes(), &strict()).unwrap();
    assert!(decoded.warning().is_none());
}

#[test]
fn r_msg_10_unknown_msg_type_is_reported() {
    let raw = pb::Msg {
        header: Some(pb::Header {
            msg_id: "t4".into(),
            msg_type: 99,
        }),
        body: get_body(),
    };
    let msg = Msg::try_from(raw.clone()).unwrap();
    assert_eq!(
        msg.warning(),
        Some(Warning::UnknownMsgType {
            header: 99,
            body: MsgType::Get
        })
    );
    let err = Msg::from_pb_with(raw, &strict()).unwrap_err();
    assert_eq!(
        err.to_string(),
        "header.msg_type 99 is not a known type; the body is GET (msg_id \"t4\", strict mode)"
    );
}

#[test]
fn r_msg_10_builders_always_agree_with_the_body() {
    let built = [
        GetBuilder::new("1").path("Device.").build().unwrap(),
        SetRespBuilder::new("2")
            .result(SetResult::success("Device."))
            .build()
            .unwrap(),
        ErrorBuilder::new("3", ErrorCode::MESSAGE_FAILED)
            .build()
            .unwrap(),
    ];
    for m in built {
        let raw = pb::Msg::from(m.clone());
        assert_eq!(raw.header.unwrap().msg_type, m.body().msg_type().as_i32());
        assert!(m.warning().is_none());
    }
}

#[test]
fn r_msg_10_mismatch_vector_lenient_and_strict() {
    let bin = include_bytes!("../../../testdata/vectors/invalid_msg_type_mismatch.bin");
    let msg = Msg::decode(&bin[..]).unwrap();
    assert_eq!(msg.msg_type(), MsgType::SetResp);
    assert_eq!(
        msg.header_msg_type_mismatch(),
        Some((MsgType::Get, MsgType::SetResp))
    );
    let err = Msg::decode_with(&bin[..], &strict()).unwrap_err();
    // The body is a response: never answered.
    assert!(!err.can_reply());
}

/// Both fuzz bodies accept every golden vector (read from the directory, so none is left out)
/// and deterministic mutations of each ([`usp_testkit::vectors::mutations`]: prefixes up to
/// 128 bytes, flips, inserts and removals at up to 48 positions, 8 in vectors over 4 KiB)
/// without panicking.
#[test]
fn fuzz_bodies_accept_every_vector_and_mutations_without_panicking() {
    let all = usp_testkit::vectors::all_bins();
    assert!(all.len() >= 60, "found only {} vectors", all.len());
    let mut fed = 0usize;
    let mut feed = |data: &[u8]| {
        fuzzing::msg_decode(data);
        fuzzing::msg_roundtrip(data);
        fed += 1;
    };
    let mut valid = 0;
    for (name, v) in &all {
        feed(v);
        if name.starts_with("msg_") {
            // The Msg vectors validate, so the round-trip invariants ran on them.
            assert!(Msg::decode(v.as_slice()).is_ok(), "{name}");
            valid += 1;
        }
        // Fewer mutations of the large vectors keep the debug-build test fast.
        let spots = if v.len() > 4096 { 8 } else { 48 };
        for m in usp_testkit::vectors::mutations(v, 128, spots) {
            feed(&m);
        }
    }
    assert_eq!(valid, 31, "Msg vectors seen");
    assert!(fed > 10_000, "only {fed} inputs");
}

mod props {
    use proptest::prelude::*;

    use crate::fuzzing;

    proptest! {
        #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

        /// No input panics: arbitrary bytes through both fuzz bodies.
        #[test]
        fn arbitrary_bytes_never_panic(data in proptest::collection::vec(any::<u8>(), 0..512)) {
            fuzzing::msg_decode(&data);
            fuzzing::msg_roundtrip(&data);
        }

        /// Mutations of a valid message: decode never panics and valid results round-trip.
        #[test]
        fn mutated_vectors_never_panic(
            edits in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..8),
        ) {
            let mut data = include_bytes!("../../../testdata/vectors/msg_set_resp.bin").to_vec();
            for (i, b) in edits {
                let i = i.index(data.len());
                data[i] = b;
            }
            fuzzing::msg_decode(&data);
            fuzzing::msg_roundtrip(&data);
        }
    }
}

#[test]
fn r_enc_5_two_oneof_members_on_the_wire_are_rejected() {
    // A Get request followed by a GetResp response in the same body: prost alone would keep
    // the response.
    let mut bytes = GetBuilder::new("two")
        .path("Device.")
        .build()
        .unwrap()
        .encode_to_vec();
    let resp = NotifyRespBuilder::new("two", "")
        .build()
        .unwrap()
        .encode_to_vec();
    let raw_resp = pb::Msg::decode(resp.as_slice()).unwrap();
    // Append a second `body` field holding a response.
    let mut body = Vec::new();
    raw_resp.body.unwrap().encode(&mut body).unwrap();
    bytes.push(0x12);
    prost::encode_length_delimiter(body.len(), &mut bytes).unwrap();
    bytes.extend_from_slice(&body);
    assert!(
        pb::Msg::decode(bytes.as_slice()).is_ok(),
        "prost accepts it"
    );
    let err = Msg::decode(bytes.as_slice()).unwrap_err();
    assert_eq!(
        err,
        MsgError::ConflictingOneof {
            msg_id: "two".into(),
            body: None,
            oneof: Oneof::MsgBody,
            first: 1,
            second: 2
        }
    );
    assert_eq!(err.usp_error_code(), ErrorCode::INVALID_ARGUMENTS);
    assert_eq!(err.error_reply().unwrap().msg_id(), "two");
    assert_eq!(
        err.to_string(),
        "body.msg_body has more than one member set (fields 1 and 2; msg_id \"two\")"
    );
}

#[test]
fn r_enc_5_two_oper_status_members_in_a_response_entry() {
    use pb::set_resp::updated_object_result::operation_status as os;
    let msg = SetRespBuilder::new("sr")
        .result(SetResult::success("Device."))
        .build()
        .unwrap();
    let mut bytes = msg.encode_to_vec();
    // Append a second body whose SetResp entry (index 1, as the lists concatenate) carries
    // oper_failure and then, in a second OperationStatus that merges into it, oper_success.
    let entry = pb::set_resp::UpdatedObjectResult {
        requested_path: "Device.".into(),
        oper_status: Some(pb::set_resp::updated_object_result::OperationStatus {
            oper_status: Some(os::OperStatus::OperFailure(os::OperationFailure {
                err_code: 7000,
                ..Default::default()
            })),
        }),
    };
    let mut entry_bytes = entry.encode_to_vec();
    entry_bytes.extend_from_slice(&[0x12, 0x02, 0x12, 0x00]);
    let mut set_resp = vec![0x0a];
    prost::encode_length_delimiter(entry_bytes.len(), &mut set_resp).unwrap();
    set_resp.extend_from_slice(&entry_bytes);
    let mut response = vec![0x22];
    prost::encode_length_delimiter(set_resp.len(), &mut response).unwrap();
    response.extend_from_slice(&set_resp);
    let mut body = vec![0x12];
    prost::encode_length_delimiter(response.len(), &mut body).unwrap();
    body.extend_from_slice(&response);
    bytes.push(0x12);
    prost::encode_length_delimiter(body.len(), &mut bytes).unwrap();
    bytes.extend_from_slice(&body);
    let err = Msg::decode(bytes.as_slice()).unwrap_err();
    assert!(
        matches!(
            err,
            MsgError::ConflictingOneof {
                oneof: Oneof::SetRespOperStatus { index: 1 },
                first: 1,
                second: 2,
                body: Some(BodyKind::Response),
                ..
            }
        ),
        "{err:?}"
    );
    assert!(!err.can_reply());
}
