//! The validated layer driven by the deep generated strategies of `usp_testkit::strategies`,
//! which reach every `record_type` member (and leave it unset some of the time, and draw enum
//! numbers the schema does not define).
//!
//! Property: for any generated `pb::Record`, `Record::decode(encode(x))` either validates, and
//! then re-encoding the validated `Record` gives bytes that decode to an equal `Record` and to
//! `x` itself, or it fails with a typed validation [`RecordError`] (7104, or a silent discard
//! for a missing record type), never a decode error (the bytes came from prost) and never a
//! panic.

use core::cell::RefCell;
use std::collections::BTreeSet;

use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestRunner};
use usp_record::prost::Message as _;
use usp_record::{Disposition, Record, RecordError, pb};
use usp_testkit::strategies as st;

/// A decoder independent of the borrowed layer, which the owned `Record::decode` is built on:
/// prost, a scan of the top-level keys for two different record_type members (R-ENC.3) with
/// prost's own wire functions, then the value's checks (`Record::try_from`).
fn reference_decode(wire: &[u8]) -> Result<Record, RecordError> {
    use usp_record::prost::encoding::{DecodeContext, decode_key, skip_field};
    let raw = pb::Record::decode(wire).map_err(RecordError::Decode)?;
    let mut rest = wire;
    let mut first = None;
    while !rest.is_empty() {
        let (field, wire_type) = decode_key(&mut rest).expect("prost accepted the bytes");
        if (7..=13).contains(&field) {
            match first {
                None => first = Some(field),
                Some(first) if first != field => {
                    return Err(RecordError::MultipleRecordTypes {
                        first,
                        second: field,
                    });
                }
                Some(_) => {}
            }
        }
        skip_field(wire_type, field, &mut rest, DecodeContext::default())
            .expect("prost accepted the bytes");
    }
    Record::try_from(raw)
}

/// One case of the property; returns the record type name when the Record validated.
fn check(raw: &pb::Record) -> Result<Option<&'static str>, TestCaseError> {
    let bytes = bytes::Bytes::from(raw.encode_to_vec());
    let decoded = Record::decode(bytes.clone());
    // Validation of the value and of its encoding agree.
    prop_assert_eq!(&decoded, &Record::try_from(raw.clone()));
    prop_assert_eq!(&decoded, &reference_decode(&bytes));
    // The borrowed layer validates the same way: same acceptance, same errors, same fields.
    match (usp_record::RecordRef::decode(&bytes), &decoded) {
        (Ok(r), Ok(rec)) => prop_assert_eq!(&r.into_view().to_pb(), raw, "{:?}", rec),
        (Err(a), Err(b)) => prop_assert_eq!(&a, b),
        (a, b) => prop_assert!(false, "RecordRef {:?} but Record {:?}", a, b),
    }
    match decoded {
        Ok(rec) => {
            let again_bytes = rec.to_bytes();
            prop_assert_eq!(again_bytes.len(), rec.encoded_len());
            // Canonical: the generated value's prost encoding is already canonical.
            prop_assert_eq!(&again_bytes, &bytes);
            let mut appended = b"prefix".to_vec();
            rec.append_to(&mut appended);
            prop_assert_eq!(&appended[..6], b"prefix");
            prop_assert_eq!(&appended[6..], &bytes[..]);
            let again = Record::decode(again_bytes.clone())
                .map_err(|e| TestCaseError::fail(format!("re-encoding does not decode: {e}")))?;
            prop_assert_eq!(&again, &rec);
            prop_assert_eq!(&pb::Record::from(again), raw);
            prop_assert_eq!(Record::decode_slice(&again_bytes), Ok(rec.clone()));
            Ok(Some(rec.kind().name()))
        }
        Err(e) => {
            prop_assert!(
                !e.is_decode_error(),
                "prost-encoded bytes must only fail validation, got {:?}",
                e
            );
            prop_assert!(!e.to_string().is_empty());
            match e.disposition() {
                Disposition::ErrorReply(code) => prop_assert_eq!(code, 7104, "{:?}", e),
                Disposition::Discard => {
                    prop_assert_eq!(&e, &RecordError::MissingRecordType);
                    prop_assert!(raw.record_type.is_none());
                }
                other => prop_assert!(false, "unexpected disposition {:?}", other),
            }
            Ok(None)
        }
    }
}

fn eid() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-zA-Z0-9._-]{1,12}".prop_map(|i| format!("proto::{i}")),
        "[0-9A-F]{6}-[0-9A-Z]{1,8}".prop_map(|i| format!("os::{i}")),
    ]
}

/// A generated Record, and half the time the same with a valid version and Endpoint IDs, so
/// the checks behind the addressing (record type, enums, SessionContext rules, TLS12) are
/// reached often.
fn record() -> impl Strategy<Value = pb::Record> {
    (st::record(), any::<bool>(), "1\\.[0-9]", eid(), eid()).prop_map(
        |(mut r, fix, version, to_id, from_id)| {
            if fix {
                r.version = version;
                r.to_id = to_id;
                r.from_id = from_id;
            }
            r
        },
    )
}

