//! REQUIREMENTS §1.3 vectors as macro tables (httparse `tests/uri.rs` style).
//!
//! `spec_*` entries are the spec's examples, verbatim. `ours_*` entries are the invalid forms
//! derived by us (REQUIREMENTS §1.3 "Invalid (derived by us)") and other derived cases.

use std::collections::BTreeSet;

use usp_path::{Expected, ParseConfig, Parser, Path, PathErrorKind, PathKind, RelativePath};

#[derive(Clone, Copy, Debug)]
enum Form {
    Path,
    Reference,
    Supported,
    Register,
}

fn parse(form: Form, s: &str) -> Result<Path<'_>, usp_path::PathError> {
    let p = Parser::default();
    match form {
        Form::Path => p.parse(s),
        Form::Reference => p
            .parse_reference(s)
            .map(|o| o.expect("non-empty reference")),
        Form::Supported => p.parse_supported(s),
        Form::Register => p.parse_register(s),
    }
}

/// `name: Form "input" => Kind, "canonical display";`
macro_rules! valid {
    ($($name:ident: $form:ident $input:expr => $kind:ident, $display:expr;)*) => {$(
        #[test]
        fn $name() {
            let input: &str = $input;
            let p = parse(Form::$form, input).unwrap_or_else(|e| panic!("{input}: {e}"));
            assert_eq!(p.kind(), PathKind::$kind, "{input}");
            let shown = match Form::$form {
                Form::Reference => p.to_reference_string(),
                _ => p.to_string(),
            };
            assert_eq!(shown, $display, "{input}");
            // R-ARC.7: the canonical form parses back to an equal value.
            assert_eq!(parse(Form::$form, &p.to_string()).as_ref(), Ok(&p), "{input}");
            assert_eq!(p.clone().into_owned(), p);
        }
    )*};
}

/// `name: Form "input" => kind at offset;`
macro_rules! invalid {
    ($distinct:ident; $($name:ident: $form:ident $input:expr => $kind:expr, at $off:expr;)*) => {
        $(
            #[test]
            fn $name() {
                let input: &str = $input;
                let e = parse(Form::$form, input).expect_err(input);
                assert_eq!((e.kind(), e.offset()), ($kind, $off), "{input}: {e}");
                assert_eq!(e.usp_error_code(), 7008);
            }
        )*
        /// R-ARC.7: every invalid vector gives a distinct error (kind and offset).
        #[test]
        fn $distinct() {
            let mut seen = BTreeSet::new();
            $(
                let e = parse(Form::$form, $input).expect_err($input);
                assert!(seen.insert(format!("{:?}@{}", e.kind(), e.offset())), "duplicate for {}", $input);
            )*
        }
    };
}

