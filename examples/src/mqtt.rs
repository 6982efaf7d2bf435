//! The MQTT MTP through a real broker (mosquitto): an Agent and a Controller, each an MQTT 5
//! client (rumqttc), exchange a Get and its GetResp.
//!
//! What the binding requires and this example does:
//! * MQTT 5 (R-MQTT.1); CONNECT with an empty ClientId (R-MQTT.8: the broker assigns one), the
//!   User Property `usp-endpoint-id` (R-MQTT.13) and Request Response Information 1
//!   (R-MQTT.12); Response Information from CONNACK, if any, becomes the "reply to" topic
//!   (R-MQTT.21), otherwise the configured one.
//! * SUBSCRIBE before publishing anything (R-MQTT.15/17), in one packet, to every
//!   `subscribe-topic` User Property of CONNACK, plus the "reply to" topic unless one of those
//!   filters already covers it ([`subscriptions`]). Publishing starts once at least one filter
//!   is granted; if none is, the client disconnects (R-MQTT.17).
//! * Each Record in one PUBLISH (R-MQTT.18), QoS 1 (R-MQTT.20), Content Type `usp.msg`
//!   (R-MQTT.27) and the sender's "reply to" topic as Response Topic (R-MQTT.22/23); a
//!   received Content Type of `usp.msg` or `application/vnd.bbf.usp.msg` means a Record
//!   (R-MQTT.27a) and replies go to the received Response Topic (R-MQTT.26). A PUBLISH with
//!   any other Content Type is ignored with a log line.
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
use rumqttc::v5::mqttbytes::v5::{
    ConnAck, Filter, Packet, Publish, PublishProperties, SubscribeReasonCode,
};
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
#[must_use]
pub fn options(endpoint_id: &str, host: &str, port: u16) -> MqttOptions {
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
/// says it carries one (R-MQTT.26/27a); otherwise the Content Type found, for the log.
fn record_of(p: &Publish) -> Result<(Bytes, Option<String>), Option<String>> {
    let props = p.properties.clone().unwrap_or_default();
    match props.content_type.as_deref() {
        Some(CONTENT_TYPE | CONTENT_TYPE_MIME) => Ok((p.payload.clone(), props.response_topic)),
        _ => Err(props.content_type),
    }
}

/// The log line for an ignored PUBLISH.
fn ignored(who: &str, p: &Publish, content_type: Option<&str>) -> String {
    format!(
        "{who}: ignoring a PUBLISH on {} with Content Type {content_type:?} (not a USP Record)",
        String::from_utf8_lossy(&p.topic)
    )
}

/// What a USP Endpoint subscribes to after CONNACK (R-MQTT.15), and its "reply to" topic.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Subscriptions {
    /// The Topic Filters for the one SUBSCRIBE packet, in order, without duplicates.
    pub filters: Vec<String>,
    /// The "reply to" topic: CONNACK's Response Information (R-MQTT.21), else the configured one.
    pub reply_to: String,
    /// The ClientId the broker assigned (R-MQTT.8), if any.
    pub assigned_client_id: Option<String>,
}

/// The User Property name by which an MQTT 5 server hands out Topic Filters in CONNACK.
pub const SUBSCRIBE_TOPIC: &str = "subscribe-topic";

