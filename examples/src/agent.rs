//! A USP Agent for the examples: the stateful sans-IO [`usp_datamodel::Agent`] over a
//! [`MemoryDataModel`], with the demo's commands ([`DemoCommands`]), behind a `usp-e2e`
//! [`Session`]. Encoded Records in, encoded Records out; the transport is the caller's.

use std::collections::{BTreeMap, VecDeque};
use std::path::Path;

use bytes::Bytes;
use prost::Message as _;
use usp_datamodel::{AgentConfig, Commands, DmError, MemoryDataModel, OpHandle, Schema};
use usp_e2e::{Event, Instant, Session};
use usp_record::{Record, RecordBuilder, RecordError};

use crate::Error;

/// Loads the Supported Data Model: the BBF XML file at `path`, or the demo model
/// ([`crate::DEMO_MODEL_XML`]) when `path` is `None`.
///
/// # Errors
/// The file cannot be read or is not a BBF data model.
pub fn load_schema(path: Option<&Path>) -> Result<Schema, Error> {
    let loader = usp_datamodel::xml::Loader::new();
    Ok(match path {
        Some(p) => loader.load_file(p)?,
        None => loader.load_str(crate::DEMO_MODEL_XML)?,
    })
}

/// How long the demo's asynchronous `Device.SelfTestDiagnostics()` runs, in ms of
/// (simulated or real) time.
pub const SELF_TEST_MS: u64 = 3_000;

/// The commands of the examples' Agent:
///
/// - `Device.Reboot()` (sync): "reboots" by counting; no output arguments.
/// - `Device.IP.Interface.{i}.Reset()` (sync): records the interface (see
///   [`DemoCommands::resets`]); no output arguments.
/// - `Device.SelfTestDiagnostics()` (async): runs for [`SELF_TEST_MS`], then completes with
///   `Status = Complete` and a `Results` text (see [`Agent::handle_timeout`]); it can be
///   canceled.
///
/// Any other command fails with 7022 (Command failure).
#[derive(Debug, Default)]
pub struct DemoCommands {
    now: u64,
    reboots: u32,
    resets: Vec<String>,
    /// Running self tests: handle and when they end (ms).
    running: Vec<(OpHandle, u64)>,
}

impl DemoCommands {
    /// How many times `Device.Reboot()` ran.
    #[must_use]
    pub fn reboots(&self) -> u32 {
        self.reboots
    }

    /// The interfaces `Reset()` ran on, oldest first (`Device.IP.Interface.1.`).
    #[must_use]
    pub fn resets(&self) -> &[String] {
        &self.resets
    }

    /// When the next running self test ends, in ms.
    #[must_use]
    pub fn next_due(&self) -> Option<u64> {
        self.running.iter().map(|(_, due)| *due).min()
    }

    /// Removes and returns the operations that have ended at `now_ms`.
    fn take_due(&mut self, now_ms: u64) -> Vec<OpHandle> {
        let (due, keep): (Vec<_>, Vec<_>) =
            self.running.iter().partition(|(_, end)| *end <= now_ms);
        self.running = keep;
        due.into_iter().map(|(op, _)| op).collect()
    }
}

impl Commands<MemoryDataModel> for DemoCommands {
    fn run(
        &mut self,
        _dm: &mut MemoryDataModel,
        command: &str,
        _input: &BTreeMap<String, String>,
    ) -> Result<BTreeMap<String, String>, DmError> {
        if command == "Device.Reboot()" {
            self.reboots = self.reboots.saturating_add(1);
            return Ok(BTreeMap::new());
        }
        if command.starts_with("Device.IP.Interface.") {
            if let Some(row) = command.strip_suffix("Reset()") {
                // Bounded: one entry per request, and a demo runs few.
                self.resets.push(String::from(row));
                return Ok(BTreeMap::new());
            }
        }
        Err(DmError::new(
            usp_datamodel::code::COMMAND_FAILURE,
            format!("{command} is not implemented by the example Agent"),
        ))
    }

    fn start(
        &mut self,
        _dm: &mut MemoryDataModel,
        op: OpHandle,
        command: &str,
        _input: &BTreeMap<String, String>,
    ) -> Result<(), DmError> {
        if command == "Device.SelfTestDiagnostics()" {
            self.running
                .push((op, self.now.saturating_add(SELF_TEST_MS)));
            return Ok(());
        }
        Err(DmError::new(
            usp_datamodel::code::COMMAND_FAILURE,
            format!("{command} is not implemented by the example Agent"),
        ))
    }

