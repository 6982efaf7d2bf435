//! Shared fixtures: the demo model, request builders and reply accessors.

use std::collections::BTreeMap;

use usp_datamodel::xml::Loader;
use usp_datamodel::{DataModel, DmError, Engine, EngineConfig, MemoryDataModel, Schema};
use usp_msg::pb;
use usp_msg::pb::request::ReqType;
use usp_msg::pb::response::RespType;

pub(crate) const DEMO: &str = include_str!("../../../../testdata/datamodels/usp-demo-device.xml");

pub(crate) fn schema() -> Schema {
    Loader::new().load_str(DEMO).expect("demo model loads")
}

/// The demo model with: interfaces 1 (eth0, Normal, enabled, Up) with IPv4Address 1 and 2,
/// 2 (lo, Loopback), 3 (wan, Normal, disabled, LowerLayers -> 1); one Controller; two
/// temperature sensors.
pub(crate) fn model() -> MemoryDataModel {
    model_with(schema())
}

/// [`model`] over another schema (the demo schema with additions).
pub(crate) fn model_with(schema: Schema) -> MemoryDataModel {
    let mut m = MemoryDataModel::new(schema);
    let iface = |name: &str, ty: &str, en: &str, alias: &str| {
        let mut i = BTreeMap::new();
        i.insert("Name".to_string(), name.to_string());
        i.insert("Type".to_string(), ty.to_string());
        i.insert("Enable".to_string(), en.to_string());
        i.insert("Alias".to_string(), alias.to_string());
        i
    };
    assert_eq!(
        m.add(
            "Device.IP.Interface.",
            &iface("eth0", "Normal", "true", "lan")
        ),
        Ok(1)
    );
    assert_eq!(
        m.add(
            "Device.IP.Interface.",
            &iface("lo", "Loopback", "true", "lo")
        ),
        Ok(2)
    );
    let mut wan = iface("wan0", "Normal", "false", "wan");
    wan.insert("LowerLayers".into(), "Device.IP.Interface.1".into());
    assert_eq!(m.add("Device.IP.Interface.", &wan), Ok(3));
    m.set_value("Device.IP.Interface.1.", "Status", "Up")
        .unwrap();
    m.set_value("Device.IP.Interface.1.Stats.", "ErrorsSent", "3")
        .unwrap();
    for (a, ip) in [("a1", "192.168.1.1"), ("a2", "10.0.0.1")] {
        let mut v = BTreeMap::new();
        v.insert("Alias".to_string(), a.to_string());
        v.insert("IPAddress".to_string(), ip.to_string());
        v.insert("SubnetMask".to_string(), "255.255.255.0".to_string());
        m.add("Device.IP.Interface.1.IPv4Address.", &v).unwrap();
    }
    let mut c = BTreeMap::new();
    c.insert("Alias".to_string(), "ctrl".to_string());
    c.insert("EndpointID".to_string(), "proto::controller".to_string());
    c.insert("Credential".to_string(), "s3cret".to_string());
    assert_eq!(m.add("Device.LocalAgent.Controller.", &c), Ok(1));
    for (a, n) in [("t1", "cpu"), ("t2", "board")] {
        let mut v = BTreeMap::new();
        v.insert("Alias".to_string(), a.to_string());
        v.insert("Name".to_string(), n.to_string());
        m.add("Device.DeviceInfo.TemperatureStatus.TemperatureSensor.", &v)
            .unwrap();
    }
    m
}

/// A Set of one required parameter, allow_partial=false.
pub(crate) fn set_one(
    obj: impl Into<String>,
    param: impl Into<String>,
    value: impl Into<String>,
) -> ReqType {
    ReqType::Set(pb::Set {
        allow_partial: false,
        update_objs: vec![pb::set::UpdateObject {
            obj_path: obj.into(),
            param_settings: vec![pb::set::UpdateParamSetting {
                param: param.into(),
                value: value.into(),
                required: true,
            }],
        }],
    })
}

pub(crate) fn msg(id: &str, rt: ReqType) -> pb::Msg {
    pb::Msg {
        header: Some(pb::Header {
            msg_id: id.into(),
            msg_type: 1,
        }),
        body: Some(pb::Body {
            msg_body: Some(pb::body::MsgBody::Request(pb::Request {
                req_type: Some(rt),
            })),
        }),
    }
}

