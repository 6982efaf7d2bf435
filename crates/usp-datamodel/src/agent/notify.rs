//! Subscriptions (`Device.LocalAgent.Subscription.{i}.`) and Notify.

use alloc::collections::{BTreeMap, BTreeSet};
use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;

use usp_msg::pb;
use usp_msg::pb::notify::Notification;
use usp_path::{Path, Target};

use super::{Agent, Instant, Op, Outgoing, Pending};
use crate::access::{AccessControl as _, FullAccess};
use crate::code;
use crate::engine::EngineConfig;
use crate::engine::resolve::resolve_objects;
use crate::engine::{get, instances};
use crate::error::DmError;
use crate::model::DataModel;
use crate::schema::ValueChange;

/// The Subscription table.
pub(super) const SUB_TABLE: &str = "Device.LocalAgent.Subscription.";
/// The Subscription row's supported path.
const SUB_ROW: &str = "Device.LocalAgent.Subscription.{i}.";
/// TR-106 Unknown Time.
pub(super) const UNKNOWN_TIME: &str = "0001-01-01T00:00:00Z";
/// The Controller table.
const CTRL_TABLE: &str = "Device.LocalAgent.Controller.";
/// The Controller row's supported path.
const CTRL_ROW: &str = "Device.LocalAgent.Controller.{i}.";

/// A Subscription's `NotifType`, and what its `ReferenceList` (comma-separated paths) selects.
///
/// - `ValueChange`: parameter paths, searches, or object paths (every parameter below).
///   A parameter whose schema says [`ValueChange::WillIgnore`] never notifies. Changes are
///   found by comparing values with a snapshot taken when the subscription was first seen:
///   after every Set, Add, Delete and Operate handled by the Agent, on
///   [`Agent::poll_changes`], and for one parameter on [`Agent::value_changed`]. Values of
///   rows created later are watched from their first poll on.
/// - `ObjectCreation`: table paths (or searches over tables); a row created since the last
///   look notifies with its unique keys. A row that merely starts matching a search
///   (`Device.IP.Interface.[Enable==true].` when Enable is set) existed before and does not.
/// - `ObjectDeletion`: instance paths, wildcards or searches, or table paths; a matching row
///   that is deleted notifies, also when it went with a deleted parent. A row that merely
///   stops matching a search still exists and does not.
/// - `OperationComplete`: command paths, searches, or object paths (every command below),
///   matched when an asynchronous operation ends.
/// - `Event`: event paths, searches, or object paths (every event below), matched on
///   [`Agent::event`].
///
/// ```
/// use usp_datamodel::NotifyKind;
///
/// assert_eq!(NotifyKind::parse("ObjectCreation"), Some(NotifyKind::ObjectCreation));
/// assert_eq!(NotifyKind::Event.as_str(), "Event");
/// assert_eq!(NotifyKind::parse("Periodic"), None);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum NotifyKind {
    /// `ValueChange`
    ValueChange,
    /// `ObjectCreation`
    ObjectCreation,
    /// `ObjectDeletion`
    ObjectDeletion,
    /// `OperationComplete`
    OperationComplete,
    /// `Event`
    Event,
}

impl NotifyKind {
    /// Parses a `NotifType` value.
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "ValueChange" => Self::ValueChange,
            "ObjectCreation" => Self::ObjectCreation,
            "ObjectDeletion" => Self::ObjectDeletion,
            "OperationComplete" => Self::OperationComplete,
            "Event" => Self::Event,
            _ => return None,
        })
    }

    /// The `NotifType` value.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::ValueChange => "ValueChange",
            Self::ObjectCreation => "ObjectCreation",
            Self::ObjectDeletion => "ObjectDeletion",
            Self::OperationComplete => "OperationComplete",
            Self::Event => "Event",
        }
    }

    const fn polled(self) -> bool {
        matches!(
            self,
            Self::ValueChange | Self::ObjectCreation | Self::ObjectDeletion
        )
    }
}

/// A Subscription's `TriggerAction`: what the Agent does when the subscription fires.
///
/// `Config` and `NotifyAndConfig` apply the row's `TriggerConfigSettings`: a comma-separated
/// list of at most [`TriggerAction::MAX_SETTINGS`] `Param=Value` entries, each naming a
/// writable parameter by its full path with instance numbers
/// (`Device.BulkData.Profile.1.Enable=true`). The entries are checked when the row is
/// written (Add or Set through [`Agent::handle`]): a malformed entry, an unknown or read-only
/// parameter or a value of the wrong type makes the write fail with 7012. When the
/// subscription fires they are applied as one Set through the engine, all or nothing, with
/// the Recipient Controller's permissions (its roles from [`Agent::set_controller_roles`],
/// everything if none); a Set that fails (a row deleted since, a value no longer allowed)
/// changes nothing and is not reported.
///
/// ```
/// use usp_datamodel::TriggerAction;
///
/// assert_eq!(TriggerAction::parse("NotifyAndConfig"), Some(TriggerAction::NotifyAndConfig));
/// assert_eq!(TriggerAction::default(), TriggerAction::Notify);
/// assert!(TriggerAction::Config.configures() && !TriggerAction::Config.notifies());
/// assert_eq!(TriggerAction::parse("Reboot"), None);
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum TriggerAction {
    /// `Notify` (the default, also for an empty or unknown value): send the Notify.
    #[default]
    Notify,
    /// `Config`: apply `TriggerConfigSettings` and send no Notify.
    Config,
    /// `NotifyAndConfig`: both.
    NotifyAndConfig,
}

