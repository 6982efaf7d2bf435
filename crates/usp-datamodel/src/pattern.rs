//! TR-106 value patterns: a small regular expression matcher for the XML Schema flavour that
//! BBF data models use in `<pattern value="...">`.
//!
//! A [`Pattern`] always matches the **whole** value (XML Schema patterns are implicitly
//! anchored; `^` and `$` are ordinary characters). It is compiled to a Thompson NFA and run as
//! a Pike VM over the value's characters: no backtracking, so matching costs at most
//! O(program size x value length) steps and a fixed amount of memory per step, whatever the
//! pattern or the value.
//!
//! Supported syntax (everything the TR-181 2.16 and TR-106 type files use, and a little more):
//!
//! - literal characters, and the escapes `\.` `\\` `\?` `\*` `\+` `\|` `\(` `\)` `\{` `\}`
//!   `\[` `\]` `\-` `\^` `\n` `\r` `\t`;
//! - `.` (any character but `\n` and `\r`);
//! - the class escapes `\d` `\D` `\s` `\S` `\w` `\W`: `\s` is exactly XML Schema's
//!   (space, tab, CR, LF); `\d` is `char::is_numeric` (a superset of XML Schema's `\p{Nd}`,
//!   exact for ASCII); `\w` is exact for ASCII (letters, digits and the symbols
//!   `$+<=>^``|~`) and, beyond ASCII, any character that is not whitespace or a control;
//! - character classes `[a-zA-Z0-9_]`, negated `[^...]`, with ranges, escapes and class
//!   escapes inside; a `-` first or last is literal;
//! - groups `( )`, alternation `|` (empty branches allowed), quantifiers `*` `+` `?` `{n}`
//!   `{n,}` `{n,m}`.
//!
//! Not supported, and reported as [`PatternError::Unsupported`]: Unicode property escapes
//! (`\p{..}`, `\P{..}`), the XML name escapes `\i` `\I` `\c` `\C`, class subtraction
//! (`[a-z-[aeiou]]`). Syntax errors (unbalanced brackets, a quantifier with nothing before
//! it, `{` outside a quantifier) are [`PatternError::Syntax`]. Limits: a pattern of at most
//! [`MAX_PATTERN_LEN`] bytes, groups nested at most [`MAX_DEPTH`] deep, counted repeats of at
//! most [`MAX_REPEAT`], and a compiled program of at most [`MAX_PROGRAM`] instructions
//! ([`PatternError::TooLarge`]).
//!
//! How the engine uses patterns: see [`crate::ParamDef::check_value`]; a pattern that does not
//! compile is not checked (the value passes it), and [`crate::ParamDef::unchecked_patterns`]
//! lists those of a parameter.
//!
//! ```
//! use usp_datamodel::schema::pattern::Pattern;
//!
//! let mac = Pattern::new("([0-9A-Fa-f][0-9A-Fa-f]:){5}([0-9A-Fa-f][0-9A-Fa-f])")?;
//! assert!(mac.is_match("00:1A:2b:3C:4d:5E"));
//! assert!(!mac.is_match("00:1A:2b:3C:4d"));
//! assert!(!mac.is_match("x00:1A:2b:3C:4d:5E")); // whole-value match
//! # Ok::<(), usp_datamodel::schema::pattern::PatternError>(())
//! ```

use alloc::boxed::Box;
use alloc::vec;
use alloc::vec::Vec;

/// Longest pattern accepted, in bytes.
pub const MAX_PATTERN_LEN: usize = 4096;
/// Deepest nesting of groups.
pub const MAX_DEPTH: usize = 32;
/// Largest count in `{n}`, `{n,}`, `{n,m}`.
pub const MAX_REPEAT: u32 = 1000;
/// Most instructions in a compiled program.
pub const MAX_PROGRAM: usize = 4096;

