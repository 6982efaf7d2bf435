//! Role-based access control to the TR-181 ControllerTrust rules (security.md; REQUIREMENTS
//! §5.1): Targets forms, Order precedence within a Role, union across Roles, the four
//! permission kinds, checked before anything changes (R-SEC.1), and the `n` permission for
//! Notify.

use usp_datamodel::{
    AccessControl, Agent, AgentConfig, DataModel, Engine, Instant, MemoryDataModel, Permission,
    Perms, Role, Roles,
};
use usp_msg::pb;
use usp_msg::pb::request::ReqType;
use usp_msg::pb::response::RespType;

use crate::add::{add_req, create};
use crate::common::*;
use crate::delete::del_req;
use crate::operate::{CTRL, Rec, op_model, operate};
use crate::set::{set_req, upd};

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

fn run_as<A: AccessControl>(m: &mut MemoryDataModel, acl: &A, rt: ReqType) -> pb::Msg {
    Engine::default()
        .handle_as(m, acl, &msg("t-1", rt))
        .expect("a reply")
}

#[test]
fn r_sec_1_role_reading_only_device_info() {
    let mut m = model();
    let before = m.dump();
    let role = device_info_reader();
    // Get: DeviceInfo is readable.
    let Reply::Resp(RespType::GetResp(r)) = reply(run_as(
        &mut m,
        &role,
        ReqType::Get(pb::Get {
            param_paths: vec![
                "Device.DeviceInfo.SoftwareVersion".into(),
                "Device.IP.Interface.1.Name".into(),
                "Device.LocalAgent.Controller.*.".into(),
            ],
            max_depth: 0,
        }),
    )) else {
        panic!("not a GetResp")
    };
    assert_eq!(r.req_path_results[0].err_code, 0);
    assert!(
        r.req_path_results[0].resolved_path_results[0]
            .result_params
            .contains_key("SoftwareVersion")
    );
    // R-GET.1: what cannot be read is treated as unsupported.
    assert_eq!(r.req_path_results[1].err_code, 7026);
    // A search over unreadable rows finds nothing.
    assert!(r.req_path_results[2].resolved_path_results.is_empty());
    // Writes are denied with 7006 before anything changes.
    let e = error(run_as(
        &mut m,
        &role,
        set_req(
            false,
            vec![upd(
                "Device.DeviceInfo.",
                &[("ProvisioningCode", "x", true)],
            )],
        ),
    ));
    assert_eq!((e.err_code, e.param_errs[0].err_code), (7021, 7006));
    let e = error(run_as(
        &mut m,
        &role,
        add_req(
            false,
            vec![create("Device.IP.Interface.", &[("Name", "z", true)])],
        ),
    ));
    assert_eq!(e.err_code, 7006);
    let e = error(run_as(
        &mut m,
        &role,
        del_req(false, &["Device.IP.Interface.1."]),
    ));
    assert_eq!(e.err_code, 7006);
    // R-GSP.0: the rest of the Supported DM is hidden.
    let gsdm = |paths: &[&str]| {
        ReqType::GetSupportedDm(pb::GetSupportedDm {
            obj_paths: paths.iter().map(|s| s.to_string()).collect(),
            first_level_only: false,
            return_commands: true,
            return_events: true,
            return_params: true,
            return_unique_key_sets: true,
        })
    };
    let Reply::Resp(RespType::GetSupportedDmResp(r)) = reply(run_as(
        &mut m,
        &role,
        gsdm(&["Device.IP.", "Device.DeviceInfo."]),
    )) else {
        panic!("not a GSDM response")
    };
    assert_eq!(r.req_obj_results[0].err_code, 7026);
    assert_eq!(r.req_obj_results[1].err_code, 0);
    assert_eq!(m.dump(), before);
    // Operate needs x (7006 on a direct path); nothing runs.
    let mut dm = op_model();
    let mut a = Agent::new(AgentConfig::default());
    let mut c = Rec::default();
    a.set_controller_roles(CTRL, Roles(vec![device_info_reader()]));
    let m2 = msg("t-1", operate("Device.Echo()", "", true, &[("Text", "a")]));
    let e = error(
        a.handle_from(Instant::default(), &mut dm, &mut c, CTRL, &m2)
            .unwrap(),
    );
    assert_eq!(e.err_code, 7006);
    assert!(c.runs.is_empty());
}

