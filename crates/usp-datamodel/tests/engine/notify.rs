//! Subscriptions and Notify through the stateful Agent (R-NOT.*, §5.4).

use std::collections::BTreeMap;

use usp_datamodel::{
    Agent, AgentConfig, DataModel, FullAccess, Instant, MemoryDataModel, Outgoing, retry_window,
};
use usp_msg::pb;
use usp_msg::pb::notify::Notification;
use usp_msg::pb::request::ReqType;

use crate::common::{msg, set_one, value};
use crate::operate::{CTRL, Rec, op_model, operate};

pub(crate) fn add_sub(
    a: &mut Agent,
    dm: &mut MemoryDataModel,
    now: u64,
    settings: &[(&str, &str)],
) -> String {
    try_add_sub(a, dm, now, CTRL, settings).unwrap_or_else(|code| panic!("Add failed: {code}"))
}

/// Adds a subscription as Controller `from`: the instantiated path, or the failure's code.
fn try_add_sub(
    a: &mut Agent,
    dm: &mut MemoryDataModel,
    now: u64,
    from: &str,
    settings: &[(&str, &str)],
) -> Result<String, u32> {
    use pb::add_resp::created_object_result::operation_status::OperStatus;
    let rt = ReqType::Add(pb::Add {
        allow_partial: true,
        create_objs: vec![pb::add::CreateObject {
            obj_path: "Device.LocalAgent.Subscription.".into(),
            param_settings: settings
                .iter()
                .map(|(k, v)| pb::add::CreateParamSetting {
                    param: k.to_string(),
                    value: v.to_string(),
                    required: true,
                })
                .collect(),
        }],
    });
    let r = a
        .handle(
            Instant::from_millis(now),
            dm,
            &mut Rec::default(),
            from,
            &FullAccess,
            &msg("sub", rt),
        )
        .expect("AddResp");
    let Some(pb::body::MsgBody::Response(pb::Response {
        resp_type: Some(pb::response::RespType::AddResp(r)),
    })) = r.body.clone().and_then(|b| b.msg_body)
    else {
        panic!("not an AddResp: {r:?}")
    };
    match r.created_obj_results[0]
        .clone()
        .oper_status
        .and_then(|s| s.oper_status)
    {
        Some(OperStatus::OperSuccess(s)) => Ok(s.instantiated_path),
        Some(OperStatus::OperFailure(f)) => Err(f.err_code),
        None => panic!("no oper_status"),
    }
}

pub(crate) fn req(
    a: &mut Agent,
    dm: &mut MemoryDataModel,
    now: u64,
    rt: ReqType,
) -> Option<pb::Msg> {
    a.handle(
        Instant::from_millis(now),
        dm,
        &mut Rec::default(),
        CTRL,
        &FullAccess,
        &msg("r", rt),
    )
}

fn add_iface(a: &mut Agent, dm: &mut MemoryDataModel, now: u64, name: &str) {
    let rt = ReqType::Add(pb::Add {
        allow_partial: false,
        create_objs: vec![pb::add::CreateObject {
            obj_path: "Device.IP.Interface.".into(),
            param_settings: vec![pb::add::CreateParamSetting {
                param: "Name".into(),
                value: name.into(),
                required: true,
            }],
        }],
    });
    req(a, dm, now, rt).unwrap();
}

pub(crate) fn drain(a: &mut Agent) -> Vec<Outgoing> {
    core::iter::from_fn(|| a.poll_transmit()).collect()
}

pub(crate) fn notify(o: &Outgoing) -> (&str, &pb::Notify) {
    let id = o.msg.header.as_ref().unwrap().msg_id.as_str();
    match o.msg.body.as_ref().and_then(|b| b.msg_body.as_ref()) {
        Some(pb::body::MsgBody::Request(pb::Request {
            req_type: Some(ReqType::Notify(n)),
        })) => (id, n),
        _ => panic!("not a Notify"),
    }
}

fn notify_resp(a: &mut Agent, dm: &mut MemoryDataModel, now: u64, id: &str, sub_id: &str) {
    let m = pb::Msg {
        header: Some(pb::Header {
            msg_id: id.into(),
            msg_type: pb::header::MsgType::NotifyResp as i32,
        }),
        body: Some(pb::Body {
            msg_body: Some(pb::body::MsgBody::Response(pb::Response {
                resp_type: Some(pb::response::RespType::NotifyResp(pb::NotifyResp {
                    subscription_id: sub_id.into(),
                })),
            })),
        }),
    };
    assert!(
        a.handle(
            Instant::from_millis(now),
            dm,
            &mut Rec::default(),
            CTRL,
            &FullAccess,
            &m
        )
        .is_none()
    );
}

