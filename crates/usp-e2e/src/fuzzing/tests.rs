//! Fixed inputs through the fuzz body (STYLE §7): byte seeds through `arbitrary::Unstructured`, and scripted
//! scenarios that must actually deliver (so the harness can fail).

use alloc::vec;
use alloc::vec::Vec;

use super::*;

fn xorshift_bytes(x: &mut u64, len: usize) -> Vec<u8> {
    (0..len)
        .map(|_| {
            *x ^= *x << 13;
            *x ^= *x >> 7;
            *x ^= *x << 17;
            (*x >> 24) as u8
        })
        .collect()
}

fn endpoint(integrity: IntegrityChoice, security: SecurityChoice, protected: bool) -> Endpoint {
    Endpoint {
        mode: Mode::Require,
        max_record_size: Some(0),
        max_retransmit_tries: 11,
        session_expiration_ms: 0,
        ack_delay_ms: 0,
        retransmit_timeout_ms: 100,
        seed: 7,
        mtp_protected: protected,
        integrity,
        security,
    }
}

const TLS: SecurityChoice = SecurityChoice::Tls {
    record: 99,
    handshake: true,
    mac_method: true,
};

/// A sends `len` bytes, then the link delivers both ways `rounds` times.
fn exchange(len: u16, rounds: usize) -> Vec<Op> {
    let mut ops = vec![Op::Send {
        on_b: false,
        len,
        fill: 0xAB,
    }];
    for _ in 0..rounds {
        ops.push(Op::Deliver { to_a: false });
        ops.push(Op::Deliver { to_a: true });
    }
    ops
}

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
    let mut decoded = 0;
    for len in [16usize, 100, 1000, 5000] {
        for _ in 0..8 {
            let data = xorshift_bytes(&mut x, len);
            decoded += usize::from(summarize(&data).is_some());
        }
    }
    // Structured decoding accepts (almost) any bytes, so the corpus really runs scenarios.
    assert!(decoded >= 24, "{decoded}");
}

#[test]
fn scripted_plaintext_exchange_delivers() {
    let s = Scenario {
        a: endpoint(IntegrityChoice::TrustMtp, SecurityChoice::Plaintext, true),
        b: endpoint(IntegrityChoice::TrustMtp, SecurityChoice::Plaintext, true),
        ops: exchange(2000, 40),
    };
    let sum = run(s);
    assert_eq!(sum.delivered, (0, 1));
    assert!(sum.segmented_records >= 4, "{sum:?}");
    assert_eq!(sum.restarts, 0);
}

#[test]
fn scripted_tls_exchange_with_mac_integrity_delivers() {
    // Unprotected MTP: every Record is MACed (the drain asserts it), with the exported keys by TLS role, and
    // the message travels as several payload records.
    let e = endpoint(IntegrityChoice::Mac { cert: true }, TLS, false);
    let sum = run(Scenario {
        a: e.clone(),
        b: e,
        ops: exchange(3000, 60),
    });
    assert_eq!(sum.delivered, (0, 1), "{sum:?}");
    assert_eq!(sum.integrity_failures, 0);
    assert!(sum.segmented_records >= 4, "{sum:?}");
}

#[test]
fn scripted_unsegmented_tls_packs_several_payload_records() {
    let mut e = endpoint(IntegrityChoice::Mac { cert: false }, TLS, false);
    e.max_record_size = None;
    let sum = run(Scenario {
        a: e.clone(),
        b: e,
        ops: exchange(1000, 10),
    });
    assert_eq!(sum.delivered, (0, 1), "{sum:?}");
    assert!(sum.multi_entry_records >= 1, "{sum:?}");
}

#[test]
fn tampered_record_fails_integrity_on_unprotected_mtp() {
    let e = endpoint(
        IntegrityChoice::Mac { cert: false },
        SecurityChoice::Plaintext,
        false,
    );
    let mut ops = vec![Op::Send {
        on_b: false,
        len: 10,
        fill: 1,
    }];
    ops.push(Op::Tamper {
        to_a: false,
        field: Tamper::SequenceId(Num::Above(3)),
    });
    ops.push(Op::Deliver { to_a: false });
    let sum = run(Scenario {
        a: e.clone(),
        b: e,
        ops,
    });
    assert_eq!(sum.integrity_failures, 1, "{sum:?}");
    assert_eq!(sum.delivered, (0, 0));
}

