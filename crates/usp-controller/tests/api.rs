//! Integration tests of the public API against a scripted fake Agent.
//!
//! The Agent side decodes what the Controller transmits and answers with Messages built by
//! the usp-msg builders, wrapped in Records by usp-record (or a usp-e2e Session).

use core::time::Duration;
use std::collections::BTreeMap;

use bytes::Bytes;
use proptest::prelude::*;
use usp_controller::{
    CommandResult, Controller, ControllerConfig, ControllerError, ControllerEvent, Instant,
    RequestError, RequestId, SupportedDmFlags, TypedResult, UnmatchedReason, UspError,
};
use usp_msg::pb::get_supported_dm_resp::{
    CmdType, ObjAccessType, ParamAccessType, ParamValueType, ValueChangeType,
};
use usp_msg::{
    AddRespBuilder, AddResult, Body, CreateObject, DeleteRespBuilder, DeleteResult, ErrorBuilder,
    ErrorCode, EventBuilder, GetInstancesRespBuilder, GetRespBuilder, GetResult,
    GetSupportedDmRespBuilder, GetSupportedProtocolRespBuilder, InstancesResult, Msg, MsgType,
    NotifyKind, NotifyRespBuilder, ObjCreationBuilder, ObjDeletionBuilder, OnBoardRequestBuilder,
    OperateRespBuilder, OperateResult, OperationCompleteBuilder, RegisterBuilder,
    RegisterRespBuilder, Request, ResolvedPath, Response, SetRespBuilder, SetResult,
    SupportedDmResult, SupportedObject, UpdateFailure, UpdateObject, UpdatedInstance,
    ValueChangeBuilder, pb,
};
use usp_record::{Record, RecordBuilder, RecordError, Version};

const CTL: &str = "proto::controller";
const AGENT: &str = "proto::agent";

type TestResult = Result<(), Box<dyn core::error::Error>>;

fn t(ms: u64) -> Instant {
    Instant::from_millis(ms)
}

fn controller() -> Controller {
    let cfg = ControllerConfig::new(CTL, AGENT).unwrap();
    Controller::new(cfg, t(0)).unwrap()
}

/// Every Msg the Controller transmitted (no-session mode).
fn sent(ctl: &mut Controller) -> Vec<Msg> {
    let mut out = Vec::new();
    while let Some(wire) = ctl.poll_transmit() {
        let rec = Record::decode(wire).unwrap();
        assert_eq!(rec.to_id().as_str(), AGENT);
        assert_eq!(rec.from_id().as_str(), CTL);
        out.push(Msg::decode(rec.no_session_payload().unwrap().clone()).unwrap());
    }
    out
}

fn one_sent(ctl: &mut Controller) -> Msg {
    let mut v = sent(ctl);
    assert_eq!(v.len(), 1, "expected exactly one transmit");
    v.pop().unwrap()
}

fn record_from_agent(payload: Bytes) -> Bytes {
    RecordBuilder::new(CTL, AGENT)
        .unwrap()
        .no_session_context(payload)
        .unwrap()
        .to_bytes()
}

fn deliver(ctl: &mut Controller, now: Instant, msg: &Msg) {
    ctl.handle_record(now, record_from_agent(msg.encode_to_bytes()))
        .unwrap();
}

fn events(ctl: &mut Controller) -> Vec<ControllerEvent> {
    core::iter::from_fn(|| ctl.poll_event()).collect()
}

/// The single Response event for `id`.
fn response(ctl: &mut Controller, id: RequestId) -> Result<TypedResult, RequestError> {
    let evs = events(ctl);
    assert_eq!(evs.len(), 1, "expected one event, got {evs:?}");
    match evs.into_iter().next().unwrap() {
        ControllerEvent::Response { id: got, result } => {
            assert_eq!(got, id);
            result
        }
        other => panic!("unexpected {other:?}"),
    }
}

