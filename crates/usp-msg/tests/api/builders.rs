//! Every builder: the output decodes back through the validated layer to what was built,
//! msg_type matches the body, and invalid combinations are rejected.

use usp_msg::pb::get_supported_dm_resp::{
    CmdType, ObjAccessType, ParamAccessType, ParamValueType, ValueChangeType,
};
use usp_msg::*;

/// Encodes, decodes (strict), checks equality and the header, returns the decoded message.
fn round_trip(msg: &Msg, expected: MsgType) -> Msg {
    assert_eq!(msg.msg_type(), expected);
    let mut strict = DecodeOptions::default();
    strict.strict(true);
    let decoded = Msg::decode_with(msg.encode_to_bytes(), &strict).unwrap();
    assert_eq!(&decoded, msg);
    let raw = pb::Msg::from(decoded.clone());
    assert_eq!(raw.header.unwrap().msg_type, expected.as_i32());
    decoded
}

fn notify(msg: &Msg) -> &Notify {
    match msg.request() {
        Some(Request::Notify(n)) => n,
        other => panic!("not a Notify: {other:?}"),
    }
}

#[test]
fn get() {
    let m = GetBuilder::new("g")
        .path("Device.DeviceInfo.")
        .paths(["Device.WiFi.SSID.*.SSID", "Device.Time."])
        .max_depth(2)
        .build()
        .unwrap();
    let d = round_trip(&m, MsgType::Get);
    let Some(Request::Get(g)) = d.request() else {
        panic!()
    };
    assert_eq!(
        g.param_paths,
        [
            "Device.DeviceInfo.",
            "Device.WiFi.SSID.*.SSID",
            "Device.Time."
        ]
    );
    assert_eq!(g.max_depth, 2);
    assert_eq!(
        GetBuilder::new("g").build().unwrap_err().to_string(),
        "get.param_paths needs at least one entry"
    );
    let err = GetBuilder::new("g")
        .path("Device.")
        .path("")
        .build()
        .unwrap_err();
    let BuildError::EmptyValue { at } = &err else {
        panic!("{err:?}")
    };
    assert_eq!((at.field(), at.indices()), ("get.param_paths[]", &[1][..]));
    assert_eq!(
        GetBuilder::new("g")
            .path("")
            .build()
            .unwrap_err()
            .to_string(),
        "get.param_paths[0] is empty"
    );
}

#[test]
fn get_supported_dm() {
    let m = GetSupportedDmBuilder::new("s")
        .obj_path("Device.")
        .first_level_only(true)
        .return_commands(true)
        .return_events(true)
        .return_params(true)
        .return_unique_key_sets(true)
        .build()
        .unwrap();
    let d = round_trip(&m, MsgType::GetSupportedDm);
    let Some(Request::GetSupportedDm(g)) = d.request() else {
        panic!()
    };
    assert!(
        g.first_level_only
            && g.return_commands
            && g.return_events
            && g.return_params
            && g.return_unique_key_sets
    );
    assert!(GetSupportedDmBuilder::new("s").build().is_err());
}

#[test]
fn get_instances() {
    let m = GetInstancesBuilder::new("i")
        .obj_path("Device.IP.Interface.")
        .build()
        .unwrap();
    round_trip(&m, MsgType::GetInstances);
    assert!(GetInstancesBuilder::new("i").build().is_err());
    assert!(matches!(
        GetInstancesBuilder::new("i")
            .obj_path("Device.IP.Interface")
            .build(),
        Err(BuildError::InvalidValue { .. })
    ));
}

