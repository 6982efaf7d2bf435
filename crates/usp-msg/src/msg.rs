//! The validated message layer: [`Msg`], [`Body`], [`Request`], [`Response`], [`Notify`].

use alloc::string::String;
use alloc::vec::Vec;

use bytes::{Buf, BufMut, Bytes};

use crate::error::{BodyKind, MsgError, Oneof, Warning};
use crate::view::{Encode, Prepared};
use crate::{BuildError, ErrorBuilder, ErrorCode, MsgRef, MsgType, Operation, pb};

/// Default for [`DecodeOptions::max_msg_size`]: 1 MiB.
pub const DEFAULT_MAX_MSG_SIZE: usize = 1024 * 1024;

/// How [`Msg::decode_with`] decodes and validates.
///
/// Defaults: at most [`DEFAULT_MAX_MSG_SIZE`] bytes, lenient msg_type handling.
///
/// ```
/// use usp_msg::DecodeOptions;
///
/// use usp_msg::{GetBuilder, Msg};
///
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let mut opts = DecodeOptions::default();
/// opts.max_msg_size(64 * 1024).strict(true);
/// assert_eq!(opts.get_max_msg_size(), 64 * 1024);
/// assert!(opts.is_strict());
///
/// // Or inline, for one call:
/// let bytes = GetBuilder::new("g").path("Device.").build_bytes()?;
/// let msg = Msg::decode_with(bytes, DecodeOptions::default().strict(true))?;
/// assert_eq!(msg.msg_id(), "g");
/// # Ok(()) }
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DecodeOptions {
    max_msg_size: usize,
    strict: bool,
}

impl Default for DecodeOptions {
    fn default() -> Self {
        Self {
            max_msg_size: DEFAULT_MAX_MSG_SIZE,
            strict: false,
        }
    }
}

impl DecodeOptions {
    /// The defaults; same as [`Default::default`].
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Largest encoded message accepted, in bytes. Longer input is rejected with
    /// [`MsgError::TooLarge`] before anything is decoded or allocated.
    ///
    /// Decoding allocates at most a bounded multiple of the input length, so this bounds
    /// memory as well. prost allocates per field it reads; the worst case is a long list of
    /// empty repeated sub-messages (2 bytes each on the wire, one struct plus `Vec` growth in
    /// memory), measured at about 63 bytes of peak heap per input byte (1 MB of empty GetResp
    /// results → 63 MB). Typical messages need about 5× their size (the 194 KB vector
    /// `edge_getresp_5000_params` peaks at 0.9 MB). Pick the limit with that factor in mind,
    /// e.g. 64 KiB on small devices.
    pub fn max_msg_size(&mut self, bytes: usize) -> &mut Self {
        self.max_msg_size = bytes;
        self
    }

    /// Strict mode: a header msg_type that disagrees with the body (or is missing or unknown)
    /// is an error ([`MsgError::MsgTypeRejected`]) instead of a [`Warning`]. Off by default,
    /// since R-MSG.10 makes msg_type informative.
    pub fn strict(&mut self, strict: bool) -> &mut Self {
        self.strict = strict;
        self
    }

    /// The configured maximum message size.
    #[must_use]
    pub fn get_max_msg_size(&self) -> usize {
        self.max_msg_size
    }

    /// Whether strict mode is on.
    #[must_use]
    pub fn is_strict(&self) -> bool {
        self.strict
    }
}

/// A validated USP Message.
///
/// Holding a `Msg` means: it had a header with a non-empty msg_id (R-MSG.6, R-MSG.8), a body
/// (R-MSG.7), and every oneof the schema requires to be set has exactly one member (R-ENC.5):
/// the body, the request/response type, the Notify notification, OperationComplete's result,
/// and the `oper_status`/`operation_resp` of each result in SetResp, AddResp, DeleteResp,
/// OperateResp, RegisterResp and DeregisterResp. ("Exactly one" on the wire is checked by
/// [`Msg::decode`], which scans the bytes, since prost keeps only the last member it reads.) The message type is always the body's ([`Msg::msg_type`]);
/// when a received header disagreed, [`Msg::warning`] says so (R-MSG.10).
///
/// Make one with a builder (e.g. [`GetBuilder`](crate::GetBuilder)), [`Msg::new`],
/// [`Msg::decode`] or `TryFrom<pb::Msg>`.
///
/// Unknown fields: prost drops them while decoding, so re-encoding a received message loses
/// them (the vector `edge_unknown_fields` re-encodes to its canonical form). A broker or
/// proxy that must forward a message unchanged should forward the original bytes.
///
/// ```
/// use usp_msg::{Body, GetBuilder, Msg, MsgType, Request};
///
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let bytes = GetBuilder::new("msg-1").path("Device.DeviceInfo.").max_depth(2).build_bytes()?;
/// let msg = Msg::decode(bytes)?;
/// assert_eq!(msg.msg_id(), "msg-1");
/// assert_eq!(msg.msg_type(), MsgType::Get);
/// let Body::Request(Request::Get(get)) = msg.body() else { panic!("not a Get") };
/// assert_eq!(get.param_paths, ["Device.DeviceInfo."]);
/// assert_eq!(get.max_depth, 2);
/// assert!(msg.warning().is_none());
/// # Ok(()) }
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct Msg {
    msg_id: String,
    body: Body,
    warning: Option<Warning>,
}

/// The body of a validated [`Msg`]: `Body.msg_body`.
#[derive(Clone, Debug, PartialEq)]
pub enum Body {
    /// A request (including Notify).
    Request(Request),
    /// A response (including NotifyResp).
    Response(Response),
    /// An Error message.
    Error(pb::Error),
}

