//! Fuzz target bodies (compiled for `cfg(fuzzing)` and tests only; not a stable API).
//!
//! The `fuzz/` targets are one-line calls into these functions. Each function may panic only
//! through its invariant asserts; any other panic, hang or unbounded allocation is a bug.
#![allow(clippy::panic)]

use alloc::string::ToString;

use prost::Message as _;

use crate::{DecodeOptions, Msg, MsgRef, pb};

/// Decodes `data` leniently and strictly and checks that the outcomes agree.
///
/// Invariants: strict decoding succeeds exactly when lenient decoding succeeds without a
/// warning; every error has a code in 7000–7999 and a reply only when it has a msg_id.
pub fn msg_decode(data: &[u8]) {
    let lenient = Msg::decode(data);
    let mut strict_opts = DecodeOptions::default();
    strict_opts.strict(true);
    let strict = Msg::decode_with(data, &strict_opts);
    match (&lenient, &strict) {
        (Ok(m), Ok(s)) => {
            assert!(
                m.warning().is_none(),
                "strict accepted a message with a warning"
            );
            assert_eq!(m, s);
        }
        (Ok(m), Err(_)) => assert!(m.warning().is_some(), "strict rejected a clean message"),
        (Err(e), Err(_)) => {
            assert!(e.usp_error_code().is_in_usp_range());
            let _ = e.to_string();
            if e.can_reply() {
                let reply = e.error_reply();
                assert!(reply.is_some_and(|r| Some(r.msg_id()) == e.msg_id()));
            } else {
                assert!(e.error_reply().is_none());
            }
        }
        (Err(_), Ok(_)) => panic!("strict accepted what lenient rejected"),
    }
    // The borrowed validated layer gives what the owned one gives.
    match (MsgRef::decode(data), &lenient) {
        (Ok(r), Ok(m)) => {
            assert_eq!(r.msg_id(), m.msg_id());
            assert_eq!(r.msg_type(), m.msg_type());
            assert_eq!(r.warning(), m.warning());
            assert_eq!(r.into_view().to_pb().body, pb::Msg::from(m.clone()).body);
        }
        (Err(a), Err(b)) => assert_eq!(&a, b),
        (r, m) => panic!("MsgRef {r:?} but Msg {m:?}"),
    }
    // An independent oracle for the validation: prost's decode, then the owned checks, unless
    // a oneof has two members on the wire (which prost cannot see).
    if let Ok(raw) = pb::Msg::decode(data) {
        if crate::oneof_scan::scan(data).is_ok() {
            assert_eq!(
                Msg::from_pb_with(raw, &DecodeOptions::default()),
                lenient,
                "the view's checks differ from the owned message's"
            );
        } else if let Err(e) = &lenient {
            assert!(
                matches!(
                    e,
                    crate::MsgError::ConflictingOneof { .. }
                        | crate::MsgError::MissingHeader
                        | crate::MsgError::EmptyMsgId
                ),
                "a oneof conflict gave {e:?}"
            );
        } else {
            panic!("a message with a oneof conflict was accepted");
        }
    }
    // The raw layer and the validated layer agree on what is well-formed protobuf.
    let raw = pb::Msg::decode(data);
    if let Err(crate::MsgError::Decode { detail, .. }) = lenient {
        assert!(raw.is_err());
        // The generated views reject exactly what prost rejects, so a detail is always there.
        assert!(detail.is_some(), "prost rejected input the views accept");
    } else {
        assert!(raw.is_ok());
        let view = crate::view::Msg::decode(data);
        assert!(view.is_ok(), "the views rejected input prost accepts");
        // Msg::decode builds the owned message from the view: it must be prost's value.
        if let (Ok(raw), Ok(view)) = (&raw, &view) {
            assert_eq!(
                &view.to_pb(),
                raw,
                "the view's to_pb differs from prost's decode"
            );
        }
    }
}

/// Decode → encode → decode must give an equal message, and encoding that again must give
/// the same bytes. Also checks the envelope encoder against prost's encoding of the raw
/// message, and [`Msg::encoded_len`].
pub fn msg_roundtrip(data: &[u8]) {
    let Ok(first) = Msg::decode(data) else {
        return;
    };
    let bytes = first.encode_to_vec();
    assert_eq!(bytes.len(), first.encoded_len());
    assert_eq!(
        bytes,
        pb::Msg::from(first.clone()).encode_to_vec(),
        "envelope encoder differs from prost"
    );
    let second = match Msg::decode(bytes.as_slice()) {
        Ok(m) => m,
        Err(e) => panic!("re-encoded message does not decode: {e}"),
    };
    // Our encoder writes the body's msg_type, so a receive-time warning cannot survive.
    assert!(second.warning().is_none());
    assert_eq!(second, first.without_warning());
    assert_eq!(second.encode_to_vec(), bytes);
}
