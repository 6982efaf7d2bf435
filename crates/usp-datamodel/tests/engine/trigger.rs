//! Subscription TriggerAction and TriggerConfigSettings (REQUIREMENTS §5.4; TP-469 1.93,
//! 1.94) and CreationDate, through the stateful Agent.

use std::collections::BTreeMap;

use usp_datamodel::{
    Agent, AgentConfig, Constraints, Instant, MemoryDataModel, ParamAccess, ParamDef, Permission,
    Perms, Role, Roles, TriggerAction,
};
use usp_msg::pb;
use usp_msg::pb::notify::Notification;
use usp_msg::pb::request::ReqType;
use usp_path::value::{ParamType, ValueType};

use crate::common::{model_with, schema, set_one, value};
use crate::notify::{add_sub, drain, notify, req};
use crate::operate::CTRL;

/// The demo model with TriggerAction and TriggerConfigSettings on the Subscription table
/// (as TR-181 2.15+ defines them).
fn trigger_model() -> MemoryDataModel {
    let mut s = schema();
    let sub = s
        .object_mut("Device.LocalAgent.Subscription.{i}.")
        .expect("Subscription");
    let mut action = Constraints::default();
    action.enumerations = ["Notify", "Config", "NotifyAndConfig"]
        .map(String::from)
        .to_vec();
    sub.params.insert(
        "TriggerAction".into(),
        ParamDef::new("TriggerAction", ValueType::String)
            .with_access(ParamAccess::ReadWrite)
            .with_constraints(action)
            .with_default("Notify"),
    );
    // No maxItems facet here: the Agent enforces the 16 entries itself.
    sub.params.insert(
        "TriggerConfigSettings".into(),
        ParamDef::new("TriggerConfigSettings", ParamType::list(ValueType::String))
            .with_access(ParamAccess::ReadWrite),
    );
    model_with(s)
}

fn setup() -> (Agent, MemoryDataModel) {
    let mut a = Agent::new(AgentConfig::default());
    let mut dm = trigger_model();
    a.boot(Instant::default(), &mut dm);
    (a, dm)
}

fn set_enable(a: &mut Agent, dm: &mut MemoryDataModel, now: u64, n: u32, v: &str) {
    let rt = set_one(format!("Device.IP.Interface.{n}."), "Enable", v);
    req(a, dm, now, rt).expect("SetResp");
}

fn mtu(dm: &MemoryDataModel, n: u32) -> Option<String> {
    value(dm, &format!("Device.IP.Interface.{n}."), "MaxMTUSize")
}

/// The Add of a Subscription row with `settings`: the error code of the object, 0 if created.
fn add_sub_code(a: &mut Agent, dm: &mut MemoryDataModel, settings: &[(&str, &str)]) -> u32 {
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
    let r = req(a, dm, 0, rt).expect("AddResp");
    let Some(pb::body::MsgBody::Response(pb::Response {
        resp_type: Some(pb::response::RespType::AddResp(r)),
    })) = r.body.and_then(|b| b.msg_body)
    else {
        panic!("not an AddResp")
    };
    match r.created_obj_results[0]
        .oper_status
        .as_ref()
        .and_then(|s| s.oper_status.as_ref())
    {
        Some(OperStatus::OperSuccess(_)) => 0,
        Some(OperStatus::OperFailure(f)) => f.err_code,
        None => panic!("no status"),
    }
}

#[test]
fn tp_1_93_trigger_action_config_applies_the_settings_and_sends_no_notify() {
    let (mut a, mut dm) = setup();
    add_sub(
        &mut a,
        &mut dm,
        0,
        &[
            ("Enable", "true"),
            ("ID", "cfg"),
            ("NotifType", "ValueChange"),
            ("ReferenceList", "Device.IP.Interface.3.Enable"),
            ("TriggerAction", "Config"),
            (
                "TriggerConfigSettings",
                "Device.IP.Interface.2.MaxMTUSize=1400, Device.IP.Interface.2.Enable=0",
            ),
        ],
    );
    assert_eq!(mtu(&dm, 2).as_deref(), Some("1500"));
    set_enable(&mut a, &mut dm, 1, 3, "true");
    assert!(drain(&mut a).is_empty(), "Config sends no Notify");
    assert_eq!(mtu(&dm, 2).as_deref(), Some("1400"));
    // Typed: the boolean is stored in canonical form.
    assert_eq!(
        value(&dm, "Device.IP.Interface.2.", "Enable").as_deref(),
        Some("false")
    );
}

