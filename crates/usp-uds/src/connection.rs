//! The per-socket UDS MTP protocol as a sans-IO state machine (R-UDS.5, R-UDS.15–R-UDS.25).

use alloc::collections::VecDeque;
use alloc::string::String;

use bytes::Bytes;

use crate::frame::{Frame, FrameDecoder, TLV_ERROR, TLV_HANDSHAKE, TLV_RECORD, UdsError};

/// How long a client waits for the server's Handshake, in milliseconds (R-UDS.18).
pub const HANDSHAKE_TIMEOUT_MS: u64 = 30_000;

/// Which end of the socket we are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[allow(clippy::exhaustive_enums)]
pub enum Role {
    /// We connected: we send the Handshake first (R-UDS.16).
    Client,
    /// We accepted: we answer the client's Handshake (R-UDS.17).
    Server,
}

/// What the connection tells its owner.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Event {
    /// The handshake completed; `peer` is the Endpoint ID the peer announced.
    Connected {
        /// The peer's Endpoint ID.
        peer: String,
    },
    /// A USP Record arrived (R-UDS.22). Decode it with usp-record; if it cannot be extracted,
    /// call [`Connection::reject_record`] (R-UDS.23).
    Record(Bytes),
    /// The connection is over: flush [`Connection::poll_transmit`], then close the socket.
    /// A client reconnects after [`reconnect_delay_ms`] (R-UDS.5).
    Closed {
        /// Why.
        reason: CloseReason,
    },
}

/// Why a [`Connection`] closed ([`Event::Closed`]). `Display` gives the text also sent in our
/// Error frame, when we send one.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum CloseReason {
    /// The peer's bytes are not valid framing (R-UDS.24); an Error frame was sent.
    Frame(UdsError),
    /// The peer's Handshake could not be processed (R-UDS.21): [`UdsError::NotUtf8`] or
    /// [`UdsError::EmptyEndpointId`]; an Error frame was sent.
    Handshake(UdsError),
    /// The owner rejected a received Record with [`Connection::reject_record`] (R-UDS.23),
    /// giving this text; an Error frame was sent.
    RecordRejected(String),
    /// The peer sent an Error frame with this text (R-UDS.25; invalid UTF-8 replaced).
    PeerError(String),
    /// A client got no Handshake from the server within [`HANDSHAKE_TIMEOUT_MS`] (R-UDS.18).
    HandshakeTimeout,
    /// [`Connection::close`] was called with this text.
    Local(String),
}

impl CloseReason {
    /// The framing or handshake error behind this close, if it is one.
    pub fn error(&self) -> Option<&UdsError> {
        match self {
            Self::Frame(e) | Self::Handshake(e) => Some(e),
            _ => None,
        }
    }
}

impl core::fmt::Display for CloseReason {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            Self::Frame(e) => write!(f, "cannot parse frame: {e}"),
            Self::Handshake(e) => write!(f, "cannot process handshake: {e}"),
            Self::RecordRejected(why) => write!(f, "cannot extract USP Record: {why}"),
            Self::PeerError(text) => write!(f, "peer sent error: {text}"),
            Self::HandshakeTimeout => f.write_str("no handshake from the server within 30 s"),
            Self::Local(why) => f.write_str(why),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    AwaitingHandshake,
    Connected,
    Closed,
}

/// One UDS MTP connection, without the socket.
///
/// Loop: after every `handle_*` / `send_record`, drain [`Self::poll_transmit`] to the socket and
/// [`Self::poll_event`] to your logic, then re-arm your timer from [`Self::poll_timeout`].
#[derive(Debug)]
pub struct Connection {
    role: Role,
    local_id: String,
    peer_id: Option<String>,
    state: State,
    decoder: FrameDecoder,
    transmits: VecDeque<Bytes>,
    events: VecDeque<Event>,
    handshake_deadline: Option<u64>,
}