impl TriggerAction {
    /// The most entries `TriggerConfigSettings` may hold (TR-181).
    pub const MAX_SETTINGS: usize = 16;

    /// Parses a `TriggerAction` value.
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "Notify" => Self::Notify,
            "Config" => Self::Config,
            "NotifyAndConfig" => Self::NotifyAndConfig,
            _ => return None,
        })
    }

    /// The `TriggerAction` value.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Notify => "Notify",
            Self::Config => "Config",
            Self::NotifyAndConfig => "NotifyAndConfig",
        }
    }

    /// Whether a Notify is sent.
    pub const fn notifies(self) -> bool {
        matches!(self, Self::Notify | Self::NotifyAndConfig)
    }

    /// Whether `TriggerConfigSettings` is applied.
    pub const fn configures(self) -> bool {
        matches!(self, Self::Config | Self::NotifyAndConfig)
    }
}

/// Parses and checks a `TriggerConfigSettings` value: `(object, parameter, value)` per entry,
/// the value in canonical form. Errors are 7012 (the whole list is the invalid value).
fn trigger_settings(
    schema: &crate::Schema,
    text: &str,
) -> Result<Vec<(String, String, String)>, DmError> {
    let bad = |what: String| {
        DmError::new(
            code::INVALID_VALUE,
            format!("TriggerConfigSettings: {what}"),
        )
    };
    let mut out = Vec::new();
    for item in usp_path::value::split_list(text) {
        if out.len() == TriggerAction::MAX_SETTINGS {
            return Err(bad(format!(
                "at most {} entries allowed",
                TriggerAction::MAX_SETTINGS
            )));
        }
        let Some((path, value)) = item.split_once('=') else {
            return Err(bad(format!("{item:?} is not Param=Value")));
        };
        let path = path.trim();
        let concrete = !path.is_empty()
            && !path
                .bytes()
                .any(|b| matches!(b, b'*' | b'[' | b']' | b'{' | b'}' | b'#' | b'+'));
        let split = path.rfind('.').map(|i| path.split_at(i + 1));
        let def = split.filter(|_| concrete).and_then(|(obj, name)| {
            schema
                .object_for_path(obj)
                .filter(|o| !(o.is_multi_instance() && crate::memory::split_row(obj).is_none()))
                .and_then(|o| o.params.get(name))
        });
        let (Some((obj, name)), Some(def)) = (split, def) else {
            return Err(bad(format!(
                "{path:?} is not a parameter path with instance numbers"
            )));
        };
        if !def.access.is_writable() {
            return Err(bad(format!("{path} is not writable")));
        }
        let value = def
            .check_value(value)
            .map_err(|e| bad(format!("{path}: {}", e.msg())))?;
        out.push((String::from(obj), String::from(name), value));
    }
    Ok(out)
}

