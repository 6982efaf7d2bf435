//! usp-datamodel engine benches.
//!
//! Run: `USP_TR181_XML=../shared/datamodels/tr-181-2-16-0-usp-full.xml cargo bench -p usp-benches --bench datamodel`.
//!
//! * `datamodel/get_device_tr181`: Get `Device.` over the full TR-181 2.16 model with rows in
//!   every table (about 10,000 values).
//! * `datamodel/search_10k_rows`: a search-expression Get over a 10,000-row table of the demo
//!   model (`testdata/datamodels/usp-demo-device.xml`).
//! * `datamodel/key_address_10k_rows`: a unique-key address (`[Alias=="if9999"]`) on the same
//!   table, answered from `MemoryDataModel`'s key index rather than a scan of the rows.
//! * `datamodel/load_tr181_xml`: loading the full TR-181 XML into a `Schema`.
//!
//! The TR-181 benches are skipped, with a message, when `USP_TR181_XML` is not set.
#![allow(missing_docs)] // criterion_main! generates an undocumented main

use core::hint::black_box;
use std::collections::BTreeMap;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use usp_datamodel::xml::Loader;
use usp_datamodel::{DataModel, Engine, MemoryDataModel};
use usp_msg::pb;

const DEMO: &str = include_str!("../../testdata/datamodels/usp-demo-device.xml");

fn get_msg(path: &str) -> pb::Msg {
    pb::Msg {
        header: Some(pb::Header {
            msg_id: "bench".into(),
            msg_type: pb::header::MsgType::Get as i32,
        }),
        body: Some(pb::Body {
            msg_body: Some(pb::body::MsgBody::Request(pb::Request {
                req_type: Some(pb::request::ReqType::Get(pb::Get {
                    param_paths: vec![path.into()],
                    max_depth: 0,
                })),
            })),
        }),
    }
}

/// Number of values in a GetResp.
fn values(m: &pb::Msg) -> usize {
    match m.body.as_ref().and_then(|b| b.msg_body.as_ref()) {
        Some(pb::body::MsgBody::Response(pb::Response {
            resp_type: Some(pb::response::RespType::GetResp(g)),
        })) => g
            .req_path_results
            .iter()
            .flat_map(|r| &r.resolved_path_results)
            .map(|r| r.result_params.len())
            .sum(),
        _ => panic!("not a GetResp: {m:?}"),
    }
}

/// CPU time of this thread in ns (Linux `schedstat`), to report cost independent of load from
/// other processes on a shared machine; `None` elsewhere.
fn cpu_ns() -> Option<u64> {
    let s = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    s.split_whitespace().next()?.parse().ok()
}

/// Prints the mean CPU time of `f` over `n` runs.
fn report_cpu(name: &str, n: u32, mut f: impl FnMut()) {
    let Some(t0) = cpu_ns() else { return };
    for _ in 0..n {
        f();
    }
    if let Some(t1) = cpu_ns() {
        eprintln!(
            "{name}: {:.3} ms CPU time per iteration (mean of {n})",
            (t1 - t0) as f64 / f64::from(n) / 1e6
        );
    }
}

fn tr181_xml() -> Option<String> {
    match std::env::var("USP_TR181_XML") {
        Ok(p) if !p.is_empty() => Some(std::fs::read_to_string(&p).expect("read USP_TR181_XML")),
        _ => {
            eprintln!(
                "datamodel benches: USP_TR181_XML is not set; skipping the full TR-181 benches"
            );
            None
        }
    }
}

fn full_model(c: &mut Criterion) {
    let Some(xml) = tr181_xml() else { return };
    let mut g = c.benchmark_group("datamodel");
    g.throughput(Throughput::Bytes(xml.len() as u64));
    g.sample_size(20);
    report_cpu("datamodel/load_tr181_xml", 10, || {
        black_box(Loader::new().load_str(&xml).unwrap());
    });
    g.bench_function("load_tr181_xml", |b| {
        b.iter(|| black_box(Loader::new().load_str(black_box(&xml)).unwrap()))
    });

    let schema = Loader::new().load_str(&xml).unwrap();
    let mut m = MemoryDataModel::new(schema);
    // Two rows in every table, nested tables included, capped near 10,000 values.
    m.fill_tables(2, 1_250);
    let e = Engine::default();
    let req = get_msg("Device.");
    let n = values(&e.handle(&mut m, &req).unwrap());
    eprintln!(
        "datamodel/get_device_tr181: {} objects, {n} values in the GetResp",
        m.object_count()
    );
    report_cpu("datamodel/get_device_tr181", 200, || {
        black_box(e.handle(&mut m, &req).unwrap());
    });
    g.throughput(Throughput::Elements(n as u64));
    g.sample_size(50);
    g.bench_function("get_device_tr181", |b| {
        b.iter(|| black_box(e.handle(&mut m, black_box(&req)).unwrap()))
    });
    g.finish();
}

fn search(c: &mut Criterion) {
    let schema = Loader::new().load_str(DEMO).unwrap();
    let mut m = MemoryDataModel::new(schema);
    for i in 0..10_000u32 {
        let mut init = BTreeMap::new();
        init.insert("Alias".to_string(), format!("if{i}"));
        init.insert("Name".to_string(), format!("eth{i}"));
        init.insert("Enable".to_string(), (i % 2 == 0).to_string());
        init.insert("MaxMTUSize".to_string(), (1000 + i % 1000).to_string());
        init.insert(
            "Type".to_string(),
            if i % 100 == 0 { "Tunnel" } else { "Normal" }.to_string(),
        );
        m.add("Device.IP.Interface.", &init).unwrap();
    }
    let e = Engine::default();
    let req = get_msg(r#"Device.IP.Interface.[Type=="Tunnel"&&MaxMTUSize>=1000].Name"#);
    let n = values(&e.handle(&mut m, &req).unwrap());
    assert_eq!(n, 100);
    let keyed = get_msg(r#"Device.IP.Interface.[Alias=="if9999"].Status"#);
    assert_eq!(values(&e.handle(&mut m, &keyed).unwrap()), 1);
    report_cpu("datamodel/search_10k_rows", 50, || {
        black_box(e.handle(&mut m, &req).unwrap());
    });
    report_cpu("datamodel/key_address_10k_rows", 200, || {
        black_box(e.handle(&mut m, &keyed).unwrap());
    });
    let mut g = c.benchmark_group("datamodel");
    g.throughput(Throughput::Elements(10_000));
    g.bench_function("search_10k_rows", |b| {
        b.iter(|| black_box(e.handle(&mut m, black_box(&req)).unwrap()))
    });
    g.bench_function("key_address_10k_rows", |b| {
        b.iter(|| black_box(e.handle(&mut m, black_box(&keyed)).unwrap()))
    });
    g.finish();
}

criterion_group!(benches, search, full_model);
criterion_main!(benches);