/// Why a pattern could not be compiled.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PatternError {
    /// Not a valid XML Schema regular expression.
    #[error("pattern syntax error at byte {offset}: {what}")]
    Syntax {
        /// Byte offset in the pattern.
        offset: usize,
        /// What is wrong.
        what: &'static str,
    },
    /// Valid XML Schema syntax this matcher does not implement.
    #[error("unsupported pattern syntax at byte {offset}: {what}")]
    Unsupported {
        /// Byte offset in the pattern.
        offset: usize,
        /// The construct.
        what: &'static str,
    },
    /// Over one of the limits ([`MAX_PATTERN_LEN`], [`MAX_DEPTH`], [`MAX_REPEAT`],
    /// [`MAX_PROGRAM`]).
    #[error("pattern too large: {0}")]
    TooLarge(&'static str),
}

/// A predefined class (`\d`, `\s`, `\w`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Pred {
    Digit,
    Space,
    Word,
}

impl Pred {
    fn matches(self, c: char) -> bool {
        match self {
            Self::Digit => c.is_numeric(),
            Self::Space => matches!(c, ' ' | '\t' | '\n' | '\r'),
            Self::Word => {
                if c.is_ascii() {
                    c.is_ascii_alphanumeric() || "$+<=>^`|~".contains(c)
                } else {
                    !c.is_whitespace() && !c.is_control()
                }
            }
        }
    }
}

/// A character class: `[...]`, `.`, or a class escape.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Class {
    negated: bool,
    ranges: Vec<(char, char)>,
    /// Predefined classes, each possibly negated (`\D` inside `[...]`).
    preds: Vec<(Pred, bool)>,
}

impl Class {
    fn matches(&self, c: char) -> bool {
        let hit = self.ranges.iter().any(|&(lo, hi)| lo <= c && c <= hi)
            || self.preds.iter().any(|&(p, neg)| p.matches(c) != neg);
        hit != self.negated
    }

    fn pred(p: Pred, negated: bool) -> Self {
        Self {
            negated: false,
            ranges: Vec::new(),
            preds: vec![(p, negated)],
        }
    }
}

#[derive(Clone, Debug)]
enum Node {
    Empty,
    Char(char),
    Class(Class),
    Concat(Vec<Self>),
    Alt(Vec<Self>),
    Repeat {
        node: Box<Self>,
        min: u32,
        max: Option<u32>,
    },
}

impl Node {
    /// Instructions [`Compiler::emit`] will produce (saturating).
    fn size(&self) -> usize {
        match self {
            Self::Empty => 0,
            Self::Char(_) | Self::Class(_) => 1,
            Self::Concat(v) => v.iter().fold(0usize, |a, n| a.saturating_add(n.size())),
            Self::Alt(v) => v
                .iter()
                .fold(0usize, |a, n| a.saturating_add(n.size()).saturating_add(2)),
            Self::Repeat { node, min, max } => {
                let one = node.size();
                let copies = match max {
                    Some(m) => *m as usize,
                    None => (*min as usize).saturating_add(1),
                };
                copies.saturating_mul(one.saturating_add(2))
            }
        }
    }
}

struct Parser<'a> {
    src: &'a str,
    pos: usize,
    depth: usize,
}

fn syntax(offset: usize, what: &'static str) -> PatternError {
    PatternError::Syntax { offset, what }
}

fn unsupported(offset: usize, what: &'static str) -> PatternError {
    PatternError::Unsupported { offset, what }
}