pub(crate) fn run<M: DataModel + ?Sized>(dm: &mut M, rt: ReqType) -> pb::Msg {
    Engine::new(EngineConfig::default())
        .handle(dm, &msg("t-1", rt))
        .expect("a reply")
}

pub(crate) fn run_cfg<M: DataModel + ?Sized>(
    cfg: EngineConfig,
    dm: &mut M,
    rt: ReqType,
) -> pb::Msg {
    Engine::new(cfg)
        .handle(dm, &msg("t-1", rt))
        .expect("a reply")
}

pub(crate) enum Reply {
    Resp(RespType),
    Err(pb::Error),
}

pub(crate) fn reply(m: pb::Msg) -> Reply {
    assert_eq!(m.header.as_ref().map(|h| h.msg_id.as_str()), Some("t-1"));
    match m.body.and_then(|b| b.msg_body) {
        Some(pb::body::MsgBody::Response(r)) => Reply::Resp(r.resp_type.expect("resp_type")),
        Some(pb::body::MsgBody::Error(e)) => Reply::Err(e),
        _ => panic!("neither a response nor an error"),
    }
}

pub(crate) fn error(m: pb::Msg) -> pb::Error {
    match reply(m) {
        Reply::Err(e) => e,
        Reply::Resp(r) => panic!("expected an Error, got {r:?}"),
    }
}

pub(crate) fn get(dm: &mut MemoryDataModel, paths: &[&str], max_depth: u32) -> pb::GetResp {
    match reply(run(
        dm,
        ReqType::Get(pb::Get {
            param_paths: paths.iter().map(|s| s.to_string()).collect(),
            max_depth,
        }),
    )) {
        Reply::Resp(RespType::GetResp(r)) => r,
        _ => panic!("not a GetResp"),
    }
}

/// `(resolved_path, params)` pairs of the first requested path; panics on an error code.
pub(crate) fn get_ok(
    dm: &mut MemoryDataModel,
    path: &str,
    max_depth: u32,
) -> Vec<(String, BTreeMap<String, String>)> {
    let r = get(dm, &[path], max_depth);
    let rp = &r.req_path_results[0];
    assert_eq!(rp.err_code, 0, "{path}: {}", rp.err_msg);
    rp.resolved_path_results
        .iter()
        .map(|x| (x.resolved_path.clone(), x.result_params.clone()))
        .collect()
}

/// The error code of the first requested path.
pub(crate) fn get_code(dm: &mut MemoryDataModel, path: &str) -> u32 {
    get(dm, &[path], 0).req_path_results[0].err_code
}

pub(crate) fn value(dm: &MemoryDataModel, obj: &str, p: &str) -> Option<String> {
    dm.get(obj, p).map(|c| c.into_owned())
}

/// A model wrapper that can refuse operations and may lack native rollback.
pub(crate) struct Flaky {
    pub(crate) inner: MemoryDataModel,
    pub(crate) refuse_delete: Vec<String>,
    pub(crate) refuse_set: Vec<String>,
    pub(crate) refuse_add: bool,
    pub(crate) native_rollback: bool,
    /// Whether `check_delete` announces the refusals of `refuse_delete`.
    pub(crate) announce_delete: bool,
}

impl Flaky {
    pub(crate) fn new(inner: MemoryDataModel, native_rollback: bool) -> Self {
        Self {
            inner,
            refuse_delete: Vec::new(),
            refuse_set: Vec::new(),
            refuse_add: false,
            native_rollback,
            announce_delete: false,
        }
    }
}

