//! Real time for the clock-free engine.
//!
//! The engine counts milliseconds from an epoch the embedder chooses. The
//! runtime's epoch is its own start: one monotonic [`std::time::Instant`]
//! taken in `Runtime::start`. A shard whose engine was restored from a
//! snapshot already has a time of its own; its clock continues from there,
//! so engine time never goes backwards across a restart.

use crate::Instant;
use std::time::Duration;

/// Converts between monotonic real time and one shard's engine time.
#[derive(Clone, Copy, Debug)]
pub(crate) struct ShardClock {
    /// Real time of the runtime's start.
    origin: std::time::Instant,
    /// Engine time at `origin`.
    base: Instant,
}

impl ShardClock {
    /// A clock that reads `base` at `origin`.
    pub(crate) fn new(origin: std::time::Instant, base: Instant) -> Self {
        Self { origin, base }
    }

    /// Engine time now (whole milliseconds, rounded down).
    pub(crate) fn now(&self) -> Instant {
        let elapsed = u64::try_from(self.origin.elapsed().as_millis()).unwrap_or(u64::MAX);
        self.base.plus_millis(elapsed)
    }

    /// The real time at which engine time reaches `at`. Instants before the
    /// clock's base map to the origin (they are already due).
    pub(crate) fn deadline(&self, at: Instant) -> std::time::Instant {
        let ms = at.millis_since(self.base);
        // Far-future deadlines saturate rather than overflow `std::time::Instant`.
        self.origin
            .checked_add(Duration::from_millis(ms))
            .unwrap_or_else(|| self.origin + Duration::from_secs(86_400 * 365))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deadline_round_trips_through_now() {
        let origin = std::time::Instant::now();
        let clock = ShardClock::new(origin, Instant::from_secs(100));
        assert_eq!(
            clock.deadline(Instant::from_millis(100_250)),
            origin + Duration::from_millis(250)
        );
        // An instant before the base is already due.
        assert_eq!(clock.deadline(Instant::from_secs(3)), origin);
        assert!(clock.now() >= Instant::from_secs(100));
        // u64::MAX must not overflow.
        assert!(clock.deadline(Instant::from_millis(u64::MAX)) > origin);
    }
}
