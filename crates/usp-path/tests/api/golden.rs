//! Every path-like string in the golden vectors (`testdata/vectors/*.json`: spec examples,
//! independent encoder output, OB-USP-Agent captures) parses in one of the path forms.

use usp_path::{Parser, Path};

fn walk<'v>(v: &'v serde_json::Value, out: &mut Vec<&'v str>) {
    match v {
        serde_json::Value::String(s) if s.starts_with("Device.") => out.push(s),
        serde_json::Value::Array(a) => a.iter().for_each(|x| walk(x, out)),
        serde_json::Value::Object(m) => m.iter().for_each(|(k, x)| {
            if k.starts_with("Device.") {
                out.push(k);
            }
            walk(x, out);
        }),
        _ => {}
    }
}

#[test]
fn golden_vector_paths_parse() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../testdata/vectors");
    let Ok(entries) = std::fs::read_dir(dir) else {
        panic!("missing {dir}");
    };
    let parser = Parser::default();
    let mut checked = 0;
    for e in entries {
        let path = e.unwrap().path();
        if path.extension().and_then(|x| x.to_str()) != Some("json") {
            continue;
        }
        let text = std::fs::read_to_string(&path).unwrap();
        let Ok(json) = serde_json::from_str::<serde_json::Value>(&text) else {
            continue;
        };
        let mut found = Vec::new();
        walk(&json, &mut found);
        for s in found {
            let ok = parser.parse(s).is_ok()
                || parser.parse_supported(s).is_ok()
                || parser.parse_reference_list(s).is_ok();
            assert!(ok, "{}: {s:?}", path.display());
            if let Ok(p) = Path::parse(s) {
                assert_eq!(Path::parse(&p.to_string()).unwrap(), p, "{s}");
            }
            checked += 1;
        }
    }
    assert!(checked > 100, "only {checked} paths found");
}