/// A request: the `Request.req_type` oneof, one variant per request type.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum Request {
    /// GET.
    Get(pb::Get),
    /// GET_SUPPORTED_DM.
    GetSupportedDm(pb::GetSupportedDm),
    /// GET_INSTANCES.
    GetInstances(pb::GetInstances),
    /// SET.
    Set(pb::Set),
    /// ADD.
    Add(pb::Add),
    /// DELETE.
    Delete(pb::Delete),
    /// OPERATE.
    Operate(pb::Operate),
    /// NOTIFY, with its notification kind checked.
    Notify(Notify),
    /// GET_SUPPORTED_PROTO.
    GetSupportedProtocol(pb::GetSupportedProtocol),
    /// REGISTER.
    Register(pb::Register),
    /// DEREGISTER.
    Deregister(pb::Deregister),
}

/// A response: the `Response.resp_type` oneof, one variant per response type.
///
/// For SetResp, AddResp, DeleteResp, OperateResp, RegisterResp and DeregisterResp every
/// result's `oper_status`/`operation_resp` is known to be set.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum Response {
    /// GET_RESP.
    GetResp(pb::GetResp),
    /// GET_SUPPORTED_DM_RESP.
    GetSupportedDmResp(pb::GetSupportedDmResp),
    /// GET_INSTANCES_RESP.
    GetInstancesResp(pb::GetInstancesResp),
    /// SET_RESP.
    SetResp(pb::SetResp),
    /// ADD_RESP.
    AddResp(pb::AddResp),
    /// DELETE_RESP.
    DeleteResp(pb::DeleteResp),
    /// OPERATE_RESP.
    OperateResp(pb::OperateResp),
    /// NOTIFY_RESP.
    NotifyResp(pb::NotifyResp),
    /// GET_SUPPORTED_PROTO_RESP.
    GetSupportedProtocolResp(pb::GetSupportedProtocolResp),
    /// REGISTER_RESP.
    RegisterResp(pb::RegisterResp),
    /// DEREGISTER_RESP.
    DeregisterResp(pb::DeregisterResp),
}

/// A Notify request with its notification oneof resolved.
#[derive(Clone, Debug, PartialEq)]
pub struct Notify {
    /// The triggering Subscription's ID, or `""` (R-NOT.7).
    pub subscription_id: String,
    /// Whether the Agent wants a NotifyResp.
    pub send_resp: bool,
    /// Which notification this is.
    pub kind: NotifyKind,
}

/// The `Notify.notification` oneof.
///
/// For [`NotifyKind::OperComplete`] the `operation_resp` oneof is known to be set when the
/// enclosing [`Msg`] exists.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum NotifyKind {
    /// An Event.
    Event(pb::notify::Event),
    /// A ValueChange.
    ValueChange(pb::notify::ValueChange),
    /// An ObjectCreation.
    ObjCreation(pb::notify::ObjectCreation),
    /// An ObjectDeletion.
    ObjDeletion(pb::notify::ObjectDeletion),
    /// An OperationComplete (output args or cmd_failure).
    OperComplete(pb::notify::OperationComplete),
    /// An OnBoardRequest.
    OnBoardReq(pb::notify::OnBoardRequest),
}

impl NotifyKind {
    /// The oneof field number (3–8).
    fn tag(&self) -> u32 {
        match self {
            Self::Event(_) => 3,
            Self::ValueChange(_) => 4,
            Self::ObjCreation(_) => 5,
            Self::ObjDeletion(_) => 6,
            Self::OperComplete(_) => 7,
            Self::OnBoardReq(_) => 8,
        }
    }

    fn prepare(&self, how: Sizing) -> Prepared {
        match self {
            Self::Event(m) => how.of(m),
            Self::ValueChange(m) => how.of(m),
            Self::ObjCreation(m) => how.of(m),
            Self::ObjDeletion(m) => how.of(m),
            Self::OperComplete(m) => how.of(m),
            Self::OnBoardReq(m) => how.of(m),
        }
    }

    /// The notification's content (its length was written by the caller); `p` is
    /// [`NotifyKind::prepare`]'s.
    fn write(&self, out: &mut impl Out, p: Prepared) -> Result<(), prost::EncodeError> {
        match self {
            Self::Event(m) => out.msg(m, p),
            Self::ValueChange(m) => out.msg(m, p),
            Self::ObjCreation(m) => out.msg(m, p),
            Self::ObjDeletion(m) => out.msg(m, p),
            Self::OperComplete(m) => out.msg(m, p),
            Self::OnBoardReq(m) => out.msg(m, p),
        }
    }
}

impl Notify {
    /// Length of the Notify message's content, given its notification's length.
    fn encoded_len(&self, kind_len: usize) -> usize {
        let mut len = 0;
        if !self.subscription_id.is_empty() {
            len += field_len(self.subscription_id.len());
        }
        if self.send_resp {
            len += 2;
        }
        len + field_len(kind_len)
    }

    /// The Notify message's content; `p` is [`NotifyKind::prepare`]'s.
    fn write(&self, out: &mut impl Out, p: Prepared) -> Result<(), prost::EncodeError> {
        if !self.subscription_id.is_empty() {
            out.put(&[key(1)]);
            out.delimiter(self.subscription_id.len())?;
            out.put(self.subscription_id.as_bytes());
        }
        if self.send_resp {
            // Field 2, varint wire type, value 1.
            out.put(&[2 << 3, 1]);
        }
        out.put(&[key(self.kind.tag())]);
        out.delimiter(p.len())?;
        self.kind.write(out, p)
    }

