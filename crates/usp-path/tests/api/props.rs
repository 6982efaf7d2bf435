//! Property tests: `parse(p.to_string()) == p` and whitespace-insertion equivalence
//! (R-ARC.7, R-ARC.9a, R-ARC.9b).

use proptest::prelude::*;
use usp_path::Path;

/// TR-106 names: BBF-style, vendor prefixes by OUI (`X_00D09E_Foo`) and by domain name with
/// dots written as hyphens (`X_EXAMPLE-COM_Foo`, `X_example-co-uk_bar`).
fn name() -> impl Strategy<Value = String> {
    prop_oneof![
        "[A-Z][A-Za-z0-9]{0,8}",
        "X_[0-9A-F]{6}_[A-Za-z]{1,5}",
        "X_[A-Z][A-Z0-9]{1,7}(-[A-Z0-9]{1,6}){1,2}_[A-Z][A-Za-z0-9]{0,6}",
        "X_[a-z][a-z0-9]{1,7}(-[a-z0-9]{1,4}){1,2}_[a-z][A-Za-z0-9-]{0,6}",
        "_[a-z]{1,4}",
        Just("Device".to_owned()),
    ]
}

fn list_index() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("+".to_owned()),
        (1u32..5).prop_map(|n| format!("#{n}+")),
        Just("#*+".to_owned()),
    ]
}

fn relpath() -> impl Strategy<Value = String> {
    prop::collection::vec((name(), prop::option::of(list_index())), 1..4).prop_map(|steps| {
        let n = steps.len();
        steps
            .into_iter()
            .enumerate()
            .map(|(i, (nm, f))| match f {
                Some(f) if i + 1 < n => format!("{nm}{f}"),
                _ => nm,
            })
            .collect::<Vec<_>>()
            .join(".")
    })
}

fn operator() -> impl Strategy<Value = &'static str> {
    prop::sample::select(vec!["==", "!=", "~=", "<", ">", "<=", ">="])
}

fn constant() -> impl Strategy<Value = String> {
    prop_oneof![
        "[0-9]{1,5}".prop_map(|s| s),
        Just("true".to_owned()),
        Just("2021-06-06T08:00:00Z".to_owned()),
        "-?[0-9]{1,3}\\.[0-9]{1,3}",
        // Quoted strings with anything but '"', including escapes and specials.
        "[a-zA-Z0-9 %&=!~<>\\[\\].,:;{}()*+#-]{0,12}".prop_map(|s| format!("\"{s}\"")),
        Just("\"%22%25\"".to_owned()),
    ]
}

/// (relpath, operator, constant) triples of one expression.
fn expression() -> impl Strategy<Value = Vec<(String, &'static str, String)>> {
    prop::collection::vec((relpath(), operator(), constant()), 1..4)
}

