//! The stateful, sans-IO Agent: Operate (sync and async, with the `Device.LocalAgent.Request`
//! table), subscriptions and Notify with retries, on top of the stateless [`Engine`].

use alloc::collections::{BTreeMap, BTreeSet, VecDeque};
use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;

use usp_msg::pb;
use usp_msg::pb::request::ReqType;

use crate::access::{AccessControl, FullAccess, Roles};
use crate::engine::{Engine, EngineConfig};
use crate::error::DmError;
use crate::model::DataModel;

mod broker;
mod forward;
mod notify;
mod operate;
mod relay;
mod split;

pub use notify::{NotifyKind, TriggerAction};

/// A point in time: milliseconds since an epoch the integrator picks (for example its boot).
/// The Agent never reads a clock; every call that may start or fire a timer takes `now`.
///
/// ```
/// use usp_datamodel::Instant;
///
/// let t = Instant::from_millis(1_500);
/// assert_eq!(t.plus_secs(2).as_millis(), 3_500);
/// assert!(Instant::from_millis(1) < t);
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Instant(u64);

impl Instant {
    /// `ms` milliseconds after the epoch.
    pub const fn from_millis(ms: u64) -> Self {
        Self(ms)
    }

    /// Milliseconds since the epoch.
    pub const fn as_millis(self) -> u64 {
        self.0
    }

    /// `ms` milliseconds later (saturating).
    #[must_use]
    pub const fn plus_millis(self, ms: u64) -> Self {
        Self(self.0.saturating_add(ms))
    }

    /// `s` seconds later (saturating).
    #[must_use]
    pub const fn plus_secs(self, s: u64) -> Self {
        self.plus_millis(s.saturating_mul(1000))
    }
}

/// A handle on one running asynchronous operation, given to [`Commands::start`] and passed
/// back to [`Agent::complete_operation`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct OpHandle(u64);

impl OpHandle {
    /// The handle's number (unique while the Agent runs).
    pub const fn get(self) -> u64 {
        self.0
    }
}

/// What the integrator implements to execute commands (`Device.Reboot()`,
/// `Device.IP.Interface.1.Reset()`). The Agent has already resolved the path, checked the
/// `x` permission and the input arguments (mandatory ones present, values type-checked,
/// defaults filled in, unknown ones dropped — R-OPR.5, R-OPR.6, R-OPR.7).
///
/// `command` is the concrete command path with instance numbers (`Device.IP.Interface.1.Reset()`).
pub trait Commands<M: ?Sized> {
    /// Runs a synchronous command and returns its output arguments.
    ///
    /// # Errors
    /// A [`DmError`] whose code goes into the `cmd_failure` (typically 7022, Command failure).
    fn run(
        &mut self,
        dm: &mut M,
        command: &str,
        input: &BTreeMap<String, String>,
    ) -> Result<BTreeMap<String, String>, DmError>;

    /// Starts an asynchronous command; finish it later with [`Agent::complete_operation`]
    /// and `op`. The default refuses with 7022.
    ///
    /// # Errors
    /// A [`DmError`] when the command cannot start; the Request row is then removed and the
    /// failure reported in the OperateResp.
    fn start(
        &mut self,
        dm: &mut M,
        op: OpHandle,
        command: &str,
        input: &BTreeMap<String, String>,
    ) -> Result<(), DmError> {
        let _ = (dm, op, input);
        Err(DmError::new(
            crate::code::COMMAND_FAILURE,
            format!("{command} cannot be started"),
        ))
    }

    /// Stops a running asynchronous command (`Device.LocalAgent.Request.{i}.Cancel()`).
    /// Return `Ok` once it is stopped: the Agent then reports it failed with 7023. The
    /// default refuses with 7022 and the operation keeps running (R-OPR.3).
    ///
    /// # Errors
    /// A [`DmError`] when the operation cannot be canceled.
    fn cancel(&mut self, dm: &mut M, op: OpHandle) -> Result<(), DmError> {
        let _ = dm;
        Err(DmError::new(
            crate::code::COMMAND_FAILURE,
            format!("operation {} cannot be canceled", op.get()),
        ))
    }
}

/// No commands: every Operate fails with `cmd_failure` 7022.
#[derive(Clone, Copy, Debug, Default)]
pub struct NoCommands;

impl<M: ?Sized> Commands<M> for NoCommands {
    fn run(
        &mut self,
        _: &mut M,
        command: &str,
        _: &BTreeMap<String, String>,
    ) -> Result<BTreeMap<String, String>, DmError> {
        Err(DmError::new(
            crate::code::COMMAND_FAILURE,
            format!("{command} is not implemented"),
        ))
    }
}

/// A message the Agent wants sent: a Notify request to the Controller `to` (its Endpoint ID).
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct Outgoing {
    /// The recipient Controller's Endpoint ID.
    pub to: String,
    /// The message.
    pub msg: pb::Msg,
}

/// Agent settings: the [`EngineConfig`], the retry PRNG seed and memory bounds.
///
/// ```
/// use usp_datamodel::AgentConfig;
///
/// let mut cfg = AgentConfig::default();
/// cfg.set_seed(7).set_max_outbox(100).set_max_pending(10).set_max_operations(4);
/// assert_eq!(cfg.max_outbox(), 100);
/// ```
#[derive(Clone, Debug)]
pub struct AgentConfig {
    engine: EngineConfig,
    seed: u64,
    max_outbox: usize,
    max_pending: usize,
    max_ops: usize,
    max_subs: usize,
    max_registrations: usize,
    forward_timeout_ms: u64,
    max_split_parts: usize,
}

impl Default for AgentConfig {
    fn default() -> Self {
        Self {
            engine: EngineConfig::default(),
            seed: 0x5eed_0f00_d15e_a5e5,
            max_outbox: 1024,
            max_pending: 1024,
            max_ops: 256,
            max_subs: 1024,
            max_registrations: 1024,
            forward_timeout_ms: 30_000,
            max_split_parts: 16,
        }
    }
}

