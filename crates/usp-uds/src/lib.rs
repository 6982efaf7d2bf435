//! The USP Unix Domain Socket MTP (TR-369 "UNIX Domain Socket Binding"), without the socket.
//!
//! A UDS Frame is a header — the sync bytes `_USP` and a 4-byte big-endian length of the rest —
//! followed by one or more TLVs (1-byte type, 4-byte big-endian length, value). Type 1 carries
//! a Handshake (the sender's Endpoint ID), type 2 an Error text, type 3 a USP Record; other
//! types are ignored (R-UDS.6–R-UDS.15).
//!
//! * [`Frame`] and [`encode_frame`] build frames; [`FrameDecoder`] takes bytes as they arrive
//!   from `read()` — in any split — and yields complete frames, rejecting an oversized length
//!   before it allocates.
//! * [`Connection`] is the per-socket protocol as a sans-IO state machine: the handshake
//!   (R-UDS.16–R-UDS.21), Record delivery (R-UDS.22), and the error and close rules
//!   (R-UDS.23–R-UDS.25), with time passed in.
//!
//! # No I/O
//! This crate never touches a socket or a clock: feed it bytes with
//! [`Connection::handle_bytes`], write what [`Connection::poll_transmit`] returns, handle what
//! [`Connection::poll_event`] returns, and call [`Connection::handle_timeout`] at
//! [`Connection::poll_timeout`]. `no_std` + `alloc`.
//!
//! # Example
//! ```
//! use usp_uds::{Connection, Event, Role};
//!
//! let mut client = Connection::new(Role::Client, "proto::controller", 0);
//! let mut server = Connection::new(Role::Server, "proto::agent", 0);
//! // Shuttle bytes both ways until both are quiet.
//! let pump = |from: &mut Connection, to: &mut Connection| {
//!     while let Some(bytes) = from.poll_transmit() {
//!         to.handle_bytes(0, &bytes);
//!     }
//! };
//! pump(&mut client, &mut server);
//! pump(&mut server, &mut client);
//! assert_eq!(server.poll_event(), Some(Event::Connected { peer: "proto::controller".into() }));
//! assert_eq!(client.poll_event(), Some(Event::Connected { peer: "proto::agent".into() }));
//!
//! client.send_record(bytes::Bytes::from_static(b"encoded USP Record"))?;
//! pump(&mut client, &mut server);
//! assert_eq!(server.poll_event(), Some(Event::Record(bytes::Bytes::from_static(b"encoded USP Record"))));
//! # Ok::<(), usp_uds::UdsError>(())
//! ```
#![no_std]
#![forbid(unsafe_code)]
#![cfg_attr(
    not(test),
    warn(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::panic,
        clippy::indexing_slicing
    )
)]
extern crate alloc;
#[cfg(feature = "std")]
extern crate std;

mod connection;
mod frame;

pub use connection::{
    CloseReason, Connection, Event, HANDSHAKE_TIMEOUT_MS, Role, reconnect_delay_ms,
};
pub use frame::{
    DEFAULT_MAX_FRAME_LEN, Frame, FrameDecoder, HEADER_LEN, SYNC, TLV_ERROR, TLV_HANDSHAKE,
    TLV_HEADER_LEN, TLV_RECORD, Tlv, UdsError, encode_frame,
};
