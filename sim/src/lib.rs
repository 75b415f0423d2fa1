//! Load simulator for the ACD routing engine (filled in by the simulator issue).
