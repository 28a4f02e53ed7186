#![no_main]
// See keyset_core::fuzzing::cursor_json for the property.
libfuzzer_sys::fuzz_target!(|data: &[u8]| keyset_core::fuzzing::cursor_json(data));
