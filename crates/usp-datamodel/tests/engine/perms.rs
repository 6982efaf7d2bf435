//! Permissions (R-SEC.1 and the "without Read permission" rules): R-GET.1, R-GET.4, R-GIN.0,
//! R-GIN.1, R-GSP.0, R-SET.3, R-ADD.6, R-DEL.1 (no InstantiatedObj-w), R-DEL.2, R-DEL.4; and
//! secured parameters (TR-181 `SecuredRoles`) with R-SEC.1, R-GET.4, R-GIN.0, R-GIN.1,
//! R-SET.3, R-ADD.6.

use usp_datamodel::{
    AccessControl, Engine, MemoryDataModel, ObjAccess, ObjectDef, ParamAccess, ParamDef,
    Permission, Perms, Role, Roles, UniqueKey,
};
use usp_msg::pb;
use usp_msg::pb::request::ReqType;
use usp_msg::pb::response::RespType;
use usp_path::value::ValueType;

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

// Secured parameters (TR-181 `SecuredRoles`, security.md; REQUIREMENTS §5.1): the demo model
// marks `Device.LocalAgent.Controller.{i}.Credential` secured; the fixture's value is "s3cret".

/// An ordinary role with every permission on everything.
fn full() -> Role {
    let all = Perms::ALL;
    Role::new(vec![
        Permission::new(1, ["Device."]).with(all, all, all, all),
    ])
}

/// A role granting Param-r on every Controller's Credential.
fn cred_reader() -> Role {
    let none = Perms::NONE;
    Role::new(vec![
        Permission::new(1, ["Device.LocalAgent.Controller.*.Credential"]).with(
            p("r---"),
            none,
            none,
            none,
        ),
    ])
}

fn run_with<A: AccessControl + ?Sized>(m: &mut MemoryDataModel, acl: &A, rt: ReqType) -> pb::Msg {
    Engine::default()
        .handle_as(m, acl, &msg("t-1", rt))
        .expect("a reply")
}

fn get_with<A: AccessControl + ?Sized>(
    m: &mut MemoryDataModel,
    acl: &A,
    path: &str,
) -> pb::get_resp::RequestedPathResult {
    let r = run_with(
        m,
        acl,
        ReqType::Get(pb::Get {
            param_paths: vec![path.into()],
            max_depth: 0,
        }),
    );
    let Reply::Resp(RespType::GetResp(mut g)) = reply(r) else {
        panic!("not a GetResp")
    };
    g.req_path_results.remove(0)
}

/// The params Get `path` returns for `Device.LocalAgent.Controller.1.` (none: not resolved).
fn ctrl_params<A: AccessControl + ?Sized>(
    m: &mut MemoryDataModel,
    acl: &A,
    path: &str,
) -> Option<std::collections::BTreeMap<String, String>> {
    let r = get_with(m, acl, path);
    assert_eq!(r.err_code, 0, "{path}: {}", r.err_msg);
    r.resolved_path_results
        .into_iter()
        .find(|x| x.resolved_path == "Device.LocalAgent.Controller.1.")
        .map(|x| x.result_params)
}

#[test]
fn r_sec_1_r_get_4_secured_values_need_a_secured_role() {
    let mut m = model();
    let plain = Roles(vec![full()]);
    let trusted = Roles(vec![full()]).with_secured(cred_reader());
    let built = Roles(vec![
        full(),
        Role::new_secured(cred_reader().entries().to_vec()),
    ]);
    assert!(!plain.secured("Device.LocalAgent.Controller.1.", "Credential"));
    assert!(trusted.secured("Device.LocalAgent.Controller.1.", "Credential"));
    // Parameter path, wildcard, object path (bulk read), a deeper traversal.
    for path in [
        "Device.LocalAgent.Controller.1.Credential",
        "Device.LocalAgent.Controller.*.Credential",
        "Device.LocalAgent.Controller.1.",
        "Device.LocalAgent.",
    ] {
        let got = |acl: &Roles, m: &mut MemoryDataModel| {
            ctrl_params(m, acl, path).expect("resolved")["Credential"].clone()
        };
        assert_eq!(got(&plain, &mut m), "", "{path}: no secured role");
        assert_eq!(got(&trusted, &mut m), "s3cret", "{path}: secured role");
        assert_eq!(got(&built, &mut m), "s3cret", "{path}: Role::new_secured");
    }
    // A secured role alone makes nothing readable: visibility is the ordinary roles' job.
    let only = Roles::default().with_secured(cred_reader());
    assert_eq!(
        get_with(&mut m, &only, "Device.LocalAgent.Controller.1.Credential").err_code,
        7026
    );
    // Engine::handle (FullAccess) holds no secured role.
    assert_eq!(
        get_ok(&mut m, "Device.LocalAgent.Controller.1.Credential", 0)[0].1["Credential"],
        ""
    );
    // A secured role not covering the parameter does not reveal it.
    let elsewhere = Roles(vec![full()]).with_secured(Role::new(vec![
        Permission::new(1, ["Device.DeviceInfo."]).with(
            Perms::ALL,
            Perms::ALL,
            Perms::ALL,
            Perms::ALL,
        ),
    ]));
    assert_eq!(
        ctrl_params(&mut m, &elsewhere, "Device.LocalAgent.Controller.1.").unwrap()["Credential"],
        ""
    );
}