fn setup() -> (Agent, MemoryDataModel) {
    let mut a = Agent::new(AgentConfig::default());
    let mut dm = op_model();
    a.boot(Instant::default(), &mut dm);
    (a, dm)
}

#[test]
fn scenario_subscribe_add_object_creation_notify_resp() {
    let (mut a, mut dm) = setup();
    let row = add_sub(
        &mut a,
        &mut dm,
        0,
        &[
            ("Enable", "true"),
            ("ID", "oc-1"),
            ("NotifType", "ObjectCreation"),
            ("ReferenceList", "Device.IP.Interface."),
            ("NotifRetry", "true"),
        ],
    );
    // R-NOT.0: Recipient is the creating Controller.
    assert_eq!(
        value(&dm, &row, "Recipient").as_deref(),
        Some("Device.LocalAgent.Controller.1")
    );
    assert!(
        drain(&mut a).is_empty(),
        "creating the subscription notifies nothing"
    );
    add_iface(&mut a, &mut dm, 10, "eth9");
    let out = drain(&mut a);
    assert_eq!(out.len(), 1);
    assert_eq!(out[0].to, CTRL);
    let (id, n) = notify(&out[0]);
    // R-NOT.7: subscription_id is the Subscription's ID; send_resp is NotifRetry.
    assert_eq!(n.subscription_id, "oc-1");
    assert!(n.send_resp);
    let Some(Notification::ObjCreation(c)) = &n.notification else {
        panic!("{n:?}")
    };
    assert_eq!(c.obj_path, "Device.IP.Interface.4.");
    assert_eq!(c.unique_keys["Name"], "eth9");
    assert!(c.unique_keys.contains_key("Alias"));
    assert_eq!(a.pending_notifications(), 1);
    let id = id.to_string();
    // R-NOT.9: a wrong subscription_id still counts; matched on msg_id.
    notify_resp(&mut a, &mut dm, 20, &id, "something-else");
    assert_eq!(a.pending_notifications(), 0);
    assert_eq!(a.poll_timeout(), None);
}

#[test]
fn r_not_8_unsolicited_notify_resp_is_dropped() {
    let (mut a, mut dm) = setup();
    notify_resp(&mut a, &mut dm, 0, "nope", "");
    assert!(drain(&mut a).is_empty());
}

#[test]
fn disabled_subscription_is_not_processed() {
    let (mut a, mut dm) = setup();
    add_sub(
        &mut a,
        &mut dm,
        0,
        &[
            ("ID", "x"),
            ("NotifType", "ObjectCreation"),
            ("ReferenceList", "Device.IP.Interface."),
        ],
    );
    add_iface(&mut a, &mut dm, 1, "eth9");
    assert!(drain(&mut a).is_empty());
}

#[test]
fn object_deletion_also_for_children_of_a_deleted_parent() {
    let (mut a, mut dm) = setup();
    add_sub(
        &mut a,
        &mut dm,
        0,
        &[
            ("Enable", "true"),
            ("ID", "od"),
            ("NotifType", "ObjectDeletion"),
            (
                "ReferenceList",
                "Device.IP.Interface.*.IPv4Address.*.,Device.IP.Interface.1.",
            ),
        ],
    );
    let rt = ReqType::Delete(pb::Delete {
        allow_partial: false,
        obj_paths: vec!["Device.IP.Interface.1.".into()],
    });
    req(&mut a, &mut dm, 1, rt).unwrap();
    let mut got: Vec<String> = drain(&mut a)
        .iter()
        .map(|o| match &notify(o).1.notification {
            Some(Notification::ObjDeletion(d)) => d.obj_path.clone(),
            n => panic!("{n:?}"),
        })
        .collect();
    got.sort();
    assert_eq!(
        got,
        [
            "Device.IP.Interface.1.",
            "Device.IP.Interface.1.IPv4Address.1.",
            "Device.IP.Interface.1.IPv4Address.2.",
        ]
    );
}

