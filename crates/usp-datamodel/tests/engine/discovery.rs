//! GetInstances (R-GIN.*), GetSupportedDM, GetSupportedProtocol.

use usp_msg::pb;
use usp_msg::pb::get_supported_dm_resp::RequestedObjectResult;
use usp_msg::pb::request::ReqType;
use usp_msg::pb::response::RespType;

use crate::common::*;

fn gi(paths: &[&str], first_level_only: bool) -> pb::GetInstancesResp {
    let mut m = model();
    match reply(run(
        &mut m,
        ReqType::GetInstances(pb::GetInstances {
            obj_paths: paths.iter().map(|s| s.to_string()).collect(),
            first_level_only,
        }),
    )) {
        Reply::Resp(RespType::GetInstancesResp(r)) => r,
        _ => panic!("not a GetInstancesResp"),
    }
}

fn inst_paths(r: &pb::GetInstancesResp, i: usize) -> Vec<&str> {
    r.req_path_results[i]
        .curr_insts
        .iter()
        .map(|c| c.instantiated_obj_path.as_str())
        .collect()
}

#[test]
fn get_instances_first_level_only() {
    let r = gi(&["Device.IP.Interface."], true);
    assert_eq!(r.req_path_results[0].err_code, 0);
    assert_eq!(
        inst_paths(&r, 0),
        [
            "Device.IP.Interface.1.",
            "Device.IP.Interface.2.",
            "Device.IP.Interface.3."
        ]
    );
    let keys = &r.req_path_results[0].curr_insts[0].unique_keys;
    assert_eq!(keys["Alias"], "lan");
    assert_eq!(keys["Name"], "eth0");
}

#[test]
fn get_instances_nested_depth_first() {
    let r = gi(&["Device.IP.Interface."], false);
    assert_eq!(
        inst_paths(&r, 0),
        [
            "Device.IP.Interface.1.",
            "Device.IP.Interface.1.IPv4Address.1.",
            "Device.IP.Interface.1.IPv4Address.2.",
            "Device.IP.Interface.2.",
            "Device.IP.Interface.3.",
        ]
    );
    let k = &r.req_path_results[0].curr_insts[1].unique_keys;
    assert_eq!(k["IPAddress"], "192.168.1.1");
    assert_eq!(k["SubnetMask"], "255.255.255.0");
}

#[test]
fn get_instances_search_and_errors() {
    let r = gi(
        &[
            r#"Device.IP.Interface.[Type=="Normal"]."#,
            "Device.DeviceInfo.",
            "Device.Nope.",
            "Device.IP.Interface.9.",
            "Device.IP.Interface.1.Name",
            "Device.IP..",
            "Device.DeviceInfo.TemperatureStatus.TemperatureSensor.",
        ],
        true,
    );
    assert_eq!(
        inst_paths(&r, 0),
        ["Device.IP.Interface.1.", "Device.IP.Interface.3."]
    );
    let codes: Vec<u32> = r.req_path_results.iter().map(|x| x.err_code).collect();
    assert_eq!(codes, [0, 7018, 7026, 7016, 7018, 7008, 0]);
    assert_eq!(inst_paths(&r, 6).len(), 2);
}

fn gsdm(paths: &[&str], first_level_only: bool, all: bool) -> Vec<RequestedObjectResult> {
    let mut m = model();
    match reply(run(
        &mut m,
        ReqType::GetSupportedDm(pb::GetSupportedDm {
            obj_paths: paths.iter().map(|s| s.to_string()).collect(),
            first_level_only,
            return_commands: all,
            return_events: all,
            return_params: all,
            return_unique_key_sets: all,
        }),
    )) {
        Reply::Resp(RespType::GetSupportedDmResp(r)) => r.req_obj_results,
        _ => panic!("not a GetSupportedDMResp"),
    }
}

#[test]
fn gsdm_first_level_only_lists_children_without_details() {
    let r = gsdm(&["Device.IP."], true, true);
    let r = &r[0];
    assert_eq!(r.err_code, 0);
    assert_eq!(r.data_model_inst_uri, "urn:usp-rs:demo-device-1-0");
    let paths: Vec<_> = r
        .supported_objs
        .iter()
        .map(|o| o.supported_obj_path.as_str())
        .collect();
    assert_eq!(paths, ["Device.IP.", "Device.IP.Interface.{i}."]);
    assert_eq!(
        r.supported_objs[0].supported_params[0].param_name,
        "InterfaceNumberOfEntries"
    );
    let t = &r.supported_objs[1];
    assert!(t.is_multi_instance);
    assert_eq!(t.access, 1); // OBJ_ADD_DELETE
    assert!(t.supported_params.is_empty() && t.supported_commands.is_empty());
    assert_eq!(t.unique_key_sets.len(), 2);
    assert_eq!(t.unique_key_sets[0].key_names, ["Alias"]);
}

