//! Frame encoding and incremental decoding (R-UDS.6–R-UDS.15).

use alloc::vec::Vec;

use bytes::{Buf, BufMut, Bytes, BytesMut};

/// The synchronization bytes that start every Frame: `_USP` (R-UDS.8).
pub const SYNC: [u8; 4] = *b"_USP";
/// Header size: sync + 4-byte length (R-UDS.7, R-UDS.9).
pub const HEADER_LEN: usize = 8;
/// TLV header size: 1-byte type + 4-byte length (R-UDS.10, R-UDS.11).
pub const TLV_HEADER_LEN: usize = 5;
/// TLV type of a Handshake (R-UDS.12).
pub const TLV_HANDSHAKE: u8 = 1;
/// TLV type of an Error (R-UDS.13).
pub const TLV_ERROR: u8 = 2;
/// TLV type of a USP Record (R-UDS.14).
pub const TLV_RECORD: u8 = 3;
/// Default for the largest Frame body a [`FrameDecoder`] accepts: 16 MiB.
pub const DEFAULT_MAX_FRAME_LEN: u32 = 16 * 1024 * 1024;

/// Why bytes are not a valid Frame. Each of these means: send an Error frame and close
/// (R-UDS.24).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum UdsError {
    /// The first four bytes of a frame are not `_USP` (R-UDS.8).
    #[error("bad frame sync bytes {found:02x?} at stream offset {offset} (expected \"_USP\")")]
    BadSync {
        /// The bytes found.
        found: [u8; 4],
        /// Offset of the frame in the byte stream.
        offset: u64,
    },
    /// The header announces a body larger than the configured maximum (checked before any
    /// allocation).
    #[error("frame length {len} exceeds the maximum of {max}")]
    FrameTooLarge {
        /// Announced length.
        len: u32,
        /// Configured maximum.
        max: u32,
    },
    /// The frame has no TLV (R-UDS.6).
    #[error("frame has no TLV field")]
    NoTlv,
    /// The frame body ends inside a TLV header (fewer than [`TLV_HEADER_LEN`] bytes left).
    #[error(
        "TLV header at frame offset {offset} needs {TLV_HEADER_LEN} bytes but only {available} remain"
    )]
    TruncatedTlvHeader {
        /// Offset of the TLV inside the frame body.
        offset: usize,
        /// Bytes left in the frame (1 to 4).
        available: usize,
    },
    /// A TLV's length runs past the end of the frame.
    #[error("TLV at frame offset {offset} announces {len} bytes but only {available} remain")]
    TlvOverrun {
        /// Offset of the TLV inside the frame body.
        offset: usize,
        /// Announced length.
        len: u32,
        /// Bytes left in the frame.
        available: usize,
    },
    /// A Handshake or Error value is not UTF-8.
    #[error("TLV type {tlv_type} value is not UTF-8")]
    NotUtf8 {
        /// The TLV type.
        tlv_type: u8,
    },
    /// A Handshake carries an empty Endpoint ID (R-UDS.21).
    #[error("handshake carries an empty Endpoint ID")]
    EmptyEndpointId,
    /// [`FrameDecoder::push`] was given more bytes than it may buffer: at most
    /// [`FrameDecoder::space`], i.e. one maximum-size frame with its header in total.
    #[error(
        "{len} more bytes would exceed the decoder's buffer limit of {max} ({buffered} buffered)"
    )]
    BufferFull {
        /// Bytes offered.
        len: usize,
        /// Bytes already buffered.
        buffered: usize,
        /// The limit: the maximum frame body plus [`HEADER_LEN`].
        max: usize,
    },
    /// A value is too large to be framed (over 4 GiB).
    #[error("value of {len} bytes is too large for a frame")]
    ValueTooLarge {
        /// Its size.
        len: usize,
    },
    /// The connection is not in a state that allows this (e.g. sending a Record before the
    /// handshake, or after close).
    #[error("not allowed in the current connection state: {0}")]
    InvalidState(&'static str),
}

/// One TLV field of a frame.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Tlv {
    /// The type byte (1 Handshake, 2 Error, 3 USP Record; others are ignored by receivers).
    pub tlv_type: u8,
    /// The value (a slice of the decoder's buffer, not a copy).
    pub value: Bytes,
}