#[test]
fn tp_1_94_notify_and_config_does_both_and_config_changes_notify_others() {
    let (mut a, mut dm) = setup();
    add_sub(
        &mut a,
        &mut dm,
        0,
        &[
            ("Enable", "true"),
            ("ID", "boot"),
            ("NotifType", "Event"),
            ("ReferenceList", "Device.Boot!"),
            ("TriggerAction", "NotifyAndConfig"),
            (
                "TriggerConfigSettings",
                "Device.IP.Interface.1.MaxMTUSize=9000",
            ),
        ],
    );
    // A plain subscription watching what the trigger configures.
    add_sub(
        &mut a,
        &mut dm,
        0,
        &[
            ("Enable", "true"),
            ("ID", "watch"),
            ("NotifType", "ValueChange"),
            ("ReferenceList", "Device.IP.Interface.1.MaxMTUSize"),
        ],
    );
    a.event(
        Instant::from_millis(5),
        &mut dm,
        "Device.",
        "Boot!",
        BTreeMap::new(),
    );
    assert_eq!(mtu(&dm, 1).as_deref(), Some("9000"));
    let out = drain(&mut a);
    let ids: Vec<&str> = out
        .iter()
        .map(|o| notify(o).1.subscription_id.as_str())
        .collect();
    assert_eq!(ids, ["boot", "watch"]);
    let Some(Notification::ValueChange(v)) = &notify(&out[1]).1.notification else {
        panic!()
    };
    assert_eq!(v.param_value, "9000");
    // TriggerAction Notify (explicit) behaves as without the parameter.
    let (mut a, mut dm) = setup();
    add_sub(
        &mut a,
        &mut dm,
        0,
        &[
            ("Enable", "true"),
            ("ID", "n"),
            ("NotifType", "Event"),
            ("ReferenceList", "Device.Boot!"),
            ("TriggerAction", "Notify"),
            (
                "TriggerConfigSettings",
                "Device.IP.Interface.1.MaxMTUSize=9000",
            ),
        ],
    );
    a.event(
        Instant::from_millis(5),
        &mut dm,
        "Device.",
        "Boot!",
        BTreeMap::new(),
    );
    assert_eq!(drain(&mut a).len(), 1);
    assert_eq!(
        mtu(&dm, 1).as_deref(),
        Some("1500"),
        "Notify does not configure"
    );
}

#[test]
fn trigger_config_settings_are_checked_when_written() {
    let (mut a, mut dm) = setup();
    let base = [
        ("Enable", "true"),
        ("NotifType", "Event"),
        ("ReferenceList", "Device.Boot!"),
        ("TriggerAction", "Config"),
    ];
    let with = |id: &str, v: &str| {
        let mut s = base.to_vec();
        s.push(("ID", id));
        s.push(("TriggerConfigSettings", v));
        s.iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect::<Vec<_>>()
    };
    let code = |a: &mut Agent, dm: &mut MemoryDataModel, id: &str, v: &str| {
        let s = with(id, v);
        let s: Vec<(&str, &str)> = s.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        add_sub_code(a, dm, &s)
    };
    let seventeen: Vec<String> = (0..17)
        .map(|_| "Device.IP.Interface.1.MaxMTUSize=1400".to_string())
        .collect();
    let sixteen = seventeen[..16].join(",");
    let seventeen = seventeen.join(",");
    for (i, (v, want)) in [
        ("Device.IP.Interface.1.MaxMTUSize=abc", 7012),
        ("Device.IP.Interface.1.MaxMTUSize=10", 7012), // below the range
        ("Device.IP.Interface.1.NoSuchParam=1", 7012),
        ("Device.IP.Interface.*.MaxMTUSize=1400", 7012), // no wildcards
        ("Device.IP.Interface.{i}.MaxMTUSize=1400", 7012),
        ("Device.IP.Interface.MaxMTUSize=1400", 7012), // no instance number
        ("Device.IP.Interface.1.Status=Up", 7012),     // read-only
        ("Device.IP.Interface.1.MaxMTUSize", 7012),    // no '='
        (seventeen.as_str(), 7012),
        (sixteen.as_str(), 0),
        ("", 0),
        (
            "Device.IP.Interface.1.Name=x,Device.IP.Interface.1.Enable=1",
            0,
        ),
    ]
    .into_iter()
    .enumerate()
    {
        assert_eq!(code(&mut a, &mut dm, &format!("id{i}"), v), want, "{v}");
    }
    // A Set is checked the same way.
    let row = add_sub(
        &mut a,
        &mut dm,
        0,
        &[
            ("ID", "s"),
            ("NotifType", "Event"),
            ("ReferenceList", "Device.Boot!"),
        ],
    );
    let set = |v: &str| set_one(row.clone(), "TriggerConfigSettings", v);
    let r = req(
        &mut a,
        &mut dm,
        1,
        set("Device.IP.Interface.1.MaxMTUSize=x"),
    )
    .unwrap();
    let Some(pb::body::MsgBody::Error(e)) = r.body.and_then(|b| b.msg_body) else {
        panic!("not an Error")
    };
    assert_eq!(e.param_errs[0].err_code, 7012, "{e:?}");
    let r = req(
        &mut a,
        &mut dm,
        1,
        set("Device.IP.Interface.1.MaxMTUSize=1400"),
    )
    .unwrap();
    assert!(matches!(
        r.body.and_then(|b| b.msg_body),
        Some(pb::body::MsgBody::Response(_))
    ));
    assert_eq!(
        value(&dm, &row, "TriggerConfigSettings").as_deref(),
        Some("Device.IP.Interface.1.MaxMTUSize=1400")
    );
}

