//! Subscriptions on paths owned by USP Services: the Broker subscribes on the service and
//! relays its Notify messages to the subscribing Controller.
//!
//! For each enabled `Device.LocalAgent.Subscription.{i}.` row whose `ReferenceList` names
//! paths lying under a service's registered path, the Broker adds a Subscription row on that
//! service (an Add to `Device.LocalAgent.Subscription.` sent as the Broker, so the service
//! records the Broker as Recipient) with the row's `NotifType`, the service-owned part of
//! the `ReferenceList`, its own `ID` and `NotifRetry = false`. A Notify from the service
//! for that `ID` is answered with a NotifyResp by the Broker (when `send_resp`) and relayed
//! to the Controller under the Controller's subscription `ID`, with the Controller's
//! `NotifRetry`/`NotifExpiration` and its `n` permission checked. When the Controller's row
//! goes (deleted, disabled, `ReferenceList` or `NotifType` changed, the path deregistered),
//! the Broker deletes the service's row.

use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;

use usp_msg::pb;
use usp_msg::pb::request::ReqType;

use super::broker::under;
use super::notify::{SUB_TABLE, read_bool};
use super::{Agent, Instant, Outgoing};
use crate::engine::response_msg;
use crate::model::DataModel;

/// The prefix of the msg_ids and subscription IDs the Broker uses towards services.
const PREFIX: &str = "relay";

/// A Subscription the Broker holds on a USP Service for a Controller's Subscription row.
#[derive(Clone, Debug)]
pub(super) struct Relay {
    /// The Controller's Subscription row (`Device.LocalAgent.Subscription.3.`).
    row: String,
    /// The USP Service.
    service: String,
    /// The `ID` of the Subscription on the service.
    svc_id: String,
    /// `NotifType` and the service-owned `ReferenceList`, as sent.
    kind: String,
    refs: String,
    /// The service's Subscription row, once its AddResp came.
    svc_row: Option<String>,
}

fn read<M: DataModel + ?Sized>(dm: &M, row: &str, p: &str) -> String {
    dm.get(row, p).map(Into::into).unwrap_or_default()
}

fn request(id: String, rt: ReqType) -> pb::Msg {
    let msg_type = match rt {
        ReqType::Add(_) => pb::header::MsgType::Add,
        _ => pb::header::MsgType::Delete,
    };
    pb::Msg {
        header: Some(pb::Header {
            msg_id: id,
            msg_type: msg_type as i32,
        }),
        body: Some(pb::Body {
            msg_body: Some(pb::body::MsgBody::Request(pb::Request {
                req_type: Some(rt),
            })),
        }),
    }
}