impl AgentConfig {
    /// The engine settings.
    pub const fn engine(&self) -> &EngineConfig {
        &self.engine
    }

    /// Sets the engine settings.
    pub fn set_engine(&mut self, e: EngineConfig) -> &mut Self {
        self.engine = e;
        self
    }

    /// Sets the seed of the PRNG that picks retry waits (R-NOT.1).
    pub const fn set_seed(&mut self, seed: u64) -> &mut Self {
        self.seed = seed;
        self
    }

    /// The most messages waiting in [`Agent::poll_transmit`] (default 1024); beyond it the
    /// oldest is dropped.
    pub const fn max_outbox(&self) -> usize {
        self.max_outbox
    }

    /// Sets [`AgentConfig::max_outbox`].
    pub const fn set_max_outbox(&mut self, n: usize) -> &mut Self {
        self.max_outbox = n;
        self
    }

    /// Sets the most Notify messages awaiting a NotifyResp (default 1024); beyond it the
    /// oldest stops being retried. Also the most requests (or parts of split requests)
    /// forwarded to USP Services awaiting their reply, beyond which a new one gets Error
    /// 7005, and the most Subscription Adds the Broker has sent to USP Services awaiting
    /// their AddResp, beyond which further relayed subscriptions wait.
    pub const fn set_max_pending(&mut self, n: usize) -> &mut Self {
        self.max_pending = n;
        self
    }

    /// Sets the most asynchronous operations running at once (default 256); beyond it a new
    /// one fails with `cmd_failure` 7005 (the "deny" option of concurrent operations).
    pub const fn set_max_operations(&mut self, n: usize) -> &mut Self {
        self.max_ops = n;
        self
    }

    /// Sets the most paths USP Services may register in all (default 1024); beyond it a
    /// Register fails with 7028.
    pub const fn set_max_registrations(&mut self, n: usize) -> &mut Self {
        self.max_registrations = n;
        self
    }

    /// How long, in ms, the Broker waits for a USP Service to answer a forwarded request
    /// (default 30 000).
    pub const fn forward_timeout(&self) -> u64 {
        self.forward_timeout_ms
    }

    /// Sets [`AgentConfig::forward_timeout`]: when it passes without an answer the Controller
    /// gets Error 7003 (Internal error) and a late answer is dropped.
    pub const fn set_forward_timeout(&mut self, ms: u64) -> &mut Self {
        self.forward_timeout_ms = ms;
        self
    }

    /// The most USP Services one request may be split across (default 16).
    pub const fn max_split_parts(&self) -> usize {
        self.max_split_parts
    }

    /// Sets [`AgentConfig::max_split_parts`]: a request whose paths belong to more USP
    /// Services gets Error 7005 (Resources exceeded) before anything is sent or changed.
    pub const fn set_max_split_parts(&mut self, n: usize) -> &mut Self {
        self.max_split_parts = n;
        self
    }

    /// Sets the most subscriptions tracked (default 1024); rows beyond it are not processed.
    /// Also the most Subscriptions the Broker holds on USP Services for Controllers.
    pub const fn set_max_subscriptions(&mut self, n: usize) -> &mut Self {
        self.max_subs = n;
        self
    }
}

/// Why [`Agent::complete_operation`] failed.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum AgentError {
    /// No running operation has this handle (already completed or canceled).
    #[error("no running operation {0}")]
    UnknownOperation(u64),
}

/// One running asynchronous operation.
#[derive(Clone, Debug)]
struct Op {
    /// The Request row (`Device.LocalAgent.Request.3.`), or empty if the schema has none.
    row: String,
    /// `Device.IP.Interface.1.`
    obj_path: String,
    /// `Reset()`
    command_name: String,
    command_key: String,
}

/// A Notify awaiting its NotifyResp (NotifRetry = true).
#[derive(Clone, Debug)]
struct Pending {
    to: String,
    msg: pb::Msg,
    msg_id: String,
    /// Retries done so far.
    retries: u32,
    next: Instant,
    expires: Option<Instant>,
    /// `m` (seconds) and `k` (thousandths) of the recipient Controller.
    m: u64,
    k: u64,
}

