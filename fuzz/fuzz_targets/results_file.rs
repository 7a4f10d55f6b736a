//! See `portal_server::fuzzing::results_file`.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| portal_server::fuzzing::results_file(data));
