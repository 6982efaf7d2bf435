//! Permissions (R-SEC.1 and the "without Read permission" rules): R-GET.1, R-GET.4, R-GIN.0,
//! R-GIN.1, R-GSP.0, R-SET.3, R-ADD.6, R-DEL.1 (no InstantiatedObj-w), R-DEL.2, R-DEL.4.

use usp_datamodel::{Engine, MemoryDataModel, Permission, Perms, Role, Roles};
use usp_msg::pb;
use usp_msg::pb::request::ReqType;
use usp_msg::pb::response::RespType;

use crate::add::{add_req, create};
use crate::common::*;
use crate::delete::del_req;
use crate::set::{set_req, upd};

fn p(s: &str) -> Perms {
    Perms::parse(s).unwrap()
}

fn role() -> Role {
    let all = Perms::ALL;
    let none = Perms::NONE;
    Role::new(vec![
        Permission::new(1, ["Device."]).with(all, all, all, all),
        Permission::new(11, ["Device.LocalAgent.Controller.{i}.Credential"]).with(
            p("-w--"),
            all,
            all,
            all,
        ),
        Permission::new(3, ["Device.DeviceInfo."]).with(none, none, none, none),
        Permission::new(4, ["Device.IP.Interface.{i}.Enable"]).with(none, all, all, all),
        Permission::new(5, ["Device.IP.Interface.{i}.Alias"]).with(p("-w--"), all, all, all),
        Permission::new(6, ["Device.LocalAgent.Subscription."]).with(all, p("r---"), all, all),
        Permission::new(7, ["Device.IP.Interface.{i}.IPv4Address."]).with(all, all, p("r---"), all),
        Permission::new(8, ["Device.IP.Interface.{i}.MaxMTUSize"]).with(p("r---"), all, all, all),
        Permission::new(9, ["Device.LocalAgent.Controller."]).with(all, all, p("-w--"), all),
        Permission::new(10, ["Device.Reboot()"]).with(all, all, all, none),
    ])
}

fn run_as(m: &mut MemoryDataModel, rt: ReqType) -> pb::Msg {
    Engine::default()
        .handle_as(m, &role(), &msg("t-1", rt))
        .expect("a reply")
}

fn get_as(m: &mut MemoryDataModel, path: &str) -> pb::get_resp::RequestedPathResult {
    let r = run_as(
        m,
        ReqType::Get(pb::Get {
            param_paths: vec![path.into()],
            max_depth: 0,
        }),
    );
    let Reply::Resp(RespType::GetResp(mut g)) = reply(r) else {
        panic!()
    };
    g.req_path_results.remove(0)
}

#[test]
fn r_get_1_unreadable_objects_are_unsupported_not_denied() {
    let mut m = model();
    assert_eq!(get_as(&mut m, "Device.DeviceInfo.").err_code, 7026);
    assert_eq!(
        get_as(&mut m, "Device.DeviceInfo.Manufacturer").err_code,
        7026
    );
    // Device. still answers, without DeviceInfo's parameters.
    let r = get_as(&mut m, "Device.");
    assert_eq!(r.err_code, 0);
    assert!(
        r.resolved_path_results
            .iter()
            .all(|x| x.resolved_path != "Device.DeviceInfo.")
    );
}

#[test]
fn r_get_4_unreadable_params_are_dropped() {
    let mut m = model();
    let r = get_as(&mut m, "Device.LocalAgent.Controller.1.");
    assert!(
        !r.resolved_path_results[0]
            .result_params
            .contains_key("Credential")
    );
    assert!(
        r.resolved_path_results[0]
            .result_params
            .contains_key("EndpointID")
    );
    assert_eq!(
        get_as(&mut m, "Device.LocalAgent.Controller.1.Credential").err_code,
        7026
    );
    // Readable object, no readable parameter: still a result, with empty result_params.
    let only_mtu = Role::new(vec![
        Permission::new(1, ["Device."]).with(Perms::ALL, Perms::ALL, Perms::ALL, Perms::ALL),
        Permission::new(2, ["Device.DeviceInfo."]).with(
            Perms::NONE,
            Perms::ALL,
            Perms::ALL,
            Perms::ALL,
        ),
    ]);
    let r = Engine::default()
        .handle_as(
            &mut m,
            &only_mtu,
            &msg(
                "t-1",
                ReqType::Get(pb::Get {
                    param_paths: vec!["Device.DeviceInfo.".into()],
                    max_depth: 1,
                }),
            ),
        )
        .expect("a reply");
    let Reply::Resp(RespType::GetResp(g)) = reply(r) else {
        panic!()
    };
    let rp = &g.req_path_results[0];
    assert_eq!(rp.err_code, 0, "{}", rp.err_msg);
    assert_eq!(rp.resolved_path_results.len(), 1);
    assert_eq!(
        rp.resolved_path_results[0].resolved_path,
        "Device.DeviceInfo."
    );
    assert!(rp.resolved_path_results[0].result_params.is_empty());
}

