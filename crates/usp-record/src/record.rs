//! The validated Record layer on top of [`crate::pb`].

use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;

use bytes::Bytes;

use crate::endpoint::{EndpointId, EndpointIdError, Parsed};
use crate::error::RecordError;
use crate::pb;
use crate::record_ref::RecordRef;
use crate::view::{self, FastEncode as _};

/// The USP version this crate writes by default.
pub const USP_VERSION: &str = "1.4";

/// Default for [`DecodeOptions::max_record_size`]: 4 MiB.
pub const DEFAULT_MAX_RECORD_SIZE: usize = 4 * 1024 * 1024;

/// Options for [`Record::decode_with`].
///
/// ```
/// use usp_record::DecodeOptions;
/// let opts = DecodeOptions::new().max_record_size(64 * 1024);
/// assert_eq!(opts.get_max_record_size(), 65536);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DecodeOptions {
    max_record_size: usize,
}

impl Default for DecodeOptions {
    fn default() -> Self {
        Self {
            max_record_size: DEFAULT_MAX_RECORD_SIZE,
        }
    }
}

impl DecodeOptions {
    /// The defaults: a 4 MiB size limit.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets the largest encoded Record accepted, checked before anything is allocated.
    #[must_use]
    pub fn max_record_size(mut self, bytes: usize) -> Self {
        self.max_record_size = bytes;
        self
    }

    /// The configured size limit.
    pub fn get_max_record_size(&self) -> usize {
        self.max_record_size
    }
}

/// A USP protocol version, `Major.Minor`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Version {
    /// Major version (this crate speaks 1).
    pub major: u32,
    /// Minor version; a higher minor than 4 is accepted (newer peers stay compatible).
    pub minor: u32,
}

impl Version {
    /// Parses `Major.Minor` (decimal, no sign, no spaces).
    pub fn parse(s: &str) -> Option<Self> {
        // The usual shape, a digit each ("1.4"), without the general search and folds.
        if let &[major @ b'0'..=b'9', b'.', minor @ b'0'..=b'9'] = s.as_bytes() {
            return Some(Self {
                major: u32::from(major - b'0'),
                minor: u32::from(minor - b'0'),
            });
        }
        let dot = s.bytes().position(|b| b == b'.')?;
        let (major, minor) = (s.get(..dot)?, s.get(dot + 1..)?);
        // At most 9 digits, so the value fits a u32 without overflow checks.
        let num = |t: &str| {
            if t.is_empty() || t.len() > 9 {
                return None;
            }
            t.bytes().try_fold(0u32, |n, b| {
                b.is_ascii_digit().then(|| n * 10 + u32::from(b - b'0'))
            })
        };
        Some(Self {
            major: num(major)?,
            minor: num(minor)?,
        })
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.major, self.minor)
    }
}

/// `payload_security` of a Record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[allow(clippy::exhaustive_enums)]
pub enum PayloadSecurity {
    /// The payload is a plain USP Message (or empty).
    #[default]
    Plaintext,
    /// The payload is a sequence of TLS 1.2+ records (session context only, R-E2E.41).
    Tls12,
}

/// `payload_sar_state` / `payloadrec_sar_state` of a SessionContext Record.
///
/// The wire format closes this set, so the enum is exhaustive.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[allow(clippy::exhaustive_enums)]
pub enum SarState {
    /// Not segmented.
    #[default]
    None,
    /// First segment.
    Begin,
    /// A middle segment.
    InProcess,
    /// Last segment.
    Complete,
}

/// MQTT protocol version announced in an MQTTConnect Record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[allow(clippy::exhaustive_enums)]
pub enum MqttVersion {
    /// MQTT 3.1.1 (protocol level 4).
    #[default]
    V3_1_1,
    /// MQTT 5.0.
    V5,
}

/// STOMP protocol version announced in a STOMPConnect Record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[allow(clippy::exhaustive_enums)]
pub enum StompVersion {
    /// STOMP 1.2.
    #[default]
    V1_2,
}

macro_rules! wire_enum {
    ($ty:ty, $pb:ty, $field:literal, { $($ours:ident <=> $theirs:ident),+ $(,)? }) => {
        impl $ty {
            pub(crate) fn from_wire(value: i32) -> Result<Self, RecordError> {
                match <$pb>::try_from(value) {
                    $(Ok(<$pb>::$theirs) => Ok(Self::$ours),)+
                    Err(_) => Err(RecordError::UnknownEnumValue { field: $field, value }),
                }
            }

            /// The number this value has on the wire.
            pub fn to_wire(self) -> i32 {
                match self {
                    $(Self::$ours => <$pb>::$theirs as i32,)+
                }
            }
        }
    };
}

wire_enum!(PayloadSecurity, pb::record::PayloadSecurity, "payload_security", {
    Plaintext <=> Plaintext, Tls12 <=> Tls12,
});
wire_enum!(SarState, pb::session_context_record::PayloadSarState, "session_context.payload_sar_state", {
    None <=> None, Begin <=> Begin, InProcess <=> Inprocess, Complete <=> Complete,
});
wire_enum!(MqttVersion, pb::mqtt_connect_record::MqttVersion, "mqtt_connect.version", {
    V3_1_1 <=> V311, V5 <=> V5,
});
wire_enum!(StompVersion, pb::stomp_connect_record::StompVersion, "stomp_connect.version", {
    V1_2 <=> V12,
});

/// The body of a SessionContext Record (E2E session mode).
///
/// Build one and pass it to [`RecordBuilder::session_context`]; usp-e2e produces these.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct SessionContext {
    /// Session Context identifier.
    pub session_id: u64,
    /// This Record's sequence number (starts at 1).
    pub sequence_id: u64,
    /// The next sequence number the sender expects from its peer.
    pub expected_id: u64,
    /// A sequence number the sender asks to be retransmitted (0 = none).
    pub retransmit_id: u64,
    /// Segmentation state of the USP Message.
    pub payload_sar_state: SarState,
    /// Segmentation state of the payload record (TLS record or plaintext Msg).
    pub payloadrec_sar_state: SarState,
    /// The payload pieces (may be empty, R-E2E.2).
    pub payload: Vec<Bytes>,
}

impl SessionContext {
    /// A SessionContext with the given ids, no payload and SAR state NONE.
    pub fn new(session_id: u64, sequence_id: u64, expected_id: u64) -> Self {
        Self {
            session_id,
            sequence_id,
            expected_id,
            ..Self::default()
        }
    }

