//! A USP Agent and Controller talking MQTT 5 through a broker: MQTTConnect, then a Get with
//! Content Type `usp.msg` and Response Topics.
//!
//! Run: `cargo run -p usp-examples --example mqtt` (starts a private mosquitto on a free
//! 127.0.0.1 port; `apt-get install mosquitto`), or `... --example mqtt -- HOST:PORT` to use
//! a running MQTT 5 broker.

use usp_examples::mqtt::{Broker, run};

fn main() -> Result<(), usp_examples::Error> {
    let mut out = std::io::stdout().lock();
    if let Some(addr) = std::env::args().nth(1) {
        let (host, port) = addr.rsplit_once(':').ok_or("expected HOST:PORT")?;
        return run(host, port.parse()?, &mut out);
    }
    let broker = Broker::start()?;
    run("127.0.0.1", broker.port(), &mut out)
}
