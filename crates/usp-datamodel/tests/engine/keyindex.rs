//! MemoryDataModel's unique-key index (architecture, "Addressing by Unique Key"): after any
//! sequence of adds, Sets, integrator writes, deletes (with sub-tables) and rollbacks,
//! `find_by_key` answers exactly as a full typed scan of the rows would, and a Get by key
//! gives the same reply as the engine's own scan.

use std::collections::{BTreeMap, BTreeSet};

use proptest::prelude::*;
use usp_datamodel::{
    DataModel, MemoryDataModel, ObjAccess, ObjectDef, ParamDef, Schema, UniqueKey,
};
use usp_msg::pb;
use usp_msg::pb::request::ReqType;
use usp_path::resolve::KeyLookup;
use usp_path::value::{ValueType, check_constant};
use usp_path::{Instance, Operator, Path, Segment};

use crate::common::{Flaky, run};

const ALIASES: [&str; 4] = ["a", "b", "", "A"];
const PORTS: [&str; 6] = ["1", "+1", "01", "2", "02", "x"];
const BOOLS: [&str; 4] = ["true", "1", "false", "0"];
const NAMES: [&str; 3] = ["x", "y", "X"];

/// Key addresses of `Device.K.` (every spelling of the same typed values).
const K_KEYS: [&str; 8] = [
    r#"Alias=="a""#,
    r#"Alias=="b""#,
    "Alias==\"\"",
    "Port==1&&On==true",
    "On==0&&Port==+1",
    "Port==02&&On==1",
    "Port==2&&On==false",
    "Port==0001&&On==false",
];
/// Key addresses of `Device.K.{i}.C.`.
const C_KEYS: [&str; 3] = [r#"Name=="x""#, r#"Name=="y""#, r#"Name=="X""#];

/// `Device.K.{i}.` with an Alias key and a functional (`Port`, `On`) key gated by `Enable`
/// (TR-106: unique among enabled rows only); `Device.K.{i}.C.{i}.` keyed by `Name`.
fn schema() -> Schema {
    let mut s = Schema::new("urn:example-org:keyindex-1-0");
    s.add_object(ObjectDef::new("Device.")).expect("Device.");
    let mut k = ObjectDef::new("Device.K.{i}.")
        .with_access(ObjAccess::AddDelete)
        .with_param(ParamDef::new("Alias", ValueType::String))
        .with_param(ParamDef::new("Enable", ValueType::Boolean))
        .with_param(ParamDef::new("Port", ValueType::UnsignedInt))
        .with_param(ParamDef::new("On", ValueType::Boolean))
        .with_unique_key(UniqueKey::new(["Alias"]))
        .with_unique_key(UniqueKey::new(["Port", "On"]).functional());
    k.enable_param = Some("Enable".into());
    s.add_object(k).expect("K");
    s.add_object(
        ObjectDef::new("Device.K.{i}.C.{i}.")
            .with_access(ObjAccess::AddDelete)
            .with_param(ParamDef::new("Name", ValueType::String))
            .with_unique_key(UniqueKey::new(["Name"])),
    )
    .expect("C");
    s
}

#[derive(Clone, Debug)]
enum Op {
    /// A row of `Device.K.` (`parent` None) or of `Device.K.{parent}.C.`, with values picked
    /// by the indexes (modulo each pool).
    Add {
        parent: Option<u32>,
        vals: [usize; 4],
    },
    /// Parameter `param` (Alias, Port, On, Enable; Name in a `C` row) of a row, by the
    /// trait's `set` (journaled) or by the integrator's `set_value`.
    Set {
        row: u32,
        child: Option<u32>,
        param: usize,
        val: usize,
        integrator: bool,
    },
    Delete {
        row: u32,
        child: Option<u32>,
    },
    Begin,
    Commit,
    Rollback,
}

fn op() -> impl Strategy<Value = Op> {
    let child = prop::option::of(1u32..4);
    prop_oneof![
        4 => (prop::option::of(1u32..5), any::<[usize; 4]>())
            .prop_map(|(parent, vals)| Op::Add { parent, vals }),
        4 => (1u32..7, child.clone(), 0usize..4, any::<usize>(), any::<bool>()).prop_map(
            |(row, child, param, val, integrator)| Op::Set { row, child, param, val, integrator }
        ),
        2 => (1u32..7, child).prop_map(|(row, child)| Op::Delete { row, child }),
        1 => Just(Op::Begin),
        1 => Just(Op::Commit),
        2 => Just(Op::Rollback),
    ]
}

fn pick<'a>(pool: &[&'a str], i: usize) -> &'a str {
    pool[i % pool.len()]
}