/// What the Agent remembers of one Subscription row.
#[derive(Clone, Debug)]
pub(super) struct Sub {
    enabled: bool,
    id: String,
    recipient: String,
    kind: Option<NotifyKind>,
    refs: String,
    retry: bool,
    expiration: u64,
    pub(super) deadline: Option<Instant>,
    /// ValueChange: `path.Param` → value; ObjectCreation/Deletion: row → unique keys.
    snap: BTreeMap<String, Snap>,
    /// ObjectCreation with a search in its ReferenceList: every row of the searched tables,
    /// matching or not, so a row that starts matching is not taken for a new one.
    exist: Option<BTreeSet<String>>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum Snap {
    Value(String),
    Keys(BTreeMap<String, String>),
}

pub(super) fn read_bool<M: DataModel + ?Sized>(dm: &M, row: &str, p: &str) -> bool {
    dm.get(row, p)
        .is_some_and(|v| matches!(v.trim(), "true" | "1"))
}

fn read_str<M: DataModel + ?Sized>(dm: &M, row: &str, p: &str) -> String {
    dm.get(row, p).map(Into::into).unwrap_or_default()
}

fn read_u64<M: DataModel + ?Sized>(dm: &M, row: &str, p: &str, default: u64) -> u64 {
    dm.get(row, p)
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(default)
}

fn refs_of(refs: &str) -> impl Iterator<Item = &str> {
    refs.split(',').map(str::trim).filter(|s| !s.is_empty())
}

/// A reference value (`Device.LocalAgent.Controller.1`) as an object path with a final dot.
fn as_object(r: &str) -> String {
    let mut s = String::from(r.trim());
    if !s.is_empty() && !s.ends_with('.') {
        s.push('.');
    }
    s
}

/// Takes the snapshot a polled subscription is compared with.
fn snapshot<M: DataModel + ?Sized>(
    cfg: &EngineConfig,
    dm: &M,
    kind: NotifyKind,
    refs: &str,
) -> BTreeMap<String, Snap> {
    let mut out = BTreeMap::new();
    let paths: Vec<String> = refs_of(refs).map(String::from).collect();
    if paths.is_empty() {
        return out;
    }
    match kind {
        NotifyKind::ValueChange => {
            let g = pb::Get {
                param_paths: paths,
                max_depth: 0,
            };
            let schema = dm.schema();
            for r in get::get(cfg, dm, &FullAccess, &g).req_path_results {
                for res in r.resolved_path_results {
                    let obj = schema.object_for_path(&res.resolved_path);
                    for (p, v) in res.result_params {
                        let ignore = obj
                            .and_then(|o| o.params.get(p.as_str()))
                            .is_some_and(|d| d.value_change == ValueChange::WillIgnore);
                        if !ignore {
                            out.insert(format!("{}{p}", res.resolved_path), Snap::Value(v));
                        }
                    }
                }
            }
        }
        NotifyKind::ObjectCreation | NotifyKind::ObjectDeletion => {
            let g = pb::GetInstances {
                obj_paths: paths,
                first_level_only: true,
            };
            for r in instances::get_instances(cfg, dm, &FullAccess, &g).req_path_results {
                for i in r.curr_insts {
                    out.insert(i.instantiated_obj_path, Snap::Keys(i.unique_keys));
                }
            }
        }
        NotifyKind::OperationComplete | NotifyKind::Event => {}
    }
    out
}

/// `path` with every `[...]` (search or unique-key address) widened to `*`.
fn widen(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    let mut depth = 0u32;
    let mut quoted = false;
    for c in path.chars() {
        match (depth, c) {
            (0, '[') => {
                depth = 1;
                out.push('*');
            }
            (0, c) => out.push(c),
            (_, '"') => quoted = !quoted,
            (_, '[') if !quoted => depth = depth.saturating_add(1),
            (_, ']') if !quoted => depth -= 1,
            _ => {}
        }
    }
    out
}

/// For an ObjectCreation ReferenceList with a search: every existing row of the tables it
/// searches (the search widened to `*`); `None` without a search.
fn existing<M: DataModel + ?Sized>(
    cfg: &EngineConfig,
    dm: &M,
    kind: NotifyKind,
    refs: &str,
) -> Option<BTreeSet<String>> {
    if kind != NotifyKind::ObjectCreation || !refs.contains('[') {
        return None;
    }
    let g = pb::GetInstances {
        obj_paths: refs_of(refs).map(widen).collect(),
        first_level_only: true,
    };
    let rows = instances::get_instances(cfg, dm, &FullAccess, &g)
        .req_path_results
        .into_iter()
        .flat_map(|r| r.curr_insts)
        .map(|i| i.instantiated_obj_path)
        .collect();
    Some(rows)
}

/// Whether the row `path` (`Device.IP.Interface.3.`) exists.
fn row_exists<M: DataModel + ?Sized>(dm: &M, path: &str) -> bool {
    crate::memory::split_row(path).is_some_and(|(t, n)| dm.has_instance(t, n))
}

/// Whether `refs` selects the command or event `name` (bare, without `()`/`!`) of `obj_path`.
fn refs_match<M: DataModel + ?Sized>(
    cfg: &EngineConfig,
    dm: &M,
    refs: &str,
    obj_path: &str,
    name: &str,
    is_cmd: bool,
) -> bool {
    refs_of(refs).any(|r| {
        let Ok(p) = Path::parse(r) else {
            return false;
        };
        let whole = match p.target() {
            Target::Object => true,
            Target::Command(n) if is_cmd && n.as_str() == name => false,
            Target::Event(n) if !is_cmd && n.as_str() == name => false,
            _ => return false,
        };
        resolve_objects(cfg, dm, &FullAccess, &p, code::INVALID_PATH).is_ok_and(|m| {
            m.hits.iter().any(|h| {
                if whole {
                    obj_path.starts_with(h.path.as_str())
                } else {
                    h.path == obj_path
                }
            })
        })
    })
}

impl Agent {
    /// Reads the Subscription rows: new rows get a baseline (and their TimeToLive deadline),
    /// changed ones a new baseline, vanished ones are forgotten; rows whose Recipient
    /// Controller was deleted are deleted.
    pub(super) fn sync_subscriptions<M: DataModel + ?Sized>(&mut self, now: Instant, dm: &mut M) {
        let mut rows = Vec::new();
        dm.instances(SUB_TABLE, &mut rows);
        rows.truncate(self.cfg.max_subs);
        let mut seen = BTreeSet::new();
        let mut orphaned = Vec::new();
        let mut stamp = Vec::new();
        for n in rows {
            let row = format!("{SUB_TABLE}{n}.");
            let enabled = read_bool(dm, &row, "Enable");
            let recipient = read_str(dm, &row, "Recipient");
            let kind = NotifyKind::parse(read_str(dm, &row, "NotifType").trim());
            let refs = read_str(dm, &row, "ReferenceList");
            let id = read_str(dm, &row, "ID");
            let retry = read_bool(dm, &row, "NotifRetry");
            let expiration = read_u64(dm, &row, "NotifExpiration", 0);
            let rebase = match self.subs.get(&row) {
                Some(s) if !s.recipient.is_empty() && recipient.is_empty() => {
                    // The strong reference emptied: the Controller is gone (TP 1.78).
                    orphaned.push(row);
                    continue;
                }
                Some(s) => s.enabled != enabled || s.kind != kind || s.refs != refs,
                None => true,
            };
            seen.insert(row.clone());
            let snap = match kind {
                Some(k) if rebase && enabled && k.polled() => Some((
                    snapshot(self.engine.config(), dm, k, &refs),
                    existing(self.engine.config(), dm, k, &refs),
                )),
                _ if rebase => Some((BTreeMap::new(), None)),
                _ => None,
            };
            let ttl = read_u64(dm, &row, "TimeToLive", 0);
            let is_new = !self.subs.contains_key(&row);
            if is_new && !self.booting {
                stamp.push(row.clone());
            }
            // TimeToLive counts from the row's creation: a row surviving a restart has lived
            // since its CreationDate when the wall clock tells how long ago that was.
            let age = if is_new && self.booting && ttl > 0 {
                self.age_secs(now, read_str(dm, &row, "CreationDate").trim())
            } else {
                0
            };
            let s = self.subs.entry(row).or_insert_with(|| Sub {
                enabled,
                id: String::new(),
                recipient: String::new(),
                kind,
                refs: String::new(),
                retry,
                expiration,
                deadline: (ttl > 0).then(|| now.plus_secs(ttl.saturating_sub(age))),
                snap: BTreeMap::new(),
                exist: None,
            });
            s.enabled = enabled;
            s.id = id;
            s.recipient = recipient;
            s.kind = kind;
            s.refs = refs;
            s.retry = retry;
            s.expiration = expiration;
            if let Some((snap, exist)) = snap {
                s.snap = snap;
                s.exist = exist;
            }
        }
        self.subs.retain(|k, _| seen.contains(k));
        self.stamp_creation_dates(now, dm, &stamp);
        if !orphaned.is_empty() {
            dm.begin();
            for row in &orphaned {
                let _ = dm.delete(row);
            }
            dm.commit();
        }
    }

