//! Simulated time: integer core clock cycles, and the one-time conversions from config units.
//!
//! Simulated time is never floating point. A [`Cycle`] counts core clock cycles (the tiles and the
//! NoC share one clock). Config values given in nanoseconds or GB/s are converted to cycles once,
//! when a config is resolved, by the helpers here:
//!
//! - **Clock**: `clock_ghz` becomes a whole number of hertz, rounded to the nearest hertz
//!   ([`Clock::from_ghz`]).
//! - **Latencies**: a value in ns is first taken to the nearest picosecond ([`ns_to_ps`]), then
//!   converted to cycles **rounding up** ([`Clock::cycles_ceil_ps`]): hardware that needs 14 ns
//!   can never respond sooner than 14 ns, so a partial cycle counts as a whole one.
//! - **Bandwidths**: a value in GB/s (10^9 bytes per second) is taken to the nearest byte per
//!   second and becomes an exact rational number of bytes per cycle ([`Bandwidth`]), reduced to
//!   lowest terms: 409.6 GB/s at 1 GHz is exactly 2048 bytes every 5 cycles. Transfer times round
//!   up to whole cycles ([`Bandwidth::cycles_for`]); bytes moved in a span round down
//!   ([`Bandwidth::bytes_in`]).
//!
//! The integer arithmetic is done in `u128`, so no conversion overflows for any value a config
//! can hold.

use core::fmt;
use core::iter::Sum;
use core::ops::{Add, AddAssign, Mul};

use serde::{Deserialize, Serialize};
use thiserror::Error;

/// A point in simulated time, or a duration, in core clock cycles.
///
/// Addition and multiplication saturate at [`Cycle::MAX`], which serves as "never": an event
/// scheduled `latency` after never is still never, and time cannot silently wrap around.
/// There is deliberately no `-` operator: subtraction is [`Cycle::checked_sub`] or
/// [`Cycle::saturating_sub`] so that every caller says what happens when the result would be
/// negative.
#[derive(
    Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug, Default, Serialize, Deserialize,
)]
#[serde(transparent)]
pub struct Cycle(pub u64);

impl Cycle {
    /// Cycle zero: the start of a run, or an empty duration.
    pub const ZERO: Cycle = Cycle(0);
    /// The largest representable cycle, used as "never".
    pub const MAX: Cycle = Cycle(u64::MAX);

    /// The cycle count as a plain integer.
    pub const fn get(self) -> u64 {
        self.0
    }

    /// `self + d`, or `None` if it would overflow.
    pub const fn checked_add(self, d: Cycle) -> Option<Cycle> {
        match self.0.checked_add(d.0) {
            Some(v) => Some(Cycle(v)),
            None => None,
        }
    }

    /// `self + d`, stopping at [`Cycle::MAX`].
    pub const fn saturating_add(self, d: Cycle) -> Cycle {
        Cycle(self.0.saturating_add(d.0))
    }

    /// `self - d`, or `None` if `d` is later than `self`.
    pub const fn checked_sub(self, d: Cycle) -> Option<Cycle> {
        match self.0.checked_sub(d.0) {
            Some(v) => Some(Cycle(v)),
            None => None,
        }
    }

    /// `self - d`, stopping at zero.
    pub const fn saturating_sub(self, d: Cycle) -> Cycle {
        Cycle(self.0.saturating_sub(d.0))
    }

    /// The time elapsed from `earlier` to `self` (zero if `earlier` is later).
    pub const fn since(self, earlier: Cycle) -> Cycle {
        self.saturating_sub(earlier)
    }
}

impl Add for Cycle {
    type Output = Cycle;
    /// Saturating: `Cycle::MAX + x == Cycle::MAX`.
    fn add(self, rhs: Cycle) -> Cycle {
        self.saturating_add(rhs)
    }
}

impl Add<u64> for Cycle {
    type Output = Cycle;
    /// Saturating: `Cycle::MAX + x == Cycle::MAX`.
    fn add(self, rhs: u64) -> Cycle {
        Cycle(self.0.saturating_add(rhs))
    }
}

impl AddAssign for Cycle {
    fn add_assign(&mut self, rhs: Cycle) {
        *self = *self + rhs;
    }
}

impl AddAssign<u64> for Cycle {
    fn add_assign(&mut self, rhs: u64) {
        *self = *self + rhs;
    }
}

