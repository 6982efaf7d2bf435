//! Property tests: builder inputs round-trip through encode/decode; arbitrary raw messages
//! that validate round-trip too (`decode(encode(x)) == x`).

use proptest::collection::{btree_map, vec};
use proptest::prelude::*;
use usp_msg::prost::Message as _;
use usp_msg::*;

/// A non-empty string of any Unicode.
fn text() -> impl Strategy<Value = String> {
    "\\PC{1,24}"
}

fn any_text() -> impl Strategy<Value = String> {
    "\\PC{0,24}"
}

/// An object path ending in '.'.
fn obj_path() -> impl Strategy<Value = String> {
    "[A-Z][A-Za-z0-9]{0,8}(\\.[A-Za-z0-9*]{1,8}){0,4}\\.".prop_map(String::from)
}

fn round_trip(msg: &Msg) -> Msg {
    let bytes = msg.encode_to_bytes();
    assert_eq!(bytes.len(), msg.encoded_len());
    let decoded = Msg::decode(bytes.clone()).unwrap();
    assert_eq!(&decoded, msg);
    assert_eq!(decoded.encode_to_bytes(), bytes);
    decoded
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

    #[test]
    fn get_round_trips(id in text(), paths in vec(text(), 1..6), depth in any::<u32>()) {
        let msg = GetBuilder::new(id.clone()).paths(paths.clone()).max_depth(depth).build().unwrap();
        let d = round_trip(&msg);
        prop_assert_eq!(d.msg_id(), id.as_str());
        prop_assert_eq!(d.msg_type(), MsgType::Get);
        let Some(Request::Get(g)) = d.request() else { panic!("not a Get") };
        prop_assert_eq!(&g.param_paths, &paths);
        prop_assert_eq!(g.max_depth, depth);
    }

    #[test]
    fn empty_msg_id_is_always_rejected(paths in vec(text(), 1..4)) {
        prop_assert_eq!(GetBuilder::new("").paths(paths).build().unwrap_err(), BuildError::EmptyMsgId);
    }

    #[test]
    fn set_round_trips(
        id in text(),
        objs in vec((obj_path(), vec((text(), any_text(), any::<bool>()), 1..5)), 1..4),
        partial in any::<bool>(),
    ) {
        let mut b = SetBuilder::new(id).allow_partial(partial);
        for (path, params) in &objs {
            let mut o = UpdateObject::new(path.clone());
            for (n, v, req) in params {
                o = if *req { o.required_param(n.clone(), v.clone()) } else { o.param(n.clone(), v.clone()) };
            }
            b = b.update_obj(o);
        }
        let d = round_trip(&b.build().unwrap());
        let Some(Request::Set(s)) = d.request() else { panic!("not a Set") };
        prop_assert_eq!(s.allow_partial, partial);
        prop_assert_eq!(s.update_objs.len(), objs.len());
        for (o, (path, params)) in s.update_objs.iter().zip(&objs) {
            prop_assert_eq!(&o.obj_path, path);
            let got: Vec<_> = o.param_settings.iter().map(|p| (p.param.clone(), p.value.clone(), p.required)).collect();
            prop_assert_eq!(&got, params);
        }
    }

    #[test]
    fn event_round_trips(
        id in text(),
        sub in any_text(),
        params in btree_map(text(), any_text(), 0..6),
        send_resp in any::<bool>(),
    ) {
        let mut b = EventBuilder::new(id, sub.clone(), "Device.LocalAgent.", "Periodic!").send_resp(send_resp);
        for (k, v) in &params {
            b = b.param(k.clone(), v.clone());
        }
        let d = round_trip(&b.build().unwrap());
        let Some(Request::Notify(n)) = d.request() else { panic!("not a Notify") };
        prop_assert_eq!(&n.subscription_id, &sub);
        prop_assert_eq!(n.send_resp, send_resp);
        let NotifyKind::Event(e) = &n.kind else { panic!("not an Event") };
        prop_assert_eq!(&e.params, &params);
    }

    #[test]
    fn error_codes_in_range_build_and_others_fail(id in text(), code in any::<u32>(), text in any_text()) {
        let r = ErrorBuilder::new(id, ErrorCode::new(code)).err_msg(text.clone()).build();
        if (7000..=7999).contains(&code) {
            let d = round_trip(&r.unwrap());
            prop_assert_eq!(d.error().unwrap().err_code, code);
            prop_assert_eq!(&d.error().unwrap().err_msg, &text);
        } else {
            prop_assert_eq!(r.unwrap_err(), BuildError::ErrorCodeOutOfRange { at: "error.err_code".into(), code });
        }
    }

    #[test]
    fn set_resp_codes_follow_the_allowed_list(code in 6990u32..8010) {
        let r = SetRespBuilder::new("s").result(SetResult::failure("Device.", code, "x")).build();
        let c = ErrorCode::new(code);
        let ok = c.is_in_usp_range() && (c.is_allowed_for(Operation::Set) || c.is_data_model_defined());
        prop_assert_eq!(r.is_ok(), ok, "code {}", code);
        if let Ok(m) = r {
            round_trip(&m);
        }
    }

    #[test]
    fn operate_resp_round_trips(
        results in vec((0u8..3, "[A-Z][a-z]{0,6}", btree_map(text(), any_text(), 0..3)), 0..5),
    ) {
        let mut b = OperateRespBuilder::new("op");
        for (kind, name, args) in &results {
            let cmd = format!("Device.{name}()");
            b = b.result(match kind {
                0 => args.iter().fold(OperateResult::output_args(cmd), |r, (k, v)| r.arg(k.clone(), v.clone())),
                1 => OperateResult::req_obj_path(cmd, "Device.LocalAgent.Request.1."),
                _ => OperateResult::failure(cmd, ErrorCode::COMMAND_FAILURE, name.clone()),
            });
        }
        let d = round_trip(&b.build().unwrap());
        let Some(Response::OperateResp(r)) = d.response() else { panic!("not an OperateResp") };
        prop_assert_eq!(r.operation_results.len(), results.len());
    }

    #[test]
    fn deregister_resp_round_trips(
        entries in vec((any_text(), vec(text(), 0..3), any::<bool>()), 1..5),
    ) {
        let mut b = DeregisterRespBuilder::new("d");
        for (req, paths, ok) in &entries {
            b = if *ok { b.success(req.clone(), paths.clone()) } else { b.failure(req.clone(), ErrorCode::DEREGISTER_FAILURE, "x") };
        }
        round_trip(&b.build().unwrap());
    }

    /// `decode(encode(x)) == x` for arbitrary raw messages that pass validation, and
    /// validation agrees between the raw value and its encoding.
    #[test]
    fn arbitrary_raw_messages(raw in raw::msg()) {
        let bytes = raw.encode_to_vec();
        let from_value = Msg::try_from(raw.clone());
        let from_bytes = Msg::decode(bytes.as_slice());
        prop_assert_eq!(&from_value, &from_bytes);
        if let Ok(msg) = from_value {
            let again = Msg::decode(msg.encode_to_bytes()).unwrap();
            prop_assert_eq!(again, msg.clone().without_warning());
            prop_assert_eq!(pb::Msg::from(msg).body, raw.body);
        }
    }
}