    fn into_pb(self) -> pb::Notify {
        pb::Notify {
            subscription_id: self.subscription_id,
            send_resp: self.send_resp,
            notification: Some(match self.kind {
                NotifyKind::Event(m) => pb::notify::Notification::Event(m),
                NotifyKind::ValueChange(m) => pb::notify::Notification::ValueChange(m),
                NotifyKind::ObjCreation(m) => pb::notify::Notification::ObjCreation(m),
                NotifyKind::ObjDeletion(m) => pb::notify::Notification::ObjDeletion(m),
                NotifyKind::OperComplete(m) => pb::notify::Notification::OperComplete(m),
                NotifyKind::OnBoardReq(m) => pb::notify::Notification::OnBoardReq(m),
            }),
        }
    }
}

/// Length-delimited key byte for field numbers 1–15.
const fn key(tag: u32) -> u8 {
    ((tag << 3) | 2) as u8
}

/// Encoded size of a length-delimited field with a one-byte key and `len` content bytes.
fn field_len(len: usize) -> usize {
    1 + prost::length_delimiter_len(len) + len
}

/// Where the validated layer's encoder writes. The wrapper layers (header, body, request or
/// response, Notify) are written by hand; the pb message inside goes through [`FastEncode`](crate::view::FastEncode)
/// into a `Vec` (nested sizes computed once) or through prost into any other `BufMut`.
/// The inner message's length comes with it in a [`Prepared`] (see [`Sizing`]); both sizings
/// give prost's length.
trait Out {
    /// Raw bytes.
    fn put(&mut self, bytes: &[u8]);
    /// A length delimiter.
    fn delimiter(&mut self, len: usize) -> Result<(), prost::EncodeError>;
    /// The content of message `m` (its length was written before); `p` holds its sizes.
    fn msg<M: prost::Message + Encode>(
        &mut self,
        m: &M,
        p: Prepared,
    ) -> Result<(), prost::EncodeError>;
}

impl Out for Vec<u8> {
    fn put(&mut self, bytes: &[u8]) {
        self.extend_from_slice(bytes);
    }

    fn delimiter(&mut self, len: usize) -> Result<(), prost::EncodeError> {
        prost::encode_length_delimiter(len, self)
    }

    fn msg<M: prost::Message + Encode>(
        &mut self,
        m: &M,
        p: Prepared,
    ) -> Result<(), prost::EncodeError> {
        p.write(m, self);
        Ok(())
    }
}

/// How the pb message inside is sized: with its nested sizes recorded, for the fast writer
/// (`Vec`), or just its length through prost, which allocates nothing (any `BufMut`).
#[derive(Clone, Copy)]
enum Sizing {
    Fast,
    Prost,
}

impl Sizing {
    fn of<M: prost::Message + Encode>(self, m: &M) -> Prepared {
        match self {
            Self::Fast => Prepared::new(m),
            Self::Prost => Prepared::from_len(m.encoded_len()),
        }
    }
}

/// Any `BufMut`, written through prost.
struct ProstOut<'b, B>(&'b mut B);

impl<B: BufMut> Out for ProstOut<'_, B> {
    fn put(&mut self, bytes: &[u8]) {
        self.0.put_slice(bytes);
    }

    fn delimiter(&mut self, len: usize) -> Result<(), prost::EncodeError> {
        prost::encode_length_delimiter(len, self.0)
    }

    fn msg<M: prost::Message + Encode>(
        &mut self,
        m: &M,
        _: Prepared,
    ) -> Result<(), prost::EncodeError> {
        m.encode(self.0)
    }
}

macro_rules! dispatch {
    ($value:expr, $enum:ident, |$m:ident| $body:expr, [$($variant:ident),*], notify: |$n:ident| $nbody:expr) => {
        match $value {
            $($enum::$variant($m) => $body,)*
            $enum::Notify($n) => $nbody,
        }
    };
    ($value:expr, $enum:ident, |$m:ident| $body:expr, [$($variant:ident),*]) => {
        match $value {
            $($enum::$variant($m) => $body,)*
        }
    };
}

impl Request {
    /// The message type of this request.
    #[must_use]
    pub fn msg_type(&self) -> MsgType {
        match self {
            Self::Get(_) => MsgType::Get,
            Self::GetSupportedDm(_) => MsgType::GetSupportedDm,
            Self::GetInstances(_) => MsgType::GetInstances,
            Self::Set(_) => MsgType::Set,
            Self::Add(_) => MsgType::Add,
            Self::Delete(_) => MsgType::Delete,
            Self::Operate(_) => MsgType::Operate,
            Self::Notify(_) => MsgType::Notify,
            Self::GetSupportedProtocol(_) => MsgType::GetSupportedProto,
            Self::Register(_) => MsgType::Register,
            Self::Deregister(_) => MsgType::Deregister,
        }
    }

    /// The sizes of the pb message inside: the `req_type` member, or a Notify's notification.
    fn prepare(&self, how: Sizing) -> Prepared {
        dispatch!(self, Self, |m| how.of(m),
            [Get, GetSupportedDm, GetInstances, Set, Add, Delete, Operate, GetSupportedProtocol, Register, Deregister],
            notify: |n| n.kind.prepare(how))
    }

    /// Length of the `req_type` member's content, given [`Request::prepare`].
    fn inner_len(&self, p: &Prepared) -> usize {
        match self {
            Self::Notify(n) => n.encoded_len(p.len()),
            _ => p.len(),
        }
    }

    /// The Request message's content; `inner` is [`Request::inner_len`].
    fn write(
        &self,
        out: &mut impl Out,
        inner: usize,
        p: Prepared,
    ) -> Result<(), prost::EncodeError> {
        out.put(&[key(self.msg_type().body_field())]);
        out.delimiter(inner)?;
        dispatch!(self, Self, |m| out.msg(m, p),
        [Get, GetSupportedDm, GetInstances, Set, Add, Delete, Operate, GetSupportedProtocol, Register, Deregister],
        notify: |n| n.write(out, p))
    }