/// The stateful sans-IO USP Agent: everything [`Engine`] answers, plus Operate (sync and
/// async), subscriptions and Notify (with NotifRetry back-off), driven by the integrator.
///
/// # The loop
///
/// 1. For each received message, call [`Agent::handle`] with the sender's Endpoint ID and
///    its permissions; send the returned reply, if any.
/// 2. When something happens locally, tell the Agent: [`Agent::complete_operation`] for an
///    asynchronous command, [`Agent::event`] for an event, [`Agent::value_changed`] or
///    [`Agent::poll_changes`] for data model changes made outside [`Agent::handle`].
/// 3. Drain [`Agent::poll_transmit`] and send each Notify to its Controller.
/// 4. Arm a timer for [`Agent::poll_timeout`]; when it fires call [`Agent::handle_timeout`]
///    (a spurious call does nothing), then drain again.
///
/// # Rules implemented
///
/// - **Operate** (R-OPR.0–R-OPR.7): the command path may be a search; one `OperationResult`
///   per match, failures in `cmd_failure`, never an Error (R-OPR.1). The message fails with
///   an Error only for a bad path (7008), a path outside the Supported DM or not a command
///   (7026), a missing instance (7016), or a denied `x` on a non-search path (7006); denied
///   matches of a search are left out. Input arguments: mandatory missing → `cmd_failure`
///   7027 (R-OPR.5), bad value → 7027, unknown ignored (R-OPR.6), missing optional → default
///   (R-OPR.7). Sync commands answer with `req_output_args`. Async commands create one
///   `Device.LocalAgent.Request.{i}.` row per match (R-OPR.0, R-OPR.2) with Originator,
///   Command, CommandKey and Status (Requested → Active → Success/Error, or Canceled),
///   answer with `req_obj_path`, and on [`Agent::complete_operation`] remove the row and send
///   OperationComplete to the subscribed Controllers. `send_resp = false` → no OperateResp
///   (R-OPR.4). `Device.LocalAgent.Request.{i}.Cancel()` asks [`Commands::cancel`]; when it
///   agrees, the operation fails with 7023. A second invocation never aborts the first
///   (R-OPR.3); beyond [`AgentConfig::set_max_operations`] new ones fail with 7005.
/// - **Subscriptions and Notify**: see [`NotifyKind`] for what each notification type
///   watches. `subscription_id` is the Subscription's `ID` (R-NOT.7); `send_resp` is its
///   `NotifRetry`; with it the Notify is resent (same msg_id) after waits drawn from the
///   TR-369 m/k table (`USPNotifRetryMinimumWaitInterval`, default 5 s,
///   `USPNotifRetryIntervalMultiplier`, default 2000, of the recipient Controller; R-NOT.1,
///   R-NOT.2) until a NotifyResp with that msg_id arrives (its subscription_id is ignored,
///   R-NOT.9) or `NotifExpiration` seconds pass (0 = forever). Each Notify has its own retry
///   count, so a delivery resets it (R-NOT.3) and a new Agent starts at 0 (R-NOT.4). A
///   NotifyResp nobody waits for is dropped (R-NOT.8).
/// - **Subscription rows** (R-NOT.0): only `Enable = true` rows are processed; `Recipient` is
///   set to the creating Controller (the `Device.LocalAgent.Controller.{i}` row whose
///   EndpointID is the sender) as the Add creates the row, and an Add whose `ID` that
///   Controller already uses fails with 7025 ((Recipient, ID) is a unique key); when that Controller row is deleted (the strong
///   reference empties) the subscription is deleted. `TimeToLive` counts from when the Agent
///   first saw the row; for a row present at [`Agent::boot`], from its `CreationDate` when
///   a wall clock is set before the boot ([`Agent::set_wall_clock`]) and the date is known,
///   else from the boot; at expiry the row is deleted. [`Agent::boot`] deletes non-Persistent
///   subscriptions and leftover Request rows. Enabling a row or changing `NotifType` takes a
///   new baseline.
///
/// - **Broker** (USP 1.3 software modularization; R-REG.0–R-REG.2, R-DEREG.1–R-DEREG.4): only
///   endpoints the integrator marks with [`Agent::set_usp_service`] may Register (others get
///   Error 7006): the USP Services connected to the Broker, typically over the internal UNIX
///   domain socket MTP. A Register records paths under `Device.` without instance numbers,
///   searches or `{i}` (else 7028); a path that is, contains or lies inside one of another
///   service's paths fails with 7029 (the same service may register again).
///   `allow_partial = true` gives a result per path, `false` an Error and nothing registered.
///   Deregister answers per path: `""` removes all of the caller's paths, another service's
///   path is 7031, an unknown one 7030; never an Error. A request whose paths all lie under
///   one service's registration is forwarded to it (through [`Agent::poll_transmit`], with a
///   fresh msg_id); its Response or Error, when it comes from that service, is passed back to
///   the Controller under the original msg_id. A request mixing paths of several owners (the
///   Broker's own model and USP Services) is split, one part per owner, and the parts'
///   results merged into one Response in the order of the requested paths, sent through
///   [`Agent::poll_transmit`] once every part is in (each service part has the forward
///   deadline; one that errs, times out or disconnects fails only its paths). A Get or
///   GetSupportedDM path that contains registered paths (`Device.` while `Device.Time.` is
///   registered) is answered by the Broker for its own objects (its results under
///   registered paths dropped) and by each service for the registered paths below it, sent
///   as those registered paths; Get merges them into one result for the requested path,
///   keeping `max_depth` relative to it, and fails the path only when every part failed
///   (with the first failure); GetSupportedDM gives one result per owner for the path
///   (each with its `data_model_inst_uri`), the failed ones left out unless all failed, and
///   with `first_level_only` asks only registered objects one level below, reported without
///   parameters, commands or events. GetInstances paths never contain a registered path
///   (those have no instance numbers), so only whole paths are split. Set, Add and Delete
///   with `allow_partial = true` are split per object; with `allow_partial = false` and
///   more than one owner they get Error 7002 (Request denied) before anything is sent or
///   changed, as no transaction spans the Broker and its services. Beyond
///   [`AgentConfig::set_max_split_parts`] services, or when the parts would exceed
///   [`AgentConfig::set_max_pending`], a request gets 7005 before anything happens. An
///   Operate names one command, so one owner. A Subscription row whose `ReferenceList`
///   names paths under a service's registered path makes the Broker add a Subscription on
///   that service (`NotifType`, the service-owned paths, its own `ID`, `NotifRetry` false);
///   the service's Notify for it gets a NotifyResp from the Broker (when `send_resp`) and is
///   relayed to the Recipient Controller under the row's `ID`, with the row's `NotifRetry`
///   and `NotifExpiration` and the Controller's `n` permission; when the row goes (deleted,
///   disabled, `ReferenceList` or `NotifType` changed, TimeToLive, path deregistered) the
///   Broker deletes the service's row. Rows are compared after each Add, Set, Delete,
///   Register and Deregister handled and after [`Agent::handle_timeout`] expires rows. Not
///   relayed: `ReferenceList` paths that only contain registered ones (`Device.`), and a
///   row's `TriggerAction` Config for service notifications. An Operate with `send_resp = false` is forwarded and
///   not awaited; any other forwarded request is awaited at most
///   [`AgentConfig::set_forward_timeout`] (default 30 s), after which the Controller gets
///   Error 7003 (Internal error) and a late reply is dropped; beyond
///   [`AgentConfig::set_max_pending`] awaited requests a new one gets 7005.
///   [`Agent::service_disconnected`] drops a service's registrations and fails its waiting
///   requests with 7000.
/// - **Permissions** (R-SEC.1): requests are checked with the `acl` given to
///   [`Agent::handle`] (or the roles recorded with [`Agent::set_controller_roles`], through
///   [`Agent::handle_from`]) before anything changes; Operate needs `x` on the command. A
///   Notify goes out only if the recipient has the `n` permission on what it reports.
///   Requests forwarded to a USP Service are checked by the Broker with the same rules
///   before they leave, and the service's reply is filtered: Get, GetInstances and
///   GetSupportedDM return only what the Controller may read (an unreadable non-search path
///   is 7026, R-GET.1), Set echoes only readable values (R-SET.3), Add only readable unique
///   keys (R-ADD.6), Delete only readable rows (R-DEL.2, R-DEL.4). A denied Set setting,
///   Add, Delete or Operate is answered as the local engine answers it (7006; a required
///   setting 7021 with a 7006 parameter error; a setting not required is left out with a
///   7006 parameter error; with `allow_partial` a per-object failure) and never reaches the
///   service; a search on a parameter the Controller cannot read matches nothing. The Broker
///   cannot see a service's instances, so a search or wildcard path needs the permission on
///   every instance it may match ([`crate::Roles::every`]) and a path following a reference
///   needs it on every path: a role granting `w` on some rows only must name them. This
///   needs an owned copy of the permissions ([`AccessControl::to_roles`]); a Controller whose
///   permissions have none gets 7006 for requests to USP Services.
///
/// A non-empty `ReferenceList` cannot be changed by a Set (7013: TR-181 makes the row
/// immutable once written; delete and recreate it); setting an empty one takes a baseline.
///
/// - **TriggerAction** (TP-469 1.93, 1.94): `Notify` (default) sends the Notify, `Config`
///   applies `TriggerConfigSettings` instead, `NotifyAndConfig` does both; see
///   [`TriggerAction`].
///
/// - **CreationDate**: set when the Agent first sees a row, from [`Agent::set_wall_clock`];
///   the Unknown Time without it.
///
/// - **OnBoardRequest** (R-NOT.5, R-NOT.6, R-NOT.6a): `Controller.{i}.SendOnBoardRequest()`
///   is built in. When the schema has `Controller.{i}.OnBoardingComplete`, every enabled
///   Controller row with it false gets an OnBoardRequest when the Agent first sees it so (at
///   [`Agent::boot`], or after a change found by [`Agent::poll_changes`]); while it stays
///   false, another follows `OnBoardingRestartTime` seconds (when the schema has it and it is
///   above 0) after the NotifyResp of the last. OnBoardRequests on local policy (DHCP
///   discovery): [`Agent::send_onboard_request`].
///
/// ```
/// use std::collections::BTreeMap;
/// use usp_datamodel::{Agent, AgentConfig, CommandDef, Commands, DmError, FullAccess, Instant,
///     MemoryDataModel, ObjectDef, ParamDef, Schema};
/// use usp_msg::pb;
/// use usp_path::value::ValueType;
///
/// let mut s = Schema::new("urn:example-org:demo-1-0");
/// s.add_object(ObjectDef::new("Device.").with_command(
///     CommandDef::new("Ping()")
///         .with_input(ParamDef::new("Host", ValueType::String).mandatory())
///         .with_output(ParamDef::new("Reply", ValueType::String)),
/// ))?;
/// let mut dm = MemoryDataModel::new(s);
///
/// struct Cmds;
/// impl Commands<MemoryDataModel> for Cmds {
///     fn run(&mut self, _: &mut MemoryDataModel, command: &str, input: &BTreeMap<String, String>)
///         -> Result<BTreeMap<String, String>, DmError> {
///         assert_eq!(command, "Device.Ping()");
///         Ok(BTreeMap::from([("Reply".to_string(), format!("pong from {}", input["Host"]))]))
///     }
/// }
///
/// let mut agent = Agent::new(AgentConfig::default());
/// let now = Instant::from_millis(0);
/// agent.boot(now, &mut dm);
/// let req = pb::Msg {
///     header: Some(pb::Header { msg_id: "op-1".into(), msg_type: pb::header::MsgType::Operate as i32 }),
///     body: Some(pb::Body { msg_body: Some(pb::body::MsgBody::Request(pb::Request {
///         req_type: Some(pb::request::ReqType::Operate(pb::Operate {
///             command: "Device.Ping()".into(),
///             command_key: "k".into(),
///             send_resp: true,
///             input_args: BTreeMap::from([("Host".to_string(), "a".to_string())]),
///         })),
///     }))}),
/// };
/// let reply = agent.handle(now, &mut dm, &mut Cmds, "proto::ctrl", &FullAccess, &req).expect("OperateResp");
/// let Some(pb::body::MsgBody::Response(pb::Response {
///     resp_type: Some(pb::response::RespType::OperateResp(r)) })) = reply.body.and_then(|b| b.msg_body)
/// else { panic!("not an OperateResp") };
/// use pb::operate_resp::operation_result::OperationResp;
/// let Some(OperationResp::ReqOutputArgs(out)) = &r.operation_results[0].operation_resp else { panic!() };
/// assert_eq!(out.output_args["Reply"], "pong from a");
/// // Nothing else to send, no timer to arm.
/// assert!(agent.poll_transmit().is_none());
/// assert_eq!(agent.poll_timeout(), None);
/// # Ok::<(), usp_datamodel::SchemaError>(())
/// ```
#[derive(Clone, Debug)]
pub struct Agent {
    cfg: AgentConfig,
    engine: Engine,
    ops: BTreeMap<u64, Op>,
    next_op: u64,
    outbox: VecDeque<Outgoing>,
    pending: VecDeque<Pending>,
    subs: BTreeMap<String, notify::Sub>,
    next_msg: u64,
    rng: u64,
    roles: BTreeMap<String, Roles>,
    /// Registered path → USP Service.
    registry: Vec<(String, String)>,
    /// Forwarded msg_id → the request awaiting the USP Service's reply.
    forwards: BTreeMap<String, broker::Forward>,
    /// Requests split across owners, waiting for their parts.
    splits: BTreeMap<u64, split::Split>,
    next_split: u64,
    /// Subscriptions held on USP Services for Controllers' Subscription rows.
    relays: Vec<relay::Relay>,
    /// msg_id of a Broker Add to a USP Service → (service, subscription ID), until its
    /// AddResp.
    relay_adds: BTreeMap<String, (String, String)>,
    /// Endpoints the integrator marked as USP Services (they may Register).
    services: BTreeSet<String>,
    /// Controller rows waiting for onboarding (OnBoardingComplete false) → when the next
    /// OnBoardRequest is due (`None`: once the last one is answered, or never).
    onboarding: BTreeMap<String, Option<Instant>>,
    /// The wall clock: (instant, Unix seconds at that instant).
    wall: Option<(Instant, u64)>,
    /// Inside [`Agent::boot`]: rows seen now are not new.
    booting: bool,
}