#[test]
fn set() {
    let m = SetBuilder::new("s")
        .allow_partial(true)
        .update_obj(
            UpdateObject::new("Device.WiFi.SSID.1.")
                .param("SSID", "x")
                .required_param("Enable", "true"),
        )
        .build()
        .unwrap();
    let d = round_trip(&m, MsgType::Set);
    let Some(Request::Set(s)) = d.request() else {
        panic!()
    };
    assert!(s.allow_partial);
    let ps = &s.update_objs[0].param_settings;
    assert_eq!((ps[0].param.as_str(), ps[0].required), ("SSID", false));
    assert_eq!((ps[1].param.as_str(), ps[1].required), ("Enable", true));
    assert!(SetBuilder::new("s").build().is_err());
    assert!(
        SetBuilder::new("s")
            .update_obj(UpdateObject::new("Device.X."))
            .build()
            .is_err()
    );
    assert!(
        SetBuilder::new("s")
            .update_obj(UpdateObject::new("Device.X.").param("", "1"))
            .build()
            .is_err()
    );
    assert!(
        SetBuilder::new("s")
            .update_obj(UpdateObject::new("Device.X").param("A", "1"))
            .build()
            .is_err()
    );
}

#[test]
fn add() {
    let m = AddBuilder::new("a")
        .allow_partial(true)
        .create_obj(CreateObject::new("Device.IP.Interface.").required_param("Name", "x"))
        .create_obj(CreateObject::new("Device.NAT.PortMapping."))
        .build()
        .unwrap();
    let d = round_trip(&m, MsgType::Add);
    let Some(Request::Add(a)) = d.request() else {
        panic!()
    };
    assert_eq!(a.create_objs.len(), 2);
    assert!(a.create_objs[0].param_settings[0].required);
    assert!(AddBuilder::new("a").build().is_err());
    assert!(
        AddBuilder::new("a")
            .create_obj(CreateObject::new("Device.X.").param("", "v"))
            .build()
            .is_err()
    );
}

#[test]
fn delete() {
    let m = DeleteBuilder::new("d")
        .obj_path("Device.IP.Interface.3.")
        .build()
        .unwrap();
    round_trip(&m, MsgType::Delete);
    assert!(DeleteBuilder::new("d").build().is_err());
    assert!(
        DeleteBuilder::new("d")
            .obj_path("Device.X.1")
            .build()
            .is_err()
    );
}

#[test]
fn operate() {
    let m = OperateBuilder::new("o", "Device.IP.Diagnostics.IPPing()")
        .command_key("k")
        .send_resp(true)
        .input_arg("Host", "h")
        .input_arg("Count", "3")
        .build()
        .unwrap();
    let d = round_trip(&m, MsgType::Operate);
    let Some(Request::Operate(o)) = d.request() else {
        panic!()
    };
    assert_eq!(o.command_key, "k");
    assert!(o.send_resp);
    assert_eq!(o.input_args.len(), 2);
    assert!(OperateBuilder::new("o", "").build().is_err());
    assert!(OperateBuilder::new("o", "Device.Reboot").build().is_err());
    assert!(
        OperateBuilder::new("o", "Device.Reboot()")
            .input_arg("", "x")
            .build()
            .is_err()
    );
}

#[test]
fn get_supported_protocol() {
    let m = GetSupportedProtocolBuilder::new("p", "1.4")
        .build()
        .unwrap();
    round_trip(&m, MsgType::GetSupportedProto);
    assert!(GetSupportedProtocolBuilder::new("p", "").build().is_err());
    assert!(GetSupportedProtocolBuilder::new("p", "v1").build().is_err());
}

#[test]
fn register_and_deregister() {
    let m = RegisterBuilder::new("r")
        .allow_partial(true)
        .path("Device.Time.")
        .build()
        .unwrap();
    let d = round_trip(&m, MsgType::Register);
    let Some(Request::Register(r)) = d.request() else {
        panic!()
    };
    assert!(r.allow_partial);
    assert_eq!(r.reg_paths[0].path, "Device.Time.");
    assert!(RegisterBuilder::new("r").build().is_err());
    assert!(RegisterBuilder::new("r").path("").build().is_err());

    let m = DeregisterBuilder::new("d")
        .path("")
        .path("Device.Time.")
        .build()
        .unwrap();
    round_trip(&m, MsgType::Deregister);
    assert!(DeregisterBuilder::new("d").build().is_err());
}

