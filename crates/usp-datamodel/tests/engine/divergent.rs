//! GetSupportedDM over divergent objects (REQUIREMENTS §5.3: "Divergent subtree: only path,
//! access, multi and divergent_paths (instance paths); skip its children"; an instantiated
//! object path uses that instance's model).

use std::collections::BTreeMap;

use usp_datamodel::{
    DataModel, MemoryDataModel, ObjAccess, ObjectDef, ParamAccess, ParamDef, Permission, Perms,
    Role, Roles, Schema,
};
use usp_msg::pb;
use usp_msg::pb::get_supported_dm_resp::{RequestedObjectResult, SupportedObjectResult};
use usp_msg::pb::request::ReqType;
use usp_msg::pb::response::RespType;
use usp_path::value::ValueType;

use crate::common::*;

const MAIN_URI: &str = "urn:usp-rs:demo-device-1-0";

fn container() -> ObjectDef {
    ObjectDef::new("Device.Container.{i}.")
        .with_access(ObjAccess::AddDelete)
        .with_param(ParamDef::new("Name", ValueType::String).with_access(ParamAccess::ReadWrite))
}

fn app() -> ObjectDef {
    ObjectDef::new("Device.Container.{i}.App.")
        .with_param(ParamDef::new("Version", ValueType::String))
}

fn other() -> ObjectDef {
    ObjectDef::new("Device.Container.{i}.Other.")
        .with_param(ParamDef::new("X", ValueType::UnsignedInt))
}

/// The model of one container instance: `Device.`, the container and `child`.
fn mounted(uri: &str, child: ObjectDef) -> Schema {
    let mut s = Schema::new(uri);
    s.add_object(ObjectDef::new("Device.")).unwrap();
    s.add_object(container()).unwrap();
    s.add_object(child).unwrap();
    s
}

/// The demo model plus a divergent `Device.Container.{i}.` (the union of what instances
/// support: App and Other) with rows 1 (App model), 2 (Other model) and 3 (no own model).
fn div_model() -> MemoryDataModel {
    let mut s = schema();
    s.add_object(container().divergent()).unwrap();
    s.add_object(app()).unwrap();
    s.add_object(other()).unwrap();
    let mut m = model_with(s);
    for name in ["a", "b", "c"] {
        let mut init = BTreeMap::new();
        init.insert("Name".to_string(), name.to_string());
        m.add("Device.Container.", &init).unwrap();
    }
    m.set_instance_schema("Device.Container.1.", mounted("urn:example:app-1-0", app()));
    m.set_instance_schema(
        "Device.Container.2.",
        mounted("urn:example:other-2-0", other()),
    );
    m
}

fn gsdm_on(
    m: &mut MemoryDataModel,
    paths: &[&str],
    first_level_only: bool,
) -> Vec<RequestedObjectResult> {
    match reply(run(
        m,
        ReqType::GetSupportedDm(pb::GetSupportedDm {
            obj_paths: paths.iter().map(|s| s.to_string()).collect(),
            first_level_only,
            return_commands: true,
            return_events: true,
            return_params: true,
            return_unique_key_sets: true,
        }),
    )) {
        Reply::Resp(RespType::GetSupportedDmResp(r)) => r.req_obj_results,
        _ => panic!("not a GetSupportedDMResp"),
    }
}

fn paths(r: &RequestedObjectResult) -> Vec<&str> {
    r.supported_objs
        .iter()
        .map(|o| o.supported_obj_path.as_str())
        .collect()
}

fn find<'a>(r: &'a RequestedObjectResult, p: &str) -> &'a SupportedObjectResult {
    r.supported_objs
        .iter()
        .find(|o| o.supported_obj_path == p)
        .unwrap_or_else(|| panic!("{p} not reported"))
}

