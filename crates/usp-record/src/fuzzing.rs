//! Fuzz target bodies (compiled for `cfg(fuzzing)` and tests only; not a stable API).

use bytes::Bytes;
use prost::Message as _;

use crate::{DecodeOptions, Record, pb};

/// Decodes arbitrary bytes as a Record. Invariants: never panics; a Record that validates
/// re-encodes to bytes that decode to the same Record.
pub fn record_decode(data: &[u8]) {
    let opts = DecodeOptions::new().max_record_size(1 << 20);
    let input = Bytes::copy_from_slice(data);
    if let Ok(record) = Record::decode_with(input, &opts) {
        let again = Record::decode_with(record.to_bytes(), &opts);
        assert_eq!(
            again.as_ref(),
            Ok(&record),
            "validated record must round-trip"
        );
    }
    // The raw layer must not panic either, and must be stable after one re-encode.
    if let Ok(raw) = pb::Record::decode(data) {
        let bytes = raw.encode_to_vec();
        let again = pb::Record::decode(bytes.as_slice());
        assert_eq!(again.as_ref(), Ok(&raw), "raw record must round-trip");
    }
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
}