valid! {
    spec_key_then_search: Path r#"Device.IP.Interface.[Name=="eth0"].IPv4Address.[Status=="Enabled"].IPAddress"# => Search,
        r#"Device.IP.Interface.[Name=="eth0"].IPv4Address.[Status=="Enabled"].IPAddress"#;
    spec_radio_instance: Path "Device.WiFi.Radio.1." => ObjectInstance, "Device.WiFi.Radio.1.";
    spec_instance_number: Reference "Device.IP.Interface.3" => ObjectInstance, "Device.IP.Interface.3";
    spec_key_name: Reference r#"Device.IP.Interface.[Name=="eth0"]"# => Search, r#"Device.IP.Interface.[Name=="eth0"]"#;
    spec_key_alias: Reference r#"Device.IP.Interface.[Alias=="WAN"]"# => Search, r#"Device.IP.Interface.[Alias=="WAN"]"#;
    spec_multi_key: Path r#"Device.NAT.PortMapping.[RemoteHost==""&&ExternalPort==0&&Protocol=="TCP"]."# => Search,
        r#"Device.NAT.PortMapping.[RemoteHost==""&&ExternalPort==0&&Protocol=="TCP"]."#;
    spec_search_status: Path r#"Device.IP.Interface.[Type=="Normal"].Status"# => Search, r#"Device.IP.Interface.[Type=="Normal"].Status"#;
    spec_two_searches: Path r#"Device.IP.Interface.[Type=="Normal"].IPv4Address.[AddressingType=="Static"].IPAddress"# => Search,
        r#"Device.IP.Interface.[Type=="Normal"].IPv4Address.[AddressingType=="Static"].IPAddress"#;
    spec_and_child_object: Path r#"Device.IP.Interface.[Type=="Normal"&&Stats.ErrorsSent>0].IPv4Address.[AddressingType=="Static"].IPAddress"# => Search,
        r#"Device.IP.Interface.[Type=="Normal"&&Stats.ErrorsSent>0].IPv4Address.[AddressingType=="Static"].IPAddress"#;
    spec_bool_true: Path "Device.DSL.Line.[Enable==true].CurrentProfile" => Search, "Device.DSL.Line.[Enable==true].CurrentProfile";
    spec_bool_one: Path "Device.DSL.Line.[Enable==1].CurrentProfile" => Search, "Device.DSL.Line.[Enable==1].CurrentProfile";
    spec_datetime: Path "Device.IP.Interface.*.IPv6Address.[ValidLifetime<2021-06-06T08:00:00Z].IPAddress" => Search,
        "Device.IP.Interface.*.IPv6Address.[ValidLifetime<2021-06-06T08:00:00Z].IPAddress";
    spec_leading_zero_constant: Path "Device.USB.USBHosts.Host.*.Device.[DeviceClass==08]." => Search, "Device.USB.USBHosts.Host.*.Device.[DeviceClass==08].";
    spec_contains_string: Path r#"Device.PCP.Client.*.Server.[Capabilities~="IPv6Firewall"]."# => Search, r#"Device.PCP.Client.*.Server.[Capabilities~="IPv6Firewall"]."#;
    spec_contains_number: Path "Device.PeriodicStatistics.SampleSet.[SampleSeconds~=5]." => Search, "Device.PeriodicStatistics.SampleSet.[SampleSeconds~=5].";
    spec_whitespace: Path r#"Device.IP.Interface.[Type == "Normal"]."# => Search, r#"Device.IP.Interface.[Type=="Normal"]."#;
    spec_wildcard_object: Path "Device.IP.Interface.*." => Search, "Device.IP.Interface.*.";
    spec_wildcard_param: Path "Device.IP.Interface.*.Type" => Search, "Device.IP.Interface.*.Type";
    spec_follow: Path "Device.NAT.PortMapping.1.Interface+.Name" => Parameter, "Device.NAT.PortMapping.1.Interface+.Name";
    spec_follow_list_item: Path "Device.WiFi.SSID.1.LowerLayers#1+.Name" => Parameter, "Device.WiFi.SSID.1.LowerLayers+.Name";
    spec_follow_in_expression: Path r#"Device.WiFi.AccessPoint.[SSIDReference+.SSID=="MyHome"].AssociatedDevice.[OperatingStandard=="ac"].SignalStrength"# => Search,
        r#"Device.WiFi.AccessPoint.[SSIDReference+.SSID=="MyHome"].AssociatedDevice.[OperatingStandard=="ac"].SignalStrength"#;
    spec_key_command: Path r#"Device.IP.Interface.[Name=="eth0"].Reset()"# => Search, r#"Device.IP.Interface.[Name=="eth0"].Reset()"#;
    spec_event: Path "Device.Boot!" => Event, "Device.Boot!";
    spec_two_key_object: Path r#"Device.WiFi.SSID.[SSID=="HomeNetwork"&&BSSID=="00:11:22:33:44:55"]."# => Search,
        r#"Device.WiFi.SSID.[SSID=="HomeNetwork"&&BSSID=="00:11:22:33:44:55"]."#;
    spec_two_key_param: Path r#"Device.WiFi.SSID.[SSID=="HomeNetwork"&&BSSID=="00:11:22:33:44:55"].Status"# => Search,
        r#"Device.WiFi.SSID.[SSID=="HomeNetwork"&&BSSID=="00:11:22:33:44:55"].Status"#;
    spec_wildcard_status: Path "Device.WiFi.SSID.*.Status" => Search, "Device.WiFi.SSID.*.Status";
    spec_mtp_alias: Path r#"Device.LocalAgent.MTP.[Alias=="WS-MTP1"]."# => Search, r#"Device.LocalAgent.MTP.[Alias=="WS-MTP1"]."#;
    spec_subscription_key: Path r#"Device.LocalAgent.Subscription.[ID=="boot-1"&&Recipient=="Device.LocalAgent.Controller.1"].Enable"# => Search,
        r#"Device.LocalAgent.Subscription.[ID=="boot-1"&&Recipient=="Device.LocalAgent.Controller.1"].Enable"#;
    spec_controller_key: Path r#"Device.LocalAgent.Controller.[EndpointID=="controller-temp"]."# => Search, r#"Device.LocalAgent.Controller.[EndpointID=="controller-temp"]."#;
    spec_key_onboard: Path r#"Device.LocalAgent.Controller.[EndpointID=="controller"].SendOnBoardRequest()"# => Search,
        r#"Device.LocalAgent.Controller.[EndpointID=="controller"].SendOnBoardRequest()"#;
    spec_root_command: Path "Device.SelfTestDiagnostics()" => Command, "Device.SelfTestDiagnostics()";
    spec_role_targets: Path "Device.LocalAgent.ControllerTrust.Role.*.Permission.*.Order" => Search, "Device.LocalAgent.ControllerTrust.Role.*.Permission.*.Order";
    spec_ref_value_number: Reference "Object.FooObject.5" => ObjectInstance, "Object.FooObject.5";
    spec_ref_value_key: Reference r#"Object.FooObject.[KeyParam=="KeyValueForInstance5"]"# => Search, r#"Object.FooObject.[KeyParam=="KeyValueForInstance5"]"#;
    spec_follow_all: Path "Device.WiFi.SSID.1.LowerLayers#*+.Name" => Search, "Device.WiFi.SSID.1.LowerLayers#*+.Name";
    spec_gsdm_two_placeholders: Supported "Device.WiFi.AccessPoint.{i}.AssociatedDevice.{i}." => Object, "Device.WiFi.AccessPoint.{i}.AssociatedDevice.{i}.";
    spec_gsdm_without_final: Supported "Device.WiFi.AccessPoint.{i}.AssociatedDevice." => Object, "Device.WiFi.AccessPoint.{i}.AssociatedDevice.";
    spec_gsdm_instance: Supported "Device.WiFi.AccessPoint.1.AssociatedDevice." => Object, "Device.WiFi.AccessPoint.1.AssociatedDevice.";
    spec_register_time: Register "Device.Time." => Object, "Device.Time.";
    spec_register_data_elements: Register "Device.WiFi.DataElements." => Object, "Device.WiFi.DataElements.";
    ours_follow_ends_object_item: Path "Device.WiFi.SSID.1.LowerLayers#1+." => Object, "Device.WiFi.SSID.1.LowerLayers+.";
    ours_follow_ends_object_all: Path "Device.WiFi.SSID.1.LowerLayers#*+." => Search, "Device.WiFi.SSID.1.LowerLayers#*+.";
    ours_follow_chain: Path "Device.A.1.B#2+.C+.D#*+.E" => Search, "Device.A.1.B#2+.C+.D#*+.E";
    ours_follow_then_table: Path "Device.WiFi.SSID.1.LowerLayers+.Stats.*.X" => Search, "Device.WiFi.SSID.1.LowerLayers+.Stats.*.X";
    ours_all_operators: Path r#"Device.X.[A==1&&B!="b"&&C~=3&&D<4&&E>5&&F<=6&&G>=7]."# => Search, r#"Device.X.[A==1&&B!="b"&&C~=3&&D<4&&E>5&&F<=6&&G>=7]."#;
    ours_whitespace_everywhere_allowed: Path "Device.X.[ \tA\t==  1 &&\tB != 2 ]." => Search, "Device.X.[A==1&&B!=2].";
    ours_escapes: Path r#"Device.X.[A=="%22q%22 100%25 %41"]."# => Search, r#"Device.X.[A=="%22q%22 100%25 %2541"]."#;
    ours_quoted_specials: Path r#"Device.X.[A=="]&&[==!~<>.,"]."# => Search, r#"Device.X.[A=="]&&[==!~<>.,"]."#;
    ours_vendor_name: Path "Device.X_EXAMPLE-COM_Thing.1.X_012345_Param" => Parameter, "Device.X_EXAMPLE-COM_Thing.1.X_012345_Param";
    ours_underscore_name: Path "_Device._x." => Object, "_Device._x.";
    ours_max_instance: Path "Device.X.4294967295." => ObjectInstance, "Device.X.4294967295.";
    ours_command_in_table: Path "Device.IP.Interface.1.Reset()" => Command, "Device.IP.Interface.1.Reset()";
    ours_event_in_search: Path "Device.IP.Interface.*.Changed!" => Search, "Device.IP.Interface.*.Changed!";
    ours_gsdm_param: Supported "Device.WiFi.Radio.{i}.Stats.BytesSent" => Parameter, "Device.WiFi.Radio.{i}.Stats.BytesSent";
    ours_gsdm_command: Supported "Device.IP.Interface.{i}.Reset()" => Command, "Device.IP.Interface.{i}.Reset()";
    ours_register_command: Register "Device.X.Y()" => Command, "Device.X.Y()";
    ours_register_event: Register "Device.X.Boot!" => Event, "Device.X.Boot!";
    ours_register_param: Register "Device.X.Y" => Parameter, "Device.X.Y";
    ours_reference_param: Reference "Device.IP.Interface.1.Name" => Parameter, "Device.IP.Interface.1.Name";
    ours_reference_trailing_dot: Reference "Device.IP.Interface.1." => ObjectInstance, "Device.IP.Interface.1";
}

