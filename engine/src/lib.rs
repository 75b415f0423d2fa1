//! # acd-engine
//!
//! A real-time ACD (automatic call distribution) routing engine: it decides
//! which agent gets which call. The domain rules are in `RULES.md` at the
//! root of this crate (rules R-x.y); each module's docs cite the rules it
//! implements.
//!
//! The engine is *sans-IO* and deterministic: it owns no threads, sockets or
//! clocks. Input is a [`Command`] with an explicit `now`; output is
//! [`Effect`]s (ring this agent, stop ringing, divert this call) and
//! [`Event`]s (the call-detail and agent-state record). [`Engine::poll_timeout`]
//! says when to call [`Engine::handle_timeout`].
//!
//! ```
//! use acd_engine::*;
//!
//! let mut tenant = TenantConfig::new("acme");
//! tenant.groups.push(GroupConfig::new("support", &["support"]));
//! tenant.agents.push(AgentConfig::new("alice", &[("support", 5)]));
//! let config = EngineConfig { tenants: vec![tenant], ..EngineConfig::default() };
//! let mut engine = Engine::new(config).unwrap();
//! let acme = TenantId::new("acme");
//!
//! let at = Instant::from_secs;
//! engine.handle(at(0), &acme, Command::Logon {
//!     agent: "alice".into(), extension: "2001".into(), media: vec![] }).unwrap();
//! engine.handle(at(1), &acme, Command::Ready { agent: "alice".into(), media: Media::Voice }).unwrap();
//! engine.handle(at(2), &acme, Command::call_arrived(CallSpec::new("c1", "support"))).unwrap();
//!
//! // The engine offers the call to Alice at once (R-3.2).
//! match engine.poll_effect() {
//!     Some(Effect::Offer { agent, extension, epoch, .. }) => {
//!         assert_eq!((agent.as_str(), extension.as_str()), ("alice", "2001"));
//!         engine.handle(at(4), &acme, Command::Answered {
//!             call: "c1".into(), agent, epoch }).unwrap();
//!     }
//!     other => panic!("expected an offer, got {other:?}"),
//! }
//! assert_eq!(engine.group_stats(&acme, &"support".into()).unwrap().answered, 1);
//! ```
#![warn(missing_docs)]
#![cfg_attr(docsrs, feature(doc_cfg))]

/// The README's examples, compiled and run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../../README.md")]
pub struct ReadmeDoctests;

mod agent;
mod arena;
mod authentication;
mod call;
mod call_control;
mod capacity;
mod changes;
mod channel;
mod command;
mod config;
mod dispatch;
mod engine;
mod error;
pub mod expr;
mod id_table;
mod ids;
mod invariants;
pub mod journal;
mod output;
mod personal;
mod policy;
mod presence;
mod qir;
mod ready_index;
mod ready_tier;
mod reason_codes;
mod reconfigure;
#[cfg(feature = "replication")]
#[cfg_attr(docsrs, doc(cfg(feature = "replication")))]
pub mod replication;
mod reserve;
pub mod restore;
mod rng;
mod routing;
mod routing_model;
#[cfg(feature = "runtime")]
#[cfg_attr(docsrs, doc(cfg(feature = "runtime")))]
pub mod runtime;
mod service_group;
mod skills;
mod snapshot;
mod stats;
mod strategy;
mod time;
mod timers;
pub mod trace;
mod transfer;
mod views;

pub use agent::StateName;
pub use call::{CallDetails, CallStateName, CallStatus};
pub use capacity::{AgentLoad, AgentStatusWithLoad};
pub use command::{CallData, CallSpec, Command, Epoch};
pub use config::{
    AgentConfig, AgentKind, ConfigError, ConfigProblem, Destination, EngineConfig, GroupConfig,
    Media, OpenRule, ReasonCatalogue, ReasonCodeConfig, Reserve, RestorePolicy, RoutingPolicy,
    RoutingType, SkillRequirement, StageConfig, Strategy, TenantConfig, MAX_REASON_CODES,
    MAX_TENANT_TAGS, SKILL_LEVELS,
};
pub use dispatch::DispatchEntry;
pub use engine::Engine;
pub use error::{Error, ObjectKind, PickRefusal};
pub use expr::{Type as AttributeType, Value as AttributeValue};
pub use ids::{AgentId, CallId, Extension, GroupId, ReasonCode, SkillId, TeamId, TenantId};
pub use output::{AgentStatus, Cause, Effect, Event, EventKind};
pub use reason_codes::ReasonKind;
pub use routing_model::{
    AgingConfig, AttributeTypes, CapacityConfig, PreferredAgent, PreferredRelease, MAX_ORDER_KEYS,
    MAX_PER_MEDIA,
};
pub use snapshot::{SnapshotError, OLDEST_SNAPSHOT_SCHEMA, SNAPSHOT_SCHEMA};
pub use stats::{AgentStats, GroupStats};
pub use time::Instant;
pub use views::TenantSnapshot;
