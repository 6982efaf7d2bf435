//! Fuzz bodies (called by the one-line targets in `fuzz/`, and by unit tests).

use alloc::collections::BTreeMap;
use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;

use prost::Message as _;
use usp_msg::pb;
use usp_msg::pb::request::ReqType;
use usp_path::resolve::ResolveLimits;
use usp_path::value::{ParamType, ValueType};

use crate::{
    Agent, AgentConfig, CommandDef, Commands, DataModel, DmError, Engine, EngineConfig, FullAccess,
    Instant, MemoryDataModel, ObjAccess, ObjectDef, OpHandle, ParamAccess, ParamDef, Range,
    RefKind, Schema, UniqueKey,
};

/// A small model: DeviceInfo, an Interface table with keys, a sub-table and a reference list,
/// a Controller table and a read-only table, with a few rows.
pub fn small_model() -> MemoryDataModel {
    populate(small_schema())
}

fn small_schema() -> Schema {
    let rw = ParamAccess::ReadWrite;
    let mut s = Schema::new("urn:usp-rs:fuzz-1-0");
    let objects = [
        ObjectDef::new("Device.")
            .with_param(ParamDef::new("RootDataModelVersion", ValueType::String)),
        ObjectDef::new("Device.DeviceInfo.")
            .with_param(ParamDef::new("SoftwareVersion", ValueType::String).with_default("1"))
            .with_param(ParamDef::new("UpTime", ValueType::UnsignedInt))
            .with_param(ParamDef::new("ProvisioningCode", ValueType::String).with_access(rw)),
        ObjectDef::new("Device.IP."),
        ObjectDef::new("Device.IP.Interface.{i}.")
            .with_access(ObjAccess::AddDelete)
            .with_param(
                ParamDef::new("Alias", ValueType::String)
                    .with_access(rw)
                    .with_data_type("Alias"),
            )
            .with_param(ParamDef::new("Name", ValueType::String).with_access(rw))
            .with_param(ParamDef::new("Enable", ValueType::Boolean).with_access(rw))
            .with_param(ParamDef::new("Counter", ValueType::Long).with_access(rw))
            .with_param(ParamDef::new("When", ValueType::DateTime).with_access(rw))
            .with_param(
                ParamDef::new("LowerLayers", ParamType::list(ValueType::String))
                    .with_access(rw)
                    .with_reference(RefKind::Strong),
            )
            .with_param({
                let mut p = ParamDef::new("MaxMTUSize", ValueType::UnsignedInt)
                    .with_access(rw)
                    .with_default("1500");
                p.constraints.ranges.push(Range::new(
                    Some(usp_path::value::Value::UnsignedInt(64)),
                    Some(usp_path::value::Value::UnsignedInt(65535)),
                ));
                p
            })
            .with_param(
                ParamDef::new("Key", ValueType::String).with_access(ParamAccess::WriteOnceReadOnly),
            )
            .with_unique_key(UniqueKey::new(["Alias"]))
            .with_unique_key(UniqueKey::new(["Name"]).functional()),
        ObjectDef::new("Device.IP.Interface.{i}.Stats.")
            .with_param(ParamDef::new("BytesSent", ValueType::UnsignedLong)),
        ObjectDef::new("Device.IP.Interface.{i}.Addr.{i}.")
            .with_access(ObjAccess::AddDelete)
            .with_param(ParamDef::new("Alias", ValueType::String).with_access(rw))
            .with_param(ParamDef::new("IP", ValueType::String).with_access(rw))
            .with_unique_key(UniqueKey::new(["Alias"])),
        ObjectDef::new("Device.Req.{i}.").with_param(ParamDef::new("Status", ValueType::String)),
    ];
    for o in objects {
        let _ = s.add_object(o);
    }
    s
}

fn populate(s: Schema) -> MemoryDataModel {
    let mut m = MemoryDataModel::new(s);
    for (i, (alias, name, ll)) in [
        ("a", "eth0", ""),
        ("b", "eth1", "Device.IP.Interface.1"),
        ("c", "lo", "Device.IP.Interface.2, Device.IP.Interface.1"),
    ]
    .into_iter()
    .enumerate()
    {
        let mut init = BTreeMap::new();
        init.insert(String::from("Alias"), String::from(alias));
        init.insert(String::from("Name"), String::from(name));
        init.insert(String::from("LowerLayers"), String::from(ll));
        let _ = m.add("Device.IP.Interface.", &init);
        let _ = m.add(
            &format!("Device.IP.Interface.{}.Addr.", i + 1),
            &BTreeMap::new(),
        );
    }
    m
}

