//! `usp`: decode, encode, build and inspect USP (TR-369) Records, Messages and Path Names.
//!
//! ```text
//! usp decode record.bin                       # readable view, payload Msg shown inline
//! usp decode --output json seg1.bin seg2.bin seg3.bin   # reassembles a segmented Msg
//! usp encode msg.json --output hex            # protobuf JSON -> bytes
//! usp get Device.DeviceInfo. --to os::012345-525400A1B2C3 --from proto::controller-1 -o get.bin
//! usp path check 'Device.IP.Interface.[Type=="Normal"].Status'
//! ```
//!
//! Exit status: 0 success; 1 invalid input, a failed validation (with `--strict`) or an I/O
//! error; 2 a usage error (unknown option, missing argument).
//!
//! See README.md for every command. The binary is a thin layer over `usp-record`, `usp-msg`
//! and `usp-path`; all decoding and validation rules live there.
#![forbid(unsafe_code)]

/// `eprintln!` that never panics: a closed or broken stderr is ignored.
macro_rules! stderr_line {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stderr(), $($arg)*);
    }};
}
pub(crate) use stderr_line;

/// `eprint!` that never panics: a closed or broken stderr is ignored.
macro_rules! stderr_text {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = write!(std::io::stderr(), $($arg)*);
    }};
}
pub(crate) use stderr_text;

mod build;
mod decode;
mod encode;
mod input;
mod path_check;
mod tree;

use std::io::Write as _;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// A failure that ends the command: a message for stderr and the exit status.
#[derive(Debug)]
pub(crate) struct Failure {
    message: String,
    status: u8,
}

impl Failure {
    /// Invalid input or an I/O error: exit status 1.
    pub(crate) fn new(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
            status: 1,
        }
    }

    /// A usage error clap cannot see (e.g. an argument combination): exit status 2.
    pub(crate) fn usage(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
            status: 2,
        }
    }
}

/// Writes `data` to the file `out`, or to stdout. A closed stdout pipe (`usp ... | head`) is
/// not an error.
pub(crate) fn emit(out: Option<&std::path::Path>, data: &[u8]) -> Result<(), Failure> {
    match out {
        Some(path) => std::fs::write(path, data)
            .map_err(|e| Failure::new(format!("cannot write {}: {e}", path.display()))),
        None => {
            let mut stdout = std::io::stdout().lock();
            match stdout.write_all(data).and_then(|()| stdout.flush()) {
                Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => {
                    Err(Failure::new(format!("cannot write to stdout: {e}")))
                }
                _ => Ok(()),
            }
        }
    }
}

const ABOUT: &str =
    "Decode, encode, build and inspect USP (TR-369) Records, Messages and Path Names";

const LONG_ABOUT: &str = "\
Decode, encode, build and inspect USP (TR-369) Records, Messages and Path Names.

Binary inputs can also be given as hex or base64 text. Errors go to stderr and name the input,
what is wrong and where; USP validation problems carry their USP error code.

Exit status: 0 success; 1 invalid input, failed validation (--strict) or I/O error; 2 usage error.";

const EXAMPLES: &str = "\
Examples:
  usp decode record.bin
  usp decode --output json seg1.bin seg2.bin seg3.bin
  usp encode msg.json --output hex
  usp get Device.DeviceInfo. --to os::012345-525400A1B2C3 --from proto::controller-1 -o get.bin
  usp path check 'Device.IP.Interface.[Type==\"Normal\"].Status'";

const DECODE_ABOUT: &str = "Decode a USP Record or Msg and show it as text or JSON";
const DECODE_LONG: &str = "\
Decode a USP Record or Msg and show it as text or JSON.

The input is a Record if it decodes as a valid Record, otherwise a Msg if it decodes as a valid
Msg (--as overrides). The payload of a NoSessionContext Record, and of an unsegmented PLAINTEXT
SessionContext Record, is decoded as a Msg and shown inline. Given several files, SessionContext
Records that are segments of one Msg are put in sequence_id order, reassembled following
payload_sar_state and payloadrec_sar_state, and the reassembled Msg is shown.

Wire-format failures are errors (exit status 1). Inputs that decode but break a USP rule (e.g. a
header msg_type that disagrees with the body, an unknown enum value, a missing record_type) are
warnings with their USP error code; they make the exit status 1 only with --strict.

