//! Operate: sync and async commands, the Request table, Cancel().

use alloc::collections::BTreeMap;
use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;

use usp_msg::pb;
use usp_msg::pb::operate_resp::OperationResult;
use usp_msg::pb::operate_resp::operation_result::{CommandFailure, OperationResp, OutputArgs};
use usp_path::Target;

use super::broker::error;
use super::{Agent, AgentError, Commands, Instant, Op, OpHandle};
use crate::access::{AccessControl, Perms};
use crate::code;
use crate::engine::resolve::{Fail, parse, resolve_objects};
use crate::engine::{AclRef, response_msg};
use crate::error::DmError;
use crate::model::DataModel;
use crate::schema::{CommandDef, supported_form};

/// The Request table.
pub(super) const REQ_TABLE: &str = "Device.LocalAgent.Request.";
/// The supported path of a Controller row.
const CTRL_ROW: &str = "Device.LocalAgent.Controller.{i}.";
/// The supported path of a Request row.
const REQ_ROW: &str = "Device.LocalAgent.Request.{i}.";

fn failure(code: u32, msg: impl Into<String>) -> OperationResp {
    OperationResp::CmdFailure(CommandFailure {
        err_code: code,
        err_msg: msg.into(),
    })
}

/// Checks and completes the input arguments (R-OPR.5, R-OPR.6, R-OPR.7).
fn check_input(
    def: &CommandDef,
    given: &BTreeMap<String, String>,
) -> Result<BTreeMap<String, String>, String> {
    let mut out = BTreeMap::new();
    for (k, v) in given {
        let sdm = supported_form(k);
        // R-OPR.6: unknown arguments are ignored.
        let Some(arg) = def.input.iter().find(|a| a.name == sdm || a.name == *k) else {
            continue;
        };
        let v = arg
            .check_value(v)
            .map_err(|e| format!("input argument {k}: {}", e.msg()))?;
        out.insert(k.clone(), v);
    }
    for arg in &def.input {
        if arg.name.contains("{i}") || out.contains_key(&arg.name) {
            continue;
        }
        if arg.mandatory {
            return Err(format!("mandatory input argument {} is missing", arg.name));
        }
        if let Some(d) = &arg.default {
            out.insert(arg.name.clone(), d.clone());
        }
    }
    Ok(out)
}

impl Agent {
    #[allow(clippy::too_many_arguments)]
    pub(super) fn operate<M, C, A>(
        &mut self,
        now: Instant,
        dm: &mut M,
        cmds: &mut C,
        from: &str,
        acl: &A,
        id: &str,
        op: &pb::Operate,
    ) -> Option<pb::Msg>
    where
        M: DataModel + ?Sized,
        C: Commands<M> + ?Sized,
        A: AccessControl + ?Sized,
    {
        let acl = AclRef(acl);
        let acl: &dyn AccessControl = &acl;
        let planned = match self.plan(dm, acl, op) {
            Ok(p) => p,
            Err(f) => {
                return Some(error(id, f.code, f.msg));
            }
        };
        let mut results = Vec::with_capacity(planned.len());
        for (obj_path, def) in planned {
            let executed = format!("{obj_path}{}()", def.name);
            let resp = match check_input(&def, &op.input_args) {
                Err(msg) => failure(code::INVALID_COMMAND_ARGUMENTS, msg),
                Ok(input) => {
                    self.run_one(now, dm, cmds, from, op, &obj_path, &def, &executed, &input)
                }
            };
            results.push(OperationResult {
                executed_command: executed,
                operation_resp: Some(resp),
            });
        }
        // R-OPR.4: no OperateResp when send_resp is false.
        op.send_resp.then(|| {
            response_msg(
                String::from(id),
                pb::response::RespType::OperateResp(pb::OperateResp {
                    operation_results: results,
                }),
            )
        })
    }

