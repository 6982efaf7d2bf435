//! The [`Controller`] state machine and its [`ControllerEvent`]s.

use alloc::collections::{BTreeMap, BTreeSet, VecDeque};
use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;

use bytes::Bytes;
use prost::Message as _;
use usp_e2e::{Event, Instant, Session};
use usp_msg::{
    AddBuilder, Body, BuildError, CreateObject, DeleteBuilder, GetBuilder, GetInstancesBuilder,
    GetSupportedDmBuilder, GetSupportedProtocolBuilder, Msg, MsgError, MsgType, Notify, NotifyKind,
    NotifyRespBuilder, OperateBuilder, Request, SetBuilder, UpdateObject,
};
use usp_record::Record;

use crate::config::ControllerConfig;
use crate::error::{ControllerError, PathFailure, RequestError, UspError};
use crate::results::TypedResult;

/// Identifies one request sent by a [`Controller`]; its msg_id is
/// [`Controller::msg_id_of`]`(id)`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct RequestId(u64);

impl RequestId {
    /// The counter value in the msg_id (`"{prefix}{counter}"`).
    #[must_use]
    pub const fn get(self) -> u64 {
        self.0
    }
}

/// Why a received Response or Error matched no pending request (R-MSG.9: it is dropped).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum UnmatchedReason {
    /// No request of ours has this msg_id (or it was forgotten: see
    /// [`ControllerConfig::remembered_ids`]).
    UnknownMsgId,
    /// The request was already answered; each msg_id is matched once.
    AlreadyAnswered(RequestId),
    /// The request had already timed out.
    AfterTimeout(RequestId),
    /// The request was cancelled with [`Controller::cancel`].
    Cancelled(RequestId),
    /// The request asked for no reply (an Operate with `send_resp` false, R-OPR.4: the
    /// Controller ignores any reply).
    NotAwaited(RequestId),
    /// The msg_id is pending, but the response type does not answer the request (e.g. a
    /// SetResp to a Get). The request stays pending.
    WrongType {
        /// The pending request.
        id: RequestId,
        /// The response type the request expects.
        expected: MsgType,
    },
}

/// A Notify request received from the Agent.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct Notification {
    /// The Notify's msg_id (the NotifyResp reuses it).
    pub msg_id: String,
    /// The triggering Subscription's ID, or `""` (R-NOT.7).
    pub subscription_id: String,
    /// Whether the Agent asked for a NotifyResp (already queued by the Controller if so).
    pub send_resp: bool,
    /// The notification: Event, ValueChange, ObjectCreation, ObjectDeletion,
    /// OperationComplete or OnBoardRequest.
    pub kind: NotifyKind,
}

/// Something the application must know about; drain with [`Controller::poll_event`].
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum ControllerEvent {
    /// A pending request was answered (exactly once per request, R-MSG.9).
    Response {
        /// The request.
        id: RequestId,
        /// Its typed result, or why there is none (an Error message, an invalid reply).
        result: Result<TypedResult, RequestError>,
    },
    /// A pending request got no reply within its timeout and is over; a later reply is
    /// reported as [`ControllerEvent::UnmatchedResponse`] with
    /// [`UnmatchedReason::AfterTimeout`].
    TimedOut {
        /// The request.
        id: RequestId,
    },
    /// The Agent sent a Notify. If `send_resp` was set, the NotifyResp (same msg_id and
    /// subscription_id, R-NOT.10) is already queued for transmission.
    Notify(Notification),
    /// A Response or Error that answers no pending request; it was dropped (R-MSG.9).
    UnmatchedResponse {
        /// Its msg_id.
        msg_id: String,
        /// Its type.
        msg_type: MsgType,
        /// Why it matched nothing.
        reason: UnmatchedReason,
    },
    /// The Agent sent a request other than Notify (e.g. Register from a USP Service). Answer
    /// with [`Controller::reply`] (R-MSG.0), or ignore it (R-MSG.1 allows ignoring messages
    /// the Controller does not support).
    Request(Msg),
    /// A received USP Message could not be decoded or validated and could not be tied to a
    /// pending request; it was dropped. If it was a request with a readable msg_id, an Error
    /// answering it (R-MSG.0; e.g. 7004 for a missing oneof) is already queued.
    InvalidMsg(MsgError),
    /// Something happened in the E2E layer (session started, restarted, expired, Disconnect
    /// received, a sent payload left unacknowledged, a processing failure). Received payloads
    /// are never reported here: they become the other events.
    Session(Event),
}

