//! Delete: R-DEL.0–R-DEL.3, REQUIREMENTS §8 item 1 (R-DEL.1 against TP-469 1.25).

use usp_datamodel::{DataModel, DeleteMissing, EngineConfig};
use usp_msg::pb;
use usp_msg::pb::delete_resp::deleted_object_result::operation_status::OperStatus;
use usp_msg::pb::request::ReqType;
use usp_msg::pb::response::RespType;

use crate::common::*;

pub(crate) fn del_req(allow_partial: bool, paths: &[&str]) -> ReqType {
    ReqType::Delete(pb::Delete {
        allow_partial,
        obj_paths: paths.iter().map(|s| s.to_string()).collect(),
    })
}

fn del_resp(m: pb::Msg) -> Vec<OperStatus> {
    match reply(m) {
        Reply::Resp(RespType::DeleteResp(r)) => r
            .deleted_obj_results
            .into_iter()
            .map(|o| {
                o.oper_status
                    .and_then(|s| s.oper_status)
                    .expect("oper_status")
            })
            .collect(),
        Reply::Err(e) => panic!("unexpected Error {e:?}"),
        Reply::Resp(r) => panic!("not a DeleteResp: {r:?}"),
    }
}

fn rows<M: DataModel>(m: &M, table: &str) -> Vec<u32> {
    let mut v = Vec::new();
    m.instances(table, &mut v);
    v
}

#[test]
fn delete_instance_and_search() {
    let mut m = model();
    let r = del_resp(run(
        &mut m,
        del_req(
            false,
            &[
                "Device.IP.Interface.1.",
                r#"Device.IP.Interface.[Type=="Loopback"]."#,
            ],
        ),
    ));
    let OperStatus::OperSuccess(s) = &r[0] else {
        panic!()
    };
    assert_eq!(s.affected_paths, ["Device.IP.Interface.1."]);
    let OperStatus::OperSuccess(s) = &r[1] else {
        panic!()
    };
    assert_eq!(s.affected_paths, ["Device.IP.Interface.2."]);
    assert_eq!(rows(&m, "Device.IP.Interface."), [3]);
    assert!(
        rows(&m, "Device.IP.Interface.1.IPv4Address.").is_empty(),
        "sub-rows go too"
    );
}

#[test]
fn r_del_0_entries_are_independent_with_allow_partial() {
    // TP-469 1.30, 1.31
    let mut m = model();
    let r = del_resp(run(
        &mut m,
        del_req(
            true,
            &[
                "Device.IP.Interface.2.",
                "Device.DeviceInfo.",
                "Device.Nope.1.",
            ],
        ),
    ));
    assert!(
        matches!(&r[0], OperStatus::OperSuccess(s) if s.affected_paths == ["Device.IP.Interface.2."])
    );
    assert!(matches!(&r[1], OperStatus::OperFailure(f) if f.err_code == 7018));
    assert!(matches!(&r[2], OperStatus::OperFailure(f) if f.err_code == 7026));
    assert_eq!(rows(&m, "Device.IP.Interface."), [1, 3]);
}

#[test]
fn r_del_1_each_condition_fails_the_whole_delete_without_changes() {
    // TP-469 1.26, 1.28
    let cases = [
        ("Device.DeviceInfo.", 7018),           // not an instance path
        ("Device.IP.Interface.", 7026),         // a table path
        ("Device.IP.Interface.9.", 7016),       // missing instance
        ("Device.LocalAgent.Request.1.", 7016), // missing (and non-deletable)
        (
            "Device.DeviceInfo.TemperatureStatus.TemperatureSensor.1.",
            7024,
        ), // non-deletable
        ("Device.IP.Interface.1.Name", 7026),   // a parameter path
        ("Device.IP..", 7008),
    ];
    for (p, want) in cases {
        let mut m = model();
        let before = m.dump();
        let e = error(run(&mut m, del_req(false, &["Device.IP.Interface.2.", p])));
        assert_eq!(e.err_code, want, "{p}: {}", e.err_msg);
        assert_eq!(e.param_errs[0].param_path, p);
        assert_eq!(m.dump(), before, "{p}");
    }
}

#[test]
fn decision_8_1_missing_instance_can_succeed_as_tp_1_25_expects() {
    let mut m = model();
    let mut cfg = EngineConfig::default();
    cfg.set_delete_missing(DeleteMissing::Success);
    let r = del_resp(run_cfg(
        cfg,
        &mut m,
        del_req(false, &["Device.IP.Interface.9."]),
    ));
    assert!(matches!(&r[0], OperStatus::OperSuccess(s) if s.affected_paths.is_empty()));
}

