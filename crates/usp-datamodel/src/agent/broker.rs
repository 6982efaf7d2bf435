//! The USP Broker part of the Agent (USP 1.3 software modularization): Register and Deregister
//! from USP Services, and routing of requests for registered paths to them, checked against
//! the requesting Controller's permissions.

use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;

use usp_msg::pb;
use usp_msg::pb::request::ReqType;
use usp_path::{Path, Segment};

use super::forward::{Fix, Screen, fix_reply, screen};
use super::split::{Outcome, Route, plan};
use super::{Agent, Instant, Outgoing};
use crate::access::{AccessControl, Roles};
use crate::code;
use crate::engine::{error_msg, response_msg};

/// A request forwarded to a USP Service, awaiting its reply.
#[derive(Clone, Debug)]
pub(super) struct Forward {
    /// The requesting Controller.
    pub(super) ctrl: String,
    /// Its msg_id.
    pub(super) orig: String,
    /// The USP Service.
    pub(super) service: String,
    /// When the Controller gets Error 7003 instead.
    pub(super) deadline: Instant,
    /// The Controller's permissions when it asked, for the reply.
    pub(super) acl: Roles,
    /// What the Broker adds to the reply.
    pub(super) fix: Fix,
    /// (split request, part) when this is one part of a request split across owners.
    pub(super) split: Option<(u64, usize)>,
}

/// An Error message answering `id`, without parameter errors.
pub(super) fn error(id: &str, err_code: u32, err_msg: String) -> pb::Msg {
    error_msg(
        String::from(id),
        pb::Error {
            err_code,
            err_msg,
            param_errs: Vec::new(),
        },
    )
}
/// Whether `path` is `reg` or below it (`reg` has no instance numbers or searches).
pub(super) fn under(path: &str, reg: &str) -> bool {
    let r = reg.strip_suffix('.').unwrap_or(reg);
    match path.strip_prefix(r) {
        Some("") => true,
        Some(rest) => rest.starts_with('.'),
        None => false,
    }
}

/// R-REG.2: an object, command, event or parameter path without instance numbers, searches,
/// wildcards or `{i}`.
fn check_reg_path(p: &str) -> Result<(), String> {
    let parsed = Path::parse(p).map_err(|e| format!("{p:?} is not a valid path: {e}"))?;
    let plain = parsed
        .segments()
        .iter()
        .all(|s| matches!(s, Segment::Object(_)));
    if !p.starts_with("Device.") {
        return Err(format!("{p:?} is not a path of the Device. data model"));
    }
    if !plain || p.contains("{i}") {
        return Err(format!(
            "{p:?} must not contain instance numbers, searches, wildcards or {{i}}"
        ));
    }
    Ok(())
}

fn failure(code: u32, msg: String) -> pb::register_resp::registered_path_result::OperationStatus {
    use pb::register_resp::registered_path_result::operation_status::{
        OperStatus, OperationFailure,
    };
    pb::register_resp::registered_path_result::OperationStatus {
        oper_status: Some(OperStatus::OperFailure(OperationFailure {
            err_code: code,
            err_msg: msg,
        })),
    }
}

impl Agent {
    /// Where request `rt` goes: here, whole to one USP Service, or split across owners.
    pub(super) fn route(&self, rt: &ReqType) -> Route {
        plan(&self.registry, rt)
    }

