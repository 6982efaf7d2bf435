//! `usp decode`: bytes to a readable or JSON view, recursing into payloads and reassembling
//! segmented SessionContext Records.

use std::path::PathBuf;
use std::process::ExitCode;

use bytes::Bytes;
use clap::{Args, ValueEnum};
use prost::Message as _;
use usp_msg::pb as mpb;
use usp_record::pb as rpb;

use crate::input::{self, Encoding, InputFormat};
use crate::tree::Node;
use crate::{Failure, emit};

/// The largest Msg rebuilt from segments: 16 MiB.
const MAX_REASSEMBLED: usize = 16 * 1024 * 1024;

/// What the input is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub(crate) enum As {
    /// A Record if it decodes as a valid Record, else a Msg if it decodes as a valid Msg,
    /// else whichever it resembles (for the error report).
    Auto,
    /// A USP Record (`usp_record.Record`).
    Record,
    /// A USP Message (`usp.Msg`).
    Msg,
}

/// How `decode` shows what it found.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub(crate) enum ViewFormat {
    /// Indented, readable text.
    Text,
    /// JSON: `{"kind", "value", "payload"}` with protobuf JSON values.
    Json,
}

/// Arguments of `usp decode`.
#[derive(Args, Debug)]
pub(crate) struct DecodeArgs {
    /// Files to decode; none or `-` reads stdin. Several SessionContext Records that are the
    /// segments of one Msg are reassembled.
    #[arg(value_name = "FILE")]
    files: Vec<PathBuf>,
    /// How the input bytes are written.
    #[arg(long, value_enum, default_value_t = InputFormat::Auto)]
    input: InputFormat,
    /// What the input is.
    #[arg(long = "as", value_name = "KIND", value_enum, default_value_t = As::Auto)]
    kind: As,
    /// Output format.
    #[arg(long, value_enum, default_value_t = ViewFormat::Text)]
    output: ViewFormat,
    /// Exit with status 1 when there are warnings (USP validation problems), not only errors.
    #[arg(long)]
    strict: bool,
}

/// Severity of a [`Diag`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Severity {
    /// The input could not be decoded at all (wire format, text encoding, reassembly).
    Error,
    /// The input decodes but breaks a USP rule.
    Warning,
}

/// One problem found, with where it was found and the USP error code it maps to.
#[derive(Clone, Debug)]
pub(crate) struct Diag {
    severity: Severity,
    source: String,
    message: String,
    code: Option<u32>,
    /// Set for record failures a receiver drops without an Error reply (R-ENC.4).
    discard: bool,
}

/// The problems found so far.
#[derive(Debug, Default)]
pub(crate) struct Diags(Vec<Diag>);

impl Diags {
    fn add(&mut self, severity: Severity, source: &str, message: String, code: Option<u32>) {
        self.0.push(Diag {
            severity,
            source: source.to_owned(),
            message,
            code,
            discard: false,
        });
    }

    pub(crate) fn error(&mut self, source: &str, message: String, code: Option<u32>) {
        self.add(Severity::Error, source, message, code);
    }

    pub(crate) fn warning(&mut self, source: &str, message: String, code: Option<u32>) {
        self.add(Severity::Warning, source, message, code);
    }

    fn record_error(&mut self, severity: Severity, source: &str, e: &usp_record::RecordError) {
        self.add(severity, source, format!("record: {e}"), e.usp_error_code());
        if let (None, Some(d)) = (e.usp_error_code(), self.0.last_mut()) {
            d.discard = true;
        }
    }

    pub(crate) fn has_errors(&self) -> bool {
        self.0.iter().any(|d| d.severity == Severity::Error)
    }

    pub(crate) fn has_warnings(&self) -> bool {
        self.0.iter().any(|d| d.severity == Severity::Warning)
    }

    /// Writes every problem to stderr, one line each.
    pub(crate) fn print(&self) {
        for d in &self.0 {
            let level = match d.severity {
                Severity::Error => "error",
                Severity::Warning => "warning",
            };
            let code = match (d.code, d.discard) {
                (Some(c), _) => format!(" [USP error {}]", usp_msg::ErrorCode::new(c)),
                (None, true) => " [no error code: a receiver discards it silently, R-ENC.4]".into(),
                (None, false) => String::new(),
            };
            crate::stderr_line!("usp: {level}: {}: {}{code}", d.source, d.message);
        }
    }

    fn to_node(&self) -> Node {
        Node::Seq(
            self.0
                .iter()
                .map(|d| {
                    let mut n = Node::map([
                        (
                            "severity",
                            Node::str(match d.severity {
                                Severity::Error => "error",
                                Severity::Warning => "warning",
                            }),
                        ),
                        ("source", Node::str(&d.source)),
                        ("message", Node::str(&d.message)),
                    ]);
                    if let Some(c) = d.code {
                        n.push("usp_error_code", Node::U64(u64::from(c)));
                    }
                    n
                })
                .collect(),
        )
    }
}

