//! End-to-end tests over the usp-testkit simulator: two sessions, a lossy link, simulated time.
//! Public API only.

use core::time::Duration;

use bytes::Bytes;
use proptest::prelude::*;
use usp_e2e::{Config, Event, Instant, RestartReason, Session, SessionMode};
use usp_testkit::sim::{Link, Pair, Side};

const A: &str = "proto::agent";
const B: &str = "proto::controller";
const RECV_LIMIT: usize = 4 << 20;

fn config(local: &str, remote: &str, max: u32, seed: u64) -> Config {
    let mut c = Config::new(local, remote);
    c.mode(SessionMode::Require)
        .max_record_size(max)
        .max_retransmit_tries(-1)
        .max_receive_buffer_bytes(RECV_LIMIT)
        .max_send_queue_bytes(8 << 20)
        .rng_seed(seed);
    c
}

fn pair(max: u32, link: Link, seed: u64) -> Pair {
    let a = Session::new(config(A, B, max, seed.wrapping_mul(3) | 1), Instant::ZERO).unwrap();
    let b = Session::new(config(B, A, max, seed.wrapping_mul(7) | 2), Instant::ZERO).unwrap();
    Pair::new(a, b, link, seed)
}

fn payload(len: usize, tag: u8) -> Bytes {
    Bytes::from(
        (0..len)
            .map(|i| (i as u8).wrapping_mul(31) ^ tag)
            .collect::<Vec<u8>>(),
    )
}

fn restarts(p: &Pair) -> usize {
    p.events
        .iter()
        .filter(|(_, e)| matches!(e, Event::SessionRestarted { .. } | Event::Unacknowledged(_)))
        .count()
}

fn check_bounds(p: &Pair) {
    assert_eq!(p.oversize_records, 0, "a Record exceeded MaxUSPRecordSize");
    assert!(
        p.max_receive_buffered <= RECV_LIMIT,
        "receive buffer {} over limit",
        p.max_receive_buffered
    );
    assert!(p.max_reorder_buffered < 256);
}

fn size() -> impl Strategy<Value = usize> {
    prop_oneof![3 => 0usize..200, 2 => 0usize..20_000, 1 => 0usize..=(1 << 20)]
}

fn max_record_size() -> impl Strategy<Value = u32> {
    prop_oneof![Just(512u32), Just(65_536u32), 512u32..=65_536]
}

fn link() -> impl Strategy<Value = Link> {
    (0u32..=100, 0u32..=100, 0u32..=200, 1u64..50, 0u64..200).prop_map(
        |(loss, dup, reorder, min, extra)| Link {
            loss_permille: loss,
            duplicate_permille: dup,
            reorder_permille: reorder,
            min_delay_ms: min,
            max_delay_ms: min + extra,
            reorder_extra_ms: 120,
        },
    )
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, max_shrink_iters: 64, ..ProptestConfig::default() })]

    /// R-E2E.20/25 and the SAR algorithm: under up to 10% loss, duplication and reordering every payload
    /// arrives exactly once, in order and byte-identical, Records stay within MaxUSPRecordSize and buffers
    /// within their bounds.
    #[test]
    fn r_e2e_20_every_payload_arrives_once_in_order(
        sizes in prop::collection::vec(size(), 1..4),
        max in max_record_size(),
        link in link(),
        seed in any::<u64>(),
    ) {
        let mut p = pair(max, link, seed);
        let sent: Vec<Bytes> = sizes.iter().enumerate().map(|(i, n)| payload(*n, i as u8)).collect();
        for m in &sent {
            p.send_a(m.clone()).unwrap();
        }
        prop_assert!(p.run_until_idle(200_000), "did not settle: {:?}", p);
        prop_assert_eq!(restarts(&p), 0, "unexpected restart: {:?}", p.events);
        prop_assert_eq!(p.b_payloads.len(), sent.len());
        for (got, want) in p.b_payloads.iter().zip(&sent) {
            prop_assert!(got == want, "payload differs ({} vs {} bytes)", got.len(), want.len());
        }
        check_bounds(&p);
        prop_assert_eq!(p.a.send_queue_bytes(), 0);
    }
}

/// A payload that names its direction and index (so reordering, loss and duplication are visible).
fn tagged(dir: u8, i: usize, len: usize) -> Bytes {
    let mut v = vec![dir, i as u8, (i >> 8) as u8];
    v.extend((0..len).map(|j| (j as u8).wrapping_mul(29) ^ dir));
    Bytes::from(v)
}

