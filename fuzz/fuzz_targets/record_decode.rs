#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| usp_record::fuzzing::record_decode(data));
