//! Shared set-up for the criterion benchmarks (filled in by the performance issue).