impl Tlv {
    /// A TLV of any type.
    pub fn new(tlv_type: u8, value: impl Into<Bytes>) -> Self {
        Self {
            tlv_type,
            value: value.into(),
        }
    }
}

/// A decoded or to-be-encoded Frame: one or more TLVs.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct Frame {
    /// The TLVs in wire order.
    pub tlvs: Vec<Tlv>,
}

impl Frame {
    /// A frame with one Handshake TLV carrying our Endpoint ID (R-UDS.16, R-UDS.17).
    pub fn handshake(endpoint_id: &str) -> Self {
        Self::single(
            TLV_HANDSHAKE,
            Bytes::copy_from_slice(endpoint_id.as_bytes()),
        )
    }

    /// A frame with one Error TLV (R-UDS.13).
    pub fn error(text: &str) -> Self {
        Self::single(TLV_ERROR, Bytes::copy_from_slice(text.as_bytes()))
    }

    /// A frame with one USP Record TLV (R-UDS.22).
    pub fn record(record: Bytes) -> Self {
        Self::single(TLV_RECORD, record)
    }

    fn single(tlv_type: u8, value: Bytes) -> Self {
        Self {
            tlvs: alloc::vec![Tlv { tlv_type, value }],
        }
    }

    /// The encoded frame.
    ///
    /// # Errors
    /// [`UdsError::NoTlv`] for an empty frame, [`UdsError::ValueTooLarge`] past 4 GiB.
    pub fn encode(&self) -> Result<Bytes, UdsError> {
        encode_frame(&self.tlvs)
    }

    /// The first TLV of `tlv_type`, if any.
    pub fn find(&self, tlv_type: u8) -> Option<&Bytes> {
        self.tlvs
            .iter()
            .find(|t| t.tlv_type == tlv_type)
            .map(|t| &t.value)
    }
}

/// Encodes TLVs into one frame.
///
/// ```
/// use usp_uds::{Frame, encode_frame, Tlv};
/// let bytes = Frame::handshake("os::00256D-0123456789").encode()?;
/// assert_eq!(&bytes[..4], b"_USP");
/// assert_eq!(&bytes[4..8], &[0, 0, 0, 26]); // 5-byte TLV header + 21-byte Endpoint ID
/// assert_eq!(bytes[8], 1);
/// assert_eq!(&bytes[9..13], &[0, 0, 0, 21]);
/// assert_eq!(&bytes[13..], b"os::00256D-0123456789");
/// # Ok::<(), usp_uds::UdsError>(())
/// ```
///
/// # Errors
/// [`UdsError::NoTlv`] for no TLV (R-UDS.6), [`UdsError::ValueTooLarge`] past 4 GiB.
pub fn encode_frame(tlvs: &[Tlv]) -> Result<Bytes, UdsError> {
    if tlvs.is_empty() {
        return Err(UdsError::NoTlv);
    }
    let body: usize = tlvs.iter().map(|t| TLV_HEADER_LEN + t.value.len()).sum();
    let body_len = u32::try_from(body).map_err(|_| UdsError::ValueTooLarge { len: body })?;
    let mut buf = BytesMut::with_capacity(HEADER_LEN + body);
    buf.put_slice(&SYNC);
    buf.put_u32(body_len);
    for t in tlvs {
        buf.put_u8(t.tlv_type);
        // Each value is shorter than the whole body, which fits in u32.
        buf.put_u32(t.value.len() as u32);
        buf.put_slice(&t.value);
    }
    Ok(buf.freeze())
}

/// Incremental frame decoder: push bytes as they are read, pull complete frames.
///
/// Memory is bounded: a header announcing more than the configured maximum is rejected
/// before its body is buffered, and [`FrameDecoder::push`] refuses to buffer more than one
/// maximum-size frame with its header ([`FrameDecoder::space`] says how much it accepts now).
/// Pull every complete frame with [`FrameDecoder::next_frame`] before pushing more;
/// [`crate::Connection::handle_bytes`] does this for input of any size.
///
/// ```
/// use usp_uds::{Frame, FrameDecoder};
/// let wire = Frame::error("bad handshake").encode()?;
/// let mut dec = FrameDecoder::new();
/// // Any split works: here one byte at a time.
/// let mut frames = Vec::new();
/// for b in wire.iter() {
///     dec.push(&[*b])?;
///     while let Some(f) = dec.next_frame()? {
///         frames.push(f);
///     }
/// }
/// assert_eq!(frames, vec![Frame::error("bad handshake")]);
/// # Ok::<(), usp_uds::UdsError>(())
/// ```
#[derive(Debug)]
pub struct FrameDecoder {
    buf: BytesMut,
    max_frame_len: u32,
    /// Stream offset of `buf[0]`.
    offset: u64,
    failed: bool,
}

