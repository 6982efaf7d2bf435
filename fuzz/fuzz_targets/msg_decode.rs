#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| usp_msg::fuzzing::msg_decode(data));