/// Only path, access, multi and divergent_paths.
fn assert_divergent_only(o: &SupportedObjectResult, instances: &[&str]) {
    assert_eq!(o.supported_obj_path, "Device.Container.{i}.");
    assert!(o.is_multi_instance);
    assert_eq!(o.access, 1); // OBJ_ADD_DELETE
    assert_eq!(o.divergent_paths, instances);
    assert!(o.supported_params.is_empty());
    assert!(o.supported_commands.is_empty() && o.supported_events.is_empty());
    assert!(o.unique_key_sets.is_empty());
}

const ALL: [&str; 3] = [
    "Device.Container.1.",
    "Device.Container.2.",
    "Device.Container.3.",
];

#[test]
fn gsdm_divergent_subtree_reports_instance_paths_and_skips_children() {
    let mut m = div_model();
    let r = gsdm_on(&mut m, &["Device."], false);
    assert_eq!(r[0].err_code, 0);
    assert_eq!(r[0].data_model_inst_uri, MAIN_URI);
    assert_divergent_only(find(&r[0], "Device.Container.{i}."), &ALL);
    let p = paths(&r[0]);
    assert!(!p.iter().any(|p| p.starts_with("Device.Container.{i}.App")));
    assert!(
        !p.iter()
            .any(|p| p.starts_with("Device.Container.{i}.Other"))
    );
    // Other objects still come with their details.
    assert!(
        !find(&r[0], "Device.IP.Interface.{i}.")
            .supported_params
            .is_empty()
    );
    // first_level_only: the divergent child has its instance paths too.
    let r = gsdm_on(&mut m, &["Device."], true);
    assert_divergent_only(find(&r[0], "Device.Container.{i}."), &ALL);
    // The divergent object itself, by supported or table path.
    for p in ["Device.Container.{i}.", "Device.Container."] {
        let r = gsdm_on(&mut m, &[p], false);
        assert_eq!(r[0].err_code, 0, "{p}");
        assert_eq!(r[0].supported_objs.len(), 1, "{p}");
        assert_divergent_only(&r[0].supported_objs[0], &ALL);
    }
    // Rows deleted later are no longer listed.
    m.delete("Device.Container.2.").unwrap();
    let r = gsdm_on(&mut m, &["Device.Container."], false);
    assert_eq!(
        r[0].supported_objs[0].divergent_paths,
        ["Device.Container.1.", "Device.Container.3."]
    );
}

#[test]
fn gsdm_instance_path_of_a_divergent_object_uses_that_instances_model() {
    let mut m = div_model();
    let r = gsdm_on(
        &mut m,
        &[
            "Device.Container.1.",
            "Device.Container.2.",
            "Device.Container.2.Other.",
            "Device.Container.2.Other.X",
            "Device.Container.1.Other.",
            "Device.Container.3.",
            "Device.Container.9.",
        ],
        false,
    );
    let codes: Vec<u32> = r.iter().map(|x| x.err_code).collect();
    assert_eq!(codes, [0, 0, 0, 0, 7026, 0, 7016]);
    assert_eq!(r[0].data_model_inst_uri, "urn:example:app-1-0");
    assert_eq!(
        paths(&r[0]),
        ["Device.Container.{i}.", "Device.Container.{i}.App."]
    );
    // The addressed instance is reported in full.
    let c = &r[0].supported_objs[0];
    assert!(c.divergent_paths.is_empty());
    assert_eq!(c.supported_params[0].param_name, "Name");
    assert_eq!(r[1].data_model_inst_uri, "urn:example:other-2-0");
    assert_eq!(
        paths(&r[1]),
        ["Device.Container.{i}.", "Device.Container.{i}.Other."]
    );
    assert_eq!(paths(&r[2]), ["Device.Container.{i}.Other."]);
    assert_eq!(r[3].supported_objs[0].supported_params[0].param_name, "X");
    // An instance without a model of its own: the main schema (everything supported).
    assert_eq!(r[5].data_model_inst_uri, MAIN_URI);
    assert_eq!(
        paths(&r[5]),
        [
            "Device.Container.{i}.",
            "Device.Container.{i}.App.",
            "Device.Container.{i}.Other."
        ]
    );
}