#[derive(Debug)]
struct Pending {
    id: RequestId,
    expected: MsgType,
    deadline: Instant,
}

#[derive(Clone, Copy, Debug)]
enum Finished {
    Answered,
    TimedOut,
    Cancelled,
    NotAwaited,
}

/// The Controller side of USP for one Agent, as a sans-IO state machine.
///
/// It builds requests with unique msg_ids, wraps them in Records, correlates the replies by
/// msg_id (R-MSG.9), times requests out, turns responses into typed results, and answers
/// Notify requests. It never does I/O and never reads a clock: the caller passes the time in.
///
/// # The loop
///
/// 1. Call one input: a request method ([`get`](Self::get), [`set`](Self::set), ...,
///    [`request_with`](Self::request_with)), [`handle_record`](Self::handle_record) when the
///    MTP delivered bytes from the Agent, or [`handle_timeout`](Self::handle_timeout) when
///    the timer fired.
/// 2. Drain [`poll_transmit`](Self::poll_transmit) until `None`, sending each encoded Record
///    to the Agent over the MTP.
/// 3. Drain [`poll_event`](Self::poll_event) until `None`.
/// 4. Re-arm the timer with [`poll_timeout`](Self::poll_timeout).
///
/// # Example
///
/// ```
/// use usp_controller::{Controller, ControllerConfig, ControllerEvent, Instant};
/// use usp_msg::{Body, GetRespBuilder, GetResult, Msg, Request, ResolvedPath};
/// use usp_record::{Record, RecordBuilder};
///
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let cfg = ControllerConfig::new("proto::controller", "proto::agent")?;
/// let mut ctl = Controller::new(cfg, Instant::ZERO)?;
/// let id = ctl.get(Instant::ZERO, &["Device.DeviceInfo."], 0)?;
///
/// // The Record goes to the Agent, which answers (here by hand) with the same msg_id.
/// let wire = ctl.poll_transmit().ok_or("nothing to send")?;
/// let record = Record::decode(wire)?;
/// let request = Msg::decode(record.no_session_payload().ok_or("no payload")?.clone())?;
/// assert_eq!(request.msg_id(), ctl.msg_id_of(id));
/// let reply = GetRespBuilder::new(request.msg_id())
///     .result(GetResult::new("Device.DeviceInfo.").resolved(
///         ResolvedPath::new("Device.DeviceInfo.").param("SoftwareVersion", "1.2.3"),
///     ))
///     .build_bytes()?;
/// let reply = record.reply_builder().no_session_context(reply)?.to_bytes();
///
/// ctl.handle_record(Instant::from_millis(20), reply)?;
/// match ctl.poll_event() {
///     Some(ControllerEvent::Response { id: got, result }) => {
///         assert_eq!(got, id);
///         let values = result?.into_get().ok_or("not a GetResp")?;
///         assert_eq!(values.get("Device.DeviceInfo.SoftwareVersion"), Some("1.2.3"));
///     }
///     other => panic!("unexpected {other:?}"),
/// }
/// assert_eq!(ctl.poll_timeout(), None); // nothing pending any more
/// # Ok(()) }
/// ```
#[derive(Debug)]
pub struct Controller {
    cfg: ControllerConfig,
    session: Session,
    counter: u64,
    pending: BTreeMap<String, Pending>,
    deadlines: BTreeSet<(Instant, RequestId)>,
    recent: VecDeque<(String, RequestId, Finished)>,
    transmit: VecDeque<Bytes>,
    events: VecDeque<ControllerEvent>,
}

