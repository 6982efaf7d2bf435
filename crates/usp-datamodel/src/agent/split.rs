//! Requests whose paths belong to several owners — the Broker's own data model and one or
//! more USP Services (USP 1.3 software modularization: the Broker proxies "either the entire
//! USP message or a portion of the USP message to one or more USP Services" and gives the
//! Controller a consolidated view).
//!
//! The request is cut into parts, one per owner, each carrying the requested paths that owner
//! answers. A Get or GetSupportedDM path that is an ancestor of registered paths
//! (`Device.` while `Device.Time.` is registered) is answered locally and, for each such
//! registered path, by its USP Service: the service gets the registered path (the requested
//! path narrowed to what it owns). The Broker's own results under registered paths are
//! dropped: those subtrees belong to the services. Each service part is checked against the
//! Controller's permissions ([`super::forward::screen`]) and its reply filtered
//! ([`super::forward::fix_reply`]) exactly as a whole forwarded request is. When every part
//! has its outcome the results are merged into one Response in the order of the requested
//! paths.

use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;

use usp_msg::pb;
use usp_msg::pb::request::ReqType;
use usp_msg::pb::response::RespType;

use super::broker::{Forward, error, under};
use super::forward::{Screen, screen};
use super::{Agent, Commands, Instant, Outgoing};
use crate::access::AccessControl;
use crate::code;
use crate::engine::response_msg;
use crate::model::DataModel;

/// 7002 Request denied: the Broker will not process a request it cannot carry out
/// atomically.
const REQUEST_DENIED: u32 = usp_msg::ErrorCode::REQUEST_DENIED.get();

/// One path of a part.
#[derive(Clone, Debug)]
pub(super) struct Entry {
    /// The path as sent to the owner: the requested path, or a registered path below it.
    pub(super) text: String,
    /// The index of the requested path it answers.
    pub(super) orig: usize,
    /// Whether `text` is a registered path below the requested path (an ancestor split).
    pub(super) below: bool,
}

/// Who answers a part.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) enum Owner {
    /// The Broker's own data model.
    Local,
    /// The USP Service with this Endpoint ID.
    Service(String),
}

/// What one owner answered.
#[derive(Clone, Debug)]
pub(super) enum Outcome {
    /// A Response, already filtered to what the Controller may read.
    Resp(RespType),
    /// An Error, a timeout or a disconnect: (err_code, err_msg).
    Fail(u32, String),
}

/// The paths one owner answers.
#[derive(Clone, Debug)]
pub(super) struct Part {
    pub(super) owner: Owner,
    pub(super) entries: Vec<Entry>,
    pub(super) outcome: Option<Outcome>,
}

/// A request split across owners, waiting for the parts sent to USP Services.
#[derive(Clone, Debug)]
pub(super) struct Split {
    /// The requesting Controller.
    ctrl: String,
    /// Its msg_id.
    orig: String,
    /// The request as the Controller sent it.
    req: ReqType,
    parts: Vec<Part>,
    /// Parts without an outcome yet.
    waiting: usize,
}

/// Where a request goes.
pub(super) enum Route {
    /// Answer it here.
    Local,
    /// Forward it whole to this USP Service.
    Service(String),
    /// Cut it into these parts (at least two owners, or an ancestor of registered paths).
    Split(Vec<Part>),
}

/// The paths a request addresses, for routing.
pub(super) fn request_paths(rt: &ReqType) -> Vec<&str> {
    match rt {
        ReqType::Get(g) => g.param_paths.iter().map(String::as_str).collect(),
        ReqType::GetInstances(g) => g.obj_paths.iter().map(String::as_str).collect(),
        ReqType::GetSupportedDm(g) => g.obj_paths.iter().map(String::as_str).collect(),
        ReqType::Set(s) => s.update_objs.iter().map(|o| o.obj_path.as_str()).collect(),
        ReqType::Add(a) => a.create_objs.iter().map(|o| o.obj_path.as_str()).collect(),
        ReqType::Delete(d) => d.obj_paths.iter().map(String::as_str).collect(),
        ReqType::Operate(o) => alloc::vec![o.command.as_str()],
        _ => Vec::new(),
    }
}

