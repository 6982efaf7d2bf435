//! [`MsgRef`]: the validated message layer over the zero-copy view.

use crate::error::{BodyKind, MsgError, Oneof, Warning};
use crate::view::{self, body::MsgBody, request::ReqType, response::RespType};
use crate::{DecodeOptions, MsgType, oneof_scan, pb};

/// A validated USP Message that borrows its bytes: every check of [`Msg::decode`](crate::Msg::decode)
/// over the generated zero-copy [`view::Msg`], without allocating.
///
/// Holding a `MsgRef` means what holding a [`Msg`](crate::Msg) means: a header with a
/// non-empty msg_id (R-MSG.6, R-MSG.8), a body (R-MSG.7), exactly one member on the wire in
/// every oneof the schema requires (R-ENC.5), and a message type taken from the body with any
/// disagreement of the header reported by [`MsgRef::warning`] (R-MSG.10). For the same input
/// and options, `MsgRef::decode_with` and `Msg::decode_with` accept the same messages and give
/// the same errors.
///
/// Strings and bytes point into the input, so a `MsgRef` lives no longer than it. Use it
/// where a message is looked at and answered (an agent's request path, a controller's
/// response path); use [`Msg`](crate::Msg) to keep a message or build one.
///
/// ```
/// use usp_msg::view::request::ReqType;
/// use usp_msg::{GetBuilder, MsgRef, MsgType};
///
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let bytes = GetBuilder::new("msg-1").path("Device.DeviceInfo.").max_depth(2).build_bytes()?;
/// let msg = MsgRef::decode(&bytes)?;
/// assert_eq!(msg.msg_id(), "msg-1");
/// assert_eq!(msg.msg_type(), MsgType::Get);
/// let Some(ReqType::Get(get)) = msg.request() else { panic!("not a Get") };
/// assert_eq!(get.param_paths.as_slice(), ["Device.DeviceInfo."]);
/// assert_eq!(get.max_depth, 2);
/// assert!(msg.warning().is_none());
///
/// // R-MSG.8: an empty msg_id is refused, as by `Msg::decode`.
/// let empty_id = [0x0a, 0x02, 0x10, 0x01, 0x12, 0x04, 0x0a, 0x02, 0x0a, 0x00];
/// assert!(MsgRef::decode(&empty_id).is_err());
/// # Ok(()) }
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MsgRef<'a> {
    header: view::Header<'a>,
    body: MsgBody<'a>,
    msg_type: MsgType,
    warning: Option<Warning>,
}

impl<'a> MsgRef<'a> {
    /// Decodes and validates a message with the default [`DecodeOptions`].
    ///
    /// # Errors
    /// As [`Msg::decode`](crate::Msg::decode): [`MsgError::TooLarge`], [`MsgError::Decode`]
    /// (malformed protobuf, R-MSG.5) or a validation error (R-MSG.6/7/8, R-ENC.5).
    pub fn decode(buf: &'a [u8]) -> Result<Self, MsgError> {
        Self::decode_with(buf, &DecodeOptions::default())
    }

    /// Like [`MsgRef::decode`], with explicit options (size limit, strict mode).
    ///
    /// # Errors
    /// As [`MsgRef::decode`]; in strict mode also [`MsgError::MsgTypeRejected`].
    pub fn decode_with(buf: &'a [u8], opts: &DecodeOptions) -> Result<Self, MsgError> {
        check_size(buf.len(), opts)?;
        #[cfg(feature = "text-decoder")]
        {
            match core::str::from_utf8(buf) {
                Ok(text) => Self::decode_valid_text(text, opts),
                Err(_) => Self::validate(buf, view::Msg::decode_bytes(buf), opts, true),
            }
        }
        #[cfg(not(feature = "text-decoder"))]
        Self::validate(buf, view::Msg::decode(buf), opts, true)
    }

    /// [`MsgRef::decode_with`] for input already known to be UTF-8 as a whole (for example
    /// a Record's payload found with [`view::text_within`] in a Record validated once),
    /// skipping the view's own UTF-8 pass. Same result as `decode_with(text.as_bytes(), opts)`.
    ///
    /// # Errors
    /// As [`MsgRef::decode_with`].
    pub fn decode_text_with(text: &'a str, opts: &DecodeOptions) -> Result<Self, MsgError> {
        check_size(text.len(), opts)?;
        Self::decode_valid_text(text, opts)
    }

    /// Decodes and validates UTF-8 input whose size was checked.
    fn decode_valid_text(text: &'a str, opts: &DecodeOptions) -> Result<Self, MsgError> {
        #[cfg(feature = "text-decoder")]
        if let Some(msg) = view::Msg::decode_text_only(text) {
            // The text decoder leaves a oneof whose member changes to the general one, so
            // the R-ENC.5 scan for a second member has nothing to find.
            return Self::validate(text.as_bytes(), Ok(msg), opts, false);
        }
        Self::validate(text.as_bytes(), view::Msg::decode_text(text), opts, true)
    }

