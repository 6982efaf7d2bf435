//! TR-106 typed values (R-ENC.6, REQUIREMENTS §5.6) and typed comparison for search expressions.
//!
//! [`Value::parse`] accepts the TR-106 / XML Schema lexical forms and `Display` writes the
//! canonical form:
//!
//! | Type | Accepted | Written |
//! |---|---|---|
//! | boolean | `true` `false` `1` `0` | `true` `false` |
//! | int, long, unsignedInt, unsignedLong | optional `+` (or `-`), leading zeros | plain decimal |
//! | decimal | `[+-]digits[.digits]`, `.5`, `5.` | no `+`, no leading or trailing zeros (`0.5`, `-3`) |
//! | dateTime | `YYYY-MM-DDThh:mm:ss[.fff][Z\|±hh:mm]`, years 0001-9999 | UTC with `Z`, fraction without trailing zeros |
//! | base64 | standard alphabet, padding, embedded whitespace ignored | padded, no whitespace |
//! | hexBinary | even number of hex digits, any case | upper case (XML Schema canonical form) |
//! | string | anything | as is |
//!
//! Decisions: a dateTime without a time zone is taken as UTC (TR-106 asks for UTC); an offset is
//! converted to UTC, so `08:00:00+02:00` equals `06:00:00Z`. Fractions beyond nanoseconds and
//! hour `24` are rejected. List items ([`parse_list`]) are separated by `,`, and spaces or tabs
//! around an item are dropped.

use alloc::string::String;
use alloc::vec::Vec;
use core::cmp::Ordering;
use core::fmt;

use crate::ast::{Constant, Operator};

/// The TR-106 base data types a parameter value can have.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[non_exhaustive]
pub enum ValueType {
    /// `string` and types derived from it (IPAddress, MACAddress, Alias, references, ...).
    String,
    /// `boolean`
    Boolean,
    /// `int` (32-bit)
    Int,
    /// `unsignedInt` (32-bit)
    UnsignedInt,
    /// `long` (64-bit)
    Long,
    /// `unsignedLong` (64-bit)
    UnsignedLong,
    /// `decimal`
    Decimal,
    /// `dateTime`
    DateTime,
    /// `base64`
    Base64,
    /// `hexBinary`
    HexBinary,
}

impl ValueType {
    /// Every type.
    pub const ALL: [Self; 10] = [
        Self::String,
        Self::Boolean,
        Self::Int,
        Self::UnsignedInt,
        Self::Long,
        Self::UnsignedLong,
        Self::Decimal,
        Self::DateTime,
        Self::Base64,
        Self::HexBinary,
    ];

    /// The TR-106 type name (`unsignedInt`, `dateTime`, ...).
    pub const fn name(self) -> &'static str {
        match self {
            Self::String => "string",
            Self::Boolean => "boolean",
            Self::Int => "int",
            Self::UnsignedInt => "unsignedInt",
            Self::Long => "long",
            Self::UnsignedLong => "unsignedLong",
            Self::Decimal => "decimal",
            Self::DateTime => "dateTime",
            Self::Base64 => "base64",
            Self::HexBinary => "hexBinary",
        }
    }

    /// Whether expression constants of this type are written in double quotes. Only `string`
    /// (and its derived types) is; every other type needs a bare constant, so
    /// `[Enable=="true"]` is a type error (architecture, "Searches that are NOT VALID").
    pub const fn is_quoted(self) -> bool {
        matches!(self, Self::String)
    }

    /// Whether the ordering operators `<` `>` `<=` `>=` apply: numbers, decimal and dateTime.
    /// Strings and booleans allow only `==` and `!=` (architecture, "Searching with
    /// Expressions"); we also allow only those two for base64 and hexBinary, which have no
    /// meaningful order.
    pub const fn is_ordered(self) -> bool {
        matches!(
            self,
            Self::Int
                | Self::UnsignedInt
                | Self::Long
                | Self::UnsignedLong
                | Self::Decimal
                | Self::DateTime
        )
    }
}

impl fmt::Display for ValueType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A parameter's type: a base type, either a single value or a comma-separated list.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ParamType {
    base: ValueType,
    list: bool,
}

impl ParamType {
    /// A single value of `base`.
    pub const fn scalar(base: ValueType) -> Self {
        Self { base, list: false }
    }

    /// A comma-separated list of `base` items.
    pub const fn list(base: ValueType) -> Self {
        Self { base, list: true }
    }

    /// The item type.
    pub const fn base(self) -> ValueType {
        self.base
    }

    /// Whether the parameter is a list.
    pub const fn is_list(self) -> bool {
        self.list
    }
}

impl From<ValueType> for ParamType {
    fn from(base: ValueType) -> Self {
        Self::scalar(base)
    }
}

