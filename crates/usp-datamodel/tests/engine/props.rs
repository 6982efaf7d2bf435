//! Properties: R-MSG.0 (one reply per request), Add then Delete restores the model, a failing
//! Set with allow_partial = false changes nothing.

use proptest::prelude::*;
use usp_datamodel::Engine;
use usp_msg::Operation;
use usp_msg::pb;
use usp_msg::pb::request::ReqType;
use usp_msg::pb::response::RespType;

use crate::add::{add_req, create};
use crate::common::*;
use crate::delete::del_req;
use crate::set::{model_functional_alias, set_req, upd};

const PARAMS: [&str; 6] = [
    "Enable",
    "Name",
    "Type",
    "MaxMTUSize",
    "LowerLayers",
    "Alias",
];
const VALUES: [&str; 8] = [
    "true",
    "0",
    "eth9",
    "Normal",
    "Tunnel",
    "1400",
    "",
    "Device.IP.Interface.2",
];

fn settings() -> impl Strategy<Value = Vec<(usize, usize, bool)>> {
    proptest::collection::vec((0..PARAMS.len(), 0..VALUES.len(), any::<bool>()), 0..5)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// MemoryDataModel's unique-key lookup gives the same answers as the engine's scan (the
    /// `Flaky` wrapper has no `find_by_key`).
    #[test]
    fn key_lookup_agrees_with_scanning(key in prop::sample::select(vec!["lan", "lo", "wan", "none", "a1"]), by_name in any::<bool>()) {
        let path = if by_name {
            format!(r#"Device.IP.Interface.[Name=="{key}"].Alias"#)
        } else {
            format!(r#"Device.IP.Interface.[Alias=="{key}"].Name"#)
        };
        let get = ReqType::Get(pb::Get { param_paths: vec![path], max_depth: 0 });
        let mut fast = model();
        let mut slow = Flaky::new(model(), true);
        let a = run(&mut fast, get.clone());
        let b = run(&mut slow, get);
        prop_assert_eq!(a, b);
    }

    #[test]
    fn add_then_delete_leaves_the_model_as_it_was(s in settings()) {
        let mut m = model();
        let before = m.dump();
        let ps: Vec<(&str, &str, bool)> = s.iter().map(|&(p, v, r)| (PARAMS[p], VALUES[v], r)).collect();
        let r = run(&mut m, add_req(true, vec![create("Device.IP.Interface.", &ps)]));
        let Reply::Resp(RespType::AddResp(a)) = reply(r) else { panic!("not an AddResp") };
        let status = a.created_obj_results[0].oper_status.clone().and_then(|s| s.oper_status);
        if let Some(pb::add_resp::created_object_result::operation_status::OperStatus::OperSuccess(ok)) = status {
            let d = run(&mut m, del_req(false, &[ok.instantiated_path.as_str()]));
            prop_assert!(matches!(reply(d), Reply::Resp(RespType::DeleteResp(_))));
        }
        prop_assert_eq!(m.dump(), before);
    }

    #[test]
    fn failing_set_without_allow_partial_changes_nothing(
        s in settings(),
        row in prop::sample::select(vec!["Device.IP.Interface.1.", "Device.IP.Interface.*.", "Device.IP.Interface.[Enable==true]."]),
        native in any::<bool>(),
    ) {
        let mut m = Flaky::new(model(), native);
        let before = m.inner.dump();
        let mut ps: Vec<(&str, &str, bool)> = s.iter().map(|&(p, v, r)| (PARAMS[p], VALUES[v], r)).collect();
        // Make sure something fails: a required invalid value, placed anywhere.
        let at = s.len() / 2;
        ps.insert(at, ("MaxMTUSize", "1", true));
        let r = run(&mut m, set_req(false, vec![upd(row, &ps)]));
        prop_assert!(matches!(reply(r), Reply::Err(_)));
        prop_assert_eq!(m.inner.dump(), before);
    }

    #[test]
    fn r_msg_0_exactly_one_reply_per_request(paths in proptest::collection::vec("[A-Za-z.*0-9\\[\\]=\"]{0,24}", 1..4), kind in 0..6u8) {
        let mut m = model();
        let ps: Vec<String> = paths.iter().map(|p| format!("Device.{p}")).collect();
        let rt = match kind {
            0 => ReqType::Get(pb::Get { param_paths: ps, max_depth: 0 }),
            1 => ReqType::GetInstances(pb::GetInstances { obj_paths: ps, first_level_only: false }),
            2 => ReqType::GetSupportedDm(pb::GetSupportedDm { obj_paths: ps, ..Default::default() }),
            3 => del_req(true, &ps.iter().map(String::as_str).collect::<Vec<_>>()),
            4 => add_req(
                true,
                ps.iter()
                    .map(|p| create(p, &[("Enable", "x", true), ("Alias", "a", false)]))
                    .collect(),
            ),
            _ => set_req(true, ps.iter().map(|p| upd(p, &[("Enable", "1", false)])).collect()),
        };
        let op = match kind {
            0 => Operation::Get,
            1 => Operation::GetInstances,
            2 => Operation::GetSupportedDm,
            3 => Operation::Delete,
            4 => Operation::Add,
            _ => Operation::Set,
        };
        let r = Engine::default().handle(&mut m, &msg("p", rt));
        let r = r.expect("one reply");
        // Every code used is one the spec lists for the operation (REQUIREMENTS §0.3).
        for (op, c) in codes(&r, op) {
            prop_assert!(allowed(op, c), "{c} not allowed for {op:?}");
        }
        prop_assert_eq!(r.header.map(|h| h.msg_id), Some("p".to_string()));
    }

    /// R-KEY.2: whatever the Set (keys rotated, swapped or clashing, with or without
    /// allow_partial), the enabled interfaces' Alias and Name values stay unique, and a Set
    /// answered with an Error changes nothing.
    #[test]
    fn keys_stay_unique_after_any_set(
        objs in proptest::collection::vec(
            (1u32..4, 0usize..4, 0usize..4, any::<bool>(), any::<bool>()),
            1..5,
        ),
        allow_partial in any::<bool>(),
    ) {
        const KEYS: [&str; 4] = ["lan", "lo", "wan", "x"];
        const NAMES: [&str; 4] = ["eth0", "lo", "wan0", "y"];
        let mut m = model_functional_alias();
        let before = m.dump();
        let update_objs = objs
            .iter()
            .map(|&(n, a, b, en, req)| {
                upd(
                    &format!("Device.IP.Interface.{n}."),
                    &[
                        ("Alias", KEYS[a], req),
                        ("Name", NAMES[b], !req),
                        ("Enable", if en { "true" } else { "false" }, false),
                    ],
                )
            })
            .collect();
        let is_error = matches!(reply(run(&mut m, set_req(allow_partial, update_objs))), Reply::Err(_));
        if is_error {
            prop_assert_eq!(m.dump(), before);
        }
        for key in ["Alias", "Name"] {
            let mut seen = std::collections::BTreeSet::new();
            for n in 1..=3 {
                let row = format!("Device.IP.Interface.{n}.");
                if value(&m, &row, "Enable").as_deref() == Some("true") {
                    let v = value(&m, &row, key).unwrap_or_default();
                    prop_assert!(seen.insert(v.clone()), "{key} {v} duplicated");
                }
            }
        }
    }
}