/// Object levels of `rest` (the part of a path after an object path): names count, instance
/// numbers do not (a table row is one level with its table, as the engine's `max_depth`).
fn levels(rest: &str) -> u32 {
    let n = rest
        .split('.')
        .filter(|s| !s.is_empty() && !s.bytes().all(|b| b.is_ascii_digit()))
        .count();
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// The object part of a path (`Device.Foo.` for `Device.Foo.Bar`).
fn object_of(path: &str) -> &str {
    if path.ends_with('.') {
        return path;
    }
    path.rfind('.').and_then(|i| path.get(..=i)).unwrap_or("")
}

fn push_entry(parts: &mut Vec<Part>, owner: Owner, e: Entry) {
    match parts.iter_mut().find(|p| p.owner == owner) {
        Some(p) => p.entries.push(e),
        None => parts.push(Part {
            owner,
            entries: alloc::vec![e],
            outcome: None,
        }),
    }
}

/// Routes `rt` given the registrations (registered path, USP Service).
pub(super) fn plan(registry: &[(String, String)], rt: &ReqType) -> Route {
    if registry.is_empty() {
        return Route::Local;
    }
    let mut parts: Vec<Part> = Vec::new();
    for (i, p) in request_paths(rt).into_iter().enumerate() {
        let t = p.trim();
        let owner = registry
            .iter()
            .find(|(reg, _)| under(t, reg))
            .map_or(Owner::Local, |(_, s)| Owner::Service(s.clone()));
        let local = owner == Owner::Local;
        push_entry(
            &mut parts,
            owner,
            Entry {
                text: String::from(p),
                orig: i,
                below: false,
            },
        );
        if !local || !t.ends_with('.') {
            continue;
        }
        for (reg, svc) in registry {
            if reg == t || !under(reg, t) {
                continue;
            }
            let rest = reg.get(t.len()..).unwrap_or("");
            let keep = match rt {
                // Objects and parameters; the registered object's level counted from the
                // requested one (1), within max_depth.
                ReqType::Get(g) => {
                    !reg.ends_with(')')
                        && !reg.ends_with('!')
                        && (g.max_depth == 0
                            || levels(object_of(rest)).saturating_add(1) <= g.max_depth)
                }
                // Objects; with first_level_only only the immediate children.
                ReqType::GetSupportedDm(g) => {
                    reg.ends_with('.') && (!g.first_level_only || levels(rest) == 1)
                }
                // GetInstances, Set, Add, Delete, Operate: an ancestor of a registered path
                // is never a table or an instance, so it is not split (answered locally).
                _ => false,
            };
            if keep {
                push_entry(
                    &mut parts,
                    Owner::Service(svc.clone()),
                    Entry {
                        text: reg.clone(),
                        orig: i,
                        below: true,
                    },
                );
            }
        }
    }
    match parts.as_slice() {
        [] => Route::Local,
        [one] => match &one.owner {
            Owner::Local => Route::Local,
            Owner::Service(s) => Route::Service(s.clone()),
        },
        _ => Route::Split(parts),
    }
}

/// `rt` reduced to the paths of `entries`.
fn sub_request(rt: &ReqType, entries: &[Entry]) -> ReqType {
    let texts = || entries.iter().map(|e| e.text.clone()).collect::<Vec<_>>();
    match rt {
        ReqType::Get(g) => ReqType::Get(pb::Get {
            param_paths: texts(),
            max_depth: g.max_depth,
        }),
        ReqType::GetInstances(g) => ReqType::GetInstances(pb::GetInstances {
            obj_paths: texts(),
            first_level_only: g.first_level_only,
        }),
        ReqType::GetSupportedDm(g) => ReqType::GetSupportedDm(pb::GetSupportedDm {
            obj_paths: texts(),
            ..g.clone()
        }),
        ReqType::Set(s) => ReqType::Set(pb::Set {
            allow_partial: s.allow_partial,
            update_objs: entries
                .iter()
                .filter_map(|e| s.update_objs.get(e.orig).cloned())
                .collect(),
        }),
        ReqType::Add(a) => ReqType::Add(pb::Add {
            allow_partial: a.allow_partial,
            create_objs: entries
                .iter()
                .filter_map(|e| a.create_objs.get(e.orig).cloned())
                .collect(),
        }),
        ReqType::Delete(d) => ReqType::Delete(pb::Delete {
            allow_partial: d.allow_partial,
            obj_paths: texts(),
        }),
        other => other.clone(),
    }
}

/// `msg` with msg_id `id` and request `rt`.
fn with_request(msg: &pb::Msg, id: &str, rt: ReqType) -> pb::Msg {
    let mut m = msg.clone();
    if let Some(h) = m.header.as_mut() {
        h.msg_id = String::from(id);
    }
    m.body = Some(pb::Body {
        msg_body: Some(pb::body::MsgBody::Request(pb::Request {
            req_type: Some(rt),
        })),
    });
    m
}

/// A reply as an [`Outcome`].
pub(super) fn outcome_of(reply: Option<&pb::Msg>) -> Outcome {
    match reply
        .and_then(|m| m.body.as_ref())
        .and_then(|b| b.msg_body.as_ref())
    {
        Some(pb::body::MsgBody::Response(pb::Response { resp_type: Some(r) })) => {
            Outcome::Resp(r.clone())
        }
        Some(pb::body::MsgBody::Error(e)) => Outcome::Fail(e.err_code, e.err_msg.clone()),
        _ => Outcome::Fail(code::INTERNAL_ERROR, String::from("no answer")),
    }
}

/// Drops from the Broker's own answer what lies under a registered path.
fn drop_owned(registry: &[(String, String)], r: &mut RespType) {
    let owned = |p: &str| registry.iter().any(|(reg, _)| under(p, reg));
    match r {
        RespType::GetResp(g) => {
            for rr in &mut g.req_path_results {
                rr.resolved_path_results
                    .retain(|x| !owned(&x.resolved_path));
            }
        }
        RespType::GetSupportedDmResp(g) => {
            for rr in &mut g.req_obj_results {
                rr.supported_objs.retain(|o| !owned(&o.supported_obj_path));
            }
        }
        _ => {}
    }
}

impl Agent {
    /// Answers or sends the parts of a request spanning several owners (see the module
    /// docs). Returns the reply to send now, if every part is answered at once or the
    /// request is refused.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn split<M, C, A>(
        &mut self,
        now: Instant,
        dm: &mut M,
        cmds: &mut C,
        from: &str,
        msg: &pb::Msg,
        rt: &ReqType,
        mut parts: Vec<Part>,
        acl: &A,
    ) -> Option<pb::Msg>
    where
        M: DataModel + ?Sized,
        C: Commands<M> + ?Sized,
        A: AccessControl + ?Sized,
    {
        let id = msg.header.as_ref().map_or("", |h| h.msg_id.as_str());
        let atomic = match rt {
            ReqType::Set(s) => !s.allow_partial,
            ReqType::Add(a) => !a.allow_partial,
            ReqType::Delete(d) => !d.allow_partial,
            _ => false,
        };
        if atomic {
            return Some(error(
                id,
                REQUEST_DENIED,
                String::from(
                    "allow_partial is false but the objects belong to different owners (the \
                     Broker and USP Services, or several USP Services), which cannot be \
                     changed atomically; send one request per owner or allow_partial = true",
                ),
            ));
        }
        let services = parts.iter().filter(|p| p.owner != Owner::Local).count();
        if services > self.cfg.max_split_parts.max(1) {
            return Some(error(
                id,
                code::RESOURCES_EXCEEDED,
                format!(
                    "the request spans {services} USP Services, more than {}",
                    self.cfg.max_split_parts.max(1)
                ),
            ));
        }
        if self.forwards.len().saturating_add(services) > self.cfg.max_pending.max(1) {
            return Some(error(
                id,
                code::RESOURCES_EXCEEDED,
                String::from("too many requests are waiting for USP Services"),
            ));
        }
        let Some(roles) = acl.to_roles() else {
            return Some(error(
                id,
                code::PERMISSION_DENIED,
                String::from(
                    "the permissions of this Controller cannot be applied to a USP Service",
                ),
            ));
        };
        // Check every service part before anything changes here.
        let mut sends = Vec::new();
        for (i, part) in parts.iter_mut().enumerate() {
            let Owner::Service(svc) = &part.owner else {
                continue;
            };
            match screen(&roles, &sub_request(rt, &part.entries)) {
                Screen::Error(e) => part.outcome = Some(Outcome::Fail(e.err_code, e.err_msg)),
                Screen::Answer(r) => part.outcome = Some(Outcome::Resp(r)),
                Screen::Silent => {
                    part.outcome = Some(Outcome::Fail(
                        code::INTERNAL_ERROR,
                        String::from("nothing to answer"),
                    ));
                }
                Screen::Forward(sub, fix) => sends.push((i, svc.clone(), sub, fix)),
            }
        }
        for part in &mut parts {
            if part.owner == Owner::Local {
                let local = with_request(msg, id, sub_request(rt, &part.entries));
                let reply = self.local(now, dm, cmds, from, acl, &local);
                let mut out = outcome_of(reply.as_ref());
                if let Outcome::Resp(r) = &mut out {
                    drop_owned(&self.registry, r);
                }
                part.outcome = Some(out);
            }
        }
        let mut s = Split {
            ctrl: String::from(from),
            orig: String::from(id),
            req: rt.clone(),
            parts,
            waiting: sends.len(),
        };
        if sends.is_empty() {
            return Some(s.finish());
        }
        let sid = self.next_split;
        self.next_split = self.next_split.wrapping_add(1);
        for (i, svc, sub, fix) in sends {
            let fwd_id = self.next_msg_id("broker");
            let m = with_request(msg, &fwd_id, sub);
            self.forwards.insert(
                fwd_id,
                Forward {
                    ctrl: String::from(from),
                    orig: String::from(id),
                    service: svc.clone(),
                    deadline: now.plus_millis(self.cfg.forward_timeout_ms),
                    acl: roles.clone(),
                    fix,
                    split: Some((sid, i)),
                },
            );
            self.push_out(Outgoing { to: svc, msg: m });
        }
        // Only the parts still waiting count.
        s.waiting = s.parts.iter().filter(|p| p.outcome.is_none()).count();
        self.splits.insert(sid, s);
        None
    }

    /// Part `part` of split request `sid` has its outcome; once all have, the merged reply
    /// goes to the Controller.
    pub(super) fn part_done(&mut self, sid: u64, part: usize, out: Outcome) {
        let Some(s) = self.splits.get_mut(&sid) else {
            return;
        };
        if let Some(p) = s.parts.get_mut(part).filter(|p| p.outcome.is_none()) {
            p.outcome = Some(out);
            s.waiting = s.waiting.saturating_sub(1);
        }
        if s.waiting == 0 {
            if let Some(s) = self.splits.remove(&sid) {
                let to = s.ctrl.clone();
                let msg = s.finish();
                self.push_out(Outgoing { to, msg });
            }
        }
    }
}

