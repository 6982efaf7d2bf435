//! [`Controllers`]: one [`Controller`] per Agent, keyed by the Agent's Endpoint ID.

use alloc::collections::BTreeMap;
use alloc::string::String;

use bytes::Bytes;
use usp_e2e::Instant;
use usp_record::{EndpointId, Record};

use crate::config::ControllerConfig;
use crate::controller::{Controller, ControllerEvent};
use crate::error::ControllerError;

/// Several Agents behind one local Controller Endpoint: routes received Records by `from_id`
/// to the right [`Controller`] and merges their outputs.
///
/// The loop is the same as for one [`Controller`]; transmits and events come tagged with the
/// Agent's Endpoint ID. Requests are made on the Agent's Controller via
/// [`agent_mut`](Self::agent_mut).
///
/// ```
/// use usp_controller::{ControllerConfig, ControllerEvent, Controllers, Instant};
/// use usp_msg::ValueChangeBuilder;
/// use usp_record::RecordBuilder;
///
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let template = ControllerConfig::new("proto::controller", "proto::template")?;
/// let mut ctls = Controllers::new(template, 16)?;
/// ctls.auto_add(true);
/// ctls.add_agent("proto::agent-1", Instant::ZERO)?;
/// ctls.agent_mut("proto::agent-1").ok_or("missing")?.get(Instant::ZERO, &["Device."], 0)?;
/// let (to, _wire) = ctls.poll_transmit().ok_or("nothing sent")?;
/// assert_eq!(to.as_str(), "proto::agent-1");
///
/// // An Agent we have not met yet sends a Notify: auto_add creates its Controller.
/// let notify = ValueChangeBuilder::new("n-1", "s-1", "Device.X", "1").build_bytes()?;
/// let rec = RecordBuilder::new("proto::controller", "proto::agent-2")?.no_session_context(notify)?;
/// ctls.handle_record(Instant::from_millis(5), rec.to_bytes())?;
/// let (from, ev) = ctls.poll_event().ok_or("no event")?;
/// assert_eq!(from.as_str(), "proto::agent-2");
/// assert!(matches!(ev, ControllerEvent::Notify(_)));
/// assert_eq!(ctls.len(), 2);
/// # Ok(()) }
/// ```
#[derive(Debug)]
pub struct Controllers {
    template: ControllerConfig,
    max_agents: usize,
    auto_add: bool,
    agents: BTreeMap<String, Controller>,
}

impl Controllers {
    /// A container whose Controllers use `template` (its local id and settings; its agent id
    /// is replaced per Agent), holding at most `max_agents`.
    ///
    /// # Errors
    /// [`ControllerError::Config`] if `max_agents` is 0 or the template is invalid.
    pub fn new(template: ControllerConfig, max_agents: usize) -> Result<Self, ControllerError> {
        template.validate()?;
        if max_agents == 0 {
            return Err(ControllerError::Config("max_agents must be at least 1"));
        }
        Ok(Self {
            template,
            max_agents,
            auto_add: false,
            agents: BTreeMap::new(),
        })
    }

    /// Whether a Record from an unknown Agent creates its Controller (while there is room),
    /// e.g. to receive OnBoardRequest notifications. Off by default: such Records are refused
    /// with [`ControllerError::UnknownAgent`].
    pub fn auto_add(&mut self, on: bool) -> &mut Self {
        self.auto_add = on;
        self
    }

    /// Adds a Controller for `agent_id` with the template's settings. Returns the existing
    /// one if the Agent is already known.
    ///
    /// # Errors
    /// [`ControllerError::EndpointId`], [`ControllerError::TooManyAgents`], or a configuration
    /// error (e.g. `agent_id` is our own id).
    pub fn add_agent(
        &mut self,
        agent_id: &str,
        now: Instant,
    ) -> Result<&mut Controller, ControllerError> {
        let cfg = self.template.for_agent(agent_id)?;
        self.insert(cfg, now)
    }

    /// Adds a Controller with its own configuration (whose local id must be the template's).
    ///
    /// # Errors
    /// As [`add_agent`](Self::add_agent), plus [`ControllerError::Config`] when the local id
    /// differs.
    pub fn add_agent_with(
        &mut self,
        cfg: ControllerConfig,
        now: Instant,
    ) -> Result<&mut Controller, ControllerError> {
        if cfg.local_id() != self.template.local_id() {
            return Err(ControllerError::Config(
                "every Controller in a Controllers container has the same local_id",
            ));
        }
        self.insert(cfg, now)
    }