#[test]
fn r_sec_1_secured_role_ignores_non_secured_params() {
    let mut m = model();
    let r = p("r---");
    let none = Perms::NONE;
    // Ordinary: the Controller table's objects and its Credential, nothing else.
    let ordinary = Role::new(vec![
        Permission::new(1, ["Device.LocalAgent.Controller."]).with(none, r, r, none),
        Permission::new(2, ["Device.LocalAgent.Controller.*.Credential"]).with(r, r, r, none),
    ]);
    // Secured: a partial path granting everything.
    let all = Perms::ALL;
    let secured = Role::new(vec![
        Permission::new(1, ["Device."]).with(all, all, all, all),
    ]);
    let acl = Roles(vec![ordinary]).with_secured(secured);
    let params = ctrl_params(&mut m, &acl, "Device.LocalAgent.Controller.1.").unwrap();
    assert_eq!(params["Credential"], "s3cret");
    assert!(
        !params.contains_key("EndpointID") && !params.contains_key("Alias"),
        "non-secured parameters of the secured role's targets stay unreadable: {params:?}"
    );
    assert_eq!(
        get_with(&mut m, &acl, "Device.LocalAgent.Controller.1.EndpointID").err_code,
        7026
    );
    assert_eq!(get_with(&mut m, &acl, "Device.DeviceInfo.").err_code, 7026);
    assert_eq!(acl.param("Device.DeviceInfo.", "SerialNumber"), Perms::NONE);
    assert_eq!(acl.obj("Device.DeviceInfo."), Perms::NONE);
    assert_eq!(acl.command_event("Device.Reboot()"), Perms::NONE);
    assert_eq!(
        acl.every("Device.DeviceInfo.SerialNumber", |e| e.param),
        Perms::NONE
    );
    // Nor writable.
    let before = m.dump();
    let out = run_with(
        &mut m,
        &acl,
        set_one(
            "Device.LocalAgent.Controller.1.",
            "EndpointID",
            "proto::other",
        ),
    );
    assert!(matches!(reply(out), Reply::Err(_)));
    assert_eq!(m.dump(), before);
}

#[test]
fn r_gin_0_search_on_secured_param_does_not_leak() {
    let mut m = model();
    let plain = Roles(vec![full()]);
    let trusted = Roles(vec![full()]).with_secured(cred_reader());
    let matches = |m: &mut MemoryDataModel, acl: &Roles, path: &str| {
        let r = get_with(m, acl, path);
        assert_eq!(r.err_code, 0, "{path}: {}", r.err_msg);
        r.resolved_path_results.len()
    };
    // Without the secured role a right guess, a wrong guess and the null value all match
    // nothing, so the value cannot be probed.
    for expr in [
        r#"[Credential=="s3cret"]"#,
        r#"[Credential=="guess"]"#,
        r#"[Credential!="guess"]"#,
        r#"[Credential==""]"#,
    ] {
        let path = format!("Device.LocalAgent.Controller.{expr}.EndpointID");
        assert_eq!(matches(&mut m, &plain, &path), 0, "{path}");
        let gi = run_with(
            &mut m,
            &plain,
            ReqType::GetInstances(pb::GetInstances {
                obj_paths: vec![format!("Device.LocalAgent.Controller.{expr}.")],
                first_level_only: true,
            }),
        );
        let Reply::Resp(RespType::GetInstancesResp(g)) = reply(gi) else {
            panic!()
        };
        assert!(g.req_path_results[0].curr_insts.is_empty(), "{expr}");
    }
    // With it the search sees the real value.
    assert_eq!(
        matches(
            &mut m,
            &trusted,
            r#"Device.LocalAgent.Controller.[Credential=="s3cret"].EndpointID"#
        ),
        1
    );
    assert_eq!(
        matches(
            &mut m,
            &trusted,
            r#"Device.LocalAgent.Controller.[Credential=="guess"].EndpointID"#
        ),
        0
    );
}