    /// Resolves the command path: the objects and the command definition, or the Error.
    fn plan<M: DataModel + ?Sized>(
        &self,
        dm: &M,
        acl: &dyn AccessControl,
        op: &pb::Operate,
    ) -> Result<Vec<(String, CommandDef)>, Fail> {
        let path = parse(&op.command)?;
        let Target::Command(name) = path.target() else {
            return Err(Fail::new(
                code::INVALID_PATH,
                format!("{}: not a command path", op.command),
            ));
        };
        let m = resolve_objects(
            self.engine.config(),
            dm,
            acl,
            &path,
            code::OBJECT_DOES_NOT_EXIST,
        )?;
        let schema = dm.schema();
        let mut out = Vec::with_capacity(m.hits.len());
        for h in &m.hits {
            let def = schema
                .get(h.id)
                .filter(|_| !h.is_table)
                .and_then(|o| o.commands.get(name.as_str()))
                .ok_or_else(|| {
                    Fail::new(
                        code::INVALID_PATH,
                        format!(
                            "{}: no such command in the Supported Data Model",
                            op.command
                        ),
                    )
                })?;
            let executed = format!("{}{}()", h.path, def.name);
            if !acl.command_event(&executed).contains(Perms::EXEC) {
                if m.search {
                    continue;
                }
                return Err(Fail::new(
                    code::PERMISSION_DENIED,
                    format!("{executed}: no permission to execute"),
                ));
            }
            out.push((h.path.clone(), def.clone()));
        }
        Ok(out)
    }

    #[allow(clippy::too_many_arguments)]
    fn run_one<M, C>(
        &mut self,
        now: Instant,
        dm: &mut M,
        cmds: &mut C,
        from: &str,
        op: &pb::Operate,
        obj_path: &str,
        def: &CommandDef,
        executed: &str,
        input: &BTreeMap<String, String>,
    ) -> OperationResp
    where
        M: DataModel + ?Sized,
        C: Commands<M> + ?Sized,
    {
        if def.name == "Cancel" && supported_form(obj_path) == REQ_ROW {
            return self.cancel(now, dm, cmds, obj_path);
        }
        if def.name == "SendOnBoardRequest" && supported_form(obj_path) == CTRL_ROW {
            return self.onboard_command(now, dm, obj_path);
        }
        if !def.is_async {
            return match cmds.run(dm, executed, input) {
                Ok(output_args) => OperationResp::ReqOutputArgs(OutputArgs { output_args }),
                Err(e) => failure(e.code(), e.msg()),
            };
        }
        if self.ops.len() >= self.cfg.max_ops {
            return failure(
                code::RESOURCES_EXCEEDED,
                "too many asynchronous operations are running",
            );
        }
        let Some(table) = dm.schema().object(REQ_ROW) else {
            return failure(
                code::INTERNAL_ERROR,
                "this Agent has no Device.LocalAgent.Request table",
            );
        };
        let mut init = BTreeMap::new();
        let handle = OpHandle(self.next_op);
        self.next_op = self.next_op.wrapping_add(1);
        for (k, v) in [
            ("Alias", format!("cpe-request-{}", handle.0)),
            ("Originator", String::from(from)),
            ("Command", String::from(executed)),
            ("CommandKey", op.command_key.clone()),
            ("Status", String::from("Requested")),
        ] {
            if let Some(v) = table.params.get(k).and_then(|p| p.check_value(&v).ok()) {
                init.insert(String::from(k), v);
            }
        }
        dm.begin();
        let n = dm.add(REQ_TABLE, &init);
        dm.commit();
        let row = match n {
            Ok(n) => format!("{REQ_TABLE}{n}."),
            Err(e) => return failure(e.code(), e.msg()),
        };
        match cmds.start(dm, handle, executed, input) {
            Ok(()) => {
                set_status(dm, &row, "Active");
                self.ops.insert(
                    handle.0,
                    Op {
                        row: row.clone(),
                        obj_path: String::from(obj_path),
                        command_name: format!("{}()", def.name),
                        command_key: op.command_key.clone(),
                    },
                );
                OperationResp::ReqObjPath(row)
            }
            Err(e) => {
                set_status(dm, &row, "Error");
                delete_row(dm, &row);
                failure(e.code(), e.msg())
            }
        }
    }

