//! Set: R-SET.0–R-SET.3, R-KEY.1, R-KEY.2, R-MSG.4a, value checks (R-ENC.6), transactions.

use usp_datamodel::MemoryDataModel;
use usp_msg::pb;
use usp_msg::pb::request::ReqType;
use usp_msg::pb::response::RespType;
use usp_msg::pb::set_resp::updated_object_result::operation_status::OperStatus;

use crate::common::*;

pub(crate) fn upd(path: &str, params: &[(&str, &str, bool)]) -> pb::set::UpdateObject {
    pb::set::UpdateObject {
        obj_path: path.into(),
        param_settings: params
            .iter()
            .map(|(p, v, r)| pb::set::UpdateParamSetting {
                param: (*p).into(),
                value: (*v).into(),
                required: *r,
            })
            .collect(),
    }
}

pub(crate) fn set_req(allow_partial: bool, objs: Vec<pb::set::UpdateObject>) -> ReqType {
    ReqType::Set(pb::Set {
        allow_partial,
        update_objs: objs,
    })
}

fn set_resp<M: usp_datamodel::DataModel>(
    dm: &mut M,
    allow_partial: bool,
    objs: Vec<pb::set::UpdateObject>,
) -> Vec<OperStatus> {
    match reply(run(dm, set_req(allow_partial, objs))) {
        Reply::Resp(RespType::SetResp(r)) => r
            .updated_obj_results
            .into_iter()
            .map(|o| {
                o.oper_status
                    .and_then(|s| s.oper_status)
                    .expect("oper_status")
            })
            .collect(),
        Reply::Err(e) => panic!("unexpected Error {e:?}"),
        Reply::Resp(r) => panic!("not a SetResp: {r:?}"),
    }
}

fn param_code(dm: &mut MemoryDataModel, obj: &str, p: &str, v: &str) -> u32 {
    // Non-required: the object succeeds and the parameter error carries the code.
    let r = set_resp(dm, true, vec![upd(obj, &[(p, v, false)])]);
    match &r[0] {
        OperStatus::OperSuccess(s) => s.updated_inst_results[0]
            .param_errs
            .first()
            .map_or(0, |e| e.err_code),
        OperStatus::OperFailure(f) => panic!("object failed: {f:?}"),
    }
}

#[test]
fn r_enc_6_value_and_access_checks_give_the_exact_codes() {
    let mut m = model();
    let cases = [
        ("Device.IP.Interface.1.", "Enable", "yes", 7011),
        ("Device.IP.Interface.1.", "MaxMTUSize", "abc", 7011),
        ("Device.IP.Interface.1.", "MaxMTUSize", "10", 7012),
        ("Device.IP.Interface.1.", "MaxMTUSize", "99999999999", 7012),
        ("Device.IP.Interface.1.", "Type", "Ethernet", 7012),
        ("Device.IP.Interface.1.", "Name", &"x".repeat(65), 7012),
        ("Device.IP.Interface.1.", "LowerLayers", "a,b,c,d,e", 7012),
        ("Device.IP.Interface.1.", "Status", "Up", 7013),
        ("Device.IP.Interface.1.", "Nope", "1", 7010),
        ("Device.IP.Interface.1.", "Stats.Nope", "1", 7010),
        ("Device.IP.Interface.1.", "Stats.BytesSent", "1", 7013),
        ("Device.IP.Interface.1.", "IPv4Address.1.Enable", "1", 7010),
        ("Device.IP.Interface.1.", "MaxMTUSize", "+01400", 0),
    ];
    for (o, p, v, want) in cases {
        assert_eq!(param_code(&mut m, o, p, v), want, "{o}{p} = {v:?}");
    }
    assert_eq!(
        value(&m, "Device.IP.Interface.1.", "MaxMTUSize").as_deref(),
        Some("1400")
    );
}