/// A decoded top-level input.
#[derive(Debug, Clone)]
pub(crate) enum Top {
    Record(rpb::Record),
    Msg(mpb::Msg),
}

/// A Msg found inside a payload.
#[derive(Debug, Clone)]
struct InlineMsg {
    len: usize,
    msg: Option<mpb::Msg>,
}

/// One decoded input.
#[derive(Debug, Clone)]
pub(crate) struct Item {
    source: String,
    len: usize,
    encoding: Encoding,
    top: Top,
    inline: Option<InlineMsg>,
}

/// A Msg rebuilt from segments.
#[derive(Debug)]
pub(crate) struct Reassembled {
    session_id: u64,
    seqs: Vec<u64>,
    sources: Vec<String>,
    security: i32,
    /// Payload records (one for PLAINTEXT).
    records: Vec<Vec<u8>>,
    msg: Option<mpb::Msg>,
}

/// Runs `usp decode`.
pub(crate) fn run(args: &DecodeArgs) -> Result<ExitCode, Failure> {
    let files: Vec<Option<PathBuf>> = if args.files.is_empty() {
        vec![None]
    } else {
        args.files.iter().cloned().map(Some).collect()
    };
    let stdin_uses = files
        .iter()
        .filter(|f| f.as_ref().is_none_or(|p| p.as_os_str() == "-"))
        .count();
    if stdin_uses > 1 {
        return Err(Failure::usage("stdin ('-') can be given only once"));
    }
    let mut diags = Diags::default();
    let mut items = Vec::new();
    let mut total = 0u64;
    for f in &files {
        let (source, raw) = input::read_source(f.as_deref())?;
        total = total.saturating_add(raw.len() as u64);
        if total > input::MAX_TOTAL_INPUT {
            return Err(Failure::new(format!(
                "the inputs add up to more than {} MiB; decode fewer at a time",
                input::MAX_TOTAL_INPUT / (1024 * 1024)
            )));
        }
        match input::decode_input(&raw, args.input) {
            Ok((bytes, encoding)) => {
                if let Some(item) = decode_bytes(&source, bytes, encoding, args.kind, &mut diags) {
                    items.push(item);
                }
            }
            Err(e) => diags.error(&source, e, None),
        }
    }
    let reassembled = reassemble(&items, &mut diags);
    let text = present(&items, &reassembled, &diags, args.output);
    if !text.is_empty() {
        emit(None, text.as_bytes())?;
    }
    diags.print();
    Ok(
        if diags.has_errors() || (args.strict && diags.has_warnings()) {
            ExitCode::from(1)
        } else {
            ExitCode::SUCCESS
        },
    )
}

/// Decodes one input's bytes as a Record or Msg, with its inline payload.
pub(crate) fn decode_bytes(
    source: &str,
    bytes: Vec<u8>,
    encoding: Encoding,
    kind: As,
    diags: &mut Diags,
) -> Option<Item> {
    let len = bytes.len();
    let bytes = Bytes::from(bytes);
    let top = match kind {
        As::Record => Top::Record(record_top(source, &bytes, diags)?),
        As::Msg => Top::Msg(msg_top(source, "msg", &bytes, diags)?),
        As::Auto => auto_top(source, &bytes, diags)?,
    };
    let inline = match &top {
        Top::Record(r) => inline_payload(source, r, diags),
        Top::Msg(_) => None,
    };
    Some(Item {
        source: source.to_owned(),
        len,
        encoding,
        top,
        inline,
    })
}

fn auto_top(source: &str, bytes: &Bytes, diags: &mut Diags) -> Option<Top> {
    if record_decode(bytes).is_ok() {
        return record_top(source, bytes, diags).map(Top::Record);
    }
    let msg_wire = mpb::Msg::decode(bytes.clone());
    if let Ok(m) = &msg_wire {
        if usp_msg::Msg::try_from(m.clone()).is_ok() {
            return msg_top(source, "msg", bytes, diags).map(Top::Msg);
        }
    }
    let rec_wire = rpb::Record::decode(bytes.clone());
    let record_like = rec_wire
        .as_ref()
        .is_ok_and(|r| r.record_type.is_some() || usp_record::Version::parse(&r.version).is_some());
    let msg_like = msg_wire
        .as_ref()
        .is_ok_and(|m| m.header.is_some() || m.body.is_some());
    match (record_like, msg_like, first_field_guess(bytes)) {
        (true, _, _) | (false, false, Some(As::Record)) => {
            record_top(source, bytes, diags).map(Top::Record)
        }
        (false, true, _) | (false, false, Some(As::Msg)) => {
            msg_top(source, "msg", bytes, diags).map(Top::Msg)
        }
        _ => {
            let rec_err = match record_decode(bytes) {
                Err(e) => e.to_string(),
                Ok(_) => "no record_type".into(),
            };
            let msg_err = match msg_wire {
                Err(e) => format!("protobuf decode failed: {e}"),
                Ok(_) => "no header and no body".into(),
            };
            diags.error(
                source,
                format!(
                    "{len} bytes are neither a USP Record ({rec_err}) nor a USP Msg ({msg_err}); \
                     use --as record or --as msg to see one of them in detail",
                    len = bytes.len()
                ),
                None,
            );
            None
        }
    }
}

