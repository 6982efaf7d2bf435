//! Access control: what the Controller sending a request may do (R-SEC.1; REQUIREMENTS §5.1,
//! the four permission kinds of TR-181 `Device.LocalAgent.ControllerTrust.Role.{i}.Permission.{i}`).

use alloc::string::String;
use alloc::vec::Vec;

/// A set of the permission letters `r` (read), `w` (write), `x` (execute), `n` (notify).
///
/// ```
/// use usp_datamodel::Perms;
///
/// let p = Perms::parse("r-x-").unwrap();
/// assert!(p.contains(Perms::READ) && p.contains(Perms::EXEC) && !p.contains(Perms::WRITE));
/// assert_eq!(p.to_string(), "r-x-");
/// assert!(Perms::parse("rwz-").is_none());
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Perms(u8);

impl Perms {
    /// No permission (`----`).
    pub const NONE: Self = Self(0);
    /// `r`
    pub const READ: Self = Self(1);
    /// `w`
    pub const WRITE: Self = Self(2);
    /// `x`
    pub const EXEC: Self = Self(4);
    /// `n`
    pub const NOTIFY: Self = Self(8);
    /// `rwxn`
    pub const ALL: Self = Self(15);

    /// Parses the TR-181 four-character form: `r`, `w`, `x`, `n` in that order, `-` for absent.
    pub fn parse(s: &str) -> Option<Self> {
        let b = s.as_bytes();
        if b.len() != 4 {
            return None;
        }
        let mut p = 0u8;
        for (i, (&c, want)) in b.iter().zip(*b"rwxn").enumerate() {
            if c == want {
                p |= 1 << i;
            } else if c != b'-' {
                return None;
            }
        }
        Some(Self(p))
    }

    /// Whether every letter of `other` is in `self`.
    pub const fn contains(self, other: Self) -> bool {
        self.0 & other.0 == other.0
    }

    /// The letters of both.
    #[must_use]
    pub const fn union(self, other: Self) -> Self {
        Self(self.0 | other.0)
    }

    /// The letters in both.
    #[must_use]
    pub const fn intersection(self, other: Self) -> Self {
        Self(self.0 & other.0)
    }
}

impl core::fmt::Display for Perms {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        for (i, c) in "rwxn".chars().enumerate() {
            let on = self.0 & (1 << i) != 0;
            core::fmt::Write::write_char(f, if on { c } else { '-' })?;
        }
        Ok(())
    }
}

/// The permissions of the Controller a request comes from. Paths are concrete (instance
/// numbers) except in GetSupportedDM, where they are supported paths (`{i}`).
///
/// How the engine uses them (REQUIREMENTS §5.1 table):
///
/// | Kind | `r` | `w` | `x` |
/// |---|---|---|---|
/// | [`param`](AccessControl::param) | Get value (R-GET.4), search on it (R-GIN.0), GSDM (R-GSP.0), echoed in Set (R-SET.3), returned as unique key (R-ADD.6, R-GIN.1) | Set, Add (7006) | – |
/// | [`obj`](AccessControl::obj) | Get resolves the object (R-GET.1: 7026 when denied), GSDM | Add to the table (7006) | – |
/// | [`instance`](AccessControl::instance) | GetInstances (R-GIN.0), Delete reports (R-DEL.2, R-DEL.4) | Delete (7006, R-DEL.1) | – |
/// | [`command_event`](AccessControl::command_event) | GSDM | – | Operate |
///
/// Secured parameters (the schema's [`crate::ParamDef::secured`], such as passwords) read as
/// `""` unless [`secured`](AccessControl::secured) says the Controller holds a secured role
/// (TR-181 `SecuredRoles`) granting `r` on them (R-GET.4; REQUIREMENTS §5.1).
pub trait AccessControl {
    /// Permissions on parameter `param` of object `object`.
    fn param(&self, object: &str, param: &str) -> Perms;
    /// Permissions on object `object` (for Add: the table path `Device.IP.Interface.`).
    fn obj(&self, object: &str) -> Perms;
    /// Permissions on the instance `object` (`Device.IP.Interface.3.`).
    fn instance(&self, object: &str) -> Perms;
    /// Permissions on a command (`X()`) or event (`X!`) path.
    fn command_event(&self, path: &str) -> Perms;

