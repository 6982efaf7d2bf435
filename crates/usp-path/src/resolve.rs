//! Resolving a path against an instantiated data model to the concrete paths it matches.
//!
//! The data model is reached through the small [`DataTree`] trait, so this crate needs no
//! storage of its own. Resolution handles instance numbers, wildcards, search expressions,
//! unique-key addresses (through the tree's index when it has one), reference following
//! (`P+`, `P#n+`, `P#*+`, also inside expressions) and any nesting of them.
//!
//! Semantics decided here (documented for the engine):
//! - Instance existence is checked for every instance number; names of single-instance objects,
//!   parameters, commands and events are appended as written (checking them against the
//!   Supported DM is the engine's job, 7026).
//! - An expression component whose parameter does not exist in a row makes that row not match
//!   (no error). A parameter value that is not valid for its own type also does not match.
//! - A component reached through a `#*+` follow matches if any referenced object satisfies it.
//! - A follow of an empty reference, of a list index beyond the list, or of a dangling
//!   reference gives no match. A stored reference that does not parse is a data model fault:
//!   [`ResolveError::BadReference`] (7003).
//! - Results are deduplicated; order is depth-first in the order the tree lists instances
//!   and, for `#*+`, in list order. The objects reached by follows inside an expression
//!   (`[A#*+.B#*+.X==1]`) are deduplicated the same way, and every such intermediate set is
//!   bounded by [`ResolveLimits::max_results`].
//! - Work is bounded ([`ResolveLimits`]) and charged by cost: one step per row listed (a
//!   wildcard, a search, or an instance number checked by listing the table, see
//!   [`DataTree::has_instance_is_direct`]), per parameter read, per follow and per reference
//!   parsed from a reference list. A reference cycle (possible through key-addressed reference
//!   values whose expressions follow references) ends with [`ResolveError::ReferenceCycle`].
//! - Type mismatches (`[Enable=="true"]`, 7008) are found when the constant is checked against
//!   a parameter type. If the tree reports types ([`DataTree::param_type`]) this happens before
//!   any row is read, so an empty table still gives the error. Otherwise the type comes from
//!   the first value read: a search over an empty table, or over rows none of which has the
//!   parameter, is an empty success; the engine can check earlier against its schema.

use alloc::borrow::Cow;
use alloc::collections::BTreeSet;
use alloc::string::String;
use alloc::vec::Vec;

use crate::ast::{Expression, Instance, ListIndex, Path, RelPath, RelStep, Segment, Target};
use crate::value::{ParamType, TypedConstant, ValueError, check_constant};
use crate::{ConfigError, ParseConfig, Parser, PathError};

/// A parameter value as the tree holds it: its type and TR-106 string form.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParamValue<'t> {
    ty: ParamType,
    text: Cow<'t, str>,
}

impl<'t> ParamValue<'t> {
    /// A value of type `ty` with string form `text`.
    pub fn new(ty: impl Into<ParamType>, text: impl Into<Cow<'t, str>>) -> Self {
        Self {
            ty: ty.into(),
            text: text.into(),
        }
    }

    /// The parameter's type.
    pub const fn param_type(&self) -> ParamType {
        self.ty
    }

    /// The value in TR-106 string form.
    pub fn text(&self) -> &str {
        &self.text
    }
}

/// The answer of [`DataTree::find_by_key`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeyLookup {
    /// The tree has no index for these parameters; the resolver scans the table.
    NotIndexed,
    /// The instance with that key.
    Found(u32),
    /// The index has no instance with that key.
    Missing,
}

/// Read access to an instantiated data model, as needed for resolution.
///
/// Object paths passed in are concrete (names and instance numbers only) and end in `.`:
/// `Device.IP.Interface.` for a table, `Device.IP.Interface.3.` for a row.
pub trait DataTree {
    /// Appends to `out` the instance numbers of the table at `table` (`Device.IP.Interface.`), in
    /// a stable order (ascending is usual). Appends nothing if the table does not exist or has no
    /// rows.
    fn instances(&self, table: &str, out: &mut Vec<u32>);