/// Why a value or an expression constant is not acceptable.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, thiserror::Error)]
#[non_exhaustive]
pub enum ValueError {
    /// The text is not a valid lexical form of the type.
    #[error("not a valid {0} value")]
    Invalid(ValueType),
    /// A number outside the type's range.
    #[error("{0} value out of range")]
    OutOfRange(ValueType),
    /// A `string` parameter compared with a bare constant, or any other type with a quoted one
    /// (`[Enable=="true"]`).
    #[error("a {ty} parameter needs a {} constant", if *quoted { "quoted" } else { "bare" })]
    Quoting {
        /// The parameter's type (the list item type for `~=`).
        ty: ValueType,
        /// Whether the type needs a quoted constant.
        quoted: bool,
    },
    /// The operator is not valid for the type: `<` on a string or boolean, `~=` on a
    /// non-list, an ordering operator with the Unknown Time.
    #[error("operator {op} is not valid for {ty}")]
    Operator {
        /// The operator.
        op: Operator,
        /// The parameter's type.
        ty: ValueType,
    },
}

impl ValueError {
    /// The USP error code for a search constant of the wrong type or an operator invalid for the
    /// type: 7008 (Invalid path syntax).
    ///
    /// Decision (REQUIREMENTS §8 item 7): 7008 rather than 7004, because the architecture lists
    /// `[Enable=="true"]` among the invalid *paths*, and 7008 is allowed for every message that
    /// takes a path. Parameter values of the wrong type in Add/Set map to 7011 in the engine, not
    /// through this function.
    pub const fn usp_error_code(&self) -> u32 {
        7008
    }
}

/// A decimal number, kept exactly (any number of digits).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Decimal {
    negative: bool,
    /// Integer digits without leading zeros (empty for 0).
    int: String,
    /// Fraction digits without trailing zeros.
    frac: String,
}

impl Decimal {
    /// Parses `[+-]?(digits[.digits*]|.digits)`.
    ///
    /// # Errors
    /// [`ValueError::Invalid`] for anything else.
    pub fn parse(s: &str) -> Result<Self, ValueError> {
        let bad = ValueError::Invalid(ValueType::Decimal);
        let (negative, body) = match s.as_bytes().first() {
            Some(b'-') => (true, s.get(1..).unwrap_or("")),
            Some(b'+') => (false, s.get(1..).unwrap_or("")),
            _ => (false, s),
        };
        let (i, f) = body.split_once('.').unwrap_or((body, ""));
        if (i.is_empty() && f.is_empty())
            || !i.bytes().all(|b| b.is_ascii_digit())
            || !f.bytes().all(|b| b.is_ascii_digit())
        {
            return Err(bad);
        }
        let int = String::from(i.trim_start_matches('0'));
        let frac = String::from(f.trim_end_matches('0'));
        let negative = negative && !(int.is_empty() && frac.is_empty());
        Ok(Self {
            negative,
            int,
            frac,
        })
    }

    /// Whether the value is below zero.
    pub const fn is_negative(&self) -> bool {
        self.negative
    }

    fn cmp_magnitude(&self, other: &Self) -> Ordering {
        self.int
            .len()
            .cmp(&other.int.len())
            .then_with(|| self.int.cmp(&other.int))
            .then_with(|| self.frac.cmp(&other.frac))
    }
}

impl Ord for Decimal {
    fn cmp(&self, other: &Self) -> Ordering {
        match (self.negative, other.negative) {
            (false, true) => Ordering::Greater,
            (true, false) => Ordering::Less,
            (false, false) => self.cmp_magnitude(other),
            (true, true) => other.cmp_magnitude(self),
        }
    }
}

impl PartialOrd for Decimal {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl fmt::Display for Decimal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.negative {
            f.write_str("-")?;
        }
        f.write_str(if self.int.is_empty() { "0" } else { &self.int })?;
        if !self.frac.is_empty() {
            write!(f, ".{}", self.frac)?;
        }
        Ok(())
    }
}

/// A TR-106 dateTime, normalised to UTC.
///
/// Field order gives chronological `Ord`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct DateTime {
    year: u16,
    month: u8,
    day: u8,
    hour: u8,
    minute: u8,
    second: u8,
    nanos: u32,
}

