//! Operate through the stateful Agent: sync and async commands, the Request table, Cancel().

use std::collections::BTreeMap;

use usp_datamodel::{
    Agent, AgentConfig, AgentError, CommandDef, Commands, DataModel, DmError, FullAccess, Instant,
    MemoryDataModel, OpHandle, ParamDef, Permission, Perms, Role,
};
use usp_msg::pb;
use usp_msg::pb::operate_resp::operation_result::OperationResp;
use usp_msg::pb::request::ReqType;
use usp_msg::pb::response::RespType;
use usp_path::value::ValueType;

use crate::common::{Reply, error, model_with, msg, reply, schema, value};

pub(crate) const CTRL: &str = "proto::controller";

/// The demo model plus `Device.Echo()` (sync: mandatory `Text`, optional `Times` default 1,
/// output `Out`) and `Device.Download()` (async: mandatory `URL`, optional `Timeout` default
/// 30).
pub(crate) fn op_model() -> MemoryDataModel {
    let mut s = schema();
    let dev = s.object_mut("Device.").expect("Device.");
    dev.commands.insert(
        "Echo".into(),
        CommandDef::new("Echo()")
            .with_input(ParamDef::new("Text", ValueType::String).mandatory())
            .with_input(ParamDef::new("Times", ValueType::UnsignedInt).with_default("1"))
            .with_output(ParamDef::new("Out", ValueType::String)),
    );
    dev.commands.insert(
        "Download".into(),
        CommandDef::new("Download()")
            .asynchronous()
            .with_input(ParamDef::new("URL", ValueType::String).mandatory())
            .with_input(ParamDef::new("Timeout", ValueType::UnsignedInt).with_default("30")),
    );
    model_with(s)
}

/// Records every call; `Echo()` repeats Text Times times; `Reset()` fails on interface 2.
#[derive(Default)]
pub(crate) struct Rec {
    pub(crate) runs: Vec<(String, BTreeMap<String, String>)>,
    pub(crate) started: Vec<(OpHandle, String, BTreeMap<String, String>)>,
    pub(crate) refuse_start: bool,
    pub(crate) cancelable: bool,
}

impl Commands<MemoryDataModel> for Rec {
    fn run(
        &mut self,
        _: &mut MemoryDataModel,
        command: &str,
        input: &BTreeMap<String, String>,
    ) -> Result<BTreeMap<String, String>, DmError> {
        self.runs.push((command.into(), input.clone()));
        if command == "Device.IP.Interface.2.Reset()" {
            return Err(DmError::new(7022, "loopback cannot reset"));
        }
        let mut out = BTreeMap::new();
        if command == "Device.Echo()" {
            let n: usize = input["Times"].parse().unwrap();
            out.insert("Out".into(), input["Text"].repeat(n));
        }
        Ok(out)
    }

    fn start(
        &mut self,
        _: &mut MemoryDataModel,
        op: OpHandle,
        command: &str,
        input: &BTreeMap<String, String>,
    ) -> Result<(), DmError> {
        if self.refuse_start {
            return Err(DmError::new(7022, "busy"));
        }
        self.started.push((op, command.into(), input.clone()));
        Ok(())
    }

    fn cancel(&mut self, _: &mut MemoryDataModel, op: OpHandle) -> Result<(), DmError> {
        if self.cancelable {
            self.started.retain(|s| s.0 != op);
            Ok(())
        } else {
            Err(DmError::new(7022, "cannot stop"))
        }
    }
}

pub(crate) fn operate(cmd: &str, key: &str, send_resp: bool, args: &[(&str, &str)]) -> ReqType {
    ReqType::Operate(pb::Operate {
        command: cmd.into(),
        command_key: key.into(),
        send_resp,
        input_args: args
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
    })
}

pub(crate) fn send(
    a: &mut Agent,
    dm: &mut MemoryDataModel,
    cmds: &mut Rec,
    rt: ReqType,
) -> Option<pb::Msg> {
    a.handle(
        Instant::from_millis(0),
        dm,
        cmds,
        CTRL,
        &FullAccess,
        &msg("t-1", rt),
    )
}

fn results(m: pb::Msg) -> Vec<(String, OperationResp)> {
    match reply(m) {
        Reply::Resp(RespType::OperateResp(r)) => r
            .operation_results
            .into_iter()
            .map(|r| {
                (
                    r.executed_command,
                    r.operation_resp.expect("operation_resp"),
                )
            })
            .collect(),
        _ => panic!("not an OperateResp"),
    }
}