#[test]
fn r_set_0_objects_are_independent_with_allow_partial() {
    // TP-469 1.16, 1.17
    let mut m = model();
    let r = set_resp(
        &mut m,
        true,
        vec![
            upd("Device.IP.Interface.2.", &[("MaxMTUSize", "9000", true)]),
            upd("Device.IP.Interface.3.", &[("MaxMTUSize", "1", true)]),
            upd("Device.Nope.", &[("X", "1", true)]),
        ],
    );
    let OperStatus::OperSuccess(s) = &r[0] else {
        panic!()
    };
    assert_eq!(
        s.updated_inst_results[0].affected_path,
        "Device.IP.Interface.2."
    );
    assert_eq!(
        s.updated_inst_results[0].updated_params["MaxMTUSize"],
        "9000"
    );
    let OperStatus::OperFailure(f) = &r[1] else {
        panic!()
    };
    assert_eq!(f.err_code, 7021);
    assert_eq!(
        f.updated_inst_failures[0].affected_path,
        "Device.IP.Interface.3."
    );
    assert_eq!(f.updated_inst_failures[0].param_errs[0].err_code, 7012);
    let OperStatus::OperFailure(f) = &r[2] else {
        panic!()
    };
    assert_eq!(f.err_code, 7026);
    assert_eq!(
        value(&m, "Device.IP.Interface.2.", "MaxMTUSize").as_deref(),
        Some("9000")
    );
    assert_eq!(
        value(&m, "Device.IP.Interface.3.", "MaxMTUSize").as_deref(),
        Some("1500")
    );
}

#[test]
fn r_set_1_failure_without_allow_partial_is_an_error_and_rolls_back() {
    // TP-469 1.14, 1.15
    for native in [true, false] {
        let mut m = Flaky::new(model(), native);
        let before = m.inner.dump();
        let e = error(run(
            &mut m,
            set_req(
                false,
                vec![
                    upd("Device.IP.Interface.2.", &[("MaxMTUSize", "9000", true)]),
                    upd("Device.IP.Interface.3.", &[("Enable", "maybe", true)]),
                ],
            ),
        ));
        assert_eq!(e.err_code, 7021);
        assert_eq!(e.param_errs[0].param_path, "Device.IP.Interface.3.Enable");
        assert_eq!(e.param_errs[0].err_code, 7011);
        assert_eq!(m.inner.dump(), before, "native rollback: {native}");
    }
}

#[test]
fn r_set_1_model_failure_rolls_back_without_native_rollback() {
    let mut m = Flaky::new(model(), false);
    m.refuse_set.push("Device.IP.Interface.3.Type".into());
    let before = m.inner.dump();
    let e = error(run(
        &mut m,
        set_req(
            false,
            vec![upd(
                "Device.IP.Interface.*.",
                &[("MaxMTUSize", "1280", true), ("Type", "Tunnel", true)],
            )],
        ),
    ));
    assert_eq!(e.err_code, 7021);
    assert_eq!(e.param_errs[0].err_code, 7009);
    assert_eq!(m.inner.dump(), before);
}

#[test]
fn r_set_2_failed_required_param_fails_the_object_and_non_required_ones_do_not() {
    let mut m = model();
    let r = set_resp(
        &mut m,
        true,
        vec![
            upd(
                "Device.IP.Interface.1.",
                &[("MaxMTUSize", "1400", false), ("Type", "Bogus", true)],
            ),
            upd(
                "Device.IP.Interface.2.",
                &[("MaxMTUSize", "1400", false), ("Type", "Bogus", false)],
            ),
        ],
    );
    let OperStatus::OperFailure(f) = &r[0] else {
        panic!()
    };
    assert_eq!(f.err_code, 7021);
    assert_eq!(
        value(&m, "Device.IP.Interface.1.", "MaxMTUSize").as_deref(),
        Some("1500")
    );
    let OperStatus::OperSuccess(s) = &r[1] else {
        panic!()
    };
    let i = &s.updated_inst_results[0];
    assert_eq!(i.param_errs.len(), 1);
    assert_eq!(i.param_errs[0].param, "Type");
    assert_eq!(i.updated_params.len(), 1);
    assert_eq!(
        value(&m, "Device.IP.Interface.2.", "MaxMTUSize").as_deref(),
        Some("1400")
    );
}