    /// Checks the sanity rules: `sequence_id` ≥ 1, `expected_id` ≥ 1, `payloadrec_sar_state`
    /// is NONE whenever `payload_sar_state` is NONE, and a segmented Record carries a payload.
    ///
    /// # Errors
    /// [`RecordError::InvalidSessionContext`] naming the rule.
    pub fn validate(&self) -> Result<(), RecordError> {
        session_rules(
            self.sequence_id,
            self.expected_id,
            self.payload_sar_state,
            self.payloadrec_sar_state,
            self.payload.is_empty(),
        )
    }

    fn from_pb(p: pb::SessionContextRecord) -> Result<Self, RecordError> {
        let (payload_sar_state, payloadrec_sar_state) =
            sar_states(p.payload_sar_state, p.payloadrec_sar_state)?;
        let s = Self {
            session_id: p.session_id,
            sequence_id: p.sequence_id,
            expected_id: p.expected_id,
            retransmit_id: p.retransmit_id,
            payload_sar_state,
            payloadrec_sar_state,
            payload: p.payload,
        };
        s.validate()?;
        Ok(s)
    }
}

/// The SessionContext sanity rules of [`SessionContext::validate`], over plain values.
pub(crate) fn session_rules(
    sequence_id: u64,
    expected_id: u64,
    sar: SarState,
    rec_sar: SarState,
    no_payload: bool,
) -> Result<(), RecordError> {
    let bad = |why| Err(RecordError::InvalidSessionContext(why));
    if sequence_id == 0 {
        return bad("sequence_id is 0 (sequence numbers start at 1)");
    }
    if expected_id == 0 {
        return bad("expected_id is 0 (sequence numbers start at 1)");
    }
    if sar == SarState::None && rec_sar != SarState::None {
        return bad("payloadrec_sar_state is set while payload_sar_state is NONE");
    }
    if sar != SarState::None && no_payload {
        return bad("a segmented record carries no payload");
    }
    Ok(())
}

/// The two SAR states of a SessionContext from their wire numbers (R-ENC.2).
pub(crate) fn sar_states(sar: i32, rec_sar: i32) -> Result<(SarState, SarState), RecordError> {
    let sar = SarState::from_wire(sar)?;
    let rec = SarState::from_wire(rec_sar).map_err(|_| RecordError::UnknownEnumValue {
        field: "session_context.payloadrec_sar_state",
        value: rec_sar,
    })?;
    Ok((sar, rec))
}

impl From<SessionContext> for pb::SessionContextRecord {
    fn from(s: SessionContext) -> Self {
        Self {
            session_id: s.session_id,
            sequence_id: s.sequence_id,
            expected_id: s.expected_id,
            retransmit_id: s.retransmit_id,
            payload_sar_state: s.payload_sar_state.to_wire(),
            payloadrec_sar_state: s.payloadrec_sar_state.to_wire(),
            payload: s.payload,
        }
    }
}

impl TryFrom<pb::SessionContextRecord> for SessionContext {
    type Error = RecordError;
    fn try_from(p: pb::SessionContextRecord) -> Result<Self, RecordError> {
        Self::from_pb(p)
    }
}

/// Which kind of Record this is, with its type-specific fields (the `record_type` oneof).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum RecordKind {
    /// One whole USP Message, no E2E session (R-E2E.26: the payload is never empty).
    NoSessionContext {
        /// The encoded `usp.Msg`.
        payload: Bytes,
    },
    /// A Record of an E2E session.
    SessionContext(SessionContext),
    /// Sent first on a new WebSocket connection (R-MTP.6).
    WebSocketConnect,
    /// Sent first on a new MQTT connection (R-MTP.6).
    MqttConnect {
        /// The MQTT version in use.
        version: MqttVersion,
        /// The topic the sender is subscribed to (required, R-MTP.4b).
        subscribed_topic: String,
    },
    /// Sent first on a new STOMP connection (R-MTP.6).
    StompConnect {
        /// The STOMP version in use.
        version: StompVersion,
        /// The destination the sender is subscribed to (required, R-MTP.4b).
        subscribed_destination: String,
    },
    /// The sender is about to drop the MTP connection or the E2E session (R-MTP.7, R-MTP.9).
    Disconnect {
        /// Human-readable reason.
        reason: String,
        /// A USP error code, typically 71xx.
        reason_code: u32,
    },
    /// Sent first on a new Unix domain socket connection (R-MTP.6).
    UdsConnect,
}

