//! serde for the validated types (feature `serde`), by way of the [`pb`] types.
//!
//! [`Record`] is written exactly as its [`pb::Record`] (protobuf's JSON conventions, the layout
//! of the `value` of the golden vectors), and reading it checks every rule [`Record::decode`]
//! checks: JSON that is a well-formed `pb::Record` but breaks a USP rule fails with the
//! [`RecordError`](crate::RecordError) message. [`EndpointId`] is a JSON string, validated on
//! input.

use core::fmt;

use serde::de::{Error as _, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::{EndpointId, Record, pb};

impl Serialize for Record {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        // Cheap: the payloads are ref-counted `Bytes`.
        pb::Record::from(self.clone()).serialize(s)
    }
}

impl<'de> Deserialize<'de> for Record {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let raw = pb::Record::deserialize(d)?;
        Self::try_from(raw).map_err(D::Error::custom)
    }
}

impl Serialize for EndpointId {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for EndpointId {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_str(EndpointIdVisitor)
    }
}

/// Reads an [`EndpointId`] from a string.
struct EndpointIdVisitor;

impl Visitor<'_> for EndpointIdVisitor {
    type Value = EndpointId;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a USP Endpoint ID string")
    }

    fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<EndpointId, E> {
        EndpointId::parse(v).map_err(E::custom)
    }
}