impl Controller {
    /// A Controller for the Agent in `cfg`, created at `now`.
    ///
    /// # Errors
    /// [`ControllerError::Config`] or [`ControllerError::E2eConfig`] if the configuration is
    /// invalid (see [`ControllerConfig::validate`]).
    pub fn new(cfg: ControllerConfig, now: Instant) -> Result<Self, ControllerError> {
        cfg.validate()?;
        let session = Session::new(cfg.e2e.clone(), now)?;
        Ok(Self {
            counter: cfg.first_counter,
            cfg,
            session,
            pending: BTreeMap::new(),
            deadlines: BTreeSet::new(),
            recent: VecDeque::new(),
            transmit: VecDeque::new(),
            events: VecDeque::new(),
        })
    }

    // ------------------------------------------------------------------ getters

    /// The configuration.
    #[must_use]
    pub fn config(&self) -> &ControllerConfig {
        &self.cfg
    }

    /// The E2E layer (session state and counters).
    #[must_use]
    pub fn session(&self) -> &Session {
        &self.session
    }

    /// The msg_id that request `id` was (or will be) sent with: `"{prefix}{counter}"`.
    #[must_use]
    pub fn msg_id_of(&self, id: RequestId) -> String {
        format!("{}{}", self.cfg.msg_id_prefix, id.0)
    }

    /// How many requests await a reply.
    #[must_use]
    pub fn pending_count(&self) -> usize {
        self.pending.len()
    }

    /// Whether request `id` still awaits its reply.
    #[must_use]
    pub fn is_pending(&self, id: RequestId) -> bool {
        self.pending.contains_key(&self.msg_id_of(id))
    }

    // ------------------------------------------------------------------ requests

    /// Sends a Get of `paths` (objects, parameters or search paths); `max_depth` 0 means no
    /// limit (R-GET.5). The result is a [`TypedResult::Get`].
    ///
    /// # Errors
    /// [`ControllerError::Build`] (no paths, an empty path), [`ControllerError::TooManyPending`],
    /// or [`ControllerError::E2e`] if the E2E layer cannot queue the message.
    pub fn get<S: AsRef<str>>(
        &mut self,
        now: Instant,
        paths: &[S],
        max_depth: u32,
    ) -> Result<RequestId, ControllerError> {
        self.request_with(now, |id| {
            GetBuilder::new(id)
                .paths(paths.iter().map(|p| p.as_ref()))
                .max_depth(max_depth)
                .build()
        })
    }

    /// Sends a GetSupportedDM of `paths` with the given flags. The result is a
    /// [`TypedResult::GetSupportedDm`].
    ///
    /// # Errors
    /// As [`get`](Self::get).
    pub fn get_supported_dm<S: AsRef<str>>(
        &mut self,
        now: Instant,
        paths: &[S],
        flags: SupportedDmFlags,
    ) -> Result<RequestId, ControllerError> {
        self.request_with(now, |id| {
            let mut b = GetSupportedDmBuilder::new(id)
                .first_level_only(flags.first_level_only)
                .return_commands(flags.return_commands)
                .return_events(flags.return_events)
                .return_params(flags.return_params)
                .return_unique_key_sets(flags.return_unique_key_sets);
            for p in paths {
                b = b.obj_path(p.as_ref());
            }
            b.build()
        })
    }

    /// Sends a GetInstances of the object `paths` (each ending in `.`). The result is a
    /// [`TypedResult::GetInstances`].
    ///
    /// # Errors
    /// As [`get`](Self::get).
    pub fn get_instances<S: AsRef<str>>(
        &mut self,
        now: Instant,
        paths: &[S],
        first_level_only: bool,
    ) -> Result<RequestId, ControllerError> {
        self.request_with(now, |id| {
            let mut b = GetInstancesBuilder::new(id).first_level_only(first_level_only);
            for p in paths {
                b = b.obj_path(p.as_ref());
            }
            b.build()
        })
    }

    /// Sends a Set of `objects`. The result is a [`TypedResult::Set`] (with `allow_partial`
    /// false, any failure comes as an Error instead, R-SET.1).
    ///
    /// # Errors
    /// As [`get`](Self::get).
    pub fn set(
        &mut self,
        now: Instant,
        allow_partial: bool,
        objects: impl IntoIterator<Item = UpdateObject>,
    ) -> Result<RequestId, ControllerError> {
        self.request_with(now, |id| {
            objects
                .into_iter()
                .fold(SetBuilder::new(id).allow_partial(allow_partial), |b, o| {
                    b.update_obj(o)
                })
                .build()
        })
    }

