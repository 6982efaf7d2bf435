//! [`ControllerConfig`]: who we are, who the Agent is, msg_id scheme, limits, E2E settings.

use alloc::string::String;
use core::time::Duration;

use usp_record::EndpointId;

use crate::error::ControllerError;

/// Default for [`ControllerConfig::request_timeout`]: 30 s.
pub const DEFAULT_REQUEST_TIMEOUT: Duration = Duration::from_secs(30);
/// Default for [`ControllerConfig::max_pending`].
pub const DEFAULT_MAX_PENDING: usize = 1024;
/// Default for [`ControllerConfig::remembered_ids`].
pub const DEFAULT_REMEMBERED_IDS: usize = 256;

/// Configuration of one [`Controller`](crate::Controller): the Endpoint pair, the msg_id
/// scheme, timeouts and memory limits, and the E2E session settings.
///
/// [`ControllerConfig::new`] fills in defaults; setters follow the `&mut self -> &mut Self`
/// pattern; [`Controller::new`](crate::Controller::new) validates the whole configuration.
///
/// ```
/// use core::time::Duration;
/// use usp_controller::ControllerConfig;
/// use usp_e2e::SessionMode;
///
/// # fn main() -> Result<(), usp_controller::ControllerError> {
/// let mut cfg = ControllerConfig::new("proto::controller", "proto::agent")?;
/// cfg.msg_id_prefix("ctl-7-")
///     .first_msg_counter(1000)
///     .request_timeout(Duration::from_secs(10))
///     .max_pending(64);
/// cfg.e2e_mut().mode(SessionMode::Require).max_record_size(4096);
/// assert_eq!(cfg.get_request_timeout(), Duration::from_secs(10));
/// assert!(ControllerConfig::new("proto::controller", "not an id").is_err());
/// # Ok(()) }
/// ```
#[derive(Clone, Debug)]
pub struct ControllerConfig {
    pub(crate) local_id: EndpointId,
    pub(crate) agent_id: EndpointId,
    pub(crate) msg_id_prefix: String,
    pub(crate) first_counter: u64,
    pub(crate) request_timeout: Duration,
    pub(crate) max_pending: usize,
    pub(crate) remembered_ids: usize,
    pub(crate) msg_decode: usp_msg::DecodeOptions,
    pub(crate) max_record_size: usize,
    pub(crate) e2e: usp_e2e::Config,
}

impl ControllerConfig {
    /// A configuration for the Controller `local_id` talking to the Agent `agent_id`.
    ///
    /// Defaults: msg_id prefix `"ctrl-"`, counter starting at 1, request timeout
    /// [`DEFAULT_REQUEST_TIMEOUT`], at most [`DEFAULT_MAX_PENDING`] pending requests,
    /// [`DEFAULT_REMEMBERED_IDS`] finished msg_ids remembered, the default
    /// [`usp_msg::DecodeOptions`] and [`usp_record::DecodeOptions`] size limits, and
    /// [`usp_e2e::Config::new`] for the E2E layer (TR-181 defaults: SessionMode `Allow`, so this
    /// Controller sends `no_session_context` Records unless the Agent starts a session).
    ///
    /// # Errors
    /// [`ControllerError::EndpointId`] if either id is not a valid Endpoint ID.
    pub fn new(local_id: &str, agent_id: &str) -> Result<Self, ControllerError> {
        let local = EndpointId::parse(local_id).map_err(|source| ControllerError::EndpointId {
            field: "local_id",
            source,
        })?;
        let agent = EndpointId::parse(agent_id).map_err(|source| ControllerError::EndpointId {
            field: "agent_id",
            source,
        })?;
        Ok(Self {
            e2e: usp_e2e::Config::new(local.as_str(), agent.as_str()),
            local_id: local,
            agent_id: agent,
            msg_id_prefix: String::from("ctrl-"),
            first_counter: 1,
            request_timeout: DEFAULT_REQUEST_TIMEOUT,
            max_pending: DEFAULT_MAX_PENDING,
            remembered_ids: DEFAULT_REMEMBERED_IDS,
            msg_decode: usp_msg::DecodeOptions::default(),
            max_record_size: usp_record::DEFAULT_MAX_RECORD_SIZE,
        })
    }

    /// A copy of this configuration for another Agent (same local id and settings). Used by
    /// [`Controllers`](crate::Controllers) to add Agents from a template.
    ///
    /// # Errors
    /// [`ControllerError::EndpointId`] if `agent_id` is not a valid Endpoint ID.
    pub fn for_agent(&self, agent_id: &str) -> Result<Self, ControllerError> {
        let agent = EndpointId::parse(agent_id).map_err(|source| ControllerError::EndpointId {
            field: "agent_id",
            source,
        })?;
        let mut cfg = self.clone();
        cfg.e2e.set_remote_id(agent.as_str());
        cfg.agent_id = agent;
        Ok(cfg)
    }