impl Default for FrameDecoder {
    fn default() -> Self {
        Self::new()
    }
}

impl FrameDecoder {
    /// A decoder with the default maximum frame length ([`DEFAULT_MAX_FRAME_LEN`]).
    pub fn new() -> Self {
        Self::with_max_frame_len(DEFAULT_MAX_FRAME_LEN)
    }

    /// A decoder that rejects frame bodies longer than `max` bytes.
    pub fn with_max_frame_len(max: u32) -> Self {
        Self {
            buf: BytesMut::new(),
            max_frame_len: max,
            offset: 0,
            failed: false,
        }
    }

    /// The largest number of bytes buffered at once: the maximum frame body plus [`HEADER_LEN`].
    pub fn max_buffered(&self) -> usize {
        usize::try_from(self.max_frame_len)
            .unwrap_or(usize::MAX)
            .saturating_add(HEADER_LEN)
    }

    /// How many bytes [`FrameDecoder::push`] accepts now.
    pub fn space(&self) -> usize {
        self.max_buffered().saturating_sub(self.buf.len())
    }

    /// Appends bytes read from the socket.
    ///
    /// # Errors
    /// [`UdsError::BufferFull`] if `data` is longer than [`FrameDecoder::space`]; nothing is
    /// appended, and the decoder stays usable (pull frames, then push the rest in pieces).
    /// [`UdsError::InvalidState`] after a framing error: the decoder takes no more input (the
    /// connection must be closed, R-UDS.24).
    pub fn push(&mut self, data: &[u8]) -> Result<(), UdsError> {
        if self.failed {
            return Err(UdsError::InvalidState("decoder failed earlier"));
        }
        if data.len() > self.space() {
            return Err(UdsError::BufferFull {
                len: data.len(),
                buffered: self.buf.len(),
                max: self.max_buffered(),
            });
        }
        self.buf.extend_from_slice(data);
        Ok(())
    }

    /// Bytes buffered and not yet returned as a frame.
    pub fn buffered(&self) -> usize {
        self.buf.len()
    }

    /// The next complete frame, `Ok(None)` if more bytes are needed.
    ///
    /// # Errors
    /// A [`UdsError`] when the stream is not valid framing; it is sticky: every later call
    /// returns the same error.
    pub fn next_frame(&mut self) -> Result<Option<Frame>, UdsError> {
        match self.try_next() {
            Err(e) => {
                self.failed = true;
                self.buf.clear();
                Err(e)
            }
            ok => ok,
        }
    }

    fn try_next(&mut self) -> Result<Option<Frame>, UdsError> {
        if self.failed {
            return Err(UdsError::InvalidState("decoder failed earlier"));
        }
        let Some(header) = self.buf.get(..HEADER_LEN) else {
            // Check the sync bytes we do have, to fail fast on garbage.
            let have = self.buf.len().min(SYNC.len());
            if self.buf.get(..have) != SYNC.get(..have) {
                let mut found = [0u8; 4];
                for (d, s) in found.iter_mut().zip(self.buf.iter()) {
                    *d = *s;
                }
                return Err(UdsError::BadSync {
                    found,
                    offset: self.offset,
                });
            }
            return Ok(None);
        };
        let mut h = header;
        let mut sync = [0u8; 4];
        h.copy_to_slice(&mut sync);
        if sync != SYNC {
            return Err(UdsError::BadSync {
                found: sync,
                offset: self.offset,
            });
        }
        let len = h.get_u32();
        if len > self.max_frame_len {
            return Err(UdsError::FrameTooLarge {
                len,
                max: self.max_frame_len,
            });
        }
        let total = HEADER_LEN + len as usize;
        if self.buf.len() < total {
            self.buf.reserve(total - self.buf.len());
            return Ok(None);
        }
        let mut frame = self.buf.split_to(total).freeze();
        self.offset += total as u64;
        frame.advance(HEADER_LEN);
        parse_body(frame).map(Some)
    }
}

