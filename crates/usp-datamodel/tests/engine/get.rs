//! Get: R-GET.0–R-GET.5, R-ARC.9, R-ARC.10, R-MSG.3, R-MSG.4a, reference following.

use crate::common::*;

#[test]
fn r_get_0_unknown_path_is_7026_and_other_paths_still_answer() {
    // TP-469 1.41 / 1.42
    let mut m = model();
    let r = get(
        &mut m,
        &[
            "Device.LocalAgent.InvalidParameter",
            "Device.DeviceInfo.SoftwareVersion",
        ],
        0,
    );
    assert_eq!(r.req_path_results[0].err_code, 7026);
    assert!(r.req_path_results[0].err_msg.contains("InvalidParameter"));
    assert_eq!(r.req_path_results[1].err_code, 0);
    assert_eq!(
        r.req_path_results[1].resolved_path_results[0].result_params["SoftwareVersion"],
        "0.1.0"
    );
}

#[test]
fn r_get_0_missing_instance_and_unsupported_search_are_7026() {
    let mut m = model();
    assert_eq!(get_code(&mut m, "Device.IP.Interface.9."), 7026);
    assert_eq!(get_code(&mut m, "Device.IP.Interface.9.Name"), 7026);
    assert_eq!(get_code(&mut m, "Device.IP.Nope.*.Name"), 7026);
    assert_eq!(get_code(&mut m, "Device.DeviceInfo.1."), 7026);
    assert_eq!(get_code(&mut m, "Device.IP.Interface.*.Nope"), 7026);
}

#[test]
fn syntax_errors_are_7008() {
    let mut m = model();
    for p in [
        "Device..IP.",
        "Device.IP.Interface.01.",
        "Device.IP.Interface.[].",
        "Device.IP .Interface.",
    ] {
        assert_eq!(get_code(&mut m, p), 7008, "{p}");
    }
}