    /// These permissions as [`Roles`] granting exactly the same on every data model path
    /// (`Device.…`), or `None` when they cannot be expressed so (the default).
    ///
    /// The USP Broker ([`crate::Agent`]) needs an owned copy: it checks a request for a USP
    /// Service before forwarding it, including search and wildcard paths whose instances it
    /// cannot see ([`Roles::every`]), and filters the service's reply when it arrives, after
    /// the call that gave the permissions has returned. Requests for USP Services from a
    /// Controller whose permissions return `None` are refused with 7006.
    fn to_roles(&self) -> Option<Roles> {
        None
    }

    /// Whether the Controller may see the value of the secured parameter `param` of `object`
    /// (TR-181 `SecuredRoles`, security.md): `true` only when a secured role it holds grants
    /// `r` on it. The engine asks only about parameters the schema marks secured, and only
    /// once [`param`](AccessControl::param) has made the parameter readable; when this is
    /// `false` the value reads as `""`, is not echoed, and a search on it matches nothing.
    ///
    /// The default is `false`: without secured roles (or when they are not implemented)
    /// secured values are hidden, as the spec requires. [`FullAccess`] keeps that default.
    fn secured(&self, object: &str, param: &str) -> bool {
        let _ = (object, param);
        false
    }
}

/// Everything allowed: what [`crate::Engine::handle`] uses. It holds no secured role, so
/// secured values still read as `""` ([`AccessControl::secured`]); give a Controller that may
/// see them a [`Roles`] with a secured role ([`Roles::with_secured`]).
#[derive(Clone, Copy, Debug, Default)]
pub struct FullAccess;

impl AccessControl for FullAccess {
    fn param(&self, _: &str, _: &str) -> Perms {
        Perms::ALL
    }
    fn obj(&self, _: &str) -> Perms {
        Perms::ALL
    }
    fn instance(&self, _: &str) -> Perms {
        Perms::ALL
    }
    fn command_event(&self, _: &str) -> Perms {
        Perms::ALL
    }
    fn to_roles(&self) -> Option<Roles> {
        let all = Perms::ALL;
        Some(Roles(alloc::vec![Role::new(alloc::vec![
            Permission::new(0, ["Device"]).with(all, all, all, all)
        ])]))
    }
}

/// Everything allowed, secured values included: the Agent's own view, for evaluating role
/// targets ([`Role::expand_searches`]). Never used to answer a Controller.
struct AgentView;

impl AccessControl for AgentView {
    fn param(&self, _: &str, _: &str) -> Perms {
        Perms::ALL
    }
    fn obj(&self, _: &str) -> Perms {
        Perms::ALL
    }
    fn instance(&self, _: &str) -> Perms {
        Perms::ALL
    }
    fn command_event(&self, _: &str) -> Perms {
        Perms::ALL
    }
    fn secured(&self, _: &str, _: &str) -> bool {
        true
    }
}

/// One `Permission` entry of a role: targets and the four permission strings.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Permission {
    /// Higher orders win within a role.
    pub order: u32,
    /// `Targets`: paths as TR-181 writes them (`Device`, `Device.IP.Interface.*.Alias`,
    /// `Device.IP.Interface.{i}.`, `Device.IP.Interface.2.`, `Device.Reboot()`); an object
    /// path, with or without the final dot, covers its whole subtree. See [`target_covers`].
    pub targets: Vec<String>,
    /// `Param`
    pub param: Perms,
    /// `Obj`
    pub obj: Perms,
    /// `InstantiatedObj`
    pub instance: Perms,
    /// `CommandEvent`
    pub command_event: Perms,
}