#[test]
fn r_set_2a_search_matching_several_objects_is_all_or_nothing() {
    // TP-469 1.20, 1.21
    let mut m = Flaky::new(model(), true);
    m.refuse_set.push("Device.IP.Interface.2.MaxMTUSize".into());
    let r = set_resp(
        &mut m,
        true,
        vec![upd(
            "Device.IP.Interface.*.",
            &[("MaxMTUSize", "1280", true)],
        )],
    );
    let OperStatus::OperFailure(f) = &r[0] else {
        panic!()
    };
    assert_eq!(f.updated_inst_failures.len(), 1);
    assert_eq!(
        f.updated_inst_failures[0].affected_path,
        "Device.IP.Interface.2."
    );
    for i in 1..=3 {
        let v = value(&m.inner, &format!("Device.IP.Interface.{i}."), "MaxMTUSize");
        assert_eq!(v.as_deref(), Some("1500"), "row {i} was undone");
    }
}

#[test]
fn r_set_3_updated_params_echo_readable_values_even_if_unchanged() {
    let mut m = model();
    let r = set_resp(
        &mut m,
        true,
        vec![upd(
            "Device.LocalAgent.Controller.1.",
            &[
                ("Enable", "1", false),
                ("PeriodicNotifInterval", "86400", false),
                ("Credential", "pw", false),
            ],
        )],
    );
    let OperStatus::OperSuccess(s) = &r[0] else {
        panic!()
    };
    let u = &s.updated_inst_results[0].updated_params;
    assert_eq!(u["Enable"], "true", "canonical boolean");
    assert_eq!(u["PeriodicNotifInterval"], "86400");
    assert!(
        !u.contains_key("Credential"),
        "secured values are not echoed"
    );
    assert_eq!(
        value(&m, "Device.LocalAgent.Controller.1.", "Credential").as_deref(),
        Some("pw")
    );
}

#[test]
fn r_key_1_non_functional_keys_cannot_change() {
    // TP-469 1.96
    let mut m = model();
    assert_eq!(
        param_code(&mut m, "Device.IP.Interface.1.", "Alias", "other"),
        7013
    );
    assert_eq!(
        param_code(&mut m, "Device.IP.Interface.1.", "Alias", "lan"),
        0,
        "same value is fine"
    );
    assert_eq!(
        param_code(
            &mut m,
            "Device.LocalAgent.Controller.1.",
            "EndpointID",
            "x::y"
        ),
        7013
    );
}

#[test]
fn r_key_2_functional_keys_may_change_but_stay_unique() {
    let mut m = model();
    // Interface 1 and 2 are enabled: Name must stay unique among them.
    assert_eq!(
        param_code(&mut m, "Device.IP.Interface.2.", "Name", "eth0"),
        7025
    );
    assert_eq!(
        param_code(&mut m, "Device.IP.Interface.2.", "Name", "lo0"),
        0
    );
    // Interface 3 is disabled: functional keys of disabled rows are not compared (TR-106).
    assert_eq!(
        param_code(&mut m, "Device.IP.Interface.3.", "Name", "eth0"),
        0
    );
    // Renaming and enabling it together would clash: both settings fail with 7025 (changing
    // the enable parameter counts as changing a gated functional key).
    let r = set_resp(
        &mut m,
        true,
        vec![upd(
            "Device.IP.Interface.3.",
            &[("Name", "eth0", false), ("Enable", "true", false)],
        )],
    );
    let OperStatus::OperSuccess(s) = &r[0] else {
        panic!()
    };
    assert_eq!(s.updated_inst_results[0].param_errs[0].err_code, 7025);
}

/// The demo model with the Interface Alias key made functional, so it may change.
pub(crate) fn model_functional_alias() -> MemoryDataModel {
    let mut s = schema();
    let o = s.object_mut("Device.IP.Interface.{i}.").expect("Interface");
    for k in &mut o.unique_keys {
        k.functional = true;
    }
    model_with(s)
}

fn alias(m: &MemoryDataModel, n: u32) -> Option<String> {
    value(m, &format!("Device.IP.Interface.{n}."), "Alias")
}