const FRAGMENTS: [&str; 24] = [
    "Device.",
    "IP.",
    "Interface.",
    "1.",
    "2.",
    "*.",
    "Addr.",
    "Stats.",
    "DeviceInfo.",
    "Req.",
    "[Enable==true].",
    "[Name==\"eth0\"].",
    "[Alias==\"b\"].",
    "[MaxMTUSize>100].",
    "LowerLayers+.",
    "LowerLayers#*+.",
    "Name",
    "Alias",
    "Enable",
    "MaxMTUSize",
    "BytesSent",
    "{i}.",
    "Reboot()",
    "X",
];
const VALUES: [&str; 10] = [
    "true",
    "1",
    "eth0",
    "",
    "9000",
    "-1",
    "b",
    "2021-06-06T08:00:00Z",
    "Device.IP.Interface.3",
    "x y",
];

struct Bytes<'a>(&'a [u8]);

impl Bytes<'_> {
    fn byte(&mut self) -> u8 {
        let (b, rest) = self.0.split_first().map_or((0, &[][..]), |(b, r)| (*b, r));
        self.0 = rest;
        b
    }

    fn path(&mut self) -> String {
        let n = self.byte() % 6;
        let mut s = String::new();
        for _ in 0..n {
            let b = self.byte();
            match FRAGMENTS.get(usize::from(b) % (FRAGMENTS.len() + 1)) {
                Some(f) => s.push_str(f),
                None => s.push(char::from(b % 128)),
            }
        }
        s
    }

    fn settings(&mut self) -> Vec<(String, String, bool)> {
        let n = self.byte() % 4;
        (0..n)
            .map(|_| {
                let p = self.path();
                let v = VALUES
                    .get(usize::from(self.byte()) % VALUES.len())
                    .copied()
                    .unwrap_or("");
                (p, String::from(v), self.byte() % 2 == 0)
            })
            .collect()
    }

    fn request(&mut self) -> ReqType {
        let kind = self.byte() % 8;
        let flag = self.byte() % 2 == 0;
        let paths: Vec<String> = (0..1 + self.byte() % 3).map(|_| self.path()).collect();
        match kind {
            0 => ReqType::Get(pb::Get {
                param_paths: paths,
                max_depth: u32::from(self.byte() % 4),
            }),
            1 => ReqType::GetInstances(pb::GetInstances {
                obj_paths: paths,
                first_level_only: flag,
            }),
            2 => ReqType::GetSupportedDm(pb::GetSupportedDm {
                obj_paths: paths,
                first_level_only: flag,
                return_commands: true,
                return_events: true,
                return_params: true,
                return_unique_key_sets: true,
            }),
            3 => ReqType::Delete(pb::Delete {
                allow_partial: flag,
                obj_paths: paths,
            }),
            4 => ReqType::Add(pb::Add {
                allow_partial: flag,
                create_objs: paths
                    .into_iter()
                    .map(|obj_path| pb::add::CreateObject {
                        obj_path,
                        param_settings: self
                            .settings()
                            .into_iter()
                            .map(|(param, value, required)| pb::add::CreateParamSetting {
                                param,
                                value,
                                required,
                            })
                            .collect(),
                    })
                    .collect(),
            }),
            5 => ReqType::Set(pb::Set {
                allow_partial: flag,
                update_objs: paths
                    .into_iter()
                    .map(|obj_path| pb::set::UpdateObject {
                        obj_path,
                        param_settings: self
                            .settings()
                            .into_iter()
                            .map(|(param, value, required)| pb::set::UpdateParamSetting {
                                param,
                                value,
                                required,
                            })
                            .collect(),
                    })
                    .collect(),
            }),
            6 => ReqType::GetSupportedProtocol(pb::GetSupportedProtocol::default()),
            _ => ReqType::Operate(pb::Operate {
                command: paths.concat(),
                ..pb::Operate::default()
            }),
        }
    }
}

fn engine() -> Engine {
    let mut cfg = EngineConfig::default();
    if let Ok(l) = ResolveLimits::new(20_000, 2_000, 4) {
        cfg.set_resolve_limits(l);
    }
    cfg.set_max_get_values(5_000);
    Engine::new(cfg)
}

fn is_error(m: &pb::Msg) -> bool {
    matches!(
        m.body.as_ref().and_then(|b| b.msg_body.as_ref()),
        Some(pb::body::MsgBody::Error(_))
    )
}