#[test]
fn value_change_from_set_from_integrator_and_by_polling() {
    let (mut a, mut dm) = setup();
    add_sub(
        &mut a,
        &mut dm,
        0,
        &[
            ("Enable", "true"),
            ("ID", "vc"),
            ("NotifType", "ValueChange"),
            (
                "ReferenceList",
                "Device.IP.Interface.*.Enable,Device.IP.Interface.1.Stats.",
            ),
        ],
    );
    // The subscriber's own Set notifies too (§5.4).
    let rt = set_one("Device.IP.Interface.3.", "Enable", "true");
    req(&mut a, &mut dm, 1, rt).unwrap();
    let out = drain(&mut a);
    assert_eq!(out.len(), 1);
    let Some(Notification::ValueChange(v)) = &notify(&out[0]).1.notification else {
        panic!()
    };
    assert_eq!(
        (v.param_path.as_str(), v.param_value.as_str()),
        ("Device.IP.Interface.3.Enable", "true")
    );
    assert!(!notify(&out[0]).1.send_resp);
    assert_eq!(a.pending_notifications(), 0);
    // Explicit input from the integrator.
    dm.set_value("Device.IP.Interface.1.Stats.", "ErrorsSent", "4")
        .unwrap();
    a.value_changed(
        Instant::from_millis(2),
        &mut dm,
        "Device.IP.Interface.1.Stats.",
        "ErrorsSent",
    );
    let out = drain(&mut a);
    assert_eq!(out.len(), 1);
    // Already reported: polling finds nothing new.
    a.poll_changes(Instant::from_millis(3), &mut dm);
    assert!(drain(&mut a).is_empty());
    // Found by polling.
    dm.set_value("Device.IP.Interface.1.Stats.", "ErrorsSent", "5")
        .unwrap();
    dm.set_value("Device.IP.Interface.2.", "Name", "lo9")
        .unwrap();
    a.poll_changes(Instant::from_millis(4), &mut dm);
    let out = drain(&mut a);
    assert_eq!(out.len(), 1);
    let Some(Notification::ValueChange(v)) = &notify(&out[0]).1.notification else {
        panic!()
    };
    assert_eq!(
        (v.param_path.as_str(), v.param_value.as_str()),
        ("Device.IP.Interface.1.Stats.ErrorsSent", "5")
    );
}

#[test]
fn scenario_async_operate_operation_complete() {
    let (mut a, mut dm) = setup();
    add_sub(
        &mut a,
        &mut dm,
        0,
        &[
            ("Enable", "true"),
            ("ID", "op"),
            ("NotifType", "OperationComplete"),
            ("ReferenceList", "Device.Download()"),
        ],
    );
    let mut c = Rec::default();
    let m = msg(
        "o",
        operate("Device.Download()", "key-7", true, &[("URL", "u")]),
    );
    a.handle(
        Instant::from_millis(1),
        &mut dm,
        &mut c,
        CTRL,
        &FullAccess,
        &m,
    )
    .unwrap();
    assert!(drain(&mut a).is_empty());
    let mut out = BTreeMap::new();
    out.insert("Size".to_string(), "42".to_string());
    a.complete_operation(Instant::from_millis(9), &mut dm, c.started[0].0, Ok(out))
        .unwrap();
    let out = drain(&mut a);
    assert_eq!(out.len(), 1);
    let Some(Notification::OperComplete(o)) = &notify(&out[0]).1.notification else {
        panic!()
    };
    assert_eq!(o.obj_path, "Device.");
    assert_eq!(o.command_name, "Download()");
    assert_eq!(o.command_key, "key-7");
    use pb::notify::operation_complete::OperationResp;
    let Some(OperationResp::ReqOutputArgs(args)) = &o.operation_resp else {
        panic!()
    };
    assert_eq!(args.output_args["Size"], "42");
}

#[test]
fn operation_complete_object_reference_and_failure() {
    let (mut a, mut dm) = setup();
    add_sub(
        &mut a,
        &mut dm,
        0,
        &[
            ("Enable", "true"),
            ("ID", "all"),
            ("NotifType", "OperationComplete"),
            ("ReferenceList", "Device."),
        ],
    );
    add_sub(
        &mut a,
        &mut dm,
        0,
        &[
            ("Enable", "true"),
            ("ID", "other"),
            ("NotifType", "OperationComplete"),
            ("ReferenceList", "Device.Reboot()"),
        ],
    );
    let mut c = Rec {
        cancelable: true,
        ..Rec::default()
    };
    let m = msg(
        "o",
        operate("Device.Download()", "k", true, &[("URL", "u")]),
    );
    a.handle(
        Instant::from_millis(1),
        &mut dm,
        &mut c,
        CTRL,
        &FullAccess,
        &m,
    )
    .unwrap();
    let m = msg(
        "c",
        operate("Device.LocalAgent.Request.1.Cancel()", "", true, &[]),
    );
    a.handle(
        Instant::from_millis(2),
        &mut dm,
        &mut c,
        CTRL,
        &FullAccess,
        &m,
    )
    .unwrap();
    let out = drain(&mut a);
    assert_eq!(out.len(), 1);
    let n = notify(&out[0]).1;
    assert_eq!(n.subscription_id, "all");
    let Some(Notification::OperComplete(o)) = &n.notification else {
        panic!()
    };
    use pb::notify::operation_complete::OperationResp;
    let Some(OperationResp::CmdFailure(f)) = &o.operation_resp else {
        panic!()
    };
    assert_eq!(f.err_code, 7023);
}

