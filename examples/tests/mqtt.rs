//! The `mqtt` example through a private mosquitto broker; skipped (with a message) when
//! mosquitto is not installed. `.ci/run` installs it, so CI always runs this. One test uses a
//! scripted broker on a plain TCP socket instead, to see the CONNECT and SUBSCRIBE packets and
//! to send CONNACK properties mosquitto does not send.

use core::time::Duration;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::mpsc;

use bytes::BytesMut;
use rumqttc::v5::mqttbytes::QoS;
use rumqttc::v5::mqttbytes::v5::{
    ConnAck, ConnAckProperties, ConnectReturnCode, Packet, Publish, PublishProperties,
};
use rumqttc::v5::{Client, Event, MqttOptions};
use usp_examples::CONTROLLER_ID;
use usp_examples::mqtt::{
    AGENT_TOPIC, Broker, CONTENT_TYPE, CONTROLLER_TOPIC, SUBSCRIBE_TOPIC, run,
};

#[test]
fn get_over_mqtt5_through_mosquitto() {
    if Broker::binary().is_none() {
        eprintln!("skipped: mosquitto is not installed (apt-get install -y mosquitto)");
        return;
    }
    let broker = Broker::start().expect("mosquitto starts");
    let mut out = Vec::new();
    run("127.0.0.1", broker.port(), &mut out).expect("the MQTT example runs");
    let out = String::from_utf8(out).expect("UTF-8");
    let pos = |needle: &str| {
        out.find(needle)
            .unwrap_or_else(|| panic!("missing {needle:?} in\n{out}"))
    };
    // R-MQTT.8: empty ClientId, so the broker assigned one; R-MQTT.15/17: subscribed before
    // publishing; R-MTP.6: MQTTConnect first, naming the Agent's topic; R-MQTT.26: the reply
    // goes to the Response Topic.
    pos("controller: connected (ClientId assigned by the broker: auto-");
    let subscribed = pos("agent: subscribed; sending MQTTConnect");
    let connect = pos("controller: received a mqtt_connect Record");
    pos("is on MQTT V5, topic usp/agent/proto::usp-rs-agent");
    let get = pos("controller: publishing a Record");
    pos("agent: received a Record");
    pos("reply to usp/controller/proto::usp-rs-controller");
    let resp = pos("GET_RESP: 9 value(s)");
    assert!(subscribed < connect && connect < get && get < resp);
    pos("Device.LocalAgent.EndpointID = \"proto::usp-rs-agent\"");
    pos("agent: disconnected");
}

/// Reads one MQTT 5 packet from `sock`.
fn read_packet(sock: &mut TcpStream, buf: &mut BytesMut) -> Packet {
    loop {
        match Packet::read(buf, None) {
            Ok(p) => return p,
            Err(rumqttc::v5::mqttbytes::Error::InsufficientBytes(_)) => {}
            Err(e) => panic!("bad packet from the client: {e:?}"),
        }
        let mut chunk = [0u8; 4096];
        let n = sock.read(&mut chunk).expect("read from the client");
        assert!(n > 0, "the client closed early");
        buf.extend_from_slice(&chunk[..n]);
    }
}

fn connack(user_properties: Vec<(String, String)>, response_information: &str) -> ConnAck {
    ConnAck {
        session_present: false,
        code: ConnectReturnCode::Success,
        properties: Some(ConnAckProperties {
            session_expiry_interval: None,
            receive_max: None,
            max_qos: None,
            retain_available: None,
            max_packet_size: None,
            assigned_client_identifier: Some("scripted-1".into()),
            topic_alias_max: None,
            reason_string: None,
            user_properties,
            wildcard_subscription_available: None,
            subscription_identifiers_available: None,
            shared_subscription_available: None,
            server_keep_alive: None,
            response_information: Some(response_information.into()),
            server_reference: None,
            authentication_method: None,
            authentication_data: None,
        }),
    }
}

/// R-MQTT.8/12/13: CONNECT has an empty ClientId, Request Response Information 1 and the
/// `usp-endpoint-id` User Property. R-MQTT.15: the one SUBSCRIBE lists every `subscribe-topic`
/// from CONNACK plus the Response Information topic, which no such filter covers.
#[test]
fn r_mqtt_13_r_mqtt_15_connect_properties_and_connack_subscribe_topics() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let broker = std::thread::spawn(move || {
        let (mut sock, _) = listener.accept().unwrap();
        sock.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
        let mut buf = BytesMut::new();
        let connect = read_packet(&mut sock, &mut buf);
        let ack = connack(
            vec![
                (SUBSCRIBE_TOPIC.into(), "usp/ctl/in/#".into()),
                ("unrelated".into(), "x".into()),
                (SUBSCRIBE_TOPIC.into(), "usp/ctl/+/notify".into()),
            ],
            "usp/resp/controller",
        );
        let mut out = BytesMut::new();
        ack.write(&mut out).unwrap();
        sock.write_all(&out).unwrap();
        let subscribe = read_packet(&mut sock, &mut buf);
        // Hang up: the example stops with an error.
        drop(sock);
        (connect, subscribe)
    });
    let mut log = Vec::new();
    assert!(run("127.0.0.1", port, &mut log).is_err());
    let log = String::from_utf8(log).unwrap();
    let (connect, subscribe) = broker.join().unwrap();
    let Packet::Connect(c, _, _) = connect else {
        panic!("first packet: {connect:?}");
    };
    assert_eq!(c.client_id, "");
    let props = c.properties.expect("CONNECT properties");
    assert_eq!(props.request_response_info, Some(1));
    assert!(
        props
            .user_properties
            .contains(&("usp-endpoint-id".into(), CONTROLLER_ID.into())),
        "{:?}",
        props.user_properties
    );
    let Packet::Subscribe(s) = subscribe else {
        panic!("second packet: {subscribe:?}");
    };
    let filters: Vec<&str> = s.filters.iter().map(|f| f.path.as_str()).collect();
    assert_eq!(
        filters,
        ["usp/ctl/in/#", "usp/ctl/+/notify", "usp/resp/controller"]
    );
    assert!(s.filters.iter().all(|f| f.qos == QoS::AtLeastOnce));
    assert!(
        log.contains(
            "controller: subscribing to usp/ctl/in/#, usp/ctl/+/notify, usp/resp/controller"
        ),
        "{log}"
    );
}