    fn into_pb(self) -> pb::Request {
        use pb::request::ReqType as R;
        let req_type = match self {
            Self::Get(m) => R::Get(m),
            Self::GetSupportedDm(m) => R::GetSupportedDm(m),
            Self::GetInstances(m) => R::GetInstances(m),
            Self::Set(m) => R::Set(m),
            Self::Add(m) => R::Add(m),
            Self::Delete(m) => R::Delete(m),
            Self::Operate(m) => R::Operate(m),
            Self::Notify(n) => R::Notify(n.into_pb()),
            Self::GetSupportedProtocol(m) => R::GetSupportedProtocol(m),
            Self::Register(m) => R::Register(m),
            Self::Deregister(m) => R::Deregister(m),
        };
        pb::Request {
            req_type: Some(req_type),
        }
    }

    fn validate(&self) -> Result<(), Oneof> {
        if let Self::Notify(n) = self {
            if let NotifyKind::OperComplete(oc) = &n.kind {
                if oc.operation_resp.is_none() {
                    return Err(Oneof::OperationCompleteResp);
                }
            }
        }
        Ok(())
    }
}

impl Response {
    /// The message type of this response.
    #[must_use]
    pub fn msg_type(&self) -> MsgType {
        match self {
            Self::GetResp(_) => MsgType::GetResp,
            Self::GetSupportedDmResp(_) => MsgType::GetSupportedDmResp,
            Self::GetInstancesResp(_) => MsgType::GetInstancesResp,
            Self::SetResp(_) => MsgType::SetResp,
            Self::AddResp(_) => MsgType::AddResp,
            Self::DeleteResp(_) => MsgType::DeleteResp,
            Self::OperateResp(_) => MsgType::OperateResp,
            Self::NotifyResp(_) => MsgType::NotifyResp,
            Self::GetSupportedProtocolResp(_) => MsgType::GetSupportedProtoResp,
            Self::RegisterResp(_) => MsgType::RegisterResp,
            Self::DeregisterResp(_) => MsgType::DeregisterResp,
        }
    }

    /// The sizes of the `resp_type` member.
    fn prepare(&self, how: Sizing) -> Prepared {
        dispatch!(
            self,
            Self,
            |m| how.of(m),
            [
                GetResp,
                GetSupportedDmResp,
                GetInstancesResp,
                SetResp,
                AddResp,
                DeleteResp,
                OperateResp,
                NotifyResp,
                GetSupportedProtocolResp,
                RegisterResp,
                DeregisterResp
            ]
        )
    }

    /// The Response message's content; `p` is [`Response::prepare`]'s.
    fn write(&self, out: &mut impl Out, p: Prepared) -> Result<(), prost::EncodeError> {
        out.put(&[key(self.msg_type().body_field())]);
        out.delimiter(p.len())?;
        dispatch!(
            self,
            Self,
            |m| out.msg(m, p),
            [
                GetResp,
                GetSupportedDmResp,
                GetInstancesResp,
                SetResp,
                AddResp,
                DeleteResp,
                OperateResp,
                NotifyResp,
                GetSupportedProtocolResp,
                RegisterResp,
                DeregisterResp
            ]
        )
    }

    fn into_pb(self) -> pb::Response {
        use pb::response::RespType as R;
        let resp_type = match self {
            Self::GetResp(m) => R::GetResp(m),
            Self::GetSupportedDmResp(m) => R::GetSupportedDmResp(m),
            Self::GetInstancesResp(m) => R::GetInstancesResp(m),
            Self::SetResp(m) => R::SetResp(m),
            Self::AddResp(m) => R::AddResp(m),
            Self::DeleteResp(m) => R::DeleteResp(m),
            Self::OperateResp(m) => R::OperateResp(m),
            Self::NotifyResp(m) => R::NotifyResp(m),
            Self::GetSupportedProtocolResp(m) => R::GetSupportedProtocolResp(m),
            Self::RegisterResp(m) => R::RegisterResp(m),
            Self::DeregisterResp(m) => R::DeregisterResp(m),
        };
        pb::Response {
            resp_type: Some(resp_type),
        }
    }

    /// Checks the nested oper_status / operation_resp oneofs (R-ENC.5).
    fn validate(&self) -> Result<(), Oneof> {
        fn first_missing<T>(items: &[T], ok: impl Fn(&T) -> bool) -> Option<usize> {
            items.iter().position(|item| !ok(item))
        }
        let missing = match self {
            Self::SetResp(r) => first_missing(&r.updated_obj_results, |x| {
                x.oper_status
                    .as_ref()
                    .is_some_and(|s| s.oper_status.is_some())
            })
            .map(|index| Oneof::SetRespOperStatus { index }),
            Self::AddResp(r) => first_missing(&r.created_obj_results, |x| {
                x.oper_status
                    .as_ref()
                    .is_some_and(|s| s.oper_status.is_some())
            })
            .map(|index| Oneof::AddRespOperStatus { index }),
            Self::DeleteResp(r) => first_missing(&r.deleted_obj_results, |x| {
                x.oper_status
                    .as_ref()
                    .is_some_and(|s| s.oper_status.is_some())
            })
            .map(|index| Oneof::DeleteRespOperStatus { index }),
            Self::OperateResp(r) => {
                first_missing(&r.operation_results, |x| x.operation_resp.is_some())
                    .map(|index| Oneof::OperateRespOperationResp { index })
            }
            Self::RegisterResp(r) => first_missing(&r.registered_path_results, |x| {
                x.oper_status
                    .as_ref()
                    .is_some_and(|s| s.oper_status.is_some())
            })
            .map(|index| Oneof::RegisterRespOperStatus { index }),
            Self::DeregisterResp(r) => first_missing(&r.deregistered_path_results, |x| {
                x.oper_status
                    .as_ref()
                    .is_some_and(|s| s.oper_status.is_some())
            })
            .map(|index| Oneof::DeregisterRespOperStatus { index }),
            _ => None,
        };
        missing.map_or(Ok(()), Err)
    }
}

