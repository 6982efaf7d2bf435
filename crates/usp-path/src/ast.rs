//! The typed syntax tree of a path. Values borrow from the parsed input; `into_owned` detaches.

use alloc::borrow::Cow;
use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;

/// One or more items without a heap allocation for the common single item. Always `One` for a
/// single item, so the derived comparisons work on the item lists.
#[derive(Clone, Debug)]
pub(crate) enum OneOrMany<T> {
    One(T),
    Many(Vec<T>),
}

impl<T> OneOrMany<T> {
    /// Appends `x` to an optional list under construction.
    pub(crate) fn push_into(slot: &mut Option<Self>, x: T) {
        match slot {
            None => *slot = Some(Self::One(x)),
            Some(Self::Many(v)) => v.push(x),
            Some(Self::One(_)) => {
                if let Some(Self::One(a)) = slot.take() {
                    let mut v = Vec::with_capacity(4);
                    v.push(a);
                    v.push(x);
                    *slot = Some(Self::Many(v));
                }
            }
        }
    }

    fn map<U>(self, f: impl FnMut(T) -> U) -> OneOrMany<U> {
        let mut f = f;
        match self {
            Self::One(x) => OneOrMany::One(f(x)),
            Self::Many(v) => OneOrMany::Many(v.into_iter().map(f).collect()),
        }
    }
}

impl<T> core::ops::Deref for OneOrMany<T> {
    type Target = [T];
    fn deref(&self) -> &[T] {
        match self {
            Self::One(x) => core::slice::from_ref(x),
            Self::Many(v) => v,
        }
    }
}

impl<T: PartialEq> PartialEq for OneOrMany<T> {
    fn eq(&self, other: &Self) -> bool {
        **self == **other
    }
}
impl<T: Eq> Eq for OneOrMany<T> {}
impl<T: PartialOrd> PartialOrd for OneOrMany<T> {
    fn partial_cmp(&self, other: &Self) -> Option<core::cmp::Ordering> {
        (**self).partial_cmp(&**other)
    }
}
impl<T: Ord> Ord for OneOrMany<T> {
    fn cmp(&self, other: &Self) -> core::cmp::Ordering {
        (**self).cmp(&**other)
    }
}
impl<T: core::hash::Hash> core::hash::Hash for OneOrMany<T> {
    fn hash<H: core::hash::Hasher>(&self, state: &mut H) {
        (**self).hash(state);
    }
}

/// A TR-106 name (object, parameter, command or event name), borrowed from the input.
///
/// Only the parser makes names, so every `Name` is valid.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Name<'a>(pub(crate) Cow<'a, str>);

impl<'a> Name<'a> {
    /// The name text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Detaches the name from the input.
    pub fn into_owned(self) -> Name<'static> {
        Name(Cow::Owned(self.0.into_owned()))
    }
}

impl fmt::Display for Name<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Which list items a reference follow uses: `P+` and `P#1+` are `Item(1)`, `P#*+` is `All`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ListIndex {
    /// One item, numbered from 1.
    Item(u32),
    /// Every item (`#*`).
    All,
}

impl fmt::Display for ListIndex {
    /// Writes the canonical follow marker: `+`, `#n+` or `#*+`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Item(1) => f.write_str("+"),
            Self::Item(n) => write!(f, "#{n}+"),
            Self::All => f.write_str("#*+"),
        }
    }
}

/// An expression operator.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Operator {
    /// `==`
    Eq,
    /// `!=`
    Ne,
    /// `~=`: a comma-separated list contains the constant.
    Contains,
    /// `<`
    Lt,
    /// `>`
    Gt,
    /// `<=`
    Le,
    /// `>=`
    Ge,
}

impl Operator {
    /// All seven operators.
    pub const ALL: [Self; 7] = [
        Self::Eq,
        Self::Ne,
        Self::Contains,
        Self::Lt,
        Self::Gt,
        Self::Le,
        Self::Ge,
    ];

    /// The operator as written.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Eq => "==",
            Self::Ne => "!=",
            Self::Contains => "~=",
            Self::Lt => "<",
            Self::Gt => ">",
            Self::Le => "<=",
            Self::Ge => ">=",
        }
    }

    /// Whether this is one of the ordering operators `<` `>` `<=` `>=`.
    pub const fn is_ordering(self) -> bool {
        matches!(self, Self::Lt | Self::Gt | Self::Le | Self::Ge)
    }
}

