//! Loads the official TR-181 2.16 USP model when `USP_TR181_XML` names it (CI sets it to
//! `../shared/datamodels/tr-181-2-16-0-usp-full.xml`); prints that it was skipped otherwise.
#![cfg(feature = "xml")]

use usp_datamodel::xml::Loader;
use usp_datamodel::{ObjAccess, ParamAccess};
use usp_path::value::ValueType;

fn path() -> Option<String> {
    match std::env::var("USP_TR181_XML") {
        Ok(p) if !p.is_empty() => Some(p),
        _ => {
            println!("SKIPPED: USP_TR181_XML is not set; the full TR-181 model tests did not run");
            None
        }
    }
}

#[test]
fn tr181_2_16_loads_with_expected_counts() {
    let Some(p) = path() else { return };
    let s = Loader::new().load_file(&p).expect("load TR-181");
    println!("objects {} params {}", s.len(), s.param_count());
    assert_eq!(s.uri(), "urn:broadband-forum-org:tr-181-2-16-0-usp");
    // 668 objects and 5,309 parameters: the "1,276 objects / 10,092 parameters" quoted for this
    // file are raw tag counts (lines matching `<object ` and `<parameter `), which also count
    // profile references, unique-key references and command/event arguments. The test
    // `tr181_raw_tag_counts_reconcile` below counts every category and asserts the sums.
    assert_eq!(s.len(), 668);
    assert_eq!(s.param_count(), 5309);
    assert_eq!(s.objects().map(|o| o.commands.len()).sum::<usize>(), 108);
    assert_eq!(s.objects().map(|o| o.events.len()).sum::<usize>(), 17);
    assert_eq!(s.objects().filter(|o| o.is_multi_instance()).count(), 339);
    assert_eq!(s.objects().map(|o| o.unique_keys.len()).sum::<usize>(), 483);
    let c = s
        .object("Device.LocalAgent.Controller.{i}.")
        .expect("Controller");
    assert_eq!(c.access, ObjAccess::AddDelete);
    assert!(c.unique_keys.iter().any(|k| k.params == ["EndpointID"]));
    let alias = &c.params["Alias"];
    assert_eq!(alias.data_type.as_deref(), Some("Alias"));
    assert_eq!(alias.constraints.max_length, Some(64));
    let st = &s
        .object("Device.IP.Interface.{i}.Stats.")
        .expect("Stats")
        .params["BytesSent"];
    assert_eq!(st.ty.base(), ValueType::UnsignedLong);
    let kv = &s
        .object("Device.Security.Certificate.{i}.")
        .map(|o| o.params.len());
    assert!(kv.is_some());
    let wo = s
        .objects()
        .flat_map(|o| o.params.values())
        .filter(|p| p.access == ParamAccess::WriteOnceReadOnly)
        .count();
    assert!(wo >= 1);
    // R-SEC.1a: the Controller table exposes its roles.
    assert!(c.params.contains_key("AssignedRole") && c.params.contains_key("InheritedRole"));
    let reboot = &s.object("Device.").expect("Device.").commands["Reboot"];
    assert!(!reboot.is_async);
}