const fn is_leap(y: u16) -> bool {
    (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
}

const fn days_in_month(y: u16, m: u8) -> u8 {
    match m {
        2 if is_leap(y) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

fn digits<const N: usize>(s: &[u8]) -> Option<u32> {
    let d = s.get(..N)?;
    let mut v = 0u32;
    for b in d {
        if !b.is_ascii_digit() {
            return None;
        }
        v = v * 10 + u32::from(b - b'0');
    }
    Some(v)
}

impl DateTime {
    /// The Unknown Time `0001-01-01T00:00:00Z` (TR-106 §3.2.1).
    pub const UNKNOWN: Self = Self {
        year: 1,
        month: 1,
        day: 1,
        hour: 0,
        minute: 0,
        second: 0,
        nanos: 0,
    };

    /// A UTC dateTime from its parts; `None` if any part is out of range (years 1-9999, a real
    /// calendar date, hours 0-23, minutes and seconds 0-59, nanoseconds below 1e9).
    ///
    /// ```
    /// use usp_path::value::DateTime;
    ///
    /// let t = DateTime::new(2024, 2, 29, 12, 0, 0, 500_000_000).unwrap();
    /// assert_eq!(t.to_string(), "2024-02-29T12:00:00.5Z");
    /// assert!(DateTime::new(2023, 2, 29, 0, 0, 0, 0).is_none());
    /// ```
    pub fn new(
        year: u16,
        month: u8,
        day: u8,
        hour: u8,
        minute: u8,
        second: u8,
        nanos: u32,
    ) -> Option<Self> {
        let ok = (1..=9999).contains(&year)
            && (1..=12).contains(&month)
            && day >= 1
            && day <= days_in_month(year, month)
            && hour < 24
            && minute < 60
            && second < 60
            && nanos < 1_000_000_000;
        ok.then_some(Self {
            year,
            month,
            day,
            hour,
            minute,
            second,
            nanos,
        })
    }

    /// Whether this is the Unknown Time `0001-01-01T00:00:00Z`.
    pub fn is_unknown(&self) -> bool {
        *self == Self::UNKNOWN
    }

    /// (year, month, day, hour, minute, second, nanosecond) in UTC.
    pub const fn parts(&self) -> (u16, u8, u8, u8, u8, u8, u32) {
        (
            self.year,
            self.month,
            self.day,
            self.hour,
            self.minute,
            self.second,
            self.nanos,
        )
    }

    /// Parses `YYYY-MM-DDThh:mm:ss[.f{1,9}][Z|±hh:mm]`; see the module docs for the decisions.
    ///
    /// # Errors
    /// [`ValueError::Invalid`] for a bad form or date; [`ValueError::OutOfRange`] if a zone
    /// offset moves the value outside years 0001-9999.
    pub fn parse(s: &str) -> Result<Self, ValueError> {
        let bad = ValueError::Invalid(ValueType::DateTime);
        let b = s.as_bytes();
        let sep = |i: usize, c: u8| b.get(i) == Some(&c);
        if b.len() < 19
            || !sep(4, b'-')
            || !sep(7, b'-')
            || !sep(10, b'T')
            || !sep(13, b':')
            || !sep(16, b':')
        {
            return Err(bad);
        }
        let field = |at: usize, n: usize| -> Result<u32, ValueError> {
            let s = b.get(at..).ok_or(bad)?;
            match n {
                4 => digits::<4>(s),
                _ => digits::<2>(s),
            }
            .ok_or(bad)
        };
        let year = u16::try_from(field(0, 4)?).map_err(|_| bad)?;
        let month = u8::try_from(field(5, 2)?).map_err(|_| bad)?;
        let day = u8::try_from(field(8, 2)?).map_err(|_| bad)?;
        let hour = u8::try_from(field(11, 2)?).map_err(|_| bad)?;
        let minute = u8::try_from(field(14, 2)?).map_err(|_| bad)?;
        let second = u8::try_from(field(17, 2)?).map_err(|_| bad)?;
        if year == 0
            || !(1..=12).contains(&month)
            || day == 0
            || day > days_in_month(year, month)
            || hour > 23
            || minute > 59
            || second > 59
        {
            return Err(bad);
        }
        let mut rest = b.get(19..).unwrap_or(&[]);
        let mut nanos = 0u32;
        if let Some((b'.', r)) = rest.split_first() {
            let n = r.iter().take_while(|c| c.is_ascii_digit()).count();
            if n == 0 || n > 9 {
                return Err(bad);
            }
            for c in r.iter().take(n) {
                nanos = nanos * 10 + u32::from(c - b'0');
            }
            for _ in n..9 {
                nanos *= 10;
            }
            rest = r.get(n..).unwrap_or(&[]);
        }
        let offset_min: i32 = match rest {
            [] | [b'Z'] => 0,
            [sign @ (b'+' | b'-'), h1, h2, b':', m1, m2] => {
                let h = digits::<2>(&[*h1, *h2]).ok_or(bad)?;
                let m = digits::<2>(&[*m1, *m2]).ok_or(bad)?;
                if h > 14 || m > 59 {
                    return Err(bad);
                }
                let v = i32::try_from(h * 60 + m).map_err(|_| bad)?;
                if *sign == b'-' { -v } else { v }
            }
            _ => return Err(bad),
        };
        let dt = Self {
            year,
            month,
            day,
            hour,
            minute,
            second,
            nanos,
        };
        if offset_min == 0 {
            return Ok(dt);
        }
        dt.shift_minutes(-offset_min)
            .ok_or(ValueError::OutOfRange(ValueType::DateTime))
    }

    fn shift_minutes(self, delta: i32) -> Option<Self> {
        let mut total = i32::from(self.hour) * 60 + i32::from(self.minute) + delta;
        let mut days = 0i32;
        while total < 0 {
            total += 1440;
            days -= 1;
        }
        while total >= 1440 {
            total -= 1440;
            days += 1;
        }
        let (mut y, mut m, mut d) = (self.year, self.month, self.day);
        match days {
            0 => {}
            1 => {
                if d < days_in_month(y, m) {
                    d += 1;
                } else {
                    d = 1;
                    if m == 12 {
                        m = 1;
                        y = y.checked_add(1).filter(|y| *y <= 9999)?;
                    } else {
                        m += 1;
                    }
                }
            }
            -1 => {
                if d > 1 {
                    d -= 1;
                } else {
                    if m == 1 {
                        m = 12;
                        y = y.checked_sub(1).filter(|y| *y >= 1)?;
                    } else {
                        m -= 1;
                    }
                    d = days_in_month(y, m);
                }
            }
            _ => return None,
        }
        Some(Self {
            year: y,
            month: m,
            day: d,
            hour: u8::try_from(total / 60).ok()?,
            minute: u8::try_from(total % 60).ok()?,
            ..self
        })
    }
}

impl fmt::Display for DateTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}",
            self.year, self.month, self.day, self.hour, self.minute, self.second
        )?;
        if self.nanos != 0 {
            let mut n = self.nanos;
            let mut width = 9;
            while n % 10 == 0 {
                n /= 10;
                width -= 1;
            }
            write!(f, ".{n:0width$}")?;
        }
        f.write_str("Z")
    }
}