#[test]
fn order_precedence_and_union_across_roles_spec_example() {
    // security.md: Role A (3: LocalAgent r---, 55: Controller r-xn), Role B (20: LocalAgent
    // r---, 78: Controller ----) → r-xn for the Controller table.
    let none = Perms::NONE;
    let a = Role::new(vec![
        Permission::new(3, ["Device.LocalAgent"]).with(p("r---"), none, none, none),
        Permission::new(55, ["Device.LocalAgent.Controller"]).with(p("r-xn"), none, none, none),
    ]);
    let b = Role::new(vec![
        Permission::new(20, ["Device.LocalAgent"]).with(p("r---"), none, none, none),
        Permission::new(78, ["Device.LocalAgent.Controller"]).with(p("----"), none, none, none),
    ]);
    assert_eq!(b.param("Device.LocalAgent.Controller.1.", "Alias"), none);
    let both = Roles(vec![a, b]);
    assert_eq!(
        both.param("Device.LocalAgent.Controller.1.", "Alias"),
        p("r-xn")
    );
    assert_eq!(both.param("Device.LocalAgent.", "EndpointID"), p("r---"));
    assert_eq!(
        both.param("Device.LocalAgent.ControllerTrust.", "X"),
        p("r---")
    );
    assert_eq!(both.param("Device.DeviceInfo.", "X"), none);
}

#[test]
fn order_exception_hides_a_subtree() {
    // security.md: everything, except Device.LocalAgent.ControllerTrust (higher Order).
    let all = Perms::ALL;
    let none = Perms::NONE;
    let role = Role::new(vec![
        Permission::new(1, ["Device"]).with(all, all, all, all),
        Permission::new(2, ["Device.LocalAgent.Controller.*.Credential"]).with(
            p("-w--"),
            all,
            all,
            all,
        ),
        Permission::new(2, ["Device.IP.Interface.2."]).with(all, all, p("rw--"), all),
        Permission::new(3, ["Device.IP.Interface.*."]).with(all, all, p("r---"), all),
        Permission::new(4, ["Device.IP.Interface.2."]).with(all, all, p("rw--"), none),
    ]);
    let mut m = model();
    // Credential may be written but not read.
    let Reply::Resp(RespType::GetResp(r)) = reply(run_as(
        &mut m,
        &role,
        ReqType::Get(pb::Get {
            param_paths: vec!["Device.LocalAgent.Controller.1.".into()],
            max_depth: 0,
        }),
    )) else {
        panic!()
    };
    let params = &r.req_path_results[0].resolved_path_results[0].result_params;
    assert!(params.contains_key("EndpointID") && !params.contains_key("Credential"));
    // Instance-specific target: only row 2 may be deleted (Order 4 over 3).
    assert_eq!(
        error(run_as(
            &mut m,
            &role,
            del_req(false, &["Device.IP.Interface.1."])
        ))
        .err_code,
        7006
    );
    assert!(matches!(
        reply(run_as(
            &mut m,
            &role,
            del_req(false, &["Device.IP.Interface.2."])
        )),
        Reply::Resp(RespType::DeleteResp(_))
    ));
    assert!(!m.has_instance("Device.IP.Interface.", 2));
}

