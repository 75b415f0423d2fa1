//! Timers with exact deadlines.
//!
//! A binary heap of (deadline, sequence, timer). Timers are never removed
//! when they become moot (a ring timer for a call answered in time): each
//! carries the epoch, uid or token of what it supervises, and a fired timer
//! whose record has moved on is simply dropped. The sequence number makes
//! the firing order of equal deadlines the order they were set, so runs are
//! deterministic.

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

/// The timer heap.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub(crate) struct Timers {
    heap: BinaryHeap<Reverse<(Instant, u64, Timer)>>,
    seq: u64,
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
    pub(crate) fn head(&self) -> Option<&Timer> {
        self.heap.peek().map(|Reverse((_, _, t))| t)
    }

    pub(crate) fn iter(&self) -> impl Iterator<Item = &Timer> + '_ {
        self.heap.iter().map(|Reverse((_, _, t))| t)
    }
}

use crate::call::CallState;
use crate::engine::Core;

impl Core {
    /// Fires every live timer due at or before `now`, in deadline order,
    /// each with the engine's time set to its exact deadline.
    pub(crate) fn fire_timers(&mut self, now: Instant) {
        while let Some((at, timer)) = self.timers.pop_due(now) {
            if self.timer_live(&timer) {
                self.now = self.now.max(at);
                self.fire(timer);
                self.settle_capacity();
                self.settle_reserves();
            }
        }
    }

    /// The earliest live deadline; moot timers at the head are dropped.
    pub(crate) fn next_deadline(&mut self) -> Option<Instant> {
        while let Some(timer) = self.timers.head() {
            if self.timer_live(timer) {
                return self.timers.peek();
            }
            self.timers.pop();
        }
        None
    }

    fn live_call(&self, c: CallIx, uid: u64) -> Option<&crate::call::Call> {
        self.calls.get(c).filter(|call| call.uid == uid)
    }

    /// Whether the record a timer supervises is still in the state it was
    /// set for.
    pub(crate) fn timer_live(&self, timer: &Timer) -> bool {
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
            Timer::Stage { call, uid, stage } => self
                .live_call(call, uid)
                .is_some_and(|c| c.next_stage == stage),
            Timer::MaxWait { call, uid } => self.live_call(call, uid).is_some_and(|c| {
                matches!(c.state, CallState::Queued | CallState::Offered { .. })
                    && c.max_wait_until.is_some()
            }),
            Timer::PersonalWait { call, uid, token } => self
                .live_call(call, uid)
                .is_some_and(|c| token != 0 && c.personal.token == token),
            Timer::Reserve { call, uid, epoch } => {
                self.live_call(call, uid).is_some_and(
                    |c| matches!(c.state, CallState::Connected { epoch: e, .. } if e == epoch),
                ) && self.caller_away(call)
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
    pub(crate) fn timers_iter(&self) -> impl Iterator<Item = &Timer> + '_ {
        self.timers.iter()
    }
}