const B64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

fn b64_val(c: u8) -> Option<u32> {
    Some(u32::from(match c {
        b'A'..=b'Z' => c - b'A',
        b'a'..=b'z' => c - b'a' + 26,
        b'0'..=b'9' => c - b'0' + 52,
        b'+' => 62,
        b'/' => 63,
        _ => return None,
    }))
}

/// Decodes base64 (standard alphabet, `=` padding required to a multiple of 4; ASCII whitespace
/// ignored).
fn base64_decode(s: &str) -> Result<Vec<u8>, ValueError> {
    let bad = ValueError::Invalid(ValueType::Base64);
    let chars: Vec<u8> = s.bytes().filter(|b| !b.is_ascii_whitespace()).collect();
    if chars.len() % 4 != 0 {
        return Err(bad);
    }
    let mut out = Vec::with_capacity(chars.len() / 4 * 3);
    let n = chars.len() / 4;
    for (q, quad) in chars.chunks(4).enumerate() {
        let last = q + 1 == n;
        let pad = quad.iter().rev().take_while(|c| **c == b'=').count();
        if pad > 2 || (pad > 0 && !last) {
            return Err(bad);
        }
        let mut v = 0u32;
        for c in quad.iter().take(4 - pad) {
            v = (v << 6) | b64_val(*c).ok_or(bad)?;
        }
        v <<= 6 * pad;
        let bytes = v.to_be_bytes();
        let take = 3 - pad;
        // Non-canonical trailing bits (e.g. "QR==") are rejected so that the form is unique.
        let low_bits = match pad {
            1 => v & 0xFF,
            2 => v & 0xFFFF,
            _ => 0,
        };
        if low_bits != 0 {
            return Err(bad);
        }
        out.extend_from_slice(bytes.get(1..1 + take).unwrap_or(&[]));
    }
    Ok(out)
}