#[test]
fn crafted_records_with_valid_mac_reach_the_session() {
    // A crafted peer start (session_id 2+5, sequence 1) with a valid toy signature is adopted and its payload
    // delivered; the same Record without mac_signature is dropped on an unprotected MTP.
    let e = endpoint(
        IntegrityChoice::Mac { cert: false },
        SecurityChoice::Plaintext,
        false,
    );
    let record = |mac| Crafted {
        to: Addr::Expected,
        from: Addr::Expected,
        version: Version::V14,
        payload_security: 0,
        mac,
        sender_cert: None,
        body: Body::Session(Sc {
            session_id: Num::Above(5),
            sequence_id: Num::Small(1),
            expected_id: Num::Small(1),
            retransmit_id: Num::Small(0),
            payload_sar_state: Sar::None,
            payloadrec_sar_state: Sar::None,
            payload: vec![b"hi".to_vec()],
        }),
    };
    let sum = run(Scenario {
        a: e.clone(),
        b: e.clone(),
        ops: vec![Op::Inject {
            to_b: false,
            record: record(MacChoice::Valid { mac_method: false }),
        }],
    });
    assert_eq!(sum.delivered, (1, 0), "{sum:?}");
    let sum = run(Scenario {
        a: e.clone(),
        b: e,
        ops: vec![Op::Inject {
            to_b: false,
            record: record(MacChoice::Absent),
        }],
    });
    assert_eq!((sum.delivered, sum.integrity_failures), ((0, 0), 1));
}

// ---------------------------------------------------------------- seeds: Scenario → bytes

/// Writes the bytes that `arbitrary` 1.5 decodes back into the value (checked by
/// `encoder_round_trips`): integers little endian, `bool` one byte, `Option` a flag byte, enums a `u32`
/// choosing the variant by `(v * count) >> 32`, collections a continuation flag before each element.
trait Put {
    fn put(&self, out: &mut Vec<u8>);
}

fn variant(out: &mut Vec<u8>, index: u64, count: u64) {
    // The smallest v with (v * count) >> 32 == index.
    let v = (index << 32).div_ceil(count);
    out.extend_from_slice(&(v as u32).to_le_bytes());
}

macro_rules! encode_int {
    ($($t:ty),*) => {$(
        impl Put for $t {
            fn put(&self, out: &mut Vec<u8>) {
                out.extend_from_slice(&self.to_le_bytes());
            }
        }
    )*};
}
encode_int!(u8, u16, u32, u64, i32);

impl Put for bool {
    fn put(&self, out: &mut Vec<u8>) {
        out.push(u8::from(*self));
    }
}

impl<T: Put> Put for Option<T> {
    fn put(&self, out: &mut Vec<u8>) {
        self.is_some().put(out);
        if let Some(v) = self {
            v.put(out);
        }
    }
}

impl<T: Put> Put for Vec<T> {
    fn put(&self, out: &mut Vec<u8>) {
        for v in self {
            out.push(1);
            v.put(out);
        }
        out.push(0);
    }
}

/// Encodes an enum variant and its fields.
macro_rules! enc {
    ($out:ident, $i:expr, $n:expr $(, $f:expr)*) => {{
        variant($out, $i, $n);
        $( $f.put($out); )*
    }};
}

impl Put for Scenario {
    fn put(&self, out: &mut Vec<u8>) {
        self.a.put(out);
        self.b.put(out);
        self.ops.put(out);
    }
}

impl Put for Endpoint {
    fn put(&self, out: &mut Vec<u8>) {
        self.mode.put(out);
        self.max_record_size.put(out);
        self.max_retransmit_tries.put(out);
        self.session_expiration_ms.put(out);
        self.ack_delay_ms.put(out);
        self.retransmit_timeout_ms.put(out);
        self.seed.put(out);
        self.mtp_protected.put(out);
        self.integrity.put(out);
        self.security.put(out);
    }
}

impl Put for Mode {
    fn put(&self, out: &mut Vec<u8>) {
        enc!(out, *self as u64, 3);
    }
}

