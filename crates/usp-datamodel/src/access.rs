//! Access control: what the Controller sending a request may do (R-SEC.1; REQUIREMENTS §5.1,
//! the four permission kinds of TR-181 `Device.LocalAgent.ControllerTrust.Role.{i}.Permission.{i}`).

use alloc::string::String;
use alloc::vec::Vec;

use crate::schema::supported_form;

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
pub trait AccessControl {
    /// Permissions on parameter `param` of object `object`.
    fn param(&self, object: &str, param: &str) -> Perms;
    /// Permissions on object `object` (for Add: the table path `Device.IP.Interface.`).
    fn obj(&self, object: &str) -> Perms;
    /// Permissions on the instance `object` (`Device.IP.Interface.3.`).
    fn instance(&self, object: &str) -> Perms;
    /// Permissions on a command (`X()`) or event (`X!`) path.
    fn command_event(&self, path: &str) -> Perms;
}

/// Everything allowed: what [`crate::Engine::handle`] uses.
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
}

/// One `Permission` entry of a role: targets and the four permission strings.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Permission {
    /// Higher orders win within a role.
    pub order: u32,
    /// Target paths in supported form (`Device.`, `Device.IP.Interface.{i}.Alias`,
    /// `Device.Reboot()`); an object path covers its whole subtree.
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

    fn covers(&self, sdm: &str) -> bool {
        self.targets.iter().any(|t| {
            if t.ends_with('.') {
                sdm.starts_with(t.as_str())
            } else {
                sdm == t
            }
        })
    }
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
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Role {
    entries: Vec<Permission>,
}

impl Role {
    /// A role with `entries`.
    pub const fn new(entries: Vec<Permission>) -> Self {
        Self { entries }
    }

    fn pick(&self, sdm: &str, f: impl Fn(&Permission) -> Perms) -> Perms {
        self.entries
            .iter()
            .filter(|e| e.covers(sdm))
            .max_by_key(|e| e.order)
            .map_or(Perms::NONE, f)
    }
}

impl AccessControl for Role {
    fn param(&self, object: &str, param: &str) -> Perms {
        let mut s = supported_form(object);
        s.push_str(param);
        self.pick(&s, |e| e.param)
    }
    fn obj(&self, object: &str) -> Perms {
        self.pick(&supported_form(object), |e| e.obj)
    }
    fn instance(&self, object: &str) -> Perms {
        self.pick(&supported_form(object), |e| e.instance)
    }
    fn command_event(&self, path: &str) -> Perms {
        self.pick(&supported_form(path), |e| e.command_event)
    }
}

/// Several roles: the union of their permissions, letter by letter.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Roles(pub Vec<Role>);

impl AccessControl for Roles {
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
}
