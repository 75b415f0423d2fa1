//! Engine time.
//!
//! The engine owns no clock: every input carries an explicit `now`. Time is a
//! count of milliseconds since an epoch the embedder chooses (wall-clock Unix
//! milliseconds, or simulated time starting at zero). Durations are plain
//! milliseconds.
//!
//! Time is bounded by [`Instant::MAX`]: [`crate::Engine::handle`] refuses a
//! later `now` with [`crate::Error::TimeOutOfRange`], and deadlines and
//! statistics saturate instead of overflowing, so no input time can make
//! the engine panic or wrap around.

use serde::{Deserialize, Serialize};
use std::fmt;

/// A point in engine time, in milliseconds since the embedder's epoch.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Instant(pub u64);

impl Instant {
    /// The latest `now` the engine accepts: 2^53 ms, about 285,000 years
    /// after the epoch. Every instant up to it is exact as a JSON number (an
    /// IEEE double), and a deadline or duration derived from it stays far
    /// from `u64` overflow.
    pub const MAX: Instant = Instant(1 << 53);

    /// The instant `ms` milliseconds after the epoch.
    pub const fn from_millis(ms: u64) -> Self {
        Self(ms)
    }

    /// The instant `s` seconds after the epoch.
    pub const fn from_secs(s: u64) -> Self {
        Self(s.saturating_mul(1000))
    }

    /// Milliseconds since the epoch.
    pub const fn as_millis(self) -> u64 {
        self.0
    }

    /// This instant plus `ms` milliseconds, saturating at the end of time.
    pub const fn plus_millis(self, ms: u64) -> Self {
        Self(self.0.saturating_add(ms))
    }

    /// Milliseconds from `earlier` to `self`, or 0 when `earlier` is later.
    pub const fn millis_since(self, earlier: Instant) -> u64 {
        self.0.saturating_sub(earlier.0)
    }
}

impl fmt::Debug for Instant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "t={}ms", self.0)
    }
}
