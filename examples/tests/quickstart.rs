//! The README demo (`quickstart`), run in-process; checks the trace and the traffic.

use std::path::PathBuf;

use usp_controller::{CommandResult, Notification};
use usp_examples::quickstart::{Exchange, Options, Summary, run};
use usp_msg::NotifyKind;
use usp_msg::pb::notify::operation_complete::OperationResp;

fn run_demo(opts: &Options) -> (Summary, String) {
    let mut out = Vec::new();
    let summary = run(opts, &mut out).expect("the demo runs");
    (summary, String::from_utf8(out).expect("UTF-8 output"))
}

#[test]
fn demo_model_every_exchange_answered_and_segmented() {
    let opts = Options::default();
    let (summary, out) = run_demo(&opts);
    let names: Vec<&str> = summary.exchanges.iter().map(|e| e.name).collect();
    assert_eq!(
        names,
        [
            "Add",
            "Get",
            "Set",
            "Delete",
            "GetSupportedDM",
            "Operate",
            "Add",
            "Add",
            "Operate"
        ]
    );

    // Every Record respects MaxUSPRecordSize (R-E2E.42 ff.), and the GSDM answer is segmented.
    for e in &summary.exchanges {
        assert!(e.to_agent.largest <= 512, "{}: {:?}", e.name, e.to_agent);
        assert!(
            e.to_controller.largest <= 512,
            "{}: {:?}",
            e.name,
            e.to_controller
        );
    }
    let gsdm = summary.exchange("GetSupportedDM").expect("GSDM ran");
    assert!(gsdm.to_controller.segments >= 2, "{:?}", gsdm.to_controller);

    // The search path found exactly the enabled row.
    let get = summary.exchange("Get").expect("Get ran");
    let values = get
        .result
        .clone()
        .expect("GetResp")
        .into_get()
        .expect("a Get result");
    assert_eq!(
        values.get("Device.LocalAgent.Controller.1.EndpointID"),
        Some(usp_examples::CONTROLLER_ID)
    );
    assert!(
        values
            .get("Device.LocalAgent.Controller.2.EndpointID")
            .is_none()
    );
    assert_eq!(values.get("Device.DeviceInfo.Manufacturer"), Some("usp-rs"));

    // Set, Delete: what was asked.
    let set = summary.exchange("Set").expect("Set ran");
    let set = set
        .result
        .clone()
        .expect("SetResp")
        .into_set()
        .expect("a Set result");
    assert_eq!(set.updated.len(), 2);
    let delete = summary.exchange("Delete").expect("Delete ran");
    let delete = delete
        .result
        .clone()
        .expect("DeleteResp")
        .into_delete()
        .expect("a Delete");
    assert_eq!(
        delete.deleted[0].affected_paths,
        ["Device.LocalAgent.Controller.2."]
    );

    // Operate of a synchronous command: an OperateResp with its output arguments (R-OPR.1;
    // Device.Reboot() has none), no Request row.
    let operate = summary.exchange("Operate").expect("Operate ran");
    let op = operate
        .result
        .clone()
        .expect("an OperateResp, not an Error")
        .into_operate()
        .expect("an OperateResp");
    assert_eq!(op.results.len(), 1);
    assert_eq!(op.results[0].executed_command, "Device.Reboot()");
    assert_eq!(
        op.results[0].result,
        CommandResult::OutputArgs(Default::default())
    );
    assert!(operate.notifications.is_empty());

    check_subscriptions(&summary);

    for needle in [
        "=== 1. Add",
        "GET_RESP",
        "segment(s)",
        "OPERATE_RESP",
        "NotifyResp sent",
        "Done: 9 exchanges",
        "2 Notify sent (0 awaiting a NotifyResp)",
    ] {
        assert!(out.contains(needle), "missing {needle:?} in\n{out}");
    }
    assert!(!out.contains("Error 7001"), "{out}");
}

/// The one Notify of exchange `ex`.
fn only_notify(ex: &Exchange) -> &Notification {
    assert_eq!(
        ex.notifications.len(),
        1,
        "{}: {:?}",
        ex.name,
        ex.notifications
    );
    &ex.notifications[0]
}

