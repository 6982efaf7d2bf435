//! R-ENC.1 property: every validated Record encodes and decodes back to itself, and the raw
//! layer is stable under decode(encode(x)).

use bytes::Bytes;
use proptest::prelude::*;
use usp_record::{
    MqttVersion, PayloadSecurity, Record, RecordBuilder, RecordKind, SarState, SessionContext,
    StompVersion,
};

fn eid() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-zA-Z0-9._-]{1,20}".prop_map(|i| format!("proto::{i}")),
        "[0-9A-F]{6}".prop_map(|o| format!("oui:{o}:dev-1")),
        "[0-9A-F]{6}-[0-9A-Z]{1,12}".prop_map(|i| format!("os::{i}")),
        "[a-z]{1,6}".prop_map(|a| format!("self:{a}:x%41")),
    ]
}

fn sar() -> impl Strategy<Value = SarState> {
    prop_oneof![
        Just(SarState::None),
        Just(SarState::Begin),
        Just(SarState::InProcess),
        Just(SarState::Complete)
    ]
}

fn bytes(max: usize) -> impl Strategy<Value = Bytes> {
    proptest::collection::vec(any::<u8>(), 0..max).prop_map(Bytes::from)
}

fn session() -> impl Strategy<Value = SessionContext> {
    (
        any::<u64>(),
        1..u64::MAX,
        1..u64::MAX,
        any::<u64>(),
        sar(),
        proptest::collection::vec(bytes(64), 1..4),
    )
        .prop_map(|(sid, seq, exp, re, st, payload)| {
            let mut s = SessionContext::new(sid, seq, exp);
            s.retransmit_id = re;
            s.payload_sar_state = st;
            s.payloadrec_sar_state = st;
            s.payload = payload;
            s
        })
}

fn kind() -> impl Strategy<Value = (RecordKind, bool)> {
    prop_oneof![
        bytes(200)
            .prop_filter("non-empty", |b| !b.is_empty())
            .prop_map(|payload| (RecordKind::NoSessionContext { payload }, false)),
        session().prop_map(|s| (RecordKind::SessionContext(s), true)),
        Just((RecordKind::WebSocketConnect, false)),
        Just((RecordKind::UdsConnect, false)),
        (
            prop_oneof![Just(MqttVersion::V3_1_1), Just(MqttVersion::V5)],
            "\\PC{1,30}"
        )
            .prop_map(|(version, subscribed_topic)| (
                RecordKind::MqttConnect {
                    version,
                    subscribed_topic
                },
                false
            )),
        "\\PC{1,30}".prop_map(|subscribed_destination| (
            RecordKind::StompConnect {
                version: StompVersion::V1_2,
                subscribed_destination
            },
            false
        )),
        ("\\PC{0,30}", any::<u32>()).prop_map(|(reason, reason_code)| (
            RecordKind::Disconnect {
                reason,
                reason_code
            },
            false
        )),
    ]
}

proptest! {
    #[test]
    fn r_enc_1_validated_records_round_trip(
        to in eid(), from in eid(), (kind, session) in kind(),
        tls in any::<bool>(), mac in bytes(40), cert in bytes(40), minor in 0u32..10,
    ) {
        prop_assume!(to != from);
        let security = if tls && session { PayloadSecurity::Tls12 } else { PayloadSecurity::Plaintext };
        let rec = RecordBuilder::new(&to, &from).unwrap()
            .version(&format!("1.{minor}"))
            .payload_security(security)
            .mac_signature(mac)
            .sender_cert(cert)
            .build(kind)
            .unwrap();
        let wire = rec.to_bytes();
        prop_assert_eq!(wire.len(), rec.encoded_len());
        prop_assert_eq!(&Record::decode(wire.clone()).unwrap(), &rec);
        prop_assert_eq!(Record::decode_slice(&wire).unwrap(), rec);
    }

    #[test]
    fn arbitrary_bytes_never_panic(data in proptest::collection::vec(any::<u8>(), 0..300)) {
        let _ = Record::decode(Bytes::from(data));
    }
}