JSON output is {\"source\", \"kind\", \"value\", \"payload\"} for one input, where \"value\" is the
protobuf JSON of the Record or Msg (the layout of testdata/vectors) and \"payload\" the decoded
payload Msg; with several inputs {\"inputs\": [...], \"reassembled\": [...]}. Problems are listed
under \"diagnostics\" as well as on stderr.";
const DECODE_EXAMPLES: &str = "\
Examples:
  usp decode record.bin
  usp decode --output json record.bin
  xxd -p record.bin | usp decode            # hex text is detected
  usp decode --input base64 --as msg msg.b64
  usp decode --strict --output json seg1.bin seg2.bin seg3.bin";

const ENCODE_ABOUT: &str = "Encode a Record or Msg given as protobuf JSON";
const ENCODE_LONG: &str = "\
Encode a Record or Msg given as protobuf JSON (proto field names or lowerCamelCase, bytes as
base64, 64-bit integers as strings, enums by name or number).

Whether the JSON is a Record or a Msg is told from its top-level keys (\"header\"/\"body\": a
Msg; \"version\", \"to_id\", \"from_id\", a record type: a Record) or given with --as. A wrapper
{\"kind\": \"record\"|\"msg\", \"value\": ...} (a testdata vector, or `usp decode --output json`)
is unwrapped. The bytes are canonical protobuf (fields in number order, map entries by key).
The result is decoded again and USP rule violations are shown as warnings; --strict refuses
to encode such a value.";
const ENCODE_EXAMPLES: &str = "\
Examples:
  usp encode record.json -o record.bin
  usp encode --output hex msg.json
  usp encode --output c-array --name get_record record.json
  usp decode --output json record.bin | usp encode --output base64";

/// The long help of a request builder: its description, then what all builders share.
macro_rules! build_help {
    ($about:literal) => {
        concat!(
            $about,
            "\n\nThe request is wrapped in a NoSessionContext Record from --from to --to (Record version 1.4),\n",
            "or written alone with --msg-only. The msg_id is \"usp-cli-1\" unless --msg-id is given, so the\n",
            "output is reproducible. Paths are checked with the USP path grammar first (7008 on error);\n",
            "--no-path-check skips that."
        )
    };
}

#[derive(Parser, Debug)]
#[command(
    name = "usp",
    version,
    about = ABOUT,
    long_about = LONG_ABOUT,
    after_help = EXAMPLES,
    propagate_version = true,
    disable_help_subcommand = true
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    #[command(about = DECODE_ABOUT, long_about = DECODE_LONG, after_help = DECODE_EXAMPLES)]
    Decode(decode::DecodeArgs),
    #[command(about = ENCODE_ABOUT, long_about = ENCODE_LONG, after_help = ENCODE_EXAMPLES)]
    Encode(encode::EncodeArgs),
    #[command(
        about = "Build a Get request",
        long_about = build_help!("Build a Get request."),
        after_help = concat!("Examples:\n  ", "\
  usp get Device.DeviceInfo.SoftwareVersion --to os::012345-525400A1B2C3 --from proto::controller-1 -o get.bin
  usp get 'Device.WiFi.SSID.*.' --max-depth 1 --msg-only --output json
  usp get 'Device.IP.Interface.[Type==\"Normal\"].Status' --to proto::agent --from proto::ctrl --output hex")
    )]
    Get(build::GetArgs),
    #[command(
        about = "Build a Set request",
        long_about = build_help!("Build a Set request.

Each PATH=VALUE is split at the first '=' outside a search expression; the path is split at
its last '.' into obj_path and param, and settings of the same object become one UpdateObject."),
        after_help = concat!("Examples:\n  ", "\
  usp set Device.WiFi.SSID.1.SSID=Home Device.WiFi.SSID.1.Enable=true --to proto::agent --from proto::ctrl -o set.bin
  usp set -r Device.LocalAgent.Controller.1.Enable=false --allow-partial --msg-only --output text")
    )]
    Set(build::SetArgs),
    #[command(
        about = "Build an Add request",
        long_about = build_help!("Build an Add request creating one instance of OBJ."),
        after_help = concat!("Examples:\n  ", "\
  usp add Device.LocalAgent.Subscription. Enable=true NotifType=ValueChange ReferenceList=Device.DeviceInfo.UpTime --to proto::agent --from proto::ctrl -o add.bin
  usp add Device.IP.Interface. -r Alias=wan2 --msg-only --output json")
    )]
    Add(build::AddArgs),
    #[command(
        about = "Build a Delete request",
        long_about = build_help!("Build a Delete request."),
        after_help = concat!("Examples:\n  ", "\
  usp delete Device.LocalAgent.Subscription.3. --to proto::agent --from proto::ctrl -o delete.bin
  usp delete 'Device.NAT.PortMapping.[Alias==\"old\"].' --allow-partial --msg-only --output text")
    )]
    Delete(build::DeleteArgs),
    #[command(
        about = "Build an Operate request",
        long_about = build_help!("Build an Operate request for the command CMD with input arguments ARG=VALUE."),
        after_help = concat!("Examples:\n  ", "\
  usp operate 'Device.Reboot()' --command-key reboot-1 --to proto::agent --from proto::ctrl -o reboot.bin
  usp operate 'Device.IP.Diagnostics.IPPing()' Host=192.0.2.1 NumberOfRepetitions=3 --send-resp --msg-only --output json")
    )]
    Operate(build::OperateArgs),
    #[command(
        about = "Build a GetInstances request",
        long_about = build_help!("Build a GetInstances request."),
        after_help = concat!("Examples:\n  ", "\
  usp get-instances Device.WiFi.SSID. --first-level-only --to proto::agent --from proto::ctrl -o gi.bin")
    )]
    GetInstances(build::GetInstancesArgs),
    #[command(
        name = "get-supported-dm",
        about = "Build a GetSupportedDM request",
        long_about = build_help!("Build a GetSupportedDM request."),
        after_help = concat!("Examples:\n  ", "\
  usp get-supported-dm Device.WiFi. --all --first-level-only --to proto::agent --from proto::ctrl -o gsdm.bin
  usp get-supported-dm 'Device.WiFi.SSID.{i}.' --return-params --msg-only --output text")
    )]
    GetSupportedDm(build::GetSupportedDmArgs),
    #[command(
        about = "Build a GetSupportedProtocol request",
        long_about = build_help!("Build a GetSupportedProtocol request listing the Controller's USP versions."),
        after_help = concat!("Examples:\n  ", "\
  usp get-supported-protocol 1.3,1.4 --to proto::agent --from proto::ctrl -o gsp.bin")
    )]
    GetSupportedProtocol(build::GetSupportedProtocolArgs),
    /// Path Name tools.
    #[command(subcommand)]
    Path(PathCommand),
}