#[test]
fn event_notification_by_event_path_and_object() {
    let (mut a, mut dm) = setup();
    add_sub(
        &mut a,
        &mut dm,
        0,
        &[
            ("Enable", "true"),
            ("ID", "ev"),
            ("NotifType", "Event"),
            ("ReferenceList", "Device.Boot!"),
        ],
    );
    add_sub(
        &mut a,
        &mut dm,
        0,
        &[
            ("Enable", "true"),
            ("ID", "ev2"),
            ("NotifType", "Event"),
            ("ReferenceList", "Device.IP."),
        ],
    );
    let mut args = BTreeMap::new();
    args.insert("Cause".to_string(), "LocalReboot".to_string());
    a.event(Instant::from_millis(5), &mut dm, "Device.", "Boot!", args);
    let out = drain(&mut a);
    assert_eq!(out.len(), 1);
    let n = notify(&out[0]).1;
    assert_eq!(n.subscription_id, "ev");
    let Some(Notification::Event(e)) = &n.notification else {
        panic!()
    };
    assert_eq!(
        (e.obj_path.as_str(), e.event_name.as_str()),
        ("Device.", "Boot!")
    );
    assert_eq!(e.params["Cause"], "LocalReboot");
}

#[test]
fn r_not_1_r_not_2_retry_until_notif_expiration() {
    let (mut a, mut dm) = setup();
    add_sub(
        &mut a,
        &mut dm,
        0,
        &[
            ("Enable", "true"),
            ("ID", "r"),
            ("NotifType", "ObjectCreation"),
            ("ReferenceList", "Device.IP.Interface."),
            ("NotifRetry", "true"),
            ("NotifExpiration", "100"),
        ],
    );
    add_iface(&mut a, &mut dm, 0, "e1");
    let first = drain(&mut a);
    assert_eq!(first.len(), 1);
    let mut now = 0;
    let mut sends = vec![0u64];
    let mut prev = 0;
    for n in 1..=20u32 {
        let Some(t) = a.poll_timeout() else { break };
        let t = t.as_millis();
        assert!(t >= now);
        now = t;
        a.handle_timeout(Instant::from_millis(now), &mut dm);
        let out = drain(&mut a);
        if out.is_empty() {
            break;
        }
        // The same message is resent (same msg_id).
        assert_eq!(out[0].msg, first[0].msg);
        let (lo, hi) = retry_window(5, 2000, n);
        assert!(
            (lo..=hi).contains(&(now - prev)),
            "retry {n}: waited {} not in {lo}..={hi}",
            now - prev
        );
        prev = now;
        sends.push(now);
    }
    // 5–10 s, then 10–20 s, then 20–40 s, then 40–80 s: at most 4 retries fit in 100 s.
    assert!(sends.len() >= 3 && sends.len() <= 5, "{sends:?}");
    assert!(*sends.last().unwrap() < 100_000);
    assert_eq!(a.pending_notifications(), 0);
    assert_eq!(a.poll_timeout(), None);
}

#[test]
fn r_not_6a_onboard_request_retries_until_notify_resp() {
    let (mut a, dm) = setup();
    let mut dm = dm;
    a.send_onboard_request(Instant::default(), &dm, CTRL, "00D09E", "Demo", "S1");
    let out = drain(&mut a);
    let (id, n) = notify(&out[0]);
    let id = id.to_string();
    assert_eq!(n.subscription_id, "");
    assert!(n.send_resp);
    let Some(Notification::OnBoardReq(o)) = &n.notification else {
        panic!()
    };
    assert_eq!(o.agent_supported_protocol_versions, "1.0,1.1,1.2,1.3,1.4");
    // Far beyond any expiry: still retried.
    let mut now = 0;
    for _ in 0..30 {
        now = a.poll_timeout().unwrap().as_millis();
        a.handle_timeout(Instant::from_millis(now), &mut dm);
        assert_eq!(drain(&mut a).len(), 1);
    }
    assert!(now > 12 * 3600 * 1000, "{now}");
    notify_resp(&mut a, &mut dm, now, &id, "");
    assert_eq!(a.poll_timeout(), None);
}

#[test]
fn time_to_live_deletes_the_subscription() {
    let (mut a, mut dm) = setup();
    let row = add_sub(
        &mut a,
        &mut dm,
        1_000,
        &[
            ("Enable", "true"),
            ("ID", "ttl"),
            ("NotifType", "Event"),
            ("ReferenceList", "Device."),
            ("TimeToLive", "30"),
        ],
    );
    assert_eq!(a.poll_timeout(), Some(Instant::from_millis(31_000)));
    a.handle_timeout(Instant::from_millis(30_999), &mut dm);
    assert!(dm.get(&row, "ID").is_some());
    a.handle_timeout(Instant::from_millis(31_000), &mut dm);
    assert!(dm.get(&row, "ID").is_none());
    assert_eq!(a.poll_timeout(), None);
}

