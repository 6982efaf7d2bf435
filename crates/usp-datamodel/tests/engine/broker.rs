//! The Agent as a USP Broker: Register/Deregister from USP Services (R-REG.*, R-DEREG.*) and
//! routing of requests for registered paths.

use usp_datamodel::{Agent, AgentConfig, FullAccess, Instant, MemoryDataModel, Outgoing};
use usp_msg::pb;
use usp_msg::pb::request::ReqType;
use usp_msg::pb::response::RespType;

use crate::common::{Reply, error, msg, reply};
use crate::operate::{CTRL, Rec, op_model};

const S1: &str = "uds::svc-1";
const S2: &str = "uds::svc-2";

fn send(a: &mut Agent, dm: &mut MemoryDataModel, from: &str, m: &pb::Msg) -> Option<pb::Msg> {
    a.handle(
        Instant::default(),
        dm,
        &mut Rec::default(),
        from,
        &FullAccess,
        m,
    )
}

fn register(
    a: &mut Agent,
    dm: &mut MemoryDataModel,
    from: &str,
    partial: bool,
    paths: &[&str],
) -> pb::Msg {
    let rt = ReqType::Register(pb::Register {
        allow_partial: partial,
        reg_paths: paths
            .iter()
            .map(|p| pb::register::RegistrationPath {
                path: p.to_string(),
            })
            .collect(),
    });
    send(a, dm, from, &msg("t-1", rt)).expect("a reply")
}

/// `(requested_path, Ok(registered_path) | Err(code))`.
fn reg_results(m: pb::Msg) -> Vec<(String, Result<String, u32>)> {
    use pb::register_resp::registered_path_result::operation_status::OperStatus;
    let Reply::Resp(RespType::RegisterResp(r)) = reply(m) else {
        panic!("not a RegisterResp")
    };
    r.registered_path_results
        .into_iter()
        .map(|x| {
            let s = match x.oper_status.unwrap().oper_status.unwrap() {
                OperStatus::OperSuccess(s) => Ok(s.registered_path),
                OperStatus::OperFailure(f) => Err(f.err_code),
            };
            (x.requested_path, s)
        })
        .collect()
}

fn deregister(
    a: &mut Agent,
    dm: &mut MemoryDataModel,
    from: &str,
    paths: &[&str],
) -> Vec<Result<Vec<String>, u32>> {
    use pb::deregister_resp::deregistered_path_result::operation_status::OperStatus;
    let rt = ReqType::Deregister(pb::Deregister {
        paths: paths.iter().map(|p| p.to_string()).collect(),
    });
    let m = send(a, dm, from, &msg("t-1", rt)).expect("a reply");
    // R-DEREG.4: always a DeregisterResp.
    let Reply::Resp(RespType::DeregisterResp(r)) = reply(m) else {
        panic!("not a DeregisterResp")
    };
    r.deregistered_path_results
        .into_iter()
        .map(|x| match x.oper_status.unwrap().oper_status.unwrap() {
            OperStatus::OperSuccess(s) => Ok(s.deregistered_path),
            OperStatus::OperFailure(f) => Err(f.err_code),
        })
        .collect()
}

fn setup() -> (Agent, MemoryDataModel) {
    let mut a = Agent::new(AgentConfig::default());
    let mut dm = op_model();
    let r = reg_results(register(
        &mut a,
        &mut dm,
        S1,
        false,
        &["Device.WiFi.DataElements.", "Device.Time."],
    ));
    assert!(r.iter().all(|(_, x)| x.is_ok()), "{r:?}");
    (a, dm)
}

fn regs(a: &Agent) -> Vec<(String, String)> {
    a.registrations()
        .map(|(p, s)| (p.to_string(), s.to_string()))
        .collect()
}

