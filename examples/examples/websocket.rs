//! A USP Agent serving USP over WebSocket (`v1.usp`, binary frames, WebSocketConnect first)
//! on 127.0.0.1 and a Controller connecting to it: Get, Set, Get.
//!
//! Run: `cargo run -p usp-examples --example websocket`

fn main() -> Result<(), usp_examples::Error> {
    usp_examples::websocket::run(&mut std::io::stdout().lock())
}
