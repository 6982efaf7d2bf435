//! [`Sessions`]: one [`Session`] per remote Endpoint, keyed by its Endpoint ID (R-E2E.5).

use alloc::collections::BTreeMap;
use alloc::string::String;

use bytes::Bytes;
use usp_record::pb;

use crate::config::Config;
use crate::error::{ConfigError, E2eError};
use crate::event::Event;
use crate::rng::Rng;
use crate::session::Session;
use crate::time::Instant;

/// All E2E sessions of one local Endpoint, keyed by remote Endpoint ID — at most one per peer (R-E2E.5).
///
/// Sessions are created on demand from a template [`Config`] (its remote id is replaced, its RNG seed is
/// derived per peer), up to `max_peers`. The poll methods aggregate over all peers; the poll loop is the same
/// as for [`Session`].
///
/// ```
/// use bytes::Bytes;
/// use usp_e2e::{Config, Event, Instant, Sessions, SessionMode};
///
/// let now = Instant::ZERO;
/// let mut tmpl = Config::new("proto::controller", "proto::placeholder");
/// tmpl.mode(SessionMode::Require).rng_seed(9);
/// let mut ctrl = Sessions::new(tmpl, 16, now)?;
/// ctrl.send(now, "proto::agent-1", Bytes::from_static(b"get"))?;
/// let rec = ctrl.poll_transmit().ok_or("nothing to send")?;
/// assert_eq!(rec.to_id, "proto::agent-1");
/// assert!(matches!(ctrl.poll_event(), Some((_, Event::SessionStarted { .. }))));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug)]
pub struct Sessions {
    template: Config,
    max_peers: usize,
    rng: Rng,
    peers: BTreeMap<String, Session>,
    cursor: Option<String>,
}

impl Sessions {
    /// A container for the local Endpoint `template.local_id()`, holding at most `max_peers` sessions.
    ///
    /// # Errors
    /// [`ConfigError`] if the template is invalid or `max_peers` is 0.
    pub fn new(template: Config, max_peers: usize, now: Instant) -> Result<Self, ConfigError> {
        let _ = now;
        template.validate()?;
        if max_peers == 0 {
            return Err(ConfigError::Limit {
                what: "max_peers",
                min: 1,
                value: 0,
            });
        }
        let rng = Rng::new(template.rng_seed);
        Ok(Self {
            template,
            max_peers,
            rng,
            peers: BTreeMap::new(),
            cursor: None,
        })
    }

    /// The session with `remote_id`, if one exists.
    #[must_use]
    pub fn get(&self, remote_id: &str) -> Option<&Session> {
        self.peers.get(remote_id)
    }

    /// The session with `remote_id`, created if needed.
    ///
    /// # Errors
    /// [`ConfigError::Limit`] when `max_peers` sessions exist, or the id is invalid for this template.
    pub fn get_or_create(
        &mut self,
        now: Instant,
        remote_id: &str,
    ) -> Result<&mut Session, ConfigError> {
        if !self.peers.contains_key(remote_id) {
            if self.peers.len() >= self.max_peers {
                return Err(ConfigError::Limit {
                    what: "max_peers",
                    min: self.peers.len() + 1,
                    value: self.max_peers,
                });
            }
            let mut cfg = self.template.clone();
            cfg.set_remote_id(remote_id).rng_seed(self.rng.next_u64());
            let s = Session::new(cfg, now)?;
            self.peers.insert(String::from(remote_id), s);
        }
        self.peers
            .get_mut(remote_id)
            .ok_or(ConfigError::EndpointIds)
    }

    /// Removes (forgets) the session with `remote_id` (R-SEC.21-style reset of one peer).
    pub fn remove(&mut self, remote_id: &str) -> Option<Session> {
        self.peers.remove(remote_id)
    }

    /// Number of sessions.
    #[must_use]
    pub fn len(&self) -> usize {
        self.peers.len()
    }

    /// Whether there are no sessions.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.peers.is_empty()
    }

    /// Routes a received Record to the session of its `from_id` ([`Session::handle_record`]).
    ///
    /// # Errors
    /// [`E2eError::NotForUs`] if `to_id` is not ours (R-E2E.1), [`E2eError::UnexpectedSender`] if a new peer
    /// cannot get a session (limit reached or invalid id), otherwise the session's error.
    pub fn handle_record(&mut self, now: Instant, record: pb::Record) -> Result<(), E2eError> {
        if record.to_id != self.template.local_id {
            return Err(E2eError::NotForUs);
        }
        let from = record.from_id.clone();
        let s = self
            .get_or_create(now, &from)
            .map_err(|_| E2eError::UnexpectedSender)?;
        s.handle_record(now, record)
    }

    /// Queues a payload for `remote_id` ([`Session::send`]).
    ///
    /// # Errors
    /// [`E2eError::UnexpectedSender`] if no session can be created for `remote_id`, otherwise as
    /// [`Session::send`].
    pub fn send(&mut self, now: Instant, remote_id: &str, payload: Bytes) -> Result<(), E2eError> {
        let s = self
            .get_or_create(now, remote_id)
            .map_err(|_| E2eError::UnexpectedSender)?;
        s.send(now, payload)
    }

    /// Runs due timers of every session ([`Session::handle_timeout`]).
    pub fn handle_timeout(&mut self, now: Instant) {
        for s in self.peers.values_mut() {
            s.handle_timeout(now);
        }
    }

    /// The next Record for any peer (round robin over peers with something to send), or `None`.
    #[must_use]
    pub fn poll_transmit(&mut self) -> Option<pb::Record> {
        use core::ops::Bound::{Excluded, Unbounded};
        let start = self.cursor.take();
        let after = start.as_deref().map_or(Unbounded, Excluded);
        // Peers after the cursor first, then from the beginning (the cursor's own peer last).
        let mut found = None;
        for (k, s) in self.peers.range_mut::<str, _>((after, Unbounded)) {
            if let Some(rec) = s.poll_transmit() {
                found = Some((k.clone(), rec));
                break;
            }
        }
        if found.is_none() {
            for (k, s) in &mut self.peers {
                if let Some(rec) = s.poll_transmit() {
                    found = Some((k.clone(), rec));
                    break;
                }
            }
        }
        let (k, rec) = found?;
        self.cursor = Some(k);
        Some(rec)
    }

    /// The next event of any peer, with the peer's Endpoint ID.
    #[must_use]
    pub fn poll_event(&mut self) -> Option<(String, Event)> {
        self.peers
            .iter_mut()
            .find_map(|(k, s)| s.poll_event().map(|e| (k.clone(), e)))
    }

    /// The earliest timer over all sessions.
    #[must_use]
    pub fn poll_timeout(&self) -> Option<Instant> {
        self.peers.values().filter_map(Session::poll_timeout).min()
    }
}