    /// Sends an Add of `objects`. The result is a [`TypedResult::Add`].
    ///
    /// # Errors
    /// As [`get`](Self::get).
    pub fn add(
        &mut self,
        now: Instant,
        allow_partial: bool,
        objects: impl IntoIterator<Item = CreateObject>,
    ) -> Result<RequestId, ControllerError> {
        self.request_with(now, |id| {
            objects
                .into_iter()
                .fold(AddBuilder::new(id).allow_partial(allow_partial), |b, o| {
                    b.create_obj(o)
                })
                .build()
        })
    }

    /// Sends a Delete of the object instance `paths`. The result is a
    /// [`TypedResult::Delete`].
    ///
    /// # Errors
    /// As [`get`](Self::get).
    pub fn delete<S: AsRef<str>>(
        &mut self,
        now: Instant,
        allow_partial: bool,
        paths: &[S],
    ) -> Result<RequestId, ControllerError> {
        self.request_with(now, |id| {
            let mut b = DeleteBuilder::new(id).allow_partial(allow_partial);
            for p in paths {
                b = b.obj_path(p.as_ref());
            }
            b.build()
        })
    }

    /// Sends an Operate of `command` (ending in `()`) with `command_key` and input arguments.
    ///
    /// With `send_resp` true the result is a [`TypedResult::Operate`]. With `send_resp` false
    /// no reply is awaited (R-OPR.4): no `Response` or `TimedOut` event follows, and a reply
    /// the Agent sends anyway is dropped as [`UnmatchedReason::NotAwaited`]. Results of
    /// asynchronous commands arrive as OperationComplete notifications carrying `command_key`.
    ///
    /// # Errors
    /// As [`get`](Self::get).
    pub fn operate<K: Into<String>, V: Into<String>>(
        &mut self,
        now: Instant,
        command: &str,
        command_key: &str,
        send_resp: bool,
        input_args: impl IntoIterator<Item = (K, V)>,
    ) -> Result<RequestId, ControllerError> {
        self.request_with(now, |id| {
            input_args
                .into_iter()
                .fold(
                    OperateBuilder::new(id, command)
                        .command_key(command_key)
                        .send_resp(send_resp),
                    |b, (k, v)| b.input_arg(k, v),
                )
                .build()
        })
    }

    /// Sends a GetSupportedProtocol listing our versions (e.g. `"1.3,1.4"`). The result is a
    /// [`TypedResult::GetSupportedProtocol`].
    ///
    /// # Errors
    /// As [`get`](Self::get).
    pub fn get_supported_protocol(
        &mut self,
        now: Instant,
        controller_versions: &str,
    ) -> Result<RequestId, ControllerError> {
        self.request_with(now, |id| {
            GetSupportedProtocolBuilder::new(id, controller_versions).build()
        })
    }