#[test]
fn tr181_engine_over_full_model() {
    use usp_datamodel::{Engine, MemoryDataModel};
    use usp_msg::pb;
    let Some(p) = path() else { return };
    let s = Loader::new().load_file(&p).expect("load TR-181");
    let mut m = MemoryDataModel::new(s);
    let rows = m.fill_tables(1, 100_000);
    println!(
        "rows {rows} objects {} values {}",
        m.object_count(),
        m.value_count()
    );
    let e = Engine::default();
    let req = |rt| pb::Msg {
        header: Some(pb::Header {
            msg_id: "1".into(),
            msg_type: 1,
        }),
        body: Some(pb::Body {
            msg_body: Some(pb::body::MsgBody::Request(pb::Request {
                req_type: Some(rt),
            })),
        }),
    };
    let r = e
        .handle(
            &mut m,
            &req(pb::request::ReqType::Get(pb::Get {
                param_paths: vec!["Device.".into()],
                max_depth: 0,
            })),
        )
        .expect("reply");
    let Some(pb::body::MsgBody::Response(pb::Response {
        resp_type: Some(pb::response::RespType::GetResp(g)),
    })) = r.body.and_then(|b| b.msg_body)
    else {
        panic!("not a GetResp")
    };
    let n: usize = g.req_path_results[0]
        .resolved_path_results
        .iter()
        .map(|x| x.result_params.len())
        .sum();
    assert_eq!(g.req_path_results[0].err_code, 0);
    // Every stored value except write-only ones is returned.
    assert_eq!(n, m.value_count());
    // GetSupportedDM of the whole tree lists every object.
    let r = e
        .handle(
            &mut m,
            &req(pb::request::ReqType::GetSupportedDm(pb::GetSupportedDm {
                obj_paths: vec!["Device.".into()],
                return_params: true,
                ..Default::default()
            })),
        )
        .expect("reply");
    let Some(pb::body::MsgBody::Response(pb::Response {
        resp_type: Some(pb::response::RespType::GetSupportedDmResp(g)),
    })) = r.body.and_then(|b| b.msg_body)
    else {
        panic!("not a GSDM resp")
    };
    assert_eq!(g.req_obj_results[0].supported_objs.len(), 668);
    // Add and Delete a Controller through the engine.
    let add = pb::request::ReqType::Add(pb::Add {
        allow_partial: false,
        create_objs: vec![pb::add::CreateObject {
            obj_path: "Device.LocalAgent.Controller.".into(),
            param_settings: vec![pb::add::CreateParamSetting {
                param: "EndpointID".into(),
                value: "proto::new".into(),
                required: true,
            }],
        }],
    });
    let r = e.handle(&mut m, &req(add)).expect("reply");
    let Some(pb::body::MsgBody::Response(pb::Response {
        resp_type: Some(pb::response::RespType::AddResp(a)),
    })) = r.body.clone().and_then(|b| b.msg_body)
    else {
        panic!("not an AddResp: {r:?}")
    };
    assert_eq!(a.created_obj_results.len(), 1);
}

#[test]
fn other_bbf_files_load() {
    let Some(p) = path() else { return };
    let dir = std::path::Path::new(&p).parent().expect("dir");
    let mut l = Loader::new();
    l.types_file(dir.join("tr-106-types.xml"))
        .expect("TR-106 types");
    let s = l
        .load_file(dir.join("tr-140-1-3-1-usp-full.xml"))
        .expect("TR-140");
    assert!(s.object("StorageService.{i}.UserAccount.{i}.").is_some());
    // A service model's root is a table; the in-memory model can add rows to it.
    let mut m = usp_datamodel::MemoryDataModel::new(s.clone());
    assert!(m.fill_tables(1, 1000) > 0);
    println!("TR-140: {} objects, {} params", s.len(), s.param_count());
}