impl Connection {
    /// A new connection for `local_id` (our Endpoint ID) at time `now` (ms). A client queues its
    /// Handshake at once and starts the 30 s handshake timer (R-UDS.16, R-UDS.18).
    pub fn new(role: Role, local_id: &str, now: u64) -> Self {
        let mut c = Self {
            role,
            local_id: String::from(local_id),
            peer_id: None,
            state: State::AwaitingHandshake,
            decoder: FrameDecoder::new(),
            transmits: VecDeque::new(),
            events: VecDeque::new(),
            handshake_deadline: None,
        };
        if role == Role::Client {
            c.queue(&Frame::handshake(local_id));
            c.handshake_deadline = Some(now.saturating_add(HANDSHAKE_TIMEOUT_MS));
        }
        c
    }

    /// Uses `decoder` (e.g. with a different frame size limit) instead of the default one.
    #[must_use]
    pub fn with_decoder(mut self, decoder: FrameDecoder) -> Self {
        self.decoder = decoder;
        self
    }

    /// Our role.
    pub fn role(&self) -> Role {
        self.role
    }

    /// The peer's Endpoint ID once the handshake is done.
    pub fn peer_id(&self) -> Option<&str> {
        self.peer_id.as_deref()
    }

    /// Whether the handshake has completed and the connection is open.
    pub fn is_connected(&self) -> bool {
        self.state == State::Connected
    }

    /// Whether the connection is over.
    pub fn is_closed(&self) -> bool {
        self.state == State::Closed
    }

    /// Feeds bytes read from the socket (any split, any size). The decoder buffers at most one
    /// maximum-size frame: `data` is taken in pieces, complete frames being handled in between.
    pub fn handle_bytes(&mut self, _now: u64, data: &[u8]) {
        let mut rest = data;
        while self.state != State::Closed {
            let n = rest.len().min(self.decoder.space());
            let (now, later) = rest.split_at(n);
            if let Err(e) = self.decoder.push(now) {
                return self.fail(CloseReason::Frame(e));
            }
            rest = later;
            loop {
                match self.decoder.next_frame() {
                    Ok(Some(frame)) => self.handle_frame(frame),
                    Ok(None) => break,
                    Err(e) => {
                        // R-UDS.24: unparsable frame -> Error frame, then close.
                        return self.fail(CloseReason::Frame(e));
                    }
                }
                if self.state == State::Closed {
                    return;
                }
            }
            if rest.is_empty() {
                return;
            }
            if self.decoder.space() == 0 {
                // Cannot happen: a full buffer holds a complete frame or a framing error.
                let e = UdsError::BufferFull {
                    len: rest.len(),
                    buffered: self.decoder.buffered(),
                    max: self.decoder.max_buffered(),
                };
                return self.fail(CloseReason::Frame(e));
            }
        }
    }

    fn handle_frame(&mut self, frame: Frame) {
        if let Some(text) = frame.find(TLV_ERROR) {
            // R-UDS.25: an Error frame closes the connection.
            let text = String::from_utf8_lossy(text).into_owned();
            self.close_with(CloseReason::PeerError(text));
            return;
        }
        for tlv in frame.tlvs {
            match tlv.tlv_type {
                TLV_HANDSHAKE => self.handle_handshake(&tlv.value),
                // R-UDS.20: Records before the handshake are ignored.
                TLV_RECORD if self.state == State::Connected => {
                    if tlv.value.is_empty() {
                        self.reject_record("empty USP Record TLV");
                    } else {
                        self.events.push_back(Event::Record(tlv.value));
                    }
                }
                // R-UDS.15: unknown TLV types are ignored.
                _ => {}
            }
            if self.state == State::Closed {
                return;
            }
        }
    }

    fn handle_handshake(&mut self, value: &Bytes) {
        if self.state == State::Connected {
            // R-UDS.19: an unexpected Handshake is ignored.
            return;
        }
        // R-UDS.21: a Handshake we cannot process -> Error frame (and close).
        let peer = match core::str::from_utf8(value) {
            Ok("") => return self.fail(CloseReason::Handshake(UdsError::EmptyEndpointId)),
            Ok(s) => String::from(s),
            Err(_) => {
                return self.fail(CloseReason::Handshake(UdsError::NotUtf8 {
                    tlv_type: TLV_HANDSHAKE,
                }));
            }
        };
        if self.role == Role::Server {
            let local = self.local_id.clone();
            self.queue(&Frame::handshake(&local));
        }
        self.handshake_deadline = None;
        self.state = State::Connected;
        self.peer_id = Some(peer.clone());
        self.events.push_back(Event::Connected { peer });
    }