impl RecordKind {
    /// The proto field name of this `record_type` member (e.g. `"no_session_context"`).
    pub fn name(&self) -> &'static str {
        match self {
            Self::NoSessionContext { .. } => "no_session_context",
            Self::SessionContext(_) => "session_context",
            Self::WebSocketConnect => "websocket_connect",
            Self::MqttConnect { .. } => "mqtt_connect",
            Self::StompConnect { .. } => "stomp_connect",
            Self::Disconnect { .. } => "disconnect",
            Self::UdsConnect => "uds_connect",
        }
    }

    /// Whether this is one of the Connect records an MTP sends first (R-MTP.6, R-MTP.8).
    pub fn is_connect(&self) -> bool {
        matches!(
            self,
            Self::WebSocketConnect
                | Self::MqttConnect { .. }
                | Self::StompConnect { .. }
                | Self::UdsConnect
        )
    }

    fn from_pb(t: pb::record::RecordType) -> Result<Self, RecordError> {
        use pb::record::RecordType as T;
        Ok(match t {
            T::NoSessionContext(r) => {
                if r.payload.is_empty() {
                    return Err(RecordError::EmptyField("no_session_context.payload"));
                }
                Self::NoSessionContext { payload: r.payload }
            }
            T::SessionContext(r) => Self::SessionContext(SessionContext::from_pb(r)?),
            T::WebsocketConnect(_) => Self::WebSocketConnect,
            T::MqttConnect(r) => {
                let version = MqttVersion::from_wire(r.version)?;
                if r.subscribed_topic.is_empty() {
                    return Err(RecordError::EmptyField("mqtt_connect.subscribed_topic"));
                }
                Self::MqttConnect {
                    version,
                    subscribed_topic: r.subscribed_topic,
                }
            }
            T::StompConnect(r) => {
                let version = StompVersion::from_wire(r.version)?;
                if r.subscribed_destination.is_empty() {
                    return Err(RecordError::EmptyField(
                        "stomp_connect.subscribed_destination",
                    ));
                }
                Self::StompConnect {
                    version,
                    subscribed_destination: r.subscribed_destination,
                }
            }
            T::Disconnect(r) => Self::Disconnect {
                reason: r.reason,
                reason_code: r.reason_code,
            },
            T::UdsConnect(_) => Self::UdsConnect,
        })
    }

    /// This kind as a borrowed view (for encoding without copying anything).
    fn to_view(&self) -> view::record::RecordType<'_> {
        use view::record::RecordType as T;
        match self {
            Self::NoSessionContext { payload } => {
                T::NoSessionContext(view::NoSessionContextRecord { payload })
            }
            Self::SessionContext(s) => T::SessionContext(view::SessionContextRecord {
                session_id: s.session_id,
                sequence_id: s.sequence_id,
                expected_id: s.expected_id,
                retransmit_id: s.retransmit_id,
                payload_sar_state: s.payload_sar_state.to_wire(),
                payloadrec_sar_state: s.payloadrec_sar_state.to_wire(),
                payload: s.payload.iter().map(|p| &p[..]).collect(),
            }),
            Self::WebSocketConnect => T::WebsocketConnect(view::WebSocketConnectRecord {}),
            Self::MqttConnect {
                version,
                subscribed_topic,
            } => T::MqttConnect(view::MqttConnectRecord {
                version: version.to_wire(),
                subscribed_topic,
            }),
            Self::StompConnect {
                version,
                subscribed_destination,
            } => T::StompConnect(view::StompConnectRecord {
                version: version.to_wire(),
                subscribed_destination,
            }),
            Self::Disconnect {
                reason,
                reason_code,
            } => T::Disconnect(view::DisconnectRecord {
                reason,
                reason_code: *reason_code,
            }),
            Self::UdsConnect => T::UdsConnect(view::UdsConnectRecord {}),
        }
    }

    fn into_pb(self) -> pb::record::RecordType {
        use pb::record::RecordType as T;
        match self {
            Self::NoSessionContext { payload } => {
                T::NoSessionContext(pb::NoSessionContextRecord { payload })
            }
            Self::SessionContext(s) => T::SessionContext(s.into()),
            Self::WebSocketConnect => T::WebsocketConnect(pb::WebSocketConnectRecord {}),
            Self::MqttConnect {
                version,
                subscribed_topic,
            } => T::MqttConnect(pb::MqttConnectRecord {
                version: version.to_wire(),
                subscribed_topic,
            }),
            Self::StompConnect {
                version,
                subscribed_destination,
            } => T::StompConnect(pb::StompConnectRecord {
                version: version.to_wire(),
                subscribed_destination,
            }),
            Self::Disconnect {
                reason,
                reason_code,
            } => T::Disconnect(pb::DisconnectRecord {
                reason,
                reason_code,
            }),
            Self::UdsConnect => T::UdsConnect(pb::UdsConnectRecord {}),
        }
    }
}

/// A validated USP Record.
///
/// Holding a `Record` means: exactly one record type (R-ENC.3), a `Major.Minor` version of
/// USP 1.x, valid `to_id`/`from_id` Endpoint IDs (R-ARC.2a), known enum values (R-ENC.2), a
/// non-empty payload without a session (R-E2E.26), TLS12 only with a session (R-E2E.41), and
/// sane SessionContext fields.
///
/// Decoding from [`Bytes`] does not copy payloads: each payload is a reference-counted slice
/// of the input buffer.
///
/// ```
/// use usp_record::{Record, RecordBuilder, RecordKind};
///
/// let rec = RecordBuilder::new("proto::agent", "proto::controller")?
///     .no_session_context(&b"\x0a\x03\x0a\x01x"[..])?;
/// let wire = rec.to_bytes();
/// let back = Record::decode(wire)?;
/// assert_eq!(back, rec);
/// assert_eq!(back.to_id().as_str(), "proto::agent");
/// assert!(matches!(back.kind(), RecordKind::NoSessionContext { .. }));
/// # Ok::<(), usp_record::RecordError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    version: String,
    parsed_version: Version,
    to_id: EndpointId,
    from_id: EndpointId,
    payload_security: PayloadSecurity,
    mac_signature: Bytes,
    sender_cert: Bytes,
    kind: RecordKind,
}

impl Record {
    /// Decodes and validates a Record with the default [`DecodeOptions`].
    ///
    /// # Errors
    /// [`RecordError`]; see [`RecordError::disposition`] for what to do with the Record.
    pub fn decode(buf: Bytes) -> Result<Self, RecordError> {
        Self::decode_with(buf, &DecodeOptions::default())
    }

    /// Decodes and validates a Record from a slice. The payloads are copied; prefer
    /// [`Record::decode`] with a [`Bytes`] when you have one.
    ///
    /// # Errors
    /// As [`Record::decode`].
    pub fn decode_slice(buf: &[u8]) -> Result<Self, RecordError> {
        let opts = DecodeOptions::default();
        check_size(buf.len(), &opts)?;
        Self::decode_with(Bytes::copy_from_slice(buf), &opts)
    }

    /// Decodes and validates a Record.
    ///
    /// The size limit is checked before anything is allocated; prost bounds nesting at 100
    /// levels. Unknown fields (from a newer minor version) are accepted and dropped: re-encoding
    /// gives the canonical bytes without them. A broker that must pass them on should forward
    /// the original bytes rather than a re-encoding.
    ///
    /// # Errors
    /// [`RecordError`]; see [`RecordError::disposition`] for what to do with the Record.
    pub fn decode_with(buf: Bytes, opts: &DecodeOptions) -> Result<Self, RecordError> {
        // The borrowed layer makes every check, in the same order as `try_from` after the
        // wire checks (and gives prost's error for malformed input); the owned Record is built
        // from what it checked, its bytes fields sharing `buf`.
        RecordRef::decode_then(&buf, opts, |r, [to, from]| {
            Ok(Self {
                version: String::from(r.version_str()),
                parsed_version: r.version(),
                to_id: EndpointId::from_checked(String::from(r.to_id()), to),
                from_id: EndpointId::from_checked(String::from(r.from_id()), from),
                payload_security: r.payload_security(),
                mac_signature: share(&buf, r.mac_signature()),
                sender_cert: share(&buf, r.sender_cert()),
                // Its rules were checked; `from_pb` checks them again (cheaply) rather than
                // assume them.
                kind: RecordKind::from_pb(shared_kind(&buf, r.kind()))?,
            })
        })?
    }

