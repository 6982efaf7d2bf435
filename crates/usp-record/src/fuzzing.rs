//! Fuzz target bodies (compiled for `cfg(fuzzing)` and tests only; not a stable API).

use bytes::Bytes;
use prost::Message as _;

use crate::{DecodeOptions, Record, RecordError, pb};

/// Decodes arbitrary bytes as a Record. Invariants: never panics; a Record that validates
/// re-encodes to bytes that decode to the same Record.
pub fn record_decode(data: &[u8]) {
    let opts = DecodeOptions::new().max_record_size(1 << 20);
    let input = Bytes::copy_from_slice(data);
    let owned = Record::decode_with(input, &opts);
    // The owned decoder is built on the borrowed layer: both must give what the reference
    // decoder gives.
    assert_eq!(
        owned,
        reference_decode(data, &opts),
        "Record and the reference differ"
    );
    // The borrowed validated layer accepts the same Records and gives the same errors.
    match (crate::RecordRef::decode_with(data, &opts), &owned) {
        (Ok(r), Ok(o)) => {
            assert_eq!(r.version(), o.version());
            assert_eq!(r.to_id(), o.to_id().as_str());
            assert_eq!(r.from_id(), o.from_id().as_str());
            assert_eq!(r.payload_security(), o.payload_security());
            assert_eq!(
                r.no_session_payload(),
                o.no_session_payload().map(|p| &p[..])
            );
            assert_eq!(
                r.into_view().to_pb(),
                pb::Record::from(o.clone()),
                "RecordRef and Record differ"
            );
        }
        (Err(a), Err(b)) => assert_eq!(&a, b),
        (r, o) => panic!("RecordRef {r:?} but Record {o:?}"),
    }
    if let Ok(record) = owned {
        let again = Record::decode_with(record.to_bytes(), &opts);
        assert_eq!(
            again.as_ref(),
            Ok(&record),
            "validated record must round-trip"
        );
    }
    // The checked decoder builds the raw Record from the generated view: view and prost must
    // accept the same inputs and give the same value.
    let input = Bytes::copy_from_slice(data);
    match (
        crate::view::Record::decode(&input),
        pb::Record::decode(data),
    ) {
        (Ok(view), Ok(raw)) => assert_eq!(
            crate::record::shared_pb(&input, &view),
            raw,
            "view and prost disagree"
        ),
        (Err(_), Err(_)) => {}
        (view, raw) => panic!("view and prost disagree on acceptance: {view:?} / {raw:?}"),
    }
    // The raw layer must not panic either, and must be stable after one re-encode.
    if let Ok(raw) = pb::Record::decode(data) {
        let bytes = raw.encode_to_vec();
        let again = pb::Record::decode(bytes.as_slice());
        assert_eq!(again.as_ref(), Ok(&raw), "raw record must round-trip");
    }
}

/// A decoder independent of the view and of [`RecordRef`](crate::RecordRef): the size limit,
/// prost, the R-ENC.3 wire scan, then the value's checks (`Record::try_from`).
pub fn reference_decode(data: &[u8], opts: &DecodeOptions) -> Result<Record, RecordError> {
    crate::record::check_size(data.len(), opts)?;
    let raw = pb::Record::decode(data)?;
    let tags = crate::wire::record_type_tags(data).ok_or(RecordError::MissingRecordType)?;
    if let (Some(first), Some(second)) = (tags.first, tags.conflicting) {
        return Err(RecordError::MultipleRecordTypes { first, second });
    }
    Record::try_from(raw)
}

#[cfg(test)]
mod tests {
    #[test]
    fn fixed_inputs() {
        for input in [
            &b""[..],
            b"\x3a\x00",
            b"\x0a\x031.4\x12\x08proto::a\x1a\x08proto::b\x3a\x03\x12\x01x",
            &[0xff; 20],
        ] {
            super::record_decode(input);
        }
    }

    /// The fuzz body accepts every golden vector and deterministic mutations of each without
    /// panicking (its invariant asserts included: whatever validates round-trips).
    #[test]
    fn every_vector_and_its_mutations_through_record_decode() {
        let all = usp_testkit::vectors::all_bins();
        assert!(all.len() >= 60, "found only {} vectors", all.len());
        let mut valid = 0;
        let mut fed = 0usize;
        for (name, v) in &all {
            super::record_decode(v);
            fed += 1;
            if name.starts_with("record_")
                || name.starts_with("edge_session")
                || name.starts_with("edge_uint64")
            {
                // The Record vectors validate, so the round-trip assert ran.
                assert!(crate::Record::decode_slice(v).is_ok(), "{name}");
                valid += 1;
            }
            for m in usp_testkit::vectors::mutations(v, 200, 48) {
                super::record_decode(&m);
                fed += 1;
            }
        }
        assert_eq!(valid, 14, "Record vectors seen");
        assert!(fed > 10_000, "only {fed} inputs");
    }
}