#[derive(Clone, Debug)]
enum Seg {
    Name(String),
    Number(u32),
    Wildcard,
    Expr(Vec<(String, &'static str, String)>),
    Follow(String, String),
}

fn segments() -> impl Strategy<Value = Vec<Seg>> {
    prop::collection::vec(
        prop_oneof![
            3 => name().prop_map(|n| vec![Seg::Name(n)]),
            2 => (name(), 1u32..100_000).prop_map(|(n, i)| vec![Seg::Name(n), Seg::Number(i)]),
            1 => name().prop_map(|n| vec![Seg::Name(n), Seg::Wildcard]),
            2 => (name(), expression()).prop_map(|(n, e)| vec![Seg::Name(n), Seg::Expr(e)]),
            1 => (name(), list_index()).prop_map(|(n, f)| vec![Seg::Follow(n, f)]),
        ],
        0..6,
    )
    .prop_map(|v| v.into_iter().flatten().collect())
}

fn target() -> impl Strategy<Value = String> {
    prop_oneof![
        Just(String::new()),
        name(),
        name().prop_map(|n| format!("{n}()")),
        name().prop_map(|n| format!("{n}!")),
    ]
}

/// Renders with `ws` inserted where R-ARC.9a allows it.
fn render(root: &str, segs: &[Seg], target: &str, ws: &[&str]) -> String {
    let mut k = 0;
    let mut w = || {
        k += 1;
        ws.get(k % ws.len().max(1)).copied().unwrap_or("")
    };
    let mut out = format!("{root}.");
    for s in segs {
        match s {
            Seg::Name(n) => out.push_str(n),
            Seg::Number(i) => out.push_str(&i.to_string()),
            Seg::Wildcard => out.push('*'),
            Seg::Follow(n, f) => {
                out.push_str(n);
                out.push_str(f);
            }
            Seg::Expr(comps) => {
                out.push('[');
                out.push_str(w());
                for (i, (p, op, c)) in comps.iter().enumerate() {
                    if i > 0 {
                        out.push_str(w());
                        out.push_str("&&");
                        out.push_str(w());
                    }
                    out.push_str(p);
                    out.push_str(w());
                    out.push_str(op);
                    out.push_str(w());
                    out.push_str(c);
                }
                out.push_str(w());
                out.push(']');
            }
        }
        out.push('.');
    }
    out.push_str(target);
    out
}

fn whitespace() -> impl Strategy<Value = Vec<&'static str>> {
    prop::collection::vec(
        prop::sample::select(vec!["", " ", "\t", "  ", " \t "]),
        1..6,
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    /// R-ARC.7: parse(display(p)) == p, and display is a fixed point.
    #[test]
    fn display_round_trips(root in name(), segs in segments(), tgt in target()) {
        let text = render(&root, &segs, &tgt, &[""]);
        let p = Path::parse(&text).map_err(|e| TestCaseError::fail(format!("{text}: {e}")))?;
        let shown = p.to_string();
        prop_assert_eq!(Path::parse(&shown).unwrap(), p.clone());
        prop_assert_eq!(Path::parse(&shown).unwrap().to_string(), shown);
        prop_assert_eq!(p.clone().into_owned(), p);
    }

    /// R-ARC.9a / R-ARC.9b: spaces and tabs around operators, `&&` and inside `[ ]` give the
    /// same AST as the compact form, whose Display has no whitespace outside quotes.
    #[test]
    fn whitespace_insertion_is_equivalent(root in name(), segs in segments(), tgt in target(), ws in whitespace()) {
        let compact = render(&root, &segs, &tgt, &[""]);
        let spaced = render(&root, &segs, &tgt, &ws);
        let a = Path::parse(&compact).unwrap();
        let b = Path::parse(&spaced).map_err(|e| TestCaseError::fail(format!("{spaced}: {e}")))?;
        prop_assert_eq!(&a, &b);
        let out = b.to_string();
        let outside_quotes: String = out.split('"').step_by(2).collect();
        prop_assert!(!outside_quotes.contains([' ', '\t']), "{}", out);
    }

    /// TR-106 vendor names with `-` parse (by default) and round-trip; with `-` disabled the
    /// parser stops at the first `-`.
    #[test]
    fn hyphenated_vendor_names(n in "X_[A-Z][A-Z0-9]{1,7}(-[A-Z0-9]{1,6}){1,2}_[A-Z][A-Za-z0-9]{0,6}") {
        let text = format!("Device.{n}.Enable");
        let p = Path::parse(&text).map_err(|e| TestCaseError::fail(format!("{text}: {e}")))?;
        prop_assert_eq!(p.to_string(), text.clone());
        let strict = usp_path::Parser::new(usp_path::ParseConfig::builder().allow_hyphen(false).build().unwrap());
        let e = strict.parse(&text).unwrap_err();
        prop_assert_eq!(e.offset(), 7 + n.find('-').unwrap());
    }

    /// Random text never panics; errors stay inside the input.
    #[test]
    fn arbitrary_text_is_rejected_cleanly(s in "[A-Za-z0-9_.\\[\\]{}*#+=!~<>&|\"% ()-]{0,40}") {
        match Path::parse(&s) {
            Ok(p) => {
                let shown = p.to_string();
                prop_assert_eq!(Path::parse(&shown).unwrap(), p);
            }
            Err(e) => {
                prop_assert!(e.offset() <= s.len());
                prop_assert_eq!(e.usp_error_code(), 7008);
            }
        }
    }
}