impl Agent {
    /// The most passes [`Agent::poll_changes`] makes while subscriptions with a `Config`
    /// [`TriggerAction`] keep changing the data model.
    pub const MAX_CONFIG_CASCADE: usize = 4;

    /// An Agent with `cfg`, no operations, no subscriptions seen yet.
    pub fn new(cfg: AgentConfig) -> Self {
        let rng = cfg.seed | 1;
        Self {
            engine: Engine::new(cfg.engine.clone()),
            cfg,
            ops: BTreeMap::new(),
            next_op: 1,
            outbox: VecDeque::new(),
            pending: VecDeque::new(),
            subs: BTreeMap::new(),
            next_msg: 1,
            rng,
            roles: BTreeMap::new(),
            registry: Vec::new(),
            forwards: BTreeMap::new(),
            splits: BTreeMap::new(),
            next_split: 0,
            relays: Vec::new(),
            relay_adds: BTreeMap::new(),
            services: BTreeSet::new(),
            onboarding: BTreeMap::new(),
            wall: None,
            booting: false,
        }
    }

    /// The stateless engine used for Get, Set, Add, Delete and the discovery messages.
    pub const fn engine(&self) -> &Engine {
        &self.engine
    }

    /// Call once after loading the data model at start-up: deletes the Subscription rows with
    /// `Persistent = false` and every leftover Request row (asynchronous operations do not
    /// survive a restart), then takes the subscription baselines and sends an OnBoardRequest
    /// to each enabled Controller whose `OnBoardingComplete` is false (R-NOT.5).
    pub fn boot<M: DataModel + ?Sized>(&mut self, now: Instant, dm: &mut M) {
        let mut doomed = Vec::new();
        let mut rows = Vec::new();
        dm.instances(notify::SUB_TABLE, &mut rows);
        for n in rows.drain(..) {
            let row = format!("{}{n}.", notify::SUB_TABLE);
            if !notify::read_bool(dm, &row, "Persistent") {
                doomed.push(row);
            }
        }
        dm.instances(operate::REQ_TABLE, &mut rows);
        doomed.extend(rows.iter().map(|n| format!("{}{n}.", operate::REQ_TABLE)));
        if !doomed.is_empty() {
            dm.begin();
            for row in &doomed {
                let _ = dm.delete(row);
            }
            dm.commit();
        }
        self.subs.clear();
        // Rows that survive a restart keep their CreationDate.
        self.booting = true;
        self.sync_subscriptions(now, dm);
        self.booting = false;
        // R-NOT.5: Controllers waiting for onboarding get an OnBoardRequest.
        self.onboarding.clear();
        self.sync_onboarding(now, dm);
    }

