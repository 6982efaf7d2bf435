//! Unknown fields (R-ENC.1 forward compatibility: a newer minor version may add fields).
//!
//! Decision of this crate (see `Record::decode_with`): a Record with fields the schema does not
//! define is accepted, the unknown fields are dropped, and re-encoding gives the canonical
//! bytes without them. These tests send such Records through `Record::decode`, with unknown
//! fields of every wire type at the top level and inside SessionContext and NoSessionContext.

use bytes::Bytes;
use prost::encoding::{WireType, encode_key, encode_varint};
use usp_record::prost::Message as _;
use usp_record::{Record, RecordBuilder, RecordKind, SarState, SessionContext, pb};

/// Unknown fields of every wire type: varint, 64-bit, length-delimited, group (with a nested
/// varint inside), 32-bit, and the largest field number.
fn unknown_fields(first_field: u32) -> Vec<u8> {
    let mut out = Vec::new();
    let f = first_field;
    encode_key(f, WireType::Varint, &mut out);
    encode_varint(u64::MAX, &mut out);
    encode_key(f + 1, WireType::SixtyFourBit, &mut out);
    out.extend_from_slice(&0x0102_0304_0506_0708u64.to_le_bytes());
    encode_key(f + 2, WireType::LengthDelimited, &mut out);
    encode_varint(5, &mut out);
    out.extend_from_slice(b"hello");
    encode_key(f + 3, WireType::StartGroup, &mut out);
    encode_key(1, WireType::Varint, &mut out);
    encode_varint(300, &mut out);
    encode_key(f + 3, WireType::EndGroup, &mut out);
    encode_key(f + 4, WireType::ThirtyTwoBit, &mut out);
    out.extend_from_slice(&0xdead_beefu32.to_le_bytes());
    encode_key(536_870_911, WireType::Varint, &mut out);
    encode_varint(1, &mut out);
    out
}

/// `field` as a length-delimited field holding `body`.
fn wrap(field: u32, body: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    encode_key(field, WireType::LengthDelimited, &mut out);
    encode_varint(body.len() as u64, &mut out);
    out.extend_from_slice(body);
    out
}

fn builder() -> RecordBuilder {
    RecordBuilder::new("proto::agent", "os::012345-525400A1B2C3").unwrap()
}

/// Decodes `bytes`, which must validate to `canonical`, and re-encodes to its canonical bytes.
fn assert_accepted_and_canonical(bytes: Vec<u8>, canonical: &Record, what: &str) {
    let wire = Bytes::from(bytes);
    let rec = Record::decode(wire.clone()).unwrap_or_else(|e| panic!("{what}: {e}"));
    assert_eq!(&rec, canonical, "{what}");
    assert_eq!(
        rec.to_bytes(),
        canonical.to_bytes(),
        "{what}: not canonical"
    );
    assert!(
        rec.to_bytes().len() < wire.len(),
        "{what}: unknown fields kept"
    );
    assert_eq!(
        Record::decode_slice(&wire).as_ref(),
        Ok(canonical),
        "{what}"
    );
}

/// Top level: unknown fields before, between and after the known fields are accepted and
/// dropped on re-encode, for every record type.
#[test]
fn r_enc_1_unknown_top_level_fields_are_accepted_and_dropped_on_reencode() {
    let mut ctx = SessionContext::new(3, 1, 1);
    ctx.payload.push(Bytes::from_static(b"seg"));
    for rec in [
        builder()
            .no_session_context(&b"\x0a\x02\x0a\x00"[..])
            .unwrap(),
        builder().session_context(ctx).unwrap(),
        builder().websocket_connect().unwrap(),
        builder()
            .mqtt_connect(usp_record::MqttVersion::V5, "t")
            .unwrap(),
        builder()
            .stomp_connect(usp_record::StompVersion::V1_2, "d")
            .unwrap(),
        builder().disconnect("bye", 7105).unwrap(),
        builder().uds_connect().unwrap(),
    ] {
        let canonical = rec.to_bytes();
        let what = rec.kind().name();
        // After every known field.
        let mut after = canonical.to_vec();
        after.extend(unknown_fields(20));
        assert_accepted_and_canonical(after, &rec, what);
        // Before every known field.
        let mut before = unknown_fields(100);
        before.extend_from_slice(&canonical);
        assert_accepted_and_canonical(before, &rec, what);
        // Between version (field 1) and the rest: split after the first field.
        let first_len = 2 + canonical[1] as usize;
        let mut between = canonical[..first_len].to_vec();
        between.extend(unknown_fields(14));
        between.extend_from_slice(&canonical[first_len..]);
        assert_accepted_and_canonical(between, &rec, what);
    }
}