    /// Whether row `n` of `table` exists. The default scans [`DataTree::instances`]; override it
    /// when a direct lookup is cheaper.
    fn has_instance(&self, table: &str, n: u32) -> bool {
        let mut v = Vec::new();
        self.instances(table, &mut v);
        v.contains(&n)
    }

    /// Whether [`DataTree::has_instance`] is a direct lookup, cheaper than listing the table.
    ///
    /// The default, `false`, fits the default `has_instance`: the resolver then lists the table
    /// itself with [`DataTree::instances`] and charges one work step per row listed, so
    /// [`ResolveLimits::max_work`] bounds the real cost. Return `true` when you override
    /// `has_instance` with a direct lookup; each lookup then costs one step.
    fn has_instance_is_direct(&self) -> bool {
        false
    }

    /// The type of parameter `param` (a relative name without reference follows, such as
    /// `Enable` or `Stats.ErrorsSent`) in the rows of `table` (`Device.IP.Interface.`), when the
    /// tree knows its schema; `None` (the default) when it does not or the parameter does not
    /// exist there.
    ///
    /// When it answers, the resolver checks each expression constant against that type before
    /// reading any row, so a mismatch such as `[Enable=="true"]` is
    /// [`ResolveError::Constant`] (7008) even on an empty table. Without it, a constant can
    /// only be checked against the type of a value read from a row.
    fn param_type(&self, table: &str, param: &RelPath<'_>) -> Option<ParamType> {
        let _ = (table, param);
        None
    }

    /// The value of parameter `name` of the object at `object` (`Device.IP.Interface.3.`), or
    /// `None` if there is no such parameter.
    fn param(&self, object: &str, name: &str) -> Option<ParamValue<'_>>;

    /// Looks up the row of `table` whose unique key is given by `key` (an expression for which
    /// [`Expression::is_key_shaped`] holds: only `==` on distinct plain names). Return
    /// [`KeyLookup::NotIndexed`] (the default) unless the names form an indexed unique key;
    /// the resolver then scans. Constants can be converted with
    /// [`crate::value::check_constant`].
    fn find_by_key(&self, table: &str, key: &Expression<'_>) -> KeyLookup {
        let _ = (table, key);
        KeyLookup::NotIndexed
    }
}

/// Why a path could not be resolved.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ResolveError {
    /// An expression constant does not fit the parameter's type, or the operator is not valid
    /// for it (`[Enable=="true"]`, `[Name<"a"]`).
    #[error("segment {segment}, component {component}: {error}")]
    Constant {
        /// Index of the path segment holding the expression.
        segment: usize,
        /// Index of the component in the expression.
        component: usize,
        /// What is wrong.
        error: ValueError,
    },
    /// A reference parameter holds a value that is not a valid path reference (list).
    #[error("reference parameter in segment {segment} holds an invalid path: {error}")]
    BadReference {
        /// Index of the path segment (or expression segment) that followed it.
        segment: usize,
        /// The parse error of the stored value.
        error: PathError,
    },
    /// Following a reference led back to a reference being followed.
    #[error("reference cycle")]
    ReferenceCycle,
    /// References nested deeper than [`ResolveLimits`] allows.
    #[error("reference following nested deeper than {max}")]
    FollowDepth {
        /// The limit.
        max: usize,
    },
    /// The resolution needed more steps (rows listed, parameters read, references parsed) than
    /// allowed.
    #[error("resolution exceeded {max} steps")]
    WorkLimit {
        /// The limit.
        max: usize,
    },
    /// More matches than allowed.
    #[error("more than {max} matches")]
    TooManyResults {
        /// The limit.
        max: usize,
    },
    /// The path contains `{i}`, which only supported-data-model paths may.
    #[error("a supported path with '{{i}}' cannot be resolved against instances")]
    Placeholder,
}

