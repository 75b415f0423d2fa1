//! Observing running shards (cargo feature `metrics`): metrics derived from
//! each shard's outputs and snapshots, and the [`LiveFrame`] pictures the
//! live supervisor view shows.
//!
//! An [`Observer`] instruments a shard's [`ShardConfig`] before the runtime
//! starts ([`Observer::instrument`]): it wraps the shard's output sink and
//! adds a publish hook, both running on the shard's writer thread with no
//! lock shared with the engine. From the effects and events it counts
//! decisions, offers, answers and abandons and keeps what a snapshot does not
//! hold: when each waiting call entered its group, when each agent entered
//! its state, and a sliding window of service-level samples. At each
//! published snapshot it builds a [`LiveFrame`] (queues with waiting times,
//! service level now and today, agents by state with durations and reasons),
//! sets the gauges, and hands the frame to the listeners
//! ([`Observer::subscribe`]) — the live view pushes it to browsers.
//!
//! The engine core is untouched: everything here is derived from the public
//! outputs (with events enabled) and snapshots.
//!
//! ```
//! use acd_engine::runtime::observe::Observer;
//! use acd_engine::runtime::{Runtime, ShardConfig};
//! use acd_engine::*;
//!
//! let mut tenant = TenantConfig::new("acme");
//! tenant.groups.push(GroupConfig::new("support", &["support"]));
//! tenant.agents.push(AgentConfig::new("alice", &[("support", 5)]));
//! let engine = Engine::new(EngineConfig { tenants: vec![tenant], ..Default::default() }).unwrap();
//! let observer = Observer::new(std::time::Duration::from_secs(900));
//! let shard = observer.instrument(0, ShardConfig::new(engine, |_| {}));
//! let runtime = Runtime::start(vec![shard]).unwrap();
//! let acme = TenantId::new("acme");
//! runtime.handle().call(&acme, Command::Logon { agent: "alice".into(), extension: "1".into(), media: vec![] }).unwrap();
//! let frame = observer.frame(0).unwrap();
//! assert_eq!(frame.tenants[0].agents[0].state, "not_ready");
//! runtime.shutdown().unwrap();
//! ```
//!
//! Metric names (labelled with `shard`, and `tenant`/`group`/`state` where
//! shown): `acd_decisions_total{group}`, `acd_offers_total`,
//! `acd_answers_total{group}`, `acd_abandons_total{group}` (counters);
//! `acd_queue_length{group}`, `acd_longest_waiting_seconds{group}`,
//! `acd_service_level{group,window="now"|"today"}`, `acd_agents{state}`
//! (gauges). The runtime's own probes are listed in the `metrics` module
//! docs of the runtime (`acd_commands_total`, `acd_inbox_depth`, ...).

use super::shard::{Output, ShardConfig};
use super::ShardSnapshot;
use crate::{AgentId, AgentStatus, CallId, Effect, EventKind, GroupId, Instant, Media, TenantId};
use hashbrown::HashMap;
use parking_lot::Mutex;
use serde::Serialize;
use std::collections::{BTreeMap, VecDeque};
use std::sync::Arc;
use std::time::Duration;

/// Most waiting calls listed per group in a frame (the count is exact).
pub const MAX_LISTED_CALLS: usize = 50;
/// Agent states in the order the live view shows them.
pub const AGENT_STATES: [&str; 10] = [
    "ready",
    "reserved",
    "alerting",
    "talking",
    "hold",
    "clerical",
    "call_waiting",
    "callback",
    "not_ready",
    "logged_out",
];

/// Receives every frame of every observed shard, on the shard's writer
/// thread: it must not block.
pub type FrameListener = Box<dyn Fn(&Arc<LiveFrame>) + Send + Sync + 'static>;

/// Observes shards; cheap to clone, shareable between threads.
#[derive(Clone)]
pub struct Observer {
    inner: Arc<Inner>,
}

struct Inner {
    window: Duration,
    frames: Mutex<BTreeMap<usize, Arc<LiveFrame>>>,
    listeners: Mutex<Vec<Arc<FrameListener>>>,
}

impl Observer {
    /// An observer whose "service level now" covers the last `window` of
    /// engine time (15 minutes is usual).
    pub fn new(window: Duration) -> Observer {
        Observer {
            inner: Arc::new(Inner {
                window,
                frames: Mutex::new(BTreeMap::new()),
                listeners: Mutex::new(Vec::new()),
            }),
        }
    }

