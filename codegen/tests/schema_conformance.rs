//! Proof, field by field, that the committed `usp_record::pb` and `usp_msg::pb` types match the
//! official USP 1.4 schema, with an oracle that shares no code with them: prost-reflect's
//! `DynamicMessage`, built at test time from the official `.proto` files (compiled by protox from
//! `$USP_SPEC_DIR`, or `<workspace>/../shared/spec`).
//!
//! For every message type `M` of both files (the table below must list all of them: a missing
//! one fails `the_type_table_lists_every_message_of_the_schema`):
//!
//! * every field alone, with several non-default values: every enum value plus an undefined
//!   number, both the default and a non-default value for oneof members, lists of 3 elements,
//!   maps of 3 entries, nested messages filled recursively to a small depth;
//! * the whole message with every field set, once for each member of each oneof;
//!
//! is built as a `DynamicMessage`, encoded, decoded with our static type, re-encoded with our
//! static type and decoded again by the oracle, which must give the same message. This catches a
//! wrong or missing field (name/number: the oracle would see an unknown field or lose it), a
//! wrong type (values are chosen so that int32/sint32/uint32/fixed32, int64/uint64, string/bytes
//! differ on the wire or fail to decode), a wrong label (repeated vs singular keeps only one
//! element), oneof membership (a oneof member holding its default is only kept by a oneof),
//! enum values and map key/value types. Our serde JSON must also equal the oracle's protobuf
//! JSON (proto field names, default fields skipped) for every case, which checks names, enum
//! value names and the JSON mapping; and each side's JSON must read back on the other side.
//!
//! A property test does the same the other way round for random `Record`s and `Msg`s from
//! `usp_testkit::strategies`: our encoding must decode in the oracle with no unknown field.

use core::fmt::Debug;
use std::collections::{BTreeSet, HashMap};
use std::path::PathBuf;
use std::sync::OnceLock;

use bytes::Bytes;
use prost::Message;
use prost_reflect::{
    DescriptorPool, DynamicMessage, FieldDescriptor, Kind, MapKey, MessageDescriptor,
    ReflectMessage as _, SerializeOptions, Value,
};
use serde::Serialize;
use serde::de::DeserializeOwned;

/// How deep nested messages are filled in below the message under test.
const MAX_DEPTH: usize = 3;

fn spec_dir() -> PathBuf {
    std::env::var_os("USP_SPEC_DIR").map_or_else(
        || PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/spec"),
        PathBuf::from,
    )
}

fn pool() -> &'static DescriptorPool {
    static POOL: OnceLock<DescriptorPool> = OnceLock::new();
    POOL.get_or_init(|| {
        let dir = spec_dir();
        let fds = protox::compile(["usp-record-1-4.proto", "usp-msg-1-4.proto"], [&dir])
            .unwrap_or_else(|e| {
                panic!("compiling the official schema in {}: {e:?}", dir.display())
            });
        DescriptorPool::from_file_descriptor_set(fds).expect("descriptor pool")
    })
}

/// Every message type of both files (map entries have no Rust type), with our Rust type.
macro_rules! type_table {
    ($($name:literal => $ty:ty,)*) => {
        const TABLE: &[&str] = &[$($name),*];

        /// Runs [`check_type`] for every listed type; returns the number of cases checked.
        fn check_every_type() -> usize {
            let mut cases = 0;
            $(cases += check_type::<$ty>($name);)*
            cases
        }
    };
}

