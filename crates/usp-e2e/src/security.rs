//! The payload-security seam (`payload_security` = PLAINTEXT or TLS12).
//!
//! A [`PayloadSecurity`] turns one outgoing USP Message into *payload records* (PLAINTEXT: the Msg itself; TLS12:
//! TLS records) and turns the payload records of one reassembled message back into Messages. The session
//! segments and reassembles payload records without looking inside them, keeping their boundaries
//! (`payloadrec_sar_state`).
//!
//! TLS12 (a later issue) slots in by implementing this trait: it reports [`PayloadSecurity::kind`] = `Tls12`,
//! feeds handshake records through [`PayloadSecurity::poll_handshake`], switches
//! [`PayloadSecurity::integrity_method`] to [`IntegrityMethod::Mac`] once the handshake is done and exposes the
//! exported key material (R-E2E.35–39) through [`PayloadSecurity::keying_material`]. Every method beyond
//! `kind`, `seal` and `open` has a default, so adding TLS12 does not change this API.

use alloc::vec::Vec;

use bytes::{Bytes, BytesMut};
use usp_record::pb::record::PayloadSecurity as PayloadSecurityKind;

use crate::error::SecurityError;
use crate::integrity::IntegrityMethod;

/// Protects USP Message payloads end to end (R-E2E.18/19: one kind per session).
pub trait PayloadSecurity {
    /// The `payload_security` value this layer puts in every Record.
    fn kind(&self) -> PayloadSecurityKind;

    /// Turns one outgoing Message into payload records, appended to `out` (at least one; an empty Vec is sent
    /// as one empty payload record).
    ///
    /// # Errors
    /// [`SecurityError::Seal`] if the Message cannot be protected now.
    fn seal(&mut self, message: Bytes, out: &mut Vec<Bytes>) -> Result<(), SecurityError>;

    /// Turns the payload records of one reassembled message into zero or more Messages, appended to `out`.
    ///
    /// # Errors
    /// [`SecurityError::Open`] (or `Handshake`) if they cannot be decrypted; the session then restarts
    /// (R-E2E.21).
    fn open(&mut self, records: Vec<Bytes>, out: &mut Vec<Bytes>) -> Result<(), SecurityError>;

    /// Which integrity method protects Records right now (R-E2E.30: PLAINTEXT always uses the signature
    /// method; TLS12 uses it until the handshake completes, then the TLS MAC).
    fn integrity_method(&self) -> IntegrityMethod {
        IntegrityMethod::Signature
    }

    /// The 64 bytes of exported keying material for the MAC method (R-E2E.35–37), once available.
    fn keying_material(&self) -> Option<&[u8]> {
        None
    }

    /// Called when a Session Context starts or restarts; `local_is_initiator` tells a TLS layer to act as the
    /// client (the initiator is the TLS client).
    fn session_started(&mut self, local_is_initiator: bool) {
        let _ = local_is_initiator;
    }

    /// A payload record the layer itself wants to send (TLS handshake flights), polled by the session.
    fn poll_handshake(&mut self) -> Option<Bytes> {
        None
    }
}

/// `payload_security = PLAINTEXT`: the payload record is the USP Message itself.
///
/// `open` concatenates the payload records of one message (without copying when there is exactly one, which is
/// the normal case: a PLAINTEXT message is one payload record, possibly split over several USP Records).
///
/// ```
/// use bytes::Bytes;
/// use usp_e2e::{PayloadSecurity, Plaintext};
///
/// let mut p = Plaintext;
/// let mut records = Vec::new();
/// p.seal(Bytes::from_static(b"msg"), &mut records)?;
/// let mut msgs = Vec::new();
/// p.open(records, &mut msgs)?;
/// assert_eq!(msgs, [Bytes::from_static(b"msg")]);
/// # Ok::<(), usp_e2e::SecurityError>(())
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[allow(
    clippy::exhaustive_structs,
    reason = "a stateless unit marker, constructed by name"
)]
pub struct Plaintext;

impl PayloadSecurity for Plaintext {
    fn kind(&self) -> PayloadSecurityKind {
        PayloadSecurityKind::Plaintext
    }

    fn seal(&mut self, message: Bytes, out: &mut Vec<Bytes>) -> Result<(), SecurityError> {
        out.push(message);
        Ok(())
    }

    fn open(&mut self, mut records: Vec<Bytes>, out: &mut Vec<Bytes>) -> Result<(), SecurityError> {
        if records.len() <= 1 {
            out.push(records.pop().unwrap_or_default());
        } else {
            out.push(concat(&records));
        }
        Ok(())
    }
}

/// Concatenates with one allocation and one copy.
pub(crate) fn concat(parts: &[Bytes]) -> Bytes {
    let total = parts.iter().map(Bytes::len).sum();
    let mut buf = BytesMut::with_capacity(total);
    for p in parts {
        buf.extend_from_slice(p);
    }
    buf.freeze()
}