impl Parser<'_> {
    fn peek(&self) -> Option<char> {
        self.src.get(self.pos..).and_then(|s| s.chars().next())
    }

    fn bump(&mut self) -> Option<char> {
        let c = self.peek()?;
        self.pos += c.len_utf8();
        Some(c)
    }

    /// regExp ::= branch ( '|' branch )*
    fn alternation(&mut self) -> Result<Node, PatternError> {
        let mut branches = vec![self.branch()?];
        while self.peek() == Some('|') {
            self.bump();
            branches.push(self.branch()?);
        }
        Ok(if branches.len() == 1 {
            branches.pop().unwrap_or(Node::Empty)
        } else {
            Node::Alt(branches)
        })
    }

    /// branch ::= piece*
    fn branch(&mut self) -> Result<Node, PatternError> {
        let mut pieces = Vec::new();
        while let Some(c) = self.peek() {
            if c == '|' || c == ')' {
                break;
            }
            let atom = self.atom()?;
            pieces.push(self.quantified(atom)?);
        }
        Ok(match pieces.len() {
            0 => Node::Empty,
            1 => pieces.pop().unwrap_or(Node::Empty),
            _ => Node::Concat(pieces),
        })
    }

    fn atom(&mut self) -> Result<Node, PatternError> {
        let at = self.pos;
        let Some(c) = self.bump() else {
            return Err(syntax(at, "unexpected end"));
        };
        match c {
            '(' => {
                if self.depth >= MAX_DEPTH {
                    return Err(PatternError::TooLarge("groups nested too deep"));
                }
                self.depth += 1;
                let inner = self.alternation()?;
                self.depth -= 1;
                if self.bump() != Some(')') {
                    return Err(syntax(at, "unclosed group"));
                }
                Ok(inner)
            }
            '[' => self.class(at).map(Node::Class),
            '.' => Ok(Node::Class(Class {
                negated: true,
                ranges: vec![('\n', '\n'), ('\r', '\r')],
                preds: Vec::new(),
            })),
            '\\' => match self.escape(at)? {
                Esc::Char(c) => Ok(Node::Char(c)),
                Esc::Pred(p, n) => Ok(Node::Class(Class::pred(p, n))),
            },
            '*' | '+' | '?' | '{' => Err(syntax(at, "quantifier without an atom")),
            ']' | '}' => Err(syntax(at, "unescaped ] or }")),
            c => Ok(Node::Char(c)),
        }
    }

    fn quantified(&mut self, atom: Node) -> Result<Node, PatternError> {
        let at = self.pos;
        let (min, max) = match self.peek() {
            Some('*') => (0, None),
            Some('+') => (1, None),
            Some('?') => (0, Some(1)),
            Some('{') => {
                self.bump();
                let min = self.number()?;
                let max = if self.peek() == Some(',') {
                    self.bump();
                    if self.peek() == Some('}') {
                        None
                    } else {
                        Some(self.number()?)
                    }
                } else {
                    Some(min)
                };
                if self.peek() != Some('}') {
                    return Err(syntax(at, "unclosed {"));
                }
                if max.is_some_and(|m| m < min) {
                    return Err(syntax(at, "{n,m} with m < n"));
                }
                (min, max)
            }
            _ => return Ok(atom),
        };
        self.bump();
        if matches!(self.peek(), Some('*' | '+' | '?' | '{')) {
            return Err(syntax(self.pos, "two quantifiers in a row"));
        }
        Ok(Node::Repeat {
            node: Box::new(atom),
            min,
            max,
        })
    }

    fn number(&mut self) -> Result<u32, PatternError> {
        let at = self.pos;
        let mut n: u32 = 0;
        let mut any = false;
        while let Some(d) = self.peek().and_then(|c| c.to_digit(10)) {
            self.bump();
            any = true;
            n = n.saturating_mul(10).saturating_add(d);
        }
        if !any {
            return Err(syntax(at, "expected a number"));
        }
        if n > MAX_REPEAT {
            return Err(PatternError::TooLarge("repeat count"));
        }
        Ok(n)
    }

    /// After `\`.
    fn escape(&mut self, at: usize) -> Result<Esc, PatternError> {
        let Some(c) = self.bump() else {
            return Err(syntax(at, "pattern ends in \\"));
        };
        Ok(match c {
            'n' => Esc::Char('\n'),
            'r' => Esc::Char('\r'),
            't' => Esc::Char('\t'),
            '\\' | '|' | '.' | '?' | '*' | '+' | '(' | ')' | '{' | '}' | '-' | '[' | ']' | '^' => {
                Esc::Char(c)
            }
            'd' => Esc::Pred(Pred::Digit, false),
            'D' => Esc::Pred(Pred::Digit, true),
            's' => Esc::Pred(Pred::Space, false),
            'S' => Esc::Pred(Pred::Space, true),
            'w' => Esc::Pred(Pred::Word, false),
            'W' => Esc::Pred(Pred::Word, true),
            'p' | 'P' => return Err(unsupported(at, "Unicode property escape \\p / \\P")),
            'i' | 'I' | 'c' | 'C' => {
                return Err(unsupported(at, "XML name escape \\i \\I \\c \\C"));
            }
            _ => return Err(syntax(at, "unknown escape")),
        })
    }

    /// After `[`.
    fn class(&mut self, at: usize) -> Result<Class, PatternError> {
        let mut cls = Class {
            negated: false,
            ranges: Vec::new(),
            preds: Vec::new(),
        };
        if self.peek() == Some('^') {
            self.bump();
            cls.negated = true;
        }
        let mut first = true;
        loop {
            let here = self.pos;
            let Some(c) = self.bump() else {
                return Err(syntax(at, "unclosed ["));
            };
            let lo = match c {
                ']' if !first => return Ok(cls),
                '[' => return Err(unsupported(here, "class subtraction or nested [")),
                '-' if !first && self.peek() == Some('[') => {
                    return Err(unsupported(here, "class subtraction"));
                }
                '-' if !first && self.peek() != Some(']') => {
                    return Err(syntax(here, "unescaped - inside a class"));
                }
                '\\' => match self.escape(here)? {
                    Esc::Char(c) => c,
                    Esc::Pred(p, n) => {
                        cls.preds.push((p, n));
                        first = false;
                        continue;
                    }
                },
                c => c,
            };
            first = false;
            // A range `lo-hi`, unless the `-` is the last character of the class.
            let is_range = self.peek() == Some('-')
                && self
                    .src
                    .get(self.pos + 1..)
                    .and_then(|s| s.chars().next())
                    .is_some_and(|n| n != ']' && n != '[');
            if !is_range {
                cls.ranges.push((lo, lo));
                continue;
            }
            self.bump();
            let hat = self.pos;
            let hi = match self.bump() {
                Some('\\') => match self.escape(hat)? {
                    Esc::Char(c) => c,
                    Esc::Pred(..) => return Err(syntax(hat, "class escape as a range end")),
                },
                Some(c) => c,
                None => return Err(syntax(at, "unclosed [")),
            };
            if hi < lo {
                return Err(syntax(here, "range out of order"));
            }
            cls.ranges.push((lo, hi));
        }
    }
}