/// Checks one direction: nothing arrives that was not sent, nothing arrives twice, every payload that did not
/// arrive was reported to its sender as `Unacknowledged`, and the payloads never reported arrive in the order
/// sent. (A reported payload may arrive late: a delayed copy of a context start that carries it is adopted as
/// a peer restart, R-E2E.6, even after later payloads went through a newer context.)
fn check_direction(sent: &[Bytes], got: &[Bytes], reported: &[Bytes]) -> Result<(), TestCaseError> {
    for (i, g) in got.iter().enumerate() {
        prop_assert!(
            sent.contains(g),
            "payload {:?} was never sent",
            &g[..3.min(g.len())]
        );
        prop_assert!(!got[..i].contains(g), "payload {:?} arrived twice", &g[..3]);
    }
    let in_order: Vec<&Bytes> = got.iter().filter(|g| !reported.contains(g)).collect();
    let expected: Vec<&Bytes> = sent.iter().filter(|s| !reported.contains(s)).collect();
    prop_assert_eq!(
        in_order,
        expected,
        "unreported payloads missing or out of order"
    );
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, max_shrink_iters: 64, ..ProptestConfig::default() })]

    /// MaxRetransmitTries finite (0..=10) with traffic both ways under loss, duplication and reordering: the
    /// pair settles, in one session at the latest after one more exchange; a side whose peer asks for a Record too often restarts, and then each
    /// payload either arrives or is reported `Unacknowledged` to its sender — none is lost silently or
    /// duplicated, unreported ones arrive in order; without restarts everything arrives in order. Records and
    /// buffers stay within their bounds.
    #[test]
    fn r_e2e_20_finite_retransmit_tries_both_directions(
        a_sizes in prop::collection::vec(0usize..6_000, 1..6),
        b_sizes in prop::collection::vec(0usize..6_000, 1..6),
        tries_a in 0i32..=10,
        tries_b in 0i32..=10,
        max in prop_oneof![Just(512u32), 512u32..=4096],
        link in link(),
        seed in any::<u64>(),
    ) {
        let mut ca = config(A, B, max, seed.wrapping_mul(3) | 1);
        ca.max_retransmit_tries(tries_a);
        let mut cb = config(B, A, max, seed.wrapping_mul(7) | 2);
        cb.max_retransmit_tries(tries_b);
        let mut p = Pair::new(
            Session::new(ca, Instant::ZERO).unwrap(),
            Session::new(cb, Instant::ZERO).unwrap(),
            link,
            seed,
        );
        let mut to_b: Vec<Bytes> = a_sizes.iter().enumerate().map(|(i, n)| tagged(0xA, i, *n)).collect();
        let mut to_a: Vec<Bytes> = b_sizes.iter().enumerate().map(|(i, n)| tagged(0xB, i, *n)).collect();
        // Interleave: A opens the session, then both sides send while Records are in flight.
        for i in 0..to_b.len().max(to_a.len()) {
            if let Some(m) = to_b.get(i) {
                p.send_a(m.clone()).unwrap();
            }
            p.step();
            if let Some(m) = to_a.get(i) {
                p.send_b(m.clone()).unwrap();
            }
            p.step();
        }
        prop_assert!(p.run_until_idle(400_000), "did not settle: {:?}", p);
        // Restarts racing with delayed Records can leave the ends idle in different sessions; the next
        // exchange must bring them back together (R-E2E.6/24).
        for round in 0..4 {
            if p.a.session_id() == p.b.session_id() {
                break;
            }
            let (pa, pb) = (tagged(0xA, 1000 + round, 10), tagged(0xB, 1000 + round, 10));
            to_b.push(pa.clone());
            to_a.push(pb.clone());
            p.send_a(pa).unwrap();
            p.send_b(pb).unwrap();
            prop_assert!(p.run_until_idle(400_000), "did not settle: {:?}", p);
        }
        prop_assert_eq!(p.a.session_id(), p.b.session_id(), "ends stay in different sessions");
        let reported = |side: Side| -> Vec<Bytes> {
            p.events
                .iter()
                .filter_map(|(s, e)| match e {
                    Event::Unacknowledged(b) if *s == side => Some(b.clone()),
                    _ => None,
                })
                .collect()
        };
        check_direction(&to_b, &p.b_payloads, &reported(Side::A))?;
        check_direction(&to_a, &p.a_payloads, &reported(Side::B))?;
        if restarts(&p) == 0 {
            prop_assert_eq!(&p.b_payloads, &to_b);
            prop_assert_eq!(&p.a_payloads, &to_a);
        }
        check_bounds(&p);
        prop_assert_eq!(p.a.send_queue_bytes(), 0);
        prop_assert_eq!(p.b.send_queue_bytes(), 0);
    }
}

#[test]
fn bidirectional_request_response_under_faults() {
    for seed in 0..6u64 {
        let link = Link {
            loss_permille: 100,
            duplicate_permille: 50,
            reorder_permille: 100,
            min_delay_ms: 5,
            max_delay_ms: 80,
            reorder_extra_ms: 100,
        };
        let mut p = pair(1024, link, seed);
        // Establish from A first, then both sides talk.
        p.send_a(payload(10, 0)).unwrap();
        assert!(p.run_until_idle(100_000));
        let mut want_a = Vec::new();
        let mut want_b = vec![payload(10, 0)];
        for i in 1..20u8 {
            let req = payload(usize::from(i) * 300, i);
            let resp = payload(usize::from(i) * 500, i ^ 0x55);
            p.send_a(req.clone()).unwrap();
            p.send_b(resp.clone()).unwrap();
            want_b.push(req);
            want_a.push(resp);
        }
        assert!(p.run_until_idle(200_000), "seed {seed}: {p:?}");
        assert_eq!(restarts(&p), 0, "seed {seed}: {:?}", p.events);
        assert_eq!(p.b_payloads, want_b, "seed {seed}");
        assert_eq!(p.a_payloads, want_a, "seed {seed}");
        check_bounds(&p);
    }
}