invalid! {
    spec_and_derived_invalid_vectors_give_distinct_errors;
    spec_empty_expression: Path "Device.IP.Interface.[]." => PathErrorKind::EmptyExpression, at 20;
    spec_expression_enters_child_table: Path r#"Device.IP.Interface.[Type=="Normal"&&IPv4Address.*.AddressingType=="Static"].Status"#
        => PathErrorKind::ChildTableInExpression, at 49;
    spec_curly_brackets: Path r#"Device.IP.Interface.{Type=="Normal"}.Status"# => PathErrorKind::PlaceholderNotAllowed, at 20;
    ours_empty_name: Path "Device..IP." => PathErrorKind::Expected(Expected::Name), at 7;
    ours_instance_zero: Path "Device.IP.Interface.0." => PathErrorKind::ZeroInstance, at 20;
    ours_instance_leading_zero: Path "Device.IP.Interface.01." => PathErrorKind::LeadingZero, at 20;
    ours_or: Path r#"Device.IP.Interface.[Name=="a"||Name=="b"]."# => PathErrorKind::OrNotSupported, at 30;
    ours_single_equals: Path r#"Device.IP.Interface.[Name="eth0"]."# => PathErrorKind::SingleEquals, at 25;
    ours_missing_bracket: Path r#"Device.IP.Interface.[Name=="eth0"."# => PathErrorKind::Expected(Expected::AndOrClose), at 33;
    ours_space_in_path: Path "Device.IP .Interface." => PathErrorKind::Whitespace, at 9;
    ours_gsdm_number_after_placeholder: Supported "Device.WiFi.AccessPoint.{i}.AssociatedDevice.1." => PathErrorKind::NumberAfterPlaceholder, at 45;
    ours_list_index_zero: Path "Device.WiFi.SSID.1.LowerLayers#0+.Name" => PathErrorKind::ZeroListIndex, at 31;
    ours_after_command: Path "Device.IP.Interface.1.Reset()x" => PathErrorKind::Expected(Expected::End), at 29;
    ours_register_instance: Register "Device.WiFi.SSID.1." => PathErrorKind::InstanceNotAllowed, at 17;
    ours_register_placeholder: Register "Device.WiFi.SSID.{i}.Stats." => PathErrorKind::PlaceholderNotAllowed, at 17;
}

