//! A wire-level check that no oneof has two different members on the wire.
//!
//! prost keeps the last member it reads, so a message carrying, say, both `body.request` and
//! `body.response` would decode silently as a response. R-ENC.5 wants "exactly one" member,
//! so [`Msg::decode`](crate::Msg::decode) scans the bytes for the oneofs it validates.
//!
//! Protobuf merges repeated occurrences of a singular message field, so the members seen are
//! collected over every occurrence of the enclosing message (e.g. two `body` fields, one with
//! `request`, one with `response`, is a conflict). Repeated fields do not merge: each entry of
//! a result list is checked on its own.
//!
//! The scan allocates nothing and never recurses deeper than the schema (6 levels); groups are
//! skipped iteratively. Malformed input ends the scan quietly: the prost decode that follows
//! reports it.

use crate::error::Oneof;

/// Two different members of one oneof were present.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Conflict {
    pub(crate) oneof: Oneof,
    pub(crate) first: u32,
    pub(crate) second: u32,
}

/// One field: its number and, for length-delimited fields, its content.
struct Field<'a> {
    tag: u32,
    content: Option<&'a [u8]>,
}

/// Iterates over the fields of one message; stops (returns `None`) at the end or on malformed
/// input.
struct Fields<'a> {
    buf: &'a [u8],
}

#[inline]
fn varint(buf: &mut &[u8]) -> Option<u64> {
    // Keys and short lengths are one byte.
    if let Some((&byte, rest)) = buf.split_first() {
        if byte < 0x80 {
            *buf = rest;
            return Some(u64::from(byte));
        }
    }
    varint_slow(buf)
}

fn varint_slow(buf: &mut &[u8]) -> Option<u64> {
    let mut value = 0u64;
    for shift in (0..70).step_by(7) {
        let (&byte, rest) = buf.split_first()?;
        *buf = rest;
        value |= u64::from(byte & 0x7f).checked_shl(shift).unwrap_or(0);
        if byte & 0x80 == 0 {
            return Some(value);
        }
    }
    None
}

fn skip(buf: &mut &[u8], n: usize) -> Option<()> {
    *buf = buf.get(n..)?;
    Some(())
}

impl<'a> Iterator for Fields<'a> {
    type Item = Field<'a>;

    #[inline(always)]
    fn next(&mut self) -> Option<Field<'a>> {
        if self.buf.is_empty() {
            return None;
        }
        let key = varint(&mut self.buf)?;
        let tag = u32::try_from(key >> 3).ok()?;
        let content = match key & 7 {
            0 => {
                varint(&mut self.buf)?;
                None
            }
            1 => {
                skip(&mut self.buf, 8)?;
                None
            }
            2 => {
                let len = usize::try_from(varint(&mut self.buf)?).ok()?;
                let (content, rest) = self.buf.split_at_checked(len)?;
                self.buf = rest;
                Some(content)
            }
            3 => {
                skip_group(&mut self.buf)?;
                None
            }
            5 => {
                skip(&mut self.buf, 4)?;
                None
            }
            _ => return None,
        };
        Some(Field { tag, content })
    }
}

/// Skips to just after the end-group tag matching an already-read start-group tag.
fn skip_group(buf: &mut &[u8]) -> Option<()> {
    let mut depth = 1usize;
    while depth > 0 {
        let key = varint(buf)?;
        match key & 7 {
            0 => {
                varint(buf)?;
            }
            1 => skip(buf, 8)?,
            2 => {
                let len = usize::try_from(varint(buf)?).ok()?;
                skip(buf, len)?;
            }
            3 => depth += 1,
            4 => depth -= 1,
            5 => skip(buf, 4)?,
            _ => return None,
        }
    }
    Some(())
}

fn fields(buf: &[u8]) -> Fields<'_> {
    Fields { buf }
}