/// A result of one requested path, as the merge handles it.
trait Item: Sized {
    fn key(&self) -> &str;
    fn rekey(&mut self, k: String);
    fn failed(path: String, code: u32, msg: String) -> Self;
    fn is_ok(&self) -> bool;
    /// The results of `r`, if it is the right kind of Response.
    fn take(r: RespType) -> Option<Vec<Self>>;
}

impl Item for pb::get_resp::RequestedPathResult {
    fn key(&self) -> &str {
        &self.requested_path
    }
    fn rekey(&mut self, k: String) {
        self.requested_path = k;
    }
    fn failed(requested_path: String, err_code: u32, err_msg: String) -> Self {
        Self {
            requested_path,
            err_code,
            err_msg,
            resolved_path_results: Vec::new(),
        }
    }
    fn is_ok(&self) -> bool {
        self.err_code == 0
    }
    fn take(r: RespType) -> Option<Vec<Self>> {
        match r {
            RespType::GetResp(g) => Some(g.req_path_results),
            _ => None,
        }
    }
}

impl Item for pb::get_instances_resp::RequestedPathResult {
    fn key(&self) -> &str {
        &self.requested_path
    }
    fn rekey(&mut self, k: String) {
        self.requested_path = k;
    }
    fn failed(requested_path: String, err_code: u32, err_msg: String) -> Self {
        Self {
            requested_path,
            err_code,
            err_msg,
            curr_insts: Vec::new(),
        }
    }
    fn is_ok(&self) -> bool {
        self.err_code == 0
    }
    fn take(r: RespType) -> Option<Vec<Self>> {
        match r {
            RespType::GetInstancesResp(g) => Some(g.req_path_results),
            _ => None,
        }
    }
}