/// Every `<pattern>` of TR-181 2.16 (parameters, command and event arguments, with the named
/// data types resolved) compiles with the matcher, and the real MACAddress and IPv4Address
/// patterns accept and refuse what they should, directly and through a Set.
#[test]
fn tr181_patterns_compile_and_are_checked() {
    use usp_datamodel::schema::pattern::Pattern;
    use usp_datamodel::{Engine, MemoryDataModel};
    use usp_msg::pb;
    let Some(p) = path() else { return };
    let s = Loader::new().load_file(&p).expect("load TR-181");
    let mut all = Vec::new();
    for o in s.objects() {
        all.extend(o.params.values());
        for c in o.commands.values() {
            all.extend(c.input.iter().chain(&c.output));
        }
        for e in o.events.values() {
            all.extend(&e.args);
        }
    }
    let patterned: Vec<_> = all
        .iter()
        .filter(|p| !p.constraints.patterns.is_empty())
        .collect();
    let unchecked: Vec<_> = all.iter().flat_map(|p| p.unchecked_patterns()).collect();
    let longest = all
        .iter()
        .flat_map(|p| &p.constraints.patterns)
        .map(|p| Pattern::new(p).map_or(0, |re| re.program_len()))
        .max();
    println!(
        "patterned parameters/arguments {}, unchecked patterns {}, largest program {longest:?}",
        patterned.len(),
        unchecked.len()
    );
    assert!(patterned.len() > 100, "{}", patterned.len());
    assert!(unchecked.is_empty(), "{unchecked:?}");

    let chaddr = &s
        .object("Device.DHCPv4.Server.Pool.{i}.")
        .expect("Pool")
        .params["Chaddr"];
    assert_eq!(chaddr.data_type.as_deref(), Some("MACAddress"));
    assert!(chaddr.check_value("").is_ok());
    assert!(chaddr.check_value("00:1A:2b:3C:4d:5E").is_ok());
    for bad in ["00:1A:2b:3C:4d", "001A2b3C4d5E", "00:1A:2b:3C:4d:5G"] {
        let e = chaddr.check_value(bad).unwrap_err();
        assert_eq!(e.code(), 7012, "{bad}");
        assert!(e.msg().contains("Chaddr"), "{e}");
    }
    let ip = &s
        .object("Device.IP.Interface.{i}.IPv4Address.{i}.")
        .expect("IPv4Address")
        .params["IPAddress"];
    assert_eq!(ip.data_type.as_deref(), Some("IPv4Address"));
    for ok in ["", "192.168.1.1", "255.255.255.255", "0.0.0.0"] {
        assert!(ip.check_value(ok).is_ok(), "{ok}");
    }
    for bad in ["192.168.1.256", "192.168.1", "::1", "1.2.3.4/8"] {
        assert_eq!(
            ip.check_value(bad).map_err(|e| e.code()),
            Err(7012),
            "{bad}"
        );
    }

    // Through the engine, on a populated model.
    let mut m = MemoryDataModel::new(s);
    m.fill_tables(1, 100_000);
    let set = |v: &str| pb::Msg {
        header: Some(pb::Header {
            msg_id: "1".into(),
            msg_type: 1,
        }),
        body: Some(pb::Body {
            msg_body: Some(pb::body::MsgBody::Request(pb::Request {
                req_type: Some(pb::request::ReqType::Set(pb::Set {
                    allow_partial: false,
                    update_objs: vec![pb::set::UpdateObject {
                        obj_path: "Device.IP.Interface.1.IPv4Address.1.".into(),
                        param_settings: vec![pb::set::UpdateParamSetting {
                            param: "IPAddress".into(),
                            value: v.into(),
                            required: true,
                        }],
                    }],
                })),
            })),
        }),
    };
    let e = Engine::default();
    let body = |r: pb::Msg| r.body.and_then(|b| b.msg_body);
    match body(e.handle(&mut m, &set("10.1.2.3")).expect("reply")) {
        Some(pb::body::MsgBody::Response(_)) => {}
        other => panic!("Set of a valid IPv4 address failed: {other:?}"),
    }
    match body(e.handle(&mut m, &set("10.1.2.300")).expect("reply")) {
        Some(pb::body::MsgBody::Error(err)) => {
            assert_eq!(err.param_errs[0].err_code, 7012, "{err:?}");
            assert!(err.param_errs[0].err_msg.contains("IPAddress"), "{err:?}");
        }
        other => panic!("expected an Error, got {other:?}"),
    }
}