    /// Sends any request: `build` gets the msg_id to use and returns the message, typically
    /// from a usp-msg builder. The reply is awaited unless the request is an Operate with
    /// `send_resp` false.
    ///
    /// ```
    /// use usp_controller::{Controller, ControllerConfig, Instant};
    /// use usp_msg::RegisterBuilder;
    ///
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let mut ctl = Controller::new(ControllerConfig::new("proto::c", "proto::a")?, Instant::ZERO)?;
    /// let id = ctl.request_with(Instant::ZERO, |msg_id| {
    ///     RegisterBuilder::new(msg_id).path("Device.Time.").build()
    /// })?;
    /// assert!(ctl.is_pending(id));
    /// assert!(ctl.poll_transmit().is_some());
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    /// [`ControllerError::Build`] from `build`; [`ControllerError::WrongMessage`] if the message
    /// is not a request or is a Notify; [`ControllerError::MsgIdChanged`] if it does not carry
    /// the given msg_id; [`ControllerError::TooManyPending`]; [`ControllerError::E2e`].
    pub fn request_with(
        &mut self,
        now: Instant,
        build: impl FnOnce(String) -> Result<Msg, BuildError>,
    ) -> Result<RequestId, ControllerError> {
        let id = RequestId(self.counter);
        let msg_id = self.msg_id_of(id);
        let msg = build(msg_id.clone())?;
        if msg.msg_id() != msg_id {
            return Err(ControllerError::MsgIdChanged {
                expected: msg_id,
                got: String::from(msg.msg_id()),
            });
        }
        let awaited = match msg.request() {
            None | Some(Request::Notify(_)) => {
                return Err(ControllerError::WrongMessage {
                    got: msg.msg_type(),
                    reason: "expected a request other than Notify",
                });
            }
            Some(Request::Operate(op)) => op.send_resp,
            Some(_) => true,
        };
        let Some(expected) = msg.msg_type().response_type() else {
            return Err(ControllerError::WrongMessage {
                got: msg.msg_type(),
                reason: "expected a request with a response type",
            });
        };
        if awaited && self.pending.len() >= self.cfg.max_pending {
            return Err(ControllerError::TooManyPending {
                limit: self.cfg.max_pending,
            });
        }
        self.session.send(now, msg.encode_to_bytes())?;
        self.counter = self.counter.wrapping_add(1);
        // `send` produces no received payloads, so draining cannot fail here.
        let _ = self.drain_session(now);
        if awaited {
            let deadline = now + self.cfg.request_timeout;
            self.deadlines.insert((deadline, id));
            self.pending.insert(
                msg_id,
                Pending {
                    id,
                    expected,
                    deadline,
                },
            );
        } else {
            self.remember(msg_id, id, Finished::NotAwaited);
        }
        Ok(id)
    }

    /// Sends a Response or Error answering a request the Agent sent (see
    /// [`ControllerEvent::Request`]). Use the request's msg_id (R-MSG.9), e.g. with
    /// [`Msg::error_reply`].
    ///
    /// # Errors
    /// [`ControllerError::WrongMessage`] if `msg` is a request; [`ControllerError::E2e`].
    pub fn reply(&mut self, now: Instant, msg: &Msg) -> Result<(), ControllerError> {
        if msg.msg_type().is_request() {
            return Err(ControllerError::WrongMessage {
                got: msg.msg_type(),
                reason: "expected a Response or an Error",
            });
        }
        self.session.send(now, msg.encode_to_bytes())?;
        // `send` produces no received payloads, so draining cannot fail here.
        let _ = self.drain_session(now);
        Ok(())
    }

    /// Stops waiting for request `id`: no `Response` or `TimedOut` event will follow for it,
    /// and a late reply is dropped as [`UnmatchedReason::Cancelled`]. Returns whether it was
    /// pending. (USP has no way to tell the Agent; this is local only.)
    pub fn cancel(&mut self, id: RequestId) -> bool {
        let msg_id = self.msg_id_of(id);
        match self.pending.remove(&msg_id) {
            Some(p) => {
                self.deadlines.remove(&(p.deadline, id));
                self.remember(msg_id, id, Finished::Cancelled);
                true
            }
            None => false,
        }
    }

    // ------------------------------------------------------------------ handle_*

    /// Processes one encoded Record received from the Agent. Call whenever the MTP delivers
    /// one; then drain `poll_transmit` and `poll_event` and re-arm the timer.
    ///
    /// MTP Connect Records (WebSocketConnect, ...) are accepted and ignored. Everything a
    /// Record carries becomes events: replies to pending requests ([`ControllerEvent::Response`]),
    /// Notify requests (answered with a NotifyResp when asked), dropped replies
    /// ([`ControllerEvent::UnmatchedResponse`]), E2E session events.
    ///
    /// # Errors
    /// [`ControllerError::Record`] if the bytes are not a valid Record (dropped; see
    /// [`usp_record::RecordError::disposition`]); [`ControllerError::E2e`] if the E2E layer
    /// refused it (e.g. `to_id` is not ours, R-E2E.1, or it comes from another Endpoint),
    /// after taking the spec's reaction; or if the NotifyResp could not be queued.
    pub fn handle_record(&mut self, now: Instant, bytes: Bytes) -> Result<(), ControllerError> {
        let opts = usp_record::DecodeOptions::new().max_record_size(self.cfg.max_record_size);
        let record = Record::decode_with(bytes, &opts)?;
        self.handle_decoded(now, record)
    }

