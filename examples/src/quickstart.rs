//! The README's demo: an Agent and a Controller in one process, joined through `usp-e2e`
//! sessions (SessionMode `Require`) with a small MaxUSPRecordSize so that large Messages are
//! segmented. The Controller runs Add, Get (with a search path), Set, Delete, GetSupportedDM
//! and a synchronous Operate; then it subscribes (ObjectCreation on `Device.IP.Interface.`,
//! OperationComplete on `Device.SelfTestDiagnostics()`), adds an interface and starts the
//! asynchronous self test, and receives and acknowledges the Notify messages (NotifyResp).
//! Every exchange is printed with the number of Records it took.
//!
//! Time is simulated: when neither side has anything to send, the clock jumps to the next
//! timer (E2E acknowledgement delay, retransmission, request timeout, the end of the
//! asynchronous command, a Notify retry), so the demo runs in milliseconds and never waits.

use std::io::Write;
use std::path::PathBuf;

use bytes::Bytes;
use prost::Message as _;
use usp_controller::{
    Controller, ControllerConfig, ControllerEvent, Notification, RequestError, RequestId,
    SupportedDmFlags, TypedResult,
};
use usp_e2e::{Instant, SessionMode};
use usp_msg::{CreateObject, UpdateObject};

use crate::agent::{Agent, load_schema};
use crate::{AGENT_ID, CONTROLLER_ID, Error};

/// Settings of the demo.
#[derive(Clone, Debug)]
pub struct Options {
    /// A BBF data model XML file (e.g. `tr-181-2-16-0-usp-full.xml`); `None` for the demo
    /// model.
    pub model_xml: Option<PathBuf>,
    /// MaxUSPRecordSize of both E2E sessions (at least 512).
    pub max_record_size: u32,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            model_xml: None,
            max_record_size: 512,
        }
    }
}

/// Records seen in one direction during one exchange.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Traffic {
    /// Records sent.
    pub records: usize,
    /// Records carrying a segment of a larger Message (`payload_sar_state` not NONE).
    pub segments: usize,
    /// Encoded bytes.
    pub bytes: usize,
    /// The largest encoded Record.
    pub largest: usize,
}

impl Traffic {
    fn count(&mut self, wire: &Bytes) {
        self.records += 1;
        self.bytes += wire.len();
        self.largest = self.largest.max(wire.len());
        if let Ok(rec) = usp_record::pb::Record::decode(wire.clone()) {
            if let Some(usp_record::pb::record::RecordType::SessionContext(ctx)) = rec.record_type {
                if ctx.payload_sar_state != 0 {
                    self.segments += 1;
                }
            }
        }
    }
}

impl core::fmt::Display for Traffic {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(
            f,
            "{} Record(s), {} segment(s), {} bytes, largest {} bytes",
            self.records, self.segments, self.bytes, self.largest
        )
    }
}

/// One request and its answer.
#[derive(Clone, Debug)]
pub struct Exchange {
    /// The request type ("Get", ...).
    pub name: &'static str,
    /// Controller to Agent.
    pub to_agent: Traffic,
    /// Agent to Controller.
    pub to_controller: Traffic,
    /// The answer.
    pub result: Result<TypedResult, RequestError>,
    /// The Notify messages the Controller received during the exchange (each acknowledged
    /// with a NotifyResp when the Agent asked for one).
    pub notifications: Vec<Notification>,
}

/// Everything the demo did.
#[derive(Clone, Debug)]
pub struct Summary {
    /// The exchanges, in order.
    pub exchanges: Vec<Exchange>,
    /// The simulated time at the end, in ms.
    pub elapsed_ms: u64,
}

impl Summary {
    /// The exchange named `name` (the first one).
    #[must_use]
    pub fn exchange(&self, name: &str) -> Option<&Exchange> {
        self.exchanges.iter().find(|e| e.name == name)
    }
}

struct Link {
    ctl: Controller,
    agent: Agent,
    now: Instant,
}

