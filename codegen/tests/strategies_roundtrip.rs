//! Property tests over the generated `usp_testkit::strategies`: `decode(encode(x)) == x` for
//! Record and Msg (STYLE §7) and for the standalone types, and the serde JSON round trip is
//! lossless (`from(to(x)) == x`, both through `serde_json::Value` and through text).

use core::fmt::Debug;

use proptest::prelude::*;
use prost::Message;
use serde::Serialize;
use serde::de::DeserializeOwned;
use usp_testkit::strategies as st;

fn roundtrip<T>(x: &T) -> Result<(), TestCaseError>
where
    T: Message + Default + PartialEq + Debug + Serialize + DeserializeOwned,
{
    let bytes = x.encode_to_vec();
    prop_assert_eq!(bytes.len(), x.encoded_len());
    let back = T::decode(bytes.as_slice()).map_err(|e| TestCaseError::fail(e.to_string()))?;
    prop_assert_eq!(&back, x);
    // Canonical: encoding the decoded value gives the same bytes.
    prop_assert_eq!(back.encode_to_vec(), bytes);
    let v = serde_json::to_value(x).map_err(|e| TestCaseError::fail(e.to_string()))?;
    let from_value: T =
        serde_json::from_value(v.clone()).map_err(|e| TestCaseError::fail(e.to_string()))?;
    prop_assert_eq!(&from_value, x);
    let text = serde_json::to_string(x).map_err(|e| TestCaseError::fail(e.to_string()))?;
    let from_text: T =
        serde_json::from_str(&text).map_err(|e| TestCaseError::fail(e.to_string()))?;
    prop_assert_eq!(&from_text, x);
    // The text and Value serializers agree.
    prop_assert_eq!(
        serde_json::from_str::<serde_json::Value>(&text).ok(),
        Some(v)
    );
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn record_roundtrips(x in st::record()) {
        roundtrip(&x)?;
    }

    #[test]
    fn msg_roundtrips(x in st::msg()) {
        roundtrip(&x)?;
    }

    #[test]
    fn the_record_inside_a_record_payload_roundtrips(m in st::msg(), r in st::record()) {
        // A Record carrying an encoded Msg, as a sender builds it.
        let rec = usp_record::pb::Record {
            record_type: Some(usp_record::pb::record::RecordType::NoSessionContext(
                usp_record::pb::NoSessionContextRecord { payload: m.encode_to_vec().into() },
            )),
            ..r
        };
        roundtrip(&rec)?;
        let Some(usp_record::pb::record::RecordType::NoSessionContext(n)) =
            usp_record::pb::Record::decode(rec.encode_to_vec().as_slice()).unwrap().record_type
        else {
            panic!("record type lost")
        };
        prop_assert_eq!(usp_msg::pb::Msg::decode(n.payload).unwrap(), m);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn standalone_types_roundtrip(
        a in st::get_resp(),
        b in st::get_supported_dm_resp(),
        c in st::notify(),
        d in st::session_context_record(),
        e in st::error(),
        f in st::set_resp(),
        g in st::operate_resp(),
        h in st::add_resp(),
    ) {
        roundtrip(&a)?;
        roundtrip(&b)?;
        roundtrip(&c)?;
        roundtrip(&d)?;
        roundtrip(&e)?;
        roundtrip(&f)?;
        roundtrip(&g)?;
        roundtrip(&h)?;
    }

    #[test]
    fn oneofs_and_enums_roundtrip_through_json_on_their_own(
        rt in st::record_record_type(),
        body in st::body_msg_body(),
        req in st::request_req_type(),
        resp in st::response_resp_type(),
        t in st::header_msg_type(),
    ) {
        fn json<T: Serialize + DeserializeOwned + PartialEq + Debug>(x: &T) -> Result<(), TestCaseError> {
            let v = serde_json::to_value(x).map_err(|e| TestCaseError::fail(e.to_string()))?;
            prop_assert_eq!(v.as_object().map(|o| o.len()), Some(1), "one member: {}", v);
            let back: T = serde_json::from_value(v).map_err(|e| TestCaseError::fail(e.to_string()))?;
            prop_assert_eq!(&back, x);
            Ok(())
        }
        json(&rt)?;
        json(&body)?;
        json(&req)?;
        json(&resp)?;
        // An enum type holds only defined values; a raw number may be undefined.
        if let Ok(e) = usp_msg::pb::header::MsgType::try_from(t) {
            let v = serde_json::to_value(e).unwrap();
            prop_assert_eq!(v.as_str(), Some(e.as_str_name()));
            prop_assert_eq!(serde_json::from_value::<usp_msg::pb::header::MsgType>(v).unwrap(), e);
        }
    }
}