impl Put for IntegrityChoice {
    fn put(&self, out: &mut Vec<u8>) {
        match self {
            Self::TrustMtp => enc!(out, 0, 2),
            Self::Mac { cert } => enc!(out, 1, 2, cert),
        }
    }
}

impl Put for SecurityChoice {
    fn put(&self, out: &mut Vec<u8>) {
        match self {
            Self::Plaintext => enc!(out, 0, 2),
            Self::Tls {
                record,
                handshake,
                mac_method,
            } => enc!(out, 1, 2, record, handshake, mac_method),
        }
    }
}

impl Put for Op {
    fn put(&self, out: &mut Vec<u8>) {
        const N: u64 = 13;
        match self {
            Self::Send { on_b, len, fill } => enc!(out, 0, N, on_b, len, fill),
            Self::SendWithoutSession { on_b, len } => enc!(out, 1, N, on_b, len),
            Self::Deliver { to_a } => enc!(out, 2, N, to_a),
            Self::Lose { to_a } => enc!(out, 3, N, to_a),
            Self::Duplicate { to_a } => enc!(out, 4, N, to_a),
            Self::Reorder { by } => enc!(out, 5, N, by),
            Self::Tamper { to_a, field } => enc!(out, 6, N, to_a, field),
            Self::Inject { to_b, record } => enc!(out, 7, N, to_b, record),
            Self::Corrupt { record, at, xor } => enc!(out, 8, N, record, at, xor),
            Self::Advance { ms } => enc!(out, 9, N, ms),
            Self::Timeout => enc!(out, 10, N),
            Self::Reset { on_b } => enc!(out, 11, N, on_b),
            Self::Close { on_b } => enc!(out, 12, N, on_b),
        }
    }
}

impl Put for Tamper {
    fn put(&self, out: &mut Vec<u8>) {
        const N: u64 = 11;
        match self {
            Self::SessionId(n) => enc!(out, 0, N, n),
            Self::SequenceId(n) => enc!(out, 1, N, n),
            Self::ExpectedId(n) => enc!(out, 2, N, n),
            Self::RetransmitId(n) => enc!(out, 3, N, n),
            Self::PayloadSar(s) => enc!(out, 4, N, s),
            Self::PayloadrecSar(s) => enc!(out, 5, N, s),
            Self::DropEntry => enc!(out, 6, N),
            Self::AddEntry(v) => enc!(out, 7, N, v),
            Self::Mac(m) => enc!(out, 8, N, m),
            Self::PayloadSecurity(v) => enc!(out, 9, N, v),
            Self::Version(v) => enc!(out, 10, N, v),
        }
    }
}

impl Put for Crafted {
    fn put(&self, out: &mut Vec<u8>) {
        self.to.put(out);
        self.from.put(out);
        self.version.put(out);
        self.payload_security.put(out);
        self.mac.put(out);
        self.sender_cert.put(out);
        self.body.put(out);
    }
}

impl Put for Addr {
    fn put(&self, out: &mut Vec<u8>) {
        enc!(out, *self as u64, 4);
    }
}

impl Put for Version {
    fn put(&self, out: &mut Vec<u8>) {
        enc!(out, *self as u64, 4);
    }
}

impl Put for MacChoice {
    fn put(&self, out: &mut Vec<u8>) {
        match self {
            Self::Absent => enc!(out, 0, 3),
            Self::Valid { mac_method } => enc!(out, 1, 3, mac_method),
            Self::Garbage(v) => enc!(out, 2, 3, v),
        }
    }
}

impl Put for Body {
    fn put(&self, out: &mut Vec<u8>) {
        match self {
            Self::Session(sc) => enc!(out, 0, 5, sc),
            Self::NoSession(p) => enc!(out, 1, 5, p),
            Self::Disconnect(code) => enc!(out, 2, 5, code),
            Self::Missing => enc!(out, 3, 5),
            Self::MqttConnect => enc!(out, 4, 5),
        }
    }
}