#[test]
fn r_key_2_keys_are_checked_after_all_updates_so_rows_can_swap_keys() {
    for allow_partial in [false, true] {
        let mut m = model_functional_alias();
        let r = set_resp(
            &mut m,
            allow_partial,
            vec![
                upd("Device.IP.Interface.1.", &[("Alias", "lo", true)]),
                upd("Device.IP.Interface.2.", &[("Alias", "lan", true)]),
            ],
        );
        for o in &r {
            let OperStatus::OperSuccess(s) = o else {
                panic!("swap failed: {o:?}")
            };
            assert!(s.updated_inst_results[0].param_errs.is_empty());
        }
        assert_eq!(alias(&m, 1).as_deref(), Some("lo"));
        assert_eq!(alias(&m, 2).as_deref(), Some("lan"));
    }
    // A three-way rotation in one UpdateObject per row, and Names (gated by Enable) too.
    let mut m = model_functional_alias();
    let r = set_resp(
        &mut m,
        false,
        vec![
            upd(
                "Device.IP.Interface.1.",
                &[("Alias", "wan", true), ("Name", "lo", true)],
            ),
            upd(
                "Device.IP.Interface.2.",
                &[("Alias", "lan", true), ("Name", "eth0", true)],
            ),
            upd("Device.IP.Interface.3.", &[("Alias", "lo", true)]),
        ],
    );
    assert!(r.iter().all(|o| matches!(o, OperStatus::OperSuccess(_))));
    assert_eq!(
        [alias(&m, 1), alias(&m, 2), alias(&m, 3)],
        [Some("wan".into()), Some("lan".into()), Some("lo".into())]
    );
    assert_eq!(
        value(&m, "Device.IP.Interface.2.", "Name").as_deref(),
        Some("eth0")
    );
}

#[test]
fn r_key_2_a_real_clash_after_all_updates_is_7025() {
    // Without allow_partial: an Error, nothing changed (R-SET.1).
    let mut m = model_functional_alias();
    let before = m.dump();
    let e = error(run(
        &mut m,
        set_req(
            false,
            vec![
                upd("Device.IP.Interface.1.", &[("Alias", "x", true)]),
                upd("Device.IP.Interface.2.", &[("Alias", "x", true)]),
            ],
        ),
    ));
    assert_eq!(e.err_code, 7021, "{e:?}");
    assert_eq!(e.param_errs.len(), 1);
    assert_eq!(e.param_errs[0].param_path, "Device.IP.Interface.2.Alias");
    assert_eq!(e.param_errs[0].err_code, 7025);
    assert_eq!(m.dump(), before);

    // With allow_partial: the later UpdateObject fails, the earlier one stays applied.
    let mut m = model_functional_alias();
    let r = set_resp(
        &mut m,
        true,
        vec![
            upd("Device.IP.Interface.1.", &[("Alias", "x", true)]),
            upd(
                "Device.IP.Interface.2.",
                &[("Alias", "x", true), ("MaxMTUSize", "1400", false)],
            ),
        ],
    );
    assert!(matches!(r[0], OperStatus::OperSuccess(_)));
    let OperStatus::OperFailure(f) = &r[1] else {
        panic!("{:?}", r[1])
    };
    assert_eq!(f.err_code, 7021);
    assert_eq!(
        f.updated_inst_failures[0].affected_path,
        "Device.IP.Interface.2."
    );
    assert_eq!(f.updated_inst_failures[0].param_errs[0].err_code, 7025);
    assert_eq!(alias(&m, 1).as_deref(), Some("x"));
    assert_eq!(alias(&m, 2).as_deref(), Some("lo"));
    assert_eq!(
        value(&m, "Device.IP.Interface.2.", "MaxMTUSize").as_deref(),
        Some("1500"),
        "the failed UpdateObject is undone as a whole"
    );

    // Interface 3 is disabled: its (now functional, Enable-gated) Alias is not compared.
    let mut m = model_functional_alias();
    let r = set_resp(
        &mut m,
        true,
        vec![upd("Device.IP.Interface.2.", &[("Alias", "wan", true)])],
    );
    assert!(matches!(r[0], OperStatus::OperSuccess(_)));

    // A non-required key setting that clashes is listed and the rest of the object applies.
    let mut m = model_functional_alias();
    let r = set_resp(
        &mut m,
        true,
        vec![upd(
            "Device.IP.Interface.2.",
            &[("Alias", "lan", false), ("MaxMTUSize", "1400", false)],
        )],
    );
    let OperStatus::OperSuccess(s) = &r[0] else {
        panic!("{:?}", r[0])
    };
    let i = &s.updated_inst_results[0];
    assert_eq!(i.param_errs.len(), 1);
    assert_eq!(
        (i.param_errs[0].param.as_str(), i.param_errs[0].err_code),
        ("Alias", 7025)
    );
    assert_eq!(alias(&m, 2).as_deref(), Some("lo"));
    assert_eq!(
        value(&m, "Device.IP.Interface.2.", "MaxMTUSize").as_deref(),
        Some("1400")
    );

    // One search setting the same key on several rows clashes with itself: every enabled row
    // is reported (interface 3 is disabled, so not compared).
    let mut m = model_functional_alias();
    let e = error(run(
        &mut m,
        set_req(
            false,
            vec![upd("Device.IP.Interface.*.", &[("Alias", "same", true)])],
        ),
    ));
    assert_eq!(e.err_code, 7021);
    let mut paths: Vec<_> = e
        .param_errs
        .iter()
        .map(|p| (p.param_path.as_str(), p.err_code))
        .collect();
    paths.sort_unstable();
    assert_eq!(
        paths,
        [
            ("Device.IP.Interface.1.Alias", 7025),
            ("Device.IP.Interface.2.Alias", 7025)
        ]
    );
    assert_eq!(m.dump(), model_functional_alias().dump());
}

