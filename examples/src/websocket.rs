//! The WebSocket MTP: the Agent serves USP over WebSocket on 127.0.0.1 (an ephemeral port)
//! and the Controller connects to it.
//!
//! * The client offers the subprotocol `v1.usp` (R-WS.9/10) and its Endpoint ID in the URI
//!   query as `eid=` (R-WS.10b, `%` written `%25`, R-WS.10c); the server answers with
//!   `v1.usp` (R-WS.11) and the client refuses a session without it (R-WS.12).
//! * Every Record is one binary message (R-WS.14); the Agent's first Record is a
//!   WebSocketConnect Record (R-MTP.6).
//! * The Controller then sends a Get, a Set and a Get of what it set.
//!
//! Both ends run in one current-thread tokio runtime; the whole run is bounded by
//! [`DEADLINE`].

use core::cell::RefCell;
use core::net::SocketAddr;
use core::time::Duration;
use std::io::Write;

use futures_util::{SinkExt as _, StreamExt as _};
use tokio::net::{TcpListener, TcpStream};
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest as _;
use tokio_tungstenite::tungstenite::handshake::server::{ErrorResponse, Request, Response};
use tokio_tungstenite::tungstenite::http::{HeaderValue, StatusCode};
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use usp_controller::{
    Controller, ControllerConfig, ControllerEvent, RequestError, RequestId, TypedResult,
};
use usp_msg::UpdateObject;
use usp_record::{Record, RecordBuilder};

use crate::agent::Agent;
use crate::{AGENT_ID, CONTROLLER_ID, Clock, Error};

/// The WebSocket subprotocol for USP Records in protobuf encoding (R-WS.9).
pub const SUBPROTOCOL: &str = "v1.usp";

/// The longest the example may run.
pub const DEADLINE: Duration = Duration::from_secs(10);

type Log = RefCell<Vec<String>>;

fn log(log: &Log, line: String) {
    log.borrow_mut().push(line);
}

/// Percent-encodes an Endpoint ID for the `eid` query value: `%` becomes `%25` (R-WS.10c), and
/// so does every other character a URI query cannot carry as is.
#[must_use]
pub fn encode_eid(eid: &str) -> String {
    let mut s = String::with_capacity(eid.len());
    for b in eid.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~!$'()*+,;:@/?".contains(&b) {
            s.push(char::from(b));
        } else {
            s.push_str(&format!("%{b:02X}"));
        }
    }
    s
}

/// Decodes the `eid` value of a request URI query (the inverse of [`encode_eid`]); `None` if
/// there is none or it is not valid percent-encoded UTF-8.
#[must_use]
pub fn decode_eid(query: &str) -> Option<String> {
    let raw = query.split('&').find_map(|kv| kv.strip_prefix("eid="))?;
    let mut out = Vec::with_capacity(raw.len());
    let mut bytes = raw.bytes();
    while let Some(b) = bytes.next() {
        if b == b'%' {
            let hex = [bytes.next()?, bytes.next()?];
            let hex = core::str::from_utf8(&hex).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
        } else {
            out.push(b);
        }
    }
    String::from_utf8(out).ok()
}

fn offers_usp(req: &Request) -> bool {
    req.headers()
        .get_all("Sec-WebSocket-Protocol")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|p| p.trim() == SUBPROTOCOL)
}