/// Exchanges 7 to 9: subscriptions, then an ObjectCreation and an OperationComplete Notify,
/// each with NotifRetry (send_resp) and acknowledged by the Controller.
fn check_subscriptions(summary: &Summary) {
    let subs = summary.exchanges[6]
        .result
        .clone()
        .expect("AddResp")
        .into_add()
        .expect("an Add result");
    let created: Vec<&str> = subs
        .created
        .iter()
        .map(|c| c.instantiated_path.as_str())
        .collect();
    assert_eq!(
        created,
        [
            "Device.LocalAgent.Subscription.1.",
            "Device.LocalAgent.Subscription.2."
        ]
    );

    // ObjectCreation (R-NOT.0a: in the same step as the Add); subscription_id is the ID
    // (R-NOT.7); send_resp is NotifRetry.
    let add = &summary.exchanges[7];
    let row = add
        .result
        .clone()
        .expect("AddResp")
        .into_add()
        .expect("an Add result");
    assert_eq!(row.created[0].instantiated_path, "Device.IP.Interface.1.");
    let n = only_notify(add);
    assert_eq!(n.subscription_id, "demo-new-interface");
    assert!(n.send_resp);
    let NotifyKind::ObjCreation(c) = &n.kind else {
        panic!("not an ObjectCreation: {n:?}");
    };
    assert_eq!(c.obj_path, "Device.IP.Interface.1.");
    assert_eq!(c.unique_keys.get("Alias").map(String::as_str), Some("lan"));

    // Asynchronous Operate: a Request row in the OperateResp (R-OPR.0, R-OPR.2), the outcome
    // later in OperationComplete, after the simulated run time of the command.
    let op = &summary.exchanges[8];
    let resp = op
        .result
        .clone()
        .expect("OperateResp")
        .into_operate()
        .expect("an OperateResp");
    assert_eq!(
        resp.results[0].executed_command,
        "Device.SelfTestDiagnostics()"
    );
    assert_eq!(
        resp.results[0].result,
        CommandResult::RequestObjPath(String::from("Device.LocalAgent.Request.1."))
    );
    let n = only_notify(op);
    assert_eq!(n.subscription_id, "demo-self-test");
    assert!(n.send_resp);
    let NotifyKind::OperComplete(c) = &n.kind else {
        panic!("not an OperationComplete: {n:?}");
    };
    assert_eq!(
        (
            c.obj_path.as_str(),
            c.command_name.as_str(),
            c.command_key.as_str()
        ),
        ("Device.", "SelfTestDiagnostics()", "self-test")
    );
    let Some(OperationResp::ReqOutputArgs(args)) = &c.operation_resp else {
        panic!("no output arguments: {c:?}");
    };
    assert_eq!(
        args.output_args.get("Status").map(String::as_str),
        Some("Complete")
    );
    assert!(summary.elapsed_ms >= usp_examples::agent::SELF_TEST_MS);
}

#[test]
fn larger_record_size_needs_fewer_records() {
    let small = run_demo(&Options::default()).0;
    let big = run_demo(&Options {
        max_record_size: 64 * 1024,
        ..Options::default()
    })
    .0;
    let records = |s: &Summary| {
        s.exchange("GetSupportedDM")
            .map(|e| e.to_controller.records)
    };
    assert!(records(&big) < records(&small));
    assert_eq!(
        big.exchange("GetSupportedDM")
            .map(|e| e.to_controller.segments),
        Some(0)
    );
}

#[test]
fn full_tr181_model_when_available() {
    let path = std::env::var_os("USP_TR181_XML")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(env!("CARGO_MANIFEST_DIR"))
                .join("../../shared/datamodels/tr-181-2-16-0-usp-full.xml")
        });
    if !path.exists() {
        eprintln!("skipped: {} not found (set USP_TR181_XML)", path.display());
        return;
    }
    let (summary, out) = run_demo(&Options {
        model_xml: Some(path),
        ..Options::default()
    });
    assert_eq!(summary.exchanges.len(), 9);
    check_subscriptions(&summary);
    assert!(
        out.contains("urn:broadband-forum-org:tr-181-2-16-0-usp"),
        "{out}"
    );
    let get = summary.exchange("Get").expect("Get ran");
    assert!(get.to_controller.segments >= 2, "{:?}", get.to_controller);
}