/// Records member `tag` (1..=31) of a oneof; returns the conflict if another member was seen.
fn note(mask: &mut u32, tag: u32, oneof: Oneof) -> Result<(), Conflict> {
    let bit = 1u32.checked_shl(tag).unwrap_or(0);
    let others = *mask & !bit;
    if others != 0 {
        return Err(Conflict {
            oneof,
            first: others.trailing_zeros(),
            second: tag,
        });
    }
    *mask |= bit;
    Ok(())
}

#[derive(Default)]
struct State {
    body: u32,
    req: u32,
    notify: u32,
    oper_complete: u32,
    resp: u32,
    /// Running index into each result list, per response type (field 4..=11).
    index: [usize; 12],
}

/// Scans an encoded `usp.Msg`; `Err` holds the first conflict found.
pub(crate) fn scan(msg: &[u8]) -> Result<(), Conflict> {
    let mut st = State::default();
    for f in fields(msg) {
        if let (2, Some(body)) = (f.tag, f.content) {
            scan_body(body, &mut st)?;
        }
    }
    Ok(())
}

fn scan_body(buf: &[u8], st: &mut State) -> Result<(), Conflict> {
    for f in fields(buf) {
        if !(1..=3).contains(&f.tag) {
            continue;
        }
        note(&mut st.body, f.tag, Oneof::MsgBody)?;
        match (f.tag, f.content) {
            (1, Some(req)) => scan_request(req, st)?,
            (2, Some(resp)) => scan_response(resp, st)?,
            _ => {}
        }
    }
    Ok(())
}

fn scan_request(buf: &[u8], st: &mut State) -> Result<(), Conflict> {
    for f in fields(buf) {
        if !(1..=11).contains(&f.tag) {
            continue;
        }
        note(&mut st.req, f.tag, Oneof::ReqType)?;
        if let (8, Some(notify)) = (f.tag, f.content) {
            for g in fields(notify) {
                if !(3..=8).contains(&g.tag) {
                    continue;
                }
                note(&mut st.notify, g.tag, Oneof::Notification)?;
                if let (7, Some(oc)) = (g.tag, g.content) {
                    for h in fields(oc) {
                        if (4..=5).contains(&h.tag) {
                            note(&mut st.oper_complete, h.tag, Oneof::OperationCompleteResp)?;
                        }
                    }
                }
            }
        }
    }
    Ok(())
}

