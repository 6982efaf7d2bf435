//! The `mqtt` example through a private mosquitto broker; skipped (with a message) when
//! mosquitto is not installed. `.ci/run` installs it, so CI always runs this.

use usp_examples::mqtt::{Broker, run};

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

#[test]
fn broker_is_stopped_on_drop() {
    if Broker::binary().is_none() {
        eprintln!("skipped: mosquitto is not installed (apt-get install -y mosquitto)");
        return;
    }
    let broker = Broker::start().expect("mosquitto starts");
    let port = broker.port();
    assert!(std::net::TcpStream::connect(("127.0.0.1", port)).is_ok());
    drop(broker);
    assert!(std::net::TcpStream::connect(("127.0.0.1", port)).is_err());
}
