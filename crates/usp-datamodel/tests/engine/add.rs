//! Add: R-ADD.0–R-ADD.5, unique keys (7025), table checks (7018, 7019), defaults.

use usp_datamodel::DataModel;
use usp_msg::pb;
use usp_msg::pb::add_resp::created_object_result::operation_status::OperStatus;
use usp_msg::pb::request::ReqType;
use usp_msg::pb::response::RespType;

use crate::common::*;

pub(crate) fn create(path: &str, params: &[(&str, &str, bool)]) -> pb::add::CreateObject {
    pb::add::CreateObject {
        obj_path: path.into(),
        param_settings: params
            .iter()
            .map(|(p, v, r)| pb::add::CreateParamSetting {
                param: (*p).into(),
                value: (*v).into(),
                required: *r,
            })
            .collect(),
    }
}

pub(crate) fn add_req(allow_partial: bool, objs: Vec<pb::add::CreateObject>) -> ReqType {
    ReqType::Add(pb::Add {
        allow_partial,
        create_objs: objs,
    })
}

fn add_resp<M: DataModel>(
    dm: &mut M,
    allow_partial: bool,
    objs: Vec<pb::add::CreateObject>,
) -> Vec<(String, OperStatus)> {
    match reply(run(dm, add_req(allow_partial, objs))) {
        Reply::Resp(RespType::AddResp(r)) => r
            .created_obj_results
            .into_iter()
            .map(|o| {
                (
                    o.requested_path,
                    o.oper_status
                        .and_then(|s| s.oper_status)
                        .expect("oper_status"),
                )
            })
            .collect(),
        Reply::Err(e) => panic!("unexpected Error {e:?}"),
        Reply::Resp(r) => panic!("not an AddResp: {r:?}"),
    }
}

fn rows<M: DataModel>(m: &M, table: &str) -> Vec<u32> {
    let mut v = Vec::new();
    m.instances(table, &mut v);
    v
}

#[test]
fn r_add_5_agent_assigns_alias_and_returns_unique_keys_and_defaults_apply() {
    // TP-469 1.81
    let mut m = model();
    let r = add_resp(
        &mut m,
        false,
        vec![create(
            "Device.LocalAgent.Controller.",
            &[("EndpointID", "proto::c2", true)],
        )],
    );
    let OperStatus::OperSuccess(s) = &r[0].1 else {
        panic!()
    };
    assert_eq!(s.instantiated_path, "Device.LocalAgent.Controller.2.");
    assert_eq!(s.unique_keys["EndpointID"], "proto::c2");
    assert_eq!(s.unique_keys["Alias"], "cpe-2");
    assert!(s.param_errs.is_empty());
    assert_eq!(
        value(
            &m,
            "Device.LocalAgent.Controller.2.",
            "PeriodicNotifInterval"
        )
        .as_deref(),
        Some("86400")
    );
    assert_eq!(
        value(&m, "Device.LocalAgent.Controller.2.", "Enable").as_deref(),
        Some("false")
    );
}

#[test]
fn cpe_alias_skips_values_in_use() {
    let mut m = model();
    let r = add_resp(
        &mut m,
        true,
        vec![create("Device.IP.Interface.", &[("Name", "x", true)])],
    );
    let OperStatus::OperSuccess(s) = &r[0].1 else {
        panic!()
    };
    assert_eq!(s.unique_keys["Alias"], "cpe-4");
    // Alias cpe-5 is taken by the next given one; the Agent skips it.
    add_resp(
        &mut m,
        true,
        vec![create("Device.IP.Interface.", &[("Alias", "cpe-6", true)])],
    );
    let r = add_resp(&mut m, true, vec![create("Device.IP.Interface.", &[])]);
    let OperStatus::OperSuccess(s) = &r[0].1 else {
        panic!()
    };
    assert_eq!(s.unique_keys["Alias"], "cpe-7");
}

#[test]
fn r_add_4_failed_optional_param_is_listed_and_the_row_is_created() {
    let mut m = model();
    let r = add_resp(
        &mut m,
        true,
        vec![create(
            "Device.IP.Interface.",
            &[
                ("MaxMTUSize", "1", false),
                ("Type", "Tunnel", false),
                ("Stats.BytesSent", "5", false),
            ],
        )],
    );
    let OperStatus::OperSuccess(s) = &r[0].1 else {
        panic!()
    };
    let codes: Vec<(&str, u32)> = s
        .param_errs
        .iter()
        .map(|e| (e.param.as_str(), e.err_code))
        .collect();
    assert_eq!(codes, [("MaxMTUSize", 7012), ("Stats.BytesSent", 7013)]);
    assert_eq!(
        value(&m, &s.instantiated_path, "MaxMTUSize").as_deref(),
        Some("1500")
    );
    assert_eq!(
        value(&m, &s.instantiated_path, "Type").as_deref(),
        Some("Tunnel")
    );
}

#[test]
fn r_add_3_failed_required_param_creates_nothing() {
    let mut m = model();
    let r = add_resp(
        &mut m,
        true,
        vec![create("Device.IP.Interface.", &[("MaxMTUSize", "1", true)])],
    );
    let OperStatus::OperFailure(f) = &r[0].1 else {
        panic!()
    };
    assert_eq!(f.err_code, 7021);
    assert!(f.err_msg.contains("MaxMTUSize"));
    assert_eq!(rows(&m, "Device.IP.Interface."), [1, 2, 3]);
    // Unique keys are implicitly required.
    let r = add_resp(
        &mut m,
        true,
        vec![create("Device.IP.Interface.", &[("Alias", "9bad", false)])],
    );
    let OperStatus::OperFailure(f) = &r[0].1 else {
        panic!()
    };
    assert_eq!(f.err_code, 7021);
}