fn failure_code(r: &OperationResp) -> u32 {
    match r {
        OperationResp::CmdFailure(f) => f.err_code,
        other => panic!("expected cmd_failure, got {other:?}"),
    }
}

fn setup() -> (Agent, MemoryDataModel, Rec) {
    (
        Agent::new(AgentConfig::default()),
        op_model(),
        Rec::default(),
    )
}

#[test]
fn sync_command_returns_output_args_r_opr_7_default_filled() {
    let (mut a, mut dm, mut c) = setup();
    let r = results(
        send(
            &mut a,
            &mut dm,
            &mut c,
            operate("Device.Echo()", "k", true, &[("Text", "ab")]),
        )
        .unwrap(),
    );
    assert_eq!(r.len(), 1);
    assert_eq!(r[0].0, "Device.Echo()");
    let OperationResp::ReqOutputArgs(o) = &r[0].1 else {
        panic!("{r:?}")
    };
    assert_eq!(o.output_args["Out"], "ab");
    // R-OPR.7: the missing optional Times got its default.
    assert_eq!(c.runs[0].1["Times"], "1");
}

#[test]
fn r_opr_5_missing_mandatory_input_is_7027_and_not_run() {
    let (mut a, mut dm, mut c) = setup();
    let r = results(
        send(
            &mut a,
            &mut dm,
            &mut c,
            operate("Device.Echo()", "", true, &[("Times", "2")]),
        )
        .unwrap(),
    );
    assert_eq!(failure_code(&r[0].1), 7027);
    assert!(c.runs.is_empty());
}

#[test]
fn bad_input_value_is_7027() {
    let (mut a, mut dm, mut c) = setup();
    let r = results(
        send(
            &mut a,
            &mut dm,
            &mut c,
            operate("Device.Echo()", "", true, &[("Text", "x"), ("Times", "-3")]),
        )
        .unwrap(),
    );
    assert_eq!(failure_code(&r[0].1), 7027);
    assert!(c.runs.is_empty());
}

#[test]
fn r_opr_6_unknown_input_is_ignored() {
    let (mut a, mut dm, mut c) = setup();
    let r = results(
        send(
            &mut a,
            &mut dm,
            &mut c,
            operate(
                "Device.Echo()",
                "",
                true,
                &[("Text", "x"), ("Bogus", "1"), ("Times", "3")],
            ),
        )
        .unwrap(),
    );
    let OperationResp::ReqOutputArgs(o) = &r[0].1 else {
        panic!("{r:?}")
    };
    assert_eq!(o.output_args["Out"], "xxx");
    assert!(!c.runs[0].1.contains_key("Bogus"));
}

#[test]
fn r_opr_1_search_failures_go_in_cmd_failure_not_error() {
    let (mut a, mut dm, mut c) = setup();
    let r = results(
        send(
            &mut a,
            &mut dm,
            &mut c,
            operate("Device.IP.Interface.*.Reset()", "", true, &[]),
        )
        .unwrap(),
    );
    let got: Vec<_> = r.iter().map(|(p, _)| p.as_str()).collect();
    assert_eq!(
        got,
        [
            "Device.IP.Interface.1.Reset()",
            "Device.IP.Interface.2.Reset()",
            "Device.IP.Interface.3.Reset()"
        ]
    );
    assert!(matches!(r[0].1, OperationResp::ReqOutputArgs(_)));
    assert_eq!(failure_code(&r[1].1), 7022);
    assert!(matches!(r[2].1, OperationResp::ReqOutputArgs(_)));
}

#[test]
fn search_matching_nothing_is_an_empty_success() {
    let (mut a, mut dm, mut c) = setup();
    let r = results(
        send(
            &mut a,
            &mut dm,
            &mut c,
            operate(
                "Device.IP.Interface.[Type==\"Tunnel\"].Reset()",
                "",
                true,
                &[],
            ),
        )
        .unwrap(),
    );
    assert!(r.is_empty());
}