impl DataModel for Flaky {
    fn schema(&self) -> &Schema {
        self.inner.schema()
    }
    fn instances(&self, table: &str, out: &mut Vec<u32>) {
        self.inner.instances(table, out)
    }
    fn get(&self, object: &str, param: &str) -> Option<std::borrow::Cow<'_, str>> {
        self.inner.get(object, param)
    }
    fn set(&mut self, object: &str, param: &str, value: &str) -> Result<(), DmError> {
        if self
            .refuse_set
            .iter()
            .any(|p| *p == format!("{object}{param}"))
        {
            return Err(DmError::new(7009, "hardware refused the value"));
        }
        self.inner.set(object, param, value)
    }
    fn add(&mut self, table: &str, init: &BTreeMap<String, String>) -> Result<u32, DmError> {
        if self.refuse_add {
            return Err(DmError::new(7017, "no room"));
        }
        self.inner.add(table, init)
    }
    fn delete(&mut self, object: &str) -> Result<(), DmError> {
        if self.refuse_delete.iter().any(|p| p == object) {
            return Err(DmError::new(7024, "row is locked"));
        }
        self.inner.delete(object)
    }
    fn check_delete(&self, object: &str) -> Result<(), DmError> {
        if self.announce_delete && self.refuse_delete.iter().any(|p| p == object) {
            return Err(DmError::new(7024, "row is locked"));
        }
        Ok(())
    }
    fn begin(&mut self) {
        if self.native_rollback {
            self.inner.begin()
        }
    }
    fn commit(&mut self) {
        if self.native_rollback {
            self.inner.commit()
        }
    }
    fn rollback(&mut self) -> bool {
        self.native_rollback && self.inner.rollback()
    }
}

/// Every error code in a reply (top level and nested), with the operation it answers.
pub(crate) fn codes(m: &pb::Msg, op: usp_msg::Operation) -> Vec<(usp_msg::Operation, u32)> {
    let mut v = Vec::new();
    match m.body.as_ref().and_then(|b| b.msg_body.as_ref()) {
        Some(pb::body::MsgBody::Error(e)) => {
            v.push(e.err_code);
            v.extend(e.param_errs.iter().map(|p| p.err_code));
        }
        Some(pb::body::MsgBody::Response(r)) => match &r.resp_type {
            Some(RespType::GetResp(g)) => v.extend(g.req_path_results.iter().map(|r| r.err_code)),
            Some(RespType::GetInstancesResp(g)) => {
                v.extend(g.req_path_results.iter().map(|r| r.err_code))
            }
            Some(RespType::GetSupportedDmResp(g)) => {
                v.extend(g.req_obj_results.iter().map(|r| r.err_code))
            }
            Some(RespType::SetResp(s)) => {
                use pb::set_resp::updated_object_result::operation_status::OperStatus;
                for o in &s.updated_obj_results {
                    match o.oper_status.as_ref().and_then(|s| s.oper_status.as_ref()) {
                        Some(OperStatus::OperFailure(f)) => {
                            v.push(f.err_code);
                            for i in &f.updated_inst_failures {
                                v.extend(i.param_errs.iter().map(|p| p.err_code));
                            }
                        }
                        Some(OperStatus::OperSuccess(ok)) => {
                            for i in &ok.updated_inst_results {
                                v.extend(i.param_errs.iter().map(|p| p.err_code));
                            }
                        }
                        None => panic!("SetResp without oper_status"),
                    }
                }
            }
            Some(RespType::AddResp(a)) => {
                use pb::add_resp::created_object_result::operation_status::OperStatus;
                for o in &a.created_obj_results {
                    match o.oper_status.as_ref().and_then(|s| s.oper_status.as_ref()) {
                        Some(OperStatus::OperFailure(f)) => v.push(f.err_code),
                        Some(OperStatus::OperSuccess(ok)) => {
                            v.extend(ok.param_errs.iter().map(|p| p.err_code))
                        }
                        None => panic!("AddResp without oper_status"),
                    }
                }
            }
            Some(RespType::DeleteResp(d)) => {
                use pb::delete_resp::deleted_object_result::operation_status::OperStatus;
                for o in &d.deleted_obj_results {
                    match o.oper_status.as_ref().and_then(|s| s.oper_status.as_ref()) {
                        Some(OperStatus::OperFailure(f)) => v.push(f.err_code),
                        Some(OperStatus::OperSuccess(ok)) => {
                            v.extend(ok.unaffected_path_errs.iter().map(|p| p.err_code))
                        }
                        None => panic!("DeleteResp without oper_status"),
                    }
                }
            }
            _ => {}
        },
        _ => {}
    }
    v.into_iter().filter(|c| *c != 0).map(|c| (op, c)).collect()
}

/// Whether `code` may answer `op`: the spec's per-message list (REQUIREMENTS §0.3), plus 7021
/// for Add, which the main code table and R-ADD.3 use but Add's list omits.
pub(crate) fn allowed(op: usp_msg::Operation, code: u32) -> bool {
    usp_msg::ErrorCode::new(code).is_allowed_for(op)
        || (op == usp_msg::Operation::Add && code == 7021)
}