fn base64_encode(data: &[u8], f: &mut fmt::Formatter<'_>) -> fmt::Result {
    use core::fmt::Write;
    let sym = |i: u32| char::from(*B64.get((i & 63) as usize).unwrap_or(&b'A'));
    for chunk in data.chunks(3) {
        let b = [
            chunk.first().copied().unwrap_or(0),
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let v = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        f.write_char(sym(v >> 18))?;
        f.write_char(sym(v >> 12))?;
        f.write_char(if chunk.len() > 1 { sym(v >> 6) } else { '=' })?;
        f.write_char(if chunk.len() > 2 { sym(v) } else { '=' })?;
    }
    Ok(())
}

fn hex_decode(s: &str) -> Result<Vec<u8>, ValueError> {
    let bad = ValueError::Invalid(ValueType::HexBinary);
    if s.len() % 2 != 0 {
        return Err(bad);
    }
    s.as_bytes()
        .chunks(2)
        .map(|p| {
            let h = |c: u8| char::from(c).to_digit(16).ok_or(bad);
            let (a, b) = (
                p.first().copied().unwrap_or(0),
                p.get(1).copied().unwrap_or(0),
            );
            Ok(u8::try_from(h(a)? * 16 + h(b)?).unwrap_or(0))
        })
        .collect()
}

/// Parses an optionally signed decimal integer with leading zeros into an `i128`-free range
/// check: returns (negative, magnitude) or `None` if not digits / magnitude above u64.
fn parse_integer(s: &str) -> Option<(bool, u64)> {
    let (neg, digits) = match s.as_bytes().first()? {
        b'-' => (true, s.get(1..)?),
        b'+' => (false, s.get(1..)?),
        _ => (false, s),
    };
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let mut v: u64 = 0;
    for b in digits.bytes() {
        v = v.checked_mul(10)?.checked_add(u64::from(b - b'0'))?;
    }
    Some((neg, v))
}

fn int_in<T: TryFrom<i128>>(s: &str, ty: ValueType) -> Result<T, ValueError> {
    let all_digits = {
        let d = s.strip_prefix(['+', '-']).unwrap_or(s);
        !d.is_empty() && d.bytes().all(|b| b.is_ascii_digit())
    };
    let (neg, mag) = parse_integer(s).ok_or(if all_digits {
        ValueError::OutOfRange(ty)
    } else {
        ValueError::Invalid(ty)
    })?;
    let v = if neg {
        -i128::from(mag)
    } else {
        i128::from(mag)
    };
    T::try_from(v).map_err(|_| ValueError::OutOfRange(ty))
}

/// A typed TR-106 value.
///
/// ```
/// use usp_path::value::{Value, ValueType};
///
/// assert_eq!(Value::parse(ValueType::Int, "+0123")?, Value::Int(123));
/// assert_eq!(Value::parse(ValueType::Boolean, "1")?.to_string(), "true");
/// let t = Value::parse(ValueType::DateTime, "2021-06-06T10:00:00+02:00")?;
/// assert_eq!(t.to_string(), "2021-06-06T08:00:00Z");
/// # Ok::<(), usp_path::value::ValueError>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Value {
    /// `string`
    String(String),
    /// `boolean`
    Boolean(bool),
    /// `int`
    Int(i32),
    /// `unsignedInt`
    UnsignedInt(u32),
    /// `long`
    Long(i64),
    /// `unsignedLong`
    UnsignedLong(u64),
    /// `decimal`
    Decimal(Decimal),
    /// `dateTime`
    DateTime(DateTime),
    /// `base64`, decoded.
    Base64(Vec<u8>),
    /// `hexBinary`, decoded.
    HexBinary(Vec<u8>),
}

impl Value {
    /// Parses `s` as a `ty` value (TR-106 lexical forms; see the module docs).
    ///
    /// # Errors
    /// [`ValueError::Invalid`] or [`ValueError::OutOfRange`].
    pub fn parse(ty: ValueType, s: &str) -> Result<Self, ValueError> {
        Ok(match ty {
            ValueType::String => Self::String(String::from(s)),
            ValueType::Boolean => Self::Boolean(parse_bool(s)?),
            ValueType::Int => Self::Int(int_in(s, ty)?),
            ValueType::UnsignedInt => Self::UnsignedInt(int_in(s, ty)?),
            ValueType::Long => Self::Long(int_in(s, ty)?),
            ValueType::UnsignedLong => Self::UnsignedLong(int_in(s, ty)?),
            ValueType::Decimal => Self::Decimal(Decimal::parse(s)?),
            ValueType::DateTime => Self::DateTime(DateTime::parse(s)?),
            ValueType::Base64 => Self::Base64(base64_decode(s)?),
            ValueType::HexBinary => Self::HexBinary(hex_decode(s)?),
        })
    }

    /// The value's type.
    pub const fn value_type(&self) -> ValueType {
        match self {
            Self::String(_) => ValueType::String,
            Self::Boolean(_) => ValueType::Boolean,
            Self::Int(_) => ValueType::Int,
            Self::UnsignedInt(_) => ValueType::UnsignedInt,
            Self::Long(_) => ValueType::Long,
            Self::UnsignedLong(_) => ValueType::UnsignedLong,
            Self::Decimal(_) => ValueType::Decimal,
            Self::DateTime(_) => ValueType::DateTime,
            Self::Base64(_) => ValueType::Base64,
            Self::HexBinary(_) => ValueType::HexBinary,
        }
    }

