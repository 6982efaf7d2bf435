//! Fuzz bodies, called by the one-line targets in `fuzz/` (built with `--cfg fuzzing`).

use alloc::collections::BTreeMap;
use alloc::string::{String, ToString};
use alloc::vec::Vec;

use crate::resolve::{DataTree, KeyLookup, ParamValue, ResolveLimits, Resolver};
use crate::value::{ParamType, ValueType, check_constant};
use crate::{Expression, ParseConfig, Parser, Path};

/// A small fixed tree with tables, typed values, references (a list and a self-referencing
/// cycle through a key expression) and a unique-key index.
struct FixedTree {
    tables: BTreeMap<&'static str, &'static [u32]>,
    params: BTreeMap<(&'static str, &'static str), (ParamType, &'static str)>,
}

fn fixed_tree() -> FixedTree {
    let s = ParamType::scalar(ValueType::String);
    let b = ParamType::scalar(ValueType::Boolean);
    let u = ParamType::scalar(ValueType::UnsignedInt);
    let t = ParamType::scalar(ValueType::DateTime);
    let l = ParamType::list(ValueType::String);
    let lu = ParamType::list(ValueType::UnsignedInt);
    let mut tables = BTreeMap::new();
    tables.insert("Device.IP.Interface.", &[1u32, 2, 3][..]);
    tables.insert("Device.IP.Interface.1.IPv4Address.", &[1u32, 2][..]);
    tables.insert("Device.IP.Interface.2.IPv4Address.", &[1u32][..]);
    tables.insert("Device.WiFi.Radio.", &[1u32, 2][..]);
    tables.insert("Device.WiFi.SSID.", &[1u32][..]);
    tables.insert("Device.Loop.", &[1u32, 2][..]);
    let mut params = BTreeMap::new();
    for (o, n, ty, v) in [
        ("Device.IP.Interface.1.", "Name", s, "eth0"),
        ("Device.IP.Interface.1.", "Enable", b, "true"),
        ("Device.IP.Interface.1.", "MTU", u, "1500"),
        (
            "Device.IP.Interface.1.",
            "LastChange",
            t,
            "2021-06-06T08:00:00Z",
        ),
        ("Device.IP.Interface.2.", "Name", s, "eth1"),
        ("Device.IP.Interface.2.", "Enable", b, "0"),
        ("Device.IP.Interface.2.", "MTU", u, "+01500"),
        (
            "Device.IP.Interface.2.",
            "LastChange",
            t,
            "0001-01-01T00:00:00Z",
        ),
        ("Device.IP.Interface.3.", "Name", s, "lo"),
        (
            "Device.IP.Interface.3.",
            "LowerLayers",
            l,
            "Device.WiFi.Radio.1, Device.WiFi.Radio.2",
        ),
        ("Device.IP.Interface.1.IPv4Address.1.", "Enable", b, "true"),
        ("Device.IP.Interface.1.IPv4Address.2.", "Enable", b, "false"),
        ("Device.IP.Interface.2.IPv4Address.1.", "Enable", b, "true"),
        ("Device.WiFi.Radio.1.", "Name", s, "wl0"),
        ("Device.WiFi.Radio.1.", "Channels", lu, "1,6,11"),
        ("Device.WiFi.Radio.2.", "Name", s, "wl1"),
        (
            "Device.WiFi.SSID.1.",
            "LowerLayers",
            l,
            "Device.WiFi.Radio.1,Device.WiFi.Radio.2",
        ),
        (
            "Device.WiFi.SSID.1.",
            "Interface",
            s,
            "Device.IP.Interface.[Name==\"eth0\"]",
        ),
        ("Device.Loop.1.", "Name", s, "a"),
        ("Device.Loop.1.", "Ref", s, "Device.Loop.[Ref+.Name==\"a\"]"),
        ("Device.Loop.2.", "Ref", s, "Device.Loop.1"),
    ] {
        params.insert((o, n), (ty, v));
    }
    FixedTree { tables, params }
}

impl DataTree for FixedTree {
    fn instances(&self, table: &str, out: &mut Vec<u32>) {
        if let Some(v) = self.tables.get(table) {
            out.extend_from_slice(v);
        }
    }

    fn param(&self, object: &str, name: &str) -> Option<ParamValue<'_>> {
        self.params
            .iter()
            .find(|((o, n), _)| *o == object && *n == name)
            .map(|(_, (ty, v))| ParamValue::new(*ty, *v))
    }

    fn find_by_key(&self, table: &str, key: &Expression<'_>) -> KeyLookup {
        let [c] = key.components() else {
            return KeyLookup::NotIndexed;
        };
        if table != "Device.IP.Interface." || c.param().to_string() != "Name" {
            return KeyLookup::NotIndexed;
        }
        let Ok(tc) = check_constant(
            ParamType::scalar(ValueType::String),
            c.operator(),
            c.value(),
        ) else {
            return KeyLookup::Missing;
        };
        for n in [1u32, 2, 3] {
            let obj = alloc::format!("Device.IP.Interface.{n}.");
            if let Some(v) = self.param(&obj, "Name") {
                if tc.matches(v.text()).unwrap_or(false) {
                    return KeyLookup::Found(n);
                }
            }
        }
        KeyLookup::Missing
    }
}

fn check_round_trip(p: &Path<'_>, reparse: impl Fn(&str) -> Option<Path<'_>>) {
    let text = p.to_string();
    let again = reparse(&text);
    assert_eq!(
        again.as_ref(),
        Some(p),
        "display did not round-trip: {text}"
    );
    // Whitespace may appear only inside quoted constants (R-ARC.9b).
    let outside_quotes = text
        .split('"')
        .step_by(2)
        .any(|part| part.contains([' ', '\t']));
    assert!(!outside_quotes, "display not compact: {text}");
    assert_eq!(p.clone().into_owned(), *p);
}

