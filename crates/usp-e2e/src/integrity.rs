//! The record-integrity seam (`mac_signature`, `sender_cert`; R-E2E.28–39).
//!
//! The session builds the canonical byte string of the non-payload fields ([`integrity_input`], R-E2E.32 and
//! R-E2E.32.1) and hands it to a [`RecordIntegrity`] to sign (on send) or verify (on receive). The crypto —
//! ECDSA P-256/SHA-256 for the signature method, HMAC-SHA256 with TLS-exported keys for the MAC method — lives
//! in the implementation, so this crate stays dependency-free.
//!
//! # Decision (REQUIREMENTS §8 item 3): what the MAC/signature covers
//! * Every non-payload field is fed in, *including fields at their default value*: an empty string or bytes
//!   field contributes zero bytes, a zero `uint64` eight zero bytes, a zero enum four zero bytes. The input
//!   therefore has a fixed layout and does not depend on whether the sender's encoder omitted defaults.
//! * Order: Record fields 1, 2, 3, 4, 6 (`mac_signature`, 5, is skipped), then — for `session_context` only —
//!   SessionContextRecord fields 1–6 (`payload`, 7, is skipped).
//! * `no_session_context` contributes nothing beyond the Record fields (its only field is the payload).
//! * Other record types (MTP Connect, Disconnect) are covered by the Record fields only; their own fields are
//!   not part of the input, as the spec names only SessionContextRecord.
//!
//! # Decision (REQUIREMENTS §8 item 4): HMAC key direction (R-E2E.39)
//! Bytes 0–31 of the exported keying material are the TLS client's key, 32–63 the server's. Each side MACs with
//! the key of its own TLS role and verifies with the peer's; [`IntegrityContext::local_is_tls_client`] tells
//! the implementation which is which (the session initiator is the TLS client).

use alloc::vec::Vec;

use bytes::Bytes;
use usp_record::pb;

use crate::error::IntegrityError;

/// How the non-payload fields are protected (R-E2E.30).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum IntegrityMethod {
    /// `ECDSA_P256_SHA256_ASN1` with the sender's certificate key; `sender_cert` carries the certificate
    /// (R-E2E.31).
    Signature,
    /// HMAC-SHA256 keyed from the E2E TLS session (R-E2E.33–39).
    Mac,
}

/// What an integrity implementation needs besides the canonical bytes.
#[derive(Clone, Copy, Debug)]
#[non_exhaustive]
pub struct IntegrityContext<'a> {
    /// The method in force for this Record.
    pub method: IntegrityMethod,
    /// 64 bytes exported from the E2E TLS session (label [`EXPORTER_LABEL`](crate::security::EXPORTER_LABEL),
    /// zero-length context), when the MAC method is in force; `None` for the signature method.
    pub keying_material: Option<&'a [u8]>,
    /// Whether this end is the TLS client (it initiated the session context).
    pub local_is_tls_client: bool,
}

impl<'a> IntegrityContext<'a> {
    /// A context for `method`, without keying material, as the TLS server.
    #[must_use]
    pub const fn new(method: IntegrityMethod) -> Self {
        Self {
            method,
            keying_material: None,
            local_is_tls_client: false,
        }
    }

    /// Sets the exported keying material and our TLS role.
    #[must_use]
    pub const fn with_keys(mut self, keying_material: &'a [u8], local_is_tls_client: bool) -> Self {
        self.keying_material = Some(keying_material);
        self.local_is_tls_client = local_is_tls_client;
        self
    }
}

/// Signs and verifies the non-payload fields of Records (R-E2E.29/30).
///
/// `input` is always the output of [`integrity_input`] for the Record at hand.
pub trait RecordIntegrity {
    /// Upper bound of the `mac_signature` length `protect` produces for `method` (0 if it never signs). The
    /// segmenter reserves this much so that signed Records stay within MaxUSPRecordSize.
    fn max_len(&self, method: IntegrityMethod) -> usize;

    /// The `sender_cert` to put in outgoing Records for `method` (empty by default).
    fn sender_cert(&self, method: IntegrityMethod) -> Bytes {
        let _ = method;
        Bytes::new()
    }

    /// Produces the `mac_signature` for an outgoing Record (empty = field omitted).
    ///
    /// # Errors
    /// [`IntegrityError::Backend`] if signing fails; the session then fails (and restarts).
    fn protect(&mut self, cx: &IntegrityContext<'_>, input: &[u8])
    -> Result<Bytes, IntegrityError>;

    /// Verifies a received Record's `mac_signature` (with `sender_cert` for the signature method).
    ///
    /// # Errors
    /// Any [`IntegrityError`]: the Record is dropped silently and the session restarts (R-E2E.23).
    fn verify(
        &mut self,
        cx: &IntegrityContext<'_>,
        input: &[u8],
        mac_signature: &[u8],
        sender_cert: &[u8],
    ) -> Result<(), IntegrityError>;
}

/// No Record-level integrity: for MTPs that protect Records themselves (R-E2E.28, see [`MtpProtection`]).
///
/// Sends no `mac_signature` and accepts every Record. With this implementation a Record that *does* carry a
/// `mac_signature` is not verified, so R-E2E.30 is only met when the MTP is protected and the peer does not
/// sign; plug in a real [`RecordIntegrity`] otherwise.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[allow(
    clippy::exhaustive_structs,
    reason = "a stateless unit marker, constructed by name"
)]
pub struct TrustMtp;

