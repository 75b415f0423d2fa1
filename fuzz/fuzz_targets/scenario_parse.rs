//! Arbitrary text as a simulator scenario: parse, derive the engine
//! configuration, build and exercise it (see `acd_fuzz::scenario_input`).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Err(e) = acd_fuzz::scenario_input::check(data) {
        panic!("{e}");
    }
});