invalid! {
    more_invalid_vectors_give_distinct_errors;
    ours_register_wildcard: Register "Device.IP.Interface.*." => PathErrorKind::InstanceNotAllowed, at 20;
    ours_empty: Path "" => PathErrorKind::Empty, at 0;
    ours_no_dot_after_root: Path "Device" => PathErrorKind::Expected(Expected::Dot), at 6;
    ours_object_needs_dot: Path "Device.IP.Interface.3" => PathErrorKind::Expected(Expected::Dot), at 21;
    ours_digit_name: Path "Device.X.1abc." => PathErrorKind::Expected(Expected::Dot), at 10;
    ours_bad_char: Path "Device.IP$." => PathErrorKind::Expected(Expected::NameEnd), at 9;
    ours_trailing_space: Path "Device.IP. " => PathErrorKind::Whitespace, at 10;
    ours_leading_space: Path " Device." => PathErrorKind::Whitespace, at 0;
    ours_unclosed_quote: Path r#"Device.X.[A=="abc]."# => PathErrorKind::Expected(Expected::ClosingQuote), at 19;
    ours_missing_value: Path "Device.X.[A==]." => PathErrorKind::Expected(Expected::Value), at 13;
    ours_missing_operator: Path "Device.X.[A]." => PathErrorKind::Expected(Expected::Operator), at 11;
    ours_bad_operator: Path "Device.X.[A=~1]." => PathErrorKind::SingleEquals, at 11;
    ours_dangling_and: Path "Device.X.[A==1&&]." => PathErrorKind::Expected(Expected::Name), at 16;
    ours_follow_missing_plus: Path "Device.X.1.Ref#2.Name" => PathErrorKind::Expected(Expected::Plus), at 16;
    ours_follow_bad_index: Path "Device.X.1.Ref#a+.Name" => PathErrorKind::Expected(Expected::ListIndex), at 15;
    ours_follow_then_instance: Path "Device.XY.1.Ref+.2." => PathErrorKind::Expected(Expected::Name), at 17;
    ours_instance_after_instance: Path "Device.X.1.2." => PathErrorKind::Expected(Expected::Name), at 11;
    ours_wildcard_in_gsdm: Supported "Device.X.*." => PathErrorKind::SearchNotAllowed, at 9;
    ours_follow_in_gsdm: Supported "Device.X.{i}.Ref+.Y" => PathErrorKind::FollowNotAllowed, at 16;
    ours_placeholder_typo: Supported "Device.X.{j}." => PathErrorKind::Expected(Expected::Number), at 9;
    ours_supported_zero: Supported "Device.X.0." => PathErrorKind::ZeroInstance, at 9;
    ours_root_is_not_a_table: Path "Device.1.X" => PathErrorKind::Expected(Expected::Name), at 7;
    ours_root_is_not_a_table_gsdm: Supported "Root.{i}." => PathErrorKind::Expected(Expected::Name), at 5;
    ours_instance_overflow: Path "Device.X.4294967296." => PathErrorKind::NumberOutOfRange, at 9;
    ours_command_unclosed: Path "Device.X.Reset(." => PathErrorKind::Expected(Expected::CloseParen), at 15;
    ours_event_then_more: Path "Device.X.Boot!.Y" => PathErrorKind::Expected(Expected::End), at 14;
    ours_expression_space_inside_relpath: Path "Device.X.[Stats. Errors==1]." => PathErrorKind::Whitespace, at 16;
    ours_expression_whitespace_then_garbage: Path "Device.X.[A==1 B==2]." => PathErrorKind::Expected(Expected::AndOrClose), at 15;
}