    fn cancel(&mut self, _dm: &mut MemoryDataModel, op: OpHandle) -> Result<(), DmError> {
        self.running.retain(|(o, _)| *o != op);
        Ok(())
    }
}

/// What an [`Agent`] has done so far.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct AgentStats {
    /// Records received (Connect Records included).
    pub records_received: usize,
    /// Records handed to the transport.
    pub records_sent: usize,
    /// USP Messages answered.
    pub messages_answered: usize,
    /// Notify Messages sent (retries included).
    pub notifies_sent: usize,
    /// Asynchronous operations completed.
    pub operations_completed: usize,
}

/// A USP Agent: data model, [`usp_datamodel::Agent`], commands and E2E session, for one
/// Controller.
#[derive(Debug)]
pub struct Agent {
    agent: usp_datamodel::Agent,
    cmds: DemoCommands,
    dm: MemoryDataModel,
    session: Session,
    outgoing: VecDeque<Bytes>,
    events: Vec<Event>,
    stats: AgentStats,
    local_id: String,
    remote_id: String,
}

fn dm_now(now: Instant) -> usp_datamodel::Instant {
    usp_datamodel::Instant::from_millis(now.as_millis())
}

impl Agent {
    /// An Agent over `schema` (every single-instance object instantiated, tables empty,
    /// `Device.LocalAgent.EndpointID` set to the local id of `e2e` if the model has it) with
    /// the E2E settings `e2e`. The Controller (the remote id of `e2e`) has every permission.
    ///
    /// # Errors
    /// An invalid E2E configuration.
    pub fn new(schema: Schema, e2e: usp_e2e::Config, now: Instant) -> Result<Self, Error> {
        let local_id = e2e.local_id().to_owned();
        let remote_id = e2e.remote_id().to_owned();
        let mut dm = MemoryDataModel::new(schema);
        // The model's own Endpoint ID, where it has one (TR-181 Device.LocalAgent.EndpointID).
        let _ = dm.set_value("Device.LocalAgent.", "EndpointID", &local_id);
        let mut agent = usp_datamodel::Agent::new(AgentConfig::default());
        agent.boot(dm_now(now), &mut dm);
        Ok(Self {
            local_id,
            remote_id,
            agent,
            cmds: DemoCommands::default(),
            dm,
            session: Session::new(e2e, now)?,
            outgoing: VecDeque::new(),
            events: Vec::new(),
            stats: AgentStats::default(),
        })
    }

    /// An Agent with the demo model and the default E2E settings (SessionMode `Allow`: it
    /// answers `no_session_context` Records in kind), between [`crate::AGENT_ID`] and
    /// [`crate::CONTROLLER_ID`].
    ///
    /// # Errors
    /// The demo model does not load (a bug).
    pub fn demo(now: Instant) -> Result<Self, Error> {
        let e2e = usp_e2e::Config::new(crate::AGENT_ID, crate::CONTROLLER_ID);
        Self::new(load_schema(None)?, e2e, now)
    }

    /// The Instantiated Data Model, for the Agent's own updates (call
    /// [`Agent::poll_changes`] afterwards so that subscriptions see them).
    pub fn data_model_mut(&mut self) -> &mut MemoryDataModel {
        &mut self.dm
    }

    /// The commands (what ran so far).
    #[must_use]
    pub fn commands(&self) -> &DemoCommands {
        &self.cmds
    }

    /// Tells the Agent that the data model changed outside a request: ValueChange,
    /// ObjectCreation and ObjectDeletion Notify messages for the subscribed Controller.
    ///
    /// # Errors
    /// The E2E layer refuses a Notify (its send queue is full).
    pub fn poll_changes(&mut self, now: Instant) -> Result<(), Error> {
        self.agent.poll_changes(dm_now(now), &mut self.dm);
        self.drain(now)
    }

    /// How many Notify messages still await their NotifyResp (they are retried).
    #[must_use]
    pub fn pending_notifications(&self) -> usize {
        self.agent.pending_notifications()
    }

    /// The counters.
    #[must_use]
    pub fn stats(&self) -> AgentStats {
        self.stats
    }

    /// The E2E session.
    #[must_use]
    pub fn session(&self) -> &Session {
        &self.session
    }

    /// E2E events seen so far other than received payloads (session started, ...).
    #[must_use]
    pub fn session_events(&self) -> &[Event] {
        &self.events
    }

