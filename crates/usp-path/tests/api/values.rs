//! R-ENC.6: TR-106 value forms, per type (REQUIREMENTS §5.6).

use usp_path::value::{
    DateTime, ParamType, Value, ValueError, ValueType, check_constant, format_list, parse_list,
};
use usp_path::{Constant, Operator};

/// (type, input, canonical output)
const VALID: &[(ValueType, &str, &str)] = &[
    (ValueType::Boolean, "true", "true"),
    (ValueType::Boolean, "1", "true"),
    (ValueType::Boolean, "false", "false"),
    (ValueType::Boolean, "0", "false"),
    (ValueType::Int, "123", "123"),
    (ValueType::Int, "+123", "123"),
    (ValueType::Int, "0123", "123"),
    (ValueType::Int, "-2147483648", "-2147483648"),
    (ValueType::Int, "2147483647", "2147483647"),
    (ValueType::Int, "-0", "0"),
    (ValueType::UnsignedInt, "4294967295", "4294967295"),
    (ValueType::UnsignedInt, "+007", "7"),
    (ValueType::UnsignedInt, "-0", "0"),
    (
        ValueType::Long,
        "-9223372036854775808",
        "-9223372036854775808",
    ),
    (
        ValueType::Long,
        "+9223372036854775807",
        "9223372036854775807",
    ),
    (
        ValueType::UnsignedLong,
        "18446744073709551615",
        "18446744073709551615",
    ),
    (ValueType::Decimal, "1.50", "1.5"),
    (ValueType::Decimal, "+001.0", "1"),
    (ValueType::Decimal, "-0.0", "0"),
    (ValueType::Decimal, ".5", "0.5"),
    (ValueType::Decimal, "5.", "5"),
    (ValueType::Decimal, "-12.034", "-12.034"),
    (
        ValueType::DateTime,
        "2021-06-06T08:00:00Z",
        "2021-06-06T08:00:00Z",
    ),
    (
        ValueType::DateTime,
        "2021-06-06T08:00:00",
        "2021-06-06T08:00:00Z",
    ),
    (
        ValueType::DateTime,
        "2021-06-06T08:00:00.500Z",
        "2021-06-06T08:00:00.5Z",
    ),
    (
        ValueType::DateTime,
        "2021-06-06T08:00:00.123456789Z",
        "2021-06-06T08:00:00.123456789Z",
    ),
    (
        ValueType::DateTime,
        "2021-06-06T01:30:00+02:00",
        "2021-06-05T23:30:00Z",
    ),
    (
        ValueType::DateTime,
        "2020-12-31T23:00:00-01:30",
        "2021-01-01T00:30:00Z",
    ),
    (
        ValueType::DateTime,
        "2024-02-29T00:00:00Z",
        "2024-02-29T00:00:00Z",
    ),
    (
        ValueType::DateTime,
        "0001-01-01T00:00:00Z",
        "0001-01-01T00:00:00Z",
    ),
    (ValueType::Base64, "", ""),
    (ValueType::Base64, "Zg==", "Zg=="),
    (ValueType::Base64, "Zm9v", "Zm9v"),
    (ValueType::Base64, "Zm9v YmE=", "Zm9vYmE="),
    (ValueType::HexBinary, "", ""),
    (ValueType::HexBinary, "00ff10", "00FF10"),
    (ValueType::String, "", ""),
    (
        ValueType::String,
        " any thing, \"quoted\" ",
        " any thing, \"quoted\" ",
    ),
];