impl fmt::Display for Operator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An expression constant, as written. Its type is checked against the parameter when the path is
/// resolved ([`crate::value::check_constant`]), not while parsing.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Constant<'a> {
    /// `"..."`, with `%22` decoded to `"` and `%25` to `%` (other `%xx` stay as written).
    Quoted(Cow<'a, str>),
    /// A bare constant: number, boolean, dateTime, hexBinary, decimal.
    Bare(Cow<'a, str>),
}

impl<'a> Constant<'a> {
    /// The text: decoded for quoted constants.
    pub fn text(&self) -> &str {
        match self {
            Self::Quoted(s) | Self::Bare(s) => s,
        }
    }

    /// Whether the constant was written in double quotes.
    pub const fn is_quoted(&self) -> bool {
        matches!(self, Self::Quoted(_))
    }

    /// Detaches the constant from the input.
    pub fn into_owned(self) -> Constant<'static> {
        match self {
            Self::Quoted(s) => Constant::Quoted(Cow::Owned(s.into_owned())),
            Self::Bare(s) => Constant::Bare(Cow::Owned(s.into_owned())),
        }
    }
}

impl fmt::Display for Constant<'_> {
    /// Quoted constants are re-escaped (`"` as `%22`, `%` as `%25`).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Bare(s) => f.write_str(s),
            Self::Quoted(s) => {
                f.write_str("\"")?;
                let mut rest: &str = s;
                while let Some(i) = rest.find(['"', '%']) {
                    let (head, tail) = rest.split_at(i);
                    f.write_str(head)?;
                    f.write_str(if tail.starts_with('"') { "%22" } else { "%25" })?;
                    rest = tail.get(1..).unwrap_or("");
                }
                f.write_str(rest)?;
                f.write_str("\"")
            }
        }
    }
}

/// One step of an expression parameter path: a name, and for a reference parameter the follow
/// that enters the referenced object before the next step.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct RelStep<'a> {
    pub(crate) name: Name<'a>,
    pub(crate) follow: Option<ListIndex>,
}

impl<'a> RelStep<'a> {
    /// The object or parameter name.
    pub const fn name(&self) -> &Name<'a> {
        &self.name
    }

    /// The reference follow after the name, if any (never on the last step).
    pub const fn follow(&self) -> Option<ListIndex> {
        self.follow
    }

    fn into_owned(self) -> RelStep<'static> {
        RelStep {
            name: self.name.into_owned(),
            follow: self.follow,
        }
    }
}

/// The parameter side of an expression component: `Enable`, `Stats.ErrorsSent`,
/// `SSIDReference+.SSID`. It never contains instance identifiers.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct RelPath<'a> {
    pub(crate) steps: OneOrMany<RelStep<'a>>,
}

impl<'a> RelPath<'a> {
    /// The steps; the last one is the parameter and has no follow.
    pub fn steps(&self) -> &[RelStep<'a>] {
        &self.steps
    }

    /// The name if the path is a single parameter name of the row itself (`Alias`).
    pub fn as_simple(&self) -> Option<&Name<'a>> {
        match &*self.steps {
            [one] => Some(&one.name),
            _ => None,
        }
    }

    fn into_owned(self) -> RelPath<'static> {
        RelPath {
            steps: self.steps.map(RelStep::into_owned),
        }
    }
}

impl fmt::Display for RelPath<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, s) in self.steps.iter().enumerate() {
            if i > 0 {
                f.write_str(".")?;
            }
            f.write_str(s.name.as_str())?;
            if let Some(fl) = s.follow {
                fl.fmt(f)?;
            }
        }
        Ok(())
    }
}

/// One expression component: `param operator constant`.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Component<'a> {
    pub(crate) param: RelPath<'a>,
    pub(crate) op: Operator,
    pub(crate) value: Constant<'a>,
}

impl<'a> Component<'a> {
    /// The expression parameter.
    pub const fn param(&self) -> &RelPath<'a> {
        &self.param
    }

    /// The operator.
    pub const fn operator(&self) -> Operator {
        self.op
    }

    /// The constant.
    pub const fn value(&self) -> &Constant<'a> {
        &self.value
    }

    fn into_owned(self) -> Component<'static> {
        Component {
            param: self.param.into_owned(),
            op: self.op,
            value: self.value.into_owned(),
        }
    }
}