/// TR-106's own type file writes its patterns with DTD entities (`(&octet;&dot;){3}&octet;`);
/// they reach the matcher expanded. A small model built here refers to those types.
#[test]
fn tr106_type_patterns_with_entities_are_checked() {
    let Some(p) = path() else { return };
    let dir = std::path::Path::new(&p).parent().expect("dir");
    let mut l = Loader::new();
    l.types_file(dir.join("tr-106-types.xml"))
        .expect("TR-106 types");
    let xml = r#"<dm:document xmlns:dm="urn:broadband-forum-org:cwmp:datamodel-1-14" spec="urn:example-org:pat-1-0">
      <model name="Device:2.16">
        <object name="Device." access="readOnly" minEntries="1" maxEntries="1">
          <parameter name="Prefix" access="readWrite"><syntax><dataType ref="IPv4Prefix"/></syntax></parameter>
          <parameter name="Addr" access="readWrite"><syntax><dataType ref="IPv4Address"/></syntax></parameter>
          <parameter name="Id" access="readWrite"><syntax><dataType ref="UUID"/></syntax></parameter>
        </object>
      </model>
    </dm:document>"#;
    let s = l.load_str(xml).expect("small model");
    let d = s.object("Device.").expect("Device.");
    let prefix = &d.params["Prefix"];
    assert!(
        prefix
            .constraints
            .patterns
            .iter()
            .any(|p| p.starts_with("((25[0-5]")),
        "{:?}",
        prefix.constraints.patterns
    );
    for ok in ["", "/24", "10.0.0.0/8", "192.168.0.0/16"] {
        assert!(prefix.check_value(ok).is_ok(), "{ok}");
    }
    for bad in ["10.0.0.0/33", "10.0.0.0", "/", "300.0.0.0/8"] {
        assert_eq!(
            prefix.check_value(bad).map_err(|e| e.code()),
            Err(7012),
            "{bad}"
        );
    }
    assert!(d.params["Addr"].check_value("8.8.8.8").is_ok());
    assert!(d.params["Addr"].check_value("8.8.8.8.8").is_err());
    assert!(
        d.params["Id"]
            .check_value("123e4567-e89b-12d3-a456-426614174000")
            .is_ok()
    );
    assert!(
        d.params["Id"]
            .check_value("123e4567e89b12d3a456426614174000")
            .is_err()
    );
}

