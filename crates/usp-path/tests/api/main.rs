//! Public-API tests of usp-path, one binary with a module per topic.

mod golden;
mod props;
mod requirements;
mod resolve;
mod tree;
mod values;
mod vectors;