    /// The encoded size in bytes.
    pub fn encoded_len(&self) -> usize {
        self.to_view().fast_encoded_len()
    }

    /// Encodes the Record into a new buffer (the same bytes as [`Record::encode_to_vec`]).
    pub fn to_bytes(&self) -> Bytes {
        Bytes::from(self.encode_to_vec())
    }

    /// Encodes the Record into a `Vec` of exactly [`Record::encoded_len`] bytes.
    ///
    /// The fields are borrowed into a [`view::Record`] and written with
    /// [`FastEncode`](view::FastEncode), without copying them first; the bytes are those
    /// prost gives for the raw form ([`pb::Record::from`]).
    pub fn encode_to_vec(&self) -> Vec<u8> {
        self.to_view().encode_fast_to_vec()
    }

    /// Appends the encoding to `buf`, growing it by [`Record::encoded_len`] bytes (the same
    /// bytes as [`Record::encode_to_vec`]). A `Vec` kept between Records
    /// (cleared, not dropped) means no allocation per Record once it is large enough.
    ///
    /// ```
    /// use usp_record::{Record, RecordBuilder};
    ///
    /// let mut buf = Vec::with_capacity(256);
    /// let rec = RecordBuilder::new("proto::controller", "proto::agent")?
    ///     .no_session_context(&b"msg"[..])?;
    /// buf.clear();
    /// rec.append_to(&mut buf);
    /// assert_eq!(buf, rec.encode_to_vec());
    /// assert_eq!(Record::decode_slice(&buf)?, rec);
    /// # Ok::<(), usp_record::RecordError>(())
    /// ```
    pub fn append_to(&self, buf: &mut Vec<u8>) {
        self.to_view().encode_fast(buf);
    }

    /// This Record as a borrowed view.
    fn to_view(&self) -> view::Record<'_> {
        view::Record {
            version: &self.version,
            to_id: self.to_id.as_str(),
            from_id: self.from_id.as_str(),
            payload_security: self.payload_security.to_wire(),
            mac_signature: &self.mac_signature,
            sender_cert: &self.sender_cert,
            record_type: Some(self.kind.to_view()),
        }
    }

    /// The `version` string as on the wire (e.g. `"1.4"`).
    pub fn version_str(&self) -> &str {
        &self.version
    }

    /// The parsed protocol version.
    pub fn version(&self) -> Version {
        self.parsed_version
    }

    /// The recipient.
    pub fn to_id(&self) -> &EndpointId {
        &self.to_id
    }

    /// The sender.
    pub fn from_id(&self) -> &EndpointId {
        &self.from_id
    }

    /// How the payload is protected.
    pub fn payload_security(&self) -> PayloadSecurity {
        self.payload_security
    }

    /// The MAC or signature over the Record (empty if none). Verified by usp-e2e.
    pub fn mac_signature(&self) -> &Bytes {
        &self.mac_signature
    }

    /// The sender's PEM certificate or chain (empty if none).
    pub fn sender_cert(&self) -> &Bytes {
        &self.sender_cert
    }

    /// The record type and its fields.
    pub fn kind(&self) -> &RecordKind {
        &self.kind
    }

    /// Consumes the Record, returning its kind.
    pub fn into_kind(self) -> RecordKind {
        self.kind
    }

    /// The payload of a NoSessionContext Record, if this is one.
    pub fn no_session_payload(&self) -> Option<&Bytes> {
        match &self.kind {
            RecordKind::NoSessionContext { payload } => Some(payload),
            _ => None,
        }
    }

    /// Whether a Record addressed like this one is for `us`. A receiver ignores Records that
    /// are not, without replying (R-E2E.1).
    pub fn is_addressed_to(&self, us: &EndpointId) -> bool {
        self.to_id == *us
    }

    /// A builder for the reply to this Record: `to_id`/`from_id` swapped, same version and
    /// payload security. Use the same record type as the request (R-MSG.0a); for a
    /// NoSessionContext request that is [`RecordBuilder::no_session_context`].
    pub fn reply_builder(&self) -> RecordBuilder {
        RecordBuilder {
            version: self.version.clone(),
            to_id: self.from_id.clone(),
            from_id: self.to_id.clone(),
            payload_security: self.payload_security,
            mac_signature: Bytes::new(),
            sender_cert: Bytes::new(),
        }
    }
}

/// `sub`, a slice of `buf`'s memory, as a [`Bytes`] sharing it (a copy if it is not in `buf`,
/// which the views never produce).
fn share(buf: &Bytes, sub: &[u8]) -> Bytes {
    let start = (sub.as_ptr() as usize).wrapping_sub(buf.as_ptr() as usize);
    match start.checked_add(sub.len()) {
        _ if sub.is_empty() => Bytes::new(),
        Some(end) if end <= buf.len() => buf.slice(start..end),
        _ => Bytes::copy_from_slice(sub),
    }
}

/// The raw Record of view `v` decoded from `buf`: strings copied, bytes shared with `buf` (the
/// fuzz body compares it with what prost decodes).
#[cfg(any(fuzzing, test))]
pub(crate) fn shared_pb(buf: &Bytes, v: &view::Record<'_>) -> pb::Record {
    pb::Record {
        version: String::from(v.version),
        to_id: String::from(v.to_id),
        from_id: String::from(v.from_id),
        payload_security: v.payload_security,
        mac_signature: share(buf, v.mac_signature),
        sender_cert: share(buf, v.sender_cert),
        record_type: v.record_type.as_ref().map(|t| shared_kind(buf, t)),
    }
}

/// The raw record type of view `t` decoded from `buf`: strings copied, bytes shared with `buf`.
fn shared_kind(buf: &Bytes, t: &view::record::RecordType<'_>) -> pb::record::RecordType {
    use view::record::RecordType as V;
    match t {
        V::NoSessionContext(n) => {
            pb::record::RecordType::NoSessionContext(pb::NoSessionContextRecord {
                payload: share(buf, n.payload),
            })
        }
        V::SessionContext(c) => pb::record::RecordType::SessionContext(pb::SessionContextRecord {
            session_id: c.session_id,
            sequence_id: c.sequence_id,
            expected_id: c.expected_id,
            retransmit_id: c.retransmit_id,
            payload_sar_state: c.payload_sar_state,
            payloadrec_sar_state: c.payloadrec_sar_state,
            payload: c.payload.iter().map(|p| share(buf, p)).collect(),
        }),
        other => other.to_pb(),
    }
}

