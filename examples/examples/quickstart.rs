//! The README's demo: a USP Agent (the stateful usp-datamodel Agent over an in-memory data
//! model) and a USP Controller in one process, joined through E2E sessions with a small
//! MaxUSPRecordSize. The Controller runs Add, Get with a search path, Set, Delete,
//! GetSupportedDM and a synchronous Operate, then subscribes, adds an interface and runs an
//! asynchronous command, receiving (and answering) the ObjectCreation and OperationComplete
//! Notify messages; each exchange is printed with its Records and segments.
//!
//! Run: `cargo run --locked -p usp-examples --example quickstart [-- MODEL.xml [MAX_RECORD_SIZE]]`
//! (MODEL.xml: any flattened BBF data model, e.g. `tr-181-2-16-0-usp-full.xml`).

use usp_examples::quickstart::{Options, run};

fn main() -> Result<(), usp_examples::Error> {
    let mut opts = Options::default();
    let mut args = std::env::args().skip(1);
    if let Some(path) = args.next() {
        opts.model_xml = Some(path.into());
    }
    if let Some(size) = args.next() {
        opts.max_record_size = size.parse()?;
    }
    run(&opts, &mut std::io::stdout().lock())?;
    Ok(())
}
