//! The MQTT MTP through a real broker (mosquitto): an Agent and a Controller, each an MQTT 5
//! client (rumqttc), exchange a Get and its GetResp.
//!
//! What the binding requires and this example does:
//! * MQTT 5 (R-MQTT.1); CONNECT with an empty ClientId (R-MQTT.8: the broker assigns one), the
//!   User Property `usp-endpoint-id` (R-MQTT.13) and Request Response Information 1
//!   (R-MQTT.12); Response Information from CONNACK, if any, becomes the "reply to" topic
//!   (R-MQTT.21), otherwise the configured one.
//! * SUBSCRIBE to the "reply to" topic before publishing anything (R-MQTT.15/17).
//! * Each Record in one PUBLISH (R-MQTT.18), QoS 1 (R-MQTT.20), Content Type `usp.msg`
//!   (R-MQTT.27) and the sender's "reply to" topic as Response Topic (R-MQTT.22/23); a
//!   received Content Type of `usp.msg` or `application/vnd.bbf.usp.msg` means a Record
//!   (R-MQTT.27a) and replies go to the received Response Topic (R-MQTT.26).
//! * The Agent's first Record is an MQTTConnect Record (R-MTP.6) naming its subscribed topic;
//!   the Controller learns from it where to send requests.
//! * DISCONNECT when done (R-MQTT.35).
//!
//! [`Broker`] starts a private mosquitto on 127.0.0.1 with a free port for the run.

use core::cell::RefCell;
use core::time::Duration;
use std::io::Write;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};

use bytes::Bytes;
use rumqttc::v5::mqttbytes::QoS;
use rumqttc::v5::mqttbytes::v5::{Packet, Publish, PublishProperties, SubscribeReasonCode};
use rumqttc::v5::{AsyncClient, Event, EventLoop, MqttOptions};
use tokio::sync::oneshot;
use usp_controller::{Controller, ControllerConfig, ControllerEvent};
use usp_record::{MqttVersion, Record, RecordKind};

use crate::agent::Agent;
use crate::{AGENT_ID, CONTROLLER_ID, Clock, Error};

/// The Content Type of a PUBLISH carrying a USP Record (R-MQTT.27).
pub const CONTENT_TYPE: &str = "usp.msg";
/// The registered MIME type, also accepted on receipt (R-MQTT.27a).
pub const CONTENT_TYPE_MIME: &str = "application/vnd.bbf.usp.msg";
/// The Agent's configured "reply to" topic (its subscription).
pub const AGENT_TOPIC: &str = "usp/agent/proto::usp-rs-agent";
/// The Controller's topic (its subscription; configured in the Agent as where to send the
/// MQTTConnect Record).
pub const CONTROLLER_TOPIC: &str = "usp/controller/proto::usp-rs-controller";
/// The longest the example may run once the broker is up.
pub const DEADLINE: Duration = Duration::from_secs(10);

/// A private mosquitto broker on 127.0.0.1, stopped on drop.
#[derive(Debug)]
pub struct Broker {
    child: Child,
    port: u16,
    dir: PathBuf,
}

impl Broker {
    /// Where the `mosquitto` binary is: on `PATH`, or in `/usr/sbin` (Debian's place, not
    /// always on a user's `PATH`). `None` if it is not installed.
    #[must_use]
    pub fn binary() -> Option<PathBuf> {
        let path = std::env::var_os("PATH").unwrap_or_default();
        std::env::split_paths(&path)
            .chain(["/usr/sbin".into(), "/usr/local/sbin".into()])
            .map(|d| d.join("mosquitto"))
            .find(|p| p.is_file())
    }