type_table! {
    "usp_record.Record" => usp_record::pb::Record,
    "usp_record.NoSessionContextRecord" => usp_record::pb::NoSessionContextRecord,
    "usp_record.SessionContextRecord" => usp_record::pb::SessionContextRecord,
    "usp_record.WebSocketConnectRecord" => usp_record::pb::WebSocketConnectRecord,
    "usp_record.MQTTConnectRecord" => usp_record::pb::MqttConnectRecord,
    "usp_record.STOMPConnectRecord" => usp_record::pb::StompConnectRecord,
    "usp_record.UDSConnectRecord" => usp_record::pb::UdsConnectRecord,
    "usp_record.DisconnectRecord" => usp_record::pb::DisconnectRecord,
    "usp.Msg" => usp_msg::pb::Msg,
    "usp.Header" => usp_msg::pb::Header,
    "usp.Body" => usp_msg::pb::Body,
    "usp.Request" => usp_msg::pb::Request,
    "usp.Response" => usp_msg::pb::Response,
    "usp.Error" => usp_msg::pb::Error,
    "usp.Error.ParamError" => usp_msg::pb::error::ParamError,
    "usp.Get" => usp_msg::pb::Get,
    "usp.GetResp" => usp_msg::pb::GetResp,
    "usp.GetResp.RequestedPathResult" => usp_msg::pb::get_resp::RequestedPathResult,
    "usp.GetResp.ResolvedPathResult" => usp_msg::pb::get_resp::ResolvedPathResult,
    "usp.GetSupportedDM" => usp_msg::pb::GetSupportedDm,
    "usp.GetSupportedDMResp" => usp_msg::pb::GetSupportedDmResp,
    "usp.GetSupportedDMResp.RequestedObjectResult" => usp_msg::pb::get_supported_dm_resp::RequestedObjectResult,
    "usp.GetSupportedDMResp.SupportedObjectResult" => usp_msg::pb::get_supported_dm_resp::SupportedObjectResult,
    "usp.GetSupportedDMResp.SupportedParamResult" => usp_msg::pb::get_supported_dm_resp::SupportedParamResult,
    "usp.GetSupportedDMResp.SupportedCommandResult" => usp_msg::pb::get_supported_dm_resp::SupportedCommandResult,
    "usp.GetSupportedDMResp.SupportedEventResult" => usp_msg::pb::get_supported_dm_resp::SupportedEventResult,
    "usp.GetSupportedDMResp.SupportedUniqueKeySet" => usp_msg::pb::get_supported_dm_resp::SupportedUniqueKeySet,
    "usp.GetInstances" => usp_msg::pb::GetInstances,
    "usp.GetInstancesResp" => usp_msg::pb::GetInstancesResp,
    "usp.GetInstancesResp.RequestedPathResult" => usp_msg::pb::get_instances_resp::RequestedPathResult,
    "usp.GetInstancesResp.CurrInstance" => usp_msg::pb::get_instances_resp::CurrInstance,
    "usp.GetSupportedProtocol" => usp_msg::pb::GetSupportedProtocol,
    "usp.GetSupportedProtocolResp" => usp_msg::pb::GetSupportedProtocolResp,
    "usp.Add" => usp_msg::pb::Add,
    "usp.Add.CreateObject" => usp_msg::pb::add::CreateObject,
    "usp.Add.CreateParamSetting" => usp_msg::pb::add::CreateParamSetting,
    "usp.AddResp" => usp_msg::pb::AddResp,
    "usp.AddResp.CreatedObjectResult" => usp_msg::pb::add_resp::CreatedObjectResult,
    "usp.AddResp.CreatedObjectResult.OperationStatus" => usp_msg::pb::add_resp::created_object_result::OperationStatus,
    "usp.AddResp.CreatedObjectResult.OperationStatus.OperationFailure" => usp_msg::pb::add_resp::created_object_result::operation_status::OperationFailure,
    "usp.AddResp.CreatedObjectResult.OperationStatus.OperationSuccess" => usp_msg::pb::add_resp::created_object_result::operation_status::OperationSuccess,
    "usp.AddResp.ParameterError" => usp_msg::pb::add_resp::ParameterError,
    "usp.Delete" => usp_msg::pb::Delete,
    "usp.DeleteResp" => usp_msg::pb::DeleteResp,
    "usp.DeleteResp.DeletedObjectResult" => usp_msg::pb::delete_resp::DeletedObjectResult,
    "usp.DeleteResp.DeletedObjectResult.OperationStatus" => usp_msg::pb::delete_resp::deleted_object_result::OperationStatus,
    "usp.DeleteResp.DeletedObjectResult.OperationStatus.OperationFailure" => usp_msg::pb::delete_resp::deleted_object_result::operation_status::OperationFailure,
    "usp.DeleteResp.DeletedObjectResult.OperationStatus.OperationSuccess" => usp_msg::pb::delete_resp::deleted_object_result::operation_status::OperationSuccess,
    "usp.DeleteResp.UnaffectedPathError" => usp_msg::pb::delete_resp::UnaffectedPathError,
    "usp.Set" => usp_msg::pb::Set,
    "usp.Set.UpdateObject" => usp_msg::pb::set::UpdateObject,
    "usp.Set.UpdateParamSetting" => usp_msg::pb::set::UpdateParamSetting,
    "usp.SetResp" => usp_msg::pb::SetResp,
    "usp.SetResp.UpdatedObjectResult" => usp_msg::pb::set_resp::UpdatedObjectResult,
    "usp.SetResp.UpdatedObjectResult.OperationStatus" => usp_msg::pb::set_resp::updated_object_result::OperationStatus,
    "usp.SetResp.UpdatedObjectResult.OperationStatus.OperationFailure" => usp_msg::pb::set_resp::updated_object_result::operation_status::OperationFailure,
    "usp.SetResp.UpdatedObjectResult.OperationStatus.OperationSuccess" => usp_msg::pb::set_resp::updated_object_result::operation_status::OperationSuccess,
    "usp.SetResp.UpdatedInstanceFailure" => usp_msg::pb::set_resp::UpdatedInstanceFailure,
    "usp.SetResp.UpdatedInstanceResult" => usp_msg::pb::set_resp::UpdatedInstanceResult,
    "usp.SetResp.ParameterError" => usp_msg::pb::set_resp::ParameterError,
    "usp.Operate" => usp_msg::pb::Operate,
    "usp.OperateResp" => usp_msg::pb::OperateResp,
    "usp.OperateResp.OperationResult" => usp_msg::pb::operate_resp::OperationResult,
    "usp.OperateResp.OperationResult.OutputArgs" => usp_msg::pb::operate_resp::operation_result::OutputArgs,
    "usp.OperateResp.OperationResult.CommandFailure" => usp_msg::pb::operate_resp::operation_result::CommandFailure,
    "usp.Notify" => usp_msg::pb::Notify,
    "usp.Notify.Event" => usp_msg::pb::notify::Event,
    "usp.Notify.ValueChange" => usp_msg::pb::notify::ValueChange,
    "usp.Notify.ObjectCreation" => usp_msg::pb::notify::ObjectCreation,
    "usp.Notify.ObjectDeletion" => usp_msg::pb::notify::ObjectDeletion,
    "usp.Notify.OperationComplete" => usp_msg::pb::notify::OperationComplete,
    "usp.Notify.OperationComplete.OutputArgs" => usp_msg::pb::notify::operation_complete::OutputArgs,
    "usp.Notify.OperationComplete.CommandFailure" => usp_msg::pb::notify::operation_complete::CommandFailure,
    "usp.Notify.OnBoardRequest" => usp_msg::pb::notify::OnBoardRequest,
    "usp.NotifyResp" => usp_msg::pb::NotifyResp,
    "usp.Register" => usp_msg::pb::Register,
    "usp.Register.RegistrationPath" => usp_msg::pb::register::RegistrationPath,
    "usp.RegisterResp" => usp_msg::pb::RegisterResp,
    "usp.RegisterResp.RegisteredPathResult" => usp_msg::pb::register_resp::RegisteredPathResult,
    "usp.RegisterResp.RegisteredPathResult.OperationStatus" => usp_msg::pb::register_resp::registered_path_result::OperationStatus,
    "usp.RegisterResp.RegisteredPathResult.OperationStatus.OperationFailure" => usp_msg::pb::register_resp::registered_path_result::operation_status::OperationFailure,
    "usp.RegisterResp.RegisteredPathResult.OperationStatus.OperationSuccess" => usp_msg::pb::register_resp::registered_path_result::operation_status::OperationSuccess,
    "usp.Deregister" => usp_msg::pb::Deregister,
    "usp.DeregisterResp" => usp_msg::pb::DeregisterResp,
    "usp.DeregisterResp.DeregisteredPathResult" => usp_msg::pb::deregister_resp::DeregisteredPathResult,
    "usp.DeregisterResp.DeregisteredPathResult.OperationStatus" => usp_msg::pb::deregister_resp::deregistered_path_result::OperationStatus,
    "usp.DeregisterResp.DeregisteredPathResult.OperationStatus.OperationFailure" => usp_msg::pb::deregister_resp::deregistered_path_result::operation_status::OperationFailure,
    "usp.DeregisterResp.DeregisteredPathResult.OperationStatus.OperationSuccess" => usp_msg::pb::deregister_resp::deregistered_path_result::operation_status::OperationSuccess,
}

