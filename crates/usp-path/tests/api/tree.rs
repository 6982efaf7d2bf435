//! An in-memory instantiated data model for resolution tests.

use core::cell::Cell;
use std::collections::BTreeMap;

use usp_path::resolve::{DataTree, KeyLookup, ParamValue};
use usp_path::value::{ParamType, ValueType, check_constant};
use usp_path::{Expression, RelPath};

/// Tables, parameters and optional unique-key indexes, keyed by concrete path strings.
#[derive(Default)]
pub(crate) struct MemTree {
    tables: BTreeMap<String, Vec<u32>>,
    params: BTreeMap<String, BTreeMap<String, (ParamType, String)>>,
    /// table -> key parameter name: indexed single-parameter keys.
    indexed: BTreeMap<String, String>,
    /// How many times the index answered.
    pub(crate) index_hits: Cell<usize>,
    /// How many times `instances` was called.
    pub(crate) scans: Cell<usize>,
    /// How many times `param` was called.
    pub(crate) reads: Cell<usize>,
    /// Whether `param_type` answers from the declared types (`types`).
    pub(crate) typed: bool,
    /// table -> parameter name -> type, for `param_type`.
    types: BTreeMap<String, BTreeMap<String, ParamType>>,
}

pub(crate) fn s() -> ParamType {
    ParamType::scalar(ValueType::String)
}
pub(crate) fn b() -> ParamType {
    ParamType::scalar(ValueType::Boolean)
}
pub(crate) fn u() -> ParamType {
    ParamType::scalar(ValueType::UnsignedInt)
}
pub(crate) fn i() -> ParamType {
    ParamType::scalar(ValueType::Int)
}
pub(crate) fn t() -> ParamType {
    ParamType::scalar(ValueType::DateTime)
}

impl MemTree {
    pub(crate) fn new() -> Self {
        Self::default()
    }

    /// Adds row `n` to `table` (`Device.IP.Interface.`).
    pub(crate) fn row(&mut self, table: &str, n: u32) -> &mut Self {
        self.tables.entry(table.to_owned()).or_default().push(n);
        self
    }

    /// Sets a parameter of `object` (`Device.IP.Interface.1.`).
    pub(crate) fn set(
        &mut self,
        object: &str,
        name: &str,
        ty: ParamType,
        value: &str,
    ) -> &mut Self {
        self.params
            .entry(object.to_owned())
            .or_default()
            .insert(name.to_owned(), (ty, value.to_owned()));
        self
    }

    /// Declares the type of `param` in the rows of `table`, answered by `param_type` when
    /// `typed` is set.
    pub(crate) fn declare(&mut self, table: &str, param: &str, ty: ParamType) -> &mut Self {
        self.types
            .entry(table.to_owned())
            .or_default()
            .insert(param.to_owned(), ty);
        self
    }

    /// Declares `param` an indexed unique key of `table`.
    pub(crate) fn index(&mut self, table: &str, param: &str) -> &mut Self {
        self.indexed.insert(table.to_owned(), param.to_owned());
        self
    }
}

impl DataTree for MemTree {
    fn instances(&self, table: &str, out: &mut Vec<u32>) {
        self.scans.set(self.scans.get() + 1);
        if let Some(v) = self.tables.get(table) {
            out.extend_from_slice(v);
        }
    }

    fn has_instance(&self, table: &str, n: u32) -> bool {
        self.tables.get(table).is_some_and(|v| v.contains(&n))
    }

    fn has_instance_is_direct(&self) -> bool {
        true
    }

    fn param_type(&self, table: &str, param: &RelPath<'_>) -> Option<ParamType> {
        if !self.typed {
            return None;
        }
        self.types.get(table)?.get(&param.to_string()).copied()
    }

