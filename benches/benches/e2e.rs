//! usp-e2e: segment a 1 MiB payload into 64 KiB Records and reassemble it on the peer, next to a plain memcpy
//! of the same bytes (STYLE §8). Segments are zero-copy slices; reassembly makes the one copy.
//!
//! * `memcpy`: copy 1 MiB into a preallocated buffer — the baseline.
//! * `memcpy_alloc`: allocate a fresh 1 MiB buffer and copy into it (what any reassembly has to do).
//! * `segment_reassemble`: `Session::send` → `poll_transmit` (16 Records) → peer `handle_record` →
//!   `Event::Payload`, plus the acknowledgement back, in steady state.
//! * `segment_reassemble_wire`: the same with every Record encoded to bytes and decoded again (prost), as on
//!   a real MTP.
#![allow(
    missing_docs,
    reason = "criterion_group! generates an undocumented pub fn"
)]

use core::hint::black_box;

use bytes::Bytes;
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use prost::Message as _;
use usp_e2e::{Config, Event, Instant, Session, SessionMode, pb};

const SIZE: usize = 1 << 20;
const RECORD: u32 = 64 * 1024;

fn sessions() -> (Session, Session) {
    let cfg = |local: &str, remote: &str, seed| {
        let mut c = Config::new(local, remote);
        c.mode(SessionMode::Require)
            .max_record_size(RECORD)
            .max_retransmit_tries(-1)
            .ack_delay(core::time::Duration::ZERO)
            .max_send_queue_bytes(64 << 20)
            .max_receive_buffer_bytes(64 << 20)
            .rng_seed(seed);
        c
    };
    let a = Session::new(cfg("proto::agent", "proto::controller", 1), Instant::ZERO).unwrap();
    let b = Session::new(cfg("proto::controller", "proto::agent", 2), Instant::ZERO).unwrap();
    (a, b)
}

/// One payload through the pair; `wire` also encodes and decodes each Record.
fn round(a: &mut Session, b: &mut Session, payload: &Bytes, wire: bool) -> Bytes {
    let now = Instant::ZERO;
    a.send(now, payload.clone()).unwrap();
    let pass = |r: pb::Record| {
        if wire {
            pb::Record::decode(Bytes::from(r.encode_to_vec())).unwrap()
        } else {
            r
        }
    };
    while let Some(r) = a.poll_transmit() {
        b.handle_record(now, pass(r)).unwrap();
    }
    while let Some(r) = b.poll_transmit() {
        a.handle_record(now, pass(r)).unwrap();
    }
    while a.poll_event().is_some() {}
    let mut got = Bytes::new();
    while let Some(ev) = b.poll_event() {
        if let Event::Payload(p) = ev {
            got = p;
        }
    }
    got
}

fn bench(c: &mut Criterion) {
    let payload = Bytes::from((0..SIZE).map(|i| (i * 7) as u8).collect::<Vec<u8>>());
    let mut g = c.benchmark_group("e2e_1MiB_64KiB");
    g.throughput(Throughput::Bytes(SIZE as u64));

    let mut dst = vec![0u8; SIZE];
    g.bench_function("memcpy", |bch| {
        bch.iter(|| {
            dst.copy_from_slice(black_box(&payload));
            black_box(&dst);
        });
    });

    g.bench_function("memcpy_alloc", |bch| {
        bch.iter(|| black_box(Bytes::copy_from_slice(black_box(&payload))));
    });

    let (mut a, mut b) = sessions();
    assert_eq!(round(&mut a, &mut b, &payload, false), payload);
    g.bench_function("segment_reassemble", |bch| {
        bch.iter(|| black_box(round(&mut a, &mut b, black_box(&payload), false)));
    });

    let (mut a, mut b) = sessions();
    assert_eq!(round(&mut a, &mut b, &payload, true), payload);
    g.bench_function("segment_reassemble_wire", |bch| {
        bch.iter(|| black_box(round(&mut a, &mut b, black_box(&payload), true)));
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