    /// Compares two values of the same type; `None` if the types differ or the type has no
    /// order (string, boolean, base64, hexBinary compare only for equality via `==`).
    ///
    /// ```
    /// use core::cmp::Ordering;
    /// use usp_path::value::{Value, ValueType};
    ///
    /// let a = Value::parse(ValueType::Decimal, "2.50")?;
    /// let b = Value::parse(ValueType::Decimal, "10")?;
    /// assert_eq!(a.compare(&b), Some(Ordering::Less));
    /// assert_eq!(Value::Boolean(true).compare(&Value::Boolean(true)), None);
    /// # Ok::<(), usp_path::value::ValueError>(())
    /// ```
    pub fn compare(&self, other: &Self) -> Option<Ordering> {
        match (self, other) {
            (Self::Int(a), Self::Int(b)) => Some(a.cmp(b)),
            (Self::UnsignedInt(a), Self::UnsignedInt(b)) => Some(a.cmp(b)),
            (Self::Long(a), Self::Long(b)) => Some(a.cmp(b)),
            (Self::UnsignedLong(a), Self::UnsignedLong(b)) => Some(a.cmp(b)),
            (Self::Decimal(a), Self::Decimal(b)) => Some(a.cmp(b)),
            (Self::DateTime(a), Self::DateTime(b)) => Some(a.cmp(b)),
            _ => None,
        }
    }
}

fn parse_bool(s: &str) -> Result<bool, ValueError> {
    match s {
        "true" | "1" => Ok(true),
        "false" | "0" => Ok(false),
        _ => Err(ValueError::Invalid(ValueType::Boolean)),
    }
}

impl fmt::Display for Value {
    /// The canonical TR-106 string form (R-ENC.6).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::String(s) => f.write_str(s),
            Self::Boolean(b) => f.write_str(if *b { "true" } else { "false" }),
            Self::Int(v) => write!(f, "{v}"),
            Self::UnsignedInt(v) => write!(f, "{v}"),
            Self::Long(v) => write!(f, "{v}"),
            Self::UnsignedLong(v) => write!(f, "{v}"),
            Self::Decimal(d) => d.fmt(f),
            Self::DateTime(d) => d.fmt(f),
            Self::Base64(b) => base64_encode(b, f),
            Self::HexBinary(b) => b.iter().try_for_each(|x| write!(f, "{x:02X}")),
        }
    }
}

/// Splits a comma-separated TR-106 list into its items, trimming spaces and tabs around each.
/// `""` is the empty list.
///
/// ```
/// use usp_path::value::split_list;
///
/// assert_eq!(split_list("a, b ,c").collect::<Vec<_>>(), ["a", "b", "c"]);
/// assert_eq!(split_list("").count(), 0);
/// ```
pub fn split_list(s: &str) -> impl Iterator<Item = &str> {
    let empty = s.trim_matches([' ', '\t']).is_empty();
    s.split(',')
        .map(|i| i.trim_matches([' ', '\t']))
        .filter(move |_| !empty)
}

/// Parses a comma-separated list of `ty` items.
///
/// # Errors
/// The first item's [`ValueError`].
///
/// ```
/// use usp_path::value::{format_list, parse_list, Value, ValueType};
///
/// let l = parse_list(ValueType::UnsignedInt, "5, 010,15")?;
/// assert_eq!(l, [Value::UnsignedInt(5), Value::UnsignedInt(10), Value::UnsignedInt(15)]);
/// assert_eq!(format_list(&l), "5,10,15");
/// # Ok::<(), usp_path::value::ValueError>(())
/// ```
pub fn parse_list(ty: ValueType, s: &str) -> Result<Vec<Value>, ValueError> {
    split_list(s).map(|i| Value::parse(ty, i)).collect()
}

/// Writes a list in canonical form: items joined by `,` with no spaces.
pub fn format_list(items: &[Value]) -> String {
    use core::fmt::Write;
    let mut out = String::new();
    for (i, v) in items.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        let _ = write!(out, "{v}");
    }
    out
}

/// An expression constant checked and converted for a parameter type, ready to compare with
/// many parameter values ([`TypedConstant::matches`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TypedConstant {
    ty: ParamType,
    op: Operator,
    value: Value,
}

