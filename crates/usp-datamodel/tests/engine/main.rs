//! Engine tests through the public API, one module per message family. Each test names the
//! R-id (REQUIREMENTS.md) or TP-469 case it covers.

mod add;
mod broker;
mod common;
mod delete;
mod discovery;
mod divergent;
mod get;
mod keyindex;
mod messages;
mod notify;
mod onboard;
mod operate;
mod perms;
mod props;
mod rbac;
mod refs;
mod set;
mod trigger;
