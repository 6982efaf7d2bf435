#![doc = include_str!("../../README.md")]
//!
//! # The examples crate
//!
//! Runnable examples for usp-rs (not published): a USP Agent (the stateful `usp-datamodel`
//! Agent over an in-memory data model, with a few demo commands) and a USP Controller
//! (`usp-controller`), joined in one process or over a real MTP.
//!
//! | example | what it shows | run |
//! |---|---|---|
//! | `quickstart` | Get, Set, Add, Delete, GetSupportedDM, sync and async Operate, subscriptions with ObjectCreation and OperationComplete Notify (and NotifyResp) through E2E sessions with a small MaxUSPRecordSize (segmentation) | `cargo run -p usp-examples --example quickstart [-- model.xml]` |
//! | `uds` | the Unix Domain Socket MTP: handshake, UDSConnect, Get | `cargo run -p usp-examples --example uds` |
//! | `websocket` | the WebSocket MTP (`v1.usp`, binary frames, WebSocketConnect first), Get and Set | `cargo run -p usp-examples --example websocket` |
//! | `mqtt` | the MQTT 5 MTP through mosquitto: MQTTConnect, Content Type, Response Topic, Get | `cargo run -p usp-examples --example mqtt` |
//!
//! The library crates do no I/O; everything here that touches a socket, a clock or a
//! process lives in this crate. Each example's `main` calls the `run` function of its module,
//! which writes a readable trace to any [`std::io::Write`]; the tests in `examples/tests/`
//! call the same functions and check the trace.

pub mod agent;
pub mod mqtt;
pub mod quickstart;
pub mod report;
pub mod uds;
pub mod websocket;

/// The error type of the examples: anything, with a readable message.
pub type Error = Box<dyn core::error::Error + Send + Sync>;

/// The small BBF data model shipped in `testdata/datamodels/usp-demo-device.xml`.
pub const DEMO_MODEL_XML: &str = include_str!("../../testdata/datamodels/usp-demo-device.xml");

/// The Agent's Endpoint ID in every example.
pub const AGENT_ID: &str = "proto::usp-rs-agent";
/// The Controller's Endpoint ID in every example.
pub const CONTROLLER_ID: &str = "proto::usp-rs-controller";

/// Milliseconds since the example started, as the `Instant` the sans-IO crates take.
#[derive(Clone, Copy, Debug)]
pub struct Clock(std::time::Instant);

impl Clock {
    /// A clock starting now.
    #[must_use]
    pub fn start() -> Self {
        Self(std::time::Instant::now())
    }

    /// The time since [`Clock::start`].
    #[must_use]
    pub fn now(&self) -> usp_e2e::Instant {
        let ms = u64::try_from(self.0.elapsed().as_millis()).unwrap_or(u64::MAX);
        usp_e2e::Instant::from_millis(ms)
    }
}