#[test]
fn notify_event() {
    let m = EventBuilder::new("n", "sub-1", "Device.LocalAgent.", "TransferComplete!")
        .param("Command", "Download()")
        .send_resp(true)
        .build()
        .unwrap();
    let d = round_trip(&m, MsgType::Notify);
    let n = notify(&d);
    assert_eq!(n.subscription_id, "sub-1");
    assert!(n.send_resp);
    let NotifyKind::Event(e) = &n.kind else {
        panic!()
    };
    assert_eq!(e.event_name, "TransferComplete!");
    assert!(
        EventBuilder::new("n", "", "Device", "Boot!")
            .build()
            .is_err()
    );
    assert!(
        EventBuilder::new("n", "", "Device.", "Boot")
            .build()
            .is_err()
    );
}

#[test]
fn notify_value_change() {
    let m = ValueChangeBuilder::new("n", "", "Device.Time.LocalTimeZone", "CET")
        .build()
        .unwrap();
    let d = round_trip(&m, MsgType::Notify);
    assert!(matches!(&notify(&d).kind, NotifyKind::ValueChange(v) if v.param_value == "CET"));
    assert!(ValueChangeBuilder::new("n", "", "", "x").build().is_err());
}

#[test]
fn notify_obj_creation_and_deletion() {
    let m = ObjCreationBuilder::new("n", "s", "Device.IP.Interface.5.")
        .unique_key("Name", "eth4")
        .build()
        .unwrap();
    let d = round_trip(&m, MsgType::Notify);
    assert!(
        matches!(&notify(&d).kind, NotifyKind::ObjCreation(c) if c.unique_keys["Name"] == "eth4")
    );
    assert!(
        ObjCreationBuilder::new("n", "s", "Device.IP.Interface.5")
            .build()
            .is_err()
    );

    let m = ObjDeletionBuilder::new("n", "s", "Device.IP.Interface.5.")
        .build()
        .unwrap();
    let d = round_trip(&m, MsgType::Notify);
    assert!(
        matches!(&notify(&d).kind, NotifyKind::ObjDeletion(o) if o.obj_path == "Device.IP.Interface.5.")
    );
    assert!(ObjDeletionBuilder::new("n", "s", "").build().is_err());
}

#[test]
fn notify_operation_complete() {
    use usp_msg::pb::notify::operation_complete::OperationResp;
    let m = OperationCompleteBuilder::new("n", "s", "Device.", "Reboot()", "key")
        .output_arg("Result", "ok")
        .build()
        .unwrap();
    let d = round_trip(&m, MsgType::Notify);
    let NotifyKind::OperComplete(oc) = &notify(&d).kind else {
        panic!()
    };
    assert!(
        matches!(&oc.operation_resp, Some(OperationResp::ReqOutputArgs(a)) if a.output_args["Result"] == "ok")
    );
    // No output args is still an (empty) output-args result.
    let m = OperationCompleteBuilder::new("n", "s", "Device.", "Reboot()", "")
        .build()
        .unwrap();
    round_trip(&m, MsgType::Notify);

    let m = OperationCompleteBuilder::new("n", "s", "Device.", "Reboot()", "key")
        .cmd_failure(ErrorCode::COMMAND_CANCELED, "canceled")
        .build()
        .unwrap();
    let d = round_trip(&m, MsgType::Notify);
    let NotifyKind::OperComplete(oc) = &notify(&d).kind else {
        panic!()
    };
    assert!(matches!(&oc.operation_resp, Some(OperationResp::CmdFailure(f)) if f.err_code == 7023));

    let conflict = OperationCompleteBuilder::new("n", "s", "Device.", "Reboot()", "key")
        .output_arg("a", "b")
        .cmd_failure(ErrorCode::COMMAND_FAILURE, "x")
        .build();
    assert!(matches!(conflict, Err(BuildError::Conflict(_))));
    // 7000 is not on the CommandFailure list (it starts at 7002).
    assert!(matches!(
        OperationCompleteBuilder::new("n", "s", "Device.", "Reboot()", "key")
            .cmd_failure(ErrorCode::MESSAGE_FAILED, "x")
            .build(),
        Err(BuildError::ErrorCodeNotAllowed { .. })
    ));
    assert!(
        OperationCompleteBuilder::new("n", "s", "Device.", "Reboot", "key")
            .build()
            .is_err()
    );
}