/// Guesses from the first field what malformed bytes were meant to be: a Record starts with
/// its `version` string (field 1, e.g. `0a 03 "1.4"`), a Msg with its `header` message
/// (field 1 holding `msg_id`, field 1, or `msg_type`, field 2).
fn first_field_guess(bytes: &[u8]) -> Option<As> {
    let (&tag, rest) = bytes.split_first()?;
    let (&len, rest) = rest.split_first()?;
    if tag != 0x0a || len >= 0x80 {
        return None;
    }
    let body = rest.get(..usize::from(len)).unwrap_or(rest);
    if core::str::from_utf8(body)
        .ok()
        .and_then(usp_record::Version::parse)
        .is_some()
    {
        Some(As::Record)
    } else if matches!(body.first(), Some(0x0a | 0x10)) {
        Some(As::Msg)
    } else {
        None
    }
}

/// Validates a Record with usp-record's rules; the size limit is the tool's input limit, and
/// a Record above usp-record's default limit is reported by [`record_top`] as a warning.
fn record_decode(bytes: &Bytes) -> Result<usp_record::Record, usp_record::RecordError> {
    let limit = usize::try_from(input::MAX_INPUT).unwrap_or(usize::MAX);
    let opts = usp_record::DecodeOptions::new().max_record_size(limit);
    usp_record::Record::decode_with(bytes.clone(), &opts)
}

fn record_top(source: &str, bytes: &Bytes, diags: &mut Diags) -> Option<rpb::Record> {
    if bytes.len() > usp_record::DEFAULT_MAX_RECORD_SIZE {
        diags.warning(
            source,
            format!(
                "record: {} bytes, more than usp-record's default limit of {} bytes",
                bytes.len(),
                usp_record::DEFAULT_MAX_RECORD_SIZE
            ),
            Some(7100),
        );
    }
    match record_decode(bytes) {
        Ok(_) => {}
        Err(e) if e.is_decode_error() => {
            diags.record_error(Severity::Error, source, &e);
            return None;
        }
        Err(e) => diags.record_error(Severity::Warning, source, &e),
    }
    match rpb::Record::decode(bytes.clone()) {
        Ok(r) => Some(r),
        Err(e) => {
            diags.error(
                source,
                format!("record: record could not be parsed: {e}"),
                Some(7100),
            );
            None
        }
    }
}

/// Decodes and validates a Msg; `what` names it in messages (`msg`, `payload`).
fn msg_top(source: &str, what: &str, bytes: &[u8], diags: &mut Diags) -> Option<mpb::Msg> {
    let raw = match mpb::Msg::decode(bytes) {
        Ok(m) => m,
        Err(e) => {
            diags.error(
                source,
                format!("{what}: protobuf decode failed: {e}"),
                Some(usp_msg::ErrorCode::MESSAGE_FAILED.get()),
            );
            return None;
        }
    };
    validate_msg(source, what, &raw, bytes.len(), diags);
    Some(raw)
}

fn validate_msg(source: &str, what: &str, raw: &mpb::Msg, len: usize, diags: &mut Diags) {
    if len > usp_msg::DEFAULT_MAX_MSG_SIZE {
        diags.warning(
            source,
            format!(
                "{what}: {len} bytes, more than usp-msg's default limit of {} bytes",
                usp_msg::DEFAULT_MAX_MSG_SIZE
            ),
            Some(usp_msg::ErrorCode::RESOURCES_EXCEEDED.get()),
        );
    }
    match usp_msg::Msg::try_from(raw.clone()) {
        Err(e) => diags.warning(
            source,
            format!("{what}: {e}"),
            Some(e.usp_error_code().get()),
        ),
        Ok(m) => {
            if let Some(w) = m.warning() {
                let mut strict = usp_msg::DecodeOptions::new();
                strict.strict(true);
                let code = usp_msg::Msg::from_pb_with(raw.clone(), &strict)
                    .err()
                    .map(|e| e.usp_error_code().get());
                diags.warning(
                    source,
                    format!("{what}: {w} (R-MSG.10: the body's type is used)"),
                    code,
                );
            }
        }
    }
}

const PLAINTEXT: i32 = 0;

fn inline_payload(source: &str, r: &rpb::Record, diags: &mut Diags) -> Option<InlineMsg> {
    let payload: Bytes = match &r.record_type {
        Some(rpb::record::RecordType::NoSessionContext(n)) => n.payload.clone(),
        Some(rpb::record::RecordType::SessionContext(s)) if s.payload_sar_state == 0 => {
            match s.payload.as_slice() {
                [] => return None,
                [one] => one.clone(),
                many => {
                    if r.payload_security == PLAINTEXT {
                        diags.warning(
                            source,
                            format!(
                                "session_context: {} payload entries in an unsegmented PLAINTEXT \
                                 Record (one is expected); decoding their concatenation",
                                many.len()
                            ),
                            None,
                        );
                    }
                    many.concat().into()
                }
            }
        }
        _ => return None,
    };
    if r.payload_security != PLAINTEXT || payload.is_empty() {
        return None;
    }
    let msg = msg_top(source, "payload", &payload, diags);
    Some(InlineMsg {
        len: payload.len(),
        msg,
    })
}

