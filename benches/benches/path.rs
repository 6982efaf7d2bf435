//! usp-path: parse and display of a typical search path, and resolution of
//! `Device.IP.Interface.*.IPv4Address.[Enable==true].IPAddress` over 1,000 interfaces x 10
//! addresses in an in-memory tree.

// criterion_group! and criterion_main! generate undocumented items.
#![allow(missing_docs)]

use core::hint::black_box;
use std::collections::HashMap;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use usp_path::Path;
use usp_path::resolve::{DataTree, ParamValue, Resolver};
use usp_path::value::{ParamType, ValueType};

const SEARCH: &str =
    r#"Device.IP.Interface.[Name=="eth0"].IPv4Address.[Status=="Enabled"].IPAddress"#;
const RESOLVE: &str = "Device.IP.Interface.*.IPv4Address.[Enable==true].IPAddress";

/// A flat hash-map tree: tables and (object, parameter) values.
struct Tree {
    tables: HashMap<String, Vec<u32>>,
    params: HashMap<String, HashMap<&'static str, (ParamType, String)>>,
}

impl Tree {
    fn interfaces(n_if: u32, n_addr: u32) -> Self {
        let mut tables = HashMap::new();
        let mut params: HashMap<String, HashMap<&'static str, (ParamType, String)>> =
            HashMap::new();
        tables.insert("Device.IP.Interface.".to_owned(), (1..=n_if).collect());
        for i in 1..=n_if {
            let tab = format!("Device.IP.Interface.{i}.IPv4Address.");
            tables.insert(tab.clone(), (1..=n_addr).collect());
            for a in 1..=n_addr {
                let o = params.entry(format!("{tab}{a}.")).or_default();
                let enable = if a % 2 == 0 { "true" } else { "false" };
                o.insert(
                    "Enable",
                    (ParamType::scalar(ValueType::Boolean), enable.to_owned()),
                );
                o.insert(
                    "IPAddress",
                    (
                        ParamType::scalar(ValueType::String),
                        format!("10.{}.{}.{a}", i / 256, i % 256),
                    ),
                );
            }
        }
        Self { tables, params }
    }
}

impl DataTree for Tree {
    fn instances(&self, table: &str, out: &mut Vec<u32>) {
        if let Some(v) = self.tables.get(table) {
            out.extend_from_slice(v);
        }
    }

    fn param(&self, object: &str, name: &str) -> Option<ParamValue<'_>> {
        let (ty, v) = self.params.get(object)?.get(name)?;
        Some(ParamValue::new(*ty, v.as_str()))
    }
}

fn parse_display(c: &mut Criterion) {
    let mut g = c.benchmark_group("path");
    g.throughput(Throughput::Bytes(SEARCH.len() as u64));
    g.bench_function("parse_search", |b| {
        b.iter(|| Path::parse(black_box(SEARCH)).unwrap())
    });
    let p = Path::parse(SEARCH).unwrap();
    g.bench_function("display_search", |b| b.iter(|| black_box(&p).to_string()));
    let spaced =
        r#"Device.IP.Interface.[ Name == "eth0" ].IPv4Address.[ Status == "Enabled" ].IPAddress"#;
    g.bench_function("parse_search_whitespace", |b| {
        b.iter(|| Path::parse(black_box(spaced)).unwrap())
    });
    let simple = "Device.IP.Interface.1.IPv4Address.2.IPAddress";
    g.bench_function("parse_instance_param", |b| {
        b.iter(|| Path::parse(black_box(simple)).unwrap())
    });
    g.finish();
}

fn resolution(c: &mut Criterion) {
    let tree = Tree::interfaces(1_000, 10);
    let p = Path::parse(RESOLVE).unwrap();
    let r = Resolver::new(&tree);
    assert_eq!(r.resolve(&p).unwrap().len(), 5_000);
    let mut g = c.benchmark_group("path");
    g.sample_size(20);
    g.throughput(Throughput::Elements(10_000));
    g.bench_function("resolve_1000x10", |b| {
        b.iter(|| r.resolve(black_box(&p)).unwrap())
    });
    g.finish();
}

criterion_group!(benches, parse_display, resolution);
criterion_main!(benches);