impl ResolveError {
    /// The USP error code: 7008 for a constant of the wrong type (REQUIREMENTS §8 item 7, see
    /// [`ValueError::usp_error_code`]) and for `{i}`; 7003 (internal error) for a stored
    /// reference that does not parse; 7005 (resources exceeded) for cycles and limits.
    pub const fn usp_error_code(&self) -> u32 {
        match self {
            Self::Constant { .. } | Self::Placeholder => 7008,
            Self::BadReference { .. } => 7003,
            Self::ReferenceCycle
            | Self::FollowDepth { .. }
            | Self::WorkLimit { .. }
            | Self::TooManyResults { .. } => 7005,
        }
    }
}

/// Bounds on one resolution.
///
/// Defaults: 1,000,000 steps (rows listed, parameters read, follows and references parsed),
/// 100,000 results, follows nested 8 deep.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ResolveLimits {
    max_work: usize,
    max_results: usize,
    max_follow_depth: usize,
}

impl Default for ResolveLimits {
    fn default() -> Self {
        Self::DEFAULT
    }
}

impl ResolveLimits {
    /// The defaults.
    pub const DEFAULT: Self = Self {
        max_work: 1_000_000,
        max_results: 100_000,
        max_follow_depth: 8,
    };

    /// Limits with the given values.
    ///
    /// # Errors
    /// [`ConfigError::Zero`] if `max_work` or `max_results` is 0 (`max_follow_depth` 0 forbids
    /// reference following and is allowed).
    ///
    /// ```
    /// use usp_path::resolve::ResolveLimits;
    ///
    /// let l = ResolveLimits::new(10_000, 1_000, 4)?;
    /// assert_eq!(l.max_follow_depth(), 4);
    /// assert!(ResolveLimits::new(0, 1_000, 4).is_err());
    /// # Ok::<(), usp_path::ConfigError>(())
    /// ```
    pub const fn new(
        max_work: usize,
        max_results: usize,
        max_follow_depth: usize,
    ) -> Result<Self, ConfigError> {
        if max_work == 0 {
            return Err(ConfigError::Zero("max_work"));
        }
        if max_results == 0 {
            return Err(ConfigError::Zero("max_results"));
        }
        Ok(Self {
            max_work,
            max_results,
            max_follow_depth,
        })
    }

    /// Maximum work steps: rows listed, parameters read, follows and references parsed.
    pub const fn max_work(&self) -> usize {
        self.max_work
    }

    /// Maximum number of matches (also bounds intermediate sets).
    pub const fn max_results(&self) -> usize {
        self.max_results
    }

    /// Maximum nesting of reference following.
    pub const fn max_follow_depth(&self) -> usize {
        self.max_follow_depth
    }
}

/// Resolves paths against a [`DataTree`].
///
/// ```
/// use usp_path::resolve::{DataTree, ParamValue, Resolver};
/// use usp_path::value::ValueType;
/// use usp_path::Path;
///
/// struct Two;
/// impl DataTree for Two {
///     fn instances(&self, table: &str, out: &mut Vec<u32>) {
///         if table == "Device.IP.Interface." {
///             out.extend([1, 2]);
///         }
///     }
///     fn param(&self, object: &str, name: &str) -> Option<ParamValue<'_>> {
///         match (object, name) {
///             ("Device.IP.Interface.1.", "Enable") => Some(ParamValue::new(ValueType::Boolean, "false")),
///             ("Device.IP.Interface.2.", "Enable") => Some(ParamValue::new(ValueType::Boolean, "1")),
///             _ => None,
///         }
///     }
/// }
///
/// let p = Path::parse("Device.IP.Interface.[Enable==true].Name")?;
/// assert_eq!(Resolver::new(&Two).resolve(&p)?, ["Device.IP.Interface.2.Name"]);
/// # Ok::<(), Box<dyn core::error::Error>>(())
/// ```
#[derive(Debug)]
pub struct Resolver<'t, T: ?Sized> {
    tree: &'t T,
    limits: ResolveLimits,
    parser: Parser,
}

