//! Timers with exact deadlines.
//!
//! A binary heap of (deadline, sequence, timer). Timers are never removed
//! when they become moot (a ring timer for a call answered in time): each
//! carries the epoch, uid or token of what it supervises, and a fired timer
//! whose record has moved on is simply dropped. The sequence number makes
//! the firing order of equal deadlines the order they were set, so runs are
//! deterministic.
//!
//! Moot timers would pile up: every offer leaves its ring timer behind for
//! the whole ring time, so the heap would hold thousands of them and every
//! push and pop would pay for the depth. Whenever the heap has doubled
//! since it was last swept, timers that can never fire again are dropped
//! ([`Core::sweep_timers`], [`Core::timer_dead`]): epochs, tokens and
//! deadlines are never reused, so a timer whose epoch, token or deadline
//! has moved on stays moot for good. A timer whose record is only for now
//! out of the state it supervises (a max wait while its call rings a
//! transfer target) may become live again, so it is kept; so does
//! `poll_timeout`, which must not change what the engine does later.
//! Sweeping changes no firing order: deadlines and sequence numbers order
//! the heap.

use crate::agent::{AgentIx, CallIx};
use crate::command::Epoch;
use crate::config::Media;
use crate::time::Instant;
use serde::{Deserialize, Serialize};
use std::cmp::Reverse;
use std::collections::BinaryHeap;

/// What a timer supervises.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub(crate) enum Timer {
    /// Ring-time supervision / reservation deadline.
    Ring {
        call: CallIx,
        uid: u64,
        epoch: Epoch,
    },
    /// End of clerical.
    Clerical {
        agent: AgentIx,
        media: Media,
        token: u64,
    },
    /// Next routing stage of a call.
    Stage { call: CallIx, uid: u64, stage: u8 },
    /// Maximum wait of a call.
    MaxWait { call: CallIx, uid: u64 },
    /// Personal-call wait.
    PersonalWait { call: CallIx, uid: u64, token: u64 },
    /// Authentication reserve timer.
    Reserve {
        call: CallIx,
        uid: u64,
        epoch: Epoch,
    },
    /// Deadline for a divert's outcome.
    Divert {
        call: CallIx,
        uid: u64,
        epoch: Epoch,
    },
    /// End of a call's preferred-agent wait.
    Preferred { call: CallIx, uid: u64 },
}

/// Timers a heap may hold beyond twice its size at the last sweep.
const SWEEP_SLACK: usize = 64;

/// The timer heap.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub(crate) struct Timers {
    heap: BinaryHeap<Reverse<(Instant, u64, Timer)>>,
    seq: u64,
    /// Heap size after the last sweep. Saved, so that a replica loaded
    /// from a snapshot sweeps when its leader does and their states stay
    /// the same bytes; absent (0) in older snapshots.
    #[serde(default)]
    swept: usize,
}

impl Timers {
    pub(crate) fn set(&mut self, at: Instant, timer: Timer) {
        self.seq += 1;
        self.heap.push(Reverse((at, self.seq, timer)));
    }

    /// The earliest deadline, live or not.
    pub(crate) fn peek(&self) -> Option<Instant> {
        self.heap.peek().map(|Reverse((at, _, _))| *at)
    }

    /// Removes and returns the earliest timer if it is due at `now`.
    pub(crate) fn pop_due(&mut self, now: Instant) -> Option<(Instant, Timer)> {
        if self.peek()? > now {
            return None;
        }
        self.heap.pop().map(|Reverse((at, _, t))| (at, t))
    }

    /// Removes the earliest timer unconditionally (used to drop stale heads).
    pub(crate) fn pop(&mut self) -> Option<(Instant, Timer)> {
        self.heap.pop().map(|Reverse((at, _, t))| (at, t))
    }

    /// Looks at the earliest timer.
    pub(crate) fn head(&self) -> Option<(Instant, &Timer)> {
        self.heap.peek().map(|Reverse((at, _, t))| (*at, t))
    }

