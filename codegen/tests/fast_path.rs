//! The generated fast path (`usp_msg::view`, `usp_record::view`) against prost, the reference:
//!
//! * every golden vector (`testdata/vectors`, made by Google's protobuf runtime): a view decodes
//!   exactly when prost decodes (`decode_error` vectors fail, `validation_error` ones decode),
//!   `to_pb()` equals prost's value, and `FastEncode` of the prost value and of the view gives
//!   prost's bytes;
//! * property tests over random prost values (the generated `usp_testkit::strategies`):
//!   `encode_fast(x) == prost::encode(x)`, `view::decode(prost::encode(x)).to_pb() == x`;
//! * property tests over random and mutated bytes: a view decode never panics and accepts
//!   exactly the inputs prost accepts, with the same value;
//! * hand-written edge cases for each acceptance rule (varint overflow, wire-type mismatch,
//!   invalid UTF-8, unknown fields and groups with prost's nesting limit, merge semantics of
//!   repeated singular fields, duplicate map keys).

use std::path::{Path, PathBuf};

use proptest::prelude::*;
use prost::Message;
use usp_msg::view as mview;
use usp_msg::view::FastEncode as _;
use usp_record::view as rview;
use usp_record::view::FastEncode as _;

fn vectors_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../testdata/vectors")
}