fn parse_body(mut body: Bytes) -> Result<Frame, UdsError> {
    let total = body.len();
    let mut tlvs = Vec::new();
    while body.has_remaining() {
        let offset = total - body.len();
        if body.len() < TLV_HEADER_LEN {
            return Err(UdsError::TruncatedTlvHeader {
                offset,
                available: body.len(),
            });
        }
        let tlv_type = body.get_u8();
        let len = body.get_u32();
        if len as usize > body.len() {
            return Err(UdsError::TlvOverrun {
                offset,
                len,
                available: body.len(),
            });
        }
        let value = body.split_to(len as usize);
        tlvs.push(Tlv { tlv_type, value });
    }
    if tlvs.is_empty() {
        return Err(UdsError::NoTlv);
    }
    Ok(Frame { tlvs })
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec;

    /// The spec's handshake frame example for `os::00256D-0123456789` (R-UDS.6–R-UDS.12).
    #[test]
    fn r_uds_12_spec_handshake_frame_round_trips() {
        let want: Vec<u8> = [
            &[0x5f, 0x55, 0x53, 0x50, 0, 0, 0, 0x1a, 0x01, 0, 0, 0, 0x15][..],
            b"os::00256D-0123456789",
        ]
        .concat();
        let wire = Frame::handshake("os::00256D-0123456789").encode().unwrap();
        assert_eq!(wire.as_ref(), want.as_slice());
        let mut d = FrameDecoder::new();
        d.push(&wire).unwrap();
        let f = d.next_frame().unwrap().unwrap();
        assert_eq!(
            f.find(TLV_HANDSHAKE).unwrap().as_ref(),
            b"os::00256D-0123456789"
        );
        assert_eq!(d.next_frame(), Ok(None));
    }

    #[test]
    fn partial_reads_yield_only_complete_frames() {
        let a = Frame::record(Bytes::from_static(b"rec-1"))
            .encode()
            .unwrap();
        let b = Frame::error("oops").encode().unwrap();
        let stream = [a.as_ref(), b.as_ref()].concat();
        for split in 0..stream.len() {
            let mut d = FrameDecoder::new();
            let mut got = vec![];
            for chunk in [&stream[..split], &stream[split..]] {
                d.push(chunk).unwrap();
                while let Some(f) = d.next_frame().unwrap() {
                    got.push(f);
                }
            }
            assert_eq!(
                got,
                vec![
                    Frame::record(Bytes::from_static(b"rec-1")),
                    Frame::error("oops")
                ]
            );
            assert_eq!(d.buffered(), 0);
        }
    }

    #[test]
    fn oversized_length_rejected_before_allocating() {
        let mut d = FrameDecoder::with_max_frame_len(1024);
        d.push(&[0x5f, 0x55, 0x53, 0x50, 0xff, 0xff, 0xff, 0xff])
            .unwrap();
        assert_eq!(
            d.next_frame(),
            Err(UdsError::FrameTooLarge {
                len: u32::MAX,
                max: 1024
            })
        );
        assert!(d.buf.capacity() < 1024);
    }

    #[test]
    fn push_is_bounded_by_one_maximum_frame() {
        let mut d = FrameDecoder::with_max_frame_len(16);
        assert_eq!((d.max_buffered(), d.space()), (24, 24));
        // A header announcing 16 bytes, then 15 of them: 23 buffered, 1 free.
        d.push(&[0x5f, 0x55, 0x53, 0x50, 0, 0, 0, 16]).unwrap();
        d.push(&[3, 0, 0, 0, 11]).unwrap();
        d.push(&[b'x'; 10]).unwrap();
        assert_eq!(d.next_frame(), Ok(None));
        assert_eq!(d.space(), 1);
        assert_eq!(
            d.push(b"x_"),
            Err(UdsError::BufferFull {
                len: 2,
                buffered: 23,
                max: 24
            })
        );
        // Refused input is not appended and the decoder goes on.
        assert_eq!(d.buffered(), 23);
        d.push(b"x").unwrap();
        let f = d.next_frame().unwrap().unwrap();
        assert_eq!(f.find(TLV_RECORD).unwrap().as_ref(), &[b'x'; 11]);
        assert_eq!(d.space(), 24);
        // A stream of valid-looking but never-complete bytes cannot grow the buffer.
        let mut d = FrameDecoder::with_max_frame_len(1024);
        d.push(&[0x5f, 0x55, 0x53, 0x50, 0, 0, 4, 0]).unwrap();
        let mut pushed = 8;
        while d.push(&[0u8; 100]).is_ok() {
            pushed += 100;
            assert_eq!(d.next_frame(), Ok(None));
        }
        assert_eq!(pushed, 1008);
        assert!(d.buffered() <= d.max_buffered());
    }

    #[test]
    fn r_uds_8_bad_sync_is_an_error_even_before_a_full_header() {
        let mut d = FrameDecoder::new();
        d.push(b"_US").unwrap();
        assert_eq!(d.next_frame(), Ok(None));
        let mut d = FrameDecoder::new();
        d.push(b"GET").unwrap();
        assert!(matches!(
            d.next_frame(),
            Err(UdsError::BadSync { offset: 0, .. })
        ));
        // sticky
        assert_eq!(
            d.push(&Frame::error("x").encode().unwrap()),
            Err(UdsError::InvalidState("decoder failed earlier"))
        );
        assert!(d.next_frame().is_err());
    }

    #[test]
    fn r_uds_15_unknown_tlv_types_are_kept_for_the_caller_to_skip() {
        let wire =
            encode_frame(&[Tlv::new(9, &b"zz"[..]), Tlv::new(TLV_RECORD, &b"r"[..])]).unwrap();
        let mut d = FrameDecoder::new();
        d.push(&wire).unwrap();
        let f = d.next_frame().unwrap().unwrap();
        assert_eq!(f.tlvs.len(), 2);
        assert_eq!(f.find(TLV_RECORD).unwrap().as_ref(), b"r");
    }

    #[test]
    fn r_uds_6_frames_need_a_tlv_and_tlvs_must_fit() {
        assert_eq!(encode_frame(&[]), Err(UdsError::NoTlv));
        let mut d = FrameDecoder::new();
        d.push(&[0x5f, 0x55, 0x53, 0x50, 0, 0, 0, 0]).unwrap();
        assert_eq!(d.next_frame(), Err(UdsError::NoTlv));
        let mut d = FrameDecoder::new();
        d.push(&[0x5f, 0x55, 0x53, 0x50, 0, 0, 0, 6, 3, 0, 0, 0, 9, b'x'])
            .unwrap();
        assert_eq!(
            d.next_frame(),
            Err(UdsError::TlvOverrun {
                offset: 0,
                len: 9,
                available: 1
            })
        );
        let mut d = FrameDecoder::new();
        d.push(&[0x5f, 0x55, 0x53, 0x50, 0, 0, 0, 3, 3, 0, 0])
            .unwrap();
        assert_eq!(
            d.next_frame(),
            Err(UdsError::TruncatedTlvHeader {
                offset: 0,
                available: 3
            })
        );
        // A short header after a complete TLV: the offset is where it starts.
        let mut d = FrameDecoder::new();
        d.push(&[0x5f, 0x55, 0x53, 0x50, 0, 0, 0, 7, 3, 0, 0, 0, 1, b'r', 9])
            .unwrap();
        assert_eq!(
            d.next_frame(),
            Err(UdsError::TruncatedTlvHeader {
                offset: 6,
                available: 1
            })
        );
    }

    proptest::proptest! {
        #[test]
        fn arbitrary_input_never_panics(data in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..200), cut in 0usize..200) {
            let mut d = FrameDecoder::with_max_frame_len(4096);
            let cut = cut.min(data.len());
            let _ = d.push(&data[..cut]);
            while let Ok(Some(_)) = d.next_frame() {}
            let _ = d.push(&data[cut..]);
            while let Ok(Some(_)) = d.next_frame() {}
            proptest::prop_assert!(d.buffered() <= d.max_buffered());
        }

        #[test]
        fn encode_decode_round_trip(tlvs in proptest::collection::vec((0u8..5, proptest::collection::vec(proptest::prelude::any::<u8>(), 0..50)), 1..5)) {
            let tlvs: Vec<Tlv> = tlvs.into_iter().map(|(t, v)| Tlv::new(t, v)).collect();
            let wire = encode_frame(&tlvs).unwrap();
            let mut d = FrameDecoder::new();
            d.push(&wire).unwrap();
            proptest::prop_assert_eq!(d.next_frame().unwrap(), Some(Frame { tlvs }));
        }
    }
}