#[test]
fn message_errors_7008_7026_7016() {
    let (mut a, mut dm, mut c) = setup();
    let code = |a: &mut Agent, dm: &mut MemoryDataModel, c: &mut Rec, p: &str| {
        error(send(a, dm, c, operate(p, "", true, &[])).unwrap()).err_code
    };
    assert_eq!(code(&mut a, &mut dm, &mut c, "Device..Reboot()"), 7008);
    assert_eq!(code(&mut a, &mut dm, &mut c, "Device.NoSuch()"), 7026);
    assert_eq!(code(&mut a, &mut dm, &mut c, "Device.DeviceInfo."), 7026);
    assert_eq!(code(&mut a, &mut dm, &mut c, "Device.Nope.Reboot()"), 7026);
    assert_eq!(
        code(&mut a, &mut dm, &mut c, "Device.IP.Interface.Reset()"),
        7026
    );
    assert_eq!(
        code(&mut a, &mut dm, &mut c, "Device.IP.Interface.9.Reset()"),
        7016
    );
    assert!(c.runs.is_empty());
}

#[test]
fn r_opr_4_send_resp_false_gives_no_reply() {
    let (mut a, mut dm, mut c) = setup();
    assert!(
        send(
            &mut a,
            &mut dm,
            &mut c,
            operate("Device.Echo()", "", false, &[("Text", "a")])
        )
        .is_none()
    );
    assert_eq!(c.runs.len(), 1);
}

#[test]
fn r_sec_1_execute_permission() {
    let (mut a, mut dm, mut c) = setup();
    let all = Perms::ALL;
    let no_x = Perms::parse("r--n").unwrap();
    let role = Role::new(vec![
        Permission::new(1, ["Device."]).with(all, all, all, all),
        Permission::new(2, ["Device.Echo()", "Device.IP.Interface.{i}.Reset()"])
            .with(all, all, all, no_x),
        Permission::new(3, ["Device.IP.Interface.{i}."]).with(all, all, all, no_x),
    ]);
    let m = msg("t-1", operate("Device.Echo()", "", true, &[("Text", "a")]));
    let e = error(
        a.handle(Instant::default(), &mut dm, &mut c, CTRL, &role, &m)
            .unwrap(),
    );
    assert_eq!(e.err_code, 7006);
    // A search leaves denied matches out.
    let m = msg(
        "t-1",
        operate("Device.IP.Interface.*.Reset()", "", true, &[]),
    );
    let r = results(
        a.handle(Instant::default(), &mut dm, &mut c, CTRL, &role, &m)
            .unwrap(),
    );
    assert!(r.is_empty());
    assert!(c.runs.is_empty());
}

fn req_path(r: &OperationResp) -> &str {
    match r {
        OperationResp::ReqObjPath(p) => p,
        other => panic!("expected req_obj_path, got {other:?}"),
    }
}

#[test]
fn r_opr_0_async_creates_request_row_removed_on_completion() {
    let (mut a, mut dm, mut c) = setup();
    let r = results(
        send(
            &mut a,
            &mut dm,
            &mut c,
            operate("Device.Download()", "dl-1", true, &[("URL", "http://x")]),
        )
        .unwrap(),
    );
    let row = req_path(&r[0].1).to_string();
    assert_eq!(row, "Device.LocalAgent.Request.1.");
    assert_eq!(value(&dm, &row, "Status").as_deref(), Some("Active"));
    assert_eq!(
        value(&dm, &row, "Command").as_deref(),
        Some("Device.Download()")
    );
    assert_eq!(value(&dm, &row, "CommandKey").as_deref(), Some("dl-1"));
    assert_eq!(value(&dm, &row, "Originator").as_deref(), Some(CTRL));
    assert_eq!(c.started[0].2["Timeout"], "30");
    assert_eq!(a.running_operations(), 1);
    let op = c.started[0].0;
    a.complete_operation(Instant::from_millis(5), &mut dm, op, Ok(BTreeMap::new()))
        .unwrap();
    assert!(!dm.has_instance("Device.LocalAgent.Request.", 1));
    assert_eq!(a.running_operations(), 0);
    assert_eq!(
        a.complete_operation(Instant::from_millis(6), &mut dm, op, Ok(BTreeMap::new())),
        Err(AgentError::UnknownOperation(op.get()))
    );
}

