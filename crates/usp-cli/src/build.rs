//! The request builders: `usp get`, `set`, `add`, `delete`, `operate`, `get-instances`,
//! `get-supported-dm`, `get-supported-protocol`.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, ValueEnum};
use usp_msg::{
    AddBuilder, BuildError, CreateObject, DeleteBuilder, GetBuilder, GetInstancesBuilder,
    GetSupportedDmBuilder, GetSupportedProtocolBuilder, Msg, OperateBuilder, SetBuilder,
    UpdateObject,
};
use usp_path::{Path, Target};

use crate::decode::{As, Diags, ViewFormat};
use crate::encode::{BytesFormat, c_identifier, write_bytes};
use crate::input::Encoding;
use crate::{Failure, emit, path_check};

/// The msg_id used when `--msg-id` is not given: fixed, so output is reproducible.
pub(crate) const DEFAULT_MSG_ID: &str = "usp-cli-1";

/// How a built request is written.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub(crate) enum BuildFormat {
    /// Raw protobuf bytes (not to a terminal: use `-o FILE` or a pipe).
    Binary,
    /// Lowercase hex on one line.
    Hex,
    /// Standard base64 with padding, on one line.
    Base64,
    /// A C array `const uint8_t NAME[] = {...};` (see `--name`).
    CArray,
    /// The decoded view as JSON (as `usp decode --output json`).
    Json,
    /// The decoded view as indented text (as `usp decode`).
    Text,
}

/// Options shared by every request builder.
#[derive(Args, Debug)]
pub(crate) struct Common {
    /// Endpoint ID of the recipient (the Agent), e.g. os::012345-525400A1B2C3.
    #[arg(long, value_name = "EID", required_unless_present = "msg_only")]
    to: Option<String>,
    /// Endpoint ID of the sender (the Controller), e.g. proto::controller-1.
    #[arg(long, value_name = "EID", required_unless_present = "msg_only")]
    from: Option<String>,
    /// The Msg's msg_id.
    #[arg(long, value_name = "ID", default_value = DEFAULT_MSG_ID)]
    msg_id: String,
    /// Write only the USP Msg, not a NoSessionContext Record carrying it.
    #[arg(long)]
    msg_only: bool,
    /// Output format.
    #[arg(long, value_enum, default_value_t = BuildFormat::Binary)]
    output: BuildFormat,
    /// Write to FILE instead of stdout.
    #[arg(short = 'o', long = "out-file", value_name = "FILE")]
    out_file: Option<PathBuf>,
    /// Name of the C array for `--output c-array` [default: usp_record or usp_msg].
    #[arg(long, value_name = "IDENT", value_parser = c_identifier)]
    name: Option<String>,
    /// Do not check path syntax before building (to send deliberately bad paths to an Agent).
    #[arg(long)]
    no_path_check: bool,
}

/// `usp get`.
#[derive(Args, Debug)]
pub(crate) struct GetArgs {
    /// Paths to get: parameters, objects, wildcards, search expressions.
    #[arg(value_name = "PATH", required = true)]
    paths: Vec<String>,
    /// Limit the depth of the returned sub-objects (0: no limit).
    #[arg(long, value_name = "N", default_value_t = 0)]
    max_depth: u32,
    #[command(flatten)]
    common: Common,
}

/// `usp set`.
#[derive(Args, Debug)]
pub(crate) struct SetArgs {
    /// Optional settings `Object.Path.Param=value`; the path is split at its last '.' into
    /// obj_path and param, and settings of the same object are grouped.
    #[arg(value_name = "PATH=VALUE")]
    settings: Vec<String>,
    /// A required setting (the object fails if it fails, R-SET.2); repeatable.
    #[arg(short = 'r', long = "required", value_name = "PATH=VALUE")]
    required: Vec<String>,
    /// Let the Agent apply what it can when some objects fail.
    #[arg(long)]
    allow_partial: bool,
    #[command(flatten)]
    common: Common,
}