fn map(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

// ------------------------------------------------------------------------- typed results

/// R-GET.0, R-GET.2, R-MSG.9: values keyed by full path; a failed requested path carries its
/// code and message.
#[test]
fn get_resp_as_full_path_map_with_per_path_errors() -> TestResult {
    let mut ctl = controller();
    let id = ctl.get(
        t(0),
        &[
            "Device.DeviceInfo.",
            "Device.Nope.",
            "Device.IP.Interface.*.Enable",
        ],
        2,
    )?;
    let req = one_sent(&mut ctl);
    assert_eq!(req.msg_id(), "ctrl-1");
    let Some(Request::Get(get)) = req.request() else {
        panic!("not a Get")
    };
    assert_eq!(get.max_depth, 2);
    assert_eq!(get.param_paths.len(), 3);
    let resp = GetRespBuilder::new(req.msg_id())
        .result(
            GetResult::new("Device.DeviceInfo.").resolved(
                ResolvedPath::new("Device.DeviceInfo.")
                    .param("SoftwareVersion", "1.2.3")
                    .param("Manufacturer", "ACME"),
            ),
        )
        .result(GetResult::failure(
            "Device.Nope.",
            7026u32,
            "no such object",
        ))
        .result(
            GetResult::new("Device.IP.Interface.*.Enable")
                .resolved(ResolvedPath::new("Device.IP.Interface.1.").param("Enable", "true"))
                .resolved(ResolvedPath::new("Device.IP.Interface.2.").param("Enable", "false"))
                .resolved(ResolvedPath::new("Device.IP.Interface.3.")),
        )
        .build()?;
    deliver(&mut ctl, t(10), &resp);
    let values = response(&mut ctl, id)?.into_get().ok_or("not a Get")?;
    assert_eq!(
        values.values,
        map(&[
            ("Device.DeviceInfo.Manufacturer", "ACME"),
            ("Device.DeviceInfo.SoftwareVersion", "1.2.3"),
            ("Device.IP.Interface.1.Enable", "true"),
            ("Device.IP.Interface.2.Enable", "false"),
        ])
    );
    assert!(values.objects.contains("Device.IP.Interface.3."));
    assert_eq!(values.failures.len(), 1);
    assert_eq!(values.failures[0].path, "Device.Nope.");
    assert_eq!(
        values.failures[0].error,
        UspError::new(ErrorCode::INVALID_PATH, "no such object")
    );
    assert!(!ctl.is_pending(id));
    assert_eq!(ctl.poll_timeout(), None);
    Ok(())
}

/// R-SET.0, R-SET.2a: updated instances with their params, failed objects with per-instance
/// parameter errors.
#[test]
fn set_resp_typed() -> TestResult {
    let mut ctl = controller();
    let id = ctl.set(
        t(0),
        true,
        [
            UpdateObject::new("Device.WiFi.SSID.*.").param("Enable", "true"),
            UpdateObject::new("Device.Time.").required_param("NTPServer1", "bad value"),
        ],
    )?;
    let req = one_sent(&mut ctl);
    let Some(Request::Set(set)) = req.request() else {
        panic!("not a Set")
    };
    assert!(set.allow_partial);
    assert_eq!(set.update_objs.len(), 2);
    let resp = SetRespBuilder::new(req.msg_id())
        .result(
            SetResult::success("Device.WiFi.SSID.*.")
                .updated(UpdatedInstance::new("Device.WiFi.SSID.1.").param("Enable", "true"))
                .updated(
                    UpdatedInstance::new("Device.WiFi.SSID.2.")
                        .param("Enable", "true")
                        .param_error("Alias", 7013u32, "read only"),
                ),
        )
        .result(
            SetResult::failure("Device.Time.", 7020u32, "not updated").instance_failure(
                UpdateFailure::new("Device.Time.").param_error("NTPServer1", 7012u32, "bad value"),
            ),
        )
        .build()?;
    deliver(&mut ctl, t(5), &resp);
    let set = response(&mut ctl, id)?.into_set().ok_or("not a Set")?;
    assert_eq!(set.updated.len(), 2);
    assert_eq!(set.updated[0].requested_path, "Device.WiFi.SSID.*.");
    assert_eq!(set.updated[1].param_errs[0].path, "Alias");
    assert_eq!(
        set.updated[1].param_errs[0].error.code,
        ErrorCode::PARAM_READ_ONLY
    );
    assert_eq!(
        set.updated_values(),
        map(&[
            ("Device.WiFi.SSID.1.Enable", "true"),
            ("Device.WiFi.SSID.2.Enable", "true")
        ])
    );
    assert_eq!(set.failures.len(), 1);
    let f = &set.failures[0];
    assert_eq!(f.requested_path, "Device.Time.");
    assert_eq!(f.error, UspError::new(7020u32, "not updated"));
    assert_eq!(f.instance_failures[0].0, "Device.Time.");
    assert_eq!(f.instance_failures[0].1[0].path, "NTPServer1");
    assert_eq!(
        f.instance_failures[0].1[0].error.code,
        ErrorCode::INVALID_VALUE
    );
    Ok(())
}

/// R-ADD.4, R-ADD.5: created paths with unique keys and parameter errors; failures.
#[test]
fn add_resp_typed() -> TestResult {
    let mut ctl = controller();
    let id = ctl.add(
        t(0),
        true,
        [
            CreateObject::new("Device.LocalAgent.Subscription.").required_param("ID", "s-1"),
            CreateObject::new("Device.NotATable."),
        ],
    )?;
    let req = one_sent(&mut ctl);
    let resp = AddRespBuilder::new(req.msg_id())
        .result(
            AddResult::success(
                "Device.LocalAgent.Subscription.",
                "Device.LocalAgent.Subscription.4.",
            )
            .unique_key("Alias", "cpe-4")
            .unique_key("ID", "s-1")
            .param_error("Persistent", 7012u32, "bad boolean"),
        )
        .result(AddResult::failure(
            "Device.NotATable.",
            7018u32,
            "not a table",
        ))
        .build()?;
    deliver(&mut ctl, t(5), &resp);
    let add = response(&mut ctl, id)?.into_add().ok_or("not an Add")?;
    assert_eq!(add.created.len(), 1);
    let c = &add.created[0];
    assert_eq!(c.requested_path, "Device.LocalAgent.Subscription.");
    assert_eq!(c.instantiated_path, "Device.LocalAgent.Subscription.4.");
    assert_eq!(c.unique_keys, map(&[("Alias", "cpe-4"), ("ID", "s-1")]));
    assert_eq!(c.param_errs[0].path, "Persistent");
    assert_eq!(add.failures[0].path, "Device.NotATable.");
    assert_eq!(add.failures[0].error.code, ErrorCode::NOT_A_TABLE);
    Ok(())
}

/// R-DEL.2a, R-DEL.3: affected and unaffected paths, failures.
#[test]
fn delete_resp_typed() -> TestResult {
    let mut ctl = controller();
    let id = ctl.delete(
        t(0),
        true,
        &["Device.X.*.", "Device.X.[Alias==\"none\"].", "Device.Y."],
    )?;
    let req = one_sent(&mut ctl);
    let resp = DeleteRespBuilder::new(req.msg_id())
        .result(
            DeleteResult::success("Device.X.*.")
                .affected_path("Device.X.1.")
                .affected_path("Device.X.2.")
                .unaffected_path_error("Device.X.3.", 7024u32, "locked"),
        )
        .result(DeleteResult::success("Device.X.[Alias==\"none\"]."))
        .result(DeleteResult::failure(
            "Device.Y.",
            7026u32,
            "no such object",
        ))
        .build()?;
    deliver(&mut ctl, t(5), &resp);
    let del = response(&mut ctl, id)?
        .into_delete()
        .ok_or("not a Delete")?;
    assert_eq!(
        del.affected_paths().collect::<Vec<_>>(),
        ["Device.X.1.", "Device.X.2."]
    );
    let unaffected: Vec<_> = del.unaffected().collect();
    assert_eq!(unaffected.len(), 1);
    assert_eq!(unaffected[0].path, "Device.X.3.");
    assert_eq!(unaffected[0].error.code, ErrorCode::DELETE_FAILURE);
    assert_eq!(del.deleted.len(), 2);
    assert!(del.deleted[1].affected_paths.is_empty());
    assert_eq!(del.failures[0].path, "Device.Y.");
    Ok(())
}

/// R-GIN.1: instance paths with their unique keys; failed requested paths.
#[test]
fn get_instances_resp_typed() -> TestResult {
    let mut ctl = controller();
    let id = ctl.get_instances(t(0), &["Device.IP.Interface.", "Device.Nope."], false)?;
    let req = one_sent(&mut ctl);
    let Some(Request::GetInstances(gi)) = req.request() else {
        panic!("not GetInstances")
    };
    assert!(!gi.first_level_only);
    let resp = GetInstancesRespBuilder::new(req.msg_id())
        .result(
            InstancesResult::new("Device.IP.Interface.")
                .instance(
                    "Device.IP.Interface.1.",
                    [("Alias", "cpe-1"), ("Name", "eth0")],
                )
                .instance("Device.IP.Interface.1.IPv4Address.1.", [("Alias", "a1")])
                .instance("Device.IP.Interface.2.", Vec::<(String, String)>::new()),
        )
        .result(InstancesResult::failure("Device.Nope.", 7026u32, "nope"))
        .build()?;
    deliver(&mut ctl, t(5), &resp);
    let inst = response(&mut ctl, id)?
        .into_instances()
        .ok_or("not GetInstances")?;
    assert_eq!(inst.instances.len(), 3);
    assert_eq!(
        inst.instances["Device.IP.Interface.1."],
        map(&[("Alias", "cpe-1"), ("Name", "eth0")])
    );
    assert!(inst.instances["Device.IP.Interface.2."].is_empty());
    assert_eq!(inst.failures[0].path, "Device.Nope.");
    Ok(())
}

/// GetSupportedDM: a typed tree with params, commands, events, unique keys.
#[test]
fn get_supported_dm_resp_typed_tree() -> TestResult {
    let mut ctl = controller();
    let id = ctl.get_supported_dm(
        t(0),
        &["Device.IP.", "Device.Bad."],
        SupportedDmFlags::all(),
    )?;
    let req = one_sent(&mut ctl);
    let Some(Request::GetSupportedDm(g)) = req.request() else {
        panic!("not GSDM")
    };
    assert!(g.return_params && g.return_commands && g.return_events && g.return_unique_key_sets);
    assert!(!g.first_level_only);
    let resp = GetSupportedDmRespBuilder::new(req.msg_id())
        .result(
            SupportedDmResult::new("Device.IP.", "urn:broadband-forum-org:tr-181-2-19-0")
                .object(
                    SupportedObject::new("Device.IP.", ObjAccessType::ObjReadOnly, false).param(
                        "IPv4Enable",
                        ParamAccessType::ParamReadWrite,
                        ParamValueType::ParamBoolean,
                        ValueChangeType::ValueChangeAllowed,
                    ),
                )
                .object(
                    SupportedObject::new(
                        "Device.IP.Interface.{i}.",
                        ObjAccessType::ObjAddDelete,
                        true,
                    )
                    .command(
                        "Reset()",
                        CmdType::CmdSync,
                        Vec::<String>::new(),
                        ["Status"],
                    )
                    .event("Changed!", ["Why"])
                    .unique_key_set(["Alias"])
                    .unique_key_set(["Name"]),
                )
                .object(SupportedObject::new(
                    "Device.IP.Interface.{i}.IPv4Address.{i}.",
                    ObjAccessType::ObjAddDelete,
                    true,
                )),
        )
        .result(SupportedDmResult::failure(
            "Device.Bad.",
            7026u32,
            "unsupported",
        ))
        .build()?;
    deliver(&mut ctl, t(5), &resp);
    let dm = response(&mut ctl, id)?
        .into_supported_dm()
        .ok_or("not GSDM")?;
    assert_eq!(dm.failures[0].path, "Device.Bad.");
    let tree = &dm.trees[0];
    assert_eq!(tree.requested_path, "Device.IP.");
    assert_eq!(
        tree.data_model_inst_uri,
        "urn:broadband-forum-org:tr-181-2-19-0"
    );
    let ip = &tree.objects["Device.IP."];
    assert_eq!(ip.access, Some(ObjAccessType::ObjReadOnly));
    let p = ip.params["IPv4Enable"];
    assert_eq!(p.access, Some(ParamAccessType::ParamReadWrite));
    assert_eq!(p.value_type, Some(ParamValueType::ParamBoolean));
    assert_eq!(p.value_change, Some(ValueChangeType::ValueChangeAllowed));
    let intf = &tree.objects["Device.IP.Interface.{i}."];
    assert!(intf.is_multi_instance);
    assert_eq!(intf.commands["Reset()"].output_args, ["Status"]);
    assert_eq!(
        intf.commands["Reset()"].command_type,
        Some(CmdType::CmdSync)
    );
    assert_eq!(intf.events["Changed!"], ["Why"]);
    assert_eq!(
        intf.unique_key_sets,
        [vec!["Alias".to_owned()], vec!["Name".to_owned()]]
    );
    let kids: Vec<_> = tree
        .children("Device.IP.")
        .map(|o| o.path.as_str())
        .collect();
    assert_eq!(kids, ["Device.IP.Interface.{i}."]);
    let grandkids: Vec<_> = tree
        .children("Device.IP.Interface.{i}.")
        .map(|o| o.path.as_str())
        .collect();
    assert_eq!(grandkids, ["Device.IP.Interface.{i}.IPv4Address.{i}."]);
    Ok(())
}

/// R-OPR.1: every outcome kind of an OperateResp.
#[test]
fn operate_resp_outcomes() -> TestResult {
    let mut ctl = controller();
    let id = ctl.operate(t(0), "Device.X.*.Go()", "key-1", true, [("Arg", "1")])?;
    let req = one_sent(&mut ctl);
    let Some(Request::Operate(op)) = req.request() else {
        panic!("not Operate")
    };
    assert_eq!(op.command_key, "key-1");
    assert!(op.send_resp);
    assert_eq!(op.input_args, map(&[("Arg", "1")]));
    let resp = OperateRespBuilder::new(req.msg_id())
        .result(OperateResult::output_args("Device.X.1.Go()").arg("Out", "ok"))
        .result(OperateResult::req_obj_path(
            "Device.X.2.Go()",
            "Device.LocalAgent.Request.7.",
        ))
        .result(OperateResult::failure("Device.X.3.Go()", 7022u32, "broken"))
        .build()?;
    deliver(&mut ctl, t(5), &resp);
    let op = response(&mut ctl, id)?
        .into_operate()
        .ok_or("not Operate")?;
    assert_eq!(op.results.len(), 3);
    assert_eq!(op.results[0].executed_command, "Device.X.1.Go()");
    assert_eq!(
        op.results[0].result,
        CommandResult::OutputArgs(map(&[("Out", "ok")]))
    );
    assert_eq!(
        op.results[1].result,
        CommandResult::RequestObjPath("Device.LocalAgent.Request.7.".into())
    );
    assert_eq!(
        op.results[2].result,
        CommandResult::Failure(UspError::new(7022u32, "broken"))
    );
    Ok(())
}

/// GetSupportedProtocolResp: parsed versions.
#[test]
fn get_supported_protocol_resp_versions() -> TestResult {
    let mut ctl = controller();
    let id = ctl.get_supported_protocol(t(0), "1.3,1.4")?;
    let req = one_sent(&mut ctl);
    let Some(Request::GetSupportedProtocol(g)) = req.request() else {
        panic!("not GSP")
    };
    assert_eq!(g.controller_supported_protocol_versions, "1.3,1.4");
    let resp = GetSupportedProtocolRespBuilder::new(req.msg_id(), "1.0,1.1,1.4").build()?;
    deliver(&mut ctl, t(5), &resp);
    let v = response(&mut ctl, id)?.into_protocol().ok_or("not GSP")?;
    assert_eq!(v.raw, "1.0,1.1,1.4");
    assert_eq!(v.versions.len(), 3);
    assert!(v.supports(Version { major: 1, minor: 4 }));
    assert!(!v.supports(Version { major: 1, minor: 3 }));
    assert_eq!(
        v.highest_common(&[
            Version { major: 1, minor: 3 },
            Version { major: 1, minor: 4 }
        ]),
        Some(Version { major: 1, minor: 4 })
    );
    Ok(())
}

/// Register (sent by a USP Service) via `request_with`: RegisterResp comes back as `Other`.
#[test]
fn request_with_any_request() -> TestResult {
    let mut ctl = controller();
    let id = ctl.request_with(t(0), |m| {
        RegisterBuilder::new(m).path("Device.Time.").build()
    })?;
    let req = one_sent(&mut ctl);
    assert_eq!(req.msg_type(), MsgType::Register);
    let resp = RegisterRespBuilder::new(req.msg_id())
        .success("Device.Time.", "Device.Time.")
        .build()?;
    deliver(&mut ctl, t(5), &resp);
    let r = response(&mut ctl, id)?;
    assert_eq!(r.msg_type(), MsgType::RegisterResp);
    assert!(matches!(r, TypedResult::Other(Response::RegisterResp(_))));
    Ok(())
}

// ------------------------------------------------------------------------- errors

/// R-MSG.9: an Error message with the request's msg_id ends it with a typed error.
#[test]
fn error_message_correlated() -> TestResult {
    let mut ctl = controller();
    let a = ctl.get(t(0), &["Device.A."], 0)?;
    let b = ctl.set(
        t(0),
        false,
        [UpdateObject::new("Device.B.").param("X", "1")],
    )?;
    let msgs = sent(&mut ctl);
    assert_eq!(msgs.len(), 2);
    let err = ErrorBuilder::new(msgs[1].msg_id(), ErrorCode::INVALID_VALUE)
        .err_msg("set failed")
        .param_error("Device.B.X", 7012u32, "out of range")
        .build()?;
    deliver(&mut ctl, t(5), &err);
    match response(&mut ctl, b) {
        Err(e @ RequestError::Agent { .. }) => {
            assert_eq!(e.code(), Some(ErrorCode::INVALID_VALUE));
            let RequestError::Agent { error, param_errs } = e else {
                unreachable!()
            };
            assert_eq!(error.message, "set failed");
            assert_eq!(param_errs.len(), 1);
            assert_eq!(param_errs[0].path, "Device.B.X");
            assert_eq!(param_errs[0].error, UspError::new(7012u32, "out of range"));
        }
        other => panic!("unexpected {other:?}"),
    }
    assert!(ctl.is_pending(a));
    assert!(!ctl.is_pending(b));
    assert_eq!(ctl.pending_count(), 1);
    Ok(())
}

/// R-MSG.9: unknown msg_ids are dropped and reported; each id is matched once.
#[test]
fn unknown_and_duplicate_msg_ids_dropped() -> TestResult {
    let mut ctl = controller();
    let id = ctl.get(t(0), &["Device."], 0)?;
    let req = one_sent(&mut ctl);
    let stray = GetRespBuilder::new("never-sent")
        .result(GetResult::new("Device."))
        .build()?;
    deliver(&mut ctl, t(1), &stray);
    let evs = events(&mut ctl);
    assert_eq!(
        evs,
        [ControllerEvent::UnmatchedResponse {
            msg_id: "never-sent".into(),
            msg_type: MsgType::GetResp,
            reason: UnmatchedReason::UnknownMsgId,
        }]
    );
    assert!(ctl.is_pending(id));
    let good = GetRespBuilder::new(req.msg_id())
        .result(GetResult::new("Device."))
        .build()?;
    deliver(&mut ctl, t(2), &good);
    assert!(response(&mut ctl, id).is_ok());
    // The same reply again, and an Error for the same id: both dropped.
    deliver(&mut ctl, t(3), &good);
    deliver(
        &mut ctl,
        t(3),
        &req.error_reply(ErrorCode::INTERNAL_ERROR, "late")?,
    );
    let evs = events(&mut ctl);
    assert_eq!(evs.len(), 2);
    for ev in evs {
        assert!(matches!(
            ev,
            ControllerEvent::UnmatchedResponse { reason: UnmatchedReason::AlreadyAnswered(i), .. } if i == id
        ));
    }
    Ok(())
}

/// R-MSG.9 with `Msg::is_reply_to` semantics: a response of the wrong type does not answer
/// the request, which stays pending.
#[test]
fn wrong_response_type_keeps_request_pending() -> TestResult {
    let mut ctl = controller();
    let id = ctl.get(t(0), &["Device."], 0)?;
    let req = one_sent(&mut ctl);
    let wrong = NotifyRespBuilder::new(req.msg_id(), "").build()?;
    deliver(&mut ctl, t(1), &wrong);
    assert_eq!(
        events(&mut ctl),
        [ControllerEvent::UnmatchedResponse {
            msg_id: req.msg_id().into(),
            msg_type: MsgType::NotifyResp,
            reason: UnmatchedReason::WrongType {
                id,
                expected: MsgType::GetResp
            },
        }]
    );
    assert!(ctl.is_pending(id));
    deliver(
        &mut ctl,
        t(2),
        &GetRespBuilder::new(req.msg_id())
            .result(GetResult::new("Device."))
            .build()?,
    );
    assert!(response(&mut ctl, id)?.into_get().is_some());
    Ok(())
}

/// A reply with a readable, pending msg_id that fails validation ends the request.
#[test]
fn invalid_reply_ends_request() -> TestResult {
    let mut ctl = controller();
    let id = ctl.set(t(0), true, [UpdateObject::new("Device.A.").param("B", "1")])?;
    let req = one_sent(&mut ctl);
    // A SetResp whose result has no oper_status (R-ENC.5), built from raw pb types.
    let raw = pb::Msg {
        header: Some(pb::Header {
            msg_id: req.msg_id().into(),
            msg_type: MsgType::SetResp.as_i32(),
        }),
        body: Some(pb::Body {
            msg_body: Some(pb::body::MsgBody::Response(pb::Response {
                resp_type: Some(pb::response::RespType::SetResp(pb::SetResp {
                    updated_obj_results: vec![pb::set_resp::UpdatedObjectResult {
                        requested_path: "Device.A.".into(),
                        oper_status: None,
                    }],
                })),
            })),
        }),
    };
    let bytes = Bytes::from(prost::Message::encode_to_vec(&raw));
    ctl.handle_record(t(1), record_from_agent(bytes))?;
    assert!(matches!(
        response(&mut ctl, id),
        Err(RequestError::InvalidResponse(_))
    ));
    // Garbage that names no msg_id is reported as InvalidMsg.
    ctl.handle_record(t(2), record_from_agent(Bytes::from_static(b"\xff\xff\xff")))?;
    assert!(matches!(
        events(&mut ctl)[..],
        [ControllerEvent::InvalidMsg(_)]
    ));
    Ok(())
}

/// R-E2E.1 / record validation: bad bytes and misaddressed Records are refused; Connect
/// Records are ignored.
#[test]
fn record_level_errors() -> TestResult {
    let mut ctl = controller();
    assert!(matches!(
        ctl.handle_record(t(0), Bytes::from_static(b"\x0a")),
        Err(ControllerError::Record(RecordError::Decode(_)))
    ));
    let other =
        RecordBuilder::new("proto::someone-else", AGENT)?.no_session_context(&b"\x0a\x00"[..])?;
    assert!(matches!(
        ctl.handle_record(t(0), other.to_bytes()),
        Err(ControllerError::E2e(_))
    ));
    let stranger =
        RecordBuilder::new(CTL, "proto::stranger")?.no_session_context(&b"\x0a\x00"[..])?;
    assert!(matches!(
        ctl.handle_record(t(0), stranger.to_bytes()),
        Err(ControllerError::E2e(_))
    ));
    let connect = RecordBuilder::new(CTL, AGENT)?.websocket_connect()?;
    ctl.handle_record(t(0), connect.to_bytes())?;
    assert!(ctl.poll_event().is_none());
    assert!(ctl.poll_transmit().is_none());
    Ok(())
}

/// Invalid requests are refused before anything is sent.
#[test]
fn invalid_requests_rejected() -> TestResult {
    let mut ctl = controller();
    let none: [&str; 0] = [];
    assert!(matches!(
        ctl.get(t(0), &none, 0),
        Err(ControllerError::Build(_))
    ));
    assert!(matches!(
        ctl.get_instances(t(0), &["Device.X"], true),
        Err(ControllerError::Build(_))
    ));
    assert!(matches!(
        ctl.operate(
            t(0),
            "Device.Reboot",
            "",
            true,
            none.iter().map(|s| (*s, *s))
        ),
        Err(ControllerError::Build(_))
    ));
    assert!(matches!(
        ctl.request_with(t(0), |m| ValueChangeBuilder::new(m, "", "Device.X", "1")
            .build()),
        Err(ControllerError::WrongMessage {
            got: MsgType::Notify,
            ..
        })
    ));
    assert!(matches!(
        ctl.request_with(t(0), |m| GetRespBuilder::new(m)
            .result(GetResult::new("Device."))
            .build()),
        Err(ControllerError::WrongMessage { .. })
    ));
    assert!(matches!(
        ctl.request_with(t(0), |_| usp_msg::GetBuilder::new("mine")
            .path("Device.")
            .build()),
        Err(ControllerError::MsgIdChanged { .. })
    ));
    assert!(ctl.poll_transmit().is_none());
    assert_eq!(ctl.pending_count(), 0);
    // A rejected request does not use up a msg_id.
    let id = ctl.get(t(0), &["Device."], 0)?;
    assert_eq!(ctl.msg_id_of(id), "ctrl-1");
    Ok(())
}

/// Configured limits and msg_id scheme.
#[test]
fn config_limits_and_msg_ids() -> TestResult {
    let mut cfg = ControllerConfig::new(CTL, AGENT)?;
    cfg.max_pending(2)
        .msg_id_prefix("boot7-")
        .first_msg_counter(41);
    let mut ctl = Controller::new(cfg, t(0))?;
    let a = ctl.get(t(0), &["Device."], 0)?;
    let b = ctl.get(t(0), &["Device."], 0)?;
    assert_eq!(ctl.msg_id_of(a), "boot7-41");
    assert_eq!(ctl.msg_id_of(b), "boot7-42");
    assert!(matches!(
        ctl.get(t(0), &["Device."], 0),
        Err(ControllerError::TooManyPending { limit: 2 })
    ));
    let ids: Vec<_> = sent(&mut ctl)
        .iter()
        .map(|m| m.msg_id().to_owned())
        .collect();
    assert_eq!(ids, ["boot7-41", "boot7-42"]);
    assert!(ctl.cancel(a));
    assert!(!ctl.cancel(a));
    ctl.get(t(0), &["Device."], 0)?;

    let bad = |f: &dyn Fn(&mut ControllerConfig)| {
        let mut cfg = ControllerConfig::new(CTL, AGENT).unwrap();
        f(&mut cfg);
        Controller::new(cfg, t(0)).err()
    };
    assert!(matches!(
        bad(&|c| {
            c.request_timeout(Duration::ZERO);
        }),
        Some(ControllerError::Config(_))
    ));
    assert!(matches!(
        bad(&|c| {
            c.max_pending(0);
        }),
        Some(ControllerError::Config(_))
    ));
    assert!(matches!(
        bad(&|c| {
            c.e2e_mut().set_remote_id("proto::x");
        }),
        Some(ControllerError::Config(_))
    ));
    assert!(matches!(
        bad(&|c| {
            c.e2e_mut().max_record_size(10);
        }),
        Some(ControllerError::E2eConfig(_))
    ));
    assert!(matches!(
        ControllerConfig::new(CTL, CTL).map(|c| c.validate()),
        Ok(Err(ControllerError::Config(_)))
    ));
    assert!(matches!(
        ControllerConfig::new("", AGENT),
        Err(ControllerError::EndpointId {
            field: "local_id",
            ..
        })
    ));
    Ok(())
}

// ------------------------------------------------------------------------- timeouts

/// Per-request timeouts: poll_timeout, early handle_timeout is a no-op, TimedOut once, late
/// replies are dropped as AfterTimeout.
#[test]
fn request_timeouts() -> TestResult {
    let mut cfg = ControllerConfig::new(CTL, AGENT)?;
    cfg.request_timeout(Duration::from_secs(5));
    let mut ctl = Controller::new(cfg, t(0))?;
    let a = ctl.get(t(0), &["Device.A."], 0)?;
    let b = ctl.get(t(1_000), &["Device.B."], 0)?;
    let msgs = sent(&mut ctl);
    assert_eq!(ctl.poll_timeout(), Some(t(5_000)));
    ctl.handle_timeout(t(4_999));
    assert!(ctl.poll_event().is_none());
    ctl.handle_timeout(t(5_000));
    assert_eq!(events(&mut ctl), [ControllerEvent::TimedOut { id: a }]);
    assert_eq!(ctl.poll_timeout(), Some(t(6_000)));
    ctl.handle_timeout(t(5_500));
    assert!(ctl.poll_event().is_none());
    // b answered in time.
    deliver(
        &mut ctl,
        t(5_900),
        &GetRespBuilder::new(msgs[1].msg_id())
            .result(GetResult::new("Device.B."))
            .build()?,
    );
    assert!(response(&mut ctl, b).is_ok());
    assert_eq!(ctl.poll_timeout(), None);
    ctl.handle_timeout(t(10_000));
    assert!(ctl.poll_event().is_none());
    // a's late reply.
    deliver(
        &mut ctl,
        t(10_000),
        &GetRespBuilder::new(msgs[0].msg_id())
            .result(GetResult::new("Device.A."))
            .build()?,
    );
    assert_eq!(
        events(&mut ctl),
        [ControllerEvent::UnmatchedResponse {
            msg_id: msgs[0].msg_id().into(),
            msg_type: MsgType::GetResp,
            reason: UnmatchedReason::AfterTimeout(a),
        }]
    );
    Ok(())
}

/// R-OPR.4: Operate with send_resp false is not awaited; a reply is ignored.
#[test]
fn operate_without_send_resp_not_awaited() -> TestResult {
    let mut ctl = controller();
    let id = ctl.operate(
        t(0),
        "Device.Reboot()",
        "reboot-1",
        false,
        Vec::<(String, String)>::new(),
    )?;
    let req = one_sent(&mut ctl);
    assert!(!ctl.is_pending(id));
    assert_eq!(ctl.poll_timeout(), None);
    let reply = OperateRespBuilder::new(req.msg_id())
        .result(OperateResult::failure("Device.Reboot()", 7022u32, "no"))
        .build()?;
    deliver(&mut ctl, t(1), &reply);
    assert!(matches!(
        events(&mut ctl)[..],
        [ControllerEvent::UnmatchedResponse { reason: UnmatchedReason::NotAwaited(i), .. }] if i == id
    ));
    Ok(())
}

/// Cancelled requests: no event, late reply reported as Cancelled.
#[test]
fn cancelled_request() -> TestResult {
    let mut ctl = controller();
    let id = ctl.get(t(0), &["Device."], 0)?;
    let req = one_sent(&mut ctl);
    assert!(ctl.cancel(id));
    assert_eq!(ctl.poll_timeout(), None);
    ctl.handle_timeout(t(100_000));
    assert!(ctl.poll_event().is_none());
    deliver(
        &mut ctl,
        t(100_001),
        &req.error_reply(ErrorCode::INTERNAL_ERROR, "x")?,
    );
    assert!(matches!(
        events(&mut ctl)[..],
        [ControllerEvent::UnmatchedResponse { reason: UnmatchedReason::Cancelled(i), msg_type: MsgType::Error, .. }] if i == id
    ));
    Ok(())
}

// ------------------------------------------------------------------------- Notify

/// Every Notify kind becomes an event; R-NOT.10 NotifyResp echoes msg_id and subscription_id
/// when send_resp is true; R-NOT.8 nothing is sent when it is false.
#[test]
fn notify_all_kinds_and_notify_resp() -> TestResult {
    let mut ctl = controller();
    let notifies = [
        EventBuilder::new("n-1", "sub-ev", "Device.", "Boot!")
            .param("Cause", "LocalReboot")
            .send_resp(true)
            .build()?,
        ValueChangeBuilder::new("n-2", "sub-vc", "Device.X.Y", "7")
            .send_resp(false)
            .build()?,
        ObjCreationBuilder::new("n-3", "sub-oc", "Device.X.4.")
            .unique_key("Alias", "cpe-4")
            .send_resp(true)
            .build()?,
        ObjDeletionBuilder::new("n-4", "sub-od", "Device.X.4.")
            .send_resp(true)
            .build()?,
        OperationCompleteBuilder::new("n-5", "sub-opc", "Device.", "Reboot()", "reboot-1")
            .send_resp(true)
            .build()?,
        OperationCompleteBuilder::new("n-6", "sub-opc", "Device.X.1.", "Go()", "k")
            .cmd_failure(7022u32, "failed")
            .build()?,
        OnBoardRequestBuilder::new("n-7", "00D09E", "Router", "SN1", "1.3,1.4").build()?,
    ];
    for (i, n) in notifies.iter().enumerate() {
        deliver(&mut ctl, t(i as u64), n);
    }
    let evs = events(&mut ctl);
    assert_eq!(evs.len(), notifies.len());
    let mut kinds = Vec::new();
    for (ev, sent) in evs.iter().zip(&notifies) {
        let ControllerEvent::Notify(n) = ev else {
            panic!("unexpected {ev:?}")
        };
        let Some(Request::Notify(orig)) = sent.request() else {
            unreachable!()
        };
        assert_eq!(n.msg_id, sent.msg_id());
        assert_eq!(n.subscription_id, orig.subscription_id);
        assert_eq!(n.send_resp, orig.send_resp);
        assert_eq!(n.kind, orig.kind);
        kinds.push(match &n.kind {
            NotifyKind::Event(e) => format!("event {}", e.event_name),
            NotifyKind::ValueChange(v) => format!("vc {}", v.param_value),
            NotifyKind::ObjCreation(o) => format!("oc {}", o.unique_keys["Alias"]),
            NotifyKind::ObjDeletion(o) => format!("od {}", o.obj_path),
            NotifyKind::OperComplete(o) => format!("opc {}", o.command_key),
            NotifyKind::OnBoardReq(o) => format!("obr {}", o.serial_number),
            _ => "other".into(),
        });
    }
    assert_eq!(
        kinds,
        [
            "event Boot!",
            "vc 7",
            "oc cpe-4",
            "od Device.X.4.",
            "opc reboot-1",
            "opc k",
            "obr SN1"
        ]
    );
    // NotifyResps only for send_resp = true (OnBoardRequest always sets it, R-NOT.6).
    let resps = sent(&mut ctl);
    let got: Vec<_> = resps
        .iter()
        .map(|m| {
            let Some(Response::NotifyResp(r)) = m.response() else {
                panic!("not NotifyResp: {m:?}")
            };
            (m.msg_id().to_owned(), r.subscription_id.clone())
        })
        .collect();
    let want: Vec<_> = [
        ("n-1", "sub-ev"),
        ("n-3", "sub-oc"),
        ("n-4", "sub-od"),
        ("n-5", "sub-opc"),
        ("n-7", ""),
    ]
    .iter()
    .map(|(a, b)| ((*a).to_owned(), (*b).to_owned()))
    .collect();
    assert_eq!(got, want);
    Ok(())
}

/// R-MSG.1 / R-MSG.0: other requests from the Agent are reported; the application answers.
#[test]
fn agent_request_reported_and_answered() -> TestResult {
    let mut ctl = controller();
    let reg = RegisterBuilder::new("svc-1").path("Device.Time.").build()?;
    deliver(&mut ctl, t(0), &reg);
    let evs = events(&mut ctl);
    let [ControllerEvent::Request(msg)] = &evs[..] else {
        panic!("unexpected {evs:?}")
    };
    assert_eq!(msg.msg_type(), MsgType::Register);
    assert!(ctl.poll_transmit().is_none());
    let reply = msg.error_reply(ErrorCode::MESSAGE_NOT_SUPPORTED, "not a broker")?;
    ctl.reply(t(1), &reply)?;
    let out = one_sent(&mut ctl);
    assert_eq!(out.msg_id(), "svc-1");
    assert_eq!(out.msg_type(), MsgType::Error);
    assert!(matches!(
        ctl.reply(t(1), &reg),
        Err(ControllerError::WrongMessage { .. })
    ));
    Ok(())
}

// ------------------------------------------------------------------------- E2E session mode

/// The same request/response flow inside an E2E Session Context (SessionMode Require, small
/// MaxUSPRecordSize so the GetResp is segmented), the Agent side being a usp-e2e Session.
#[test]
fn e2e_session_mode_round_trip() -> TestResult {
    use prost::Message as _;
    use usp_e2e::{Config, Event, Session, SessionMode};
    let mut cfg = ControllerConfig::new(CTL, AGENT)?;
    cfg.e2e_mut()
        .mode(SessionMode::Require)
        .max_record_size(512)
        .rng_seed(7);
    let mut now = t(0);
    let mut ctl = Controller::new(cfg, now)?;
    let mut agent_cfg = Config::new(AGENT, CTL);
    agent_cfg
        .mode(SessionMode::Require)
        .max_record_size(512)
        .rng_seed(8);
    let mut agent = Session::new(agent_cfg, now)?;

    let id = ctl.get(now, &["Device."], 0)?;
    let mut result = None;
    for _ in 0..50 {
        while let Some(wire) = ctl.poll_transmit() {
            assert!(wire.len() <= 512);
            let rec = Record::decode(wire)?;
            assert!(
                rec.no_session_payload().is_none(),
                "expected session records only"
            );
            agent.handle_record(now, rec.into())?;
        }
        while let Some(ev) = agent.poll_event() {
            if let Event::Payload(p) = ev {
                let req = Msg::decode(p)?;
                let mut resolved = ResolvedPath::new("Device.DeviceInfo.");
                for i in 0..40 {
                    resolved = resolved.param(format!("P{i}"), "x".repeat(20));
                }
                let resp = GetRespBuilder::new(req.msg_id())
                    .result(GetResult::new("Device.").resolved(resolved))
                    .build_bytes()?;
                agent.send(now, resp)?;
            }
        }
        while let Some(rec) = agent.poll_transmit() {
            ctl.handle_record(now, Bytes::from(rec.encode_to_vec()))?;
        }
        while let Some(ev) = ctl.poll_event() {
            match ev {
                ControllerEvent::Response { id: got, result: r } => {
                    assert_eq!(got, id);
                    result = Some(r?);
                }
                ControllerEvent::Session(_) => {}
                other => panic!("unexpected {other:?}"),
            }
        }
        if result.is_some() {
            break;
        }
        match ctl
            .poll_timeout()
            .into_iter()
            .chain(agent.poll_timeout())
            .min()
        {
            Some(next) => {
                now = next;
                ctl.handle_timeout(now);
                agent.handle_timeout(now);
            }
            None => break,
        }
    }
    let values = result.ok_or("no response")?.into_get().ok_or("not Get")?;
    assert_eq!(values.values.len(), 40);
    assert!(ctl.session().session_id().is_some());
    Ok(())
}

// ------------------------------------------------------------------------- properties

#[derive(Clone, Copy, Debug)]
enum Kind {
    Get,
    Set,
    Add,
    Delete,
    GetInstances,
    Gsdm,
    Operate,
    Gsp,
}

fn kind() -> impl Strategy<Value = Kind> {
    prop_oneof![
        Just(Kind::Get),
        Just(Kind::Set),
        Just(Kind::Add),
        Just(Kind::Delete),
        Just(Kind::GetInstances),
        Just(Kind::Gsdm),
        Just(Kind::Operate),
        Just(Kind::Gsp),
    ]
}

fn send(ctl: &mut Controller, k: Kind) -> RequestId {
    let now = t(0);
    match k {
        Kind::Get => ctl.get(now, &["Device."], 0),
        Kind::Set => ctl.set(now, true, [UpdateObject::new("Device.A.").param("B", "1")]),
        Kind::Add => ctl.add(now, true, [CreateObject::new("Device.T.")]),
        Kind::Delete => ctl.delete(now, true, &["Device.T.1."]),
        Kind::GetInstances => ctl.get_instances(now, &["Device.T."], false),
        Kind::Gsdm => ctl.get_supported_dm(now, &["Device."], SupportedDmFlags::default()),
        Kind::Operate => ctl.operate(
            now,
            "Device.Go()",
            "k",
            true,
            Vec::<(String, String)>::new(),
        ),
        Kind::Gsp => ctl.get_supported_protocol(now, "1.4"),
    }
    .unwrap()
}

/// The Agent's success answer to `req`, or an Error when `error` is set.
fn answer(req: &Msg, error: bool) -> Msg {
    let id = req.msg_id();
    if error {
        return req.error_reply(ErrorCode::INTERNAL_ERROR, "nope").unwrap();
    }
    match req.request().unwrap() {
        Request::Get(_) => GetRespBuilder::new(id)
            .result(GetResult::new("Device."))
            .build(),
        Request::Set(_) => SetRespBuilder::new(id)
            .result(SetResult::success("Device.A."))
            .build(),
        Request::Add(_) => AddRespBuilder::new(id)
            .result(AddResult::success("Device.T.", "Device.T.1."))
            .build(),
        Request::Delete(_) => DeleteRespBuilder::new(id)
            .result(DeleteResult::success("Device.T.1."))
            .build(),
        Request::GetInstances(_) => GetInstancesRespBuilder::new(id)
            .result(InstancesResult::new("Device.T."))
            .build(),
        Request::GetSupportedDm(_) => GetSupportedDmRespBuilder::new(id)
            .result(SupportedDmResult::new("Device.", "urn:x"))
            .build(),
        Request::Operate(_) => OperateRespBuilder::new(id)
            .result(OperateResult::output_args("Device.Go()"))
            .build(),
        Request::GetSupportedProtocol(_) => GetSupportedProtocolRespBuilder::new(id, "1.4").build(),
        other => panic!("unexpected {other:?}"),
    }
    .unwrap()
}

fn expected_type(k: Kind) -> MsgType {
    match k {
        Kind::Get => MsgType::GetResp,
        Kind::Set => MsgType::SetResp,
        Kind::Add => MsgType::AddResp,
        Kind::Delete => MsgType::DeleteResp,
        Kind::GetInstances => MsgType::GetInstancesResp,
        Kind::Gsdm => MsgType::GetSupportedDmResp,
        Kind::Operate => MsgType::OperateResp,
        Kind::Gsp => MsgType::GetSupportedProtoResp,
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    /// R-MSG.9: whatever the order, duplication and unknown ids of the replies, every
    /// request is answered exactly once with its own typed result (or its own Error); the
    /// rest is reported as unmatched; unanswered requests time out exactly once.
    #[test]
    fn interleaved_replies_match_exactly_once(
        kinds in prop::collection::vec((kind(), any::<bool>(), 0u8..4), 1..24),
        order in prop::collection::vec(any::<prop::sample::Index>(), 0..64),
        strays in prop::collection::vec("[a-z]{1,6}", 0..4),
    ) {
        let mut ctl = controller();
        let ids: Vec<RequestId> = kinds.iter().map(|(k, _, _)| send(&mut ctl, *k)).collect();
        let reqs = sent(&mut ctl);
        prop_assert_eq!(reqs.len(), kinds.len());
        let unique: std::collections::BTreeSet<_> = reqs.iter().map(|m| m.msg_id().to_owned()).collect();
        prop_assert_eq!(unique.len(), reqs.len());
        // copies: 0 = never answered, 1..=3 copies of the reply.
        let mut replies: Vec<(usize, Msg)> = Vec::new();
        for (i, ((_, err, copies), req)) in kinds.iter().zip(&reqs).enumerate() {
            for _ in 0..*copies {
                replies.push((i, answer(req, *err)));
            }
        }
        for s in &strays {
            replies.push((usize::MAX, GetRespBuilder::new(format!("stray-{s}")).result(GetResult::new("Device.")).build().unwrap()));
        }
        // Shuffle by the random indices.
        for (n, ix) in order.iter().enumerate() {
            if replies.is_empty() { break; }
            let a = n % replies.len();
            let b = ix.index(replies.len());
            replies.swap(a, b);
        }
        for (_, m) in &replies {
            deliver(&mut ctl, t(1), m);
        }
        ctl.handle_timeout(t(1) + Duration::from_secs(3600));
        let mut answered = BTreeMap::new();
        let mut timed_out = Vec::new();
        let mut unmatched = 0usize;
        for ev in events(&mut ctl) {
            match ev {
                ControllerEvent::Response { id, result } => {
                    let i = ids.iter().position(|x| *x == id).unwrap();
                    let (k, err, _) = kinds[i];
                    match result {
                        Ok(r) => { prop_assert!(!err); prop_assert_eq!(r.msg_type(), expected_type(k)); }
                        Err(e) => { prop_assert!(err); prop_assert_eq!(e.code(), Some(ErrorCode::INTERNAL_ERROR)); }
                    }
                    prop_assert!(answered.insert(i, ()).is_none(), "answered twice");
                }
                ControllerEvent::TimedOut { id } => timed_out.push(id),
                ControllerEvent::UnmatchedResponse { reason, .. } => {
                    prop_assert!(matches!(reason, UnmatchedReason::UnknownMsgId | UnmatchedReason::AlreadyAnswered(_)));
                    unmatched += 1;
                }
                other => prop_assert!(false, "unexpected {:?}", other),
            }
        }
        let answered_expected = kinds.iter().filter(|(_, _, c)| *c > 0).count();
        prop_assert_eq!(answered.len(), answered_expected);
        prop_assert_eq!(timed_out.len(), kinds.len() - answered_expected);
        prop_assert_eq!(unmatched, replies.len() - answered_expected);
        prop_assert_eq!(ctl.pending_count(), 0);
        prop_assert_eq!(ctl.poll_timeout(), None);
    }

    /// Arbitrary bytes, as a Record or as the Msg payload of a valid Record, never panic and
    /// never end in a Response (nothing is pending).
    #[test]
    fn arbitrary_record_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..256)) {
        let mut ctl = controller();
        let _ = ctl.handle_record(t(0), Bytes::from(bytes.clone()));
        if !bytes.is_empty() {
            let _ = ctl.handle_record(t(0), record_from_agent(Bytes::from(bytes)));
        }
        while let Some(ev) = ctl.poll_event() {
            let done = matches!(ev, ControllerEvent::Response { .. } | ControllerEvent::TimedOut { .. });
            prop_assert!(!done, "unexpected {:?}", ev);
        }
        while ctl.poll_transmit().is_some() {}
    }
}

