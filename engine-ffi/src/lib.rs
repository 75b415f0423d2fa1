//! # acd-engine-ffi — the ACD engine behind a C ABI
//!
//! This crate builds `libacd` (`.so`/`.dylib`/`.dll`, and a static `.a`)
//! whose header is `include/acd.h`, generated from this source by cbindgen.
//! It lets C and everything that speaks C (Python ctypes/cffi, Go cgo, Java
//! FFM, Node) embed the routing engine.
//!
//! ## Conventions
//! - **Handles.** `acd_engine *` is opaque: built by `acd_engine_new` from a
//!   JSON configuration (or `acd_engine_load_json` from a saved state),
//!   released by `acd_engine_free`.
//! - **Results.** Every function that can fail returns an `acd_result`, a
//!   stable numeric code: `ACD_RESULT_OK` (0), `ACD_RESULT_NONE` (1, "nothing
//!   to return", not an error), FFI failures (2..99) and one code per engine
//!   error (100..). The text of the last failure on the calling thread is
//!   `acd_last_error_message()`.
//! - **No crash, no leak on bad input.** Every exported function runs inside
//!   one shared panic boundary (`boundary::guard`). NULL pointers, invalid
//!   UTF-8, bad JSON, too-small buffers and bad handles return codes. A
//!   panic inside the engine returns `ACD_RESULT_PANIC` and poisons that
//!   handle (later calls return `ACD_RESULT_POISONED`; it can still be freed).
//! - **Strings in** are NUL-terminated UTF-8, borrowed for the call only.
//! - **Text out** goes into caller-owned buffers: `(buf, buf_len, &out_len)`.
//!   `*out_len` receives the text's length without the NUL (like
//!   `snprintf`); the buffer needs `out_len + 1` bytes. A buffer that is too
//!   small gets `ACD_RESULT_BUFFER_TOO_SMALL`, nothing is consumed, and the
//!   call can be repeated with a bigger buffer.
//! - **Time** is `uint64_t` milliseconds since an epoch the embedder chooses.
//! - **The simulator** (`acd_sim_run`, module `simulate`) runs a load
//!   scenario as `sim run` does and returns its report as JSON.
//!
//! ## Thread safety
//! An `acd_engine *` is **not** internally synchronised: never use one
//! handle from two threads at the same time. A handle may move between
//! threads (the engine is `Send`), and separate handles are independent.
//! The last-error message is per thread.
//!
//! ## Handle checking and its limits
//! Handles carry a magic tag checked on every call: NULL, misaligned
//! pointers, pointers to other objects and freed handles whose memory has
//! not been reused are reported as `ACD_RESULT_BAD_HANDLE`. A dangling
//! pointer to reused memory, or an arbitrary address, cannot be detected by
//! any C library; passing one is undefined behaviour.
#![warn(missing_docs)]

mod boundary;
mod commands;
mod handle;
mod marshal;
mod outputs;
mod queries;
mod result;
mod simulate;

pub use boundary::acd_last_error_message;
pub use commands::{
    acd_engine_alerting, acd_engine_answered, acd_engine_call_arrived, acd_engine_handle_json,
    acd_engine_handle_timeout, acd_engine_hangup, acd_engine_logon, acd_engine_poll_timeout,
    acd_engine_ready, acd_engine_rejected,
};
pub use handle::{acd_engine, acd_engine_free, acd_engine_load_json, acd_engine_new, acd_version};
pub use outputs::{
    acd_effect, acd_effect_kind, acd_engine_drain_effects_jsonl, acd_engine_drain_events_jsonl,
    acd_engine_pending, acd_engine_poll_effect, acd_engine_poll_effect_json,
    acd_engine_poll_event_json, acd_engine_set_events_enabled,
};
pub use queries::{
    acd_engine_agent_status_json, acd_engine_call_status_json, acd_engine_check_invariants,
    acd_engine_dispatch_view_json, acd_engine_group_stats_json, acd_engine_live_calls,
    acd_engine_now, acd_engine_queue_len, acd_engine_save_json, acd_engine_snapshot_json,
    acd_engine_tenants_json,
};
pub use result::{acd_result, acd_result_name};
pub use simulate::{
    acd_progress_fn, acd_sim_options, acd_sim_report, acd_sim_report_free, acd_sim_report_json,
    acd_sim_run,
};