impl Agent {
    /// Brings the Subscriptions held on USP Services in line with the Controllers'
    /// Subscription rows and the registrations.
    pub(super) fn sync_relays<M: DataModel + ?Sized>(&mut self, dm: &M) {
        if self.registry.is_empty() && self.relays.is_empty() {
            return;
        }
        // (row, service, NotifType, ReferenceList part)
        let mut want: Vec<(String, String, String, String)> = Vec::new();
        let mut rows = Vec::new();
        dm.instances(SUB_TABLE, &mut rows);
        'rows: for n in rows {
            let row = format!("{SUB_TABLE}{n}.");
            if !read_bool(dm, &row, "Enable") {
                continue;
            }
            let kind = read(dm, &row, "NotifType");
            let refs = read(dm, &row, "ReferenceList");
            let mut per: Vec<(&str, Vec<&str>)> = Vec::new();
            for p in refs.split(',').map(str::trim).filter(|p| !p.is_empty()) {
                let Some((_, svc)) = self.registry.iter().find(|(reg, _)| under(p, reg)) else {
                    continue;
                };
                match per.iter_mut().find(|(s, _)| *s == svc.as_str()) {
                    Some((_, v)) => v.push(p),
                    None => per.push((svc.as_str(), alloc::vec![p])),
                }
            }
            for (svc, paths) in per {
                if want.len() >= self.cfg.max_subs {
                    break 'rows;
                }
                want.push((
                    row.clone(),
                    String::from(svc),
                    kind.clone(),
                    paths.join(","),
                ));
            }
        }
        let same = |r: &Relay, w: &(String, String, String, String)| {
            r.row == w.0 && r.service == w.1 && r.kind == w.2 && r.refs == w.3
        };
        let (keep, gone): (Vec<Relay>, Vec<Relay>) = core::mem::take(&mut self.relays)
            .into_iter()
            .partition(|r| want.iter().any(|w| same(r, w)));
        self.relays = keep;
        for r in gone {
            if let Some(svc_row) = r.svc_row {
                self.relay_delete(r.service, svc_row);
            }
        }
        for w in want {
            if self.relays.iter().any(|r| same(r, &w)) {
                continue;
            }
            // Bounded: at most max_pending Adds awaiting their AddResp; the rest wait for
            // a later sync.
            if self.relay_adds.len() >= self.cfg.max_pending {
                break;
            }
            let (row, service, kind, refs) = w;
            let svc_id = self.next_msg_id(PREFIX);
            let msg_id = self.next_msg_id(PREFIX);
            let setting = |param: &str, value: &str, required| pb::add::CreateParamSetting {
                param: String::from(param),
                value: String::from(value),
                required,
            };
            let add = ReqType::Add(pb::Add {
                allow_partial: false,
                create_objs: alloc::vec![pb::add::CreateObject {
                    obj_path: String::from(SUB_TABLE),
                    param_settings: alloc::vec![
                        setting("Enable", "true", true),
                        setting("ID", &svc_id, true),
                        setting("NotifType", &kind, true),
                        setting("ReferenceList", &refs, true),
                        setting("NotifRetry", "false", false),
                        setting("Persistent", "false", false),
                    ],
                }],
            });
            self.relay_adds
                .insert(msg_id.clone(), (service.clone(), svc_id.clone()));
            self.push_out(Outgoing {
                to: service.clone(),
                msg: request(msg_id, add),
            });
            self.relays.push(Relay {
                row,
                service,
                svc_id,
                kind,
                refs,
                svc_row: None,
            });
        }
    }

    fn relay_delete(&mut self, service: String, svc_row: String) {
        let id = self.next_msg_id(PREFIX);
        let del = ReqType::Delete(pb::Delete {
            allow_partial: true,
            obj_paths: alloc::vec![svc_row],
        });
        self.push_out(Outgoing {
            to: service,
            msg: request(id, del),
        });
    }

    /// A Response or Error from USP Service `from` to one of the Broker's own Add or Delete
    /// requests. Returns `false` if it answers none of them.
    pub(super) fn relay_reply(&mut self, from: &str, msg: &pb::Msg) -> bool {
        let Some(id) = msg.header.as_ref().map(|h| h.msg_id.as_str()) else {
            return false;
        };
        if !id.starts_with(PREFIX) || !self.services.contains(from) {
            return false;
        }
        let Some((service, svc_id)) = self.relay_adds.get(id).cloned() else {
            // A DeleteResp, or a late answer: nothing to do.
            return true;
        };
        if service != from {
            return false;
        }
        self.relay_adds.remove(id);
        use pb::add_resp::created_object_result::operation_status::OperStatus;
        let created = match msg.body.as_ref().and_then(|b| b.msg_body.as_ref()) {
            Some(pb::body::MsgBody::Response(pb::Response {
                resp_type: Some(pb::response::RespType::AddResp(r)),
            })) => r.created_obj_results.iter().find_map(|c| {
                match c.oper_status.as_ref().and_then(|s| s.oper_status.as_ref()) {
                    Some(OperStatus::OperSuccess(ok)) => Some(ok.instantiated_path.clone()),
                    _ => None,
                }
            }),
            // An Error: the relay stays without a row on the service and relays nothing.
            _ => None,
        };
        let Some(svc_row) = created else {
            return true;
        };
        match self
            .relays
            .iter_mut()
            .find(|r| r.service == from && r.svc_id == svc_id)
        {
            Some(r) => r.svc_row = Some(svc_row),
            // The Controller's row went while the Add was on its way.
            None => self.relay_delete(service, svc_row),
        }
        true
    }

    /// A Notify from USP Service `from`: relayed to the Controller whose subscription it
    /// serves. Returns the NotifyResp to send back when `send_resp`.
    pub(super) fn relay_notify<M: DataModel + ?Sized>(
        &mut self,
        now: Instant,
        dm: &M,
        from: &str,
        id: &str,
        n: &pb::Notify,
    ) -> Option<pb::Msg> {
        let resp = n.send_resp.then(|| {
            response_msg(
                String::from(id),
                pb::response::RespType::NotifyResp(pb::NotifyResp {
                    subscription_id: n.subscription_id.clone(),
                }),
            )
        });
        let row = self
            .relays
            .iter()
            .find(|r| r.service == from && r.svc_id == n.subscription_id)
            .map(|r| r.row.clone());
        let (Some(row), Some(notification)) = (row, n.notification.clone()) else {
            return resp;
        };
        let mut ctrl = String::from(read(dm, &row, "Recipient").trim());
        if !ctrl.is_empty() && !ctrl.ends_with('.') {
            ctrl.push('.');
        }
        let Some(to) = (!ctrl.is_empty())
            .then(|| dm.get(&ctrl, "EndpointID").map(String::from))
            .flatten()
        else {
            return resp;
        };
        if !self.may_notify(&to, &notification) {
            return resp;
        }
        let sub_id = read(dm, &row, "ID");
        let retry = read_bool(dm, &row, "NotifRetry");
        let exp = read(dm, &row, "NotifExpiration")
            .trim()
            .parse()
            .unwrap_or(0);
        self.send_notify(now, dm, to, &ctrl, sub_id, retry, exp, notification);
        resp
    }

    /// USP Service `endpoint` went away: its Subscriptions are gone with it.
    pub(super) fn drop_relays(&mut self, endpoint: &str) {
        self.relays.retain(|r| r.service != endpoint);
        self.relay_adds.retain(|_, (s, _)| s != endpoint);
    }

    /// How many Subscriptions the Broker holds on USP Services for Controllers.
    pub fn relayed_subscriptions(&self) -> usize {
        self.relays.len()
    }
}