/// A non-default scalar (or message) value of `kind`; `i` picks among several.
fn element(kind: &Kind, i: usize, depth: usize) -> Value {
    let n = i as u32;
    match kind {
        Kind::Double => Value::F64(1.5 + f64::from(n)),
        Kind::Float => Value::F32(1.5 + n as f32),
        // Negative: int32 and sint32 and uint32 encode these differently.
        Kind::Int32 | Kind::Sint32 | Kind::Sfixed32 => Value::I32(-1 - 1000 * n as i32),
        Kind::Int64 | Kind::Sint64 | Kind::Sfixed64 => Value::I64(i64::MIN + i64::from(n)),
        // Above 2^31 and 2^63: a signed type would turn these negative.
        Kind::Uint32 | Kind::Fixed32 => Value::U32(u32::MAX - n),
        Kind::Uint64 | Kind::Fixed64 => Value::U64(u64::MAX - u64::from(n)),
        Kind::Bool => Value::Bool(true),
        Kind::String => Value::String(format!("Device.Wohnzimmer-Ü-🌡.{i}")),
        // Not UTF-8: a `string` field in our types would fail to decode it.
        Kind::Bytes => Value::Bytes(Bytes::from(vec![0xff, 0x00, 0xfe, i as u8])),
        Kind::Enum(e) => {
            let defined: Vec<i32> = e.values().map(|v| v.number()).filter(|&v| v != 0).collect();
            // One in (defined + 1) picks a number the schema does not define.
            match defined.get(i % (defined.len() + 1)) {
                Some(&v) => Value::EnumNumber(v),
                None => Value::EnumNumber(1000 + i as i32),
            }
        }
        Kind::Message(m) => Value::Message(populate(m, i, depth + 1)),
    }
}

