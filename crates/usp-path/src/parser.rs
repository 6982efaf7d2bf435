//! The private nom parsers and the public [`Parser`] front end.

use alloc::borrow::Cow;
use alloc::string::String;
use alloc::vec::Vec;

use nom::bytes::complete::{take_while, take_while_m_n, take_while1};
use nom::combinator::recognize;
use nom::{IResult, Parser as _};

use crate::ast::{
    ArgPath, ArgSegment, Component, Constant, Expression, Instance, ListIndex, Name, OneOrMany,
    Operator, Path, RelPath, RelStep, RelativePath, Segment, Target,
};
use crate::{Expected, ParseConfig, PathError, PathErrorKind};

type Lex<'a, T> = IResult<&'a str, T, ()>;

/// The path forms of the grammar (REQUIREMENTS §1.1).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Form {
    /// `path`: instantiated and search paths.
    Instantiated,
    /// `refvalue`: the trailing `.` is optional.
    Reference,
    /// `sdmpath`: numbers and `{i}`, no search, no follow.
    Supported,
    /// `regpath`: names only.
    Register,
    /// A relative path joined onto an object path.
    Relative,
    /// `relparam`: names separated by `.`, ending in a parameter name.
    RelParam,
}

impl Form {
    const fn numbers(self) -> bool {
        matches!(
            self,
            Self::Instantiated | Self::Reference | Self::Supported | Self::Relative
        )
    }
    const fn search(self) -> bool {
        matches!(self, Self::Instantiated | Self::Reference | Self::Relative)
    }
    const fn relative(self) -> bool {
        matches!(self, Self::Relative | Self::RelParam)
    }
}

/// Whether `c` starts an instance identifier: a digit, `*`, `[` or `{`.
const fn starts_instance(c: u8) -> bool {
    c.is_ascii_digit() || matches!(c, b'*' | b'[' | b'{')
}

fn is_ws(c: char) -> bool {
    c == ' ' || c == '\t'
}

/// `s` without its first two bytes if they are `a` and `b` (both ASCII).
#[inline]
fn eat2(s: &str, a: u8, b: u8) -> Option<&str> {
    match s.as_bytes() {
        [x, y, ..] if *x == a && *y == b => s.get(2..),
        _ => None,
    }
}

/// Splits `i` after the first `n` bytes; `n` always ends an ASCII run, so it is a char boundary.
fn split(i: &str, n: usize) -> (&str, &str) {
    (i.get(n..).unwrap_or(""), i.get(..n).unwrap_or(""))
}

/// A TR-106 name: `[A-Za-z_][A-Za-z0-9_]*`, plus `-` when `hyphen`.
#[inline]
fn lex_name(i: &str, hyphen: bool) -> Option<(&str, &str)> {
    let (_, n) = recognize::<_, (), _>((
        take_while_m_n(1, 1, |c: u8| c.is_ascii_alphabetic() || c == b'_'),
        take_while(move |c: u8| c.is_ascii_alphanumeric() || c == b'_' || (hyphen && c == b'-')),
    ))
    .parse(i.as_bytes())
    .ok()?;
    let n: &[u8] = n;
    Some(split(i, n.len()))
}

fn lex_digits(i: &str) -> Lex<'_, &str> {
    let (_, n) = take_while1(|c: u8| c.is_ascii_digit()).parse(i.as_bytes())?;
    Ok(split(i, n.len()))
}

fn lex_operator(i: &str) -> Option<(&str, Operator)> {
    let b = i.as_bytes();
    let (op, n) = match (b.first(), b.get(1)) {
        (Some(b'='), Some(b'=')) => (Operator::Eq, 2),
        (Some(b'!'), Some(b'=')) => (Operator::Ne, 2),
        (Some(b'~'), Some(b'=')) => (Operator::Contains, 2),
        (Some(b'<'), Some(b'=')) => (Operator::Le, 2),
        (Some(b'>'), Some(b'=')) => (Operator::Ge, 2),
        (Some(b'<'), _) => (Operator::Lt, 1),
        (Some(b'>'), _) => (Operator::Gt, 1),
        _ => return None,
    };
    Some((i.get(n..).unwrap_or(""), op))
}

/// A bare constant: any bytes but `"` `]` `&` `=` `!` `~` `<` `>` and ASCII whitespace
/// (non-ASCII characters are allowed and kept whole).
fn lex_bare(i: &str) -> Lex<'_, &str> {
    let (_, n) = take_while1(|c: u8| {
        !matches!(c, b'"' | b']' | b'&' | b'=' | b'!' | b'~' | b'<' | b'>')
            && !c.is_ascii_whitespace()
    })
    .parse(i.as_bytes())?;
    Ok(split(i, n.len()))
}