#[derive(Subcommand, Debug)]
enum PathCommand {
    #[command(
        about = "Check Path Names and show their structure",
        long_about = "\
Check Path Names and show their structure.

A valid path is printed with its kind, canonical form, whether it can match many instances, each
segment (search expression components with operator and constant) and its target. An invalid one
gives the error, its byte offset and a caret under the offending character on stderr, and exit
status 1 (USP error 7008, Invalid path syntax).",
        after_help = "\
Examples:
  usp path check 'Device.IP.Interface.[Type==\"Normal\"&&Stats.ErrorsSent>0].IPv4Address.*.IPAddress'
  usp path check 'Device.IP.Interface.01.'
  usp path check --form supported 'Device.WiFi.SSID.{i}.Enable'"
    )]
    Check(path_check::CheckArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match &cli.command {
        Command::Decode(a) => decode::run(a),
        Command::Encode(a) => encode::run(a),
        Command::Get(a) => build::get(a),
        Command::Set(a) => build::set(a),
        Command::Add(a) => build::add(a),
        Command::Delete(a) => build::delete(a),
        Command::Operate(a) => build::operate(a),
        Command::GetInstances(a) => build::get_instances(a),
        Command::GetSupportedDm(a) => build::get_supported_dm(a),
        Command::GetSupportedProtocol(a) => build::get_supported_protocol(a),
        Command::Path(PathCommand::Check(a)) => path_check::run(a),
    };
    match result {
        Ok(code) => code,
        Err(f) => {
            let msg = f.message.trim_end();
            crate::stderr_line!("usp: error: {msg}");
            ExitCode::from(f.status)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory as _;

    #[test]
    fn clap_definition_is_consistent() {
        Cli::command().debug_assert();
    }
}