fn map_key(v: Value) -> MapKey {
    match v {
        Value::String(s) => MapKey::String(s),
        Value::Bool(b) => MapKey::Bool(b),
        Value::I32(x) => MapKey::I32(x),
        Value::I64(x) => MapKey::I64(x),
        Value::U32(x) => MapKey::U32(x),
        Value::U64(x) => MapKey::U64(x),
        other => panic!("not a map key: {other:?}"),
    }
}

/// A non-default value for field `fd`: lists of 3 elements, maps of 3 entries.
fn field_value(fd: &FieldDescriptor, i: usize, depth: usize) -> Value {
    if fd.is_map() {
        let Kind::Message(entry) = fd.kind() else {
            unreachable!("map entry")
        };
        let (k, v) = (entry.map_entry_key_field(), entry.map_entry_value_field());
        let mut map = HashMap::new();
        // The default key and a default value are legal and must survive too.
        map.insert(map_key(k.default_value()), element(&v.kind(), i, depth));
        map.insert(map_key(element(&k.kind(), i, depth)), v.default_value());
        map.insert(
            map_key(element(&k.kind(), i + 1, depth)),
            element(&v.kind(), i + 1, depth),
        );
        Value::Map(map)
    } else if fd.is_list() {
        Value::List((i..i + 3).map(|j| element(&fd.kind(), j, depth)).collect())
    } else {
        element(&fd.kind(), i, depth)
    }
}

