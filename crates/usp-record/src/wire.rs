//! A minimal pass over the top-level protobuf tags of a Record.
//!
//! prost, like every protobuf runtime, silently keeps the last member when a oneof appears more
//! than once on the wire. R-ENC.3 needs to know, so this pass lists which `record_type` members
//! (fields 7–13) occur. It runs after prost has accepted the bytes, never allocates and never
//! recurses more than [`MAX_GROUP_DEPTH`] levels.

/// Groups nested deeper than this are reported as malformed (prost's own limit is 100).
const MAX_GROUP_DEPTH: u32 = 100;

/// The record_type field numbers of `usp_record.Record`.
const RECORD_TYPE_FIELDS: core::ops::RangeInclusive<u32> = 7..=13;

/// What the pass found.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub(crate) struct RecordTypeTags {
    /// The first record_type field number seen.
    pub(crate) first: Option<u32>,
    /// A second, different record_type field number, if any.
    pub(crate) conflicting: Option<u32>,
}

fn varint(buf: &[u8], pos: &mut usize) -> Option<u64> {
    // Keys and short lengths are one byte.
    if let Some(&b) = buf.get(*pos) {
        if b < 0x80 {
            *pos += 1;
            return Some(u64::from(b));
        }
    }
    let mut value = 0u64;
    for shift in 0..10u32 {
        let b = *buf.get(*pos)?;
        *pos += 1;
        value |= u64::from(b & 0x7f) << (shift * 7);
        if b & 0x80 == 0 {
            return Some(value);
        }
    }
    None
}

/// Skips one field value of `wire_type` starting at `pos`; `None` if malformed. Inlined: only
/// groups take the out-of-line (recursive) [`skip_group`].
#[inline(always)]
fn skip(buf: &[u8], pos: &mut usize, field: u32, wire_type: u8, depth: u32) -> Option<()> {
    match wire_type {
        0 => varint(buf, pos).map(|_| ()),
        1 => advance(buf, pos, 8),
        5 => advance(buf, pos, 4),
        2 => {
            let len = usize::try_from(varint(buf, pos)?).ok()?;
            advance(buf, pos, len)
        }
        3 => skip_group(buf, pos, field, depth),
        _ => None,
    }
}

/// Skips the rest of group `field` whose start key was just read.
fn skip_group(buf: &[u8], pos: &mut usize, field: u32, depth: u32) -> Option<()> {
    if depth >= MAX_GROUP_DEPTH {
        return None;
    }
    loop {
        let key = varint(buf, pos)?;
        let (f, wt) = split_key(key)?;
        if wt == 4 {
            return (f == field).then_some(());
        }
        skip(buf, pos, f, wt, depth + 1)?;
    }
}

fn advance(buf: &[u8], pos: &mut usize, n: usize) -> Option<()> {
    let end = pos.checked_add(n)?;
    (end <= buf.len()).then(|| *pos = end)
}

fn split_key(key: u64) -> Option<(u32, u8)> {
    let field = u32::try_from(key >> 3).ok()?;
    let wire_type = u8::try_from(key & 7).ok()?;
    (field != 0).then_some((field, wire_type))
}

/// Lists the record_type members present at the top level of an encoded Record.
///
/// Returns `None` if the bytes are not well-formed protobuf (the caller has already decoded them
/// with prost, so this only happens for inputs prost itself rejects).
pub(crate) fn record_type_tags(buf: &[u8]) -> Option<RecordTypeTags> {
    let mut tags = RecordTypeTags::default();
    let mut pos = 0;
    while pos < buf.len() {
        let (field, wire_type) = split_key(varint(buf, &mut pos)?)?;
        if RECORD_TYPE_FIELDS.contains(&field) {
            match tags.first {
                None => tags.first = Some(field),
                Some(f) if f != field && tags.conflicting.is_none() => {
                    tags.conflicting = Some(field);
                }
                Some(_) => {}
            }
        }
        skip(buf, &mut pos, field, wire_type, 0)?;
    }
    Some(tags)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_members() {
        // field 7 (len 0), field 8 (len 0)
        let t = record_type_tags(&[0x3a, 0x00, 0x42, 0x00]).unwrap();
        assert_eq!(t.first, Some(7));
        assert_eq!(t.conflicting, Some(8));
        // the same member twice is one member (protobuf merges it)
        let t = record_type_tags(&[0x3a, 0x00, 0x3a, 0x00]).unwrap();
        assert_eq!(t.conflicting, None);
        // a group at top level is skipped: field 20 start (0xa3 0x01) .. end (0xa4 0x01)
        let t = record_type_tags(&[0xa3, 0x01, 0x08, 0x01, 0xa4, 0x01, 0x4a, 0x00]).unwrap();
        assert_eq!(t.first, Some(9));
    }

    #[test]
    fn malformed_is_none() {
        assert!(record_type_tags(&[0x3a, 0x05]).is_none());
        assert!(record_type_tags(&[0xff; 11]).is_none());
        let deep: alloc::vec::Vec<u8> = core::iter::repeat_n([0xa3u8, 0x01], 200)
            .flatten()
            .collect();
        assert!(record_type_tags(&deep).is_none());
    }
}