#[test]
fn write_once_read_only_can_be_set_once() {
    let mut m = model();
    let mut a = std::collections::BTreeMap::new();
    a.insert("ID".to_string(), "s1".to_string());
    use usp_datamodel::DataModel;
    m.add("Device.LocalAgent.Subscription.", &a).unwrap();
    assert_eq!(
        param_code(
            &mut m,
            "Device.LocalAgent.Subscription.1.",
            "TimeToLive",
            "60"
        ),
        0
    );
    assert_eq!(
        param_code(
            &mut m,
            "Device.LocalAgent.Subscription.1.",
            "TimeToLive",
            "30"
        ),
        7013
    );
    assert_eq!(
        param_code(
            &mut m,
            "Device.LocalAgent.Subscription.1.",
            "TimeToLive",
            "60"
        ),
        0
    );
}

#[test]
fn write_once_read_only_is_exact_when_the_model_tracks_writes() {
    // messages.md "writeOnceReadOnly Parameter Access": set only once by a Controller, an Add
    // giving it counts as that write. MemoryDataModel tracks Controller writes, so values
    // equal to the default and Agent-assigned values are judged right.
    use crate::add::{add_req, create};
    use usp_datamodel::DataModel;
    let sub = "Device.LocalAgent.Subscription.";
    let ttl = |m: &mut MemoryDataModel, row: &str, v: &str| param_code(m, row, "TimeToLive", v);
    let mut m = model();
    // 1. An Add gives the default value 0: that was the one write.
    let r = run(
        &mut m,
        add_req(
            false,
            vec![create(sub, &[("ID", "a", true), ("TimeToLive", "0", true)])],
        ),
    );
    assert!(matches!(reply(r), Reply::Resp(_)));
    assert_eq!(
        m.written_once("Device.LocalAgent.Subscription.1.", "TimeToLive"),
        Some(true)
    );
    assert_eq!(ttl(&mut m, "Device.LocalAgent.Subscription.1.", "60"), 7013);
    assert_eq!(
        ttl(&mut m, "Device.LocalAgent.Subscription.1.", "0"),
        0,
        "unchanged value"
    );
    // 2. A row the Agent created with a value of its own: the Controller may still set it once.
    let mut init = std::collections::BTreeMap::new();
    init.insert("ID".to_string(), "b".to_string());
    init.insert("TimeToLive".to_string(), "600".to_string());
    let n = m.add(sub, &init).unwrap();
    let row = format!("{sub}{n}.");
    assert_eq!(m.written_once(&row, "TimeToLive"), Some(false));
    assert_eq!(ttl(&mut m, &row, "30"), 0);
    assert_eq!(ttl(&mut m, &row, "40"), 7013);
    assert_eq!(value(&m, &row, "TimeToLive").as_deref(), Some("30"));
    // 3. A first Set writing the default value is a write too.
    let r = run(
        &mut m,
        add_req(false, vec![create(sub, &[("ID", "c", true)])]),
    );
    assert!(matches!(reply(r), Reply::Resp(_)));
    let row = "Device.LocalAgent.Subscription.3.";
    assert_eq!(
        m.written_once(row, "TimeToLive"),
        Some(false),
        "not given in the Add"
    );
    assert_eq!(ttl(&mut m, row, "0"), 0);
    assert_eq!(ttl(&mut m, row, "5"), 7013);
    // 4. A write that was rolled back does not count.
    let r = run(
        &mut m,
        add_req(false, vec![create(sub, &[("ID", "d", true)])]),
    );
    assert!(matches!(reply(r), Reply::Resp(_)));
    let row = "Device.LocalAgent.Subscription.4.";
    let e = error(run(
        &mut m,
        set_req(
            false,
            vec![
                upd(row, &[("TimeToLive", "7", true)]),
                upd("Device.IP.Interface.1.", &[("MaxMTUSize", "1", true)]),
            ],
        ),
    ));
    assert_eq!(e.err_code, 7021, "{e:?}");
    assert_eq!(m.written_once(row, "TimeToLive"), Some(false));
    assert_eq!(ttl(&mut m, row, "8"), 0);
    assert_eq!(ttl(&mut m, row, "9"), 7013);
}