enum Esc {
    Char(char),
    Pred(Pred, bool),
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum Inst {
    Char(char),
    Class(usize),
    /// Try both (order is irrelevant: there are no captures).
    Split(usize, usize),
    Jmp(usize),
    Match,
}

struct Compiler {
    prog: Vec<Inst>,
    classes: Vec<Class>,
}

impl Compiler {
    fn emit(&mut self, n: &Node) {
        match n {
            Node::Empty => {}
            Node::Char(c) => self.prog.push(Inst::Char(*c)),
            Node::Class(c) => {
                self.prog.push(Inst::Class(self.classes.len()));
                self.classes.push(c.clone());
            }
            Node::Concat(v) => v.iter().for_each(|n| self.emit(n)),
            Node::Alt(v) => {
                // split L1, next; L1: a; jmp end; next: split L2, ...; last branch; end:
                let mut jumps = Vec::new();
                for (i, b) in v.iter().enumerate() {
                    if i + 1 < v.len() {
                        let split = self.prog.len();
                        self.prog.push(Inst::Split(split + 1, 0));
                        self.emit(b);
                        jumps.push(self.prog.len());
                        self.prog.push(Inst::Jmp(0));
                        let next = self.prog.len();
                        if let Some(Inst::Split(_, y)) = self.prog.get_mut(split) {
                            *y = next;
                        }
                    } else {
                        self.emit(b);
                    }
                }
                let end = self.prog.len();
                for j in jumps {
                    if let Some(Inst::Jmp(t)) = self.prog.get_mut(j) {
                        *t = end;
                    }
                }
            }
            Node::Repeat { node, min, max } => {
                for _ in 0..*min {
                    self.emit(node);
                }
                match max {
                    None => {
                        // L: split body, end; body; jmp L; end:
                        let l = self.prog.len();
                        self.prog.push(Inst::Split(l + 1, 0));
                        self.emit(node);
                        self.prog.push(Inst::Jmp(l));
                        let end = self.prog.len();
                        if let Some(Inst::Split(_, y)) = self.prog.get_mut(l) {
                            *y = end;
                        }
                    }
                    Some(max) => {
                        // Each optional copy: split body, end.
                        let mut splits = Vec::new();
                        for _ in *min..*max {
                            splits.push(self.prog.len());
                            self.prog.push(Inst::Split(self.prog.len() + 1, 0));
                            self.emit(node);
                        }
                        let end = self.prog.len();
                        for s in splits {
                            if let Some(Inst::Split(_, y)) = self.prog.get_mut(s) {
                                *y = end;
                            }
                        }
                    }
                }
            }
        }
    }
}

/// A compiled TR-106 / XML Schema pattern (see the [module docs](self)).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Pattern {
    prog: Vec<Inst>,
    classes: Vec<Class>,
}

