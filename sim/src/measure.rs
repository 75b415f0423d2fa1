//! Measurement of one run: per-group call outcomes, queue length and agent
//! busy time, in total and per reporting interval, counted only inside the
//! measured window (after warm-up).
//!
//! Outcomes are credited to the group where they happen, as the engine
//! counts them: a call that overflows from `a` to `b` is
//! offered to both, leaves `a` as *overflow out*, enters `b` as *overflow
//! in*, and its answer, abandon, wait and place in the queue belong to `b`.
//! Waits are measured from entering the group, like the engine's. A call is
//! measured when it *arrived* inside the window (so a call is in or out for
//! every group alike), and belongs in each group to the interval in which it
//! entered that group. Queue length and busy time are time integrals clipped
//! to each interval.

use serde::Serialize;

/// The measured window and its intervals, in ms.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    /// Start of measuring (end of warm-up).
    pub start_ms: u64,
    /// End of measuring.
    pub end_ms: u64,
    /// Reporting interval length.
    pub interval_ms: u64,
}

impl Window {
    /// Number of reporting intervals (the last may be shorter).
    pub fn intervals(&self) -> usize {
        (self.end_ms - self.start_ms).div_ceil(self.interval_ms) as usize
    }

    /// Whether `t` is inside the window.
    pub fn contains(&self, t: u64) -> bool {
        (self.start_ms..self.end_ms).contains(&t)
    }

    fn interval_of(&self, t: u64) -> usize {
        ((t - self.start_ms) / self.interval_ms) as usize
    }

    /// Calls `f(interval, overlap_ms)` for each interval `[from, to)` overlaps.
    fn spread(&self, from: u64, to: u64, mut f: impl FnMut(usize, u64)) {
        let (from, to) = (from.max(self.start_ms), to.min(self.end_ms));
        let mut t = from;
        while t < to {
            let i = self.interval_of(t);
            let edge = (self.start_ms + (i as u64 + 1) * self.interval_ms).min(to);
            f(i, edge - t);
            t = edge;
        }
    }
}

/// Call outcomes of a group (in total or in one interval).
///
/// Every call offered to the group ends in exactly one of `answered`,
/// `abandoned`, `overflowed` or `overflow_out`, or is still there when the
/// run stops.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct Tally {
    /// Calls that entered the group: arrived in it or overflowed into it.
    pub offered: u64,
    /// Of the offered, those that arrived in this group directly.
    pub arrived: u64,
    /// Of the offered, those that overflowed in from another group.
    pub overflow_in: u64,
    /// Calls answered in this group.
    pub answered: u64,
    /// Calls whose caller hung up while in this group.
    pub abandoned: u64,
    /// Calls that left the engine from this group without answer (diverted
    /// to a number or cleared).
    pub overflowed: u64,
    /// Calls that left this group for another group.
    pub overflow_out: u64,
    /// Answered within the group's service-level threshold.
    pub within_sl: u64,
    /// Answered after waiting more than zero.
    pub waited: u64,
    /// Sum of waits of answered calls, ms.
    pub answered_wait_ms: u64,
    /// Sum of waits of abandoned calls, ms.
    pub abandoned_wait_ms: u64,
    /// Sum of waits in this group of the calls that left it unanswered
    /// otherwise (`overflowed` and `overflow_out`, R-3.8), ms.
    pub overflowed_wait_ms: u64,
    /// Time integral of the queue length, call·ms.
    pub queue_area: f64,
    /// Most calls waiting at once for a positive time.
    pub max_queue: u32,
}

/// When a call arrived, and when it entered the group it is in now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stay {
    /// Arrival in the engine, ms: decides whether the call is measured.
    pub arrived_ms: u64,
    /// Entry into the current group, ms: waits and intervals count from it.
    pub entered_ms: u64,
}

impl Stay {
    /// A call that arrived at `now` in the group it is in.
    pub fn new(now: u64) -> Stay {
        Stay {
            arrived_ms: now,
            entered_ms: now,
        }
    }
}

/// Queue length of a group and when it last changed.
#[derive(Debug, Clone, Copy, Default)]
struct Gauge {
    len: u32,
    since_ms: u64,
}

/// Everything measured in one run.
#[derive(Debug, Clone)]
pub struct Recorder {
    /// The measured window.
    pub window: Window,
    sl_ms: Vec<u64>,
    /// Per group, whole window.
    pub totals: Vec<Tally>,
    /// `intervals[i][g]`: group `g` in interval `i`.
    pub intervals: Vec<Vec<Tally>>,
    /// Busy ms of each agent inside the window.
    pub agent_busy_ms: Vec<u64>,
    /// Busy ms of all agents per interval.
    pub interval_busy_ms: Vec<u64>,
    /// Logged-on ms of each agent inside the window.
    pub agent_on_ms: Vec<u64>,
    /// Logged-on ms of all agents per interval.
    pub interval_on_ms: Vec<u64>,
    gauges: Vec<Gauge>,
}

