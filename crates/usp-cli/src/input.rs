//! Reading inputs and the hex / base64 text encodings (both directions).

use std::io::Read as _;
use std::path::Path;

use clap::ValueEnum;

use crate::Failure;

/// The largest input read from a file or stdin: 64 MiB. A USP Record is at most 4 MiB by
/// default (usp-record's limit), so this leaves room for hex and base64 text.
pub(crate) const MAX_INPUT: u64 = 64 * 1024 * 1024;

/// The most `decode` reads over all its inputs together: 256 MiB.
pub(crate) const MAX_TOTAL_INPUT: u64 = 4 * MAX_INPUT;

/// How the bytes of an input are written.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub(crate) enum InputFormat {
    /// Raw protobuf bytes.
    Binary,
    /// Hexadecimal text; whitespace and a leading `0x` are ignored.
    Hex,
    /// Base64 text (standard or URL-safe alphabet, padding optional); whitespace is ignored.
    Base64,
    /// Hex text if the input is only hex digits and whitespace, else base64 text if it is only
    /// base64 characters and whitespace, else binary.
    Auto,
}

/// Which encoding an input turned out to use (for messages).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Encoding {
    Binary,
    Hex,
    Base64,
}

impl Encoding {
    pub(crate) fn name(self) -> &'static str {
        match self {
            Self::Binary => "binary",
            Self::Hex => "hex",
            Self::Base64 => "base64",
        }
    }
}

/// Reads a whole file, or stdin for `None` / `-`, up to [`MAX_INPUT`] bytes.
///
/// Returns the display name (`<stdin>` or the path) and the bytes.
pub(crate) fn read_source(path: Option<&Path>) -> Result<(String, Vec<u8>), Failure> {
    let mut buf = Vec::new();
    let name = match path {
        None => "<stdin>".to_owned(),
        Some(p) if p.as_os_str() == "-" => "<stdin>".to_owned(),
        Some(p) => p.display().to_string(),
    };
    let result = if name == "<stdin>" {
        let stdin = std::io::stdin();
        if std::io::IsTerminal::is_terminal(&stdin) {
            crate::stderr_line!(
                "usp: reading stdin (give a FILE or pipe the input in; Ctrl-D ends it)"
            );
        }
        stdin.lock().take(MAX_INPUT + 1).read_to_end(&mut buf)
    } else {
        let p = path.unwrap_or(Path::new("-"));
        std::fs::File::open(p).and_then(|f| f.take(MAX_INPUT + 1).read_to_end(&mut buf))
    };
    result.map_err(|e| Failure::new(format!("cannot read {name}: {e}")))?;
    if buf.len() as u64 > MAX_INPUT {
        return Err(Failure::new(format!(
            "{name} is larger than the {} MiB input limit",
            MAX_INPUT / (1024 * 1024)
        )));
    }
    Ok((name, buf))
}

/// Turns input text into bytes according to `format`.
pub(crate) fn decode_input(raw: &[u8], format: InputFormat) -> Result<(Vec<u8>, Encoding), String> {
    match format {
        InputFormat::Binary => Ok((raw.to_vec(), Encoding::Binary)),
        InputFormat::Hex => hex_decode(raw).map(|b| (b, Encoding::Hex)),
        InputFormat::Base64 => base64_decode(raw).map(|b| (b, Encoding::Base64)),
        InputFormat::Auto => {
            if looks_hex(raw) {
                hex_decode(raw).map(|b| (b, Encoding::Hex))
            } else if looks_base64(raw) {
                base64_decode(raw).map(|b| (b, Encoding::Base64))
            } else {
                Ok((raw.to_vec(), Encoding::Binary))
            }
        }
    }
}

fn strip_0x(raw: &[u8]) -> (&[u8], usize) {
    let start = raw.iter().take_while(|b| b.is_ascii_whitespace()).count();
    let rest = raw.get(start..).unwrap_or_default();
    match rest {
        [b'0', b'x' | b'X', tail @ ..] => (tail, start + 2),
        _ => (raw, 0),
    }
}

fn looks_hex(raw: &[u8]) -> bool {
    let (body, _) = strip_0x(raw);
    let digits = body.iter().filter(|b| !b.is_ascii_whitespace()).count();
    digits > 0
        && digits % 2 == 0
        && body
            .iter()
            .all(|b| b.is_ascii_hexdigit() || b.is_ascii_whitespace())
}

fn is_b64(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'-' | b'_')
}

fn looks_base64(raw: &[u8]) -> bool {
    let mut data = 0usize;
    let mut pad = 0usize;
    for &b in raw {
        if b.is_ascii_whitespace() {
            continue;
        }
        if b == b'=' {
            pad += 1;
        } else if is_b64(b) && pad == 0 {
            data += 1;
        } else {
            return false;
        }
    }
    data > 0 && pad <= 2 && data % 4 != 1 && (pad == 0 || (data + pad) % 4 == 0)
}

/// Decodes hex text: pairs of hex digits, whitespace anywhere, an optional leading `0x`.
pub(crate) fn hex_decode(raw: &[u8]) -> Result<Vec<u8>, String> {
    let (body, skipped) = strip_0x(raw);
    let mut out = Vec::with_capacity(body.len() / 2);
    let mut high: Option<u8> = None;
    for (i, &b) in body.iter().enumerate() {
        if b.is_ascii_whitespace() {
            continue;
        }
        let Some(v) = (b as char).to_digit(16) else {
            return Err(format!(
                "not valid hex: {} at byte {} (expected 0-9, a-f, A-F or whitespace)",
                describe_byte(b),
                i + skipped
            ));
        };
        // to_digit(16) is below 16, so it fits a u8.
        let v = v as u8;
        match high.take() {
            None => high = Some(v),
            Some(h) => out.push(h << 4 | v),
        }
    }
    if high.is_some() {
        return Err("not valid hex: odd number of hex digits (the last byte is incomplete)".into());
    }
    if out.is_empty() {
        return Err("not valid hex: no hex digits".into());
    }
    Ok(out)
}