/// `usp add`.
#[derive(Args, Debug)]
pub(crate) struct AddArgs {
    /// The table to add an instance to, ending in '.' (e.g. Device.LocalAgent.Subscription.).
    #[arg(value_name = "OBJ")]
    obj: String,
    /// Optional parameter settings `Param=value` (relative names, e.g. Enable=true).
    #[arg(value_name = "PARAM=VALUE")]
    params: Vec<String>,
    /// A required parameter setting; repeatable.
    #[arg(short = 'r', long = "required", value_name = "PARAM=VALUE")]
    required: Vec<String>,
    /// Let the Agent create what it can when some objects fail.
    #[arg(long)]
    allow_partial: bool,
    #[command(flatten)]
    common: Common,
}

/// `usp delete`.
#[derive(Args, Debug)]
pub(crate) struct DeleteArgs {
    /// Object instances (or search paths) to delete, each ending in '.'.
    #[arg(value_name = "OBJ", required = true)]
    objs: Vec<String>,
    /// Let the Agent delete what it can when some objects fail.
    #[arg(long)]
    allow_partial: bool,
    #[command(flatten)]
    common: Common,
}

/// `usp operate`.
#[derive(Args, Debug)]
pub(crate) struct OperateArgs {
    /// The command path, ending in '()' (e.g. Device.Reboot()).
    #[arg(value_name = "CMD")]
    command: String,
    /// Input arguments `Name=value`.
    #[arg(value_name = "ARG=VALUE")]
    args: Vec<String>,
    /// The command_key echoed in the OperationComplete notification.
    #[arg(long, value_name = "KEY", default_value = "")]
    command_key: String,
    /// Ask for an OperateResp (send_resp = true).
    #[arg(long)]
    send_resp: bool,
    #[command(flatten)]
    common: Common,
}

/// `usp get-instances`.
#[derive(Args, Debug)]
pub(crate) struct GetInstancesArgs {
    /// Object paths, each ending in '.'.
    #[arg(value_name = "OBJ", required = true)]
    objs: Vec<String>,
    /// Only the instances of the given tables, not of their sub-tables.
    #[arg(long)]
    first_level_only: bool,
    #[command(flatten)]
    common: Common,
}

/// `usp get-supported-dm`.
#[derive(Args, Debug)]
pub(crate) struct GetSupportedDmArgs {
    /// Object paths (may use {i}, e.g. Device.WiFi.SSID.{i}.).
    #[arg(value_name = "OBJ", required = true)]
    objs: Vec<String>,
    /// Only the given objects and their immediate children.
    #[arg(long)]
    first_level_only: bool,
    /// Include commands.
    #[arg(long)]
    return_commands: bool,
    /// Include events.
    #[arg(long)]
    return_events: bool,
    /// Include parameters.
    #[arg(long)]
    return_params: bool,
    /// Include the unique key sets of tables.
    #[arg(long)]
    return_unique_key_sets: bool,
    /// All four --return-* flags.
    #[arg(long)]
    all: bool,
    #[command(flatten)]
    common: Common,
}

/// `usp get-supported-protocol`.
#[derive(Args, Debug)]
pub(crate) struct GetSupportedProtocolArgs {
    /// The Controller's USP versions, comma-separated (e.g. 1.3,1.4).
    #[arg(value_name = "VERSIONS")]
    versions: String,
    #[command(flatten)]
    common: Common,
}

/// The failure for a builder that refused its inputs.
fn build_failed(what: &str, e: &BuildError) -> Failure {
    Failure::new(format!("cannot build the {what}: {e}"))
}

/// Checks a path's syntax unless disabled; `want` says which targets are acceptable.
fn check(
    common: &Common,
    path: &str,
    supported: bool,
    want: &[Want],
    role: &str,
) -> Result<(), Failure> {
    if common.no_path_check {
        return Ok(());
    }
    let parsed = if supported {
        Path::parse_supported(path)
    } else {
        Path::parse(path)
    };
    let p = parsed.map_err(|e| Failure::new(path_check::error_report(path, &e)))?;
    let target = match p.target() {
        Target::Object => Want::Object,
        Target::Parameter(_) => Want::Parameter,
        Target::Command(_) => Want::Command,
        Target::Event(_) => Want::Event,
    };
    if want.contains(&target) {
        Ok(())
    } else {
        Err(Failure::new(format!(
            "{path:?} is {}, but {role} must be {} (use --no-path-check to send it anyway)",
            target.with_article(),
            want.iter()
                .map(|w| w.with_article())
                .collect::<Vec<_>>()
                .join(" or ")
        )))
    }
}