    /// The checks after decoding; `scan`: whether the bytes may hold a oneof with two members
    /// (the view keeps the last), so the R-ENC.5 wire scan must look.
    fn validate(
        data: &'a [u8],
        decoded: Result<view::Msg<'a>, view::DecodeError>,
        opts: &DecodeOptions,
        scan: bool,
    ) -> Result<Self, MsgError> {
        // R-ENC.5: a second oneof member on the wire, which the decoder would merge away.
        let conflict = if scan {
            oneof_scan::scan(data).err()
        } else {
            None
        };
        let msg = match decoded {
            Ok(msg) => msg,
            // The view rejects exactly what prost rejects (the agreement tests prove it);
            // prost's error is the source, the view's says where.
            Err(detail) => return Err(decode_error(data, detail)),
        };
        // R-MSG.6, R-MSG.8 come first, then a conflict, then the required oneofs.
        let header = msg.header.ok_or(MsgError::MissingHeader)?;
        if header.msg_id.is_empty() {
            return Err(MsgError::EmptyMsgId);
        }
        let body = msg.body.and_then(|b| b.msg_body);
        if let Some(c) = conflict {
            return Err(MsgError::ConflictingOneof {
                msg_id: header.msg_id.into(),
                // Two bodies on the wire: which one the sender meant is unknown.
                body: match (&body, c.oneof) {
                    (_, Oneof::MsgBody) | (None, _) => None,
                    (Some(b), _) => Some(kind_of(b)),
                },
                oneof: c.oneof,
                first: c.first,
                second: c.second,
            });
        }
        let missing = |body, oneof| MsgError::MissingOneof {
            msg_id: header.msg_id.into(),
            body,
            oneof,
        };
        let Some(body) = body else {
            return Err(missing(None, Oneof::MsgBody));
        };
        let msg_type = body_type(&body).map_err(|oneof| missing(Some(kind_of(&body)), oneof))?;
        let warning = warning(header.msg_type, msg_type);
        if let (true, Some(warning)) = (opts.is_strict(), warning) {
            return Err(MsgError::MsgTypeRejected {
                msg_id: header.msg_id.into(),
                body: kind_of(&body),
                warning,
            });
        }
        Ok(Self {
            header,
            body,
            msg_type,
            warning,
        })
    }

    /// The msg_id (never empty).
    #[must_use]
    pub fn msg_id(&self) -> &'a str {
        self.header.msg_id
    }

    /// The message type: always the body's (R-MSG.10).
    #[must_use]
    pub fn msg_type(&self) -> MsgType {
        self.msg_type
    }

    /// The header as received (its `msg_type` may disagree with the body: see
    /// [`MsgRef::warning`]).
    #[must_use]
    pub fn header(&self) -> &view::Header<'a> {
        &self.header
    }

    /// The body: its required oneofs are set.
    #[must_use]
    pub fn body(&self) -> &MsgBody<'a> {
        &self.body
    }

    /// The request, if the body is one (its `req_type` is set).
    #[must_use]
    pub fn request(&self) -> Option<&ReqType<'a>> {
        match &self.body {
            MsgBody::Request(r) => r.req_type.as_ref(),
            _ => None,
        }
    }

    /// The response, if the body is one (its `resp_type` is set).
    #[must_use]
    pub fn response(&self) -> Option<&RespType<'a>> {
        match &self.body {
            MsgBody::Response(r) => r.resp_type.as_ref(),
            _ => None,
        }
    }

    /// The Error message, if the body is one.
    #[must_use]
    pub fn error(&self) -> Option<&view::Error<'a>> {
        match &self.body {
            MsgBody::Error(e) => Some(e),
            _ => None,
        }
    }

    /// What was wrong with the header's msg_type, if anything (R-MSG.10).
    #[must_use]
    pub fn warning(&self) -> Option<Warning> {
        self.warning
    }

    /// The message as a plain view (header and body as received).
    #[must_use]
    pub fn into_view(self) -> view::Msg<'a> {
        view::Msg {
            header: Some(self.header),
            body: Some(view::Body {
                msg_body: Some(self.body),
            }),
        }
    }
}

/// The error for input the view rejects: prost's, as [`Msg::decode`](crate::Msg::decode)
/// gives, with the view's error saying where.
#[cold]
fn decode_error(data: &[u8], detail: view::DecodeError) -> MsgError {
    let source = match <pb::Msg as prost::Message>::decode(data) {
        Err(source) => source,
        // The view rejects exactly what prost rejects (the fast-path agreement tests and the
        // fuzz targets check it). Were they ever to disagree, the input is still refused:
        // prost has no other public constructor for its error.
        #[allow(deprecated)]
        Ok(_) => prost::DecodeError::new("rejected by the view decoder"),
    };
    MsgError::Decode {
        source,
        detail: Some(detail),
    }
}