#[test]
fn r_set_3_secured_value_is_echoed_only_with_a_secured_role() {
    use pb::set_resp::updated_object_result::operation_status::OperStatus;
    let mut m = model();
    let echo = |m: &mut MemoryDataModel, acl: &Roles, v: &str| {
        let r = run_with(
            m,
            acl,
            set_one("Device.LocalAgent.Controller.1.", "Credential", v),
        );
        let Reply::Resp(RespType::SetResp(s)) = reply(r) else {
            panic!("not a SetResp")
        };
        let Some(OperStatus::OperSuccess(ok)) = s.updated_obj_results[0]
            .oper_status
            .clone()
            .and_then(|o| o.oper_status)
        else {
            panic!()
        };
        ok.updated_inst_results[0].updated_params.clone()
    };
    let plain = Roles(vec![full()]);
    let trusted = Roles(vec![full()]).with_secured(cred_reader());
    assert!(!echo(&mut m, &plain, "one").contains_key("Credential"));
    assert_eq!(echo(&mut m, &trusted, "two")["Credential"], "two");
    assert_eq!(
        value(&m, "Device.LocalAgent.Controller.1.", "Credential").as_deref(),
        Some("two")
    );
}

#[test]
fn r_gin_1_r_add_6_secured_unique_keys() {
    use pb::add_resp::created_object_result::operation_status::OperStatus;
    let mut s = schema();
    s.add_object(
        ObjectDef::new("Device.X_Vault.{i}.")
            .with_access(ObjAccess::AddDelete)
            .with_unique_key(UniqueKey::new(["Secret"]))
            .with_param(
                ParamDef::new("Secret", ValueType::String)
                    .with_access(ParamAccess::ReadWrite)
                    .secured(),
            ),
    )
    .unwrap();
    let mut m = model_with(s);
    let none = Perms::NONE;
    let plain = Roles(vec![full()]);
    let trusted = Roles(vec![full()]).with_secured(Role::new(vec![
        Permission::new(1, ["Device.X_Vault.*.Secret"]).with(p("r---"), none, none, none),
    ]));
    let add = |m: &mut MemoryDataModel, acl: &Roles, v: &str| {
        let r = run_with(
            m,
            acl,
            add_req(
                false,
                vec![create("Device.X_Vault.", &[("Secret", v, true)])],
            ),
        );
        let Reply::Resp(RespType::AddResp(a)) = reply(r) else {
            panic!("not an AddResp")
        };
        let Some(OperStatus::OperSuccess(ok)) = a.created_obj_results[0]
            .oper_status
            .clone()
            .and_then(|o| o.oper_status)
        else {
            panic!()
        };
        ok.unique_keys
    };
    assert_eq!(add(&mut m, &plain, "k1")["Secret"], "");
    assert_eq!(add(&mut m, &trusted, "k2")["Secret"], "k2");
    let keys = |m: &mut MemoryDataModel, acl: &Roles| {
        let r = run_with(
            m,
            acl,
            ReqType::GetInstances(pb::GetInstances {
                obj_paths: vec!["Device.X_Vault.".into()],
                first_level_only: true,
            }),
        );
        let Reply::Resp(RespType::GetInstancesResp(g)) = reply(r) else {
            panic!()
        };
        g.req_path_results[0]
            .curr_insts
            .iter()
            .map(|c| c.unique_keys["Secret"].clone())
            .collect::<Vec<_>>()
    };
    assert_eq!(keys(&mut m, &plain), ["", ""]);
    assert_eq!(keys(&mut m, &trusted), ["k1", "k2"]);
    // A unique-key address on the secured key does not confirm a guess either.
    assert_eq!(
        get_with(&mut m, &plain, r#"Device.X_Vault.[Secret=="k1"].Secret"#).err_code,
        7026
    );
    assert_eq!(
        get_with(&mut m, &plain, r#"Device.X_Vault.[Secret=="nope"].Secret"#).err_code,
        7026
    );
    let r = get_with(&mut m, &trusted, r#"Device.X_Vault.[Secret=="k1"].Secret"#);
    assert_eq!(r.resolved_path_results[0].result_params["Secret"], "k1");
}
