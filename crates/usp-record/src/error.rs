//! The error type of this crate.

use crate::endpoint::EndpointIdError;

/// What a receiver does with a Record that failed validation (TR-369 R-ENC.4, R-MTP.5).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Disposition {
    /// Drop the Record silently, sending nothing back (R-ENC.4, R-E2E.1).
    Discard,
    /// The Record is erroneous: reply with an Error carrying this 71xx code, but only when the
    /// conditions of R-MTP.5 hold (valid from_id, our to_id, a readable request msg_id and a
    /// known return path); otherwise drop it.
    ErrorReply(u32),
}

/// Everything that can go wrong decoding, validating or building a USP Record.
///
/// [`RecordError::usp_error_code`] gives the USP Record error code (7100–7106) and
/// [`RecordError::disposition`] what a receiver should do.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RecordError {
    /// The input is larger than the configured maximum; nothing was decoded.
    #[error("record is {size} bytes, larger than the configured maximum of {max}")]
    TooLarge {
        /// Input size in bytes.
        size: usize,
        /// The configured maximum.
        max: usize,
    },
    /// The bytes are not a well-formed `usp_record.Record` (code 7100).
    #[error("record could not be parsed: {0}")]
    Decode(prost::DecodeError),
    /// No `record_type` member is set (R-ENC.3; discarded per R-ENC.4).
    #[error("record has no record_type (R-ENC.3)")]
    MissingRecordType,
    /// Two different `record_type` members are on the wire (R-ENC.3; discarded per R-ENC.4).
    #[error("record has two record_type members, fields {first} and {second} (R-ENC.3)")]
    MultipleRecordTypes {
        /// Field number of the first member seen.
        first: u32,
        /// Field number of the second, different member.
        second: u32,
    },
    /// A field the spec marks as required is empty (R-MTP.4b, R-E2E.26; code 7104).
    #[error("required field `{0}` is empty")]
    EmptyField(&'static str),
    /// `version` is not of the form `Major.Minor` (code 7104).
    #[error("version {0:?} is not of the form Major.Minor")]
    InvalidVersion(alloc::string::String),
    /// `version` has a major version this crate does not speak (only 1.x; code 7104).
    #[error("unsupported USP major version {0} (this implementation speaks 1.x)")]
    UnsupportedVersion(u32),
    /// `to_id` or `from_id` is not a valid Endpoint ID (R-ARC.2a; code 7104).
    #[error("`{field}` is not a valid Endpoint ID: {source}")]
    InvalidEndpointId {
        /// `"to_id"` or `"from_id"`.
        field: &'static str,
        /// The rule broken.
        source: EndpointIdError,
    },
    /// An enum field holds a number the schema does not define (R-ENC.2; code 7104).
    #[error("field `{field}` holds unknown enum value {value} (R-ENC.2)")]
    UnknownEnumValue {
        /// Dotted field name, e.g. `"session_context.payload_sar_state"`.
        field: &'static str,
        /// The number on the wire.
        value: i32,
    },
    /// `payload_security` is TLS12 on a record that has no session context (R-E2E.41; 7104).
    #[error("payload_security TLS12 requires a session_context record (R-E2E.41)")]
    Tls12WithoutSession,
    /// A SessionContext field breaks a sanity rule (code 7104).
    #[error("invalid session_context: {0}")]
    InvalidSessionContext(&'static str),
    /// The Record would be sent from an Endpoint to itself (R-ARC.2; builders only).
    #[error("to_id and from_id are the same Endpoint ID (R-ARC.2)")]
    SameEndpoint,
}

impl RecordError {
    /// The USP Record error code (7100–7106) this failure maps to, when it has one.
    ///
    /// `None` for failures that are discarded without a reply ([`Disposition::Discard`]).
    pub fn usp_error_code(&self) -> Option<u32> {
        match self.disposition() {
            Disposition::ErrorReply(code) => Some(code),
            Disposition::Discard => None,
        }
    }

    /// What a receiver should do with the Record (R-ENC.4, R-MTP.5).
    pub fn disposition(&self) -> Disposition {
        match self {
            Self::MissingRecordType | Self::MultipleRecordTypes { .. } | Self::SameEndpoint => {
                Disposition::Discard
            }
            Self::TooLarge { .. } | Self::Decode(_) => Disposition::ErrorReply(7100),
            Self::EmptyField(_)
            | Self::InvalidVersion(_)
            | Self::UnsupportedVersion(_)
            | Self::InvalidEndpointId { .. }
            | Self::UnknownEnumValue { .. }
            | Self::Tls12WithoutSession
            | Self::InvalidSessionContext(_) => Disposition::ErrorReply(7104),
        }
    }

    /// The R-MTP.5 decision: the 71xx code to answer with, or `None` to drop the Record
    /// silently.
    ///
    /// An Error reply is sent only when all five conditions hold: the failure has an error code
    /// at all (not a [`Disposition::Discard`] case), `from_id` is a valid Endpoint ID (this
    /// error is not about `from_id`), `to_id` is ours, the payload is a request whose `msg_id`
    /// could be read (`request_msg_id_readable`, known only to the Msg layer) and a return path
    /// over the MTP is known.
    ///
    /// ```
    /// use usp_record::RecordError;
    /// let e = RecordError::Tls12WithoutSession;
    /// assert_eq!(e.error_reply_code(true, true, true), Some(7104));
    /// assert_eq!(e.error_reply_code(true, false, true), None);
    /// ```
    pub fn error_reply_code(
        &self,
        to_id_is_ours: bool,
        request_msg_id_readable: bool,
        return_path_known: bool,
    ) -> Option<u32> {
        let from_id_valid = !matches!(
            self,
            Self::InvalidEndpointId {
                field: "from_id",
                ..
            } | Self::EmptyField("from_id")
                | Self::Decode(_)
                | Self::TooLarge { .. }
        );
        let code = self.usp_error_code()?;
        (from_id_valid && to_id_is_ours && request_msg_id_readable && return_path_known)
            .then_some(code)
    }

    /// Whether this is a wire-format failure (the bytes are not a protobuf Record), as opposed
    /// to well-formed bytes that break a USP rule.
    pub fn is_decode_error(&self) -> bool {
        matches!(self, Self::Decode(_) | Self::TooLarge { .. })
    }
}

impl From<prost::DecodeError> for RecordError {
    fn from(e: prost::DecodeError) -> Self {
        Self::Decode(e)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// R-MTP.5: only when all five conditions hold is there an Error reply.
    #[test]
    fn r_mtp_5_error_reply_truth_table() {
        let has_code = RecordError::UnknownEnumValue {
            field: "payload_security",
            value: 7,
        };
        let bad_from = RecordError::InvalidEndpointId {
            field: "from_id",
            source: EndpointIdError::UnknownScheme,
        };
        let bad_to = RecordError::InvalidEndpointId {
            field: "to_id",
            source: EndpointIdError::UnknownScheme,
        };
        let discard = RecordError::MissingRecordType;
        for e in [&has_code, &bad_from, &bad_to, &discard] {
            for bits in 0u8..8 {
                let (ours, readable, path) = (bits & 1 != 0, bits & 2 != 0, bits & 4 != 0);
                let got = e.error_reply_code(ours, readable, path);
                let all = ours && readable && path;
                let want = match e {
                    RecordError::UnknownEnumValue { .. } if all => Some(7104),
                    RecordError::InvalidEndpointId { field: "to_id", .. } if all => Some(7104),
                    _ => None,
                };
                assert_eq!(got, want, "{e:?} {bits:03b}");
            }
        }
    }
}
