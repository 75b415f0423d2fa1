//! Shared set-up for the engine and runtime benchmarks.
//!
//! - [`floor`]: contact centres of any size (N agents, 500 groups, 100
//!   skills) brought to a steady state, and the routing cycles measured on
//!   them (call arrives -> agent chosen; agent ready -> best call chosen).
//! - [`workload`]: a recorded, realistic mixed command stream (arrivals,
//!   alerting, answers, hang-ups, abandons, breaks, timers) for throughput.
//! - [`heap`]: a counting global allocator for memory per agent and per call.
//!
//! See `benches/README.md` for the results and how to reproduce them.

pub mod floor;
pub mod heap;
pub mod workload;

/// Command-line argument `i` of a profiling example as a number, or
/// `default` when it is absent or not a number.
pub fn arg(i: usize, default: usize) -> usize {
    std::env::args()
        .nth(i)
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}
