//! The validated layer driven by the deep generated strategies of `usp_testkit::strategies`,
//! which reach every oneof member of every message (and leave oneofs, the header and the body
//! unset some of the time, and draw enum numbers the schema does not define).
//!
//! Property: for any generated `pb::Msg`, `Msg::decode(encode(x))` either validates, and then
//! re-encoding the validated `Msg` gives bytes that decode to an equal `Msg` and an equal
//! `pb::Msg`, or it fails with a typed validation [`MsgError`] carrying a USP code (7004),
//! never a decode error (the bytes came from prost) and never a panic.

use core::cell::{Cell, RefCell};

use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestRunner};
use usp_msg::prost::Message as _;
use usp_msg::{ErrorCode, Msg, MsgError, pb};
use usp_testkit::strategies as st;

/// One case of the property; returns whether the message validated.
fn check(raw: &pb::Msg) -> Result<bool, TestCaseError> {
    let bytes = raw.encode_to_vec();
    let decoded = Msg::decode(bytes.as_slice());
    // Validation of the value and of its encoding agree.
    prop_assert_eq!(&decoded, &Msg::try_from(raw.clone()));
    match decoded {
        Ok(msg) => {
            let again_bytes = msg.encode_to_bytes();
            prop_assert_eq!(again_bytes.len(), msg.encoded_len());
            // The fast `Vec` path, the generic `BufMut` path (through prost) and prost's own
            // encoding of the raw form give the same bytes.
            prop_assert_eq!(
                &again_bytes[..],
                &pb::Msg::from(msg.clone()).encode_to_vec()[..]
            );
            let mut via_buf_mut = bytes::BytesMut::new();
            msg.encode(&mut via_buf_mut)
                .map_err(|e| TestCaseError::fail(format!("encode into BytesMut: {e}")))?;
            prop_assert_eq!(&via_buf_mut[..], &again_bytes[..]);
            let mut appended = b"prefix".to_vec();
            msg.append_to(&mut appended);
            prop_assert_eq!(&appended[..6], b"prefix");
            prop_assert_eq!(&appended[6..], &again_bytes[..]);
            let again = Msg::decode(again_bytes.clone())
                .map_err(|e| TestCaseError::fail(format!("re-encoding does not decode: {e}")))?;
            // The header's msg_type is derived from the body, so a warning cannot survive.
            prop_assert_eq!(&again, &msg.clone().without_warning());
            prop_assert_eq!(again.encode_to_bytes(), &again_bytes);
            // And the raw value is the generated one, except the derived msg_type.
            let raw_again = pb::Msg::decode(again_bytes)
                .map_err(|e| TestCaseError::fail(format!("raw decode: {e}")))?;
            prop_assert_eq!(&raw_again, &pb::Msg::from(msg.clone()));
            prop_assert_eq!(&raw_again.body, &raw.body);
            prop_assert_eq!(
                raw_again.header.map(|h| h.msg_id),
                raw.header.as_ref().map(|h| h.msg_id.clone())
            );
            prop_assert_eq!(
                pb::Msg::from(msg.clone()).header.map(|h| h.msg_type),
                Some(msg.msg_type().as_i32())
            );
            Ok(true)
        }
        Err(e) => {
            prop_assert!(
                matches!(
                    e,
                    MsgError::MissingHeader | MsgError::EmptyMsgId | MsgError::MissingOneof { .. }
                ),
                "prost-encoded bytes must only fail validation, got {:?}",
                e
            );
            prop_assert_eq!(e.usp_error_code(), ErrorCode::INVALID_ARGUMENTS);
            prop_assert!(e.usp_error_code().is_in_usp_range());
            prop_assert!(!e.to_string().is_empty());
            // A reply exists exactly when one may be sent, and answers the same msg_id.
            match e.error_reply() {
                Some(reply) => {
                    prop_assert!(e.can_reply());
                    prop_assert_eq!(Some(reply.msg_id()), e.msg_id());
                }
                None => prop_assert!(!e.can_reply()),
            }
            Ok(false)
        }
    }
}

/// R-ENC.1, R-MSG.6–8, R-ENC.5: every generated raw message either validates and round-trips
/// through the validated layer, or fails with a typed 7004 error; both outcomes occur.
#[test]
fn any_generated_msg_validates_and_round_trips_or_fails_with_7004() {
    let mut runner = TestRunner::new(Config {
        cases: 1024,
        ..Config::default()
    });
    let (ok, err) = (Cell::new(0u32), Cell::new(0u32));
    runner
        .run(&st::msg(), |raw| {
            let valid = check(&raw)?;
            let c = if valid { &ok } else { &err };
            c.set(c.get() + 1);
            Ok(())
        })
        .unwrap();
    // The generator must reach both sides of the property, or the test proves little.
    assert!(
        ok.get() >= 50,
        "only {} of 1024 generated messages validated",
        ok.get()
    );
    assert!(
        err.get() >= 50,
        "only {} of 1024 generated messages failed",
        err.get()
    );
}

/// The same property for every request and response type separately, so each of the 22
/// body types reaches the validated layer with a valid header many times.
#[test]
fn any_generated_request_or_response_with_a_header_round_trips_or_fails_with_7004() {
    let body = prop_oneof![
        st::request().prop_map(pb::body::MsgBody::Request),
        st::response().prop_map(pb::body::MsgBody::Response),
        st::error().prop_map(pb::body::MsgBody::Error),
    ];
    let strategy =
        ("[a-z0-9-]{1,8}", st::header_msg_type(), body).prop_map(|(msg_id, msg_type, body)| {
            pb::Msg {
                header: Some(pb::Header { msg_id, msg_type }),
                body: Some(pb::Body {
                    msg_body: Some(body),
                }),
            }
        });
    let mut runner = TestRunner::new(Config {
        cases: 1024,
        ..Config::default()
    });
    let seen = RefCell::new(std::collections::BTreeSet::new());
    runner
        .run(&strategy, |raw| {
            if check(&raw)? {
                let t = Msg::try_from(raw).unwrap().msg_type();
                seen.borrow_mut().insert(t.as_i32());
            }
            Ok(())
        })
        .unwrap();
    // Every one of the 23 message types validated at least once.
    assert_eq!(
        seen.borrow().len(),
        23,
        "validated types: {:?}",
        seen.borrow()
    );
}