impl Permission {
    /// A permission entry with order `order` over `targets`, granting nothing yet.
    pub fn new<I, S>(order: u32, targets: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        Self {
            order,
            targets: targets.into_iter().map(Into::into).collect(),
            param: Perms::NONE,
            obj: Perms::NONE,
            instance: Perms::NONE,
            command_event: Perms::NONE,
        }
    }

    /// Sets the four permission sets (Param, Obj, InstantiatedObj, CommandEvent).
    #[must_use]
    pub const fn with(
        mut self,
        param: Perms,
        obj: Perms,
        instance: Perms,
        command_event: Perms,
    ) -> Self {
        self.param = param;
        self.obj = obj;
        self.instance = instance;
        self.command_event = command_event;
        self
    }

    fn covers(&self, path: &str) -> bool {
        self.targets.iter().any(|t| target_covers(t, path))
    }
}

/// Whether the `Targets` entry `t` covers `path` (concrete, or supported with `{i}` in
/// GetSupportedDM). A target is a partial path (with or without the final dot, covering its
/// subtree: `Device`, `Device.LocalAgent.ControllerTrust`, `Device.IP.Interface.`), a
/// parameter, command or event path; `*` and `{i}` match any instance number, a number only
/// that instance (and `{i}` in supported paths). Search expressions (`[Enable==true]`) never
/// match here: expand them against the data model first with [`Role::expand_searches`].
///
/// ```
/// use usp_datamodel::target_covers;
///
/// assert!(target_covers("Device", "Device.DeviceInfo.Manufacturer"));
/// assert!(target_covers("Device.LocalAgent.ControllerTrust", "Device.LocalAgent.ControllerTrust.Role.1."));
/// assert!(!target_covers("Device.LocalAgent.Controller", "Device.LocalAgent.ControllerTrust."));
/// assert!(target_covers("Device.IP.Interface.*.Name", "Device.IP.Interface.7.Name"));
/// assert!(target_covers("Device.IP.Interface.{i}.Name", "Device.IP.Interface.{i}.Name"));
/// assert!(target_covers("Device.IP.Interface.2.", "Device.IP.Interface.2.Stats.BytesSent"));
/// assert!(!target_covers("Device.IP.Interface.2.", "Device.IP.Interface.3.Name"));
/// assert!(target_covers("Device.Reboot()", "Device.Reboot()"));
/// assert!(!target_covers("Device.IP.Interface.[Enable==true].", "Device.IP.Interface.1."));
/// ```
pub fn target_covers(t: &str, path: &str) -> bool {
    let t = t.trim();
    if t.is_empty() || t.contains('[') {
        return false;
    }
    let t = t.strip_suffix('.').unwrap_or(t);
    let p = path.strip_suffix('.').unwrap_or(path);
    let mut ps = p.split('.');
    for ts in t.split('.') {
        let Some(seg) = ps.next() else {
            return false;
        };
        let instance =
            |s: &str| s == "{i}" || (!s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()));
        let ok = match ts {
            "*" | "{i}" => instance(seg),
            n if instance(n) => seg == n || seg == "{i}",
            n => seg == n,
        };
        if !ok {
            return false;
        }
    }
    true
}