impl<'t, T: DataTree + ?Sized> Resolver<'t, T> {
    /// A resolver with the default limits.
    pub fn new(tree: &'t T) -> Self {
        Self::with_limits(tree, ResolveLimits::DEFAULT, ParseConfig::DEFAULT)
    }

    /// A resolver with the given limits; `parse` limits apply to stored reference values.
    pub const fn with_limits(tree: &'t T, limits: ResolveLimits, parse: ParseConfig) -> Self {
        Self {
            tree,
            limits,
            parser: Parser::new(parse),
        }
    }

    /// Returns the concrete paths (names and instance numbers only, R-MSG.3) that `path`
    /// matches, deduplicated, in a stable order. Object paths end in `.`. An empty result is
    /// not an error (R-MSG.4a).
    ///
    /// # Errors
    /// A [`ResolveError`]; see [`ResolveError::usp_error_code`].
    pub fn resolve(&self, path: &Path<'_>) -> Result<Vec<String>, ResolveError> {
        let mut cx = Cx {
            tree: self.tree,
            limits: self.limits,
            parser: self.parser,
            work: 0,
            stack: Vec::new(),
        };
        cx.resolve(path, 0)
    }
}

/// Resolves `path` against `tree` with the default limits; see [`Resolver::resolve`].
///
/// # Errors
/// A [`ResolveError`].
pub fn resolve<T: DataTree + ?Sized>(
    tree: &T,
    path: &Path<'_>,
) -> Result<Vec<String>, ResolveError> {
    Resolver::new(tree).resolve(path)
}

struct Cx<'t, T: ?Sized> {
    tree: &'t T,
    limits: ResolveLimits,
    parser: Parser,
    work: usize,
    /// (object, parameter) pairs being followed, for cycle detection.
    stack: Vec<(String, String)>,
}