    fn param(&self, object: &str, name: &str) -> Option<ParamValue<'_>> {
        self.reads.set(self.reads.get() + 1);
        let (ty, v) = self.params.get(object)?.get(name)?;
        Some(ParamValue::new(*ty, v.as_str()))
    }

    fn find_by_key(&self, table: &str, key: &Expression<'_>) -> KeyLookup {
        let Some(kp) = self.indexed.get(table) else {
            return KeyLookup::NotIndexed;
        };
        let [c] = key.components() else {
            return KeyLookup::NotIndexed;
        };
        if c.param().as_simple().map(|n| n.as_str()) != Some(kp.as_str()) {
            return KeyLookup::NotIndexed;
        }
        self.index_hits.set(self.index_hits.get() + 1);
        // A real index would be a map; the test tree just answers from its rows.
        let Ok(tc) = check_constant(s(), c.operator(), c.value()) else {
            return KeyLookup::Missing;
        };
        for n in self.tables.get(table).into_iter().flatten() {
            let obj = format!("{table}{n}.");
            if let Some(v) = self.param(&obj, kp) {
                if tc.matches(v.text()).unwrap_or(false) {
                    return KeyLookup::Found(*n);
                }
            }
        }
        KeyLookup::Missing
    }
}

/// The spec's examples as a tree: IP interfaces, NAT port mappings, Wi-Fi radios, SSIDs and
/// access points with references.
pub(crate) fn spec_tree() -> MemTree {
    let mut t = MemTree::new();
    let ip = "Device.IP.Interface.";
    for (n, name, ty, enable, errs) in [
        (1, "eth0", "Normal", "true", "0"),
        (2, "eth1", "Normal", "1", "5"),
        (3, "lo", "Loopback", "false", "0"),
    ] {
        t.row(ip, n);
        let o = format!("{ip}{n}.");
        t.set(&o, "Name", s(), name)
            .set(&o, "Alias", s(), &format!("cpe-{n}"))
            .set(&o, "Type", s(), ty)
            .set(&o, "Enable", b(), enable)
            .set(&format!("{o}Stats."), "ErrorsSent", u(), errs);
    }
    for (n, a, at, en) in [
        (1, 1, "Static", "true"),
        (1, 2, "DHCP", "true"),
        (2, 1, "Static", "false"),
    ] {
        let tab = format!("{ip}{n}.IPv4Address.");
        t.row(&tab, a);
        let o = format!("{tab}{a}.");
        t.set(&o, "AddressingType", s(), at)
            .set(&o, "Enable", b(), en)
            .set(&o, "IPAddress", s(), &format!("192.168.{n}.{a}"));
    }
    t.row("Device.NAT.PortMapping.", 1);
    t.set(
        "Device.NAT.PortMapping.1.",
        "Interface",
        s(),
        "Device.IP.Interface.1",
    );
    t.row("Device.WiFi.Radio.", 1).row("Device.WiFi.Radio.", 2);
    t.set("Device.WiFi.Radio.1.", "Name", s(), "wl0").set(
        "Device.WiFi.Radio.2.",
        "Name",
        s(),
        "wl1",
    );
    t.row("Device.WiFi.SSID.", 1).row("Device.WiFi.SSID.", 2);
    t.set(
        "Device.WiFi.SSID.1.",
        "LowerLayers",
        ParamType::list(ValueType::String),
        "Device.WiFi.Radio.1, Device.WiFi.Radio.2",
    )
    .set("Device.WiFi.SSID.1.", "SSID", s(), "MyHome")
    .set(
        "Device.WiFi.SSID.2.",
        "LowerLayers",
        ParamType::list(ValueType::String),
        "Device.WiFi.Radio.2",
    )
    .set("Device.WiFi.SSID.2.", "SSID", s(), "Guest");
    for (ap, ssid) in [
        (1, "Device.WiFi.SSID.1"),
        (2, "Device.WiFi.SSID.[SSID==\"Guest\"]"),
    ] {
        t.row("Device.WiFi.AccessPoint.", ap);
        let o = format!("Device.WiFi.AccessPoint.{ap}.");
        t.set(&o, "SSIDReference", s(), ssid);
        let tab = format!("{o}AssociatedDevice.");
        for (d, std) in [(1, "ac"), (2, "n")] {
            t.row(&tab, d);
            let od = format!("{tab}{d}.");
            t.set(&od, "OperatingStandard", s(), std).set(
                &od,
                "SignalStrength",
                i(),
                &format!("-{}", 40 + ap * 10 + d),
            );
        }
    }
    t
}