impl fmt::Display for Component<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.param.fmt(f)?;
        f.write_str(self.op.as_str())?;
        self.value.fmt(f)
    }
}

/// A search expression `[c1&&c2&&...]`: at least one component, AND-ed.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Expression<'a> {
    pub(crate) components: OneOrMany<Component<'a>>,
}

impl<'a> Expression<'a> {
    /// The components (never empty).
    pub fn components(&self) -> &[Component<'a>] {
        &self.components
    }

    /// Whether this expression has the shape of a unique-key address: every component is `==`
    /// on a distinct plain parameter name of the row. Whether those names form one of the
    /// table's unique keys needs the data model; see [`Expression::addresses_key`].
    pub fn is_key_shaped(&self) -> bool {
        self.components.iter().enumerate().all(|(i, c)| {
            c.op == Operator::Eq
                && c.param.as_simple().is_some_and(|n| {
                    self.components
                        .get(..i)
                        .unwrap_or(&[])
                        .iter()
                        .all(|o| o.param.as_simple() != Some(n))
                })
        })
    }

    /// Whether this expression addresses exactly the unique key made of `key` (parameter names,
    /// any order): key-shaped and naming each key parameter once and nothing else
    /// (architecture, "Addressing by Unique Key"). Such an expression matches 0 or 1 instance;
    /// any other expression is a search.
    ///
    /// ```
    /// use usp_path::{Instance, Path, Segment};
    ///
    /// let p = Path::parse(r#"Device.NAT.PortMapping.[ExternalPort==0&&RemoteHost==""&&Protocol=="TCP"]."#)?;
    /// let Some(Segment::Instance(Instance::Expression(e))) = p.segments().last() else { panic!() };
    /// assert!(e.addresses_key(&["RemoteHost", "ExternalPort", "Protocol"]));
    /// assert!(!e.addresses_key(&["RemoteHost", "ExternalPort"]));
    /// # Ok::<(), usp_path::PathError>(())
    /// ```
    pub fn addresses_key(&self, key: &[&str]) -> bool {
        self.is_key_shaped()
            && self.components.len() == key.len()
            && key.iter().all(|k| {
                self.components
                    .iter()
                    .any(|c| c.param.as_simple().is_some_and(|n| n.as_str() == *k))
            })
    }

    fn into_owned(self) -> Expression<'static> {
        Expression {
            components: self.components.map(Component::into_owned),
        }
    }
}

impl fmt::Display for Expression<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[")?;
        for (i, c) in self.components.iter().enumerate() {
            if i > 0 {
                f.write_str("&&")?;
            }
            c.fmt(f)?;
        }
        f.write_str("]")
    }
}

/// An instance identifier: what follows a table name.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Instance<'a> {
    /// An instance number (>= 1).
    Number(u32),
    /// `*`: every instance.
    Wildcard,
    /// `[...]`: a unique-key address or a search expression.
    Expression(Expression<'a>),
    /// `{i}`: any instance, in a supported-data-model path only.
    Placeholder,
}

impl Instance<'_> {
    fn into_owned(self) -> Instance<'static> {
        match self {
            Self::Number(n) => Instance::Number(n),
            Self::Wildcard => Instance::Wildcard,
            Self::Placeholder => Instance::Placeholder,
            Self::Expression(e) => Instance::Expression(e.into_owned()),
        }
    }
}

impl fmt::Display for Instance<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Number(n) => write!(f, "{n}"),
            Self::Wildcard => f.write_str("*"),
            Self::Placeholder => f.write_str("{i}"),
            Self::Expression(e) => e.fmt(f),
        }
    }
}

/// One `.`-terminated segment of a path.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Segment<'a> {
    /// An object name (`Device`, `IP`, `Interface`).
    Object(Name<'a>),
    /// An instance identifier; always right after an [`Segment::Object`] naming the table.
    Instance(Instance<'a>),
    /// A reference parameter followed into the object(s) it references: `Interface+`,
    /// `LowerLayers#2+`, `LowerLayers#*+`.
    Follow(Name<'a>, ListIndex),
}

impl Segment<'_> {
    fn into_owned(self) -> Segment<'static> {
        match self {
            Self::Object(n) => Segment::Object(n.into_owned()),
            Self::Instance(i) => Segment::Instance(i.into_owned()),
            Self::Follow(n, i) => Segment::Follow(n.into_owned(), i),
        }
    }
}

