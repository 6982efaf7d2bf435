//! Fuzz bodies, called by one-line targets in `fuzz/` (STYLE §7). Only built with `cfg(fuzzing)` or in tests.
//!
//! [`e2e_session`] reads the fuzzer's bytes as a little program driving two sessions over a simulated link
//! and a stream of hand-crafted Records; it asserts only invariants (no panic, buffers within the configured
//! bounds, Records within MaxUSPRecordSize).

use alloc::collections::VecDeque;
use core::time::Duration;

use bytes::Bytes;
use prost::Message as _;
use usp_record::pb::{self, record::RecordType};

use crate::{Config, Event, Instant, Session, SessionMode};

const A: &str = "proto::fuzz-a";
const B: &str = "proto::fuzz-b";
const RECV_LIMIT: usize = 64 * 1024;
const SEND_LIMIT: usize = 64 * 1024;
const MAX_OPS: usize = 4096;

/// Reads bytes from the fuzzer input, yielding zeros once it is used up.
struct Input<'a> {
    data: &'a [u8],
}

impl Input<'_> {
    fn byte(&mut self) -> u8 {
        match self.data.split_first() {
            Some((b, rest)) => {
                self.data = rest;
                *b
            }
            None => 0,
        }
    }

    fn u16(&mut self) -> u16 {
        u16::from_le_bytes([self.byte(), self.byte()])
    }

    fn u64_small(&mut self) -> u64 {
        // Mostly small values (where the interesting sequence numbers are), sometimes huge ones.
        match self.byte() % 8 {
            0 => u64::MAX - u64::from(self.u16()),
            1 => u64::from(self.u16()) << 16 | u64::from(self.u16()),
            _ => u64::from(self.byte() % 16),
        }
    }

    fn bytes(&mut self, max: usize) -> Bytes {
        let len = (usize::from(self.u16()) % (max + 1)).min(self.data.len());
        let (head, rest) = self.data.split_at(len);
        self.data = rest;
        Bytes::copy_from_slice(head)
    }

    fn is_empty(&self) -> bool {
        self.data.is_empty()
    }
}

fn config(local: &str, remote: &str, inp: &mut Input<'_>) -> Config {
    let mut c = Config::new(local, remote);
    let flags = inp.byte();
    c.mode(match flags % 3 {
        0 => SessionMode::Require,
        1 => SessionMode::Allow,
        _ => SessionMode::Forbid,
    })
    .max_record_size(if flags & 4 != 0 {
        512 + u32::from(inp.u16() % 2048)
    } else {
        0
    })
    .max_retransmit_tries(i32::from(inp.byte() % 12) - 1)
    .session_expiration(Duration::from_millis(u64::from(inp.u16())))
    .max_receive_buffer_bytes(RECV_LIMIT)
    .max_send_queue_bytes(SEND_LIMIT)
    .max_in_flight_records(8)
    .max_reorder_records(16)
    .ack_delay(Duration::from_millis(u64::from(inp.byte())))
    .rng_seed(u64::from(inp.byte()));
    c
}

fn crafted(inp: &mut Input<'_>) -> pb::Record {
    let sc = pb::SessionContextRecord {
        session_id: inp.u64_small(),
        sequence_id: inp.u64_small(),
        expected_id: inp.u64_small(),
        retransmit_id: if inp.byte() % 4 == 0 {
            inp.u64_small()
        } else {
            0
        },
        payload_sar_state: i32::from(inp.byte() % 5),
        payloadrec_sar_state: i32::from(inp.byte() % 5),
        payload: (0..inp.byte() % 4).map(|_| inp.bytes(2048)).collect(),
    };
    let kind = inp.byte();
    pb::Record {
        version: "1.4".into(),
        to_id: if kind & 0x80 != 0 {
            "proto::other".into()
        } else {
            A.into()
        },
        from_id: B.into(),
        payload_security: i32::from(kind & 0x40 != 0),
        mac_signature: Bytes::new(),
        sender_cert: Bytes::new(),
        record_type: match kind % 5 {
            0 => Some(RecordType::NoSessionContext(pb::NoSessionContextRecord {
                payload: inp.bytes(256),
            })),
            1 => Some(RecordType::Disconnect(pb::DisconnectRecord {
                reason: "x".into(),
                reason_code: 7105,
            })),
            2 => None,
            _ => Some(RecordType::SessionContext(sc)),
        },
    }
}

