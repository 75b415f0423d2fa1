//! A valid journal directory, damaged arbitrarily, read back and recovered
//! no panic, a recovered engine is consistent, a torn tail always
//! recovers (see `acd_fuzz::journal_input`).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|damages: Vec<acd_fuzz::journal_input::Damage>| {
    if let Err(e) = acd_fuzz::journal_input::check(&damages) {
        panic!("{e}");
    }
});
