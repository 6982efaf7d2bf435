//! A deterministic two-endpoint simulator for `usp-e2e` (modelled on quinn's test `Pair`).
//!
//! [`Pair`] owns two [`Session`]s and a simulated link with configurable loss, duplication, reordering and
//! delay. Time is simulated: [`Pair::step`] jumps straight to the next link delivery or session timer, so
//! runs are fast, and everything is driven by one seed, so every run is reproducible.
//!
//! Each Record crossing the link is encoded to wire bytes and decoded again (`Record::decode(Bytes)`, so
//! payloads are zero-copy slices of the "datagram"), and its encoded size is checked against the sender's
//! MaxUSPRecordSize.
//!
//! ```
//! use bytes::Bytes;
//! use usp_e2e::{Config, Instant, Session, SessionMode};
//! use usp_testkit::sim::{Link, Pair};
//!
//! let mut a = Config::new("proto::a", "proto::b");
//! a.mode(SessionMode::Require).max_record_size(600).max_retransmit_tries(-1).rng_seed(1);
//! let mut b = Config::new("proto::b", "proto::a");
//! b.mode(SessionMode::Require).max_record_size(600).max_retransmit_tries(-1).rng_seed(2);
//! let a = Session::new(a, Instant::ZERO).unwrap();
//! let b = Session::new(b, Instant::ZERO).unwrap();
//! let mut pair = Pair::new(a, b, Link { loss_permille: 100, ..Link::default() }, 7);
//! pair.send_a(Bytes::from(vec![1u8; 5000])).unwrap();
//! assert!(pair.run_until_idle(100_000));
//! assert_eq!(pair.b_payloads, [Bytes::from(vec![1u8; 5000])]);
//! ```

use std::collections::BTreeMap;
use std::vec::Vec;

use bytes::Bytes;
use prost::Message as _;
use usp_e2e::pb;
use usp_e2e::{E2eError, Event, Instant, Session};

/// Link impairments, applied independently to each Record in each direction.
#[derive(Clone, Copy, Debug)]
pub struct Link {
    /// Probability (per mille) that a Record is lost.
    pub loss_permille: u32,
    /// Probability (per mille) that a Record is delivered twice (the copy has its own delay).
    pub duplicate_permille: u32,
    /// Probability (per mille) that a Record is held back by an extra `reorder_extra_ms`.
    pub reorder_permille: u32,
    /// Minimum one-way delay in ms.
    pub min_delay_ms: u64,
    /// Maximum one-way delay in ms (delays are uniform in `min..=max`, which reorders by itself).
    pub max_delay_ms: u64,
    /// Extra delay of a reordered Record.
    pub reorder_extra_ms: u64,
}

impl Default for Link {
    /// A perfect link with 10 ms delay.
    fn default() -> Self {
        Self {
            loss_permille: 0,
            duplicate_permille: 0,
            reorder_permille: 0,
            min_delay_ms: 10,
            max_delay_ms: 10,
            reorder_extra_ms: 50,
        }
    }
}

/// Which endpoint.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Side {
    /// Endpoint `a`.
    A,
    /// Endpoint `b`.
    B,
}

/// Two sessions, a lossy link and simulated time.
pub struct Pair {
    /// Endpoint A.
    pub a: Session,
    /// Endpoint B.
    pub b: Session,
    /// Current simulated time.
    pub now: Instant,
    /// Link impairments.
    pub link: Link,
    /// Payloads A received, in order.
    pub a_payloads: Vec<Bytes>,
    /// Payloads B received, in order.
    pub b_payloads: Vec<Bytes>,
    /// Every non-payload event, with the side that reported it.
    pub events: Vec<(Side, Event)>,
    /// Errors returned by `handle_record`, with the receiving side.
    pub errors: Vec<(Side, E2eError)>,
    /// Records put on the link.
    pub records_sent: u64,
    /// Records dropped by the link.
    pub records_lost: u64,
    /// Largest encoded Record seen on the link.
    pub max_record_seen: usize,
    /// Encoded Records that exceeded the sender's MaxUSPRecordSize (must stay 0).
    pub oversize_records: u64,
    /// Largest receive-side buffer use seen on either side.
    pub max_receive_buffered: usize,
    /// Largest number of out-of-order Records buffered on either side.
    pub max_reorder_buffered: usize,
    in_flight: BTreeMap<(Instant, u64), (Side, Bytes)>,
    counter: u64,
    rng: u64,
}

impl core::fmt::Debug for Pair {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Pair")
            .field("now", &self.now)
            .field("in_flight", &self.in_flight.len())
            .field("records_sent", &self.records_sent)
            .field("records_lost", &self.records_lost)
            .finish_non_exhaustive()
    }
}

impl Pair {
    /// Two sessions joined by `link`; `seed` drives every impairment decision.
    #[must_use]
    pub fn new(a: Session, b: Session, link: Link, seed: u64) -> Self {
        Self {
            a,
            b,
            now: Instant::ZERO,
            link,
            a_payloads: Vec::new(),
            b_payloads: Vec::new(),
            events: Vec::new(),
            errors: Vec::new(),
            records_sent: 0,
            records_lost: 0,
            max_record_seen: 0,
            oversize_records: 0,
            max_receive_buffered: 0,
            max_reorder_buffered: 0,
            in_flight: BTreeMap::new(),
            counter: 0,
            rng: seed,
        }
    }

