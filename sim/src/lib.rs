//! # acd-sim
//!
//! A discrete-event load simulator for the ACD routing engine, for capacity
//! planning: "how many agents, which strategy, what service level?".
//!
//! It drives the real [`acd_engine::Engine`] — not a model of it — under a
//! simulated clock: a [`scenario::Scenario`] (TOML) describes groups,
//! Poisson arrivals and agents; [`simulation::Simulation`] feeds the engine
//! calls, answers its offers, hangs up after the handle time, abandons on
//! patience expiry and fires the engine's timers on time; [`report::Report`]
//! summarises service level, ASA, probability of wait, abandonment and
//! occupancy per group and per interval, with the Erlang C/A prediction
//! ([`erlang`]) beside every group that is a textbook queue.
//!
//! ```
//! use acd_sim::{scenario::Scenario, simulation::run_once, report::Report};
//! let text = r#"
//!     duration_s = 3600
//!     [[groups]]
//!     id = "support"
//!     skills = ["support"]
//!     [[arrivals]]
//!     group = "support"
//!     per_hour = 60
//!     handle = { dist = "exponential", mean_s = 180 }
//!     [[agents]]
//!     count = 5
//!     skills = { support = 5 }
//! "#;
//! let scenario = Scenario::parse(text).unwrap();
//! let run = run_once(&scenario, 7, &mut |_| {}).unwrap();
//! let report = Report::build("doc", &scenario, &[run]);
//! assert_eq!(report.groups[0].id, "support");
//! ```
#![warn(missing_docs)]

pub mod arrivals;
pub mod clock;
pub mod compare;
pub mod confidence;
pub mod dist;
pub mod erlang;
pub mod html;
pub mod measure;
pub mod policy;
pub mod replications;
pub mod report;
pub mod scenario;
pub mod simulation;
pub mod staff;
pub mod staffing_search;
pub mod svg;