fn lex_ows(i: &str) -> Lex<'_, &str> {
    let (_, n) = take_while(|c: u8| c == b' ' || c == b'\t').parse(i.as_bytes())?;
    Ok(split(i, n.len()))
}

/// Decodes `%22` and `%25` in a quoted constant; borrows when there is nothing to decode.
fn decode_quoted(s: &str) -> Cow<'_, str> {
    if !s.as_bytes().contains(&b'%') {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find('%') {
        let (head, tail) = rest.split_at(i);
        out.push_str(head);
        if let Some(t) = tail.strip_prefix("%22") {
            out.push('"');
            rest = t;
        } else if let Some(t) = tail.strip_prefix("%25") {
            out.push('%');
            rest = t;
        } else {
            out.push('%');
            rest = tail.get(1..).unwrap_or("");
        }
    }
    out.push_str(rest);
    Cow::Owned(out)
}

/// One parse run over one input.
struct Run<'a, 'c> {
    src: &'a str,
    cfg: &'c ParseConfig,
    form: Form,
    /// In a reference list, `,` (with optional spaces before it) also ends a path.
    in_list: bool,
    segments: usize,
    components: usize,
}

type R<'a, T> = Result<(&'a str, T), PathError>;

impl<'a> Run<'a, '_> {
    fn off(&self, rest: &str) -> usize {
        self.src.len() - rest.len()
    }

    fn err<T>(&self, rest: &str, kind: PathErrorKind) -> Result<T, PathError> {
        Err(PathError::new(self.off(rest), kind))
    }

    /// An error for an unexpected character: whitespace gets its own kind and keeps what was
    /// expected.
    fn unexpected<T>(&self, rest: &str, expected: Expected) -> Result<T, PathError> {
        if rest.starts_with(is_ws) || rest.starts_with(char::is_whitespace) {
            Err(PathError::with_expected(
                self.off(rest),
                PathErrorKind::Whitespace,
                expected,
            ))
        } else {
            self.err(rest, PathErrorKind::Expected(expected))
        }
    }

    fn at_end(&self, rest: &str) -> bool {
        rest.is_empty() || (self.in_list && rest.trim_start_matches(is_ws).starts_with(','))
    }

    /// A name; returned as text so that callers build the [`Name`] in place.
    #[inline(always)]
    fn name(&self, rest: &'a str) -> R<'a, &'a str> {
        match lex_name(rest, self.cfg.allow_hyphen) {
            Some((r, n)) => {
                if n.len() > self.cfg.max_name_length {
                    return self.err(
                        rest,
                        PathErrorKind::NameTooLong {
                            max: self.cfg.max_name_length,
                        },
                    );
                }
                Ok((r, n))
            }
            None => self.unexpected(rest, Expected::Name),
        }
    }

    /// A positive number without leading zero: instance numbers and list indexes.
    fn posnum(&self, rest: &'a str, zero: PathErrorKind) -> R<'a, u32> {
        let Ok((r, digits)) = lex_digits(rest) else {
            return self.unexpected(rest, Expected::Number);
        };
        if digits.starts_with('0') {
            let kind = if digits.len() == 1 {
                zero
            } else {
                PathErrorKind::LeadingZero
            };
            return self.err(rest, kind);
        }
        match digits.parse::<u32>() {
            Ok(n) => Ok((r, n)),
            Err(_) => self.err(rest, PathErrorKind::NumberOutOfRange),
        }
    }

    fn ows(&self, rest: &'a str) -> Result<&'a str, PathError> {
        let (r, ws) = lex_ows(rest).unwrap_or((rest, ""));
        if !ws.is_empty() && !self.cfg.allow_whitespace {
            return self.err(rest, PathErrorKind::Whitespace);
        }
        Ok(r)
    }

    #[inline(always)]
    fn push_segment(
        &mut self,
        segs: &mut Vec<Segment<'a>>,
        seg: Segment<'a>,
        at: &str,
    ) -> Result<(), PathError> {
        self.segments += 1;
        if self.segments > self.cfg.max_segments {
            return self.err(
                at,
                PathErrorKind::TooManySegments {
                    max: self.cfg.max_segments,
                },
            );
        }
        segs.push(seg);
        Ok(())
    }

    /// After a name: `#n+`, `#*+` or `+`.
    fn follow(&self, rest: &'a str) -> R<'a, ListIndex> {
        if let Some(r) = rest.strip_prefix('+') {
            return Ok((r, ListIndex::Item(1)));
        }
        let Some(r) = rest.strip_prefix('#') else {
            return self.unexpected(rest, Expected::Plus);
        };
        let (r, idx) = if let Some(r2) = r.strip_prefix('*') {
            (r2, ListIndex::All)
        } else if r.starts_with(|c: char| c.is_ascii_digit()) {
            let (r2, n) = self.posnum(r, PathErrorKind::ZeroListIndex)?;
            (r2, ListIndex::Item(n))
        } else {
            return self.unexpected(r, Expected::ListIndex);
        };
        match r.strip_prefix('+') {
            Some(r) => Ok((r, idx)),
            None => self.unexpected(r, Expected::Plus),
        }
    }

    /// An instance identifier at `rest` (which starts with a digit, `*`, `[` or `{`).
    fn instance(&mut self, rest: &'a str, after_placeholder: bool) -> R<'a, Instance<'a>> {
        match rest.as_bytes().first() {
            Some(c) if c.is_ascii_digit() => {
                if !self.form.numbers() {
                    return self.err(rest, PathErrorKind::InstanceNotAllowed);
                }
                if after_placeholder {
                    return self.err(rest, PathErrorKind::NumberAfterPlaceholder);
                }
                let (r, n) = self.posnum(rest, PathErrorKind::ZeroInstance)?;
                Ok((r, Instance::Number(n)))
            }
            Some(b'{') => {
                if self.form != Form::Supported {
                    return self.err(rest, PathErrorKind::PlaceholderNotAllowed);
                }
                match rest.strip_prefix("{i}") {
                    Some(r) => Ok((r, Instance::Placeholder)),
                    None => self.err(rest, PathErrorKind::Expected(Expected::Number)),
                }
            }
            _ => {
                if !self.form.search() {
                    let kind = if self.form.numbers() {
                        PathErrorKind::SearchNotAllowed
                    } else {
                        PathErrorKind::InstanceNotAllowed
                    };
                    return self.err(rest, kind);
                }
                if let Some(r) = rest.strip_prefix('*') {
                    return Ok((r, Instance::Wildcard));
                }
                let (r, e) = self.expression(rest)?;
                Ok((r, Instance::Expression(e)))
            }
        }
    }

    /// `[ comp && comp ... ]`, `rest` starting at `[`.
    fn expression(&mut self, rest: &'a str) -> R<'a, Expression<'a>> {
        let open = rest;
        let mut r = self.ows(rest.get(1..).unwrap_or(""))?;
        if r.starts_with(']') {
            return self.err(open, PathErrorKind::EmptyExpression);
        }
        let mut components = None;
        loop {
            self.components += 1;
            if self.components > self.cfg.max_components {
                return self.err(
                    r,
                    PathErrorKind::TooManyComponents {
                        max: self.cfg.max_components,
                    },
                );
            }
            let (r2, c) = self.component(r)?;
            OneOrMany::push_into(&mut components, c);
            r = self.ows(r2)?;
            if let Some(r2) = eat2(r, b'&', b'&') {
                r = self.ows(r2)?;
            } else if let Some(r2) = r.strip_prefix(']') {
                let Some(components) = components else {
                    return self.err(open, PathErrorKind::EmptyExpression);
                };
                return Ok((r2, Expression { components }));
            } else if eat2(r, b'|', b'|').is_some() {
                return self.err(r, PathErrorKind::OrNotSupported);
            } else {
                return self.unexpected(r, Expected::AndOrClose);
            }
        }
    }

    fn component(&mut self, rest: &'a str) -> R<'a, Component<'a>> {
        let (r, param) = self.relpath(rest)?;
        let r = self.ows(r)?;
        let (r, op) = match lex_operator(r) {
            Some(x) => x,
            None if r.starts_with('=') => return self.err(r, PathErrorKind::SingleEquals),
            None => return self.unexpected(r, Expected::Operator),
        };
        let r = self.ows(r)?;
        let (r, value) = if let Some(q) = r.strip_prefix('"') {
            let Some(end) = q.find('"') else {
                return self.err(self.src.get(self.src.len()..).unwrap_or(""), {
                    PathErrorKind::Expected(Expected::ClosingQuote)
                });
            };
            let (body, tail) = q.split_at(end);
            (
                tail.get(1..).unwrap_or(""),
                Constant::Quoted(decode_quoted(body)),
            )
        } else {
            match lex_bare(r) {
                Ok((r2, v)) => (r2, Constant::Bare(Cow::Borrowed(v))),
                Err(_) => return self.unexpected(r, Expected::Value),
            }
        };
        Ok((r, Component { param, op, value }))
    }

    /// `name { [follow] "." name }`; never enters a child table.
    fn relpath(&mut self, rest: &'a str) -> R<'a, RelPath<'a>> {
        let mut steps = None;
        let mut r = rest;
        loop {
            let (r2, name) = self.name(r)?;
            let name = Name(Cow::Borrowed(name));
            r = r2;
            let mut follow = None;
            if matches!(r.as_bytes().first(), Some(b'#' | b'+')) {
                let (r2, idx) = self.follow(r)?;
                follow = Some(idx);
                r = r2;
                if !r.starts_with('.') {
                    return self.unexpected(r, Expected::Dot);
                }
            }
            self.segments += 1;
            if self.segments > self.cfg.max_segments {
                return self.err(
                    r,
                    PathErrorKind::TooManySegments {
                        max: self.cfg.max_segments,
                    },
                );
            }
            OneOrMany::push_into(&mut steps, RelStep { name, follow });
            match r.strip_prefix('.') {
                Some(r2) => {
                    if r2.as_bytes().first().is_some_and(|c| starts_instance(*c)) {
                        return self.err(r2, PathErrorKind::ChildTableInExpression);
                    }
                    r = r2;
                }
                None => {
                    return match steps {
                        Some(steps) => Ok((r, RelPath { steps })),
                        None => self.unexpected(r, Expected::Name),
                    };
                }
            }
        }
    }

    /// After an instance or follow: `.` continues; the end is allowed for reference values.
    #[inline]
    fn after_step(&self, rest: &'a str) -> Result<Option<&'a str>, PathError> {
        if let Some(r) = rest.strip_prefix('.') {
            return Ok(Some(r));
        }
        if self.form == Form::Reference && self.at_end(rest) {
            return Ok(None);
        }
        self.unexpected(rest, Expected::Dot)
    }

    fn path(&mut self, input: &'a str) -> R<'a, Path<'a>> {
        // Typical paths have at most 8 segments; longer ones grow the vector.
        let mut segs: Vec<Segment<'a>> = Vec::with_capacity(8);
        let mut rest = input;
        let mut after_placeholder = false;
        loop {
            if self.at_end(rest) {
                if segs.is_empty() {
                    return self.unexpected(rest, Expected::Name);
                }
                if self.form == Form::RelParam {
                    return self.unexpected(rest, Expected::Name);
                }
                return Ok((
                    rest,
                    Path {
                        segments: segs,
                        target: Target::Object,
                    },
                ));
            }
            let at = rest;
            let (r, name) = self.name(rest)?;
            rest = r;
            let first = segs.is_empty() && !self.form.relative();
            match rest.as_bytes().first() {
                Some(b'.') => {
                    self.push_segment(&mut segs, Segment::Object(Name(Cow::Borrowed(name))), at)?;
                    rest = rest.get(1..).unwrap_or("");
                    if rest.as_bytes().first().is_some_and(|c| starts_instance(*c)) {
                        if first {
                            // The root object (`Device.`) is never a table.
                            return self.err(rest, PathErrorKind::Expected(Expected::Name));
                        }
                        if self.form == Form::RelParam {
                            return self.err(rest, PathErrorKind::InstanceNotAllowed);
                        }
                        let at = rest;
                        let (r, inst) = self.instance(rest, after_placeholder)?;
                        after_placeholder |= inst == Instance::Placeholder;
                        self.push_segment(&mut segs, Segment::Instance(inst), at)?;
                        match self.after_step(r)? {
                            Some(r) => rest = r,
                            None => {
                                return Ok((
                                    r,
                                    Path {
                                        segments: segs,
                                        target: Target::Object,
                                    },
                                ));
                            }
                        }
                    }
                }
                Some(b'#' | b'+') if !first => {
                    if !self.form.search() {
                        return self.err(rest, PathErrorKind::FollowNotAllowed);
                    }
                    let (r, idx) = self.follow(rest)?;
                    self.push_segment(
                        &mut segs,
                        Segment::Follow(Name(Cow::Borrowed(name)), idx),
                        at,
                    )?;
                    match self.after_step(r)? {
                        Some(r) => rest = r,
                        None => {
                            return Ok((
                                r,
                                Path {
                                    segments: segs,
                                    target: Target::Object,
                                },
                            ));
                        }
                    }
                }
                _ if first => return self.unexpected(rest, Expected::Dot),
                Some(b'(') if self.form != Form::RelParam => {
                    let r = rest.get(1..).unwrap_or("");
                    let Some(r) = r.strip_prefix(')') else {
                        return self.unexpected(r, Expected::CloseParen);
                    };
                    return self.finish(r, segs, Target::Command(Name(Cow::Borrowed(name))));
                }
                Some(b'!') if self.form != Form::RelParam => {
                    let r = rest.get(1..).unwrap_or("");
                    return self.finish(r, segs, Target::Event(Name(Cow::Borrowed(name))));
                }
                _ if self.at_end(rest) => {
                    return Ok((
                        rest,
                        Path {
                            segments: segs,
                            target: Target::Parameter(Name(Cow::Borrowed(name))),
                        },
                    ));
                }
                _ => {
                    let exp = if self.form == Form::RelParam {
                        Expected::Dot
                    } else {
                        Expected::NameEnd
                    };
                    return self.unexpected(rest, exp);
                }
            }
        }
    }

    fn finish(&self, rest: &'a str, segs: Vec<Segment<'a>>, target: Target<'a>) -> R<'a, Path<'a>> {
        if self.at_end(rest) {
            Ok((
                rest,
                Path {
                    segments: segs,
                    target,
                },
            ))
        } else {
            self.unexpected(rest, Expected::End)
        }
    }
}

/// Parses paths with a [`ParseConfig`]. [`Path::parse`] and friends use the defaults.
///
/// ```
/// use usp_path::{ParseConfig, Parser, PathErrorKind};
///
/// let strict = Parser::new(ParseConfig::builder().allow_whitespace(false).build()?);
/// assert!(strict.parse(r#"Device.IP.Interface.[Type=="Normal"]."#).is_ok());
/// let err = strict.parse(r#"Device.IP.Interface.[Type == "Normal"]."#).unwrap_err();
/// assert_eq!(err.kind(), PathErrorKind::Whitespace);
/// # Ok::<(), Box<dyn core::error::Error>>(())
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Parser {
    cfg: ParseConfig,
}

impl Parser {
    /// A parser with the given limits.
    pub const fn new(cfg: ParseConfig) -> Self {
        Self { cfg }
    }

    /// The configuration.
    pub const fn config(&self) -> &ParseConfig {
        &self.cfg
    }

    fn run<'a>(&self, input: &'a str, form: Form, in_list: bool) -> Run<'a, '_> {
        Run {
            src: input,
            cfg: &self.cfg,
            form,
            in_list,
            segments: 0,
            components: 0,
        }
    }

    fn check_len(&self, input: &str) -> Result<(), PathError> {
        if input.len() > self.cfg.max_length {
            return Err(PathError::new(
                self.cfg.max_length,
                PathErrorKind::TooLong {
                    max: self.cfg.max_length,
                },
            ));
        }
        if input.is_empty() {
            return Err(PathError::new(0, PathErrorKind::Empty));
        }
        Ok(())
    }

    fn whole<'a>(&self, input: &'a str, form: Form) -> Result<Path<'a>, PathError> {
        self.check_len(input)?;
        let mut run = self.run(input, form, false);
        let (_, p) = run.path(input)?;
        Ok(p)
    }

    /// Parses an instantiated-data-model path: object, instance, parameter, command, event or
    /// search path (REQUIREMENTS §1.1 `path`). Object paths must end in `.`.
    ///
    /// # Errors
    /// A [`PathError`] (USP 7008) with the offset and what was expected.
    pub fn parse<'a>(&self, input: &'a str) -> Result<Path<'a>, PathError> {
        self.whole(input, Form::Instantiated)
    }

    /// Parses a supported-data-model path (`sdmpath`): names, instance numbers and `{i}`, no
    /// instance number after a `{i}`, no search, no follow.
    ///
    /// # Errors
    /// A [`PathError`] (USP 7008).
    pub fn parse_supported<'a>(&self, input: &'a str) -> Result<Path<'a>, PathError> {
        self.whole(input, Form::Supported)
    }

    /// Parses a Register/Deregister path (`regpath`, R-REG.2): an object, parameter, command or
    /// event path with no instance identifiers at all.
    ///
    /// # Errors
    /// A [`PathError`] (USP 7008); [`PathErrorKind::InstanceNotAllowed`] for `.1.`, `*` or
    /// `[...]`, [`PathErrorKind::PlaceholderNotAllowed`] for `{i}`.
    ///
    /// ```
    /// use usp_path::{Path, PathErrorKind};
    ///
    /// let kind = |p| Path::parse_register(p).unwrap_err().kind();
    /// assert_eq!(kind("Device.IP.Interface.1."), PathErrorKind::InstanceNotAllowed);
    /// assert_eq!(kind("Device.IP.Interface.*."), PathErrorKind::InstanceNotAllowed);
    /// assert_eq!(kind("Device.IP.Interface.{i}."), PathErrorKind::PlaceholderNotAllowed);
    /// ```
    pub fn parse_register<'a>(&self, input: &'a str) -> Result<Path<'a>, PathError> {
        self.whole(input, Form::Register)
    }

    /// Parses a Path Reference value (`refvalue`, R-ARC.11): the trailing `.` is optional and
    /// key addressing is allowed (`Object.FooObject.[KeyParam=="x"]`). `""` is the null
    /// reference and gives `Ok(None)`.
    ///
    /// A value ending in a name (`Device.DeviceInfo`) parses with a [`Target::Parameter`]; whether
    /// it names an object or a parameter needs the data model.
    ///
    /// # Errors
    /// A [`PathError`] (USP 7008).
    pub fn parse_reference<'a>(&self, input: &'a str) -> Result<Option<Path<'a>>, PathError> {
        if input.is_empty() {
            return Ok(None);
        }
        self.whole(input, Form::Reference).map(Some)
    }

    /// Parses a list of Path References separated by `,` with optional spaces or tabs around
    /// the comma (`"Device.WiFi.Radio.1, Device.WiFi.Radio.2"`). `""` is the empty list.
    /// Commas inside quoted key values do not split.
    ///
    /// # Errors
    /// A [`PathError`] (USP 7008); [`PathErrorKind::TooManyReferences`] above the limit.
    ///
    /// ```
    /// use usp_path::Parser;
    ///
    /// let refs = Parser::default().parse_reference_list("Device.WiFi.Radio.1, Device.WiFi.Radio.2")?;
    /// assert_eq!(refs.len(), 2);
    /// assert_eq!(refs[1].to_reference_string(), "Device.WiFi.Radio.2");
    /// # Ok::<(), usp_path::PathError>(())
    /// ```
    pub fn parse_reference_list<'a>(&self, input: &'a str) -> Result<Vec<Path<'a>>, PathError> {
        let mut out = Vec::new();
        if input.is_empty() {
            return Ok(out);
        }
        if input.len() > self.cfg.max_length {
            return self.check_len(input).map(|()| out);
        }
        let mut rest = input;
        loop {
            let mut run = self.run(input, Form::Reference, true);
            if out.len() >= self.cfg.max_references {
                return run.err(
                    rest,
                    PathErrorKind::TooManyReferences {
                        max: self.cfg.max_references,
                    },
                );
            }
            let (r, p) = run.path(rest)?;
            out.push(p);
            let r = r.trim_start_matches(is_ws);
            match r.strip_prefix(',') {
                None if r.is_empty() => return Ok(out),
                None => return run.unexpected(r, Expected::Comma),
                Some(r) => rest = r.trim_start_matches(is_ws),
            }
        }
    }

    /// Parses a relative path (architecture, "Relative Paths"): `Status`, `Stats.BytesSent`,
    /// `Radio.1.`, `Reset()`. It may contain instance identifiers, searches and follows.
    ///
    /// # Errors
    /// A [`PathError`] (USP 7008).
    pub fn parse_relative<'a>(&self, input: &'a str) -> Result<RelativePath<'a>, PathError> {
        self.whole(input, Form::Relative).map(RelativePath)
    }

    /// Parses a relative parameter name (`relparam`: `Enable`, `Stats.BytesSent`), as used in
    /// `param_settings`, `result_params` and `updated_params` keys: names only, ending in a
    /// parameter.
    ///
    /// # Errors
    /// A [`PathError`] (USP 7008).
    ///
    /// ```
    /// use usp_path::{Parser, PathErrorKind};
    ///
    /// let p = Parser::default();
    /// assert_eq!(p.parse_relparam("Stats.BytesSent")?.to_string(), "Stats.BytesSent");
    /// assert_eq!(p.parse_relparam("Stats.1.X").unwrap_err().kind(), PathErrorKind::InstanceNotAllowed);
    /// # Ok::<(), usp_path::PathError>(())
    /// ```
    pub fn parse_relparam<'a>(&self, input: &'a str) -> Result<RelativePath<'a>, PathError> {
        self.whole(input, Form::RelParam).map(RelativePath)
    }

    /// Parses a command argument name (`relarg`): `Result.{i}.SSID`, `Result.1.SSID`, `Value`.
    ///
    /// # Errors
    /// A [`PathError`] (USP 7008).
    pub fn parse_arg<'a>(&self, input: &'a str) -> Result<ArgPath<'a>, PathError> {
        self.check_len(input)?;
        let run = self.run(input, Form::Supported, false);
        let (mut rest, first) = run.name(input)?;
        let first = Name(Cow::Borrowed(first));
        let mut parts = Vec::with_capacity(4);
        parts.push(ArgSegment::Name(first));
        while !rest.is_empty() {
            let Some(r) = rest.strip_prefix('.') else {
                return run.unexpected(rest, Expected::Dot);
            };
            if parts.len() >= self.cfg.max_segments {
                return run.err(
                    r,
                    PathErrorKind::TooManySegments {
                        max: self.cfg.max_segments,
                    },
                );
            }
            if let Some(r2) = r.strip_prefix("{i}") {
                parts.push(ArgSegment::Placeholder);
                rest = r2;
            } else if r.starts_with(|c: char| c.is_ascii_digit()) {
                let (r2, n) = run.posnum(r, PathErrorKind::ZeroInstance)?;
                parts.push(ArgSegment::Number(n));
                rest = r2;
            } else {
                let (r2, n) = run.name(r)?;
                let n = Name(Cow::Borrowed(n));
                parts.push(ArgSegment::Name(n));
                rest = r2;
            }
        }
        Ok(ArgPath { parts })
    }
}