    /// Instruments shard number `shard` (its index in `Runtime::start`'s
    /// list): wraps its sink and adds a publish hook. Keep the shard's
    /// events enabled, or waiting times and state durations stay empty.
    pub fn instrument(&self, shard: usize, mut config: ShardConfig) -> ShardConfig {
        let tracker = Arc::new(Mutex::new(Tracker::new(shard, self.inner.window)));
        let mut sink = config.sink;
        let seen = Arc::clone(&tracker);
        config.sink = Box::new(move |output| {
            seen.lock().output(&output);
            sink(output);
        });
        let mut previous = config.on_publish.take();
        let inner = Arc::clone(&self.inner);
        config.on_publish = Some(Box::new(move |snapshot| {
            let frame = Arc::new(tracker.lock().frame(snapshot));
            frame.set_gauges();
            inner.frames.lock().insert(shard, Arc::clone(&frame));
            let listeners = inner.listeners.lock().clone();
            for listener in listeners {
                listener(&frame);
            }
            if let Some(hook) = &mut previous {
                hook(snapshot);
            }
        }));
        config
    }

    /// Adds a listener for every future frame.
    pub fn subscribe(&self, listener: FrameListener) {
        self.inner.listeners.lock().push(Arc::new(listener));
    }

    /// The latest frame of `shard`, once it has published a snapshot.
    pub fn frame(&self, shard: usize) -> Option<Arc<LiveFrame>> {
        self.inner.frames.lock().get(&shard).cloned()
    }

    /// The latest frame of every observed shard that has one.
    pub fn frames(&self) -> Vec<Arc<LiveFrame>> {
        self.inner.frames.lock().values().cloned().collect()
    }
}

impl std::fmt::Debug for Observer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Observer")
            .field("window", &self.inner.window)
            .finish_non_exhaustive()
    }
}

/// A picture of one shard for supervisors, built at a snapshot.
#[derive(Clone, Debug, Serialize)]
pub struct LiveFrame {
    /// Shard index.
    pub shard: usize,
    /// Sequence number of the snapshot it was built from.
    pub seq: u64,
    /// Engine time of the snapshot, ms.
    pub at_ms: u64,
    /// Length of the "service level now" window, seconds.
    pub window_s: u64,
    /// Commands applied since start.
    pub commands: u64,
    /// Commands refused since start.
    pub refused: u64,
    /// One entry per tenant.
    pub tenants: Vec<TenantFrame>,
}

/// One tenant in a [`LiveFrame`].
#[derive(Clone, Debug, Serialize)]
pub struct TenantFrame {
    /// Tenant id.
    pub tenant: String,
    /// Groups, in the snapshot's order.
    pub groups: Vec<GroupFrame>,
    /// Voice channel of every agent, in the snapshot's order.
    pub agents: Vec<AgentFrame>,
    /// Agents per state name (every name of [`AGENT_STATES`] present).
    pub agents_by_state: BTreeMap<&'static str, usize>,
}

/// One group in a [`TenantFrame`].
#[derive(Clone, Debug, Serialize)]
pub struct GroupFrame {
    /// Group id.
    pub group: String,
    /// Calls waiting in the queue (from the snapshot).
    pub queue_len: usize,
    /// Waiting calls, longest waiting first (at most [`MAX_LISTED_CALLS`]).
    pub waiting: Vec<WaitingCall>,
    /// The longest current wait, ms (0 when nobody waits).
    pub longest_wait_ms: u64,
    /// Answered within the threshold / offered (R-8.2), over the window:
    /// a call offered in it and still waiting counts against it, as it
    /// does in the group's statistics. None when no call was offered in it.
    pub service_level_now: Option<f64>,
    /// The same since the statistics began: the group's
    /// [`GroupStats::service_level`](crate::GroupStats::service_level).
    pub service_level_today: Option<f64>,
    /// Calls that entered the group.
    pub offered: u64,
    /// Calls answered.
    pub answered: u64,
    /// Calls abandoned.
    pub abandoned: u64,
}

/// A call waiting in a queue.
#[derive(Clone, Debug, Serialize)]
pub struct WaitingCall {
    /// Call id.
    pub call: String,
    /// Milliseconds since it entered the group.
    pub waited_ms: u64,
    /// Its priority.
    pub priority: i32,
}

