//! The Unix Domain Socket MTP over a real socket: the Agent listens on a socket in a fresh
//! temporary directory, the Controller connects; both run the `usp-uds` handshake
//! (R-UDS.16/17), the Agent sends a UDSConnect Record first (R-MTP.6), then the Controller
//! sends a Get and receives its GetResp, each Record in one UDS frame (R-UDS.22).
//!
//! Sockets are blocking with short read timeouts; the whole run is bounded by
//! [`DEADLINE`].

use core::time::Duration;
use std::io::{ErrorKind, Read, Write};
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::{Path, PathBuf};
use std::sync::mpsc;

use usp_controller::{Controller, ControllerConfig, ControllerEvent};
use usp_record::{Record, RecordBuilder};
use usp_uds::{Connection, Event, Role};

use crate::agent::Agent;
use crate::{AGENT_ID, CONTROLLER_ID, Clock, Error};

/// The longest the example may run.
pub const DEADLINE: Duration = Duration::from_secs(10);

const READ_TIMEOUT: Duration = Duration::from_millis(50);

/// A UDS connection: the socket and the `usp-uds` state machine.
struct Peer {
    stream: UnixStream,
    conn: Connection,
    clock: Clock,
}

impl Peer {
    fn new(stream: UnixStream, role: Role, id: &str, clock: Clock) -> Result<Self, Error> {
        stream.set_read_timeout(Some(READ_TIMEOUT))?;
        let conn = Connection::new(role, id, clock.now().as_millis());
        Ok(Self {
            stream,
            conn,
            clock,
        })
    }

    /// Writes everything the state machine queued.
    fn flush(&mut self) -> Result<(), Error> {
        while let Some(bytes) = self.conn.poll_transmit() {
            self.stream.write_all(&bytes)?;
        }
        Ok(())
    }

    /// Reads what is there (waits at most [`READ_TIMEOUT`]) and returns the events.
    /// `None` when the peer closed the socket.
    fn read(&mut self) -> Result<Option<Vec<Event>>, Error> {
        let mut buf = [0u8; 4096];
        let now = self.clock.now().as_millis();
        match self.stream.read(&mut buf) {
            Ok(0) => return Ok(None),
            Ok(n) => self
                .conn
                .handle_bytes(now, buf.get(..n).unwrap_or_default()),
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {}
            Err(e) => return Err(e.into()),
        }
        self.conn.handle_timeout(now);
        self.flush()?;
        Ok(Some(
            core::iter::from_fn(|| self.conn.poll_event()).collect(),
        ))
    }
}

/// Removes the temporary directory on drop.
struct TempDir(PathBuf);

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn temp_dir() -> Result<TempDir, Error> {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    let dir = std::env::temp_dir().join(format!("usp-rs-uds-{}-{nanos}", std::process::id()));
    std::fs::create_dir(&dir)?;
    Ok(TempDir(dir))
}

/// The Agent's side: accept one connection, serve it until the Controller closes it.
fn serve_agent(
    listener: &UnixListener,
    clock: Clock,
    log: &mpsc::Sender<String>,
) -> Result<(), Error> {
    let start = std::time::Instant::now();
    listener.set_nonblocking(true)?;
    let stream = loop {
        match listener.accept() {
            Ok((s, _)) => break s,
            Err(e) if e.kind() == ErrorKind::WouldBlock && start.elapsed() < DEADLINE => {
                std::thread::sleep(Duration::from_millis(5));
            }
            Err(e) => return Err(e.into()),
        }
    };
    stream.set_nonblocking(false)?;
    let mut agent = Agent::demo(clock.now())?;
    let mut peer = Peer::new(stream, Role::Server, AGENT_ID, clock)?;
    while start.elapsed() < DEADLINE {
        let Some(events) = peer.read()? else {
            let _ = log.send(String::from("agent: the Controller closed the socket"));
            break;
        };
        for event in events {
            match event {
                Event::Connected { peer: who } => {
                    let _ = log.send(format!(
                        "agent: handshake done, peer {who}; sending UDSConnect"
                    ));
                    let connect = agent.connect_record(RecordBuilder::uds_connect)?;
                    peer.conn.send_record(connect)?;
                }
                Event::Record(bytes) => {
                    let len = bytes.len();
                    match agent.handle_record(clock.now(), bytes) {
                        Ok(()) => {
                            let _ = log.send(format!("agent: received a Record ({len} bytes)"));
                        }
                        // R-UDS.23: a Record that cannot be extracted: Error frame, close.
                        Err(e) => peer.conn.reject_record(&e.to_string()),
                    }
                }
                Event::Closed { reason } => {
                    let _ = log.send(format!("agent: connection closed: {reason}"));
                }
                _ => {}
            }
        }
        while let Some(wire) = agent.poll_transmit() {
            let _ = log.send(format!("agent: sending a Record ({} bytes)", wire.len()));
            peer.conn.send_record(wire)?;
        }
        peer.flush()?;
        if peer.conn.is_closed() {
            break;
        }
    }
    Ok(())
}