/// A SessionContext Record taking part in reassembly.
struct Seg<'a> {
    source: &'a str,
    from: &'a str,
    to: &'a str,
    security: i32,
    ctx: &'a rpb::SessionContextRecord,
}

fn sar_name(v: i32) -> String {
    rpb::session_context_record::PayloadSarState::try_from(v)
        .map_or_else(|_| v.to_string(), |s| s.as_str_name().to_owned())
}

/// A segmented Msg being rebuilt.
struct Open {
    session_id: u64,
    seqs: Vec<u64>,
    sources: Vec<String>,
    security: i32,
    records: Vec<Vec<u8>>,
    partial: Option<Vec<u8>>,
    total: usize,
}

/// Reassembles segmented Msgs from the SessionContext Records among `items`
/// (TR-369 "Segmentation and Reassembly": ascending sequence_id, BEGIN ... COMPLETE, payload
/// records rebuilt by payloadrec_sar_state).
fn reassemble(items: &[Item], diags: &mut Diags) -> Vec<Reassembled> {
    let mut segs: Vec<Seg<'_>> = items
        .iter()
        .filter_map(|it| match &it.top {
            Top::Record(r) => match &r.record_type {
                // Unknown SAR states are reported by validation; such Records are skipped.
                Some(rpb::record::RecordType::SessionContext(ctx))
                    if (0..=3).contains(&ctx.payload_sar_state)
                        && (0..=3).contains(&ctx.payloadrec_sar_state) =>
                {
                    Some(Seg {
                        source: &it.source,
                        from: &r.from_id,
                        to: &r.to_id,
                        security: r.payload_security,
                        ctx,
                    })
                }
                _ => None,
            },
            Top::Msg(_) => None,
        })
        .collect();
    if !segs.iter().any(|s| s.ctx.payload_sar_state != 0) {
        return Vec::new();
    }
    segs.sort_by(|a, b| {
        (a.from, a.to, a.ctx.session_id, a.ctx.sequence_id).cmp(&(
            b.from,
            b.to,
            b.ctx.session_id,
            b.ctx.sequence_id,
        ))
    });
    let mut out = Vec::new();
    let mut open: Option<Open> = None;
    let mut prev: Option<&Seg<'_>> = None;
    for seg in &segs {
        let same_session = prev.is_some_and(|p| {
            (p.from, p.to, p.ctx.session_id) == (seg.from, seg.to, seg.ctx.session_id)
        });
        if !same_session {
            if let Some(o) = open.take() {
                incomplete(&o, diags);
            }
        } else if let Some(p) = prev {
            if p.ctx.sequence_id == seg.ctx.sequence_id {
                if p.ctx == seg.ctx {
                    diags.warning(
                        seg.source,
                        format!(
                            "reassembly: duplicate of sequence_id {} from {} (ignored)",
                            seg.ctx.sequence_id, p.source
                        ),
                        None,
                    );
                } else {
                    diags.error(
                        seg.source,
                        format!(
                            "reassembly: a different Record with sequence_id {} was given in {}",
                            seg.ctx.sequence_id, p.source
                        ),
                        None,
                    );
                }
                continue;
            }
        }
        prev = Some(seg);
        if let Some(r) = step(&mut open, seg, diags) {
            out.push(r);
        }
    }
    if let Some(o) = open.take() {
        incomplete(&o, diags);
    }
    for r in &mut out {
        if r.security == PLAINTEXT {
            let bytes = r.records.concat();
            let src = format!("reassembled Msg (sequence_id {})", join_seqs(&r.seqs));
            if r.records.len() > 1 {
                diags.warning(
                    &src,
                    format!(
                        "{} payload records in a PLAINTEXT Msg (one is expected); decoding their concatenation",
                        r.records.len()
                    ),
                    None,
                );
            }
            r.msg = msg_top(&src, "msg", &bytes, diags);
        }
    }
    out
}

/// Missing segments are warnings: the input is incomplete, not wrong.
fn incomplete(o: &Open, diags: &mut Diags) {
    diags.warning(
        o.sources.last().map_or("", String::as_str),
        format!(
            "reassembly: the segmented Msg that begins at sequence_id {} is incomplete: \
             no Record with payload_sar_state COMPLETE follows sequence_id {} \
             (give all its segments to reassemble it)",
            o.seqs.first().copied().unwrap_or_default(),
            o.seqs.last().copied().unwrap_or_default()
        ),
        None,
    );
}