impl Body {
    /// The message type this body stands for; this is what a correct header carries.
    #[must_use]
    pub fn msg_type(&self) -> MsgType {
        match self {
            Self::Request(r) => r.msg_type(),
            Self::Response(r) => r.msg_type(),
            Self::Error(_) => MsgType::Error,
        }
    }

    /// Whether this is a request, response or error.
    #[must_use]
    pub fn kind(&self) -> BodyKind {
        match self {
            Self::Request(_) => BodyKind::Request,
            Self::Response(_) => BodyKind::Response,
            Self::Error(_) => BodyKind::Error,
        }
    }

    /// The sizes of the pb message inside (the request or response member, a Notify's
    /// notification, or the Error). Every enclosing length follows from its length, so
    /// nested sizes are computed once.
    fn prepare(&self, how: Sizing) -> Prepared {
        match self {
            Self::Request(r) => r.prepare(how),
            Self::Response(r) => r.prepare(how),
            Self::Error(e) => how.of(e),
        }
    }

    /// Length of the request or response member's content, or of the Error, given
    /// [`Body::prepare`].
    fn inner_len(&self, p: &Prepared) -> usize {
        match self {
            Self::Request(r) => r.inner_len(p),
            Self::Response(_) | Self::Error(_) => p.len(),
        }
    }

    /// Length of the Body message's content, given [`Body::inner_len`].
    fn encoded_len(&self, inner: usize) -> usize {
        match self {
            Self::Request(_) | Self::Response(_) => field_len(field_len(inner)),
            Self::Error(_) => field_len(inner),
        }
    }

    /// The Body message's content; `inner` is [`Body::inner_len`], `p` [`Body::prepare`]'s.
    fn write(
        &self,
        out: &mut impl Out,
        inner: usize,
        p: Prepared,
    ) -> Result<(), prost::EncodeError> {
        match self {
            Self::Request(r) => {
                out.put(&[key(1)]);
                out.delimiter(field_len(inner))?;
                r.write(out, inner, p)
            }
            Self::Response(r) => {
                out.put(&[key(2)]);
                out.delimiter(field_len(inner))?;
                r.write(out, p)
            }
            Self::Error(e) => {
                out.put(&[key(3)]);
                out.delimiter(inner)?;
                out.msg(e, p)
            }
        }
    }

    fn validate(&self) -> Result<(), Oneof> {
        match self {
            Self::Request(r) => r.validate(),
            Self::Response(r) => r.validate(),
            Self::Error(_) => Ok(()),
        }
    }
}

impl From<Body> for pb::Body {
    fn from(body: Body) -> Self {
        let msg_body = match body {
            Body::Request(r) => pb::body::MsgBody::Request(r.into_pb()),
            Body::Response(r) => pb::body::MsgBody::Response(r.into_pb()),
            Body::Error(e) => pb::body::MsgBody::Error(e),
        };
        Self {
            msg_body: Some(msg_body),
        }
    }
}

fn request_from_pb(req: pb::Request) -> Result<Request, Oneof> {
    use pb::request::ReqType as R;
    let Some(req_type) = req.req_type else {
        return Err(Oneof::ReqType);
    };
    Ok(match req_type {
        R::Get(m) => Request::Get(m),
        R::GetSupportedDm(m) => Request::GetSupportedDm(m),
        R::GetInstances(m) => Request::GetInstances(m),
        R::Set(m) => Request::Set(m),
        R::Add(m) => Request::Add(m),
        R::Delete(m) => Request::Delete(m),
        R::Operate(m) => Request::Operate(m),
        R::Notify(n) => {
            use pb::notify::Notification as N;
            let kind = match n.notification {
                None => return Err(Oneof::Notification),
                Some(N::Event(m)) => NotifyKind::Event(m),
                Some(N::ValueChange(m)) => NotifyKind::ValueChange(m),
                Some(N::ObjCreation(m)) => NotifyKind::ObjCreation(m),
                Some(N::ObjDeletion(m)) => NotifyKind::ObjDeletion(m),
                Some(N::OperComplete(m)) => NotifyKind::OperComplete(m),
                Some(N::OnBoardReq(m)) => NotifyKind::OnBoardReq(m),
            };
            Request::Notify(Notify {
                subscription_id: n.subscription_id,
                send_resp: n.send_resp,
                kind,
            })
        }
        R::GetSupportedProtocol(m) => Request::GetSupportedProtocol(m),
        R::Register(m) => Request::Register(m),
        R::Deregister(m) => Request::Deregister(m),
    })
}

fn response_from_pb(resp: pb::Response) -> Result<Response, Oneof> {
    use pb::response::RespType as R;
    let Some(resp_type) = resp.resp_type else {
        return Err(Oneof::RespType);
    };
    Ok(match resp_type {
        R::GetResp(m) => Response::GetResp(m),
        R::GetSupportedDmResp(m) => Response::GetSupportedDmResp(m),
        R::GetInstancesResp(m) => Response::GetInstancesResp(m),
        R::SetResp(m) => Response::SetResp(m),
        R::AddResp(m) => Response::AddResp(m),
        R::DeleteResp(m) => Response::DeleteResp(m),
        R::OperateResp(m) => Response::OperateResp(m),
        R::NotifyResp(m) => Response::NotifyResp(m),
        R::GetSupportedProtocolResp(m) => Response::GetSupportedProtocolResp(m),
        R::RegisterResp(m) => Response::RegisterResp(m),
        R::DeregisterResp(m) => Response::DeregisterResp(m),
    })
}