impl<'a> Path<'a> {
    /// Parses an instantiated-data-model or search path with the default limits; see
    /// [`Parser::parse`].
    ///
    /// # Errors
    /// A [`PathError`] (USP 7008) with the byte offset and what was expected.
    ///
    /// ```
    /// use usp_path::{Path, PathKind, Target};
    ///
    /// let p = Path::parse("Device.LocalAgent.Controller.[EndpointID==\"controller\"].SendOnBoardRequest()")?;
    /// assert!(matches!(p.target(), Target::Command(n) if n.as_str() == "SendOnBoardRequest"));
    /// assert_eq!(Path::parse("Device.Boot!")?.kind(), PathKind::Event);
    /// # Ok::<(), usp_path::PathError>(())
    /// ```
    pub fn parse(input: &'a str) -> Result<Self, PathError> {
        Parser::new(ParseConfig::DEFAULT).parse(input)
    }

    /// Parses a supported-data-model path with `{i}` (default limits); see
    /// [`Parser::parse_supported`].
    ///
    /// # Errors
    /// A [`PathError`] (USP 7008).
    ///
    /// ```
    /// use usp_path::Path;
    ///
    /// let p = Path::parse_supported("Device.WiFi.AccessPoint.{i}.AssociatedDevice.{i}.")?;
    /// assert!(p.has_placeholder());
    /// assert!(Path::parse_supported("Device.WiFi.AccessPoint.{i}.AssociatedDevice.1.").is_err());
    /// # Ok::<(), usp_path::PathError>(())
    /// ```
    pub fn parse_supported(input: &'a str) -> Result<Self, PathError> {
        Parser::new(ParseConfig::DEFAULT).parse_supported(input)
    }

