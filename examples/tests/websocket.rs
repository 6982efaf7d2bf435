//! The `websocket` example on an ephemeral 127.0.0.1 port; checks the trace.

use usp_examples::websocket::{decode_eid, encode_eid, run};

#[test]
fn get_and_set_over_websocket() {
    let mut out = Vec::new();
    run(&mut out).expect("the WebSocket example runs");
    let out = String::from_utf8(out).expect("UTF-8");
    let pos = |needle: &str| {
        out.find(needle)
            .unwrap_or_else(|| panic!("missing {needle:?} in\n{out}"))
    };
    // R-WS.10b: the server learnt the client's Endpoint ID from the query; R-WS.11/12: both
    // sides on v1.usp; R-MTP.6: WebSocketConnect is the first Record.
    pos("(eid proto::usp-rs-controller), subprotocol v1.usp");
    pos("controller: connected to ws://127.0.0.1:");
    let connect = pos("first Record is websocket_connect from proto::usp-rs-agent");
    let get = pos("controller: Get Device.DeviceInfo.SoftwareVersion");
    let set = pos("SET_RESP");
    let read_back = pos("Device.DeviceInfo.ProvisioningCode = \"set-over-websocket\"");
    assert!(connect < get && get < set && set < read_back);
    pos("agent: the Controller closed the WebSocket");
}

#[test]
fn eid_query_encoding() {
    // R-WS.10c: "%" is written "%25".
    assert_eq!(encode_eid("proto::a%b"), "proto::a%25b");
    assert_eq!(encode_eid("os::00256D-0001"), "os::00256D-0001");
    assert_eq!(
        decode_eid("x=1&eid=proto::a%25b").as_deref(),
        Some("proto::a%b")
    );
    assert_eq!(decode_eid("eid=a%2"), None);
    assert_eq!(decode_eid("id=a"), None);
    for eid in ["proto::x y&z", "oui:00256D:my%dev", "self::ü"] {
        assert_eq!(
            decode_eid(&format!("eid={}", encode_eid(eid))).as_deref(),
            Some(eid)
        );
    }
}
