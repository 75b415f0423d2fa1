//! A shard replicated on NATS JetStream: a synchronized hot standby
//! (cargo feature `replication`, SPEC R-11).
//!
//! Because the engine is deterministic, replicas that apply the same inputs
//! in the same order reach the same state. The inputs live in a replicated
//! log, a JetStream stream per shard, instead of a home-made consensus:
//!
//! - **Write-ahead** (`leader`): the leader appends every accepted input —
//!   tenant, `now`, command, in the trace line format (`log`) — and applies
//!   it only once the stream acknowledged it. Timer firings are appended as
//!   time-advance records, so followers fire the same timers at the same
//!   instants and never read their own clock for replicated state.
//! - **Fencing** (`leader`): each append carries the expected last
//!   sequence; a deposed leader's append is refused by the server and it
//!   steps down without applying or emitting anything more.
//! - **Leadership** (`lease`): a lease in a key-value bucket, renewed by
//!   compare-and-set on its revision; a standby takes over when it lapses.
//! - **Followers** (`follower`): apply every message with effects
//!   suppressed; on promotion catch up to the last message, then seal the
//!   takeover with a barrier append.
//! - **Snapshots** (`snapshot`): in the object store every N messages; the
//!   log is purged behind them; a new replica starts from snapshot + tail.
//! - **Protocol** (`protocol`): NATS request/reply for commands, published
//!   effects and events, typed errors for bad input.
//!
//! # Decisions
//!
//! - *Refused commands are logged.* A request that parses and names a
//!   hosted tenant is appended whatever the engine will say; every replica
//!   applies it and refuses it identically (the engine is deterministic and
//!   a refused command changes nothing). Requests that do not parse, exceed
//!   the size limit or name an unknown tenant are answered before the log
//!   and never reach it.
//! - *Followers refuse* requests sent to their own subject with
//!   `not_leader` naming the leader; only the leader listens on the shard's
//!   shared command subject.
//! - *Effects are emitted at most once.* The leader emits after the append
//!   and apply. A leader that dies between the acknowledgement and the
//!   emission loses those effects; the new leader applies the message
//!   without emitting. State is exactly once; the deadlines in the state
//!   (ring time, reservation) recover an offer that never rang.
//! - *Time* is the leader's wall clock, never earlier than the engine's, so
//!   deadlines continue from the log's time across a failover; timers that
//!   fell due while no node led fire in the new leader's barrier.

mod follower;
mod leader;
mod lease;
pub mod log;
mod node;
pub mod protocol;
mod snapshot;

pub use lease::{LeaseTiming, LeaseView};
pub use log::{LogRecord, Replica};
pub use node::{run, NodeConfig, NodeError};
pub use protocol::{NodeState, Reply, ReplyError, Request, Subjects};