    /// [`handle_record`](Self::handle_record) for a Record already decoded and validated.
    pub(crate) fn handle_decoded(
        &mut self,
        now: Instant,
        record: Record,
    ) -> Result<(), ControllerError> {
        if record.kind().is_connect() {
            return Ok(());
        }
        let raw: usp_record::pb::Record = record.into();
        let handled = self.session.handle_record(now, raw);
        let drained = self.drain_session(now);
        handled?;
        drained
    }

    /// Runs the timers due at `now`: times out requests whose deadline passed
    /// ([`ControllerEvent::TimedOut`]) and runs the E2E layer's timers. Call when the instant
    /// from [`poll_timeout`](Self::poll_timeout) is reached; an early call does nothing.
    pub fn handle_timeout(&mut self, now: Instant) {
        self.session.handle_timeout(now);
        // A failure to queue a NotifyResp cannot be reported from here; the Agent retries.
        let _ = self.drain_session(now);
        while let Some(&(deadline, id)) = self.deadlines.first() {
            if deadline > now {
                break;
            }
            self.deadlines.pop_first();
            let msg_id = self.msg_id_of(id);
            if self.pending.remove(&msg_id).is_some() {
                self.remember(msg_id, id, Finished::TimedOut);
                self.events.push_back(ControllerEvent::TimedOut { id });
            }
        }
    }

    // ------------------------------------------------------------------ poll_*

    /// The next encoded Record to send to the Agent, or `None`. Drain after every input.
    #[must_use]
    pub fn poll_transmit(&mut self) -> Option<Bytes> {
        self.transmit.pop_front()
    }

    /// The next event, or `None`. Drain after every input.
    #[must_use]
    pub fn poll_event(&mut self) -> Option<ControllerEvent> {
        self.events.pop_front()
    }