fn scan_response(buf: &[u8], st: &mut State) -> Result<(), Conflict> {
    for f in fields(buf) {
        if !(1..=11).contains(&f.tag) {
            continue;
        }
        note(&mut st.resp, f.tag, Oneof::RespType)?;
        let Some(resp) = f.content else { continue };
        // Every result list is field 1 of its response message.
        let Some(index) = st.index.get_mut(f.tag as usize) else {
            continue;
        };
        let make: fn(usize) -> Oneof = match f.tag {
            4 => |index| Oneof::SetRespOperStatus { index },
            5 => |index| Oneof::AddRespOperStatus { index },
            6 => |index| Oneof::DeleteRespOperStatus { index },
            7 => |index| Oneof::OperateRespOperationResp { index },
            10 => |index| Oneof::RegisterRespOperStatus { index },
            11 => |index| Oneof::DeregisterRespOperStatus { index },
            _ => continue,
        };
        for entry in fields(resp) {
            let (1, Some(result)) = (entry.tag, entry.content) else {
                continue;
            };
            let oneof = make(*index);
            *index += 1;
            let mut mask = 0u32;
            for g in fields(result) {
                if f.tag == 7 {
                    // OperationResult: the oneof members are fields 2..=4 directly.
                    if (2..=4).contains(&g.tag) {
                        note(&mut mask, g.tag, oneof)?;
                    }
                } else if let (2, Some(status)) = (g.tag, g.content) {
                    // The OperationStatus wrapper (field 2) holds the oneof (fields 1, 2).
                    for h in fields(status) {
                        if (1..=2).contains(&h.tag) {
                            note(&mut mask, h.tag, oneof)?;
                        }
                    }
                }
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec;
    use alloc::vec::Vec;

    fn ld(tag: u8, content: &[u8]) -> Vec<u8> {
        assert!(content.len() < 128);
        let mut v = vec![(tag << 3) | 2, content.len() as u8];
        v.extend_from_slice(content);
        v
    }

    fn msg(body: &[u8]) -> Vec<u8> {
        let mut m = ld(1, &ld(1, b"id"));
        m.extend(ld(2, body));
        m
    }

    #[test]
    fn clean_messages_pass() {
        let get = ld(1, &ld(1, &ld(1, b"Device.")));
        assert_eq!(scan(&msg(&get)), Ok(()));
        // The same member twice merges: still one member.
        let mut twice = get;
        twice.extend(ld(1, &ld(1, &[])));
        assert_eq!(scan(&msg(&twice)), Ok(()));
    }

    #[test]
    fn body_with_request_and_response() {
        let mut body = ld(1, &ld(1, &[]));
        body.extend(ld(2, &ld(8, &[])));
        assert_eq!(
            scan(&msg(&body)),
            Err(Conflict {
                oneof: Oneof::MsgBody,
                first: 1,
                second: 2
            })
        );
    }

    #[test]
    fn conflict_across_merged_occurrences() {
        // Two `body` fields: the first holds a Get request, the second a Set request.
        let mut m = ld(1, &ld(1, b"id"));
        m.extend(ld(2, &ld(1, &ld(1, &[]))));
        m.extend(ld(2, &ld(1, &ld(4, &[]))));
        assert_eq!(
            scan(&m),
            Err(Conflict {
                oneof: Oneof::ReqType,
                first: 1,
                second: 4
            })
        );
    }

    #[test]
    fn notification_and_operation_complete() {
        let mut notify = ld(3, &[]);
        notify.extend(ld(4, &[]));
        let body = ld(1, &ld(8, &notify));
        assert_eq!(scan(&msg(&body)).unwrap_err().oneof, Oneof::Notification);

        let mut oc = ld(4, &[]);
        oc.extend(ld(5, &[]));
        let body = ld(1, &ld(8, &ld(7, &oc)));
        assert_eq!(
            scan(&msg(&body)).unwrap_err().oneof,
            Oneof::OperationCompleteResp
        );
    }

    #[test]
    fn result_lists_are_checked_per_entry() {
        // SetResp with entry 0 = success, entry 1 = success + failure.
        let ok = ld(2, &ld(2, &[]));
        let mut both = ld(1, &[]);
        both.extend(ld(2, &[]));
        let bad = ld(2, &both);
        let mut list = ld(1, &ok);
        list.extend(ld(1, &bad));
        let body = ld(2, &ld(4, &list));
        assert_eq!(
            scan(&msg(&body)),
            Err(Conflict {
                oneof: Oneof::SetRespOperStatus { index: 1 },
                first: 1,
                second: 2
            })
        );
        // OperateResp: members are direct fields of the result.
        let mut result = ld(1, b"X()");
        result.extend(ld(2, b"Device.R.1."));
        result.extend(ld(4, &[]));
        let body = ld(2, &ld(7, &ld(1, &result)));
        assert_eq!(
            scan(&msg(&body)).unwrap_err().oneof,
            Oneof::OperateRespOperationResp { index: 0 }
        );
    }

    #[test]
    fn malformed_input_ends_quietly() {
        for input in [&[0xff][..], &[0x12, 0x50], &[0x13, 0x13, 0x13], &[0x0f]] {
            assert_eq!(scan(input), Ok(()));
        }
        // A group is skipped, including nested groups.
        let mut m = vec![0x1b, 0x1b, 0x08, 0x01, 0x1c, 0x1c];
        m.extend(msg(&ld(1, &ld(1, &[]))));
        assert_eq!(scan(&m), Ok(()));
    }
}