pub(crate) fn check_size(size: usize, opts: &DecodeOptions) -> Result<(), RecordError> {
    if size > opts.max_record_size {
        return Err(RecordError::TooLarge {
            size,
            max: opts.max_record_size,
        });
    }
    Ok(())
}

fn endpoint(field: &'static str, s: String) -> Result<EndpointId, RecordError> {
    let parsed = check_endpoint(field, &s)?;
    Ok(EndpointId::from_checked(s, parsed))
}

/// The checks of [`endpoint`] without keeping the string.
pub(crate) fn check_endpoint(field: &'static str, s: &str) -> Result<Parsed, RecordError> {
    EndpointId::check(s).map_err(|e| endpoint_error(field, e))
}

/// An empty Endpoint ID is a missing field; any other fault an invalid ID.
fn endpoint_error(field: &'static str, e: EndpointIdError) -> RecordError {
    match e {
        EndpointIdError::Empty => RecordError::EmptyField(field),
        source => RecordError::InvalidEndpointId { field, source },
    }
}

pub(crate) fn parse_version(s: &str) -> Result<Version, RecordError> {
    if s.is_empty() {
        return Err(RecordError::EmptyField("version"));
    }
    let v = Version::parse(s).ok_or_else(|| RecordError::InvalidVersion(String::from(s)))?;
    if v.major != 1 {
        return Err(RecordError::UnsupportedVersion(v.major));
    }
    Ok(v)
}

impl TryFrom<pb::Record> for Record {
    type Error = RecordError;

    /// Validates a raw Record. This cannot see a second `record_type` member on the wire
    /// (prost keeps the last one); [`Record::decode`] checks that too.
    fn try_from(p: pb::Record) -> Result<Self, RecordError> {
        let parsed_version = parse_version(&p.version)?;
        let to_id = endpoint("to_id", p.to_id)?;
        let from_id = endpoint("from_id", p.from_id)?;
        let payload_security = PayloadSecurity::from_wire(p.payload_security)?;
        let kind = RecordKind::from_pb(p.record_type.ok_or(RecordError::MissingRecordType)?)?;
        if payload_security == PayloadSecurity::Tls12
            && !matches!(kind, RecordKind::SessionContext(_))
        {
            return Err(RecordError::Tls12WithoutSession);
        }
        Ok(Self {
            version: p.version,
            parsed_version,
            to_id,
            from_id,
            payload_security,
            mac_signature: p.mac_signature,
            sender_cert: p.sender_cert,
            kind,
        })
    }
}

impl From<Record> for pb::Record {
    fn from(r: Record) -> Self {
        Self {
            version: r.version,
            to_id: r.to_id.into(),
            from_id: r.from_id.into(),
            payload_security: r.payload_security.to_wire(),
            mac_signature: r.mac_signature,
            sender_cert: r.sender_cert,
            record_type: Some(r.kind.into_pb()),
        }
    }
}

/// Builds a [`Record`] of any type. The terminal methods validate exactly as the decoder does,
/// so a built Record always decodes back to itself.
///
/// Each terminal method returns the [`Record`]; for the encoded bytes in one call use
/// [`build_bytes`](Self::build_bytes) (any kind), [`no_session_context_bytes`](Self::no_session_context_bytes)
/// or [`session_context_bytes`](Self::session_context_bytes).
///
/// ```
/// use usp_record::{MqttVersion, Record, RecordBuilder};
///
/// let connect = RecordBuilder::new("proto::controller", "os::012345-525400A1B2C3")?
///     .mqtt_connect(MqttVersion::V5, "/usp/agent")?;
/// let bytes = connect.to_bytes();
/// assert_eq!(Record::decode(bytes)?, connect);
///
/// // R-MTP.4b: required fields are enforced
/// assert!(RecordBuilder::new("proto::a", "proto::b")?.mqtt_connect(MqttVersion::V5, "").is_err());
/// // R-ARC.2: an Endpoint never talks to itself
/// assert!(RecordBuilder::new("proto::a", "proto::a").is_err());
/// # Ok::<(), usp_record::RecordError>(())
/// ```
#[derive(Debug, Clone)]
pub struct RecordBuilder {
    version: String,
    to_id: EndpointId,
    from_id: EndpointId,
    payload_security: PayloadSecurity,
    mac_signature: Bytes,
    sender_cert: Bytes,
}

impl RecordBuilder {
    /// Starts a Record from `from_id` to `to_id`, version [`USP_VERSION`], PLAINTEXT.
    ///
    /// # Errors
    /// An invalid Endpoint ID, or `to_id == from_id` (R-ARC.2).
    pub fn new(to_id: &str, from_id: &str) -> Result<Self, RecordError> {
        let to_id = endpoint("to_id", String::from(to_id))?;
        let from_id = endpoint("from_id", String::from(from_id))?;
        Self::from_ids(to_id, from_id)
    }

    /// Starts a Record between two already-parsed Endpoint IDs.
    ///
    /// # Errors
    /// `to_id == from_id` (R-ARC.2).
    pub fn from_ids(to_id: EndpointId, from_id: EndpointId) -> Result<Self, RecordError> {
        if to_id == from_id {
            return Err(RecordError::SameEndpoint);
        }
        Ok(Self {
            version: String::from(USP_VERSION),
            to_id,
            from_id,
            payload_security: PayloadSecurity::Plaintext,
            mac_signature: Bytes::new(),
            sender_cert: Bytes::new(),
        })
    }

    /// Sets the `version` string (default [`USP_VERSION`]); checked by the terminal method.
    #[must_use]
    pub fn version(mut self, version: &str) -> Self {
        self.version = String::from(version);
        self
    }

    /// Sets `payload_security` (default PLAINTEXT). TLS12 is only valid with a session.
    #[must_use]
    pub fn payload_security(mut self, security: PayloadSecurity) -> Self {
        self.payload_security = security;
        self
    }

    /// Sets `mac_signature` (normally computed by usp-e2e).
    #[must_use]
    pub fn mac_signature(mut self, mac: impl Into<Bytes>) -> Self {
        self.mac_signature = mac.into();
        self
    }

    /// Sets `sender_cert` (a PEM certificate or chain).
    #[must_use]
    pub fn sender_cert(mut self, cert: impl Into<Bytes>) -> Self {
        self.sender_cert = cert.into();
        self
    }