/// How the raw tag counts of `tr-181-2-16-0-usp-full.xml` reconcile with the loaded schema,
/// each category counted here with roxmltree and asserted:
///
/// | `<object>` tags | count |
/// | --- | ---: |
/// | model objects (`<object name>` under `<model>`) | 669 |
/// | ... of which `status="deleted"` (`Device.PPP.Interface.{i}.PPPoA.`), skipped | 1 |
/// | = objects loaded (`Schema::len`) | **668** |
/// | profile references (`<object ref>` in `<profile>`) | 650 |
/// | argument tables inside commands and events (`Result.{i}.`, ...) | 58 |
/// | total tags | 1,377 |
///
/// | `<parameter>` tags | count |
/// | --- | ---: |
/// | parameters of model objects | 5,320 |
/// | ... of which `status="deleted"`, skipped | 11 |
/// | = parameters loaded (`Schema::param_count`) | **5,309** |
/// | profile references (`<parameter ref>` in `<profile>`) | 3,320 |
/// | unique-key references (`<uniqueKey><parameter ref>`) of model objects | 569 |
/// | inside commands and events: argument definitions | 857 |
/// | inside commands and events: unique-key references of argument tables | 28 |
/// | total tags | 10,094 |
///
/// The quoted 1,276 and 10,092 count the lines containing `<object ` and `<parameter ` (tag
/// name followed by a space): 101 `<object` and 2 `<parameter` tags have their attributes on
/// the next line and are missed that way. Commands: 108 loaded + 43 profile references = 151
/// `<command>` tags; events: 17 + 4 = 21.
#[test]
fn tr181_raw_tag_counts_reconcile() {
    let Some(p) = path() else { return };
    let text = std::fs::read_to_string(&p).expect("read TR-181");
    let s = Loader::new().load_str(&text).expect("load TR-181");
    let opt = roxmltree::ParsingOptions {
        allow_dtd: true,
        ..roxmltree::ParsingOptions::default()
    };
    let doc = roxmltree::Document::parse_with_options(&text, opt).expect("parse");
    let is = |n: &roxmltree::Node<'_, '_>, tag: &str| n.is_element() && n.has_tag_name(tag);
    let deleted = |n: &roxmltree::Node<'_, '_>| n.attribute("status") == Some("deleted");
    let count = |root: roxmltree::Node<'_, '_>, tag: &str| {
        root.descendants().filter(|n| is(n, tag)).count()
    };
    let all_objects = count(doc.root(), "object");
    let all_params = count(doc.root(), "parameter");
    let model = doc
        .root_element()
        .children()
        .find(|n| is(n, "model"))
        .expect("model");
    let objects: Vec<_> = model.children().filter(|n| is(n, "object")).collect();
    let profiles: Vec<_> = model.children().filter(|n| is(n, "profile")).collect();
    let in_profiles = |tag: &str| profiles.iter().map(|p| count(*p, tag)).sum::<usize>();
    let (mut obj_params, mut obj_params_deleted, mut key_refs) = (0, 0, 0);
    let (mut arg_objects, mut arg_params, mut arg_key_refs) = (0, 0, 0);
    let (mut commands, mut events) = (0, 0);
    for o in &objects {
        for c in o.children() {
            if is(&c, "parameter") {
                obj_params += 1;
                if deleted(&c) || deleted(o) {
                    obj_params_deleted += 1;
                }
            } else if is(&c, "uniqueKey") {
                key_refs += count(c, "parameter");
            } else if is(&c, "command") || is(&c, "event") {
                if is(&c, "command") {
                    commands += 1;
                } else {
                    events += 1;
                }
                arg_objects += count(c, "object");
                for a in c.descendants().filter(|n| is(n, "parameter")) {
                    let in_key = a.parent().is_some_and(|p| is(&p, "uniqueKey"));
                    if in_key {
                        arg_key_refs += 1;
                    } else {
                        arg_params += 1;
                    }
                }
            }
        }
    }
    let model_objects = objects.len();
    let deleted_objects = objects.iter().filter(|o| deleted(o)).count();
    println!(
        "objects: {all_objects} tags = {model_objects} model ({deleted_objects} deleted) + {} \
         profile refs + {arg_objects} argument tables",
        in_profiles("object")
    );
    println!(
        "parameters: {all_params} tags = {obj_params} of objects ({obj_params_deleted} \
         deleted) + {} profile refs + {key_refs} unique-key refs + {arg_params} arguments + \
         {arg_key_refs} argument-table key refs",
        in_profiles("parameter")
    );
    // Objects.
    assert_eq!(model_objects, 669);
    assert_eq!(deleted_objects, 1);
    assert_eq!(s.len(), model_objects - deleted_objects);
    assert_eq!(s.len(), 668);
    assert_eq!(in_profiles("object"), 650);
    assert_eq!(arg_objects, 58);
    assert_eq!(
        all_objects,
        model_objects + in_profiles("object") + arg_objects
    );
    assert_eq!(all_objects, 1377);
    // Parameters.
    assert_eq!(obj_params, 5320);
    assert_eq!(obj_params_deleted, 11);
    assert_eq!(s.param_count(), obj_params - obj_params_deleted);
    assert_eq!(s.param_count(), 5309);
    assert_eq!(in_profiles("parameter"), 3320);
    assert_eq!(key_refs, 569);
    assert_eq!(
        key_refs,
        s.objects()
            .flat_map(|o| &o.unique_keys)
            .map(|k| k.params.len())
            .sum::<usize>()
    );
    assert_eq!((arg_params, arg_key_refs), (857, 28));
    let loaded_args: usize = s
        .objects()
        .map(|o| {
            o.commands
                .values()
                .map(|c| c.input.len() + c.output.len())
                .sum::<usize>()
                + o.events.values().map(|e| e.args.len()).sum::<usize>()
        })
        .sum();
    assert_eq!(
        loaded_args, arg_params,
        "every argument definition is loaded"
    );
    assert_eq!(
        all_params,
        obj_params + in_profiles("parameter") + key_refs + arg_params + arg_key_refs
    );
    assert_eq!(all_params, 10094);
    // Commands and events.
    let loaded_cmds: usize = s.objects().map(|o| o.commands.len()).sum();
    let loaded_events: usize = s.objects().map(|o| o.events.len()).sum();
    assert_eq!((commands, loaded_cmds), (108, 108));
    assert_eq!((events, loaded_events), (17, 17));
    assert_eq!(
        count(doc.root(), "command"),
        commands + in_profiles("command")
    );
    assert_eq!(count(doc.root(), "event"), events + in_profiles("event"));
    // The quoted figures: lines containing `<object ` / `<parameter `.
    let lines = |needle: &str| text.lines().filter(|l| l.contains(needle)).count();
    assert_eq!(lines("<object "), 1276);
    assert_eq!(lines("<parameter "), 10092);
    assert_eq!(
        all_objects - lines("<object "),
        101,
        "tags wrapped after `<object`"
    );
    assert_eq!(
        all_params - lines("<parameter "),
        2,
        "tags wrapped after `<parameter`"
    );
}