/// Sanity for the proptest's Agent: a NotifyResp is never treated as an answer.
#[test]
fn notify_resp_from_agent_is_unmatched() -> TestResult {
    let mut ctl = controller();
    deliver(&mut ctl, t(0), &NotifyRespBuilder::new("x-1", "s").build()?);
    assert!(matches!(
        events(&mut ctl)[..],
        [ControllerEvent::UnmatchedResponse {
            reason: UnmatchedReason::UnknownMsgId,
            msg_type: MsgType::NotifyResp,
            ..
        }]
    ));
    let _ = Body::Error(pb::Error::default());
    Ok(())
}

/// R-MSG.0: a broken request from the Agent with a readable msg_id is answered with an Error
/// (7004 for a missing oneof) and reported.
#[test]
fn invalid_agent_request_answered_with_error() -> TestResult {
    let mut ctl = controller();
    let raw = pb::Msg {
        header: Some(pb::Header {
            msg_id: "bad-1".into(),
            msg_type: MsgType::Notify.as_i32(),
        }),
        body: Some(pb::Body {
            msg_body: Some(pb::body::MsgBody::Request(pb::Request {
                req_type: Some(pb::request::ReqType::Notify(pb::Notify {
                    subscription_id: "s".into(),
                    send_resp: true,
                    notification: None,
                })),
            })),
        }),
    };
    ctl.handle_record(
        t(0),
        record_from_agent(Bytes::from(prost::Message::encode_to_vec(&raw))),
    )?;
    assert!(matches!(
        events(&mut ctl)[..],
        [ControllerEvent::InvalidMsg(_)]
    ));
    let reply = one_sent(&mut ctl);
    assert_eq!(reply.msg_id(), "bad-1");
    assert_eq!(
        reply.error().map(|e| e.err_code),
        Some(ErrorCode::INVALID_ARGUMENTS.get())
    );
    Ok(())
}

