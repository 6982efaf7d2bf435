//! Session configuration: the TR-181 `Device.LocalAgent.Controller.{i}.E2ESession.*` parameters plus this
//! crate's memory bounds.

use alloc::string::String;
use core::time::Duration;

use crate::error::ConfigError;

/// The smallest non-zero `MaxUSPRecordSize` (TR-181: "The smallest size, which can be configured, is 512 bytes").
pub const MIN_MAX_RECORD_SIZE: u32 = 512;

/// `E2ESession.SessionMode`: whether a Session Context is used with this peer.
///
/// The wire format does not close this set (TR-181 may add modes), hence `#[non_exhaustive]`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum SessionMode {
    /// A Session Context must be used; no Msgs are exchanged before it is established. `send` starts a session,
    /// and `no_session_context` Records are refused.
    Require,
    /// A Session Context may be used: this end does not start one for a `send` (it uses `no_session_context`),
    /// but keeps one the peer starts, including restarting it after failures.
    Allow,
    /// No Session Context: session Records are answered with a Disconnect Record, code 7106 (R-E2E.6a).
    Forbid,
}

/// Configuration of one [`Session`](crate::Session) (one local/remote Endpoint pair).
///
/// [`Config::new`] fills in the TR-181 defaults; setters follow the `&mut self -> &mut Self` pattern, and the
/// whole configuration is validated once, by [`Session::new`](crate::Session::new) (or [`Config::validate`]).
///
/// ```
/// use core::time::Duration;
/// use usp_e2e::{Config, SessionMode};
///
/// let mut cfg = Config::new("proto::agent", "proto::controller");
/// cfg.mode(SessionMode::Require)
///     .max_record_size(1024)
///     .session_expiration(Duration::from_secs(300))
///     .max_retransmit_tries(-1)
///     .rng_seed(42);
/// assert!(cfg.validate().is_ok());
/// cfg.max_record_size(100);
/// assert!(cfg.validate().is_err());
/// ```
#[derive(Clone, Debug)]
pub struct Config {
    pub(crate) local_id: String,
    pub(crate) remote_id: String,
    pub(crate) version: String,
    pub(crate) mode: SessionMode,
    pub(crate) session_expiration: Duration,
    pub(crate) retry_min_wait_secs: u32,
    pub(crate) retry_multiplier: u32,
    pub(crate) max_retransmit_tries: i32,
    pub(crate) max_record_size: u32,
    pub(crate) max_receive_buffer_bytes: usize,
    pub(crate) max_reorder_records: usize,
    pub(crate) max_in_flight_records: usize,
    pub(crate) max_send_queue_bytes: usize,
    pub(crate) retransmit_timeout: Duration,
    pub(crate) ack_delay: Duration,
    pub(crate) rng_seed: u64,
    pub(crate) mtp_protected: bool,
}

impl Config {
    /// A configuration for the pair (`local_id`, `remote_id`) with the TR-181 defaults: SessionMode `Allow`,
    /// SessionExpiration 0 (never), SessionRetryMinimumWaitInterval 5 s, SessionRetryIntervalMultiplier 2000,
    /// MaxRetransmitTries 0, MaxUSPRecordSize 0 (no segmentation), Record version "1.4".
    ///
    /// Crate defaults: 8 MiB receive buffer, 8 MiB send queue, 256-Record reorder window, 128 Records in flight,
    /// 1 s retransmission timeout, 100 ms acknowledgement delay, RNG seed 0, MTP protected (see
    /// [`mtp_protected`](Self::mtp_protected)).
    #[must_use]
    pub fn new(local_id: impl Into<String>, remote_id: impl Into<String>) -> Self {
        Self {
            local_id: local_id.into(),
            remote_id: remote_id.into(),
            version: String::from("1.4"),
            mode: SessionMode::Allow,
            session_expiration: Duration::ZERO,
            retry_min_wait_secs: 5,
            retry_multiplier: 2000,
            max_retransmit_tries: 0,
            max_record_size: 0,
            max_receive_buffer_bytes: 8 << 20,
            max_reorder_records: 256,
            max_in_flight_records: 128,
            max_send_queue_bytes: 8 << 20,
            retransmit_timeout: Duration::from_secs(1),
            ack_delay: Duration::from_millis(100),
            rng_seed: 0,
            mtp_protected: true,
        }
    }