/// R-MQTT.27: every Record PUBLISH carries Content Type `usp.msg` and a Response Topic
/// (R-MQTT.23), as seen by a third client subscribed to `#`; R-MQTT.27a: a PUBLISH with another
/// Content Type (here retained on both topics, so each side gets one as it subscribes) is
/// ignored with a log line and the run still succeeds.
#[test]
fn r_mqtt_27_content_type_seen_by_a_third_client_and_others_ignored() {
    if Broker::binary().is_none() {
        eprintln!("skipped: mosquitto is not installed (apt-get install -y mosquitto)");
        return;
    }
    let broker = Broker::start().expect("mosquitto starts");
    let (client, mut conn) =
        Client::new(MqttOptions::new("sniffer", "127.0.0.1", broker.port()), 64);
    let (tx, rx) = mpsc::channel::<Result<Option<Publish>, String>>();
    let sniffer = std::thread::spawn(move || {
        for ev in conn.iter() {
            let msg = match ev {
                Ok(Event::Incoming(Packet::Publish(p))) => Ok(Some(p)),
                Ok(Event::Incoming(Packet::SubAck(_) | Packet::PubAck(_))) => Ok(None),
                Ok(_) => continue,
                Err(e) => Err(e.to_string()),
            };
            let stop = msg.is_err();
            if tx.send(msg).is_err() || stop {
                break;
            }
        }
    });
    client.subscribe("#", QoS::AtLeastOnce).unwrap();
    let text = PublishProperties {
        content_type: Some("text/plain".into()),
        ..PublishProperties::default()
    };
    for topic in [AGENT_TOPIC, CONTROLLER_TOPIC] {
        client
            .publish_with_properties(topic, QoS::AtLeastOnce, true, "not a record", text.clone())
            .unwrap();
    }
    // SUBACK and both PUBACKs before the example starts.
    let mut acks = 0;
    let mut seen = Vec::new();
    while acks < 3 {
        match rx
            .recv_timeout(Duration::from_secs(5))
            .expect("sniffer is up")
        {
            Ok(None) => acks += 1,
            Ok(Some(p)) => seen.push(p),
            Err(e) => panic!("sniffer: {e}"),
        }
    }
    let mut out = Vec::new();
    run("127.0.0.1", broker.port(), &mut out).expect("the MQTT example runs");
    let out = String::from_utf8(out).unwrap();
    for who in ["agent", "controller"] {
        assert!(
            out.contains(&format!(
                "{who}: ignoring a PUBLISH on usp/{who}/proto::usp-rs-{who} with Content Type Some(\"text/plain\")"
            )),
            "{out}"
        );
    }
    while let Ok(Ok(m)) = rx.recv_timeout(Duration::from_millis(500)) {
        seen.extend(m);
    }
    client.disconnect().unwrap();
    let _ = sniffer.join();
    let records: Vec<&Publish> = seen
        .iter()
        .filter(|p| {
            let ct = p
                .properties
                .as_ref()
                .and_then(|x| x.content_type.as_deref());
            ct != Some("text/plain")
        })
        .collect();
    // MQTTConnect, Get, GetResp.
    assert!(records.len() >= 3, "{seen:?}");
    for p in records {
        let props = p.properties.as_ref().expect("PUBLISH properties");
        assert_eq!(props.content_type.as_deref(), Some(CONTENT_TYPE), "{p:?}");
        let topic = String::from_utf8_lossy(&p.topic);
        assert!(topic == AGENT_TOPIC || topic == CONTROLLER_TOPIC, "{topic}");
        let rt = props.response_topic.as_deref().expect("Response Topic");
        assert!(rt == AGENT_TOPIC || rt == CONTROLLER_TOPIC, "{rt}");
        assert_ne!(rt, topic, "the Response Topic is the sender's own");
    }
}

#[test]
fn broker_is_stopped_on_drop() {
    if Broker::binary().is_none() {
        eprintln!("skipped: mosquitto is not installed (apt-get install -y mosquitto)");
        return;
    }
    let broker = Broker::start().expect("mosquitto starts");
    let port = broker.port();
    assert!(TcpStream::connect(("127.0.0.1", port)).is_ok());
    drop(broker);
    assert!(TcpStream::connect(("127.0.0.1", port)).is_err());
}