/// An agent's voice channel in a [`TenantFrame`].
#[derive(Clone, Debug, Serialize)]
pub struct AgentFrame {
    /// Agent id.
    pub agent: String,
    /// State name (one of [`AGENT_STATES`]).
    pub state: &'static str,
    /// Not-ready reason code, if any.
    pub reason: Option<String>,
    /// The call it serves, if any.
    pub call: Option<String>,
    /// Milliseconds in this state, when the change was observed.
    pub in_state_ms: Option<u64>,
}

impl LiveFrame {
    /// Sets the gauges of this frame.
    fn set_gauges(&self) {
        let shard = self.shard.to_string();
        for t in &self.tenants {
            for g in &t.groups {
                let labels = [
                    ("shard", shard.clone()),
                    ("tenant", t.tenant.clone()),
                    ("group", g.group.clone()),
                ];
                ::metrics::gauge!("acd_queue_length", &labels).set(g.queue_len as f64);
                ::metrics::gauge!("acd_longest_waiting_seconds", &labels)
                    .set(g.longest_wait_ms as f64 / 1000.0);
                for (window, value) in [
                    ("now", g.service_level_now),
                    ("today", g.service_level_today),
                ] {
                    if let Some(v) = value {
                        let mut l = labels.to_vec();
                        l.push(("window", window.to_string()));
                        ::metrics::gauge!("acd_service_level", &l).set(v);
                    }
                }
            }
            for (state, n) in &t.agents_by_state {
                ::metrics::gauge!("acd_agents", "shard" => shard.clone(), "tenant" => t.tenant.clone(), "state" => *state)
                    .set(*n as f64);
            }
        }
    }
}

/// A call the tracker saw enter a group and not leave it.
struct Queued {
    group: GroupId,
    since: Instant,
    priority: i32,
    /// In the queue (not ringing at an agent).
    waiting: bool,
}

/// Service-level counters of a group at one instant.
#[derive(Clone, Copy)]
struct SlSample {
    at: Instant,
    within: u64,
    offered: u64,
}

/// What one shard's observer derives from outputs; lives on its writer thread.
struct Tracker {
    shard: usize,
    window_ms: u64,
    calls: HashMap<(TenantId, CallId), Queued>,
    agent_since: HashMap<(TenantId, AgentId), Instant>,
    samples: HashMap<(TenantId, GroupId), VecDeque<SlSample>>,
}

impl Tracker {
    fn new(shard: usize, window: Duration) -> Tracker {
        Tracker {
            shard,
            window_ms: window.as_millis() as u64,
            calls: HashMap::new(),
            agent_since: HashMap::new(),
            samples: HashMap::new(),
        }
    }

    fn output(&mut self, output: &Output) {
        match output {
            Output::Effect(Effect::Offer { .. }) => {
                ::metrics::counter!("acd_offers_total", "shard" => self.shard.to_string())
                    .increment(1);
            }
            Output::Effect(_) => {}
            Output::Event(event) => self.event(&event.tenant, event.at, &event.kind),
        }
    }

    fn count(&self, name: &'static str, tenant: &TenantId, group: &GroupId) {
        let labels = [
            ("shard", self.shard.to_string()),
            ("tenant", tenant.to_string()),
            ("group", group.to_string()),
        ];
        ::metrics::counter!(name, &labels).increment(1);
    }

    fn event(&mut self, tenant: &TenantId, at: Instant, kind: &EventKind) {
        let key = |call: &CallId| (tenant.clone(), call.clone());
        match kind {
            EventKind::CallQueued {
                call,
                group,
                priority,
                ..
            } => {
                let entry = self.calls.entry(key(call)).or_insert(Queued {
                    group: group.clone(),
                    since: at,
                    priority: *priority,
                    waiting: true,
                });
                if &entry.group != group {
                    entry.group = group.clone();
                    entry.since = at;
                }
                entry.priority = *priority;
                entry.waiting = true;
            }
            EventKind::CallOffered { call, group, .. } => {
                self.count("acd_decisions_total", tenant, group);
                if let Some(q) = self.calls.get_mut(&key(call)) {
                    q.waiting = false;
                }
            }
            EventKind::CallAnswered { call, group, .. } => {
                self.count("acd_answers_total", tenant, group);
                self.calls.remove(&key(call));
            }
            EventKind::CallAbandoned { call, group, .. } => {
                self.count("acd_abandons_total", tenant, group);
                self.calls.remove(&key(call));
            }
            EventKind::CallOverflowed { call, .. }
            | EventKind::CallParked { call, .. }
            | EventKind::CallDeflected { call, .. }
            | EventKind::CallEnded { call, .. }
            | EventKind::CallCleared { call, .. } => {
                self.calls.remove(&key(call));
            }
            EventKind::AgentState {
                agent,
                media: Media::Voice,
                ..
            }
            | EventKind::AgentLoggedOn { agent, .. }
            | EventKind::AgentLoggedOff { agent, .. } => {
                self.agent_since.insert((tenant.clone(), agent.clone()), at);
            }
            _ => {}
        }
    }