#[test]
fn gsdm_supported_paths_below_a_divergent_object_are_7026() {
    let mut m = div_model();
    let r = gsdm_on(
        &mut m,
        &[
            "Device.Container.{i}.App.",
            "Device.Container.{i}.Name",
            "Device.Container.{i}.App.Version",
        ],
        false,
    );
    for x in &r {
        assert_eq!(x.err_code, 7026, "{}", x.req_obj_path);
        assert!(x.err_msg.contains("divergent"), "{}", x.err_msg);
    }
}

#[test]
fn gsdm_divergent_paths_leave_out_unreadable_instances_and_nest() {
    let mut m = div_model();
    // Instance 2 hidden (InstantiatedObj without r).
    let all = Perms::ALL;
    let roles = Roles(vec![Role::new(vec![
        Permission::new(1, ["Device"]).with(all, all, all, all),
        Permission::new(2, ["Device.Container.2."]).with(all, all, Perms::NONE, all),
    ])]);
    let msg = msg(
        "t-1",
        ReqType::GetSupportedDm(pb::GetSupportedDm {
            obj_paths: vec!["Device.Container.".into()],
            ..Default::default()
        }),
    );
    let reply = usp_datamodel::Engine::new(usp_datamodel::EngineConfig::default())
        .handle_as(&mut m, &roles, &msg)
        .unwrap();
    let Some(pb::body::MsgBody::Response(pb::Response {
        resp_type: Some(RespType::GetSupportedDmResp(r)),
    })) = reply.body.and_then(|b| b.msg_body)
    else {
        panic!()
    };
    assert_eq!(
        r.req_obj_results[0].supported_objs[0].divergent_paths,
        ["Device.Container.1.", "Device.Container.3."]
    );

    // A divergent object inside an instance's model: reported with the instance numbers of
    // the request, its own children skipped.
    let mut s = schema();
    s.add_object(container().divergent()).unwrap();
    s.add_object(
        ObjectDef::new("Device.Container.{i}.Mount.{i}.")
            .with_access(ObjAccess::AddDelete)
            .with_param(ParamDef::new("P", ValueType::String)),
    )
    .unwrap();
    s.add_object(ObjectDef::new("Device.Container.{i}.Mount.{i}.Deep."))
        .unwrap();
    let mut inner = Schema::new("urn:example:inner-1-0");
    inner.add_object(ObjectDef::new("Device.")).unwrap();
    inner.add_object(container()).unwrap();
    inner
        .add_object(
            ObjectDef::new("Device.Container.{i}.Mount.{i}.")
                .with_access(ObjAccess::AddDelete)
                .divergent(),
        )
        .unwrap();
    inner
        .add_object(ObjectDef::new("Device.Container.{i}.Mount.{i}.Deep."))
        .unwrap();
    let mut m = model_with(s);
    m.add("Device.Container.", &BTreeMap::new()).unwrap();
    m.add("Device.Container.", &BTreeMap::new()).unwrap();
    for _ in 0..2 {
        m.add("Device.Container.2.Mount.", &BTreeMap::new())
            .unwrap();
    }
    m.add("Device.Container.1.Mount.", &BTreeMap::new())
        .unwrap();
    m.set_instance_schema("Device.Container.2.", inner);
    let r = gsdm_on(&mut m, &["Device.Container.2."], false);
    assert_eq!(r[0].data_model_inst_uri, "urn:example:inner-1-0");
    assert_eq!(
        paths(&r[0]),
        ["Device.Container.{i}.", "Device.Container.{i}.Mount.{i}."]
    );
    assert_eq!(
        r[0].supported_objs[1].divergent_paths,
        ["Device.Container.2.Mount.1.", "Device.Container.2.Mount.2."]
    );
}
