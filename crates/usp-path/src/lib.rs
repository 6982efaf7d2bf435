//! USP Path Names (placeholder; see issue 3).
#![no_std]
#![forbid(unsafe_code)]