fn apply(m: &mut MemoryDataModel, op: &Op) {
    // Refusals (missing rows) are fine: the point is that the index follows whatever happened.
    match *op {
        Op::Add { parent, vals } => {
            let mut init = BTreeMap::new();
            let table = match parent {
                None => {
                    init.insert("Alias".to_string(), pick(&ALIASES, vals[0]).to_string());
                    init.insert("Port".to_string(), pick(&PORTS, vals[1]).to_string());
                    init.insert("On".to_string(), pick(&BOOLS, vals[2]).to_string());
                    init.insert("Enable".to_string(), pick(&BOOLS, vals[3]).to_string());
                    "Device.K.".to_string()
                }
                Some(p) => {
                    init.insert("Name".to_string(), pick(&NAMES, vals[0]).to_string());
                    format!("Device.K.{p}.C.")
                }
            };
            let _ = m.add(&table, &init);
        }
        Op::Set {
            row,
            child,
            param,
            val,
            integrator,
        } => {
            let (object, name, value) = match child {
                None => {
                    let (name, pool): (&str, &[&str]) = match param {
                        0 => ("Alias", &ALIASES),
                        1 => ("Port", &PORTS),
                        2 => ("On", &BOOLS),
                        _ => ("Enable", &BOOLS),
                    };
                    (format!("Device.K.{row}."), name, pick(pool, val))
                }
                Some(c) => (format!("Device.K.{row}.C.{c}."), "Name", pick(&NAMES, val)),
            };
            let _ = if integrator {
                m.set_value(&object, name, value)
            } else {
                m.set(&object, name, value)
            };
        }
        Op::Delete { row, child } => {
            let object = match child {
                None => format!("Device.K.{row}."),
                Some(c) => format!("Device.K.{row}.C.{c}."),
            };
            let _ = m.delete(&object);
        }
        Op::Begin => m.begin(),
        Op::Commit => m.commit(),
        Op::Rollback => {
            m.rollback();
        }
    }
}

/// What a full typed scan of `table`'s rows says about key expression `expr`: the one
/// matching row, none, or (several rows) a scan is needed.
fn scan(m: &MemoryDataModel, table: &str, expr: &str) -> KeyLookup {
    let def = m.schema().object_for_path(table).expect("table in schema");
    let comps: Vec<(String, String)> = expr
        .split("&&")
        .map(|c| {
            let (p, v) = c.split_once("==").expect("==");
            (p.to_string(), v.to_string())
        })
        .collect();
    let mut rows = Vec::new();
    m.instances(table, &mut rows);
    let hits: Vec<u32> = rows
        .into_iter()
        .filter(|n| {
            comps.iter().all(|(p, v)| {
                let ty = def.params[p].ty;
                let constant = match v.strip_prefix('"').and_then(|v| v.strip_suffix('"')) {
                    Some(q) => usp_path::Constant::Quoted(q.into()),
                    None => usp_path::Constant::Bare(v.as_str().into()),
                };
                let tc = check_constant(ty, Operator::Eq, &constant).expect("valid constant");
                m.get(&format!("{table}{n}."), p)
                    .is_some_and(|val| tc.matches(&val).unwrap_or(false))
            })
        })
        .collect();
    match hits.as_slice() {
        [] => KeyLookup::Missing,
        [n] => KeyLookup::Found(*n),
        _ => KeyLookup::NotIndexed,
    }
}

fn find(m: &MemoryDataModel, table: &str, expr: &str) -> KeyLookup {
    let path = format!("{table}[{expr}].");
    let p = Path::parse(&path).expect("path parses");
    let Some(Segment::Instance(Instance::Expression(e))) = p.segments().last() else {
        panic!("no expression in {path}")
    };
    m.find_by_key(table, e)
}