#[test]
fn deleting_the_recipient_controller_deletes_its_subscriptions() {
    let (mut a, mut dm) = setup();
    let row = add_sub(
        &mut a,
        &mut dm,
        0,
        &[
            ("Enable", "true"),
            ("ID", "s"),
            ("NotifType", "Event"),
            ("ReferenceList", "Device."),
        ],
    );
    let rt = ReqType::Delete(pb::Delete {
        allow_partial: false,
        obj_paths: vec!["Device.LocalAgent.Controller.1.".into()],
    });
    req(&mut a, &mut dm, 1, rt).unwrap();
    assert!(dm.get(&row, "ID").is_none());
}

#[test]
fn boot_keeps_only_persistent_subscriptions_r_not_4() {
    let (mut a, mut dm) = setup();
    let keep = add_sub(
        &mut a,
        &mut dm,
        0,
        &[
            ("Enable", "true"),
            ("ID", "p"),
            ("NotifType", "Event"),
            ("ReferenceList", "Device."),
            ("Persistent", "true"),
        ],
    );
    let gone = add_sub(
        &mut a,
        &mut dm,
        0,
        &[
            ("Enable", "true"),
            ("ID", "np"),
            ("NotifType", "Event"),
            ("ReferenceList", "Device."),
        ],
    );
    let mut b = Agent::new(AgentConfig::default());
    b.boot(Instant::default(), &mut dm);
    assert!(dm.get(&keep, "ID").is_some());
    assert!(dm.get(&gone, "ID").is_none());
    // R-NOT.4: nothing pending after a restart.
    assert_eq!(b.pending_notifications(), 0);
}

fn set_refs(a: &mut Agent, dm: &mut MemoryDataModel, row: &str, refs: &str) -> pb::Msg {
    let rt = set_one(row, "ReferenceList", refs);
    req(a, dm, 1, rt).unwrap()
}

#[test]
fn setting_an_empty_reference_list_takes_a_baseline() {
    let (mut a, mut dm) = setup();
    let row = add_sub(
        &mut a,
        &mut dm,
        0,
        &[
            ("Enable", "true"),
            ("ID", "c"),
            ("NotifType", "ObjectCreation"),
        ],
    );
    let r = set_refs(&mut a, &mut dm, &row, "Device.IP.Interface.");
    assert!(matches!(
        r.body.and_then(|b| b.msg_body),
        Some(pb::body::MsgBody::Response(_))
    ));
    assert!(drain(&mut a).is_empty());
    add_iface(&mut a, &mut dm, 2, "x");
    assert_eq!(drain(&mut a).len(), 1);
}

#[test]
fn r_not_0_non_empty_reference_list_is_immutable() {
    let (mut a, mut dm) = setup();
    let row = add_sub(
        &mut a,
        &mut dm,
        0,
        &[
            ("Enable", "true"),
            ("ID", "c"),
            ("NotifType", "ObjectCreation"),
            ("ReferenceList", "Device.IP.Interface.1.IPv4Address."),
        ],
    );
    let r = set_refs(&mut a, &mut dm, &row, "Device.IP.Interface.");
    let Some(pb::body::MsgBody::Error(e)) = r.body.and_then(|b| b.msg_body) else {
        panic!("expected an Error")
    };
    assert_eq!(e.param_errs[0].err_code, 7013);
    assert_eq!(
        value(&dm, &row, "ReferenceList").as_deref(),
        Some("Device.IP.Interface.1.IPv4Address.")
    );
    // The same value is not a change.
    let r = set_refs(&mut a, &mut dm, &row, "Device.IP.Interface.1.IPv4Address.");
    assert!(matches!(
        r.body.and_then(|b| b.msg_body),
        Some(pb::body::MsgBody::Response(_))
    ));
}

#[test]
fn outbox_is_bounded() {
    let mut cfg = AgentConfig::default();
    cfg.set_max_outbox(2);
    let mut a = Agent::new(cfg);
    let mut dm = op_model();
    for i in 0..5 {
        a.send_onboard_request(Instant::from_millis(i), &dm, CTRL, "o", "p", "s");
    }
    assert_eq!(drain(&mut a).len(), 2);
    a.handle_timeout(Instant::from_millis(u64::MAX), &mut dm);
    assert!(drain(&mut a).len() <= 2);
}

