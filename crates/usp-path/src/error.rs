//! Error types: [`PathError`] for syntax, [`ConfigError`] for limits.

/// What the parser expected to find at the offset of a [`PathError`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Expected {
    /// A name: `[A-Za-z_][A-Za-z0-9_-]*` (TR-106).
    Name,
    /// The `.` separator.
    Dot,
    /// A `.` ending the path, `()`, `!` or the end of the path after a name.
    NameEnd,
    /// `()` closing a command name (`Reboot()`).
    CloseParen,
    /// A positive instance number (`1`, `2`, ...), or `{i}` in a supported path.
    Number,
    /// `+` ending a reference follow (`Param#1+`).
    Plus,
    /// A list index after `#`: a positive number or `*`.
    ListIndex,
    /// An expression operator: `==` `!=` `~=` `<` `>` `<=` `>=`.
    Operator,
    /// An expression constant: `"quoted"` or a bare value.
    Value,
    /// The closing `"` of a quoted constant.
    ClosingQuote,
    /// `&&` or the closing `]` of an expression.
    AndOrClose,
    /// The end of the input.
    End,
    /// `,` between the items of a reference list.
    Comma,
}

impl Expected {
    /// A short English description, used in [`PathError`]'s `Display`.
    pub const fn describe(self) -> &'static str {
        match self {
            Self::Name => "a name",
            Self::Dot => "'.'",
            Self::NameEnd => "'.', '()', '!' or the end of the path",
            Self::CloseParen => "')'",
            Self::Number => "a positive instance number",
            Self::Plus => "'+'",
            Self::ListIndex => "a positive list index or '*'",
            Self::Operator => "an operator (== != ~= < > <= >=)",
            Self::Value => "a constant",
            Self::ClosingQuote => "a closing '\"'",
            Self::AndOrClose => "'&&' or ']'",
            Self::End => "the end of the path",
            Self::Comma => "',' between references",
        }
    }
}

/// What is wrong with a path; the `kind` of a [`PathError`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, thiserror::Error)]
#[non_exhaustive]
pub enum PathErrorKind {
    /// The input is empty where a path is required.
    #[error("empty path")]
    Empty,
    /// Something else was found where the grammar needs the given token.
    #[error("expected {}", .0.describe())]
    Expected(Expected),
    /// Space or tab outside an expression (R-ARC.9a tolerates it only around operators, `&&` and
    /// inside the `[ ]` edges), or anywhere when whitespace is disabled by [`crate::ParseConfig`].
    /// When the parser expected a particular token there, [`PathError::expected`] tells which.
    #[error("whitespace is not allowed here")]
    Whitespace,
    /// Instance number `0`; instance numbers start at 1.
    #[error("instance number 0 is not allowed")]
    ZeroInstance,
    /// An instance number or list index written with a leading zero (`01`).
    #[error("leading zero in a number")]
    LeadingZero,
    /// An instance number or list index above `u32::MAX`.
    #[error("number out of range")]
    NumberOutOfRange,
    /// List index `#0`; list items are numbered from 1.
    #[error("list index 0 is not allowed")]
    ZeroListIndex,
    /// `[]`: an expression needs at least one component.
    #[error("empty search expression")]
    EmptyExpression,
    /// `||`: USP search expressions support AND (`&&`) only.
    #[error("'||' is not supported; expressions are AND-only")]
    OrNotSupported,
    /// `=` alone; equality is `==`.
    #[error("'=' is not an operator; use '=='")]
    SingleEquals,
    /// An expression parameter that enters a child table (`IPv4Address.*.X`); each table needs
    /// its own expression.
    #[error("an expression parameter cannot enter a child table")]
    ChildTableInExpression,
    /// `{i}` outside a supported-data-model path, or `{` not starting `{i}`.
    #[error("'{{i}}' is only allowed in supported data model paths")]
    PlaceholderNotAllowed,
    /// An instance number after a `{i}` in a supported path.
    #[error("an instance number cannot follow '{{i}}'")]
    NumberAfterPlaceholder,
    /// An instance identifier where the path form allows none (Register paths, R-REG.2;
    /// relative parameter names).
    #[error("instance identifiers are not allowed in this path form")]
    InstanceNotAllowed,
    /// A wildcard or search expression where the path form allows none (supported paths).
    #[error("wildcards and search expressions are not allowed in this path form")]
    SearchNotAllowed,
    /// Reference following (`+`) where the path form allows none.
    #[error("reference following is not allowed in this path form")]
    FollowNotAllowed,
    /// A name longer than the configured limit (TR-106: 256 characters).
    #[error("name longer than {max} characters")]
    NameTooLong {
        /// The configured limit.
        max: usize,
    },
    /// The path is longer than the configured limit.
    #[error("path longer than {max} bytes")]
    TooLong {
        /// The configured limit.
        max: usize,
    },
    /// More segments than the configured depth limit.
    #[error("more than {max} path segments")]
    TooManySegments {
        /// The configured limit.
        max: usize,
    },
    /// More expression components (total over the path) than the configured limit.
    #[error("more than {max} expression components")]
    TooManyComponents {
        /// The configured limit.
        max: usize,
    },
    /// More items in a reference list than the configured limit.
    #[error("more than {max} references in a list")]
    TooManyReferences {
        /// The configured limit.
        max: usize,
    },
    /// Joining a relative path onto something other than an object path.
    #[error("a relative path can only be joined onto an object path ending in '.'")]
    NotAnObjectPath,
}