/// Strategies for raw `pb::Msg` values, valid and invalid: optional header, body and every
/// required oneof, all 22 request/response types, every Notify kind.
mod raw {
    use proptest::collection::{btree_map, vec};
    use proptest::option;
    use proptest::prelude::*;
    use usp_msg::pb;

    fn s() -> impl Strategy<Value = String> {
        "\\PC{0,12}"
    }

    fn map() -> impl Strategy<Value = std::collections::BTreeMap<String, String>> {
        btree_map(s(), s(), 0..3)
    }

    pub(super) fn msg() -> impl Strategy<Value = pb::Msg> {
        let header = option::weighted(
            0.95,
            (s(), prop_oneof![8 => 0i32..23, 1 => any::<i32>()])
                .prop_map(|(msg_id, msg_type)| pb::Header { msg_id, msg_type }),
        );
        let body = option::weighted(
            0.95,
            option::weighted(
                0.95,
                prop_oneof![
                    option::weighted(0.9, request())
                        .prop_map(|req_type| pb::body::MsgBody::Request(pb::Request { req_type })),
                    option::weighted(0.9, response()).prop_map(|resp_type| {
                        pb::body::MsgBody::Response(pb::Response { resp_type })
                    }),
                    (any::<u32>(), s()).prop_map(|(err_code, err_msg)| pb::body::MsgBody::Error(
                        pb::Error {
                            err_code,
                            err_msg,
                            param_errs: vec![],
                        }
                    )),
                ],
            )
            .prop_map(|msg_body| pb::Body { msg_body }),
        );
        (header, body).prop_map(|(header, body)| pb::Msg { header, body })
    }

