//! The simulated clock: a future-event list ordered by time, ties broken by
//! scheduling order so a run is reproducible bit for bit.

use std::cmp::{Ordering, Reverse};
use std::collections::BinaryHeap;

/// Something that will happen to a simulated call or stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SimEvent {
    /// The next call of arrival stream `stream` arrives.
    Arrival {
        /// Stream index.
        stream: u32,
    },
    /// The offered agent answers the call (after the answer delay).
    Answer {
        /// Call slot.
        call: u32,
        /// Generation of the slot, to ignore events of an earlier call.
        gen: u32,
    },
    /// The connected call ends (handle time elapsed).
    Hangup {
        /// Call slot.
        call: u32,
        /// Generation of the slot.
        gen: u32,
    },
    /// The caller's patience runs out; hangs up if still waiting.
    Abandon {
        /// Call slot.
        call: u32,
        /// Generation of the slot.
        gen: u32,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Scheduled {
    at_ms: u64,
    seq: u64,
    event: SimEvent,
}

impl Ord for Scheduled {
    fn cmp(&self, other: &Self) -> Ordering {
        (self.at_ms, self.seq).cmp(&(other.at_ms, other.seq))
    }
}

impl PartialOrd for Scheduled {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// The future-event list.
#[derive(Debug, Default)]
pub struct Clock {
    heap: BinaryHeap<Reverse<Scheduled>>,
    seq: u64,
}

impl Clock {
    /// Schedules `event` at `at_ms`.
    pub fn schedule(&mut self, at_ms: u64, event: SimEvent) {
        self.seq += 1;
        self.heap.push(Reverse(Scheduled {
            at_ms,
            seq: self.seq,
            event,
        }));
    }

    /// When the next event is due.
    pub fn next_time(&self) -> Option<u64> {
        self.heap.peek().map(|Reverse(s)| s.at_ms)
    }

    /// Removes and returns the next event.
    pub fn pop(&mut self) -> Option<(u64, SimEvent)> {
        self.heap.pop().map(|Reverse(s)| (s.at_ms, s.event))
    }

    /// Events pending.
    pub fn len(&self) -> usize {
        self.heap.len()
    }

    /// Whether nothing is pending.
    pub fn is_empty(&self) -> bool {
        self.heap.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_come_out_in_time_then_schedule_order() {
        let mut c = Clock::default();
        c.schedule(5, SimEvent::Arrival { stream: 1 });
        c.schedule(3, SimEvent::Arrival { stream: 2 });
        c.schedule(5, SimEvent::Arrival { stream: 3 });
        assert_eq!(c.next_time(), Some(3));
        let order: Vec<_> = std::iter::from_fn(|| c.pop()).collect();
        assert_eq!(
            order,
            vec![
                (3, SimEvent::Arrival { stream: 2 }),
                (5, SimEvent::Arrival { stream: 1 }),
                (5, SimEvent::Arrival { stream: 3 }),
            ]
        );
        assert!(c.is_empty());
    }
}
