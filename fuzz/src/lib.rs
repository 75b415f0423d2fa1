//! Drivers shared by the fuzz targets and by the regression replay test.
//!
//! Each driver turns arbitrary input into calls on the engine (or its C ABI)
//! and checks, after every step, the same properties as the proptest suite
//! (`engine/tests/invariants.rs`): the engine's own `check_invariants`, that
//! a refused command changes nothing, that no call vanishes without a
//! terminal event, that nothing is scheduled in the past, that a snapshot
//! round-trips, and that the same input gives the same output twice.
//!
//! A broken property is reported as `Err(description)`; the fuzz targets
//! turn it into a panic so libFuzzer records the input as a crash.

pub mod c_abi;
pub mod config_input;
pub mod journal_input;
pub mod scenario_input;
pub mod stream;
pub mod trace_input;
