//! The golden vectors of `testdata/vectors` and deterministic mutations of them, for tests
//! that feed every vector through a decoder or fuzz body.

use std::path::PathBuf;

/// Every `.bin` of the workspace's `testdata/vectors` (Records, Msgs and invalid inputs),
/// as `(file name, bytes)` sorted by name. Read from the directory, so none is left out.
///
/// # Panics
/// If the directory or a file cannot be read (a test setup error).
pub fn all_bins() -> Vec<(String, Vec<u8>)> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../testdata/vectors");
    let mut out = Vec::new();
    for entry in std::fs::read_dir(&dir).expect("testdata/vectors") {
        let path = entry.expect("dir entry").path();
        if path.extension().is_some_and(|e| e == "bin") {
            let name = path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            out.push((name, std::fs::read(&path).expect("vector")));
        }
    }
    out.sort();
    out
}

/// Deterministic mutations of `v`: every prefix up to `prefixes` bytes, then 64 spread cut
/// points; at up to `spots` spread positions, the byte flipped (all bits, low bit), set to
/// 0x00/0x80/0xff, a 0x80 inserted before it and the byte removed; and the input doubled
/// (concatenated with itself: repeated fields and oneofs).
pub fn mutations(v: &[u8], prefixes: usize, spots: usize) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    let step = (v.len() / 64).max(1);
    let cuts = (0..v.len().min(prefixes)).chain((prefixes..v.len()).step_by(step));
    for cut in cuts {
        out.push(v[..cut].to_vec());
    }
    for i in (0..v.len()).step_by((v.len() / spots.max(1)).max(1)) {
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
