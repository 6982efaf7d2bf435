//! Resolution against the in-memory tree (R-ARC.9, R-ARC.10, R-ARC.11, R-MSG.3, R-MSG.4a).

use usp_path::Path;
use usp_path::resolve::{ResolveError, ResolveLimits, Resolver, resolve};
use usp_path::value::{ParamType, ValueError, ValueType};
use usp_path::{Operator, ParseConfig};

use crate::tree::{MemTree, b, s, spec_tree, t, u};

fn run(tree: &MemTree, path: &str) -> Result<Vec<String>, ResolveError> {
    let p = Path::parse(path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let out = resolve(tree, &p)?;
    // R-MSG.3: every reported path uses instance numbers only.
    for r in &out {
        assert!(Path::parse(r).unwrap().is_concrete(), "{r}");
    }
    Ok(out)
}

fn ok(tree: &MemTree, path: &str) -> Vec<String> {
    run(tree, path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

#[test]
fn r_arc_10_wildcard_returns_every_instance() {
    let t = spec_tree();
    assert_eq!(
        ok(&t, "Device.IP.Interface.*."),
        [
            "Device.IP.Interface.1.",
            "Device.IP.Interface.2.",
            "Device.IP.Interface.3."
        ]
    );
    assert_eq!(
        ok(&t, "Device.IP.Interface.*.IPv4Address.*.IPAddress"),
        [
            "Device.IP.Interface.1.IPv4Address.1.IPAddress",
            "Device.IP.Interface.1.IPv4Address.2.IPAddress",
            "Device.IP.Interface.2.IPv4Address.1.IPAddress"
        ]
    );
    // R-MSG.4a: a search matching nothing is an empty success.
    assert!(ok(&t, "Device.Nothing.*.").is_empty());
}

#[test]
fn r_arc_9_search_returns_every_match() {
    let t = spec_tree();
    assert_eq!(
        ok(&t, r#"Device.IP.Interface.[Type=="Normal"].Name"#),
        ["Device.IP.Interface.1.Name", "Device.IP.Interface.2.Name"]
    );
    assert_eq!(
        ok(
            &t,
            r#"Device.IP.Interface.[Type=="Normal"&&Stats.ErrorsSent>0].IPv4Address.[AddressingType=="Static"].IPAddress"#
        ),
        ["Device.IP.Interface.2.IPv4Address.1.IPAddress"]
    );
    assert_eq!(
        ok(
            &t,
            r#"Device.IP.Interface.[Name=="eth0"].IPv4Address.[Enable==true].IPAddress"#
        ),
        [
            "Device.IP.Interface.1.IPv4Address.1.IPAddress",
            "Device.IP.Interface.1.IPv4Address.2.IPAddress"
        ]
    );
    assert!(ok(&t, r#"Device.IP.Interface.[Alias=="none"]."#).is_empty());
    assert_eq!(
        ok(
            &t,
            r#"Device.IP.Interface.[Name!="lo"&&Type=="Normal"].Reset()"#
        ),
        [
            "Device.IP.Interface.1.Reset()",
            "Device.IP.Interface.2.Reset()"
        ]
    );
    assert_eq!(
        ok(&t, "Device.IP.Interface.[Enable==false].Changed!"),
        ["Device.IP.Interface.3.Changed!"]
    );
}

#[test]
fn typed_comparison_of_spec_constants() {
    let t = spec_tree();
    // `1` = `true` for booleans (interface 2 stores "1").
    let both = ["Device.IP.Interface.1.", "Device.IP.Interface.2."];
    assert_eq!(ok(&t, "Device.IP.Interface.[Enable==true]."), both);
    assert_eq!(ok(&t, "Device.IP.Interface.[Enable==1]."), both);
    // `5` = `+5` = `05` for numbers.
    for c in ["5", "+5", "05", "+0005"] {
        assert_eq!(
            ok(&t, &format!("Device.IP.Interface.[Stats.ErrorsSent=={c}].")),
            ["Device.IP.Interface.2."],
            "{c}"
        );
    }
    assert_eq!(
        ok(&t, "Device.IP.Interface.[Stats.ErrorsSent<=0]."),
        ["Device.IP.Interface.1.", "Device.IP.Interface.3."]
    );
}

#[test]
fn type_mismatch_is_7008() {
    let t = spec_tree();
    let e = run(&t, r#"Device.IP.Interface.[Enable=="true"]."#).unwrap_err();
    assert_eq!(
        e,
        ResolveError::Constant {
            segment: 3,
            component: 0,
            error: ValueError::Quoting {
                ty: ValueType::Boolean,
                quoted: false
            }
        }
    );
    assert_eq!(e.usp_error_code(), 7008);
    let e = run(&t, r#"Device.IP.Interface.[Name<"m"]."#).unwrap_err();
    assert!(matches!(
        e,
        ResolveError::Constant {
            error: ValueError::Operator {
                op: Operator::Lt,
                ty: ValueType::String
            },
            ..
        }
    ));
    let e = run(&t, "Device.IP.Interface.[Name==eth0].").unwrap_err();
    assert_eq!(e.usp_error_code(), 7008);
    let e = run(&t, "Device.IP.Interface.[Stats.ErrorsSent==-1].").unwrap_err();
    assert!(matches!(
        e,
        ResolveError::Constant {
            error: ValueError::OutOfRange(ValueType::UnsignedInt),
            ..
        }
    ));
    // `~=` on a non-list parameter.
    let e = run(&t, r#"Device.IP.Interface.[Name~="eth0"]."#).unwrap_err();
    assert!(matches!(
        e,
        ResolveError::Constant {
            error: ValueError::Operator {
                op: Operator::Contains,
                ..
            },
            ..
        }
    ));
}

#[test]
fn spec_reference_following() {
    let t = spec_tree();
    assert_eq!(
        ok(&t, "Device.NAT.PortMapping.1.Interface+.Name"),
        ["Device.IP.Interface.1.Name"]
    );
    assert_eq!(
        ok(&t, "Device.WiFi.SSID.1.LowerLayers#1+.Name"),
        ["Device.WiFi.Radio.1.Name"]
    );
    assert_eq!(
        ok(&t, "Device.WiFi.SSID.1.LowerLayers+.Name"),
        ["Device.WiFi.Radio.1.Name"]
    );
    assert_eq!(
        ok(&t, "Device.WiFi.SSID.1.LowerLayers#2+.Name"),
        ["Device.WiFi.Radio.2.Name"]
    );
    assert!(ok(&t, "Device.WiFi.SSID.1.LowerLayers#3+.Name").is_empty());
    assert_eq!(
        ok(&t, "Device.WiFi.SSID.1.LowerLayers#*+.Name"),
        ["Device.WiFi.Radio.1.Name", "Device.WiFi.Radio.2.Name"]
    );
    // Object path ending right after the follow; duplicates removed, first order kept.
    assert_eq!(
        ok(&t, "Device.WiFi.SSID.*.LowerLayers#*+."),
        ["Device.WiFi.Radio.1.", "Device.WiFi.Radio.2."]
    );
    assert_eq!(
        ok(&t, "Device.WiFi.SSID.[SSID==\"Guest\"].LowerLayers#1+."),
        ["Device.WiFi.Radio.2."]
    );
    // Chained follow then a search in the target.
    assert_eq!(
        ok(
            &t,
            "Device.NAT.PortMapping.1.Interface+.IPv4Address.[AddressingType==\"DHCP\"].IPAddress"
        ),
        ["Device.IP.Interface.1.IPv4Address.2.IPAddress"]
    );
    // Follow inside an expression (the spec's example).
    assert_eq!(
        ok(
            &t,
            r#"Device.WiFi.AccessPoint.[SSIDReference+.SSID=="MyHome"].AssociatedDevice.[OperatingStandard=="ac"].SignalStrength"#
        ),
        ["Device.WiFi.AccessPoint.1.AssociatedDevice.1.SignalStrength"]
    );
    // `#*+` in an expression matches if any referenced object does.
    assert_eq!(
        ok(&t, r#"Device.WiFi.SSID.[LowerLayers#*+.Name=="wl1"].SSID"#),
        ["Device.WiFi.SSID.1.SSID", "Device.WiFi.SSID.2.SSID"]
    );
    assert_eq!(
        ok(&t, r#"Device.WiFi.SSID.[LowerLayers+.Name=="wl0"].SSID"#),
        ["Device.WiFi.SSID.1.SSID"]
    );
}

/// R-ARC.11: a key-based reference value is followed to the instance number.
#[test]
fn r_arc_11_key_reference_resolves_to_instance_number() {
    let t = spec_tree();
    assert_eq!(
        ok(&t, "Device.WiFi.AccessPoint.2.SSIDReference+."),
        ["Device.WiFi.SSID.2."]
    );
    let p = Path::parse_reference(r#"Device.WiFi.SSID.[SSID=="Guest"]"#)
        .unwrap()
        .unwrap();
    assert_eq!(resolve(&t, &p).unwrap(), ["Device.WiFi.SSID.2."]);
}

#[test]
fn references_to_unusual_targets() {
    let mut t = MemTree::new();
    t.row("Device.X.", 1)
        .set("Device.X.1.", "Obj", s(), "Device.DeviceInfo")
        .set("Device.X.1.", "Empty", s(), "")
        .set("Device.X.1.", "Dangling", s(), "Device.Y.7")
        .set("Device.X.1.", "Broken", s(), "not a path")
        .set("Device.X.1.", "Cmd", s(), "Device.Reboot()");
    // A reference without trailing dot naming a single-instance object.
    assert_eq!(
        ok(&t, "Device.X.1.Obj+.Manufacturer"),
        ["Device.DeviceInfo.Manufacturer"]
    );
    assert!(ok(&t, "Device.X.1.Empty+.Name").is_empty());
    assert!(ok(&t, "Device.X.1.Dangling+.Name").is_empty());
    assert!(ok(&t, "Device.X.1.Missing+.Name").is_empty());
    let e = run(&t, "Device.X.1.Broken+.Name").unwrap_err();
    assert!(matches!(e, ResolveError::BadReference { segment: 3, .. }));
    assert_eq!(e.usp_error_code(), 7003);
    assert!(matches!(
        run(&t, "Device.X.1.Cmd+.Name").unwrap_err(),
        ResolveError::BadReference { .. }
    ));
}

#[test]
fn reference_cycle_ends_with_an_error() {
    let mut t = MemTree::new();
    t.row("Device.Loop.", 1).row("Device.Loop.", 2);
    t.set("Device.Loop.1.", "Name", s(), "a")
        .set(
            "Device.Loop.1.",
            "Ref",
            s(),
            r#"Device.Loop.[Ref+.Name=="a"]"#,
        )
        .set("Device.Loop.2.", "Ref", s(), "Device.Loop.1");
    let e = run(&t, "Device.Loop.1.Ref+.Name").unwrap_err();
    assert_eq!(e, ResolveError::ReferenceCycle);
    assert_eq!(e.usp_error_code(), 7005);
    assert_eq!(
        run(&t, "Device.Loop.2.Ref+.Ref+.Name").unwrap_err(),
        ResolveError::ReferenceCycle
    );
    // Plain chains are not cycles.
    let mut t = MemTree::new();
    t.row("Device.A.", 1)
        .set("Device.A.1.", "Ref", s(), "Device.A.1")
        .set("Device.A.1.", "Name", s(), "x");
    assert_eq!(
        ok(&t, "Device.A.1.Ref+.Ref+.Ref+.Name"),
        ["Device.A.1.Name"]
    );
}

#[test]
fn nested_references_are_bounded() {
    let mut t = MemTree::new();
    for k in 0..20 {
        let tab = format!("Device.L{k}.");
        t.row(&tab, 1);
        let o = format!("{tab}1.");
        t.set(&o, "Name", s(), "x").set(
            &o,
            "Ref",
            s(),
            &format!(r#"Device.L{}.[Ref+.Name=="x"]"#, k + 1),
        );
    }
    let e = run(&t, "Device.L0.1.Ref+.Name").unwrap_err();
    assert_eq!(e, ResolveError::FollowDepth { max: 8 });
    assert_eq!(e.usp_error_code(), 7005);
}

fn big_tree(rows: u32) -> MemTree {
    let mut t = MemTree::new();
    let tab = "Device.IP.Interface.";
    for n in 1..=rows {
        t.row(tab, n);
        let o = format!("{tab}{n}.");
        t.set(&o, "Name", s(), &format!("if-{n}"))
            .set(&o, "Enable", b(), if n % 2 == 0 { "true" } else { "false" })
            .set(&o, "MTU", u(), &(1000 + n).to_string());
    }
    t
}

#[test]
fn tables_of_ten_thousand_instances() {
    let t = big_tree(10_000);
    assert_eq!(ok(&t, "Device.IP.Interface.*.Name").len(), 10_000);
    let even = ok(&t, "Device.IP.Interface.[Enable==true].Name");
    assert_eq!(even.len(), 5_000);
    assert_eq!(even[0], "Device.IP.Interface.2.Name");
    assert_eq!(ok(&t, "Device.IP.Interface.[MTU>10990].").len(), 10);
    assert_eq!(
        ok(&t, "Device.IP.Interface.9999.Name"),
        ["Device.IP.Interface.9999.Name"]
    );
    assert!(ok(&t, "Device.IP.Interface.10001.Name").is_empty());
}

#[test]
fn unique_key_uses_index_or_scan() {
    let mut t = big_tree(10_000);
    // Without an index: a scan.
    let scanned = ok(&t, r#"Device.IP.Interface.[Name=="if-9876"].MTU"#);
    assert_eq!(scanned, ["Device.IP.Interface.9876.MTU"]);
    assert_eq!(t.index_hits.get(), 0);
    assert_eq!(t.scans.get(), 1);
    // With an index: no scan, same answer.
    t.index("Device.IP.Interface.", "Name");
    let indexed = ok(&t, r#"Device.IP.Interface.[Name=="if-9876"].MTU"#);
    assert_eq!(indexed, scanned);
    assert_eq!(t.index_hits.get(), 1);
    assert_eq!(t.scans.get(), 1);
    assert!(ok(&t, r#"Device.IP.Interface.[Name=="nope"]."#).is_empty());
    // Not key-shaped (`!=`): scanned even with the index.
    assert_eq!(
        ok(&t, r#"Device.IP.Interface.[Name!="if-1"]."#).len(),
        9_999
    );
    assert_eq!(t.scans.get(), 2);
    // Key-shaped on another parameter: the tree says NotIndexed, so a scan.
    assert_eq!(ok(&t, "Device.IP.Interface.[MTU==1005].").len(), 1);
    assert_eq!(t.scans.get(), 3);
}

#[test]
fn limits_bound_the_work() {
    let t = big_tree(1_000);
    let p = Path::parse("Device.IP.Interface.[Enable==true].").unwrap();
    let small = ResolveLimits::new(100, 100_000, 8).unwrap();
    let e = Resolver::with_limits(&t, small, ParseConfig::DEFAULT)
        .resolve(&p)
        .unwrap_err();
    assert_eq!(e, ResolveError::WorkLimit { max: 100 });
    assert_eq!(e.usp_error_code(), 7005);
    let few = ResolveLimits::new(1_000_000, 10, 8).unwrap();
    let e = Resolver::with_limits(&t, few, ParseConfig::DEFAULT)
        .resolve(&Path::parse("Device.IP.Interface.*.").unwrap())
        .unwrap_err();
    assert_eq!(e, ResolveError::TooManyResults { max: 10 });
    assert!(ResolveLimits::new(0, 1, 1).is_err());
    let no_follow = ResolveLimits::new(1_000, 1_000, 0).unwrap();
    let st = spec_tree();
    assert_eq!(
        Resolver::with_limits(&st, no_follow, ParseConfig::DEFAULT)
            .resolve(&Path::parse("Device.NAT.PortMapping.1.Interface+.Name").unwrap())
            .unwrap_err(),
        ResolveError::FollowDepth { max: 0 }
    );
}

#[test]
fn lists_datetimes_and_unknown_time() {
    let mut tr = MemTree::new();
    let tab = "Device.PeriodicStatistics.SampleSet.";
    for (n, secs, caps, when) in [
        (1, "5,10,15", "IPv6Firewall,NAT", "2021-06-06T07:00:00Z"),
        (2, "10, 20", "NAT", "2021-06-06T09:00:00+02:00"),
        (3, "", "", "0001-01-01T00:00:00Z"),
    ] {
        tr.row(tab, n);
        let o = format!("{tab}{n}.");
        tr.set(
            &o,
            "SampleSeconds",
            ParamType::list(ValueType::UnsignedInt),
            secs,
        )
        .set(&o, "Capabilities", ParamType::list(ValueType::String), caps)
        .set(&o, "ValidLifetime", t(), when);
    }
    let p = |x: &str| format!("{tab}{x}.");
    assert_eq!(ok(&tr, &p("[SampleSeconds~=5]")), [p("1")]);
    assert_eq!(ok(&tr, &p("[SampleSeconds~=010]")), [p("1"), p("2")]);
    assert_eq!(ok(&tr, &p(r#"[Capabilities~="IPv6Firewall"]"#)), [p("1")]);
    // `==` on a list compares the whole value as a string.
    assert_eq!(ok(&tr, &p(r#"[Capabilities=="NAT"]"#)), [p("2")]);
    assert_eq!(
        ok(&tr, &p("[ValidLifetime<2021-06-06T08:00:00Z]")),
        [p("1"), p("2")]
    );
    assert_eq!(
        ok(&tr, &p("[ValidLifetime==2021-06-06T07:00:00Z]")),
        [p("1"), p("2")]
    );
    // The Unknown Time compares only with == and !=, and never satisfies an ordering.
    assert_eq!(
        ok(&tr, &p("[ValidLifetime==0001-01-01T00:00:00Z]")),
        [p("3")]
    );
    assert_eq!(
        ok(&tr, &p("[ValidLifetime!=0001-01-01T00:00:00Z]")),
        [p("1"), p("2")]
    );
    assert!(matches!(
        run(&tr, &p("[ValidLifetime<0001-01-01T00:00:00Z]")).unwrap_err(),
        ResolveError::Constant {
            error: ValueError::Operator { .. },
            ..
        }
    ));
    assert_eq!(
        ok(&tr, &p("[ValidLifetime>2000-01-01T00:00:00Z]")),
        [p("1"), p("2")]
    );
}

#[test]
fn instance_numbers_are_checked_and_placeholders_rejected() {
    let t = spec_tree();
    assert!(ok(&t, "Device.IP.Interface.9.Name").is_empty());
    assert_eq!(ok(&t, "Device.IP.Interface.3."), ["Device.IP.Interface.3."]);
    let sdm = Path::parse_supported("Device.IP.Interface.{i}.Name").unwrap();
    assert_eq!(resolve(&t, &sdm).unwrap_err(), ResolveError::Placeholder);
}

#[test]
fn matching_against_supported_paths() {
    let sdm =
        Path::parse_supported("Device.WiFi.AccessPoint.{i}.AssociatedDevice.{i}.SignalStrength")
            .unwrap();
    for yes in [
        "Device.WiFi.AccessPoint.1.AssociatedDevice.7.SignalStrength",
        "Device.WiFi.AccessPoint.*.AssociatedDevice.[OperatingStandard==\"ac\"].SignalStrength",
    ] {
        assert!(Path::parse(yes).unwrap().matches_supported(&sdm), "{yes}");
    }
    for no in [
        "Device.WiFi.AccessPoint.1.AssociatedDevice.SignalStrength",
        "Device.WiFi.AccessPoint.1.AssociatedDevice.7.Noise",
        "Device.WiFi.AccessPoint.1.AssociatedDevice.7.",
        "Device.WiFi.SSID.1.LowerLayers+.SignalStrength",
    ] {
        assert!(!Path::parse(no).unwrap().matches_supported(&sdm), "{no}");
    }
    let table = Path::parse_supported("Device.WiFi.AccessPoint.{i}.AssociatedDevice.{i}.").unwrap();
    let short = Path::parse_supported("Device.WiFi.AccessPoint.{i}.AssociatedDevice.").unwrap();
    assert!(short.matches_supported(&table));
    assert!(
        Path::parse("Device.WiFi.AccessPoint.1.AssociatedDevice.")
            .unwrap()
            .matches_supported(&table)
    );
    let inst = Path::parse_supported("Device.WiFi.AccessPoint.1.AssociatedDevice.").unwrap();
    assert!(
        Path::parse("Device.WiFi.AccessPoint.1.AssociatedDevice.")
            .unwrap()
            .matches_supported(&inst)
    );
    assert!(
        !Path::parse("Device.WiFi.AccessPoint.2.AssociatedDevice.")
            .unwrap()
            .matches_supported(&inst)
    );
    // to_supported gives the schema key.
    let concrete =
        Path::parse("Device.WiFi.AccessPoint.3.AssociatedDevice.[X==1].SignalStrength").unwrap();
    assert_eq!(concrete.to_supported().unwrap(), sdm);
    assert_eq!(Path::parse("Device.A.1.R+.X").unwrap().to_supported(), None);
}

mod props {
    use proptest::prelude::*;
    use usp_path::Path;
    use usp_path::resolve::resolve;

    use crate::tree::{MemTree, b, s, u};

    fn table(rows: &[(bool, u32)], indexed: bool) -> MemTree {
        let mut t = MemTree::new();
        let tab = "Device.T.";
        for (i, (en, v)) in rows.iter().enumerate() {
            let n = u32::try_from(i).unwrap() * 3 + 1;
            t.row(tab, n);
            let o = format!("{tab}{n}.");
            t.set(&o, "Enable", b(), if *en { "1" } else { "false" })
                .set(&o, "V", u(), &format!("+0{v}"))
                .set(&o, "Name", s(), &format!("n{n}"));
        }
        if indexed {
            t.index(tab, "Name");
        }
        t
    }

    proptest! {
        /// R-ARC.9 / R-ARC.10: searches return exactly the matching rows, in table order.
        #[test]
        fn search_equals_filter(rows in prop::collection::vec((any::<bool>(), 0u32..100), 0..40), limit in 0u32..100) {
            let t = table(&rows, false);
            let rows_n = rows.iter().enumerate().map(|(i, r)| (u32::try_from(i).unwrap() * 3 + 1, *r));
            let want_en: Vec<String> = rows_n.clone().filter(|(_, (en, _))| *en).map(|(n, _)| format!("Device.T.{n}.")).collect();
            prop_assert_eq!(resolve(&t, &Path::parse("Device.T.[Enable==true].").unwrap()).unwrap(), want_en);
            let want_lt: Vec<String> = rows_n.clone().filter(|(_, (_, v))| *v < limit).map(|(n, _)| format!("Device.T.{n}.V")).collect();
            let p = format!("Device.T.[V<{limit}].V");
            prop_assert_eq!(resolve(&t, &Path::parse(&p).unwrap()).unwrap(), want_lt);
            prop_assert_eq!(resolve(&t, &Path::parse("Device.T.*.").unwrap()).unwrap().len(), rows.len());
        }

        /// Unique-key lookups give the same answer with and without the index.
        #[test]
        fn index_equals_scan(rows in prop::collection::vec((any::<bool>(), 0u32..100), 0..40), probe in 0u32..130) {
            let p = format!("Device.T.[Name==\"n{probe}\"].Enable");
            let p = Path::parse(&p).unwrap();
            let scanned = resolve(&table(&rows, false), &p).unwrap();
            let indexed = resolve(&table(&rows, true), &p).unwrap();
            prop_assert!(scanned.len() <= 1);
            prop_assert_eq!(scanned, indexed);
        }
    }
}

/// `Device.T.` with `rows` rows whose `A` lists `Device.M.1..=k`, each `Device.M.j.` with a `B`
/// listing `Device.N.1..=k`, each `Device.N.j.X` = 0.
fn fan_out_tree(rows: u32, k: u32) -> MemTree {
    let mut t = MemTree::new();
    let list = |tab: &str| {
        (1..=k)
            .map(|j| format!("{tab}{j}"))
            .collect::<Vec<_>>()
            .join(",")
    };
    let (a, b) = (list("Device.M."), list("Device.N."));
    let l = ParamType::list(ValueType::String);
    for n in 1..=rows {
        t.row("Device.T.", n)
            .set(&format!("Device.T.{n}."), "A", l, &a);
    }
    for j in 1..=k {
        t.row("Device.M.", j)
            .set(&format!("Device.M.{j}."), "B", l, &b);
        t.row("Device.N.", j)
            .set(&format!("Device.N.{j}."), "X", u(), "0");
    }
    t
}

/// R-ARC.9 with follows inside an expression: `A#*+.B#*+` reaches each `Device.N.` row once per
/// `Device.M.` row; the objects are deduplicated before `X` is read, as for a path-level follow.
#[test]
fn r_arc_9_chained_follows_in_expression_are_deduplicated() {
    let t = fan_out_tree(2, 100);
    let p = "Device.T.[A#*+.B#*+.X==1].";
    assert!(ok(&t, p).is_empty());
    // Per row: 1 read of A, 100 of B, 100 of X (10,000 without deduplication).
    assert_eq!(t.reads.get(), 2 * (1 + 100 + 100));
    t.reads.set(0);
    assert_eq!(ok(&t, "Device.T.[A#*+.B#*+.X==0].").len(), 2);
    // Stops at the first referenced object that matches.
    assert_eq!(t.reads.get(), 2 * (1 + 100 + 1));
}

/// The objects reached inside an expression are bounded by `max_results` like results are.
#[test]
fn chained_follows_in_expression_are_bounded_by_max_results() {
    let t = fan_out_tree(1, 100);
    let p = Path::parse("Device.T.[A#*+.B#*+.X==1].").unwrap();
    let few = ResolveLimits::new(1_000_000, 50, 8).unwrap();
    assert_eq!(
        Resolver::with_limits(&t, few, ParseConfig::DEFAULT).resolve(&p),
        Err(ResolveError::TooManyResults { max: 50 })
    );
    let enough = ResolveLimits::new(1_000_000, 100, 8).unwrap();
    assert_eq!(
        Resolver::with_limits(&t, enough, ParseConfig::DEFAULT).resolve(&p),
        Ok(vec![])
    );
}

/// Lists of 1024 references chained twice inside an expression: ~1M references to parse, which
/// the default work limit stops (each reference parsed is one step).
#[test]
fn fan_out_of_1024_by_1024_references_hits_the_work_limit() {
    let t = fan_out_tree(1, 1024);
    let p = Path::parse("Device.T.[A#*+.B#*+.X==1].").unwrap();
    let long = ParseConfig::builder().max_length(1 << 16).build().unwrap();
    let e = Resolver::with_limits(&t, ResolveLimits::DEFAULT, long)
        .resolve(&p)
        .unwrap_err();
    assert_eq!(e, ResolveError::WorkLimit { max: 1_000_000 });
    // Each B list costs ~2049 steps (follow, 1024 references, 1024 rows checked), so fewer than
    // 500 of the 1024 lists are read before the limit.
    assert!(t.reads.get() < 500, "{}", t.reads.get());
}

/// A tree that keeps the default (scanning) `has_instance`.
struct Scanning<'a>(&'a MemTree);

impl usp_path::resolve::DataTree for Scanning<'_> {
    fn instances(&self, table: &str, out: &mut Vec<u32>) {
        self.0.instances(table, out);
    }
    fn param(&self, object: &str, name: &str) -> Option<usp_path::resolve::ParamValue<'_>> {
        self.0.param(object, name)
    }
}

/// An instance number checked by listing the table costs one step per row; a direct lookup
/// costs one.
#[test]
fn work_counts_rows_listed_for_instance_numbers() {
    let t = big_tree(10_000);
    let p = Path::parse("Device.IP.Interface.5000.Name").unwrap();
    let small = ResolveLimits::new(1_000, 100, 8).unwrap();
    assert_eq!(
        Resolver::with_limits(&Scanning(&t), small, ParseConfig::DEFAULT).resolve(&p),
        Err(ResolveError::WorkLimit { max: 1_000 })
    );
    assert_eq!(
        Resolver::with_limits(&t, small, ParseConfig::DEFAULT).resolve(&p),
        Ok(vec!["Device.IP.Interface.5000.Name".to_owned()])
    );
    // Same answers either way.
    let s = Scanning(&t);
    for q in ["Device.IP.Interface.9999.MTU", "Device.IP.Interface.10001."] {
        let q = Path::parse(q).unwrap();
        assert_eq!(resolve(&s, &q), resolve(&t, &q));
    }
}

/// Each reference parsed from a list is one step, even when resolving it costs nothing more.
#[test]
fn work_counts_each_reference_parsed() {
    let mut t = MemTree::new();
    let refs: Vec<String> = (0..600).map(|j| format!("Device.O{j}")).collect();
    t.row("Device.X.", 1).set(
        "Device.X.1.",
        "Refs",
        ParamType::list(ValueType::String),
        &refs.join(","),
    );
    let p = Path::parse("Device.X.1.Refs#*+.Name").unwrap();
    let small = ResolveLimits::new(500, 1_000, 8).unwrap();
    assert_eq!(
        Resolver::with_limits(&t, small, ParseConfig::DEFAULT).resolve(&p),
        Err(ResolveError::WorkLimit { max: 500 })
    );
    let enough = ResolveLimits::new(700, 1_000, 8).unwrap();
    let out = Resolver::with_limits(&t, enough, ParseConfig::DEFAULT)
        .resolve(&p)
        .unwrap();
    assert_eq!(out.len(), 600);
    assert_eq!(out[599], "Device.O599.Name");
}

/// REQUIREMENTS §8 item 7: when the tree knows parameter types, a constant of the wrong type is
/// 7008 before any row is read, so an empty table reports it too; without types it is an empty
/// success (documented).
#[test]
fn type_mismatch_on_an_empty_table() {
    let mut t = MemTree::new();
    t.declare("Device.IP.Interface.", "Enable", b()).declare(
        "Device.IP.Interface.",
        "Stats.ErrorsSent",
        u(),
    );
    let p = Path::parse(r#"Device.IP.Interface.[Enable=="true"]."#).unwrap();
    assert_eq!(resolve(&t, &p), Ok(vec![]));
    t.typed = true;
    let e = resolve(&t, &p).unwrap_err();
    assert_eq!(
        e,
        ResolveError::Constant {
            segment: 3,
            component: 0,
            error: ValueError::Quoting {
                ty: ValueType::Boolean,
                quoted: false
            }
        }
    );
    assert_eq!(e.usp_error_code(), 7008);
    let p = Path::parse("Device.IP.Interface.[Enable==true&&Stats.ErrorsSent==-1].").unwrap();
    assert!(matches!(
        resolve(&t, &p),
        Err(ResolveError::Constant { component: 1, .. })
    ));
    // Correct constants on the empty table: an empty success.
    let p = Path::parse("Device.IP.Interface.[Enable==true&&Stats.ErrorsSent>1].").unwrap();
    assert_eq!(resolve(&t, &p), Ok(vec![]));
    assert_eq!(t.reads.get(), 0);
}
