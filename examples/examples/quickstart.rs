//! The README's demo: a Controller builds a Get request, wraps it in a USP Record, encodes it;
//! the Agent side decodes and validates the Record and the Msg inside, and prints both as JSON
//! (protobuf JSON conventions, via the `serde` feature).
//!
//! Run: `cargo run --locked -p usp-examples --example quickstart`

use usp_msg::{GetBuilder, Msg, Request};
use usp_record::{Record, RecordBuilder, RecordKind};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    // --- Controller side -------------------------------------------------------------------
    let get = GetBuilder::new("demo-get-1")
        .path("Device.DeviceInfo.")
        .path("Device.IP.Interface.[Enable==true].IPv4Address.*.IPAddress")
        .max_depth(2)
        .build_bytes()?;
    let record =
        RecordBuilder::new("proto::agent-1", "proto::controller-1")?.no_session_context(get)?;
    let wire = record.to_bytes();
    println!("controller -> agent: {} bytes on the wire", wire.len());
    println!("{}\n", hex(&wire));

    // --- Agent side ------------------------------------------------------------------------
    let received = Record::decode(wire)?;
    let RecordKind::NoSessionContext { payload } = received.kind() else {
        return Err("expected a NoSessionContext record".into());
    };
    let msg = Msg::decode(payload.clone())?;

    println!("Record as JSON:");
    let raw_record: usp_record::pb::Record = received.clone().into();
    println!("{}\n", serde_json::to_string_pretty(&raw_record)?);

    println!("Msg as JSON:");
    let raw_msg: usp_msg::pb::Msg = msg.clone().into();
    println!("{}\n", serde_json::to_string_pretty(&raw_msg)?);

    if let Some(Request::Get(get)) = msg.request() {
        println!(
            "agent: {} from {} asks for {} path(s), max_depth {}",
            msg.msg_type(),
            received.from_id(),
            get.param_paths.len(),
            get.max_depth
        );
    }
    Ok(())
}

fn hex(bytes: &[u8]) -> String {
    bytes
        .chunks(32)
        .map(|line| {
            line.iter()
                .map(|b| format!("{b:02x}"))
                .collect::<Vec<_>>()
                .join(" ")
        })
        .collect::<Vec<_>>()
        .join("\n")
}
