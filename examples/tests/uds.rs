//! The `uds` example over a real Unix domain socket; checks the trace.

#[test]
fn get_over_a_unix_domain_socket() {
    let mut out = Vec::new();
    usp_examples::uds::run(&mut out).expect("the UDS example runs");
    let out = String::from_utf8(out).expect("UTF-8");
    let pos = |needle: &str| {
        out.find(needle)
            .unwrap_or_else(|| panic!("missing {needle:?} in\n{out}"))
    };
    // Handshake both ways (R-UDS.16/17), UDSConnect before anything else (R-MTP.6), then the
    // Get and its answer.
    pos("controller: handshake done, peer proto::usp-rs-agent");
    pos("agent: handshake done, peer proto::usp-rs-controller");
    assert!(pos("received a uds_connect Record") < pos("controller: Get "));
    assert!(pos("controller: Get ") < pos("GET_RESP: 2 value(s)"));
    pos("Device.LocalAgent.EndpointID = \"proto::usp-rs-agent\"");
    pos("done in");
}
