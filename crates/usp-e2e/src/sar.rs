//! Segmentation and reassembly (the "SAR function algorithm" of TR-369, REQUIREMENTS §4.2); the
//! algorithm is described in the crate README.
//!
//! # Sender
//! A message is a list of payload records (PLAINTEXT: one, the Msg; TLS12: the TLS records). Records are cut
//! lazily, one USP Record at a time, when the session transmits, so every header field (sequence_id,
//! expected_id, retransmit_id) is known and the size is computed exactly:
//! * everything fits in one USP Record → one Record holding all payload records, both states NONE;
//! * otherwise `payload_sar_state` is BEGIN, INPROCESS…, COMPLETE over the Records of the message, and each
//!   Record carries either exactly one whole payload record (`payloadrec_sar_state` NONE) or one piece of one
//!   (BEGIN, INPROCESS…, COMPLETE over its pieces). For PLAINTEXT both states are thus equal on every Record.
//!
//! Pieces are `Bytes::slice`s of the caller's payload: segmenting never copies.
//!
//! # Receiver
//! Records are fed in sequence order. After BEGIN, payload entries are collected until a Record has
//! `payload_sar_state` COMPLETE and no payload record is left open (not the literal "both states COMPLETE",
//! which the originating algorithm's own case 6 never sends; see the README's "Completion rule and
//! interoperability"); pieces are joined by `payloadrec_sar_state`.
//! A payload record that arrives whole (the normal single-Record case) is passed on without copying. The bytes
//! held are bounded by the configured budget (each entry charged 32 bytes extra, so empty entries
//! cannot grow memory without bound).

use alloc::collections::VecDeque;
use alloc::vec::Vec;

use bytes::Bytes;
use usp_record::pb::session_context_record::PayloadSarState;

use crate::error::SarError;
use crate::security::concat;

/// Bytes charged per buffered payload entry on top of its length.
pub(crate) const ENTRY_OVERHEAD: usize = 32;

const NONE: i32 = PayloadSarState::None as i32;
const BEGIN: i32 = PayloadSarState::Begin as i32;
const INPROCESS: i32 = PayloadSarState::Inprocess as i32;
const COMPLETE: i32 = PayloadSarState::Complete as i32;

/// Encoded size of one `repeated bytes payload = 7` entry of `len` bytes.
pub(crate) fn entry_cost(len: usize) -> usize {
    1 + prost::length_delimiter_len(len) + len
}

/// Size arithmetic for one outgoing Record.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Fit {
    /// `Record::encoded_len()` without `record_type`, plus the reserved mac_signature field.
    pub(crate) record_hdr: usize,
    /// `SessionContextRecord::encoded_len()` with no payload and both SAR states NONE.
    pub(crate) sc_hdr: usize,
    /// MaxUSPRecordSize, or `usize::MAX` when segmentation is off.
    pub(crate) max: usize,
}

impl Fit {
    /// Encoded Record size with `state_bytes` of SAR state fields and payload entries costing `entries`.
    pub(crate) fn total(&self, state_bytes: usize, entries: usize) -> usize {
        let sc = self
            .sc_hdr
            .saturating_add(state_bytes)
            .saturating_add(entries);
        // record_type tag (field 8, one byte) + length prefix + message.
        self.record_hdr
            .saturating_add(1 + prost::length_delimiter_len(sc))
            .saturating_add(sc)
    }

    fn fits(&self, state_bytes: usize, entries: usize) -> bool {
        self.max == usize::MAX || self.total(state_bytes, entries) <= self.max
    }

    /// Largest `n` such that one entry of `n` bytes fits with both SAR states set (4 bytes), or `None`.
    pub(crate) fn max_chunk(&self) -> Option<usize> {
        if self.max == usize::MAX {
            return Some(usize::MAX);
        }
        let fixed = self.total(4, 0);
        let mut n = self.max.checked_sub(fixed)?;
        // entry_cost(n) - n and the outer length prefix grow by at most ~20 bytes; this loop runs a few times.
        while n > 0 && !self.fits(4, entry_cost(n)) {
            n = n.saturating_sub(1 + (self.total(4, entry_cost(n)).saturating_sub(self.max)) / 2);
        }
        (n > 0).then_some(n)
    }
}

/// One outgoing message being cut into Records.
#[derive(Debug)]
pub(crate) struct OutMsg {
    /// The caller's payload (reported back as `Unacknowledged` if a restart interrupts it).
    pub(crate) original: Bytes,
    /// Bytes charged to the send queue.
    pub(crate) charge: usize,
    parts: VecDeque<Bytes>,
    offset: usize,
    pub(crate) started: bool,
}

/// What goes into one Record.
#[derive(Debug)]
pub(crate) struct Segment {
    pub(crate) entries: Vec<Bytes>,
    pub(crate) payload_sar_state: i32,
    pub(crate) payloadrec_sar_state: i32,
    /// This Record ends the message.
    pub(crate) last: bool,
}