    /// An encoded Connect Record from this Agent to the Controller, built by `kind` (e.g.
    /// `RecordBuilder::websocket_connect`): the first Record once the MTP is up (R-MTP.6).
    ///
    /// # Errors
    /// `kind` fails (e.g. an empty MQTT topic).
    pub fn connect_record(
        &mut self,
        kind: impl FnOnce(RecordBuilder) -> Result<Record, RecordError>,
    ) -> Result<Bytes, Error> {
        let builder = RecordBuilder::new(&self.remote_id, &self.local_id)?;
        self.stats.records_sent += 1;
        Ok(kind(builder)?.to_bytes())
    }

    /// A Record arrived from the MTP: decode it, run it through the E2E session, answer the
    /// USP Messages it completes. Connect Records are counted and otherwise ignored. Drain
    /// [`Agent::poll_transmit`] afterwards.
    ///
    /// # Errors
    /// The bytes are not a valid Record, or the E2E layer rejects it.
    pub fn handle_record(&mut self, now: Instant, bytes: Bytes) -> Result<(), Error> {
        self.stats.records_received += 1;
        let record = Record::decode(bytes)?;
        if record.kind().is_connect() {
            return Ok(());
        }
        let raw: usp_record::pb::Record = record.into();
        let handled = self.session.handle_record(now, raw);
        self.drain(now)?;
        Ok(handled?)
    }

    /// The timer fired (see [`Agent::poll_timeout`]): E2E acknowledgements and
    /// retransmissions, self tests that have ended (OperationComplete), Notify retries.
    ///
    /// # Errors
    /// The E2E layer refuses a Message (its send queue is full).
    pub fn handle_timeout(&mut self, now: Instant) -> Result<(), Error> {
        self.session.handle_timeout(now);
        let t = dm_now(now);
        for op in self.cmds.take_due(now.as_millis()) {
            let output = BTreeMap::from([
                (String::from("Status"), String::from("Complete")),
                (
                    String::from("Results"),
                    String::from("all self tests passed (example Agent)"),
                ),
            ]);
            // An unknown handle means the operation was canceled meanwhile: nothing to do.
            if self
                .agent
                .complete_operation(t, &mut self.dm, op, Ok(output))
                .is_ok()
            {
                self.stats.operations_completed += 1;
            }
        }
        self.agent.handle_timeout(t, &mut self.dm);
        self.drain(now)
    }

    /// The next encoded Record to send to the Controller.
    #[must_use]
    pub fn poll_transmit(&mut self) -> Option<Bytes> {
        let out = self.outgoing.pop_front();
        if out.is_some() {
            self.stats.records_sent += 1;
        }
        out
    }

    /// When to call [`Agent::handle_timeout`].
    #[must_use]
    pub fn poll_timeout(&self) -> Option<Instant> {
        [
            self.session.poll_timeout(),
            self.agent
                .poll_timeout()
                .map(|t| Instant::from_millis(t.as_millis())),
            self.cmds.next_due().map(Instant::from_millis),
        ]
        .into_iter()
        .flatten()
        .min()
    }

    fn drain(&mut self, now: Instant) -> Result<(), Error> {
        // Bounded: every pass either answers a received payload or moves Messages and Records
        // out, and the session and the Agent hold finitely many of each.
        loop {
            let mut progressed = false;
            while let Some(event) = self.session.poll_event() {
                progressed = true;
                match event {
                    Event::Payload(bytes) => {
                        // Bytes that are no USP Msg get no reply (no msg_id to answer).
                        let Ok(msg) = usp_msg::pb::Msg::decode(bytes.as_ref()) else {
                            continue;
                        };
                        self.cmds.now = now.as_millis();
                        if let Some(reply) = self.agent.handle_from(
                            dm_now(now),
                            &mut self.dm,
                            &mut self.cmds,
                            &self.remote_id,
                            &msg,
                        ) {
                            self.stats.messages_answered += 1;
                            self.session.send(now, Bytes::from(reply.encode_to_vec()))?;
                        }
                    }
                    other => self.events.push(other),
                }
            }
            while let Some(out) = self.agent.poll_transmit() {
                progressed = true;
                // This Agent has one session, with one Controller; a Notify for another
                // recipient has no MTP here and is dropped.
                if out.to == self.remote_id {
                    self.stats.notifies_sent += 1;
                    self.session
                        .send(now, Bytes::from(out.msg.encode_to_vec()))?;
                }
            }
            while let Some(record) = self.session.poll_transmit() {
                progressed = true;
                self.outgoing.push_back(Bytes::from(record.encode_to_vec()));
            }
            if !progressed {
                return Ok(());
            }
        }
    }
}