    /// Queues a USP Record for the peer (R-UDS.22).
    ///
    /// # Errors
    /// [`UdsError::InvalidState`] before the handshake completes or after close;
    /// [`UdsError::ValueTooLarge`] past 4 GiB.
    pub fn send_record(&mut self, record: Bytes) -> Result<(), UdsError> {
        match self.state {
            State::Connected => {
                let bytes = Frame::record(record).encode()?;
                self.transmits.push_back(bytes);
                Ok(())
            }
            State::AwaitingHandshake => Err(UdsError::InvalidState("handshake not complete")),
            State::Closed => Err(UdsError::InvalidState("connection closed")),
        }
    }

    /// Reports that a received Record could not be extracted (not a protobuf USP Record):
    /// queues an Error frame and closes (R-UDS.23).
    pub fn reject_record(&mut self, why: &str) {
        self.fail(CloseReason::RecordRejected(String::from(why)));
    }

    /// Closes locally without an Error frame ([`CloseReason::Local`]).
    pub fn close(&mut self, reason: String) {
        self.close_with(CloseReason::Local(reason));
    }

    fn close_with(&mut self, reason: CloseReason) {
        if self.state != State::Closed {
            self.state = State::Closed;
            self.handshake_deadline = None;
            self.events.push_back(Event::Closed { reason });
        }
    }

    /// Sends an Error frame with the reason's text, then closes.
    fn fail(&mut self, reason: CloseReason) {
        if self.state != State::Closed {
            self.queue(&Frame::error(&alloc::format!("{reason}")));
            self.close_with(reason);
        }
    }

    fn queue(&mut self, frame: &Frame) {
        // Frames built here always have one small TLV, so encoding cannot fail.
        if let Ok(bytes) = frame.encode() {
            self.transmits.push_back(bytes);
        }
    }

    /// Call when the time from [`Self::poll_timeout`] has come; a client without the server's
    /// Handshake closes (R-UDS.18). Spurious calls do nothing.
    pub fn handle_timeout(&mut self, now: u64) {
        if self.handshake_deadline.is_some_and(|d| now >= d) {
            self.close_with(CloseReason::HandshakeTimeout);
        }
    }

    /// Bytes to write to the socket, in order.
    #[must_use]
    pub fn poll_transmit(&mut self) -> Option<Bytes> {
        self.transmits.pop_front()
    }

    /// The next event for the owner.
    #[must_use]
    pub fn poll_event(&mut self) -> Option<Event> {
        self.events.pop_front()
    }

    /// When [`Self::handle_timeout`] must next be called, if ever.
    #[must_use]
    pub fn poll_timeout(&self) -> Option<u64> {
        self.handshake_deadline
    }
}