const INVALID: &[(ValueType, &str, ValueError)] = &[
    (
        ValueType::Boolean,
        "TRUE",
        ValueError::Invalid(ValueType::Boolean),
    ),
    (
        ValueType::Boolean,
        "yes",
        ValueError::Invalid(ValueType::Boolean),
    ),
    (
        ValueType::Boolean,
        "",
        ValueError::Invalid(ValueType::Boolean),
    ),
    (
        ValueType::Int,
        "2147483648",
        ValueError::OutOfRange(ValueType::Int),
    ),
    (ValueType::Int, "1.0", ValueError::Invalid(ValueType::Int)),
    (ValueType::Int, "", ValueError::Invalid(ValueType::Int)),
    (ValueType::Int, "+", ValueError::Invalid(ValueType::Int)),
    (ValueType::Int, " 1", ValueError::Invalid(ValueType::Int)),
    (
        ValueType::UnsignedInt,
        "-1",
        ValueError::OutOfRange(ValueType::UnsignedInt),
    ),
    (
        ValueType::UnsignedInt,
        "4294967296",
        ValueError::OutOfRange(ValueType::UnsignedInt),
    ),
    (
        ValueType::UnsignedLong,
        "18446744073709551616",
        ValueError::OutOfRange(ValueType::UnsignedLong),
    ),
    (
        ValueType::Long,
        "99999999999999999999999",
        ValueError::OutOfRange(ValueType::Long),
    ),
    (
        ValueType::Decimal,
        ".",
        ValueError::Invalid(ValueType::Decimal),
    ),
    (
        ValueType::Decimal,
        "1e5",
        ValueError::Invalid(ValueType::Decimal),
    ),
    (
        ValueType::Decimal,
        "",
        ValueError::Invalid(ValueType::Decimal),
    ),
    (
        ValueType::DateTime,
        "2021-02-29T00:00:00Z",
        ValueError::Invalid(ValueType::DateTime),
    ),
    (
        ValueType::DateTime,
        "2021-06-06 08:00:00Z",
        ValueError::Invalid(ValueType::DateTime),
    ),
    (
        ValueType::DateTime,
        "2021-06-06T24:00:00Z",
        ValueError::Invalid(ValueType::DateTime),
    ),
    (
        ValueType::DateTime,
        "0000-01-01T00:00:00Z",
        ValueError::Invalid(ValueType::DateTime),
    ),
    (
        ValueType::DateTime,
        "2021-06-06T08:00:00.Z",
        ValueError::Invalid(ValueType::DateTime),
    ),
    (
        ValueType::DateTime,
        "2021-06-06T08:00:00.1234567890Z",
        ValueError::Invalid(ValueType::DateTime),
    ),
    (
        ValueType::DateTime,
        "2021-06-06T08:00:00+2:00",
        ValueError::Invalid(ValueType::DateTime),
    ),
    (
        ValueType::DateTime,
        "0001-01-01T00:00:00+01:00",
        ValueError::OutOfRange(ValueType::DateTime),
    ),
    (
        ValueType::DateTime,
        "2021-06-06",
        ValueError::Invalid(ValueType::DateTime),
    ),
    (
        ValueType::Base64,
        "Zg=",
        ValueError::Invalid(ValueType::Base64),
    ),
    (
        ValueType::Base64,
        "Zh==",
        ValueError::Invalid(ValueType::Base64),
    ),
    (
        ValueType::Base64,
        "Z===",
        ValueError::Invalid(ValueType::Base64),
    ),
    (
        ValueType::Base64,
        "Zg==Zg==",
        ValueError::Invalid(ValueType::Base64),
    ),
    (
        ValueType::Base64,
        "Zm9*",
        ValueError::Invalid(ValueType::Base64),
    ),
    (
        ValueType::HexBinary,
        "abc",
        ValueError::Invalid(ValueType::HexBinary),
    ),
    (
        ValueType::HexBinary,
        "zz",
        ValueError::Invalid(ValueType::HexBinary),
    ),
];

/// R-ENC.6: values convert to and from strings using the TR-106 forms.
#[test]
fn r_enc_6_valid_forms_and_canonical_output() {
    for (ty, input, canon) in VALID {
        let v = Value::parse(*ty, input).unwrap_or_else(|e| panic!("{ty} {input:?}: {e}"));
        assert_eq!(v.value_type(), *ty);
        assert_eq!(v.to_string(), *canon, "{ty} {input:?}");
        assert_eq!(Value::parse(*ty, canon).unwrap(), v, "{ty} {canon:?}");
    }
}

#[test]
fn r_enc_6_invalid_forms() {
    for (ty, input, err) in INVALID {
        assert_eq!(Value::parse(*ty, input), Err(*err), "{ty} {input:?}");
    }
}

