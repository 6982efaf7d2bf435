//! The `websocket` example on an ephemeral 127.0.0.1 port; checks the trace.

use std::net::{TcpListener, TcpStream};
use std::thread::JoinHandle;

use tokio_tungstenite::tungstenite::client::IntoClientRequest as _;
use tokio_tungstenite::tungstenite::http::HeaderValue;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::{Error as WsError, Message, client};
use usp_examples::websocket::{SUBPROTOCOL, decode_eid, encode_eid, run, serve_one};

/// The Agent alone on an ephemeral port, in a thread; joins to (result, trace).
fn agent() -> (String, JoinHandle<(bool, String)>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!(
        "ws://{}/usp?eid=proto::test",
        listener.local_addr().unwrap()
    );
    let agent = std::thread::spawn(move || {
        let mut out = Vec::new();
        let ok = serve_one(listener, &mut out).is_ok();
        (ok, String::from_utf8(out).unwrap())
    });
    (url, agent)
}

/// R-WS.11/12 (server side): a client that does not offer `v1.usp` gets no WebSocket session.
#[test]
fn r_ws_11_client_without_v1_usp_is_refused() {
    for offered in [None, Some("v2.usp, chat")] {
        let (url, agent) = agent();
        let mut req = url.as_str().into_client_request().unwrap();
        if let Some(p) = offered {
            req.headers_mut()
                .insert("Sec-WebSocket-Protocol", HeaderValue::from_static(p));
        }
        let stream = TcpStream::connect(req.uri().authority().unwrap().as_str()).unwrap();
        match client(req, stream) {
            Err(tokio_tungstenite::tungstenite::HandshakeError::Failure(WsError::Http(resp))) => {
                assert_eq!(resp.status(), 400);
            }
            Err(e) => panic!("unexpected handshake error: {e}"),
            Ok(_) => panic!("a session without {SUBPROTOCOL} was accepted"),
        }
        let (ok, trace) = agent.join().unwrap();
        assert!(!ok);
        assert!(trace.contains("no subprotocol v1.usp offered"), "{trace}");
    }
}

/// R-WS.16: a binary message that is not a USP Record closes the session with 1003.
#[test]
fn r_ws_16_bad_record_closes_with_1003() {
    let (url, agent) = agent();
    let mut req = url.as_str().into_client_request().unwrap();
    req.headers_mut().insert(
        "Sec-WebSocket-Protocol",
        HeaderValue::from_static(SUBPROTOCOL),
    );
    let stream = TcpStream::connect(req.uri().authority().unwrap().as_str()).unwrap();
    let (mut ws, resp) = client(req, stream).expect("handshake");
    assert_eq!(
        resp.headers().get("Sec-WebSocket-Protocol").unwrap(),
        SUBPROTOCOL
    );
    // The WebSocketConnect Record first (R-MTP.6).
    assert!(matches!(ws.read().unwrap(), Message::Binary(_)));
    ws.send(Message::Binary(b"\xff not a record"[..].into()))
        .unwrap();
    let close = match ws.read() {
        Ok(Message::Close(frame)) => frame,
        Ok(other) => panic!("expected a close, got {other:?}"),
        Err(e) => panic!("expected a close frame, got {e}"),
    };
    let frame = close.expect("a close frame with a code");
    assert_eq!(frame.code, CloseCode::Unsupported);
    assert_eq!(u16::from(frame.code), 1003);
    let (ok, trace) = agent.join().unwrap();
    assert!(ok, "{trace}");
    assert!(trace.contains("closing with 1003"), "{trace}");
}

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