    /// Finishes with any [`RecordKind`].
    ///
    /// ```
    /// use usp_record::{RecordBuilder, RecordKind};
    /// let rec = RecordBuilder::new("proto::a", "proto::b")?
    ///     .version("1.3")
    ///     .build(RecordKind::UdsConnect)?;
    /// assert_eq!(rec.version().minor, 3);
    /// # Ok::<(), usp_record::RecordError>(())
    /// ```
    ///
    /// # Errors
    /// Any validation failure of [`Record`].
    pub fn build(self, kind: RecordKind) -> Result<Record, RecordError> {
        Record::try_from(pb::Record {
            version: self.version,
            to_id: self.to_id.into(),
            from_id: self.from_id.into(),
            payload_security: self.payload_security.to_wire(),
            mac_signature: self.mac_signature,
            sender_cert: self.sender_cert,
            record_type: Some(kind.into_pb()),
        })
    }

    /// [`build`](Self::build), then encode: the bytes of the Record in one call, ready for the
    /// MTP (mirrors `build_bytes` of the usp-msg builders).
    ///
    /// ```
    /// use usp_record::{Record, RecordBuilder, RecordKind};
    /// let wire = RecordBuilder::new("proto::a", "proto::b")?.build_bytes(RecordKind::WebSocketConnect)?;
    /// assert_eq!(Record::decode(wire)?.kind(), &RecordKind::WebSocketConnect);
    /// # Ok::<(), usp_record::RecordError>(())
    /// ```
    ///
    /// # Errors
    /// As [`build`](Self::build).
    pub fn build_bytes(self, kind: RecordKind) -> Result<Bytes, RecordError> {
        Ok(self.build(kind)?.to_bytes())
    }

    /// [`no_session_context`](Self::no_session_context), then encode: wraps one encoded USP
    /// Message and gives the Record's bytes in one call.
    ///
    /// ```
    /// use usp_record::{Record, RecordBuilder};
    /// let msg = bytes::Bytes::from_static(b"\x0a\x08\x0a\x06msg-42"); // an encoded usp.Msg
    /// let wire = RecordBuilder::new("proto::agent", "proto::controller")?
    ///     .no_session_context_bytes(msg.clone())?;
    /// assert_eq!(Record::decode(wire)?.no_session_payload(), Some(&msg));
    /// # Ok::<(), usp_record::RecordError>(())
    /// ```
    ///
    /// # Errors
    /// As [`no_session_context`](Self::no_session_context).
    pub fn no_session_context_bytes(self, payload: impl Into<Bytes>) -> Result<Bytes, RecordError> {
        Ok(self.no_session_context(payload)?.to_bytes())
    }

    /// [`session_context`](Self::session_context), then encode: the Record's bytes in one call.
    ///
    /// ```
    /// use usp_record::{Record, RecordBuilder, RecordKind, SessionContext};
    /// let mut ctx = SessionContext::new(7, 1, 1);
    /// ctx.payload.push(bytes::Bytes::from_static(b"msg"));
    /// let wire = RecordBuilder::new("proto::a", "proto::b")?.session_context_bytes(ctx.clone())?;
    /// assert_eq!(Record::decode(wire)?.kind(), &RecordKind::SessionContext(ctx));
    /// # Ok::<(), usp_record::RecordError>(())
    /// ```
    ///
    /// # Errors
    /// As [`session_context`](Self::session_context).
    pub fn session_context_bytes(self, ctx: SessionContext) -> Result<Bytes, RecordError> {
        Ok(self.session_context(ctx)?.to_bytes())
    }

    /// A NoSessionContext Record carrying one encoded USP Message.
    ///
    /// ```
    /// use usp_record::{RecordBuilder, RecordError};
    /// let rec = RecordBuilder::new("proto::agent", "proto::controller")?
    ///     .no_session_context(&b"encoded usp.Msg"[..])?;
    /// assert_eq!(rec.no_session_payload().map(|p| p.len()), Some(15));
    /// // R-E2E.26: the payload is required
    /// let empty = RecordBuilder::new("proto::agent", "proto::controller")?.no_session_context(&b""[..]);
    /// assert_eq!(empty, Err(RecordError::EmptyField("no_session_context.payload")));
    /// # Ok::<(), RecordError>(())
    /// ```
    ///
    /// # Errors
    /// An empty payload (R-E2E.26), TLS12 (R-E2E.41), a bad version.
    pub fn no_session_context(self, payload: impl Into<Bytes>) -> Result<Record, RecordError> {
        self.build(RecordKind::NoSessionContext {
            payload: payload.into(),
        })
    }

    /// A SessionContext Record.
    ///
    /// ```
    /// use usp_record::{RecordBuilder, SessionContext};
    /// let mut ctx = SessionContext::new(7, 1, 1);
    /// ctx.payload.push(bytes::Bytes::from_static(b"msg"));
    /// let rec = RecordBuilder::new("proto::a", "proto::b")?.session_context(ctx)?;
    /// assert_eq!(rec.kind().name(), "session_context");
    /// # Ok::<(), usp_record::RecordError>(())
    /// ```
    ///
    /// # Errors
    /// A SessionContext sanity failure ([`SessionContext::validate`]), a bad version.
    pub fn session_context(self, ctx: SessionContext) -> Result<Record, RecordError> {
        self.build(RecordKind::SessionContext(ctx))
    }

    /// A WebSocketConnect Record.
    ///
    /// ```
    /// let rec = usp_record::RecordBuilder::new("proto::a", "proto::b")?.websocket_connect()?;
    /// assert!(rec.kind().is_connect());
    /// # Ok::<(), usp_record::RecordError>(())
    /// ```
    ///
    /// # Errors
    /// TLS12 (R-E2E.41), a bad version.
    pub fn websocket_connect(self) -> Result<Record, RecordError> {
        self.build(RecordKind::WebSocketConnect)
    }

    /// An MQTTConnect Record.
    ///
    /// ```
    /// use usp_record::{MqttVersion, RecordBuilder, RecordKind};
    /// let rec = RecordBuilder::new("proto::controller", "proto::agent")?
    ///     .mqtt_connect(MqttVersion::V3_1_1, "usp/agent/response")?;
    /// assert!(matches!(rec.kind(), RecordKind::MqttConnect { version: MqttVersion::V3_1_1, .. }));
    /// # Ok::<(), usp_record::RecordError>(())
    /// ```
    ///
    /// # Errors
    /// An empty topic (R-MTP.4b), TLS12 (R-E2E.41), a bad version.
    pub fn mqtt_connect(
        self,
        version: MqttVersion,
        subscribed_topic: &str,
    ) -> Result<Record, RecordError> {
        self.build(RecordKind::MqttConnect {
            version,
            subscribed_topic: String::from(subscribed_topic),
        })
    }