/// A path that cannot be parsed: what is wrong, the byte offset where it was found and, when
/// known, what the parser expected there.
///
/// Every `PathError` maps to USP error 7008 "Invalid path syntax" ([`PathError::usp_error_code`]).
///
/// ```
/// use usp_path::{Expected, Path, PathErrorKind};
///
/// let err = Path::parse("Device..IP.").unwrap_err();
/// assert_eq!(err.offset(), 7);
/// assert_eq!(err.kind(), PathErrorKind::Expected(Expected::Name));
/// assert_eq!(err.usp_error_code(), 7008);
///
/// // Whitespace where a token was expected reports both.
/// let err = Path::parse("Device. IP.").unwrap_err();
/// assert_eq!((err.kind(), err.expected()), (PathErrorKind::Whitespace, Some(Expected::Name)));
/// assert_eq!(err.to_string(), "invalid path at byte 7: whitespace is not allowed here (expected a name)");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, thiserror::Error)]
#[error("invalid path at byte {offset}: {kind}{}", ExpectedSuffix(*.kind, *.expected))]
pub struct PathError {
    offset: usize,
    kind: PathErrorKind,
    expected: Option<Expected>,
}

/// Writes ` (expected ...)` when the kind does not already say it.
struct ExpectedSuffix(PathErrorKind, Option<Expected>);

impl core::fmt::Display for ExpectedSuffix {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            Self(PathErrorKind::Expected(_), _) | Self(_, None) => Ok(()),
            Self(_, Some(e)) => write!(f, " (expected {})", e.describe()),
        }
    }
}

impl PathError {
    pub(crate) const fn new(offset: usize, kind: PathErrorKind) -> Self {
        let expected = match kind {
            PathErrorKind::Expected(e) => Some(e),
            _ => None,
        };
        Self {
            offset,
            kind,
            expected,
        }
    }

    /// An error of `kind` found where the parser expected `expected`.
    pub(crate) const fn with_expected(
        offset: usize,
        kind: PathErrorKind,
        expected: Expected,
    ) -> Self {
        Self {
            offset,
            kind,
            expected: Some(expected),
        }
    }

    /// What the parser expected at [`PathError::offset`], when it expected one particular
    /// token: the same as in [`PathErrorKind::Expected`], and also kept for
    /// [`PathErrorKind::Whitespace`] found where a token was expected.
    pub const fn expected(&self) -> Option<Expected> {
        self.expected
    }

    /// The byte offset in the input where the problem was found.
    pub const fn offset(&self) -> usize {
        self.offset
    }

    /// What is wrong.
    pub const fn kind(&self) -> PathErrorKind {
        self.kind
    }

    /// The USP error code for a path that cannot be parsed: always 7008 (Invalid path syntax).
    pub const fn usp_error_code(&self) -> u32 {
        7008
    }
}

/// An invalid [`crate::ParseConfig`] or [`crate::resolve::ResolveLimits`] value.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// A limit was set to zero, which would reject every input.
    #[error("limit `{0}` must be at least 1")]
    Zero(&'static str),
    /// The name length limit is above TR-106's 256 characters.
    #[error("max_name_length above 256 (TR-106)")]
    NameLengthAboveTr106,
}