impl OutMsg {
    pub(crate) fn new(original: Bytes, mut parts: Vec<Bytes>, charge: usize) -> Self {
        if parts.is_empty() {
            parts.push(Bytes::new());
        }
        Self {
            original,
            charge,
            parts: parts.into(),
            offset: 0,
            started: false,
        }
    }

    /// Cuts the next Record. `None` only if `fit` cannot hold a single payload byte (checked at `send` time).
    pub(crate) fn take(&mut self, fit: &Fit) -> Option<Segment> {
        let first = !self.started;
        if first {
            let all: usize = self.parts.iter().map(|p| entry_cost(p.len())).sum();
            if fit.fits(0, all) {
                self.started = true;
                return Some(Segment {
                    entries: self.parts.drain(..).collect(),
                    payload_sar_state: NONE,
                    payloadrec_sar_state: NONE,
                    last: true,
                });
            }
        }
        let part = self.parts.front()?;
        let (entry, prs) = if self.offset == 0 && fit.fits(2, entry_cost(part.len())) {
            let whole = self.parts.pop_front()?;
            (whole, NONE)
        } else {
            let n = fit.max_chunk()?;
            let remaining = part.len().saturating_sub(self.offset);
            if remaining <= n {
                let piece = part.slice(self.offset..);
                self.parts.pop_front();
                self.offset = 0;
                (piece, COMPLETE)
            } else {
                let piece = part.slice(self.offset..self.offset + n);
                let prs = if self.offset == 0 { BEGIN } else { INPROCESS };
                self.offset += n;
                (piece, prs)
            }
        };
        self.started = true;
        let last = self.parts.is_empty();
        let payload_sar_state = match (first, last) {
            (true, _) => BEGIN,
            (false, true) => COMPLETE,
            (false, false) => INPROCESS,
        };
        Some(Segment {
            entries: alloc::vec![entry],
            payload_sar_state,
            payloadrec_sar_state: prs,
            last,
        })
    }

    #[cfg(test)]
    pub(crate) fn is_done(&self) -> bool {
        self.started && self.parts.is_empty()
    }
}

/// Receive-side reassembly state for one session.
#[derive(Debug, Default)]
pub(crate) struct Reassembler {
    in_message: bool,
    done: Vec<Bytes>,
    pieces: Option<Vec<Bytes>>,
    held: usize,
}

impl Reassembler {
    /// Bytes currently charged.
    pub(crate) const fn held(&self) -> usize {
        self.held
    }