#[test]
fn megabyte_at_minimum_record_size_stays_within_memory_bounds() {
    let link = Link {
        loss_permille: 50,
        duplicate_permille: 50,
        reorder_permille: 200,
        min_delay_ms: 1,
        max_delay_ms: 40,
        reorder_extra_ms: 60,
    };
    let mut p = pair(512, link, 11);
    let m = payload(1 << 20, 9);
    p.send_a(m.clone()).unwrap();
    assert!(p.run_until_idle(500_000));
    assert_eq!(p.b_payloads, [m]);
    check_bounds(&p);
    assert!(p.max_record_seen <= 512);
    // The reassembly itself is bounded by the configured receive buffer; a tighter one fails cleanly.
    let mut a = config(A, B, 512, 1);
    a.max_receive_buffer_bytes(64 << 10);
    let mut b = config(B, A, 512, 2);
    b.max_receive_buffer_bytes(64 << 10);
    let mut p = Pair::new(
        Session::new(a, Instant::ZERO).unwrap(),
        Session::new(b, Instant::ZERO).unwrap(),
        Link::default(),
        3,
    );
    p.send_a(payload(200_000, 1)).unwrap();
    for _ in 0..2_000 {
        if !p.step() {
            break;
        }
    }
    assert!(p.max_receive_buffered <= 64 << 10);
    assert!(p.b_payloads.is_empty());
    assert!(
        p.events
            .iter()
            .any(|(s, e)| *s == Side::B && matches!(e, Event::Failed(_)))
    );
}

#[test]
fn r_e2e_7_expiry_then_new_session_in_the_simulator() {
    let mut a = config(A, B, 0, 5);
    a.session_expiration(Duration::from_secs(30));
    let mut b = config(B, A, 0, 6);
    b.session_expiration(Duration::from_secs(30));
    let mut p = Pair::new(
        Session::new(a, Instant::ZERO).unwrap(),
        Session::new(b, Instant::ZERO).unwrap(),
        Link::default(),
        1,
    );
    p.send_a(payload(100, 1)).unwrap();
    assert!(p.run_until_idle(10_000));
    let first = p.a.session_id().unwrap();
    // Idle past the expiration.
    while p.a.session_id().is_some() || p.b.session_id().is_some() {
        assert!(p.step());
    }
    assert!(
        p.events.iter().any(
            |(_, e)| matches!(e, Event::SessionExpired { session_id } if *session_id == first)
        )
    );
    p.send_a(payload(100, 2)).unwrap();
    assert!(p.run_until_idle(10_000));
    assert_ne!(p.a.session_id(), Some(first));
    assert_eq!(p.a.session_id(), p.b.session_id());
    assert_eq!(p.b_payloads, [payload(100, 1), payload(100, 2)]);
}

#[test]
fn r_e2e_6_restart_mid_transfer_is_adopted_and_reported() {
    let mut p = pair(512, Link::default(), 4);
    p.send_a(payload(200_000, 1)).unwrap();
    // Let part of it through, then restart A.
    for _ in 0..5 {
        p.step();
    }
    let old = p.a.session_id().unwrap();
    p.a.reset(p.now);
    p.drain();
    p.send_a(payload(3_000, 2)).unwrap();
    assert!(p.run_until_idle(100_000));
    assert_ne!(p.b.session_id(), Some(old));
    assert_eq!(p.a.session_id(), p.b.session_id());
    // The interrupted payload is reported to A's application, the later one arrives intact.
    assert!(
        p.events
            .iter()
            .any(|(s, e)| *s == Side::A && *e == Event::Unacknowledged(payload(200_000, 1)))
    );
    assert_eq!(p.b_payloads.last(), Some(&payload(3_000, 2)));
    assert!(p.events.iter().any(|(s, e)| *s == Side::B
        && matches!(
            e,
            Event::SessionRestarted {
                reason: RestartReason::PeerRestarted,
                ..
            }
        )));
}

#[test]
fn establishment_retries_survive_a_dead_link() {
    let link = Link {
        loss_permille: 1000,
        ..Link::default()
    };
    let mut p = pair(0, link, 8);
    p.send_a(payload(10, 1)).unwrap();
    // Simulated time runs for hours in a few steps; the waits grow per R-E2E.10 and stay capped (R-E2E.11).
    for _ in 0..15 {
        assert!(p.step());
    }
    assert_eq!(p.a.retry_count(), 15);
    assert!(p.now.as_millis() > 5_000 * 1000, "{:?}", p.now);
    // The link comes back: the next retry establishes the session and the count resets (R-E2E.12).
    p.link.loss_permille = 0;
    assert!(p.run_until_idle(100));
    assert_eq!(p.b_payloads, [payload(10, 1)]);
    assert_eq!(p.a.retry_count(), 0);
}