#[test]
fn r_reg_0_allow_partial_registers_each_path_independently() {
    let (mut a, mut dm) = setup();
    let r = reg_results(register(
        &mut a,
        &mut dm,
        S2,
        true,
        &[
            "Device.WiFi.",
            "Device.WiFi.DataElements.Network.",
            "Device.Time",
            "Device.WiFiX.",
            "Device.Reboot()",
        ],
    ));
    let codes: Vec<_> = r.iter().map(|(_, x)| x.clone()).collect();
    assert_eq!(
        codes,
        [
            Err(7029), // an ancestor of S1's path
            Err(7029), // a descendant of S1's path
            Err(7029), // the same path, without the final dot
            Ok("Device.WiFiX.".to_string()),
            Ok("Device.Reboot()".to_string()),
        ]
    );
    // Even when every path fails, a RegisterResp.
    let r = reg_results(register(&mut a, &mut dm, S2, true, &["Device.Time.Zone"]));
    assert_eq!(r[0].1, Err(7029));
}

#[test]
fn r_reg_1_no_partial_any_failure_is_an_error_and_nothing_registered() {
    let (mut a, mut dm) = setup();
    let before = regs(&a);
    let e = error(register(
        &mut a,
        &mut dm,
        S2,
        false,
        &["Device.Foo.", "Device.WiFi."],
    ));
    assert_eq!(e.err_code, 7029);
    assert_eq!(regs(&a), before);
}

#[test]
fn r_reg_2_paths_without_instances_searches_or_placeholders() {
    let (mut a, mut dm) = setup();
    let r = reg_results(register(
        &mut a,
        &mut dm,
        S2,
        true,
        &[
            "Device.IP.Interface.1.",
            "Device.IP.Interface.{i}.",
            "Device.IP.Interface.*.",
            "Device..X",
            "Device.IP.Interface.",
        ],
    ));
    let codes: Vec<_> = r.iter().map(|(_, x)| x.clone()).collect();
    assert_eq!(
        codes,
        [
            Err(7028),
            Err(7028),
            Err(7028),
            Err(7028),
            Ok("Device.IP.Interface.".to_string())
        ]
    );
}

#[test]
fn same_service_may_register_again() {
    let (mut a, mut dm) = setup();
    let r = reg_results(register(
        &mut a,
        &mut dm,
        S1,
        true,
        &["Device.Time.", "Device.Time.Zone."],
    ));
    assert!(r.iter().all(|(_, x)| x.is_ok()));
    assert_eq!(regs(&a).len(), 3);
}

#[test]
fn r_dereg_1_to_4() {
    let (mut a, mut dm) = setup();
    reg_results(register(&mut a, &mut dm, S2, false, &["Device.Foo."]));
    // R-DEREG.1: another service's path → 7031; unknown → 7030; R-DEREG.3: several paths.
    let r = deregister(
        &mut a,
        &mut dm,
        S2,
        &["Device.Time.", "Device.Nope.", "Device.Foo."],
    );
    assert_eq!(
        r,
        [Err(7031), Err(7030), Ok(vec!["Device.Foo.".to_string()])]
    );
    // R-DEREG.2: "" removes only the caller's entries.
    reg_results(register(&mut a, &mut dm, S2, false, &["Device.Bar."]));
    let r = deregister(&mut a, &mut dm, S1, &[""]);
    assert_eq!(
        r,
        [Ok(vec![
            "Device.WiFi.DataElements.".to_string(),
            "Device.Time.".to_string()
        ])]
    );
    assert_eq!(regs(&a), [("Device.Bar.".to_string(), S2.to_string())]);
}

fn get(id: &str, paths: &[&str]) -> pb::Msg {
    msg(
        id,
        ReqType::Get(pb::Get {
            param_paths: paths.iter().map(|s| s.to_string()).collect(),
            max_depth: 0,
        }),
    )
}

fn drain(a: &mut Agent) -> Vec<Outgoing> {
    core::iter::from_fn(|| a.poll_transmit()).collect()
}