    /// Feeds the payload of the in-order Record `seq`. Returns the payload records of a completed message.
    ///
    /// `budget` is what the reassembly may hold in total (the caller subtracts the out-of-order buffer).
    pub(crate) fn push(
        &mut self,
        seq: u64,
        ps: i32,
        prs: i32,
        entries: Vec<Bytes>,
        budget: usize,
    ) -> Result<Option<Vec<Bytes>>, SarError> {
        for v in [ps, prs] {
            if !(NONE..=COMPLETE).contains(&v) {
                return Err(SarError::UnknownState {
                    sequence_id: seq,
                    value: v,
                });
            }
        }
        let bad = |reason| SarError::UnexpectedState {
            sequence_id: seq,
            payload: ps,
            payloadrec: prs,
            reason,
        };
        if ps == NONE {
            if self.in_message {
                return Err(bad("NONE inside a segmented message"));
            }
            if prs != NONE {
                return Err(bad("payloadrec_sar_state set on an unsegmented Record"));
            }
            return Ok(Some(entries));
        }
        match (ps, self.in_message) {
            (BEGIN, true) => return Err(bad("BEGIN inside a segmented message")),
            (INPROCESS | COMPLETE, false) => return Err(bad("INPROCESS/COMPLETE without BEGIN")),
            _ => {}
        }
        let add: usize = entries.iter().map(|e| e.len() + ENTRY_OVERHEAD).sum();
        let needed = self.held.saturating_add(add);
        if needed > budget {
            return Err(SarError::TooLarge {
                limit: budget,
                needed,
            });
        }
        self.in_message = true;
        self.held = needed;
        let mut it = entries.into_iter();
        match prs {
            NONE => {
                if self.pieces.is_some() {
                    return Err(bad("whole payload record while one is open"));
                }
                self.done.extend(it);
            }
            BEGIN => {
                if self.pieces.is_some() {
                    return Err(bad("payload record BEGIN while one is open"));
                }
                let last = it.next_back();
                self.done.extend(it);
                self.pieces = Some(last.into_iter().collect());
            }
            INPROCESS => {
                let Some(pieces) = self.pieces.as_mut() else {
                    return Err(bad("payload record INPROCESS without BEGIN"));
                };
                let Some(piece) = it.next() else {
                    return Err(bad("INPROCESS Record without payload"));
                };
                if it.next().is_some() {
                    return Err(bad("INPROCESS Record with several payload entries"));
                }
                pieces.push(piece);
            }
            _ => {
                let Some(mut pieces) = self.pieces.take() else {
                    return Err(bad("payload record COMPLETE without BEGIN"));
                };
                pieces.extend(it.next());
                self.done.push(if pieces.len() == 1 {
                    pieces.pop().unwrap_or_default()
                } else {
                    concat(&pieces)
                });
                self.done.extend(it);
            }
        }
        if ps == COMPLETE {
            if self.pieces.is_some() {
                return Err(bad("message COMPLETE while a payload record is open"));
            }
            let out = core::mem::take(&mut self.done);
            self.in_message = false;
            self.held = 0;
            return Ok(Some(out));
        }
        Ok(None)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec;

    fn fit(max: usize) -> Fit {
        Fit {
            record_hdr: 40,
            sc_hdr: 10,
            max,
        }
    }

    #[test]
    fn single_record_when_it_fits() {
        let f = fit(512);
        let mut m = OutMsg::new(Bytes::new(), vec![Bytes::from(vec![1u8; 100])], 0);
        let s = m.take(&f).unwrap();
        assert_eq!(
            (s.payload_sar_state, s.payloadrec_sar_state, s.last),
            (NONE, NONE, true)
        );
        assert!(m.is_done());
        assert!(m.take(&f).is_none());
    }

    #[test]
    fn plaintext_states_match() {
        let f = fit(512);
        let data = Bytes::from((0..5000u32).map(|i| i as u8).collect::<Vec<_>>());
        let mut m = OutMsg::new(data.clone(), vec![data.clone()], 0);
        let mut r = Reassembler::default();
        let mut seq = 0;
        let mut out = None;
        while let Some(s) = m.take(&f) {
            seq += 1;
            assert_eq!(s.payload_sar_state, s.payloadrec_sar_state);
            let size = f.total(4, s.entries.iter().map(|e| entry_cost(e.len())).sum());
            assert!(size <= 512, "{size}");
            out = r
                .push(
                    seq,
                    s.payload_sar_state,
                    s.payloadrec_sar_state,
                    s.entries,
                    1 << 20,
                )
                .unwrap();
        }
        assert_eq!(out.unwrap(), vec![data]);
        assert_eq!(r.held(), 0);
    }

    #[test]
    fn reassembler_rejects_bad_sequences() {
        let mut r = Reassembler::default();
        let e = || vec![Bytes::from_static(b"x")];
        assert!(r.push(1, INPROCESS, INPROCESS, e(), 100).is_err());
        let mut r = Reassembler::default();
        assert!(r.push(1, BEGIN, BEGIN, e(), 1000).unwrap().is_none());
        assert!(r.push(2, BEGIN, BEGIN, e(), 1000).is_err());
        let mut r = Reassembler::default();
        assert!(r.push(1, 9, 0, e(), 1000).is_err());
        let mut r = Reassembler::default();
        assert!(matches!(
            r.push(1, BEGIN, BEGIN, vec![Bytes::from(vec![0; 100])], 50),
            Err(SarError::TooLarge { .. })
        ));
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig { cases: 64, ..Default::default() })]

        /// Any list of payload records, any limit: the Records stay within it, the states follow the SAR
        /// algorithm, and reassembly returns the same payload records with their boundaries.
        #[test]
        fn segment_then_reassemble_keeps_payload_records(
            sizes in proptest::collection::vec(0usize..3000, 1..6),
            max in 200usize..4096,
        ) {
            let f = fit(max);
            let parts: Vec<Bytes> = sizes
                .iter()
                .enumerate()
                .map(|(i, n)| Bytes::from(vec![i as u8; *n]))
                .collect();
            let mut m = OutMsg::new(Bytes::new(), parts.clone(), 0);
            let mut r = Reassembler::default();
            let mut out = None;
            let mut records = 0u64;
            while let Some(seg) = m.take(&f) {
                records += 1;
                let states = if seg.payload_sar_state == NONE { 0 } else { 2 }
                    + if seg.payloadrec_sar_state == NONE { 0 } else { 2 };
                let size = f.total(states, seg.entries.iter().map(|e| entry_cost(e.len())).sum());
                proptest::prop_assert!(size <= max, "{} > {}", size, max);
                if seg.payload_sar_state == NONE {
                    proptest::prop_assert_eq!(seg.payloadrec_sar_state, NONE);
                } else {
                    proptest::prop_assert_eq!(seg.entries.len(), 1);
                }
                if parts.len() == 1 && seg.payload_sar_state != NONE {
                    // PLAINTEXT / one TLS record: both states equal on every Record.
                    proptest::prop_assert_eq!(seg.payload_sar_state, seg.payloadrec_sar_state);
                }
                out = r
                    .push(records, seg.payload_sar_state, seg.payloadrec_sar_state, seg.entries, usize::MAX)
                    .unwrap();
                proptest::prop_assert!(records < 100_000);
            }
            proptest::prop_assert!(m.is_done());
            proptest::prop_assert_eq!(out.unwrap(), parts);
            proptest::prop_assert_eq!(r.held(), 0);
        }
    }
}