    fn insert(
        &mut self,
        cfg: ControllerConfig,
        now: Instant,
    ) -> Result<&mut Controller, ControllerError> {
        let key = String::from(cfg.agent_id().as_str());
        if !self.agents.contains_key(&key) {
            if self.agents.len() >= self.max_agents {
                return Err(ControllerError::TooManyAgents {
                    limit: self.max_agents,
                });
            }
            let ctl = Controller::new(cfg, now)?;
            self.agents.insert(key.clone(), ctl);
        }
        self.agents
            .get_mut(&key)
            .ok_or(ControllerError::UnknownAgent)
    }

    /// Removes an Agent's Controller (its pending requests are dropped without events).
    pub fn remove_agent(&mut self, agent_id: &str) -> Option<Controller> {
        self.agents.remove(agent_id)
    }

    /// The Controller of `agent_id`.
    #[must_use]
    pub fn agent(&self, agent_id: &str) -> Option<&Controller> {
        self.agents.get(agent_id)
    }

    /// The Controller of `agent_id`, to make requests.
    pub fn agent_mut(&mut self, agent_id: &str) -> Option<&mut Controller> {
        self.agents.get_mut(agent_id)
    }

    /// The known Agents' Endpoint IDs, in order.
    pub fn agent_ids(&self) -> impl Iterator<Item = &str> {
        self.agents.keys().map(String::as_str)
    }

    /// Number of Agents.
    #[must_use]
    pub fn len(&self) -> usize {
        self.agents.len()
    }

    /// Whether there are no Agents.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.agents.is_empty()
    }

    /// Routes one received Record to the Controller of its `from_id` (see
    /// [`Controller::handle_record`]).
    ///
    /// # Errors
    /// [`ControllerError::Record`] for invalid bytes; [`ControllerError::UnknownAgent`] for a
    /// sender with no Controller (and `auto_add` off or the container full:
    /// [`ControllerError::TooManyAgents`]); otherwise as [`Controller::handle_record`].
    pub fn handle_record(&mut self, now: Instant, bytes: Bytes) -> Result<(), ControllerError> {
        let opts = usp_record::DecodeOptions::new().max_record_size(self.template.max_record_size);
        let record = Record::decode_with(bytes, &opts)?;
        let from = record.from_id().as_str();
        if !self.agents.contains_key(from) {
            if !self.auto_add {
                return Err(ControllerError::UnknownAgent);
            }
            if record.to_id() != self.template.local_id() {
                // Not for us (R-E2E.1): do not create anything for it.
                return Err(ControllerError::E2e(usp_e2e::E2eError::NotForUs));
            }
            let from = String::from(from);
            self.add_agent(&from, now)?;
        }
        match self.agents.get_mut(record.from_id().as_str()) {
            Some(ctl) => ctl.handle_decoded(now, record),
            None => Err(ControllerError::UnknownAgent),
        }
    }

    /// Runs every Controller's timers (see [`Controller::handle_timeout`]).
    pub fn handle_timeout(&mut self, now: Instant) {
        for ctl in self.agents.values_mut() {
            ctl.handle_timeout(now);
        }
    }

    /// The next encoded Record to send, with the Agent it is for.
    #[must_use]
    pub fn poll_transmit(&mut self) -> Option<(EndpointId, Bytes)> {
        self.agents.values_mut().find_map(|ctl| {
            let wire = ctl.poll_transmit()?;
            Some((ctl.config().agent_id().clone(), wire))
        })
    }

    /// The next event, with the Agent it is about.
    #[must_use]
    pub fn poll_event(&mut self) -> Option<(EndpointId, ControllerEvent)> {
        self.agents.values_mut().find_map(|ctl| {
            let ev = ctl.poll_event()?;
            Some((ctl.config().agent_id().clone(), ev))
        })
    }

    /// The earliest timer of any Controller.
    #[must_use]
    pub fn poll_timeout(&self) -> Option<Instant> {
        self.agents
            .values()
            .filter_map(Controller::poll_timeout)
            .min()
    }
}
