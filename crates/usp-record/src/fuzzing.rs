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
    extern crate std;

    use alloc::string::String;
    use alloc::vec::Vec;
    use std::path::PathBuf;

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

    /// Every `.bin` of `testdata/vectors` (Records, Msgs, invalid inputs).
    fn vectors() -> Vec<(String, Vec<u8>)> {
        let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../testdata/vectors");
        let mut out = Vec::new();
        for entry in std::fs::read_dir(&dir).expect("testdata/vectors") {
            let path = entry.expect("dir entry").path();
            if path.extension().is_some_and(|e| e == "bin") {
                let name = path.file_name().unwrap().to_string_lossy().into_owned();
                out.push((name, std::fs::read(&path).expect("vector")));
            }
        }
        out.sort();
        out
    }

    /// Deterministic mutations of `v`: every prefix (up to 200 bytes; then 64 spread cut
    /// points), byte flips, bytes set to 0x00/0x80/0xff, one byte inserted or removed, and
    /// the input doubled (a second Record concatenated: repeated fields and oneofs).
    fn mutations(v: &[u8]) -> Vec<Vec<u8>> {
        let mut out = Vec::new();
        let step = (v.len() / 64).max(1);
        let cuts = (0..v.len().min(200)).chain((200..v.len()).step_by(step));
        for cut in cuts {
            out.push(v[..cut].to_vec());
        }
        let positions: Vec<usize> = (0..v.len()).step_by((v.len() / 48).max(1)).collect();
        for &i in &positions {
            for b in [v[i] ^ 0xff, v[i] ^ 0x01, 0x00, 0x80, 0xff] {
                let mut m = v.to_vec();
                m[i] = b;
                out.push(m);
            }
            let mut ins = v.to_vec();
            ins.insert(i, 0x80);
            out.push(ins);
            let mut del = v.to_vec();
            del.remove(i);
            out.push(del);
        }
        let mut doubled = v.to_vec();
        doubled.extend_from_slice(v);
        out.push(doubled);
        out
    }

    /// The fuzz body accepts every golden vector and deterministic mutations of each without
    /// panicking (its invariant asserts included: whatever validates round-trips).
    #[test]
    fn every_vector_and_its_mutations_through_record_decode() {
        let all = vectors();
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
            for m in mutations(v) {
                super::record_decode(&m);
                fed += 1;
            }
        }
        assert_eq!(valid, 14, "Record vectors seen");
        assert!(fed > 10_000, "only {fed} inputs");
    }
}