/// The wait before a client reconnects, uniformly in 1–5 s (R-UDS.5), from a random number
/// the caller supplies (this crate has no RNG).
///
/// ```
/// assert_eq!(usp_uds::reconnect_delay_ms(0), 1000);
/// assert!((1000..=5000).contains(&usp_uds::reconnect_delay_ms(u64::MAX)));
/// ```
pub fn reconnect_delay_ms(random: u64) -> u64 {
    1000 + random % 4001
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::frame::{FrameDecoder, Tlv, encode_frame};
    use alloc::string::ToString;
    use alloc::vec::Vec;

    fn drain(c: &mut Connection) -> Vec<Bytes> {
        core::iter::from_fn(|| c.poll_transmit()).collect()
    }

    fn events(c: &mut Connection) -> Vec<Event> {
        core::iter::from_fn(|| c.poll_event()).collect()
    }

    fn connected_pair() -> (Connection, Connection) {
        let mut client = Connection::new(Role::Client, "proto::c", 0);
        let mut server = Connection::new(Role::Server, "proto::s", 0);
        for b in drain(&mut client) {
            server.handle_bytes(1, &b);
        }
        for b in drain(&mut server) {
            client.handle_bytes(2, &b);
        }
        assert!(client.is_connected() && server.is_connected());
        events(&mut client);
        events(&mut server);
        (client, server)
    }

    #[test]
    fn r_uds_16_r_uds_17_handshake_exchange() {
        let mut client = Connection::new(Role::Client, "proto::c", 0);
        let hs = drain(&mut client);
        assert_eq!(hs, [Frame::handshake("proto::c").encode().unwrap()]);
        let mut server = Connection::new(Role::Server, "proto::s", 0);
        assert!(
            drain(&mut server).is_empty(),
            "the server waits for the client"
        );
        server.handle_bytes(1, &hs[0]);
        assert_eq!(
            drain(&mut server),
            [Frame::handshake("proto::s").encode().unwrap()]
        );
        assert_eq!(
            events(&mut server),
            [Event::Connected {
                peer: "proto::c".into()
            }]
        );
        assert_eq!(server.peer_id(), Some("proto::c"));
    }

    #[test]
    fn r_uds_18_client_gives_up_after_30_s() {
        let mut client = Connection::new(Role::Client, "proto::c", 1_000);
        assert_eq!(client.poll_timeout(), Some(31_000));
        client.handle_timeout(30_999);
        assert!(!client.is_closed());
        client.handle_timeout(31_000);
        assert!(client.is_closed());
        assert_eq!(
            events(&mut client),
            [Event::Closed {
                reason: CloseReason::HandshakeTimeout
            }]
        );
        assert_eq!(client.poll_timeout(), None);
    }

    #[test]
    fn r_uds_19_unexpected_handshake_is_ignored() {
        let (mut client, _) = connected_pair();
        client.handle_bytes(3, &Frame::handshake("proto::other").encode().unwrap());
        assert!(client.is_connected());
        assert_eq!(client.peer_id(), Some("proto::s"));
        assert!(events(&mut client).is_empty());
        assert!(drain(&mut client).is_empty());
    }

    #[test]
    fn r_uds_20_records_before_handshake_are_ignored() {
        let mut server = Connection::new(Role::Server, "proto::s", 0);
        server.handle_bytes(
            0,
            &Frame::record(Bytes::from_static(b"r")).encode().unwrap(),
        );
        assert!(events(&mut server).is_empty());
        assert!(!server.is_closed());
        assert!(server.send_record(Bytes::from_static(b"x")).is_err());
    }

    #[test]
    fn r_uds_21_bad_handshake_gets_an_error_frame() {
        let mut server = Connection::new(Role::Server, "proto::s", 0);
        server.handle_bytes(
            0,
            &encode_frame(&[Tlv::new(TLV_HANDSHAKE, &[0xff, 0xfe][..])]).unwrap(),
        );
        let out = drain(&mut server);
        assert_eq!(out.len(), 1);
        assert_eq!(out[0][8], TLV_ERROR);
        assert!(server.is_closed());
        let bad = UdsError::NotUtf8 {
            tlv_type: TLV_HANDSHAKE,
        };
        assert_eq!(
            events(&mut server),
            [Event::Closed {
                reason: CloseReason::Handshake(bad.clone())
            }]
        );
        // The Error frame carries the same text.
        let mut d = FrameDecoder::new();
        d.push(&out[0]).unwrap();
        let text = d.next_frame().unwrap().unwrap();
        let want = CloseReason::Handshake(bad).to_string();
        assert_eq!(text.find(TLV_ERROR).unwrap().as_ref(), want.as_bytes());
        // An empty Endpoint ID is refused the same way.
        let mut server = Connection::new(Role::Server, "proto::s", 0);
        server.handle_bytes(0, &Frame::handshake("").encode().unwrap());
        assert_eq!(
            events(&mut server),
            [Event::Closed {
                reason: CloseReason::Handshake(UdsError::EmptyEndpointId)
            }]
        );
        assert_eq!(drain(&mut server).len(), 1);
    }

    #[test]
    fn r_uds_22_records_flow_both_ways() {
        let (mut client, mut server) = connected_pair();
        client
            .send_record(Bytes::from_static(b"to-server"))
            .unwrap();
        server
            .send_record(Bytes::from_static(b"to-client"))
            .unwrap();
        for b in drain(&mut client) {
            server.handle_bytes(5, &b);
        }
        for b in drain(&mut server) {
            client.handle_bytes(5, &b);
        }
        assert_eq!(
            events(&mut server),
            [Event::Record(Bytes::from_static(b"to-server"))]
        );
        assert_eq!(
            events(&mut client),
            [Event::Record(Bytes::from_static(b"to-client"))]
        );
    }

    #[test]
    fn r_uds_23_unextractable_record_sends_error_and_closes() {
        let (_, mut server) = connected_pair();
        server.handle_bytes(
            5,
            &Frame::record(Bytes::from_static(b"not protobuf"))
                .encode()
                .unwrap(),
        );
        assert!(matches!(events(&mut server).as_slice(), [Event::Record(_)]));
        server.reject_record("not a USP Record");
        let out = drain(&mut server);
        assert_eq!(out.len(), 1);
        assert_eq!(out[0][8], TLV_ERROR);
        assert!(server.is_closed());
        assert_eq!(
            events(&mut server),
            [Event::Closed {
                reason: CloseReason::RecordRejected("not a USP Record".into())
            }]
        );
    }

    #[test]
    fn r_uds_24_unparsable_frame_sends_error_and_closes() {
        let (mut client, _) = connected_pair();
        client.handle_bytes(5, b"HTTP/1.1 200 OK\r\n");
        let out = drain(&mut client);
        assert_eq!(out.len(), 1);
        assert_eq!(out[0][8], TLV_ERROR);
        assert!(client.is_closed());
        match events(&mut client).as_slice() {
            [Event::Closed { reason }] => {
                // The stream offset counts the server's Handshake frame (21 bytes).
                assert_eq!(
                    reason.error(),
                    Some(&UdsError::BadSync {
                        found: *b"HTTP",
                        offset: 21
                    })
                );
            }
            other => panic!("{other:?}"),
        }
        // nothing more happens after close
        client.handle_bytes(
            6,
            &Frame::record(Bytes::from_static(b"r")).encode().unwrap(),
        );
        assert!(drain(&mut client).is_empty());
    }

    #[test]
    fn r_uds_25_error_frame_closes() {
        let (mut client, _) = connected_pair();
        client.handle_bytes(5, &Frame::error("go away").encode().unwrap());
        assert!(client.is_closed());
        assert!(
            drain(&mut client).is_empty(),
            "no error is sent back for an error"
        );
        assert_eq!(
            events(&mut client),
            [Event::Closed {
                reason: CloseReason::PeerError("go away".into())
            }]
        );
    }

    /// One read holding more bytes than the decoder may buffer is taken in pieces.
    #[test]
    fn large_reads_are_fed_in_pieces() {
        let (mut client, server) = connected_pair();
        let mut server = server.with_decoder(FrameDecoder::with_max_frame_len(64));
        let mut wire = Vec::new();
        for i in 0..100u8 {
            client.send_record(Bytes::from(alloc::vec![i; 50])).unwrap();
        }
        for b in drain(&mut client) {
            wire.extend_from_slice(&b);
        }
        assert!(wire.len() > 5000);
        server.handle_bytes(5, &wire);
        let got = events(&mut server);
        assert_eq!(got.len(), 100);
        assert_eq!(got[99], Event::Record(Bytes::from(alloc::vec![99u8; 50])));
        assert!(server.is_connected());
        // A frame above the limit closes with the typed error.
        client
            .send_record(Bytes::from(alloc::vec![0u8; 65]))
            .unwrap();
        for b in drain(&mut client) {
            server.handle_bytes(6, &b);
        }
        assert_eq!(
            events(&mut server),
            [Event::Closed {
                reason: CloseReason::Frame(UdsError::FrameTooLarge { len: 70, max: 64 })
            }]
        );
    }

    #[test]
    fn r_uds_5_reconnect_delay_is_1_to_5_s() {
        for r in [0, 1, 4000, 4001, 12345, u64::MAX] {
            assert!((1000..=5000).contains(&reconnect_delay_ms(r)));
        }
        assert_eq!(reconnect_delay_ms(4000), 5000);
    }
}
