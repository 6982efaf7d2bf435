//! `usp path check`: parse Path Names and show their structure, or the error with a caret.

use std::process::ExitCode;

use clap::{Args, ValueEnum};
use usp_path::{
    Constant, Instance, ListIndex, Path, PathError, PathKind, RelPath, Segment, Target,
};

use crate::{Failure, emit};

/// Which path grammar to check against.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub(crate) enum Form {
    /// A Path Name as used in requests (objects, instances, parameters, commands, events,
    /// wildcards, search expressions, reference following).
    Path,
    /// A supported data model path, with `{i}` for any instance (GetSupportedDM).
    Supported,
    /// A Register path (no instances, searches or follows; R-REG.2).
    Register,
}

/// Arguments of `usp path check`.
#[derive(Args, Debug)]
pub(crate) struct CheckArgs {
    /// The paths to check (quote them: '[', '*', '"' and '!' mean something to the shell).
    #[arg(value_name = "PATH", required = true)]
    paths: Vec<String>,
    /// The path grammar.
    #[arg(long, value_enum, default_value_t = Form::Path)]
    form: Form,
}

/// Runs `usp path check`.
pub(crate) fn run(args: &CheckArgs) -> Result<ExitCode, Failure> {
    let mut ok = true;
    let mut out = String::new();
    for (i, input) in args.paths.iter().enumerate() {
        let parsed = match args.form {
            Form::Path => Path::parse(input),
            Form::Supported => Path::parse_supported(input),
            Form::Register => Path::parse_register(input),
        };
        match parsed {
            Ok(p) => {
                if i > 0 && !out.is_empty() {
                    out.push('\n');
                }
                out.push_str(&describe(input, &p));
            }
            Err(e) => {
                ok = false;
                crate::stderr_text!("usp: error: {}", error_report(input, &e));
            }
        }
    }
    if !out.is_empty() {
        emit(None, out.as_bytes())?;
    }
    Ok(if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

/// A one-line error plus the input with a caret under the offending character.
///
/// The caret line has the same two-space margin as the input line, so the caret's column is
/// `2 + ` the number of characters before the error offset.
pub(crate) fn error_report(input: &str, e: &PathError) -> String {
    let offset = e.offset().min(input.len());
    let at = match input.get(offset..).and_then(|s| s.chars().next()) {
        Some(c) if c.is_control() || c.is_whitespace() => format!("at byte {offset} ({c:?})"),
        Some(c) => format!("at byte {offset} ('{c}')"),
        None => format!("at byte {offset} (the end of the path)"),
    };
    let kind = e.kind();
    let mut shown = String::new();
    let mut caret = String::new();
    for (i, c) in input.char_indices() {
        let visible = if c == '\t' {
            '\t'
        } else if c.is_control() {
            '\u{00b7}'
        } else {
            c
        };
        shown.push(visible);
        if i < offset {
            caret.push(if c == '\t' { '\t' } else { ' ' });
        }
    }
    format!(
        "invalid path {at}: {kind} (USP error 7008, Invalid path syntax)\n  {shown}\n  {caret}^\n"
    )
}

fn kind_name(k: PathKind) -> &'static str {
    match k {
        PathKind::Object => "object path",
        PathKind::ObjectInstance => "object instance path",
        PathKind::Parameter => "parameter path",
        PathKind::Command => "command path",
        PathKind::Event => "event path",
        PathKind::Search => "search path",
    }
}

fn yes(b: bool) -> &'static str {
    if b { "yes" } else { "no" }
}

fn constant(c: &Constant<'_>) -> String {
    if c.is_quoted() {
        format!("{c} (quoted constant {:?})", c.text())
    } else {
        format!("{c} (bare constant)")
    }
}

fn list_index(i: ListIndex) -> String {
    match i {
        ListIndex::Item(n) => format!("list item {n}"),
        ListIndex::All => "every list item".into(),
    }
}

fn rel_path(r: &RelPath<'_>) -> String {
    let follows: Vec<String> = r
        .steps()
        .iter()
        .filter_map(|s| {
            s.follow()
                .map(|f| format!("follows {} ({})", s.name(), list_index(f)))
        })
        .collect();
    if follows.is_empty() {
        r.to_string()
    } else {
        format!("{r}; {}", follows.join(", "))
    }
}

/// The structure of a valid path.
fn describe(input: &str, p: &Path<'_>) -> String {
    let canonical = p.to_string();
    let mut s = String::new();
    s.push_str(&format!("valid: {input}\n"));
    s.push_str(&format!("  kind: {}\n", kind_name(p.kind())));
    s.push_str(&format!("  canonical: {canonical}\n"));
    if canonical != input {
        s.push_str("  (the canonical form differs from the input)\n");
    }
    s.push_str(&format!(
        "  can match many instances: {}\n",
        yes(p.may_match_many())
    ));
    s.push_str(&format!(
        "  concrete (no search, follow or {{i}}): {}\n",
        yes(p.is_concrete())
    ));
    s.push_str("  segments:\n");
    for (i, seg) in p.segments().iter().enumerate() {
        let n = i + 1;
        match seg {
            Segment::Object(name) => s.push_str(&format!("    {n}. object {name}\n")),
            Segment::Instance(Instance::Number(k)) => {
                s.push_str(&format!("    {n}. instance number {k}\n"));
            }
            Segment::Instance(Instance::Wildcard) => {
                s.push_str(&format!("    {n}. wildcard * (every instance)\n"));
            }
            Segment::Instance(Instance::Placeholder) => {
                s.push_str(&format!("    {n}. placeholder {{i}} (any instance)\n"));
            }
            Segment::Instance(Instance::Expression(e)) => {
                let what = if e.is_key_shaped() {
                    "unique-key address or search expression"
                } else {
                    "search expression"
                };
                s.push_str(&format!("    {n}. {what} {e}\n"));
                for (j, c) in e.components().iter().enumerate() {
                    s.push_str(&format!(
                        "         {}: {} {} {}\n",
                        j + 1,
                        rel_path(c.param()),
                        c.operator(),
                        constant(c.value())
                    ));
                }
            }
            Segment::Follow(name, idx) => s.push_str(&format!(
                "    {n}. reference following {seg}: parameter {name}, {}\n",
                list_index(*idx)
            )),
        }
    }
    let target = match p.target() {
        Target::Object => "the object (path ends in '.')".to_owned(),
        Target::Parameter(n) => format!("parameter {n}"),
        Target::Command(n) => format!("command {n}()"),
        Target::Event(n) => format!("event {n}!"),
    };
    s.push_str(&format!("  target: {target}\n"));
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn caret_sits_under_the_offset() {
        let input = "Device.IP.Interface.01.";
        let e = Path::parse(input).unwrap_err();
        let r = error_report(input, &e);
        let lines: Vec<&str> = r.lines().collect();
        assert_eq!(lines[1], "  Device.IP.Interface.01.");
        assert_eq!(lines[2].find('^'), Some(2 + e.offset()));
        assert!(lines[0].contains("7008"));
    }

    #[test]
    fn caret_counts_characters_not_bytes() {
        let input = "Device.Ü.";
        let e = Path::parse(input).unwrap_err();
        let r = error_report(input, &e);
        let caret = r.lines().nth(2).unwrap();
        assert_eq!(
            caret.chars().count() - 1,
            2 + input[..e.offset()].chars().count()
        );
    }
}