impl Recorder {
    /// A recorder for groups with service-level thresholds `sl_s` and
    /// `agents` agents.
    pub fn new(window: Window, sl_s: &[u32], agents: usize) -> Recorder {
        let n = window.intervals();
        Recorder {
            window,
            sl_ms: sl_s.iter().map(|&s| u64::from(s) * 1000).collect(),
            totals: vec![Tally::default(); sl_s.len()],
            intervals: vec![vec![Tally::default(); sl_s.len()]; n],
            agent_busy_ms: vec![0; agents],
            interval_busy_ms: vec![0; n],
            agent_on_ms: vec![0; agents],
            interval_on_ms: vec![0; n],
            gauges: vec![Gauge::default(); sl_s.len()],
        }
    }

    /// Applies `f` to group `g`'s total and to the interval in which the
    /// call entered it, if the call is measured.
    fn both(&mut self, g: usize, call: Stay, f: impl Fn(&mut Tally)) {
        if self.window.contains(call.arrived_ms) {
            let last = self.window.end_ms - 1;
            let i = self.window.interval_of(call.entered_ms.min(last));
            f(&mut self.totals[g]);
            f(&mut self.intervals[i][g]);
        }
    }

    /// A call arrived in group `g`; returns whether it is measured.
    pub fn arrived(&mut self, g: usize, now: u64) -> bool {
        let call = Stay::new(now);
        self.both(g, call, |t| {
            t.offered += 1;
            t.arrived += 1;
        });
        self.queue_change(g, now, 1);
        self.window.contains(now)
    }

    /// A waiting call left group `from` for group `to` at `now`;
    /// returns its stay in `to`.
    pub fn moved(&mut self, from: usize, to: usize, call: Stay, now: u64) -> Stay {
        let wait = now - call.entered_ms;
        self.both(from, call, |t| {
            t.overflow_out += 1;
            t.overflowed_wait_ms += wait;
        });
        self.queue_change(from, now, -1);
        let next = Stay {
            entered_ms: now,
            ..call
        };
        self.both(to, next, |t| {
            t.offered += 1;
            t.overflow_in += 1;
        });
        self.queue_change(to, now, 1);
        next
    }

    /// A call was answered in group `g` at `now`.
    pub fn answered(&mut self, g: usize, call: Stay, now: u64) {
        let wait = now - call.entered_ms;
        let sl = self.sl_ms[g];
        self.both(g, call, |t| {
            t.answered += 1;
            t.answered_wait_ms += wait;
            t.within_sl += u64::from(wait <= sl);
            t.waited += u64::from(wait > 0);
        });
        self.queue_change(g, now, -1);
    }

    /// The caller hung up while waiting in group `g`.
    pub fn abandoned(&mut self, g: usize, call: Stay, now: u64) {
        let wait = now - call.entered_ms;
        self.both(g, call, |t| {
            t.abandoned += 1;
            t.abandoned_wait_ms += wait;
        });
        self.queue_change(g, now, -1);
    }

    /// The call left unanswered without abandoning (overflow to a number).
    pub fn overflowed(&mut self, g: usize, call: Stay, now: u64) {
        let wait = now - call.entered_ms;
        self.both(g, call, |t| {
            t.overflowed += 1;
            t.overflowed_wait_ms += wait;
        });
        self.queue_change(g, now, -1);
    }

    fn queue_change(&mut self, g: usize, now: u64, delta: i32) {
        self.flush_queue(g, now);
        let gauge = &mut self.gauges[g];
        gauge.len = gauge.len.saturating_add_signed(delta);
    }

    /// Adds the queue held since the last change to the integrals. The
    /// maximum counts only lengths held for a positive time: a call that
    /// arrives and overflows or is answered in the same millisecond never
    /// waited in the queue.
    fn flush_queue(&mut self, g: usize, now: u64) {
        let Gauge { len, since_ms } = self.gauges[g];
        self.gauges[g].since_ms = now;
        if len == 0 {
            return;
        }
        let (intervals, totals) = (&mut self.intervals, &mut self.totals);
        self.window.spread(since_ms, now, |i, ms| {
            let area = f64::from(len) * ms as f64;
            let (t, total) = (&mut intervals[i][g], &mut totals[g]);
            t.queue_area += area;
            total.queue_area += area;
            t.max_queue = t.max_queue.max(len);
            total.max_queue = total.max_queue.max(len);
        });
    }