    /// Starts mosquitto on 127.0.0.1 with a free port (anonymous access, no persistence) and
    /// waits until it accepts connections.
    ///
    /// # Errors
    /// mosquitto is not installed, or does not come up within 5 s (three ports are tried).
    pub fn start() -> Result<Self, Error> {
        let bin = Self::binary().ok_or("mosquitto is not installed (apt-get install mosquitto)")?;
        let mut last = String::new();
        for attempt in 0..3 {
            // A free port: bind, read it, release it (another process could take it in
            // between; then the next attempt uses another).
            let port = std::net::TcpListener::bind("127.0.0.1:0")?
                .local_addr()?
                .port();
            let dir = std::env::temp_dir().join(format!(
                "usp-rs-mosquitto-{}-{port}-{attempt}",
                std::process::id()
            ));
            std::fs::create_dir_all(&dir)?;
            let conf = dir.join("mosquitto.conf");
            std::fs::write(
                &conf,
                format!(
                    "listener {port} 127.0.0.1\nallow_anonymous true\npersistence false\nlog_dest stderr\n"
                ),
            )?;
            let log = std::fs::File::create(dir.join("mosquitto.log"))?;
            let child = Command::new(&bin)
                .arg("-c")
                .arg(&conf)
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(log)
                .spawn()?;
            let mut broker = Self { child, port, dir };
            match broker.wait_ready() {
                Ok(()) => return Ok(broker),
                Err(e) => last = e,
            }
        }
        Err(format!("mosquitto did not start: {last}").into())
    }