/// Checks an expression constant against the parameter's type and converts it (REQUIREMENTS
/// §1.2):
///
/// - `~=` needs a list parameter; the constant has the item type.
/// - `==` and `!=` on a list parameter compare the whole value as a string (our decision).
/// - a `string` parameter (or list of strings with `~=`) needs a quoted constant, every other
///   type a bare one;
/// - `<` `>` `<=` `>=` are valid only for numbers, decimal and dateTime, and not with the Unknown
///   Time constant `0001-01-01T00:00:00Z`.
///
/// # Errors
/// A [`ValueError`] (USP 7008, see [`ValueError::usp_error_code`]).
///
/// ```
/// use usp_path::value::{check_constant, ParamType, ValueError, ValueType};
/// use usp_path::{Constant, Operator};
///
/// let bool_ty = ParamType::scalar(ValueType::Boolean);
/// let quoted = Constant::Quoted("true".into());
/// assert!(matches!(check_constant(bool_ty, Operator::Eq, &quoted), Err(ValueError::Quoting { .. })));
/// let c = check_constant(bool_ty, Operator::Eq, &Constant::Bare("1".into()))?;
/// assert!(c.matches("true")?);
/// # Ok::<(), ValueError>(())
/// ```
pub fn check_constant(
    ty: ParamType,
    op: Operator,
    constant: &Constant<'_>,
) -> Result<TypedConstant, ValueError> {
    let item_ty = match (op, ty.list) {
        (Operator::Contains, true) => ty.base,
        (Operator::Contains, false) => return Err(ValueError::Operator { op, ty: ty.base }),
        (_, true) => ValueType::String,
        (_, false) => ty.base,
    };
    if constant.is_quoted() != item_ty.is_quoted() {
        return Err(ValueError::Quoting {
            ty: item_ty,
            quoted: item_ty.is_quoted(),
        });
    }
    if op.is_ordering() && !item_ty.is_ordered() {
        return Err(ValueError::Operator { op, ty: item_ty });
    }
    let value = Value::parse(item_ty, constant.text())?;
    if op.is_ordering() && matches!(&value, Value::DateTime(d) if d.is_unknown()) {
        return Err(ValueError::Operator { op, ty: item_ty });
    }
    Ok(TypedConstant { ty, op, value })
}

impl TypedConstant {
    /// The converted constant.
    pub const fn value(&self) -> &Value {
        &self.value
    }

    /// The parameter type it was checked against.
    pub const fn param_type(&self) -> ParamType {
        self.ty
    }

    /// The operator.
    pub const fn operator(&self) -> Operator {
        self.op
    }

    /// Evaluates `param_value <op> constant` for a parameter value in its string form.
    ///
    /// Comparison is typed: `123`, `+123` and `0123` are equal ints; `1` and `true` are equal
    /// booleans. A parameter holding the Unknown Time never satisfies an ordering operator
    /// (our decision: it is not a point in time). For `~=`, any list item equal to the
    /// constant matches.
    ///
    /// # Errors
    /// [`ValueError::Invalid`] / [`ValueError::OutOfRange`] if the parameter value itself is not
    /// a valid value of its type (a data model fault, not the requester's).
    ///
    /// ```
    /// use usp_path::value::{check_constant, ParamType, ValueType};
    /// use usp_path::{Constant, Operator};
    ///
    /// let c = check_constant(ParamType::list(ValueType::UnsignedInt), Operator::Contains, &Constant::Bare("5".into()))?;
    /// assert!(c.matches("1, 05, 10")?);
    /// assert!(!c.matches("1,10")?);
    /// # Ok::<(), usp_path::value::ValueError>(())
    /// ```
    pub fn matches(&self, param_value: &str) -> Result<bool, ValueError> {
        if self.op == Operator::Contains {
            for item in split_list(param_value) {
                if eq_text(&self.value, item)? {
                    return Ok(true);
                }
            }
            return Ok(false);
        }
        if let Value::String(c) = &self.value {
            let eq = c == param_value;
            return Ok(if self.op == Operator::Ne { !eq } else { eq });
        }
        if !self.op.is_ordering() {
            let eq = eq_text(&self.value, param_value)?;
            return Ok(if self.op == Operator::Ne { !eq } else { eq });
        }
        let v = Value::parse(self.value.value_type(), param_value)?;
        if matches!(&v, Value::DateTime(d) if d.is_unknown()) {
            return Ok(false);
        }
        let Some(ord) = v.compare(&self.value) else {
            return Ok(false);
        };
        Ok(match self.op {
            Operator::Lt => ord == Ordering::Less,
            Operator::Gt => ord == Ordering::Greater,
            Operator::Le => ord != Ordering::Greater,
            _ => ord != Ordering::Less,
        })
    }
}

