//! Arbitrary command streams into the engine, time advancing, every
//! property checked after every step; the stream is run twice and both runs
//! must agree (see `acd_fuzz::stream`).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|script: acd_fuzz::stream::Script| {
    if let Err(e) = acd_fuzz::stream::run_twice(&script) {
        panic!("{e}");
    }
});