impl Put for Sc {
    fn put(&self, out: &mut Vec<u8>) {
        self.session_id.put(out);
        self.sequence_id.put(out);
        self.expected_id.put(out);
        self.retransmit_id.put(out);
        self.payload_sar_state.put(out);
        self.payloadrec_sar_state.put(out);
        self.payload.put(out);
    }
}

impl Put for Num {
    fn put(&self, out: &mut Vec<u8>) {
        match self {
            Self::Current => enc!(out, 0, 6),
            Self::Above(k) => enc!(out, 1, 6, k),
            Self::Below(k) => enc!(out, 2, 6, k),
            Self::Small(k) => enc!(out, 3, 6, k),
            Self::NearMax(k) => enc!(out, 4, 6, k),
            Self::Raw(v) => enc!(out, 5, 6, v),
        }
    }
}

impl Put for Sar {
    fn put(&self, out: &mut Vec<u8>) {
        match self {
            Self::None => enc!(out, 0, 5),
            Self::Begin => enc!(out, 1, 5),
            Self::Inprocess => enc!(out, 2, 5),
            Self::Complete => enc!(out, 3, 5),
            Self::Raw(v) => enc!(out, 4, 5, v),
        }
    }
}

fn to_bytes(s: &Scenario) -> Vec<u8> {
    let mut out = Vec::new();
    s.put(&mut out);
    out
}

/// Scenarios for the committed seed corpus (`fuzz/corpus/e2e_session/seed-*`), each exercising one area.
fn seed_scenarios() -> Vec<(&'static str, Scenario)> {
    let plain = endpoint(IntegrityChoice::TrustMtp, SecurityChoice::Plaintext, true);
    let mac_tls = endpoint(IntegrityChoice::Mac { cert: true }, TLS, false);
    let mut unsegmented_tls = endpoint(IntegrityChoice::Mac { cert: false }, TLS, false);
    unsegmented_tls.max_record_size = None;
    let mac_plain = endpoint(
        IntegrityChoice::Mac { cert: false },
        SecurityChoice::Plaintext,
        false,
    );
    let mut lossy = exchange(3000, 3);
    lossy.extend([
        Op::Lose { to_a: false },
        Op::Duplicate { to_a: false },
        Op::Reorder { by: 3 },
        Op::Send {
            on_b: true,
            len: 700,
            fill: 2,
        },
    ]);
    for i in 0..200 {
        if i % 4 == 0 {
            lossy.push(Op::Timeout);
        }
        lossy.extend([Op::Deliver { to_a: false }, Op::Deliver { to_a: true }]);
    }
    let crafted = |sc: Sc, mac| Op::Inject {
        to_b: false,
        record: Crafted {
            to: Addr::Expected,
            from: Addr::Expected,
            version: Version::V14,
            payload_security: 0,
            mac,
            sender_cert: None,
            body: Body::Session(sc),
        },
    };
    let sc = |seq: u8, ps: Sar, prs: Sar, payload: Vec<Vec<u8>>| Sc {
        // A peer start (a new session id with sequence 1), then Records of the adopted session.
        session_id: if seq == 1 {
            Num::Above(3)
        } else {
            Num::Current
        },
        sequence_id: Num::Small(seq),
        expected_id: Num::Small(1),
        retransmit_id: Num::Small(0),
        payload_sar_state: ps,
        payloadrec_sar_state: prs,
        payload,
    };
    let valid = MacChoice::Valid { mac_method: false };
    let mut expiry = plain.clone();
    expiry.session_expiration_ms = 500;
    expiry.max_retransmit_tries = 2;
    let mut expiry_ops = exchange(100, 2);
    expiry_ops.extend([
        Op::Send {
            on_b: false,
            len: 5000,
            fill: 3,
        },
        Op::Lose { to_a: false },
        Op::Advance { ms: 100 },
        Op::Timeout,
        Op::Timeout,
        Op::Reset { on_b: true },
        Op::Close { on_b: false },
    ]);
    expiry_ops.extend(exchange(10, 4));
    vec![
        (
            "seed-plaintext-segmented",
            Scenario {
                a: plain.clone(),
                b: plain,
                ops: exchange(2000, 40),
            },
        ),
        (
            "seed-tls-mac-segmented",
            Scenario {
                a: mac_tls.clone(),
                b: mac_tls.clone(),
                ops: exchange(3000, 60),
            },
        ),
        (
            "seed-tls-multi-entry",
            Scenario {
                a: unsegmented_tls.clone(),
                b: unsegmented_tls,
                ops: exchange(1000, 10),
            },
        ),
        (
            "seed-lossy-both-ways",
            Scenario {
                a: mac_tls.clone(),
                b: mac_tls,
                ops: lossy,
            },
        ),
        (
            "seed-crafted-sar",
            Scenario {
                a: mac_plain.clone(),
                b: mac_plain.clone(),
                ops: vec![
                    crafted(
                        sc(1, Sar::Begin, Sar::Begin, vec![b"ab".to_vec()]),
                        valid.clone(),
                    ),
                    crafted(
                        sc(2, Sar::Inprocess, Sar::Inprocess, vec![b"cd".to_vec()]),
                        valid.clone(),
                    ),
                    crafted(
                        sc(3, Sar::Complete, Sar::Complete, vec![b"ef".to_vec()]),
                        valid.clone(),
                    ),
                    crafted(
                        sc(
                            4,
                            Sar::Begin,
                            Sar::Begin,
                            vec![b"x".to_vec(), b"y".to_vec()],
                        ),
                        valid,
                    ),
                    crafted(
                        sc(5, Sar::Complete, Sar::Complete, vec![b"z".to_vec()]),
                        MacChoice::Garbage(b"bad".to_vec()),
                    ),
                    Op::Deliver { to_a: false },
                ],
            },
        ),
        (
            "seed-expiry-reset-close",
            Scenario {
                a: expiry.clone(),
                b: expiry,
                ops: expiry_ops,
            },
        ),
        (
            "seed-tamper",
            Scenario {
                a: mac_plain.clone(),
                b: mac_plain,
                ops: vec![
                    Op::Send {
                        on_b: false,
                        len: 10,
                        fill: 1,
                    },
                    Op::Tamper {
                        to_a: false,
                        field: Tamper::SequenceId(Num::Above(3)),
                    },
                    Op::Deliver { to_a: false },
                    Op::Timeout,
                    Op::Deliver { to_a: false },
                    Op::Deliver { to_a: true },
                ],
            },
        ),
    ]
}