impl Msg {
    /// Makes a message from a msg_id and a body, checking the same rules as decoding.
    ///
    /// Prefer the builders, which also check the body's content. Fails with
    /// [`MsgError::EmptyMsgId`] or [`MsgError::MissingOneof`].
    ///
    /// ```
    /// use usp_msg::{pb, Body, Msg, MsgType, Response};
    ///
    /// # fn main() -> Result<(), usp_msg::MsgError> {
    /// let body = Body::Response(Response::NotifyResp(pb::NotifyResp { subscription_id: "s-1".into() }));
    /// let msg = Msg::new("n-1", body)?;
    /// assert_eq!(msg.msg_type(), MsgType::NotifyResp);
    /// # Ok(()) }
    /// ```
    pub fn new(msg_id: impl Into<String>, body: Body) -> Result<Self, MsgError> {
        let msg_id = msg_id.into();
        if msg_id.is_empty() {
            return Err(MsgError::EmptyMsgId);
        }
        if let Err(oneof) = body.validate() {
            return Err(MsgError::MissingOneof {
                msg_id,
                body: Some(body.kind()),
                oneof,
            });
        }
        Ok(Self {
            msg_id,
            body,
            warning: None,
        })
    }

    /// Decodes and validates a message with the default [`DecodeOptions`].
    ///
    /// `buf` may be [`Bytes`] or `&[u8]` (anything implementing [`Buf`]). The `usp.Msg` schema
    /// has no `bytes` fields, only strings, so every string is copied out of the input either
    /// way; a `Bytes` input avoids no copies here, unlike `usp_record::Record::decode`, whose
    /// payloads become ref-counted slices of a `Bytes` input.
    ///
    /// Fails with [`MsgError::TooLarge`] (checked before decoding), [`MsgError::Decode`]
    /// (malformed protobuf, R-MSG.5) or a validation error (R-MSG.6/7/8, R-ENC.5), including
    /// [`MsgError::ConflictingOneof`] when a oneof has two members on the wire. A header
    /// msg_type that disagrees with the body is not an error: see [`Msg::warning`].
    pub fn decode(buf: impl Buf) -> Result<Self, MsgError> {
        Self::decode_with(buf, &DecodeOptions::default())
    }

    /// Like [`Msg::decode`], with explicit options (size limit, strict mode).
    ///
    /// ```
    /// use usp_msg::{DecodeOptions, Msg, MsgError};
    ///
    /// let mut opts = DecodeOptions::default();
    /// opts.max_msg_size(8);
    /// let err = Msg::decode_with(&[0u8; 9][..], &opts).unwrap_err();
    /// assert_eq!(err, MsgError::TooLarge { size: 9, max: 8 });
    /// ```
    pub fn decode_with(buf: impl Buf, opts: &DecodeOptions) -> Result<Self, MsgError> {
        // Before anything is gathered or decoded.
        let size = buf.remaining();
        crate::msg_ref::check_size(size, opts)?;
        // Contiguous input (`Bytes`, `&[u8]`) is used in place; anything else is first
        // gathered into one `Bytes`.
        let mut buf = buf;
        let gathered: Bytes;
        let data: &[u8] = if buf.chunk().len() == size {
            buf.chunk()
        } else {
            gathered = buf.copy_to_bytes(size);
            &gathered
        };
        // The borrowed layer does every check; the owned message is built from its view.
        let checked = MsgRef::decode_with(data, opts)?;
        Self::from_checked(
            checked.msg_id().into(),
            checked.body().to_pb(),
            checked.warning(),
        )
    }

    /// The owned message from a body whose required oneofs were checked; a missing one is
    /// still reported (as [`Msg::from_pb_with`] does), never assumed away.
    fn from_checked(
        msg_id: String,
        msg_body: pb::body::MsgBody,
        warning: Option<Warning>,
    ) -> Result<Self, MsgError> {
        let missing = |msg_id, body, oneof| MsgError::MissingOneof {
            msg_id,
            body,
            oneof,
        };
        let body = match msg_body {
            pb::body::MsgBody::Request(r) => match request_from_pb(r) {
                Ok(r) => Body::Request(r),
                Err(oneof) => return Err(missing(msg_id, Some(BodyKind::Request), oneof)),
            },
            pb::body::MsgBody::Response(r) => match response_from_pb(r) {
                Ok(r) => Body::Response(r),
                Err(oneof) => return Err(missing(msg_id, Some(BodyKind::Response), oneof)),
            },
            pb::body::MsgBody::Error(e) => Body::Error(e),
        };
        Ok(Self {
            msg_id,
            body,
            warning,
        })
    }