    /// Checks every value; [`Session::new`](crate::Session::new) calls this.
    ///
    /// # Errors
    /// The first out-of-range value, as a [`ConfigError`].
    pub fn validate(&self) -> Result<(), ConfigError> {
        if self.local_id.is_empty() || self.remote_id.is_empty() || self.local_id == self.remote_id
        {
            return Err(ConfigError::EndpointIds);
        }
        if self.max_record_size != 0 && self.max_record_size < MIN_MAX_RECORD_SIZE {
            return Err(ConfigError::MaxRecordSizeTooSmall(self.max_record_size));
        }
        if !(1..=65_535).contains(&self.retry_min_wait_secs) {
            return Err(ConfigError::RetryMinimumWait(self.retry_min_wait_secs));
        }
        if !(1000..=65_535).contains(&self.retry_multiplier) {
            return Err(ConfigError::RetryMultiplier(self.retry_multiplier));
        }
        if !(-1..=10).contains(&self.max_retransmit_tries) {
            return Err(ConfigError::MaxRetransmitTries(self.max_retransmit_tries));
        }
        let limits = [
            (
                "max_receive_buffer_bytes",
                1024,
                self.max_receive_buffer_bytes,
            ),
            ("max_send_queue_bytes", 1, self.max_send_queue_bytes),
            ("max_reorder_records", 2, self.max_reorder_records),
            ("max_in_flight_records", 1, self.max_in_flight_records),
        ];
        for (what, min, value) in limits {
            if value < min {
                return Err(ConfigError::Limit { what, min, value });
            }
        }
        if self.max_in_flight_records >= self.max_reorder_records {
            return Err(ConfigError::Limit {
                what: "max_reorder_records (must exceed max_in_flight_records)",
                min: self.max_in_flight_records.saturating_add(1),
                value: self.max_reorder_records,
            });
        }
        if self.retransmit_timeout.is_zero() {
            return Err(ConfigError::Limit {
                what: "retransmit_timeout (ms)",
                min: 1,
                value: 0,
            });
        }
        Ok(())
    }

    /// Our Endpoint ID (the `from_id` we send, the `to_id` we accept).
    #[must_use]
    pub fn local_id(&self) -> &str {
        &self.local_id
    }

    /// The peer's Endpoint ID.
    #[must_use]
    pub fn remote_id(&self) -> &str {
        &self.remote_id
    }

    /// Sets the peer's Endpoint ID (used by [`Sessions`](crate::Sessions) to stamp a template per peer).
    pub fn set_remote_id(&mut self, remote_id: impl Into<String>) -> &mut Self {
        self.remote_id = remote_id.into();
        self
    }

    /// The Record `version` field we send (default "1.4").
    pub fn version(&mut self, version: impl Into<String>) -> &mut Self {
        self.version = version.into();
        self
    }

    /// `E2ESession.SessionMode` (default [`SessionMode::Allow`]).
    pub fn mode(&mut self, mode: SessionMode) -> &mut Self {
        self.mode = mode;
        self
    }

    /// `E2ESession.SessionExpiration`: idle time after which the context expires; zero disables (default 0).
    pub fn session_expiration(&mut self, d: Duration) -> &mut Self {
        self.session_expiration = d;
        self
    }

    /// `E2ESession.SessionRetryMinimumWaitInterval` in seconds, 1..=65535 (default 5) — `m` of R-E2E.10.
    pub fn retry_minimum_wait_secs(&mut self, secs: u32) -> &mut Self {
        self.retry_min_wait_secs = secs;
        self
    }

    /// `E2ESession.SessionRetryIntervalMultiplier` in thousandths, 1000..=65535 (default 2000) — `k` of R-E2E.10.
    pub fn retry_interval_multiplier(&mut self, k: u32) -> &mut Self {
        self.retry_multiplier = k;
        self
    }

    /// `E2ESession.MaxRetransmitTries`, -1..=10: how often one Record is resent on request; -1 unlimited, 0 (the
    /// default) never — a retransmit request then restarts the session.
    pub fn max_retransmit_tries(&mut self, tries: i32) -> &mut Self {
        self.max_retransmit_tries = tries;
        self
    }

    /// `E2ESession.MaxUSPRecordSize` in bytes: 0 (default) disables segmentation, otherwise at least 512.
    /// Bounds the whole encoded Record, header fields included.
    pub fn max_record_size(&mut self, bytes: u32) -> &mut Self {
        self.max_record_size = bytes;
        self
    }

    /// Bytes the receive side may hold: out-of-order Records plus the reassembly in progress (each payload
    /// entry is charged 32 bytes on top of its length). Exceeding it fails the Record (R-E2E.21).
    pub fn max_receive_buffer_bytes(&mut self, bytes: usize) -> &mut Self {
        self.max_receive_buffer_bytes = bytes;
        self
    }

