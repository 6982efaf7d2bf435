//! Record and Msg encode/decode, side by side with rusp-lib 1.0.1 on the same bytes.
//!
//! Run: `cargo bench -p usp-benches --bench codec`. Each group has a `usp-rs` and a `rusp-lib`
//! function over identical input bytes; encode benches encode the value each library decoded
//! from those bytes.
//!
//! What `usp-rs` times, and the checked layer next to it:
//! * `decode/usp-rs` (Msg groups): the raw prost decode of `usp_msg::pb::Msg`, no USP rules;
//!   in `record_get`, the checked `usp_record::Record::decode` and then the raw `pb::Msg` decode
//!   of its payload.
//! * `decode/usp-rs-checked`: the validated layer users call: `usp_record::Record::decode`
//!   (in `record_get`) and `usp_msg::Msg::decode` (header, msg_id, every required oneof, the
//!   byte scan for a second oneof member), i.e. decoding plus every USP check.
//! * `encode/usp-rs-checked` (Msg groups): `usp_msg::Msg::encode_to_vec` of the validated Msg;
//!   in `record_get`, `encode/usp-rs` is already the validated `Record::to_bytes`.
//!
//! The fast path is benched next to them:
//! * `decode/usp-rs-view`: the generated zero-copy views (`usp_record::view`, `usp_msg::view`):
//!   wire-level decoding like rusp-lib's, with `&str`/`&[u8]` borrowed from the input.
//! * `encode/usp-rs-fast`: `FastEncode` of the owned prost value (sizes computed once).
//! * `encode/usp-rs-view`: `FastEncode` of the decoded view.

// criterion_group! and criterion_main! generate undocumented items.
#![allow(missing_docs)]

use core::hint::black_box;

use bytes::Bytes;
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use prost::Message as _;
use usp_benches::{GETRESP_5000, RECORD_WITH_GET, get_resp_50};
use usp_msg::view as mview;
use usp_msg::view::FastEncode as _;
use usp_record::Record;
use usp_record::view as rview;
use usp_record::view::FastEncode as _;

fn record_with_get(c: &mut Criterion) {
    let input = Bytes::from_static(RECORD_WITH_GET);
    let mut g = c.benchmark_group("record_get");
    g.throughput(Throughput::Bytes(input.len() as u64));
    g.bench_function("decode/usp-rs", |b| {
        b.iter(|| {
            let rec = Record::decode(black_box(input.clone())).unwrap();
            let payload = rec.no_session_payload().unwrap().clone();
            black_box(usp_msg::pb::Msg::decode(payload).unwrap())
        })
    });
    g.bench_function("decode/usp-rs-checked", |b| {
        b.iter(|| {
            let rec = Record::decode(black_box(input.clone())).unwrap();
            let payload = rec.no_session_payload().unwrap().clone();
            black_box(usp_msg::Msg::decode(payload).unwrap())
        })
    });
    g.bench_function("decode/rusp-lib", |b| {
        b.iter(|| {
            let rec = rusp_lib::usp_decoder::try_decode_record(black_box(RECORD_WITH_GET)).unwrap();
            let payload = match &rec.record_type {
                rusp_lib::usp_record::mod_Record::OneOfrecord_type::no_session_context(n) => {
                    n.payload.clone()
                }
                _ => unreachable!(),
            };
            black_box(rusp_lib::usp_decoder::try_decode_msg(&payload).unwrap())
        })
    });
    g.bench_function("decode/usp-rs-view", |b| {
        b.iter(|| {
            let rec = rview::Record::decode(black_box(RECORD_WITH_GET)).unwrap();
            let payload = match &rec.record_type {
                Some(rview::record::RecordType::NoSessionContext(n)) => n.payload,
                _ => unreachable!(),
            };
            black_box(mview::Msg::decode(payload).unwrap())
        })
    });
    let ours = Record::decode(input.clone()).unwrap();
    let theirs = rusp_lib::usp_decoder::try_decode_record(RECORD_WITH_GET).unwrap();
    let ours_pb = usp_record::pb::Record::decode(input.clone()).unwrap();
    let ours_view = rview::Record::decode(RECORD_WITH_GET).unwrap();
    assert_eq!(ours.to_bytes(), input);
    assert_eq!(theirs.to_vec().unwrap(), RECORD_WITH_GET);
    assert_eq!(ours_pb.encode_fast_to_vec(), RECORD_WITH_GET);
    assert_eq!(ours_view.encode_fast_to_vec(), RECORD_WITH_GET);
    g.bench_function("encode/usp-rs", |b| {
        b.iter(|| black_box(black_box(&ours).to_bytes()))
    });
    g.bench_function("encode/usp-rs-fast", |b| {
        b.iter(|| black_box(black_box(&ours_pb).encode_fast_to_vec()))
    });
    g.bench_function("encode/usp-rs-view", |b| {
        b.iter(|| black_box(black_box(&ours_view).encode_fast_to_vec()))
    });
    g.bench_function("encode/rusp-lib", |b| {
        b.iter(|| black_box(black_box(&theirs).to_vec().unwrap()))
    });
    g.finish();
}

fn msg_bench(c: &mut Criterion, name: &str, input: Bytes) {
    let mut g = c.benchmark_group(name);
    g.throughput(Throughput::Bytes(input.len() as u64));
    g.bench_function("decode/usp-rs", |b| {
        b.iter(|| black_box(usp_msg::pb::Msg::decode(black_box(input.clone())).unwrap()))
    });
    g.bench_function("decode/usp-rs-checked", |b| {
        b.iter(|| black_box(usp_msg::Msg::decode(black_box(input.clone())).unwrap()))
    });
    g.bench_function("decode/rusp-lib", |b| {
        b.iter(|| black_box(rusp_lib::usp_decoder::try_decode_msg(black_box(&input)).unwrap()))
    });
    g.bench_function("decode/usp-rs-view", |b| {
        b.iter(|| black_box(mview::Msg::decode(black_box(&input)).unwrap()))
    });
    let ours = usp_msg::pb::Msg::decode(input.clone()).unwrap();
    let theirs = rusp_lib::usp_decoder::try_decode_msg(&input).unwrap();
    let ours_view = mview::Msg::decode(&input).unwrap();
    let checked = usp_msg::Msg::decode(input.clone()).unwrap();
    assert_eq!(ours.encode_to_vec(), input);
    assert_eq!(checked.encode_to_vec(), input);
    assert_eq!(ours.encode_fast_to_vec(), input);
    assert_eq!(ours_view.encode_fast_to_vec(), input);
    g.bench_function("encode/usp-rs", |b| {
        b.iter(|| black_box(black_box(&ours).encode_to_vec()))
    });
    g.bench_function("encode/usp-rs-checked", |b| {
        b.iter(|| black_box(black_box(&checked).encode_to_vec()))
    });
    g.bench_function("encode/usp-rs-fast", |b| {
        b.iter(|| black_box(black_box(&ours).encode_fast_to_vec()))
    });
    g.bench_function("encode/usp-rs-view", |b| {
        b.iter(|| black_box(black_box(&ours_view).encode_fast_to_vec()))
    });
    g.bench_function("encode/rusp-lib", |b| {
        b.iter(|| black_box(black_box(&theirs).to_vec().unwrap()))
    });
    g.finish();
}

fn get_resp(c: &mut Criterion) {
    msg_bench(c, "getresp_50", get_resp_50());
    msg_bench(c, "getresp_5000", Bytes::from_static(GETRESP_5000));
}

criterion_group!(benches, record_with_get, get_resp);
criterion_main!(benches);