#[test]
fn decoded_binary_values() {
    assert_eq!(
        Value::parse(ValueType::Base64, "Zm9vYg==").unwrap(),
        Value::Base64(b"foob".to_vec())
    );
    assert_eq!(
        Value::parse(ValueType::HexBinary, "0aFF").unwrap(),
        Value::HexBinary(vec![0x0a, 0xff])
    );
}

#[test]
fn ordering_is_typed() {
    let d = |s| Value::parse(ValueType::Decimal, s).unwrap();
    assert!(d("-1.5").compare(&d("-1.25")) == Some(core::cmp::Ordering::Less));
    assert!(d("10").compare(&d("9.99")) == Some(core::cmp::Ordering::Greater));
    assert!(d("0.10").compare(&d(".1")) == Some(core::cmp::Ordering::Equal));
    let t = |s| Value::parse(ValueType::DateTime, s).unwrap();
    assert_eq!(t("2021-06-06T10:00:00+02:00"), t("2021-06-06T08:00:00Z"));
    assert_eq!(
        t("2021-06-06T08:00:00.1Z").compare(&t("2021-06-06T08:00:00Z")),
        Some(core::cmp::Ordering::Greater)
    );
    assert!(
        Value::parse(ValueType::DateTime, "0001-01-01T00:00:00Z").unwrap()
            == Value::DateTime(DateTime::UNKNOWN)
    );
    assert_eq!(
        Value::Boolean(true).compare(&Value::Boolean(false)),
        None,
        "booleans have no order"
    );
}

#[test]
fn lists() {
    let l = parse_list(ValueType::Int, " 1, +2 ,03").unwrap();
    assert_eq!(l, [Value::Int(1), Value::Int(2), Value::Int(3)]);
    assert_eq!(format_list(&l), "1,2,3");
    assert!(parse_list(ValueType::Int, "").unwrap().is_empty());
    assert_eq!(
        parse_list(ValueType::Int, "1,,2"),
        Err(ValueError::Invalid(ValueType::Int))
    );
}

/// Which operators are valid for which type (architecture, "Searching with Expressions").
#[test]
fn operators_per_type() {
    let bare = |s: &'static str| Constant::Bare(s.into());
    let quoted = |s: &'static str| Constant::Quoted(s.into());
    let sample = |ty: ValueType| match ty {
        ValueType::String => quoted("x"),
        ValueType::Boolean => bare("true"),
        ValueType::Decimal => bare("1.5"),
        ValueType::DateTime => bare("2021-06-06T08:00:00Z"),
        ValueType::Base64 => bare("Zm9v"),
        ValueType::HexBinary => bare("0A"),
        _ => bare("1"),
    };
    for ty in ValueType::ALL {
        for op in Operator::ALL {
            let r = check_constant(ParamType::scalar(ty), op, &sample(ty));
            let valid = match op {
                Operator::Eq | Operator::Ne => true,
                Operator::Contains => false,
                _ => ty.is_ordered(),
            };
            assert_eq!(r.is_ok(), valid, "{ty} {op}");
            let lr = check_constant(ParamType::list(ty), Operator::Contains, &sample(ty));
            assert!(lr.is_ok(), "{ty} list ~=");
        }
    }
    for op in [Operator::Lt, Operator::Le, Operator::Gt, Operator::Ge] {
        assert!(matches!(
            check_constant(
                ParamType::scalar(ValueType::DateTime),
                op,
                &bare("0001-01-01T00:00:00Z")
            ),
            Err(ValueError::Operator { .. })
        ));
    }
    assert!(matches!(
        check_constant(
            ParamType::scalar(ValueType::String),
            Operator::Eq,
            &bare("x")
        ),
        Err(ValueError::Quoting { quoted: true, .. })
    ));
    let c = check_constant(
        ParamType::scalar(ValueType::Int),
        Operator::Eq,
        &bare("0123"),
    )
    .unwrap();
    assert!(c.matches("+123").unwrap());
    assert!(c.matches("x").is_err());
    let c = check_constant(
        ParamType::scalar(ValueType::HexBinary),
        Operator::Eq,
        &bare("0a"),
    )
    .unwrap();
    assert!(c.matches("0A").unwrap());
}