fn read_json(path: &Path) -> serde_json::Value {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Decodes `bin` with prost and with the view; both must agree on accept/reject and value, and
/// both encoders must reproduce prost's bytes. Returns whether it decoded.
fn check_msg(name: &str, bin: &[u8]) -> bool {
    let theirs = usp_msg::pb::Msg::decode(bin);
    let ours = mview::Msg::decode(bin);
    // Input that is UTF-8 as a whole: `decode_text` gives exactly what `decode` gives.
    if let Ok(text) = core::str::from_utf8(bin) {
        assert_eq!(mview::Msg::decode_text(text), ours, "{name}: decode_text");
    }
    match (theirs, ours) {
        (Ok(pb), Ok(v)) => {
            assert_eq!(v.to_pb(), pb, "{name}: view.to_pb() differs from prost");
            let canonical = pb.encode_to_vec();
            assert_eq!(
                pb.encode_fast_to_vec(),
                canonical,
                "{name}: encode_fast(pb) differs"
            );
            assert_eq!(
                pb.fast_encoded_len(),
                canonical.len(),
                "{name}: fast_encoded_len"
            );
            assert_eq!(
                mview::Msg::from(&pb).encode_fast_to_vec(),
                canonical,
                "{name}: borrowed view"
            );
            true
        }
        (Err(_), Err(_)) => false,
        (t, o) => panic!(
            "{name}: prost {:?} but view {:?}",
            t.map(|_| ()),
            o.map(|_| ())
        ),
    }
}

fn check_record(name: &str, bin: &[u8]) -> bool {
    let theirs = usp_record::pb::Record::decode(bin);
    let ours = rview::Record::decode(bin);
    let text = core::str::from_utf8(bin).ok();
    if let Some(text) = text {
        assert_eq!(
            rview::Record::decode_text(text),
            ours,
            "{name}: decode_text"
        );
    }
    match (theirs, ours) {
        (Ok(pb), Ok(v)) => {
            assert_eq!(v.to_pb(), pb, "{name}: view.to_pb() differs from prost");
            let canonical = pb.encode_to_vec();
            assert_eq!(
                pb.encode_fast_to_vec(),
                canonical,
                "{name}: encode_fast(pb) differs"
            );
            assert_eq!(
                pb.fast_encoded_len(),
                canonical.len(),
                "{name}: fast_encoded_len"
            );
            assert_eq!(
                rview::Record::from(&pb).encode_fast_to_vec(),
                canonical,
                "{name}: borrowed view"
            );
            // The payload of a NoSessionContext record is usually a whole Msg.
            if let Some(rview::record::RecordType::NoSessionContext(n)) = &v.record_type {
                if usp_msg::pb::Msg::decode(n.payload).is_ok() {
                    assert!(check_msg(&format!("{name} payload"), n.payload));
                }
                // One UTF-8 pass for both: the payload cut out of the validated Record.
                if let Some(sub) = text.and_then(|t| usp_msg::view::text_within(t, n.payload)) {
                    assert_eq!(sub.as_bytes(), n.payload, "{name}: text_within");
                    assert_eq!(
                        mview::Msg::decode_text(sub),
                        mview::Msg::decode(n.payload),
                        "{name}: payload decode_text"
                    );
                }
            }
            true
        }
        (Err(_), Err(_)) => false,
        (t, o) => panic!(
            "{name}: prost {:?} but view {:?}",
            t.map(|_| ()),
            o.map(|_| ())
        ),
    }
}

#[test]
fn every_golden_vector_agrees_with_prost() {
    let mut files: Vec<PathBuf> = std::fs::read_dir(vectors_dir())
        .expect("testdata/vectors")
        .map(|e| e.expect("dir entry").path())
        .filter(|p| {
            p.extension().is_some_and(|e| e == "json")
                && !p.to_string_lossy().ends_with(".payload.json")
        })
        .collect();
    files.sort();
    let (mut valid, mut rejected, mut validation) = (0, 0, 0);
    for json in &files {
        let v = read_json(json);
        let name = json
            .file_stem()
            .expect("stem")
            .to_string_lossy()
            .into_owned();
        let bin = std::fs::read(json.with_extension("bin")).expect("vector .bin");
        let kind = v["kind"].as_str().expect("kind");
        let (target, expect) = match kind {
            "invalid" => (
                v["target"].as_str().expect("target"),
                v["expect"].as_str().expect("expect"),
            ),
            k => (k, "ok"),
        };
        let decoded = match target {
            "msg" => check_msg(&name, &bin),
            "record" => check_record(&name, &bin),
            other => panic!("{name}: unknown target {other}"),
        };
        match expect {
            "ok" => {
                assert!(decoded, "{name}: valid vector rejected");
                valid += 1;
                if v["byte_exact_reencode"] == serde_json::Value::Bool(true) {
                    let re = match target {
                        "msg" => mview::Msg::decode(&bin)
                            .expect("decoded")
                            .encode_fast_to_vec(),
                        _ => rview::Record::decode(&bin)
                            .expect("decoded")
                            .encode_fast_to_vec(),
                    };
                    assert_eq!(re, bin, "{name}: view re-encoding is not byte-exact");
                }
            }
            "validation_error" => {
                assert!(decoded, "{name}: validation_error vector must decode");
                validation += 1;
            }
            "decode_error" => {
                assert!(!decoded, "{name}: decode_error vector accepted");
                rejected += 1;
            }
            other => panic!("{name}: unknown expect {other}"),
        }
    }
    assert!(valid >= 40, "only {valid} valid vectors found");
    assert_eq!(
        (rejected, validation),
        (7, 9),
        "invalid vector counts changed"
    );
}

/// The typed errors of the decode_error vectors.
#[test]
fn decode_error_vectors_give_typed_errors() {
    let read = |n: &str| std::fs::read(vectors_dir().join(format!("{n}.bin"))).expect("vector");
    let err = rview::Record::decode(&read("invalid_varint_10th_byte_overflow")).unwrap_err();
    assert!(
        matches!(err, rview::DecodeError::InvalidVarint { .. }),
        "{err:?}"
    );
    let err = mview::Msg::decode(&read("invalid_wrong_wire_type")).unwrap_err();
    assert!(
        matches!(err, mview::DecodeError::WireTypeMismatch { .. }),
        "{err:?}"
    );
    let err = rview::Record::decode(&read("invalid_record_truncated")).unwrap_err();
    assert!(
        matches!(err, rview::DecodeError::Truncated { .. }),
        "{err:?}"
    );
}

// ---- hand-written edge cases -------------------------------------------------------------

#[test]
fn text_within_finds_a_part_only_inside_and_on_char_boundaries() {
    let whole = "ab\u{e9}cd"; // 'é' is bytes 2..4
    let b = whole.as_bytes();
    assert_eq!(rview::text_within(whole, &b[0..2]), Some("ab"));
    assert_eq!(rview::text_within(whole, &b[2..6]), Some("\u{e9}cd"));
    assert_eq!(rview::text_within(whole, b), Some(whole));
    assert_eq!(
        rview::text_within(whole, &b[3..5]),
        None,
        "starts inside 'é'"
    );
    assert_eq!(rview::text_within(whole, &b[1..3]), None, "ends inside 'é'");
    // Equal bytes elsewhere in memory are not inside `whole`.
    let copy = b.to_vec();
    assert_eq!(rview::text_within(whole, &copy[0..2]), None);
    assert_eq!(mview::text_within(whole, &copy), None);
    // A part running past the end of `whole` is not inside it.
    let longer = "abcdef";
    assert_eq!(
        mview::text_within(&longer[..3], &longer.as_bytes()[1..5]),
        None
    );
}

#[test]
fn one_utf8_pass_serves_record_and_payload() {
    let bin = std::fs::read(vectors_dir().join("record_no_session_context.bin")).expect("vector");
    let text = core::str::from_utf8(&bin).expect("this vector is UTF-8 as a whole");
    let rec = rview::Record::decode_text(text).expect("decodes");
    assert_eq!(rec, rview::Record::decode(&bin).expect("decodes"));
    let Some(rview::record::RecordType::NoSessionContext(n)) = &rec.record_type else {
        panic!("a NoSessionContext record")
    };
    let payload = usp_msg::view::text_within(text, n.payload).expect("inside the record");
    let msg = mview::Msg::decode_text(payload).expect("decodes");
    assert_eq!(msg, mview::Msg::decode(n.payload).expect("decodes"));
    assert_eq!(msg.header.as_ref().map(|h| h.msg_id), Some("11565"));
}

fn agree_msg(bin: &[u8]) -> bool {
    check_msg(&format!("{bin:02x?}"), bin)
}

fn agree_record(bin: &[u8]) -> bool {
    check_record(&format!("{bin:02x?}"), bin)
}

#[test]
fn record_edge_cases_agree_with_prost() {
    use usp_record::pb;
    let rec = pb::Record {
        version: "1.4".into(),
        to_id: "proto::a".into(),
        from_id: "proto::b".into(),
        payload_security: 1,
        mac_signature: vec![0xff, 0x00].into(),
        sender_cert: Default::default(),
        record_type: Some(pb::record::RecordType::SessionContext(
            pb::SessionContextRecord {
                session_id: u64::MAX,
                sequence_id: 1 << 35,
                expected_id: 0,
                retransmit_id: 7,
                payload_sar_state: 3,
                payloadrec_sar_state: -1,
                payload: vec![vec![0xc3, 0x28].into(), Default::default()],
            },
        )),
    };
    let wire = rec.encode_to_vec();
    assert!(agree_record(&wire));
    let v = rview::Record::decode(&wire).expect("decodes");
    assert_eq!(v.payload_security(), pb::record::PayloadSecurity::Tls12);
    let Some(rview::record::RecordType::SessionContext(sc)) = &v.record_type else {
        panic!("session context expected")
    };
    assert_eq!((sc.session_id, sc.payload.len()), (u64::MAX, 2));
    assert_eq!(
        sc.payloadrec_sar_state(),
        pb::session_context_record::PayloadSarState::None
    );
    // to_id (field 2) as a varint; an empty record; a truncated uint64.
    assert!(!agree_record(&[0x10, 0x01]));
    assert!(agree_record(&[]));
    assert!(!agree_record(&[0x42, 0x02, 0x08, 0xff]));
}

#[test]
fn varint_tenth_byte_rule_matches_prost() {
    // Header.msg_type (field 2, varint) with a 10-byte varint whose last byte is 1 (ok) / 2.
    let mut ok = vec![0x0a, 11, 0x10];
    ok.extend([0xff; 9]);
    ok.push(0x01);
    assert!(agree_msg(&ok));
    let mut bad = ok.clone();
    *bad.last_mut().expect("byte") = 0x02;
    assert!(!agree_msg(&bad));
    assert!(matches!(
        mview::Msg::decode(&bad),
        Err(mview::DecodeError::InvalidVarint { offset: 3 })
    ));
    // 11 bytes with continuation bits.
    let mut long = vec![0x0a, 12, 0x10];
    long.extend([0x80; 10]);
    long.push(0);
    assert!(!agree_msg(&long));
    // An overlong (non-canonical) but valid varint is accepted by both.
    assert!(agree_msg(&[0x0a, 3, 0x10, 0x81, 0x00]));
}

#[test]
fn wire_type_mismatch_and_invalid_keys_are_rejected() {
    // Msg.header (field 1) sent as a varint.
    assert!(!agree_msg(&[0x08, 0x01]));
    let err = mview::Msg::decode(&[0x08, 0x01]).unwrap_err();
    assert_eq!(
        err,
        mview::DecodeError::WireTypeMismatch {
            offset: 0,
            field: "usp.Msg.header",
            expected: 2,
            found: 0
        }
    );
    // Field number 0, wire types 6 and 7, key > u32::MAX.
    assert!(!agree_msg(&[0x00, 0x00]));
    assert!(!agree_msg(&[0x0e]));
    assert!(!agree_msg(&[0x0f]));
    assert!(!agree_msg(&[0x80, 0x80, 0x80, 0x80, 0x10, 0x00]));
    // An end-group key with no group.
    assert!(!agree_msg(&[0x7c]));
}

#[test]
fn invalid_utf8_is_a_decode_error_like_prost() {
    let bin = [0x0a, 0x04, 0x0a, 0x02, 0xc3, 0x28];
    assert!(!agree_msg(&bin));
    assert_eq!(
        mview::Msg::decode(&bin).unwrap_err(),
        mview::DecodeError::InvalidUtf8 {
            offset: 4,
            field: "usp.Header.msg_id"
        }
    );
    // In a map key.
    let map = [0x12, 0x04, 0x0a, 0x02, 0xff, 0xfe];
    let err = mview::get_resp::ResolvedPathResult::decode(&map).unwrap_err();
    assert!(
        matches!(err, mview::DecodeError::InvalidUtf8 { .. }),
        "{err:?}"
    );
    assert!(usp_msg::pb::get_resp::ResolvedPathResult::decode(&map[..]).is_err());
}

/// A nested message of a UTF-8 message is read within the parent's text: its strings must
/// still end inside the nested message, and a nested message that ends inside a multi-byte
/// char is still read (its own bytes need not be UTF-8).
#[test]
fn nested_messages_of_utf8_input_keep_their_own_bounds() {
    // Header of 3 bytes whose msg_id claims 5: the next 2 bytes of the Msg are valid UTF-8 but
    // outside the header.
    let bin = [0x0a, 0x03, 0x0a, 0x05, b'A', 0x12, 0x00, b'B', b'C'];
    assert!(core::str::from_utf8(&bin).is_ok());
    assert!(!agree_msg(&bin));
    assert_eq!(
        mview::Msg::decode(&bin).unwrap_err(),
        mview::DecodeError::Truncated { offset: 3 }
    );
    // The same for a map entry whose value runs past the entry.
    let map = [0x12, 0x05, 0x0a, 0x01, b'k', 0x12, 0x03, b'v', b'w', b'x'];
    assert!(mview::get_resp::ResolvedPathResult::decode(&map).is_err());
    assert!(usp_msg::pb::get_resp::ResolvedPathResult::decode(&map[..]).is_err());
    // Body > Request > Get { param_paths "a", max_depth 0xc3000000 }: the Get ends between
    // 0xc3 and 0xa9 ("é"), which start an unknown fixed64 field (key 0xa9 0x01) of the Request.
    let get = [0x0a, 0x01, b'a', 0x15, 0, 0, 0, 0xc3];
    let mut request = vec![0x0a, get.len() as u8];
    request.extend_from_slice(&get);
    request.extend_from_slice(&[0xa9, 0x01, 0, 0, 0, 0, 0, 0, 0, 0]);
    let mut body = vec![0x0a, request.len() as u8];
    body.extend_from_slice(&request);
    let mut bin = vec![0x12, body.len() as u8];
    bin.extend_from_slice(&body);
    assert!(core::str::from_utf8(&bin).is_ok());
    assert!(agree_msg(&bin));
    let msg = mview::Msg::decode(&bin).expect("decodes");
    let Some(mview::body::MsgBody::Request(req)) = msg.body.clone().and_then(|b| b.msg_body) else {
        panic!("a request: {msg:?}");
    };
    let Some(mview::request::ReqType::Get(get)) = req.req_type else {
        panic!("a Get: {req:?}");
    };
    assert_eq!(
        (&get.param_paths[..], get.max_depth),
        (&["a"][..], 0xc300_0000)
    );
}

#[test]
fn unknown_fields_of_every_wire_type_are_skipped() {
    // Header { msg_id: "a" } followed by unknown fields 9 of each wire type.
    let mut inner = vec![0x0a, 0x01, b'a'];
    inner.extend([0x48, 0x96, 0x01]); // varint
    inner.extend([0x49, 1, 2, 3, 4, 5, 6, 7, 8]); // fixed64
    inner.extend([0x4a, 0x02, 0xff, 0xff]); // length-delimited (not UTF-8: unknown, so fine)
    inner.extend([0x4b, 0x48, 0x01, 0x4c]); // group with a varint inside
    inner.extend([0x4d, 1, 2, 3, 4]); // fixed32
    let mut bin = vec![0x0a, inner.len() as u8];
    bin.extend(&inner);
    assert!(agree_msg(&bin));
    assert_eq!(
        mview::Msg::decode(&bin)
            .expect("decodes")
            .header
            .expect("header")
            .msg_id,
        "a"
    );
    // A group closed with the wrong field number.
    assert!(!agree_msg(&[0x4b, 0x54]));
    // Truncated unknown values.
    assert!(!agree_msg(&[0x49, 1, 2, 3]));
    assert!(!agree_msg(&[0x4d, 1, 2]));
    assert!(!agree_msg(&[0x4a, 0x05, 1]));
}

/// `k` nested unknown groups (field 15) wrapped in `wrap` levels of `Msg.header`-like nesting.
fn nested_groups(k: usize) -> Vec<u8> {
    let mut v = vec![0x7b; k];
    v.extend(vec![0x7c; k]);
    v
}

#[test]
fn group_nesting_limit_matches_prost() {
    let mut seen = (false, false);
    for k in 95..=102 {
        let top = nested_groups(k);
        let ok = agree_msg(&top);
        seen.0 |= ok;
        seen.1 |= !ok;
        // The same inside a nested message (one level less is allowed there).
        let mut hdr = vec![0x0a];
        let g = nested_groups(k);
        let mut len = Vec::new();
        let mut n = g.len();
        while n >= 0x80 {
            len.push((n as u8) | 0x80);
            n >>= 7;
        }
        len.push(n as u8);
        hdr.extend(len);
        hdr.extend(g);
        agree_msg(&hdr);
    }
    assert_eq!(seen, (true, true), "the limit must be inside 95..=102");
    let err = mview::Msg::decode(&nested_groups(101)).unwrap_err();
    assert!(
        matches!(err, mview::DecodeError::RecursionLimit { .. }),
        "{err:?}"
    );
}

#[test]
fn repeated_singular_message_fields_merge_like_prost() {
    // Two Msg.header occurrences: msg_id from the first, msg_type from the second.
    let bin = [0x0a, 0x03, 0x0a, 0x01, b'a', 0x0a, 0x02, 0x10, 0x01];
    assert!(agree_msg(&bin));
    let h = mview::Msg::decode(&bin)
        .expect("decodes")
        .header
        .expect("header");
    assert_eq!((h.msg_id, h.msg_type), ("a", 1));
    assert_eq!(h.msg_type(), usp_msg::pb::header::MsgType::Get);
    // A later scalar wins; a oneof switches member, or merges into the same member.
    assert!(agree_msg(&[0x0a, 0x06, 0x0a, 0x01, b'a', 0x0a, 0x01, b'b']));
    // Body.request{get{param_paths:"x"}} then Body.response{}, then Body.request{get{max_depth:1}}.
    let body = [
        0x12, 0x07, 0x0a, 0x05, 0x0a, 0x03, 0x0a, 0x01, b'x', // request.get.param_paths
        0x12, 0x02, 0x12, 0x00, // response
        0x12, 0x09, 0x0a, 0x07, 0x0a, 0x05, 0x15, 0x01, 0, 0,
        0, // request.get.max_depth (fixed32)
    ];
    assert!(agree_msg(&body));
    let get = match mview::Msg::decode(&body)
        .expect("decodes")
        .body
        .expect("body")
        .msg_body
    {
        Some(mview::body::MsgBody::Request(r)) => match r.req_type {
            Some(mview::request::ReqType::Get(g)) => g,
            other => panic!("{other:?}"),
        },
        other => panic!("{other:?}"),
    };
    // The response in between replaced the request, so the first get is gone.
    assert_eq!((get.param_paths.len(), get.max_depth), (0, 1));
}

#[test]
fn duplicate_map_keys_last_wins() {
    // ResolvedPathResult.result_params (field 2): a=1, b=2, a=3; and an entry without a key.
    let e = |k: &[u8], v: &[u8]| {
        let mut x = vec![0x12, (k.len() + v.len() + 4) as u8, 0x0a, k.len() as u8];
        x.extend(k);
        x.extend([0x12, v.len() as u8]);
        x.extend(v);
        x
    };
    let mut bin = Vec::new();
    bin.extend(e(b"a", b"1"));
    bin.extend(e(b"b", b"2"));
    bin.extend(e(b"a", b"3"));
    bin.extend([0x12, 0x03, 0x12, 0x01, b'z']);
    let v = mview::get_resp::ResolvedPathResult::decode(&bin).expect("decodes");
    let pb = usp_msg::pb::get_resp::ResolvedPathResult::decode(&bin[..]).expect("prost decodes");
    assert_eq!(v.to_pb(), pb);
    assert_eq!(v.result_params.len(), 4);
    assert_eq!(v.result_params.get("a"), Some("3"));
    assert_eq!(v.result_params.get(""), Some("z"));
    assert_eq!(v.result_params.get("c"), None);
    assert_eq!(pb.result_params.len(), 3);
    // The view re-encodes what it holds (wire order, duplicates kept): same bytes back.
    assert_eq!(v.encode_fast_to_vec(), bin);
}

#[test]
fn map_entries_with_default_key_or_value_encode_like_prost() {
    let pb = usp_msg::pb::get_resp::ResolvedPathResult {
        resolved_path: String::new(),
        result_params: [
            ("".to_string(), "v".to_string()),
            ("k".to_string(), String::new()),
        ]
        .into_iter()
        .collect(),
    };
    assert_eq!(pb.encode_fast_to_vec(), pb.encode_to_vec());
    assert_eq!(
        mview::get_resp::ResolvedPathResult::from(&pb).encode_fast_to_vec(),
        pb.encode_to_vec()
    );
}

#[test]
fn negative_enum_values_use_ten_byte_varints_like_prost() {
    let pb = usp_msg::pb::Header {
        msg_id: "x".into(),
        msg_type: -5,
    };
    let wire = pb.encode_to_vec();
    assert_eq!(pb.encode_fast_to_vec(), wire);
    let v = mview::Header::decode(&wire).expect("decodes");
    assert_eq!(v.msg_type, -5);
    assert_eq!(v.msg_type(), usp_msg::pb::header::MsgType::Error);
    assert_eq!(v.encode_fast_to_vec(), wire);
}

#[test]
fn encode_fast_appends_to_existing_buffer() {
    let pb = usp_msg::pb::Header {
        msg_id: "x".into(),
        msg_type: 1,
    };
    let mut buf = vec![0xaa];
    pb.encode_fast(&mut buf);
    assert_eq!(buf[0], 0xaa);
    assert_eq!(&buf[1..], pb.encode_to_vec().as_slice());
}

// ---- property tests ----------------------------------------------------------------------

/// A byte-level mutation of an encoding.
#[derive(Clone, Debug)]
enum Mutation {
    Flip(usize, u8),
    Truncate(usize),
    Insert(usize, u8),
    Remove(usize),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        (any::<usize>(), 1u8..).prop_map(|(i, x)| Mutation::Flip(i, x)),
        any::<usize>().prop_map(Mutation::Truncate),
        (any::<usize>(), any::<u8>()).prop_map(|(i, x)| Mutation::Insert(i, x)),
        any::<usize>().prop_map(Mutation::Remove),
    ]
}