/// Runs the example, writing a readable trace to `out`.
///
/// # Errors
/// A socket error, a protocol error, or no answer within [`DEADLINE`].
pub fn run(out: &mut dyn Write) -> Result<(), Error> {
    let dir = temp_dir()?;
    let path = dir.0.join("usp-agent.sock");
    let listener = UnixListener::bind(&path)?;
    writeln!(out, "agent: listening on {}", path.display())?;
    let clock = Clock::start();
    let (log, lines) = mpsc::channel();
    let agent_log = log.clone();
    let agent = std::thread::spawn(move || {
        let result = serve_agent(&listener, clock, &agent_log);
        if let Err(e) = &result {
            let _ = agent_log.send(format!("agent: failed: {e}"));
        }
        result.map_err(|e| e.to_string())
    });
    let result = controller(&path, clock, &log);
    // Closing the socket (dropped in `controller`) ends the Agent's loop.
    let agent_result = agent.join().map_err(|_| "the agent thread panicked")?;
    drop(log);
    for line in lines.iter() {
        writeln!(out, "{line}")?;
    }
    let summary = result?;
    agent_result?;
    writeln!(out, "{summary}")?;
    Ok(())
}

fn controller(path: &Path, clock: Clock, log: &mpsc::Sender<String>) -> Result<String, Error> {
    let start = std::time::Instant::now();
    let stream = UnixStream::connect(path)?;
    let mut peer = Peer::new(stream, Role::Client, CONTROLLER_ID, clock)?;
    let _ = log.send(format!(
        "controller: connected to {}, sending the Handshake",
        path.display()
    ));
    peer.flush()?;
    let mut ctl = Controller::new(ControllerConfig::new(CONTROLLER_ID, AGENT_ID)?, clock.now())?;
    let mut request = None;
    while start.elapsed() < DEADLINE {
        let Some(events) = peer.read()? else {
            return Err("the Agent closed the socket".into());
        };
        for event in events {
            match event {
                Event::Connected { peer: who } => {
                    let _ = log.send(format!("controller: handshake done, peer {who}"));
                }
                Event::Record(bytes) => {
                    let record = Record::decode(bytes.clone())?;
                    let _ = log.send(format!(
                        "controller: received a {} Record ({} bytes)",
                        record.kind().name(),
                        bytes.len()
                    ));
                    let first_connect = record.kind().is_connect() && request.is_none();
                    ctl.handle_record(clock.now(), bytes)?;
                    if first_connect {
                        // The Agent is ready (R-MTP.6): ask it something.
                        let paths = [
                            "Device.DeviceInfo.SoftwareVersion",
                            "Device.LocalAgent.EndpointID",
                        ];
                        let id = ctl.get(clock.now(), &paths, 0)?;
                        let _ = log.send(format!(
                            "controller: Get {} (msg_id {})",
                            paths.join(", "),
                            ctl.msg_id_of(id)
                        ));
                        request = Some(id);
                    }
                }
                Event::Closed { reason } => {
                    return Err(format!("connection closed: {reason}").into());
                }
                _ => {}
            }
        }
        ctl.handle_timeout(clock.now());
        while let Some(wire) = ctl.poll_transmit() {
            let _ = log.send(format!(
                "controller: sending a Record ({} bytes)",
                wire.len()
            ));
            peer.conn.send_record(wire)?;
        }
        peer.flush()?;
        while let Some(event) = ctl.poll_event() {
            if let ControllerEvent::Response { id, result } = event {
                if Some(id) == request {
                    let _ = log.send(format!("controller: {}", crate::report::describe(&result)));
                    result?;
                    return Ok(format!(
                        "done in {} ms over a Unix domain socket",
                        start.elapsed().as_millis()
                    ));
                }
            }
        }
    }
    Err("no GetResp within the deadline".into())
}