    pub(crate) fn iter(&self) -> impl Iterator<Item = (Instant, &Timer)> + '_ {
        self.heap.iter().map(|Reverse((at, _, t))| (*at, t))
    }

    /// Whether the heap has doubled since it was last swept.
    fn wants_sweep(&self) -> bool {
        self.heap.len() > 2 * self.swept + SWEEP_SLACK
    }

    /// Keeps only the timers for which `keep` holds.
    fn sweep(&mut self, keep: impl Fn(Instant, &Timer) -> bool) {
        self.heap.retain(|Reverse((at, _, t))| keep(*at, t));
        self.swept = self.heap.len();
    }
}

use crate::call::CallState;
use crate::engine::Core;

impl Core {
    /// Fires every live timer due at or before `now`, in deadline order,
    /// each with the engine's time set to its exact deadline.
    pub(crate) fn fire_timers(&mut self, now: Instant) {
        self.sweep_timers();
        while let Some((at, timer)) = self.timers.pop_due(now) {
            if self.timer_live(at, &timer) {
                self.now = self.now.max(at);
                self.fire(timer);
                self.settle_capacity();
                self.settle_reserves();
            }
        }
    }

    /// The earliest deadline of a timer that may still fire; timers at the
    /// head that never can are dropped. One whose record is only for now
    /// out of the state it supervises stays (its deadline may be a wake-up
    /// at which nothing happens): dropping it here would let a call of
    /// `poll_timeout` change what the engine does later.
    pub(crate) fn next_deadline(&mut self) -> Option<Instant> {
        while let Some((at, timer)) = self.timers.head() {
            if !self.timer_dead(at, timer) {
                return Some(at);
            }
            self.timers.pop();
        }
        None
    }

    /// Drops the timers that can never fire again, once the heap has
    /// doubled since the last sweep (see the module docs).
    pub(crate) fn sweep_timers(&mut self) {
        if !self.timers.wants_sweep() {
            return;
        }
        let mut timers = std::mem::take(&mut self.timers);
        timers.sweep(|at, t| !self.timer_dead(at, t));
        self.timers = timers;
    }

    /// A timer that can never fire again. Epochs, tokens and deadlines are
    /// never reused and a call's stage only moves on, so most timers not
    /// live now are moot for good. Not so a max-wait timer whose call is
    /// out of the queue for a while (ringing a transfer target, R-6.1), nor
    /// a reserve timer whose caller came back within the same connection
    /// those are dead only once their call or deadline moved on.
    pub(crate) fn timer_dead(&self, at: Instant, timer: &Timer) -> bool {
        match *timer {
            Timer::MaxWait { call, uid } => self
                .live_call(call, uid)
                .is_none_or(|c| c.max_wait_until != Some(at)),
            Timer::Reserve { call, uid, epoch } => self.live_call(call, uid).is_none_or(|c| {
                !matches!(c.state, CallState::Connected { epoch: e, .. } if e == epoch)
                    || c.reserve_until.is_some_and(|until| until != at)
            }),
            _ => !self.timer_live(at, timer),
        }
    }

    fn live_call(&self, c: CallIx, uid: u64) -> Option<&crate::call::Call> {
        self.calls.get(c).filter(|call| call.uid == uid)
    }

    /// Whether the record a timer supervises is still in the state it was
    /// set for. Stage, max-wait and reserve timers must also be the ones of
    /// the call's current group entry or authentication trip: a call that
    /// moved on to another group or went to authentication
    /// again is supervised by the timers set then, and the older
    /// ones, due at other instants, are moot.
    pub(crate) fn timer_live(&self, at: Instant, timer: &Timer) -> bool {
        match *timer {
            Timer::Ring { call, uid, epoch } => self.live_call(call, uid).is_some_and(
                |c| matches!(c.state, CallState::Offered { timer, .. } if timer == epoch),
            ),
            Timer::Clerical {
                agent,
                media,
                token,
            } => self
                .agents
                .get(agent)
                .is_some_and(|a| a.lane_of_token(media, token).is_some()),
            Timer::Stage { call, uid, stage } => self.live_call(call, uid).is_some_and(|c| {
                c.next_stage == stage
                    && c.stages
                        .get(stage as usize)
                        .is_some_and(|st| c.entered.plus_millis(u64::from(st.after_s) * 1000) == at)
            }),
            Timer::MaxWait { call, uid } => self.live_call(call, uid).is_some_and(|c| {
                matches!(c.state, CallState::Queued | CallState::Offered { .. })
                    && c.max_wait_until == Some(at)
            }),
            Timer::PersonalWait { call, uid, token } => self
                .live_call(call, uid)
                .is_some_and(|c| token != 0 && c.personal.token == token),
            Timer::Reserve { call, uid, epoch } => {
                self.live_call(call, uid).is_some_and(|c| {
                    matches!(c.state, CallState::Connected { epoch: e, .. } if e == epoch)
                        && c.reserve_until.is_none_or(|until| until == at)
                }) && self.caller_away(call)
            }
            Timer::Divert { call, uid, epoch } => self.live_call(call, uid).is_some_and(
                |c| matches!(c.state, CallState::Diverting { epoch: e, .. } if e == epoch),
            ),
            Timer::Preferred { call, uid } => self
                .live_call(call, uid)
                .is_some_and(|c| c.preferred_until.is_some()),
        }
    }