impl RecordIntegrity for TrustMtp {
    fn max_len(&self, _method: IntegrityMethod) -> usize {
        0
    }

    fn protect(
        &mut self,
        _cx: &IntegrityContext<'_>,
        _input: &[u8],
    ) -> Result<Bytes, IntegrityError> {
        Ok(Bytes::new())
    }

    fn verify(
        &mut self,
        _cx: &IntegrityContext<'_>,
        _input: &[u8],
        _mac_signature: &[u8],
        _sender_cert: &[u8],
    ) -> Result<(), IntegrityError> {
        Ok(())
    }
}

/// The R-E2E.28 conditions under which a Record counts as protected by the MTP.
///
/// ```
/// use usp_e2e::MtpProtection;
/// let mut p = MtpProtection::default();
/// p.encrypted = true;
/// p.peer_cert_matches_from_id = true;
/// assert!(p.is_protected());
/// p.encrypted = false;
/// assert!(!p.is_protected());
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct MtpProtection {
    /// The MTP is encrypted per its MTP section.
    pub encrypted: bool,
    /// The peer's MTP certificate carries an Endpoint ID equal to the Record's `from_id`.
    pub peer_cert_matches_from_id: bool,
    /// The peer's MTP certificate is directly associated with the Controller whose ID is the `from_id`
    /// (e.g. referenced from `Device.LocalAgent.Controller.{i}.Credential`).
    pub peer_cert_is_controller_credential: bool,
    /// The peer's MTP certificate is that of a Trusted Broker.
    pub peer_is_trusted_broker: bool,
}

impl MtpProtection {
    /// R-E2E.28: encrypted, and the certificate either names the `from_id`, is the Controller's stored
    /// credential, or belongs to a Trusted Broker. When false, the sender must protect the Record (R-E2E.29)
    /// and the receiver must verify it (R-E2E.30).
    #[must_use]
    pub const fn is_protected(&self) -> bool {
        self.encrypted
            && (self.peer_cert_matches_from_id
                || self.peer_cert_is_controller_credential
                || self.peer_is_trusted_broker)
    }
}

/// Writes the canonical MAC/signature input of `record` into `out` (cleared first), per R-E2E.32/32.1 and the
/// §8 item 3 decision in the [module docs](self).
///
/// ```
/// use usp_e2e::integrity_input;
/// use usp_record::pb;
///
/// let rec = pb::Record {
///     version: "1.4".into(),
///     to_id: "a".into(),
///     from_id: "b".into(),
///     record_type: Some(pb::record::RecordType::SessionContext(pb::SessionContextRecord {
///         session_id: 7,
///         sequence_id: 1,
///         expected_id: 1,
///         payload: vec![bytes::Bytes::from_static(b"not covered")],
///         ..Default::default()
///     })),
///     ..Default::default()
/// };
/// let mut out = Vec::new();
/// integrity_input(&rec, &mut out);
/// // "1.4" "a" "b" + payload_security (4) + sender_cert (0) + 4 × u64 + 2 × u32
/// assert_eq!(out.len(), 3 + 1 + 1 + 4 + 32 + 8);
/// assert_eq!(&out[..5], b"1.4ab");
/// ```
pub fn integrity_input(record: &pb::Record, out: &mut Vec<u8>) {
    out.clear();
    out.extend_from_slice(record.version.as_bytes());
    out.extend_from_slice(record.to_id.as_bytes());
    out.extend_from_slice(record.from_id.as_bytes());
    out.extend_from_slice(&enum_be(record.payload_security));
    out.extend_from_slice(&record.sender_cert);
    if let Some(pb::record::RecordType::SessionContext(sc)) = &record.record_type {
        out.extend_from_slice(&sc.session_id.to_be_bytes());
        out.extend_from_slice(&sc.sequence_id.to_be_bytes());
        out.extend_from_slice(&sc.expected_id.to_be_bytes());
        out.extend_from_slice(&sc.retransmit_id.to_be_bytes());
        out.extend_from_slice(&enum_be(sc.payload_sar_state));
        out.extend_from_slice(&enum_be(sc.payloadrec_sar_state));
    }
}

/// R-E2E.32.1: enums are treated as uint32, big endian.
fn enum_be(v: i32) -> [u8; 4] {
    u32::from_ne_bytes(v.to_ne_bytes()).to_be_bytes()
}