impl Mul<u64> for Cycle {
    type Output = Cycle;
    /// A duration repeated `rhs` times, saturating.
    fn mul(self, rhs: u64) -> Cycle {
        Cycle(self.0.saturating_mul(rhs))
    }
}

impl Sum for Cycle {
    fn sum<I: Iterator<Item = Cycle>>(iter: I) -> Cycle {
        iter.fold(Cycle::ZERO, |a, b| a + b)
    }
}

impl fmt::Display for Cycle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0 == 1 {
            f.write_str("1 cycle")
        } else {
            write!(f, "{} cycles", self.0)
        }
    }
}

/// A value given in config units that cannot be turned into time.
#[derive(Clone, Debug, PartialEq, Error)]
pub enum TimeError {
    /// Negative, NaN or infinite where a duration or rate was expected.
    #[error("{value:?} {unit} is not a finite non-negative number")]
    NotFinite {
        /// The value given.
        value: f64,
        /// Its unit ("ns", "GHz", "GB/s").
        unit: &'static str,
    },
    /// Zero where a positive rate is needed (a clock or a bandwidth).
    #[error("{unit} must be greater than zero")]
    Zero {
        /// The unit of the rate ("GHz", "GB/s").
        unit: &'static str,
    },
    /// Larger than any run could need (beyond `u64` in the base unit).
    #[error("{value:?} {unit} is too large")]
    TooLarge {
        /// The value given.
        value: f64,
        /// Its unit.
        unit: &'static str,
    },
}

/// Rounds a non-negative finite value scaled by `scale` to the nearest integer.
fn to_integer(value: f64, scale: f64, unit: &'static str) -> Result<u64, TimeError> {
    if !value.is_finite() || value < 0.0 {
        return Err(TimeError::NotFinite { value, unit });
    }
    let scaled = (value * scale).round();
    // 2^64 is exactly representable; anything at or above it does not fit.
    if scaled >= 18_446_744_073_709_551_616.0 {
        return Err(TimeError::TooLarge { value, unit });
    }
    // In range and integral: the cast is exact.
    Ok(scaled as u64)
}

/// A duration in nanoseconds, taken to the nearest picosecond.
pub fn ns_to_ps(ns: f64) -> Result<u64, TimeError> {
    to_integer(ns, 1_000.0, "ns")
}

/// A rate in GB/s (10^9 bytes per second), taken to the nearest byte per second.
pub fn gb_per_s_to_bytes_per_s(gb_per_s: f64) -> Result<u64, TimeError> {
    let v = to_integer(gb_per_s, 1e9, "GB/s")?;
    if v == 0 {
        return Err(TimeError::Zero { unit: "GB/s" });
    }
    Ok(v)
}

/// The core clock, as a whole number of hertz.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub struct Clock {
    hz: u64,
}

const PS_PER_S: u128 = 1_000_000_000_000;

impl Clock {
    /// A clock of `ghz` gigahertz, rounded to the nearest hertz.
    pub fn from_ghz(ghz: f64) -> Result<Clock, TimeError> {
        let hz = to_integer(ghz, 1e9, "GHz")?;
        Clock::from_hz(hz).ok_or(TimeError::Zero { unit: "GHz" })
    }

    /// A clock of `hz` hertz; `None` for zero.
    pub const fn from_hz(hz: u64) -> Option<Clock> {
        if hz == 0 { None } else { Some(Clock { hz }) }
    }

    /// The frequency in hertz.
    pub const fn hz(self) -> u64 {
        self.hz
    }

    /// The whole number of cycles that covers `ps` picoseconds (rounded up).
    pub fn cycles_ceil_ps(self, ps: u64) -> Cycle {
        let c = (ps as u128 * self.hz as u128).div_ceil(PS_PER_S);
        Cycle(u64::try_from(c).unwrap_or(u64::MAX))
    }

    /// The whole cycles that fit in `ps` picoseconds (rounded down), for deadlines and intervals
    /// that must not be overshot.
    pub fn cycles_floor_ps(self, ps: u64) -> Cycle {
        let c = ps as u128 * self.hz as u128 / PS_PER_S;
        Cycle(u64::try_from(c).unwrap_or(u64::MAX))
    }