    fn fire(&mut self, timer: Timer) {
        match timer {
            Timer::Ring { call, .. } => self.no_answer(call, None, crate::Cause::NoAnswer),
            Timer::Clerical {
                agent,
                media,
                token,
            } => self.on_clerical_end(agent, media, token),
            Timer::Stage { call, stage, .. } => self.on_stage(call, stage),
            Timer::MaxWait { call, .. } => self.on_max_wait(call),
            Timer::PersonalWait { call, .. } => self.on_personal_wait(call),
            Timer::Reserve { call, .. } => self.on_reserve_expired(call),
            Timer::Divert { call, .. } => self.on_divert_timeout(call),
            Timer::Preferred { call, .. } => self.release_preferred(call),
        }
    }

    /// Every timer in the heap, live or not (for invariant checks).
    pub(crate) fn timers_iter(&self) -> impl Iterator<Item = (Instant, &Timer)> + '_ {
        self.timers.iter()
    }
}

#[cfg(test)]
mod tests {
    use crate::{
        AgentConfig, CallId, CallSpec, Command, Effect, Engine, EngineConfig, GroupConfig, Instant,
        Media, TenantConfig, TenantId,
    };

    /// Offers answered long before their ring time leave moot ring
    /// timers behind; the heap is swept instead of growing with them,
    /// and the sweep never drops a live timer (the next deadline stays).
    #[test]
    fn moot_ring_timers_do_not_pile_up() {
        let mut tenant = TenantConfig::new("t");
        let mut group = GroupConfig::new("g", &["s"]);
        group.ring_time_s = 60;
        group.clerical_s = 3_000;
        tenant.groups = vec![group];
        tenant.agents = vec![AgentConfig::new("a", &[("s", 5)])];
        let config = EngineConfig {
            tenants: vec![tenant],
            ..EngineConfig::default()
        };
        let mut engine = Engine::new(config).expect("valid config");
        let t = TenantId::new("t");
        let mut now = 0;
        let mut step = |engine: &mut Engine, command: Command| {
            now += 1;
            engine
                .handle(Instant::from_millis(now), &t, command)
                .expect("accepted");
            engine.drain_effects().collect::<Vec<_>>()
        };
        let logon = Command::Logon {
            agent: "a".into(),
            extension: "100".into(),
            media: vec![],
        };
        step(&mut engine, logon);
        for n in 0..2_000 {
            let ready = Command::Ready {
                agent: "a".into(),
                media: Media::Voice,
            };
            step(&mut engine, ready);
            let call = CallId::new(format!("c{n}"));
            let spec = CallSpec::new(call.clone(), "g");
            let effects = step(&mut engine, Command::call_arrived(spec));
            let Some(Effect::Offer { epoch, .. }) = effects.into_iter().next() else {
                panic!("call {n} not offered");
            };
            let answered = Command::Answered {
                call: call.clone(),
                agent: "a".into(),
                epoch,
            };
            step(&mut engine, answered);
            step(&mut engine, Command::Hangup { call });
        }
        // 2,000 ring timers set within 8 s of a 60 s ring time, all moot.
        let held = engine.core.timers.heap.len();
        assert!(held <= 2 * 64 + 2, "{held} timers held");
        // The live clerical timer of the last call is still there.
        let clerical_end = Instant::from_millis(now).plus_millis(3_000_000);
        assert_eq!(engine.poll_timeout(), Some(clerical_end));
    }
}