/// Inside SessionContext (field 8) and NoSessionContext (field 7): unknown fields of every
/// wire type are accepted, the known fields keep their values, re-encoding drops them.
#[test]
fn r_enc_1_unknown_fields_inside_session_and_no_session_context_are_dropped() {
    let base = builder().websocket_connect().unwrap();
    let header: pb::Record = pb::Record {
        record_type: None,
        ..base.into()
    };
    let header = header.encode_to_vec();

    // NoSessionContext (payload is field 2): the payload survives, unknown fields around it do not.
    let canonical = builder().no_session_context(&b"payload"[..]).unwrap();
    let mut inner = unknown_fields(3);
    inner.extend(wrap(2, b"payload"));
    inner.extend(unknown_fields(1_000));
    inner.extend(unknown_fields(30));
    let mut bytes = header.clone();
    bytes.extend(wrap(7, &inner));
    assert_accepted_and_canonical(bytes, &canonical, "no_session_context");

    // SessionContext: every known field, plus unknown fields before, between and after.
    let mut ctx = SessionContext::new(0xfeed, 5, 4);
    ctx.retransmit_id = 2;
    ctx.payload_sar_state = SarState::Begin;
    ctx.payloadrec_sar_state = SarState::Begin;
    ctx.payload = vec![Bytes::from_static(b"one"), Bytes::from_static(b"two")];
    let canonical = builder().session_context(ctx.clone()).unwrap();
    let known = pb::SessionContextRecord::from(ctx).encode_to_vec();
    let mut inner = unknown_fields(8);
    inner.extend_from_slice(&known);
    inner.extend(unknown_fields(40));
    // and one between two known fields: after session_id (1 key byte + 3 varint bytes).
    let split = 1 + 3;
    let mut mixed = known[..split].to_vec();
    mixed.extend(unknown_fields(50));
    mixed.extend_from_slice(&known[split..]);
    for (what, body) in [("session_context", inner), ("session_context mixed", mixed)] {
        let mut bytes = header.clone();
        bytes.extend(wrap(8, &body));
        assert_accepted_and_canonical(bytes, &canonical, what);
    }

    // Unknown fields inside the empty connect records too.
    for (field, rec) in [
        (9, builder().websocket_connect().unwrap()),
        (13, builder().uds_connect().unwrap()),
    ] {
        let mut bytes = header.clone();
        bytes.extend(wrap(field, &unknown_fields(1)));
        assert_accepted_and_canonical(bytes, &rec, rec.kind().name());
    }
}

/// A record_type member this version does not know (a future field 14) is an unknown field:
/// with no known member the Record has no record type and is discarded (R-ENC.3/4), and next
/// to a known member it is ignored.
#[test]
fn r_enc_3_unknown_future_record_type_is_an_unknown_field() {
    let rec = builder().uds_connect().unwrap();
    let p: pb::Record = rec.clone().into();
    let header = pb::Record {
        record_type: None,
        ..p
    }
    .encode_to_vec();
    let mut only_future = header;
    only_future.extend(wrap(14, b""));
    assert_eq!(
        Record::decode(Bytes::from(only_future)),
        Err(usp_record::RecordError::MissingRecordType)
    );
    let mut with_known = rec.to_bytes().to_vec();
    with_known.extend(wrap(14, b"\x08\x01"));
    assert_accepted_and_canonical(with_known, &rec, "future record type");
}

/// The `edge_unknown_fields` vector (a Msg with unknown fields of every wire type, made by
/// Google's runtime) is carried as an opaque NoSessionContext payload: the Record layer never
/// looks inside, so its unknown fields survive byte for byte.
#[test]
fn edge_unknown_fields_vector_is_an_opaque_payload() {
    let msg = std::fs::read(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../testdata/vectors/edge_unknown_fields.bin"),
    )
    .unwrap();
    let rec = builder().no_session_context(msg.clone()).unwrap();
    let back = Record::decode(rec.to_bytes()).unwrap();
    match back.kind() {
        RecordKind::NoSessionContext { payload } => assert_eq!(payload.as_ref(), msg.as_slice()),
        other => panic!("unexpected {other:?}"),
    }
}