    /// Validates a raw message, with explicit options (only `strict` matters here).
    ///
    /// `TryFrom<pb::Msg>` is the same with default (lenient) options.
    pub fn from_pb_with(raw: pb::Msg, opts: &DecodeOptions) -> Result<Self, MsgError> {
        let header = raw.header.ok_or(MsgError::MissingHeader)?;
        if header.msg_id.is_empty() {
            return Err(MsgError::EmptyMsgId);
        }
        let msg_id = header.msg_id;
        let missing = |msg_id, body, oneof| MsgError::MissingOneof {
            msg_id,
            body,
            oneof,
        };
        let Some(msg_body) = raw.body.and_then(|b| b.msg_body) else {
            return Err(missing(msg_id, None, Oneof::MsgBody));
        };
        let Self { msg_id, body, .. } = Self::from_checked(msg_id, msg_body, None)?;
        if let Err(oneof) = body.validate() {
            return Err(missing(msg_id, Some(body.kind()), oneof));
        }
        let body_type = body.msg_type();
        let warning = crate::msg_ref::warning(header.msg_type, body_type);
        if let (true, Some(warning)) = (opts.strict, warning) {
            return Err(MsgError::MsgTypeRejected {
                msg_id,
                body: body.kind(),
                warning,
            });
        }
        Ok(Self {
            msg_id,
            body,
            warning,
        })
    }

    /// The msg_id (never empty).
    #[must_use]
    pub fn msg_id(&self) -> &str {
        &self.msg_id
    }

    /// The message type, derived from the body (R-MSG.10).
    #[must_use]
    pub fn msg_type(&self) -> MsgType {
        self.body.msg_type()
    }

    /// The body.
    #[must_use]
    pub fn body(&self) -> &Body {
        &self.body
    }

    /// The request, if this is one.
    #[must_use]
    pub fn request(&self) -> Option<&Request> {
        match &self.body {
            Body::Request(r) => Some(r),
            _ => None,
        }
    }

    /// The response, if this is one.
    #[must_use]
    pub fn response(&self) -> Option<&Response> {
        match &self.body {
            Body::Response(r) => Some(r),
            _ => None,
        }
    }

    /// The Error body, if this is one.
    #[must_use]
    pub fn error(&self) -> Option<&pb::Error> {
        match &self.body {
            Body::Error(e) => Some(e),
            _ => None,
        }
    }

    /// Splits into msg_id and body.
    #[must_use]
    pub fn into_parts(self) -> (String, Body) {
        (self.msg_id, self.body)
    }

    /// What was wrong with the received header's msg_type, if anything (R-MSG.10).
    ///
    /// Always `None` for messages made by builders or [`Msg::new`].
    #[must_use]
    pub fn warning(&self) -> Option<Warning> {
        self.warning
    }

    /// `(header type, body type)` when a received header named a different defined type than
    /// the body. A missing or unknown msg_type is reported by [`Msg::warning`] only.
    #[must_use]
    pub fn header_msg_type_mismatch(&self) -> Option<(MsgType, MsgType)> {
        match self.warning {
            Some(Warning::MsgTypeMismatch { header, body }) => Some((header, body)),
            _ => None,
        }
    }

    /// The same message with any receive-time [`Warning`] cleared.
    #[must_use]
    pub fn without_warning(mut self) -> Self {
        self.warning = None;
        self
    }

    /// Length of [`Msg::encode`]'s output.
    #[must_use]
    pub fn encoded_len(&self) -> usize {
        self.encoded_len_with(self.body.inner_len(&self.body.prepare(Sizing::Prost)))
    }

    /// [`Msg::encoded_len`] given the body's [`Body::inner_len`].
    fn encoded_len_with(&self, inner: usize) -> usize {
        field_len(self.header_len()) + field_len(self.body.encoded_len(inner))
    }

    /// Length of the Header message: msg_id (never empty) and msg_type (omitted when it is
    /// ERROR = 0, as proto3 does; every other value fits a one-byte varint).
    fn header_len(&self) -> usize {
        let msg_type = if self.msg_type().is_error() { 0 } else { 2 };
        field_len(self.msg_id.len()) + msg_type
    }

    /// The whole message; `inner` is [`Body::inner_len`], `p` [`Body::prepare`]'s.
    fn write(
        &self,
        out: &mut impl Out,
        inner: usize,
        p: Prepared,
    ) -> Result<(), prost::EncodeError> {
        out.put(&[key(1)]);
        out.delimiter(self.header_len())?;
        out.put(&[key(1)]);
        out.delimiter(self.msg_id.len())?;
        out.put(self.msg_id.as_bytes());
        let t = self.msg_type();
        if !t.is_error() {
            // Field 2, varint wire type; values 1..=22 are one byte.
            out.put(&[2 << 3, t.as_i32().to_le_bytes()[0]]);
        }
        out.put(&[key(2)]);
        out.delimiter(self.body.encoded_len(inner))?;
        self.body.write(out, inner, p)
    }

    /// Encodes the message into `buf`, with msg_type taken from the body.
    ///
    /// The output is canonical protobuf, identical to prost's encoding of
    /// `pb::Msg::from(self.clone())`, without cloning the body. Fails with
    /// [`MsgError::BufferTooSmall`] (writing nothing) if `buf` has less room than
    /// [`Msg::encoded_len`].
    ///
    /// This writes through prost and never allocates. Into a `Vec`, [`Msg::append_to`] (or
    /// [`Msg::encode_to_vec`]) gives the same bytes two to three times faster for large
    /// messages.
    pub fn encode(&self, buf: &mut impl BufMut) -> Result<(), MsgError> {
        let p = self.body.prepare(Sizing::Prost);
        let inner = self.body.inner_len(&p);
        let required = self.encoded_len_with(inner);
        let remaining = buf.remaining_mut();
        if remaining < required {
            return Err(MsgError::BufferTooSmall {
                required,
                remaining,
            });
        }
        self.write(&mut ProstOut(buf), inner, p)
            .map_err(|_| MsgError::BufferTooSmall {
                required,
                remaining,
            })
    }

