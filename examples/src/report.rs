//! Readable one-line (or few-line) summaries of Controller results, shared by the examples.

use core::fmt::Write as _;

use usp_controller::{RequestError, TypedResult};

/// At most this many parameter values are listed per Get; the rest are counted.
pub const MAX_LISTED_VALUES: usize = 12;

/// Summarises the outcome of one request: the typed result, or the USP Error the Agent
/// answered with.
#[must_use]
pub fn describe(result: &Result<TypedResult, RequestError>) -> String {
    match result {
        Err(RequestError::Agent { error, param_errs }) => {
            let mut s = format!("Error {}: {}", error.code, error.message);
            for e in param_errs {
                let _ = write!(s, "\n    {}: {}", e.path, e.error);
            }
            s
        }
        Err(other) => format!("failed: {other}"),
        Ok(r) => describe_ok(r),
    }
}

fn describe_ok(result: &TypedResult) -> String {
    let mut s = format!("{}", result.msg_type());
    match result {
        TypedResult::Get(v) => {
            let _ = write!(
                s,
                ": {} value(s) in {} object(s), {} failure(s)",
                v.values.len(),
                v.objects.len(),
                v.failures.len()
            );
            for (path, value) in v.values.iter().take(MAX_LISTED_VALUES) {
                let _ = write!(s, "\n    {path} = {value:?}");
            }
            if v.values.len() > MAX_LISTED_VALUES {
                let _ = write!(
                    s,
                    "\n    ... and {} more",
                    v.values.len() - MAX_LISTED_VALUES
                );
            }
            for f in &v.failures {
                let _ = write!(s, "\n    failed {}: {}", f.path, f.error);
            }
        }
        TypedResult::Set(o) => {
            for u in &o.updated {
                let _ = write!(s, "\n    updated {}", u.affected_path);
                for (k, v) in &u.updated_params {
                    let _ = write!(s, " {k}={v:?}");
                }
            }
            for f in &o.failures {
                let _ = write!(s, "\n    failed {}: {}", f.requested_path, f.error);
            }
        }
        TypedResult::Add(o) => {
            for c in &o.created {
                let _ = write!(s, "\n    created {}", c.instantiated_path);
                for (k, v) in &c.unique_keys {
                    let _ = write!(s, " {k}={v:?}");
                }
            }
            for f in &o.failures {
                let _ = write!(s, "\n    failed {}: {}", f.path, f.error);
            }
        }
        TypedResult::Delete(o) => {
            for d in &o.deleted {
                let paths = &d.affected_paths;
                let _ = write!(s, "\n    {} deleted {:?}", d.requested_path, paths);
            }
            for f in &o.failures {
                let _ = write!(s, "\n    failed {}: {}", f.path, f.error);
            }
        }
        TypedResult::GetSupportedDm(dm) => {
            for t in &dm.trees {
                let params: usize = t.objects.values().map(|o| o.params.len()).sum();
                let commands: usize = t.objects.values().map(|o| o.commands.len()).sum();
                let events: usize = t.objects.values().map(|o| o.events.len()).sum();
                let _ = write!(
                    s,
                    "\n    {} ({}): {} object(s), {params} parameter(s), {commands} command(s), {events} event(s)",
                    t.requested_path,
                    t.data_model_inst_uri,
                    t.objects.len()
                );
            }
            for f in &dm.failures {
                let _ = write!(s, "\n    failed {}: {}", f.path, f.error);
            }
        }
        TypedResult::Operate(o) => {
            for r in &o.results {
                let _ = write!(s, "\n    {}: {:?}", r.executed_command, r.result);
            }
        }
        TypedResult::GetInstances(i) => {
            for p in i.instances.keys() {
                let _ = write!(s, "\n    {p}");
            }
        }
        TypedResult::GetSupportedProtocol(v) => {
            let _ = write!(s, ": {v:?}");
        }
        other => {
            let _ = write!(s, ": {other:?}");
        }
    }
    s
}

/// Summarises a Notify received by the Controller: what it reports, the Subscription's ID and
/// whether a NotifyResp went back.
#[must_use]
pub fn describe_notification(n: &usp_controller::Notification) -> String {
    use usp_msg::NotifyKind as K;
    use usp_msg::pb::notify::operation_complete::OperationResp;
    let what = match &n.kind {
        K::ObjCreation(c) => format!("ObjectCreation {} {:?}", c.obj_path, c.unique_keys),
        K::ObjDeletion(d) => format!("ObjectDeletion {}", d.obj_path),
        K::ValueChange(v) => format!("ValueChange {} = {:?}", v.param_path, v.param_value),
        K::Event(e) => format!("Event {}{} {:?}", e.obj_path, e.event_name, e.params),
        K::OperComplete(o) => {
            let outcome = match &o.operation_resp {
                Some(OperationResp::ReqOutputArgs(a)) => format!("output {:?}", a.output_args),
                Some(OperationResp::CmdFailure(f)) => {
                    format!("failed {}: {}", f.err_code, f.err_msg)
                }
                None => String::from("no outcome"),
            };
            format!(
                "OperationComplete {}{} (command_key {:?}): {outcome}",
                o.obj_path, o.command_name, o.command_key
            )
        }
        K::OnBoardReq(b) => format!(
            "OnBoardRequest {}-{}-{}",
            b.oui, b.product_class, b.serial_number
        ),
        other => format!("{other:?}"),
    };
    let resp = if n.send_resp {
        "NotifyResp sent"
    } else {
        "no NotifyResp asked"
    };
    format!(
        "Notify {}: {what} [subscription {:?}, {resp}]",
        n.msg_id, n.subscription_id
    )
}
