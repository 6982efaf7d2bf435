#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| usp_path::fuzzing::path_parse(data));