    /// Encodes the message into a new `Vec`, of exactly [`Msg::encoded_len`] bytes.
    ///
    /// This is the fastest way to encode: the pb message inside is written with
    /// [`FastEncode`](crate::view::FastEncode), which computes nested sizes once (prost
    /// recomputes them at every level). The bytes are the same as [`Msg::encode`]'s.
    #[must_use]
    pub fn encode_to_vec(&self) -> Vec<u8> {
        let mut out = Vec::new();
        self.append_to(&mut out);
        out
    }

    /// Appends the encoding to `buf`, reserving exactly [`Msg::encoded_len`] more bytes first;
    /// as fast as [`Msg::encode_to_vec`], and a `Vec` kept between messages (cleared, not
    /// dropped) means no allocation per message once it is large enough.
    ///
    /// ```
    /// use usp_msg::{GetBuilder, Msg};
    ///
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let mut buf = Vec::with_capacity(1024);
    /// for id in ["g-1", "g-2"] {
    ///     let msg = GetBuilder::new(id).path("Device.DeviceInfo.").build()?;
    ///     buf.clear();
    ///     msg.append_to(&mut buf);
    ///     assert_eq!(buf, msg.encode_to_vec());
    ///     assert_eq!(Msg::decode(&buf[..])?, msg);
    /// }
    /// # Ok(()) }
    /// ```
    pub fn append_to(&self, buf: &mut Vec<u8>) {
        let p = self.body.prepare(Sizing::Fast);
        let inner = self.body.inner_len(&p);
        buf.reserve_exact(self.encoded_len_with(inner));
        // A Vec grows on demand, so nothing here can fail.
        let _ = self.write(buf, inner, p);
    }

    /// Encodes the message into new [`Bytes`].
    #[must_use]
    pub fn encode_to_bytes(&self) -> Bytes {
        Bytes::from(self.encode_to_vec())
    }

    /// True if this message answers `request`: the same msg_id (R-MSG.9) and either the
    /// response type matching the request's type, or an Error. A Controller uses this to
    /// match replies and drop the rest.
    ///
    /// ```
    /// use usp_msg::{ErrorBuilder, ErrorCode, GetBuilder, GetRespBuilder, GetResult, NotifyRespBuilder};
    ///
    /// # fn main() -> Result<(), usp_msg::BuildError> {
    /// let get = GetBuilder::new("g-1").path("Device.").build()?;
    /// let resp = GetRespBuilder::new("g-1").result(GetResult::new("Device.")).build()?;
    /// let err = ErrorBuilder::new("g-1", ErrorCode::INTERNAL_ERROR).build()?;
    /// let other = GetRespBuilder::new("g-2").result(GetResult::new("Device.")).build()?;
    /// let wrong_type = NotifyRespBuilder::new("g-1", "").build()?;
    /// assert!(resp.is_reply_to(&get) && err.is_reply_to(&get));
    /// assert!(!other.is_reply_to(&get) && !wrong_type.is_reply_to(&get));
    /// # Ok(()) }
    /// ```
    #[must_use]
    pub fn is_reply_to(&self, request: &Self) -> bool {
        let expected = request.msg_type().response_type();
        self.msg_id == request.msg_id
            && expected.is_some()
            && (self.msg_type().is_error() || Some(self.msg_type()) == expected)
    }

    /// Builds the Error reply to this request: same msg_id (R-MSG.9), the given code and text.
    ///
    /// Fails if this message is not a request (responses and errors are never answered), if
    /// `code` is outside 7000–7999, or if it is not allowed for this request type (see
    /// [`ErrorCode::allowed_for`]; record codes 7100–7199 and data-model codes 7200–7299 are
    /// also accepted here).
    ///
    /// ```
    /// use usp_msg::{ErrorCode, GetBuilder, MsgType};
    ///
    /// # fn main() -> Result<(), usp_msg::BuildError> {
    /// let get = GetBuilder::new("req-9").path("Device.Nope.").build()?;
    /// let reply = get.error_reply(ErrorCode::INVALID_PATH, "no such object")?;
    /// assert_eq!(reply.msg_id(), "req-9");
    /// assert_eq!(reply.msg_type(), MsgType::Error);
    /// assert_eq!(reply.error().map(|e| e.err_code), Some(7026));
    /// # Ok(()) }
    /// ```
    pub fn error_reply(
        &self,
        code: impl Into<ErrorCode>,
        err_msg: impl Into<String>,
    ) -> Result<Self, BuildError> {
        let code = code.into();
        let Body::Request(req) = &self.body else {
            return Err(BuildError::InvalidValue {
                at: "msg".into(),
                reason: "only requests are answered with an Error",
            });
        };
        if let Some(op) = Operation::from_msg_type(req.msg_type()) {
            if code.is_in_usp_range()
                && !code.is_record()
                && !code.is_data_model_defined()
                && !code.is_allowed_for(op)
            {
                return Err(BuildError::ErrorCodeNotAllowed {
                    at: "error.err_code".into(),
                    code,
                    operation: op,
                });
            }
        }
        ErrorBuilder::new(self.msg_id.clone(), code)
            .err_msg(err_msg)
            .build()
    }
}

impl TryFrom<pb::Msg> for Msg {
    type Error = MsgError;

    /// Validates a raw message with default (lenient) options; see [`Msg::from_pb_with`].
    fn try_from(raw: pb::Msg) -> Result<Self, MsgError> {
        Self::from_pb_with(raw, &DecodeOptions::default())
    }
}

impl From<Msg> for pb::Msg {
    /// The raw message; the header's msg_type is derived from the body.
    fn from(msg: Msg) -> Self {
        let header = pb::Header {
            msg_type: msg.msg_type().as_i32(),
            msg_id: msg.msg_id,
        };
        Self {
            header: Some(header),
            body: Some(msg.body.into()),
        }
    }
}