    /// Sets `CreationDate` of the new Subscription `rows` (first seen at `now`) from the wall
    /// clock ([`Agent::set_wall_clock`]), unless they already carry a known time; without a
    /// wall clock an empty value becomes the Unknown Time.
    fn stamp_creation_dates<M: DataModel + ?Sized>(
        &self,
        now: Instant,
        dm: &mut M,
        rows: &[String],
    ) {
        let has_param = dm
            .schema()
            .object(SUB_ROW)
            .is_some_and(|o| o.params.contains_key("CreationDate"));
        if rows.is_empty() || !has_param {
            return;
        }
        let date = self.date_time_at(now);
        let mut writes = Vec::new();
        for row in rows {
            let cur = read_str(dm, row, "CreationDate");
            let cur = cur.trim();
            match &date {
                Some(d) if cur.is_empty() || cur == UNKNOWN_TIME => writes.push((row, d.as_str())),
                None if cur.is_empty() => writes.push((row, UNKNOWN_TIME)),
                _ => {}
            }
        }
        if writes.is_empty() {
            return;
        }
        dm.begin();
        for (row, d) in writes {
            let _ = dm.set(row, "CreationDate", d);
        }
        dm.commit();
    }

    /// Finds data model changes by comparing with the subscriptions' snapshots and queues a
    /// ValueChange, ObjectCreation or ObjectDeletion Notify for each (R-NOT.0a: in the same
    /// call). The Agent calls it after every Set, Add, Delete and Operate it handles; call it
    /// after changing the data model yourself (or periodically, to poll). Also picks up new,
    /// changed and deleted Subscription rows.
    ///
    /// Changes made by a subscription's `Config` [`TriggerAction`] are looked for again at
    /// once, up to [`Agent::MAX_CONFIG_CASCADE`] passes in all (so subscriptions configuring
    /// each other cannot loop); what the last pass's configuration changed is found by the
    /// next call.
    pub fn poll_changes<M: DataModel + ?Sized>(&mut self, now: Instant, dm: &mut M) {
        for _ in 0..Self::MAX_CONFIG_CASCADE {
            if !self.poll_pass(now, dm) {
                break;
            }
        }
    }

    /// One pass of [`Agent::poll_changes`]; whether a `Config` trigger changed the model.
    fn poll_pass<M: DataModel + ?Sized>(&mut self, now: Instant, dm: &mut M) -> bool {
        let mut changed = false;
        let rows: Vec<String> = self
            .subs
            .iter()
            .filter(|(_, s)| s.enabled && s.kind.is_some_and(NotifyKind::polled))
            .map(|(r, _)| r.clone())
            .collect();
        for row in rows {
            let Some(s) = self.subs.get(&row) else {
                continue;
            };
            let Some(kind) = s.kind else { continue };
            let new = snapshot(self.engine.config(), dm, kind, &s.refs);
            let exist = existing(self.engine.config(), dm, kind, &s.refs);
            let mut notes = Vec::new();
            match kind {
                NotifyKind::ValueChange => {
                    for (k, v) in &new {
                        let changed = matches!(s.snap.get(k), Some(old) if old != &new[k]);
                        if let (true, Snap::Value(v)) = (changed, v) {
                            notes.push(Notification::ValueChange(pb::notify::ValueChange {
                                param_path: k.clone(),
                                param_value: v.clone(),
                            }));
                        }
                    }
                }
                NotifyKind::ObjectCreation => {
                    // Only rows created since: a row that starts matching a search (its
                    // Enable set) existed before and is not new.
                    for (k, v) in &new {
                        let existed = s.exist.as_ref().is_some_and(|e| e.contains(k));
                        if !s.snap.contains_key(k) && !existed {
                            let unique_keys = match v {
                                Snap::Keys(u) => u.clone(),
                                Snap::Value(_) => BTreeMap::new(),
                            };
                            notes.push(Notification::ObjCreation(pb::notify::ObjectCreation {
                                obj_path: k.clone(),
                                unique_keys,
                            }));
                        }
                    }
                }
                _ => {
                    // Only rows deleted since: a row that stops matching a search still
                    // exists and is not reported.
                    for k in s.snap.keys() {
                        if !new.contains_key(k) && !row_exists(dm, k) {
                            notes.push(Notification::ObjDeletion(pb::notify::ObjectDeletion {
                                obj_path: k.clone(),
                            }));
                        }
                    }
                }
            }
            if let Some(s) = self.subs.get_mut(&row) {
                s.snap = new;
                s.exist = exist;
            }
            for n in notes {
                changed |= self.emit(now, dm, &row, n);
            }
        }
        self.sync_subscriptions(now, dm);
        self.sync_onboarding(now, dm);
        changed
    }