    /// Agent `a` was busy (reserved, talking or in clerical) over `[from, to)`.
    pub fn busy(&mut self, a: usize, from: u64, to: u64) {
        let (busy, per_interval) = (&mut self.agent_busy_ms[a], &mut self.interval_busy_ms);
        self.window.spread(from, to, |i, ms| {
            *busy += ms;
            per_interval[i] += ms;
        });
    }

    /// Agent `a` was logged on over `[from, to)`.
    pub fn logged_on(&mut self, a: usize, from: u64, to: u64) {
        let (on, per_interval) = (&mut self.agent_on_ms[a], &mut self.interval_on_ms);
        self.window.spread(from, to, |i, ms| {
            *on += ms;
            per_interval[i] += ms;
        });
    }

    /// Closes the queue integrals at the end of the window.
    pub fn finish(&mut self) {
        for g in 0..self.gauges.len() {
            self.flush_queue(g, self.window.end_ms);
        }
    }

    /// Length of interval `i` in ms (the last one may be short).
    pub fn interval_len_ms(&self, i: usize) -> u64 {
        let start = self.window.start_ms + i as u64 * self.window.interval_ms;
        (start + self.window.interval_ms).min(self.window.end_ms) - start
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rec() -> Recorder {
        let w = Window {
            start_ms: 1000,
            end_ms: 4500,
            interval_ms: 1000,
        };
        Recorder::new(w, &[2], 2)
    }

    #[test]
    fn warm_up_calls_are_not_counted() {
        let mut r = rec();
        assert!(!r.arrived(0, 500));
        r.answered(0, Stay::new(500), 1500);
        assert!(r.arrived(0, 1200));
        r.answered(0, Stay::new(1200), 3500);
        assert_eq!(r.totals[0].offered, 1);
        assert_eq!(r.totals[0].answered, 1);
        assert_eq!(r.totals[0].within_sl, 0);
        assert_eq!(r.totals[0].answered_wait_ms, 2300);
        assert_eq!(r.intervals[0][0].answered, 1);
        assert_eq!(r.window.intervals(), 4);
        assert_eq!(r.interval_len_ms(3), 500);
    }

    #[test]
    fn queue_area_is_clipped_and_split_by_interval() {
        let mut r = rec();
        r.arrived(0, 0); // queue 1 from 0
        r.arrived(0, 1500); // queue 2 from 1500
        r.abandoned(0, Stay::new(1500), 2500); // queue 1 from 2500
        r.finish(); // to 4500
                    // [1000,1500) len 1, [1500,2500) len 2, [2500,4500) len 1
        assert_eq!(r.totals[0].queue_area, 500.0 + 2000.0 + 2000.0);
        assert_eq!(r.intervals[0][0].queue_area, 500.0 + 1000.0);
        assert_eq!(r.intervals[1][0].queue_area, 1000.0 + 500.0);
        assert_eq!(r.totals[0].max_queue, 2);
        assert_eq!(r.totals[0].abandoned, 1);
    }

    #[test]
    fn an_overflow_is_credited_to_the_group_that_holds_the_call() {
        let w = Window {
            start_ms: 1000,
            end_ms: 4500,
            interval_ms: 1000,
        };
        let mut r = Recorder::new(w, &[2, 2], 1);
        r.arrived(0, 1200);
        let stay = r.moved(0, 1, Stay::new(1200), 2100);
        assert_eq!(stay.entered_ms, 2100);
        r.answered(1, stay, 2600);
        r.finish();
        let (a, b) = (&r.totals[0], &r.totals[1]);
        assert_eq!(
            (a.offered, a.arrived, a.overflow_out, a.answered),
            (1, 1, 1, 0)
        );
        assert_eq!((b.offered, b.overflow_in, b.answered), (1, 1, 1));
        // The wait in `b` counts from entering it; it belongs to `b`'s
        // interval of entry, and so does its queue.
        assert_eq!((b.answered_wait_ms, b.within_sl), (500, 1));
        assert_eq!(r.intervals[1][1].overflow_in, 1);
        assert_eq!((a.queue_area, b.queue_area), (900.0, 500.0));
        // The 900 ms waited in `a` before moving on count as a wait there.
        assert_eq!((a.overflowed_wait_ms, b.overflowed_wait_ms), (900, 0));
        assert_eq!((a.max_queue, b.max_queue), (1, 1));
    }

    #[test]
    fn busy_time_is_clipped_to_the_window() {
        let mut r = rec();
        r.busy(1, 0, 2200);
        r.busy(0, 4000, 9000);
        assert_eq!(r.agent_busy_ms, vec![500, 1200]);
        assert_eq!(r.interval_busy_ms, vec![1000, 200, 0, 500]);
        r.logged_on(0, 2500, u64::MAX);
        assert_eq!(r.agent_on_ms, vec![2000, 0]);
        assert_eq!(r.interval_on_ms, vec![0, 500, 1000, 500]);
    }
}