#[test]
fn search_targets_are_expanded_against_the_model() {
    let all = Perms::ALL;
    let role = Role::new(vec![
        Permission::new(1, ["Device."]).with(p("r---"), p("r---"), p("r---"), Perms::NONE),
        Permission::new(2, ["Device.IP.Interface.[Type==\"Loopback\"]."]).with(all, all, all, all),
    ]);
    let mut m = model();
    // Unexpanded, the search target matches nothing.
    assert_eq!(role.param("Device.IP.Interface.2.", "Name"), p("r---"));
    let role = role.expand_searches(&m);
    assert_eq!(role.param("Device.IP.Interface.2.", "Name"), all);
    assert_eq!(role.param("Device.IP.Interface.1.", "Name"), p("r---"));
    let ok = run_as(
        &mut m,
        &role,
        set_req(
            false,
            vec![upd("Device.IP.Interface.2.", &[("Name", "lo1", true)])],
        ),
    );
    assert!(matches!(reply(ok), Reply::Resp(RespType::SetResp(_))));
    let e = error(run_as(
        &mut m,
        &role,
        set_req(
            false,
            vec![upd("Device.IP.Interface.1.", &[("Name", "x", true)])],
        ),
    ));
    assert_eq!((e.err_code, e.param_errs[0].err_code), (7021, 7006));
}

#[test]
fn notify_needs_the_n_permission_of_the_recipient() {
    let all = Perms::ALL;
    let no_n = p("rwx-");
    let mut dm = op_model();
    let mut a = Agent::new(AgentConfig::default());
    a.boot(Instant::default(), &mut dm);
    let mut c = Rec::default();
    let role = |obj_n: Perms, param_n: Perms| {
        Roles(vec![Role::new(vec![
            Permission::new(1, ["Device"]).with(all, all, all, all),
            Permission::new(2, ["Device.IP.Interface."]).with(param_n, obj_n, all, all),
        ])])
    };
    a.set_controller_roles(CTRL, role(no_n, all));
    let sub = |id: &str, kind: &str, refs: &str| {
        add_req(
            false,
            vec![create(
                "Device.LocalAgent.Subscription.",
                &[
                    ("Enable", "true", true),
                    ("ID", id, true),
                    ("NotifType", kind, true),
                    ("ReferenceList", refs, true),
                ],
            )],
        )
    };
    for (id, kind, refs) in [
        ("oc", "ObjectCreation", "Device.IP.Interface."),
        ("vc", "ValueChange", "Device.IP.Interface.*.Name"),
    ] {
        let r = a
            .handle_from(
                Instant::default(),
                &mut dm,
                &mut c,
                CTRL,
                &msg("s", sub(id, kind, refs)),
            )
            .unwrap();
        assert!(matches!(
            r.body.and_then(|b| b.msg_body),
            Some(pb::body::MsgBody::Response(_))
        ));
    }
    let add = add_req(
        false,
        vec![create("Device.IP.Interface.", &[("Name", "n1", true)])],
    );
    a.handle_from(Instant::default(), &mut dm, &mut c, CTRL, &msg("a", add))
        .unwrap();
    assert!(a.poll_transmit().is_none(), "no Obj n: no ObjectCreation");
    a.set_controller_roles(CTRL, role(all, no_n));
    let add = add_req(
        false,
        vec![create("Device.IP.Interface.", &[("Name", "n2", true)])],
    );
    a.handle_from(Instant::default(), &mut dm, &mut c, CTRL, &msg("a", add))
        .unwrap();
    assert!(a.poll_transmit().is_some());
    dm.set_value("Device.IP.Interface.1.", "Name", "renamed")
        .unwrap();
    a.poll_changes(Instant::default(), &mut dm);
    assert!(a.poll_transmit().is_none(), "no Param n: no ValueChange");
    a.remove_controller_roles(CTRL);
    dm.set_value("Device.IP.Interface.1.", "Name", "again")
        .unwrap();
    a.poll_changes(Instant::default(), &mut dm);
    assert!(a.poll_transmit().is_some());
}