#[test]
fn r_opr_2_and_r_opr_3_one_row_per_invocation_none_aborted() {
    let mut s = schema();
    s.object_mut("Device.IP.Interface.{i}.")
        .unwrap()
        .commands
        .insert("Probe".into(), CommandDef::new("Probe()").asynchronous());
    let mut dm = model_with(s);
    let mut a = Agent::new(AgentConfig::default());
    let mut c = Rec::default();
    let r = results(
        send(
            &mut a,
            &mut dm,
            &mut c,
            operate("Device.IP.Interface.*.Probe()", "", true, &[]),
        )
        .unwrap(),
    );
    let rows: Vec<_> = r.iter().map(|(_, x)| req_path(x).to_string()).collect();
    assert_eq!(rows.len(), 3);
    let r = results(
        send(
            &mut a,
            &mut dm,
            &mut c,
            operate("Device.IP.Interface.1.Probe()", "", true, &[]),
        )
        .unwrap(),
    );
    assert_eq!(req_path(&r[0].1), "Device.LocalAgent.Request.4.");
    // R-OPR.3: the second invocation on interface 1 did not end the first.
    assert_eq!(a.running_operations(), 4);
    let mut n = Vec::new();
    dm.instances("Device.LocalAgent.Request.", &mut n);
    assert_eq!(n, [1, 2, 3, 4]);
}

#[test]
fn async_start_failure_removes_the_row() {
    let (mut a, mut dm, mut c) = setup();
    c.refuse_start = true;
    let r = results(
        send(
            &mut a,
            &mut dm,
            &mut c,
            operate("Device.Download()", "", true, &[("URL", "u")]),
        )
        .unwrap(),
    );
    assert_eq!(failure_code(&r[0].1), 7022);
    let mut n = Vec::new();
    dm.instances("Device.LocalAgent.Request.", &mut n);
    assert!(n.is_empty());
    assert_eq!(a.running_operations(), 0);
}

#[test]
fn concurrency_limit_denies_with_7005() {
    let mut cfg = AgentConfig::default();
    cfg.set_max_operations(1);
    let mut a = Agent::new(cfg);
    let mut dm = op_model();
    let mut c = Rec::default();
    let dl = || operate("Device.Download()", "", true, &[("URL", "u")]);
    let r = results(send(&mut a, &mut dm, &mut c, dl()).unwrap());
    req_path(&r[0].1);
    let r = results(send(&mut a, &mut dm, &mut c, dl()).unwrap());
    assert_eq!(failure_code(&r[0].1), 7005);
}

#[test]
fn cancel_ends_the_operation_with_7023() {
    let (mut a, mut dm, mut c) = setup();
    c.cancelable = true;
    let r = results(
        send(
            &mut a,
            &mut dm,
            &mut c,
            operate("Device.Download()", "", true, &[("URL", "u")]),
        )
        .unwrap(),
    );
    let row = req_path(&r[0].1).to_string();
    let r = results(
        send(
            &mut a,
            &mut dm,
            &mut c,
            operate(&format!("{row}Cancel()"), "", true, &[]),
        )
        .unwrap(),
    );
    assert!(matches!(r[0].1, OperationResp::ReqOutputArgs(_)));
    assert_eq!(a.running_operations(), 0);
    assert!(c.started.is_empty());
    assert!(!dm.has_instance("Device.LocalAgent.Request.", 1));
}

#[test]
fn r_opr_3_refused_cancel_keeps_the_operation() {
    let (mut a, mut dm, mut c) = setup();
    let r = results(
        send(
            &mut a,
            &mut dm,
            &mut c,
            operate("Device.Download()", "", true, &[("URL", "u")]),
        )
        .unwrap(),
    );
    let row = req_path(&r[0].1).to_string();
    let r = results(
        send(
            &mut a,
            &mut dm,
            &mut c,
            operate(&format!("{row}Cancel()"), "", true, &[]),
        )
        .unwrap(),
    );
    assert_eq!(failure_code(&r[0].1), 7022);
    assert_eq!(a.running_operations(), 1);
    assert_eq!(value(&dm, &row, "Status").as_deref(), Some("Active"));
}

#[test]
fn boot_removes_leftover_requests() {
    let (mut a, mut dm, mut c) = setup();
    let _ = send(
        &mut a,
        &mut dm,
        &mut c,
        operate("Device.Download()", "", true, &[("URL", "u")]),
    );
    let mut b = Agent::new(AgentConfig::default());
    b.boot(Instant::default(), &mut dm);
    assert!(!dm.has_instance("Device.LocalAgent.Request.", 1));
}

#[test]
fn other_messages_go_to_the_engine() {
    let (mut a, mut dm, mut c) = setup();
    let r = send(
        &mut a,
        &mut dm,
        &mut c,
        ReqType::Get(pb::Get {
            param_paths: vec!["Device.IP.Interface.1.Name".into()],
            max_depth: 0,
        }),
    )
    .unwrap();
    assert!(matches!(reply(r), Reply::Resp(RespType::GetResp(_))));
}