#[test]
fn r_del_2a_valid_path_resolving_to_nothing_succeeds_empty() {
    // TP-469 1.29, 1.90
    let mut m = model();
    let r = del_resp(run(
        &mut m,
        del_req(false, &[r#"Device.IP.Interface.[Type=="Tunnel"]."#]),
    ));
    assert!(
        matches!(&r[0], OperStatus::OperSuccess(s) if s.affected_paths.is_empty() && s.unaffected_path_errs.is_empty())
    );
    let r = del_resp(run(
        &mut m,
        del_req(
            true,
            &[
                "Device.IP.Interface.9.",
                r#"Device.IP.Interface.[Alias=="nope"]."#,
            ],
        ),
    ));
    assert!(
        r.iter()
            .all(|x| matches!(x, OperStatus::OperSuccess(s) if s.affected_paths.is_empty()))
    );
}

#[test]
fn r_del_3_one_unaffected_path_error_per_failed_instance() {
    let mut m = Flaky::new(model(), true);
    m.refuse_delete.push("Device.IP.Interface.2.".into());
    let r = del_resp(run(&mut m, del_req(true, &["Device.IP.Interface.*."])));
    let OperStatus::OperSuccess(s) = &r[0] else {
        panic!()
    };
    assert_eq!(
        s.affected_paths,
        ["Device.IP.Interface.1.", "Device.IP.Interface.3."]
    );
    assert_eq!(s.unaffected_path_errs.len(), 1);
    assert_eq!(
        s.unaffected_path_errs[0].unaffected_path,
        "Device.IP.Interface.2."
    );
    assert_eq!(s.unaffected_path_errs[0].err_code, 7024);
}

#[test]
fn refused_delete_without_allow_partial_rolls_back() {
    let mut m = Flaky::new(model(), true);
    m.refuse_delete.push("Device.IP.Interface.3.".into());
    let before = m.inner.dump();
    let e = error(run(&mut m, del_req(false, &["Device.IP.Interface.*."])));
    assert_eq!(e.err_code, 7024);
    assert_eq!(e.param_errs[0].param_path, "Device.IP.Interface.3.");
    assert_eq!(m.inner.dump(), before);
}

#[test]
fn r_del_1_refusal_without_native_rollback_changes_nothing_when_announced() {
    // A model without rollback whose check_delete predicts its refusals: the refused row is
    // found before anything is deleted, however late it comes in the message.
    for paths in [
        &["Device.IP.Interface.*."][..],
        &[
            "Device.IP.Interface.1.",
            "Device.IP.Interface.2.",
            "Device.IP.Interface.3.",
        ][..],
    ] {
        let mut m = Flaky::new(model(), false);
        m.refuse_delete.push("Device.IP.Interface.3.".into());
        m.announce_delete = true;
        let before = m.inner.dump();
        let e = error(run(&mut m, del_req(false, paths)));
        assert_eq!(e.err_code, 7024, "{e:?}");
        assert_eq!(e.param_errs[0].param_path, "Device.IP.Interface.3.");
        assert_eq!(e.param_errs[0].err_code, 7024);
        assert_eq!(m.inner.dump(), before, "{paths:?}");
    }
    // Strong references to rows of the message are not cleared either (R-ARC.12).
    let mut m = Flaky::new(model(), false);
    m.refuse_delete.push("Device.IP.Interface.2.".into());
    m.announce_delete = true;
    let before = m.inner.dump();
    let e = error(run(
        &mut m,
        del_req(false, &["Device.IP.Interface.1.", "Device.IP.Interface.2."]),
    ));
    assert_eq!(e.err_code, 7024);
    assert_eq!(m.inner.dump(), before);
    // With allow_partial the announcement is not consulted: the row fails on its own.
    let r = del_resp(run(&mut m, del_req(true, &["Device.IP.Interface.*."])));
    let OperStatus::OperSuccess(s) = &r[0] else {
        panic!()
    };
    assert_eq!(
        s.affected_paths,
        ["Device.IP.Interface.1.", "Device.IP.Interface.3."]
    );
    assert_eq!(
        s.unaffected_path_errs[0].unaffected_path,
        "Device.IP.Interface.2."
    );
}

#[test]
fn r_del_1_unannounced_refusal_without_rollback_is_reported_not_hidden() {
    // The documented limit: a model with neither rollback nor a check_delete that predicts
    // the refusal cannot have its earlier deletions undone; the Error says so.
    let mut m = Flaky::new(model(), false);
    m.refuse_delete.push("Device.IP.Interface.3.".into());
    let e = error(run(&mut m, del_req(false, &["Device.IP.Interface.*."])));
    assert_eq!(e.err_code, 7024);
    assert_eq!(e.param_errs[0].param_path, "Device.IP.Interface.3.");
    assert!(
        e.err_msg
            .contains("2 row(s) deleted before it could not be restored")
            && e.err_msg.contains("Device.IP.Interface.1.")
            && e.err_msg.contains("Device.IP.Interface.2."),
        "{}",
        e.err_msg
    );
    let mut rows = Vec::new();
    DataModel::instances(&m, "Device.IP.Interface.", &mut rows);
    assert_eq!(rows, [3]);
    // The same model with native rollback loses nothing and says nothing of the kind.
    let mut m = Flaky::new(model(), true);
    m.refuse_delete.push("Device.IP.Interface.3.".into());
    let before = m.inner.dump();
    let e = error(run(&mut m, del_req(false, &["Device.IP.Interface.*."])));
    assert!(!e.err_msg.contains("restored"), "{}", e.err_msg);
    assert_eq!(m.inner.dump(), before);
}

#[test]
fn rows_deleted_twice_in_one_message_are_reported_once() {
    let mut m = model();
    let r = del_resp(run(
        &mut m,
        del_req(
            true,
            &[
                "Device.IP.Interface.1.",
                "Device.IP.Interface.*.",
                "Device.IP.Interface.1.IPv4Address.1.",
            ],
        ),
    ));
    let OperStatus::OperSuccess(s) = &r[1] else {
        panic!()
    };
    assert_eq!(
        s.affected_paths,
        ["Device.IP.Interface.2.", "Device.IP.Interface.3."]
    );
    assert!(matches!(&r[2], OperStatus::OperSuccess(s) if s.affected_paths.is_empty()));
}