impl Item for pb::get_supported_dm_resp::RequestedObjectResult {
    fn key(&self) -> &str {
        &self.req_obj_path
    }
    fn rekey(&mut self, k: String) {
        self.req_obj_path = k;
    }
    fn failed(req_obj_path: String, err_code: u32, err_msg: String) -> Self {
        Self {
            req_obj_path,
            err_code,
            err_msg,
            ..Self::default()
        }
    }
    fn is_ok(&self) -> bool {
        self.err_code == 0
    }
    fn take(r: RespType) -> Option<Vec<Self>> {
        match r {
            RespType::GetSupportedDmResp(g) => Some(g.req_obj_results),
            _ => None,
        }
    }
}

impl Item for pb::set_resp::UpdatedObjectResult {
    fn key(&self) -> &str {
        &self.requested_path
    }
    fn rekey(&mut self, k: String) {
        self.requested_path = k;
    }
    fn failed(requested_path: String, err_code: u32, err_msg: String) -> Self {
        use pb::set_resp::updated_object_result::OperationStatus;
        use pb::set_resp::updated_object_result::operation_status::{OperStatus, OperationFailure};
        Self {
            requested_path,
            oper_status: Some(OperationStatus {
                oper_status: Some(OperStatus::OperFailure(OperationFailure {
                    err_code,
                    err_msg,
                    updated_inst_failures: Vec::new(),
                })),
            }),
        }
    }
    fn is_ok(&self) -> bool {
        true
    }
    fn take(r: RespType) -> Option<Vec<Self>> {
        match r {
            RespType::SetResp(g) => Some(g.updated_obj_results),
            _ => None,
        }
    }
}