/// Parses `data` in every path form. For each accepted path, asserts that `Display` is compact
/// and parses back to an equal value, then resolves instantiated paths over a small fixed tree
/// with small limits. Must never panic, hang or allocate without bound.
pub fn path_parse(data: &[u8]) {
    let Ok(s) = core::str::from_utf8(data) else {
        return;
    };
    let parser = Parser::new(ParseConfig::DEFAULT);
    let tree = fixed_tree();
    let limits = ResolveLimits::new(10_000, 1_000, 4).unwrap_or_default();
    let resolver = Resolver::with_limits(&tree, limits, ParseConfig::DEFAULT);

    if let Ok(p) = parser.parse(s) {
        check_round_trip(&p, |t| parser.parse(t).ok());
        let _ = p.kind();
        let _ = p.to_supported();
        if let Ok(found) = resolver.resolve(&p) {
            for f in &found {
                let c = parser.parse(f);
                assert!(
                    c.as_ref().is_ok_and(Path::is_concrete),
                    "resolved path not concrete: {f}"
                );
            }
            let mut sorted = found.clone();
            sorted.sort();
            sorted.dedup();
            assert_eq!(sorted.len(), found.len(), "duplicates in resolution");
        }
    }
    if let Ok(p) = parser.parse_supported(s) {
        check_round_trip(&p, |t| parser.parse_supported(t).ok());
    }
    if let Ok(p) = parser.parse_register(s) {
        check_round_trip(&p, |t| parser.parse_register(t).ok());
        assert!(p.is_concrete());
    }
    if let Ok(Some(p)) = parser.parse_reference(s) {
        check_round_trip(&p, |t| parser.parse_reference(t).ok().flatten());
        // Without the trailing '.', `X.Y` reads back as a parameter path, so compare text.
        let r = p.to_reference_string();
        let back = parser.parse_reference(&r).ok().flatten();
        assert_eq!(back.map(|b| b.to_reference_string()), Some(r.clone()));
    }
    if let Ok(list) = parser.parse_reference_list(s) {
        let joined: Vec<String> = list.iter().map(Path::to_reference_string).collect();
        let joined = joined.join(", ");
        let back = parser.parse_reference_list(&joined).map(|l| {
            l.iter()
                .map(Path::to_reference_string)
                .collect::<Vec<_>>()
                .join(", ")
        });
        assert_eq!(back.ok(), Some(joined));
    }
    if let Ok(p) = parser.parse_relative(s) {
        let text = p.to_string();
        assert_eq!(parser.parse_relative(&text).ok().as_ref(), Some(&p));
    }
    if let Ok(p) = parser.parse_relparam(s) {
        assert_eq!(
            parser.parse_relparam(&p.to_string()).ok().as_ref(),
            Some(&p)
        );
    }
    if let Ok(p) = parser.parse_arg(s) {
        assert_eq!(parser.parse_arg(&p.to_string()).ok().as_ref(), Some(&p));
    }
    let _ = s.to_string();
}

#[cfg(test)]
mod tests {
    use super::path_parse;

    #[test]
    fn fixed_inputs_go_through_the_fuzz_body() {
        for input in [
            &b""[..],
            b"Device.",
            b"Device.IP.Interface.*.Name",
            b"Device.IP.Interface.[Name==\"eth0\"].IPv4Address.[Enable==true].",
            b"Device.IP.Interface.[Enable==1&&MTU>=1500].Name",
            b"Device.IP.Interface.[LastChange<2022-01-01T00:00:00Z].",
            b"Device.IP.Interface.[LastChange<0001-01-01T00:00:00Z].",
            b"Device.IP.Interface.[Enable==\"true\"].",
            b"Device.IP.Interface.3.LowerLayers#*+.Name",
            b"Device.IP.Interface.3.LowerLayers#2+.",
            b"Device.WiFi.SSID.1.Interface+.IPv4Address.*.Enable",
            b"Device.WiFi.Radio.[Channels~=6].Name",
            b"Device.Loop.1.Ref+.Name",
            b"Device.Loop.2.Ref+.Ref+.Ref+.Name",
            b"Device.WiFi.AccessPoint.{i}.AssociatedDevice.{i}.",
            b"Device.IP.Interface.1",
            b"Device.WiFi.Radio.1, Device.WiFi.Radio.2",
            b"Result.{i}.SSID",
            b"Stats.BytesSent",
            b"Device.IP.Interface.[A==\"%22%25%41\"].",
            b"\xff\xfe",
            b"Device.IP.Interface.[Type==\"Normal\"&&IPv4AddgTyte==\"S\0\0\0\tc\"].Status",
            b"Device.IP.Interface.[[[[[[[",
            b"Device.IP.Interface.99999999999999999999.",
        ] {
            path_parse(input);
        }
    }
}

#[cfg(test)]
mod props {
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(1500))]

        /// Random path-like text through the fuzz body: no panic, no invariant failure.
        #[test]
        fn random_path_text(s in "(Device|IP|Interface|Loop|Ref|Name|Enable|MTU|LowerLayers|X-Y|_a|[.]|[0-9]|[*]|\\[|\\]|\\{i\\}|#|[+]|==|!=|~=|<=|>=|<|>|&&|\"|%22|%25|true|1500|,|, | |\\t|\\(\\)|!){0,24}") {
            super::path_parse(s.as_bytes());
        }

        /// Arbitrary bytes: no panic.
        #[test]
        fn random_bytes(data in proptest::collection::vec(any::<u8>(), 0..64)) {
            super::path_parse(&data);
        }
    }
}
