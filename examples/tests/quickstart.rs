//! The README demo (`quickstart`), run in-process; checks the trace and the traffic.

use std::path::PathBuf;

use usp_examples::quickstart::{Options, Summary, run};

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
        ["Add", "Get", "Set", "Delete", "GetSupportedDM", "Operate"]
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

    // Operate: while the engine does not implement it, Error 7001 (R-MSG.1), explained in the
    // output; once it does, an OperateResp for the command.
    let operate = summary.exchange("Operate").expect("Operate ran");
    match &operate.result {
        Err(e) => {
            assert_eq!(e.code().map(u32::from), Some(7001), "{e:?}");
            assert!(out.contains("does not implement Operate yet"), "{out}");
        }
        Ok(r) => {
            let op = r.clone().into_operate().expect("an OperateResp");
            assert_eq!(op.results[0].executed_command, "Device.Reboot()");
        }
    }

    for needle in ["=== 1. Add", "GET_RESP", "segment(s)", "Done: 6 exchanges"] {
        assert!(out.contains(needle), "missing {needle:?} in\n{out}");
    }
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
    assert_eq!(summary.exchanges.len(), 6);
    assert!(
        out.contains("urn:broadband-forum-org:tr-181-2-16-0-usp"),
        "{out}"
    );
    let get = summary.exchange("Get").expect("Get ran");
    assert!(get.to_controller.segments >= 2, "{:?}", get.to_controller);
}