#[test]
fn r_not_5_send_onboard_request_command() {
    let (mut a, mut dm) = setup();
    dm.set_value("Device.LocalAgent.Controller.1.", "Enable", "false")
        .unwrap();
    let m = msg(
        "o",
        operate(
            "Device.LocalAgent.Controller.1.SendOnBoardRequest()",
            "",
            true,
            &[],
        ),
    );
    let mut c = Rec::default();
    a.handle(Instant::default(), &mut dm, &mut c, CTRL, &FullAccess, &m)
        .unwrap();
    assert!(
        drain(&mut a).is_empty(),
        "a disabled Controller gets nothing"
    );
    dm.set_value("Device.LocalAgent.Controller.1.", "Enable", "true")
        .unwrap();
    a.handle(Instant::default(), &mut dm, &mut c, CTRL, &FullAccess, &m)
        .unwrap();
    let out = drain(&mut a);
    assert_eq!(out.len(), 1);
    assert_eq!(out[0].to, CTRL);
    let n = notify(&out[0]).1;
    assert!(n.send_resp);
    let Some(Notification::OnBoardReq(o)) = &n.notification else {
        panic!()
    };
    assert_eq!(
        o.serial_number,
        value(&dm, "Device.DeviceInfo.", "SerialNumber").unwrap_or_default()
    );
    assert!(c.runs.is_empty());
}

#[test]
fn r_not_3_a_delivery_resets_the_retry_count() {
    let (mut a, mut dm) = setup();
    add_sub(
        &mut a,
        &mut dm,
        0,
        &[
            ("Enable", "true"),
            ("ID", "r"),
            ("NotifType", "ObjectCreation"),
            ("ReferenceList", "Device.IP.Interface."),
            ("NotifRetry", "true"),
        ],
    );
    add_iface(&mut a, &mut dm, 0, "e1");
    let id = notify(&drain(&mut a)[0]).0.to_string();
    // Three retries, then delivered.
    let mut now = 0;
    for _ in 0..3 {
        now = a.poll_timeout().unwrap().as_millis();
        a.handle_timeout(Instant::from_millis(now), &mut dm);
        drain(&mut a);
    }
    assert!(now >= 35_000);
    notify_resp(&mut a, &mut dm, now, &id, "r");
    // The next notification waits 5–10 s again.
    add_iface(&mut a, &mut dm, now, "e2");
    drain(&mut a);
    let wait = a.poll_timeout().unwrap().as_millis() - now;
    assert!((5_000..=10_000).contains(&wait), "{wait}");
}

#[test]
fn value_change_ignores_will_ignore_parameters() {
    let (mut a, mut dm) = setup();
    add_sub(
        &mut a,
        &mut dm,
        0,
        &[
            ("Enable", "true"),
            ("ID", "vc"),
            ("NotifType", "ValueChange"),
            ("ReferenceList", "Device.DeviceInfo."),
        ],
    );
    // UpTime is activeNotify="canDeny" in the demo model.
    dm.set_value("Device.DeviceInfo.", "UpTime", "99").unwrap();
    a.poll_changes(Instant::from_millis(1), &mut dm);
    assert!(drain(&mut a).is_empty());
    dm.set_value("Device.DeviceInfo.", "SoftwareVersion", "9.9")
        .unwrap();
    a.poll_changes(Instant::from_millis(2), &mut dm);
    let out = drain(&mut a);
    assert_eq!(out.len(), 1);
    let Some(Notification::ValueChange(v)) = &notify(&out[0]).1.notification else {
        panic!()
    };
    assert_eq!(v.param_path, "Device.DeviceInfo.SoftwareVersion");
}

#[test]
fn rows_added_locally_are_picked_up_with_the_time_they_are_seen() {
    let (mut a, mut dm) = setup();
    let mut init = BTreeMap::new();
    for (k, v) in [
        ("Alias", "local"),
        ("Enable", "true"),
        ("ID", "l"),
        ("NotifType", "Event"),
        ("ReferenceList", "Device."),
        ("TimeToLive", "10"),
        ("Recipient", "Device.LocalAgent.Controller.1"),
    ] {
        init.insert(k.to_string(), v.to_string());
    }
    dm.add("Device.LocalAgent.Subscription.", &init).unwrap();
    a.event(
        Instant::from_millis(50_000),
        &mut dm,
        "Device.",
        "Boot!",
        BTreeMap::new(),
    );
    assert_eq!(drain(&mut a).len(), 1);
    assert_eq!(a.poll_timeout(), Some(Instant::from_millis(60_000)));
}

fn set_enable(a: &mut Agent, dm: &mut MemoryDataModel, now: u64, row: &str, on: bool) {
    let rt = set_one(row, "Enable", on.to_string());
    req(a, dm, now, rt).unwrap();
}

/// (kind, obj_path) of each queued Notify.
fn object_notes(a: &mut Agent) -> Vec<(&'static str, String)> {
    drain(a)
        .iter()
        .map(|o| match &notify(o).1.notification {
            Some(Notification::ObjCreation(c)) => ("creation", c.obj_path.clone()),
            Some(Notification::ObjDeletion(d)) => ("deletion", d.obj_path.clone()),
            n => panic!("{n:?}"),
        })
        .collect()
}