/// Typed equality of a converted constant and a value in string form, without allocating for
/// strings, booleans and numbers.
fn eq_text(c: &Value, text: &str) -> Result<bool, ValueError> {
    Ok(match c {
        Value::String(s) => s == text,
        Value::Boolean(b) => parse_bool(text)? == *b,
        Value::Int(v) => int_in::<i32>(text, ValueType::Int)? == *v,
        Value::UnsignedInt(v) => int_in::<u32>(text, ValueType::UnsignedInt)? == *v,
        Value::Long(v) => int_in::<i64>(text, ValueType::Long)? == *v,
        Value::UnsignedLong(v) => int_in::<u64>(text, ValueType::UnsignedLong)? == *v,
        other => Value::parse(other.value_type(), text)? == *other,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::string::ToString;
    use proptest::prelude::*;

    #[test]
    fn shift_crosses_days_months_and_years() {
        let t = |s| DateTime::parse(s).unwrap().to_string();
        assert_eq!(t("2021-03-01T00:30:00+01:00"), "2021-02-28T23:30:00Z");
        assert_eq!(t("2024-03-01T00:30:00+01:00"), "2024-02-29T23:30:00Z");
        assert_eq!(t("2021-12-31T23:30:00-01:00"), "2022-01-01T00:30:00Z");
        assert_eq!(t("2021-01-01T00:00:00+14:00"), "2020-12-31T10:00:00Z");
        assert_eq!(t("2021-06-06T08:00:00-00:00"), "2021-06-06T08:00:00Z");
        assert_eq!(
            DateTime::parse("9999-12-31T23:00:00-01:00"),
            Err(ValueError::OutOfRange(ValueType::DateTime))
        );
        assert_eq!(
            DateTime::parse("2021-06-06T08:00:00+15:00"),
            Err(ValueError::Invalid(ValueType::DateTime))
        );
    }

    #[test]
    fn leap_years() {
        assert!(is_leap(2000) && is_leap(2024) && !is_leap(1900) && !is_leap(2023));
    }

    #[test]
    fn integer_parsing_edges() {
        assert_eq!(parse_integer("+0"), Some((false, 0)));
        assert_eq!(
            parse_integer("-18446744073709551615"),
            Some((true, u64::MAX))
        );
        assert_eq!(parse_integer("18446744073709551616"), None);
        assert_eq!(parse_integer("--1"), None);
        assert_eq!(
            int_in::<i64>("-9223372036854775809", ValueType::Long),
            Err(ValueError::OutOfRange(ValueType::Long))
        );
    }

    fn arb_value() -> impl Strategy<Value = Value> {
        prop_oneof![
            any::<bool>().prop_map(Value::Boolean),
            any::<i32>().prop_map(Value::Int),
            any::<u32>().prop_map(Value::UnsignedInt),
            any::<i64>().prop_map(Value::Long),
            any::<u64>().prop_map(Value::UnsignedLong),
            "\\PC{0,16}".prop_map(Value::String),
            proptest::collection::vec(any::<u8>(), 0..16).prop_map(Value::Base64),
            proptest::collection::vec(any::<u8>(), 0..16).prop_map(Value::HexBinary),
            ("-?[0-9]{1,20}", "[0-9]{0,10}").prop_map(|(i, f)| {
                Value::Decimal(Decimal::parse(&alloc::format!("{i}.{f}")).unwrap())
            }),
            (
                1u16..=9999,
                1u8..=12,
                1u8..=28,
                0u8..24,
                0u8..60,
                0u8..60,
                0u32..1_000_000_000
            )
                .prop_map(|(y, mo, d, h, mi, s, n)| {
                    Value::DateTime(DateTime::new(y, mo, d, h, mi, s, n).unwrap())
                }),
        ]
    }

    proptest! {
        /// R-ENC.6: the canonical string form parses back to the same value.
        #[test]
        fn canonical_form_round_trips(v in arb_value()) {
            let text = v.to_string();
            prop_assert_eq!(Value::parse(v.value_type(), &text), Ok(v));
        }

        /// Typed comparison agrees with the native order for integers, however written.
        #[test]
        fn int_comparison_is_numeric(a in any::<i32>(), b in any::<i32>(), zeros in 0usize..3, plus in any::<bool>()) {
            let written = if a >= 0 {
                alloc::format!("{}{}{}", if plus { "+" } else { "" }, "0".repeat(zeros), a)
            } else {
                a.to_string()
            };
            let ty = ParamType::scalar(ValueType::Int);
            let cb: alloc::borrow::Cow<'_, str> = alloc::borrow::Cow::Owned(b.to_string());
            for (op, expect) in [
                (Operator::Eq, a == b),
                (Operator::Ne, a != b),
                (Operator::Lt, a < b),
                (Operator::Le, a <= b),
                (Operator::Gt, a > b),
                (Operator::Ge, a >= b),
            ] {
                let c = check_constant(ty, op, &Constant::Bare(cb.clone())).unwrap();
                prop_assert_eq!(c.matches(&written), Ok(expect));
            }
        }

        /// Decimal ordering agrees with the order of the exact hundredths.
        #[test]
        fn decimal_order(a in -100_000i32..100_000, b in -100_000i32..100_000) {
            let dec = |x: i32| {
                let sign = if x < 0 { "-" } else { "" };
                let m = x.unsigned_abs();
                Decimal::parse(&alloc::format!("{sign}{}.{:02}", m / 100, m % 100)).unwrap()
            };
            prop_assert_eq!(dec(a).cmp(&dec(b)), a.cmp(&b));
        }
    }
}