/// A role: permission entries where, for each path, the matching entry with the highest
/// order decides; no matching entry means no permission. Several roles combine per letter
/// (union), as [`Roles`] does.
///
/// ```
/// use usp_datamodel::{AccessControl, Permission, Perms, Role};
///
/// let all = Perms::ALL;
/// let role = Role::new(vec![
///     Permission::new(1, ["Device."]).with(all, all, all, all),
///     Permission::new(2, ["Device.LocalAgent.Controller.{i}.Credential"])
///         .with(Perms::WRITE, all, all, all),
/// ]);
/// assert_eq!(role.param("Device.DeviceInfo.", "Manufacturer"), Perms::ALL);
/// assert_eq!(role.param("Device.LocalAgent.Controller.3.", "Credential"), Perms::WRITE);
/// assert_eq!(role.obj("Other."), Perms::NONE);
/// ```
///
/// A **secured role** ([`Role::new_secured`]; TR-181 `SecuredRoles`) grants access to the
/// values of secured parameters only: the `Param` `r` of its entries decides
/// [`AccessControl::secured`], and it grants nothing else — its entries are ignored for
/// every non-secured parameter (security.md: "any included Parameters that are not identified
/// as secured will be ignored"), for objects, instances, commands and events, and in
/// [`Role::every`]. Whether a secured parameter is returned at all is still decided by the
/// Controller's ordinary roles.
///
/// ```
/// use usp_datamodel::{AccessControl, Permission, Perms, Role};
///
/// let r = Perms::parse("r---").unwrap();
/// let secured = Role::new_secured(vec![
///     Permission::new(1, ["Device.LocalAgent.Controller."]).with(r, r, r, r),
/// ]);
/// assert!(secured.is_secured());
/// assert!(secured.secured("Device.LocalAgent.Controller.1.", "Credential"));
/// assert!(!secured.secured("Device.DeviceInfo.", "ProvisioningCode"));
/// // Nothing ordinary is granted.
/// assert_eq!(secured.param("Device.LocalAgent.Controller.1.", "EndpointID"), Perms::NONE);
/// assert_eq!(secured.obj("Device.LocalAgent.Controller.1."), Perms::NONE);
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Role {
    entries: Vec<Permission>,
    secured: bool,
}

impl Role {
    /// A role with `entries`.
    pub const fn new(entries: Vec<Permission>) -> Self {
        Self {
            entries,
            secured: false,
        }
    }

    /// A secured role (one listed in TR-181 `SecuredRoles`) with `entries`: see the type's
    /// documentation.
    pub const fn new_secured(entries: Vec<Permission>) -> Self {
        Self {
            entries,
            secured: true,
        }
    }

    /// Whether this is a secured role ([`Role::new_secured`]).
    pub const fn is_secured(&self) -> bool {
        self.secured
    }

    /// The permission entries.
    pub fn entries(&self) -> &[Permission] {
        &self.entries
    }

    /// A copy of the role with every search-expression target (`Device.IP.Interface.[Type==
    /// "Normal"].`, `....[Enable==true].Name`) replaced by the concrete instances it matches
    /// in `dm` now (REQUIREMENTS §5.1: "a search path covers the params it matches"). Call it
    /// again when the data model changes.
    pub fn expand_searches<M: crate::DataModel + ?Sized>(&self, dm: &M) -> Self {
        let cfg = crate::EngineConfig::default();
        let entries = self
            .entries
            .iter()
            .map(|e| {
                let mut e = e.clone();
                let mut targets = Vec::with_capacity(e.targets.len());
                for t in &e.targets {
                    if !t.contains('[') {
                        targets.push(t.clone());
                        continue;
                    }
                    let Ok(path) = usp_path::Path::parse(t.trim()) else {
                        continue;
                    };
                    let rest = match path.target() {
                        usp_path::Target::Object => String::new(),
                        usp_path::Target::Parameter(n) => String::from(n.as_str()),
                        usp_path::Target::Command(n) => alloc::format!("{n}()"),
                        usp_path::Target::Event(n) => alloc::format!("{n}!"),
                    };
                    if let Ok(m) = crate::engine::resolve::resolve_objects(
                        &cfg,
                        dm,
                        &AgentView,
                        &path,
                        crate::code::INVALID_PATH,
                    ) {
                        for h in m.hits {
                            let mut c = h.path;
                            c.push_str(&rest);
                            targets.push(c);
                        }
                    }
                }
                e.targets = targets;
                e
            })
            .collect();
        Self {
            entries,
            secured: self.secured,
        }
    }

