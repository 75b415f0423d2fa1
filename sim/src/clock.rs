//! The simulated clock: a future-event list ordered by time, ties broken
//! deterministically so a run is reproducible bit for bit.

use std::cmp::Reverse;
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
    /// An agent's shift starts: log on and go Ready.
    ShiftStart {
        /// Agent index.
        agent: u32,
    },
    /// An agent's shift ends: log off (deferred while on a call, R-2.3).
    ShiftEnd {
        /// Agent index.
        agent: u32,
    },
    /// An agent's break starts (`end` false: Not Ready) or ends (Ready).
    Break {
        /// Agent index.
        agent: u32,
        /// Whether the break ends.
        end: bool,
    },
    /// A follow-up call of arrival stream `stream` enters its target group:
    /// a transfer after an answered call, or a callback after an abandon.
    FollowUp {
        /// Stream index.
        stream: u32,
        /// A callback (else a transfer).
        callback: bool,
    },
}

impl SimEvent {
    /// The event in 64 bits: kind (3), slot, stream or agent (29),
    /// generation (32).
    fn pack(self) -> u64 {
        let (kind, slot, gen) = match self {
            SimEvent::ShiftStart { agent } => (0, agent, 0),
            SimEvent::ShiftEnd { agent } => (1, agent, 0),
            SimEvent::Arrival { stream } => (2, stream, 0),
            SimEvent::Answer { call, gen } => (3, call, gen),
            SimEvent::Hangup { call, gen } => (4, call, gen),
            SimEvent::Abandon { call, gen } => (5, call, gen),
            SimEvent::Break { agent, end } => (6, agent, u32::from(end)),
            SimEvent::FollowUp { stream, callback } => (7, stream, u32::from(callback)),
        };
        (kind << 61) | (u64::from(slot & SLOT_MASK) << 32) | u64::from(gen)
    }

    fn unpack(bits: u64) -> SimEvent {
        let slot = ((bits >> 32) as u32) & SLOT_MASK;
        let gen = bits as u32;
        match bits >> 61 {
            0 => SimEvent::ShiftStart { agent: slot },
            1 => SimEvent::ShiftEnd { agent: slot },
            2 => SimEvent::Arrival { stream: slot },
            3 => SimEvent::Answer { call: slot, gen },
            4 => SimEvent::Hangup { call: slot, gen },
            5 => SimEvent::Abandon { call: slot, gen },
            6 => SimEvent::Break {
                agent: slot,
                end: gen != 0,
            },
            _ => SimEvent::FollowUp {
                stream: slot,
                callback: gen != 0,
            },
        }
    }
}

/// Call slots, stream and agent numbers must fit in 29 bits (half a
/// billion; a run's memory runs out long before).
pub const SLOT_MASK: u32 = (1 << 29) - 1;

/// The future-event list: binary heaps of `time << 64 | event` keys.
///
/// Packing an event into one `u128` keeps the heaps small and their
/// comparisons cheap (the clock is the hottest structure of a large run).
/// Events due at the same millisecond come out in the order of their
/// packed bits (kind, slot, generation): arbitrary but deterministic, so a
/// seed still reproduces a run exactly.
///
/// Arrivals wait in a heap of their own: a stream has one pending at a
/// time and a scenario few streams, so about half of a run's pushes and
/// pops touch a heap of a handful of keys instead of the one holding every
/// call in progress. The next event is the smaller of the two heads, the
/// very order one heap would give.
#[derive(Debug, Default)]
pub struct Clock {
    arrivals: BinaryHeap<Reverse<u128>>,
    others: BinaryHeap<Reverse<u128>>,
}

impl Clock {
    /// Schedules `event` at `at_ms`.
    pub fn schedule(&mut self, at_ms: u64, event: SimEvent) {
        let key = Reverse((u128::from(at_ms) << 64) | u128::from(event.pack()));
        match event {
            SimEvent::Arrival { .. } => self.arrivals.push(key),
            _ => self.others.push(key),
        }
    }

    /// The heap whose head is the next event, if any is pending.
    fn next_heap(&mut self) -> &mut BinaryHeap<Reverse<u128>> {
        match (self.arrivals.peek(), self.others.peek()) {
            (Some(a), Some(o)) if a > o => &mut self.arrivals,
            (Some(_), None) => &mut self.arrivals,
            _ => &mut self.others,
        }
    }

