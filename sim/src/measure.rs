//! Measurement of one run: per-group call outcomes, queue length and agent
//! busy time, in total and per reporting interval, counted only inside the
//! measured window (after warm-up).
//!
//! A call belongs to the interval in which it arrived (R-8.2 style: offered
//! calls and their outcome are reported against the arrival interval).
//! Queue length and busy time are time integrals clipped to each interval.

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
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct Tally {
    /// Calls that arrived.
    pub offered: u64,
    /// Calls answered.
    pub answered: u64,
    /// Calls whose caller hung up before answer.
    pub abandoned: u64,
    /// Calls that left the engine without answer (diverted/cleared).
    pub overflowed: u64,
    /// Answered within the group's service-level threshold.
    pub within_sl: u64,
    /// Answered after waiting more than zero.
    pub waited: u64,
    /// Sum of waits of answered calls, ms.
    pub answered_wait_ms: u64,
    /// Sum of waits of abandoned calls, ms.
    pub abandoned_wait_ms: u64,
    /// Time integral of the queue length, call·ms.
    pub queue_area: f64,
    /// Longest queue seen.
    pub max_queue: u32,
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

    fn both(&mut self, g: usize, arrived_ms: u64, f: impl Fn(&mut Tally)) {
        if self.window.contains(arrived_ms) {
            let i = self.window.interval_of(arrived_ms);
            f(&mut self.totals[g]);
            f(&mut self.intervals[i][g]);
        }
    }

    /// A call arrived; returns whether it is measured.
    pub fn arrived(&mut self, g: usize, now: u64) -> bool {
        self.both(g, now, |t| t.offered += 1);
        self.queue_change(g, now, 1);
        self.window.contains(now)
    }

    /// A call was answered at `now`.
    pub fn answered(&mut self, g: usize, arrived_ms: u64, now: u64) {
        let wait = now - arrived_ms;
        let sl = self.sl_ms[g];
        self.both(g, arrived_ms, |t| {
            t.answered += 1;
            t.answered_wait_ms += wait;
            t.within_sl += u64::from(wait <= sl);
            t.waited += u64::from(wait > 0);
        });
        self.queue_change(g, now, -1);
    }

    /// The caller hung up while waiting.
    pub fn abandoned(&mut self, g: usize, arrived_ms: u64, now: u64) {
        let wait = now - arrived_ms;
        self.both(g, arrived_ms, |t| {
            t.abandoned += 1;
            t.abandoned_wait_ms += wait;
        });
        self.queue_change(g, now, -1);
    }

    /// The call left unanswered without abandoning (overflow to a number).
    pub fn overflowed(&mut self, g: usize, arrived_ms: u64, now: u64) {
        self.both(g, arrived_ms, |t| t.overflowed += 1);
        self.queue_change(g, now, -1);
    }

    fn queue_change(&mut self, g: usize, now: u64, delta: i32) {
        self.flush_queue(g, now);
        let gauge = &mut self.gauges[g];
        gauge.len = gauge.len.saturating_add_signed(delta);
        let len = gauge.len;
        if self.window.contains(now) {
            let i = self.window.interval_of(now);
            let t = &mut self.intervals[i][g];
            t.max_queue = t.max_queue.max(len);
            self.totals[g].max_queue = self.totals[g].max_queue.max(len);
        }
    }

    fn flush_queue(&mut self, g: usize, now: u64) {
        let Gauge { len, since_ms } = self.gauges[g];
        self.gauges[g].since_ms = now;
        if len == 0 {
            return;
        }
        let (intervals, totals) = (&mut self.intervals, &mut self.totals);
        self.window.spread(since_ms, now, |i, ms| {
            let area = f64::from(len) * ms as f64;
            intervals[i][g].queue_area += area;
            totals[g].queue_area += area;
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
        r.answered(0, 500, 1500);
        assert!(r.arrived(0, 1200));
        r.answered(0, 1200, 3500);
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
        r.abandoned(0, 1500, 2500); // queue 1 from 2500
        r.finish(); // to 4500
                    // [1000,1500) len 1, [1500,2500) len 2, [2500,4500) len 1
        assert_eq!(r.totals[0].queue_area, 500.0 + 2000.0 + 2000.0);
        assert_eq!(r.intervals[0][0].queue_area, 500.0 + 1000.0);
        assert_eq!(r.intervals[1][0].queue_area, 1000.0 + 500.0);
        assert_eq!(r.totals[0].max_queue, 2);
        assert_eq!(r.totals[0].abandoned, 1);
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