/// Every key lookup of every table agrees with the scan.
fn check(m: &MemoryDataModel) -> Result<(), TestCaseError> {
    for expr in K_KEYS {
        prop_assert_eq!(
            find(m, "Device.K.", expr),
            scan(m, "Device.K.", expr),
            "{}",
            expr
        );
    }
    let mut rows = Vec::new();
    m.instances("Device.K.", &mut rows);
    for n in rows {
        let t = format!("Device.K.{n}.C.");
        for expr in C_KEYS {
            prop_assert_eq!(find(m, &t, expr), scan(m, &t, expr), "{}{}", t, expr);
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// After every step of a random sequence of add/set/set_value/delete/begin/commit/
    /// rollback, MemoryDataModel's unique-key lookup (its index) agrees with a full typed
    /// scan, and at the end a Get by each key gives the same reply as the engine's scan (the
    /// `Flaky` wrapper has no `find_by_key`).
    #[test]
    fn key_index_agrees_with_a_scan_after_any_changes(ops in proptest::collection::vec(op(), 0..40)) {
        let mut m = MemoryDataModel::new(schema());
        for o in &ops {
            apply(&mut m, o);
            check(&m)?;
        }
        m.commit();
        let mut slow = Flaky::new(m.clone(), true);
        for expr in K_KEYS {
            let get = ReqType::Get(pb::Get {
                param_paths: vec![
                    format!("Device.K.[{expr}].Alias"),
                    format!(r#"Device.K.[{expr}].C.[Name=="x"].Name"#),
                    r#"Device.K.*.C.[Name=="y"].Name"#.to_string(),
                ],
                max_depth: 0,
            });
            let a = run(&mut m, get.clone());
            let b = run(&mut slow, get);
            prop_assert_eq!(a, b, "{}", expr);
        }
    }
}

/// On the full TR-181 2.16 model (when `USP_TR181_XML` names it) with two rows in every
/// table: the key address made of every row's values, for every unique key of every table,
/// looks up as a full typed scan says.
#[cfg(feature = "xml")]
#[test]
fn key_index_agrees_with_a_scan_on_tr181() {
    let p = match std::env::var("USP_TR181_XML") {
        Ok(p) if !p.is_empty() => p,
        _ => {
            println!(
                "SKIPPED: USP_TR181_XML is not set; the full TR-181 key index test did not run"
            );
            return;
        }
    };
    let s = usp_datamodel::xml::Loader::new()
        .load_file(&p)
        .expect("load TR-181");
    let mut m = MemoryDataModel::new(s);
    m.fill_tables(2, 20_000);
    let mut rows = BTreeSet::new();
    for (obj, _, _) in m.dump() {
        let body = obj.strip_suffix('.').unwrap_or(&obj);
        if let Some((t, n)) = body.rsplit_once('.') {
            if let Ok(n) = n.parse::<u32>() {
                rows.insert((format!("{t}."), n));
            }
        }
    }
    let (mut checked, mut found) = (0, 0);
    for (table, n) in rows {
        let def = m.schema().object_for_path(&table).expect("row of a table");
        let row = format!("{table}{n}.");
        'keys: for k in &def.unique_keys {
            let mut parts = Vec::new();
            for name in &k.params {
                let (Some(p), Some(v)) = (def.params.get(name), m.get(&row, name)) else {
                    continue 'keys;
                };
                // Values the expression syntax (or `scan`'s splitting) would need escaped.
                if !p.access.is_readable() || v.contains(['"', '%', '&', '=']) {
                    continue 'keys;
                }
                let c = if p.ty.is_list() || p.ty.base() == ValueType::String {
                    format!("\"{v}\"")
                } else {
                    // A bare constant must be a valid value (an empty one does not parse).
                    let bare = usp_path::Constant::Bare(v.as_ref().into());
                    if v.is_empty() || check_constant(p.ty, Operator::Eq, &bare).is_err() {
                        continue 'keys;
                    }
                    v.into_owned()
                };
                parts.push(format!("{name}=={c}"));
            }
            let expr = parts.join("&&");
            let want = scan(&m, &table, &expr);
            assert_eq!(find(&m, &table, &expr), want, "{table}[{expr}]");
            checked += 1;
            found += usize::from(matches!(want, KeyLookup::Found(_)));
        }
    }
    println!("{checked} key addresses checked, {found} found a single row");
    assert!(
        found > 100,
        "only {found} of {checked} key addresses found one row"
    );
}