#[test]
fn r_gin_0_search_on_unreadable_param_hides_instances() {
    let mut m = model();
    let r = run_as(
        &mut m,
        ReqType::GetInstances(pb::GetInstances {
            obj_paths: vec![
                "Device.IP.Interface.[Enable==true].".into(),
                "Device.IP.Interface.1.IPv4Address.".into(),
            ],
            first_level_only: true,
        }),
    );
    let Reply::Resp(RespType::GetInstancesResp(g)) = reply(r) else {
        panic!()
    };
    assert_eq!(g.req_path_results[0].err_code, 0);
    assert!(g.req_path_results[0].curr_insts.is_empty());
    assert_eq!(g.req_path_results[1].curr_insts.len(), 2);
    // Without InstantiatedObj-r the Controllers are not listed.
    let r = run_as(
        &mut m,
        ReqType::GetInstances(pb::GetInstances {
            obj_paths: vec!["Device.LocalAgent.Controller.".into()],
            first_level_only: true,
        }),
    );
    let Reply::Resp(RespType::GetInstancesResp(g)) = reply(r) else {
        panic!()
    };
    assert!(g.req_path_results[0].curr_insts.is_empty());
}

#[test]
fn r_gin_1_unreadable_unique_keys_are_left_out() {
    let mut m = model();
    let r = run_as(
        &mut m,
        ReqType::GetInstances(pb::GetInstances {
            obj_paths: vec!["Device.IP.Interface.".into()],
            first_level_only: true,
        }),
    );
    let Reply::Resp(RespType::GetInstancesResp(g)) = reply(r) else {
        panic!()
    };
    let k = &g.req_path_results[0].curr_insts[0].unique_keys;
    assert!(!k.contains_key("Alias"));
    assert_eq!(k["Name"], "eth0");
}

#[test]
fn r_gsp_0_unreadable_is_absent_from_the_supported_dm() {
    let mut m = model();
    let r = run_as(
        &mut m,
        ReqType::GetSupportedDm(pb::GetSupportedDm {
            obj_paths: vec![
                "Device.".into(),
                "Device.DeviceInfo.".into(),
                "Device.Reboot()".into(),
                "Device.LocalAgent.Controller.{i}.".into(),
            ],
            return_params: true,
            return_commands: true,
            ..Default::default()
        }),
    );
    let Reply::Resp(RespType::GetSupportedDmResp(g)) = reply(r) else {
        panic!()
    };
    let objs = &g.req_obj_results[0].supported_objs;
    assert!(
        objs.iter()
            .all(|o| !o.supported_obj_path.starts_with("Device.DeviceInfo."))
    );
    assert!(
        objs[0]
            .supported_commands
            .iter()
            .all(|c| c.command_name != "Reboot()")
    );
    assert!(
        objs[0]
            .supported_commands
            .iter()
            .any(|c| c.command_name == "SelfTestDiagnostics()")
    );
    assert_eq!(g.req_obj_results[1].err_code, 7026);
    assert_eq!(g.req_obj_results[2].err_code, 7026);
    let c = &g.req_obj_results[3].supported_objs[0];
    assert!(
        c.supported_params
            .iter()
            .all(|p| p.param_name != "Credential")
    );
}

#[test]
fn r_set_3_and_r_sec_1_set_permissions() {
    let mut m = model();
    let r = run_as(
        &mut m,
        set_req(
            true,
            vec![
                upd(
                    "Device.LocalAgent.Controller.1.",
                    &[("Credential", "new", false), ("Enable", "true", false)],
                ),
                upd("Device.IP.Interface.1.", &[("MaxMTUSize", "1400", false)]),
            ],
        ),
    );
    let Reply::Resp(RespType::SetResp(s)) = reply(r) else {
        panic!()
    };
    use pb::set_resp::updated_object_result::operation_status::OperStatus;
    let st = |i: usize| {
        s.updated_obj_results[i]
            .oper_status
            .clone()
            .and_then(|o| o.oper_status)
            .unwrap()
    };
    let OperStatus::OperSuccess(ok) = st(0) else {
        panic!()
    };
    let u = &ok.updated_inst_results[0].updated_params;
    assert!(
        !u.contains_key("Credential"),
        "write-only for this Controller: not echoed"
    );
    assert_eq!(u["Enable"], "true");
    assert_eq!(
        value(&m, "Device.LocalAgent.Controller.1.", "Credential").as_deref(),
        Some("new")
    );
    let OperStatus::OperSuccess(ok) = st(1) else {
        panic!()
    };
    assert_eq!(ok.updated_inst_results[0].param_errs[0].err_code, 7006);
    assert_eq!(
        value(&m, "Device.IP.Interface.1.", "MaxMTUSize").as_deref(),
        Some("1500")
    );
}