    /// The permissions that hold on every path `pattern` stands for, of the kind `kind` picks
    /// from an entry (`|e| e.param`): `{i}` in `pattern` stands for every instance number,
    /// and the empty pattern for every path of the data model. For parameters the pattern is
    /// the object and parameter joined
    /// (`Device.IP.Interface.{i}.Name`). Used where the instances cannot be seen, such as a
    /// search path of a request the Broker forwards to a USP Service.
    ///
    /// Conservative: the entry with the highest order covering every such path (none: no
    /// permission) intersected with each entry of at least that order that covers some of
    /// them (such as a higher-order entry on one instance).
    ///
    /// ```
    /// use usp_datamodel::{Permission, Perms, Role};
    ///
    /// let rw = Perms::parse("rw--").unwrap();
    /// let r = Perms::parse("r---").unwrap();
    /// let role = Role::new(vec![
    ///     Permission::new(1, ["Device.IP.Interface.*."]).with(rw, rw, rw, rw),
    ///     Permission::new(2, ["Device.IP.Interface.2.Name"]).with(r, r, r, r),
    /// ]);
    /// // Instance 2's Name is read-only, so not every Name may be written.
    /// assert_eq!(role.every("Device.IP.Interface.{i}.Name", |e| e.param), r);
    /// assert_eq!(role.every("Device.IP.Interface.{i}.Enable", |e| e.param), rw);
    /// // Nothing covers Device.DeviceInfo., so not every path is readable.
    /// assert_eq!(role.every("", |e| e.param), Perms::NONE);
    /// ```
    ///
    /// A secured role answers [`Perms::NONE`]: it grants nothing on ordinary paths.
    pub fn every(&self, pattern: &str, kind: impl Fn(&Permission) -> Perms) -> Perms {
        if self.secured {
            return Perms::NONE;
        }
        let p = pattern.trim();
        let p = p.strip_suffix('.').unwrap_or(p);
        let (segs, subtree): (Vec<&str>, bool) = if p.is_empty() {
            (alloc::vec!["Device"], true)
        } else {
            (p.split('.').collect(), false)
        };
        let Some((gi, g)) = self
            .entries
            .iter()
            .enumerate()
            .filter(|(_, e)| e.targets.iter().any(|t| covers_all(t, &segs)))
            .max_by_key(|(_, e)| e.order)
        else {
            return Perms::NONE;
        };
        let mut out = kind(g);
        for (i, e) in self.entries.iter().enumerate() {
            if i != gi
                && e.order >= g.order
                && e.targets.iter().any(|t| may_cover(t, &segs, subtree))
            {
                out = out.intersection(kind(e));
            }
        }
        out
    }

    /// The permissions of kind `f` of the highest-order entry covering `path`, for an
    /// ordinary role (a secured role grants nothing ordinary).
    fn pick(&self, path: &str, f: impl Fn(&Permission) -> Perms) -> Perms {
        if self.secured {
            return Perms::NONE;
        }
        self.pick_any(path, f)
    }

    /// [`Role::pick`] whether secured or not.
    fn pick_any(&self, path: &str, f: impl Fn(&Permission) -> Perms) -> Perms {
        self.entries
            .iter()
            .filter(|e| e.covers(path))
            .max_by_key(|e| e.order)
            .map_or(Perms::NONE, f)
    }
}

impl AccessControl for Role {
    fn to_roles(&self) -> Option<Roles> {
        Some(Roles(alloc::vec![self.clone()]))
    }
    fn param(&self, object: &str, param: &str) -> Perms {
        let mut s = String::from(object);
        s.push_str(param);
        self.pick(&s, |e| e.param)
    }
    fn obj(&self, object: &str) -> Perms {
        self.pick(object, |e| e.obj)
    }
    fn instance(&self, object: &str) -> Perms {
        self.pick(object, |e| e.instance)
    }
    fn command_event(&self, path: &str) -> Perms {
        self.pick(path, |e| e.command_event)
    }
    fn secured(&self, object: &str, param: &str) -> bool {
        if !self.secured {
            return false;
        }
        let mut s = String::from(object);
        s.push_str(param);
        self.pick_any(&s, |e| e.param).contains(Perms::READ)
    }
}

/// An instance position of a target: `*`, `{i}` or a number.
fn target_instance(s: &str) -> bool {
    s == "*" || s == "{i}" || (!s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()))
}