    /// The whole number of cycles that covers `ns` nanoseconds: nearest picosecond, then up.
    pub fn cycles_from_ns(self, ns: f64) -> Result<Cycle, TimeError> {
        Ok(self.cycles_ceil_ps(ns_to_ps(ns)?))
    }

    /// A bandwidth in GB/s as an exact number of bytes per cycle of this clock.
    pub fn bandwidth_from_gb_per_s(self, gb_per_s: f64) -> Result<Bandwidth, TimeError> {
        let bytes_per_s = gb_per_s_to_bytes_per_s(gb_per_s)?;
        // bytes_per_s bytes every hz cycles.
        Ok(Bandwidth::new(bytes_per_s, self.hz).unwrap_or(Bandwidth::ONE_BYTE_PER_CYCLE))
    }

    /// The time `c` cycles take, in whole picoseconds (rounded down).
    pub fn picoseconds(self, c: Cycle) -> u128 {
        c.0 as u128 * PS_PER_S / self.hz as u128
    }

    /// The time `c` cycles take, in microseconds, for display (trace timestamps, reports).
    /// Never feed this back into timing.
    pub fn microseconds_f64(self, c: Cycle) -> f64 {
        c.0 as f64 * 1e6 / self.hz as f64
    }

    /// The time `c` cycles take, in seconds, for display only.
    pub fn seconds_f64(self, c: Cycle) -> f64 {
        c.0 as f64 / self.hz as f64
    }
}

impl fmt::Display for Clock {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} Hz", self.hz)
    }
}

/// Two clock domains: the core clock and another (a memory clock), with cycles converted between
/// them exactly. Cycle `n` of a clock of `f` hertz starts at `n / f` seconds; a conversion gives
/// the first cycle of the other clock that starts at or after it (rounding up, so nothing is
/// seen before it happens).
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub struct ClockRatio {
    /// Core hertz over their greatest common divisor with the other clock's.
    core: u64,
    /// The other clock's hertz over the same divisor.
    other: u64,
}

impl ClockRatio {
    /// The ratio of `core` to `other`, in lowest terms.
    pub const fn new(core: Clock, other: Clock) -> ClockRatio {
        let g = gcd(core.hz, other.hz);
        ClockRatio {
            core: core.hz / g,
            other: other.hz / g,
        }
    }

    /// The first cycle of the other clock that starts at or after core cycle `c` starts.
    #[inline]
    pub fn to_other(self, c: Cycle) -> u64 {
        scale_ceil(c.0, self.other, self.core)
    }

    /// The first core cycle that starts at or after cycle `n` of the other clock starts.
    #[inline]
    pub fn to_core(self, n: u64) -> Cycle {
        Cycle(scale_ceil(n, self.core, self.other))
    }
}

/// `ceil(n × num / den)`, saturating at `u64::MAX`.
#[inline]
fn scale_ceil(n: u64, num: u64, den: u64) -> u64 {
    match n.checked_mul(num) {
        Some(p) => p.div_ceil(den),
        None => {
            let c = (n as u128 * num as u128).div_ceil(den as u128);
            u64::try_from(c).unwrap_or(u64::MAX)
        }
    }
}

/// An exact bandwidth: `bytes` bytes every `cycles` cycles, in lowest terms.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub struct Bandwidth {
    bytes: u64,
    cycles: u64,
}

const fn gcd(mut a: u64, mut b: u64) -> u64 {
    while b != 0 {
        let t = a % b;
        a = b;
        b = t;
    }
    a
}

impl Bandwidth {
    /// One byte per cycle.
    pub const ONE_BYTE_PER_CYCLE: Bandwidth = Bandwidth {
        bytes: 1,
        cycles: 1,
    };

    /// `bytes` bytes every `cycles` cycles, reduced; `None` if either is zero.
    pub const fn new(bytes: u64, cycles: u64) -> Option<Bandwidth> {
        if bytes == 0 || cycles == 0 {
            return None;
        }
        let g = gcd(bytes, cycles);
        Some(Bandwidth {
            bytes: bytes / g,
            cycles: cycles / g,
        })
    }

    /// A whole number of bytes every cycle; `None` for zero.
    pub const fn per_cycle(bytes: u64) -> Option<Bandwidth> {
        Bandwidth::new(bytes, 1)
    }