    /// Parses a Register path (R-REG.2, default limits); see [`Parser::parse_register`].
    ///
    /// # Errors
    /// A [`PathError`] (USP 7008).
    ///
    /// ```
    /// use usp_path::Path;
    ///
    /// assert!(Path::parse_register("Device.WiFi.DataElements.").is_ok());
    /// assert!(Path::parse_register("Device.WiFi.SSID.1.").is_err());
    /// ```
    pub fn parse_register(input: &'a str) -> Result<Self, PathError> {
        Parser::new(ParseConfig::DEFAULT).parse_register(input)
    }

    /// Parses a Path Reference value (R-ARC.11, default limits); see [`Parser::parse_reference`].
    ///
    /// # Errors
    /// A [`PathError`] (USP 7008).
    ///
    /// ```
    /// use usp_path::Path;
    ///
    /// let p = Path::parse_reference("Object.FooObject.[KeyParam==\"KeyValueForInstance5\"]")?.unwrap();
    /// assert_eq!(p.to_reference_string(), "Object.FooObject.[KeyParam==\"KeyValueForInstance5\"]");
    /// assert_eq!(Path::parse_reference("")?, None);
    /// # Ok::<(), usp_path::PathError>(())
    /// ```
    pub fn parse_reference(input: &'a str) -> Result<Option<Self>, PathError> {
        Parser::new(ParseConfig::DEFAULT).parse_reference(input)
    }
}