fn check(s: &Session) {
    assert!(
        s.receive_buffered_bytes() <= RECV_LIMIT,
        "receive buffer over its limit"
    );
    assert!(
        s.send_queue_bytes() <= SEND_LIMIT,
        "send queue over its limit"
    );
    assert!(
        s.unacknowledged_records() <= 16,
        "outgoing buffer over the window"
    );
    assert!(
        s.reorder_buffered_records() < 16,
        "reorder buffer over the window"
    );
}

/// Drains transmits onto `link` and events; returns the number of payloads delivered.
fn drain(s: &mut Session, link: &mut VecDeque<Bytes>) -> usize {
    let max = s.config().get_max_record_size() as usize;
    // Each poll either pops a queued Record or consumes window/flags, so this terminates; the bound is a guard.
    for _ in 0..10_000 {
        let Some(rec) = s.poll_transmit() else { break };
        let wire = Bytes::from(rec.encode_to_vec());
        if max != 0 && matches!(rec.record_type, Some(RecordType::SessionContext(_))) {
            assert!(
                wire.len() <= max,
                "Record of {} bytes exceeds MaxUSPRecordSize {max}",
                wire.len()
            );
        }
        if link.len() < 256 {
            link.push_back(wire);
        }
    }
    let mut payloads = 0;
    for _ in 0..10_000 {
        match s.poll_event() {
            None => break,
            Some(Event::Payload(_)) => payloads += 1,
            Some(_) => {}
        }
    }
    check(s);
    payloads
}

/// Drives two sessions (A, B) and a crafted-Record stream from `data`. Panics only on a broken invariant.
///
/// Layout: two configuration blocks, then operations, each an opcode byte plus arguments: send on A or B,
/// deliver/drop/duplicate/reorder the head of a link direction, inject a crafted Record into A (any session
/// id, sequence numbers near 0 or near `u64::MAX`, any SAR states, payloads, wrong `to_id`, TLS12, other
/// record types), advance time, fire timers, reset/close.
pub fn e2e_session(data: &[u8]) {
    let _ = run(data);
}