    /// When the next event is due.
    pub fn next_time(&self) -> Option<u64> {
        let key = match (self.arrivals.peek(), self.others.peek()) {
            (Some(a), Some(o)) => Some(a.max(o)),
            (a, o) => a.or(o),
        };
        key.map(|Reverse(k)| (k >> 64) as u64)
    }

    /// Removes and returns the next event.
    pub fn pop(&mut self) -> Option<(u64, SimEvent)> {
        self.next_heap()
            .pop()
            .map(|Reverse(k)| ((k >> 64) as u64, SimEvent::unpack(k as u64)))
    }

    /// Events pending.
    pub fn len(&self) -> usize {
        self.arrivals.len() + self.others.len()
    }

    /// Whether nothing is pending.
    pub fn is_empty(&self) -> bool {
        self.arrivals.is_empty() && self.others.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_come_out_in_time_order_and_round_trip() {
        let mut c = Clock::default();
        let events = [
            (
                5,
                SimEvent::Hangup {
                    call: SLOT_MASK,
                    gen: u32::MAX,
                },
            ),
            (3, SimEvent::Arrival { stream: 2 }),
            (5, SimEvent::Arrival { stream: 1 }),
            (9, SimEvent::Abandon { call: 7, gen: 1 }),
            (4, SimEvent::Answer { call: 0, gen: 3 }),
            (9, SimEvent::ShiftEnd { agent: 4 }),
            (0, SimEvent::ShiftStart { agent: 12 }),
        ];
        for (t, e) in events {
            c.schedule(t, e);
        }
        assert_eq!(c.len(), 7);
        assert_eq!(c.next_time(), Some(0));
        let order: Vec<_> = std::iter::from_fn(|| c.pop()).collect();
        assert_eq!(
            order,
            vec![
                (0, SimEvent::ShiftStart { agent: 12 }),
                (3, SimEvent::Arrival { stream: 2 }),
                (4, SimEvent::Answer { call: 0, gen: 3 }),
                (5, SimEvent::Arrival { stream: 1 }),
                (
                    5,
                    SimEvent::Hangup {
                        call: SLOT_MASK,
                        gen: u32::MAX
                    }
                ),
                (9, SimEvent::ShiftEnd { agent: 4 }),
                (9, SimEvent::Abandon { call: 7, gen: 1 }),
            ]
        );
        assert!(c.is_empty());
    }

    #[test]
    fn many_events_come_out_in_key_order() {
        // Arrivals and other events (two heaps) at pseudo-random times with
        // many ties, pushes interleaved with pops: every pop is the smallest
        // key pending, as from a single heap.
        let mut c = Clock::default();
        let mut expected = Vec::new();
        let mut x: u64 = 12345;
        let mut popped = Vec::new();
        for i in 0..5000u32 {
            x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let t = 1000 + (x >> 33) % 700;
            let event = if i % 3 == 0 {
                SimEvent::Arrival { stream: i % 7 }
            } else {
                SimEvent::Hangup {
                    call: i % 50,
                    gen: i,
                }
            };
            c.schedule(t, event);
            expected.push((t, event.pack()));
            if i % 4 == 3 {
                popped.extend(c.pop());
            }
        }
        popped.extend(std::iter::from_fn(|| c.pop()));
        // Replay: each early pop against what was pending then.
        let mut pending: Vec<(u64, u64)> = Vec::new();
        let mut next = expected.into_iter();
        let mut taken = popped.into_iter();
        for i in 0..5000u32 {
            pending.extend(next.next());
            if i % 4 == 3 {
                let (t, e) = taken.next().unwrap();
                let min = pending.iter().enumerate().min_by_key(|&(_, k)| k);
                let (at, min) = min.map(|(at, &k)| (at, k)).unwrap();
                assert_eq!((t, e.pack()), min);
                pending.swap_remove(at);
            }
        }
        pending.sort_unstable();
        let rest: Vec<_> = taken.map(|(t, e)| (t, e.pack())).collect();
        assert_eq!(rest, pending);
    }
}