impl<T: DataTree + ?Sized> Cx<'_, T> {
    fn tick(&mut self, n: usize) -> Result<(), ResolveError> {
        self.work = self.work.saturating_add(n);
        if self.work > self.limits.max_work {
            return Err(ResolveError::WorkLimit {
                max: self.limits.max_work,
            });
        }
        Ok(())
    }

    fn check_results(&self, n: usize) -> Result<(), ResolveError> {
        if n > self.limits.max_results {
            return Err(ResolveError::TooManyResults {
                max: self.limits.max_results,
            });
        }
        Ok(())
    }

    fn resolve(&mut self, path: &Path<'_>, depth: usize) -> Result<Vec<String>, ResolveError> {
        let mut cur: Vec<String> = Vec::with_capacity(1);
        cur.push(String::new());
        let mut ids = Vec::new();
        for (si, seg) in path.segments.iter().enumerate() {
            if cur.is_empty() {
                return Ok(cur);
            }
            match seg {
                Segment::Object(n) => {
                    for p in &mut cur {
                        p.push_str(n.as_str());
                        p.push('.');
                    }
                }
                Segment::Instance(Instance::Placeholder) => return Err(ResolveError::Placeholder),
                Segment::Instance(Instance::Number(n)) => {
                    let mut next = Vec::with_capacity(cur.len());
                    let direct = self.tree.has_instance_is_direct();
                    for mut p in cur {
                        let exists = if direct {
                            self.tick(1)?;
                            self.tree.has_instance(&p, *n)
                        } else {
                            // The scan the default `has_instance` would do, charged per row.
                            ids.clear();
                            self.tree.instances(&p, &mut ids);
                            self.tick(ids.len().max(1))?;
                            ids.contains(n)
                        };
                        if exists {
                            push_instance(&mut p, *n);
                            next.push(p);
                        }
                    }
                    cur = next;
                }
                Segment::Instance(Instance::Wildcard) => {
                    let mut next = Vec::new();
                    for p in &cur {
                        ids.clear();
                        self.tree.instances(p, &mut ids);
                        self.tick(ids.len().max(1))?;
                        self.check_results(next.len() + ids.len())?;
                        for n in &ids {
                            next.push(row(p, *n));
                        }
                    }
                    cur = next;
                }
                Segment::Instance(Instance::Expression(e)) => {
                    let mut next = Vec::new();
                    let mut consts: Vec<Option<TypedConstant>> = Vec::new();
                    consts.resize(e.components.len(), None);
                    for p in &cur {
                        self.check_types_up_front(p, e, si, &mut consts)?;
                        ids.clear();
                        let keyed = e.is_key_shaped();
                        match if keyed {
                            self.tree.find_by_key(p, e)
                        } else {
                            KeyLookup::NotIndexed
                        } {
                            KeyLookup::Found(n) => ids.push(n),
                            KeyLookup::Missing => {}
                            KeyLookup::NotIndexed => self.tree.instances(p, &mut ids),
                        }
                        self.tick(ids.len().max(1))?;
                        // One buffer for every row; only matches are copied out.
                        let mut obj = String::with_capacity(p.len() + 11);
                        for n in &ids {
                            obj.clear();
                            obj.push_str(p);
                            push_instance(&mut obj, *n);
                            if self.eval(&obj, e, si, &mut consts, depth)? {
                                self.check_results(next.len() + 1)?;
                                next.push(obj.clone());
                            }
                        }
                    }
                    cur = next;
                }
                Segment::Follow(name, idx) => {
                    let mut next = Unique::default();
                    for p in &cur {
                        for t in self.follow(p, name.as_str(), *idx, si, depth)? {
                            next.push(self, t)?;
                        }
                    }
                    cur = next.list;
                }
            }
        }
        match &path.target {
            Target::Object => {}
            Target::Parameter(n) => cur.iter_mut().for_each(|p| p.push_str(n.as_str())),
            Target::Command(n) => cur.iter_mut().for_each(|p| {
                p.push_str(n.as_str());
                p.push_str("()");
            }),
            Target::Event(n) => cur.iter_mut().for_each(|p| {
                p.push_str(n.as_str());
                p.push('!');
            }),
        }
        Ok(cur)
    }

    /// Follows reference parameter `name` of `object`, returning the referenced object paths.
    fn follow(
        &mut self,
        object: &str,
        name: &str,
        idx: ListIndex,
        segment: usize,
        depth: usize,
    ) -> Result<Vec<String>, ResolveError> {
        self.tick(1)?;
        if depth >= self.limits.max_follow_depth {
            return Err(ResolveError::FollowDepth {
                max: self.limits.max_follow_depth,
            });
        }
        let Some(v) = self.tree.param(object, name) else {
            return Ok(Vec::new());
        };
        if self
            .stack
            .iter()
            .any(|(o, p)| o.as_str() == object && p.as_str() == name)
        {
            return Err(ResolveError::ReferenceCycle);
        }
        let parser = self.parser;
        let refs = parser
            .parse_reference_list(v.text())
            .map_err(|error| ResolveError::BadReference { segment, error })?;
        // One step per reference parsed: a list may hold `max_references` of them.
        self.tick(refs.len())?;
        let chosen: Vec<Path<'_>> = match idx {
            ListIndex::All => refs,
            ListIndex::Item(n) => refs
                .into_iter()
                .nth(usize::try_from(n).unwrap_or(usize::MAX).saturating_sub(1))
                .into_iter()
                .collect(),
        };
        self.stack.push((String::from(object), String::from(name)));
        let mut out = Unique::default();
        let mut result = Ok(());
        for mut r in chosen {
            match core::mem::replace(&mut r.target, Target::Object) {
                Target::Object => {}
                Target::Parameter(n) => r.segments.push(Segment::Object(n)),
                Target::Command(_) | Target::Event(_) => {
                    result = Err(ResolveError::BadReference {
                        segment,
                        error: PathError::new(
                            0,
                            crate::PathErrorKind::Expected(crate::Expected::Dot),
                        ),
                    });
                    break;
                }
            }
            if let Err(e) = self
                .resolve(&r, depth + 1)
                .and_then(|v| v.into_iter().try_for_each(|t| out.push(self, t)))
            {
                result = Err(e);
                break;
            }
        }
        self.stack.pop();
        result.map(|()| out.list)
    }

    /// Before scanning the rows of `table`, checks each constant of `e` whose parameter type
    /// the tree knows ([`DataTree::param_type`]) and keeps the converted constant.
    fn check_types_up_front(
        &mut self,
        table: &str,
        e: &Expression<'_>,
        segment: usize,
        consts: &mut [Option<TypedConstant>],
    ) -> Result<(), ResolveError> {
        for ((ci, c), slot) in e.components.iter().enumerate().zip(consts.iter_mut()) {
            if c.param.steps.iter().any(|st| st.follow.is_some()) {
                continue;
            }
            self.tick(1)?;
            if let Some(ty) = self.tree.param_type(table, &c.param) {
                let tc =
                    check_constant(ty, c.op, &c.value).map_err(|error| ResolveError::Constant {
                        segment,
                        component: ci,
                        error,
                    })?;
                *slot = Some(tc);
            }
        }
        Ok(())
    }

    /// Whether row `obj` satisfies every component of `e`.
    fn eval(
        &mut self,
        obj: &str,
        e: &Expression<'_>,
        segment: usize,
        consts: &mut [Option<TypedConstant>],
        depth: usize,
    ) -> Result<bool, ResolveError> {
        for (ci, c) in e.components.iter().enumerate() {
            let steps: &[RelStep<'_>] = &c.param.steps;
            let Some((last, walk)) = steps.split_last() else {
                return Ok(false);
            };
            let any = if walk.is_empty() {
                self.test_param(obj, last, c, ci, consts, segment)?
            } else {
                let mut objs = alloc::vec![String::from(obj)];
                for st in walk {
                    match st.follow {
                        None => objs.iter_mut().for_each(|o| {
                            o.push_str(st.name.as_str());
                            o.push('.');
                        }),
                        Some(idx) => {
                            // Deduplicated and bounded like a path-level follow: chained `#*+`
                            // would otherwise multiply the list sizes.
                            let mut next = Unique::default();
                            for o in &objs {
                                for t in self.follow(o, st.name.as_str(), idx, segment, depth)? {
                                    next.push(self, t)?;
                                }
                            }
                            objs = next.list;
                        }
                    }
                }
                let mut any = false;
                for o in &objs {
                    if self.test_param(o, last, c, ci, consts, segment)? {
                        any = true;
                        break;
                    }
                }
                any
            };
            if !any {
                return Ok(false);
            }
        }
        Ok(true)
    }
}