/// The path targets a request accepts.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Want {
    Object,
    Parameter,
    Command,
    Event,
}

impl Want {
    fn with_article(self) -> &'static str {
        match self {
            Self::Object => "an object path",
            Self::Parameter => "a parameter path",
            Self::Command => "a command path",
            Self::Event => "an event path",
        }
    }
}

/// Splits `NAME=VALUE` at the first '=' outside `[...]` and quotes.
fn split_setting(s: &str) -> Result<(&str, &str), Failure> {
    let mut depth = 0u32;
    let mut quoted = false;
    for (i, c) in s.char_indices() {
        match c {
            '"' if depth > 0 => quoted = !quoted,
            '[' if !quoted => depth += 1,
            ']' if !quoted => depth = depth.saturating_sub(1),
            '=' if depth == 0 && !quoted => {
                let (name, value) = (&s[..i], &s[i + 1..]);
                if name.is_empty() {
                    return Err(Failure::new(format!("{s:?}: the name before '=' is empty")));
                }
                return Ok((name, value));
            }
            _ => {}
        }
    }
    Err(Failure::new(format!(
        "{s:?} has no '=': expected NAME=VALUE"
    )))
}

/// Splits a parameter path at its last '.' into (obj_path with the '.', param).
fn split_param_path(path: &str) -> Result<(&str, &str), Failure> {
    match path.rfind('.') {
        Some(i) if i + 1 < path.len() => Ok((&path[..=i], &path[i + 1..])),
        _ => Err(Failure::new(format!(
            "{path:?} is not a parameter path: expected Object.Path.Param"
        ))),
    }
}

/// Writes a built Msg, wrapped in a NoSessionContext Record unless `--msg-only`.
fn finish(common: &Common, msg: &Msg) -> Result<ExitCode, Failure> {
    let msg_bytes = msg.encode_to_bytes();
    let (bytes, kind, default_name) = if common.msg_only {
        (msg_bytes.to_vec(), As::Msg, "usp_msg")
    } else {
        let to = common.to.as_deref().unwrap_or_default();
        let from = common.from.as_deref().unwrap_or_default();
        let record = usp_record::RecordBuilder::new(to, from)
            .and_then(|b| b.no_session_context(msg_bytes))
            .map_err(|e| Failure::new(format!("cannot build the Record: {e}")))?;
        (record.encode_to_vec(), As::Record, "usp_record")
    };
    let name = common.name.as_deref().unwrap_or(default_name);
    let out = common.out_file.as_deref();
    let view = |format: ViewFormat| -> Result<(), Failure> {
        let mut diags = Diags::default();
        let items: Vec<_> =
            crate::decode::decode_bytes("built", bytes.clone(), Encoding::Binary, kind, &mut diags)
                .into_iter()
                .collect();
        let text = crate::decode::present(&items, &[], &diags, format);
        emit(out, text.as_bytes())
    };
    match common.output {
        BuildFormat::Binary => write_bytes(&bytes, BytesFormat::Binary, name, out)?,
        BuildFormat::Hex => write_bytes(&bytes, BytesFormat::Hex, name, out)?,
        BuildFormat::Base64 => write_bytes(&bytes, BytesFormat::Base64, name, out)?,
        BuildFormat::CArray => write_bytes(&bytes, BytesFormat::CArray, name, out)?,
        BuildFormat::Json => view(ViewFormat::Json)?,
        BuildFormat::Text => view(ViewFormat::Text)?,
    }
    Ok(ExitCode::SUCCESS)
}

