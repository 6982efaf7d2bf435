//! USP End-to-End session context (placeholder; see issue 4).
#![no_std]
#![forbid(unsafe_code)]
