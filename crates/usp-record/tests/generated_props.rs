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

/// One case of the property; returns the record type name when the Record validated.
fn check(raw: &pb::Record) -> Result<Option<&'static str>, TestCaseError> {
    let bytes = bytes::Bytes::from(raw.encode_to_vec());
    let decoded = Record::decode(bytes.clone());
    // Validation of the value and of its encoding agree.
    prop_assert_eq!(&decoded, &Record::try_from(raw.clone()));
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