#[test]
fn write_once_read_only_falls_back_to_the_initial_value_rule_without_tracking() {
    // A model that does not implement written_once (the Flaky wrapper): documented fallback,
    // a value still equal to the initial value counts as not yet written.
    let mut m = Flaky::new(model(), true);
    let mut init = std::collections::BTreeMap::new();
    init.insert("ID".to_string(), "s1".to_string());
    usp_datamodel::DataModel::add(&mut m, "Device.LocalAgent.Subscription.", &init).unwrap();
    let row = "Device.LocalAgent.Subscription.1.";
    let code = |m: &mut Flaky, v: &str| {
        let r = set_resp(m, true, vec![upd(row, &[("TimeToLive", v, false)])]);
        match &r[0] {
            OperStatus::OperSuccess(s) => s.updated_inst_results[0]
                .param_errs
                .first()
                .map_or(0, |e| e.err_code),
            OperStatus::OperFailure(f) => panic!("{f:?}"),
        }
    };
    assert_eq!(code(&mut m, "0"), 0);
    assert_eq!(code(&mut m, "60"), 0, "0 looked unwritten");
    assert_eq!(code(&mut m, "30"), 7013);
}

#[test]
fn r_msg_4a_search_matching_nothing_succeeds_empty() {
    // TP-469 1.23
    let mut m = model();
    let r = set_resp(
        &mut m,
        false,
        vec![upd(
            r#"Device.IP.Interface.[Type=="Tunnel"]."#,
            &[("Enable", "true", true)],
        )],
    );
    let OperStatus::OperSuccess(s) = &r[0] else {
        panic!()
    };
    assert!(s.updated_inst_results.is_empty());
}