#[test]
fn trigger_config_is_all_or_nothing_and_uses_the_recipients_permissions() {
    let (mut a, mut dm) = setup();
    add_sub(
        &mut a,
        &mut dm,
        0,
        &[
            ("Enable", "true"),
            ("ID", "cfg"),
            ("NotifType", "Event"),
            ("ReferenceList", "Device.Boot!"),
            ("TriggerAction", "Config"),
            (
                "TriggerConfigSettings",
                "Device.IP.Interface.1.MaxMTUSize=1400,Device.IP.Interface.3.MaxMTUSize=1400",
            ),
        ],
    );
    // Interface 3 goes away: the Set fails as a whole, interface 1 is untouched.
    use usp_datamodel::DataModel;
    dm.delete("Device.IP.Interface.3.").unwrap();
    a.event(
        Instant::from_millis(5),
        &mut dm,
        "Device.",
        "Boot!",
        BTreeMap::new(),
    );
    assert_eq!(mtu(&dm, 1).as_deref(), Some("1500"));
    assert!(drain(&mut a).is_empty());

    // The recipient may not write interface 1: nothing changes.
    let (mut a, mut dm) = setup();
    add_sub(
        &mut a,
        &mut dm,
        0,
        &[
            ("Enable", "true"),
            ("ID", "cfg"),
            ("NotifType", "Event"),
            ("ReferenceList", "Device.Boot!"),
            ("TriggerAction", "Config"),
            (
                "TriggerConfigSettings",
                "Device.IP.Interface.1.MaxMTUSize=1400",
            ),
        ],
    );
    let all = Perms::ALL;
    let ro = Perms::READ.union(Perms::NOTIFY);
    let roles = |p: Perms| {
        Roles(vec![Role::new(vec![
            Permission::new(1, ["Device"]).with(all, all, all, all),
            Permission::new(2, ["Device.IP.Interface."]).with(p, all, all, all),
        ])])
    };
    a.set_controller_roles(CTRL, roles(ro));
    a.event(
        Instant::from_millis(5),
        &mut dm,
        "Device.",
        "Boot!",
        BTreeMap::new(),
    );
    assert_eq!(mtu(&dm, 1).as_deref(), Some("1500"));
    a.set_controller_roles(CTRL, roles(all));
    a.event(
        Instant::from_millis(6),
        &mut dm,
        "Device.",
        "Boot!",
        BTreeMap::new(),
    );
    assert_eq!(mtu(&dm, 1).as_deref(), Some("1400"));
}