impl<'a> RelativePath<'a> {
    /// Parses a relative path with the default limits; see [`Parser::parse_relative`].
    ///
    /// # Errors
    /// A [`PathError`] (USP 7008).
    ///
    /// ```
    /// use usp_path::{RelativePath, Target};
    ///
    /// let r = RelativePath::parse("Radio.1.Reset()")?;
    /// assert_eq!(r.segments().len(), 2);
    /// assert!(matches!(r.target(), Target::Command(_)));
    /// # Ok::<(), usp_path::PathError>(())
    /// ```
    pub fn parse(input: &'a str) -> Result<Self, PathError> {
        Parser::new(ParseConfig::DEFAULT).parse_relative(input)
    }
}

impl<'a> ArgPath<'a> {
    /// Parses a command argument name with the default limits; see [`Parser::parse_arg`].
    ///
    /// # Errors
    /// A [`PathError`] (USP 7008).
    ///
    /// ```
    /// use usp_path::ArgPath;
    ///
    /// assert_eq!(ArgPath::parse("Result.{i}.SSID")?.to_string(), "Result.{i}.SSID");
    /// # Ok::<(), usp_path::PathError>(())
    /// ```
    pub fn parse(input: &'a str) -> Result<Self, PathError> {
        Parser::new(ParseConfig::DEFAULT).parse_arg(input)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoted_decoding_only_touches_22_and_25() {
        assert!(matches!(decode_quoted("plain"), Cow::Borrowed("plain")));
        assert_eq!(decode_quoted("a%22b%25c"), "a\"b%c");
        assert_eq!(decode_quoted("%41%2%"), "%41%2%");
        assert_eq!(decode_quoted("%2522"), "%22");
    }

    #[test]
    fn lexers() {
        assert_eq!(lex_name("Abc_1-x.rest", true), Some((".rest", "Abc_1-x")));
        assert_eq!(lex_name("Abc_1-x.rest", false), Some(("-x.rest", "Abc_1")));
        assert_eq!(lex_name("1abc", true), None);
        assert_eq!(lex_operator("<=5"), Some(("5", Operator::Le)));
        assert_eq!(lex_operator("<5"), Some(("5", Operator::Lt)));
        assert_eq!(lex_operator("=5"), None);
        assert_eq!(lex_bare("08]"), Ok(("]", "08")));
        assert_eq!(
            lex_bare("2021-06-06T08:00:00Z&&"),
            Ok(("&&", "2021-06-06T08:00:00Z"))
        );
        assert_eq!(lex_bare("\u{e9}t\u{e9} "), Ok((" ", "\u{e9}t\u{e9}")));
        assert!(lex_bare(" x").is_err());
        assert_eq!(eat2("&&x", b'&', b'&'), Some("x"));
        assert_eq!(eat2("&", b'&', b'&'), None);
    }

    #[test]
    fn limits_are_checked_before_allocating() {
        let cfg = ParseConfig::builder()
            .max_segments(3)
            .max_components(2)
            .max_name_length(4)
            .max_references(2)
            .build()
            .unwrap();
        let p = Parser::new(cfg);
        assert_eq!(
            p.parse("A.B.C.D.").unwrap_err(),
            PathError::new(6, PathErrorKind::TooManySegments { max: 3 })
        );
        // Expression parameter steps count toward the depth limit too.
        assert_eq!(
            p.parse("A.T.[B.C==1].").unwrap_err().kind(),
            PathErrorKind::TooManySegments { max: 3 }
        );
        assert_eq!(
            p.parse("A.[B==1&&C==2&&D==3].").unwrap_err(),
            PathError::new(2, PathErrorKind::Expected(Expected::Name))
        );
        let p2 = Parser::new(ParseConfig::builder().max_components(2).build().unwrap());
        assert_eq!(
            p2.parse("A.T.[B==1&&C==2&&D==3].").unwrap_err(),
            PathError::new(17, PathErrorKind::TooManyComponents { max: 2 })
        );
        assert_eq!(
            p.parse("A.Bcdef.").unwrap_err(),
            PathError::new(2, PathErrorKind::NameTooLong { max: 4 })
        );
        assert_eq!(
            p.parse_reference_list("A.T.1,A.T.2,A.T.3").unwrap_err(),
            PathError::new(12, PathErrorKind::TooManyReferences { max: 2 })
        );
        assert!(ParseConfig::builder().max_length(0).build().is_err());
        assert!(ParseConfig::builder().max_name_length(257).build().is_err());
    }
}