/// R-ENC.1, R-ENC.2, R-ENC.3, R-E2E.41: every generated raw Record either validates and
/// round-trips through the validated layer, or fails with a typed 7104 error or a discard;
/// every record type validates at least once and failures occur too.
#[test]
fn any_generated_record_validates_and_round_trips_or_fails_with_7104_or_discard() {
    let mut runner = TestRunner::new(Config {
        cases: 2048,
        ..Config::default()
    });
    let seen = RefCell::new(BTreeSet::new());
    let failed = RefCell::new(0u32);
    runner
        .run(&record(), |raw| {
            match check(&raw)? {
                Some(kind) => {
                    seen.borrow_mut().insert(kind);
                }
                None => *failed.borrow_mut() += 1,
            }
            Ok(())
        })
        .unwrap();
    assert_eq!(
        seen.borrow().len(),
        7,
        "validated kinds: {:?}",
        seen.borrow()
    );
    assert!(*failed.borrow() >= 100, "only {} failures", failed.borrow());
}

/// R-ENC.3 through both layers: two generated Records written one after the other decode as
/// one (protobuf merges them), often with two different record_type members. The owned layer
/// gives what the reference decoder gives, and the borrowed layer, whose text decoder skips
/// the wire scan when no oneof changed member, exactly what the owned layer gives, from bytes
/// and from text.
#[test]
fn concatenated_records_validate_alike_in_both_layers() {
    let mut runner = TestRunner::new(Config {
        cases: 1024,
        ..Config::default()
    });
    let conflicts = RefCell::new(0u32);
    runner
        .run(&(record(), record()), |(a, b)| {
            let mut wire = a.encode_to_vec();
            wire.extend(b.encode_to_vec());
            let owned = Record::decode_slice(&wire);
            prop_assert_eq!(&owned, &reference_decode(&wire));
            if matches!(owned, Err(RecordError::MultipleRecordTypes { .. })) {
                *conflicts.borrow_mut() += 1;
            }
            let borrowed = usp_record::RecordRef::decode(&wire).map(|r| r.into_view().to_pb());
            prop_assert_eq!(&borrowed, &owned.clone().map(pb::Record::from));
            if let Ok(text) = core::str::from_utf8(&wire) {
                let opts = usp_record::DecodeOptions::default();
                let from_text = usp_record::RecordRef::decode_text_with(text, &opts)
                    .map(|r| r.into_view().to_pb());
                prop_assert_eq!(&from_text, &owned.map(pb::Record::from));
            }
            Ok(())
        })
        .unwrap();
    assert!(
        *conflicts.borrow() >= 50,
        "only {} conflicts",
        conflicts.borrow()
    );
}

/// A Record that is UTF-8 as a whole (ASCII addresses and payloads, small numbers), so the
/// text decoder is the one that sees it; every record type but SessionContext.
fn ascii_record() -> impl Strategy<Value = pb::Record> {
    use pb::record::RecordType as T;
    let kind = prop_oneof![
        "[ -~]{0,20}".prop_map(|p| T::NoSessionContext(pb::NoSessionContextRecord {
            payload: p.into_bytes().into()
        })),
        Just(T::WebsocketConnect(pb::WebSocketConnectRecord {})),
        (0..2i32, "[a-z/]{0,10}").prop_map(|(version, subscribed_topic)| T::MqttConnect(
            pb::MqttConnectRecord {
                version,
                subscribed_topic
            }
        )),
        (0..2i32, "[a-z/]{0,10}").prop_map(|(version, subscribed_destination)| {
            T::StompConnect(pb::StompConnectRecord {
                version,
                subscribed_destination,
            })
        }),
        Just(T::UdsConnect(pb::UdsConnectRecord {})),
        ("[ -~]{0,10}", 0..128u32).prop_map(|(reason, reason_code)| T::Disconnect(
            pb::DisconnectRecord {
                reason,
                reason_code
            }
        )),
    ];
    (kind, eid(), eid()).prop_map(|(k, to_id, from_id)| pb::Record {
        version: "1.4".into(),
        to_id,
        from_id,
        record_type: Some(k),
        ..Default::default()
    })
}

/// R-ENC.3 on the text decoder's path: two UTF-8 Records one after the other (two
/// record_type members when their types differ) are rejected by the borrowed layer exactly
/// as by the owned one and the reference decoder, from bytes and from text.
#[test]
fn concatenated_utf8_records_validate_alike_in_both_layers() {
    let mut runner = TestRunner::new(Config {
        cases: 512,
        ..Config::default()
    });
    let conflicts = RefCell::new(0u32);
    runner
        .run(&(ascii_record(), ascii_record()), |(a, b)| {
            let mut wire = a.encode_to_vec();
            wire.extend(b.encode_to_vec());
            let text = core::str::from_utf8(&wire).expect("ASCII");
            let owned = Record::decode_slice(&wire);
            prop_assert_eq!(&owned, &reference_decode(&wire));
            let owned = owned.map(pb::Record::from);
            if matches!(owned, Err(RecordError::MultipleRecordTypes { .. })) {
                *conflicts.borrow_mut() += 1;
            }
            let opts = usp_record::DecodeOptions::default();
            for borrowed in [
                usp_record::RecordRef::decode(&wire),
                usp_record::RecordRef::decode_text_with(text, &opts),
            ] {
                prop_assert_eq!(&borrowed.map(|r| r.into_view().to_pb()), &owned);
            }
            Ok(())
        })
        .unwrap();
    assert!(
        *conflicts.borrow() >= 100,
        "only {} conflicts",
        conflicts.borrow()
    );
}