/// Feeds arbitrary requests to the engine over [`small_model`]: `data` decoded as a `usp.Msg`,
/// then up to 32 requests built from the bytes, applied in sequence. Checks that every request
/// gets exactly one reply with its msg_id, and that a message with `allow_partial = false`
/// answered with an Error left the model unchanged.
pub fn engine_requests(data: &[u8]) {
    let e = engine();
    let mut dm = small_model();
    if let Ok(msg) = pb::Msg::decode(data) {
        let id = msg.header.as_ref().map(|h| h.msg_id.clone());
        if let Some(r) = e.handle(&mut dm, &msg) {
            assert_eq!(r.header.map(|h| h.msg_id), id);
        }
    }
    let mut dm = small_model();
    let mut b = Bytes(data);
    for i in 0..32u32 {
        if b.0.is_empty() {
            break;
        }
        let rt = b.request();
        let atomic = match &rt {
            ReqType::Set(s) => !s.allow_partial,
            ReqType::Add(a) => !a.allow_partial,
            ReqType::Delete(d) => !d.allow_partial,
            _ => false,
        };
        let before = atomic.then(|| dm.dump());
        let id = format!("f-{i}");
        let msg = pb::Msg {
            header: Some(pb::Header {
                msg_id: id.clone(),
                msg_type: 1,
            }),
            body: Some(pb::Body {
                msg_body: Some(pb::body::MsgBody::Request(pb::Request {
                    req_type: Some(rt),
                })),
            }),
        };
        let reply = e.handle(&mut dm, &msg);
        let Some(reply) = reply else {
            unreachable!("every request gets a reply");
        };
        assert_eq!(
            reply.header.as_ref().map(|h| h.msg_id.as_str()),
            Some(id.as_str())
        );
        if let Some(before) = before {
            if is_error(&reply) {
                assert!(
                    dm.dump() == before,
                    "an atomic message that failed changed the model"
                );
            }
        }
    }
}

/// [`small_model`] plus the LocalAgent tables the [`Agent`] uses (Controller with
/// `proto::c1`, Subscription, Request with `Cancel()`) and the commands `Device.Reboot()`
/// (sync) and `Device.Slow()` (async, mandatory input `N`).
pub fn agent_model() -> MemoryDataModel {
    let rw = ParamAccess::ReadWrite;
    let mut s = small_schema();
    let p = |n: &str, t: ValueType| ParamDef::new(n, t).with_access(rw);
    if let Some(d) = s.object_mut("Device.") {
        d.commands
            .insert(String::from("Reboot"), CommandDef::new("Reboot()"));
        d.commands.insert(
            String::from("Slow"),
            CommandDef::new("Slow()")
                .asynchronous()
                .with_input(ParamDef::new("N", ValueType::UnsignedInt).mandatory()),
        );
    }
    let objects = [
        ObjectDef::new("Device.LocalAgent."),
        ObjectDef::new("Device.LocalAgent.Controller.{i}.")
            .with_access(ObjAccess::AddDelete)
            .with_param(p("Alias", ValueType::String).with_data_type("Alias"))
            .with_param(p("EndpointID", ValueType::String))
            .with_param(
                p("USPNotifRetryMinimumWaitInterval", ValueType::UnsignedInt).with_default("5"),
            )
            .with_param(
                p("USPNotifRetryIntervalMultiplier", ValueType::UnsignedInt).with_default("2000"),
            )
            .with_unique_key(UniqueKey::new(["Alias"])),
        ObjectDef::new("Device.LocalAgent.Subscription.{i}.")
            .with_access(ObjAccess::AddDelete)
            .with_param(p("Alias", ValueType::String).with_data_type("Alias"))
            .with_param(p("Enable", ValueType::Boolean))
            .with_param(
                ParamDef::new("Recipient", ValueType::String).with_reference(RefKind::Strong),
            )
            .with_param(p("ID", ValueType::String))
            .with_param(p("NotifType", ValueType::String))
            .with_param(
                ParamDef::new("ReferenceList", ParamType::list(ValueType::String)).with_access(rw),
            )
            .with_param(p("Persistent", ValueType::Boolean))
            .with_param(
                ParamDef::new("TimeToLive", ValueType::UnsignedInt)
                    .with_access(ParamAccess::WriteOnceReadOnly),
            )
            .with_param(p("NotifRetry", ValueType::Boolean))
            .with_param(p("NotifExpiration", ValueType::UnsignedInt))
            .with_unique_key(UniqueKey::new(["Alias"])),
        ObjectDef::new("Device.LocalAgent.Request.{i}.")
            .with_param(p("Alias", ValueType::String).with_data_type("Alias"))
            .with_param(ParamDef::new("Originator", ValueType::String))
            .with_param(ParamDef::new("Command", ValueType::String))
            .with_param(ParamDef::new("CommandKey", ValueType::String))
            .with_param(ParamDef::new("Status", ValueType::String))
            .with_command(CommandDef::new("Cancel()"))
            .with_unique_key(UniqueKey::new(["Alias"])),
    ];
    for o in objects {
        let _ = s.add_object(o);
    }
    let mut m = populate(s);
    let mut c = BTreeMap::new();
    c.insert(String::from("Alias"), String::from("c1"));
    c.insert(String::from("EndpointID"), String::from("proto::c1"));
    let _ = m.add("Device.LocalAgent.Controller.", &c);
    m
}