/// R-MQTT.15 for an MQTT 5 Endpoint with `configured` as its "reply to" topic: every
/// `subscribe-topic` User Property value of the CONNACK, then the Response Information topic
/// (or, without one, `configured`) unless one of those filters already matches it.
///
/// ```
/// use rumqttc::v5::mqttbytes::v5::{ConnAck, ConnectReturnCode};
/// use usp_examples::mqtt::subscriptions;
///
/// let ack = ConnAck { session_present: false, code: ConnectReturnCode::Success, properties: None };
/// let s = subscriptions(&ack, "usp/agent/a");
/// assert_eq!((s.filters, s.reply_to), (vec!["usp/agent/a".to_owned()], "usp/agent/a".to_owned()));
/// ```
#[must_use]
pub fn subscriptions(ack: &ConnAck, configured: &str) -> Subscriptions {
    let props = ack.properties.as_ref();
    let mut filters: Vec<String> = Vec::new();
    for (name, value) in props.map(|p| p.user_properties.as_slice()).unwrap_or(&[]) {
        if name == SUBSCRIBE_TOPIC && !value.is_empty() && !filters.contains(value) {
            filters.push(value.clone());
        }
    }
    let reply_to = props
        .and_then(|p| p.response_information.clone())
        .unwrap_or_else(|| String::from(configured));
    if !filters.iter().any(|f| filter_matches(f, &reply_to)) {
        filters.push(reply_to.clone());
    }
    Subscriptions {
        filters,
        reply_to,
        assigned_client_id: props.and_then(|p| p.assigned_client_identifier.clone()),
    }
}

/// Whether MQTT Topic Filter `filter` (with `+` and `#` wildcards) matches topic `topic`
/// (MQTT 5.0 §4.7; topics starting with `$` are not matched by a leading wildcard).
#[must_use]
pub fn filter_matches(filter: &str, topic: &str) -> bool {
    if topic.starts_with('$') && (filter.starts_with('+') || filter.starts_with('#')) {
        return false;
    }
    let mut t = topic.split('/');
    for f in filter.split('/') {
        match (f, t.next()) {
            ("#", _) => return true,
            ("+", Some(_)) => {}
            (f, Some(level)) if f == level => {}
            _ => return false,
        }
    }
    t.next().is_none()
}

/// Sends the one SUBSCRIBE of R-MQTT.15 and logs it.
fn subscribe(
    client: &AsyncClient,
    who: &str,
    subs: &Subscriptions,
    lines: &Log,
) -> Result<(), Error> {
    log(
        lines,
        format!(
            "{who}: connected (ClientId assigned by the broker: {})",
            subs.assigned_client_id.as_deref().unwrap_or("-")
        ),
    );
    log(
        lines,
        format!("{who}: subscribing to {}", subs.filters.join(", ")),
    );
    client.try_subscribe_many(
        subs.filters
            .iter()
            .map(|f| Filter::new(f.as_str(), QoS::AtLeastOnce)),
    )?;
    Ok(())
}