#[test]
fn encoder_round_trips() {
    for (name, s) in seed_scenarios() {
        let bytes = to_bytes(&s);
        let back = Scenario::arbitrary_take_rest(Unstructured::new(&bytes)).unwrap();
        assert_eq!(back, s, "{name}");
    }
}

#[test]
fn seed_scenarios_do_what_they_are_named_for() {
    let sums: Vec<(&str, Summary)> = seed_scenarios()
        .into_iter()
        .map(|(name, s)| (name, summarize(&to_bytes(&s)).unwrap()))
        .collect();
    let get = |n: &str| sums.iter().find(|(name, _)| *name == n).unwrap().1;
    assert_eq!(get("seed-plaintext-segmented").delivered, (0, 1));
    let s = get("seed-tls-mac-segmented");
    assert_eq!((s.delivered, s.integrity_failures), ((0, 1), 0));
    assert!(s.segmented_records > 0);
    assert!(get("seed-tls-multi-entry").multi_entry_records > 0);
    let s = get("seed-lossy-both-ways");
    assert_eq!(s.delivered, (1, 1), "{s:?}");
    let s = get("seed-crafted-sar");
    assert_eq!(s.delivered, (1, 0), "{s:?}");
    assert_eq!(s.integrity_failures, 1);
    assert!(get("seed-expiry-reset-close").restarts > 0);
    assert_eq!(get("seed-tamper").integrity_failures, 1);
}

/// Prints the seed corpus as hex lines `name hex` (to refresh `fuzz/corpus/e2e_session/`):
/// `cargo test -p usp-e2e --lib print_seeds -- --ignored --nocapture`.
#[test]
#[ignore = "prints the seed corpus"]
fn print_seeds() {
    extern crate std;
    for (name, s) in seed_scenarios() {
        let hex: alloc::string::String = to_bytes(&s)
            .iter()
            .map(|b| alloc::format!("{b:02x}"))
            .collect();
        std::println!("SEED {name} {hex}");
    }
}