#[test]
fn r_add_0_objects_are_independent_with_allow_partial() {
    // TP-469 1.8, 1.9
    let mut m = model();
    let r = add_resp(
        &mut m,
        true,
        vec![
            create(
                "Device.LocalAgent.Controller.",
                &[("EndpointID", "proto::a", true)],
            ),
            create(
                "Device.LocalAgent.Controller.",
                &[("EndpointID", "proto::controller", true)],
            ),
        ],
    );
    assert!(matches!(r[0].1, OperStatus::OperSuccess(_)));
    let OperStatus::OperFailure(f) = &r[1].1 else {
        panic!()
    };
    assert_eq!(f.err_code, 7025);
    assert_eq!(rows(&m, "Device.LocalAgent.Controller."), [1, 2]);
}

#[test]
fn r_add_1_any_failure_without_allow_partial_is_an_error_and_creates_nothing() {
    // TP-469 1.3-1.7
    for native in [true, false] {
        let mut m = Flaky::new(model(), native);
        let before = m.inner.dump();
        let e = error(run(
            &mut m,
            add_req(
                false,
                vec![
                    create(
                        "Device.LocalAgent.Controller.",
                        &[("EndpointID", "proto::a", true)],
                    ),
                    create(
                        "Device.LocalAgent.Controller.",
                        &[("EndpointID", "proto::b", true), ("Enable", "x", true)],
                    ),
                ],
            ),
        ));
        assert_eq!(e.err_code, 7021);
        assert_eq!(
            e.param_errs[0].param_path,
            "Device.LocalAgent.Controller.{i}.Enable"
        );
        assert_eq!(e.param_errs[0].err_code, 7011);
        assert_eq!(m.inner.dump(), before, "native rollback: {native}");
        assert_eq!(rows(&m.inner, "Device.LocalAgent.Controller."), [1]);
    }
}

#[test]
fn r_add_2_search_path_gives_one_result_per_matched_table() {
    let mut m = model();
    let r = add_resp(
        &mut m,
        true,
        vec![create(
            r#"Device.IP.Interface.[Type=="Normal"].IPv4Address."#,
            &[],
        )],
    );
    let paths: Vec<_> = r
        .iter()
        .map(|(req, s)| {
            assert_eq!(req, r#"Device.IP.Interface.[Type=="Normal"].IPv4Address."#);
            let OperStatus::OperSuccess(s) = s else {
                panic!()
            };
            s.instantiated_path.clone()
        })
        .collect();
    assert_eq!(
        paths,
        [
            "Device.IP.Interface.1.IPv4Address.3.",
            "Device.IP.Interface.3.IPv4Address.1."
        ]
    );
}

#[test]
fn r_add_2a_later_match_failing_rolls_back_earlier_ones() {
    // TP-469 1.95
    let mut m = Flaky::new(model(), false);
    // Interface 1 already has an IPv4Address with Alias a1; Interface 3 has none.
    let before = m.inner.dump();
    let e = error(run(
        &mut m,
        add_req(
            false,
            vec![create(
                "Device.IP.Interface.*.IPv4Address.",
                &[("Alias", "a1", true)],
            )],
        ),
    ));
    assert_eq!(e.err_code, 7025);
    assert_eq!(m.inner.dump(), before);
}

#[test]
fn model_refusing_the_row_gives_its_code() {
    let mut m = Flaky::new(model(), true);
    m.refuse_add = true;
    let r = add_resp(&mut m, true, vec![create("Device.IP.Interface.", &[])]);
    let OperStatus::OperFailure(f) = &r[0].1 else {
        panic!()
    };
    assert_eq!((f.err_code, f.err_msg.as_str()), (7017, "no room"));
}

#[test]
fn add_path_errors() {
    let mut m = model();
    let cases = [
        ("Device.DeviceInfo.", 7018),
        ("Device.IP.Interface.1.", 7018),
        ("Device.IP.Interface.1.Name", 7018),
        ("Device.LocalAgent.Request.", 7019),
        (
            "Device.DeviceInfo.TemperatureStatus.TemperatureSensor.",
            7019,
        ),
        ("Device.Nope.", 7026),
        ("Device.IP.Interface.9.IPv4Address.", 7016),
        ("Device.IP..", 7008),
    ];
    for (p, want) in cases {
        let r = add_resp(&mut m, true, vec![create(p, &[])]);
        let OperStatus::OperFailure(f) = &r[0].1 else {
            panic!("{p}")
        };
        assert_eq!(f.err_code, want, "{p}: {}", f.err_msg);
        let e = error(run(&mut m, add_req(false, vec![create(p, &[])])));
        assert_eq!(e.err_code, want, "{p}");
    }
}

#[test]
fn r_add_3_values_must_match_a_pattern_7012() {
    let mut m = crate::set::model_with_patterns();
    let before = rows(&m, "Device.IP.Interface.");
    let r = add_resp(
        &mut m,
        true,
        vec![
            create("Device.IP.Interface.", &[("X_MAC", "00:11:22:33:44", true)]),
            create("Device.IP.Interface.", &[("X_Mark", "70", false)]),
        ],
    );
    let OperStatus::OperFailure(f) = &r[0].1 else {
        panic!("{r:?}")
    };
    assert_eq!(f.err_code, 7021, "{f:?}");
    assert!(f.err_msg.contains("X_MAC"), "{f:?}");
    let OperStatus::OperSuccess(s) = &r[1].1 else {
        panic!("{r:?}")
    };
    assert_eq!(s.param_errs[0].err_code, 7012, "{s:?}");
    assert!(s.param_errs[0].err_msg.contains("X_Mark"), "{s:?}");
    assert_eq!(rows(&m, "Device.IP.Interface.").len(), before.len() + 1);
}