#[test]
fn notify_on_board_request() {
    let m = OnBoardRequestBuilder::new("n", "00256D", "STB", "0123456789", "1.4")
        .build()
        .unwrap();
    let d = round_trip(&m, MsgType::Notify);
    let n = notify(&d);
    assert!(n.send_resp, "R-NOT.6");
    assert_eq!(n.subscription_id, "", "R-NOT.7");
    assert!(matches!(&n.kind, NotifyKind::OnBoardReq(o) if o.serial_number == "0123456789"));
    assert!(
        OnBoardRequestBuilder::new("n", "0025", "STB", "1", "1.4")
            .build()
            .is_err()
    );
    assert!(
        OnBoardRequestBuilder::new("n", "00256G", "STB", "1", "1.4")
            .build()
            .is_err()
    );
    assert!(
        OnBoardRequestBuilder::new("n", "00256D", "STB", "", "1.4")
            .build()
            .is_err()
    );
    assert!(
        OnBoardRequestBuilder::new("n", "00256D", "STB", "1", "x")
            .build()
            .is_err()
    );
}

#[test]
fn get_resp() {
    let m = GetRespBuilder::new("g")
        .result(
            GetResult::new("Device.WiFi.SSID.*.SSID")
                .resolved(ResolvedPath::new("Device.WiFi.SSID.1.").param("SSID", "a"))
                .resolved(ResolvedPath::new("Device.WiFi.SSID.2.").param("SSID", "b")),
        )
        .result(GetResult::failure(
            "Device.X.",
            ErrorCode::INVALID_PATH,
            "x",
        ))
        .result(GetResult::new("Device.WiFi.SSID.[SSID==\"none\"]."))
        .build()
        .unwrap();
    let d = round_trip(&m, MsgType::GetResp);
    let Some(Response::GetResp(r)) = d.response() else {
        panic!()
    };
    assert_eq!(r.req_path_results.len(), 3);
    assert_eq!(r.req_path_results[0].resolved_path_results.len(), 2);
    assert_eq!(r.req_path_results[1].err_code, 7026);
    assert!(GetRespBuilder::new("g").build().is_err());
    assert!(matches!(
        GetRespBuilder::new("g")
            .result(GetResult::failure("Device.", 6000u32, "x"))
            .build(),
        Err(BuildError::ErrorCodeOutOfRange { code: 6000, .. })
    ));
    assert!(
        GetRespBuilder::new("g")
            .result(GetResult::new("Device.").resolved(ResolvedPath::new("Device.X")))
            .build()
            .is_err()
    );
    // A failure needs a real code (0 means success on the wire) and no resolved results.
    assert!(matches!(
        GetRespBuilder::new("g")
            .result(GetResult::failure("Device.", 0u32, "x"))
            .build(),
        Err(BuildError::ErrorCodeOutOfRange { code: 0, .. })
    ));
    assert!(matches!(
        GetRespBuilder::new("g")
            .result(
                GetResult::failure("Device.", ErrorCode::INVALID_PATH, "x")
                    .resolved(ResolvedPath::new("Device.")),
            )
            .build(),
        Err(BuildError::Conflict(_))
    ));
}