/// The body of [`e2e_session`]; returns how many payloads each side received.
fn run(data: &[u8]) -> (usize, usize) {
    let mut received = (0, 0);
    let mut inp = Input { data };
    let ca = config(A, B, &mut inp);
    let cb = config(B, A, &mut inp);
    let mut now = Instant::ZERO;
    let (Ok(mut a), Ok(mut b)) = (Session::new(ca, now), Session::new(cb, now)) else {
        return received;
    };
    let mut a_to_b: VecDeque<Bytes> = VecDeque::new();
    let mut b_to_a: VecDeque<Bytes> = VecDeque::new();
    for _ in 0..MAX_OPS {
        if inp.is_empty() {
            break;
        }
        match inp.byte() % 12 {
            0 => {
                let p = inp.bytes(8192);
                let _ = a.send(now, p);
            }
            1 => {
                let p = inp.bytes(8192);
                let _ = b.send(now, p);
            }
            2 => {
                if let Some(w) = a_to_b.pop_front() {
                    if let Ok(r) = pb::Record::decode(w) {
                        let _ = b.handle_record(now, r);
                    }
                }
            }
            3 => {
                if let Some(w) = b_to_a.pop_front() {
                    if let Ok(r) = pb::Record::decode(w) {
                        let _ = a.handle_record(now, r);
                    }
                }
            }
            4 => {
                // Loss.
                if inp.byte() % 2 == 0 {
                    a_to_b.pop_front();
                } else {
                    b_to_a.pop_front();
                }
            }
            5 => {
                // Duplication.
                if let Some(w) = a_to_b.front().cloned() {
                    a_to_b.push_back(w);
                }
            }
            6 => {
                // Reordering.
                let n = usize::from(inp.byte());
                if !b_to_a.is_empty() {
                    b_to_a.rotate_left(n % b_to_a.len());
                }
                if !a_to_b.is_empty() {
                    a_to_b.rotate_left(n % a_to_b.len());
                }
            }
            7 | 8 => {
                let r = crafted(&mut inp);
                let _ = a.handle_record(now, r);
            }
            9 => {
                now = now + Duration::from_millis(u64::from(inp.u16()) * 16);
            }
            10 => {
                if let Some(t) = [a.poll_timeout(), b.poll_timeout()]
                    .into_iter()
                    .flatten()
                    .min()
                {
                    now = now.max(t);
                }
                a.handle_timeout(now);
                b.handle_timeout(now);
            }
            _ => match inp.byte() % 3 {
                0 => a.reset(now),
                1 => b.close_session(now),
                _ => {
                    let r = crafted(&mut inp);
                    let mut wire = r.encode_to_vec();
                    let i = usize::from(inp.u16());
                    let at = i % wire.len().max(1);
                    if let Some(byte) = wire.get_mut(at) {
                        *byte ^= inp.byte() | 1;
                    }
                    if let Ok(r) = pb::Record::decode(Bytes::from(wire)) {
                        let _ = a.handle_record(now, r);
                    }
                }
            },
        }
        received.0 += drain(&mut a, &mut a_to_b);
        received.1 += drain(&mut b, &mut b_to_a);
    }
    received
}

#[cfg(test)]
mod tests {
    use super::{e2e_session, run};
    use alloc::vec::Vec;

    #[test]
    fn fixed_inputs_do_not_panic() {
        e2e_session(&[]);
        e2e_session(&[0; 64]);
        e2e_session(&[0xff; 300]);
        e2e_session(
            b"\x00\x00\x00\x00\x00\x00\x04\x00\x00\x00\x00\x00\x00\x00\x10\x00hello\x02\x03\x0a",
        );
        // A deterministic pseudo-random corpus.
        let mut x: u64 = 0x1234_5678;
        for len in [16usize, 100, 1000, 5000] {
            for _ in 0..8 {
                let data: Vec<u8> = (0..len)
                    .map(|_| {
                        x ^= x << 13;
                        x ^= x >> 7;
                        x ^= x << 17;
                        x as u8
                    })
                    .collect();
                e2e_session(&data);
            }
        }
    }

    #[test]
    fn scripted_exchange_delivers() {
        // Config A and B: Require, MaxUSPRecordSize 512, MaxRetransmitTries 10, no expiry, no ack delay; then
        // A sends 2000 bytes and the link delivers both ways.
        let mut data = Vec::new();
        for seed in [7, 8] {
            data.extend_from_slice(&[0x06, 0x00, 0x00, 0x0b, 0, 0, 0, seed]);
        }
        data.push(0);
        data.extend_from_slice(&2000u16.to_le_bytes());
        data.extend(core::iter::repeat_n(0xAB, 2000));
        for _ in 0..40 {
            data.extend_from_slice(&[2, 3]);
        }
        assert_eq!(run(&data), (0, 1));
        e2e_session(&data);
    }
}

#[cfg(test)]
mod stress {
    #[test]
    #[ignore = "long stress run"]
    fn stress_random_inputs() {
        let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
        for i in 0..200_000u32 {
            let len = 8 + (i as usize * 7919) % 3000;
            let data: alloc::vec::Vec<u8> = (0..len)
                .map(|_| {
                    x ^= x << 13;
                    x ^= x >> 7;
                    x ^= x << 17;
                    (x >> 24) as u8
                })
                .collect();
            super::e2e_session(&data);
        }
    }
}