fn apply(mut bin: Vec<u8>, muts: &[Mutation]) -> Vec<u8> {
    for m in muts {
        let n = bin.len();
        match *m {
            Mutation::Flip(i, x) if n > 0 => bin[i % n] ^= x,
            Mutation::Truncate(i) => bin.truncate(i % (n + 1)),
            Mutation::Insert(i, x) => bin.insert(i % (n + 1), x),
            Mutation::Remove(i) if n > 0 => {
                bin.remove(i % n);
            }
            _ => {}
        }
    }
    bin
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn msg_encode_fast_is_prost_encode(x in usp_testkit::strategies::msg()) {
        let wire = x.encode_to_vec();
        prop_assert_eq!(&x.encode_fast_to_vec(), &wire);
        prop_assert_eq!(x.fast_encoded_len(), wire.len());
        let v = mview::Msg::decode(&wire).expect("prost's encoding decodes");
        prop_assert_eq!(&v.to_pb(), &x);
        prop_assert_eq!(&v.encode_fast_to_vec(), &wire);
        prop_assert_eq!(mview::Msg::from(&x), v);
    }

    #[test]
    fn record_encode_fast_is_prost_encode(x in usp_testkit::strategies::record()) {
        let wire = x.encode_to_vec();
        prop_assert_eq!(&x.encode_fast_to_vec(), &wire);
        prop_assert_eq!(x.fast_encoded_len(), wire.len());
        let v = rview::Record::decode(&wire).expect("prost's encoding decodes");
        prop_assert_eq!(&v.to_pb(), &x);
        prop_assert_eq!(&v.encode_fast_to_vec(), &wire);
        prop_assert_eq!(rview::Record::from(&x), v);
    }

    #[test]
    fn random_bytes_msg_view_agrees_with_prost(bin in proptest::collection::vec(any::<u8>(), 0..200)) {
        check_msg("random", &bin);
    }

    #[test]
    fn random_bytes_record_view_agrees_with_prost(bin in proptest::collection::vec(any::<u8>(), 0..200)) {
        check_record("random", &bin);
    }

    /// ASCII bytes are UTF-8: these take the text reader's path (`decode` and `decode_text`),
    /// including its hand-over to the general reader on anything it leaves to it.
    #[test]
    fn random_ascii_msg_view_agrees_with_prost(bin in proptest::collection::vec(0u8..0x80, 0..200)) {
        check_msg("ascii", &bin);
    }

    #[test]
    fn random_ascii_record_view_agrees_with_prost(bin in proptest::collection::vec(0u8..0x80, 0..200)) {
        check_record("ascii", &bin);
    }

    /// UTF-8 with multi-byte chars: keys, lengths and values that fall inside a char.
    #[test]
    fn random_utf8_msg_view_agrees_with_prost(text in "[\\x00-\\x7f\u{80}-\u{7ff}\u{800}-\u{ffff}\u{10000}-\u{10ffff}]{0,80}") {
        check_msg("utf8", text.as_bytes());
    }

    #[test]
    fn random_utf8_record_view_agrees_with_prost(text in "[\\x00-\\x7f\u{80}-\u{7ff}\u{800}-\u{ffff}\u{10000}-\u{10ffff}]{0,80}") {
        check_record("utf8", text.as_bytes());
    }

    #[test]
    fn mutated_msg_view_agrees_with_prost(
        x in usp_testkit::strategies::msg(),
        muts in proptest::collection::vec(mutation(), 1..4),
    ) {
        check_msg("mutated", &apply(x.encode_to_vec(), &muts));
    }

    #[test]
    fn mutated_record_view_agrees_with_prost(
        x in usp_testkit::strategies::record(),
        muts in proptest::collection::vec(mutation(), 1..4),
    ) {
        check_record("mutated", &apply(x.encode_to_vec(), &muts));
    }

    #[test]
    fn concatenated_encodings_merge_like_prost(
        a in usp_testkit::strategies::msg(),
        b in usp_testkit::strategies::msg(),
    ) {
        let mut bin = a.encode_to_vec();
        bin.extend(b.encode_to_vec());
        prop_assert!(check_msg("concat", &bin));
    }
}