    fn request() -> impl Strategy<Value = pb::request::ReqType> {
        use pb::request::ReqType as R;
        prop_oneof![
            (vec(s(), 0..3), any::<u32>()).prop_map(|(param_paths, max_depth)| R::Get(pb::Get {
                param_paths,
                max_depth
            })),
            (vec(s(), 0..3), any::<bool>()).prop_map(|(obj_paths, first_level_only)| {
                R::GetSupportedDm(pb::GetSupportedDm {
                    obj_paths,
                    first_level_only,
                    ..Default::default()
                })
            }),
            vec(s(), 0..3).prop_map(|obj_paths| R::GetInstances(pb::GetInstances {
                obj_paths,
                first_level_only: true
            })),
            (s(), s(), any::<bool>()).prop_map(|(obj_path, param, required)| R::Set(pb::Set {
                allow_partial: required,
                update_objs: vec![pb::set::UpdateObject {
                    obj_path,
                    param_settings: vec![pb::set::UpdateParamSetting {
                        param,
                        value: String::new(),
                        required
                    }],
                }],
            })),
            s().prop_map(|obj_path| R::Add(pb::Add {
                allow_partial: false,
                create_objs: vec![pb::add::CreateObject {
                    obj_path,
                    param_settings: vec![]
                }],
            })),
            vec(s(), 0..3).prop_map(|obj_paths| R::Delete(pb::Delete {
                allow_partial: true,
                obj_paths
            })),
            (s(), s(), any::<bool>(), map()).prop_map(
                |(command, command_key, send_resp, input_args)| R::Operate(pb::Operate {
                    command,
                    command_key,
                    send_resp,
                    input_args,
                })
            ),
            (s(), any::<bool>(), option::weighted(0.9, notification())).prop_map(
                |(subscription_id, send_resp, notification)| {
                    R::Notify(pb::Notify {
                        subscription_id,
                        send_resp,
                        notification,
                    })
                }
            ),
            s().prop_map(|v| R::GetSupportedProtocol(pb::GetSupportedProtocol {
                controller_supported_protocol_versions: v
            })),
            vec(s(), 0..3).prop_map(|p| R::Register(pb::Register {
                allow_partial: false,
                reg_paths: p
                    .into_iter()
                    .map(|path| pb::register::RegistrationPath { path })
                    .collect(),
            })),
            vec(s(), 0..3).prop_map(|paths| R::Deregister(pb::Deregister { paths })),
        ]
    }

    fn notification() -> impl Strategy<Value = pb::notify::Notification> {
        use pb::notify::operation_complete::{CommandFailure, OperationResp, OutputArgs};
        use pb::notify::{self as n, Notification as N};
        prop_oneof![
            (s(), s(), map()).prop_map(|(obj_path, event_name, params)| N::Event(n::Event {
                obj_path,
                event_name,
                params
            })),
            (s(), s()).prop_map(|(param_path, param_value)| N::ValueChange(n::ValueChange {
                param_path,
                param_value
            })),
            (s(), map()).prop_map(|(obj_path, unique_keys)| N::ObjCreation(n::ObjectCreation {
                obj_path,
                unique_keys
            })),
            s().prop_map(|obj_path| N::ObjDeletion(n::ObjectDeletion { obj_path })),
            (
                s(),
                option::weighted(
                    0.8,
                    prop_oneof![
                        map().prop_map(|output_args| OperationResp::ReqOutputArgs(OutputArgs {
                            output_args
                        })),
                        (any::<u32>(), s()).prop_map(|(err_code, err_msg)| {
                            OperationResp::CmdFailure(CommandFailure { err_code, err_msg })
                        }),
                    ],
                ),
            )
                .prop_map(|(command_name, operation_resp)| N::OperComplete(
                    n::OperationComplete {
                        obj_path: "Device.".into(),
                        command_name,
                        command_key: String::new(),
                        operation_resp,
                    }
                )),
            (s(), s()).prop_map(|(oui, serial_number)| N::OnBoardReq(n::OnBoardRequest {
                oui,
                serial_number,
                ..Default::default()
            })),
        ]
    }

