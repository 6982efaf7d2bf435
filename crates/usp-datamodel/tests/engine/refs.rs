//! Path references: R-ARC.11 (key-form values on write) and R-ARC.12 (strong and weak).

use usp_msg::pb::response::RespType;
use usp_msg::pb::set_resp::updated_object_result::operation_status::OperStatus;

use crate::common::*;
use crate::delete::del_req;
use crate::set::{set_req, upd};

/// Sets one parameter with allow_partial; returns the param error code (0 = set).
fn set1(m: &mut usp_datamodel::MemoryDataModel, obj: &str, p: &str, v: &str) -> u32 {
    let r = run(m, set_req(true, vec![upd(obj, &[(p, v, false)])]));
    let Reply::Resp(RespType::SetResp(s)) = reply(r) else {
        panic!()
    };
    let st = s.updated_obj_results[0]
        .oper_status
        .clone()
        .and_then(|o| o.oper_status)
        .unwrap();
    let OperStatus::OperSuccess(ok) = st else {
        panic!("{st:?}")
    };
    ok.updated_inst_results[0]
        .param_errs
        .first()
        .map_or(0, |e| e.err_code)
}

#[test]
fn r_arc_11_key_form_reference_is_stored_with_instance_numbers() {
    let mut m = model();
    let v = r#"Device.IP.Interface.[Alias=="lo"], Device.IP.Interface.1."#;
    assert_eq!(set1(&mut m, "Device.IP.Interface.3.", "LowerLayers", v), 0);
    assert_eq!(
        value(&m, "Device.IP.Interface.3.", "LowerLayers").as_deref(),
        Some("Device.IP.Interface.2,Device.IP.Interface.1")
    );
    // And it can be followed.
    let r = get_ok(&mut m, "Device.IP.Interface.3.LowerLayers#1+.Alias", 0);
    assert_eq!(r[0].1["Alias"], "lo");
}

#[test]
fn r_arc_12_strong_reference_must_exist() {
    let mut m = model();
    assert_eq!(
        set1(
            &mut m,
            "Device.IP.Interface.3.",
            "LowerLayers",
            "Device.IP.Interface.9"
        ),
        7012
    );
    assert_eq!(
        set1(
            &mut m,
            "Device.IP.Interface.3.",
            "LowerLayers",
            r#"Device.IP.Interface.[Alias=="none"]"#
        ),
        7012
    );
    assert_eq!(
        set1(
            &mut m,
            "Device.IP.Interface.3.",
            "LowerLayers",
            "not a path"
        ),
        7012
    );
    assert_eq!(set1(&mut m, "Device.IP.Interface.3.", "LowerLayers", ""), 0);
}

#[test]
fn r_arc_12_weak_reference_may_dangle_and_is_never_changed() {
    let mut m = model();
    assert_eq!(
        set1(
            &mut m,
            "Device.IP.Interface.3.",
            "Router",
            "Device.Routing.Router.1"
        ),
        0
    );
    assert_eq!(
        set1(
            &mut m,
            "Device.IP.Interface.1.",
            "Router",
            "Device.IP.Interface.2"
        ),
        0
    );
    let r = run(&mut m, del_req(false, &["Device.IP.Interface.2."]));
    assert!(matches!(reply(r), Reply::Resp(RespType::DeleteResp(_))));
    assert_eq!(
        value(&m, "Device.IP.Interface.1.", "Router").as_deref(),
        Some("Device.IP.Interface.2")
    );
    assert_eq!(
        value(&m, "Device.IP.Interface.3.", "Router").as_deref(),
        Some("Device.Routing.Router.1")
    );
}

#[test]
fn r_arc_12_deleting_the_target_clears_strong_references() {
    let mut m = model();
    // Interface 3 refers to 1; make it a list referring to 1 and 2.
    assert_eq!(
        set1(
            &mut m,
            "Device.IP.Interface.3.",
            "LowerLayers",
            "Device.IP.Interface.1,Device.IP.Interface.2"
        ),
        0
    );
    let r = run(&mut m, del_req(false, &["Device.IP.Interface.1."]));
    assert!(matches!(reply(r), Reply::Resp(RespType::DeleteResp(_))));
    assert_eq!(
        value(&m, "Device.IP.Interface.3.", "LowerLayers").as_deref(),
        Some("Device.IP.Interface.2")
    );
    let r = run(&mut m, del_req(false, &["Device.IP.Interface.2."]));
    assert!(matches!(reply(r), Reply::Resp(RespType::DeleteResp(_))));
    assert_eq!(
        value(&m, "Device.IP.Interface.3.", "LowerLayers").as_deref(),
        Some("")
    );
}

#[test]
fn r_arc_12_clearing_is_rolled_back_with_a_failed_delete() {
    let mut m = Flaky::new(model(), true);
    m.refuse_delete.push("Device.IP.Interface.2.".into());
    let before = m.inner.dump();
    let e = error(run(
        &mut m,
        del_req(false, &["Device.IP.Interface.1.", "Device.IP.Interface.2."]),
    ));
    assert_eq!(e.err_code, 7024);
    assert_eq!(m.inner.dump(), before);
}