    /// Tells the Agent the wall-clock time: at `at` it is `unix_secs` seconds after
    /// 1970-01-01T00:00:00Z. The Agent reads no clock; with this it sets `CreationDate` of each
    /// Subscription row when it first sees it (after the Add that creates it, or the next poll
    /// for rows the integrator adds), unless the row already carries a known time. Without it
    /// `CreationDate` stays the Unknown Time `0001-01-01T00:00:00Z`. Call it again whenever the
    /// clock is (re)synchronised. Rows present at [`Agent::boot`] keep their value.
    ///
    /// ```
    /// use usp_datamodel::{Agent, AgentConfig, Instant};
    ///
    /// let mut agent = Agent::new(AgentConfig::default());
    /// assert_eq!(agent.date_time_at(Instant::from_millis(0)), None);
    /// agent.set_wall_clock(Instant::from_millis(10_000), 1_700_000_000);
    /// assert_eq!(
    ///     agent.date_time_at(Instant::from_millis(12_500)).as_deref(),
    ///     Some("2023-11-14T22:13:22Z")
    /// );
    /// ```
    pub fn set_wall_clock(&mut self, at: Instant, unix_secs: u64) -> &mut Self {
        self.wall = Some((at, unix_secs));
        self
    }

    /// Forgets the wall clock set by [`Agent::set_wall_clock`] (new rows get the Unknown Time).
    pub fn clear_wall_clock(&mut self) -> &mut Self {
        self.wall = None;
        self
    }

    /// The wall-clock time at `now` as a TR-106 dateTime (`2023-11-14T22:13:22Z`, whole
    /// seconds, at most `9999-12-31T23:59:59Z`), or `None` without [`Agent::set_wall_clock`].
    pub fn date_time_at(&self, now: Instant) -> Option<String> {
        self.unix_secs_at(now).map(format_date_time)
    }

    /// The wall-clock time at `now` in Unix seconds (within the TR-106 range).
    fn unix_secs_at(&self, now: Instant) -> Option<u64> {
        let (at, base) = self.wall?;
        let delta = i128::from(now.as_millis()) - i128::from(at.as_millis());
        let secs = (i128::from(base) + delta.div_euclid(1000)).clamp(0, 253_402_300_799);
        Some(u64::try_from(secs).unwrap_or(0))
    }