/// Feeds one Record to the reassembly state machine; returns a finished Msg.
fn step(open: &mut Option<Open>, seg: &Seg<'_>, diags: &mut Diags) -> Option<Reassembled> {
    let ctx = seg.ctx;
    let seq = ctx.sequence_id;
    let src = seg.source;
    let fail = |diags: &mut Diags, open: &mut Option<Open>, why: String| {
        diags.error(src, format!("reassembly: {why}"), None);
        *open = None;
    };
    let missing = |diags: &mut Diags, open: &mut Option<Open>, why: String| {
        diags.warning(src, format!("reassembly: {why}"), None);
        *open = None;
    };
    match ctx.payload_sar_state {
        0 => {
            if let Some(o) = open {
                let first = o.seqs.first().copied().unwrap_or_default();
                fail(
                    diags,
                    open,
                    format!(
                        "sequence_id {seq} has payload_sar_state NONE inside the segmented Msg \
                         that begins at sequence_id {first}"
                    ),
                );
            }
            return None;
        }
        1 => {
            if let Some(o) = open.as_ref() {
                let first = o.seqs.first().copied().unwrap_or_default();
                diags.error(
                    seg.source,
                    format!(
                        "reassembly: sequence_id {seq} BEGINs a new Msg before the one that \
                         begins at sequence_id {first} is COMPLETE"
                    ),
                    None,
                );
            }
            *open = Some(Open {
                session_id: ctx.session_id,
                seqs: Vec::new(),
                sources: Vec::new(),
                security: seg.security,
                records: Vec::new(),
                partial: None,
                total: 0,
            });
        }
        2 | 3 => {
            let Some(o) = open.as_ref() else {
                missing(
                    diags,
                    open,
                    format!(
                        "sequence_id {seq} has payload_sar_state {} but no Record with BEGIN \
                         precedes it",
                        sar_name(ctx.payload_sar_state)
                    ),
                );
                return None;
            };
            let last = o.seqs.last().copied().unwrap_or_default();
            if seq != last.saturating_add(1) {
                missing(
                    diags,
                    open,
                    if seq > last.saturating_add(1) {
                        let (a, b) = (last + 1, seq - 1);
                        let which = if a == b {
                            format!("sequence_id {a} is")
                        } else {
                            format!("sequence_id {a} to {b} are")
                        };
                        format!(
                            "{which} missing between {last} and {seq} \
                             (a receiver asks for it with retransmit_id)"
                        )
                    } else {
                        format!("sequence_id {seq} does not follow {last}")
                    },
                );
                return None;
            }
        }
        other => {
            fail(
                diags,
                open,
                format!("sequence_id {seq} has unknown payload_sar_state {other}"),
            );
            return None;
        }
    }
    let o = open.as_mut()?;
    o.seqs.push(seq);
    o.sources.push(seg.source.to_owned());
    o.total = o
        .total
        .saturating_add(ctx.payload.iter().map(Bytes::len).sum());
    if o.total > MAX_REASSEMBLED {
        fail(
            diags,
            open,
            format!("the reassembled Msg exceeds {MAX_REASSEMBLED} bytes"),
        );
        return None;
    }
    let pieces: Vec<Vec<u8>> = ctx.payload.iter().map(|p| p.to_vec()).collect();
    let rec_state = ctx.payloadrec_sar_state;
    let problem = match rec_state {
        0 => {
            if o.partial.is_some() {
                Some("payloadrec_sar_state NONE while a payload record is still open")
            } else {
                o.records.extend(pieces);
                None
            }
        }
        1 => {
            if o.partial.is_some() {
                Some("payloadrec_sar_state BEGIN while a payload record is still open")
            } else {
                let mut pieces = pieces;
                let last = pieces.pop().unwrap_or_default();
                o.records.extend(pieces);
                o.partial = Some(last);
                None
            }
        }
        2 | 3 => match o.partial.as_mut() {
            None => Some("payloadrec_sar_state INPROCESS/COMPLETE without a payload record begun"),
            Some(partial) => {
                let mut iter = pieces.into_iter();
                if rec_state == 2 {
                    for p in iter.by_ref() {
                        partial.extend_from_slice(&p);
                    }
                } else {
                    if let Some(first) = iter.next() {
                        partial.extend_from_slice(&first);
                    }
                    let done = o.partial.take().unwrap_or_default();
                    o.records.push(done);
                    o.records.extend(iter);
                }
                None
            }
        },
        _ => Some("unknown payloadrec_sar_state"),
    };
    if let Some(p) = problem {
        fail(diags, open, format!("sequence_id {seq}: {p}"));
        return None;
    }
    if ctx.payload_sar_state == 3 {
        let o = open.take()?;
        if o.partial.is_some() {
            diags.error(
                seg.source,
                format!(
                    "reassembly: sequence_id {seq} COMPLETEs the Msg but its last payload record \
                     is incomplete (payloadrec_sar_state {})",
                    sar_name(rec_state)
                ),
                None,
            );
            return None;
        }
        return Some(Reassembled {
            session_id: o.session_id,
            seqs: o.seqs,
            sources: o.sources,
            security: o.security,
            records: o.records,
            msg: None,
        });
    }
    None
}