#[test]
fn get_supported_dm_resp() {
    let obj = SupportedObject::new("Device.WiFi.SSID.{i}.", ObjAccessType::ObjAddDelete, true)
        .param(
            "SSID",
            ParamAccessType::ParamReadWrite,
            ParamValueType::ParamString,
            ValueChangeType::ValueChangeAllowed,
        )
        .command("Reset()", CmdType::CmdAsync, ["Force"], ["Status"])
        .event("Changed!", ["Old", "New"])
        .unique_key_set(["Name"])
        .unique_key_set(["Alias"])
        .divergent_path("Device.WiFi.SSID.{i}.Stats.");
    let m = GetSupportedDmRespBuilder::new("s")
        .result(SupportedDmResult::new("Device.WiFi.", "urn:example").object(obj))
        .result(SupportedDmResult::failure(
            "Device.Nope.",
            ErrorCode::INVALID_PATH,
            "x",
        ))
        .build()
        .unwrap();
    let d = round_trip(&m, MsgType::GetSupportedDmResp);
    let Some(Response::GetSupportedDmResp(r)) = d.response() else {
        panic!()
    };
    let o = &r.req_obj_results[0].supported_objs[0];
    assert_eq!(o.access, ObjAccessType::ObjAddDelete as i32);
    assert_eq!(
        o.supported_commands[0].command_type,
        CmdType::CmdAsync as i32
    );
    assert_eq!(o.unique_key_sets.len(), 2);
    assert!(GetSupportedDmRespBuilder::new("s").build().is_err());
    assert!(
        GetSupportedDmRespBuilder::new("s")
            .result(SupportedDmResult::failure("Device.", 0u32, "x"))
            .build()
            .is_err()
    );
    assert!(matches!(
        GetSupportedDmRespBuilder::new("s")
            .result(
                SupportedDmResult::failure("Device.", ErrorCode::INVALID_PATH, "x").object(
                    SupportedObject::new("Device.", ObjAccessType::ObjReadOnly, false)
                ),
            )
            .build(),
        Err(BuildError::Conflict(_))
    ));
    // A table must be written "X.{i}." (REQUIREMENTS §8.8: always the final dot).
    let bad = SupportedObject::new("Device.WiFi.SSID.", ObjAccessType::ObjReadOnly, true);
    assert!(
        GetSupportedDmRespBuilder::new("s")
            .result(SupportedDmResult::new("Device.", "u").object(bad))
            .build()
            .is_err()
    );
    let bad = SupportedObject::new("Device.", ObjAccessType::ObjReadOnly, false)
        .event("NoBang", Vec::<String>::new());
    assert!(
        GetSupportedDmRespBuilder::new("s")
            .result(SupportedDmResult::new("Device.", "u").object(bad))
            .build()
            .is_err()
    );
}

#[test]
fn get_instances_resp() {
    let m = GetInstancesRespBuilder::new("i")
        .result(
            InstancesResult::new("Device.IP.Interface.")
                .instance("Device.IP.Interface.1.", [("Name", "lan")]),
        )
        .build()
        .unwrap();
    let d = round_trip(&m, MsgType::GetInstancesResp);
    let Some(Response::GetInstancesResp(r)) = d.response() else {
        panic!()
    };
    assert_eq!(
        r.req_path_results[0].curr_insts[0].unique_keys["Name"],
        "lan"
    );
    assert!(GetInstancesRespBuilder::new("i").build().is_err());
    assert!(
        GetInstancesRespBuilder::new("i")
            .result(InstancesResult::failure(
                "Device.X.",
                ErrorCode::COMMAND_FAILURE,
                "x"
            ))
            .build()
            .is_err()
    );
}