/// Whether target `t` covers every path the pattern `segs` (with `{i}`) stands for.
fn covers_all(t: &str, segs: &[&str]) -> bool {
    let t = t.trim();
    if t.is_empty() || t.contains('[') {
        return false;
    }
    let t = t.strip_suffix('.').unwrap_or(t);
    let ts: Vec<&str> = t.split('.').collect();
    ts.len() <= segs.len()
        && ts.iter().zip(segs).all(|(&a, &b)| match a {
            "*" | "{i}" => b == "{i}" || (target_instance(b) && b != "*"),
            n => n == b,
        })
}

/// Whether target `t` covers some path the pattern `segs` (with `{i}`; `subtree`: and every
/// path below it) stands for.
fn may_cover(t: &str, segs: &[&str], subtree: bool) -> bool {
    let t = t.trim();
    if t.is_empty() || t.contains('[') {
        return false;
    }
    let t = t.strip_suffix('.').unwrap_or(t);
    let ts: Vec<&str> = t.split('.').collect();
    (subtree || ts.len() <= segs.len())
        && ts.iter().zip(segs).all(|(&a, &b)| {
            if b == "{i}" {
                target_instance(a)
            } else {
                a == b || ((a == "*" || a == "{i}") && target_instance(b))
            }
        })
}

/// Several roles: the union of their permissions, letter by letter. Secured roles among them
/// ([`Role::new_secured`]) decide [`AccessControl::secured`] (any of them granting `r` is
/// enough) and add nothing else.
///
/// ```
/// use usp_datamodel::{AccessControl, Permission, Perms, Role, Roles};
///
/// let all = Perms::ALL;
/// let full = Role::new(vec![Permission::new(1, ["Device."]).with(all, all, all, all)]);
/// let creds = Role::new(vec![
///     Permission::new(1, ["Device.LocalAgent.Controller.*.Credential"]).with(all, all, all, all),
/// ]);
/// let plain = Roles(vec![full.clone()]);
/// assert!(!plain.secured("Device.LocalAgent.Controller.1.", "Credential"));
/// let trusted = plain.with_secured(creds);
/// assert!(trusted.secured("Device.LocalAgent.Controller.1.", "Credential"));
/// assert_eq!(trusted.param("Device.DeviceInfo.", "SerialNumber"), Perms::ALL);
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Roles(pub Vec<Role>);

impl Roles {
    /// These roles and `role` as a secured role (whether or not it was built as one). From
    /// TR-181: add each role of the Controller's `Controller.{i}.AssignedRole` (and
    /// `InheritedRole`) that `ControllerTrust.SecuredRoles` lists with this method, the
    /// others as ordinary roles.
    #[must_use]
    pub fn with_secured(mut self, role: Role) -> Self {
        let mut role = role;
        role.secured = true;
        self.0.push(role);
        self
    }

    /// The union of [`Role::every`] over the roles: what holds on every path `pattern`
    /// stands for.
    pub fn every(&self, pattern: &str, kind: impl Fn(&Permission) -> Perms) -> Perms {
        self.0
            .iter()
            .fold(Perms::NONE, |a, r| a.union(r.every(pattern, &kind)))
    }
}

impl AccessControl for Roles {
    fn to_roles(&self) -> Option<Roles> {
        Some(self.clone())
    }
    fn param(&self, object: &str, param: &str) -> Perms {
        self.0
            .iter()
            .fold(Perms::NONE, |a, r| a.union(r.param(object, param)))
    }
    fn obj(&self, object: &str) -> Perms {
        self.0
            .iter()
            .fold(Perms::NONE, |a, r| a.union(r.obj(object)))
    }
    fn instance(&self, object: &str) -> Perms {
        self.0
            .iter()
            .fold(Perms::NONE, |a, r| a.union(r.instance(object)))
    }
    fn command_event(&self, path: &str) -> Perms {
        self.0
            .iter()
            .fold(Perms::NONE, |a, r| a.union(r.command_event(path)))
    }
    fn secured(&self, object: &str, param: &str) -> bool {
        self.0.iter().any(|r| r.secured(object, param))
    }
}