    /// Tells the Agent that parameter `param` of `object` (`Device.DeviceInfo.`, `UpTime`)
    /// changed outside [`Agent::handle`]: each enabled ValueChange subscription watching it
    /// gets a Notify with the current value. Cheaper than [`Agent::poll_changes`] when the
    /// integrator knows what changed.
    pub fn value_changed<M: DataModel + ?Sized>(
        &mut self,
        now: Instant,
        dm: &mut M,
        object: &str,
        param: &str,
    ) {
        let key = format!("{object}{param}");
        let Some(value) = dm.get(object, param).map(String::from) else {
            return;
        };
        let mut hit = Vec::new();
        for (row, s) in &mut self.subs {
            if !s.enabled || s.kind != Some(NotifyKind::ValueChange) {
                continue;
            }
            match s.snap.get_mut(&key) {
                Some(Snap::Value(old)) if *old != value => {
                    old.clone_from(&value);
                    hit.push(row.clone());
                }
                _ => {}
            }
        }
        let mut changed = false;
        for row in hit {
            changed |= self.emit(
                now,
                dm,
                &row,
                Notification::ValueChange(pb::notify::ValueChange {
                    param_path: key.clone(),
                    param_value: value.clone(),
                }),
            );
        }
        if changed {
            self.poll_changes(now, dm);
        }
    }

    /// Reports event `event` (`Boot!`) of object `obj_path` (`Device.`) with its arguments:
    /// each enabled Event subscription whose ReferenceList selects it gets a Notify.
    pub fn event<M: DataModel + ?Sized>(
        &mut self,
        now: Instant,
        dm: &mut M,
        obj_path: &str,
        event: &str,
        params: BTreeMap<String, String>,
    ) {
        let name = event.strip_suffix('!').unwrap_or(event);
        let rows = self.matching(now, dm, NotifyKind::Event, obj_path, name, false);
        let mut changed = false;
        for row in rows {
            changed |= self.emit(
                now,
                dm,
                &row,
                Notification::Event(pb::notify::Event {
                    obj_path: String::from(obj_path),
                    event_name: format!("{name}!"),
                    params: params.clone(),
                }),
            );
        }
        if changed {
            self.poll_changes(now, dm);
        }
    }

    /// Sends an OnBoardRequest Notify to the Controller with Endpoint ID `to` (R-NOT.5):
    /// `subscription_id` is `""`, `send_resp` is true and it is retried until a NotifyResp
    /// arrives, without expiry (R-NOT.6, R-NOT.6a).
    pub fn send_onboard_request<M: DataModel + ?Sized>(
        &mut self,
        now: Instant,
        dm: &M,
        to: &str,
        oui: &str,
        product_class: &str,
        serial_number: &str,
    ) {
        let n = Notification::OnBoardReq(pb::notify::OnBoardRequest {
            oui: String::from(oui),
            product_class: String::from(product_class),
            serial_number: String::from(serial_number),
            agent_supported_protocol_versions: String::from(
                self.engine.config().agent_supported_protocol_versions(),
            ),
        });
        let ctrl = self.controller_by_endpoint(dm, to);
        self.send_notify(now, dm, String::from(to), &ctrl, String::new(), true, 0, n);
    }

    /// R-NOT.5 (3): every enabled Controller row whose `OnBoardingComplete` (when the schema
    /// has it) is false gets an OnBoardRequest when the Agent first sees it false (at
    /// [`Agent::boot`], or when it changes to false), and again `OnBoardingRestartTime`
    /// seconds (when the schema has it and it is above 0) after the NotifyResp of the last
    /// one while it stays false.
    pub(super) fn sync_onboarding<M: DataModel + ?Sized>(&mut self, now: Instant, dm: &M) {
        let has = |p: &str| {
            dm.schema()
                .object(CTRL_ROW)
                .is_some_and(|o| o.params.contains_key(p))
        };
        if !has("OnBoardingComplete") {
            return;
        }
        let check_enable = has("Enable");
        let mut rows = Vec::new();
        dm.instances(CTRL_TABLE, &mut rows);
        let mut waiting = BTreeSet::new();
        let mut send = Vec::new();
        for n in rows {
            let row = format!("{CTRL_TABLE}{n}.");
            let enabled = !check_enable || read_bool(dm, &row, "Enable");
            if !enabled || read_bool(dm, &row, "OnBoardingComplete") {
                continue;
            }
            if !self.onboarding.contains_key(&row) {
                send.push(row.clone());
            }
            waiting.insert(row);
        }
        self.onboarding.retain(|r, _| waiting.contains(r));
        for row in send {
            self.onboard(now, dm, &row);
        }
    }