/// The spec's invalid `[Enable=="true"]` is a type error found at resolution (REQUIREMENTS §1.3).
#[test]
fn spec_quoted_boolean_parses_but_fails_type_check() {
    use usp_path::value::{ParamType, ValueError, ValueType, check_constant};
    use usp_path::{Instance, Segment};
    let p = Path::parse(r#"Device.DSL.Line.[Enable=="true"].CurrentProfile"#).unwrap();
    let Segment::Instance(Instance::Expression(e)) = &p.segments()[3] else {
        panic!("no expression")
    };
    let c = &e.components()[0];
    let err = check_constant(
        ParamType::scalar(ValueType::Boolean),
        c.operator(),
        c.value(),
    )
    .unwrap_err();
    assert_eq!(
        err,
        ValueError::Quoting {
            ty: ValueType::Boolean,
            quoted: false
        }
    );
    assert_eq!(err.usp_error_code(), 7008);
}

/// `Device.WiFi.Radio.1.` with the spec's relative paths.
#[test]
fn spec_relative_paths_join() {
    let base = Path::parse("Device.WiFi.Radio.1.").unwrap();
    for (rel, full) in [
        ("Status", "Device.WiFi.Radio.1.Status"),
        (
            "SupportedStandards",
            "Device.WiFi.Radio.1.SupportedStandards",
        ),
        (
            "OperatingStandards",
            "Device.WiFi.Radio.1.OperatingStandards",
        ),
        ("Stats.BytesSent", "Device.WiFi.Radio.1.Stats.BytesSent"),
        (
            "Stats.BytesReceived",
            "Device.WiFi.Radio.1.Stats.BytesReceived",
        ),
    ] {
        let r = RelativePath::parse(rel).unwrap();
        assert_eq!(r.to_string(), rel);
        let joined = base.join(&r).unwrap();
        assert_eq!(joined.to_string(), full);
        assert_eq!(joined, Path::parse(full).unwrap());
        let rp = Parser::default().parse_relparam(rel).unwrap();
        assert_eq!(rp, r);
    }
    // Relative paths may carry instance identifiers, searches and commands.
    let wifi = Path::parse("Device.WiFi.").unwrap();
    let r = RelativePath::parse("SSID.[Enable==true].Reset()").unwrap();
    assert_eq!(
        wifi.join(&r).unwrap().to_string(),
        "Device.WiFi.SSID.[Enable==true].Reset()"
    );
    // Only object paths take relative paths.
    let param = Path::parse("Device.WiFi.Radio.1.Status").unwrap();
    assert_eq!(
        param.join(&r).unwrap_err().kind(),
        PathErrorKind::NotAnObjectPath
    );
}

#[test]
fn ours_relparam_rejects_instances_and_commands() {
    let p = Parser::default();
    assert_eq!(
        p.parse_relparam("Stats.1.X").unwrap_err().kind(),
        PathErrorKind::InstanceNotAllowed
    );
    assert_eq!(
        p.parse_relparam("Reset()").unwrap_err().kind(),
        PathErrorKind::Expected(Expected::Dot)
    );
    assert_eq!(
        p.parse_relparam("Stats.").unwrap_err().kind(),
        PathErrorKind::Expected(Expected::Name)
    );
    assert_eq!(
        p.parse_relparam("Ref+.X").unwrap_err().kind(),
        PathErrorKind::FollowNotAllowed
    );
}

#[test]
fn ours_relarg_forms() {
    let p = Parser::default();
    for ok in [
        "Result.{i}.SSID",
        "Result.1.SSID",
        "Value",
        "Result.1",
        "A.{i}",
    ] {
        let a = p.parse_arg(ok).unwrap_or_else(|e| panic!("{ok}: {e}"));
        assert_eq!(a.to_string(), ok);
    }
    for (bad, kind) in [
        ("Result.0.SSID", PathErrorKind::ZeroInstance),
        ("Result..SSID", PathErrorKind::Expected(Expected::Name)),
        ("Result.SSID.", PathErrorKind::Expected(Expected::Name)),
        ("1.Result", PathErrorKind::Expected(Expected::Name)),
        ("Result.{j}", PathErrorKind::Expected(Expected::Name)),
    ] {
        assert_eq!(p.parse_arg(bad).unwrap_err().kind(), kind, "{bad}");
    }
}

#[test]
fn spec_reference_lists() {
    let p = Parser::default();
    let l = p
        .parse_reference_list("Device.WiFi.Radio.1, Device.WiFi.Radio.2")
        .unwrap();
    assert_eq!(l.len(), 2);
    assert_eq!(l[1].to_reference_string(), "Device.WiFi.Radio.2");
    assert!(p.parse_reference_list("").unwrap().is_empty());
    // A comma inside a quoted key value does not split.
    let l = p
        .parse_reference_list(r#"Device.X.[A=="1,2"],Device.Y.3"#)
        .unwrap();
    assert_eq!(l.len(), 2);
    assert_eq!(
        p.parse_reference_list("Device.X.1,,Device.Y.2")
            .unwrap_err()
            .kind(),
        PathErrorKind::Expected(Expected::Name)
    );
    assert_eq!(
        p.parse_reference_list("Device.X.1 Device.Y.2")
            .unwrap_err()
            .kind(),
        PathErrorKind::Whitespace
    );
    assert_eq!(
        p.parse_reference_list("Device.X.1;Device.Y.2")
            .unwrap_err()
            .kind(),
        PathErrorKind::Expected(Expected::Dot)
    );
    assert_eq!(Path::parse_reference("").unwrap(), None);
}

#[test]
fn ours_root_must_be_an_object() {
    for (s, off) in [
        ("Device+.Name", 6),
        ("Reboot()", 6),
        ("Boot!", 4),
        ("Device", 6),
    ] {
        let e = Path::parse(s).unwrap_err();
        assert_eq!(
            (e.kind(), e.offset()),
            (PathErrorKind::Expected(Expected::Dot), off),
            "{s}"
        );
    }
}

#[test]
fn ours_follow_forms_are_equal() {
    // `P+` means `P#1+` (architecture, "List of References").
    assert_eq!(
        Path::parse("Device.WiFi.SSID.1.LowerLayers+.Name").unwrap(),
        Path::parse("Device.WiFi.SSID.1.LowerLayers#1+.Name").unwrap()
    );
    assert_ne!(
        Path::parse("Device.WiFi.SSID.1.LowerLayers#2+.Name").unwrap(),
        Path::parse("Device.WiFi.SSID.1.LowerLayers#1+.Name").unwrap()
    );
}

/// `Path::join_with` applies the caller's limits and re-checks the joined path.
#[test]
fn join_checks_the_joined_path_with_the_callers_config() {
    let sdm = Path::parse_supported("Device.WiFi.Radio.{i}.").unwrap();
    let cfg = ParseConfig::DEFAULT;
    // An instance number after `{i}` is not a supported path.
    let r = RelativePath::parse("X.1.").unwrap();
    let e = sdm.join_with(&r, &cfg).unwrap_err();
    assert_eq!(e.kind(), PathErrorKind::NumberAfterPlaceholder);
    assert_eq!(sdm.join(&r).unwrap_err(), e);
    // Nor are searches, wildcards or follows.
    for (rel, kind) in [
        ("X.*.", PathErrorKind::SearchNotAllowed),
        ("X.[A==1].", PathErrorKind::SearchNotAllowed),
        ("R+.Name", PathErrorKind::FollowNotAllowed),
    ] {
        let r = RelativePath::parse(rel).unwrap();
        assert_eq!(sdm.join_with(&r, &cfg).unwrap_err().kind(), kind, "{rel}");
    }
    let r = RelativePath::parse("Stats.BytesSent").unwrap();
    assert_eq!(
        sdm.join_with(&r, &cfg).unwrap(),
        Path::parse_supported("Device.WiFi.Radio.{i}.Stats.BytesSent").unwrap()
    );
    // The caller's limits, not the defaults.
    let base = Path::parse("Device.WiFi.Radio.1.").unwrap();
    let r = RelativePath::parse("Stats.BytesSent").unwrap();
    let short = ParseConfig::builder().max_length(20).build().unwrap();
    assert_eq!(
        base.join_with(&r, &short).unwrap_err().kind(),
        PathErrorKind::TooLong { max: 20 }
    );
    let shallow = ParseConfig::builder().max_segments(4).build().unwrap();
    assert_eq!(
        base.join_with(&r, &shallow).unwrap_err().kind(),
        PathErrorKind::TooManySegments { max: 4 }
    );
    let few = ParseConfig::builder().max_components(1).build().unwrap();
    let wifi = Path::parse("Device.WiFi.[A==1].").unwrap();
    let r = RelativePath::parse("SSID.[Enable==true].Name").unwrap();
    assert_eq!(
        wifi.join_with(&r, &few).unwrap_err().kind(),
        PathErrorKind::TooManyComponents { max: 1 }
    );
    assert!(wifi.join(&r).is_ok());
    let no_hyphen = ParseConfig::builder().allow_hyphen(false).build().unwrap();
    let r = RelativePath::parse("X_EXAMPLE-COM_Foo").unwrap();
    assert!(base.join(&r).is_ok());
    assert_eq!(
        base.join_with(&r, &no_hyphen).unwrap_err().kind(),
        PathErrorKind::Expected(Expected::NameEnd)
    );
}

/// Whitespace where a token was expected reports the whitespace and what was expected.
#[test]
fn whitespace_errors_keep_what_was_expected() {
    for (p, at, exp) in [
        ("Device. IP.", 7, Expected::Name),
        ("Device.IP .Interface.", 9, Expected::NameEnd),
        ("Device.IP.Interface.[A==1] .X", 26, Expected::Dot),
        ("Device.X.[A==\n1]", 13, Expected::Value),
    ] {
        let e = Path::parse(p).unwrap_err();
        assert_eq!(
            (e.kind(), e.offset(), e.expected()),
            (PathErrorKind::Whitespace, at, Some(exp)),
            "{p}"
        );
        assert!(e.to_string().contains(exp.describe()), "{e}");
    }
    let e = Path::parse("Device..").unwrap_err();
    assert_eq!(e.expected(), Some(Expected::Name));
    assert_eq!(e.to_string(), "invalid path at byte 7: expected a name");
    // Register paths: `{i}` has its own kind (R-REG.2).
    assert_eq!(
        Path::parse_register("Device.IP.Interface.{i}.")
            .unwrap_err()
            .kind(),
        PathErrorKind::PlaceholderNotAllowed
    );
}

/// lib.rs decision: an instance or key path without its trailing `.` is not an object path;
/// it is a valid reference value.
#[test]
fn instance_paths_need_the_trailing_dot_except_as_references() {
    for (p, at) in [
        ("Device.IP.Interface.3", 21),
        (r#"Device.IP.Interface.[Alias=="a"]"#, 32),
    ] {
        let e = Path::parse(p).unwrap_err();
        assert_eq!(
            (e.kind(), e.offset()),
            (PathErrorKind::Expected(Expected::Dot), at),
            "{p}"
        );
        let r = Path::parse_reference(p).unwrap().unwrap();
        assert_eq!(r.kind(), Path::parse(&format!("{p}.")).unwrap().kind());
        assert_eq!(r.to_reference_string(), p);
    }
}