    /// When [`handle_timeout`](Self::handle_timeout) must be called next: the earliest
    /// request deadline or E2E timer, or `None` if nothing is armed.
    #[must_use]
    pub fn poll_timeout(&self) -> Option<Instant> {
        let ours = self.deadlines.first().map(|&(t, _)| t);
        match (ours, self.session.poll_timeout()) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    // ------------------------------------------------------------------ internals

    /// Moves the E2E layer's transmits and events into ours, handling received payloads.
    fn drain_session(&mut self, now: Instant) -> Result<(), ControllerError> {
        let mut first_err = Ok(());
        loop {
            while let Some(rec) = self.session.poll_transmit() {
                self.transmit.push_back(Bytes::from(rec.encode_to_vec()));
            }
            let Some(ev) = self.session.poll_event() else {
                break;
            };
            match ev {
                Event::Payload(p) => {
                    if let Err(e) = self.handle_payload(now, p) {
                        if first_err.is_ok() {
                            first_err = Err(e);
                        }
                    }
                }
                other => self.events.push_back(ControllerEvent::Session(other)),
            }
        }
        first_err
    }

    fn handle_payload(&mut self, now: Instant, payload: Bytes) -> Result<(), ControllerError> {
        let msg = match Msg::decode_with(payload, &self.cfg.msg_decode) {
            Ok(m) => m,
            Err(e) => return self.handle_invalid_msg(now, e),
        };
        match msg.body() {
            Body::Request(Request::Notify(_)) => {
                let (msg_id, body) = msg.into_parts();
                if let Body::Request(Request::Notify(n)) = body {
                    return self.handle_notify(now, msg_id, n);
                }
                Ok(())
            }
            Body::Request(_) => {
                self.events.push_back(ControllerEvent::Request(msg));
                Ok(())
            }
            Body::Response(_) | Body::Error(_) => {
                self.correlate(msg);
                Ok(())
            }
        }
    }

    /// A payload that is not a valid Msg. A broken request with a readable msg_id is answered
    /// with an Error (R-MSG.0, code from [`MsgError::usp_error_code`]); a broken Response or
    /// Error whose msg_id is pending ends that request; anything else is only reported.
    fn handle_invalid_msg(&mut self, now: Instant, e: MsgError) -> Result<(), ControllerError> {
        if let Some(reply) = e.error_reply() {
            self.events.push_back(ControllerEvent::InvalidMsg(e));
            return self
                .session
                .send(now, reply.encode_to_bytes())
                .map_err(ControllerError::E2e);
        }
        let pending = e.msg_id().and_then(|id| self.pending.get(id).map(|p| p.id));
        match pending {
            Some(id) => self.resolve(id, Err(RequestError::InvalidResponse(e))),
            None => self.events.push_back(ControllerEvent::InvalidMsg(e)),
        }
        Ok(())
    }

    fn handle_notify(
        &mut self,
        now: Instant,
        msg_id: String,
        n: Notify,
    ) -> Result<(), ControllerError> {
        let mut result = Ok(());
        if n.send_resp {
            // R-NOT.10: the NotifyResp echoes the msg_id and the subscription_id. With
            // send_resp false no reply is sent (R-NOT.8).
            match NotifyRespBuilder::new(msg_id.as_str(), n.subscription_id.as_str()).build() {
                Ok(resp) => {
                    if let Err(e) = self.session.send(now, resp.encode_to_bytes()) {
                        result = Err(ControllerError::E2e(e));
                    }
                }
                Err(e) => result = Err(ControllerError::Build(e)),
            }
        }
        self.events.push_back(ControllerEvent::Notify(Notification {
            msg_id,
            subscription_id: n.subscription_id,
            send_resp: n.send_resp,
            kind: n.kind,
        }));
        result
    }

    /// R-MSG.9: match a Response or Error to the pending request with its msg_id, once.
    fn correlate(&mut self, msg: Msg) {
        let msg_type = msg.msg_type();
        let Some(p) = self.pending.get(msg.msg_id()) else {
            let reason = self
                .recent
                .iter()
                .rev()
                .find(|(m, _, _)| m == msg.msg_id())
                .map_or(UnmatchedReason::UnknownMsgId, |&(_, id, f)| match f {
                    Finished::Answered => UnmatchedReason::AlreadyAnswered(id),
                    Finished::TimedOut => UnmatchedReason::AfterTimeout(id),
                    Finished::Cancelled => UnmatchedReason::Cancelled(id),
                    Finished::NotAwaited => UnmatchedReason::NotAwaited(id),
                });
            let (msg_id, _) = msg.into_parts();
            self.events.push_back(ControllerEvent::UnmatchedResponse {
                msg_id,
                msg_type,
                reason,
            });
            return;
        };
        let id = p.id;
        if !msg_type.is_error() && msg_type != p.expected {
            let expected = p.expected;
            let (msg_id, _) = msg.into_parts();
            self.events.push_back(ControllerEvent::UnmatchedResponse {
                msg_id,
                msg_type,
                reason: UnmatchedReason::WrongType { id, expected },
            });
            return;
        }
        let result = match msg.into_parts().1 {
            Body::Error(e) => Err(RequestError::Agent {
                error: UspError::new(e.err_code, e.err_msg),
                param_errs: e
                    .param_errs
                    .into_iter()
                    .map(|pe| {
                        PathFailure::new(pe.param_path, UspError::new(pe.err_code, pe.err_msg))
                    })
                    .collect::<Vec<_>>(),
            }),
            Body::Response(r) => Ok(TypedResult::from_response(r)),
            // Requests never reach here (handled by the caller).
            Body::Request(_) => return,
        };
        self.resolve(id, result);
    }

    fn resolve(&mut self, id: RequestId, result: Result<TypedResult, RequestError>) {
        let msg_id = self.msg_id_of(id);
        if let Some(p) = self.pending.remove(&msg_id) {
            self.deadlines.remove(&(p.deadline, id));
            self.remember(msg_id, id, Finished::Answered);
            self.events
                .push_back(ControllerEvent::Response { id, result });
        }
    }

    fn remember(&mut self, msg_id: String, id: RequestId, how: Finished) {
        if self.cfg.remembered_ids == 0 {
            return;
        }
        while self.recent.len() >= self.cfg.remembered_ids {
            self.recent.pop_front();
        }
        self.recent.push_back((msg_id, id, how));
    }
}

/// The flags of a GetSupportedDM request (all false by default).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct SupportedDmFlags {
    /// Only the first level of sub-objects.
    pub first_level_only: bool,
    /// Include commands.
    pub return_commands: bool,
    /// Include events.
    pub return_events: bool,
    /// Include parameters.
    pub return_params: bool,
    /// Include unique key sets.
    pub return_unique_key_sets: bool,
}