    /// Sends an OnBoardRequest to the Controller row `row` (with
    /// `Device.DeviceInfo.{ManufacturerOUI, ProductClass, SerialNumber}`) and records it as
    /// waiting for onboarding.
    pub(super) fn onboard<M: DataModel + ?Sized>(&mut self, now: Instant, dm: &M, row: &str) {
        let Some(ep) = dm.get(row, "EndpointID").map(String::from) else {
            return;
        };
        let info = |p: &str| {
            dm.get("Device.DeviceInfo.", p)
                .map(String::from)
                .unwrap_or_default()
        };
        let (oui, pc, sn) = (
            info("ManufacturerOUI"),
            info("ProductClass"),
            info("SerialNumber"),
        );
        self.onboarding.insert(String::from(row), None);
        self.send_onboard_request(now, dm, &ep, &oui, &pc, &sn);
    }

    /// The NotifyResp for the OnBoardRequest `p` arrived: while the Controller's
    /// `OnBoardingComplete` stays false, another follows `OnBoardingRestartTime` seconds later.
    pub(super) fn onboard_answered<M: DataModel + ?Sized>(
        &mut self,
        now: Instant,
        dm: &M,
        p: &Pending,
    ) {
        let is_onboard = matches!(
            p.msg.body.as_ref().and_then(|b| b.msg_body.as_ref()),
            Some(pb::body::MsgBody::Request(pb::Request {
                req_type: Some(pb::request::ReqType::Notify(pb::Notify {
                    notification: Some(Notification::OnBoardReq(_)),
                    ..
                })),
            }))
        );
        if !is_onboard {
            return;
        }
        let row = self.controller_by_endpoint(dm, &p.to);
        let restart = read_u64(dm, &row, "OnBoardingRestartTime", 0);
        if let Some(at) = self.onboarding.get_mut(&row) {
            *at = (restart > 0).then(|| now.plus_secs(restart));
        }
    }

    /// Resends the OnBoardRequests whose `OnBoardingRestartTime` passed.
    pub(super) fn onboard_restarts<M: DataModel + ?Sized>(&mut self, now: Instant, dm: &M) {
        let due: Vec<String> = self
            .onboarding
            .iter()
            .filter(|(_, at)| at.is_some_and(|t| t <= now))
            .map(|(r, _)| r.clone())
            .collect();
        for row in due {
            let still = !read_bool(dm, &row, "OnBoardingComplete");
            if still {
                self.onboard(now, dm, &row);
            } else {
                self.onboarding.remove(&row);
            }
        }
    }

    /// Sends OperationComplete for the finished operation `o`.
    pub(super) fn operation_complete<M: DataModel + ?Sized>(
        &mut self,
        now: Instant,
        dm: &mut M,
        o: &Op,
        result: Result<BTreeMap<String, String>, DmError>,
    ) {
        use pb::notify::operation_complete::{CommandFailure, OperationResp, OutputArgs};
        let name = o.command_name.strip_suffix("()").unwrap_or(&o.command_name);
        let rows = self.matching(
            now,
            dm,
            NotifyKind::OperationComplete,
            &o.obj_path,
            name,
            true,
        );
        let resp = match result {
            Ok(output_args) => OperationResp::ReqOutputArgs(OutputArgs { output_args }),
            Err(e) => OperationResp::CmdFailure(CommandFailure {
                err_code: e.code(),
                err_msg: String::from(e.msg()),
            }),
        };
        let mut changed = false;
        for row in rows {
            changed |= self.emit(
                now,
                dm,
                &row,
                Notification::OperComplete(pb::notify::OperationComplete {
                    obj_path: o.obj_path.clone(),
                    command_name: o.command_name.clone(),
                    command_key: o.command_key.clone(),
                    operation_resp: Some(resp.clone()),
                }),
            );
        }
        if changed {
            self.poll_changes(now, dm);
        }
    }

    fn matching<M: DataModel + ?Sized>(
        &mut self,
        now: Instant,
        dm: &mut M,
        kind: NotifyKind,
        obj_path: &str,
        name: &str,
        is_cmd: bool,
    ) -> Vec<String> {
        self.sync_subscriptions(now, dm);
        self.subs
            .iter()
            .filter(|(_, s)| s.enabled && s.kind == Some(kind))
            .filter(|(_, s)| refs_match(self.engine.config(), dm, &s.refs, obj_path, name, is_cmd))
            .map(|(r, _)| r.clone())
            .collect()
    }