impl Pattern {
    /// Compiles `pattern`.
    ///
    /// # Errors
    /// [`PatternError::Syntax`] for an invalid pattern, [`PatternError::Unsupported`] for
    /// syntax this matcher does not implement, [`PatternError::TooLarge`] over a limit.
    pub fn new(pattern: &str) -> Result<Self, PatternError> {
        if pattern.len() > MAX_PATTERN_LEN {
            return Err(PatternError::TooLarge("pattern length"));
        }
        let mut p = Parser {
            src: pattern,
            pos: 0,
            depth: 0,
        };
        let node = p.alternation()?;
        if p.pos < pattern.len() {
            return Err(syntax(p.pos, "unmatched )"));
        }
        if node.size() >= MAX_PROGRAM {
            return Err(PatternError::TooLarge("compiled program"));
        }
        let mut c = Compiler {
            prog: Vec::with_capacity(node.size() + 1),
            classes: Vec::new(),
        };
        c.emit(&node);
        c.prog.push(Inst::Match);
        Ok(Self {
            prog: c.prog,
            classes: c.classes,
        })
    }

    /// Number of instructions of the compiled program (the factor, with the value's length in
    /// characters, that bounds the matching work).
    pub fn program_len(&self) -> usize {
        self.prog.len()
    }

    /// Whether the whole of `value` matches.
    pub fn is_match(&self, value: &str) -> bool {
        let n = self.prog.len();
        let mut cur = Threads::new(n);
        let mut next = Threads::new(n);
        let mut stack = Vec::new();
        self.add(&mut cur, &mut stack, 0);
        for ch in value.chars() {
            if cur.list.is_empty() {
                return false;
            }
            next.clear();
            for i in 0..cur.list.len() {
                let pc = cur.list[i];
                let ok = match self.prog.get(pc) {
                    Some(Inst::Char(c)) => *c == ch,
                    Some(Inst::Class(k)) => self.classes.get(*k).is_some_and(|c| c.matches(ch)),
                    _ => false,
                };
                if ok {
                    self.add(&mut next, &mut stack, pc + 1);
                }
            }
            core::mem::swap(&mut cur, &mut next);
        }
        cur.list
            .iter()
            .any(|&pc| matches!(self.prog.get(pc), Some(Inst::Match)))
    }

    /// Adds `pc` and everything reachable from it without consuming a character.
    fn add(&self, t: &mut Threads, stack: &mut Vec<usize>, pc: usize) {
        stack.push(pc);
        while let Some(pc) = stack.pop() {
            if !t.insert(pc) {
                continue;
            }
            match self.prog.get(pc) {
                Some(Inst::Jmp(x)) => stack.push(*x),
                Some(Inst::Split(x, y)) => {
                    stack.push(*y);
                    stack.push(*x);
                }
                Some(_) => t.list.push(pc),
                None => {}
            }
        }
    }
}

/// A set of program counters: `list` holds the character-consuming and `Match` instructions
/// in insertion order, `seen` marks every instruction visited this step (`marked` lists them,
/// so clearing costs what was inserted).
struct Threads {
    list: Vec<usize>,
    seen: Vec<bool>,
    marked: Vec<usize>,
}

impl Threads {
    fn new(n: usize) -> Self {
        Self {
            list: Vec::with_capacity(n),
            seen: vec![false; n],
            marked: Vec::with_capacity(n),
        }
    }

    fn clear(&mut self) {
        for &pc in &self.marked {
            if let Some(s) = self.seen.get_mut(pc) {
                *s = false;
            }
        }
        self.marked.clear();
        self.list.clear();
    }