    /// The text put before the counter in every msg_id (`"{prefix}{counter}"`).
    ///
    /// msg_ids must not repeat while a request is outstanding (R-MSG.4: the Agent ignores a
    /// duplicate). The counter restarts with each `Controller`, so a Controller that restarts
    /// while replies may still be in flight should pick a new prefix (e.g. with a boot count)
    /// or a new [`first_msg_counter`](Self::first_msg_counter).
    pub fn msg_id_prefix(&mut self, prefix: impl Into<String>) -> &mut Self {
        self.msg_id_prefix = prefix.into();
        self
    }

    /// The counter value of the first request (default 1).
    pub fn first_msg_counter(&mut self, counter: u64) -> &mut Self {
        self.first_counter = counter;
        self
    }

    /// How long a request waits for its reply before it is reported as
    /// [`ControllerEvent::TimedOut`](crate::ControllerEvent::TimedOut). Must be non-zero.
    pub fn request_timeout(&mut self, timeout: Duration) -> &mut Self {
        self.request_timeout = timeout;
        self
    }

    /// Most requests awaiting replies at once; more are refused with
    /// [`ControllerError::TooManyPending`]. At least 1.
    pub fn max_pending(&mut self, n: usize) -> &mut Self {
        self.max_pending = n;
        self
    }

    /// How many finished msg_ids (answered, timed out, cancelled, not awaited) are remembered
    /// so that a later reply to them is reported with the right
    /// [`UnmatchedReason`](crate::UnmatchedReason) instead of
    /// [`UnknownMsgId`](crate::UnmatchedReason::UnknownMsgId). 0 disables this.
    pub fn remembered_ids(&mut self, n: usize) -> &mut Self {
        self.remembered_ids = n;
        self
    }

    /// Largest USP Message accepted (see [`usp_msg::DecodeOptions::max_msg_size`]).
    pub fn max_msg_size(&mut self, bytes: usize) -> &mut Self {
        self.msg_decode.max_msg_size(bytes);
        self
    }

    /// Whether a header msg_type that disagrees with the body rejects the message
    /// ([`usp_msg::DecodeOptions::strict`]); off by default (R-MSG.10).
    pub fn strict_msg_type(&mut self, strict: bool) -> &mut Self {
        self.msg_decode.strict(strict);
        self
    }

    /// Largest encoded Record accepted by
    /// [`Controller::handle_record`](crate::Controller::handle_record).
    pub fn max_record_size(&mut self, bytes: usize) -> &mut Self {
        self.max_record_size = bytes;
        self
    }

    /// The E2E session settings (SessionMode, MaxUSPRecordSize, retries, buffers, RNG seed).
    /// Its Endpoint IDs are this configuration's and must not be changed.
    pub fn e2e_mut(&mut self) -> &mut usp_e2e::Config {
        &mut self.e2e
    }

    /// The E2E session settings.
    #[must_use]
    pub fn e2e(&self) -> &usp_e2e::Config {
        &self.e2e
    }

    /// Our Endpoint ID.
    #[must_use]
    pub fn local_id(&self) -> &EndpointId {
        &self.local_id
    }

    /// The Agent's Endpoint ID.
    #[must_use]
    pub fn agent_id(&self) -> &EndpointId {
        &self.agent_id
    }

    /// The configured request timeout.
    #[must_use]
    pub fn get_request_timeout(&self) -> Duration {
        self.request_timeout
    }

    /// The configured msg_id prefix.
    #[must_use]
    pub fn get_msg_id_prefix(&self) -> &str {
        &self.msg_id_prefix
    }

    /// Checks every value; [`Controller::new`](crate::Controller::new) calls this.
    ///
    /// # Errors
    /// [`ControllerError::Config`] naming the first bad value, or
    /// [`ControllerError::E2eConfig`] from [`usp_e2e::Config::validate`].
    pub fn validate(&self) -> Result<(), ControllerError> {
        if self.local_id == self.agent_id {
            return Err(ControllerError::Config(
                "local_id and agent_id must differ (R-ARC.2)",
            ));
        }
        if self.e2e.local_id() != self.local_id.as_str()
            || self.e2e.remote_id() != self.agent_id.as_str()
        {
            return Err(ControllerError::Config(
                "the E2E configuration must use the same Endpoint IDs",
            ));
        }
        if self.request_timeout.is_zero() {
            return Err(ControllerError::Config("request_timeout must be non-zero"));
        }
        if self.max_pending == 0 {
            return Err(ControllerError::Config("max_pending must be at least 1"));
        }
        self.e2e.validate()?;
        Ok(())
    }
}