    /// Seconds from the dateTime `created` to `now` by the wall clock; 0 without a wall
    /// clock, for the Unknown Time, an unreadable value or a time in the future.
    pub(crate) fn age_secs(&self, now: Instant, created: &str) -> u64 {
        match (self.unix_secs_at(now), parse_date_time(created)) {
            (Some(n), Some(c)) => n.saturating_sub(c),
            _ => 0,
        }
    }

    /// Answers one message from the Controller with Endpoint ID `from` and permissions
    /// `acl`, like [`Engine::handle_as`], and also Operate and NotifyResp. Returns the reply to
    /// send, if any; Notify messages it caused wait in [`Agent::poll_transmit`].
    pub fn handle<M, C, A>(
        &mut self,
        now: Instant,
        dm: &mut M,
        cmds: &mut C,
        from: &str,
        acl: &A,
        msg: &pb::Msg,
    ) -> Option<pb::Msg>
    where
        M: DataModel + ?Sized,
        C: Commands<M> + ?Sized,
        A: AccessControl + ?Sized,
    {
        let reply = self.dispatch(now, dm, cmds, from, acl, msg);
        // Subscription rows or registrations may have changed: the Subscriptions held on
        // USP Services follow.
        if matches!(
            msg.body.as_ref().and_then(|b| b.msg_body.as_ref()),
            Some(pb::body::MsgBody::Request(pb::Request {
                req_type: Some(
                    ReqType::Add(_)
                        | ReqType::Set(_)
                        | ReqType::Delete(_)
                        | ReqType::Register(_)
                        | ReqType::Deregister(_)
                )
            }))
        ) {
            self.sync_relays(dm);
        }
        reply
    }

    fn dispatch<M, C, A>(
        &mut self,
        now: Instant,
        dm: &mut M,
        cmds: &mut C,
        from: &str,
        acl: &A,
        msg: &pb::Msg,
    ) -> Option<pb::Msg>
    where
        M: DataModel + ?Sized,
        C: Commands<M> + ?Sized,
        A: AccessControl + ?Sized,
    {
        let body = msg.body.as_ref().and_then(|b| b.msg_body.as_ref());
        let id = msg.header.as_ref().map(|h| h.msg_id.as_str()).unwrap_or("");
        if matches!(
            body,
            Some(pb::body::MsgBody::Response(_) | pb::body::MsgBody::Error(_))
        ) && (self.forwarded_reply(from, msg) || self.relay_reply(from, msg))
        {
            return None;
        }
        if let Some(pb::body::MsgBody::Request(pb::Request {
            req_type: Some(ReqType::Notify(n)),
        })) = body
        {
            if self.services.contains(from) && !id.is_empty() {
                return self.relay_notify(now, dm, from, id, n);
            }
        }
        let request = match body {
            Some(pb::body::MsgBody::Request(pb::Request { req_type: Some(rt) }))
                if !id.is_empty() =>
            {
                Some(rt)
            }
            _ => None,
        };
        if let Some(rt) = request {
            match rt {
                ReqType::Register(r) => return Some(self.register(from, id, r)),
                ReqType::Deregister(d) => return Some(self.deregister(from, id, d)),
                _ => {}
            }
            match self.route(rt) {
                split::Route::Local => {}
                split::Route::Service(s) => {
                    return self.forward(now, from, id, s, msg, rt, acl);
                }
                split::Route::Split(parts) => {
                    return self.split(now, dm, cmds, from, msg, rt, parts, acl);
                }
            }
        }
        self.local(now, dm, cmds, from, acl, msg)
    }

    /// Answers `msg` from `from` with the Broker's own data model (no routing).
    fn local<M, C, A>(
        &mut self,
        now: Instant,
        dm: &mut M,
        cmds: &mut C,
        from: &str,
        acl: &A,
        msg: &pb::Msg,
    ) -> Option<pb::Msg>
    where
        M: DataModel + ?Sized,
        C: Commands<M> + ?Sized,
        A: AccessControl + ?Sized,
    {
        let body = msg.body.as_ref().and_then(|b| b.msg_body.as_ref());
        let id = msg.header.as_ref().map(|h| h.msg_id.as_str()).unwrap_or("");
        match body {
            Some(pb::body::MsgBody::Response(pb::Response {
                resp_type: Some(pb::response::RespType::NotifyResp(_)),
            })) => {
                // R-NOT.9: matched on msg_id only; R-NOT.8: an unexpected one is dropped.
                if let Some(i) = self.pending.iter().position(|p| p.msg_id == id) {
                    if let Some(p) = self.pending.remove(i) {
                        self.onboard_answered(now, dm, &p);
                    }
                }
                self.pending.retain(|p| p.msg_id != id);
                None
            }
            Some(pb::body::MsgBody::Request(pb::Request {
                req_type: Some(ReqType::Operate(op)),
            })) if !id.is_empty() => {
                let reply = self.operate(now, dm, cmds, from, acl, id, op);
                self.poll_changes(now, dm);
                reply
            }
            Some(pb::body::MsgBody::Request(pb::Request {
                req_type: Some(rt @ (ReqType::Add(_) | ReqType::Set(_) | ReqType::Delete(_))),
            })) => {
                let reply = match rt {
                    ReqType::Delete(_) => self.engine.handle_as(dm, acl, msg),
                    ReqType::Add(_) => {
                        let ctrl = self.controller_by_endpoint(dm, from);
                        let mut guarded = notify::SubGuard::new(dm, ctrl);
                        self.engine.handle_as(&mut guarded, acl, msg)
                    }
                    _ => {
                        let mut guarded = notify::SubGuard::new(dm, String::new());
                        self.engine.handle_as(&mut guarded, acl, msg)
                    }
                };
                self.poll_changes(now, dm);
                reply
            }
            _ => self.engine.handle_as(dm, acl, msg),
        }
    }

