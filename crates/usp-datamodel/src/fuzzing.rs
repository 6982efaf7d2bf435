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
    DataModel, Engine, EngineConfig, MemoryDataModel, ObjAccess, ObjectDef, ParamAccess, ParamDef,
    Range, RefKind, Schema, UniqueKey,
};

/// A small model: DeviceInfo, an Interface table with keys, a sub-table and a reference list,
/// a Controller table and a read-only table, with a few rows.
pub fn small_model() -> MemoryDataModel {
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
    fn small_model_is_populated() {
        let m = small_model();
        let mut v = Vec::new();
        m.instances("Device.IP.Interface.", &mut v);
        assert_eq!(v, [1, 2, 3]);
    }
}