    fn wait_ready(&mut self) -> Result<(), String> {
        let start = std::time::Instant::now();
        while start.elapsed() < Duration::from_secs(5) {
            if let Ok(Some(status)) = self.child.try_wait() {
                let log =
                    std::fs::read_to_string(self.dir.join("mosquitto.log")).unwrap_or_default();
                return Err(format!("mosquitto exited ({status}): {log}"));
            }
            if std::net::TcpStream::connect(("127.0.0.1", self.port)).is_ok() {
                return Ok(());
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        Err(String::from("port not open after 5 s"))
    }

    /// The port it listens on (127.0.0.1).
    #[must_use]
    pub fn port(&self) -> u16 {
        self.port
    }
}

impl Drop for Broker {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

type Log = RefCell<Vec<String>>;

fn log(log: &Log, line: String) {
    log.borrow_mut().push(line);
}

/// MQTT 5 options for a USP Endpoint: empty ClientId (R-MQTT.8), `usp-endpoint-id`
/// (R-MQTT.13), Request Response Information 1 (R-MQTT.12).
fn options(endpoint_id: &str, host: &str, port: u16) -> MqttOptions {
    let mut o = MqttOptions::new("", host, port);
    o.set_clean_start(true)
        .set_keep_alive(Duration::from_secs(30))
        .set_request_response_info(Some(1))
        .set_user_properties(vec![(
            String::from("usp-endpoint-id"),
            String::from(endpoint_id),
        )]);
    o
}

/// Publishes one Record (R-MQTT.18/20/23/27).
fn publish(client: &AsyncClient, topic: &str, reply_to: &str, record: Bytes) -> Result<(), Error> {
    let props = PublishProperties {
        content_type: Some(String::from(CONTENT_TYPE)),
        response_topic: Some(String::from(reply_to)),
        ..PublishProperties::default()
    };
    client.try_publish_with_properties(topic, QoS::AtLeastOnce, false, record, props)?;
    Ok(())
}

/// The Record in a received PUBLISH and the Response Topic to answer to, if its Content Type
/// says it carries one (R-MQTT.26/27a).
fn record_of(p: &Publish) -> Result<(Bytes, Option<String>), Error> {
    let props = p.properties.clone().unwrap_or_default();
    match props.content_type.as_deref() {
        Some(CONTENT_TYPE | CONTENT_TYPE_MIME) => Ok((p.payload.clone(), props.response_topic)),
        other => Err(format!("PUBLISH with Content Type {other:?} carries no USP Record").into()),
    }
}

/// The "reply to" topic from CONNACK's Response Information (R-MQTT.21) or `configured`.
fn reply_to(
    packet: &rumqttc::v5::mqttbytes::v5::ConnAck,
    configured: &str,
) -> (String, Option<String>) {
    let props = packet.properties.as_ref();
    let topic = props
        .and_then(|p| p.response_information.clone())
        .unwrap_or_else(|| String::from(configured));
    (
        topic,
        props.and_then(|p| p.assigned_client_identifier.clone()),
    )
}

fn suback_ok(codes: &[SubscribeReasonCode]) -> bool {
    !codes.is_empty()
        && codes
            .iter()
            .all(|c| matches!(c, SubscribeReasonCode::Success(_)))
}

async fn agent(
    host: &str,
    port: u16,
    clock: Clock,
    lines: &Log,
    controller_ready: oneshot::Receiver<()>,
    mut done: oneshot::Receiver<()>,
) -> Result<(), Error> {
    // Connect only once the Controller listens, so it sees the MQTTConnect Record.
    controller_ready.await?;
    let (client, mut events): (AsyncClient, EventLoop) =
        AsyncClient::new(options(AGENT_ID, host, port), 64);
    let mut agent = Agent::demo(clock.now())?;
    let mut topic = String::from(AGENT_TOPIC);
    loop {
        let event = tokio::select! {
            e = events.poll() => e?,
            _ = &mut done => break,
        };
        let Event::Incoming(packet) = event else {
            continue;
        };
        match packet {
            Packet::ConnAck(ack) => {
                let (t, assigned) = reply_to(&ack, AGENT_TOPIC);
                log(
                    lines,
                    format!(
                        "agent: connected (ClientId assigned by the broker: {})",
                        assigned.as_deref().unwrap_or("-")
                    ),
                );
                topic = t;
                log(lines, format!("agent: subscribing to {topic}"));
                client.try_subscribe(topic.as_str(), QoS::AtLeastOnce)?;
            }
            Packet::SubAck(ack) => {
                if !suback_ok(&ack.return_codes) {
                    // R-MQTT.17: no subscription, no Records; disconnect.
                    client.try_disconnect()?;
                    return Err(
                        format!("agent: subscription refused: {:?}", ack.return_codes).into(),
                    );
                }
                let connect = agent.connect_record(|b| b.mqtt_connect(MqttVersion::V5, &topic))?;
                log(
                    lines,
                    format!("agent: subscribed; sending MQTTConnect to {CONTROLLER_TOPIC}"),
                );
                publish(&client, CONTROLLER_TOPIC, &topic, connect)?;
            }
            Packet::Publish(p) => {
                let (record, response_topic) = record_of(&p)?;
                let to = response_topic.ok_or("agent: PUBLISH without Response Topic")?;
                log(
                    lines,
                    format!(
                        "agent: received a Record ({} bytes), reply to {to}",
                        record.len()
                    ),
                );
                agent.handle_record(clock.now(), record)?;
                while let Some(reply) = agent.poll_transmit() {
                    log(
                        lines,
                        format!("agent: publishing a Record ({} bytes) to {to}", reply.len()),
                    );
                    publish(&client, &to, &topic, reply)?;
                }
            }
            _ => {}
        }
    }
    // R-MQTT.35: DISCONNECT when shutting down.
    client.try_disconnect()?;
    while let Ok(Ok(event)) = tokio::time::timeout(Duration::from_secs(1), events.poll()).await {
        if matches!(event, Event::Outgoing(rumqttc::Outgoing::Disconnect)) {
            break;
        }
    }
    log(lines, String::from("agent: disconnected"));
    Ok(())
}

async fn controller(
    host: &str,
    port: u16,
    clock: Clock,
    lines: &Log,
    ready: oneshot::Sender<()>,
    done: oneshot::Sender<()>,
) -> Result<(), Error> {
    let (client, mut events) = AsyncClient::new(options(CONTROLLER_ID, host, port), 64);
    let mut ctl = Controller::new(ControllerConfig::new(CONTROLLER_ID, AGENT_ID)?, clock.now())?;
    let mut ready = Some(ready);
    let mut topic = String::from(CONTROLLER_TOPIC);
    let mut request = None;
    loop {
        let Event::Incoming(packet) = events.poll().await? else {
            continue;
        };
        match packet {
            Packet::ConnAck(ack) => {
                let (t, assigned) = reply_to(&ack, CONTROLLER_TOPIC);
                log(
                    lines,
                    format!(
                        "controller: connected (ClientId assigned by the broker: {})",
                        assigned.as_deref().unwrap_or("-")
                    ),
                );
                topic = t;
                log(lines, format!("controller: subscribing to {topic}"));
                client.try_subscribe(topic.as_str(), QoS::AtLeastOnce)?;
            }
            Packet::SubAck(ack) => {
                if !suback_ok(&ack.return_codes) {
                    client.try_disconnect()?;
                    return Err(format!(
                        "controller: subscription refused: {:?}",
                        ack.return_codes
                    )
                    .into());
                }
                if let Some(r) = ready.take() {
                    let _ = r.send(());
                }
            }
            Packet::Publish(p) => {
                let (bytes, response_topic) = record_of(&p)?;
                let record = Record::decode(bytes.clone())?;
                log(
                    lines,
                    format!(
                        "controller: received a {} Record ({} bytes)",
                        record.kind().name(),
                        bytes.len()
                    ),
                );
                if let RecordKind::MqttConnect {
                    version,
                    subscribed_topic,
                } = record.kind()
                {
                    // The Agent is up; its subscribed topic is where requests go.
                    log(
                        lines,
                        format!(
                            "controller: Agent {} is on MQTT {version:?}, topic {subscribed_topic}",
                            record.from_id()
                        ),
                    );
                    if request.is_none() {
                        let paths = ["Device.DeviceInfo.", "Device.LocalAgent.EndpointID"];
                        let id = ctl.get(clock.now(), &paths, 0)?;
                        log(lines, format!("controller: Get {}", paths.join(", ")));
                        // R-MQTT.26: answer to the PUBLISH's Response Topic (the same as the
                        // MQTTConnect's subscribed topic here).
                        let to = response_topic.unwrap_or_else(|| subscribed_topic.clone());
                        request = Some((id, to));
                    }
                } else {
                    ctl.handle_record(clock.now(), bytes)?;
                }
            }
            _ => {}
        }
        if let Some((_, to)) = &request {
            while let Some(wire) = ctl.poll_transmit() {
                log(
                    lines,
                    format!(
                        "controller: publishing a Record ({} bytes) to {to}",
                        wire.len()
                    ),
                );
                publish(&client, to, &topic, wire)?;
            }
        }
        while let Some(event) = ctl.poll_event() {
            if let ControllerEvent::Response { id, result } = event {
                if request.as_ref().is_some_and(|(r, _)| *r == id) {
                    log(
                        lines,
                        format!("controller: {}", crate::report::describe(&result)),
                    );
                    result?;
                    let _ = done.send(());
                    client.try_disconnect()?;
                    while let Ok(Ok(event)) =
                        tokio::time::timeout(Duration::from_secs(1), events.poll()).await
                    {
                        if matches!(event, Event::Outgoing(rumqttc::Outgoing::Disconnect)) {
                            break;
                        }
                    }
                    log(lines, String::from("controller: disconnected"));
                    return Ok(());
                }
            }
        }
    }
}

/// Runs the example against the broker at `host:port`, writing a readable trace to `out`.
///
/// # Errors
/// A connection or protocol error, or no answer within [`DEADLINE`].
pub fn run(host: &str, port: u16, out: &mut dyn Write) -> Result<(), Error> {
    let started = std::time::Instant::now();
    let clock = Clock::start();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let lines = Log::default();
    log(&lines, format!("broker: mqtt://{host}:{port} (MQTT 5)"));
    let result = runtime.block_on(async {
        let (ready_tx, ready_rx) = oneshot::channel();
        let (done_tx, done_rx) = oneshot::channel();
        let both = async {
            tokio::try_join!(
                controller(host, port, clock, &lines, ready_tx, done_tx),
                agent(host, port, clock, &lines, ready_rx, done_rx)
            )
        };
        match tokio::time::timeout(DEADLINE, both).await {
            Ok(r) => r.map(|_| ()),
            Err(_) => Err(Error::from(
                "the MQTT example did not finish within its deadline",
            )),
        }
    });
    for line in lines.borrow().iter() {
        writeln!(out, "{line}")?;
    }
    result?;
    writeln!(
        out,
        "done in {} ms over MQTT",
        started.elapsed().as_millis()
    )?;
    Ok(())
}
