//! The Agent as a USP Broker: Register/Deregister from USP Services (R-REG.*, R-DEREG.*) and
//! routing of requests for registered paths.

use usp_datamodel::{
    AccessControl, Agent, AgentConfig, FullAccess, Instant, MemoryDataModel, Outgoing, Permission,
    Perms, Role, Roles,
};
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
    setup_with(AgentConfig::default())
}

fn setup_with(cfg: AgentConfig) -> (Agent, MemoryDataModel) {
    let mut a = Agent::new(cfg);
    a.set_usp_service(S1, true).set_usp_service(S2, true);
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

#[test]
fn register_only_from_endpoints_marked_as_usp_services() {
    let (mut a, mut dm) = setup();
    // An outside Controller cannot take over part of the data model.
    let e = error(register(&mut a, &mut dm, CTRL, true, &["Device.Foo."]));
    assert_eq!(e.err_code, 7006);
    assert!(regs(&a).iter().all(|(_, s)| s == S1));
    assert!(!a.is_usp_service(CTRL) && a.is_usp_service(S2));
    // Unmarking a service drops its registrations.
    a.set_usp_service(S1, false);
    assert!(regs(&a).is_empty());
    assert_eq!(
        error(register(&mut a, &mut dm, S1, true, &["Device.Time."])).err_code,
        7006
    );
}

// ---- R-SEC.1 on forwarded requests ----------------------------------------------------

/// The body of a reply, whatever its msg_id.
fn body_of(m: pb::Msg) -> Reply {
    match m.body.and_then(|b| b.msg_body) {
        Some(pb::body::MsgBody::Response(r)) => Reply::Resp(r.resp_type.expect("resp_type")),
        Some(pb::body::MsgBody::Error(e)) => Reply::Err(e),
        _ => panic!("neither a response nor an error"),
    }
}

fn err_of(m: pb::Msg) -> pb::Error {
    match body_of(m) {
        Reply::Err(e) => e,
        Reply::Resp(r) => panic!("expected an Error, got {r:?}"),
    }
}

fn p(s: &str) -> Perms {
    Perms::parse(s).unwrap()
}

/// A role that may only read Device.DeviceInfo.
fn device_info_reader() -> Role {
    let r = p("r---");
    Role::new(vec![Permission::new(1, ["Device.DeviceInfo."]).with(
        r,
        r,
        r,
        Perms::NONE,
    )])
}

/// S2 serves Device.DeviceInfo.Location. and Device.Sensors.
fn broker() -> (Agent, MemoryDataModel) {
    let (mut a, mut dm) = setup();
    let r = reg_results(register(
        &mut a,
        &mut dm,
        S2,
        false,
        &["Device.DeviceInfo.Location.", "Device.Sensors."],
    ));
    assert!(r.iter().all(|(_, x)| x.is_ok()), "{r:?}");
    (a, dm)
}

fn send_as<A: AccessControl>(
    a: &mut Agent,
    dm: &mut MemoryDataModel,
    acl: &A,
    m: &pb::Msg,
) -> Option<pb::Msg> {
    a.handle(Instant::default(), dm, &mut Rec::default(), CTRL, acl, m)
}

fn set_msg(path: &str, param: &str, required: bool) -> pb::Msg {
    msg(
        "w-1",
        ReqType::Set(pb::Set {
            allow_partial: false,
            update_objs: vec![pb::set::UpdateObject {
                obj_path: path.into(),
                param_settings: vec![pb::set::UpdateParamSetting {
                    param: param.into(),
                    value: "x".into(),
                    required,
                }],
            }],
        }),
    )
}

fn add_msg(path: &str, partial: bool) -> pb::Msg {
    msg(
        "w-2",
        ReqType::Add(pb::Add {
            allow_partial: partial,
            create_objs: vec![pb::add::CreateObject {
                obj_path: path.into(),
                param_settings: vec![],
            }],
        }),
    )
}

fn delete_msg(path: &str, partial: bool) -> pb::Msg {
    msg(
        "w-3",
        ReqType::Delete(pb::Delete {
            allow_partial: partial,
            obj_paths: vec![path.into()],
        }),
    )
}

fn operate_msg(cmd: &str, send_resp: bool) -> pb::Msg {
    msg(
        "w-4",
        ReqType::Operate(pb::Operate {
            command: cmd.into(),
            send_resp,
            ..Default::default()
        }),
    )
}

fn service_reply(fwd: &pb::Msg, r: RespType) -> pb::Msg {
    pb::Msg {
        header: Some(pb::Header {
            msg_id: fwd.header.as_ref().unwrap().msg_id.clone(),
            msg_type: 2,
        }),
        body: Some(pb::Body {
            msg_body: Some(pb::body::MsgBody::Response(pb::Response {
                resp_type: Some(r),
            })),
        }),
    }
}

#[test]
fn r_sec_1_forwarded_writes_and_operate_are_refused_before_reaching_the_service() {
    let (mut a, mut dm) = broker();
    let role = device_info_reader();
    let writes = [
        set_msg("Device.DeviceInfo.Location.1.", "Source", true),
        add_msg("Device.DeviceInfo.Location.", false),
        delete_msg("Device.DeviceInfo.Location.1.", false),
        delete_msg("Device.Sensors.Sensor.*.", false),
        operate_msg("Device.Sensors.Calibrate()", true),
        operate_msg("Device.Sensors.Sensor.*.Reset()", false),
    ];
    for m in &writes {
        let r = send_as(&mut a, &mut dm, &role, m).expect("refused here");
        let e = err_of(r);
        // Set: a required setting denied fails with 7021, the denied setting 7006 (as the
        // local engine); the others 7006.
        if matches!(
            m.body.as_ref().unwrap().msg_body,
            Some(pb::body::MsgBody::Request(pb::Request {
                req_type: Some(ReqType::Set(_))
            }))
        ) {
            assert_eq!(e.err_code, 7021);
            assert_eq!(e.param_errs[0].err_code, 7006);
            assert_eq!(
                e.param_errs[0].param_path,
                "Device.DeviceInfo.Location.1.Source"
            );
        } else {
            assert_eq!(e.err_code, 7006, "{m:?}");
        }
        assert!(drain(&mut a).is_empty(), "{m:?} reached the service");
    }
    // A setting that is not required is left out with a 7006 parameter error, as locally;
    // nothing is left to forward.
    let r = send_as(
        &mut a,
        &mut dm,
        &role,
        &set_msg("Device.DeviceInfo.Location.1.", "Source", false),
    )
    .unwrap();
    let Reply::Resp(RespType::SetResp(s)) = body_of(r) else {
        panic!("not a SetResp")
    };
    use pb::set_resp::updated_object_result::operation_status::OperStatus;
    let Some(OperStatus::OperSuccess(ok)) = s.updated_obj_results[0]
        .oper_status
        .clone()
        .unwrap()
        .oper_status
    else {
        panic!()
    };
    assert_eq!(ok.updated_inst_results[0].param_errs[0].err_code, 7006);
    assert!(drain(&mut a).is_empty());
    // With allow_partial the denied Add is reported in the AddResp, still not forwarded.
    let r = send_as(
        &mut a,
        &mut dm,
        &role,
        &add_msg("Device.DeviceInfo.Location.", true),
    );
    let Reply::Resp(RespType::AddResp(ar)) = body_of(r.unwrap()) else {
        panic!("not an AddResp")
    };
    use pb::add_resp::created_object_result::operation_status::OperStatus as AddStatus;
    assert!(matches!(
        ar.created_obj_results[0].oper_status.clone().unwrap().oper_status,
        Some(AddStatus::OperFailure(f)) if f.err_code == 7006
    ));
    assert!(drain(&mut a).is_empty());
    // The same requests with full permissions do reach the service.
    for m in &writes {
        assert!(send_as(&mut a, &mut dm, &FullAccess, m).is_none());
        assert_eq!(drain(&mut a).len(), 1, "{m:?}");
    }
}

#[test]
fn r_sec_1_forwarded_search_writes_need_the_permission_on_every_instance() {
    let (mut a, mut dm) = broker();
    let all = Perms::ALL;
    // Sensors may be deleted, except sensor 2.
    let role = Role::new(vec![
        Permission::new(1, ["Device.Sensors."]).with(all, all, all, all),
        Permission::new(2, ["Device.Sensors.Sensor.2."]).with(all, all, p("r---"), all),
    ]);
    for (path, ok) in [
        ("Device.Sensors.Sensor.1.", true),
        ("Device.Sensors.Sensor.2.", false),
        ("Device.Sensors.Sensor.*.", false),
        ("Device.Sensors.Sensor.[Alias==\"a\"].", false),
    ] {
        let r = send_as(&mut a, &mut dm, &role, &delete_msg(path, false));
        assert_eq!(r.is_none(), ok, "{path}");
        if !ok {
            assert_eq!(err_of(r.unwrap()).err_code, 7006);
        }
        assert_eq!(drain(&mut a).len(), usize::from(ok));
    }
    // A search on a parameter the Controller cannot read matches nothing (R-GIN.0), so the
    // service never evaluates it.
    let secret = Role::new(vec![
        Permission::new(1, ["Device.Sensors."]).with(all, all, all, all),
        Permission::new(2, ["Device.Sensors.Sensor.*.Key"]).with(Perms::NONE, all, all, all),
    ]);
    let r = send_as(
        &mut a,
        &mut dm,
        &secret,
        &get("g", &["Device.Sensors.Sensor.[Key==\"k\"].Value"]),
    )
    .unwrap();
    let Reply::Resp(RespType::GetResp(g)) = body_of(r) else {
        panic!()
    };
    assert_eq!(g.req_path_results[0].err_code, 0);
    assert!(g.req_path_results[0].resolved_path_results.is_empty());
    assert!(drain(&mut a).is_empty());
}

#[test]
fn r_sec_1_forwarded_get_returns_only_readable_parameters() {
    let (mut a, mut dm) = broker();
    let all = Perms::ALL;
    // Reads Device.DeviceInfo. but not the Value of a Location.
    let role = Role::new(vec![
        Permission::new(1, ["Device.DeviceInfo."]).with(
            p("r---"),
            p("r---"),
            p("r---"),
            Perms::NONE,
        ),
        Permission::new(2, ["Device.DeviceInfo.Location.*.Value"]).with(Perms::NONE, all, all, all),
    ]);
    let req = get("c-7", &["Device.DeviceInfo.Location.", "Device.Sensors."]);
    assert!(send_as(&mut a, &mut dm, &role, &req).is_none());
    let out = drain(&mut a);
    assert_eq!(out.len(), 1);
    assert_eq!(out[0].to, S2);
    // Device.Sensors. is not readable: answered here (7026, R-GET.1), not forwarded.
    let ReqType::Get(fwd) = (match out[0].msg.body.clone().unwrap().msg_body.unwrap() {
        pb::body::MsgBody::Request(r) => r.req_type.unwrap(),
        _ => panic!(),
    }) else {
        panic!()
    };
    assert_eq!(fwd.param_paths, ["Device.DeviceInfo.Location."]);
    use pb::get_resp::{RequestedPathResult, ResolvedPathResult};
    let res = |path: &str, kv: &[(&str, &str)]| ResolvedPathResult {
        resolved_path: path.into(),
        result_params: kv
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
    };
    // The service answers everything it has, and (misbehaving) more than was asked.
    let resp = service_reply(
        &out[0].msg,
        RespType::GetResp(pb::GetResp {
            req_path_results: vec![RequestedPathResult {
                requested_path: "Device.DeviceInfo.Location.".into(),
                resolved_path_results: vec![
                    res(
                        "Device.DeviceInfo.Location.1.",
                        &[("Source", "GPS"), ("Value", "secret")],
                    ),
                    res("Device.DeviceInfo.Location.2.", &[("Value", "secret")]),
                    res("Device.Sensors.Sensor.1.", &[("Key", "k")]),
                ],
                ..Default::default()
            }],
        }),
    );
    assert!(send(&mut a, &mut dm, S2, &resp).is_none());
    let out = drain(&mut a);
    assert_eq!(out.len(), 1);
    assert_eq!(out[0].to, CTRL);
    let Reply::Resp(RespType::GetResp(g)) = body_of(out[0].msg.clone()) else {
        panic!()
    };
    assert_eq!(out[0].msg.header.as_ref().unwrap().msg_id, "c-7");
    assert_eq!(g.req_path_results.len(), 2);
    assert_eq!(
        g.req_path_results[0].resolved_path_results,
        [res("Device.DeviceInfo.Location.1.", &[("Source", "GPS")])]
    );
    assert_eq!(g.req_path_results[1].requested_path, "Device.Sensors.");
    assert_eq!(g.req_path_results[1].err_code, 7026);
}

#[test]
fn forwarded_operate_without_send_resp_waits_for_nothing() {
    let mut cfg = AgentConfig::default();
    cfg.set_max_pending(1);
    let (mut a, mut dm) = setup_with(cfg);
    reg_results(register(&mut a, &mut dm, S2, false, &["Device.Reboot()"]));
    for _ in 0..3 {
        assert!(
            send(
                &mut a,
                &mut dm,
                CTRL,
                &operate_msg("Device.Reboot()", false)
            )
            .is_none()
        );
        assert_eq!(drain(&mut a).len(), 1);
    }
    assert_eq!(a.poll_timeout(), None);
    // The one pending slot is still free.
    assert!(send(&mut a, &mut dm, CTRL, &get("g-1", &["Device.Time."])).is_none());
    assert_eq!(drain(&mut a).len(), 1);
    let e = err_of(send(&mut a, &mut dm, CTRL, &get("g-2", &["Device.Time."])).unwrap());
    assert_eq!(e.err_code, 7005);
}

#[test]
fn forwarded_requests_time_out_with_7003_and_free_their_slot() {
    let mut cfg = AgentConfig::default();
    cfg.set_max_pending(1).set_forward_timeout(2_000);
    let (mut a, mut dm) = setup_with(cfg);
    let t0 = Instant::from_millis(500);
    let h = |a: &mut Agent, dm: &mut MemoryDataModel, t, from: &str, m: &pb::Msg| {
        a.handle(t, dm, &mut Rec::default(), from, &FullAccess, m)
    };
    assert!(h(&mut a, &mut dm, t0, CTRL, &get("g-1", &["Device.Time."])).is_none());
    let fwd = drain(&mut a).remove(0).msg;
    assert_eq!(a.poll_timeout(), Some(Instant::from_millis(2_500)));
    a.handle_timeout(Instant::from_millis(2_499), &mut dm);
    assert!(drain(&mut a).is_empty());
    a.handle_timeout(Instant::from_millis(2_500), &mut dm);
    let out = drain(&mut a);
    assert_eq!(out.len(), 1);
    assert_eq!(out[0].to, CTRL);
    assert_eq!(out[0].msg.header.as_ref().unwrap().msg_id, "g-1");
    assert_eq!(err_of(out[0].msg.clone()).err_code, 7003);
    assert_eq!(a.poll_timeout(), None);
    // A late answer is dropped.
    let late = service_reply(&fwd, RespType::GetResp(pb::GetResp::default()));
    assert!(h(&mut a, &mut dm, Instant::from_millis(3_000), S1, &late).is_none());
    assert!(drain(&mut a).is_empty());
    // The slot is free again.
    assert!(
        h(
            &mut a,
            &mut dm,
            Instant::from_millis(3_000),
            CTRL,
            &get("g-2", &["Device.Time."])
        )
        .is_none()
    );
    assert_eq!(drain(&mut a).len(), 1);
}

fn forwarded(a: &mut Agent) -> pb::Msg {
    let out = drain(a);
    assert_eq!(out.len(), 1, "{out:?}");
    assert_eq!(out[0].to, S2);
    out[0].msg.clone()
}

fn answer(a: &mut Agent, dm: &mut MemoryDataModel, fwd: &pb::Msg, r: RespType) -> RespType {
    assert!(send(a, dm, S2, &service_reply(fwd, r)).is_none());
    let out = drain(a);
    assert_eq!(out.len(), 1);
    assert_eq!(out[0].to, CTRL);
    match body_of(out[0].msg.clone()) {
        Reply::Resp(r) => r,
        Reply::Err(e) => panic!("{e:?}"),
    }
}

#[test]
fn r_sec_1_forwarded_replies_show_only_what_the_controller_may_read() {
    use pb::delete_resp::deleted_object_result::operation_status::OperStatus as Del;
    use pb::set_resp::updated_object_result::operation_status::OperStatus as Set;
    let (mut a, mut dm) = broker();
    let all = Perms::ALL;
    // Everything on Device.Sensors. except: rows may be deleted but only row 1 seen; Key
    // write-only; Serial read-only.
    let role = Role::new(vec![
        Permission::new(1, ["Device.Sensors."]).with(all, all, p("-w--"), all),
        Permission::new(2, ["Device.Sensors.Sensor.1."]).with(all, all, all, all),
        Permission::new(3, ["Device.Sensors.Sensor.*.Key"]).with(p("-w--"), all, all, all),
        Permission::new(4, ["Device.Sensors.Sensor.*.Serial"]).with(p("r---"), all, all, all),
    ]);
    let kv = |kv: &[(&str, &str)]| -> std::collections::BTreeMap<String, String> {
        kv.iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    };
    // Set: R-SET.3, only readable values are echoed. With allow_partial, the object the
    // Controller may not write is answered here and merged in request order.
    let upd = |path: &str, param: &str| pb::set::UpdateObject {
        obj_path: path.into(),
        param_settings: vec![pb::set::UpdateParamSetting {
            param: param.into(),
            value: "v".into(),
            required: true,
        }],
    };
    let m = msg(
        "s",
        ReqType::Set(pb::Set {
            allow_partial: true,
            update_objs: vec![
                upd("Device.Sensors.Sensor.2.", "Serial"),
                upd("Device.Sensors.Sensor.1.", "Key"),
            ],
        }),
    );
    assert!(send_as(&mut a, &mut dm, &role, &m).is_none());
    let fwd = forwarded(&mut a);
    let Some(pb::body::MsgBody::Request(pb::Request {
        req_type: Some(ReqType::Set(s)),
    })) = fwd.body.clone().and_then(|b| b.msg_body)
    else {
        panic!()
    };
    assert_eq!(s.update_objs.len(), 1);
    assert_eq!(s.update_objs[0].obj_path, "Device.Sensors.Sensor.1.");
    let ok = pb::set_resp::UpdatedObjectResult {
        requested_path: "Device.Sensors.Sensor.1.".into(),
        oper_status: Some(pb::set_resp::updated_object_result::OperationStatus {
            oper_status: Some(Set::OperSuccess(
                pb::set_resp::updated_object_result::operation_status::OperationSuccess {
                    updated_inst_results: vec![pb::set_resp::UpdatedInstanceResult {
                        affected_path: "Device.Sensors.Sensor.1.".into(),
                        param_errs: vec![],
                        updated_params: kv(&[("Key", "v"), ("Name", "n")]),
                    }],
                },
            )),
        }),
    };
    let RespType::SetResp(r) = answer(
        &mut a,
        &mut dm,
        &fwd,
        RespType::SetResp(pb::SetResp {
            updated_obj_results: vec![ok],
        }),
    ) else {
        panic!()
    };
    let paths: Vec<_> = r
        .updated_obj_results
        .iter()
        .map(|o| o.requested_path.as_str())
        .collect();
    assert_eq!(
        paths,
        ["Device.Sensors.Sensor.2.", "Device.Sensors.Sensor.1."]
    );
    let st = |i: usize| {
        r.updated_obj_results[i]
            .oper_status
            .clone()
            .unwrap()
            .oper_status
    };
    assert!(matches!(st(0), Some(Set::OperFailure(f)) if f.err_code == 7021));
    let Some(Set::OperSuccess(s1)) = st(1) else {
        panic!()
    };
    assert_eq!(
        s1.updated_inst_results[0].updated_params,
        kv(&[("Name", "n")])
    );
    // Add: R-ADD.6, only readable unique keys.
    assert!(
        send_as(
            &mut a,
            &mut dm,
            &role,
            &add_msg("Device.Sensors.Sensor.", false)
        )
        .is_none()
    );
    let fwd = forwarded(&mut a);
    use pb::add_resp::created_object_result::operation_status::{
        OperStatus as Add, OperationSuccess,
    };
    let created = pb::add_resp::CreatedObjectResult {
        requested_path: "Device.Sensors.Sensor.".into(),
        oper_status: Some(pb::add_resp::created_object_result::OperationStatus {
            oper_status: Some(Add::OperSuccess(OperationSuccess {
                instantiated_path: "Device.Sensors.Sensor.3.".into(),
                param_errs: vec![],
                unique_keys: kv(&[("Key", "k"), ("Alias", "cpe-3")]),
            })),
        }),
    };
    let RespType::AddResp(r) = answer(
        &mut a,
        &mut dm,
        &fwd,
        RespType::AddResp(pb::AddResp {
            created_obj_results: vec![created],
        }),
    ) else {
        panic!()
    };
    let Some(Add::OperSuccess(s)) = r.created_obj_results[0]
        .oper_status
        .clone()
        .unwrap()
        .oper_status
    else {
        panic!()
    };
    assert_eq!(s.unique_keys, kv(&[("Alias", "cpe-3")]));
    // Delete: R-DEL.2, R-DEL.4, rows the Controller cannot read are not reported.
    assert!(
        send_as(
            &mut a,
            &mut dm,
            &role,
            &delete_msg("Device.Sensors.Sensor.*.", false)
        )
        .is_none()
    );
    let fwd = forwarded(&mut a);
    let deleted = pb::delete_resp::DeletedObjectResult {
        requested_path: "Device.Sensors.Sensor.*.".into(),
        oper_status: Some(pb::delete_resp::deleted_object_result::OperationStatus {
            oper_status: Some(Del::OperSuccess(
                pb::delete_resp::deleted_object_result::operation_status::OperationSuccess {
                    affected_paths: vec![
                        "Device.Sensors.Sensor.1.".into(),
                        "Device.Sensors.Sensor.2.".into(),
                    ],
                    unaffected_path_errs: vec![],
                },
            )),
        }),
    };
    let RespType::DeleteResp(r) = answer(
        &mut a,
        &mut dm,
        &fwd,
        RespType::DeleteResp(pb::DeleteResp {
            deleted_obj_results: vec![deleted],
        }),
    ) else {
        panic!()
    };
    let Some(Del::OperSuccess(s)) = r.deleted_obj_results[0]
        .oper_status
        .clone()
        .unwrap()
        .oper_status
    else {
        panic!()
    };
    assert_eq!(s.affected_paths, ["Device.Sensors.Sensor.1."]);
    // GetInstances: unreadable rows and keys are left out (R-GIN.0, R-GIN.1).
    let gi = msg(
        "gi",
        ReqType::GetInstances(pb::GetInstances {
            obj_paths: vec!["Device.Sensors.Sensor.".into()],
            first_level_only: true,
        }),
    );
    assert!(send_as(&mut a, &mut dm, &role, &gi).is_none());
    let fwd = forwarded(&mut a);
    use pb::get_instances_resp::{CurrInstance, RequestedPathResult};
    let inst = |p: &str| CurrInstance {
        instantiated_obj_path: p.into(),
        unique_keys: kv(&[("Key", "k"), ("Alias", "a")]),
    };
    let RespType::GetInstancesResp(r) = answer(
        &mut a,
        &mut dm,
        &fwd,
        RespType::GetInstancesResp(pb::GetInstancesResp {
            req_path_results: vec![RequestedPathResult {
                requested_path: "Device.Sensors.Sensor.".into(),
                curr_insts: vec![
                    inst("Device.Sensors.Sensor.1."),
                    inst("Device.Sensors.Sensor.2."),
                ],
                ..Default::default()
            }],
        }),
    ) else {
        panic!()
    };
    assert_eq!(
        r.req_path_results[0].curr_insts,
        [CurrInstance {
            instantiated_obj_path: "Device.Sensors.Sensor.1.".into(),
            unique_keys: kv(&[("Alias", "a")]),
        }]
    );
    // GetSupportedDM: unreadable parameters are left out (R-GSP.0).
    let gsdm = msg(
        "gs",
        ReqType::GetSupportedDm(pb::GetSupportedDm {
            obj_paths: vec!["Device.Sensors.".into()],
            return_params: true,
            ..Default::default()
        }),
    );
    assert!(send_as(&mut a, &mut dm, &role, &gsdm).is_none());
    let fwd = forwarded(&mut a);
    use pb::get_supported_dm_resp::{
        RequestedObjectResult, SupportedObjectResult, SupportedParamResult,
    };
    let param = |n: &str| SupportedParamResult {
        param_name: n.into(),
        ..Default::default()
    };
    let RespType::GetSupportedDmResp(r) = answer(
        &mut a,
        &mut dm,
        &fwd,
        RespType::GetSupportedDmResp(pb::GetSupportedDmResp {
            req_obj_results: vec![RequestedObjectResult {
                req_obj_path: "Device.Sensors.".into(),
                supported_objs: vec![SupportedObjectResult {
                    supported_obj_path: "Device.Sensors.Sensor.{i}.".into(),
                    supported_params: vec![param("Key"), param("Alias")],
                    ..Default::default()
                }],
                ..Default::default()
            }],
        }),
    ) else {
        panic!()
    };
    assert_eq!(
        r.req_obj_results[0].supported_objs[0].supported_params,
        [param("Alias")]
    );
}

// ---- Requests split across owners (USP 1.3 software modularization) -------------------

fn req_of(m: &pb::Msg) -> ReqType {
    match m.body.clone().and_then(|b| b.msg_body) {
        Some(pb::body::MsgBody::Request(r)) => r.req_type.expect("req_type"),
        other => panic!("not a request: {other:?}"),
    }
}

/// What went to each endpoint, in order: (to, message).
fn sent_to(out: &[Outgoing], to: &str) -> pb::Msg {
    let m: Vec<_> = out.iter().filter(|o| o.to == to).collect();
    assert_eq!(m.len(), 1, "{out:?}");
    m[0].msg.clone()
}

/// `svc` answers `fwd` with `r`; returns what the Broker then sends.
fn svc_answers(
    a: &mut Agent,
    dm: &mut MemoryDataModel,
    svc: &str,
    fwd: &pb::Msg,
    r: RespType,
) -> Vec<Outgoing> {
    assert!(send(a, dm, svc, &service_reply(fwd, r)).is_none());
    drain(a)
}

fn svc_fails(a: &mut Agent, dm: &mut MemoryDataModel, svc: &str, fwd: &pb::Msg, code: u32) {
    let e = pb::Msg {
        header: fwd.header.clone(),
        body: Some(pb::Body {
            msg_body: Some(pb::body::MsgBody::Error(pb::Error {
                err_code: code,
                err_msg: "no".into(),
                param_errs: vec![],
            })),
        }),
    };
    assert!(send(a, dm, svc, &e).is_none());
}

/// (resolved path, parameters) of a Get result.
type Resolved<'a> = (&'a str, &'a [(&'a str, &'a str)]);

fn get_resp(results: &[(&str, &[Resolved<'_>])]) -> RespType {
    use pb::get_resp::{RequestedPathResult, ResolvedPathResult};
    RespType::GetResp(pb::GetResp {
        req_path_results: results
            .iter()
            .map(|(req, res)| RequestedPathResult {
                requested_path: req.to_string(),
                resolved_path_results: res
                    .iter()
                    .map(|(p, kv)| ResolvedPathResult {
                        resolved_path: p.to_string(),
                        result_params: kv
                            .iter()
                            .map(|(k, v)| (k.to_string(), v.to_string()))
                            .collect(),
                    })
                    .collect(),
                ..Default::default()
            })
            .collect(),
    })
}

/// The merged reply to the Controller: exactly one message, with its msg_id.
fn merged(out: Vec<Outgoing>, id: &str) -> RespType {
    assert_eq!(out.len(), 1, "{out:?}");
    assert_eq!(out[0].to, CTRL);
    assert_eq!(out[0].msg.header.as_ref().unwrap().msg_id, id);
    match body_of(out[0].msg.clone()) {
        Reply::Resp(r) => r,
        Reply::Err(e) => panic!("{e:?}"),
    }
}

fn resolved(r: &pb::get_resp::RequestedPathResult) -> Vec<&str> {
    r.resolved_path_results
        .iter()
        .map(|x| x.resolved_path.as_str())
        .collect()
}

#[test]
fn split_get_merges_the_broker_part_and_each_service_part_in_request_order() {
    let (mut a, mut dm) = broker();
    // Device.DeviceInfo. is the Broker's, with Device.DeviceInfo.Location. (S2) below it;
    // Device.Time.LocalTime is S1's.
    let m = get(
        "c-1",
        &[
            "Device.DeviceInfo.",
            "Device.Time.LocalTime",
            "Device.IP.Interface.2.Name",
        ],
    );
    assert!(send(&mut a, &mut dm, CTRL, &m).is_none());
    let out = drain(&mut a);
    assert_eq!(out.len(), 2, "{out:?}");
    let (f1, f2) = (sent_to(&out, S1), sent_to(&out, S2));
    let ReqType::Get(g1) = req_of(&f1) else {
        panic!()
    };
    let ReqType::Get(g2) = req_of(&f2) else {
        panic!()
    };
    // Each service gets only its paths; S2 the registered path narrowed from the ancestor.
    assert_eq!(g1.param_paths, ["Device.Time.LocalTime"]);
    assert_eq!(g2.param_paths, ["Device.DeviceInfo.Location."]);
    assert_ne!(
        f1.header.as_ref().unwrap().msg_id,
        f2.header.as_ref().unwrap().msg_id
    );
    // S1 answers first: nothing goes to the Controller until every part is in.
    let t = get_resp(&[(
        "Device.Time.LocalTime",
        &[("Device.Time.", &[("LocalTime", "12:00")])],
    )]);
    assert!(svc_answers(&mut a, &mut dm, S1, &f1, t).is_empty());
    let loc = get_resp(&[(
        "Device.DeviceInfo.Location.",
        &[("Device.DeviceInfo.Location.1.", &[("Source", "GPS")])],
    )]);
    let RespType::GetResp(g) = merged(svc_answers(&mut a, &mut dm, S2, &f2, loc), "c-1") else {
        panic!()
    };
    let req: Vec<_> = g
        .req_path_results
        .iter()
        .map(|r| r.requested_path.as_str())
        .collect();
    assert_eq!(
        req,
        [
            "Device.DeviceInfo.",
            "Device.Time.LocalTime",
            "Device.IP.Interface.2.Name"
        ]
    );
    assert!(g.req_path_results.iter().all(|r| r.err_code == 0), "{g:?}");
    // One result for Device.DeviceInfo.: the Broker's objects, then S2's.
    let r0 = resolved(&g.req_path_results[0]);
    assert_eq!(r0.first(), Some(&"Device.DeviceInfo."));
    assert_eq!(r0.last(), Some(&"Device.DeviceInfo.Location.1."));
    assert!(r0.contains(&"Device.DeviceInfo.TemperatureStatus.TemperatureSensor.1."));
    assert_eq!(resolved(&g.req_path_results[1]), ["Device.Time."]);
    assert_eq!(
        g.req_path_results[2].resolved_path_results[0].result_params["Name"],
        "lo"
    );
    assert_eq!(a.forwarded_requests(), 0);
    assert_eq!(a.poll_timeout(), None);
}

#[test]
fn split_get_of_device_respects_max_depth_relative_to_the_requested_path() {
    let (mut a, mut dm) = broker();
    let m = msg(
        "c-2",
        ReqType::Get(pb::Get {
            param_paths: vec!["Device.".into()],
            max_depth: 2,
        }),
    );
    assert!(send(&mut a, &mut dm, CTRL, &m).is_none());
    let out = drain(&mut a);
    // Level 2: Device.Time. (S1) and Device.Sensors. (S2); Device.WiFi.DataElements. and
    // Device.DeviceInfo.Location. are level 3 and not asked for.
    let (f1, f2) = (sent_to(&out, S1), sent_to(&out, S2));
    let ReqType::Get(g1) = req_of(&f1) else {
        panic!()
    };
    let ReqType::Get(g2) = req_of(&f2) else {
        panic!()
    };
    assert_eq!(g1.param_paths, ["Device.Time."]);
    assert_eq!(g2.param_paths, ["Device.Sensors."]);
    assert_eq!(g2.max_depth, 2);
    assert!(
        svc_answers(
            &mut a,
            &mut dm,
            S1,
            &f1,
            get_resp(&[("Device.Time.", &[("Device.Time.", &[("Enable", "1")])])])
        )
        .is_empty()
    );
    // S2 answers two levels below its path: only what is within two levels of Device. stays.
    let s2 = get_resp(&[(
        "Device.Sensors.",
        &[
            ("Device.Sensors.", &[("SensorNumberOfEntries", "1")]),
            ("Device.Sensors.Sensor.1.", &[("Value", "3")]),
        ],
    )]);
    let RespType::GetResp(g) = merged(svc_answers(&mut a, &mut dm, S2, &f2, s2), "c-2") else {
        panic!()
    };
    assert_eq!(g.req_path_results.len(), 1);
    let r = resolved(&g.req_path_results[0]);
    assert!(r.contains(&"Device.DeviceInfo."), "{r:?}");
    assert!(
        r.contains(&"Device.Time.") && r.contains(&"Device.Sensors."),
        "{r:?}"
    );
    assert!(!r.contains(&"Device.Sensors.Sensor.1."), "{r:?}");
    // The Broker's own part kept max_depth too.
    assert!(
        !r.iter()
            .any(|p| p.starts_with("Device.IP.Interface.1.IPv4Address."))
    );
}

#[test]
fn split_get_a_path_fails_only_when_every_part_for_it_failed() {
    let (mut a, mut dm) = broker();
    reg_results(register(&mut a, &mut dm, S1, false, &["Device.Foo.Bar."]));
    // Device.Foo. is not in the Broker's model (7026 here) but Device.Foo.Bar. is S1's.
    let ask = |a: &mut Agent, dm: &mut MemoryDataModel, id: &str| {
        assert!(
            send(
                a,
                dm,
                CTRL,
                &get(id, &["Device.Foo.", "Device.DeviceInfo."])
            )
            .is_none()
        );
        let out = drain(a);
        (sent_to(&out, S1), sent_to(&out, S2))
    };
    let (f1, f2) = ask(&mut a, &mut dm, "c-3");
    assert_eq!(
        req_of(&f1),
        ReqType::Get(pb::Get {
            param_paths: vec!["Device.Foo.Bar.".into()],
            max_depth: 0
        })
    );
    let bar = get_resp(&[("Device.Foo.Bar.", &[("Device.Foo.Bar.", &[("X", "1")])])]);
    assert!(svc_answers(&mut a, &mut dm, S1, &f1, bar).is_empty());
    // S2 fails: Device.DeviceInfo. still has the Broker's part, without error.
    svc_fails(&mut a, &mut dm, S2, &f2, 7003);
    let RespType::GetResp(g) = merged(drain(&mut a), "c-3") else {
        panic!()
    };
    assert_eq!(g.req_path_results[0].err_code, 0);
    assert_eq!(resolved(&g.req_path_results[0]), ["Device.Foo.Bar."]);
    assert_eq!(g.req_path_results[1].err_code, 0);
    assert!(!g.req_path_results[1].resolved_path_results.is_empty());
    // Now S1 fails too: Device.Foo. has no part left and gets the first failure (the
    // Broker's 7026).
    let (f1, f2) = ask(&mut a, &mut dm, "c-4");
    svc_fails(&mut a, &mut dm, S1, &f1, 7003);
    assert!(drain(&mut a).is_empty());
    let RespType::GetResp(g) = merged(svc_answers(&mut a, &mut dm, S2, &f2, get_resp(&[])), "c-4")
    else {
        panic!()
    };
    assert_eq!(g.req_path_results[0].requested_path, "Device.Foo.");
    assert_eq!(g.req_path_results[0].err_code, 7026);
    // S2 answered without a result for its path: the Broker's part still stands.
    assert_eq!(g.req_path_results[1].err_code, 0);
}

#[test]
fn split_get_parts_time_out_and_disconnect_per_part() {
    let mut cfg = AgentConfig::default();
    cfg.set_forward_timeout(1_000);
    let (mut a, mut dm) = setup_with(cfg);
    reg_results(register(&mut a, &mut dm, S2, false, &["Device.Sensors."]));
    let h = |a: &mut Agent, dm: &mut MemoryDataModel, t: u64, m: &pb::Msg| {
        a.handle(
            Instant::from_millis(t),
            dm,
            &mut Rec::default(),
            CTRL,
            &FullAccess,
            m,
        )
    };
    let m = get(
        "c-5",
        &[
            "Device.Time.",
            "Device.Sensors.",
            "Device.DeviceInfo.SoftwareVersion",
        ],
    );
    assert!(h(&mut a, &mut dm, 0, &m).is_none());
    let out = drain(&mut a);
    let f2 = sent_to(&out, S2);
    assert_eq!(a.forwarded_requests(), 2);
    let s2 = get_resp(&[("Device.Sensors.", &[("Device.Sensors.", &[("N", "0")])])]);
    assert!(svc_answers(&mut a, &mut dm, S2, &f2, s2).is_empty());
    assert_eq!(a.poll_timeout(), Some(Instant::from_millis(1_000)));
    a.handle_timeout(Instant::from_millis(1_000), &mut dm);
    let RespType::GetResp(g) = merged(drain(&mut a), "c-5") else {
        panic!()
    };
    let codes: Vec<_> = g.req_path_results.iter().map(|r| r.err_code).collect();
    assert_eq!(codes, [7003, 0, 0]);
    assert_eq!(a.forwarded_requests(), 0);
    assert_eq!(a.poll_timeout(), None);
    // A disconnect fails that service's part with 7000; the rest is answered.
    assert!(h(&mut a, &mut dm, 2_000, &m).is_none());
    drain(&mut a);
    a.service_disconnected(S2);
    assert!(drain(&mut a).is_empty(), "S1's part is still waiting");
    a.service_disconnected(S1);
    let RespType::GetResp(g) = merged(drain(&mut a), "c-5") else {
        panic!()
    };
    let codes: Vec<_> = g.req_path_results.iter().map(|r| r.err_code).collect();
    assert_eq!(codes, [7000, 7000, 0]);
}

#[test]
fn split_get_applies_the_controllers_permissions_to_every_part() {
    let (mut a, mut dm) = broker();
    // Reads Device.DeviceInfo. only.
    let role = device_info_reader();
    let m = get(
        "c-6",
        &["Device.DeviceInfo.", "Device.Sensors.", "Device.Time."],
    );
    assert!(send_as(&mut a, &mut dm, &role, &m).is_none());
    let out = drain(&mut a);
    // Device.Sensors. and Device.Time. are not readable: answered here (7026), never sent.
    assert_eq!(out.len(), 1, "{out:?}");
    let f2 = sent_to(&out, S2);
    let ReqType::Get(g2) = req_of(&f2) else {
        panic!()
    };
    assert_eq!(g2.param_paths, ["Device.DeviceInfo.Location."]);
    // What S2 returns outside what the Controller may read is dropped.
    let s2 = get_resp(&[(
        "Device.DeviceInfo.Location.",
        &[
            ("Device.DeviceInfo.Location.1.", &[("Source", "GPS")]),
            ("Device.Sensors.Sensor.1.", &[("Key", "k")]),
        ],
    )]);
    let RespType::GetResp(g) = merged(svc_answers(&mut a, &mut dm, S2, &f2, s2), "c-6") else {
        panic!()
    };
    let r0 = resolved(&g.req_path_results[0]);
    assert!(r0.contains(&"Device.DeviceInfo.Location.1."));
    assert!(!r0.iter().any(|p| p.starts_with("Device.Sensors.")));
    assert_eq!(g.req_path_results[1].err_code, 7026);
    assert_eq!(g.req_path_results[2].err_code, 7026);
}

#[test]
fn split_get_supported_dm_lists_the_brokers_objects_and_each_services() {
    use pb::get_supported_dm_resp::{RequestedObjectResult, SupportedObjectResult};
    let (mut a, mut dm) = broker();
    let gsdm = |flo: bool| {
        msg(
            "c-7",
            ReqType::GetSupportedDm(pb::GetSupportedDm {
                obj_paths: vec!["Device.".into()],
                first_level_only: flo,
                return_params: true,
                ..Default::default()
            }),
        )
    };
    let obj = |p: &str| SupportedObjectResult {
        supported_obj_path: p.into(),
        supported_params: vec![pb::get_supported_dm_resp::SupportedParamResult {
            param_name: "P".into(),
            ..Default::default()
        }],
        ..Default::default()
    };
    let resp = |req: &str, uri: &str, objs: &[&str]| {
        RespType::GetSupportedDmResp(pb::GetSupportedDmResp {
            req_obj_results: vec![RequestedObjectResult {
                req_obj_path: req.into(),
                data_model_inst_uri: uri.into(),
                supported_objs: objs.iter().map(|p| obj(p)).collect(),
                ..Default::default()
            }],
        })
    };
    // first_level_only: only the registered paths one level below are asked.
    assert!(send(&mut a, &mut dm, CTRL, &gsdm(true)).is_none());
    let out = drain(&mut a);
    let (f1, f2) = (sent_to(&out, S1), sent_to(&out, S2));
    let ReqType::GetSupportedDm(g1) = req_of(&f1) else {
        panic!()
    };
    let ReqType::GetSupportedDm(g2) = req_of(&f2) else {
        panic!()
    };
    assert_eq!(g1.obj_paths, ["Device.Time."]);
    assert_eq!(g2.obj_paths, ["Device.Sensors."]);
    let r1 = resp(
        "Device.Time.",
        "urn:s1",
        &["Device.Time.", "Device.Time.Sub."],
    );
    assert!(svc_answers(&mut a, &mut dm, S1, &f1, r1).is_empty());
    let r2 = resp("Device.Sensors.", "urn:s2", &["Device.Sensors."]);
    let RespType::GetSupportedDmResp(g) = merged(svc_answers(&mut a, &mut dm, S2, &f2, r2), "c-7")
    else {
        panic!()
    };
    // One RequestedObjectResult per owner, each with its own data model URI.
    assert_eq!(g.req_obj_results.len(), 3);
    assert!(
        g.req_obj_results
            .iter()
            .all(|r| r.req_obj_path == "Device." && r.err_code == 0)
    );
    assert_eq!(g.req_obj_results[1].data_model_inst_uri, "urn:s1");
    assert_eq!(g.req_obj_results[2].data_model_inst_uri, "urn:s2");
    // A child under first_level_only: the object itself, without its parameters.
    assert_eq!(g.req_obj_results[1].supported_objs.len(), 1);
    assert_eq!(
        g.req_obj_results[1].supported_objs[0].supported_obj_path,
        "Device.Time."
    );
    assert!(
        g.req_obj_results[1].supported_objs[0]
            .supported_params
            .is_empty()
    );
    let local: Vec<_> = g.req_obj_results[0]
        .supported_objs
        .iter()
        .map(|o| o.supported_obj_path.as_str())
        .collect();
    assert!(local.contains(&"Device.DeviceInfo."), "{local:?}");
    // The whole tree: every registered object below Device.
    assert!(send(&mut a, &mut dm, CTRL, &gsdm(false)).is_none());
    let out = drain(&mut a);
    let (f1, f2) = (sent_to(&out, S1), sent_to(&out, S2));
    let ReqType::GetSupportedDm(g1) = req_of(&f1) else {
        panic!()
    };
    let ReqType::GetSupportedDm(g2) = req_of(&f2) else {
        panic!()
    };
    assert_eq!(g1.obj_paths, ["Device.WiFi.DataElements.", "Device.Time."]);
    assert_eq!(
        g2.obj_paths,
        ["Device.DeviceInfo.Location.", "Device.Sensors."]
    );
    let r1 = RespType::GetSupportedDmResp(pb::GetSupportedDmResp {
        req_obj_results: vec![
            RequestedObjectResult {
                req_obj_path: "Device.WiFi.DataElements.".into(),
                supported_objs: vec![obj("Device.WiFi.DataElements.")],
                ..Default::default()
            },
            RequestedObjectResult {
                req_obj_path: "Device.Time.".into(),
                supported_objs: vec![obj("Device.Time."), obj("Device.Time.Sub.")],
                ..Default::default()
            },
        ],
    });
    assert!(svc_answers(&mut a, &mut dm, S1, &f1, r1).is_empty());
    svc_fails(&mut a, &mut dm, S2, &f2, 7002);
    let RespType::GetSupportedDmResp(g) = merged(drain(&mut a), "c-7") else {
        panic!()
    };
    // S2 failed and is left out; S1's two registered paths, with all their objects.
    assert_eq!(g.req_obj_results.len(), 3);
    assert_eq!(g.req_obj_results[2].supported_objs.len(), 2);
    assert_eq!(
        g.req_obj_results[2].supported_objs[0]
            .supported_params
            .len(),
        1
    );
}

#[test]
fn split_get_instances_of_paths_with_different_owners() {
    use pb::get_instances_resp::{CurrInstance, RequestedPathResult};
    let (mut a, mut dm) = broker();
    let m = msg(
        "c-8",
        ReqType::GetInstances(pb::GetInstances {
            obj_paths: vec![
                "Device.Sensors.Sensor.".into(),
                "Device.IP.Interface.".into(),
            ],
            first_level_only: true,
        }),
    );
    assert!(send(&mut a, &mut dm, CTRL, &m).is_none());
    let f2 = forwarded(&mut a);
    let ReqType::GetInstances(g2) = req_of(&f2) else {
        panic!()
    };
    assert_eq!(g2.obj_paths, ["Device.Sensors.Sensor."]);
    assert!(g2.first_level_only);
    let r = RespType::GetInstancesResp(pb::GetInstancesResp {
        req_path_results: vec![RequestedPathResult {
            requested_path: "Device.Sensors.Sensor.".into(),
            curr_insts: vec![CurrInstance {
                instantiated_obj_path: "Device.Sensors.Sensor.1.".into(),
                ..Default::default()
            }],
            ..Default::default()
        }],
    });
    let RespType::GetInstancesResp(g) = merged(svc_answers(&mut a, &mut dm, S2, &f2, r), "c-8")
    else {
        panic!()
    };
    let insts = |i: usize| -> Vec<String> {
        g.req_path_results[i]
            .curr_insts
            .iter()
            .map(|c| c.instantiated_obj_path.clone())
            .collect()
    };
    assert_eq!(
        g.req_path_results[0].requested_path,
        "Device.Sensors.Sensor."
    );
    assert_eq!(insts(0), ["Device.Sensors.Sensor.1."]);
    assert_eq!(
        insts(1),
        [
            "Device.IP.Interface.1.",
            "Device.IP.Interface.2.",
            "Device.IP.Interface.3."
        ]
    );
}

fn upd(path: &str, param: &str, value: &str) -> pb::set::UpdateObject {
    pb::set::UpdateObject {
        obj_path: path.into(),
        param_settings: vec![pb::set::UpdateParamSetting {
            param: param.into(),
            value: value.into(),
            required: true,
        }],
    }
}

fn set_objs(id: &str, partial: bool, objs: Vec<pb::set::UpdateObject>) -> pb::Msg {
    msg(
        id,
        ReqType::Set(pb::Set {
            allow_partial: partial,
            update_objs: objs,
        }),
    )
}

fn enable_of(dm: &MemoryDataModel) -> String {
    use usp_datamodel::DataModel;
    dm.get("Device.IP.Interface.1.", "Enable")
        .map(|v| v.to_string())
        .unwrap_or_default()
}

#[test]
fn split_writes_without_allow_partial_are_refused_before_anything_changes() {
    let (mut a, mut dm) = broker();
    let before = enable_of(&dm);
    let mixed = [
        // The Broker and a USP Service.
        set_objs(
            "w-1",
            false,
            vec![
                upd("Device.IP.Interface.1.", "Enable", "false"),
                upd("Device.Sensors.Sensor.1.", "Name", "n"),
            ],
        ),
        // Two USP Services.
        msg(
            "w-2",
            ReqType::Add(pb::Add {
                allow_partial: false,
                create_objs: vec![
                    pb::add::CreateObject {
                        obj_path: "Device.Time.Server.".into(),
                        param_settings: vec![],
                    },
                    pb::add::CreateObject {
                        obj_path: "Device.Sensors.Sensor.".into(),
                        param_settings: vec![],
                    },
                ],
            }),
        ),
        msg(
            "w-3",
            ReqType::Delete(pb::Delete {
                allow_partial: false,
                obj_paths: vec![
                    "Device.IP.Interface.3.".into(),
                    "Device.Sensors.Sensor.1.".into(),
                ],
            }),
        ),
    ];
    for m in &mixed {
        let e = err_of(send(&mut a, &mut dm, CTRL, m).expect("refused at once"));
        // 7002 Request denied: atomicity across owners cannot be had.
        assert_eq!(e.err_code, 7002, "{m:?}");
        assert!(e.err_msg.contains("atomically"), "{}", e.err_msg);
        assert!(drain(&mut a).is_empty(), "{m:?} reached a service");
    }
    assert_eq!(enable_of(&dm), before);
    use usp_datamodel::DataModel;
    assert!(dm.get("Device.IP.Interface.3.", "Name").is_some());
    assert_eq!(a.forwarded_requests(), 0);
}

#[test]
fn split_set_with_allow_partial_merges_per_object_results_in_request_order() {
    use pb::set_resp::updated_object_result::operation_status::{OperStatus, OperationSuccess};
    use pb::set_resp::{UpdatedInstanceResult, UpdatedObjectResult};
    let (mut a, mut dm) = broker();
    let m = set_objs(
        "w-4",
        true,
        vec![
            upd("Device.Sensors.Sensor.1.", "Name", "n"),
            upd("Device.IP.Interface.1.", "Enable", "false"),
            upd("Device.Time.", "Enable", "true"),
            upd("Device.IP.Interface.99.", "Enable", "false"),
        ],
    );
    assert!(send(&mut a, &mut dm, CTRL, &m).is_none());
    // The Broker's part is applied at once.
    assert_eq!(enable_of(&dm), "false");
    let out = drain(&mut a);
    let (f1, f2) = (sent_to(&out, S1), sent_to(&out, S2));
    let ReqType::Set(s2) = req_of(&f2) else {
        panic!()
    };
    assert!(s2.allow_partial);
    assert_eq!(
        s2.update_objs,
        [upd("Device.Sensors.Sensor.1.", "Name", "n")]
    );
    let ok = |p: &str| UpdatedObjectResult {
        requested_path: p.into(),
        oper_status: Some(pb::set_resp::updated_object_result::OperationStatus {
            oper_status: Some(OperStatus::OperSuccess(OperationSuccess {
                updated_inst_results: vec![UpdatedInstanceResult {
                    affected_path: p.into(),
                    ..Default::default()
                }],
            })),
        }),
    };
    let r2 = RespType::SetResp(pb::SetResp {
        updated_obj_results: vec![ok("Device.Sensors.Sensor.1.")],
    });
    assert!(svc_answers(&mut a, &mut dm, S2, &f2, r2).is_empty());
    svc_fails(&mut a, &mut dm, S1, &f1, 7002);
    let RespType::SetResp(r) = merged(drain(&mut a), "w-4") else {
        panic!()
    };
    let got: Vec<(&str, Option<u32>)> = r
        .updated_obj_results
        .iter()
        .map(|o| {
            let code = match o
                .oper_status
                .as_ref()
                .unwrap()
                .oper_status
                .as_ref()
                .unwrap()
            {
                OperStatus::OperSuccess(_) => None,
                OperStatus::OperFailure(f) => Some(f.err_code),
            };
            (o.requested_path.as_str(), code)
        })
        .collect();
    assert_eq!(
        got,
        [
            ("Device.Sensors.Sensor.1.", None),
            ("Device.IP.Interface.1.", None),
            // S1's Error becomes the failure of its object.
            ("Device.Time.", Some(7002)),
            // The Broker's own failure, as its engine reports it.
            ("Device.IP.Interface.99.", Some(7016)),
        ]
    );
}

#[test]
fn split_add_and_delete_with_allow_partial() {
    use pb::add_resp::created_object_result::operation_status::OperStatus as Add;
    use pb::delete_resp::deleted_object_result::operation_status::OperStatus as Del;
    let (mut a, mut dm) = broker();
    let add = msg(
        "w-5",
        ReqType::Add(pb::Add {
            allow_partial: true,
            create_objs: ["Device.Time.Server.", "Device.Sensors.Sensor."]
                .iter()
                .map(|p| pb::add::CreateObject {
                    obj_path: p.to_string(),
                    param_settings: vec![],
                })
                .collect(),
        }),
    );
    assert!(send(&mut a, &mut dm, CTRL, &add).is_none());
    let out = drain(&mut a);
    let (f1, f2) = (sent_to(&out, S1), sent_to(&out, S2));
    let created = RespType::AddResp(pb::AddResp {
        created_obj_results: vec![pb::add_resp::CreatedObjectResult {
            requested_path: "Device.Sensors.Sensor.".into(),
            oper_status: Some(pb::add_resp::created_object_result::OperationStatus {
                oper_status: Some(Add::OperSuccess(
                    pb::add_resp::created_object_result::operation_status::OperationSuccess {
                        instantiated_path: "Device.Sensors.Sensor.4.".into(),
                        ..Default::default()
                    },
                )),
            }),
        }],
    });
    assert!(svc_answers(&mut a, &mut dm, S2, &f2, created).is_empty());
    svc_fails(&mut a, &mut dm, S1, &f1, 7019);
    let RespType::AddResp(r) = merged(drain(&mut a), "w-5") else {
        panic!()
    };
    assert_eq!(r.created_obj_results.len(), 2);
    assert!(matches!(
        r.created_obj_results[0].oper_status.clone().unwrap().oper_status,
        Some(Add::OperFailure(f)) if f.err_code == 7019
    ));
    assert!(matches!(
        r.created_obj_results[1].oper_status.clone().unwrap().oper_status,
        Some(Add::OperSuccess(s)) if s.instantiated_path == "Device.Sensors.Sensor.4."
    ));
    // Delete, by a Controller that may delete nothing: the Broker's part fails here, S2's
    // never reaches it (R-SEC.1), all in one DeleteResp.
    let del = msg(
        "w-6",
        ReqType::Delete(pb::Delete {
            allow_partial: true,
            obj_paths: vec![
                "Device.IP.Interface.3.".into(),
                "Device.Sensors.Sensor.1.".into(),
            ],
        }),
    );
    let r = send_as(&mut a, &mut dm, &device_info_reader(), &del).expect("answered here");
    assert!(drain(&mut a).is_empty());
    let Reply::Resp(RespType::DeleteResp(d)) = body_of(r) else {
        panic!()
    };
    assert_eq!(d.deleted_obj_results.len(), 2);
    assert_eq!(
        d.deleted_obj_results[1].requested_path,
        "Device.Sensors.Sensor.1."
    );
    for o in &d.deleted_obj_results {
        assert!(
            matches!(
                o.oper_status.clone().unwrap().oper_status,
                Some(Del::OperSuccess(ok)) if ok.affected_paths.is_empty()
            ) || matches!(
                o.oper_status.clone().unwrap().oper_status,
                Some(Del::OperFailure(_))
            )
        );
    }
    use usp_datamodel::DataModel;
    assert!(dm.get("Device.IP.Interface.3.", "Name").is_some());
}

#[test]
fn split_requests_are_bounded_in_services_and_pending_parts() {
    let mut cfg = AgentConfig::default();
    cfg.set_max_split_parts(1);
    let (mut a, mut dm) = setup_with(cfg);
    reg_results(register(&mut a, &mut dm, S2, false, &["Device.Sensors."]));
    let two = get("b-1", &["Device.Time.", "Device.Sensors."]);
    let e = err_of(send(&mut a, &mut dm, CTRL, &two).unwrap());
    assert_eq!(e.err_code, 7005);
    assert!(drain(&mut a).is_empty());
    // Device. reaches S1's and S2's registered paths: two services too.
    let e = err_of(send(&mut a, &mut dm, CTRL, &get("b-2", &["Device."])).unwrap());
    assert_eq!(e.err_code, 7005);
    assert!(drain(&mut a).is_empty());
    // The Broker and one service are within the bound.
    let one = get("b-3", &["Device.DeviceInfo.", "Device.Sensors."]);
    assert!(send(&mut a, &mut dm, CTRL, &one).is_none());
    assert_eq!(forwarded(&mut a).header.unwrap().msg_type, 1);
    // Pending: a split request needs one slot per service part.
    let mut cfg = AgentConfig::default();
    cfg.set_max_pending(1);
    let (mut a, mut dm) = setup_with(cfg);
    reg_results(register(&mut a, &mut dm, S2, false, &["Device.Sensors."]));
    let before = enable_of(&dm);
    let m = set_objs(
        "b-3",
        true,
        vec![
            upd("Device.IP.Interface.1.", "Enable", "false"),
            upd("Device.Time.", "Enable", "true"),
            upd("Device.Sensors.", "Enable", "true"),
        ],
    );
    let e = err_of(send(&mut a, &mut dm, CTRL, &m).unwrap());
    assert_eq!(e.err_code, 7005);
    assert!(drain(&mut a).is_empty());
    // Refused before the Broker's part was applied.
    assert_eq!(enable_of(&dm), before);
    assert_eq!(a.forwarded_requests(), 0);
}

#[test]
fn split_get_a_registered_parameter_joins_the_brokers_object() {
    let (mut a, mut dm) = setup();
    reg_results(register(
        &mut a,
        &mut dm,
        S2,
        false,
        &["Device.DeviceInfo.Extra"],
    ));
    let m = msg(
        "c-9",
        ReqType::Get(pb::Get {
            param_paths: vec!["Device.DeviceInfo.".into()],
            max_depth: 1,
        }),
    );
    assert!(send(&mut a, &mut dm, CTRL, &m).is_none());
    let f2 = forwarded(&mut a);
    let ReqType::Get(g2) = req_of(&f2) else {
        panic!()
    };
    assert_eq!(g2.param_paths, ["Device.DeviceInfo.Extra"]);
    let r = get_resp(&[(
        "Device.DeviceInfo.Extra",
        &[("Device.DeviceInfo.", &[("Extra", "e")])],
    )]);
    let RespType::GetResp(g) = merged(svc_answers(&mut a, &mut dm, S2, &f2, r), "c-9") else {
        panic!()
    };
    // max_depth 1: the object's own parameters only, the service's among them.
    let res = &g.req_path_results[0].resolved_path_results;
    assert_eq!(res.len(), 1, "{res:?}");
    assert_eq!(res[0].resolved_path, "Device.DeviceInfo.");
    assert_eq!(res[0].result_params["Extra"], "e");
    assert!(res[0].result_params.contains_key("SoftwareVersion"));
}

// ---- Subscriptions on service-owned paths: Notify relayed ------------------------------

fn add_sub(a: &mut Agent, dm: &mut MemoryDataModel, settings: &[(&str, &str)]) -> String {
    crate::notify::add_sub(a, dm, 0, settings)
}

fn notify_from(svc_sub: &str, send_resp: bool, path: &str, value: &str) -> pb::Msg {
    pb::Msg {
        header: Some(pb::Header {
            msg_id: "svc-n-1".into(),
            msg_type: pb::header::MsgType::Notify as i32,
        }),
        body: Some(pb::Body {
            msg_body: Some(pb::body::MsgBody::Request(pb::Request {
                req_type: Some(ReqType::Notify(pb::Notify {
                    subscription_id: svc_sub.into(),
                    send_resp,
                    notification: Some(pb::notify::Notification::ValueChange(
                        pb::notify::ValueChange {
                            param_path: path.into(),
                            param_value: value.into(),
                        },
                    )),
                })),
            })),
        }),
    }
}

/// The Broker's Add to `svc` creating the relayed Subscription: (its msg, ID, settings).
fn relayed_add(out: &[Outgoing], svc: &str) -> (pb::Msg, String, pb::add::CreateObject) {
    let m = sent_to(out, svc);
    let ReqType::Add(add) = req_of(&m) else {
        panic!("not an Add: {m:?}")
    };
    let co = add.create_objs[0].clone();
    assert_eq!(co.obj_path, "Device.LocalAgent.Subscription.");
    let id = co
        .param_settings
        .iter()
        .find(|p| p.param == "ID")
        .unwrap()
        .value
        .clone();
    (m, id, co)
}

fn added(at: &str) -> RespType {
    use pb::add_resp::created_object_result::operation_status::{OperStatus, OperationSuccess};
    RespType::AddResp(pb::AddResp {
        created_obj_results: vec![pb::add_resp::CreatedObjectResult {
            requested_path: "Device.LocalAgent.Subscription.".into(),
            oper_status: Some(pb::add_resp::created_object_result::OperationStatus {
                oper_status: Some(OperStatus::OperSuccess(OperationSuccess {
                    instantiated_path: at.into(),
                    ..Default::default()
                })),
            }),
        }],
    })
}

#[test]
fn subscriptions_on_service_paths_are_relayed_and_their_notify_reaches_the_controller() {
    let (mut a, mut dm) = broker();
    let row = add_sub(
        &mut a,
        &mut dm,
        &[
            ("Enable", "true"),
            ("ID", "mine"),
            ("NotifType", "ValueChange"),
            (
                "ReferenceList",
                "Device.IP.Interface.1.Enable,Device.Sensors.Sensor.1.Value",
            ),
            ("NotifRetry", "true"),
        ],
    );
    // The Broker subscribes on S2 for the part of the ReferenceList S2 owns.
    let out = drain(&mut a);
    let (add, svc_id, co) = relayed_add(&out, S2);
    let v = |p: &str| {
        co.param_settings
            .iter()
            .find(|s| s.param == p)
            .map(|s| s.value.clone())
    };
    assert_eq!(
        v("ReferenceList").as_deref(),
        Some("Device.Sensors.Sensor.1.Value")
    );
    assert_eq!(v("NotifType").as_deref(), Some("ValueChange"));
    assert_eq!(v("Enable").as_deref(), Some("true"));
    assert_ne!(svc_id, "mine");
    assert_eq!(a.relayed_subscriptions(), 1);
    assert!(
        svc_answers(
            &mut a,
            &mut dm,
            S2,
            &add,
            added("Device.LocalAgent.Subscription.4.")
        )
        .is_empty()
    );
    // S2 notifies: the Broker answers the NotifyResp itself and relays the Notify under the
    // Controller's subscription ID, retried as the Controller's row asks (NotifRetry).
    let n = notify_from(&svc_id, true, "Device.Sensors.Sensor.1.Value", "42");
    let r = send(&mut a, &mut dm, S2, &n).expect("NotifyResp");
    assert_eq!(r.header.as_ref().unwrap().msg_id, "svc-n-1");
    assert!(
        matches!(body_of(r), Reply::Resp(RespType::NotifyResp(x)) if x.subscription_id == svc_id)
    );
    let out = drain(&mut a);
    assert_eq!(out.len(), 1, "{out:?}");
    assert_eq!(out[0].to, CTRL);
    let ReqType::Notify(relayed) = req_of(&out[0].msg) else {
        panic!()
    };
    assert_eq!(relayed.subscription_id, "mine");
    assert!(relayed.send_resp);
    assert_eq!(relayed.notification, n_of(&n));
    assert_eq!(a.pending_notifications(), 1);
    // A Notify for a subscription the Broker does not hold is answered, not relayed; one
    // from an endpoint that is not the subscribed service is not taken either.
    assert!(
        send(
            &mut a,
            &mut dm,
            S2,
            &notify_from("other", true, "Device.Sensors.X", "1")
        )
        .is_some()
    );
    assert!(
        send(
            &mut a,
            &mut dm,
            S1,
            &notify_from(&svc_id, false, "Device.Sensors.X", "1")
        )
        .is_none()
    );
    assert!(drain(&mut a).is_empty());
    // The Controller deletes its row: the Broker deletes the service's.
    let del = msg(
        "d",
        ReqType::Delete(pb::Delete {
            allow_partial: false,
            obj_paths: vec![row],
        }),
    );
    assert!(send(&mut a, &mut dm, CTRL, &del).is_some());
    let out = drain(&mut a);
    let ReqType::Delete(d) = req_of(&sent_to(&out, S2)) else {
        panic!()
    };
    assert_eq!(d.obj_paths, ["Device.LocalAgent.Subscription.4."]);
    assert_eq!(a.relayed_subscriptions(), 0);
    // Now S2's Notify is answered but goes nowhere.
    assert!(
        send(
            &mut a,
            &mut dm,
            S2,
            &notify_from(&svc_id, false, "Device.Sensors.X", "1")
        )
        .is_none()
    );
    assert!(drain(&mut a).is_empty());
}

fn n_of(m: &pb::Msg) -> Option<pb::notify::Notification> {
    match req_of(m) {
        ReqType::Notify(n) => n.notification,
        _ => None,
    }
}

#[test]
fn relayed_notify_needs_the_controllers_notify_permission_and_ends_with_the_service() {
    let (mut a, mut dm) = broker();
    add_sub(
        &mut a,
        &mut dm,
        &[
            ("Enable", "true"),
            ("ID", "s"),
            ("NotifType", "ValueChange"),
            ("ReferenceList", "Device.Sensors.Sensor.1.Value"),
        ],
    );
    let (add, svc_id, _) = relayed_add(&drain(&mut a), S2);
    // The Controller may read the sensors but not be notified about them.
    let all = Perms::ALL;
    a.set_controller_roles(
        CTRL,
        Roles(vec![Role::new(vec![
            Permission::new(1, ["Device.Sensors."]).with(p("r---"), all, all, all),
        ])]),
    );
    svc_answers(
        &mut a,
        &mut dm,
        S2,
        &add,
        added("Device.LocalAgent.Subscription.1."),
    );
    let n = notify_from(&svc_id, false, "Device.Sensors.Sensor.1.Value", "1");
    assert!(send(&mut a, &mut dm, S2, &n).is_none());
    assert!(drain(&mut a).is_empty());
    a.remove_controller_roles(CTRL);
    assert!(send(&mut a, &mut dm, S2, &n).is_none());
    assert_eq!(drain(&mut a).len(), 1);
    // The service leaves: the relay goes with it (nothing to delete there).
    a.service_disconnected(S2);
    assert_eq!(a.relayed_subscriptions(), 0);
    assert!(drain(&mut a).is_empty());
    // It registers again: the Controller's row is relayed anew.
    a.set_usp_service(S2, true);
    reg_results(register(&mut a, &mut dm, S2, false, &["Device.Sensors."]));
    let (_, again, _) = relayed_add(&drain(&mut a), S2);
    assert_ne!(again, svc_id);
    assert_eq!(a.relayed_subscriptions(), 1);
}

#[test]
fn disabling_a_relayed_subscription_deletes_the_services_row_and_enabling_adds_it_again() {
    let (mut a, mut dm) = broker();
    let row = add_sub(
        &mut a,
        &mut dm,
        &[
            ("Enable", "true"),
            ("ID", "s"),
            ("NotifType", "Event"),
            ("ReferenceList", "Device.Sensors.Alarm!,Device.Time.Synced!"),
        ],
    );
    // One Subscription on each service, each with only its own paths.
    let out = drain(&mut a);
    let (add1, _, co1) = relayed_add(&out, S1);
    let (add2, id2, co2) = relayed_add(&out, S2);
    let refs = |co: &pb::add::CreateObject| {
        co.param_settings
            .iter()
            .find(|p| p.param == "ReferenceList")
            .unwrap()
            .value
            .clone()
    };
    assert_eq!(refs(&co1), "Device.Time.Synced!");
    assert_eq!(refs(&co2), "Device.Sensors.Alarm!");
    assert_eq!(a.relayed_subscriptions(), 2);
    svc_answers(
        &mut a,
        &mut dm,
        S2,
        &add2,
        added("Device.LocalAgent.Subscription.2."),
    );
    let set = |v: &str| set_objs("e", false, vec![upd(&row, "Enable", v)]);
    assert!(send(&mut a, &mut dm, CTRL, &set("false")).is_some());
    // S2's row is deleted; S1 never answered its Add, so there is nothing to delete yet...
    let out = drain(&mut a);
    assert_eq!(out.len(), 1, "{out:?}");
    let ReqType::Delete(d) = req_of(&sent_to(&out, S2)) else {
        panic!()
    };
    assert_eq!(d.obj_paths, ["Device.LocalAgent.Subscription.2."]);
    assert_eq!(a.relayed_subscriptions(), 0);
    // ...until its late AddResp comes: the row it created is deleted at once.
    assert!(
        send(
            &mut a,
            &mut dm,
            S1,
            &service_reply(&add1, added("Device.LocalAgent.Subscription.9."))
        )
        .is_none()
    );
    let ReqType::Delete(d) = req_of(&sent_to(&drain(&mut a), S1)) else {
        panic!()
    };
    assert_eq!(d.obj_paths, ["Device.LocalAgent.Subscription.9."]);
    // Enabled again: new Subscriptions with new IDs.
    assert!(send(&mut a, &mut dm, CTRL, &set("true")).is_some());
    let out = drain(&mut a);
    assert_eq!(out.len(), 2);
    assert_ne!(relayed_add(&out, S2).1, id2);
}