impl SupportedDmFlags {
    /// Every `return_*` flag set, `first_level_only` false: the whole supported model.
    #[must_use]
    pub const fn all() -> Self {
        Self {
            first_level_only: false,
            return_commands: true,
            return_events: true,
            return_params: true,
            return_unique_key_sets: true,
        }
    }

    /// Sets `first_level_only`.
    #[must_use]
    pub const fn first_level_only(mut self, v: bool) -> Self {
        self.first_level_only = v;
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use usp_msg::{GetRespBuilder, GetResult};
    use usp_record::RecordBuilder;

    fn ctl(remembered: usize, max_pending: usize) -> Controller {
        let mut cfg = ControllerConfig::new("proto::c", "proto::a").unwrap();
        cfg.remembered_ids(remembered).max_pending(max_pending);
        Controller::new(cfg, Instant::ZERO).unwrap()
    }

    fn answer(c: &mut Controller, id: RequestId) {
        let msg = GetRespBuilder::new(c.msg_id_of(id))
            .result(GetResult::new("Device."))
            .build_bytes()
            .unwrap();
        let rec = RecordBuilder::new("proto::c", "proto::a")
            .unwrap()
            .no_session_context(msg)
            .unwrap();
        c.handle_record(Instant::ZERO, rec.to_bytes()).unwrap();
    }

    /// R-MSG.9: the memory of finished ids is bounded; a reply to a forgotten id is reported
    /// as unknown, never matched again.
    #[test]
    fn remembered_ids_are_bounded() {
        let mut c = ctl(2, 8);
        let ids: Vec<_> = (0..3)
            .map(|_| c.get(Instant::ZERO, &["Device."], 0).unwrap())
            .collect();
        for id in &ids {
            answer(&mut c, *id);
        }
        assert_eq!(c.recent.len(), 2);
        while c.poll_event().is_some() {}
        for (id, want) in ids.iter().zip([
            UnmatchedReason::UnknownMsgId,
            UnmatchedReason::AlreadyAnswered(ids[1]),
            UnmatchedReason::AlreadyAnswered(ids[2]),
        ]) {
            answer(&mut c, *id);
            match c.poll_event() {
                Some(ControllerEvent::UnmatchedResponse { reason, .. }) => assert_eq!(reason, want),
                other => panic!("unexpected {other:?}"),
            }
        }
        let mut none = ctl(0, 8);
        let id = none.get(Instant::ZERO, &["Device."], 0).unwrap();
        answer(&mut none, id);
        assert!(none.recent.is_empty());
    }

    /// R-OPR.4: requests that await no reply do not count against `max_pending`.
    #[test]
    fn not_awaited_requests_do_not_count_as_pending() {
        let mut c = ctl(4, 1);
        let none: [(&str, &str); 0] = [];
        c.get(Instant::ZERO, &["Device."], 0).unwrap();
        assert!(matches!(
            c.get(Instant::ZERO, &["Device."], 0),
            Err(ControllerError::TooManyPending { limit: 1 })
        ));
        c.operate(Instant::ZERO, "Device.Reboot()", "k", false, none)
            .unwrap();
        assert_eq!(c.pending_count(), 1);
        assert_eq!(c.deadlines.len(), 1);
    }

    /// Timeouts and replies keep the pending map and the deadline set in step.
    #[test]
    fn pending_and_deadlines_stay_in_step() {
        let mut c = ctl(4, 8);
        let a = c.get(Instant::ZERO, &["Device."], 0).unwrap();
        let _b = c.get(Instant::from_millis(10), &["Device."], 0).unwrap();
        answer(&mut c, a);
        assert_eq!((c.pending.len(), c.deadlines.len()), (1, 1));
        c.handle_timeout(Instant::from_millis(u64::MAX));
        assert_eq!((c.pending.len(), c.deadlines.len()), (0, 0));
        assert_eq!(c.poll_timeout(), None);
    }
}
