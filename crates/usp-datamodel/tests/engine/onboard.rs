//! OnBoardRequest while a Controller's OnBoardingComplete is false (R-NOT.5 item 3, R-NOT.6,
//! R-NOT.6a), with OnBoardingRestartTime.

use usp_datamodel::{Agent, AgentConfig, Instant, MemoryDataModel, ParamAccess, ParamDef};
use usp_msg::pb;
use usp_msg::pb::notify::Notification;
use usp_path::value::ValueType;

use crate::common::{model_with, schema, set_one};
use crate::notify::{drain, notify, req};
use crate::operate::CTRL;

const ROW: &str = "Device.LocalAgent.Controller.1.";

/// The demo model whose Controller rows have OnBoardingComplete (default false) and
/// OnBoardingRestartTime (seconds); Controller 1 enabled.
fn onboard_model() -> MemoryDataModel {
    let mut s = schema();
    let c = s
        .object_mut("Device.LocalAgent.Controller.{i}.")
        .expect("Controller table");
    for p in [
        ParamDef::new("OnBoardingComplete", ValueType::Boolean)
            .with_access(ParamAccess::ReadWrite)
            .with_default("false"),
        ParamDef::new("OnBoardingRestartTime", ValueType::UnsignedInt)
            .with_access(ParamAccess::ReadWrite)
            .with_default("0"),
    ] {
        c.params.insert(p.name.clone(), p);
    }
    let mut m = model_with(s);
    m.set_value(ROW, "Enable", "true").unwrap();
    m
}

/// The msg_ids of the OnBoardRequests queued, each checked to be one to CTRL with send_resp.
fn onboard_requests(a: &mut Agent) -> Vec<String> {
    drain(a)
        .iter()
        .map(|o| {
            assert_eq!(o.to, CTRL);
            let (id, n) = notify(o);
            assert!(matches!(n.notification, Some(Notification::OnBoardReq(_))));
            // R-NOT.6: send_resp, so it is retried.
            assert!(n.send_resp);
            id.to_string()
        })
        .collect()
}

fn set(a: &mut Agent, dm: &mut MemoryDataModel, now: u64, param: &str, value: &str) {
    let rt = set_one(ROW, param, value);
    req(a, dm, now, rt).unwrap();
}

fn notify_resp(a: &mut Agent, dm: &mut MemoryDataModel, now: u64, id: &str) {
    let m = pb::Msg {
        header: Some(pb::Header {
            msg_id: id.into(),
            msg_type: pb::header::MsgType::NotifyResp as i32,
        }),
        body: Some(pb::Body {
            msg_body: Some(pb::body::MsgBody::Response(pb::Response {
                resp_type: Some(pb::response::RespType::NotifyResp(pb::NotifyResp::default())),
            })),
        }),
    };
    let mut c = crate::operate::Rec::default();
    let acl = usp_datamodel::FullAccess;
    assert!(
        a.handle(Instant::from_millis(now), dm, &mut c, CTRL, &acl, &m)
            .is_none()
    );
}

#[test]
fn r_not_5_onboard_request_at_boot_while_onboarding_complete_is_false() {
    let mut dm = onboard_model();
    let mut a = Agent::new(AgentConfig::default());
    a.boot(Instant::default(), &mut dm);
    let ids = onboard_requests(&mut a);
    assert_eq!(ids.len(), 1);
    // R-NOT.6a: retried until answered, never expiring.
    a.handle_timeout(Instant::from_millis(86_400_000), &mut dm);
    assert_eq!(onboard_requests(&mut a), [ids[0].clone()]);
    // Later polls do not send another while the first is outstanding.
    a.poll_changes(Instant::from_millis(86_400_001), &mut dm);
    assert!(drain(&mut a).is_empty());
    notify_resp(&mut a, &mut dm, 86_400_002, &ids[0]);
    assert_eq!(a.pending_notifications(), 0);
    // Without OnBoardingRestartTime nothing more until it changes.
    assert_eq!(a.poll_timeout(), None);
}

#[test]
fn r_not_5_onboarding_restart_time_and_changes_to_false() {
    let mut dm = onboard_model();
    dm.set_value(ROW, "OnBoardingRestartTime", "60").unwrap();
    let mut a = Agent::new(AgentConfig::default());
    a.boot(Instant::default(), &mut dm);
    let first = onboard_requests(&mut a);
    notify_resp(&mut a, &mut dm, 1_000, &first[0]);
    // OnBoardingRestartTime counts from the NotifyResp.
    assert_eq!(a.poll_timeout(), Some(Instant::from_millis(61_000)));
    a.handle_timeout(Instant::from_millis(60_999), &mut dm);
    assert!(drain(&mut a).is_empty());
    a.handle_timeout(Instant::from_millis(61_000), &mut dm);
    let second = onboard_requests(&mut a);
    assert_eq!(second.len(), 1);
    assert_ne!(second, first);
    // Onboarding completes: the answer to the second one starts no timer.
    set(&mut a, &mut dm, 62_000, "OnBoardingComplete", "true");
    assert!(drain(&mut a).is_empty());
    notify_resp(&mut a, &mut dm, 62_001, &second[0]);
    assert_eq!(a.poll_timeout(), None);
    // Set back to false: the Controller requires an OnBoardRequest again, at once.
    set(&mut a, &mut dm, 70_000, "OnBoardingComplete", "false");
    assert_eq!(onboard_requests(&mut a).len(), 1);
}

#[test]
fn r_not_5_no_onboard_request_for_a_disabled_or_onboarded_controller() {
    for (param, value) in [("Enable", "false"), ("OnBoardingComplete", "true")] {
        let mut dm = onboard_model();
        dm.set_value(ROW, param, value).unwrap();
        let mut a = Agent::new(AgentConfig::default());
        a.boot(Instant::default(), &mut dm);
        assert!(drain(&mut a).is_empty(), "{param}={value}");
    }
}