#[test]
fn set_path_errors() {
    let mut m = model();
    let cases = [
        ("Device.IP.Interface.9.", 7016),
        ("Device.IP.Interface.", 7026),
        ("Device.IP.Interface.1.Name", 7026),
        ("Device.IP..", 7008),
        (r#"Device.IP.Interface.[Alias=="none"]."#, 7016),
    ];
    for (p, want) in cases {
        let r = set_resp(&mut m, true, vec![upd(p, &[("Enable", "true", true)])]);
        let OperStatus::OperFailure(f) = &r[0] else {
            panic!("{p}")
        };
        assert_eq!(f.err_code, want, "{p}");
        let e = error(run(
            &mut m,
            set_req(false, vec![upd(p, &[("Enable", "true", true)])]),
        ));
        assert_eq!(e.err_code, want, "{p}");
    }
}

/// The demo schema with patterned parameters on `Device.IP.Interface.{i}.`: a MAC address
/// (TR-106 `MACAddress`: empty or six hex pairs), a DSCP mark with several alternative
/// patterns (TR-181 `X_DSCPMark`-style), and a list whose items must match.
pub(crate) fn model_with_patterns() -> MemoryDataModel {
    use usp_datamodel::{Constraints, ParamAccess, ParamDef};
    use usp_path::value::{ParamType, ValueType};
    let pat = |ps: &[&str]| {
        let mut c = Constraints::default();
        c.patterns = ps.iter().map(|p| p.to_string()).collect();
        c
    };
    let mut s = schema();
    let o = s.object_mut("Device.IP.Interface.{i}.").expect("Interface");
    for p in [
        ParamDef::new("X_MAC", ValueType::String).with_constraints(pat(&[
            "",
            "([0-9A-Fa-f][0-9A-Fa-f]:){5}([0-9A-Fa-f][0-9A-Fa-f])",
        ])),
        ParamDef::new("X_Mark", ValueType::String).with_constraints(pat(&[
            "Null",
            "Drop",
            "[0-9]|[1-5][0-9]|6[0-3]",
            ":[0-7]",
            "([0-9]|[1-5][0-9]|6[0-3]):[0-7]",
        ])),
        ParamDef::new("X_Pairs", ParamType::list(ValueType::String))
            .with_constraints(pat(&["\\d+/\\d+"])),
        ParamDef::new("X_Odd", ValueType::String).with_constraints(pat(&["\\p{L}+"])),
    ] {
        let p = p.with_access(ParamAccess::ReadWrite);
        o.params.insert(p.name.clone(), p);
    }
    model_with(s)
}

#[test]
fn r_enc_6_values_must_match_a_pattern_7012() {
    let mut m = model_with_patterns();
    let i = "Device.IP.Interface.1.";
    let cases = [
        ("X_MAC", "", 0),
        ("X_MAC", "00:1a:2B:3c:4D:5e", 0),
        ("X_MAC", "00:1a:2B:3c:4D", 7012),
        ("X_MAC", "00-1a-2B-3c-4D-5e", 7012),
        ("X_MAC", " 00:1a:2B:3c:4D:5e", 7012),
        ("X_Mark", "Drop", 0),
        ("X_Mark", "63", 0),
        ("X_Mark", ":7", 0),
        ("X_Mark", "24:3", 0),
        ("X_Mark", "64", 7012),
        ("X_Mark", "24:8", 7012),
        ("X_Mark", "drop", 7012),
        ("X_Pairs", "", 0),
        ("X_Pairs", "0/35, 8/35", 0),
        ("X_Pairs", "0/35,8-35", 7012),
        // A pattern the matcher cannot compile is not checked (documented on Constraints).
        ("X_Odd", "123", 0),
    ];
    for (p, v, want) in cases {
        assert_eq!(param_code(&mut m, i, p, v), want, "{p} = {v:?}");
    }
    assert_eq!(
        value(&m, i, "X_MAC").as_deref(),
        Some("00:1a:2B:3c:4D:5e"),
        "refused values changed nothing"
    );
    assert_eq!(value(&m, i, "X_Pairs").as_deref(), Some("0/35,8/35"));
    // The err_msg names the parameter and the pattern.
    let r = set_resp(&mut m, true, vec![upd(i, &[("X_MAC", "nope", false)])]);
    let OperStatus::OperSuccess(s) = &r[0] else {
        panic!("{r:?}")
    };
    let e = &s.updated_inst_results[0].param_errs[0];
    assert_eq!(e.err_code, 7012);
    assert!(
        e.err_msg.contains("X_MAC") && e.err_msg.contains("[0-9A-Fa-f][0-9A-Fa-f]:"),
        "{}",
        e.err_msg
    );
    // Required and allow_partial = false: an Error, nothing changed.
    let e = error(run(
        &mut m,
        set_req(
            false,
            vec![upd(i, &[("X_Mark", "Drop", true), ("X_MAC", "x", true)])],
        ),
    ));
    assert_eq!(e.param_errs[0].err_code, 7012, "{e:?}");
    assert!(e.param_errs[0].err_msg.contains("X_MAC"), "{e:?}");
    assert_eq!(value(&m, i, "X_Mark").as_deref(), Some("24:3"));
    let odd = usp_datamodel::DataModel::schema(&m)
        .object("Device.IP.Interface.{i}.")
        .unwrap()
        .params["X_Odd"]
        .unchecked_patterns();
    assert_eq!(odd.len(), 1);
    assert_eq!(odd[0].0, "\\p{L}+");
}