    /// `Device.LocalAgent.Controller.{i}.SendOnBoardRequest()` (R-NOT.5): for an enabled
    /// Controller, sets its OnBoardingComplete to false and sends it an OnBoardRequest with
    /// `Device.DeviceInfo.{ManufacturerOUI, ProductClass, SerialNumber}`.
    fn onboard_command<M: DataModel + ?Sized>(
        &mut self,
        now: Instant,
        dm: &mut M,
        row: &str,
    ) -> OperationResp {
        let has = |dm: &M, p: &str| {
            dm.schema()
                .object(CTRL_ROW)
                .is_some_and(|o| o.params.contains_key(p))
        };
        if has(dm, "Enable") && !super::notify::read_bool(dm, row, "Enable") {
            return failure(code::COMMAND_FAILURE, format!("{row} is not enabled"));
        }
        if dm.get(row, "EndpointID").is_none() {
            return failure(code::COMMAND_FAILURE, format!("{row} has no EndpointID"));
        }
        if has(dm, "OnBoardingComplete") {
            dm.begin();
            let _ = dm.set(row, "OnBoardingComplete", "false");
            dm.commit();
        }
        self.onboard(now, dm, row);
        OperationResp::ReqOutputArgs(OutputArgs::default())
    }

    fn cancel<M, C>(&mut self, now: Instant, dm: &mut M, cmds: &mut C, row: &str) -> OperationResp
    where
        M: DataModel + ?Sized,
        C: Commands<M> + ?Sized,
    {
        let Some((&n, _)) = self.ops.iter().find(|(_, o)| o.row == row) else {
            return failure(
                code::COMMAND_FAILURE,
                format!("{row} is not a running operation"),
            );
        };
        set_status(dm, row, "Canceling");
        match cmds.cancel(dm, OpHandle(n)) {
            Ok(()) => {
                let _ = self.finish(
                    now,
                    dm,
                    OpHandle(n),
                    Err(DmError::new(
                        code::COMMAND_CANCELED,
                        "canceled by Request.{i}.Cancel()",
                    )),
                    "Canceled",
                );
                OperationResp::ReqOutputArgs(OutputArgs::default())
            }
            Err(e) => {
                // R-OPR.3: the operation goes on.
                set_status(dm, row, "Active");
                failure(e.code(), e.msg())
            }
        }
    }

    /// Ends the asynchronous operation `op` with `result` (its output arguments, or the
    /// failure): removes its `Device.LocalAgent.Request.{i}.` row (R-OPR.0) and sends
    /// OperationComplete to the Controllers subscribed to it.
    ///
    /// # Errors
    /// [`AgentError::UnknownOperation`] if `op` is not running (already completed or
    /// canceled).
    pub fn complete_operation<M: DataModel + ?Sized>(
        &mut self,
        now: Instant,
        dm: &mut M,
        op: OpHandle,
        result: Result<BTreeMap<String, String>, DmError>,
    ) -> Result<(), AgentError> {
        let status = if result.is_ok() { "Success" } else { "Error" };
        self.finish(now, dm, op, result, status)
    }

    fn finish<M: DataModel + ?Sized>(
        &mut self,
        now: Instant,
        dm: &mut M,
        op: OpHandle,
        result: Result<BTreeMap<String, String>, DmError>,
        status: &str,
    ) -> Result<(), AgentError> {
        let o = self
            .ops
            .remove(&op.0)
            .ok_or(AgentError::UnknownOperation(op.0))?;
        set_status(dm, &o.row, status);
        delete_row(dm, &o.row);
        self.operation_complete(now, dm, &o, result);
        self.poll_changes(now, dm);
        Ok(())
    }
}

fn set_status<M: DataModel + ?Sized>(dm: &mut M, row: &str, status: &str) {
    if dm
        .schema()
        .object(REQ_ROW)
        .is_some_and(|o| o.params.contains_key("Status"))
    {
        dm.begin();
        let _ = dm.set(row, "Status", status);
        dm.commit();
    }
}

fn delete_row<M: DataModel + ?Sized>(dm: &mut M, row: &str) {
    dm.begin();
    let _ = dm.delete(row);
    dm.commit();
}
