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
//! exported key material (R-E2E.35–39, exported with [`EXPORTER_LABEL`], [`EXPORTER_CONTEXT`] and
//! [`EXPORTER_LENGTH`]) through [`PayloadSecurity::keying_material`]. Every method beyond
//! `kind`, `seal` and `open` has a default, so adding TLS12 does not change this API.

use alloc::vec::Vec;

use bytes::{Bytes, BytesMut};
use usp_record::pb::record::PayloadSecurity as PayloadSecurityKind;

use crate::error::SecurityError;
use crate::integrity::IntegrityMethod;

/// The TLS exporter label for the MAC keys of the TLS MAC method (R-E2E.35/36; RFC 5705, RFC 8446 §7.5).
///
/// A TLS12 [`PayloadSecurity`] exports [`EXPORTER_LENGTH`] bytes with this label and the context
/// [`EXPORTER_CONTEXT`], and returns them from [`PayloadSecurity::keying_material`]:
///
/// ```
/// use usp_e2e::security::{EXPORTER_CONTEXT, EXPORTER_LABEL, EXPORTER_LENGTH};
///
/// // The shape of e.g. rustls' `export_keying_material(output, label, context)`.
/// fn export(out: &mut [u8], label: &[u8], context: Option<&[u8]>) {
///     assert_eq!(label, b"EXPORTER-BBF-USP-Record");
///     assert_eq!(context, Some(&[][..])); // zero-length, not absent
///     out.fill(0x42);
/// }
/// let mut keys = [0u8; EXPORTER_LENGTH];
/// export(&mut keys, EXPORTER_LABEL, Some(EXPORTER_CONTEXT));
/// assert_eq!(keys.len(), 64);
/// ```
pub const EXPORTER_LABEL: &[u8] = b"EXPORTER-BBF-USP-Record";

/// The TLS exporter context for the MAC keys: present and zero-length (R-E2E.36). For TLS 1.2 an empty
/// context differs from no context at all (RFC 5705 §4), so pass `Some(EXPORTER_CONTEXT)`, never `None`.
pub const EXPORTER_CONTEXT: &[u8] = &[];

/// Bytes of keying material to export (R-E2E.37): 0–31 are the TLS client's MAC key, 32–63 the server's
/// (R-E2E.39).
pub const EXPORTER_LENGTH: usize = 64;

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

    /// The [`EXPORTER_LENGTH`] (64) bytes of keying material for the MAC method, once available: exported
    /// from the TLS session with [`EXPORTER_LABEL`] and the zero-length [`EXPORTER_CONTEXT`] (R-E2E.35–37).
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