mod pool {
    use super::*;
    use usp_controller::Controllers;

    fn from(agent: &str, msg: &Msg) -> Bytes {
        RecordBuilder::new(CTL, agent)
            .unwrap()
            .no_session_context(msg.encode_to_bytes())
            .unwrap()
            .to_bytes()
    }

    /// Records are routed by from_id; transmits and events are tagged with the Agent.
    #[test]
    fn routes_by_agent() -> TestResult {
        let mut ctls = Controllers::new(ControllerConfig::new(CTL, "proto::template")?, 2)?;
        ctls.add_agent("proto::a1", t(0))?;
        ctls.add_agent("proto::a2", t(0))?;
        assert!(matches!(
            ctls.add_agent("proto::a3", t(0)),
            Err(ControllerError::TooManyAgents { limit: 2 })
        ));
        assert_eq!(
            ctls.agent_ids().collect::<Vec<_>>(),
            ["proto::a1", "proto::a2"]
        );
        let id1 = ctls
            .agent_mut("proto::a1")
            .ok_or("a1")?
            .get(t(0), &["Device.A."], 0)?;
        let id2 = ctls
            .agent_mut("proto::a2")
            .ok_or("a2")?
            .get(t(0), &["Device.B."], 0)?;
        // Both Controllers start at the same counter: msg_ids are per Agent.
        assert_eq!(id1, id2);
        let mut out = Vec::new();
        while let Some((to, wire)) = ctls.poll_transmit() {
            let rec = Record::decode(wire)?;
            assert_eq!(rec.to_id(), &to);
            out.push((
                to,
                Msg::decode(rec.no_session_payload().ok_or("?")?.clone())?,
            ));
        }
        assert_eq!(out.len(), 2);
        assert_eq!(ctls.poll_timeout(), Some(t(30_000)));
        // Answer a2 only; a1 times out.
        let (to, req) = &out[1];
        assert_eq!(to.as_str(), "proto::a2");
        ctls.handle_record(
            t(1),
            from(
                "proto::a2",
                &GetRespBuilder::new(req.msg_id())
                    .result(GetResult::new("Device.B."))
                    .build()?,
            ),
        )?;
        let (who, ev) = ctls.poll_event().ok_or("no event")?;
        assert_eq!(who.as_str(), "proto::a2");
        assert!(matches!(ev, ControllerEvent::Response { id, result: Ok(_) } if id == id2));
        ctls.handle_timeout(t(30_000));
        let (who, ev) = ctls.poll_event().ok_or("no event")?;
        assert_eq!(who.as_str(), "proto::a1");
        assert_eq!(ev, ControllerEvent::TimedOut { id: id1 });
        assert!(ctls.poll_event().is_none());
        // Unknown Agents are refused unless auto_add is on; Records not for us never add one.
        let notify = ValueChangeBuilder::new("n", "", "Device.X", "1").build()?;
        assert!(matches!(
            ctls.handle_record(t(2), from("proto::a9", &notify)),
            Err(ControllerError::UnknownAgent)
        ));
        ctls.auto_add(true);
        assert!(matches!(
            ctls.handle_record(t(2), from("proto::a9", &notify)),
            Err(ControllerError::TooManyAgents { .. })
        ));
        assert!(ctls.remove_agent("proto::a1").is_some());
        let not_for_us = RecordBuilder::new("proto::other", "proto::a9")?
            .no_session_context(notify.encode_to_bytes())?;
        assert!(ctls.handle_record(t(2), not_for_us.to_bytes()).is_err());
        assert_eq!(ctls.len(), 1);
        ctls.handle_record(t(2), from("proto::a9", &notify))?;
        assert_eq!(ctls.len(), 2);
        assert!(ctls.agent("proto::a9").is_some());
        assert!(
            matches!(ctls.poll_event(), Some((ref w, ControllerEvent::Notify(_))) if w.as_str() == "proto::a9")
        );
        // Configuration checks.
        let mut other = ControllerConfig::new("proto::not-us", "proto::a5")?;
        other.max_pending(1);
        assert!(matches!(
            ctls.add_agent_with(other, t(0)),
            Err(ControllerError::Config(_))
        ));
        assert!(Controllers::new(ControllerConfig::new(CTL, "proto::template")?, 0).is_err());
        assert!(ctls.remove_agent("proto::a9").is_some());
        assert!(matches!(
            ctls.add_agent(CTL, t(0)),
            Err(ControllerError::Config(_))
        ));
        assert_eq!(ctls.len(), 1);
        Ok(())
    }
}
