#![doc = include_str!("../README.md")]
#![no_std]
#![forbid(unsafe_code)]
extern crate alloc;
#[cfg(feature = "std")]
extern crate std;

mod access;
mod agent;
mod engine;
mod error;
#[cfg(any(fuzzing, test))]
pub mod fuzzing;
mod memory;
mod model;
pub mod schema;
#[cfg(feature = "xml")]
pub mod xml;

pub use access::{AccessControl, FullAccess, Permission, Perms, Role, Roles, target_covers};
pub use agent::{
    Agent, AgentConfig, AgentError, Commands, Instant, NoCommands, NotifyKind, OpHandle, Outgoing,
    TriggerAction, retry_window,
};
pub use engine::{DeleteMissing, Engine, EngineConfig, Unsupported};
pub use error::{DmError, SchemaError};
pub use memory::MemoryDataModel;
pub use model::DataModel;
pub use schema::{
    CommandDef, Constraints, EventDef, ObjAccess, ObjId, ObjectDef, ParamAccess, ParamDef, Range,
    RefKind, Schema, UniqueKey, ValueChange,
};

/// The USP error codes the engine uses, as the `u32` the wire carries; each is the
/// `usp_msg::ErrorCode` constant of the same meaning.
pub mod code {
    use usp_msg::ErrorCode as E;

    /// 7000 Message failed.
    pub const MESSAGE_FAILED: u32 = E::MESSAGE_FAILED.get();
    /// 7001 Message not supported.
    pub const MESSAGE_NOT_SUPPORTED: u32 = E::MESSAGE_NOT_SUPPORTED.get();
    /// 7003 Internal error.
    pub const INTERNAL_ERROR: u32 = E::INTERNAL_ERROR.get();
    /// 7004 Invalid arguments.
    pub const INVALID_ARGUMENTS: u32 = E::INVALID_ARGUMENTS.get();
    /// 7005 Resources exceeded.
    pub const RESOURCES_EXCEEDED: u32 = E::RESOURCES_EXCEEDED.get();
    /// 7006 Permission denied.
    pub const PERMISSION_DENIED: u32 = E::PERMISSION_DENIED.get();
    /// 7008 Invalid path syntax.
    pub const INVALID_PATH_SYNTAX: u32 = E::INVALID_PATH_SYNTAX.get();
    /// 7009 Parameter action failed.
    pub const PARAMETER_ACTION_FAILED: u32 = E::PARAMETER_ACTION_FAILED.get();
    /// 7010 Unsupported parameter.
    pub const UNSUPPORTED_PARAMETER: u32 = E::UNSUPPORTED_PARAMETER.get();
    /// 7011 Invalid type.
    pub const INVALID_TYPE: u32 = E::INVALID_TYPE.get();
    /// 7012 Invalid value.
    pub const INVALID_VALUE: u32 = E::INVALID_VALUE.get();
    /// 7013 Attempt to update non-writeable parameter.
    pub const PARAM_READ_ONLY: u32 = E::PARAM_READ_ONLY.get();
    /// 7014 Value conflict.
    pub const VALUE_CONFLICT: u32 = E::VALUE_CONFLICT.get();
    /// 7015 Operation error.
    pub const OPERATION_ERROR: u32 = E::OPERATION_ERROR.get();
    /// 7016 Object does not exist.
    pub const OBJECT_DOES_NOT_EXIST: u32 = E::OBJECT_DOES_NOT_EXIST.get();
    /// 7017 Object could not be created.
    pub const OBJECT_NOT_CREATED: u32 = E::OBJECT_NOT_CREATED.get();
    /// 7018 Object is not a table.
    pub const NOT_A_TABLE: u32 = E::NOT_A_TABLE.get();
    /// 7019 Attempt to create non-creatable object.
    pub const OBJECT_NOT_CREATABLE: u32 = E::OBJECT_NOT_CREATABLE.get();
    /// 7020 Object could not be updated.
    pub const OBJECT_NOT_UPDATED: u32 = E::OBJECT_NOT_UPDATED.get();
    /// 7021 Required parameter failed.
    pub const REQUIRED_PARAMETER_FAILED: u32 = E::REQUIRED_PARAMETER_FAILED.get();
    /// 7022 Command failure.
    pub const COMMAND_FAILURE: u32 = E::COMMAND_FAILURE.get();
    /// 7023 Command canceled.
    pub const COMMAND_CANCELED: u32 = E::COMMAND_CANCELED.get();
    /// 7024 Delete failure.
    pub const DELETE_FAILURE: u32 = E::DELETE_FAILURE.get();
    /// 7025 Object exists with duplicate key.
    pub const DUPLICATE_KEY: u32 = E::DUPLICATE_UNIQUE_KEY.get();
    /// 7026 Invalid path.
    pub const INVALID_PATH: u32 = E::INVALID_PATH.get();
    /// 7027 Invalid command arguments.
    pub const INVALID_COMMAND_ARGUMENTS: u32 = E::INVALID_COMMAND_ARGUMENTS.get();
    /// 7028 Register failure.
    pub const REGISTER_FAILURE: u32 = E::REGISTER_FAILURE.get();
    /// 7029 Already in use.
    pub const ALREADY_IN_USE: u32 = E::ALREADY_IN_USE.get();
    /// 7030 Deregister failure.
    pub const DEREGISTER_FAILURE: u32 = E::DEREGISTER_FAILURE.get();
    /// 7031 Path already registered.
    pub const PATH_ALREADY_REGISTERED: u32 = E::PATH_ALREADY_REGISTERED.get();
}