/// `md` with every field set; each oneof set to member `variant % members` (its default value
/// on every other round). Below [`MAX_DEPTH`], nested messages are left empty.
fn populate(md: &MessageDescriptor, variant: usize, depth: usize) -> DynamicMessage {
    let mut m = DynamicMessage::new(md.clone());
    if depth > MAX_DEPTH {
        return m;
    }
    for fd in md.fields() {
        match fd.containing_oneof() {
            Some(o) => {
                let members: Vec<FieldDescriptor> = o.fields().collect();
                if members[variant % members.len()].number() != fd.number() {
                    continue;
                }
                if (variant / members.len()) % 2 == 1 {
                    m.set_field(&fd, fd.default_value());
                } else {
                    m.set_field(&fd, field_value(&fd, variant, depth));
                }
            }
            None => {
                let v = field_value(&fd, variant, depth);
                if !v.is_default_for_field(&fd) {
                    m.set_field(&fd, v);
                }
            }
        }
    }
    m
}

/// How many whole-message rounds `md` needs so that every oneof member is set once with a
/// non-default and once with its default value, and every enum value is used.
fn rounds(md: &MessageDescriptor) -> usize {
    md.oneofs()
        .map(|o| 2 * o.fields().len())
        .chain(md.fields().filter_map(|f| match f.kind() {
            Kind::Enum(e) => Some(e.values().len() + 1),
            _ => None,
        }))
        .max()
        .unwrap_or(1)
        .max(2)
}

/// The values field `fd` is tried with on its own.
fn field_cases(fd: &FieldDescriptor) -> Vec<Value> {
    let mut out = Vec::new();
    let n = match fd.kind() {
        Kind::Enum(e) if !fd.is_list() && !fd.is_map() => e.values().len() + 1,
        _ => 2,
    };
    for i in 0..n {
        out.push(field_value(fd, i, 1));
    }
    if fd.containing_oneof().is_some() {
        // Set but default: only a oneof keeps this, as field presence.
        out.push(fd.default_value());
        if let Kind::Enum(_) = fd.kind() {
            out.push(Value::EnumNumber(0));
        }
    }
    out
}

fn assert_no_unknown_fields(m: &DynamicMessage, what: &str) {
    assert_eq!(
        m.unknown_fields().count(),
        0,
        "{what}: unknown fields in {m:?}"
    );
    for (_, v) in m.fields() {
        let nested: Vec<&DynamicMessage> = match v {
            Value::Message(x) => vec![x],
            Value::List(l) => l.iter().filter_map(Value::as_message).collect(),
            Value::Map(map) => map.values().filter_map(Value::as_message).collect(),
            _ => Vec::new(),
        };
        for x in nested {
            assert_no_unknown_fields(x, what);
        }
    }
}

fn oracle_json(m: &DynamicMessage, proto_names: bool) -> serde_json::Value {
    let opts = SerializeOptions::new()
        .use_proto_field_name(proto_names)
        .skip_default_fields(true)
        .stringify_64_bit_integers(true)
        .use_enum_numbers(false);
    m.serialize_with_options(serde_json::value::Serializer, &opts)
        .expect("oracle JSON")
}

/// One case: oracle → bytes → our type → bytes → oracle, and the JSON of both sides.
fn check_case<T>(what: &str, md: &MessageDescriptor, built: &DynamicMessage)
where
    T: Message + Default + PartialEq + Debug + Serialize + DeserializeOwned,
{
    let (orig, ours) = check_wire::<T>(what, md, built);
    check_json(what, md, &orig, &ours);
}

