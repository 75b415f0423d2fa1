//! Arbitrary bytes as a JSON-lines command trace, replayed with every
//! property checked after every line (see `acd_fuzz::trace_input`).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Err(e) = acd_fuzz::trace_input::check(data) {
        panic!("{e}");
    }
});