#[test]
fn object_creation_and_deletion_on_a_search_only_for_real_creations_and_deletions() {
    let (mut a, mut dm) = setup();
    // Interfaces 1 and 2 are enabled, 3 is not.
    for (id, kind) in [("oc", "ObjectCreation"), ("od", "ObjectDeletion")] {
        add_sub(
            &mut a,
            &mut dm,
            0,
            &[
                ("Enable", "true"),
                ("ID", id),
                ("NotifType", kind),
                ("ReferenceList", "Device.IP.Interface.[Enable==true]."),
            ],
        );
    }
    assert!(drain(&mut a).is_empty());
    // A row that starts matching existed before: no ObjectCreation.
    set_enable(&mut a, &mut dm, 1, "Device.IP.Interface.3.", true);
    assert_eq!(object_notes(&mut a), []);
    // A row that stops matching still exists: no ObjectDeletion.
    set_enable(&mut a, &mut dm, 2, "Device.IP.Interface.1.", false);
    assert_eq!(object_notes(&mut a), []);
    // Also when changed by the integrator and found by polling.
    dm.set_value("Device.IP.Interface.1.", "Enable", "true")
        .unwrap();
    dm.set_value("Device.IP.Interface.3.", "Enable", "false")
        .unwrap();
    a.poll_changes(Instant::from_millis(3), &mut dm);
    assert_eq!(object_notes(&mut a), []);
    // A row created matching the search notifies; one created not matching does not, nor
    // when it starts matching later.
    let add = |en: &str, name: &str| {
        ReqType::Add(pb::Add {
            allow_partial: false,
            create_objs: vec![pb::add::CreateObject {
                obj_path: "Device.IP.Interface.".into(),
                param_settings: [("Name", name), ("Enable", en)]
                    .iter()
                    .map(|(k, v)| pb::add::CreateParamSetting {
                        param: k.to_string(),
                        value: v.to_string(),
                        required: true,
                    })
                    .collect(),
            }],
        })
    };
    req(&mut a, &mut dm, 4, add("true", "eth4")).unwrap();
    assert_eq!(
        object_notes(&mut a),
        [("creation", "Device.IP.Interface.4.".to_string())]
    );
    req(&mut a, &mut dm, 5, add("false", "eth5")).unwrap();
    assert_eq!(object_notes(&mut a), []);
    set_enable(&mut a, &mut dm, 6, "Device.IP.Interface.5.", true);
    assert_eq!(object_notes(&mut a), []);
    // Deleting a matching row notifies; deleting one that does not match does not.
    set_enable(&mut a, &mut dm, 7, "Device.IP.Interface.3.", false);
    for row in ["Device.IP.Interface.2.", "Device.IP.Interface.3."] {
        let rt = ReqType::Delete(pb::Delete {
            allow_partial: false,
            obj_paths: vec![row.into()],
        });
        req(&mut a, &mut dm, 8, rt).unwrap();
    }
    assert_eq!(
        object_notes(&mut a),
        [("deletion", "Device.IP.Interface.2.".to_string())]
    );
}

fn add_sub_as(
    a: &mut Agent,
    dm: &mut MemoryDataModel,
    from: &str,
    id: &str,
) -> Result<String, u32> {
    try_add_sub(a, dm, 0, from, &[("ID", id), ("NotifType", "Event")])
}

#[test]
fn r_not_0_recipient_and_id_are_unique_per_controller() {
    let (mut a, mut dm) = setup();
    let other = BTreeMap::from([
        ("Alias".to_string(), "c2".to_string()),
        ("EndpointID".to_string(), "proto::other".to_string()),
    ]);
    let n = dm.add("Device.LocalAgent.Controller.", &other).unwrap();
    let row = add_sub_as(&mut a, &mut dm, CTRL, "dup").unwrap();
    assert_eq!(
        value(&dm, &row, "Recipient").as_deref(),
        Some("Device.LocalAgent.Controller.1")
    );
    // The same Controller, the same ID: 7025 (Object exists with duplicate key).
    let subs = |dm: &MemoryDataModel| {
        let mut v = Vec::new();
        dm.instances("Device.LocalAgent.Subscription.", &mut v);
        v
    };
    let rows = subs(&dm);
    assert_eq!(add_sub_as(&mut a, &mut dm, CTRL, "dup"), Err(7025));
    assert_eq!(subs(&dm), rows);
    // Another Controller may use the same ID; the first one another ID.
    let row2 = add_sub_as(&mut a, &mut dm, "proto::other", "dup").unwrap();
    assert_eq!(
        value(&dm, &row2, "Recipient"),
        Some(format!("Device.LocalAgent.Controller.{n}"))
    );
    assert!(add_sub_as(&mut a, &mut dm, CTRL, "dup2").is_ok());
}