impl Item for pb::add_resp::CreatedObjectResult {
    fn key(&self) -> &str {
        &self.requested_path
    }
    fn rekey(&mut self, k: String) {
        self.requested_path = k;
    }
    fn failed(requested_path: String, err_code: u32, err_msg: String) -> Self {
        use pb::add_resp::created_object_result::OperationStatus;
        use pb::add_resp::created_object_result::operation_status::{OperStatus, OperationFailure};
        Self {
            requested_path,
            oper_status: Some(OperationStatus {
                oper_status: Some(OperStatus::OperFailure(OperationFailure {
                    err_code,
                    err_msg,
                })),
            }),
        }
    }
    fn is_ok(&self) -> bool {
        true
    }
    fn take(r: RespType) -> Option<Vec<Self>> {
        match r {
            RespType::AddResp(g) => Some(g.created_obj_results),
            _ => None,
        }
    }
}

impl Item for pb::delete_resp::DeletedObjectResult {
    fn key(&self) -> &str {
        &self.requested_path
    }
    fn rekey(&mut self, k: String) {
        self.requested_path = k;
    }
    fn failed(requested_path: String, err_code: u32, err_msg: String) -> Self {
        use pb::delete_resp::deleted_object_result::OperationStatus;
        use pb::delete_resp::deleted_object_result::operation_status::{
            OperStatus, OperationFailure,
        };
        Self {
            requested_path,
            oper_status: Some(OperationStatus {
                oper_status: Some(OperStatus::OperFailure(OperationFailure {
                    err_code,
                    err_msg,
                })),
            }),
        }
    }
    fn is_ok(&self) -> bool {
        true
    }
    fn take(r: RespType) -> Option<Vec<Self>> {
        match r {
            RespType::DeleteResp(g) => Some(g.deleted_obj_results),
            _ => None,
        }
    }
}