    /// A STOMPConnect Record.
    ///
    /// ```
    /// use usp_record::{RecordBuilder, StompVersion};
    /// let rec = RecordBuilder::new("proto::a", "proto::b")?
    ///     .stomp_connect(StompVersion::V1_2, "/queue/agent")?;
    /// assert_eq!(rec.kind().name(), "stomp_connect");
    /// # Ok::<(), usp_record::RecordError>(())
    /// ```
    ///
    /// # Errors
    /// An empty destination (R-MTP.4b), TLS12 (R-E2E.41), a bad version.
    pub fn stomp_connect(
        self,
        version: StompVersion,
        subscribed_destination: &str,
    ) -> Result<Record, RecordError> {
        self.build(RecordKind::StompConnect {
            version,
            subscribed_destination: String::from(subscribed_destination),
        })
    }

    /// A UDSConnect Record.
    ///
    /// ```
    /// let rec = usp_record::RecordBuilder::new("proto::a", "proto::b")?.uds_connect()?;
    /// assert_eq!(rec.kind().name(), "uds_connect");
    /// # Ok::<(), usp_record::RecordError>(())
    /// ```
    ///
    /// # Errors
    /// TLS12 (R-E2E.41), a bad version.
    pub fn uds_connect(self) -> Result<Record, RecordError> {
        self.build(RecordKind::UdsConnect)
    }