/// No exchange may take more steps than this (a step moves Records or advances time).
const MAX_STEPS: usize = 100_000;
/// After the answer, timers due within this many ms (acknowledgements) still belong to the
/// exchange.
const SETTLE_MS: u64 = 2_000;

impl Link {
    fn pump(&mut self, to_agent: &mut Traffic, to_ctl: &mut Traffic) -> Result<bool, Error> {
        let mut moved = false;
        while let Some(wire) = self.ctl.poll_transmit() {
            moved = true;
            to_agent.count(&wire);
            self.agent.handle_record(self.now, wire)?;
        }
        while let Some(wire) = self.agent.poll_transmit() {
            moved = true;
            to_ctl.count(&wire);
            self.ctl.handle_record(self.now, wire)?;
        }
        Ok(moved)
    }

    fn next_timer(&self) -> Option<Instant> {
        match (self.ctl.poll_timeout(), self.agent.poll_timeout()) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    fn advance(&mut self, to: Instant) -> Result<(), Error> {
        self.now = self.now.max(to);
        self.ctl.handle_timeout(self.now);
        self.agent.handle_timeout(self.now)
    }

    /// Runs until request `id` is answered, `notifies` Notify messages have arrived (time
    /// jumps ahead to the Agent's timers for them, e.g. the end of an asynchronous command)
    /// and the acknowledgements have settled.
    fn exchange(
        &mut self,
        name: &'static str,
        id: RequestId,
        notifies: usize,
    ) -> Result<Exchange, Error> {
        let mut to_agent = Traffic::default();
        let mut to_controller = Traffic::default();
        let mut result = None;
        let mut notifications = Vec::new();
        for _ in 0..MAX_STEPS {
            let moved = self.pump(&mut to_agent, &mut to_controller)?;
            while let Some(event) = self.ctl.poll_event() {
                match event {
                    ControllerEvent::Response { id: got, result: r } if got == id => {
                        result = Some(r);
                    }
                    ControllerEvent::TimedOut { id: got } if got == id => {
                        return Err(format!("{name} timed out").into());
                    }
                    ControllerEvent::Notify(n) => notifications.push(n),
                    _ => {}
                }
            }
            if moved {
                continue;
            }
            let next = self.next_timer();
            // A failed request causes no Notify: do not wait for one.
            let done = match &result {
                Some(Ok(_)) => notifications.len() >= notifies,
                Some(Err(_)) => true,
                None => false,
            };
            match (done, next) {
                (true, Some(t)) if t.as_millis() <= self.now.as_millis() + SETTLE_MS => {
                    self.advance(t)?;
                }
                (true, _) => break,
                (false, Some(t)) => self.advance(t)?,
                (false, None) => {
                    return Err(format!(
                        "{name}: nothing left to do, answered: {}, {} of {notifies} Notify",
                        result.is_some(),
                        notifications.len()
                    )
                    .into());
                }
            }
        }
        let result = result.ok_or_else(|| format!("{name}: no answer within {MAX_STEPS} steps"))?;
        Ok(Exchange {
            name,
            to_agent,
            to_controller,
            result,
            notifications,
        })
    }
}

/// Runs the demo, writing a readable trace to `out`.
///
/// # Errors
/// The model does not load, an I/O error on `out`, or an exchange fails to complete (a bug).
pub fn run(opts: &Options, out: &mut dyn Write) -> Result<Summary, Error> {
    let started = std::time::Instant::now();
    let schema = load_schema(opts.model_xml.as_deref())?;
    let model_name = opts.model_xml.as_ref().map_or_else(
        || String::from("the demo model (testdata/datamodels/usp-demo-device.xml)"),
        |p| p.display().to_string(),
    );
    writeln!(
        out,
        "Agent {AGENT_ID} serves {model_name}: {} objects/tables in the Supported Data Model (loaded in {} ms).",
        schema.len(),
        started.elapsed().as_millis()
    )?;

    let now = Instant::ZERO;
    let mut agent_e2e = usp_e2e::Config::new(AGENT_ID, CONTROLLER_ID);
    agent_e2e
        .mode(SessionMode::Require)
        .max_record_size(opts.max_record_size)
        .rng_seed(7);
    let agent = Agent::new(schema, agent_e2e, now)?;

    let mut cfg = ControllerConfig::new(CONTROLLER_ID, AGENT_ID)?;
    cfg.e2e_mut()
        .mode(SessionMode::Require)
        .max_record_size(opts.max_record_size)
        .rng_seed(11);
    let ctl = Controller::new(cfg, now)?;
    writeln!(
        out,
        "Controller {CONTROLLER_ID} talks to it through an E2E Session Context (SessionMode Require), \
         MaxUSPRecordSize {} bytes on both sides.\n",
        opts.max_record_size
    )?;

    let mut link = Link { ctl, agent, now };
    let mut exchanges = Vec::new();
    let mut step = |link: &mut Link,
                    out: &mut dyn Write,
                    name: &'static str,
                    notifies: usize,
                    request: String,
                    issue: &dyn Fn(
        &mut Controller,
        Instant,
    ) -> Result<RequestId, usp_controller::ControllerError>|
     -> Result<Exchange, Error> {
        writeln!(out, "=== {}. {name}: {request}", exchanges.len() + 1)?;
        let started_at = link.now.as_millis();
        let id = issue(&mut link.ctl, link.now)?;
        let ex = link.exchange(name, id, notifies)?;
        writeln!(out, "  controller -> agent: {}", ex.to_agent)?;
        writeln!(out, "  agent -> controller: {}", ex.to_controller)?;
        writeln!(
            out,
            "  {}",
            crate::report::describe(&ex.result).replace('\n', "\n  ")
        )?;
        for n in &ex.notifications {
            writeln!(out, "  {}", crate::report::describe_notification(n))?;
        }
        if notifies > 0 {
            writeln!(
                out,
                "  ({} ms of simulated time)",
                link.now.as_millis().saturating_sub(started_at)
            )?;
        }
        writeln!(out)?;
        exchanges.push(ex.clone());
        Ok(ex)
    };

    // 1. Add two Controller rows, one enabled.
    let add = step(
        &mut link,
        out,
        "Add",
        0,
        String::from("Device.LocalAgent.Controller. x2 {EndpointID, Enable} (allow_partial false)"),
        &|c, now| {
            c.add(
                now,
                false,
                [
                    CreateObject::new("Device.LocalAgent.Controller.")
                        .required_param("EndpointID", CONTROLLER_ID)
                        .required_param("Enable", "true"),
                    CreateObject::new("Device.LocalAgent.Controller.")
                        .required_param("EndpointID", "proto::other-controller")
                        .required_param("Enable", "false"),
                ],
            )
        },
    )?;
    let second_row = add
        .result
        .as_ref()
        .ok()
        .and_then(|r| r.clone().into_add())
        .and_then(|a| a.created.get(1).map(|c| c.instantiated_path.clone()))
        .ok_or("the Add created no second row")?;

    // 2. Get with a search path, plus a whole object.
    let get_paths = [
        "Device.LocalAgent.Controller.[Enable==true].EndpointID",
        "Device.DeviceInfo.",
    ];
    step(&mut link, out, "Get", 0, get_paths.join(", "), &|c, now| {
        c.get(now, &get_paths, 0)
    })?;

    // 3. Set through a unique-key address and on a single-instance object.
    step(
        &mut link,
        out,
        "Set",
        0,
        String::from(
            "Device.LocalAgent.Controller.[EndpointID==\"proto::other-controller\"]. Enable=true; \
             Device.DeviceInfo. ProvisioningCode=\"usp-rs-demo\"",
        ),
        &|c, now| {
            c.set(
                now,
                false,
                [
                    UpdateObject::new(
                        "Device.LocalAgent.Controller.[EndpointID==\"proto::other-controller\"].",
                    )
                    .required_param("Enable", "true"),
                    UpdateObject::new("Device.DeviceInfo.")
                        .required_param("ProvisioningCode", "usp-rs-demo"),
                ],
            )
        },
    )?;

    // 4. Delete the second row.
    let delete_paths = [second_row];
    step(
        &mut link,
        out,
        "Delete",
        0,
        delete_paths.join(", "),
        &|c, now| c.delete(now, false, &delete_paths),
    )?;

    // 5. The supported model under Device.LocalAgent. (the largest answer: segmented).
    step(
        &mut link,
        out,
        "GetSupportedDM",
        0,
        String::from("Device.LocalAgent. (all levels, params, commands, events, unique keys)"),
        &|c, now| c.get_supported_dm(now, &["Device.LocalAgent."], SupportedDmFlags::all()),
    )?;

    // 6. A synchronous command: runs inside the request, answered with its output arguments.
    step(
        &mut link,
        out,
        "Operate",
        0,
        String::from("Device.Reboot() command_key \"demo\" send_resp true"),
        &|c, now| {
            c.operate(
                now,
                "Device.Reboot()",
                "demo",
                true,
                Vec::<(String, String)>::new(),
            )
        },
    )?;

    // 7. Subscriptions; the Agent sets their Recipient to this Controller's row (the one
    //    whose EndpointID is CONTROLLER_ID, added in step 1).
    step(
        &mut link,
        out,
        "Add",
        0,
        String::from(
            "Device.LocalAgent.Subscription. x2 {ObjectCreation on Device.IP.Interface., \
             OperationComplete on Device.SelfTestDiagnostics()} (NotifRetry true)",
        ),
        &|c, now| {
            let sub = |id: &str, kind: &str, refs: &str| {
                CreateObject::new("Device.LocalAgent.Subscription.")
                    .required_param("ID", id)
                    .required_param("Enable", "true")
                    .required_param("NotifType", kind)
                    .required_param("ReferenceList", refs)
                    .required_param("NotifRetry", "true")
            };
            c.add(
                now,
                false,
                [
                    sub(
                        "demo-new-interface",
                        "ObjectCreation",
                        "Device.IP.Interface.",
                    ),
                    sub(
                        "demo-self-test",
                        "OperationComplete",
                        "Device.SelfTestDiagnostics()",
                    ),
                ],
            )
        },
    )?;

    // 8. A new row in the subscribed table: AddResp, then the ObjectCreation Notify.
    step(
        &mut link,
        out,
        "Add",
        1,
        String::from("Device.IP.Interface. {Alias=\"lan\", Enable=true}"),
        &|c, now| {
            c.add(
                now,
                false,
                [CreateObject::new("Device.IP.Interface.")
                    .required_param("Alias", "lan")
                    .required_param("Enable", "true")],
            )
        },
    )?;

    // 9. An asynchronous command: the OperateResp names its Request row; the result comes
    //    when the command ends, in an OperationComplete Notify.
    step(
        &mut link,
        out,
        "Operate",
        1,
        format!(
            "Device.SelfTestDiagnostics() command_key \"self-test\" (async, ends after {} ms)",
            crate::agent::SELF_TEST_MS
        ),
        &|c, now| {
            c.operate(
                now,
                "Device.SelfTestDiagnostics()",
                "self-test",
                true,
                Vec::<(String, String)>::new(),
            )
        },
    )?;

    let sid = link.agent.session().session_id().unwrap_or(0);
    let stats = link.agent.stats();
    writeln!(
        out,
        "Done: {} exchanges in one E2E session (session_id {sid}), {} Notify sent ({} awaiting a \
         NotifyResp), {} ms of simulated time, {} ms of real time.",
        exchanges.len(),
        stats.notifies_sent,
        link.agent.pending_notifications(),
        link.now.as_millis(),
        started.elapsed().as_millis()
    )?;
    Ok(Summary {
        exchanges,
        elapsed_ms: link.now.as_millis(),
    })
}
