//! End-to-end tests of the `usp` binary: every command is run as a process and its stdout,
//! stderr and exit status are checked, mostly against the golden vectors in testdata/vectors.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use serde_json::Value;

const VECTORS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../testdata/vectors");
const TO: &str = "os::012345-525400A1B2C3";
const FROM: &str = "proto::controller-1";

struct Out {
    status: i32,
    stdout: Vec<u8>,
    stderr: String,
}

impl Out {
    fn text(&self) -> String {
        String::from_utf8(self.stdout.clone()).expect("stdout is UTF-8")
    }

    fn json(&self) -> Value {
        serde_json::from_slice(&self.stdout).unwrap_or_else(|e| {
            panic!(
                "stdout is not JSON ({e}): {}\nstderr: {}",
                self.text(),
                self.stderr
            )
        })
    }

    #[track_caller]
    fn ok(self) -> Self {
        assert_eq!(self.status, 0, "stderr: {}", self.stderr);
        self
    }

    #[track_caller]
    fn fails(self, status: i32) -> Self {
        assert_eq!(
            self.status,
            status,
            "stdout: {:?}",
            String::from_utf8_lossy(&self.stdout)
        );
        assert!(!self.stderr.contains("panicked"), "{}", self.stderr);
        self
    }
}

fn usp_with(args: &[&str], stdin: Option<&[u8]>) -> Out {
    let mut child = Command::new(env!("CARGO_BIN_EXE_usp"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run usp");
    let mut pipe = child.stdin.take().expect("stdin");
    let data = stdin.unwrap_or_default().to_vec();
    let writer = std::thread::spawn(move || {
        let _ = pipe.write_all(&data);
    });
    let out = child.wait_with_output().expect("wait for usp");
    writer.join().expect("stdin writer");
    let status = out
        .status
        .code()
        .expect("usp exited normally, not by a signal");
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(!stderr.contains("panicked"), "usp panicked: {stderr}");
    Out {
        status,
        stdout: out.stdout,
        stderr,
    }
}

fn usp(args: &[&str]) -> Out {
    usp_with(args, None)
}

fn vector(name: &str) -> String {
    format!("{VECTORS}/{name}")
}

fn vector_bytes(name: &str) -> Vec<u8> {
    std::fs::read(vector(name)).expect("vector file")
}

fn vector_json(name: &str) -> Value {
    serde_json::from_slice(&vector_bytes(name)).expect("vector JSON")
}

fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("usp-cli-tests");
    std::fs::create_dir_all(&dir).expect("scratch dir");
    dir.join(name)
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn vector_names(prefix: &str) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(VECTORS)
        .expect("vectors dir")
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter_map(|n| n.strip_suffix(".bin").map(str::to_owned))
        .filter(|n| n.starts_with(prefix))
        .collect();
    names.sort();
    names
}

mod decode {
    use super::*;

    #[test]
    fn record_no_session_context_as_text() {
        let out = usp(&["decode", &vector("record_no_session_context.bin")]).ok();
        let want = "\
Record (140 bytes)
  version: 1.4
  to_id: os::012345-525400A1B2C3
  from_id: proto::controller-1
  no_session_context:
    payload: <85 bytes: USP Msg>
      header:
        msg_id: 11565
        msg_type: GET
      body:
        request:
          get:
            param_paths:
              - Device.DeviceInfo.SoftwareVersion
              - Device.LocalAgent.Subscription.
";
        assert_eq!(out.text(), want);
        assert_eq!(out.stderr, "");
    }

    #[test]
    fn record_no_session_context_as_json_with_the_payload_inline() {
        let out = usp(&[
            "decode",
            "--output",
            "json",
            &vector("record_no_session_context.bin"),
        ])
        .ok();
        let j = out.json();
        assert_eq!(j["kind"], "record");
        assert_eq!(
            j["value"],
            vector_json("record_no_session_context.json")["value"]
        );
        let payload = vector_json("record_no_session_context.payload.json");
        assert_eq!(j["payload"]["kind"], "msg");
        assert_eq!(j["payload"]["value"], payload["value"]);
        assert_eq!(j["payload"]["payload_len"], payload["payload_len"]);
        assert!(j.get("diagnostics").is_none());
    }

    #[test]
    fn session_context_payload_is_decoded_inline() {
        let j = usp(&[
            "decode",
            "--output",
            "json",
            &vector("record_session_context.bin"),
        ])
        .ok()
        .json();
        assert_eq!(
            j["value"],
            vector_json("record_session_context.json")["value"]
        );
        assert_eq!(
            j["payload"]["value"],
            vector_json("record_session_context.payload.json")["value"]
        );
    }

    /// TR-369 SAR: segments given in any order are sorted by sequence_id and reassembled.
    #[test]
    fn sar_segments_are_reassembled_in_sequence_order() {
        let files = [
            vector("record_session_sar_3_complete.bin"),
            vector("record_session_sar_1_begin.bin"),
            vector("record_session_sar_2_inprocess.bin"),
        ];
        let mut args = vec!["decode", "--output", "json"];
        args.extend(files.iter().map(String::as_str));
        let j = usp(&args).ok().json();
        let expected = vector_json("record_session_sar_3_complete.payload.json");
        let inputs = j["inputs"].as_array().expect("inputs");
        assert_eq!(inputs.len(), 3);
        assert_eq!(
            inputs[0]["value"],
            vector_json("record_session_sar_3_complete.json")["value"]
        );
        let r = &j["reassembled"][0];
        assert_eq!(r["kind"], "msg");
        assert_eq!(r["value"], expected["value"]);
        assert_eq!(r["payload_len"], expected["payload_len"]);
        assert_eq!(r["payload_len"], 3213);
        assert_eq!(r["sequence_ids"], serde_json::json!(["47", "48", "49"]));
        assert_eq!(r["session_id"], "7816196644092205132");
        assert_eq!(j["reassembled"].as_array().map(Vec::len), Some(1));

        let mut args = vec!["decode"];
        args.extend(files.iter().map(String::as_str));
        let text = usp(&args).ok().text();
        assert!(
            text.contains(
                "Reassembled Msg (3213 bytes) from session_id 7816196644092205132, sequence_id 47, 48, 49"
            ),
            "{text}"
        );
        assert!(
            text.contains("        requested_path: Device.DeviceInfo.\n")
                || text.contains("requested_path: Device.DeviceInfo.")
        );
        assert!(text.contains("<1071 bytes: Msg segment>"));
    }

    #[test]
    fn a_missing_segment_is_a_warning_and_strict_makes_it_fail() {
        let (a, c) = (
            vector("record_session_sar_1_begin.bin"),
            vector("record_session_sar_3_complete.bin"),
        );
        let out = usp(&["decode", "--output", "json", &a, &c]).ok();
        assert!(
            out.stderr
                .contains("reassembly: sequence_id 48 is missing between 47 and 49"),
            "{}",
            out.stderr
        );
        assert_eq!(out.json()["reassembled"], serde_json::json!([]));
        assert_eq!(out.json()["diagnostics"][0]["severity"], "warning");
        usp(&["decode", "--strict", &a, &c]).fails(1);
        // A lone first segment decodes fine; reassembly reports it as incomplete.
        let out = usp(&["decode", &a]).ok();
        assert!(out.stderr.contains("is incomplete"), "{}", out.stderr);
    }

    #[test]
    fn duplicate_segments_are_ignored_with_a_warning() {
        let (a, b, c) = (
            vector("record_session_sar_1_begin.bin"),
            vector("record_session_sar_2_inprocess.bin"),
            vector("record_session_sar_3_complete.bin"),
        );
        let out = usp(&["decode", "--output", "json", &a, &b, &b, &c]).ok();
        assert!(
            out.stderr.contains("duplicate of sequence_id 48"),
            "{}",
            out.stderr
        );
        assert_eq!(
            out.json()["reassembled"][0]["value"],
            vector_json("record_session_sar_3_complete.payload.json")["value"]
        );
    }

    #[test]
    fn hex_and_base64_input_auto_detected_and_explicit() {
        let bin = vector_bytes("record_no_session_context.bin");
        let want = usp(&[
            "decode",
            "--output",
            "json",
            &vector("record_no_session_context.bin"),
        ])
        .ok()
        .json()["value"]
            .clone();

        let hex_text = format!("{}\n", hex(&bin));
        let j = usp_with(&["decode", "--output", "json"], Some(hex_text.as_bytes()))
            .ok()
            .json();
        assert_eq!(j["value"], want);
        assert_eq!(j["source"], "<stdin>");

        // xxd -p style line breaks and a 0x prefix
        let wrapped: String = hex_text
            .as_bytes()
            .chunks(60)
            .map(|c| format!("{}\n", String::from_utf8_lossy(c).trim_end()))
            .collect();
        let path = scratch("record.hex");
        std::fs::write(&path, format!("0x{wrapped}")).unwrap();
        let out = usp(&["decode", "--input", "hex", path.to_str().unwrap()]).ok();
        assert!(
            out.text().starts_with("Record (140 bytes, read as hex)\n"),
            "{}",
            out.text()
        );

        let b64 =
            vector_json("record_no_session_context.json")["value"]["no_session_context"]["payload"]
                .as_str()
                .unwrap()
                .to_owned();
        let j = usp_with(&["decode", "--output", "json", "-"], Some(b64.as_bytes()))
            .ok()
            .json();
        assert_eq!(j["kind"], "msg");
        assert_eq!(
            j["value"],
            vector_json("record_no_session_context.payload.json")["value"]
        );
        let j = usp_with(
            &[
                "decode", "--input", "base64", "--as", "msg", "--output", "json",
            ],
            Some(b64.as_bytes()),
        )
        .ok()
        .json();
        assert_eq!(
            j["value"],
            vector_json("record_no_session_context.payload.json")["value"]
        );
    }

    #[test]
    fn bad_hex_and_base64_say_where() {
        let out = usp_with(&["decode", "--input", "hex"], Some(b"0a0g")).fails(1);
        assert!(
            out.stderr.contains("<stdin>: not valid hex: 'g' at byte 3"),
            "{}",
            out.stderr
        );
        let out = usp_with(&["decode", "--input", "base64"], Some(b"CgM*")).fails(1);
        assert!(
            out.stderr.contains("not valid base64: '*' at byte 3"),
            "{}",
            out.stderr
        );
    }

    #[test]
    fn msg_vector_as_text_and_json() {
        let out = usp(&["decode", &vector("msg_get.bin")]).ok();
        let text = out.text();
        assert!(
            text.starts_with("Msg (194 bytes)\n  header:\n    msg_id: 10978\n    msg_type: GET\n"),
            "{text}"
        );
        assert!(
            text.contains("      get:\n        param_paths:\n"),
            "{text}"
        );
        let j = usp(&["decode", "--output", "json", &vector("msg_get.bin")])
            .ok()
            .json();
        assert_eq!(j["kind"], "msg");
        assert_eq!(j["value"], vector_json("msg_get.json")["value"]);
    }

    /// Every valid vector decodes with status 0, no warnings, and the JSON value of the vector.
    #[test]
    fn every_valid_vector_decodes_to_its_json_value() {
        let mut names = vector_names("msg_");
        names.extend(vector_names("record_"));
        names.extend(vector_names("edge_"));
        assert!(names.len() >= 55, "{names:?}");
        for name in names {
            let meta = vector_json(&format!("{name}.json"));
            let out = usp(&[
                "decode",
                "--output",
                "json",
                &vector(&format!("{name}.bin")),
            ]);
            assert_eq!(out.status, 0, "{name}: {}", out.stderr);
            let j = out.json();
            assert_eq!(j["kind"], meta["kind"], "{name}");
            assert_eq!(j["value"], meta["value"], "{name}");
            if meta.get("segment_of").is_some() {
                // one segment alone: reassembly says it is incomplete
                assert!(
                    out.stderr.contains(": reassembly: "),
                    "{name}: {}",
                    out.stderr
                );
                assert!(!out.stderr.contains("error"), "{name}: {}", out.stderr);
                continue;
            }
            assert_eq!(out.stderr, "", "{name}");
            if let Some(p) = meta["payload_file"].as_str() {
                assert_eq!(j["payload"]["value"], vector_json(p)["value"], "{name}");
            }
        }
    }

    /// `validation_error` vectors decode with a warning carrying the USP error code; `--strict`
    /// makes the status 1. `decode_error` vectors fail with status 1 and the error.
    #[test]
    fn invalid_vectors() {
        let names = vector_names("invalid_");
        assert_eq!(names.len(), 16);
        for name in names {
            let meta = vector_json(&format!("{name}.json"));
            let file = vector(&format!("{name}.bin"));
            let target = meta["target"].as_str().unwrap();
            match meta["expect"].as_str().unwrap() {
                "validation_error" => {
                    let out = usp(&["decode", "--output", "json", &file]);
                    assert_eq!(out.status, 0, "{name}: {}", out.stderr);
                    assert!(
                        out.stderr.contains("usp: warning: "),
                        "{name}: {}",
                        out.stderr
                    );
                    let j = out.json();
                    assert_eq!(j["kind"], target, "{name}");
                    assert_eq!(j["value"], meta["value"], "{name}");
                    assert_eq!(j["diagnostics"][0]["severity"], "warning", "{name}");
                    usp(&["decode", "--strict", &file]).fails(1);
                }
                "decode_error" => {
                    let out = usp(&["decode", &file]).fails(1);
                    assert!(out.stdout.is_empty(), "{name}");
                    assert!(
                        out.stderr
                            .starts_with(&format!("usp: error: {file}: {target}: ")),
                        "{name}: {}",
                        out.stderr
                    );
                    let code = if target == "record" { "7100" } else { "7000" };
                    assert!(out.stderr.contains(code), "{name}: {}", out.stderr);
                }
                other => panic!("{name}: unknown expectation {other}"),
            }
        }
    }

    #[test]
    fn r_msg_10_msg_type_mismatch_is_a_warning_with_its_code() {
        let file = vector("invalid_msg_type_mismatch.bin");
        let out = usp(&["decode", &file]).ok();
        assert_eq!(
            out.stderr,
            format!(
                "usp: warning: {file}: msg: header.msg_type is GET but the body is SET_RESP \
                 (R-MSG.10: the body's type is used) [USP error 7004 (Invalid arguments)]\n"
            )
        );
        assert!(out.text().contains("set_resp:"));
        let out = usp(&["decode", "--strict", "--output", "json", &file]).fails(1);
        assert_eq!(out.json()["diagnostics"][0]["usp_error_code"], 7004);
    }

    #[test]
    fn text_view_names_error_codes_and_the_implicit_error_type() {
        let text = usp(&["decode", &vector("msg_error.bin")]).ok().text();
        assert!(
            text.starts_with("Msg (312 bytes)\n  header:\n    msg_id: 11537\n    msg_type: ERROR (0: not on the wire)\n"),
            "{text}"
        );
        assert!(
            text.contains("      err_code: 7021 (Required parameter failed)\n"),
            "{text}"
        );
        let text = usp(&["decode", &vector("record_disconnect.bin")])
            .ok()
            .text();
        assert!(text.contains("    reason_code: 7103 ("), "{text}");
        // JSON keeps plain protobuf JSON
        let j = usp(&["decode", "--output", "json", &vector("msg_error.bin")])
            .ok()
            .json();
        assert_eq!(j["value"]["body"]["error"]["err_code"], 7021);
        assert!(j["value"]["header"].get("msg_type").is_none());
    }

    #[test]
    fn tls_payloads_are_listed_not_decoded() {
        let text = usp(&["decode", &vector("record_session_tls12.bin")])
            .ok()
            .text();
        assert!(text.contains("  payload_security: TLS12\n"), "{text}");
        assert!(text.contains("  mac_signature: <32 bytes: "), "{text}");
        assert!(
            text.contains("  sender_cert: <162 bytes, PEM: -----BEGIN CERTIFICATE----- ...>"),
            "{text}"
        );
        assert!(
            text.contains("      - <90 bytes, TLS data: 1703030055"),
            "{text}"
        );
    }

    #[test]
    fn json_output_of_a_failed_input_lists_the_diagnostics() {
        let file = vector("invalid_record_truncated.bin");
        let out = usp(&["decode", "--output", "json", &file]).fails(1);
        let j = out.json();
        assert_eq!(j["diagnostics"][0]["severity"], "error");
        assert_eq!(j["diagnostics"][0]["source"], file.as_str());
        assert_eq!(j["diagnostics"][0]["usp_error_code"], 7100);
    }

    #[test]
    fn r_enc_2_r_enc_3_r_enc_4_record_rule_violations_and_their_codes() {
        let file = vector("invalid_record_no_record_type.bin");
        let out = usp(&["decode", &file]).ok();
        assert!(out.stderr.contains("record has no record_type (R-ENC.3)"));
        assert!(out.stderr.contains("discards it silently, R-ENC.4"));
        let out = usp(&[
            "decode",
            &vector("invalid_record_unknown_payload_security.bin"),
        ])
        .ok();
        assert!(
            out.stderr.contains("unknown enum value 7"),
            "{}",
            out.stderr
        );
        assert!(out.stderr.contains("[USP error 7104"), "{}", out.stderr);
    }

    #[test]
    fn forcing_the_wrong_kind_reports_that_kind() {
        let out = usp(&["decode", "--as", "record", &vector("msg_get.bin")]).fails(1);
        assert!(out.stderr.contains(": record: "), "{}", out.stderr);
        let file = vector("record_no_session_context.bin");
        let out = usp(&["decode", "--as", "msg", &file]).fails(1);
        assert_eq!(
            out.stderr,
            format!(
                "usp: error: {file}: msg: protobuf decode failed: failed to decode Protobuf \
                 message: Msg.header: delimited length exceeded [USP error 7000 (Message failed)]\n"
            )
        );
    }

    #[test]
    fn empty_and_garbage_inputs_fail_cleanly() {
        let out = usp_with(&["decode"], Some(b"")).fails(1);
        assert!(out.stderr.contains("<stdin>"), "{}", out.stderr);
        let out = usp_with(&["decode"], Some(b"\xff\xff\xff")).fails(1);
        assert!(
            out.stderr.contains("neither a USP Record"),
            "{}",
            out.stderr
        );
        let out = usp(&["decode", "/nonexistent/file.bin"]).fails(1);
        assert!(
            out.stderr.contains("cannot read /nonexistent/file.bin"),
            "{}",
            out.stderr
        );
        let out = usp(&["decode", "-", "-"]).fails(2);
        assert!(out.stderr.contains("only once"), "{}", out.stderr);
    }

    /// Truncations, bit flips and random bytes: always status 0 or 1, never a panic. All
    /// inputs go through one process (several files per `decode`), which also exercises
    /// reassembly over arbitrary SessionContext Records.
    #[test]
    fn mutated_vectors_never_crash() {
        let mut seed = 0x9e37_79b9_7f4a_7c15u64;
        let mut rand = move || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        let dir = scratch("mutants");
        std::fs::create_dir_all(&dir).unwrap();
        let mut files = Vec::new();
        let bases: Vec<Vec<u8>> = vector_names("")
            .into_iter()
            .filter(|n| !n.starts_with("edge_getresp_5000") && !n.starts_with("edge_map_many"))
            .map(|n| vector_bytes(&format!("{n}.bin")))
            .collect();
        for i in 0..400 {
            let base = &bases[i % bases.len()];
            let mut m = base.clone();
            match rand() % 4 {
                0 => m.truncate((rand() as usize) % (m.len() + 1)),
                1 => {
                    for _ in 0..1 + rand() % 4 {
                        if !m.is_empty() {
                            let at = (rand() as usize) % m.len();
                            m[at] ^= 1 << (rand() % 8);
                        }
                    }
                }
                2 => m = (0..rand() % 64).map(|_| rand() as u8).collect(),
                _ => {
                    let at = (rand() as usize) % (m.len() + 1);
                    m.insert(at, rand() as u8);
                }
            }
            let f = dir.join(format!("m{i}.bin"));
            std::fs::write(&f, &m).unwrap();
            files.push(f.to_str().unwrap().to_owned());
        }
        for chunk in files.chunks(100) {
            for format in ["text", "json"] {
                let mut args = vec!["decode", "--output", format];
                args.extend(chunk.iter().map(String::as_str));
                let out = usp(&args);
                assert!(out.status == 0 || out.status == 1, "{}", out.stderr);
            }
        }
    }
}

mod encode {
    use super::*;

    fn encode_value(name: &str, extra: &[&str]) -> Out {
        let value = vector_json(&format!("{name}.json"))["value"].to_string();
        let mut args = vec!["encode"];
        args.extend_from_slice(extra);
        usp_with(&args, Some(value.as_bytes()))
    }

    /// Every byte-exact vector: its JSON `value` encodes to exactly its `.bin` bytes.
    #[test]
    fn vector_values_encode_to_the_exact_bytes() {
        let mut names = vector_names("msg_");
        names.extend(vector_names("record_"));
        names.extend(vector_names("edge_"));
        let mut checked = 0;
        for name in names {
            let meta = vector_json(&format!("{name}.json"));
            let out = encode_value(&name, &[]);
            assert_eq!(out.status, 0, "{name}: {}", out.stderr);
            if meta["byte_exact_reencode"] == true {
                assert_eq!(out.stdout, vector_bytes(&format!("{name}.bin")), "{name}");
                checked += 1;
            } else if let Some(b64) = meta["canonical_base64"].as_str() {
                let out = encode_value(&name, &["--output", "base64"]).ok();
                assert_eq!(out.text().trim_end(), b64, "{name}");
            }
        }
        assert!(checked >= 52, "{checked}");
    }

    #[test]
    fn a_vector_file_and_decode_output_are_unwrapped() {
        let out = usp(&["encode", &vector("record_no_session_context.json")]).ok();
        assert_eq!(out.stdout, vector_bytes("record_no_session_context.bin"));
        // invalid vectors carry their value too: the target says what it is
        let out = usp(&["encode", &vector("invalid_msg_type_mismatch.json")]).ok();
        assert_eq!(out.stdout, vector_bytes("invalid_msg_type_mismatch.bin"));
        assert!(
            out.stderr.contains("header.msg_type is GET"),
            "{}",
            out.stderr
        );
        usp(&[
            "encode",
            "--strict",
            &vector("invalid_msg_type_mismatch.json"),
        ])
        .fails(1);

        let decoded = usp(&["decode", "--output", "json", &vector("msg_set.bin")])
            .ok()
            .stdout;
        let out = usp_with(&["encode"], Some(&decoded)).ok();
        assert_eq!(out.stdout, vector_bytes("msg_set.bin"));
    }

    #[test]
    fn output_formats() {
        let bin = vector_bytes("msg_get_supported_protocol.bin");
        let out = encode_value("msg_get_supported_protocol", &["--output", "hex"]).ok();
        assert_eq!(out.text(), format!("{}\n", hex(&bin)));

        let out = encode_value("msg_get_supported_protocol", &["--output", "base64"]).ok();
        let back = usp_with(
            &["decode", "--input", "base64", "--output", "json"],
            Some(&out.stdout),
        )
        .ok()
        .json();
        assert_eq!(
            back["value"],
            vector_json("msg_get_supported_protocol.json")["value"]
        );

        let out = encode_value(
            "msg_get_supported_protocol",
            &["--output", "c-array", "--name", "gsp"],
        )
        .ok();
        let text = out.text();
        assert!(text.contains("const uint8_t gsp[] = {\n"), "{text}");
        assert!(
            text.contains(&format!("const size_t gsp_len = {};", bin.len())),
            "{text}"
        );
        let cells: Vec<u8> = text
            .split(|c: char| c == ',' || c.is_whitespace())
            .filter_map(|t| t.strip_prefix("0x"))
            .map(|h| u8::from_str_radix(h, 16).unwrap())
            .collect();
        assert_eq!(cells, bin);
        // default name follows the kind
        let out = encode_value("msg_get_supported_protocol", &["--output", "c-array"]).ok();
        assert!(out.text().contains("const uint8_t usp_msg[]"));

        let path = scratch("encoded.bin");
        encode_value("record_uds_connect", &["-o", path.to_str().unwrap()]).ok();
        assert_eq!(
            std::fs::read(&path).unwrap(),
            vector_bytes("record_uds_connect.bin")
        );
    }

    #[test]
    fn errors_say_what_and_where() {
        let out = usp_with(&["encode"], Some(b"{\"header\": {\n  \"msg_id\": 1,,\n}}")).fails(1);
        assert!(out.stderr.contains("not valid JSON"), "{}", out.stderr);
        assert!(out.stderr.contains("line 2"), "{}", out.stderr);

        let out = usp_with(&["encode"], Some(br#"{"foo": 1}"#)).fails(1);
        assert!(
            out.stderr.contains("use --as record or --as msg"),
            "{}",
            out.stderr
        );
        assert!(out.stderr.contains("[foo]"), "{}", out.stderr);

        let out = usp_with(
            &["encode"],
            Some(br#"{"header": {"msg_id": "1", "msg_type": "NOPE"}}"#),
        )
        .fails(1);
        assert!(
            out.stderr.contains("not a valid Msg in protobuf JSON"),
            "{}",
            out.stderr
        );
        assert!(out.stderr.contains("NOPE"), "{}", out.stderr);

        let out = usp_with(
            &["encode", "--output", "c-array", "--name", "1x"],
            Some(b"{}"),
        )
        .fails(2);
        assert!(out.stderr.contains("C identifier"), "{}", out.stderr);
    }

    #[test]
    fn hostile_json_is_rejected_cleanly() {
        let deep = format!("{}{}", "[".repeat(5000), "]".repeat(5000));
        let deep_obj = format!(
            "{{\"header\": {}1{}}}",
            "{\"a\": ".repeat(3000),
            "}".repeat(3000)
        );
        let cases: Vec<(&str, String)> = vec![
            ("not valid JSON", deep),
            ("not valid JSON", deep_obj),
            ("not valid JSON", "{\"header\": ".into()),
            ("not UTF-8", "\u{0}".into()),
            (
                "not a valid Msg",
                r#"{"header": {"msg_id": "1"}, "body": {"request": {"get": {"max_depth": -1}}}}"#
                    .into(),
            ),
            (
                "not a valid Record",
                r#"{"version": 1.4, "to_id": "proto::a"}"#.into(),
            ),
            (
                "not a valid Record",
                r#"{"to_id": "a", "to_id": "b"}"#.into(),
            ),
            (
                "not a valid Msg",
                r#"{"header": {"msg_id": "1"}, "body": {"request": {"get": {}, "set": {}}}}"#
                    .into(),
            ),
            (
                "not a valid Record",
                r#"{"to_id": "a", "no_session_context": {"payload": "!!"}}"#.into(),
            ),
            ("not an object", "[1, 2]".into()),
        ];
        for (want, json) in cases {
            let bytes = if want == "not UTF-8" {
                vec![b'{', 0xff, b'}']
            } else {
                json.clone().into_bytes()
            };
            let out = usp_with(&["encode", "--output", "hex"], Some(&bytes)).fails(1);
            assert!(out.stdout.is_empty());
            assert!(
                out.stderr.starts_with("usp: error: <stdin>: ") && out.stderr.contains(want),
                "{want}: {}",
                out.stderr
            );
        }
        // Unknown keys are ignored (forward compatibility), so this is an empty Msg header.
        let out = usp_with(
            &["encode", "--output", "hex"],
            Some(br#"{"header": {"msg_id": "1", "future_field": 3}}"#),
        )
        .ok();
        assert!(
            out.stderr.contains("body.msg_body missing"),
            "{}",
            out.stderr
        );
    }

    #[test]
    fn rule_violations_warn_and_strict_refuses() {
        let json = br#"{"version": "1.4", "to_id": "proto::a", "from_id": "proto::b", "websocket_connect": {}, "payload_security": "TLS12"}"#;
        let out = usp_with(&["encode", "--output", "hex"], Some(json)).ok();
        assert!(out.stderr.contains("R-E2E.41"), "{}", out.stderr);
        assert!(!out.stdout.is_empty());
        let out = usp_with(&["encode", "--strict", "--output", "hex"], Some(json)).fails(1);
        assert!(out.stdout.is_empty());
        assert!(out.stderr.contains("--strict"), "{}", out.stderr);
    }
}

mod build {
    use super::*;
    use usp_msg::{Body, Msg, MsgType, Request};
    use usp_record::{Record, RecordKind};

    fn run(args: &[&str]) -> Msg {
        let mut full = args.to_vec();
        full.extend_from_slice(&["--to", TO, "--from", FROM]);
        let out = usp(&full).ok();
        let record = Record::decode(out.stdout.into()).expect("a valid Record");
        assert_eq!(record.to_id().as_str(), TO);
        assert_eq!(record.from_id().as_str(), FROM);
        assert_eq!(record.version_str(), "1.4");
        let RecordKind::NoSessionContext { payload } = record.kind() else {
            panic!("not a NoSessionContext Record: {}", record.kind().name());
        };
        let msg = Msg::decode(payload.clone()).expect("a valid Msg");
        assert_eq!(msg.warning(), None);
        msg
    }

    fn request(msg: &Msg) -> &Request {
        match msg.body() {
            Body::Request(r) => r,
            other => panic!("not a request: {other:?}"),
        }
    }

    #[test]
    fn get() {
        let msg = run(&[
            "get",
            "Device.DeviceInfo.SoftwareVersion",
            r#"Device.IP.Interface.[Type=="Normal"].Status"#,
            "--max-depth",
            "3",
        ]);
        assert_eq!(msg.msg_id(), "usp-cli-1");
        let Request::Get(g) = request(&msg) else {
            panic!()
        };
        assert_eq!(
            g.param_paths,
            [
                "Device.DeviceInfo.SoftwareVersion",
                r#"Device.IP.Interface.[Type=="Normal"].Status"#
            ]
        );
        assert_eq!(g.max_depth, 3);
    }

    #[test]
    fn set_groups_settings_by_object() {
        let msg = run(&[
            "set",
            "Device.WiFi.SSID.1.SSID=Home=Net",
            "Device.WiFi.SSID.1.Enable=true",
            "-r",
            r#"Device.IP.Interface.[Alias=="wan"].Enable=false"#,
            "--allow-partial",
            "--msg-id",
            "set-7",
        ]);
        assert_eq!(msg.msg_id(), "set-7");
        let Request::Set(s) = request(&msg) else {
            panic!()
        };
        assert!(s.allow_partial);
        assert_eq!(s.update_objs.len(), 2);
        let first = &s.update_objs[0];
        assert_eq!(first.obj_path, "Device.WiFi.SSID.1.");
        let got: Vec<_> = first
            .param_settings
            .iter()
            .map(|p| (p.param.as_str(), p.value.as_str(), p.required))
            .collect();
        assert_eq!(
            got,
            [("SSID", "Home=Net", false), ("Enable", "true", false)]
        );
        let second = &s.update_objs[1];
        assert_eq!(second.obj_path, r#"Device.IP.Interface.[Alias=="wan"]."#);
        assert_eq!(second.param_settings[0].param, "Enable");
        assert!(second.param_settings[0].required);
    }

    #[test]
    fn add() {
        let msg = run(&[
            "add",
            "Device.LocalAgent.Subscription.",
            "Enable=true",
            "NotifType=ValueChange",
            "-r",
            "ID=sub-1",
        ]);
        let Request::Add(a) = request(&msg) else {
            panic!()
        };
        assert!(!a.allow_partial);
        assert_eq!(a.create_objs.len(), 1);
        assert_eq!(a.create_objs[0].obj_path, "Device.LocalAgent.Subscription.");
        let got: Vec<_> = a.create_objs[0]
            .param_settings
            .iter()
            .map(|p| (p.param.as_str(), p.value.as_str(), p.required))
            .collect();
        assert_eq!(
            got,
            [
                ("Enable", "true", false),
                ("NotifType", "ValueChange", false),
                ("ID", "sub-1", true)
            ]
        );
    }

    #[test]
    fn delete() {
        let msg = run(&[
            "delete",
            "Device.LocalAgent.Subscription.3.",
            "Device.NAT.PortMapping.*.",
            "--allow-partial",
        ]);
        let Request::Delete(d) = request(&msg) else {
            panic!()
        };
        assert!(d.allow_partial);
        assert_eq!(
            d.obj_paths,
            [
                "Device.LocalAgent.Subscription.3.",
                "Device.NAT.PortMapping.*."
            ]
        );
    }

    #[test]
    fn operate() {
        let msg = run(&[
            "operate",
            "Device.IP.Diagnostics.IPPing()",
            "Host=192.0.2.1",
            "NumberOfRepetitions=3",
            "--command-key",
            "ping-1",
            "--send-resp",
        ]);
        let Request::Operate(o) = request(&msg) else {
            panic!()
        };
        assert_eq!(o.command, "Device.IP.Diagnostics.IPPing()");
        assert_eq!(o.command_key, "ping-1");
        assert!(o.send_resp);
        assert_eq!(
            o.input_args.get("Host").map(String::as_str),
            Some("192.0.2.1")
        );
        assert_eq!(
            o.input_args.get("NumberOfRepetitions").map(String::as_str),
            Some("3")
        );
    }

    #[test]
    fn get_instances() {
        let msg = run(&["get-instances", "Device.WiFi.SSID.", "--first-level-only"]);
        let Request::GetInstances(g) = request(&msg) else {
            panic!()
        };
        assert_eq!(g.obj_paths, ["Device.WiFi.SSID."]);
        assert!(g.first_level_only);
    }

    #[test]
    fn get_supported_dm() {
        let msg = run(&[
            "get-supported-dm",
            "Device.WiFi.SSID.{i}.",
            "Device.DeviceInfo.",
            "--return-params",
            "--return-events",
        ]);
        let Request::GetSupportedDm(g) = request(&msg) else {
            panic!()
        };
        assert_eq!(g.obj_paths, ["Device.WiFi.SSID.{i}.", "Device.DeviceInfo."]);
        assert!(g.return_params && g.return_events);
        assert!(!g.return_commands && !g.return_unique_key_sets && !g.first_level_only);
        let msg = run(&["get-supported-dm", "Device.", "--all"]);
        let Request::GetSupportedDm(g) = request(&msg) else {
            panic!()
        };
        assert!(
            g.return_params && g.return_events && g.return_commands && g.return_unique_key_sets
        );
    }

    #[test]
    fn get_supported_protocol() {
        let msg = run(&["get-supported-protocol", "1.3,1.4"]);
        assert_eq!(msg.msg_type(), MsgType::GetSupportedProto);
        let Request::GetSupportedProtocol(g) = request(&msg) else {
            panic!()
        };
        assert_eq!(g.controller_supported_protocol_versions, "1.3,1.4");
    }

    #[test]
    fn msg_only_and_view_formats() {
        let out = usp(&["get", "Device.DeviceInfo.", "--msg-only"]).ok();
        let msg = Msg::decode(&out.stdout[..]).expect("a bare Msg");
        assert_eq!(msg.msg_type(), MsgType::Get);

        let j = usp(&[
            "get",
            "Device.DeviceInfo.",
            "--to",
            TO,
            "--from",
            FROM,
            "--output",
            "json",
        ])
        .ok()
        .json();
        assert_eq!(j["kind"], "record");
        assert_eq!(j["value"]["to_id"], TO);
        assert_eq!(j["payload"]["value"]["header"]["msg_id"], "usp-cli-1");
        assert_eq!(
            j["payload"]["value"]["body"]["request"]["get"]["param_paths"][0],
            "Device.DeviceInfo."
        );

        let text = usp(&["delete", "Device.X.1.", "--msg-only", "--output", "text"])
            .ok()
            .text();
        assert!(text.starts_with("Msg ("), "{text}");
        assert!(text.contains("msg_type: DELETE"), "{text}");

        let out = usp(&["get", "Device.", "--msg-only", "--output", "hex"]).ok();
        let back = usp_with(&["decode", "--output", "json"], Some(&out.stdout))
            .ok()
            .json();
        assert_eq!(back["kind"], "msg");
    }

    #[test]
    fn builder_errors() {
        // path syntax is checked first, with the caret report (7008)
        let out = usp(&["get", "Device..X", "--msg-only"]).fails(1);
        assert!(
            out.stderr.contains("invalid path at byte 7"),
            "{}",
            out.stderr
        );
        assert!(out.stderr.contains("7008"), "{}", out.stderr);
        // ... unless disabled
        usp(&["get", "Device..X", "--msg-only", "--no-path-check"]).ok();
        // the target kind must fit the request
        let out = usp(&["set", "Device.WiFi.SSID.1.=x", "--msg-only"]).fails(1);
        assert!(
            out.stderr
                .contains("is an object path, but a Set setting must be a parameter path"),
            "{}",
            out.stderr
        );
        let out = usp(&["operate", "Device.Reboot", "--msg-only"]).fails(1);
        assert!(
            out.stderr.contains("must be a command path"),
            "{}",
            out.stderr
        );
        let out = usp(&["add", "Device.X.", "no-equals", "--msg-only"]).fails(1);
        assert!(out.stderr.contains("has no '='"), "{}", out.stderr);
        // builder validation (usp-msg)
        let out = usp(&["get-supported-protocol", "1.4.1", "--msg-only"]).fails(1);
        assert!(
            out.stderr.contains("cannot build the GetSupportedProtocol"),
            "{}",
            out.stderr
        );
        // record validation (usp-record)
        let out = usp(&["get", "Device.", "--to", "proto::a", "--from", "proto::a"]).fails(1);
        assert!(
            out.stderr.contains("cannot build the Record"),
            "{}",
            out.stderr
        );
        let out = usp(&["get", "Device.", "--to", "bogus", "--from", FROM]).fails(1);
        assert!(out.stderr.contains("to_id"), "{}", out.stderr);
        // usage errors are status 2
        let out = usp(&["get", "Device."]).fails(2);
        assert!(out.stderr.contains("--to <EID>"), "{}", out.stderr);
        usp(&["set", "--msg-only"]).fails(2);
        usp(&["get", "--bogus-flag", "X."]).fails(2);
    }
}

mod path {
    use super::*;

    /// The caret sits under the character at the error's byte offset (two-space margin).
    #[track_caller]
    fn caret_at(path: &str, offset: usize, what: &str) {
        let out = usp(&["path", "check", path]).fails(1);
        assert!(out.stdout.is_empty());
        let lines: Vec<&str> = out.stderr.lines().collect();
        assert_eq!(lines.len(), 3, "{}", out.stderr);
        assert!(
            lines[0].starts_with(&format!("usp: error: invalid path at byte {offset} ")),
            "{}",
            lines[0]
        );
        assert!(lines[0].contains(what), "{}", lines[0]);
        assert!(
            lines[0].ends_with("(USP error 7008, Invalid path syntax)"),
            "{}",
            lines[0]
        );
        assert_eq!(lines[1], format!("  {path}"));
        let chars_before = path[..offset].chars().count();
        assert_eq!(lines[2], format!("  {}^", " ".repeat(chars_before)));
    }

    #[test]
    fn r_arc_7_invalid_paths_point_at_the_offending_character() {
        caret_at("Device.IP.Interface.01.", 20, "leading zero");
        caret_at("Device..IP.", 7, "expected a name");
        caret_at("Device.IP.Interface.0.", 20, "instance number 0");
        caret_at(
            "Device.IP.Interface.[Name=\"x\"].",
            25,
            "'=' is not an operator",
        );
        caret_at(
            "Device.IP.Interface.[Alias==\"a\"||Up==1].",
            31,
            "'||' is not supported",
        );
        caret_at("Device.Wi Fi.", 9, "whitespace");
        caret_at("Device.IP.Interface.[]", 20, "empty search expression");
        // offsets are bytes; the caret counts characters
        caret_at("Device.Ü.", 7, "expected a name");
        caret_at("Device.IP.[", 11, "(the end of the path): expected a name");
    }

    #[test]
    fn valid_path_structure() {
        let out = usp(&[
            "path",
            "check",
            r#"Device.IP.Interface.[Type == "Normal" && Stats.ErrorsSent>0].IPv4Address.*.IPAddress"#,
        ])
        .ok();
        let want = r#"valid: Device.IP.Interface.[Type == "Normal" && Stats.ErrorsSent>0].IPv4Address.*.IPAddress
  kind: search path
  canonical: Device.IP.Interface.[Type=="Normal"&&Stats.ErrorsSent>0].IPv4Address.*.IPAddress
  (the canonical form differs from the input)
  can match many instances: yes
  concrete (no search, follow or {i}): no
  segments:
    1. object Device
    2. object IP
    3. object Interface
    4. search expression [Type=="Normal"&&Stats.ErrorsSent>0]
         1: Type == "Normal" (quoted constant "Normal")
         2: Stats.ErrorsSent > 0 (bare constant)
    5. object IPv4Address
    6. wildcard * (every instance)
  target: parameter IPAddress
"#;
        assert_eq!(out.text(), want);
        assert_eq!(out.stderr, "");
    }

    #[test]
    fn kinds_and_targets() {
        let text = usp(&[
            "path",
            "check",
            "Device.DeviceInfo.",
            "Device.WiFi.SSID.2.",
            "Device.Reboot()",
            "Device.LocalAgent.TransferComplete!",
            "Device.X.LowerLayers#*+.Name",
            r#"Device.IP.Interface.[Alias=="wan"]."#,
        ])
        .ok()
        .text();
        for want in [
            "valid: Device.DeviceInfo.\n  kind: object path\n",
            "valid: Device.WiFi.SSID.2.\n  kind: object instance path\n",
            "    4. instance number 2\n",
            "valid: Device.Reboot()\n  kind: command path\n",
            "  target: command Reboot()\n",
            "  kind: event path\n",
            "  target: event TransferComplete!\n",
            "reference following LowerLayers#*+: parameter LowerLayers, every list item",
            "unique-key address or search expression [Alias==\"wan\"]",
            "  target: the object (path ends in '.')\n",
        ] {
            assert!(text.contains(want), "missing {want:?} in:\n{text}");
        }
    }

    /// R-ARC.9b: the canonical form parses back to itself (checked through the binary).
    #[test]
    fn r_arc_9b_canonical_forms_are_fixed_points() {
        let inputs = [
            "Device.DeviceInfo.SoftwareVersion",
            r#"Device.IP.Interface.[ Type == "Normal" && Enable==true ].IPv4Address.*."#,
            r#"Device.WiFi.SSID.[Name~="%22guest%25"].Enable"#,
            "Device.X.LowerLayers#1+.Name",
            "Device.LocalAgent.Controller.[EndpointID==\"proto::c\"].BootParameter.*.Enable",
            "Device.Boot!",
            "Device.IP.Interface.[LowerLayers#*+.Status==\"Up\"].Name",
        ];
        let canon = |out: &Out| -> Vec<String> {
            out.text()
                .lines()
                .filter_map(|l| l.strip_prefix("  canonical: ").map(str::to_owned))
                .collect()
        };
        let mut args = vec!["path", "check"];
        args.extend(inputs);
        let first = canon(&usp(&args).ok());
        assert_eq!(first.len(), inputs.len());
        assert!(first.iter().all(|c| !c.contains(' ')), "{first:?}");
        let mut args = vec!["path", "check"];
        args.extend(first.iter().map(String::as_str));
        let out = usp(&args).ok();
        assert_eq!(canon(&out), first);
        assert!(!out.text().contains("differs from the input"));
    }

    #[test]
    fn forms_and_mixed_results() {
        usp(&[
            "path",
            "check",
            "--form",
            "supported",
            "Device.WiFi.SSID.{i}.Enable",
        ])
        .ok();
        // options may follow the paths
        let out = usp(&[
            "path",
            "check",
            "Device.WiFi.SSID.{i}.",
            "--form",
            "supported",
        ])
        .ok();
        assert!(out.text().starts_with("valid: Device.WiFi.SSID.{i}.\n"));
        let out = usp(&["path", "check", "Device.WiFi.SSID.{i}.Enable"]).fails(1);
        assert!(out.stderr.contains("'{i}'"), "{}", out.stderr);
        let out = usp(&["path", "check", "--form", "register", "Device.WiFi.SSID.1."]).fails(1);
        assert!(
            out.stderr.contains("instance identifiers are not allowed"),
            "{}",
            out.stderr
        );
        // one valid and one invalid: the valid one is printed, status 1
        let out = usp(&["path", "check", "Device.", "Device..X"]).fails(1);
        assert!(out.text().starts_with("valid: Device.\n"));
        assert!(out.stderr.contains("byte 7"));
        // an empty path
        let out = usp(&["path", "check", ""]).fails(1);
        assert!(out.stderr.contains("empty path"), "{}", out.stderr);
    }
}

mod cli {
    use super::*;

    #[test]
    fn help_has_about_and_examples_everywhere() {
        let subcommands = [
            "decode",
            "encode",
            "get",
            "set",
            "add",
            "delete",
            "operate",
            "get-instances",
            "get-supported-dm",
            "get-supported-protocol",
        ];
        let top = usp(&["--help"]).ok().text();
        for s in subcommands {
            assert!(top.contains(s), "{s} missing from --help");
            let help = usp(&[s, "--help"]).ok().text();
            assert!(help.contains("Examples:\n  usp "), "{s}: {help}");
            assert!(help.contains("Usage: usp "), "{s}: {help}");
        }
        let help = usp(&["path", "check", "--help"]).ok().text();
        assert!(
            help.contains("Examples:") && help.contains("7008"),
            "{help}"
        );
        let help = usp(&["get", "--help"]).ok().text();
        assert!(help.contains("usp-cli-1"), "{help}");
        assert!(usp(&["--version"]).ok().text().starts_with("usp "));
    }

    #[test]
    fn usage_errors_are_status_2() {
        usp(&[]).fails(2);
        usp(&["frobnicate"]).fails(2);
        usp(&["decode", "--output", "yaml"]).fails(2);
        usp(&["path"]).fails(2);
        usp(&["path", "check"]).fails(2);
    }
}