#[test]
fn set_resp() {
    use usp_msg::pb::set_resp::updated_object_result::operation_status::OperStatus;
    let m = SetRespBuilder::new("s")
        .result(
            SetResult::success("Device.WiFi.SSID.*.").updated(
                UpdatedInstance::new("Device.WiFi.SSID.1.")
                    .param("SSID", "a")
                    .param_error("Enable", 7012u32, "bad"),
            ),
        )
        .result(
            SetResult::failure("Device.X.", ErrorCode::OBJECT_NOT_UPDATED, "x").instance_failure(
                UpdateFailure::new("Device.X.1.").param_error(
                    "A",
                    ErrorCode::PARAM_READ_ONLY,
                    "ro",
                ),
            ),
        )
        .result(SetResult::failure(
            "Device.Y.",
            ErrorCode::DUPLICATE_UNIQUE_KEY,
            "7025 allowed",
        ))
        .build()
        .unwrap();
    let d = round_trip(&m, MsgType::SetResp);
    let Some(Response::SetResp(r)) = d.response() else {
        panic!()
    };
    let status = |i: usize| {
        r.updated_obj_results[i]
            .oper_status
            .as_ref()
            .unwrap()
            .oper_status
            .as_ref()
            .unwrap()
    };
    assert!(
        matches!(status(0), OperStatus::OperSuccess(s) if s.updated_inst_results[0].param_errs[0].err_code == 7012)
    );
    assert!(matches!(status(1), OperStatus::OperFailure(f) if f.updated_inst_failures.len() == 1));
    assert!(SetRespBuilder::new("s").build().is_err());
    assert!(matches!(
        SetRespBuilder::new("s")
            .result(SetResult::success("Device.").instance_failure(UpdateFailure::new("Device.1.")))
            .build(),
        Err(BuildError::Conflict(_))
    ));
    assert!(matches!(
        SetRespBuilder::new("s")
            .result(SetResult::failure(
                "Device.",
                ErrorCode::DELETE_FAILURE,
                "x"
            ))
            .build(),
        Err(BuildError::ErrorCodeNotAllowed { .. })
    ));
}

#[test]
fn add_resp() {
    let m = AddRespBuilder::new("a")
        .result(
            AddResult::success("Device.IP.Interface.", "Device.IP.Interface.7.")
                .unique_key("Name", "x")
                .param_error("MTU", ErrorCode::INVALID_VALUE, "x"),
        )
        .result(AddResult::failure(
            "Device.IP.Interface.",
            ErrorCode::NOT_A_TABLE,
            "x",
        ))
        .build()
        .unwrap();
    round_trip(&m, MsgType::AddResp);
    assert!(AddRespBuilder::new("a").build().is_err());
    assert!(matches!(
        AddRespBuilder::new("a")
            .result(
                AddResult::failure("Device.X.", ErrorCode::NOT_A_TABLE, "x").unique_key("a", "b")
            )
            .build(),
        Err(BuildError::Conflict(_))
    ));
    assert!(
        AddRespBuilder::new("a")
            .result(AddResult::success("Device.X.", "Device.X.1"))
            .build()
            .is_err()
    );
}

#[test]
fn delete_resp() {
    let m = DeleteRespBuilder::new("d")
        .result(
            DeleteResult::success("Device.X.*.")
                .affected_path("Device.X.1.")
                .unaffected_path_error("Device.X.2.", ErrorCode::DELETE_FAILURE, "x"),
        )
        .result(DeleteResult::success("Device.X.[Alias==\"none\"]."))
        .result(DeleteResult::failure(
            "Device.Y.1.",
            ErrorCode::OBJECT_DOES_NOT_EXIST,
            "x",
        ))
        .build()
        .unwrap();
    round_trip(&m, MsgType::DeleteResp);
    assert!(DeleteRespBuilder::new("d").build().is_err());
    assert!(matches!(
        DeleteRespBuilder::new("d")
            .result(
                DeleteResult::failure("Device.X.", ErrorCode::DELETE_FAILURE, "x")
                    .affected_path("Device.X.1.")
            )
            .build(),
        Err(BuildError::Conflict(_))
    ));
}