impl fmt::Display for Segment<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Object(n) => f.write_str(n.as_str()),
            Self::Instance(i) => i.fmt(f),
            Self::Follow(n, i) => {
                f.write_str(n.as_str())?;
                i.fmt(f)
            }
        }
    }
}

/// What the end of a path names.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Target<'a> {
    /// The path ends in `.` (or, for a reference value, in an object or instance).
    Object,
    /// `...Name`
    Parameter(Name<'a>),
    /// `...Name()`
    Command(Name<'a>),
    /// `...Name!`
    Event(Name<'a>),
}

impl Target<'_> {
    fn into_owned(self) -> Target<'static> {
        match self {
            Self::Object => Target::Object,
            Self::Parameter(n) => Target::Parameter(n.into_owned()),
            Self::Command(n) => Target::Command(n.into_owned()),
            Self::Event(n) => Target::Event(n.into_owned()),
        }
    }

    /// The parameter, command or event name; `None` for an object.
    pub const fn name(&self) -> Option<&Name<'_>> {
        match self {
            Self::Object => None,
            Self::Parameter(n) | Self::Command(n) | Self::Event(n) => Some(n),
        }
    }
}

impl fmt::Display for Target<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Object => Ok(()),
            Self::Parameter(n) => f.write_str(n.as_str()),
            Self::Command(n) => {
                f.write_str(n.as_str())?;
                f.write_str("()")
            }
            Self::Event(n) => {
                f.write_str(n.as_str())?;
                f.write_str("!")
            }
        }
    }
}

/// The six kinds of Path Name (architecture, "Path Names").
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum PathKind {
    /// An object or table path ending in `.` (`Device.IP.Interface.`), a supported path ending in
    /// `{i}.`, or a path ending right after a reference follow (`LowerLayers+.`), whose target
    /// is only known after resolution.
    Object,
    /// A path ending in an instance (`Device.IP.Interface.3.`), including a unique-key address
    /// when classified with [`Path::kind_with`].
    ObjectInstance,
    /// A parameter path.
    Parameter,
    /// A command path (`Reboot()`).
    Command,
    /// An event path (`Boot!`).
    Event,
    /// A path that may match many instances: it has `*`, a searching `[...]` or a `#*+` follow.
    Search,
}

/// A parsed path: `.`-terminated segments and a target.
///
/// Made only by the parsers ([`Path::parse`] and the other `parse_*` functions, or a
/// [`crate::Parser`] with custom limits), so holding one means it is valid for the form it was
/// parsed as. `Display` writes the canonical compact form (no whitespace, `P#1+` as `P+`,
/// `%22`/`%25` re-escaped), which parses back to an equal value (R-ARC.9b).
///
/// ```
/// use usp_path::{Path, PathKind};
///
/// let p = Path::parse(r#"Device.IP.Interface.[Type == "Normal"].Status"#)?;
/// assert_eq!(p.kind(), PathKind::Search);
/// assert_eq!(p.to_string(), r#"Device.IP.Interface.[Type=="Normal"].Status"#);
/// assert_eq!(Path::parse(&p.to_string())?, p);
/// # Ok::<(), usp_path::PathError>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Path<'a> {
    pub(crate) segments: Vec<Segment<'a>>,
    pub(crate) target: Target<'a>,
}

impl<'a> Path<'a> {
    /// The `.`-terminated segments, in order.
    pub fn segments(&self) -> &[Segment<'a>] {
        &self.segments
    }