/// A Get with `n` param paths `p0`, `p1`, ...: a Get view decoded from it, and the bytes.
fn get_with_paths(n: usize) -> Vec<u8> {
    let get = usp_msg::pb::Get {
        param_paths: (0..n).map(|i| format!("p{i}")).collect(),
        max_depth: 0,
    };
    get.encode_to_vec()
}

#[test]
fn repeated_strings_inline_and_spilled_agree_with_prost() {
    // Around the inline capacity: values stay in wire order when they move to the heap.
    for n in 0..=(2 * mview::REPEATED_INLINE + 1) {
        let bin = get_with_paths(n);
        let v = mview::Get::decode(&bin).expect("decodes");
        let pb = usp_msg::pb::Get::decode(bin.as_slice()).expect("prost decodes");
        assert_eq!(v.to_pb(), pb, "n = {n}");
        assert_eq!(v.param_paths.len(), n);
        let want: Vec<String> = (0..n).map(|i| format!("p{i}")).collect();
        let got: Vec<String> = v.param_paths.iter().map(|s| (*s).to_owned()).collect();
        assert_eq!(got, want);
        let by_ref: Vec<&str> = (&v.param_paths).into_iter().copied().collect();
        assert_eq!(by_ref, v.param_paths.as_slice());
        assert_eq!(v.param_paths.get(n), None);
        // Borrowing the prost value gives an equal view, and both encode to prost's bytes.
        let borrowed = mview::Get::from(&pb);
        assert_eq!(borrowed, v);
        assert_eq!(borrowed.encode_fast_to_vec(), bin);
        assert_eq!(v.encode_fast_to_vec(), bin);
    }
}