/// The Agent: accept one WebSocket client, send WebSocketConnect, answer its Records.
async fn serve_agent(listener: TcpListener, clock: Clock, lines: &Log) -> Result<(), Error> {
    let (stream, from) = listener.accept().await?;
    let mut client_eid = None;
    let mut refused = false;
    // The signature is tungstenite's `Callback`; its error type is an HTTP response.
    #[allow(clippy::result_large_err)]
    let callback = |req: &Request, mut resp: Response| -> Result<Response, ErrorResponse> {
        if !offers_usp(req) {
            refused = true;
            let mut refuse =
                ErrorResponse::new(Some(format!("subprotocol {SUBPROTOCOL} required")));
            *refuse.status_mut() = StatusCode::BAD_REQUEST;
            return Err(refuse);
        }
        client_eid = req.uri().query().and_then(decode_eid);
        resp.headers_mut().insert(
            "Sec-WebSocket-Protocol",
            HeaderValue::from_static(SUBPROTOCOL),
        );
        Ok(resp)
    };
    let mut ws = match tokio_tungstenite::accept_hdr_async(stream, callback).await {
        Ok(ws) => ws,
        Err(e) => {
            if refused {
                log(
                    lines,
                    format!("agent: refused {from}: no subprotocol {SUBPROTOCOL} offered"),
                );
            }
            return Err(e.into());
        }
    };
    log(
        lines,
        format!(
            "agent: WebSocket session with {from} (eid {}), subprotocol {SUBPROTOCOL}; sending WebSocketConnect",
            client_eid.as_deref().unwrap_or("?")
        ),
    );
    let mut agent = Agent::demo(clock.now())?;
    ws.send(Message::Binary(
        agent.connect_record(RecordBuilder::websocket_connect)?,
    ))
    .await?;
    while let Some(msg) = ws.next().await {
        match msg? {
            Message::Binary(bytes) => {
                let len = bytes.len();
                if let Err(e) = agent.handle_record(clock.now(), bytes) {
                    // R-WS.16: a Record that cannot be extracted closes with 1003.
                    log(lines, format!("agent: bad Record ({e}); closing with 1003"));
                    ws.close(Some(CloseFrame {
                        code: CloseCode::Unsupported,
                        reason: "cannot extract USP Record".into(),
                    }))
                    .await?;
                    break;
                }
                log(lines, format!("agent: received a Record ({len} bytes)"));
                while let Some(reply) = agent.poll_transmit() {
                    log(
                        lines,
                        format!("agent: sending a Record ({} bytes)", reply.len()),
                    );
                    ws.send(Message::Binary(reply)).await?;
                }
            }
            Message::Close(_) => {
                log(
                    lines,
                    String::from("agent: the Controller closed the WebSocket"),
                );
                break;
            }
            // Pings are answered by tungstenite; text messages carry no USP Record.
            _ => {}
        }
    }
    Ok(())
}

/// Sends what the Controller queued, then reads until request `id` is answered.
async fn exchange(
    ws: &mut WebSocketStream<TcpStream>,
    ctl: &mut Controller,
    id: RequestId,
    clock: Clock,
    lines: &Log,
) -> Result<Result<TypedResult, RequestError>, Error> {
    while let Some(wire) = ctl.poll_transmit() {
        log(
            lines,
            format!("controller: sending a Record ({} bytes)", wire.len()),
        );
        ws.send(Message::Binary(wire)).await?;
    }
    loop {
        while let Some(event) = ctl.poll_event() {
            match event {
                ControllerEvent::Response { id: got, result } if got == id => {
                    log(
                        lines,
                        format!("controller: {}", crate::report::describe(&result)),
                    );
                    return Ok(result);
                }
                ControllerEvent::TimedOut { id: got } if got == id => {
                    return Err("request timed out".into());
                }
                _ => {}
            }
        }
        match ws.next().await {
            Some(Ok(Message::Binary(bytes))) => {
                log(
                    lines,
                    format!("controller: received a Record ({} bytes)", bytes.len()),
                );
                ctl.handle_record(clock.now(), bytes)?;
            }
            Some(Ok(Message::Close(_))) | None => {
                return Err("the Agent closed the WebSocket".into());
            }
            Some(Ok(_)) => {}
            Some(Err(e)) => return Err(e.into()),
        }
    }
}