impl<T: DataTree + ?Sized> Cx<'_, T> {
    /// Reads `last` of `o` and compares it with component `c`.
    fn test_param(
        &mut self,
        o: &str,
        last: &RelStep<'_>,
        c: &crate::ast::Component<'_>,
        ci: usize,
        consts: &mut [Option<TypedConstant>],
        segment: usize,
    ) -> Result<bool, ResolveError> {
        self.tick(1)?;
        let Some(v) = self.tree.param(o, last.name.as_str()) else {
            return Ok(false);
        };
        let tc = match consts.get_mut(ci) {
            Some(Some(tc)) if tc.param_type() == v.param_type() => tc,
            Some(slot) => slot.insert(check_constant(v.param_type(), c.op, &c.value).map_err(
                |error| ResolveError::Constant {
                    segment,
                    component: ci,
                    error,
                },
            )?),
            None => return Ok(false),
        };
        Ok(tc.matches(v.text()).unwrap_or(false))
    }
}

/// Paths in first-seen order without duplicates, bounded by `max_results`.
#[derive(Default)]
struct Unique {
    list: Vec<String>,
    seen: BTreeSet<String>,
}

impl Unique {
    fn push<T: DataTree + ?Sized>(
        &mut self,
        cx: &Cx<'_, T>,
        t: String,
    ) -> Result<(), ResolveError> {
        if !self.seen.contains(&t) {
            cx.check_results(self.list.len() + 1)?;
            self.seen.insert(t.clone());
            self.list.push(t);
        }
        Ok(())
    }
}

