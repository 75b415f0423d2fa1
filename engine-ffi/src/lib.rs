//! C ABI for the ACD routing engine (filled in by the C ABI issue).
