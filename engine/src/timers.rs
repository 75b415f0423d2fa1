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

    pub(crate) fn len(&self) -> usize {
        self.heap.len()
    }
}