    /// Marks `pc`; false if it was already marked (or out of the program).
    fn insert(&mut self, pc: usize) -> bool {
        match self.seen.get_mut(pc) {
            Some(s) if !*s => {
                *s = true;
                self.marked.push(pc);
                true
            }
            _ => false,
        }
    }
}

/// Whether `value` satisfies `patterns` as TR-106 reads them: no patterns, or at least one
/// that matches. A pattern that does not compile cannot be checked and counts as matching.
pub fn satisfies(patterns: &[alloc::string::String], value: &str) -> bool {
    patterns.is_empty()
        || patterns
            .iter()
            .any(|p| Pattern::new(p).map_or(true, |re| re.is_match(value)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(p: &str, v: &str) -> bool {
        Pattern::new(p)
            .unwrap_or_else(|e| panic!("{p}: {e}"))
            .is_match(v)
    }

    #[test]
    fn literals_and_anchoring() {
        assert!(m("abc", "abc"));
        assert!(!m("abc", "abcd"));
        assert!(!m("abc", "xabc"));
        assert!(!m("abc", "ab"));
        assert!(m("", ""));
        assert!(!m("", "a"));
        assert!(m("^a$", "^a$"), "^ and $ are literal in XML Schema");
        assert!(m("2\\.\\d+", "2.16"));
        assert!(!m("2\\.\\d+", "2x16"));
        assert!(m("a\\|b", "a|b"));
        assert!(m("\\n\\t", "\n\t"));
    }

    #[test]
    fn classes() {
        assert!(m("[0-9A-F]{6}", "00AB9F"));
        assert!(!m("[0-9A-F]{6}", "00ab9f"));
        assert!(m("[^0-9]+", "abc"));
        assert!(!m("[^0-9]+", "a1c"));
        assert!(m("[a-]", "-"));
        assert!(m("[-a]", "-"));
        assert!(m("[\\d.]+", "1.2.3"));
        assert!(m("[A-Z][A-Z][ OI]", "US "));
        assert!(!m("[A-Z][A-Z][ OI]", "USX"));
        assert!(m("[\\^]", "^"));
        assert!(m("[\\D]", "x"));
        assert!(!m("[\\D]", "1"));
        assert!(m(".", "x"));
        assert!(!m(".", "\n"));
        assert!(!m("\\s\\S\\w\\W", " a_!"), "_ is punctuation, not \\w");
        assert!(m("\\s\\S\\w\\W", " a$!"));
        assert!(m("\\d", "٣"), "\\d accepts non-ASCII decimal digits");
        assert!(m("é+", "éé"));
    }

    #[test]
    fn groups_alternation_quantifiers() {
        let p = "[0-9]|[1-5][0-9]|6[0-3]";
        for ok in ["0", "9", "10", "59", "63"] {
            assert!(m(p, ok), "{ok}");
        }
        for bad in ["64", "99", "", "600"] {
            assert!(!m(p, bad), "{bad}");
        }
        assert!(m("(ab)*", ""));
        assert!(m("(ab)*", "abab"));
        assert!(!m("(ab)*", "aba"));
        assert!(m("(ab)+", "ab"));
        assert!(!m("(ab)+", ""));
        assert!(m("a?b", "b"));
        assert!(m("a{2,3}", "aa"));
        assert!(m("a{2,3}", "aaa"));
        assert!(!m("a{2,3}", "a"));
        assert!(!m("a{2,3}", "aaaa"));
        assert!(m("a{2,}", "aaaaa"));
        assert!(!m("a{2,}", "a"));
        assert!(m("a{0}", ""));
        assert!(m("a|", ""));
        assert!(m("(|x)y", "y"));
        assert!(m("\\d+(\\.\\d+)*", "1.22.333"));
        assert!(!m("\\d+(\\.\\d+)*", "1..2"));
        assert!(m("(a*)*", "aaaa"), "nested stars terminate");
        assert!(m("((a|b)*c)?", "ababc"));
    }

    #[test]
    fn tr106_types() {
        let octet = "(25[0-5]|2[0-4][0-9]|[01]?[0-9]?[0-9])";
        let ipv4 = alloc::format!("({octet}\\.){{3}}{octet}");
        for ok in ["0.0.0.0", "192.168.1.1", "255.255.255.255", "01.002.3.4"] {
            assert!(m(&ipv4, ok), "{ok}");
        }
        for bad in ["256.1.1.1", "1.1.1", "1.1.1.1.1", "a.b.c.d", "1.1.1.1 "] {
            assert!(!m(&ipv4, bad), "{bad}");
        }
        let prefix = alloc::format!("{ipv4}/(3[0-2]|[012]?[0-9])");
        assert!(m(&prefix, "10.0.0.0/8"));
        assert!(!m(&prefix, "10.0.0.0/33"));
        let uuid = "[A-Fa-f0-9]{8}-[A-Fa-f0-9]{4}-[A-Fa-f0-9]{4}-[A-Fa-f0-9]{4}-[A-Fa-f0-9]{12}";
        assert!(m(uuid, "123e4567-e89b-12d3-a456-426614174000"));
        assert!(!m(uuid, "123e4567-e89b-12d3-a456-42661417400"));
        let urn = "urn:[A-Za-z0-9][A-Za-z0-9-]{0,30}[A-Za-z0-9]:.+";
        assert!(m(urn, "urn:broadband-forum-org:tr-181-2-16-0"));
        assert!(!m(urn, "urn:-bad:x"));
    }

    #[test]
    fn errors() {
        use PatternError as E;
        let err = |p: &str| Pattern::new(p).unwrap_err();
        assert!(matches!(err("(a"), E::Syntax { .. }));
        assert!(matches!(err("a)"), E::Syntax { .. }));
        assert!(matches!(err("[a"), E::Syntax { .. }));
        assert!(matches!(err("*a"), E::Syntax { .. }));
        assert!(matches!(err("a**"), E::Syntax { .. }));
        assert!(matches!(err("a{3,2}"), E::Syntax { .. }));
        assert!(matches!(err("a{"), E::Syntax { .. }));
        assert!(matches!(err("a{x}"), E::Syntax { .. }));
        assert!(matches!(err("\\"), E::Syntax { .. }));
        assert!(matches!(err("\\q"), E::Syntax { .. }));
        assert!(matches!(err("[z-a]"), E::Syntax { .. }));
        assert!(matches!(err("\\p{L}"), E::Unsupported { .. }));
        assert!(matches!(err("\\i\\c*"), E::Unsupported { .. }));
        assert!(matches!(err("[a-z-[aeiou]]"), E::Unsupported { .. }));
        assert!(matches!(err("a{1001}"), E::TooLarge(_)));
        assert!(matches!(err("(a{1000}){1000}"), E::TooLarge(_)));
        assert!(matches!(err("((((a{30}){30}){30}){30})"), E::TooLarge(_)));
        let deep = "(".repeat(100) + &")".repeat(100);
        assert!(matches!(err(&deep), E::TooLarge(_)));
        let long = "a".repeat(MAX_PATTERN_LEN + 1);
        assert!(matches!(err(&long), E::TooLarge(_)));
    }

    #[test]
    fn satisfies_any_and_unchecked() {
        let ps = |v: &[&str]| {
            v.iter()
                .map(|s| alloc::string::String::from(*s))
                .collect::<Vec<_>>()
        };
        assert!(satisfies(&[], "anything"));
        let dscp = ps(&["Null", "Drop", "[0-9]|[1-5][0-9]|6[0-3]"]);
        assert!(satisfies(&dscp, "Drop"));
        assert!(satisfies(&dscp, "17"));
        assert!(!satisfies(&dscp, "64"));
        assert!(satisfies(&ps(&["", "\\d+"]), ""));
        assert!(!satisfies(&ps(&["\\d+"]), ""));
        assert!(
            satisfies(&ps(&["\\d+", "\\p{L}+"]), "x"),
            "uncompilable counts as matching"
        );
    }

    #[test]
    fn pathological_patterns_stay_linear() {
        // (a*)*b, (a|a)*b and a?{n}a{n} blow up backtracking matchers.
        let v = "a".repeat(5000);
        assert!(!m("(a*)*b", &v));
        assert!(!m("(a|a)*b", &v));
        let n = 200;
        let p = alloc::format!("{}{}", "a?".repeat(n), "a".repeat(n));
        assert!(m(&p, &"a".repeat(n)));
        assert!(!m(&p, &"a".repeat(n - 1)));
    }

    /// A reference matcher straight over the syntax tree: the set of positions each node can
    /// end at. Simple and obviously right, exponential only in ways small inputs do not hit.
    fn ends(
        n: &Node,
        v: &[char],
        starts: &alloc::collections::BTreeSet<usize>,
    ) -> alloc::collections::BTreeSet<usize> {
        use alloc::collections::BTreeSet;
        match n {
            Node::Empty => starts.clone(),
            Node::Char(c) => starts
                .iter()
                .filter(|&&i| v.get(i) == Some(c))
                .map(|i| i + 1)
                .collect(),
            Node::Class(cl) => starts
                .iter()
                .filter(|&&i| v.get(i).is_some_and(|&c| cl.matches(c)))
                .map(|i| i + 1)
                .collect(),
            Node::Concat(ns) => ns.iter().fold(starts.clone(), |s, n| ends(n, v, &s)),
            Node::Alt(ns) => ns.iter().flat_map(|n| ends(n, v, starts)).collect(),
            Node::Repeat { node, min, max } => {
                let mut cur = starts.clone();
                for _ in 0..*min {
                    cur = ends(node, v, &cur);
                }
                let mut all: BTreeSet<usize> = cur.clone();
                let limit = max.map_or(v.len() + 1, |m| (m - min) as usize);
                for _ in 0..limit {
                    cur = ends(node, v, &cur);
                    let before = all.len();
                    all.extend(cur.iter().copied());
                    if all.len() == before && max.is_none() {
                        break;
                    }
                }
                all
            }
        }
    }

    fn reference(p: &str, v: &str) -> Option<bool> {
        let mut parser = Parser {
            src: p,
            pos: 0,
            depth: 0,
        };
        let node = parser.alternation().ok()?;
        if parser.pos < p.len() {
            return None;
        }
        let chars: Vec<char> = v.chars().collect();
        let start = core::iter::once(0).collect();
        Some(ends(&node, &chars, &start).contains(&chars.len()))
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(3000))]

        /// The Pike VM agrees with the reference matcher on every pattern that compiles.
        #[test]
        fn agrees_with_reference(
            p in "[ab()|*+?.]{0,10}|[ab]\\{[0-3](,[0-3]?)?\\}[ab|()]{0,4}|\\[\\^?[ab]-?[bc]\\][*+?]?[ab]{0,3}",
            v in "[abc]{0,8}",
        ) {
            if let Ok(re) = Pattern::new(&p) {
                proptest::prop_assert_eq!(Some(re.is_match(&v)), reference(&p, &v), "{} on {:?}", p, v);
            }
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(2000))]

        /// Any pattern text either fails to compile or compiles within the limit, and any
        /// value is answered (no panic, no unbounded loop).
        #[test]
        fn arbitrary_patterns_terminate(
            p in "[ab()|*+?{}0-9,\\[\\]^\\-.\\\\dsw]{0,40}",
            v in "[ab0-9.\\- ]{0,40}",
        ) {
            if let Ok(re) = Pattern::new(&p) {
                proptest::prop_assert!(re.program_len() <= MAX_PROGRAM);
                let _ = re.is_match(&v);
            }
        }

        /// Arbitrary Unicode in either position never panics.
        #[test]
        fn arbitrary_unicode_terminates(p in "\\PC{0,30}", v in "\\PC{0,30}") {
            if let Ok(re) = Pattern::new(&p) {
                let _ = re.is_match(&v);
            }
        }

        /// A literal pattern (every character escaped) matches exactly itself.
        #[test]
        fn escaped_literal_matches_itself(s in "[a-z.*+?()|{}\\[\\]^\\\\-]{0,20}", t in "[a-z.]{0,5}") {
            let mut p = alloc::string::String::new();
            for c in s.chars() {
                if ".*+?()|{}[]^\\-".contains(c) {
                    p.push('\\');
                }
                p.push(c);
            }
            let re = Pattern::new(&p).unwrap();
            proptest::prop_assert!(re.is_match(&s));
            let mut longer = s;
            longer.push_str(&t);
            proptest::prop_assert_eq!(re.is_match(&longer), t.is_empty());
        }
    }
}