/// [`MsgError::TooLarge`] when `size` is over the limit of `opts`.
pub(crate) fn check_size(size: usize, opts: &DecodeOptions) -> Result<(), MsgError> {
    let max = opts.get_max_msg_size();
    if size > max {
        return Err(MsgError::TooLarge { size, max });
    }
    Ok(())
}

fn kind_of(body: &MsgBody<'_>) -> BodyKind {
    match body {
        MsgBody::Request(_) => BodyKind::Request,
        MsgBody::Response(_) => BodyKind::Response,
        MsgBody::Error(_) => BodyKind::Error,
    }
}

/// What the header's `msg_type` says against the body's type (R-MSG.10).
pub(crate) fn warning(header: i32, body: MsgType) -> Option<Warning> {
    match MsgType::from_i32(header) {
        Some(t) if t == body => None,
        Some(MsgType::Error) => Some(Warning::MsgTypeMissing { body }),
        Some(t) => Some(Warning::MsgTypeMismatch { header: t, body }),
        None => Some(Warning::UnknownMsgType { header, body }),
    }
}

/// The body's message type, or the first required oneof that is empty (R-ENC.5), in the
/// order [`Msg::from_pb_with`](crate::Msg::from_pb_with) checks them.
fn body_type(body: &MsgBody<'_>) -> Result<MsgType, Oneof> {
    match body {
        MsgBody::Request(r) => request_type(r.req_type.as_ref().ok_or(Oneof::ReqType)?),
        MsgBody::Response(r) => response_type(r.resp_type.as_ref().ok_or(Oneof::RespType)?),
        MsgBody::Error(_) => Ok(MsgType::Error),
    }
}

fn request_type(req: &ReqType<'_>) -> Result<MsgType, Oneof> {
    use view::notify::Notification;
    Ok(match req {
        ReqType::Get(_) => MsgType::Get,
        ReqType::GetSupportedDm(_) => MsgType::GetSupportedDm,
        ReqType::GetInstances(_) => MsgType::GetInstances,
        ReqType::Set(_) => MsgType::Set,
        ReqType::Add(_) => MsgType::Add,
        ReqType::Delete(_) => MsgType::Delete,
        ReqType::Operate(_) => MsgType::Operate,
        ReqType::Notify(n) => match &n.notification {
            None => return Err(Oneof::Notification),
            Some(Notification::OperComplete(oc)) if oc.operation_resp.is_none() => {
                return Err(Oneof::OperationCompleteResp);
            }
            Some(_) => MsgType::Notify,
        },
        ReqType::GetSupportedProtocol(_) => MsgType::GetSupportedProto,
        ReqType::Register(_) => MsgType::Register,
        ReqType::Deregister(_) => MsgType::Deregister,
    })
}

fn response_type(resp: &RespType<'_>) -> Result<MsgType, Oneof> {
    /// The index of the first result whose required oneof is empty.
    fn first_missing<T>(items: &[T], ok: impl Fn(&T) -> bool) -> Result<(), usize> {
        items.iter().position(|item| !ok(item)).map_or(Ok(()), Err)
    }
    // Each result's `oper_status` message must be present and hold a member.
    macro_rules! status {
        ($items:expr, $oneof:ident) => {
            first_missing($items, |x| {
                x.oper_status
                    .as_ref()
                    .is_some_and(|s| s.oper_status.is_some())
            })
            .map_err(|index| Oneof::$oneof { index })
        };
    }
    Ok(match resp {
        RespType::GetResp(_) => MsgType::GetResp,
        RespType::GetSupportedDmResp(_) => MsgType::GetSupportedDmResp,
        RespType::GetInstancesResp(_) => MsgType::GetInstancesResp,
        RespType::SetResp(r) => {
            status!(&r.updated_obj_results, SetRespOperStatus)?;
            MsgType::SetResp
        }
        RespType::AddResp(r) => {
            status!(&r.created_obj_results, AddRespOperStatus)?;
            MsgType::AddResp
        }
        RespType::DeleteResp(r) => {
            status!(&r.deleted_obj_results, DeleteRespOperStatus)?;
            MsgType::DeleteResp
        }
        RespType::OperateResp(r) => {
            first_missing(&r.operation_results, |x| x.operation_resp.is_some())
                .map_err(|index| Oneof::OperateRespOperationResp { index })?;
            MsgType::OperateResp
        }
        RespType::NotifyResp(_) => MsgType::NotifyResp,
        RespType::GetSupportedProtocolResp(_) => MsgType::GetSupportedProtoResp,
        RespType::RegisterResp(r) => {
            status!(&r.registered_path_results, RegisterRespOperStatus)?;
            MsgType::RegisterResp
        }
        RespType::DeregisterResp(r) => {
            status!(&r.deregistered_path_results, DeregisterRespOperStatus)?;
            MsgType::DeregisterResp
        }
    })
}
