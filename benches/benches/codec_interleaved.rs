//! The codec comparisons of `codec.rs`, timed so that machine load cancels out: every
//! implementation of a group runs one batch in turn, 60 rounds, and the fastest batch of each
//! is kept. On a busy machine (CI, shared runners) criterion's means of consecutive runs swing
//! by 2-3x between functions; the interleaved minima give stable ratios.
//!
//! Labels: `usp-rs` is the raw prost decode/encode of the `pb` types (no USP rules);
//! `usp-rs-checked` is the validated layer users call (`usp_record::Record::decode`,
//! `usp_msg::Msg::decode`, `usp_record::Record::encode_to_vec`, `usp_msg::Msg::encode_to_vec`),
//! decoding plus every USP check; `usp-rs-ref` the same checks over the views, borrowing
//! (`usp_record::RecordRef`, `usp_msg::MsgRef`), `usp-rs-ref-1pass` with one UTF-8 pass;
//! `usp-rs-view` the generated zero-copy views; `usp-rs-view-1pass` the same views with one
//! UTF-8 validation pass shared by the Record and its payload (`decode_text` and
//! `text_within`); `usp-rs-fast` `FastEncode`. The views decode UTF-8 input with the text
//! decoder (the default `text-decoder` feature, enabled in this crate's dependencies).
//!
//! Run: `cargo bench -p usp-benches --bench codec_interleaved`. Prints one line per group with
//! the time per operation and the speed-up over rusp-lib 1.0.1.

use core::hint::black_box;
use std::time::Instant;

use bytes::Bytes;
use prost::Message as _;
use usp_benches::{GETRESP_5000, RECORD_WITH_GET, get_resp_50};
use usp_msg::view as mview;
use usp_msg::view::FastEncode as _;
use usp_record::view as rview;
use usp_record::view::FastEncode as _;

/// One implementation of a group: its name and one operation.
type Case<'a> = (&'a str, Box<dyn FnMut() + 'a>);

/// Runs the cases interleaved and prints the fastest batch of each.
fn run(name: &str, mut cases: Vec<Case<'_>>, iters: u32) {
    let mut best = vec![f64::MAX; cases.len()];
    for _ in 0..60 {
        for (b, (_, f)) in best.iter_mut().zip(cases.iter_mut()) {
            let t = Instant::now();
            for _ in 0..iters {
                f();
            }
            *b = b.min(t.elapsed().as_nanos() as f64 / f64::from(iters));
        }
    }
    let rusp = cases
        .iter()
        .zip(&best)
        .find(|((n, _), _)| *n == "rusp-lib")
        .map_or(f64::NAN, |(_, b)| *b);
    let cells: Vec<String> = cases
        .iter()
        .zip(&best)
        .map(|((n, _), b)| format!("{n} {b:.0} ns ({:.2}x)", rusp / b))
        .collect();
    println!("{name:20} {}", cells.join(" | "));
}

/// The payload of a NoSessionContext view, borrowed like rusp-lib's `&rec.record_type` below.
fn no_session_payload<'a>(rec: &rview::Record<'a>) -> &'a [u8] {
    match &rec.record_type {
        Some(rview::record::RecordType::NoSessionContext(n)) => n.payload,
        _ => unreachable!("the input is a NoSessionContext record"),
    }
}