    fn frame(&mut self, snapshot: &ShardSnapshot) -> LiveFrame {
        let now = snapshot.at;
        let tenants = snapshot
            .tenants
            .iter()
            .map(|t| TenantFrame {
                tenant: t.tenant().to_string(),
                groups: t
                    .groups()
                    .map(|(group, len, stats)| self.group_frame(t.tenant(), group, len, stats, now))
                    .collect(),
                agents: t
                    .agents()
                    .map(|(agent, status)| self.agent_frame(t.tenant(), agent, status, now))
                    .collect(),
                agents_by_state: BTreeMap::new(),
            })
            .map(count_states)
            .collect();
        LiveFrame {
            shard: snapshot.shard,
            seq: snapshot.seq,
            at_ms: now.as_millis(),
            window_s: self.window_ms / 1000,
            commands: snapshot.counters.commands,
            refused: snapshot.counters.refused,
            tenants,
        }
    }

    fn group_frame(
        &mut self,
        tenant: &TenantId,
        group: &GroupId,
        queue_len: usize,
        stats: &crate::GroupStats,
        now: Instant,
    ) -> GroupFrame {
        let mut waiting: Vec<WaitingCall> = self
            .calls
            .iter()
            .filter(|((t, _), q)| t == tenant && &q.group == group && q.waiting)
            .map(|((_, call), q)| WaitingCall {
                call: call.to_string(),
                waited_ms: now.millis_since(q.since),
                priority: q.priority,
            })
            .collect();
        waiting.sort_by(|a, b| b.waited_ms.cmp(&a.waited_ms).then(a.call.cmp(&b.call)));
        let longest_wait_ms = waiting.first().map_or(0, |c| c.waited_ms);
        waiting.truncate(MAX_LISTED_CALLS);
        let sample = SlSample {
            at: now,
            within: stats.answered_within_sl,
            offered: stats.offered,
        };
        GroupFrame {
            group: group.to_string(),
            queue_len,
            waiting,
            longest_wait_ms,
            service_level_now: self.window_level(tenant, group, sample),
            service_level_today: ratio(sample.within, sample.offered),
            offered: stats.offered,
            answered: stats.answered,
            abandoned: stats.abandoned,
        }
    }

    /// Records `sample` and returns the service level since the oldest
    /// sample still inside the window (or just before it).
    fn window_level(
        &mut self,
        tenant: &TenantId,
        group: &GroupId,
        sample: SlSample,
    ) -> Option<f64> {
        let samples = self
            .samples
            .entry((tenant.clone(), group.clone()))
            .or_default();
        // One sample per second is plenty; replace a younger last one.
        if samples
            .back()
            .is_some_and(|last| sample.at.millis_since(last.at) < 1000)
            && samples.len() > 1
        {
            samples.pop_back();
        }
        samples.push_back(sample);
        let start = sample.at.as_millis().saturating_sub(self.window_ms);
        while samples.len() > 1 && samples[1].at.as_millis() <= start {
            samples.pop_front();
        }
        let base = samples.front().copied().unwrap_or(sample);
        ratio(
            sample.within - base.within.min(sample.within),
            sample.offered.saturating_sub(base.offered),
        )
    }

    fn agent_frame(
        &self,
        tenant: &TenantId,
        agent: &AgentId,
        status: &AgentStatus,
        now: Instant,
    ) -> AgentFrame {
        let (state, reason, call) = describe(status);
        AgentFrame {
            agent: agent.to_string(),
            state,
            reason,
            call,
            in_state_ms: self
                .agent_since
                .get(&(tenant.clone(), agent.clone()))
                .map(|since| now.millis_since(*since)),
        }
    }
}

fn count_states(mut tenant: TenantFrame) -> TenantFrame {
    let mut counts: BTreeMap<&'static str, usize> = AGENT_STATES.iter().map(|s| (*s, 0)).collect();
    for a in &tenant.agents {
        *counts.entry(a.state).or_default() += 1;
    }
    tenant.agents_by_state = counts;
    tenant
}

