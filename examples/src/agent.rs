//! A USP Agent for the examples: the `usp-datamodel` [`Engine`] over a [`MemoryDataModel`],
//! behind a `usp-e2e` [`Session`]. Encoded Records in, encoded Records out; the transport is
//! the caller's.

use std::collections::VecDeque;
use std::path::Path;

use bytes::Bytes;
use prost::Message as _;
use usp_datamodel::{Engine, EngineConfig, MemoryDataModel, Schema};
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

/// What an [`Agent`] has done so far.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct AgentStats {
    /// Records received (Connect Records included).
    pub records_received: usize,
    /// Records handed to the transport.
    pub records_sent: usize,
    /// USP Messages answered by the engine.
    pub messages_answered: usize,
}

/// A USP Agent: data model, engine and E2E session.
#[derive(Debug)]
pub struct Agent {
    engine: Engine,
    dm: MemoryDataModel,
    session: Session,
    outgoing: VecDeque<Bytes>,
    events: Vec<Event>,
    stats: AgentStats,
    local_id: String,
    remote_id: String,
}

impl Agent {
    /// An Agent over `schema` (every single-instance object instantiated, tables empty,
    /// `Device.LocalAgent.EndpointID` set to the local id of `e2e` if the model has it) with
    /// the E2E settings `e2e`.
    ///
    /// # Errors
    /// An invalid E2E configuration.
    pub fn new(schema: Schema, e2e: usp_e2e::Config, now: Instant) -> Result<Self, Error> {
        let local_id = e2e.local_id().to_owned();
        let remote_id = e2e.remote_id().to_owned();
        let mut dm = MemoryDataModel::new(schema);
        // The model's own Endpoint ID, where it has one (TR-181 Device.LocalAgent.EndpointID).
        let _ = dm.set_value("Device.LocalAgent.", "EndpointID", &local_id);
        Ok(Self {
            local_id,
            remote_id,
            engine: Engine::new(EngineConfig::default()),
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

    /// The Instantiated Data Model, for the Agent's own updates.
    pub fn data_model_mut(&mut self) -> &mut MemoryDataModel {
        &mut self.dm
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

    /// The timer fired (see [`Agent::poll_timeout`]): E2E acknowledgements, retransmissions.
    ///
    /// # Errors
    /// The E2E layer refuses a reply (its send queue is full).
    pub fn handle_timeout(&mut self, now: Instant) -> Result<(), Error> {
        self.session.handle_timeout(now);
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
        self.session.poll_timeout()
    }

    fn drain(&mut self, now: Instant) -> Result<(), Error> {
        // Bounded: every pass either answers a received payload or moves Records out, and
        // the session holds finitely many of both.
        loop {
            let mut progressed = false;
            while let Some(event) = self.session.poll_event() {
                progressed = true;
                match event {
                    Event::Payload(msg) => {
                        // Bytes that are no USP Msg get no reply (no msg_id to answer).
                        if let Some(reply) = self.engine.handle_bytes(&mut self.dm, &msg) {
                            self.stats.messages_answered += 1;
                            self.session.send(now, Bytes::from(reply))?;
                        }
                    }
                    other => self.events.push(other),
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