#[test]
fn repeated_equality_ignores_where_values_are_stored() {
    let n = mview::REPEATED_INLINE + 2;
    let vals: Vec<&str> = (0..n).map(|i| ["a", "b", "c"][i % 3]).collect();
    let pushed: mview::Repeated<&str> = vals.iter().copied().collect();
    let from_vec = mview::Repeated::from(vals.clone());
    assert_eq!(pushed, from_vec);
    assert_eq!(format!("{pushed:?}"), format!("{vals:?}"));
    let short = mview::Repeated::from(vec!["a", "b"]);
    let mut grown = mview::Repeated::new();
    grown.push("a");
    grown.push("b");
    assert_eq!(short, grown);
    assert_ne!(short, pushed);
    assert!(mview::Repeated::<&[u8]>::default().is_empty());
}

#[test]
fn string_splitting_a_char_of_a_utf8_message_is_rejected_like_prost() {
    // Header{msg_id: [0xc3]} then an unknown fixed64 field 21 whose key starts with 0xa9: the
    // whole Header is valid UTF-8 ("é" spans the string's end and the key), the string alone
    // is not. The one-pass check must not accept the string as a substring of valid text.
    let header = [
        0x0a, 0x01, 0xc3, 0xa9, 0x01, b'a', b'b', b'c', b'd', b'e', b'f', b'g', b'h',
    ];
    assert!(core::str::from_utf8(&header).is_ok());
    assert!(usp_msg::pb::Header::decode(header.as_slice()).is_err());
    assert_eq!(
        mview::Header::decode(&header).unwrap_err(),
        mview::DecodeError::InvalidUtf8 {
            offset: 2,
            field: "usp.Header.msg_id"
        }
    );
    let mut msg = vec![0x0a, header.len() as u8];
    msg.extend(header);
    assert!(!agree_msg(&msg));
    // The same bytes as a nested message taken from a UTF-8 parent, and a string whose
    // length runs past the end of its message (truncated, not a UTF-8 error).
    assert_eq!(
        mview::Msg::decode(&msg).unwrap_err(),
        mview::DecodeError::InvalidUtf8 {
            offset: 4,
            field: "usp.Header.msg_id"
        }
    );
    let truncated = [0x0a, 0x04, 0x0a, 0x03, b'a', b'b', b'c'];
    assert!(!agree_msg(&truncated));
    assert_eq!(
        mview::Msg::decode(&truncated).unwrap_err(),
        mview::DecodeError::Truncated { offset: 3 }
    );
}