async fn controller(addr: SocketAddr, clock: Clock, lines: &Log) -> Result<(), Error> {
    let url = format!("ws://{addr}/usp?eid={}", encode_eid(CONTROLLER_ID));
    let mut request = url.as_str().into_client_request()?;
    request.headers_mut().insert(
        "Sec-WebSocket-Protocol",
        HeaderValue::from_static(SUBPROTOCOL),
    );
    let stream = TcpStream::connect(addr).await?;
    let (mut ws, response) = tokio_tungstenite::client_async(request, stream).await?;
    // R-WS.12: no session unless the server agreed on v1.usp.
    let agreed = response.headers().get("Sec-WebSocket-Protocol");
    if agreed.and_then(|v| v.to_str().ok()) != Some(SUBPROTOCOL) {
        return Err(format!("the server did not agree on {SUBPROTOCOL}: {agreed:?}").into());
    }
    log(
        lines,
        format!("controller: connected to {url}, subprotocol {SUBPROTOCOL}"),
    );

    // The first Record must be the WebSocketConnect Record (R-MTP.6).
    let first = match ws.next().await {
        Some(Ok(Message::Binary(bytes))) => Record::decode(bytes)?,
        other => return Err(format!("expected a WebSocketConnect Record, got {other:?}").into()),
    };
    log(
        lines,
        format!(
            "controller: first Record is {} from {}",
            first.kind().name(),
            first.from_id()
        ),
    );
    if !matches!(first.kind(), usp_record::RecordKind::WebSocketConnect) {
        return Err("the first Record is not a WebSocketConnect Record".into());
    }

    let mut ctl = Controller::new(ControllerConfig::new(CONTROLLER_ID, AGENT_ID)?, clock.now())?;
    let paths = [
        "Device.DeviceInfo.SoftwareVersion",
        "Device.DeviceInfo.ProvisioningCode",
    ];
    let id = ctl.get(clock.now(), &paths, 0)?;
    log(lines, format!("controller: Get {}", paths.join(", ")));
    exchange(&mut ws, &mut ctl, id, clock, lines).await??;

    let id = ctl.set(
        clock.now(),
        false,
        [UpdateObject::new("Device.DeviceInfo.")
            .required_param("ProvisioningCode", "set-over-websocket")],
    )?;
    log(
        lines,
        String::from("controller: Set Device.DeviceInfo.ProvisioningCode=\"set-over-websocket\""),
    );
    exchange(&mut ws, &mut ctl, id, clock, lines).await??;

    let id = ctl.get(clock.now(), &["Device.DeviceInfo.ProvisioningCode"], 0)?;
    log(
        lines,
        String::from("controller: Get Device.DeviceInfo.ProvisioningCode"),
    );
    exchange(&mut ws, &mut ctl, id, clock, lines).await??;

    ws.close(None).await?;
    // Read until the Agent's close reply so the close handshake completes.
    while let Some(Ok(_)) = ws.next().await {}
    Ok(())
}

/// Runs only the Agent side on `listener`: accepts one WebSocket client, refusing it (HTTP 400)
/// unless it offers `v1.usp` (R-WS.11/12), sends WebSocketConnect and answers its Records until
/// it closes; a Record that cannot be extracted closes the session with 1003 (R-WS.16). Writes
/// the trace to `out`. Tests use it to play the client.
///
/// # Errors
/// A socket or WebSocket error (including a refused handshake), or no end within [`DEADLINE`].
pub fn serve_one(listener: std::net::TcpListener, out: &mut dyn Write) -> Result<(), Error> {
    let clock = Clock::start();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let lines = Log::default();
    let result = runtime.block_on(async {
        listener.set_nonblocking(true)?;
        let listener = TcpListener::from_std(listener)?;
        match tokio::time::timeout(DEADLINE, serve_agent(listener, clock, &lines)).await {
            Ok(r) => r,
            Err(_) => Err(Error::from("the Agent did not finish within its deadline")),
        }
    });
    for line in lines.borrow().iter() {
        writeln!(out, "{line}")?;
    }
    result
}

/// Runs the example, writing a readable trace to `out`.
///
/// # Errors
/// A socket or WebSocket error, a refused subprotocol, or no answer within [`DEADLINE`].
pub fn run(out: &mut dyn Write) -> Result<(), Error> {
    let started = std::time::Instant::now();
    let clock = Clock::start();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let lines = Log::default();
    let result = runtime.block_on(async {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        log(
            &lines,
            format!("agent: serving USP over WebSocket on ws://{addr}/usp"),
        );
        let both = async {
            tokio::try_join!(
                serve_agent(listener, clock, &lines),
                controller(addr, clock, &lines)
            )
        };
        match tokio::time::timeout(DEADLINE, both).await {
            Ok(r) => r.map(|_| ()),
            Err(_) => Err(Error::from(
                "the WebSocket example did not finish within its deadline",
            )),
        }
    });
    for line in lines.borrow().iter() {
        writeln!(out, "{line}")?;
    }
    result?;
    writeln!(
        out,
        "done in {} ms over WebSocket",
        started.elapsed().as_millis()
    )?;
    Ok(())
}