fn row(table: &str, n: u32) -> String {
    let mut s = String::with_capacity(table.len() + 11);
    s.push_str(table);
    push_instance(&mut s, n);
    s
}

/// Appends `n` and `.` without the formatting machinery.
fn push_instance(s: &mut String, n: u32) {
    let mut digits = [0u8; 10];
    let mut i = digits.len();
    let mut v = n;
    loop {
        i -= 1;
        if let Some(d) = digits.get_mut(i) {
            *d = b'0' + (v % 10) as u8;
        }
        v /= 10;
        if v == 0 || i == 0 {
            break;
        }
    }
    for d in digits.get(i..).unwrap_or(&[]) {
        s.push(char::from(*d));
    }
    s.push('.');
}

impl Path<'_> {
    /// Whether this concrete (or search) path falls under the supported-data-model path `sdm`:
    /// names equal, and each `{i}` of `sdm` lines up with an instance identifier of `self`
    /// (number, `*`, `[...]` or `{i}`); instance numbers in `sdm` must be equal. Following the
    /// GetSupportedDM rule that requests may omit a table's final `{i}.`, an object path ending
    /// at the table name (`Device.IP.Interface.`) also matches `Device.IP.Interface.{i}.`.
    /// Paths with a reference follow never match (their target is known only after resolution).
    ///
    /// ```
    /// use usp_path::Path;
    ///
    /// let sdm = Path::parse_supported("Device.IP.Interface.{i}.Name")?;
    /// assert!(Path::parse("Device.IP.Interface.3.Name")?.matches_supported(&sdm));
    /// assert!(Path::parse("Device.IP.Interface.*.Name")?.matches_supported(&sdm));
    /// assert!(!Path::parse("Device.IP.Interface.3.Status")?.matches_supported(&sdm));
    /// let table = Path::parse_supported("Device.IP.Interface.{i}.")?;
    /// assert!(Path::parse("Device.IP.Interface.")?.matches_supported(&table));
    /// # Ok::<(), usp_path::PathError>(())
    /// ```
    pub fn matches_supported(&self, sdm: &Path<'_>) -> bool {
        if self.target != sdm.target {
            return false;
        }
        let (a, b) = (&self.segments, &sdm.segments);
        let tail_ok = match b.len().checked_sub(a.len()) {
            Some(0) => true,
            Some(1) => {
                self.target == Target::Object
                    && matches!(b.last(), Some(Segment::Instance(Instance::Placeholder)))
                    && matches!(a.last(), Some(Segment::Object(_)))
            }
            _ => false,
        };
        tail_ok
            && a.iter().zip(b.iter()).all(|(x, y)| match (x, y) {
                (Segment::Object(m), Segment::Object(n)) => m == n,
                (Segment::Instance(_), Segment::Instance(Instance::Placeholder)) => true,
                (
                    Segment::Instance(Instance::Number(m)),
                    Segment::Instance(Instance::Number(n)),
                ) => m == n,
                _ => false,
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn instance_numbers_are_written_in_decimal() {
        for (n, s) in [
            (0, "T.0."),
            (7, "T.7."),
            (10, "T.10."),
            (u32::MAX, "T.4294967295."),
        ] {
            assert_eq!(row("T.", n), s);
        }
    }

    #[test]
    fn error_codes() {
        assert_eq!(ResolveError::ReferenceCycle.usp_error_code(), 7005);
        assert_eq!(ResolveError::Placeholder.usp_error_code(), 7008);
        assert_eq!(
            ResolveError::WorkLimit { max: 1 }.usp_error_code(),
            ResolveError::TooManyResults { max: 1 }.usp_error_code()
        );
    }
}