/// The results of every part, per requested path (in part order), renamed to the requested
/// path. A result naming no path its part asked is dropped; an entry without a result, or
/// of a failed part, gets a failure.
fn gather<T: Item>(
    texts: &[&str],
    parts: Vec<Part>,
    adjust: impl Fn(&mut T, &Entry, &str),
) -> Vec<Vec<T>> {
    let mut slots: Vec<Vec<T>> = texts.iter().map(|_| Vec::new()).collect();
    for part in parts {
        let who = match &part.owner {
            Owner::Local => String::from("the Broker"),
            Owner::Service(s) => format!("USP Service {s}"),
        };
        let fail_all = |slots: &mut Vec<Vec<T>>, c: u32, m: &str| {
            for e in &part.entries {
                if let (Some(slot), Some(t)) = (slots.get_mut(e.orig), texts.get(e.orig)) {
                    slot.push(T::failed(String::from(*t), c, String::from(m)));
                }
            }
        };
        let items = match part.outcome {
            Some(Outcome::Resp(r)) => match T::take(r) {
                Some(v) => v,
                None => {
                    let m = format!("{who} answered with another kind of response");
                    fail_all(&mut slots, code::INTERNAL_ERROR, &m);
                    continue;
                }
            },
            Some(Outcome::Fail(c, m)) => {
                fail_all(&mut slots, c, &m);
                continue;
            }
            None => {
                fail_all(&mut slots, code::INTERNAL_ERROR, "no answer");
                continue;
            }
        };
        let mut used: Vec<bool> = part.entries.iter().map(|_| false).collect();
        for mut it in items {
            let found = part
                .entries
                .iter()
                .zip(used.iter_mut())
                .find(|(e, u)| !**u && e.text.trim() == it.key().trim());
            let Some((e, u)) = found else {
                continue;
            };
            *u = true;
            if let (Some(slot), Some(t)) = (slots.get_mut(e.orig), texts.get(e.orig)) {
                adjust(&mut it, e, t);
                it.rekey(String::from(*t));
                slot.push(it);
            }
        }
        for (e, u) in part.entries.iter().zip(&used) {
            if !*u {
                if let (Some(slot), Some(t)) = (slots.get_mut(e.orig), texts.get(e.orig)) {
                    let m = format!("{who} gave no result for {}", e.text.trim());
                    slot.push(T::failed(String::from(*t), code::INTERNAL_ERROR, m));
                }
            }
        }
    }
    slots
}

/// The successful results of a requested path, or its first failure when none succeeded.
fn successes<T: Item>(slot: Vec<T>) -> Vec<T> {
    if slot.iter().any(Item::is_ok) {
        slot.into_iter().filter(Item::is_ok).collect()
    } else {
        slot.into_iter().take(1).collect()
    }
}

/// Whether `resolved` (below `requested`) is within `max_depth` (0: no limit).
fn within(resolved: &str, requested: &str, max_depth: u32) -> bool {
    let Some(rest) = resolved.strip_prefix(requested.trim()) else {
        return false;
    };
    max_depth == 0 || levels(rest).saturating_add(1) <= max_depth
}