fn join_seqs(seqs: &[u64]) -> String {
    seqs.iter()
        .map(u64::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

/// The text or JSON view of everything decoded.
pub(crate) fn present(
    items: &[Item],
    reassembled: &[Reassembled],
    diags: &Diags,
    format: ViewFormat,
) -> String {
    match format {
        ViewFormat::Text => present_text(items, reassembled),
        ViewFormat::Json => {
            let mut root = if let ([item], []) = (items, reassembled) {
                item_json(item)
            } else if items.is_empty() && reassembled.is_empty() {
                if diags.0.is_empty() {
                    return String::new();
                }
                Node::Map(Vec::new())
            } else {
                Node::map([
                    ("inputs", Node::Seq(items.iter().map(item_json).collect())),
                    (
                        "reassembled",
                        Node::Seq(reassembled.iter().map(reassembled_json).collect()),
                    ),
                ])
            };
            if !diags.0.is_empty() {
                root.push("diagnostics", diags.to_node());
            }
            let mut s = root.to_json_pretty();
            s.push('\n');
            s
        }
    }
}

fn node_of<T: serde::Serialize>(v: &T) -> Node {
    Node::of(v).unwrap_or_else(|e| Node::str(format!("<cannot render as JSON: {e}>")))
}

/// The text-view tree of a Msg: USP error codes carry their name.
fn text_node_of(m: &mpb::Msg) -> Node {
    let mut n = node_of(m);
    annotate_codes(&mut n);
    // ERROR is msg_type 0, the proto3 default, so protobuf JSON leaves it out.
    if let Some(header) = n.get_mut("header") {
        if m.header.as_ref().is_some_and(|h| h.msg_type == 0) {
            header.push(
                "msg_type",
                Node::Note("ERROR (0: not on the wire)".into(), None),
            );
        }
    }
    n
}

/// Adds the USP error code name to every `err_code` and `reason_code`.
fn annotate_codes(node: &mut Node) {
    match node {
        Node::Map(entries) => {
            for (k, v) in entries {
                match v {
                    Node::U64(code) if k == "err_code" || k == "reason_code" => {
                        let name = u32::try_from(*code).map_or("Not a USP error code", |c| {
                            usp_msg::ErrorCode::new(c).name()
                        });
                        *v = Node::Note(format!("{code} ({name})"), None);
                    }
                    other => annotate_codes(other),
                }
            }
        }
        Node::Seq(items) => items.iter_mut().for_each(annotate_codes),
        Node::Note(_, Some(inner)) => annotate_codes(inner),
        _ => {}
    }
}

fn item_json(item: &Item) -> Node {
    let (kind, value) = match &item.top {
        Top::Record(r) => ("record", node_of(r)),
        Top::Msg(m) => ("msg", node_of(m)),
    };
    let mut n = Node::map([
        ("source", Node::str(&item.source)),
        ("kind", Node::str(kind)),
        ("value", value),
    ]);
    if let Some(InlineMsg { len, msg: Some(m) }) = &item.inline {
        n.push(
            "payload",
            Node::map([
                ("kind", Node::str("msg")),
                ("payload_len", Node::U64(*len as u64)),
                ("value", node_of(m)),
            ]),
        );
    }
    n
}

fn reassembled_json(r: &Reassembled) -> Node {
    let total: usize = r.records.iter().map(Vec::len).sum();
    let mut n = Node::map([
        ("session_id", Node::str(r.session_id.to_string())),
        (
            "sequence_ids",
            Node::Seq(r.seqs.iter().map(|s| Node::str(s.to_string())).collect()),
        ),
        (
            "sources",
            Node::Seq(r.sources.iter().map(Node::str).collect()),
        ),
        ("payload_len", Node::U64(total as u64)),
    ]);
    match &r.msg {
        Some(m) => {
            n.push("kind", Node::str("msg"));
            n.push("value", node_of(m));
        }
        None if r.security != PLAINTEXT => {
            n.push("kind", Node::str("tls_records"));
            n.push(
                "value",
                Node::Seq(
                    r.records
                        .iter()
                        .map(|b| Node::str(input::base64_encode(b)))
                        .collect(),
                ),
            );
        }
        None => {}
    }
    n
}

fn present_text(items: &[Item], reassembled: &[Reassembled]) -> String {
    let mut out = String::new();
    let many = items.len() > 1 || !reassembled.is_empty();
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        let what = match &item.top {
            Top::Record(_) => "Record",
            Top::Msg(_) => "Msg",
        };
        let enc = match item.encoding {
            Encoding::Binary => String::new(),
            e => format!(", read as {}", e.name()),
        };
        if many {
            out.push_str(&format!("{}: ", item.source));
        }
        out.push_str(&format!("{what} ({} bytes{enc})\n", item.len));
        let node = match &item.top {
            Top::Record(r) => record_text_node(r, item.inline.as_ref()),
            Top::Msg(m) => text_node_of(m),
        };
        out.push_str(&node.render_text(2));
    }
    for r in reassembled {
        if !out.is_empty() {
            out.push('\n');
        }
        let total: usize = r.records.iter().map(Vec::len).sum();
        let what = if r.security == PLAINTEXT {
            "Msg"
        } else {
            "TLS payload records (encrypted, not decoded)"
        };
        out.push_str(&format!(
            "Reassembled {what} ({total} bytes) from session_id {}, sequence_id {} ({})\n",
            r.session_id,
            join_seqs(&r.seqs),
            r.sources.join(", ")
        ));
        match &r.msg {
            Some(m) => out.push_str(&text_node_of(m).render_text(2)),
            None if r.security != PLAINTEXT => {
                for rec in &r.records {
                    out.push_str(&format!("  - {}\n", bytes_note(rec, "TLS record")));
                }
            }
            None => out.push_str("  (not a valid USP Msg; see the errors)\n"),
        }
    }
    out
}

fn bytes_note(b: &[u8], what: &str) -> String {
    const PREVIEW: usize = 16;
    let head = b.get(..PREVIEW).unwrap_or(b);
    let more = if b.len() > PREVIEW { "..." } else { "" };
    if what.is_empty() {
        format!("<{} bytes: {}{more}>", b.len(), input::hex_encode(head))
    } else {
        format!(
            "<{} bytes, {what}: {}{more}>",
            b.len(),
            input::hex_encode(head)
        )
    }
}

/// The record's tree with its `bytes` fields replaced by readable notes and the payload Msg
/// nested under the payload.
fn record_text_node(r: &rpb::Record, inline: Option<&InlineMsg>) -> Node {
    let mut node = node_of(r);
    annotate_codes(&mut node);
    if !r.mac_signature.is_empty() {
        if let Some(v) = node.get_mut("mac_signature") {
            *v = Node::Note(bytes_note(&r.mac_signature, ""), None);
        }
    }
    if !r.sender_cert.is_empty() {
        let first_line = r
            .sender_cert
            .split(|&b| b == b'\n')
            .next()
            .filter(|l| l.starts_with(b"-----BEGIN"))
            .and_then(|l| core::str::from_utf8(l).ok());
        let note = match first_line {
            Some(line) => format!("<{} bytes, PEM: {line} ...>", r.sender_cert.len()),
            None => bytes_note(&r.sender_cert, ""),
        };
        if let Some(v) = node.get_mut("sender_cert") {
            *v = Node::Note(note, None);
        }
    }
    let tls = r.payload_security != PLAINTEXT;
    let msg_note = |len: usize, inline: Option<&InlineMsg>| match inline {
        Some(InlineMsg { msg: Some(m), .. }) => Node::Note(
            format!("<{len} bytes: USP Msg>"),
            Some(Box::new(text_node_of(m))),
        ),
        Some(InlineMsg { msg: None, .. }) => {
            Node::Note(format!("<{len} bytes: not a valid USP Msg>"), None)
        }
        None => Node::Note(format!("<{len} bytes>"), None),
    };
    match &r.record_type {
        Some(rpb::record::RecordType::NoSessionContext(n)) => {
            if let Some(p) = node
                .get_mut("no_session_context")
                .and_then(|c| c.get_mut("payload"))
            {
                *p = if tls {
                    Node::Note(bytes_note(&n.payload, "encrypted"), None)
                } else {
                    msg_note(n.payload.len(), inline)
                };
            }
        }
        Some(rpb::record::RecordType::SessionContext(s)) => {
            if let Some(p) = node
                .get_mut("session_context")
                .and_then(|c| c.get_mut("payload"))
            {
                let entries = s.payload.iter().enumerate().map(|(i, b)| {
                    if tls {
                        Node::Note(bytes_note(b, "TLS data"), None)
                    } else if s.payload_sar_state != 0 {
                        Node::Note(format!("<{} bytes: Msg segment>", b.len()), None)
                    } else if s.payload.len() == 1 || i == 0 {
                        msg_note(b.len(), inline)
                    } else {
                        Node::Note(format!("<{} bytes>", b.len()), None)
                    }
                });
                *p = Node::Seq(entries.collect());
            }
        }
        _ => {}
    }
    node
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A SessionContext Record of session 7 with the given states and payload pieces.
    fn seg(seq: u64, sar: i32, rec: i32, pieces: &[&[u8]], tls: bool) -> Item {
        let record = rpb::Record {
            version: "1.4".into(),
            to_id: "proto::a".into(),
            from_id: "proto::b".into(),
            payload_security: i32::from(tls),
            record_type: Some(rpb::record::RecordType::SessionContext(
                rpb::SessionContextRecord {
                    session_id: 7,
                    sequence_id: seq,
                    expected_id: 1,
                    payload_sar_state: sar,
                    payloadrec_sar_state: rec,
                    payload: pieces.iter().map(|p| Bytes::copy_from_slice(p)).collect(),
                    ..Default::default()
                },
            )),
            ..Default::default()
        };
        Item {
            source: format!("seq{seq}"),
            len: 0,
            encoding: Encoding::Binary,
            top: Top::Record(record),
            inline: None,
        }
    }

    fn run(items: &[Item]) -> (Vec<Reassembled>, Diags) {
        let mut diags = Diags::default();
        let out = reassemble(items, &mut diags);
        (out, diags)
    }

    fn messages(d: &Diags) -> Vec<String> {
        d.0.iter().map(|d| d.message.clone()).collect()
    }

    /// TR-369 SAR case 6: one whole TLS record per USP Record, payloadrec_sar_state NONE.
    #[test]
    fn r_e2e_sar_tls_whole_records_per_usp_record() {
        let (out, d) = run(&[
            seg(1, 1, 0, &[b"t1"], true),
            seg(2, 2, 0, &[b"t2"], true),
            seg(3, 3, 0, &[b"t3", b"t4"], true),
        ]);
        assert!(d.0.is_empty(), "{:?}", messages(&d));
        assert_eq!(out.len(), 1);
        assert_eq!(
            out[0].records,
            [
                b"t1".to_vec(),
                b"t2".to_vec(),
                b"t3".to_vec(),
                b"t4".to_vec()
            ]
        );
        assert_eq!(out[0].seqs, [1, 2, 3]);
    }

    /// TR-369 SAR case 7: TLS records split across USP Records, rebuilt by
    /// payloadrec_sar_state.
    #[test]
    fn r_e2e_sar_tls_records_split_across_usp_records() {
        let (out, d) = run(&[
            seg(10, 1, 1, &[b"w1", b"a-"], true),
            seg(11, 2, 2, &[b"b-"], true),
            seg(12, 3, 3, &[b"c", b"w2"], true),
        ]);
        assert!(d.0.is_empty(), "{:?}", messages(&d));
        assert_eq!(
            out[0].records,
            [b"w1".to_vec(), b"a-b-c".to_vec(), b"w2".to_vec()]
        );
    }

    #[test]
    fn protocol_violations_are_errors() {
        // a second BEGIN before COMPLETE
        let (out, d) = run(&[
            seg(1, 1, 1, &[b"x"], false),
            seg(2, 1, 1, &[b"y"], false),
            seg(3, 3, 3, &[b"z"], false),
        ]);
        assert!(d.has_errors());
        assert!(
            messages(&d)[0].contains("BEGINs a new Msg"),
            "{:?}",
            messages(&d)
        );
        assert_eq!(out.len(), 1);
        assert_eq!(out[0].records, [b"yz".to_vec()]);
        // NONE inside a segmented Msg
        let (out, d) = run(&[seg(1, 1, 1, &[b"x"], false), seg(2, 0, 0, &[b"y"], false)]);
        assert!(out.is_empty());
        assert!(
            messages(&d)[0].contains("NONE inside"),
            "{:?}",
            messages(&d)
        );
        // payloadrec COMPLETE without a payload record begun
        let (_, d) = run(&[seg(1, 1, 0, &[b"x"], true), seg(2, 3, 3, &[b"y"], true)]);
        assert!(messages(&d)[0].contains("without a payload record begun"));
        // COMPLETE while the last payload record is still open
        let (out, d) = run(&[seg(1, 1, 1, &[b"x"], true), seg(2, 3, 1, &[b"y"], true)]);
        assert!(out.is_empty());
        assert!(d.has_errors());
        // a different Record with the same sequence_id
        let (_, d) = run(&[
            seg(1, 1, 1, &[b"x"], false),
            seg(1, 1, 1, &[b"other"], false),
        ]);
        assert!(messages(&d)[0].contains("different Record with sequence_id 1"));
    }

    #[test]
    fn missing_pieces_are_warnings() {
        let (out, d) = run(&[seg(5, 2, 2, &[b"x"], false), seg(6, 3, 3, &[b"y"], false)]);
        assert!(out.is_empty());
        assert!(!d.has_errors() && d.has_warnings());
        let (_, d) = run(&[seg(1, 1, 1, &[b"x"], false), seg(4, 3, 3, &[b"y"], false)]);
        assert_eq!(
            messages(&d),
            [
                "reassembly: sequence_id 2 to 3 are missing between 1 and 4 \
              (a receiver asks for it with retransmit_id)"
            ]
        );
    }

    #[test]
    fn sessions_are_reassembled_separately() {
        let mut other = seg(2, 1, 1, &[b"B"], false);
        if let Top::Record(r) = &mut other.top {
            r.from_id = "proto::c".into();
        }
        let (out, d) = run(&[
            seg(1, 1, 1, &[b"A1"], false),
            other,
            seg(2, 3, 3, &[b"A2"], false),
        ]);
        assert_eq!(out.len(), 1, "{:?}", messages(&d));
        assert_eq!(out[0].records, [b"A1A2".to_vec()]);
        assert!(messages(&d).iter().any(|m| m.contains("incomplete")));
    }

    #[test]
    fn first_field_guesses() {
        assert_eq!(first_field_guess(b"\x0a\x031.4\x12"), Some(As::Record));
        assert_eq!(first_field_guess(b"\x0a\x05\x0a\x03abc"), Some(As::Msg));
        assert_eq!(first_field_guess(b"\x12\x00"), None);
        assert_eq!(first_field_guess(b""), None);
    }
}