/// Commands for the sequences: sync ones fail on odd-length paths, async ones start and are
/// remembered; cancel succeeds on even handles.
#[derive(Default)]
struct FuzzCmds {
    started: Vec<OpHandle>,
}

impl Commands<MemoryDataModel> for FuzzCmds {
    fn run(
        &mut self,
        _: &mut MemoryDataModel,
        command: &str,
        input: &BTreeMap<String, String>,
    ) -> Result<BTreeMap<String, String>, DmError> {
        if command.len() % 2 == 1 {
            return Err(DmError::new(crate::code::COMMAND_FAILURE, "odd"));
        }
        Ok(input.clone())
    }

    fn start(
        &mut self,
        _: &mut MemoryDataModel,
        op: OpHandle,
        _: &str,
        _: &BTreeMap<String, String>,
    ) -> Result<(), DmError> {
        self.started.push(op);
        Ok(())
    }

    fn cancel(&mut self, _: &mut MemoryDataModel, op: OpHandle) -> Result<(), DmError> {
        if op.get() % 2 == 0 {
            self.started.retain(|o| *o != op);
            Ok(())
        } else {
            Err(DmError::new(crate::code::COMMAND_FAILURE, "busy"))
        }
    }
}

const NOTIF_TYPES: [&str; 6] = [
    "ValueChange",
    "ObjectCreation",
    "ObjectDeletion",
    "OperationComplete",
    "Event",
    "Bogus",
];

const REFS: [&str; 10] = [
    // Owned by the services registered at the start: relayed.
    "Device.Req.1.Name,Device.IP.Interface.1.",
    "Device.DeviceInfo.Req.Alarm!",
    "Device.IP.Interface.",
    "Device.IP.Interface.*.",
    "Device.IP.Interface.*.Addr.*.",
    "Device.IP.Interface.*.Enable,Device.IP.Interface.1.",
    "Device.",
    "Device.Slow()",
    "Device.Boot!",
    "Device.LocalAgent.Subscription.",
];

/// Paths that split a request once `Device.Req.` and `Device.DeviceInfo.Req.` are
/// registered.
const SPLIT_PATHS: [&str; 6] = [
    "Device.",
    "Device.DeviceInfo.",
    "Device.Req.",
    "Device.Req.1.",
    "Device.DeviceInfo.Req.Name",
    "Device.DeviceInfo.Req.[Name==\"x\"].",
];

/// Whether `m` is a Set without any parameter setting.
fn writes_nothing(m: &pb::Msg) -> bool {
    match m.body.as_ref().and_then(|b| b.msg_body.as_ref()) {
        Some(pb::body::MsgBody::Request(pb::Request {
            req_type: Some(ReqType::Set(s)),
        })) => s.update_objs.iter().all(|o| o.param_settings.is_empty()),
        _ => false,
    }
}

/// `rt` with one more requested path (or object) `p`.
fn add_path(rt: &mut ReqType, p: String) {
    match rt {
        ReqType::Get(g) => g.param_paths.push(p),
        ReqType::GetInstances(g) => g.obj_paths.push(p),
        ReqType::GetSupportedDm(g) => g.obj_paths.push(p),
        ReqType::Delete(d) => d.obj_paths.push(p),
        ReqType::Set(s) => {
            let mut o = s.update_objs.first().cloned().unwrap_or_default();
            o.obj_path = p;
            s.update_objs.push(o);
        }
        ReqType::Add(a) => {
            let mut o = a.create_objs.first().cloned().unwrap_or_default();
            o.obj_path = p;
            a.create_objs.push(o);
        }
        _ => {}
    }
}

fn request_msg(id: String, rt: ReqType) -> pb::Msg {
    pb::Msg {
        header: Some(pb::Header {
            msg_id: id,
            msg_type: 1,
        }),
        body: Some(pb::Body {
            msg_body: Some(pb::body::MsgBody::Request(pb::Request {
                req_type: Some(rt),
            })),
        }),
    }
}