#[test]
fn subscriptions_configuring_each_other_do_not_loop() {
    let (mut a, mut dm) = setup();
    // A change of interface 1's MTU sets interface 2's, and the other way round, alternating
    // values: bounded by Agent::MAX_CONFIG_CASCADE passes per poll.
    for (id, watch, target, v) in [("a", 1, 2, "1400"), ("b", 2, 1, "1300")] {
        add_sub(
            &mut a,
            &mut dm,
            0,
            &[
                ("Enable", "true"),
                ("ID", id),
                ("NotifType", "ValueChange"),
                (
                    "ReferenceList",
                    &format!("Device.IP.Interface.{watch}.MaxMTUSize"),
                ),
                ("TriggerAction", TriggerAction::NotifyAndConfig.as_str()),
                (
                    "TriggerConfigSettings",
                    &format!("Device.IP.Interface.{target}.MaxMTUSize={v}"),
                ),
            ],
        );
    }
    dm.set_value("Device.IP.Interface.1.", "MaxMTUSize", "1000")
        .unwrap();
    a.poll_changes(Instant::from_millis(1), &mut dm);
    let out = drain(&mut a);
    assert!(
        !out.is_empty() && out.len() <= Agent::MAX_CONFIG_CASCADE,
        "{}",
        out.len()
    );
    assert_eq!(mtu(&dm, 2).as_deref(), Some("1400"));
    assert_eq!(mtu(&dm, 1).as_deref(), Some("1300"));
}

fn creation_date(dm: &MemoryDataModel, row: &str) -> Option<String> {
    value(dm, row, "CreationDate")
}

#[test]
fn r_not_0_creation_date_comes_from_the_integrators_wall_clock() {
    let sub = |id: &'static str| {
        [
            ("Enable", "true"),
            ("ID", id),
            ("NotifType", "Event"),
            ("ReferenceList", "Device.Boot!"),
            ("Persistent", "true"),
        ]
    };
    // Without a wall clock: the Unknown Time.
    let (mut a, mut dm) = setup();
    let r1 = add_sub(&mut a, &mut dm, 0, &sub("a"));
    assert_eq!(
        creation_date(&dm, &r1).as_deref(),
        Some("0001-01-01T00:00:00Z")
    );
    // With one: the time the Add was handled.
    a.set_wall_clock(Instant::from_millis(1_000), 1_700_000_000);
    let r2 = add_sub(&mut a, &mut dm, 3_500, &sub("b"));
    assert_eq!(
        creation_date(&dm, &r2).as_deref(),
        Some("2023-11-14T22:13:22Z")
    );
    // Earlier rows keep their value; rows the integrator adds are stamped when first seen.
    assert_eq!(
        creation_date(&dm, &r1).as_deref(),
        Some("0001-01-01T00:00:00Z")
    );
    use usp_datamodel::DataModel;
    let mut init = BTreeMap::new();
    init.insert("ID".to_string(), "local".to_string());
    init.insert("Persistent".to_string(), "true".to_string());
    let n = dm.add("Device.LocalAgent.Subscription.", &init).unwrap();
    let mut init2 = init.clone();
    init2.insert("ID".to_string(), "dated".to_string());
    init2.insert(
        "CreationDate".to_string(),
        "2020-01-01T00:00:00Z".to_string(),
    );
    let n2 = dm.add("Device.LocalAgent.Subscription.", &init2).unwrap();
    a.poll_changes(Instant::from_millis(61_000), &mut dm);
    let local = format!("Device.LocalAgent.Subscription.{n}.");
    assert_eq!(
        creation_date(&dm, &local).as_deref(),
        Some("2023-11-14T22:14:20Z")
    );
    let dated = format!("Device.LocalAgent.Subscription.{n2}.");
    assert_eq!(
        creation_date(&dm, &dated).as_deref(),
        Some("2020-01-01T00:00:00Z")
    );
    // A restart keeps the dates of persistent rows, even with another clock.
    let mut a2 = Agent::new(AgentConfig::default());
    a2.set_wall_clock(Instant::default(), 1_800_000_000);
    a2.boot(Instant::default(), &mut dm);
    assert_eq!(
        creation_date(&dm, &r2).as_deref(),
        Some("2023-11-14T22:13:22Z")
    );
    assert_eq!(
        creation_date(&dm, &r1).as_deref(),
        Some("0001-01-01T00:00:00Z")
    );
    // Clearing the clock: new rows get the Unknown Time again.
    a.clear_wall_clock();
    let r3 = add_sub(&mut a, &mut dm, 70_000, &sub("c"));
    assert_eq!(
        creation_date(&dm, &r3).as_deref(),
        Some("0001-01-01T00:00:00Z")
    );
    // A Controller cannot write it.
    let rt = set_one(r3, "CreationDate", "2021-01-01T00:00:00Z");
    let r = req(&mut a, &mut dm, 71_000, rt).unwrap();
    assert!(matches!(
        r.body.and_then(|b| b.msg_body),
        Some(pb::body::MsgBody::Error(_))
    ));
}