/// The wire half of [`check_case`]; returns the oracle's decoded message and ours.
fn check_wire<T>(what: &str, md: &MessageDescriptor, built: &DynamicMessage) -> (DynamicMessage, T)
where
    T: Message + Default + PartialEq + Debug,
{
    let bytes = built.encode_to_vec();
    let orig = DynamicMessage::decode(md.clone(), bytes.as_slice()).expect("oracle decode");
    assert_no_unknown_fields(&orig, what);
    let ours = T::decode(bytes.as_slice())
        .unwrap_or_else(|e| panic!("{what}: our type cannot decode the oracle's bytes: {e}"));
    let re = ours.encode_to_vec();
    let back = DynamicMessage::decode(md.clone(), re.as_slice())
        .unwrap_or_else(|e| panic!("{what}: the oracle cannot decode our bytes: {e}"));
    assert_no_unknown_fields(&back, what);
    assert_eq!(back, orig, "{what}: our type lost or changed a field");
    (orig, ours)
}

/// The JSON half of [`check_case`].
fn check_json<T>(what: &str, md: &MessageDescriptor, orig: &DynamicMessage, ours: &T)
where
    T: PartialEq + Debug + Serialize + DeserializeOwned,
{
    let theirs = oracle_json(orig, true);
    let our_json = serde_json::to_value(ours).expect("our JSON");
    assert_eq!(our_json, theirs, "{what}: JSON differs from the oracle's");
    let lossless: T = serde_json::from_value(our_json.clone())
        .unwrap_or_else(|e| panic!("{what}: cannot read our own JSON: {e}"));
    assert_eq!(&lossless, ours, "{what}: our JSON round trip is lossy");
    let from_theirs: T = serde_json::from_value(theirs)
        .unwrap_or_else(|e| panic!("{what}: cannot read the oracle's JSON: {e}"));
    assert_eq!(
        &from_theirs, ours,
        "{what}: oracle JSON read back differently"
    );
    let camel = oracle_json(orig, false);
    let from_camel: T = serde_json::from_value(camel)
        .unwrap_or_else(|e| panic!("{what}: cannot read the oracle's lowerCamelCase JSON: {e}"));
    assert_eq!(
        &from_camel, ours,
        "{what}: lowerCamelCase JSON read back differently"
    );
    let oracle_from_ours = DynamicMessage::deserialize(md.clone(), our_json)
        .unwrap_or_else(|e| panic!("{what}: the oracle cannot read our JSON: {e}"));
    assert_eq!(
        &oracle_from_ours, orig,
        "{what}: the oracle reads our JSON differently"
    );
}

/// Every case for message `name` with our type `T`; returns the number of cases.
fn check_type<T>(name: &str) -> usize
where
    T: Message + Default + PartialEq + Debug + Serialize + DeserializeOwned,
{
    let md = pool()
        .get_message_by_name(name)
        .unwrap_or_else(|| panic!("{name} is not in the official schema"));
    let mut cases = 0;
    check_case::<T>(
        &format!("{name} (empty)"),
        &md,
        &DynamicMessage::new(md.clone()),
    );
    cases += 1;
    for fd in md.fields() {
        for (k, v) in field_cases(&fd).into_iter().enumerate() {
            let mut m = DynamicMessage::new(md.clone());
            m.set_field(&fd, v);
            let what = format!(
                "{name}.{} (field {}, {:?}{}{}, case {k})",
                fd.name(),
                fd.number(),
                fd.kind(),
                if fd.is_list() { ", repeated" } else { "" },
                fd.containing_oneof()
                    .map(|o| format!(", oneof {}", o.name()))
                    .unwrap_or_default(),
            );
            check_case::<T>(&what, &md, &m);
            cases += 1;
        }
    }
    for r in 0..rounds(&md) {
        check_case::<T>(
            &format!("{name} (every field, round {r})"),
            &md,
            &populate(&md, r, 0),
        );
        cases += 1;
    }
    cases
}

