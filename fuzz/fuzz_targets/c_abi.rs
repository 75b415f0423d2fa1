//! Arbitrary calls into the C ABI (crate `acd-engine-ffi`, lib `acd`):
//! arbitrary strings, NULLs, buffer sizes and times on up to two handles;
//! nothing may crash, panic or break an invariant (see `acd_fuzz::c_abi`).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|calls: Vec<acd_fuzz::c_abi::AbiCall>| {
    if let Err(e) = acd_fuzz::c_abi::run(&calls) {
        panic!("{e}");
    }
});