#[test]
fn time_to_live_counts_from_creation_across_a_restart() {
    let (mut a, mut dm) = setup();
    // Created at Unix time 1_700_000_000 with a TimeToLive of 100 s.
    a.set_wall_clock(Instant::from_millis(0), 1_700_000_000);
    let row = add_sub(
        &mut a,
        &mut dm,
        0,
        &[
            ("Enable", "true"),
            ("ID", "ttl"),
            ("NotifType", "Event"),
            ("ReferenceList", "Device."),
            ("TimeToLive", "100"),
            ("Persistent", "true"),
        ],
    );
    assert_eq!(
        value(&dm, &row, "CreationDate").as_deref(),
        Some("2023-11-14T22:13:20Z")
    );
    // A restart 60 s later (by the wall clock): 40 s are left.
    let mut b = Agent::new(AgentConfig::default());
    b.set_wall_clock(Instant::from_millis(5_000), 1_700_000_060);
    b.boot(Instant::from_millis(5_000), &mut dm);
    assert_eq!(b.poll_timeout(), Some(Instant::from_millis(45_000)));
    b.handle_timeout(Instant::from_millis(45_000), &mut dm);
    assert!(dm.get(&row, "ID").is_none());
    // Without a wall clock at boot the age is unknown: the full TimeToLive from boot.
    let row = add_sub(
        &mut a,
        &mut dm,
        0,
        &[
            ("Enable", "true"),
            ("ID", "ttl2"),
            ("NotifType", "Event"),
            ("ReferenceList", "Device."),
            ("TimeToLive", "100"),
            ("Persistent", "true"),
        ],
    );
    let mut c = Agent::new(AgentConfig::default());
    c.boot(Instant::from_millis(5_000), &mut dm);
    assert_eq!(c.poll_timeout(), Some(Instant::from_millis(105_000)));
    // Long expired by the wall clock: deleted at the first timeout.
    let mut d = Agent::new(AgentConfig::default());
    d.set_wall_clock(Instant::from_millis(0), 1_800_000_000);
    d.boot(Instant::from_millis(0), &mut dm);
    assert_eq!(d.poll_timeout(), Some(Instant::from_millis(0)));
    d.handle_timeout(Instant::from_millis(0), &mut dm);
    assert!(dm.get(&row, "ID").is_none());
}

#[test]
fn r_not_0a_notify_is_queued_by_the_call_that_makes_the_change() {
    let (mut a, mut dm) = setup();
    add_sub(
        &mut a,
        &mut dm,
        0,
        &[
            ("Enable", "true"),
            ("ID", "vc"),
            ("NotifType", "ValueChange"),
            ("ReferenceList", "Device.IP.Interface.*.Enable"),
        ],
    );
    assert!(drain(&mut a).is_empty());
    // A Set handled at t: the Notify waits in the outbox when handle returns, with no timer
    // needed (well within the 10 s window).
    set_enable(&mut a, &mut dm, 7_000, "Device.IP.Interface.3.", true);
    let out = drain(&mut a);
    assert_eq!(out.len(), 1);
    let Some(Notification::ValueChange(v)) = &notify(&out[0]).1.notification else {
        panic!()
    };
    assert_eq!(v.param_path, "Device.IP.Interface.3.Enable");
    assert_eq!(a.poll_timeout(), None);
    // A change by the integrator: queued by the poll_changes that finds it.
    dm.set_value("Device.IP.Interface.3.", "Enable", "false")
        .unwrap();
    a.poll_changes(Instant::from_millis(8_000), &mut dm);
    assert_eq!(drain(&mut a).len(), 1);
}

/// The Agent's own guard around the model passes every DataModel method on, so the engine's
/// exact writeOnceReadOnly rule (TimeToLive) and Delete pre-checks hold for requests that
/// come through the Agent too.
#[test]
fn time_to_live_is_write_once_through_the_agent() {
    let (mut a, mut dm) = setup();
    let row = add_sub(
        &mut a,
        &mut dm,
        1,
        &[
            ("ID", "ttl"),
            ("NotifType", "ValueChange"),
            ("TimeToLive", "0"),
        ],
    );
    assert_eq!(dm.written_once(&row, "TimeToLive"), Some(true));
    let set_ttl = |v: &str| set_one(row.clone(), "TimeToLive", v);
    let r = req(&mut a, &mut dm, 2, set_ttl("60")).unwrap();
    let Some(pb::body::MsgBody::Error(e)) = r.body.and_then(|b| b.msg_body) else {
        panic!("a second write of TimeToLive must fail")
    };
    // A required setting: 7021 with the parameter's 7013 (R-SET.2a).
    assert_eq!(e.err_code, 7021, "{e:?}");
    assert_eq!(e.param_errs[0].err_code, 7013, "{e:?}");
    assert_eq!(value(&dm, &row, "TimeToLive").as_deref(), Some("0"));
}