fn ratio(part: u64, whole: u64) -> Option<f64> {
    (whole > 0).then(|| part as f64 / whole as f64)
}

/// State name, reason and call of an agent channel.
fn describe(status: &AgentStatus) -> (&'static str, Option<String>, Option<String>) {
    let call = |c: &CallId| Some(c.to_string());
    match status {
        AgentStatus::LoggedOut => ("logged_out", None, None),
        AgentStatus::NotReady { reason } => ("not_ready", Some(reason.to_string()), None),
        AgentStatus::Ready => ("ready", None, None),
        AgentStatus::Reserved { call: c, .. } => ("reserved", None, call(c)),
        AgentStatus::Alerting { call: c, .. } => ("alerting", None, call(c)),
        AgentStatus::Talking { call: c, .. } => ("talking", None, call(c)),
        AgentStatus::Hold { call: c, .. } => ("hold", None, call(c)),
        AgentStatus::Clerical { .. } => ("clerical", None, None),
        AgentStatus::CallWaiting { call: c, .. } => ("call_waiting", None, call(c)),
        AgentStatus::Callback { call: c } => ("callback", None, call(c)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Cause, Event, GroupStats};

    fn event(at: u64, kind: EventKind) -> Output {
        Output::Event(Event {
            at: Instant::from_millis(at),
            tenant: TenantId::new("t"),
            kind,
        })
    }

    fn stats(within: u64, answered: u64, offered: u64) -> GroupStats {
        GroupStats {
            answered_within_sl: within,
            answered,
            offered,
            ..GroupStats::default()
        }
    }

    #[test]
    fn service_level_now_covers_the_window_only() {
        let mut t = Tracker::new(0, Duration::from_secs(60));
        let (tenant, group) = (TenantId::new("t"), GroupId::new("g"));
        let level = |t: &mut Tracker, at: u64, s: GroupStats| {
            t.group_frame(&tenant, &group, 0, &s, Instant::from_secs(at))
        };
        // First minute: 10 offered, all answered within the threshold.
        assert_eq!(level(&mut t, 0, stats(0, 0, 0)).service_level_now, None);
        assert_eq!(
            level(&mut t, 30, stats(10, 10, 10)).service_level_now,
            Some(1.0)
        );
        // Next minute: 10 more offered, 8 answered late and 2 still
        // waiting, which count against it too (R-8.2: over offered):
        // today 50 %, now 0 %.
        let f = level(&mut t, 120, stats(10, 18, 20));
        assert_eq!(f.service_level_today, Some(0.5));
        assert_eq!(f.service_level_now, Some(0.0));
        // Today's figure is the group's own.
        assert_eq!(
            f.service_level_today,
            Some(stats(10, 18, 20).service_level())
        );
    }

    #[test]
    fn waiting_calls_keep_their_first_entry_time_across_offers() {
        let mut t = Tracker::new(0, Duration::from_secs(60));
        let (call, group) = (CallId::new("c"), GroupId::new("g"));
        let queued = |at| {
            event(
                at,
                EventKind::CallQueued {
                    call: call.clone(),
                    group: group.clone(),
                    priority: 3,
                    cause: Cause::Command,
                    ani: None,
                    data: Default::default(),
                },
            )
        };
        t.output(&queued(1000));
        t.output(&event(
            2000,
            EventKind::CallOffered {
                call: call.clone(),
                group: group.clone(),
                agent: AgentId::new("a"),
                epoch: Default::default(),
            },
        ));
        let tenant = TenantId::new("t");
        let at = |t: &mut Tracker, ms| {
            t.group_frame(
                &tenant,
                &group,
                1,
                &GroupStats::default(),
                Instant::from_millis(ms),
            )
        };
        assert!(
            at(&mut t, 3000).waiting.is_empty(),
            "ringing is not waiting"
        );
        t.output(&queued(4000)); // back in the queue after no answer
        let f = at(&mut t, 5000);
        assert_eq!(f.waiting.len(), 1);
        assert_eq!(
            f.waiting[0].waited_ms, 4000,
            "waits since it entered the group"
        );
        assert_eq!(f.longest_wait_ms, 4000);
        t.output(&event(
            6000,
            EventKind::CallAbandoned {
                call: call.clone(),
                group: group.clone(),
                wait_ms: 5000,
            },
        ));
        assert!(at(&mut t, 7000).waiting.is_empty());
    }
}
