//! serde for the validated types (feature `serde`), by way of the [`pb`] types.
//!
//! [`Msg`] is written exactly as its [`pb::Msg`] (protobuf's JSON conventions, the layout of
//! the `value` of the golden vectors; the header's `msg_type` is the body's). Reading it checks
//! every rule [`Msg::decode`] checks, leniently like `Msg::decode`: JSON that is a well-formed
//! `pb::Msg` but breaks a USP rule fails with the [`MsgError`](crate::MsgError) message, and a
//! header `msg_type` that disagrees with the body gives a [`Msg::warning`]. [`ErrorCode`] is a
//! JSON number; [`MsgType`] is its proto enum name (`"GET_RESP"`; a number is accepted on
//! input, as protobuf JSON allows).

use core::fmt;

use serde::de::{Error as _, Unexpected, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::{ErrorCode, Msg, MsgType, pb};

impl Serialize for Msg {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        pb::Msg::from(self.clone()).serialize(s)
    }
}

impl<'de> Deserialize<'de> for Msg {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let raw = pb::Msg::deserialize(d)?;
        Self::try_from(raw).map_err(D::Error::custom)
    }
}

impl Serialize for ErrorCode {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_u32(self.get())
    }
}

impl<'de> Deserialize<'de> for ErrorCode {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        u32::deserialize(d).map(Self::new)
    }
}

impl Serialize for MsgType {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.name())
    }
}

impl<'de> Deserialize<'de> for MsgType {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(MsgTypeVisitor)
    }
}

/// Reads a [`MsgType`] from its proto enum name or its number.
struct MsgTypeVisitor;

impl Visitor<'_> for MsgTypeVisitor {
    type Value = MsgType;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a usp.Header.MsgType name such as \"GET_RESP\", or its number")
    }

    fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<MsgType, E> {
        pb::header::MsgType::from_str_name(v)
            .map(MsgType::from)
            .ok_or_else(|| E::invalid_value(Unexpected::Str(v), &self))
    }

    fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<MsgType, E> {
        i32::try_from(v)
            .ok()
            .and_then(MsgType::from_i32)
            .ok_or_else(|| E::invalid_value(Unexpected::Signed(v), &self))
    }

    fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<MsgType, E> {
        i32::try_from(v)
            .ok()
            .and_then(MsgType::from_i32)
            .ok_or_else(|| E::invalid_value(Unexpected::Unsigned(v), &self))
    }
}