#[test]
fn r_add_6_and_r_sec_1_add_permissions() {
    let mut m = model();
    use pb::add_resp::created_object_result::operation_status::OperStatus;
    let r = run_as(
        &mut m,
        add_req(
            true,
            vec![
                create("Device.IP.Interface.", &[("MaxMTUSize", "1400", false)]),
                create("Device.IP.Interface.", &[("MaxMTUSize", "1400", true)]),
                create("Device.LocalAgent.Subscription.", &[]),
            ],
        ),
    );
    let Reply::Resp(RespType::AddResp(a)) = reply(r) else {
        panic!()
    };
    let st = |i: usize| {
        a.created_obj_results[i]
            .oper_status
            .clone()
            .and_then(|o| o.oper_status)
            .unwrap()
    };
    let OperStatus::OperSuccess(ok) = st(0) else {
        panic!()
    };
    assert!(
        ok.param_errs.is_empty(),
        "a non-required parameter the Controller may not write is ignored"
    );
    assert!(!ok.unique_keys.contains_key("Alias"), "R-ADD.6");
    assert!(ok.unique_keys.contains_key("Name"));
    assert_eq!(
        value(&m, &ok.instantiated_path, "MaxMTUSize").as_deref(),
        Some("1500")
    );
    let OperStatus::OperFailure(f) = st(1) else {
        panic!()
    };
    assert_eq!(f.err_code, 7021);
    let OperStatus::OperFailure(f) = st(2) else {
        panic!()
    };
    assert_eq!(f.err_code, 7006);
}

#[test]
fn r_del_1_2_4_delete_permissions() {
    use pb::delete_resp::deleted_object_result::operation_status::OperStatus;
    let mut m = model();
    let before = m.dump();
    let e = error(run_as(
        &mut m,
        del_req(false, &["Device.IP.Interface.1.IPv4Address.1."]),
    ));
    assert_eq!(e.err_code, 7006);
    assert_eq!(m.dump(), before);
    let r = run_as(
        &mut m,
        del_req(
            true,
            &[
                "Device.IP.Interface.1.IPv4Address.*.",
                "Device.LocalAgent.Controller.1.",
            ],
        ),
    );
    let Reply::Resp(RespType::DeleteResp(d)) = reply(r) else {
        panic!()
    };
    let st = |i: usize| {
        d.deleted_obj_results[i]
            .oper_status
            .clone()
            .and_then(|o| o.oper_status)
            .unwrap()
    };
    let OperStatus::OperSuccess(ok) = st(0) else {
        panic!()
    };
    assert!(ok.affected_paths.is_empty());
    assert_eq!(ok.unaffected_path_errs.len(), 2);
    assert_eq!(ok.unaffected_path_errs[0].err_code, 7006);
    // Controller.1 is deleted but, without InstantiatedObj-r, not reported (R-DEL.2).
    let OperStatus::OperSuccess(ok) = st(1) else {
        panic!()
    };
    assert!(ok.affected_paths.is_empty());
    assert!(value(&m, "Device.LocalAgent.Controller.1.", "Alias").is_none());
}

#[test]
fn roles_combine_per_letter() {
    let a = Role::new(vec![Permission::new(1, ["Device."]).with(
        p("r---"),
        p("r---"),
        p("r---"),
        p("r---"),
    )]);
    let b = Role::new(vec![Permission::new(1, ["Device.IP."]).with(
        p("-w--"),
        p("-w--"),
        p("-w--"),
        p("--x-"),
    )]);
    let r = Roles(vec![a, b]);
    use usp_datamodel::AccessControl;
    assert_eq!(r.param("Device.IP.Interface.1.", "Name"), p("rw--"));
    assert_eq!(r.param("Device.DeviceInfo.", "Manufacturer"), p("r---"));
    assert_eq!(r.command_event("Device.IP.Interface.1.Reset()"), p("r-x-"));
}

#[test]
fn r_del_4_unreadable_failed_rows_are_not_reported() {
    use pb::delete_resp::deleted_object_result::operation_status::OperStatus;
    let all = Perms::ALL;
    // The Controller can neither read nor delete the IPv4Address rows.
    let role = Role::new(vec![
        Permission::new(1, ["Device."]).with(all, all, all, all),
        Permission::new(2, ["Device.IP.Interface.{i}.IPv4Address."]).with(
            all,
            all,
            Perms::NONE,
            all,
        ),
    ]);
    let mut m = model();
    let r = Engine::default()
        .handle_as(
            &mut m,
            &role,
            &msg(
                "t-1",
                del_req(true, &["Device.IP.Interface.1.IPv4Address.*."]),
            ),
        )
        .unwrap();
    let Reply::Resp(RespType::DeleteResp(d)) = reply(r) else {
        panic!()
    };
    let st = d.deleted_obj_results[0]
        .oper_status
        .clone()
        .and_then(|o| o.oper_status)
        .unwrap();
    let OperStatus::OperSuccess(ok) = st else {
        panic!()
    };
    assert!(ok.affected_paths.is_empty() && ok.unaffected_path_errs.is_empty());
    let mut rows = Vec::new();
    usp_datamodel::DataModel::instances(&m, "Device.IP.Interface.1.IPv4Address.", &mut rows);
    assert_eq!(rows, [1, 2], "nothing deleted");
}