#[test]
fn the_type_table_lists_every_message_of_the_schema() {
    let mut schema: Vec<String> = pool()
        .all_messages()
        .filter(|m| !m.is_map_entry())
        .map(|m| m.full_name().to_string())
        .collect();
    schema.sort();
    let mut ours: Vec<String> = TABLE.iter().map(|s| s.to_string()).collect();
    ours.sort();
    assert_eq!(
        ours.len(),
        schema.len(),
        "table has {} types, schema {}",
        ours.len(),
        schema.len()
    );
    assert_eq!(ours, schema);
    assert_eq!(schema.len(), 88);
}

#[test]
fn every_field_of_every_message_matches_the_official_schema() {
    let cases = check_every_type();
    // Each of the 88 types has at least the empty case, two whole-message rounds and a case
    // per field value; a silently shrinking loop would fail here.
    assert!(cases > 88 * 3 + 500, "only {cases} cases ran");
    eprintln!("schema conformance: {cases} cases");
}

#[test]
fn the_oracle_catches_a_dropped_field() {
    // Self-test of the method: a type without field 2 (`max_depth`) of `usp.Get` must fail.
    #[derive(Clone, PartialEq, ::prost::Message)]
    struct GetWithoutMaxDepth {
        #[prost(string, repeated, tag = "1")]
        param_paths: Vec<String>,
    }
    let md = pool().get_message_by_name("usp.Get").expect("usp.Get");
    let m = populate(&md, 0, 0);
    let caught = std::panic::catch_unwind(|| check_wire::<GetWithoutMaxDepth>("usp.Get", &md, &m));
    assert!(caught.is_err(), "a type missing a field passed");
}

#[test]
fn the_oracle_catches_a_wrong_integer_type() {
    // `err_code` is fixed32 in the schema; a uint32 has another wire type.
    #[derive(Clone, PartialEq, ::prost::Message)]
    struct ErrorWithUint32 {
        #[prost(uint32, tag = "1")]
        err_code: u32,
        #[prost(string, tag = "2")]
        err_msg: String,
    }
    let md = pool().get_message_by_name("usp.Error").expect("usp.Error");
    let mut m = DynamicMessage::new(md.clone());
    m.set_field_by_name("err_code", Value::U32(7000));
    let caught = std::panic::catch_unwind(|| check_wire::<ErrorWithUint32>("usp.Error", &md, &m));
    assert!(caught.is_err(), "a type with a wrong integer type passed");
}

mod random {
    //! Our values → our bytes → the oracle: no unknown field, same value back, same JSON.
    use super::*;
    use proptest::prelude::*;

    fn check_ours<T>(name: &str, x: &T) -> Result<(), TestCaseError>
    where
        T: Message + Default + PartialEq + Debug + Serialize + DeserializeOwned,
    {
        let md = pool().get_message_by_name(name).expect("in schema");
        let bytes = x.encode_to_vec();
        let dynamic = DynamicMessage::decode(md, bytes.as_slice())
            .map_err(|e| TestCaseError::fail(format!("oracle decode: {e}")))?;
        assert_no_unknown_fields(&dynamic, name);
        let again = T::decode(dynamic.encode_to_vec().as_slice())
            .map_err(|e| TestCaseError::fail(format!("decode: {e}")))?;
        prop_assert_eq!(&again, x);
        let ours = serde_json::to_value(x).expect("our JSON");
        prop_assert_eq!(&ours, &oracle_json(&dynamic, true));
        let back: T = serde_json::from_value(ours).expect("our JSON reads back");
        prop_assert_eq!(&back, x);
        Ok(())
    }