fn record_get() {
    let record = Bytes::from_static(RECORD_WITH_GET);
    let ropts = usp_record::DecodeOptions::default();
    let mopts = usp_msg::DecodeOptions::default();
    run(
        "record_get/decode",
        vec![
            (
                "usp-rs",
                Box::new(|| {
                    let rec = usp_record::pb::Record::decode(black_box(record.clone())).unwrap();
                    let payload = match rec.record_type {
                        Some(usp_record::pb::record::RecordType::NoSessionContext(n)) => n.payload,
                        _ => unreachable!("the input is a NoSessionContext record"),
                    };
                    black_box(usp_msg::pb::Msg::decode(payload).unwrap());
                }),
            ),
            (
                "usp-rs-checked",
                Box::new(|| {
                    let rec = usp_record::Record::decode(black_box(record.clone())).unwrap();
                    let payload = rec.no_session_payload().unwrap().clone();
                    black_box(usp_msg::Msg::decode(payload).unwrap());
                }),
            ),
            (
                "usp-rs-ref",
                Box::new(|| {
                    let rec = usp_record::RecordRef::decode(black_box(RECORD_WITH_GET)).unwrap();
                    let payload = rec.no_session_payload().unwrap();
                    black_box(usp_msg::MsgRef::decode(payload).unwrap());
                }),
            ),
            (
                "usp-rs-ref-1pass",
                Box::new(|| {
                    let buf = black_box(RECORD_WITH_GET);
                    if let Ok(t) = core::str::from_utf8(buf) {
                        let rec = usp_record::RecordRef::decode_text_with(t, &ropts).unwrap();
                        let p = rec.no_session_payload().unwrap();
                        black_box(match rview::text_within(t, p) {
                            Some(pt) => usp_msg::MsgRef::decode_text_with(pt, &mopts).unwrap(),
                            None => usp_msg::MsgRef::decode(p).unwrap(),
                        });
                    }
                }),
            ),
            (
                "usp-rs-view",
                Box::new(|| {
                    let rec = rview::Record::decode(black_box(RECORD_WITH_GET)).unwrap();
                    black_box(mview::Msg::decode(no_session_payload(&rec)).unwrap());
                }),
            ),
            (
                "usp-rs-view-1pass",
                Box::new(|| {
                    let buf = black_box(RECORD_WITH_GET);
                    if let Ok(t) = core::str::from_utf8(buf) {
                        let rec = rview::Record::decode_text(t).unwrap();
                        let p = no_session_payload(&rec);
                        black_box(match rview::text_within(t, p) {
                            Some(pt) => mview::Msg::decode_text(pt).unwrap(),
                            None => mview::Msg::decode(p).unwrap(),
                        });
                    }
                }),
            ),
            (
                "rusp-lib",
                Box::new(|| {
                    let rec = rusp_lib::usp_decoder::try_decode_record(black_box(RECORD_WITH_GET))
                        .unwrap();
                    let payload = match &rec.record_type {
                        rusp_lib::usp_record::mod_Record::OneOfrecord_type::no_session_context(
                            n,
                        ) => n.payload.clone(),
                        _ => unreachable!(),
                    };
                    black_box(rusp_lib::usp_decoder::try_decode_msg(&payload).unwrap());
                }),
            ),
        ],
        2000,
    );
    let pb = usp_record::pb::Record::decode(RECORD_WITH_GET).unwrap();
    let view = rview::Record::decode(RECORD_WITH_GET).unwrap();
    let theirs = rusp_lib::usp_decoder::try_decode_record(RECORD_WITH_GET).unwrap();
    let checked = usp_record::Record::decode(record).unwrap();
    run(
        "record_get/encode",
        vec![
            (
                "usp-rs",
                Box::new(|| drop(black_box(black_box(&pb).encode_to_vec()))),
            ),
            (
                "usp-rs-checked",
                Box::new(|| drop(black_box(black_box(&checked).encode_to_vec()))),
            ),
            (
                "usp-rs-fast",
                Box::new(|| drop(black_box(black_box(&pb).encode_fast_to_vec()))),
            ),
            (
                "usp-rs-view",
                Box::new(|| drop(black_box(black_box(&view).encode_fast_to_vec()))),
            ),
            (
                "rusp-lib",
                Box::new(|| drop(black_box(black_box(&theirs).to_vec().unwrap()))),
            ),
        ],
        2000,
    );
}

fn msg_group(name: &str, input: &Bytes, iters: u32) {
    let ours = usp_msg::pb::Msg::decode(input.clone()).unwrap();
    let view = mview::Msg::decode(input).unwrap();
    let theirs = rusp_lib::usp_decoder::try_decode_msg(input).unwrap();
    let checked = usp_msg::Msg::decode(input.clone()).unwrap();
    run(
        &format!("{name}/decode"),
        vec![
            (
                "usp-rs",
                Box::new(|| {
                    drop(black_box(
                        usp_msg::pb::Msg::decode(black_box(input.clone())).unwrap(),
                    ))
                }),
            ),
            (
                "usp-rs-checked",
                Box::new(|| {
                    drop(black_box(
                        usp_msg::Msg::decode(black_box(input.clone())).unwrap(),
                    ))
                }),
            ),
            (
                "usp-rs-ref",
                Box::new(|| {
                    drop(black_box(
                        usp_msg::MsgRef::decode(black_box(input)).unwrap(),
                    ))
                }),
            ),
            (
                "usp-rs-view",
                Box::new(|| drop(black_box(mview::Msg::decode(black_box(input)).unwrap()))),
            ),
            (
                "rusp-lib",
                Box::new(|| {
                    drop(black_box(
                        rusp_lib::usp_decoder::try_decode_msg(black_box(input)).unwrap(),
                    ))
                }),
            ),
        ],
        iters,
    );
    run(
        &format!("{name}/encode"),
        vec![
            (
                "usp-rs",
                Box::new(|| drop(black_box(black_box(&ours).encode_to_vec()))),
            ),
            (
                "usp-rs-checked",
                Box::new(|| drop(black_box(black_box(&checked).encode_to_vec()))),
            ),
            (
                "usp-rs-fast",
                Box::new(|| drop(black_box(black_box(&ours).encode_fast_to_vec()))),
            ),
            (
                "usp-rs-view",
                Box::new(|| drop(black_box(black_box(&view).encode_fast_to_vec()))),
            ),
            (
                "rusp-lib",
                Box::new(|| drop(black_box(black_box(&theirs).to_vec().unwrap()))),
            ),
        ],
        iters,
    );
}

fn main() {
    record_get();
    msg_group("getresp_50", &get_resp_50(), 200);
    msg_group("getresp_5000", &Bytes::from_static(GETRESP_5000), 3);
}