    fn next_rand(&mut self) -> u64 {
        self.rng = self.rng.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.rng;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn chance(&mut self, permille: u32) -> bool {
        permille > 0 && self.next_rand() % 1000 < u64::from(permille)
    }

    fn delay(&mut self) -> u64 {
        let span = self
            .link
            .max_delay_ms
            .saturating_sub(self.link.min_delay_ms);
        let mut d = self.link.min_delay_ms
            + if span == 0 {
                0
            } else {
                self.next_rand() % (span + 1)
            };
        if self.chance(self.link.reorder_permille) {
            d += self.link.reorder_extra_ms;
        }
        d
    }

    /// `a.send(now, payload)` followed by a drain.
    ///
    /// # Errors
    /// As [`Session::send`].
    pub fn send_a(&mut self, payload: Bytes) -> Result<(), E2eError> {
        self.a.send(self.now, payload)?;
        self.drain();
        Ok(())
    }

    /// `b.send(now, payload)` followed by a drain.
    ///
    /// # Errors
    /// As [`Session::send`].
    pub fn send_b(&mut self, payload: Bytes) -> Result<(), E2eError> {
        self.b.send(self.now, payload)?;
        self.drain();
        Ok(())
    }

    fn put_on_link(&mut self, from: Side, rec: &pb::Record) {
        let max = match from {
            Side::A => self.a.config().get_max_record_size(),
            Side::B => self.b.config().get_max_record_size(),
        } as usize;
        let wire = Bytes::from(rec.encode_to_vec());
        self.max_record_seen = self.max_record_seen.max(wire.len());
        if max != 0
            && wire.len() > max
            && matches!(
                rec.record_type,
                Some(pb::record::RecordType::SessionContext(_))
            )
        {
            self.oversize_records += 1;
        }
        self.records_sent += 1;
        if self.chance(self.link.loss_permille) {
            self.records_lost += 1;
            return;
        }
        let copies = if self.chance(self.link.duplicate_permille) {
            2
        } else {
            1
        };
        for _ in 0..copies {
            let at = self.now + core::time::Duration::from_millis(self.delay());
            self.counter += 1;
            self.in_flight
                .insert((at, self.counter), (from, wire.clone()));
        }
    }

    /// Drains transmits and events of both sessions (the poll-loop steps 2 and 3), recording statistics.
    pub fn drain(&mut self) {
        loop {
            let mut progressed = false;
            while let Some(rec) = self.a.poll_transmit() {
                self.put_on_link(Side::A, &rec);
                progressed = true;
            }
            while let Some(rec) = self.b.poll_transmit() {
                self.put_on_link(Side::B, &rec);
                progressed = true;
            }
            while let Some(ev) = self.a.poll_event() {
                match ev {
                    Event::Payload(p) => self.a_payloads.push(p),
                    other => self.events.push((Side::A, other)),
                }
            }
            while let Some(ev) = self.b.poll_event() {
                match ev {
                    Event::Payload(p) => self.b_payloads.push(p),
                    other => self.events.push((Side::B, other)),
                }
            }
            if !progressed {
                break;
            }
        }
        for s in [&self.a, &self.b] {
            self.max_receive_buffered = self.max_receive_buffered.max(s.receive_buffered_bytes());
            self.max_reorder_buffered = self.max_reorder_buffered.max(s.reorder_buffered_records());
        }
    }

    /// The next instant something happens: a link delivery or a session timer.
    #[must_use]
    pub fn next_wakeup(&self) -> Option<Instant> {
        let link = self.in_flight.keys().next().map(|(t, _)| *t);
        [link, self.a.poll_timeout(), self.b.poll_timeout()]
            .into_iter()
            .flatten()
            .min()
    }

    /// Whether nothing is in flight on the link and neither side holds unacknowledged data.
    #[must_use]
    pub fn is_quiet(&self) -> bool {
        self.in_flight.is_empty()
            && self.a.send_queue_bytes() == 0
            && self.b.send_queue_bytes() == 0
            && self.a.reorder_buffered_records() == 0
            && self.b.reorder_buffered_records() == 0
    }

    /// Advances time to the next wake-up, delivers due Records, runs due timers and drains. Returns `false`
    /// when nothing is scheduled.
    pub fn step(&mut self) -> bool {
        let Some(t) = self.next_wakeup() else {
            return false;
        };
        self.now = self.now.max(t);
        while let Some(entry) = self.in_flight.first_entry() {
            if entry.key().0 > self.now {
                break;
            }
            let (to_side, wire) = entry.remove();
            let Ok(rec) = pb::Record::decode(wire) else {
                continue;
            };
            let (dst, side) = match to_side {
                Side::A => (&mut self.b, Side::B),
                Side::B => (&mut self.a, Side::A),
            };
            if let Err(e) = dst.handle_record(self.now, rec) {
                self.errors.push((side, e));
            }
            self.drain();
        }
        self.a.handle_timeout(self.now);
        self.b.handle_timeout(self.now);
        self.drain();
        true
    }

    /// Steps until [`is_quiet`](Self::is_quiet) or `max_steps` steps; returns whether it became quiet.
    pub fn run_until_idle(&mut self, max_steps: usize) -> bool {
        self.drain();
        for _ in 0..max_steps {
            if self.is_quiet() {
                return true;
            }
            if !self.step() {
                return self.is_quiet();
            }
        }
        self.is_quiet()
    }
}