    /// A Disconnect Record with a reason and a USP error code (R-MTP.9).
    ///
    /// ```
    /// let rec = usp_record::RecordBuilder::new("proto::a", "proto::b")?
    ///     .disconnect("session ended", 7105)?;
    /// assert_eq!(rec.kind().name(), "disconnect");
    /// # Ok::<(), usp_record::RecordError>(())
    /// ```
    ///
    /// # Errors
    /// TLS12 (R-E2E.41), a bad version.
    pub fn disconnect(self, reason: &str, reason_code: u32) -> Result<Record, RecordError> {
        self.build(RecordKind::Disconnect {
            reason: String::from(reason),
            reason_code,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::Disposition;
    use alloc::vec;

    fn raw() -> pb::Record {
        pb::Record {
            version: "1.4".into(),
            to_id: "proto::agent".into(),
            from_id: "proto::controller".into(),
            record_type: Some(pb::record::RecordType::NoSessionContext(
                pb::NoSessionContextRecord {
                    payload: Bytes::from_static(b"m"),
                },
            )),
            ..Default::default()
        }
    }

    fn builder() -> RecordBuilder {
        RecordBuilder::new("proto::agent", "proto::controller").unwrap()
    }

    #[test]
    fn r_mtp_4b_required_fields() {
        let mut p = raw();
        p.version.clear();
        assert_eq!(Record::try_from(p), Err(RecordError::EmptyField("version")));
        let mut p = raw();
        p.to_id.clear();
        assert_eq!(Record::try_from(p), Err(RecordError::EmptyField("to_id")));
        let mut p = raw();
        p.from_id.clear();
        assert_eq!(Record::try_from(p), Err(RecordError::EmptyField("from_id")));
        let mut p = raw();
        p.record_type = None;
        assert_eq!(Record::try_from(p), Err(RecordError::MissingRecordType));
        assert_eq!(
            builder().mqtt_connect(MqttVersion::V3_1_1, ""),
            Err(RecordError::EmptyField("mqtt_connect.subscribed_topic"))
        );
        assert_eq!(
            builder().stomp_connect(StompVersion::V1_2, ""),
            Err(RecordError::EmptyField(
                "stomp_connect.subscribed_destination"
            ))
        );
        assert_eq!(
            RecordBuilder::new("", "proto::b").unwrap_err(),
            RecordError::EmptyField("to_id")
        );
    }

    #[test]
    fn r_e2e_26_no_session_payload_must_not_be_empty() {
        let e = builder().no_session_context(Bytes::new()).unwrap_err();
        assert_eq!(e, RecordError::EmptyField("no_session_context.payload"));
        assert_eq!(e.usp_error_code(), Some(7104));
    }

    #[test]
    fn r_e2e_2_empty_session_record_is_accepted() {
        let rec = builder()
            .session_context(SessionContext::new(9, 1, 1))
            .unwrap();
        let back = Record::decode(rec.to_bytes()).unwrap();
        assert_eq!(back, rec);
    }

    #[test]
    fn r_arc_2_builder_refuses_same_endpoint() {
        let e = RecordBuilder::new("proto::x", "proto::x").unwrap_err();
        assert_eq!(e, RecordError::SameEndpoint);
    }

    #[test]
    fn r_arc_2a_invalid_endpoint_ids_are_7104() {
        let mut p = raw();
        p.from_id = "foo::x".into();
        let e = Record::try_from(p).unwrap_err();
        assert!(matches!(
            e,
            RecordError::InvalidEndpointId {
                field: "from_id",
                ..
            }
        ));
        assert_eq!(e.disposition(), Disposition::ErrorReply(7104));
    }

    #[test]
    fn r_arc_0_r_arc_1_shared_endpoint_ids_are_not_rejected_by_the_validator() {
        // An Agent and a Controller may share an EID; the validator only looks at syntax.
        let rec = RecordBuilder::new("proto::shared", "proto::other")
            .unwrap()
            .uds_connect();
        assert!(rec.is_ok());
    }

    #[test]
    fn r_e2e_1_addressing() {
        let rec = builder().websocket_connect().unwrap();
        assert!(rec.is_addressed_to(&EndpointId::parse("proto::agent").unwrap()));
        assert!(!rec.is_addressed_to(&EndpointId::parse("proto::other").unwrap()));
    }

    #[test]
    fn r_msg_0a_reply_reuses_addressing_swapped() {
        let req = builder().no_session_context(&b"req"[..]).unwrap();
        let resp = req
            .reply_builder()
            .no_session_context(&b"resp"[..])
            .unwrap();
        assert_eq!(resp.to_id(), req.from_id());
        assert_eq!(resp.from_id(), req.to_id());
        assert_eq!(resp.kind().name(), req.kind().name());
    }

    #[test]
    fn r_mtp_9_disconnect_round_trips_reason_and_code() {
        let rec = builder().disconnect("bye", 7105).unwrap();
        let back = Record::decode(rec.to_bytes()).unwrap();
        assert_eq!(
            back.kind(),
            &RecordKind::Disconnect {
                reason: "bye".into(),
                reason_code: 7105
            }
        );
    }

    #[test]
    fn r_mtp_6_every_connect_record_builds() {
        let b = builder;
        for rec in [
            b().websocket_connect(),
            b().mqtt_connect(MqttVersion::V5, "t"),
            b().stomp_connect(StompVersion::V1_2, "d"),
            b().uds_connect(),
        ] {
            let rec = rec.unwrap();
            assert!(rec.kind().is_connect());
            assert_eq!(Record::decode(rec.to_bytes()).unwrap(), rec);
        }
        assert!(!b().disconnect("", 0).unwrap().kind().is_connect());
    }

    #[test]
    fn bytes_finishers_equal_build_then_to_bytes() {
        let mut ctx = SessionContext::new(5, 2, 3);
        ctx.payload.push(Bytes::from_static(b"p"));
        assert_eq!(
            builder().no_session_context_bytes(&b"m"[..]),
            Ok(builder().no_session_context(&b"m"[..]).unwrap().to_bytes())
        );
        assert_eq!(
            builder().session_context_bytes(ctx.clone()),
            Ok(builder().session_context(ctx).unwrap().to_bytes())
        );
        assert_eq!(
            builder().build_bytes(RecordKind::UdsConnect),
            Ok(builder().uds_connect().unwrap().to_bytes())
        );
        // Validation still applies (R-E2E.26).
        assert_eq!(
            builder().no_session_context_bytes(Bytes::new()),
            Err(RecordError::EmptyField("no_session_context.payload"))
        );
        assert_eq!(
            builder()
                .payload_security(PayloadSecurity::Tls12)
                .build_bytes(RecordKind::WebSocketConnect),
            Err(RecordError::Tls12WithoutSession)
        );
    }

    #[test]
    fn version_rules() {
        for ok in ["1.0", "1.4", "1.99"] {
            assert!(builder().version(ok).websocket_connect().is_ok(), "{ok}");
        }
        assert_eq!(
            builder().version("2.0").websocket_connect(),
            Err(RecordError::UnsupportedVersion(2))
        );
        for bad in ["1", "1.", ".4", "1.4.1", "v1.4", " 1.4", "1.-4"] {
            assert!(
                matches!(
                    builder().version(bad).websocket_connect(),
                    Err(RecordError::InvalidVersion(_))
                ),
                "{bad}"
            );
        }
        assert_eq!(Version::parse("1.4"), Some(Version { major: 1, minor: 4 }));
        // Every shape the digit fold must get right, against the standard parser, and every
        // three-byte string of digits, dots and the bytes around the digits (the one-digit
        // fast path).
        let alphabet = ['/', '0', '1', '9', ':', '.', 'a'];
        let mut three = Vec::new();
        for a in alphabet {
            for b in alphabet {
                for c in alphabet {
                    three.push(alloc::format!("{a}{b}{c}"));
                }
            }
        }
        for s in [
            "1.4",
            "01.04",
            "0.0",
            "999999999.1",
            "1.999999999",
            "1234567890.1",
            "1.1234567890",
            "1.",
            ".4",
            "1..4",
            "1.4.5",
            "+1.4",
            "1.-4",
            "1 .4",
            "a.4",
            "1.4a",
            "",
            ".",
            "1",
            "4294967295.0",
        ]
        .map(String::from)
        .into_iter()
        .chain(three)
        {
            let s = s.as_str();
            let expected = s.split_once('.').and_then(|(a, b)| {
                let num = |t: &str| {
                    (!t.is_empty() && t.len() <= 9 && t.bytes().all(|c| c.is_ascii_digit()))
                        .then(|| t.parse::<u32>().ok())
                        .flatten()
                };
                Some(Version {
                    major: num(a)?,
                    minor: num(b)?,
                })
            });
            assert_eq!(Version::parse(s), expected, "{s:?}");
        }
    }

    #[test]
    fn r_e2e_41_builder_refuses_tls12_without_session() {
        let e = builder()
            .payload_security(PayloadSecurity::Tls12)
            .no_session_context(&b"x"[..])
            .unwrap_err();
        assert_eq!(e, RecordError::Tls12WithoutSession);
        let mut ctx = SessionContext::new(1, 1, 1);
        ctx.payload = vec![Bytes::from_static(b"tls")];
        assert!(
            builder()
                .payload_security(PayloadSecurity::Tls12)
                .session_context(ctx)
                .is_ok()
        );
    }

    #[test]
    fn session_context_sanity() {
        let check = |f: fn(&mut SessionContext)| {
            let mut s = SessionContext::new(1, 1, 1);
            f(&mut s);
            s.validate()
        };
        assert!(check(|_| {}).is_ok());
        assert!(check(|s| s.sequence_id = 0).is_err());
        assert!(check(|s| s.expected_id = 0).is_err());
        assert!(check(|s| s.payloadrec_sar_state = SarState::Begin).is_err());
        assert!(check(|s| s.payload_sar_state = SarState::Begin).is_err());
        assert!(
            check(|s| {
                s.payload_sar_state = SarState::Begin;
                s.payloadrec_sar_state = SarState::Begin;
                s.payload.push(Bytes::from_static(b"x"));
            })
            .is_ok()
        );
        // payloadrec NONE with payload BEGIN is legal (several whole TLS records per Record)
        assert!(
            check(|s| {
                s.payload_sar_state = SarState::Begin;
                s.payload.push(Bytes::from_static(b"x"));
            })
            .is_ok()
        );
    }

    #[test]
    fn r_enc_2_unknown_payloadrec_sar_state_names_its_field() {
        let mut p = raw();
        p.record_type = Some(pb::record::RecordType::SessionContext(
            pb::SessionContextRecord {
                sequence_id: 1,
                expected_id: 1,
                payloadrec_sar_state: 4,
                ..Default::default()
            },
        ));
        assert_eq!(
            Record::try_from(p),
            Err(RecordError::UnknownEnumValue {
                field: "session_context.payloadrec_sar_state",
                value: 4
            })
        );
    }
}