    /// Fires subscription `row` with notification `n`: queues the Notify to its Recipient
    /// and/or applies its `TriggerConfigSettings`, per its [`TriggerAction`]. Returns whether
    /// the data model was changed.
    fn emit<M: DataModel + ?Sized>(
        &mut self,
        now: Instant,
        dm: &mut M,
        row: &str,
        n: Notification,
    ) -> bool {
        let Some(s) = self.subs.get(row) else {
            return false;
        };
        let ctrl = as_object(&s.recipient);
        if ctrl.is_empty() {
            return false;
        }
        let Some(to) = dm.get(&ctrl, "EndpointID").map(String::from) else {
            return false;
        };
        let (id, retry, exp) = (s.id.clone(), s.retry, s.expiration);
        let action =
            TriggerAction::parse(read_str(dm, row, "TriggerAction").trim()).unwrap_or_default();
        if action.notifies() && self.may_notify(&to, &n) {
            let n = self.hide_secured(dm, &to, n);
            self.send_notify(now, dm, to.clone(), &ctrl, id, retry, exp, n);
        }
        action.configures() && self.apply_trigger_config(dm, row, &to)
    }

    /// A ValueChange of a `secured` parameter carries `""` unless a secured role recorded for
    /// `to` ([`Agent::set_controller_roles`], [`crate::Roles::with_secured`]) lets it read the
    /// value, as a Get would (a Controller without recorded roles reads `""`, as with
    /// [`crate::FullAccess`]).
    fn hide_secured<M: DataModel + ?Sized>(
        &self,
        dm: &M,
        to: &str,
        n: Notification,
    ) -> Notification {
        let Notification::ValueChange(mut v) = n else {
            return n;
        };
        let cut = v.param_path.rfind('.').map_or(0, |i| i + 1);
        let (obj, param) = v.param_path.split_at(cut);
        let secured = dm
            .schema()
            .object_for_path(obj)
            .and_then(|o| o.params.get(param))
            .is_some_and(|p| p.secured);
        if secured && !self.roles.get(to).is_some_and(|r| r.secured(obj, param)) {
            v.param_value.clear();
        }
        Notification::ValueChange(v)
    }

    /// Applies `TriggerConfigSettings` of `row` as one all-or-nothing Set with the
    /// permissions of the Controller `to`. Returns whether it succeeded.
    fn apply_trigger_config<M: DataModel + ?Sized>(&self, dm: &mut M, row: &str, to: &str) -> bool {
        let text = read_str(dm, row, "TriggerConfigSettings");
        let Ok(items) = trigger_settings(dm.schema(), &text) else {
            return false;
        };
        if items.is_empty() {
            return false;
        }
        let set = pb::Set {
            allow_partial: false,
            update_objs: items
                .into_iter()
                .map(|(obj_path, param, value)| pb::set::UpdateObject {
                    obj_path,
                    param_settings: alloc::vec![pb::set::UpdateParamSetting {
                        param,
                        value,
                        required: true,
                    }],
                })
                .collect(),
        };
        let cfg = self.engine.config();
        let mut guarded = SubGuard::new(dm, String::new());
        let done = match self.roles.get(to) {
            Some(r) => crate::engine::set::set(cfg, &mut guarded, r, &set),
            None => crate::engine::set::set(cfg, &mut guarded, &FullAccess, &set),
        };
        done.is_ok()
    }

    /// Queues a Notify to Controller `to` (row `ctrl`, may be `""`), awaiting its NotifyResp
    /// with the TR-369 retry table when `send_resp`. Used for the Agent's own notifications and
    /// for those relayed from USP Services.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn send_notify<M: DataModel + ?Sized>(
        &mut self,
        now: Instant,
        dm: &M,
        to: String,
        ctrl: &str,
        subscription_id: String,
        send_resp: bool,
        expiration: u64,
        n: Notification,
    ) {
        let msg_id = self.next_msg_id("notify");
        let msg = pb::Msg {
            header: Some(pb::Header {
                msg_id: msg_id.clone(),
                msg_type: pb::header::MsgType::Notify as i32,
            }),
            body: Some(pb::Body {
                msg_body: Some(pb::body::MsgBody::Request(pb::Request {
                    req_type: Some(pb::request::ReqType::Notify(pb::Notify {
                        subscription_id,
                        send_resp,
                        notification: Some(n),
                    })),
                })),
            }),
        };
        if send_resp && self.cfg.max_pending > 0 {
            let m = if ctrl.is_empty() {
                5
            } else {
                read_u64(dm, ctrl, "USPNotifRetryMinimumWaitInterval", 5)
            };
            let k = if ctrl.is_empty() {
                2000
            } else {
                read_u64(dm, ctrl, "USPNotifRetryIntervalMultiplier", 2000)
            };
            let wait = self.retry_wait(m, k, 1);
            while self.pending.len() >= self.cfg.max_pending {
                self.pending.pop_front();
            }
            self.pending.push_back(Pending {
                to: to.clone(),
                msg: msg.clone(),
                msg_id,
                retries: 0,
                next: now.plus_millis(wait),
                expires: (expiration > 0).then(|| now.plus_secs(expiration)),
                m,
                k,
            });
        }
        self.push_out(Outgoing { to, msg });
    }

    /// The Controller row (`Device.LocalAgent.Controller.1.`) with EndpointID `ep`, or `""`.
    pub(super) fn controller_by_endpoint<M: DataModel + ?Sized>(&self, dm: &M, ep: &str) -> String {
        let mut rows = Vec::new();
        dm.instances(CTRL_TABLE, &mut rows);
        rows.into_iter()
            .map(|n| format!("{CTRL_TABLE}{n}."))
            .find(|r| dm.get(r, "EndpointID").is_some_and(|v| v == ep))
            .unwrap_or_default()
    }
}