/// Feeds arbitrary sequences into the stateful [`Agent`] over [`agent_model`]: requests
/// (the [`engine_requests`] mix, plus subscription Adds and Operates), NotifyResps for sent
/// and unknown msg_ids, events, value changes, operation completions, time steps, and USP
/// Service Register/Deregister/replies/errors/disconnects, up to 48 steps; registrations
/// below paths the Broker answers itself make requests split across the Broker and
/// services. Checks that the outbox, the pending Notify list, the running operations and the
/// requests awaiting USP Services stay within the configured bounds, that a Controller
/// that may only read never gets a write or an Operate through to a USP Service, that a request gets at most one reply with its msg_id, and
/// that [`Agent::poll_timeout`] never lies in the past after [`Agent::handle_timeout`].
pub fn engine_sequences(data: &[u8]) {
    let mut cfg = AgentConfig::default();
    let mut ecfg = EngineConfig::default();
    if let Ok(l) = ResolveLimits::new(20_000, 2_000, 4) {
        ecfg.set_resolve_limits(l);
    }
    ecfg.set_max_get_values(5_000);
    cfg.set_engine(ecfg)
        .set_max_outbox(16)
        .set_max_pending(8)
        .set_max_operations(4)
        .set_max_subscriptions(8)
        .set_max_registrations(8)
        .set_seed(u64::from(data.first().copied().unwrap_or(0)));
    let mut a = Agent::new(cfg);
    let mut dm = agent_model();
    let mut cmds = FuzzCmds::default();
    let mut now = Instant::from_millis(0);
    a.boot(now, &mut dm);
    a.set_usp_service("uds::s1", true)
        .set_usp_service("uds::s2", true);
    if data.first().is_some_and(|b| b % 2 == 0) {
        // Services below paths the Broker answers itself: `Device.` and `Device.DeviceInfo.`
        // requests are split across the Broker and them.
        for (svc, path) in [
            ("uds::s1", "Device.Req."),
            ("uds::s2", "Device.DeviceInfo.Req."),
        ] {
            let rt = ReqType::Register(pb::Register {
                allow_partial: false,
                reg_paths: alloc::vec![pb::register::RegistrationPath {
                    path: String::from(path)
                }],
            });
            let r = a.handle(
                now,
                &mut dm,
                &mut cmds,
                svc,
                &FullAccess,
                &request_msg(String::from("reg"), rt),
            );
            assert!(r.is_some());
        }
    }
    // Some requests come from a Controller that may only read Device.DeviceInfo.
    let r = crate::Perms::READ;
    let reader = crate::Role::new(alloc::vec![
        crate::Permission::new(1, ["Device.DeviceInfo."]).with(r, r, r, crate::Perms::NONE)
    ]);
    let mut sent: Vec<String> = Vec::new();
    // (service, ID) of the Subscriptions the Broker asked USP Services to create.
    let mut svc_subs: Vec<(String, String)> = Vec::new();
    // What a step drained early, still to be counted and recorded.
    let mut held: Vec<crate::Outgoing> = Vec::new();
    let mut b = Bytes(data);
    for i in 0..48u32 {
        if b.0.is_empty() {
            break;
        }
        let id = format!("s-{i}");
        match b.byte() % 10 {
            0..=2 => {
                let mut rt = b.request();
                if b.byte() % 2 == 0 {
                    // A path owned by (or containing paths of) the services registered at
                    // the start, so the request is split.
                    let p = SPLIT_PATHS[usize::from(b.byte()) % SPLIT_PATHS.len()];
                    add_path(&mut rt, String::from(p));
                }
                let writes = matches!(
                    rt,
                    ReqType::Set(_) | ReqType::Add(_) | ReqType::Delete(_) | ReqType::Operate(_)
                );
                let m = request_msg(id.clone(), rt);
                let r = if b.byte() % 4 == 0 {
                    let r = a.handle(now, &mut dm, &mut cmds, "proto::c1", &reader, &m);
                    // R-SEC.1: a Controller that may write nothing never gets a write or an
                    // Operate through to a USP Service, whole or as part of a split request.
                    // (A Set object without parameter settings writes nothing; it may go on
                    // so the service checks its path.)
                    if writes {
                        held.extend(core::iter::from_fn(|| a.poll_transmit()));
                        assert!(
                            held.iter()
                                .all(|o| !o.to.starts_with("uds::") || writes_nothing(&o.msg)),
                            "{held:?}"
                        );
                    }
                    r
                } else {
                    a.handle(now, &mut dm, &mut cmds, "proto::c1", &FullAccess, &m)
                };
                if let Some(r) = r {
                    assert_eq!(r.header.map(|h| h.msg_id), Some(id));
                }
            }
            3 => {
                let kind = NOTIF_TYPES[usize::from(b.byte()) % NOTIF_TYPES.len()];
                let refs = match REFS.get(usize::from(b.byte()) % (REFS.len() + 1)) {
                    Some(r) => String::from(*r),
                    None => b.path(),
                };
                let v = |x: u8| String::from(if x % 2 == 0 { "true" } else { "false" });
                let settings = [
                    ("Enable", v(b.byte() / 4)),
                    ("ID", format!("id{}", b.byte())),
                    ("NotifType", String::from(kind)),
                    ("ReferenceList", refs),
                    ("NotifRetry", v(b.byte())),
                    ("NotifExpiration", format!("{}", b.byte() % 4 * 30)),
                    ("TimeToLive", format!("{}", b.byte() % 3 * 50)),
                ];
                let rt = ReqType::Add(pb::Add {
                    allow_partial: false,
                    create_objs: alloc::vec![pb::add::CreateObject {
                        obj_path: String::from("Device.LocalAgent.Subscription."),
                        param_settings: settings
                            .into_iter()
                            .map(|(k, v)| pb::add::CreateParamSetting {
                                param: String::from(k),
                                value: v,
                                required: false,
                            })
                            .collect(),
                    }],
                });
                let _ = a.handle(
                    now,
                    &mut dm,
                    &mut cmds,
                    "proto::c1",
                    &FullAccess,
                    &request_msg(id, rt),
                );
            }
            4 => {
                let command = match b.byte() % 4 {
                    0 => String::from("Device.Slow()"),
                    1 => String::from("Device.Reboot()"),
                    2 => format!("Device.LocalAgent.Request.{}.Cancel()", b.byte() % 4),
                    _ => String::from("Device.LocalAgent.Request.*.Cancel()"),
                };
                let mut input_args = BTreeMap::new();
                if b.byte() % 2 == 0 {
                    input_args.insert(
                        String::from("N"),
                        String::from(VALUES[usize::from(b.byte()) % VALUES.len()]),
                    );
                }
                let rt = ReqType::Operate(pb::Operate {
                    command,
                    command_key: String::from("k"),
                    send_resp: b.byte() % 2 == 0,
                    input_args,
                });
                let _ = a.handle(
                    now,
                    &mut dm,
                    &mut cmds,
                    "proto::c1",
                    &FullAccess,
                    &request_msg(id, rt),
                );
            }
            5 => {
                let msg_id = match sent.get(usize::from(b.byte()) % (sent.len() + 1)) {
                    Some(s) => s.clone(),
                    None => id,
                };
                let m = pb::Msg {
                    header: Some(pb::Header {
                        msg_id,
                        msg_type: 4,
                    }),
                    body: Some(pb::Body {
                        msg_body: Some(pb::body::MsgBody::Response(pb::Response {
                            resp_type: Some(pb::response::RespType::NotifyResp(
                                pb::NotifyResp::default(),
                            )),
                        })),
                    }),
                };
                assert!(
                    a.handle(now, &mut dm, &mut cmds, "proto::c1", &FullAccess, &m)
                        .is_none()
                );
            }
            6 => {
                let step =
                    u64::from(b.byte()) * [1, 100, 1_000, 100_000][usize::from(b.byte() % 4)];
                now = now.plus_millis(step);
                a.handle_timeout(now, &mut dm);
                assert!(a.poll_timeout().is_none_or(|t| t > now));
            }
            7 => {
                if let Some(t) = a.poll_timeout() {
                    now = now.max(t);
                    a.handle_timeout(now, &mut dm);
                }
            }
            8 => {
                if !cmds.started.is_empty() {
                    let op = cmds
                        .started
                        .remove(usize::from(b.byte()) % cmds.started.len());
                    let r = if b.byte() % 2 == 0 {
                        Ok(BTreeMap::new())
                    } else {
                        Err(DmError::new(crate::code::COMMAND_FAILURE, "failed"))
                    };
                    let _ = a.complete_operation(now, &mut dm, op, r);
                }
            }
            9 if b.byte() % 2 == 0 => {
                // The Broker side: a USP Service registers, deregisters, answers or leaves.
                let svc = ["uds::s1", "uds::s2"][usize::from(b.byte() % 2)];
                let rt = match b.byte() % 4 {
                    0 => Some(ReqType::Register(pb::Register {
                        allow_partial: b.byte() % 2 == 0,
                        reg_paths: (0..1 + b.byte() % 3)
                            .map(|_| {
                                // Mostly paths the requests use, so they get forwarded,
                                // or lie below paths the Broker answers itself, so
                                // requests are split across the Broker and services.
                                let known = [
                                    "Device.IP.",
                                    "Device.IP.Interface.",
                                    "Device.",
                                    "Device.DeviceInfo.Req.",
                                    "Device.Req.",
                                    "Device.DeviceInfo.X",
                                ];
                                let path = match known.get(usize::from(b.byte() % 7)) {
                                    Some(p) => String::from(*p),
                                    None => b.path(),
                                };
                                pb::register::RegistrationPath { path }
                            })
                            .collect(),
                    })),
                    1 => Some(ReqType::Deregister(pb::Deregister {
                        paths: alloc::vec![b.path()],
                    })),
                    2 => {
                        a.service_disconnected(svc);
                        None
                    }
                    _ => {
                        let msg_id = match sent.get(usize::from(b.byte()) % (sent.len() + 1)) {
                            Some(s) => s.clone(),
                            None => id.clone(),
                        };
                        let mut from = String::from(svc);
                        let body = match b.byte() % 8 {
                            0 => pb::body::MsgBody::Response(pb::Response {
                                resp_type: Some(pb::response::RespType::GetResp(
                                    pb::GetResp::default(),
                                )),
                            }),
                            // Results for paths a split part may have asked, and others.
                            1 => {
                                let requested_path = match b.byte() % 3 {
                                    0 => String::from("Device.Req."),
                                    1 => String::from("Device.DeviceInfo.Req."),
                                    _ => b.path(),
                                };
                                let resolved_path = format!("{requested_path}{}.", b.byte() % 3);
                                pb::body::MsgBody::Response(pb::Response {
                                    resp_type: Some(pb::response::RespType::GetResp(pb::GetResp {
                                        req_path_results: alloc::vec![
                                            pb::get_resp::RequestedPathResult {
                                                requested_path,
                                                resolved_path_results: alloc::vec![
                                                    pb::get_resp::ResolvedPathResult {
                                                        resolved_path,
                                                        result_params: BTreeMap::from([(
                                                            String::from("Name"),
                                                            String::from("x"),
                                                        )]),
                                                    }
                                                ],
                                                ..Default::default()
                                            }
                                        ],
                                    })),
                                })
                            }
                            2 => pb::body::MsgBody::Response(pb::Response {
                                resp_type: Some(pb::response::RespType::SetResp(pb::SetResp {
                                    updated_obj_results: alloc::vec![
                                        pb::set_resp::UpdatedObjectResult {
                                            requested_path: b.path(),
                                            oper_status: None,
                                        }
                                    ],
                                })),
                            }),
                            // The AddResp to a Subscription the Broker relays.
                            3 => {
                                use pb::add_resp::created_object_result::operation_status::{
                                    OperStatus, OperationSuccess,
                                };
                                let instantiated_path =
                                    format!("Device.LocalAgent.Subscription.{}.", b.byte() % 4);
                                pb::body::MsgBody::Response(pb::Response {
                                    resp_type: Some(pb::response::RespType::AddResp(
                                        pb::AddResp {
                                            created_obj_results: alloc::vec![
                                                pb::add_resp::CreatedObjectResult {
                                                    requested_path: String::from(
                                                        "Device.LocalAgent.Subscription.",
                                                    ),
                                                    oper_status: Some(
                                                        pb::add_resp::created_object_result::OperationStatus {
                                                            oper_status: Some(
                                                                OperStatus::OperSuccess(
                                                                    OperationSuccess {
                                                                        instantiated_path,
                                                                        ..Default::default()
                                                                    },
                                                                ),
                                                            ),
                                                        },
                                                    ),
                                                }
                                            ],
                                        },
                                    )),
                                })
                            }
                            // A Notify for a Subscription the Broker may hold on it.
                            4..=6 => pb::body::MsgBody::Request(pb::Request {
                                req_type: Some(ReqType::Notify(pb::Notify {
                                    subscription_id: match svc_subs
                                        .get(usize::from(b.byte()) % (svc_subs.len() + 1))
                                    {
                                        Some((s, id)) => {
                                            from.clone_from(s);
                                            id.clone()
                                        }
                                        None => String::new(),
                                    },
                                    send_resp: b.byte() % 2 == 0,
                                    notification: Some(pb::notify::Notification::Event(
                                        pb::notify::Event {
                                            obj_path: String::from("Device.IP."),
                                            event_name: String::from("Boot!"),
                                            params: BTreeMap::new(),
                                        },
                                    )),
                                })),
                            }),
                            _ => pb::body::MsgBody::Error(pb::Error {
                                err_code: crate::code::INTERNAL_ERROR,
                                err_msg: String::from("no"),
                                param_errs: Vec::new(),
                            }),
                        };
                        let m = pb::Msg {
                            header: Some(pb::Header {
                                msg_id,
                                msg_type: 2,
                            }),
                            body: Some(pb::Body {
                                msg_body: Some(body),
                            }),
                        };
                        let r = a.handle(now, &mut dm, &mut cmds, &from, &FullAccess, &m);
                        // Only a Notify is answered (NotifyResp, same msg_id).
                        if let Some(r) = r {
                            assert!(matches!(
                                r.body.and_then(|b| b.msg_body),
                                Some(pb::body::MsgBody::Response(pb::Response {
                                    resp_type: Some(pb::response::RespType::NotifyResp(_))
                                }))
                            ));
                            assert_eq!(r.header.map(|h| h.msg_id), m.header.map(|h| h.msg_id));
                        }
                        None
                    }
                };
                if let Some(rt) = rt {
                    let r = a.handle(
                        now,
                        &mut dm,
                        &mut cmds,
                        svc,
                        &FullAccess,
                        &request_msg(id.clone(), rt),
                    );
                    assert_eq!(r.and_then(|r| r.header).map(|h| h.msg_id), Some(id));
                }
            }
            _ => {
                if b.byte() % 2 == 0 {
                    a.event(now, &mut dm, "Device.", "Boot!", BTreeMap::new());
                } else {
                    let _ = dm.set_value(
                        "Device.IP.Interface.1.",
                        "Enable",
                        VALUES[usize::from(b.byte()) % 2],
                    );
                    a.value_changed(now, &mut dm, "Device.IP.Interface.1.", "Enable");
                    a.poll_changes(now, &mut dm);
                }
            }
        }
        assert!(a.pending_notifications() <= 8);
        assert!(a.running_operations() <= 4);
        assert!(a.registrations().count() <= 8);
        // Forwarded requests and parts of split requests awaiting a USP Service.
        assert!(a.forwarded_requests() <= 8);
        // Subscriptions held on USP Services: at most one per row and service, within
        // max_subscriptions.
        assert!(a.relayed_subscriptions() <= 8);
        let mut n = 0;
        let mut out = core::mem::take(&mut held).into_iter();
        while let Some(o) = out.next().or_else(|| a.poll_transmit()) {
            n += 1;
            assert!(n <= 16, "outbox beyond its bound");
            if let Some(pb::body::MsgBody::Request(pb::Request {
                req_type: Some(ReqType::Add(add)),
            })) = o.msg.body.as_ref().and_then(|b| b.msg_body.as_ref())
            {
                let ids = add.create_objs.iter().flat_map(|c| &c.param_settings);
                for ps in ids.filter(|p| p.param == "ID") {
                    if svc_subs.len() >= 8 {
                        svc_subs.remove(0);
                    }
                    svc_subs.push((o.to.clone(), ps.value.clone()));
                }
            }
            if let Some(h) = o.msg.header {
                if sent.len() >= 16 {
                    sent.remove(0);
                }
                sent.push(h.msg_id);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fixed_inputs() {
        engine_requests(&[]);
        engine_requests(&[0xff; 64]);
        let mut x: u32 = 1;
        for len in [1usize, 7, 33, 200, 1000] {
            let mut v = Vec::with_capacity(len);
            for _ in 0..len {
                x = x.wrapping_mul(1_103_515_245).wrapping_add(12_345);
                v.push((x >> 16) as u8);
            }
            engine_requests(&v);
        }
        // A real Get message.
        let m = pb::Msg {
            header: Some(pb::Header {
                msg_id: String::from("1"),
                msg_type: 1,
            }),
            body: Some(pb::Body {
                msg_body: Some(pb::body::MsgBody::Request(pb::Request {
                    req_type: Some(ReqType::Get(pb::Get {
                        param_paths: alloc::vec![String::from(
                            "Device.IP.Interface.*.LowerLayers#*+.Name"
                        )],
                        max_depth: 0,
                    })),
                })),
            }),
        };
        engine_requests(&m.encode_to_vec());
    }

    proptest::proptest! {
        #[test]
        fn engine_requests_never_panics(data in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..512)) {
            engine_requests(&data);
        }
    }

    #[test]
    fn sequences_fixed_inputs() {
        engine_sequences(&[]);
        engine_sequences(&[3; 64]);
        let mut x: u32 = 7;
        for len in [1usize, 9, 40, 300, 2000] {
            let mut v = Vec::with_capacity(len);
            for _ in 0..len {
                x = x.wrapping_mul(1_103_515_245).wrapping_add(12_345);
                v.push((x >> 16) as u8);
            }
            engine_sequences(&v);
        }
        // Subscribe (ObjectCreation on the Interface table, retried), Add, time steps.
        let mut v = alloc::vec![3, 1, 0, 0, 1, 2, 0, 0, 0, 0, 0];
        v.extend_from_slice(&[0, 4, 0, 1, 1, 0, 0, 0, 0, 0, 6, 200, 3, 7, 7, 7, 5, 0]);
        engine_sequences(&v);
    }

    proptest::proptest! {
        #[test]
        fn engine_sequences_never_panic(data in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..600)) {
            engine_sequences(&data);
        }
    }

    #[test]
    fn agent_model_has_the_local_agent_tables() {
        let m = agent_model();
        let mut v = Vec::new();
        m.instances("Device.LocalAgent.Controller.", &mut v);
        assert_eq!(v, [1]);
        assert!(
            m.schema()
                .object("Device.LocalAgent.Request.{i}.")
                .is_some()
        );
    }

    #[test]
    fn small_model_is_populated() {
        let m = small_model();
        let mut v = Vec::new();
        m.instances("Device.IP.Interface.", &mut v);
        assert_eq!(v, [1, 2, 3]);
    }
}