    /// The numerator: bytes moved every [`Bandwidth::cycles`] cycles.
    pub const fn bytes(self) -> u64 {
        self.bytes
    }

    /// The denominator, in cycles.
    pub const fn cycles(self) -> u64 {
        self.cycles
    }

    /// The cycles needed to move `n` bytes (rounded up; zero for zero bytes).
    pub fn cycles_for(self, n: u64) -> Cycle {
        let c = (n as u128 * self.cycles as u128).div_ceil(self.bytes as u128);
        Cycle(u64::try_from(c).unwrap_or(u64::MAX))
    }

    /// The whole bytes moved in `c` cycles (rounded down).
    pub fn bytes_in(self, c: Cycle) -> u64 {
        let b = c.0 as u128 * self.bytes as u128 / self.cycles as u128;
        u64::try_from(b).unwrap_or(u64::MAX)
    }

    /// This bandwidth `k` times over (e.g. per stack × stacks), saturating; `None` for zero.
    pub const fn times(self, k: u64) -> Option<Bandwidth> {
        if k == 0 {
            return None;
        }
        let g = gcd(k, self.cycles);
        Bandwidth::new(self.bytes.saturating_mul(k / g), self.cycles / g)
    }

    /// Bytes per cycle as a float, for display only.
    pub fn bytes_per_cycle_f64(self) -> f64 {
        self.bytes as f64 / self.cycles as f64
    }
}

