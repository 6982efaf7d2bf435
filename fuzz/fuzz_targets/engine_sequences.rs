#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| usp_datamodel::fuzzing::engine_sequences(data));
