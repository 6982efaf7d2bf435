//! add