    /// Checks `msg` (request `rt`) from Controller `from` against its permissions `acl`
    /// (R-SEC.1) and sends what may go on to `service` under a fresh msg_id; the service's
    /// reply is filtered and passed back to `from` through [`Agent::poll_transmit`]. Returns
    /// the reply to send now, if the request is refused or answered here.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn forward<A: AccessControl + ?Sized>(
        &mut self,
        now: Instant,
        from: &str,
        id: &str,
        service: String,
        msg: &pb::Msg,
        rt: &ReqType,
        acl: &A,
    ) -> Option<pb::Msg> {
        let Some(acl) = acl.to_roles() else {
            return Some(error(
                id,
                code::PERMISSION_DENIED,
                String::from(
                    "the permissions of this Controller cannot be applied to a USP Service",
                ),
            ));
        };
        let (rt, fix) = match screen(&acl, rt) {
            Screen::Error(e) => return Some(error_msg(String::from(id), e)),
            Screen::Answer(r) => return Some(response_msg(String::from(id), r)),
            Screen::Silent => return None,
            Screen::Forward(rt, fix) => (rt, fix),
        };
        // R-OPR.4: an Operate with send_resp = false is never answered; nothing to wait for.
        let awaits = !matches!(&rt, ReqType::Operate(o) if !o.send_resp);
        if awaits && self.forwards.len() >= self.cfg.max_pending.max(1) {
            return Some(error(
                id,
                code::RESOURCES_EXCEEDED,
                String::from("too many requests are waiting for USP Services"),
            ));
        }
        let fwd_id = self.next_msg_id("broker");
        let mut m = msg.clone();
        if let Some(h) = m.header.as_mut() {
            h.msg_id.clone_from(&fwd_id);
        }
        m.body = Some(pb::Body {
            msg_body: Some(pb::body::MsgBody::Request(pb::Request {
                req_type: Some(rt),
            })),
        });
        if awaits {
            self.forwards.insert(
                fwd_id,
                Forward {
                    ctrl: String::from(from),
                    orig: String::from(id),
                    service: service.clone(),
                    deadline: now.plus_millis(self.cfg.forward_timeout_ms),
                    acl,
                    fix,
                    split: None,
                },
            );
        }
        self.push_out(Outgoing {
            to: service,
            msg: m,
        });
        None
    }

    /// A Response or Error from `from` answering a forwarded request: filtered to what the
    /// Controller may read and passed back under its original msg_id. Returns `false` if it
    /// answers nothing forwarded.
    pub(super) fn forwarded_reply(&mut self, from: &str, msg: &pb::Msg) -> bool {
        let Some(id) = msg.header.as_ref().map(|h| h.msg_id.as_str()) else {
            return false;
        };
        match self.forwards.get(id) {
            Some(f) if f.service == from => {}
            _ => return false,
        }
        let Some(f) = self.forwards.remove(id) else {
            return false;
        };
        if let Some((sid, part)) = f.split {
            let out = match msg.body.as_ref().and_then(|b| b.msg_body.as_ref()) {
                Some(pb::body::MsgBody::Response(pb::Response { resp_type: Some(r) })) => {
                    let mut r = r.clone();
                    fix_reply(&f.acl, f.fix, &mut r);
                    Outcome::Resp(r)
                }
                Some(pb::body::MsgBody::Error(e)) => Outcome::Fail(e.err_code, e.err_msg.clone()),
                _ => Outcome::Fail(
                    code::INTERNAL_ERROR,
                    format!("USP Service {from} sent an empty response"),
                ),
            };
            self.part_done(sid, part, out);
            return true;
        }
        let mut m = msg.clone();
        if let Some(h) = m.header.as_mut() {
            h.msg_id = f.orig;
        }
        if let Some(pb::body::MsgBody::Response(pb::Response { resp_type: Some(r) })) =
            m.body.as_mut().and_then(|b| b.msg_body.as_mut())
        {
            fix_reply(&f.acl, f.fix, r);
        }
        self.push_out(Outgoing { to: f.ctrl, msg: m });
        true
    }

    /// Forwarded requests whose deadline passed: their Controllers get Error 7003 (Internal
    /// error) and the entries are freed.
    pub(super) fn expire_forwards(&mut self, now: Instant) {
        let late: Vec<String> = self
            .forwards
            .iter()
            .filter(|(_, f)| f.deadline <= now)
            .map(|(k, _)| k.clone())
            .collect();
        for k in late {
            if let Some(f) = self.forwards.remove(&k) {
                let why = format!("USP Service {} did not answer in time", f.service);
                self.forward_failed(f, code::INTERNAL_ERROR, why);
            }
        }
    }

    /// Forwarded request `f` gets no answer: its Controller gets Error `code`, or, for one
    /// part of a split request, the part fails with it.
    fn forward_failed(&mut self, f: Forward, code: u32, why: String) {
        match f.split {
            Some((sid, part)) => self.part_done(sid, part, Outcome::Fail(code, why)),
            None => {
                let e = error(&f.orig, code, why);
                self.push_out(Outgoing { to: f.ctrl, msg: e });
            }
        }
    }

    /// How many requests (or parts of split requests) forwarded to USP Services await
    /// their reply; at most [`super::AgentConfig::set_max_pending`].
    pub fn forwarded_requests(&self) -> usize {
        self.forwards.len()
    }

    /// Marks `endpoint` as a USP Service (`true`) or not: only marked endpoints may Register
    /// (others get Error 7006). The integrator marks the endpoints it knows to be USP
    /// Services, typically those connected over the internal UNIX domain socket MTP; a
    /// Controller on the outside must not be able to take over parts of the data model.
    /// Unmarking drops the endpoint's registrations as [`Agent::service_disconnected`] does.
    pub fn set_usp_service(&mut self, endpoint: impl Into<String>, yes: bool) -> &mut Self {
        let endpoint = endpoint.into();
        if yes {
            self.services.insert(endpoint);
        } else {
            self.services.remove(&endpoint);
            self.service_disconnected(&endpoint);
        }
        self
    }

    /// Whether `endpoint` is marked as a USP Service ([`Agent::set_usp_service`]).
    pub fn is_usp_service(&self, endpoint: &str) -> bool {
        self.services.contains(endpoint)
    }

    pub(super) fn register(&mut self, from: &str, id: &str, r: &pb::Register) -> pb::Msg {
        use pb::register_resp::RegisteredPathResult;
        use pb::register_resp::registered_path_result::OperationStatus;
        use pb::register_resp::registered_path_result::operation_status::{
            OperStatus, OperationSuccess,
        };
        if !self.services.contains(from) {
            return error(
                id,
                code::PERMISSION_DENIED,
                format!("{from} is not a USP Service of this Broker"),
            );
        }
        let mut results = Vec::with_capacity(r.reg_paths.len());
        let mut added: Vec<(String, String)> = Vec::new();
        let mut first_fail = None;
        for rp in &r.reg_paths {
            let p = rp.path.trim();
            let outcome = check_reg_path(p)
                .map_err(|m| (code::REGISTER_FAILURE, m))
                .and_then(|()| {
                    let taken = self
                        .registry
                        .iter()
                        .chain(added.iter())
                        .find(|(reg, owner)| owner != from && (under(p, reg) || under(reg, p)));
                    match taken {
                        Some((reg, _)) => Err((
                            code::ALREADY_IN_USE,
                            format!("{p} overlaps {reg}, registered by another USP Service"),
                        )),
                        None => Ok(()),
                    }
                })
                .and_then(|()| {
                    if self.registry.len() + added.len() >= self.cfg.max_registrations {
                        Err((
                            code::REGISTER_FAILURE,
                            String::from("too many registrations"),
                        ))
                    } else {
                        Ok(())
                    }
                });
            let status = match outcome {
                Ok(()) => {
                    let known = self
                        .registry
                        .iter()
                        .chain(added.iter())
                        .any(|(reg, owner)| owner == from && reg == p);
                    if !known {
                        added.push((String::from(p), String::from(from)));
                    }
                    OperationStatus {
                        oper_status: Some(OperStatus::OperSuccess(OperationSuccess {
                            registered_path: String::from(p),
                        })),
                    }
                }
                Err((c, m)) => {
                    if first_fail.is_none() {
                        first_fail = Some((c, m.clone()));
                    }
                    failure(c, m)
                }
            };
            results.push(RegisteredPathResult {
                requested_path: rp.path.clone(),
                oper_status: Some(status),
            });
        }
        match first_fail {
            Some((c, m)) if !r.allow_partial => {
                // R-REG.1: nothing registered.
                return error(id, c, m);
            }
            _ => {}
        }
        // R-REG.0: each path on its own.
        self.registry.extend(added);
        response_msg(
            String::from(id),
            pb::response::RespType::RegisterResp(pb::RegisterResp {
                registered_path_results: results,
            }),
        )
    }

    pub(super) fn deregister(&mut self, from: &str, id: &str, d: &pb::Deregister) -> pb::Msg {
        use pb::deregister_resp::DeregisteredPathResult;
        use pb::deregister_resp::deregistered_path_result::OperationStatus;
        use pb::deregister_resp::deregistered_path_result::operation_status::{
            OperStatus, OperationFailure, OperationSuccess,
        };
        let mut results = Vec::with_capacity(d.paths.len());
        for p in &d.paths {
            let t = p.trim();
            let status = if t.is_empty() {
                // R-DEREG.2: everything of this service.
                let mut gone = Vec::new();
                self.registry.retain(|(reg, owner)| {
                    let mine = owner == from;
                    if mine {
                        gone.push(reg.clone());
                    }
                    !mine
                });
                OperStatus::OperSuccess(OperationSuccess {
                    deregistered_path: gone,
                })
            } else if let Some(i) = self
                .registry
                .iter()
                .position(|(reg, owner)| owner == from && reg == t)
            {
                let (reg, _) = self.registry.remove(i);
                OperStatus::OperSuccess(OperationSuccess {
                    deregistered_path: alloc::vec![reg],
                })
            } else if self.registry.iter().any(|(reg, _)| reg == t) {
                // R-DEREG.1: only what it registered.
                OperStatus::OperFailure(OperationFailure {
                    err_code: code::PATH_ALREADY_REGISTERED,
                    err_msg: format!("{t} is registered by another USP Service"),
                })
            } else {
                OperStatus::OperFailure(OperationFailure {
                    err_code: code::DEREGISTER_FAILURE,
                    err_msg: format!("{t} is not registered"),
                })
            };
            results.push(DeregisteredPathResult {
                requested_path: p.clone(),
                oper_status: Some(OperationStatus {
                    oper_status: Some(status),
                }),
            });
        }
        // R-DEREG.4: always a DeregisterResp.
        response_msg(
            String::from(id),
            pb::response::RespType::DeregisterResp(pb::DeregisterResp {
                deregistered_path_results: results,
            }),
        )
    }

    /// The USP Service `endpoint` went away: all its registrations go, and every request
    /// forwarded to it is answered with Error 7000 (Message failed) to its Controller.
    pub fn service_disconnected(&mut self, endpoint: &str) {
        self.registry.retain(|(_, owner)| owner != endpoint);
        self.drop_relays(endpoint);
        let lost: Vec<String> = self
            .forwards
            .iter()
            .filter(|(_, f)| f.service == endpoint)
            .map(|(k, _)| k.clone())
            .collect();
        for k in lost {
            if let Some(f) = self.forwards.remove(&k) {
                let why = format!("USP Service {endpoint} disconnected");
                self.forward_failed(f, code::MESSAGE_FAILED, why);
            }
        }
    }

    /// The registered paths with their USP Service, in registration order.
    pub fn registrations(&self) -> impl Iterator<Item = (&str, &str)> {
        self.registry.iter().map(|(p, s)| (p.as_str(), s.as_str()))
    }
}