    /// How far ahead of `expected_id` a Record may be buffered (Records). Must exceed
    /// [`max_in_flight_records`](Self::max_in_flight_records).
    pub fn max_reorder_records(&mut self, records: usize) -> &mut Self {
        self.max_reorder_records = records;
        self
    }

    /// Unacknowledged data Records we keep in flight; more wait in the send queue.
    pub fn max_in_flight_records(&mut self, records: usize) -> &mut Self {
        self.max_in_flight_records = records;
        self
    }

    /// Payload bytes queued or unacknowledged on the send side; `send` beyond it returns
    /// [`E2eError::SendBufferFull`](crate::E2eError::SendBufferFull).
    pub fn max_send_queue_bytes(&mut self, bytes: usize) -> &mut Self {
        self.max_send_queue_bytes = bytes;
        self
    }

    /// Initial retransmission timeout for unacknowledged Records and unanswered retransmit requests (doubles per
    /// timeout, up to 64×). Establishment retries use the R-E2E.10 back-off instead.
    pub fn retransmit_timeout(&mut self, d: Duration) -> &mut Self {
        self.retransmit_timeout = d;
        self
    }

    /// How long to wait for an outgoing payload to carry our `expected_id` before sending an empty
    /// acknowledgement Record (0 = at once).
    pub fn ack_delay(&mut self, d: Duration) -> &mut Self {
        self.ack_delay = d;
        self
    }

    /// Seed of the PRNG for session ids and retry jitter (STYLE §6: no OS RNG). Give each endpoint its own
    /// seed, and a different one after every reboot (e.g. mix in a boot counter or hardware randomness): a
    /// rebooted endpoint that replays the same session ids could collide with ids its peer still remembers.
    pub fn rng_seed(&mut self, seed: u64) -> &mut Self {
        self.rng_seed = seed;
        self
    }

    /// Whether the MTP this peer's Records travel over protects them (R-E2E.28; [`MtpProtection::is_protected`]).
    /// Default `true`, matching [`Session::new`](crate::Session::new), whose [`TrustMtp`] does no Record-level
    /// integrity.
    ///
    /// * `true`: outgoing Records carry whatever the [`RecordIntegrity`] produces (nothing for `TrustMtp`); a
    ///   received Record is verified when it carries a `mac_signature` (R-E2E.30) — a bad one is dropped
    ///   silently and the session restarts (R-E2E.23) — and accepted without one.
    /// * `false`: every outgoing Record must be protected (R-E2E.29) and every received one verified
    ///   (R-E2E.30); a Record without `mac_signature` fails with [`IntegrityError::Missing`]. The
    ///   `RecordIntegrity` must sign: [`Session::with_layers`](crate::Session::with_layers) refuses one whose
    ///   [`max_len`](crate::RecordIntegrity::max_len) is 0 for every method (such as `TrustMtp`).
    ///
    /// [`MtpProtection::is_protected`]: crate::MtpProtection::is_protected
    /// [`TrustMtp`]: crate::TrustMtp
    /// [`RecordIntegrity`]: crate::RecordIntegrity
    /// [`IntegrityError::Missing`]: crate::IntegrityError::Missing
    pub fn mtp_protected(&mut self, protected: bool) -> &mut Self {
        self.mtp_protected = protected;
        self
    }

    /// Sets [`mtp_protected`](Self::mtp_protected) from the R-E2E.28 conditions.
    ///
    /// ```
    /// use usp_e2e::{Config, MtpProtection};
    /// let mut cfg = Config::new("proto::agent", "proto::controller");
    /// cfg.mtp_protection(MtpProtection::default()); // unencrypted MTP
    /// assert!(!cfg.is_mtp_protected());
    /// ```
    pub fn mtp_protection(&mut self, protection: crate::MtpProtection) -> &mut Self {
        self.mtp_protected = protection.is_protected();
        self
    }

    /// Whether the MTP is configured as protecting Records (R-E2E.28).
    #[must_use]
    pub const fn is_mtp_protected(&self) -> bool {
        self.mtp_protected
    }

    /// The configured MaxUSPRecordSize (0 = unlimited).
    #[must_use]
    pub const fn get_max_record_size(&self) -> u32 {
        self.max_record_size
    }

    /// The configured session mode.
    #[must_use]
    pub const fn get_mode(&self) -> SessionMode {
        self.mode
    }
}