/// R-MQTT.17: at least one Topic Filter granted.
fn suback_ok(codes: &[SubscribeReasonCode]) -> bool {
    codes
        .iter()
        .any(|c| matches!(c, SubscribeReasonCode::Success(_)))
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
                let subs = subscriptions(&ack, AGENT_TOPIC);
                subscribe(&client, "agent", &subs, lines)?;
                topic = subs.reply_to;
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
                let (record, response_topic) = match record_of(&p) {
                    Ok(r) => r,
                    Err(ct) => {
                        log(lines, ignored("agent", &p, ct.as_deref()));
                        continue;
                    }
                };
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
                let subs = subscriptions(&ack, CONTROLLER_TOPIC);
                subscribe(&client, "controller", &subs, lines)?;
                topic = subs.reply_to;
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
                let (bytes, response_topic) = match record_of(&p) {
                    Ok(r) => r,
                    Err(ct) => {
                        log(lines, ignored("controller", &p, ct.as_deref()));
                        continue;
                    }
                };
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

#[cfg(test)]
mod tests {
    use rumqttc::v5::mqttbytes::v5::{ConnAckProperties, ConnectReturnCode};

    use super::*;

    fn ack(user: &[(&str, &str)], response_information: Option<&str>) -> ConnAck {
        ConnAck {
            session_present: false,
            code: ConnectReturnCode::Success,
            properties: Some(ConnAckProperties {
                session_expiry_interval: None,
                receive_max: None,
                max_qos: None,
                retain_available: None,
                max_packet_size: None,
                assigned_client_identifier: Some("auto-1".into()),
                topic_alias_max: None,
                reason_string: None,
                user_properties: user
                    .iter()
                    .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                    .collect(),
                wildcard_subscription_available: None,
                subscription_identifiers_available: None,
                shared_subscription_available: None,
                server_keep_alive: None,
                response_information: response_information.map(str::to_owned),
                server_reference: None,
                authentication_method: None,
                authentication_data: None,
            }),
        }
    }

    /// R-MQTT.15: every `subscribe-topic` value, then Response Information unless covered.
    #[test]
    fn r_mqtt_15_subscribe_topics_from_connack() {
        let s = subscriptions(
            &ack(
                &[
                    ("subscribe-topic", "usp/a/+/in"),
                    ("other", "x"),
                    ("subscribe-topic", "usp/b/#"),
                    ("subscribe-topic", "usp/a/+/in"),
                ],
                Some("usp/resp/1"),
            ),
            "usp/configured",
        );
        assert_eq!(s.filters, ["usp/a/+/in", "usp/b/#", "usp/resp/1"]);
        assert_eq!(s.reply_to, "usp/resp/1");
        assert_eq!(s.assigned_client_id.as_deref(), Some("auto-1"));
        // Response Information already covered by a filter: not repeated.
        let s = subscriptions(
            &ack(&[("subscribe-topic", "usp/resp/#")], Some("usp/resp/1")),
            "usp/configured",
        );
        assert_eq!(s.filters, ["usp/resp/#"]);
        // No Response Information: the configured topic, unless covered.
        let s = subscriptions(
            &ack(&[("subscribe-topic", "usp/x")], None),
            "usp/configured",
        );
        assert_eq!(s.filters, ["usp/x", "usp/configured"]);
        assert_eq!(s.reply_to, "usp/configured");
        let s = subscriptions(
            &ack(&[("subscribe-topic", "+/configured")], None),
            "usp/configured",
        );
        assert_eq!(s.filters, ["+/configured"]);
        // Nothing in CONNACK: just the configured topic.
        let s = subscriptions(&ack(&[], None), "usp/configured");
        assert_eq!(s.filters, ["usp/configured"]);
    }

    #[test]
    fn topic_filters_match_per_mqtt_5() {
        for (f, t, want) in [
            ("a/b", "a/b", true),
            ("a/b", "a/b/c", false),
            ("a/+", "a/b", true),
            ("a/+", "a/b/c", false),
            ("a/+/c", "a/b/c", true),
            ("a/#", "a", true),
            ("a/#", "a/b/c", true),
            ("#", "a/b", true),
            ("#", "$SYS/x", false),
            ("+/x", "$SYS/x", false),
            ("+/+", "a/", true),
            ("a", "b", false),
        ] {
            assert_eq!(filter_matches(f, t), want, "{f} {t}");
        }
    }

    #[test]
    fn r_mqtt_17_one_granted_filter_is_enough() {
        use rumqttc::v5::mqttbytes::v5::SubscribeReasonCode as C;
        assert!(suback_ok(&[C::Unspecified, C::Success(QoS::AtLeastOnce)]));
        assert!(!suback_ok(&[C::Unspecified, C::NotAuthorized]));
        assert!(!suback_ok(&[]));
    }

    #[test]
    fn r_mqtt_27a_content_types() {
        let mut p = Publish::new("t", QoS::AtLeastOnce, &b"rec"[..], None);
        assert_eq!(record_of(&p), Err(None));
        for (ct, ok) in [
            (CONTENT_TYPE, true),
            (CONTENT_TYPE_MIME, true),
            ("text/plain", false),
        ] {
            p.properties = Some(PublishProperties {
                content_type: Some(ct.into()),
                response_topic: Some("r".into()),
                ..PublishProperties::default()
            });
            match record_of(&p) {
                Ok((b, rt)) => {
                    assert!(ok);
                    assert_eq!((b.as_ref(), rt.as_deref()), (&b"rec"[..], Some("r")));
                }
                Err(found) => {
                    assert!(!ok);
                    assert_eq!(found.as_deref(), Some(ct));
                }
            }
        }
    }
}