fn b64_value(b: u8) -> Option<u32> {
    Some(u32::from(match b {
        b'A'..=b'Z' => b - b'A',
        b'a'..=b'z' => b - b'a' + 26,
        b'0'..=b'9' => b - b'0' + 52,
        b'+' | b'-' => 62,
        b'/' | b'_' => 63,
        _ => return None,
    }))
}

/// Decodes base64 text (standard or URL-safe alphabet, padding optional, whitespace ignored).
pub(crate) fn base64_decode(raw: &[u8]) -> Result<Vec<u8>, String> {
    let mut out = Vec::with_capacity(raw.len() / 4 * 3);
    let mut acc = 0u32;
    let mut bits = 0u32;
    let mut data = 0usize;
    let mut padding_at: Option<usize> = None;
    for (i, &b) in raw.iter().enumerate() {
        if b.is_ascii_whitespace() {
            continue;
        }
        if b == b'=' {
            padding_at.get_or_insert(i);
            continue;
        }
        if let Some(p) = padding_at {
            return Err(format!(
                "not valid base64: {} at byte {i} after the padding that starts at byte {p}",
                describe_byte(b)
            ));
        }
        let Some(v) = b64_value(b) else {
            return Err(format!(
                "not valid base64: {} at byte {i} (expected A-Z, a-z, 0-9, +, /, -, _, = or whitespace)",
                describe_byte(b)
            ));
        };
        data += 1;
        acc = (acc << 6 | v) & 0xff_ffff;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            // Masked to the low 8 bits, so the cast is exact.
            out.push((acc >> bits & 0xff) as u8);
        }
    }
    if data == 0 {
        return Err("not valid base64: no base64 characters".into());
    }
    if data % 4 == 1 {
        return Err("not valid base64: truncated (one character too many or too few)".into());
    }
    Ok(out)
}

fn describe_byte(b: u8) -> String {
    if b.is_ascii_graphic() {
        format!("'{}'", b as char)
    } else {
        format!("byte 0x{b:02x}")
    }
}

/// Lowercase hex, no separators.
pub(crate) fn hex_encode(bytes: &[u8]) -> String {
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push_str(&format!("{b:02x}"));
    }
    s
}

/// Standard base64 with padding.
pub(crate) fn base64_encode(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let sym = |v: u32| char::from(ALPHABET[(v & 63) as usize]);
    let mut s = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = |i: usize| chunk.get(i).copied().map_or(0, u32::from);
        let n = b(0) << 16 | b(1) << 8 | b(2);
        s.push(sym(n >> 18));
        s.push(sym(n >> 12));
        s.push(if chunk.len() > 1 { sym(n >> 6) } else { '=' });
        s.push(if chunk.len() > 2 { sym(n) } else { '=' });
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_round_trip_and_errors() {
        assert_eq!(hex_decode(b"0x0A ff\n10").unwrap(), [0x0a, 0xff, 0x10]);
        assert_eq!(hex_encode(&[0x0a, 0xff]), "0aff");
        assert_eq!(
            hex_decode(b"0a0g").unwrap_err(),
            "not valid hex: 'g' at byte 3 (expected 0-9, a-f, A-F or whitespace)"
        );
        assert!(hex_decode(b"abc").unwrap_err().contains("odd number"));
        assert!(hex_decode(b"  ").is_err());
    }

    #[test]
    fn base64_round_trip_and_errors() {
        for data in [&b""[..], b"a", b"ab", b"abc", b"abcd", &[0xff, 0xfe, 0x00]] {
            let text = base64_encode(data);
            if !data.is_empty() {
                assert_eq!(base64_decode(text.as_bytes()).unwrap(), data, "{text}");
            }
        }
        assert_eq!(base64_encode(b"ab"), "YWI=");
        assert_eq!(base64_decode(b"YW\nI").unwrap(), b"ab");
        assert_eq!(base64_decode(b"-_8=").unwrap(), [0xfb, 0xff]);
        assert!(
            base64_decode(b"YWI=x")
                .unwrap_err()
                .contains("after the padding")
        );
        assert!(base64_decode(b"Y").unwrap_err().contains("truncated"));
        assert!(base64_decode(b"Y*").unwrap_err().contains("'*' at byte 1"));
    }

    #[test]
    fn auto_detection_order() {
        let (b, e) = decode_input(b"0a03\n", InputFormat::Auto).unwrap();
        assert_eq!((b, e), (vec![0x0a, 0x03], Encoding::Hex));
        let (b, e) = decode_input(b"CgMxLjQ=", InputFormat::Auto).unwrap();
        assert_eq!((b, e), (b"\n\x031.4".to_vec(), Encoding::Base64));
        let (_, e) = decode_input(b"\n\x031.4", InputFormat::Auto).unwrap();
        assert_eq!(e, Encoding::Binary);
        // odd hex-digit count is not hex; it is valid base64 text
        assert_eq!(
            decode_input(b"abc", InputFormat::Auto).unwrap().1,
            Encoding::Base64
        );
    }
}
