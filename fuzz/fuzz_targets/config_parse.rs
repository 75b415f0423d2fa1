//! Arbitrary bytes as a JSON or TOML engine configuration: parse, validate,
//! build, exercise (see `acd_fuzz::config_input`).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Err(e) = acd_fuzz::config_input::check(data) {
        panic!("{e}");
    }
});