impl Split {
    /// The merged reply.
    fn finish(self) -> pb::Msg {
        use pb::get_instances_resp::RequestedPathResult as InstR;
        use pb::get_resp::RequestedPathResult as GetR;
        let texts = request_paths(&self.req);
        let resp = match &self.req {
            ReqType::Get(g) => {
                let depth = g.max_depth;
                let slots = gather(&texts, self.parts, |r: &mut GetR, e, t| {
                    if e.below {
                        r.resolved_path_results.retain(|x| {
                            under(&x.resolved_path, t) && within(&x.resolved_path, t, depth)
                        });
                    }
                });
                let results = slots
                    .into_iter()
                    .zip(&texts)
                    .map(|(slot, t)| {
                        let mut ok = successes(slot).into_iter();
                        let mut first = ok.next().unwrap_or_else(|| {
                            GetR::failed(String::from(*t), code::INTERNAL_ERROR, String::new())
                        });
                        for more in ok {
                            for x in more.resolved_path_results {
                                // One ResolvedPathResult per object: a registered parameter
                                // of an object the Broker also reports joins it.
                                match first
                                    .resolved_path_results
                                    .iter_mut()
                                    .find(|y| y.resolved_path == x.resolved_path)
                                {
                                    Some(y) => y.result_params.extend(x.result_params),
                                    None => first.resolved_path_results.push(x),
                                }
                            }
                        }
                        first
                    })
                    .collect();
                RespType::GetResp(pb::GetResp {
                    req_path_results: results,
                })
            }
            ReqType::GetInstances(_) => {
                let slots = gather(&texts, self.parts, |_: &mut InstR, _, _| {});
                let results = slots
                    .into_iter()
                    .zip(&texts)
                    .map(|(slot, t)| {
                        let mut ok = successes(slot).into_iter();
                        let mut first = ok.next().unwrap_or_else(|| {
                            InstR::failed(String::from(*t), code::INTERNAL_ERROR, String::new())
                        });
                        for more in ok {
                            first.curr_insts.extend(more.curr_insts);
                        }
                        first
                    })
                    .collect();
                RespType::GetInstancesResp(pb::GetInstancesResp {
                    req_path_results: results,
                })
            }
            ReqType::GetSupportedDm(g) => {
                let flo = g.first_level_only;
                let slots = gather(
                    &texts,
                    self.parts,
                    |r: &mut pb::get_supported_dm_resp::RequestedObjectResult, e, _| {
                        if e.below && flo {
                            // Only the registered object itself, as a child is reported
                            // under first_level_only (no parameters, commands or events).
                            let own = |p: &str| {
                                p == e.text || p.strip_suffix("{i}.") == Some(e.text.as_str())
                            };
                            r.supported_objs.retain(|o| own(&o.supported_obj_path));
                            for o in &mut r.supported_objs {
                                o.supported_params.clear();
                                o.supported_commands.clear();
                                o.supported_events.clear();
                            }
                        }
                    },
                );
                // One RequestedObjectResult per owner, so each keeps its
                // data_model_inst_uri.
                RespType::GetSupportedDmResp(pb::GetSupportedDmResp {
                    req_obj_results: slots.into_iter().flat_map(successes).collect(),
                })
            }
            ReqType::Set(_) => RespType::SetResp(pb::SetResp {
                updated_obj_results: gather::<pb::set_resp::UpdatedObjectResult>(
                    &texts,
                    self.parts,
                    |_, _, _| {},
                )
                .into_iter()
                .flatten()
                .collect(),
            }),
            ReqType::Add(_) => RespType::AddResp(pb::AddResp {
                created_obj_results: gather::<pb::add_resp::CreatedObjectResult>(
                    &texts,
                    self.parts,
                    |_, _, _| {},
                )
                .into_iter()
                .flatten()
                .collect(),
            }),
            ReqType::Delete(_) => RespType::DeleteResp(pb::DeleteResp {
                deleted_obj_results: gather::<pb::delete_resp::DeletedObjectResult>(
                    &texts,
                    self.parts,
                    |_, _, _| {},
                )
                .into_iter()
                .flatten()
                .collect(),
            }),
            _ => {
                return error(
                    &self.orig,
                    code::INTERNAL_ERROR,
                    String::from("this request cannot be split"),
                );
            }
        };
        response_msg(self.orig, resp)
    }
}
