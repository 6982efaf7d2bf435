//! A USP Agent and Controller over a real Unix domain socket (usp-uds framing and handshake):
//! UDSConnect, then a Get and its GetResp.
//!
//! Run: `cargo run -p usp-examples --example uds`

fn main() -> Result<(), usp_examples::Error> {
    usp_examples::uds::run(&mut std::io::stdout().lock())
}
