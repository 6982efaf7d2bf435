//! [`RecordRef`]: the validated Record layer over the zero-copy view.

use crate::endpoint::Parsed;
use crate::error::RecordError;
use crate::record::{
    DecodeOptions, MqttVersion, PayloadSecurity, StompVersion, Version, check_endpoint, check_size,
    parse_version, sar_states, session_rules,
};
use crate::view::{self, record::RecordType};
use crate::{pb, wire};

/// A validated USP Record that borrows its bytes: every check of
/// [`Record::decode`](crate::Record::decode) over the generated zero-copy [`view::Record`],
/// without allocating.
///
/// Holding a `RecordRef` means what holding a [`Record`](crate::Record) means: exactly one
/// `record_type` on the wire (R-ENC.3, R-ENC.4), a supported `Major.Minor` version, valid
/// non-empty `to_id` and `from_id` Endpoint IDs, known enum values (R-ENC.2), the payload
/// and field rules of its record type, and no TLS 1.2 payload security outside a session.
/// For the same input and options, `RecordRef::decode_with` and `Record::decode_with` accept
/// the same Records and give the same errors.
///
/// Strings and bytes point into the input. Payloads are slices of it: decode the Message of
/// a NoSessionContext Record with `usp_msg::MsgRef` and nothing is copied.
///
/// ```
/// use usp_record::{RecordBuilder, RecordRef};
///
/// # fn main() -> Result<(), usp_record::RecordError> {
/// let bytes = RecordBuilder::new("os::012345-525400A1B2C3", "proto::controller-1")?
///     .no_session_context_bytes(&b"a usp.Msg"[..])?;
/// let record = RecordRef::decode(&bytes)?;
/// assert_eq!(record.to_id(), "os::012345-525400A1B2C3");
/// assert_eq!(record.version().minor, 4);
/// assert_eq!(record.no_session_payload(), Some(&b"a usp.Msg"[..]));
///
/// // A Record without a to_id is refused, as by `Record::decode`.
/// let no_ids = [0x0a, 0x03, b'1', b'.', b'4'];
/// assert_eq!(RecordRef::decode(&no_ids), Err(usp_record::RecordError::EmptyField("to_id")));
/// # Ok(()) }
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RecordRef<'a> {
    // The view's fields, each once (the record type taken out of its `Option`): a small value
    // is cheap to move (measured: the view kept whole plus the taken record type cost two more
    // `memcpy` calls per decode).
    version_str: &'a str,
    to_id: &'a str,
    from_id: &'a str,
    mac_signature: &'a [u8],
    sender_cert: &'a [u8],
    version: Version,
    payload_security: PayloadSecurity,
    kind: RecordType<'a>,
}

impl<'a> RecordRef<'a> {
    /// Decodes and validates a Record with the default [`DecodeOptions`].
    ///
    /// # Errors
    /// As [`Record::decode`](crate::Record::decode): see [`RecordError::disposition`] for what
    /// to do with the Record.
    pub fn decode(buf: &'a [u8]) -> Result<Self, RecordError> {
        Self::decode_with(buf, &DecodeOptions::default())
    }

    /// Decodes and validates a Record; the size limit is checked first.
    ///
    /// # Errors
    /// As [`RecordRef::decode`].
    pub fn decode_with(buf: &'a [u8], opts: &DecodeOptions) -> Result<Self, RecordError> {
        Self::decode_then(buf, opts, |record, _| record)
    }

    /// [`RecordRef::decode_with`], giving `then` of the Record and what the checks of its
    /// `to_id` and `from_id` found (for the owned [`Record`](crate::Record), which keeps
    /// them).
    #[inline(always)]
    pub(crate) fn decode_then<T>(
        buf: &'a [u8],
        opts: &DecodeOptions,
        then: impl FnOnce(Self, [Parsed; 2]) -> T,
    ) -> Result<T, RecordError> {
        check_size(buf.len(), opts)?;
        #[cfg(feature = "text-decoder")]
        {
            match core::str::from_utf8(buf) {
                Ok(text) => Self::decode_valid_text(text, then),
                Err(_) => Self::validate(buf, view::Record::decode_bytes(buf), true, then),
            }
        }
        #[cfg(not(feature = "text-decoder"))]
        Self::validate(buf, view::Record::decode(buf), true, then)
    }

    /// [`RecordRef::decode_with`] for a buffer already validated as UTF-8 as a whole (as
    /// it usually is: USP strings and short length prefixes), skipping the view's own pass.
    /// With [`view::text_within`], the payload can then be decoded the same way
    /// (`usp_msg::MsgRef::decode_text_with`), one UTF-8 pass in all.
    ///
    /// # Errors
    /// As [`RecordRef::decode`].
    pub fn decode_text_with(text: &'a str, opts: &DecodeOptions) -> Result<Self, RecordError> {
        check_size(text.len(), opts)?;
        Self::decode_valid_text(text, |record, _| record)
    }

    /// Decodes and validates UTF-8 input whose size was checked.
    #[inline(always)]
    fn decode_valid_text<T>(
        text: &'a str,
        then: impl FnOnce(Self, [Parsed; 2]) -> T,
    ) -> Result<T, RecordError> {
        #[cfg(feature = "text-decoder")]
        if let Some(raw) = view::Record::decode_text_only(text) {
            // The text decoder leaves a oneof whose member changes to the general one, so
            // the R-ENC.3 scan for a second record_type has nothing to find.
            return Self::validate(text.as_bytes(), Ok(raw), false, then);
        }
        Self::validate(text.as_bytes(), view::Record::decode_text(text), true, then)
    }