impl fmt::Display for Bandwidth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.cycles == 1 {
            write!(f, "{} B/cycle", self.bytes)
        } else {
            write!(f, "{}/{} B/cycle", self.bytes, self.cycles)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cycle_displays_with_its_unit() {
        assert_eq!(Cycle(123).to_string(), "123 cycles");
        assert_eq!(Cycle(1).to_string(), "1 cycle");
        assert_eq!(Cycle(0).to_string(), "0 cycles");
    }

    #[test]
    fn cycle_addition_saturates_at_never() {
        assert_eq!(Cycle(5) + Cycle(7), Cycle(12));
        assert_eq!(Cycle(5) + 7, Cycle(12));
        assert_eq!(Cycle::MAX + 1, Cycle::MAX);
        assert_eq!(Cycle::MAX.checked_add(Cycle(1)), None);
        let mut t = Cycle(1);
        t += 2;
        t += Cycle(3);
        assert_eq!(t, Cycle(6));
        assert_eq!(Cycle(3) * 4, Cycle(12));
        assert_eq!(Cycle::MAX * 2, Cycle::MAX);
        assert_eq!(
            [Cycle(1), Cycle(2), Cycle(3)].into_iter().sum::<Cycle>(),
            Cycle(6)
        );
    }

    #[test]
    fn cycle_subtraction_says_what_happens_below_zero() {
        assert_eq!(Cycle(10).checked_sub(Cycle(4)), Some(Cycle(6)));
        assert_eq!(Cycle(4).checked_sub(Cycle(10)), None);
        assert_eq!(Cycle(4).saturating_sub(Cycle(10)), Cycle::ZERO);
        assert_eq!(Cycle(10).since(Cycle(4)), Cycle(6));
        assert!(Cycle(3) < Cycle(4));
        assert_eq!(Cycle(3).max(Cycle(9)), Cycle(9));
    }

    #[test]
    fn latencies_in_ns_round_up_to_whole_cycles() {
        let ghz1 = Clock::from_ghz(1.0).unwrap();
        assert_eq!(ghz1.cycles_from_ns(14.0).unwrap(), Cycle(14));
        assert_eq!(ghz1.cycles_from_ns(13.001).unwrap(), Cycle(14));
        assert_eq!(ghz1.cycles_from_ns(0.0).unwrap(), Cycle(0));
        let ghz15 = Clock::from_ghz(1.5).unwrap();
        // 14 ns × 1.5 GHz = 21 cycles exactly; 14.5 ns = 21.75 → 22.
        assert_eq!(ghz15.cycles_from_ns(14.0).unwrap(), Cycle(21));
        assert_eq!(ghz15.cycles_from_ns(14.5).unwrap(), Cycle(22));
        // 0.625 ns (one HBM2E tCK) at 1 GHz still costs a cycle.
        assert_eq!(ghz1.cycles_from_ns(0.625).unwrap(), Cycle(1));
        assert_eq!(ghz15.cycles_floor_ps(14_500), Cycle(21));
        assert_eq!(ghz15.cycles_floor_ps(14_000), Cycle(21));
        // 500 ns at 0.95 GHz = 475 cycles, despite 0.95 not being exact in binary.
        let odd = Clock::from_ghz(0.95).unwrap();
        assert_eq!(odd.hz(), 950_000_000);
        assert_eq!(odd.cycles_from_ns(500.0).unwrap(), Cycle(475));
    }

    #[test]
    fn conversions_reject_negative_nan_and_zero() {
        assert!(ns_to_ps(-1.0).is_err());
        assert!(ns_to_ps(f64::NAN).is_err());
        assert!(ns_to_ps(f64::INFINITY).is_err());
        assert!(ns_to_ps(1e30).is_err());
        assert_eq!(Clock::from_ghz(0.0), Err(TimeError::Zero { unit: "GHz" }));
        let c = Clock::from_ghz(1.0).unwrap();
        assert_eq!(
            c.bandwidth_from_gb_per_s(0.0),
            Err(TimeError::Zero { unit: "GB/s" })
        );
    }

    #[test]
    fn bandwidth_in_gb_per_s_is_an_exact_rational_per_cycle() {
        let c = Clock::from_ghz(1.0).unwrap();
        let hbm = c.bandwidth_from_gb_per_s(409.6).unwrap();
        assert_eq!((hbm.bytes(), hbm.cycles()), (2048, 5));
        assert_eq!(hbm.to_string(), "2048/5 B/cycle");
        assert_eq!(hbm.cycles_for(2048), Cycle(5));
        assert_eq!(hbm.cycles_for(2049), Cycle(6));
        assert_eq!(hbm.bytes_in(Cycle(5)), 2048);
        assert_eq!(hbm.bytes_in(Cycle(1)), 409);
        assert_eq!(hbm.times(6).unwrap().to_string(), "12288/5 B/cycle");
        let link = c.bandwidth_from_gb_per_s(50.0).unwrap();
        assert_eq!(link.to_string(), "50 B/cycle");
        let at15 = Clock::from_ghz(1.5)
            .unwrap()
            .bandwidth_from_gb_per_s(50.0)
            .unwrap();
        assert_eq!((at15.bytes(), at15.cycles()), (100, 3));
        assert_eq!(at15.cycles_for(100), Cycle(3));
        assert_eq!(at15.cycles_for(0), Cycle(0));
    }

    #[test]
    fn a_clock_ratio_converts_cycles_exactly_rounding_up() {
        // 1 GHz core, 1.6 GHz memory: 5 core cycles are 8 memory cycles.
        let core = Clock::from_ghz(1.0).unwrap();
        let mem = Clock::from_ghz(1.6).unwrap();
        let r = ClockRatio::new(core, mem);
        assert_eq!(r.to_other(Cycle(5)), 8);
        assert_eq!(r.to_other(Cycle(1)), 2); // 1.6 → 2
        assert_eq!(r.to_core(8), Cycle(5));
        assert_eq!(r.to_core(1), Cycle(1)); // 0.625 → 1
        assert_eq!(r.to_core(0), Cycle(0));
        for n in 0..100 {
            // The cycle found starts at or after, and the one before it starts before.
            let c = r.to_core(n);
            assert!(c.0 * 16 >= n * 10 && (c.0 == 0 || (c.0 - 1) * 16 < n * 10));
        }
        assert_eq!(r.to_other(Cycle(u64::MAX)), u64::MAX);
    }

    #[test]
    fn huge_transfers_saturate_instead_of_wrapping() {
        let slow = Bandwidth::new(1, 1_000_000).unwrap();
        assert_eq!(slow.cycles_for(u64::MAX), Cycle::MAX);
        let fast = Bandwidth::per_cycle(1 << 40).unwrap();
        assert_eq!(fast.bytes_in(Cycle::MAX), u64::MAX);
    }

    #[test]
    fn cycles_convert_to_display_time() {
        let c = Clock::from_ghz(2.0).unwrap();
        assert_eq!(c.picoseconds(Cycle(3)), 1500);
        assert_eq!(c.microseconds_f64(Cycle(2000)), 1.0);
        assert_eq!(c.seconds_f64(Cycle(2_000_000_000)), 1.0);
    }
}