    /// `None`, a present wrapper with an empty oneof, or a set oneof (mostly).
    fn status<W: Default + Clone + core::fmt::Debug + 'static, O: core::fmt::Debug>(
        set: impl Strategy<Value = O>,
        wrap: fn(Option<O>) -> W,
    ) -> impl Strategy<Value = Option<W>> {
        prop_oneof![
            1 => Just(None),
            1 => Just(Some(W::default())),
            10 => set.prop_map(move |o| Some(wrap(Some(o)))),
        ]
    }

    fn response() -> impl Strategy<Value = pb::response::RespType> {
        use pb::response::RespType as R;
        prop_oneof![
            vec((s(), any::<u32>()), 0..3).prop_map(|r| R::GetResp(pb::GetResp {
                req_path_results: r
                    .into_iter()
                    .map(
                        |(requested_path, err_code)| pb::get_resp::RequestedPathResult {
                            requested_path,
                            err_code,
                            ..Default::default()
                        }
                    )
                    .collect(),
            })),
            Just(R::GetSupportedDmResp(pb::GetSupportedDmResp::default())),
            Just(R::GetInstancesResp(pb::GetInstancesResp::default())),
            vec(set_status(), 0..3).prop_map(|st| R::SetResp(pb::SetResp {
                updated_obj_results: st
                    .into_iter()
                    .map(|oper_status| pb::set_resp::UpdatedObjectResult {
                        requested_path: "Device.".into(),
                        oper_status
                    })
                    .collect(),
            })),
            vec(add_status(), 0..3).prop_map(|st| R::AddResp(pb::AddResp {
                created_obj_results: st
                    .into_iter()
                    .map(|oper_status| pb::add_resp::CreatedObjectResult {
                        requested_path: "Device.".into(),
                        oper_status
                    })
                    .collect(),
            })),
            vec(delete_status(), 0..3).prop_map(|st| R::DeleteResp(pb::DeleteResp {
                deleted_obj_results: st
                    .into_iter()
                    .map(|oper_status| pb::delete_resp::DeletedObjectResult {
                        requested_path: "Device.".into(),
                        oper_status
                    })
                    .collect(),
            })),
            vec(option::weighted(0.9, s()), 0..3).prop_map(|r| R::OperateResp(pb::OperateResp {
                operation_results: r
                    .into_iter()
                    .map(|p| pb::operate_resp::OperationResult {
                        executed_command: "Device.X()".into(),
                        operation_resp: p
                            .map(pb::operate_resp::operation_result::OperationResp::ReqObjPath),
                    })
                    .collect(),
            })),
            s().prop_map(|subscription_id| R::NotifyResp(pb::NotifyResp { subscription_id })),
            s().prop_map(
                |v| R::GetSupportedProtocolResp(pb::GetSupportedProtocolResp {
                    agent_supported_protocol_versions: v
                })
            ),
            vec(register_status(), 0..3).prop_map(|st| R::RegisterResp(pb::RegisterResp {
                registered_path_results: st
                    .into_iter()
                    .map(|oper_status| pb::register_resp::RegisteredPathResult {
                        requested_path: "Device.".into(),
                        oper_status
                    })
                    .collect(),
            })),
            vec(deregister_status(), 0..3).prop_map(|st| R::DeregisterResp(pb::DeregisterResp {
                deregistered_path_results: st
                    .into_iter()
                    .map(|oper_status| pb::deregister_resp::DeregisteredPathResult {
                        requested_path: String::new(),
                        oper_status
                    })
                    .collect(),
            })),
        ]
    }

    fn set_status()
    -> impl Strategy<Value = Option<pb::set_resp::updated_object_result::OperationStatus>> {
        use pb::set_resp::updated_object_result::{OperationStatus, operation_status as os};
        status(
            prop_oneof![
                Just(os::OperStatus::OperSuccess(os::OperationSuccess::default())),
                any::<u32>().prop_map(|err_code| os::OperStatus::OperFailure(
                    os::OperationFailure {
                        err_code,
                        ..Default::default()
                    }
                )),
            ],
            |oper_status| OperationStatus { oper_status },
        )
    }

    fn add_status()
    -> impl Strategy<Value = Option<pb::add_resp::created_object_result::OperationStatus>> {
        use pb::add_resp::created_object_result::{OperationStatus, operation_status as os};
        status(
            s().prop_map(|instantiated_path| {
                os::OperStatus::OperSuccess(os::OperationSuccess {
                    instantiated_path,
                    ..Default::default()
                })
            }),
            |oper_status| OperationStatus { oper_status },
        )
    }

    fn delete_status()
    -> impl Strategy<Value = Option<pb::delete_resp::deleted_object_result::OperationStatus>> {
        use pb::delete_resp::deleted_object_result::{OperationStatus, operation_status as os};
        status(
            vec(s(), 0..2).prop_map(|affected_paths| {
                os::OperStatus::OperSuccess(os::OperationSuccess {
                    affected_paths,
                    unaffected_path_errs: vec![],
                })
            }),
            |oper_status| OperationStatus { oper_status },
        )
    }

    fn register_status()
    -> impl Strategy<Value = Option<pb::register_resp::registered_path_result::OperationStatus>>
    {
        use pb::register_resp::registered_path_result::{OperationStatus, operation_status as os};
        status(
            s().prop_map(|registered_path| {
                os::OperStatus::OperSuccess(os::OperationSuccess { registered_path })
            }),
            |oper_status| OperationStatus { oper_status },
        )
    }

    fn deregister_status()
    -> impl Strategy<Value = Option<pb::deregister_resp::deregistered_path_result::OperationStatus>>
    {
        use pb::deregister_resp::deregistered_path_result::{
            OperationStatus, operation_status as os,
        };
        status(
            any::<u32>().prop_map(|err_code| {
                os::OperStatus::OperFailure(os::OperationFailure {
                    err_code,
                    err_msg: String::new(),
                })
            }),
            |oper_status| OperationStatus { oper_status },
        )
    }
}