#[test]
fn requests_for_registered_paths_are_forwarded_and_replies_correlated() {
    let (mut a, mut dm) = setup();
    // Local paths are answered here.
    let r = send(
        &mut a,
        &mut dm,
        CTRL,
        &get("t-1", &["Device.DeviceInfo.SoftwareVersion"]),
    )
    .unwrap();
    assert!(matches!(reply(r), Reply::Resp(RespType::GetResp(_))));
    // A registered path goes to the service under a new msg_id.
    assert!(
        send(
            &mut a,
            &mut dm,
            CTRL,
            &get("c-9", &["Device.Time.LocalTime"])
        )
        .is_none()
    );
    let out = drain(&mut a);
    assert_eq!(out.len(), 1);
    assert_eq!(out[0].to, S1);
    let fwd_id = out[0].msg.header.as_ref().unwrap().msg_id.clone();
    assert_ne!(fwd_id, "c-9");
    assert_eq!(out[0].msg.body, get("x", &["Device.Time.LocalTime"]).body);
    // The service answers; the Controller gets it under its own msg_id.
    let resp = pb::Msg {
        header: Some(pb::Header {
            msg_id: fwd_id,
            msg_type: pb::header::MsgType::GetResp as i32,
        }),
        body: Some(pb::Body {
            msg_body: Some(pb::body::MsgBody::Response(pb::Response {
                resp_type: Some(RespType::GetResp(pb::GetResp::default())),
            })),
        }),
    };
    // From the wrong endpoint it is not taken as the answer.
    assert!(send(&mut a, &mut dm, S2, &resp).is_none());
    assert!(drain(&mut a).is_empty());
    assert!(send(&mut a, &mut dm, S1, &resp).is_none());
    let out = drain(&mut a);
    assert_eq!(out.len(), 1);
    assert_eq!(out[0].to, CTRL);
    assert_eq!(out[0].msg.header.as_ref().unwrap().msg_id, "c-9");
    assert_eq!(out[0].msg.body, resp.body);
    // A second copy answers nothing.
    assert!(send(&mut a, &mut dm, S1, &resp).is_none());
    assert!(drain(&mut a).is_empty());
}

#[test]
fn operate_on_a_registered_command_is_forwarded() {
    let (mut a, mut dm) = setup();
    reg_results(register(&mut a, &mut dm, S2, false, &["Device.Reboot()"]));
    let m = msg(
        "o",
        ReqType::Operate(pb::Operate {
            command: "Device.Reboot()".into(),
            send_resp: true,
            ..Default::default()
        }),
    );
    assert!(send(&mut a, &mut dm, CTRL, &m).is_none());
    assert_eq!(drain(&mut a)[0].to, S2);
}

#[test]
fn mixed_requests_are_refused() {
    let (mut a, mut dm) = setup();
    let m = get("t-1", &["Device.DeviceInfo.", "Device.Time."]);
    assert_eq!(
        error(send(&mut a, &mut dm, CTRL, &m).unwrap()).err_code,
        7000
    );
}

#[test]
fn service_disconnect_drops_registrations_and_fails_waiting_requests() {
    let (mut a, mut dm) = setup();
    assert!(send(&mut a, &mut dm, CTRL, &get("c-1", &["Device.Time."])).is_none());
    drain(&mut a);
    a.service_disconnected(S1);
    assert!(regs(&a).is_empty());
    let out = drain(&mut a);
    assert_eq!(out.len(), 1);
    assert_eq!(out[0].to, CTRL);
    assert_eq!(out[0].msg.header.as_ref().unwrap().msg_id, "c-1");
    assert!(
        matches!(out[0].msg.body.as_ref().and_then(|b| b.msg_body.as_ref()), Some(pb::body::MsgBody::Error(e)) if e.err_code == 7000)
    );
    // Now answered locally (7026: not in this Agent's Supported DM).
    let r = send(&mut a, &mut dm, CTRL, &get("t-1", &["Device.Time."])).unwrap();
    let Reply::Resp(RespType::GetResp(g)) = reply(r) else {
        panic!()
    };
    assert_eq!(g.req_path_results[0].err_code, 7026);
}