    /// Records the roles of the Controller with Endpoint ID `endpoint`: [`Agent::handle_from`]
    /// checks its requests against them, and a Notify goes to it only when the notified item
    /// has the `n` permission (Param for ValueChange, Obj for ObjectCreation, InstantiatedObj
    /// for ObjectDeletion, CommandEvent for OperationComplete and Event; OnBoardRequest
    /// always). A Controller without recorded roles gets everything.
    pub fn set_controller_roles(&mut self, endpoint: impl Into<String>, roles: Roles) {
        self.roles.insert(endpoint.into(), roles);
    }

    /// Forgets the roles recorded for `endpoint`.
    pub fn remove_controller_roles(&mut self, endpoint: &str) {
        self.roles.remove(endpoint);
    }

    /// [`Agent::handle`] with the roles recorded for `from` by
    /// [`Agent::set_controller_roles`] (everything allowed if none).
    pub fn handle_from<M, C>(
        &mut self,
        now: Instant,
        dm: &mut M,
        cmds: &mut C,
        from: &str,
        msg: &pb::Msg,
    ) -> Option<pb::Msg>
    where
        M: DataModel + ?Sized,
        C: Commands<M> + ?Sized,
    {
        match self.roles.get(from).cloned() {
            Some(r) => self.handle(now, dm, cmds, from, &r, msg),
            None => self.handle(now, dm, cmds, from, &FullAccess, msg),
        }
    }

    /// Whether `to` has the `n` permission for notification `n`.
    fn may_notify(&self, to: &str, n: &pb::notify::Notification) -> bool {
        use crate::access::Perms;
        use pb::notify::Notification as N;
        let Some(r) = self.roles.get(to) else {
            return true;
        };
        let p = match n {
            N::ValueChange(v) => {
                let cut = v.param_path.rfind('.').map_or(0, |i| i + 1);
                let (obj, param) = v.param_path.split_at(cut);
                r.param(obj, param)
            }
            N::ObjCreation(c) => r.obj(&c.obj_path),
            N::ObjDeletion(d) => r.instance(&d.obj_path),
            N::OperComplete(o) => r.command_event(&format!("{}{}", o.obj_path, o.command_name)),
            N::Event(e) => r.command_event(&format!("{}{}", e.obj_path, e.event_name)),
            N::OnBoardReq(_) => return true,
        };
        p.contains(Perms::NOTIFY)
    }

    /// The next message to send, oldest first.
    #[must_use]
    pub fn poll_transmit(&mut self) -> Option<Outgoing> {
        self.outbox.pop_front()
    }

    /// When [`Agent::handle_timeout`] must be called next: the earliest Notify retry, Notify
    /// expiry, subscription TimeToLive or deadline of a request forwarded to a USP Service.
    #[must_use]
    pub fn poll_timeout(&self) -> Option<Instant> {
        let retries = self
            .pending
            .iter()
            .map(|p| p.expires.map_or(p.next, |e| e.min(p.next)));
        let ttl = self.subs.values().filter_map(|s| s.deadline);
        let fwd = self.forwards.values().map(|f| f.deadline);
        let onboard = self.onboarding.values().filter_map(|t| *t);
        retries.chain(ttl).chain(fwd).chain(onboard).min()
    }

    /// Fires what is due at `now`: Notify retries (R-NOT.1, R-NOT.2), Notify expiry
    /// (NotifExpiration), subscription TimeToLive and forwarded requests a USP Service did not
    /// answer in time ([`AgentConfig::set_forward_timeout`]). A call with nothing due does
    /// nothing.
    pub fn handle_timeout<M: DataModel + ?Sized>(&mut self, now: Instant, dm: &mut M) {
        self.expire_forwards(now);
        self.onboard_restarts(now, dm);
        self.pending.retain(|p| p.expires.is_none_or(|e| e > now));
        let mut resend = Vec::new();
        for p in &mut self.pending {
            if p.next <= now {
                p.retries = p.retries.saturating_add(1);
                resend.push(Outgoing {
                    to: p.to.clone(),
                    msg: p.msg.clone(),
                });
            }
        }
        for i in 0..self.pending.len() {
            let due = self
                .pending
                .get(i)
                .filter(|p| p.next <= now)
                .map(|p| (p.m, p.k, p.retries.saturating_add(1)));
            if let Some((m, k, n)) = due {
                let wait = self.retry_wait(m, k, n);
                if let Some(p) = self.pending.get_mut(i) {
                    p.next = now.plus_millis(wait);
                }
            }
        }
        for o in resend {
            self.push_out(o);
        }
        let expired: Vec<String> = self
            .subs
            .iter()
            .filter(|(_, s)| s.deadline.is_some_and(|d| d <= now))
            .map(|(row, _)| row.clone())
            .collect();
        if !expired.is_empty() {
            dm.begin();
            for row in &expired {
                let _ = dm.delete(row);
                self.subs.remove(row);
            }
            dm.commit();
            self.poll_changes(now, dm);
            self.sync_relays(dm);
        }
    }

    /// How many Notify messages await a NotifyResp.
    pub fn pending_notifications(&self) -> usize {
        self.pending.len()
    }

    /// How many asynchronous operations are running.
    pub fn running_operations(&self) -> usize {
        self.ops.len()
    }

    /// The random wait before retry `n` (1-based), in ms: uniform in
    /// `[m·(k/1000)^(n−1), m·(k/1000)^n]` seconds with `n` capped at 10 (R-NOT.1, R-NOT.2).
    fn retry_wait(&mut self, m: u64, k: u64, n: u32) -> u64 {
        let (lo, hi) = retry_window(m, k, n);
        // xorshift64
        let mut x = self.rng;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.rng = x;
        lo + x % (hi - lo + 1)
    }

    fn push_out(&mut self, o: Outgoing) {
        if self.cfg.max_outbox == 0 {
            return;
        }
        while self.outbox.len() >= self.cfg.max_outbox {
            self.outbox.pop_front();
        }
        self.outbox.push_back(o);
    }