/// `Role::every` (the Broker's check of search paths it cannot resolve): what holds on every
/// instance a pattern stands for.
#[test]
fn r_sec_1_every_instance_of_a_pattern() {
    let all = Perms::ALL;
    let rw = p("rw--");
    let r = p("r---");
    let role = Role::new(vec![
        Permission::new(1, ["Device."]).with(rw, rw, rw, rw),
        Permission::new(2, ["Device.IP.Interface.3."]).with(r, r, r, r),
        Permission::new(3, ["Device.IP.Interface.*.Name"]).with(all, all, all, all),
        Permission::new(0, ["Device.IP.Interface.4."]).with(
            Perms::NONE,
            Perms::NONE,
            Perms::NONE,
            Perms::NONE,
        ),
    ]);
    // Interface 3 is read-only (order 2 beats order 1); order 0 never wins.
    assert_eq!(role.every("Device.IP.Interface.{i}.Enable", |e| e.param), r);
    // Name is rwxn on every row (order 3 covers them all).
    assert_eq!(role.every("Device.IP.Interface.{i}.Name", |e| e.param), all);
    // A concrete path is as the plain query.
    assert_eq!(role.every("Device.IP.Interface.1.Enable", |e| e.param), rw);
    assert_eq!(role.every("Device.IP.Interface.3.Enable", |e| e.param), r);
    // Another table is untouched by the instance entries.
    assert_eq!(role.every("Device.Hosts.Host.{i}.", |e| e.instance), rw);
    // Everywhere: the deeper entries count.
    assert_eq!(role.every("", |e| e.param), r);
    // Nothing covering every instance: nothing.
    let only_one = Role::new(vec![
        Permission::new(1, ["Device.IP.Interface.1."]).with(all, all, all, all),
    ]);
    assert_eq!(
        only_one.every("Device.IP.Interface.{i}.", |e| e.instance),
        Perms::NONE
    );
    // Several roles: the union.
    let both = Roles(vec![only_one, role]);
    assert_eq!(both.every("Device.IP.Interface.{i}.Enable", |e| e.param), r);
    assert_eq!(
        usp_datamodel::FullAccess
            .to_roles()
            .unwrap()
            .every("", |e| e.command_event),
        all
    );
}

/// A ValueChange of a `secured` parameter carries its value only to a Controller holding a
/// secured role that may read it (security.md SecuredRoles), as a Get would; others are told
/// it changed, with "".
#[test]
fn r_sec_1_value_change_of_a_secured_parameter_is_hidden_without_a_secured_role() {
    use crate::notify::{add_sub, drain, notify};
    use pb::notify::Notification;
    let all = Perms::ALL;
    let full = || {
        Role::new(vec![
            Permission::new(1, ["Device."]).with(all, all, all, all),
        ])
    };
    let none = Perms::NONE;
    let cred_reader = Role::new(vec![
        Permission::new(1, ["Device.LocalAgent.Controller.*.Credential"]).with(
            p("r---"),
            none,
            none,
            none,
        ),
    ]);
    let mut dm = op_model();
    let mut a = Agent::new(AgentConfig::default());
    a.boot(Instant::default(), &mut dm);
    add_sub(
        &mut a,
        &mut dm,
        1,
        &[
            ("Enable", "true"),
            ("ID", "cred"),
            ("NotifType", "ValueChange"),
            ("ReferenceList", "Device.LocalAgent.Controller.1.Credential"),
        ],
    );
    let mut change = |a: &mut Agent, v: &str| {
        dm.set_value("Device.LocalAgent.Controller.1.", "Credential", v)
            .unwrap();
        a.value_changed(
            Instant::from_millis(2),
            &mut dm,
            "Device.LocalAgent.Controller.1.",
            "Credential",
        );
        let out = drain(a);
        assert_eq!(out.len(), 1, "one Notify");
        let Some(Notification::ValueChange(vc)) = &notify(&out[0]).1.notification else {
            panic!("not a ValueChange")
        };
        assert_eq!(vc.param_path, "Device.LocalAgent.Controller.1.Credential");
        vc.param_value.clone()
    };
    a.set_controller_roles(CTRL, Roles(vec![full()]));
    assert_eq!(change(&mut a, "first"), "", "ordinary role: hidden");
    a.set_controller_roles(CTRL, Roles(vec![full()]).with_secured(cred_reader));
    assert_eq!(
        change(&mut a, "second"),
        "second",
        "secured role: the value"
    );
    a.remove_controller_roles(CTRL);
    assert_eq!(
        change(&mut a, "third"),
        "",
        "no recorded roles: as FullAccess"
    );
}