    /// What the path ends in.
    pub const fn target(&self) -> &Target<'a> {
        &self.target
    }

    /// Detaches the path from the input.
    pub fn into_owned(self) -> Path<'static> {
        Path {
            segments: self.segments.into_iter().map(Segment::into_owned).collect(),
            target: self.target.into_owned(),
        }
    }

    /// Classifies the path by syntax alone: any `*`, `[...]` or `#*+` makes it a
    /// [`PathKind::Search`]. Use [`Path::kind_with`] to treat unique-key addresses as instances.
    pub fn kind(&self) -> PathKind {
        self.kind_with(|_, _| false)
    }

    /// Classifies the path, asking `is_key_address(table_segments, expression)` whether an
    /// expression is a unique-key address (architecture: an address only if every component is
    /// `==` and together they name all parameters of one unique key; see
    /// [`Expression::addresses_key`]). `table_segments` are the segments up to and including the
    /// table name.
    ///
    /// ```
    /// use usp_path::{Path, PathKind};
    ///
    /// let p = Path::parse(r#"Device.IP.Interface.[Name=="eth0"].Status"#)?;
    /// assert_eq!(p.kind(), PathKind::Search);
    /// // With the data model's answer that Name is a unique key of the table:
    /// assert_eq!(p.kind_with(|_, e| e.addresses_key(&["Name"])), PathKind::Parameter);
    /// # Ok::<(), usp_path::PathError>(())
    /// ```
    pub fn kind_with<F>(&self, mut is_key_address: F) -> PathKind
    where
        F: FnMut(&[Segment<'a>], &Expression<'a>) -> bool,
    {
        if self.may_match_many_with(&mut is_key_address) {
            return PathKind::Search;
        }
        match &self.target {
            Target::Parameter(_) => PathKind::Parameter,
            Target::Command(_) => PathKind::Command,
            Target::Event(_) => PathKind::Event,
            Target::Object => match self.segments.last() {
                Some(Segment::Instance(Instance::Number(_) | Instance::Expression(_))) => {
                    PathKind::ObjectInstance
                }
                _ => PathKind::Object,
            },
        }
    }

    /// Whether the path can match more than one instance by syntax: it contains `*`, any
    /// `[...]` or a `#*+` follow. A single `+` follow counts as one.
    ///
    /// ```
    /// use usp_path::Path;
    ///
    /// assert!(Path::parse("Device.WiFi.SSID.1.LowerLayers#*+.Name")?.may_match_many());
    /// assert!(!Path::parse("Device.WiFi.SSID.1.LowerLayers+.Name")?.may_match_many());
    /// # Ok::<(), usp_path::PathError>(())
    /// ```
    pub fn may_match_many(&self) -> bool {
        self.may_match_many_with(|_, _| false)
    }

    /// Like [`Path::may_match_many`], but expressions for which `is_key_address` returns `true`
    /// count as addressing at most one instance.
    pub fn may_match_many_with<F>(&self, mut is_key_address: F) -> bool
    where
        F: FnMut(&[Segment<'a>], &Expression<'a>) -> bool,
    {
        self.segments.iter().enumerate().any(|(i, s)| match s {
            Segment::Instance(Instance::Wildcard) | Segment::Follow(_, ListIndex::All) => true,
            Segment::Instance(Instance::Expression(e)) => {
                !is_key_address(self.segments.get(..i).unwrap_or(&[]), e)
            }
            _ => false,
        })
    }

    /// Whether the path contains `*` or `[...]` anywhere.
    pub fn has_search(&self) -> bool {
        self.segments.iter().any(|s| {
            matches!(
                s,
                Segment::Instance(Instance::Wildcard | Instance::Expression(_))
            )
        })
    }

    /// Whether the path contains a reference follow, in a segment or inside an expression.
    pub fn has_follow(&self) -> bool {
        self.segments.iter().any(|s| match s {
            Segment::Follow(..) => true,
            Segment::Instance(Instance::Expression(e)) => e
                .components
                .iter()
                .any(|c| c.param.steps.iter().any(|st| st.follow.is_some())),
            _ => false,
        })
    }

    /// Whether the path contains a `{i}` placeholder (supported data model path).
    pub fn has_placeholder(&self) -> bool {
        self.segments
            .iter()
            .any(|s| matches!(s, Segment::Instance(Instance::Placeholder)))
    }

    /// Whether the path uses only names and instance numbers (no search, follow or `{i}`): a
    /// path an Agent may report (R-MSG.3).
    pub fn is_concrete(&self) -> bool {
        self.segments.iter().all(|s| {
            matches!(
                s,
                Segment::Object(_) | Segment::Instance(Instance::Number(_))
            )
        })
    }

    /// The object path this path belongs to: the path itself for an object path, otherwise the
    /// path without its parameter, command or event (R-GET.2: `Device.DeviceInfo.X` belongs to
    /// `Device.DeviceInfo.`).
    pub fn object(&self) -> Self {
        Path {
            segments: self.segments.clone(),
            target: Target::Object,
        }
    }

    /// Joins a relative path onto this object path (architecture, "Relative Paths"):
    /// `Device.WiFi.Radio.1.` + `Stats.BytesSent` = `Device.WiFi.Radio.1.Stats.BytesSent`.
    /// Uses the default [`crate::ParseConfig`]; see [`Path::join_with`].
    ///
    /// # Errors
    /// As [`Path::join_with`].
    ///
    /// ```
    /// use usp_path::{Path, RelativePath};
    ///
    /// let base = Path::parse("Device.WiFi.Radio.1.")?;
    /// let rel = RelativePath::parse("Stats.BytesSent")?;
    /// assert_eq!(base.join(&rel)?.to_string(), "Device.WiFi.Radio.1.Stats.BytesSent");
    /// # Ok::<(), usp_path::PathError>(())
    /// ```
    pub fn join<'b>(&self, rel: &RelativePath<'b>) -> Result<Path<'b>, crate::PathError>
    where
        'a: 'b,
    {
        self.join_with(rel, &crate::ParseConfig::DEFAULT)
    }

    /// Joins a relative path onto this object path under the limits and options of `config`,
    /// and checks the joined path as a whole: it must parse under `config` as a supported path
    /// if it contains `{i}` ([`crate::Parser::parse_supported`]: no instance number, wildcard,
    /// search or follow after `{i}`), otherwise as an instantiated path
    /// ([`crate::Parser::parse`]). So the result is always a path the parser could have produced.
    ///
    /// # Errors
    /// [`crate::PathErrorKind::NotAnObjectPath`] (offset 0) if `self` does not end in `.`;
    /// [`crate::PathErrorKind::TooManySegments`] (offset = the segment count of `self`) if the
    /// segments alone exceed `config`; otherwise the error of re-parsing the joined path, with its
    /// offset in the joined path's text (`Display` form), e.g.
    /// [`crate::PathErrorKind::NumberAfterPlaceholder`] or
    /// [`crate::PathErrorKind::TooLong`].
    ///
    /// ```
    /// use usp_path::{ParseConfig, Path, PathErrorKind, RelativePath};
    ///
    /// let sdm = Path::parse_supported("Device.WiFi.Radio.{i}.")?;
    /// let cfg = ParseConfig::default();
    /// let ok = RelativePath::parse("Stats.BytesSent")?;
    /// assert_eq!(sdm.join_with(&ok, &cfg)?.to_string(), "Device.WiFi.Radio.{i}.Stats.BytesSent");
    /// let bad = RelativePath::parse("X.1.")?;
    /// let err = sdm.join_with(&bad, &cfg).unwrap_err();
    /// assert_eq!((err.kind(), err.offset()), (PathErrorKind::NumberAfterPlaceholder, 24));
    /// # Ok::<(), usp_path::PathError>(())
    /// ```
    pub fn join_with<'b>(
        &self,
        rel: &RelativePath<'b>,
        config: &crate::ParseConfig,
    ) -> Result<Path<'b>, crate::PathError>
    where
        'a: 'b,
    {
        if self.target != Target::Object {
            return Err(crate::PathError::new(
                0,
                crate::PathErrorKind::NotAnObjectPath,
            ));
        }
        let max = config.max_segments;
        if self.segments.len() + rel.0.segments.len() > max {
            return Err(crate::PathError::new(
                self.segments.len(),
                crate::PathErrorKind::TooManySegments { max },
            ));
        }
        let mut segments = Vec::with_capacity(self.segments.len() + rel.0.segments.len());
        segments.extend(self.segments.iter().cloned());
        segments.extend(rel.0.segments.iter().cloned());
        let joined = Path {
            segments,
            target: rel.0.target.clone(),
        };
        // `Display` parses back to an equal value, so a successful parse of the text validates
        // the joined structure against the grammar and every limit of `config`.
        let text = alloc::string::ToString::to_string(&joined);
        let parser = crate::Parser::new(*config);
        if joined.has_placeholder() {
            parser.parse_supported(&text)?;
        } else {
            parser.parse(&text)?;
        }
        Ok(joined)
    }

    /// Writes the path in reference-value form: like `Display`, but an object path has no
    /// trailing `.` (`Device.IP.Interface.1`), as reference parameters hold them. A one-name
    /// object path keeps its `.` (`Device.`), since `Device` alone is not a path.
    ///
    /// Without the `.`, `Device.DeviceInfo` reads back as a parameter path; only the data model
    /// can tell, which is why reference values need [`Path::parse_reference`].
    pub fn to_reference_string(&self) -> String {
        use core::fmt::Write;
        let mut s = String::new();
        let _ = write!(s, "{self}");
        if self.target == Target::Object && self.segments.len() > 1 {
            s.pop();
        }
        s
    }

    /// The supported-data-model form: every instance identifier replaced by `{i}`
    /// (`Device.IP.Interface.3.Name` -> `Device.IP.Interface.{i}.Name`). `None` if the path
    /// contains a reference follow, whose target is only known after resolution.
    ///
    /// ```
    /// use usp_path::Path;
    ///
    /// let p = Path::parse("Device.IP.Interface.3.IPv4Address.*.IPAddress")?;
    /// assert_eq!(p.to_supported().unwrap().to_string(), "Device.IP.Interface.{i}.IPv4Address.{i}.IPAddress");
    /// # Ok::<(), usp_path::PathError>(())
    /// ```
    pub fn to_supported(&self) -> Option<Self> {
        let mut segments = Vec::with_capacity(self.segments.len());
        for s in &self.segments {
            segments.push(match s {
                Segment::Object(n) => Segment::Object(n.clone()),
                Segment::Instance(_) => Segment::Instance(Instance::Placeholder),
                Segment::Follow(..) => return None,
            });
        }
        Some(Path {
            segments,
            target: self.target.clone(),
        })
    }
}

