//! Integration tests for `usp-msg`, through the public API only.
//!
//! One test binary with a module per area (golden vectors, builders, properties).

#[path = "api/builders.rs"]
mod builders;
#[path = "api/generated_props.rs"]
mod generated_props;
#[path = "api/props.rs"]
mod props;
#[cfg(feature = "serde")]
#[path = "api/serde.rs"]
mod serde_validated;
#[path = "api/vectors.rs"]
mod vectors;

/// A golden vector from `testdata/vectors`: name, `.bin` bytes, `.json` description.
pub struct Vector {
    /// File stem, e.g. `msg_get`.
    pub name: &'static str,
    /// The `.bin` bytes.
    pub bin: &'static [u8],
    /// The `.json` description.
    pub json: &'static str,
}

macro_rules! vector {
    ($name:literal) => {
        Vector {
            name: $name,
            bin: include_bytes!(concat!("../../../testdata/vectors/", $name, ".bin")),
            json: include_str!(concat!("../../../testdata/vectors/", $name, ".json")),
        }
    };
}

/// Every vector whose kind is `msg`, or whose target is `msg` (the `invalid_` ones).
pub static MSG_VECTORS: &[Vector] = &[
    vector!("edge_empty_map_values"),
    vector!("edge_empty_notify_resp"),
    vector!("edge_empty_oneof_members"),
    vector!("edge_empty_repeated_string"),
    vector!("edge_fixed32_max"),
    vector!("edge_getresp_5000_params"),
    vector!("edge_map_many_entries"),
    vector!("edge_unicode_get_resp"),
    vector!("edge_unicode_set"),
    vector!("edge_unknown_fields"),
    vector!("invalid_deeply_nested"),
    vector!("invalid_length_exceeds_submessage"),
    vector!("invalid_msg_no_body"),
    vector!("invalid_msg_no_header"),
    vector!("invalid_msg_type_mismatch"),
    vector!("invalid_wrong_wire_type"),
    vector!("msg_add"),
    vector!("msg_add_resp"),
    vector!("msg_delete"),
    vector!("msg_delete_resp"),
    vector!("msg_deregister"),
    vector!("msg_deregister_resp"),
    vector!("msg_error"),
    vector!("msg_get"),
    vector!("msg_get_instances"),
    vector!("msg_get_instances_resp"),
    vector!("msg_get_resp"),
    vector!("msg_get_supported_dm"),
    vector!("msg_get_supported_dm_resp"),
    vector!("msg_get_supported_protocol"),
    vector!("msg_get_supported_protocol_resp"),
    vector!("msg_notify_event"),
    vector!("msg_notify_obj_creation"),
    vector!("msg_notify_obj_deletion"),
    vector!("msg_notify_on_board_req"),
    vector!("msg_notify_oper_complete_cmd_failure"),
    vector!("msg_notify_oper_complete_output_args"),
    vector!("msg_notify_resp"),
    vector!("msg_notify_value_change"),
    vector!("msg_operate"),
    vector!("msg_operate_resp"),
    vector!("msg_operate_resp_async"),
    vector!("msg_operate_sync"),
    vector!("msg_register"),
    vector!("msg_register_resp"),
    vector!("msg_set"),
    vector!("msg_set_resp"),
];