    fn next_msg_id(&mut self, prefix: &str) -> String {
        let n = self.next_msg;
        self.next_msg = self.next_msg.wrapping_add(1);
        format!("{prefix}-{n}")
    }
}

/// `unix_secs` (seconds after 1970-01-01T00:00:00Z) as `YYYY-MM-DDThh:mm:ssZ`.
fn format_date_time(unix_secs: u64) -> String {
    let days = unix_secs / 86_400;
    let rem = unix_secs % 86_400;
    // Days to civil date (proleptic Gregorian), after H. Hinnant's algorithm.
    let z = days + 719_468;
    let era = z / 146_097;
    let doe = z % 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + u64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

/// A TR-106 dateTime (`2023-11-14T22:13:22Z`, optionally with a fraction of a second and
/// `Z` or a `±hh:mm` offset) as Unix seconds; `None` when unreadable, before 1970 or the
/// Unknown Time (`0001-01-01T00:00:00Z`).
fn parse_date_time(s: &str) -> Option<u64> {
    let b = s.as_bytes();
    let num = |r: core::ops::Range<usize>| -> Option<i64> {
        let t = s.get(r)?;
        if t.is_empty() || !t.bytes().all(|c| c.is_ascii_digit()) {
            return None;
        }
        t.parse().ok()
    };
    if b.len() < 19
        || b.get(4) != Some(&b'-')
        || b.get(7) != Some(&b'-')
        || b.get(10) != Some(&b'T')
        || b.get(13) != Some(&b':')
        || b.get(16) != Some(&b':')
    {
        return None;
    }
    let (y, m, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let (hh, mm, ss) = (num(11..13)?, num(14..16)?, num(17..19)?);
    if !(1..=12).contains(&m) || !(1..=31).contains(&d) || hh > 23 || mm > 59 || ss > 60 {
        return None;
    }
    let mut rest = s.get(19..)?;
    if let Some(frac) = rest.strip_prefix('.') {
        let n = frac.bytes().take_while(u8::is_ascii_digit).count();
        rest = frac.get(n..)?;
    }
    let offset = match rest {
        "" | "Z" => 0,
        _ => {
            let sign = match rest.as_bytes().first() {
                Some(b'+') => 1,
                Some(b'-') => -1,
                _ => return None,
            };
            let o = rest.get(1..)?;
            if o.len() != 5 || o.as_bytes().get(2) != Some(&b':') {
                return None;
            }
            let part = |r: core::ops::Range<usize>| -> Option<i64> {
                let t = o.get(r)?;
                if !t.bytes().all(|c| c.is_ascii_digit()) {
                    return None;
                }
                t.parse().ok()
            };
            let (oh, om) = (part(0..2)?, part(3..5)?);
            sign * (oh * 3600 + om * 60)
        }
    };
    // Days from civil date (proleptic Gregorian), after H. Hinnant's algorithm.
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    let secs = days * 86_400 + hh * 3600 + mm * 60 + ss - offset;
    u64::try_from(secs).ok()
}

/// The retry window `[lo, hi]` in ms for retry `n` (1-based, capped at 10), `m` seconds and
/// multiplier `k` thousandths: `m·(k/1000)^(n−1)` to `m·(k/1000)^n` seconds.
///
/// ```
/// // 5 s and 2000: 5–10 s, then 10–20 s, …, and from retry 10 on 2560–5120 s.
/// assert_eq!(usp_datamodel::retry_window(5, 2000, 1), (5_000, 10_000));
/// assert_eq!(usp_datamodel::retry_window(5, 2000, 2), (10_000, 20_000));
/// assert_eq!(usp_datamodel::retry_window(5, 2000, 10), (2_560_000, 5_120_000));
/// assert_eq!(usp_datamodel::retry_window(5, 2000, 99), (2_560_000, 5_120_000));
/// ```
pub fn retry_window(m: u64, k: u64, n: u32) -> (u64, u64) {
    let k = k.max(1000);
    let mut lo = m.saturating_mul(1000);
    for _ in 1..n.clamp(1, 10) {
        lo = lo.saturating_mul(k) / 1000;
    }
    let hi = lo.saturating_mul(k) / 1000;
    (lo, hi.max(lo))
}

#[cfg(test)]
mod tests {
    use super::{format_date_time, parse_date_time};

    #[test]
    fn date_times_parse_back() {
        for secs in [0, 951_782_400, 1_709_164_799, 1_709_251_200, 4_107_542_400] {
            assert_eq!(parse_date_time(&format_date_time(secs)), Some(secs));
        }
        assert_eq!(
            parse_date_time("2023-11-14T22:13:22.123Z"),
            Some(1_700_000_002)
        );
        assert_eq!(
            parse_date_time("2023-11-14T23:13:22+01:00"),
            Some(1_700_000_002)
        );
        assert_eq!(
            parse_date_time("2023-11-14T21:13:22.5-01:00"),
            Some(1_700_000_002)
        );
        assert_eq!(parse_date_time("2023-11-14T22:13:22"), Some(1_700_000_002));
        assert_eq!(parse_date_time("0001-01-01T00:00:00Z"), None);
        for bad in [
            "",
            "2023-13-01T00:00:00Z",
            "2023-11-14 22:13:22Z",
            "2023-11-14T22:13:22Q",
        ] {
            assert_eq!(parse_date_time(bad), None, "{bad}");
        }
    }

    #[test]
    fn date_times_are_tr106_utc() {
        assert_eq!(format_date_time(0), "1970-01-01T00:00:00Z");
        assert_eq!(format_date_time(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(format_date_time(1_709_164_799), "2024-02-28T23:59:59Z");
        assert_eq!(format_date_time(1_709_251_200), "2024-03-01T00:00:00Z");
        assert_eq!(format_date_time(4_107_542_400), "2100-03-01T00:00:00Z");
        assert_eq!(format_date_time(253_402_300_799), "9999-12-31T23:59:59Z");
    }
}