/// The data model as the engine sees it during a Set, Add or Delete handled by the Agent: a
/// non-empty `ReferenceList` of a Subscription row cannot be changed (TR-181: the row is
/// immutable once it is written; delete and recreate it) — 7013; `TriggerConfigSettings` must
/// hold valid `Param=Value` entries ([`TriggerAction`]) — 7012. A Subscription row added for a
/// known Controller is created with its `Recipient` (R-NOT.0), and fails with 7025 when that
/// Controller already has a row with the same `ID` ((Recipient, ID) is a unique key).
pub(super) struct SubGuard<'a, M: ?Sized> {
    dm: &'a mut M,
    /// The requesting Controller's row (`Device.LocalAgent.Controller.1`), or empty.
    recipient: String,
}

impl<'a, M: DataModel + ?Sized> SubGuard<'a, M> {
    /// Guards `dm` for a request from the Controller row `recipient` (with or without the
    /// final dot; empty when the sender is no known Controller).
    pub(super) fn new(dm: &'a mut M, recipient: String) -> Self {
        let recipient = match recipient.strip_suffix('.') {
            Some(r) => String::from(r),
            None => recipient,
        };
        Self { dm, recipient }
    }
}

impl<M: DataModel + ?Sized> DataModel for SubGuard<'_, M> {
    fn schema(&self) -> &crate::Schema {
        self.dm.schema()
    }
    fn instances(&self, table: &str, out: &mut Vec<u32>) {
        self.dm.instances(table, out);
    }
    fn has_instance(&self, table: &str, n: u32) -> bool {
        self.dm.has_instance(table, n)
    }
    fn has_instance_is_direct(&self) -> bool {
        self.dm.has_instance_is_direct()
    }
    fn get(&self, object: &str, param: &str) -> Option<alloc::borrow::Cow<'_, str>> {
        self.dm.get(object, param)
    }
    fn for_each_value(&self, object: &str, f: &mut dyn FnMut(&str, &str)) -> bool {
        self.dm.for_each_value(object, f)
    }
    fn instance_schema(&self, object: &str) -> Option<&crate::Schema> {
        self.dm.instance_schema(object)
    }
    fn set(&mut self, object: &str, param: &str, value: &str) -> Result<(), DmError> {
        if param == "TriggerConfigSettings" && object.starts_with(SUB_TABLE) {
            trigger_settings(self.dm.schema(), value)?;
        }
        if param == "ReferenceList" && object.starts_with(SUB_TABLE) {
            let cur = read_str(&*self.dm, object, param);
            if !cur.trim().is_empty() && cur != value {
                return Err(DmError::new(
                    code::PARAM_READ_ONLY,
                    format!(
                        "{object}ReferenceList cannot change once set; delete the subscription \
                         and create a new one"
                    ),
                ));
            }
        }
        self.dm.set(object, param, value)
    }
    fn add(&mut self, table: &str, init: &BTreeMap<String, String>) -> Result<u32, DmError> {
        if table != SUB_TABLE {
            return self.dm.add(table, init);
        }
        if let Some(v) = init.get("TriggerConfigSettings") {
            trigger_settings(self.dm.schema(), v)?;
        }
        if self.recipient.is_empty() {
            return self.dm.add(table, init);
        }
        // R-NOT.0: Recipient is the creating Controller, set with the row so that the
        // (Recipient, ID) unique key holds.
        let id = init.get("ID").map(|v| v.trim()).unwrap_or("");
        let mut rows = Vec::new();
        self.dm.instances(SUB_TABLE, &mut rows);
        let clash = rows.iter().find(|&&n| {
            let row = format!("{SUB_TABLE}{n}.");
            read_str(&*self.dm, &row, "Recipient") == self.recipient
                && read_str(&*self.dm, &row, "ID").trim() == id
        });
        if let Some(n) = clash {
            return Err(DmError::new(
                code::DUPLICATE_KEY,
                format!(
                    "{SUB_TABLE}{n}. already has Recipient {} and ID {id:?}",
                    self.recipient
                ),
            ));
        }
        let mut init = init.clone();
        init.insert(String::from("Recipient"), self.recipient.clone());
        self.dm.add(table, &init)
    }
    fn delete(&mut self, object: &str) -> Result<(), DmError> {
        self.dm.delete(object)
    }
    fn check_delete(&self, object: &str) -> Result<(), DmError> {
        self.dm.check_delete(object)
    }
    fn written_once(&self, object: &str, param: &str) -> Option<bool> {
        self.dm.written_once(object, param)
    }
    fn mark_written_once(&mut self, object: &str, param: &str) {
        self.dm.mark_written_once(object, param);
    }
    fn find_by_key(
        &self,
        table: &str,
        key: &usp_path::Expression<'_>,
    ) -> usp_path::resolve::KeyLookup {
        self.dm.find_by_key(table, key)
    }
    fn begin(&mut self) {
        self.dm.begin();
    }
    fn commit(&mut self) {
        self.dm.commit();
    }
    fn rollback(&mut self) -> bool {
        self.dm.rollback()
    }
}
