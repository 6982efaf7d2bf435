//! Caller-supplied time: an integer-millisecond [`Instant`].

use core::ops::Add;
use core::time::Duration;

/// A point in time, in milliseconds since an epoch the caller picks.
///
/// The library never reads a clock: every `handle_*`, `send` and `Session::new` call takes the current
/// `Instant` from the caller, and [`Session::poll_timeout`](crate::Session::poll_timeout) answers in the same
/// unit. Any monotonic source works (uptime in ms, a simulated clock, ...). Arithmetic saturates instead of
/// overflowing.
///
/// ```
/// use core::time::Duration;
/// use usp_e2e::Instant;
///
/// let t = Instant::from_millis(1_000);
/// assert_eq!((t + Duration::from_secs(2)).as_millis(), 3_000);
/// assert_eq!(Instant::from_millis(u64::MAX) + Duration::from_secs(1), Instant::from_millis(u64::MAX));
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Instant(u64);

impl Instant {
    /// The epoch (0 ms).
    pub const ZERO: Self = Self(0);

    /// Makes an `Instant` from milliseconds since the caller's epoch.
    #[must_use]
    pub const fn from_millis(ms: u64) -> Self {
        Self(ms)
    }

    /// Milliseconds since the caller's epoch.
    #[must_use]
    pub const fn as_millis(self) -> u64 {
        self.0
    }

    /// `self + d`, saturating at the largest representable instant.
    #[must_use]
    pub fn saturating_add(self, d: Duration) -> Self {
        let ms = u64::try_from(d.as_millis()).unwrap_or(u64::MAX);
        Self(self.0.saturating_add(ms))
    }

    /// Time elapsed from `earlier` to `self`, or zero if `earlier` is later.
    #[must_use]
    pub fn saturating_duration_since(self, earlier: Self) -> Duration {
        Duration::from_millis(self.0.saturating_sub(earlier.0))
    }
}

impl Add<Duration> for Instant {
    type Output = Self;

    fn add(self, rhs: Duration) -> Self {
        self.saturating_add(rhs)
    }
}