    /// Records, for `m` and everything inside it, which oneof members are set (as
    /// `Message.field`) and which enum fields hold a number the schema does not define.
    fn walk(m: &DynamicMessage, members: &mut BTreeSet<String>, unknown_enums: &mut usize) {
        for (fd, v) in m.fields() {
            if fd.containing_oneof().is_some() {
                members.insert(format!("{}.{}", m.descriptor().full_name(), fd.name()));
            }
            if let (Kind::Enum(e), Value::EnumNumber(n)) = (fd.kind(), v) {
                if e.get_value(*n).is_none() {
                    *unknown_enums += 1;
                }
            }
            let nested: Vec<&DynamicMessage> = match v {
                Value::Message(x) => vec![x],
                Value::List(l) => l.iter().filter_map(Value::as_message).collect(),
                Value::Map(map) => map.values().filter_map(Value::as_message).collect(),
                _ => Vec::new(),
            };
            for x in nested {
                walk(x, members, unknown_enums);
            }
        }
    }

    /// Every oneof member of the schema, as `Message.field`, for one package.
    fn all_members(package: &str) -> BTreeSet<String> {
        pool()
            .all_messages()
            .filter(|m| m.package_name() == package)
            .flat_map(|m| {
                let name = m.full_name().to_string();
                m.oneofs()
                    .flat_map(|o| o.fields().collect::<Vec<_>>())
                    .map(|f| format!("{name}.{}", f.name()))
                    .collect::<Vec<_>>()
            })
            .collect()
    }

    /// Draws 3000 values of `name` and walks them; returns (members set, unknown enum count).
    fn sample<T: Message, S: Strategy<Value = T>>(
        strategy: S,
        name: &str,
    ) -> (BTreeSet<String>, usize) {
        use proptest::strategy::ValueTree;
        let mut runner = proptest::test_runner::TestRunner::deterministic();
        let md = pool().get_message_by_name(name).expect("in schema");
        let (mut members, mut unknown_enums) = (BTreeSet::new(), 0);
        for _ in 0..3000 {
            let x = strategy.new_tree(&mut runner).expect("value").current();
            let d =
                DynamicMessage::decode(md.clone(), x.encode_to_vec().as_slice()).expect("decode");
            walk(&d, &mut members, &mut unknown_enums);
        }
        (members, unknown_enums)
    }

    #[test]
    fn record_strategy_covers_every_oneof_member_and_unknown_enums() {
        let (members, unknown) = sample(usp_testkit::strategies::record(), "usp_record.Record");
        let missing: Vec<_> = all_members("usp_record")
            .difference(&members)
            .cloned()
            .collect();
        assert!(missing.is_empty(), "strategies never set {missing:?}");
        assert!(
            unknown > 0,
            "strategies never drew an undefined enum number"
        );
    }

    #[test]
    fn msg_strategies_cover_every_oneof_member_and_unknown_enums() {
        // `msg()` reaches everything; `request()` and `response()` are sampled too so that
        // members 5 oneofs deep are drawn often enough for a fixed sample size.
        let (mut members, mut unknown) = sample(usp_testkit::strategies::msg(), "usp.Msg");
        for (m, u) in [
            sample(usp_testkit::strategies::request(), "usp.Request"),
            sample(usp_testkit::strategies::response(), "usp.Response"),
        ] {
            members.extend(m);
            unknown += u;
        }
        let missing: Vec<_> = all_members("usp").difference(&members).cloned().collect();
        assert!(missing.is_empty(), "strategies never set {missing:?}");
        assert!(
            unknown > 0,
            "strategies never drew an undefined enum number"
        );
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        #[test]
        fn random_records_agree_with_the_oracle(r in usp_testkit::strategies::record()) {
            check_ours("usp_record.Record", &r)?;
        }

        #[test]
        fn random_msgs_agree_with_the_oracle(m in usp_testkit::strategies::msg()) {
            check_ours("usp.Msg", &m)?;
        }
    }
}