    /// The checks after decoding; `scan`: whether the bytes may hold two record_type members
    /// (the view keeps the last), so the R-ENC.3 wire scan must look.
    fn validate<T>(
        buf: &'a [u8],
        decoded: Result<view::Record<'a>, view::DecodeError>,
        scan: bool,
        then: impl FnOnce(Self, [Parsed; 2]) -> T,
    ) -> Result<T, RecordError> {
        let Ok(raw) = decoded else {
            return Err(decode_error(buf));
        };
        if scan {
            let tags = wire::record_type_tags(buf).ok_or(RecordError::MissingRecordType)?;
            if let (Some(first), Some(second)) = (tags.first, tags.conflicting) {
                return Err(RecordError::MultipleRecordTypes { first, second });
            }
        }
        let version = parse_version(raw.version)?;
        let to = check_endpoint("to_id", raw.to_id)?;
        let from = check_endpoint("from_id", raw.from_id)?;
        let payload_security = PayloadSecurity::from_wire(raw.payload_security)?;
        let kind = raw.record_type.ok_or(RecordError::MissingRecordType)?;
        check_kind(&kind)?;
        if payload_security == PayloadSecurity::Tls12
            && !matches!(kind, RecordType::SessionContext(_))
        {
            return Err(RecordError::Tls12WithoutSession);
        }
        let record = Self {
            version_str: raw.version,
            to_id: raw.to_id,
            from_id: raw.from_id,
            mac_signature: raw.mac_signature,
            sender_cert: raw.sender_cert,
            version,
            payload_security,
            kind,
        };
        Ok(then(record, [to, from]))
    }

    /// The version as written (e.g. `"1.4"`).
    #[must_use]
    pub fn version_str(&self) -> &'a str {
        self.version_str
    }

    /// The parsed protocol version.
    #[must_use]
    pub fn version(&self) -> Version {
        self.version
    }

    /// The recipient's Endpoint ID (valid, non-empty).
    #[must_use]
    pub fn to_id(&self) -> &'a str {
        self.to_id
    }

    /// The sender's Endpoint ID (valid, non-empty).
    #[must_use]
    pub fn from_id(&self) -> &'a str {
        self.from_id
    }

    /// How the payload is protected.
    #[must_use]
    pub fn payload_security(&self) -> PayloadSecurity {
        self.payload_security
    }

    /// The MAC or signature over the Record (empty if none).
    #[must_use]
    pub fn mac_signature(&self) -> &'a [u8] {
        self.mac_signature
    }

    /// The sender's PEM certificate or chain (empty if none).
    #[must_use]
    pub fn sender_cert(&self) -> &'a [u8] {
        self.sender_cert
    }

    /// The record type and its fields, checked as [`RecordKind`](crate::RecordKind) is.
    #[must_use]
    pub fn kind(&self) -> &RecordType<'a> {
        &self.kind
    }

    /// The payload of a NoSessionContext Record (never empty), if this is one.
    #[must_use]
    pub fn no_session_payload(&self) -> Option<&'a [u8]> {
        match &self.kind {
            RecordType::NoSessionContext(n) => Some(n.payload),
            _ => None,
        }
    }

    /// The Record as a plain view.
    #[must_use]
    pub fn into_view(self) -> view::Record<'a> {
        view::Record {
            version: self.version_str,
            to_id: self.to_id,
            from_id: self.from_id,
            payload_security: self.payload_security.to_wire(),
            mac_signature: self.mac_signature,
            sender_cert: self.sender_cert,
            record_type: Some(self.kind),
        }
    }
}

/// The error for input the view rejects: prost's, as [`Record::decode`](crate::Record::decode)
/// gives.
#[cold]
fn decode_error(buf: &[u8]) -> RecordError {
    match <pb::Record as prost::Message>::decode(buf) {
        Err(e) => RecordError::Decode(e),
        // The view rejects exactly what prost rejects (the fast-path agreement tests and the
        // record fuzz target check it). Were they ever to disagree, the input is still
        // refused: prost has no other public constructor for its error.
        #[allow(deprecated)]
        Ok(_) => RecordError::Decode(prost::DecodeError::new("rejected by the view decoder")),
    }
}

/// The rules of each record type (what [`RecordKind`](crate::RecordKind) guarantees).
fn check_kind(kind: &RecordType<'_>) -> Result<(), RecordError> {
    match kind {
        RecordType::NoSessionContext(r) if r.payload.is_empty() => {
            Err(RecordError::EmptyField("no_session_context.payload"))
        }
        RecordType::SessionContext(r) => {
            let (sar, rec_sar) = sar_states(r.payload_sar_state, r.payloadrec_sar_state)?;
            session_rules(
                r.sequence_id,
                r.expected_id,
                sar,
                rec_sar,
                r.payload.is_empty(),
            )
        }
        RecordType::MqttConnect(r) => {
            MqttVersion::from_wire(r.version)?;
            if r.subscribed_topic.is_empty() {
                return Err(RecordError::EmptyField("mqtt_connect.subscribed_topic"));
            }
            Ok(())
        }
        RecordType::StompConnect(r) => {
            StompVersion::from_wire(r.version)?;
            if r.subscribed_destination.is_empty() {
                return Err(RecordError::EmptyField(
                    "stomp_connect.subscribed_destination",
                ));
            }
            Ok(())
        }
        _ => Ok(()),
    }
}
