#![doc = include_str!("../README.md")]
#![no_std]
#![forbid(unsafe_code)]
extern crate alloc;
#[cfg(feature = "std")]
extern crate std;

mod access;
mod engine;
mod error;
#[cfg(any(fuzzing, test))]
pub mod fuzzing;
mod memory;
mod model;
pub mod schema;
#[cfg(feature = "xml")]
pub mod xml;

pub use access::{AccessControl, FullAccess, Permission, Perms, Role, Roles};
pub use engine::{DeleteMissing, Engine, EngineConfig, Unsupported};
pub use error::{DmError, SchemaError};
pub use memory::MemoryDataModel;
pub use model::DataModel;
pub use schema::{
    CommandDef, Constraints, EventDef, ObjAccess, ObjId, ObjectDef, ParamAccess, ParamDef, Range,
    RefKind, Schema, UniqueKey, ValueChange,
};

/// USP error codes used by the engine (REQUIREMENTS §0.1).
pub mod code {
    /// 7000 Message failed.
    pub const MESSAGE_FAILED: u32 = 7000;
    /// 7001 Message not supported.
    pub const MESSAGE_NOT_SUPPORTED: u32 = 7001;
    /// 7003 Internal error.
    pub const INTERNAL_ERROR: u32 = 7003;
    /// 7004 Invalid arguments.
    pub const INVALID_ARGUMENTS: u32 = 7004;
    /// 7005 Resources exceeded.
    pub const RESOURCES_EXCEEDED: u32 = 7005;
    /// 7006 Permission denied.
    pub const PERMISSION_DENIED: u32 = 7006;
    /// 7008 Invalid path syntax.
    pub const INVALID_PATH_SYNTAX: u32 = 7008;
    /// 7009 Parameter action failed.
    pub const PARAMETER_ACTION_FAILED: u32 = 7009;
    /// 7010 Unsupported parameter.
    pub const UNSUPPORTED_PARAMETER: u32 = 7010;
    /// 7011 Invalid type.
    pub const INVALID_TYPE: u32 = 7011;
    /// 7012 Invalid value.
    pub const INVALID_VALUE: u32 = 7012;
    /// 7013 Attempt to update non-writeable parameter.
    pub const PARAM_READ_ONLY: u32 = 7013;
    /// 7014 Value conflict.
    pub const VALUE_CONFLICT: u32 = 7014;
    /// 7015 Operation error.
    pub const OPERATION_ERROR: u32 = 7015;
    /// 7016 Object does not exist.
    pub const OBJECT_DOES_NOT_EXIST: u32 = 7016;
    /// 7017 Object could not be created.
    pub const OBJECT_NOT_CREATED: u32 = 7017;
    /// 7018 Object is not a table.
    pub const NOT_A_TABLE: u32 = 7018;
    /// 7019 Attempt to create non-creatable object.
    pub const OBJECT_NOT_CREATABLE: u32 = 7019;
    /// 7020 Object could not be updated.
    pub const OBJECT_NOT_UPDATED: u32 = 7020;
    /// 7021 Required parameter failed.
    pub const REQUIRED_PARAMETER_FAILED: u32 = 7021;
    /// 7024 Delete failure.
    pub const DELETE_FAILURE: u32 = 7024;
    /// 7025 Object exists with duplicate key.
    pub const DUPLICATE_KEY: u32 = 7025;
    /// 7026 Invalid path.
    pub const INVALID_PATH: u32 = 7026;
}
