//! Generation of serde impls (protobuf JSON conventions). Filled in separately.

pub(crate) fn generate(_file: &prost_types::FileDescriptorProto, _package: &str) -> String {
    String::new()
}