/// Runs `usp get`.
pub(crate) fn get(a: &GetArgs) -> Result<ExitCode, Failure> {
    let all = [Want::Object, Want::Parameter, Want::Command, Want::Event];
    for p in &a.paths {
        check(&a.common, p, false, &all, "a Get path")?;
    }
    let msg = GetBuilder::new(a.common.msg_id.clone())
        .paths(a.paths.iter().cloned())
        .max_depth(a.max_depth)
        .build()
        .map_err(|e| build_failed("Get", &e))?;
    finish(&a.common, &msg)
}

/// One parameter setting: `(param, value, required)`.
type Setting<'a> = (&'a str, &'a str, bool);

/// Groups `(obj_path, param, value, required)` settings by object, in first-seen order.
fn group<'a>(
    settings: impl IntoIterator<Item = (&'a str, &'a str, &'a str, bool)>,
) -> Vec<(&'a str, Vec<Setting<'a>>)> {
    let mut groups: Vec<(&str, Vec<Setting<'_>>)> = Vec::new();
    for (obj, param, value, required) in settings {
        match groups.iter_mut().find(|(o, _)| *o == obj) {
            Some((_, list)) => list.push((param, value, required)),
            None => groups.push((obj, vec![(param, value, required)])),
        }
    }
    groups
}

/// Runs `usp set`.
pub(crate) fn set(a: &SetArgs) -> Result<ExitCode, Failure> {
    let given = a
        .settings
        .iter()
        .map(|s| (s, false))
        .chain(a.required.iter().map(|s| (s, true)));
    let mut flat = Vec::new();
    for (s, required) in given {
        let (path, value) = split_setting(s)?;
        check(&a.common, path, false, &[Want::Parameter], "a Set setting")?;
        let (obj, param) = split_param_path(path)?;
        flat.push((obj, param, value, required));
    }
    if flat.is_empty() {
        return Err(Failure::usage(
            "set needs at least one PATH=VALUE (or -r PATH=VALUE)",
        ));
    }
    let mut b = SetBuilder::new(a.common.msg_id.clone()).allow_partial(a.allow_partial);
    for (obj, params) in group(flat) {
        let mut u = UpdateObject::new(obj);
        for (param, value, required) in params {
            u = if required {
                u.required_param(param, value)
            } else {
                u.param(param, value)
            };
        }
        b = b.update_obj(u);
    }
    let msg = b.build().map_err(|e| build_failed("Set", &e))?;
    finish(&a.common, &msg)
}

/// Checks a relative parameter name (`Enable`, `Stats.BytesSent`) unless disabled.
fn check_relative_name(common: &Common, name: &str, role: &str) -> Result<(), Failure> {
    if common.no_path_check {
        return Ok(());
    }
    usp_path::Parser::default()
        .parse_relparam(name)
        .map(|_| ())
        .map_err(|e| Failure::new(format!("{role} {}", path_check::error_report(name, &e))))
}

/// Runs `usp add`.
pub(crate) fn add(a: &AddArgs) -> Result<ExitCode, Failure> {
    check(&a.common, &a.obj, false, &[Want::Object], "the Add object")?;
    let mut obj = CreateObject::new(a.obj.clone());
    let given = a
        .params
        .iter()
        .map(|s| (s, false))
        .chain(a.required.iter().map(|s| (s, true)));
    for (s, required) in given {
        let (param, value) = split_setting(s)?;
        check_relative_name(&a.common, param, "parameter name:")?;
        obj = if required {
            obj.required_param(param, value)
        } else {
            obj.param(param, value)
        };
    }
    let msg = AddBuilder::new(a.common.msg_id.clone())
        .allow_partial(a.allow_partial)
        .create_obj(obj)
        .build()
        .map_err(|e| build_failed("Add", &e))?;
    finish(&a.common, &msg)
}

/// Runs `usp delete`.
pub(crate) fn delete(a: &DeleteArgs) -> Result<ExitCode, Failure> {
    let mut b = DeleteBuilder::new(a.common.msg_id.clone()).allow_partial(a.allow_partial);
    for o in &a.objs {
        check(&a.common, o, false, &[Want::Object], "a Delete path")?;
        b = b.obj_path(o.clone());
    }
    let msg = b.build().map_err(|e| build_failed("Delete", &e))?;
    finish(&a.common, &msg)
}

/// Runs `usp operate`.
pub(crate) fn operate(a: &OperateArgs) -> Result<ExitCode, Failure> {
    check(
        &a.common,
        &a.command,
        false,
        &[Want::Command],
        "the Operate command",
    )?;
    let mut b = OperateBuilder::new(a.common.msg_id.clone(), a.command.clone())
        .command_key(a.command_key.clone())
        .send_resp(a.send_resp);
    for s in &a.args {
        let (name, value) = split_setting(s)?;
        b = b.input_arg(name, value);
    }
    let msg = b.build().map_err(|e| build_failed("Operate", &e))?;
    finish(&a.common, &msg)
}

/// Runs `usp get-instances`.
pub(crate) fn get_instances(a: &GetInstancesArgs) -> Result<ExitCode, Failure> {
    let mut b =
        GetInstancesBuilder::new(a.common.msg_id.clone()).first_level_only(a.first_level_only);
    for o in &a.objs {
        check(&a.common, o, false, &[Want::Object], "a GetInstances path")?;
        b = b.obj_path(o.clone());
    }
    let msg = b.build().map_err(|e| build_failed("GetInstances", &e))?;
    finish(&a.common, &msg)
}

/// Runs `usp get-supported-dm`.
pub(crate) fn get_supported_dm(a: &GetSupportedDmArgs) -> Result<ExitCode, Failure> {
    let all = [Want::Object, Want::Parameter, Want::Command, Want::Event];
    let mut b = GetSupportedDmBuilder::new(a.common.msg_id.clone())
        .first_level_only(a.first_level_only)
        .return_commands(a.return_commands || a.all)
        .return_events(a.return_events || a.all)
        .return_params(a.return_params || a.all)
        .return_unique_key_sets(a.return_unique_key_sets || a.all);
    for o in &a.objs {
        check(&a.common, o, true, &all, "a GetSupportedDM path")?;
        b = b.obj_path(o.clone());
    }
    let msg = b.build().map_err(|e| build_failed("GetSupportedDM", &e))?;
    finish(&a.common, &msg)
}

/// Runs `usp get-supported-protocol`.
pub(crate) fn get_supported_protocol(a: &GetSupportedProtocolArgs) -> Result<ExitCode, Failure> {
    let msg = GetSupportedProtocolBuilder::new(a.common.msg_id.clone(), a.versions.clone())
        .build()
        .map_err(|e| build_failed("GetSupportedProtocol", &e))?;
    finish(&a.common, &msg)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_split_outside_expressions() {
        let (p, v) = split_setting(r#"Device.IP.Interface.[Alias=="a=b"].Enable=true"#).unwrap();
        assert_eq!(
            (p, v),
            (r#"Device.IP.Interface.[Alias=="a=b"].Enable"#, "true")
        );
        assert_eq!(split_setting("A.B=x=y").unwrap(), ("A.B", "x=y"));
        assert_eq!(split_setting("A.B=").unwrap(), ("A.B", ""));
        assert!(split_setting("A.B").is_err());
        assert!(split_setting("=x").is_err());
    }

    #[test]
    fn param_paths_split_at_the_last_dot() {
        assert_eq!(
            split_param_path("Device.WiFi.SSID.1.Enable").unwrap(),
            ("Device.WiFi.SSID.1.", "Enable")
        );
        assert!(split_param_path("Device.WiFi.").is_err());
        assert!(split_param_path("Enable").is_err());
    }

    #[test]
    fn grouping_keeps_first_seen_order() {
        let g = group([
            ("A.", "x", "1", false),
            ("B.", "y", "2", true),
            ("A.", "z", "3", false),
        ]);
        assert_eq!(
            g,
            vec![
                ("A.", vec![("x", "1", false), ("z", "3", false)]),
                ("B.", vec![("y", "2", true)])
            ]
        );
    }
}
