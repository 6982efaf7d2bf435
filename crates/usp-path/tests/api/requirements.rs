//! One test per usp-path R-id of REQUIREMENTS §1.4.

use usp_path::{Expected, ParseConfig, Parser, Path, PathErrorKind, PathKind};

/// R-ARC.7: TR-106 Path Name syntax: every form parses, round-trips via Display, and
/// syntax errors map to 7008.
#[test]
fn r_arc_7_path_name_syntax() {
    for s in [
        "Device.",
        "Device.DeviceInfo.SoftwareVersion",
        "Device.IP.Interface.3.",
        "Device.IP.Interface.*.Name",
        r#"Device.IP.Interface.[Name=="eth0"].Reset()"#,
        "Device.Boot!",
        "Device.NAT.PortMapping.1.Interface+.Name",
    ] {
        let p = Path::parse(s).unwrap();
        assert_eq!(p.to_string(), s);
        assert_eq!(Path::parse(&p.to_string()).unwrap(), p);
    }
    let e = Path::parse("Device.IP.Interface.{i}.").unwrap_err();
    assert_eq!(e.kind(), PathErrorKind::PlaceholderNotAllowed);
    assert_eq!(e.usp_error_code(), 7008);
    // TR-106 caps names at 256 characters.
    let long = format!("Device.{}.", "a".repeat(257));
    assert_eq!(
        Path::parse(&long).unwrap_err().kind(),
        PathErrorKind::NameTooLong { max: 256 }
    );
    assert!(Path::parse(&format!("Device.{}.", "a".repeat(256))).is_ok());
}

/// R-ARC.9a: whitespace around operators, `&&` and inside `[ ]` is tolerated; elsewhere 7008.
#[test]
fn r_arc_9a_whitespace_tolerated() {
    let compact = Path::parse(r#"Device.IP.Interface.[Type=="Normal"&&Enable==true]."#).unwrap();
    for ws in [
        r#"Device.IP.Interface.[Type == "Normal" && Enable == true]."#,
        "Device.IP.Interface.[\tType\t==\t\"Normal\"\t&&\tEnable==true\t].",
        r#"Device.IP.Interface.[ Type=="Normal"&&Enable ==true ]."#,
    ] {
        assert_eq!(Path::parse(ws).unwrap(), compact, "{ws}");
    }
    assert_eq!(
        Path::parse("Device.IP. Interface.").unwrap_err().kind(),
        PathErrorKind::Whitespace
    );
    assert_eq!(
        Path::parse("Device.IP.Interface.[Type==\"Normal\"] .")
            .unwrap_err()
            .kind(),
        PathErrorKind::Whitespace
    );
}

/// R-ARC.9b: a Controller emits no whitespace: Display is compact, and a strict parser
/// (whitespace disabled) accepts it.
#[test]
fn r_arc_9b_controller_emits_compact_form() {
    let p =
        Path::parse(r#"Device.IP.Interface.[ Type == "Normal" && Stats.ErrorsSent > 0 ].Status"#)
            .unwrap();
    let out = p.to_string();
    assert_eq!(
        out,
        r#"Device.IP.Interface.[Type=="Normal"&&Stats.ErrorsSent>0].Status"#
    );
    let strict = Parser::new(
        ParseConfig::builder()
            .allow_whitespace(false)
            .build()
            .unwrap(),
    );
    assert_eq!(strict.parse(&out).unwrap(), p);
    assert_eq!(
        strict.parse(r#"Device.X.[A == 1]."#).unwrap_err().kind(),
        PathErrorKind::Whitespace
    );
}

/// R-ARC.11: reference values accept key-based instance identifiers (and no trailing dot).
#[test]
fn r_arc_11_key_addressing_in_reference_values() {
    let p = Path::parse_reference(r#"Object.FooObject.[KeyParam=="KeyValueForInstance5"]"#)
        .unwrap()
        .unwrap();
    assert_eq!(
        p.kind_with(|_, e| e.addresses_key(&["KeyParam"])),
        PathKind::ObjectInstance
    );
    let n = Path::parse_reference("Object.FooObject.5")
        .unwrap()
        .unwrap();
    assert_eq!(n.kind(), PathKind::ObjectInstance);
    assert_eq!(n.to_reference_string(), "Object.FooObject.5");
    // Resolution of the key form to the instance number is in resolve::r_arc_11_*.
}

/// R-REG.2: a Register path is an object, command, event or parameter path without instance
/// numbers or `{i}`.
#[test]
fn r_reg_2_register_paths() {
    for ok in [
        "Device.Time.",
        "Device.WiFi.DataElements.",
        "Device.X.Y()",
        "Device.X.Boot!",
        "Device.X.Param",
    ] {
        assert!(Path::parse_register(ok).is_ok(), "{ok}");
    }
    for (bad, kind, off) in [
        ("Device.WiFi.SSID.1.", PathErrorKind::InstanceNotAllowed, 17),
        (
            "Device.WiFi.SSID.{i}.Stats.",
            PathErrorKind::PlaceholderNotAllowed,
            17,
        ),
        (
            "Device.IP.Interface.*.",
            PathErrorKind::InstanceNotAllowed,
            20,
        ),
        (
            r#"Device.IP.Interface.[Name=="x"]."#,
            PathErrorKind::InstanceNotAllowed,
            20,
        ),
    ] {
        let e = Path::parse_register(bad).unwrap_err();
        assert_eq!((e.kind(), e.offset()), (kind, off), "{bad}");
        assert_eq!(e.usp_error_code(), 7008);
    }
    assert_eq!(
        Path::parse_register("Device.X.Ref+.Y").unwrap_err().kind(),
        PathErrorKind::FollowNotAllowed
    );
    assert_eq!(
        Path::parse_register("Device").unwrap_err().kind(),
        PathErrorKind::Expected(Expected::Dot)
    );
}