#[test]
fn gsdm_full_subtree_with_flags() {
    let r = gsdm(&["Device.IP.Interface.{i}."], false, true);
    let objs = &r[0].supported_objs;
    let paths: Vec<_> = objs.iter().map(|o| o.supported_obj_path.as_str()).collect();
    assert_eq!(
        paths,
        [
            "Device.IP.Interface.{i}.",
            "Device.IP.Interface.{i}.Stats.",
            "Device.IP.Interface.{i}.IPv4Address.{i}."
        ]
    );
    assert_eq!(objs[0].supported_commands[0].command_name, "Reset()");
    assert_eq!(objs[0].supported_commands[0].command_type, 1); // CMD_SYNC
    let p = objs[0]
        .supported_params
        .iter()
        .find(|p| p.param_name == "Status")
        .unwrap();
    assert_eq!((p.access, p.value_type), (0, 8)); // READ_ONLY, STRING
    let en = objs[0]
        .supported_params
        .iter()
        .find(|p| p.param_name == "Enable")
        .unwrap();
    assert_eq!((en.access, en.value_type, en.value_change), (1, 2, 1));
    // Without flags: no details, no keys.
    let r = gsdm(&["Device.IP.Interface."], false, false);
    assert!(
        r[0].supported_objs
            .iter()
            .all(|o| o.supported_params.is_empty() && o.unique_key_sets.is_empty())
    );
    assert_eq!(r[0].supported_objs.len(), 3, "final {{i}}. may be omitted");
}

#[test]
fn gsdm_commands_events_and_element_paths() {
    let r = gsdm(
        &[
            "Device.",
            "Device.Reboot()",
            "Device.Boot!",
            "Device.DeviceInfo.UpTime",
        ],
        true,
        true,
    );
    let dev = &r[0].supported_objs[0];
    let st = dev
        .supported_commands
        .iter()
        .find(|c| c.command_name == "SelfTestDiagnostics()")
        .unwrap();
    assert_eq!(st.command_type, 2);
    assert_eq!(st.output_arg_names, ["Status", "Results"]);
    assert_eq!(dev.supported_events[0].event_name, "Boot!");
    assert_eq!(dev.supported_events[0].arg_names, ["CommandKey", "Cause"]);
    // Element paths: only that element, flags ignored.
    assert_eq!(r[1].supported_objs.len(), 1);
    assert_eq!(r[1].supported_objs[0].supported_commands.len(), 1);
    assert!(r[1].supported_objs[0].supported_params.is_empty());
    assert_eq!(
        r[2].supported_objs[0].supported_events[0].event_name,
        "Boot!"
    );
    let up = &r[3].supported_objs[0];
    assert_eq!(up.supported_obj_path, "Device.DeviceInfo.");
    assert_eq!(up.supported_params.len(), 1);
    assert_eq!(up.supported_params[0].value_change, 2); // canDeny -> WILL_IGNORE
}

#[test]
fn gsdm_write_once_is_reported_read_write() {
    let r = gsdm(
        &["Device.LocalAgent.Subscription.{i}.TimeToLive"],
        false,
        false,
    );
    assert_eq!(r[0].supported_objs[0].supported_params[0].access, 1);
}

#[test]
fn gsdm_instantiated_paths_and_errors() {
    let r = gsdm(
        &[
            "Device.IP.Interface.1.IPv4Address.",
            "Device.IP.Interface.9.IPv4Address.",
            "Device.Nope.",
            "Device.IP.Interface.{i}.Nope",
            "Device.IP.Interface.{i}.1.",
            "Device.IP.Interface.*.",
        ],
        true,
        false,
    );
    let codes: Vec<u32> = r.iter().map(|x| x.err_code).collect();
    assert_eq!(codes, [0, 7016, 7026, 7026, 7008, 7008]);
    assert_eq!(
        r[0].supported_objs[0].supported_obj_path,
        "Device.IP.Interface.{i}.IPv4Address.{i}."
    );
}

#[test]
fn get_supported_protocol_reports_configured_versions() {
    let mut m = model();
    let r = run(
        &mut m,
        ReqType::GetSupportedProtocol(pb::GetSupportedProtocol {
            controller_supported_protocol_versions: "1.3,1.4".into(),
        }),
    );
    assert_eq!(r.header.as_ref().unwrap().msg_type, 18);
    match reply(r) {
        Reply::Resp(RespType::GetSupportedProtocolResp(p)) => {
            assert_eq!(p.agent_supported_protocol_versions, "1.0,1.1,1.2,1.3,1.4")
        }
        _ => panic!(),
    }
    let mut cfg = usp_datamodel::EngineConfig::default();
    cfg.set_agent_supported_protocol_versions("1.4");
    match reply(run_cfg(
        cfg,
        &mut m,
        ReqType::GetSupportedProtocol(pb::GetSupportedProtocol::default()),
    )) {
        Reply::Resp(RespType::GetSupportedProtocolResp(p)) => {
            assert_eq!(p.agent_supported_protocol_versions, "1.4")
        }
        _ => panic!(),
    }
}