#[test]
fn decision_8_7_type_mismatch_in_search_is_7008() {
    let mut m = model();
    // REQUIREMENTS §1.3: [Enable=="true"] is invalid (boolean vs quoted string).
    assert_eq!(
        get_code(&mut m, r#"Device.IP.Interface.[Enable=="true"].Name"#),
        7008
    );
    assert_eq!(
        get_code(&mut m, r#"Device.IP.Interface.[Name<"a"].Name"#),
        7008
    );
    // An unknown parameter in the expression is not in the Supported DM.
    assert_eq!(get_code(&mut m, "Device.IP.Interface.[Nope==1].Name"), 7026);
}

#[test]
fn decision_8_7_type_mismatch_is_7008_even_on_an_empty_table() {
    // Interface 2 has no IPv4Address rows: the constant is checked against the schema's type
    // before any row is read, so the answer does not depend on what the table holds.
    let mut m = model();
    for p in [
        r#"Device.IP.Interface.2.IPv4Address.[Enable=="true"].IPAddress"#,
        r#"Device.IP.Interface.*.IPv4Address.[Enable=="true"].IPAddress"#,
        r#"Device.IP.Interface.[Stats.ErrorsSent=="x"].Name"#,
    ] {
        assert_eq!(get_code(&mut m, p), 7008, "{p}");
    }
    // Well-typed searches of the same table are an empty success.
    assert_eq!(
        get_code(
            &mut m,
            "Device.IP.Interface.2.IPv4Address.[Enable==true].IPAddress"
        ),
        0
    );
}

#[test]
fn decision_8_7_get_on_command_or_event_is_7026() {
    let mut m = model();
    assert_eq!(get_code(&mut m, "Device.Reboot()"), 7026);
    assert_eq!(get_code(&mut m, "Device.Boot!"), 7026);
}

#[test]
fn r_get_1a_search_without_match_is_empty_success() {
    // TP-469 1.82, 1.86
    let mut m = model();
    assert!(get_ok(&mut m, r#"Device.IP.Interface.[Type=="Tunnel"]."#, 0).is_empty());
    assert!(get_ok(&mut m, r#"Device.IP.Interface.[Type=="Tunnel"].Status"#, 0).is_empty());
    assert!(
        get_ok(
            &mut m,
            r#"Device.IP.Interface.[Name=="eth0"&&Enable==false]."#,
            0
        )
        .is_empty()
    );
    // Name alone is a unique key: [Name=="nope"] addresses an instance, which is missing.
    assert_eq!(
        get_code(&mut m, r#"Device.IP.Interface.[Name=="nope"]."#),
        7026
    );
}

#[test]
fn r_get_1b_empty_object_is_empty_success() {
    let mut m = model();
    assert!(get_ok(&mut m, "Device.Services.", 0).is_empty());
}

/// The demo schema plus `Device.X_Box.` (no parameters) holding `Leaf.` (no parameters, no
/// sub-objects), `Hidden.` (a write-only parameter only), `Inner.` (one parameter) and the
/// table `Row.{i}.` (one parameter).
fn model_with_paramless_objects() -> usp_datamodel::MemoryDataModel {
    use usp_datamodel::{ObjAccess, ObjectDef, ParamAccess, ParamDef};
    use usp_path::value::ValueType;
    let mut s = schema();
    for o in [
        ObjectDef::new("Device.X_Box."),
        ObjectDef::new("Device.X_Box.Leaf."),
        ObjectDef::new("Device.X_Box.Hidden.").with_param(
            ParamDef::new("Key", ValueType::String).with_access(ParamAccess::WriteOnly),
        ),
        ObjectDef::new("Device.X_Box.Inner.")
            .with_param(ParamDef::new("N", ValueType::UnsignedInt).with_default("7")),
        ObjectDef::new("Device.X_Box.Row.{i}.")
            .with_access(ObjAccess::AddDelete)
            .with_param(ParamDef::new("V", ValueType::String)),
    ] {
        s.add_object(o).unwrap();
    }
    model_with(s)
}

#[test]
fn r_get_1b_and_r_get_4_every_object_with_parameters_or_sub_objects_gets_a_result() {
    // messages.md (Get): one resolved_path_result for each Object and Sub-Object, with
    // result_params that may be empty (R-GET.4); R-GET.1b: none for an object with neither
    // Parameters nor Sub-Objects.
    let mut m = model_with_paramless_objects();
    let r = get_ok(&mut m, "Device.X_Box.", 0);
    let paths: Vec<&str> = r.iter().map(|x| x.0.as_str()).collect();
    assert_eq!(
        paths,
        [
            "Device.X_Box.",
            "Device.X_Box.Hidden.",
            "Device.X_Box.Inner."
        ]
    );
    assert!(r[0].1.is_empty(), "a parameterless object with Sub-Objects");
    assert!(r[1].1.is_empty(), "write-only parameters are not returned");
    assert_eq!(r[2].1["N"], "7");
    // The same answers when each is asked for directly.
    assert!(get_ok(&mut m, "Device.X_Box.Leaf.", 0).is_empty());
    let h = get_ok(&mut m, "Device.X_Box.Hidden.", 0);
    assert_eq!(h.len(), 1);
    assert!(h[0].1.is_empty());
    // max_depth 1: the object alone, still reported although it has no parameters.
    let r = get_ok(&mut m, "Device.X_Box.", 1);
    assert_eq!(r.len(), 1);
    assert_eq!(r[0].0, "Device.X_Box.");
    // A row of a sub-table is a Sub-Object too.
    usp_datamodel::DataModel::add(&mut m, "Device.X_Box.Row.", &Default::default()).unwrap();
    let r = get_ok(&mut m, "Device.X_Box.", 0);
    assert_eq!(r.len(), 4);
    assert_eq!(r[3].0, "Device.X_Box.Row.1.");
    // A whole-tree Get lists the parameterless object as well.
    let all = get_ok(&mut m, "Device.", 0);
    assert!(all.iter().any(|x| x.0 == "Device.X_Box." && x.1.is_empty()));
    assert!(all.iter().all(|x| x.0 != "Device.X_Box.Leaf."));
}

#[test]
fn r_get_2_and_r_get_3_parameter_path_resolves_to_parent_with_only_that_param() {
    // TP-469 1.36
    let mut m = model();
    let r = get_ok(&mut m, "Device.DeviceInfo.Manufacturer", 0);
    assert_eq!(r.len(), 1);
    assert_eq!(r[0].0, "Device.DeviceInfo.");
    assert_eq!(r[0].1.len(), 1);
    assert_eq!(r[0].1["Manufacturer"], "usp-rs");
}

#[test]
fn r_get_4_secured_params_read_empty() {
    let mut m = model();
    let r = get_ok(&mut m, "Device.LocalAgent.Controller.1.Credential", 0);
    assert_eq!(r[0].1["Credential"], "");
    let r = get_ok(&mut m, "Device.LocalAgent.Controller.1.", 0);
    assert_eq!(r[0].1["Credential"], "");
    assert_eq!(r[0].1["EndpointID"], "proto::controller");
}

#[test]
fn r_get_5_max_depth_table_of_the_spec() {
    // TP-469 1.89; the spec's Device.DeviceInfo. table.
    let mut m = model();
    let mut paths = |d| {
        get_ok(&mut m, "Device.DeviceInfo.", d)
            .into_iter()
            .map(|x| x.0)
            .collect::<Vec<_>>()
    };
    let all = vec![
        "Device.DeviceInfo.",
        "Device.DeviceInfo.TemperatureStatus.",
        "Device.DeviceInfo.TemperatureStatus.TemperatureSensor.1.",
        "Device.DeviceInfo.TemperatureStatus.TemperatureSensor.2.",
    ];
    assert_eq!(paths(0), all);
    assert_eq!(paths(1), all[..1]);
    assert_eq!(paths(2), all[..2]);
    assert_eq!(paths(3), all);
}

#[test]
fn each_object_gets_its_own_result_with_relative_params() {
    let mut m = model();
    let r = get_ok(&mut m, "Device.IP.Interface.1.", 0);
    let names: Vec<_> = r.iter().map(|x| x.0.as_str()).collect();
    assert_eq!(
        names,
        [
            "Device.IP.Interface.1.",
            "Device.IP.Interface.1.Stats.",
            "Device.IP.Interface.1.IPv4Address.1.",
            "Device.IP.Interface.1.IPv4Address.2.",
        ]
    );
    assert_eq!(r[1].1["ErrorsSent"], "3");
    assert!(!r[0].1.contains_key("Stats.ErrorsSent"));
}

#[test]
fn r_arc_9_search_returns_every_match() {
    let mut m = model();
    let r = get_ok(&mut m, r#"Device.IP.Interface.[Type=="Normal"].Name"#, 0);
    let v: Vec<_> = r
        .iter()
        .map(|x| (x.0.as_str(), x.1["Name"].as_str()))
        .collect();
    assert_eq!(
        v,
        [
            ("Device.IP.Interface.1.", "eth0"),
            ("Device.IP.Interface.3.", "wan0")
        ]
    );
    // Typed comparison: 1 == true, and a nested parameter.
    let r = get_ok(
        &mut m,
        "Device.IP.Interface.[Enable==1&&Stats.ErrorsSent>0].Alias",
        0,
    );
    assert_eq!(r.len(), 1);
    assert_eq!(r[0].1["Alias"], "lan");
}

#[test]
fn r_arc_10_wildcard_returns_every_instance() {
    let mut m = model();
    assert_eq!(get_ok(&mut m, "Device.IP.Interface.*.Name", 0).len(), 3);
    assert!(get_ok(&mut m, "Device.LocalAgent.Subscription.*.", 0).is_empty());
    // A table path returns its rows.
    assert_eq!(get_ok(&mut m, "Device.IP.Interface.", 1).len(), 3);
}

#[test]
fn r_msg_3_key_addressed_get_reports_instance_numbers() {
    // TP-469 1.43
    let mut m = model();
    let r = get_ok(&mut m, r#"Device.IP.Interface.[Alias=="wan"].Status"#, 0);
    assert_eq!(r[0].0, "Device.IP.Interface.3.");
    // A unique-key address that matches nothing is a missing instance (not a search).
    assert_eq!(
        get_code(&mut m, r#"Device.IP.Interface.[Alias=="none"].Status"#),
        7026
    );
}

#[test]
fn reference_following() {
    let mut m = model();
    let r = get_ok(&mut m, "Device.IP.Interface.3.LowerLayers+.Name", 0);
    assert_eq!(r[0].0, "Device.IP.Interface.1.");
    assert_eq!(r[0].1["Name"], "eth0");
    let r = get_ok(
        &mut m,
        r#"Device.IP.Interface.[LowerLayers+.Name=="eth0"].Alias"#,
        0,
    );
    assert_eq!(r[0].1["Alias"], "wan");
}