impl fmt::Display for Path<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for s in &self.segments {
            s.fmt(f)?;
            f.write_str(".")?;
        }
        self.target.fmt(f)
    }
}

/// A relative path, joined onto an object path with [`Path::join`]: `Status`,
/// `Stats.BytesSent`, `Radio.1.Enable`, `Reset()`.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct RelativePath<'a>(pub(crate) Path<'a>);

impl<'a> RelativePath<'a> {
    /// The segments before the target (may be empty).
    pub fn segments(&self) -> &[Segment<'a>] {
        &self.0.segments
    }

    /// What the relative path ends in.
    pub const fn target(&self) -> &Target<'a> {
        &self.0.target
    }

    /// Detaches the path from the input.
    pub fn into_owned(self) -> RelativePath<'static> {
        RelativePath(self.0.into_owned())
    }
}

impl fmt::Display for RelativePath<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// One part of an [`ArgPath`].
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ArgSegment<'a> {
    /// A name.
    Name(Name<'a>),
    /// An instance number.
    Number(u32),
    /// `{i}`.
    Placeholder,
}

/// A command argument name (the EBNF `relarg`): `Result.{i}.SSID` in GetSupportedDM, or
/// `Result.1.SSID` as an Operate argument key. Starts with a name; parts are separated by `.`
/// with no trailing `.`.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ArgPath<'a> {
    pub(crate) parts: Vec<ArgSegment<'a>>,
}

impl<'a> ArgPath<'a> {
    /// The parts, in order; the first is always a name.
    pub fn parts(&self) -> &[ArgSegment<'a>] {
        &self.parts
    }

    /// Detaches the path from the input.
    pub fn into_owned(self) -> ArgPath<'static> {
        ArgPath {
            parts: self
                .parts
                .into_iter()
                .map(|p| match p {
                    ArgSegment::Name(n) => ArgSegment::Name(n.into_owned()),
                    ArgSegment::Number(n) => ArgSegment::Number(n),
                    ArgSegment::Placeholder => ArgSegment::Placeholder,
                })
                .collect(),
        }
    }
}

impl fmt::Display for ArgPath<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, p) in self.parts.iter().enumerate() {
            if i > 0 {
                f.write_str(".")?;
            }
            match p {
                ArgSegment::Name(n) => n.fmt(f)?,
                ArgSegment::Number(n) => write!(f, "{n}")?,
                ArgSegment::Placeholder => f.write_str("{i}")?,
            }
        }
        Ok(())
    }
}