#[test]
fn operate_resp() {
    let m = OperateRespBuilder::new("o")
        .result(OperateResult::output_args("Device.A()").arg("x", "1"))
        .result(OperateResult::req_obj_path(
            "Device.B()",
            "Device.LocalAgent.Request.1.",
        ))
        .result(OperateResult::failure(
            "Device.C()",
            ErrorCode::INVALID_COMMAND_ARGUMENTS,
            "x",
        ))
        .build()
        .unwrap();
    round_trip(&m, MsgType::OperateResp);
    // An empty OperateResp is valid (a search matching nothing).
    round_trip(
        &OperateRespBuilder::new("o").build().unwrap(),
        MsgType::OperateResp,
    );
    assert!(matches!(
        OperateRespBuilder::new("o")
            .result(OperateResult::failure("Device.C()", 7022u32, "x").arg("a", "b"))
            .build(),
        Err(BuildError::Conflict(_))
    ));
    assert!(
        OperateRespBuilder::new("o")
            .result(OperateResult::output_args("Device.C"))
            .build()
            .is_err()
    );
}

#[test]
fn notify_resp_and_supported_protocol_resp() {
    let m = NotifyRespBuilder::new("n", "sub").build().unwrap();
    let d = round_trip(&m, MsgType::NotifyResp);
    assert!(matches!(d.response(), Some(Response::NotifyResp(r)) if r.subscription_id == "sub"));
    assert!(NotifyRespBuilder::new("", "sub").build().is_err());

    let m = GetSupportedProtocolRespBuilder::new("p", "1.3,1.4")
        .build()
        .unwrap();
    round_trip(&m, MsgType::GetSupportedProtoResp);
    assert!(
        GetSupportedProtocolRespBuilder::new("p", "1.")
            .build()
            .is_err()
    );
}

#[test]
fn register_resp_and_deregister_resp() {
    let m = RegisterRespBuilder::new("r")
        .success("Device.Time.", "Device.Time.")
        .failure("Device.WiFi.", ErrorCode::ALREADY_IN_USE, "x")
        .build()
        .unwrap();
    round_trip(&m, MsgType::RegisterResp);
    assert!(RegisterRespBuilder::new("r").build().is_err());
    assert!(
        RegisterRespBuilder::new("r")
            .failure("Device.WiFi.", ErrorCode::DEREGISTER_FAILURE, "x")
            .build()
            .is_err()
    );

    let m = DeregisterRespBuilder::new("d")
        .success("", ["Device.Time."])
        .failure(
            "Device.WiFi.",
            ErrorCode::PATH_ALREADY_REGISTERED,
            "7031 allowed",
        )
        .build()
        .unwrap();
    round_trip(&m, MsgType::DeregisterResp);
    assert!(DeregisterRespBuilder::new("d").build().is_err());
    assert!(
        DeregisterRespBuilder::new("d")
            .failure("Device.", ErrorCode::ALREADY_IN_USE, "x")
            .build()
            .is_err()
    );
}

#[test]
fn error() {
    let m = ErrorBuilder::new("e", ErrorCode::INVALID_ARGUMENTS)
        .err_msg("bad")
        .param_error("Device.X.Y", 7012u32, "range")
        .build()
        .unwrap();
    let d = round_trip(&m, MsgType::Error);
    let e = d.error().unwrap();
    assert_eq!((e.err_code, e.err_msg.as_str()), (7004, "bad"));
    assert_eq!(e.param_errs[0].param_path, "Device.X.Y");
    assert!(
        ErrorBuilder::new("e", ErrorCode::new(8000))
            .build()
            .is_err()
    );
    assert!(
        ErrorBuilder::new("e", ErrorCode::MESSAGE_FAILED)
            .param_error("", 7000u32, "")
            .build()
            .is_err()
    );
    assert!(
        ErrorBuilder::new("e", ErrorCode::MESSAGE_FAILED)
            .param_error("Device.A", 1u32, "")
            .build()
            .is_err()
    );
}
