//! Timeline events: which engine was busy when, instants, and counters.
//!
//! Units report to a [`TraceSink`]. [`NullSink`] (the default) discards everything at no cost:
//! its methods are empty and inlined, and [`TraceSink::enabled`] lets callers skip building
//! arguments. [`VecSink`] keeps events for tests; [`ChromeTraceWriter`] writes the Chrome
//! trace-event JSON format that Perfetto (ui.perfetto.dev) and `chrome://tracing` open. Timing
//! checkers (HBM constraints, NoC packet conservation) are sinks too.
//!
//! Events carry integer [`Cycle`]s; only the Chrome writer converts them to microseconds, for
//! display.

mod chrome;

#[cfg(test)]
mod tests;

use core::fmt;

use crate::time::Cycle;

pub use chrome::ChromeTraceWriter;

/// Where an event happens: one unit of one tile (`tile 3 / dma-in`), or a chip-level unit
/// (`hbm`, `noc`, `fabric`) of one chip.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, PartialOrd, Ord)]
pub struct Track {
    /// The chip.
    pub chip: u32,
    /// The tile, or `None` for a unit shared by the chip.
    pub tile: Option<u32>,
    /// The unit's name: `control`, `dma-in`, `dma-out`, `matrix`, `vector`, `hbm`, `noc`...
    pub unit: &'static str,
}

impl Track {
    /// A unit of a tile.
    pub const fn tile(chip: u32, tile: u32, unit: &'static str) -> Track {
        Track {
            chip,
            tile: Some(tile),
            unit,
        }
    }

    /// A unit shared by the whole chip.
    pub const fn chip(chip: u32, unit: &'static str) -> Track {
        Track {
            chip,
            tile: None,
            unit,
        }
    }
}

impl fmt::Display for Track {
    /// `tile 3 / dma-in` for a tile's unit, the unit's name alone for a chip-level unit (the chip
    /// is the trace's process).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.tile {
            Some(t) => write!(f, "tile {t} / {}", self.unit),
            None => f.write_str(self.unit),
        }
    }
}

/// A value attached to an event.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Arg<'a> {
    /// An unsigned number (bytes, addresses, counts).
    U64(u64),
    /// A signed number.
    I64(i64),
    /// A flag.
    Bool(bool),
    /// Text (an instruction, a dtype).
    Str(&'a str),
}

impl From<u64> for Arg<'_> {
    fn from(v: u64) -> Self {
        Arg::U64(v)
    }
}

impl From<u32> for Arg<'_> {
    fn from(v: u32) -> Self {
        Arg::U64(u64::from(v))
    }
}

impl From<i64> for Arg<'_> {
    fn from(v: i64) -> Self {
        Arg::I64(v)
    }
}

impl From<bool> for Arg<'_> {
    fn from(v: bool) -> Self {
        Arg::Bool(v)
    }
}

impl<'a> From<&'a str> for Arg<'a> {
    fn from(v: &'a str) -> Self {
        Arg::Str(v)
    }
}

impl From<Cycle> for Arg<'_> {
    fn from(v: Cycle) -> Self {
        Arg::U64(v.0)
    }
}

/// Named values attached to an event.
pub type Args<'a> = &'a [(&'a str, Arg<'a>)];

/// A receiver of timeline events.
pub trait TraceSink {
    /// Whether events are kept. When false, callers may skip the work of building them.
    fn enabled(&self) -> bool {
        true
    }

    /// `track` was busy doing `name` from cycle `start` up to (not including) cycle `end`.
    fn busy(&mut self, track: Track, name: &str, start: Cycle, end: Cycle, args: Args<'_>);

    /// `name` happened on `track` at cycle `at`.
    fn instant(&mut self, track: Track, name: &str, at: Cycle, args: Args<'_>);

    /// The counter `name` of `track` took `value` at cycle `at` (queue occupancy, bytes in flight).
    fn counter(&mut self, track: Track, name: &str, at: Cycle, value: u64);
}

impl<S: TraceSink + ?Sized> TraceSink for &mut S {
    #[inline]
    fn enabled(&self) -> bool {
        (**self).enabled()
    }
    #[inline]
    fn busy(&mut self, track: Track, name: &str, start: Cycle, end: Cycle, args: Args<'_>) {
        (**self).busy(track, name, start, end, args)
    }
    #[inline]
    fn instant(&mut self, track: Track, name: &str, at: Cycle, args: Args<'_>) {
        (**self).instant(track, name, at, args)
    }
    #[inline]
    fn counter(&mut self, track: Track, name: &str, at: Cycle, value: u64) {
        (**self).counter(track, name, at, value)
    }
}

impl<S: TraceSink + ?Sized> TraceSink for Box<S> {
    #[inline]
    fn enabled(&self) -> bool {
        (**self).enabled()
    }
    #[inline]
    fn busy(&mut self, track: Track, name: &str, start: Cycle, end: Cycle, args: Args<'_>) {
        (**self).busy(track, name, start, end, args)
    }
    #[inline]
    fn instant(&mut self, track: Track, name: &str, at: Cycle, args: Args<'_>) {
        (**self).instant(track, name, at, args)
    }
    #[inline]
    fn counter(&mut self, track: Track, name: &str, at: Cycle, value: u64) {
        (**self).counter(track, name, at, value)
    }
}

/// Discards every event; the default sink. Its methods compile to nothing.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct NullSink;

impl TraceSink for NullSink {
    #[inline(always)]
    fn enabled(&self) -> bool {
        false
    }
    #[inline(always)]
    fn busy(&mut self, _: Track, _: &str, _: Cycle, _: Cycle, _: Args<'_>) {}
    #[inline(always)]
    fn instant(&mut self, _: Track, _: &str, _: Cycle, _: Args<'_>) {}
    #[inline(always)]
    fn counter(&mut self, _: Track, _: &str, _: Cycle, _: u64) {}
}

/// An owned copy of an [`Arg`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ArgValue {
    /// An unsigned number.
    U64(u64),
    /// A signed number.
    I64(i64),
    /// A flag.
    Bool(bool),
    /// Text.
    Str(String),
}

impl From<Arg<'_>> for ArgValue {
    fn from(a: Arg<'_>) -> Self {
        match a {
            Arg::U64(v) => ArgValue::U64(v),
            Arg::I64(v) => ArgValue::I64(v),
            Arg::Bool(v) => ArgValue::Bool(v),
            Arg::Str(v) => ArgValue::Str(v.to_string()),
        }
    }
}

/// What kind of event, and when.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EventKind {
    /// Busy from `start` up to `end`.
    Busy {
        /// First busy cycle.
        start: Cycle,
        /// First cycle no longer busy.
        end: Cycle,
    },
    /// A point in time.
    Instant {
        /// When.
        at: Cycle,
    },
    /// A counter's new value.
    Counter {
        /// When.
        at: Cycle,
        /// The value.
        value: u64,
    },
}

/// An event as [`VecSink`] keeps it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Event {
    /// Where.
    pub track: Track,
    /// What.
    pub name: String,
    /// When, and the kind.
    pub kind: EventKind,
    /// Attached values, in the order given.
    pub args: Vec<(String, ArgValue)>,
}

impl Event {
    /// The cycle the event starts (or happens) at.
    pub fn at(&self) -> Cycle {
        match self.kind {
            EventKind::Busy { start, .. } => start,
            EventKind::Instant { at } | EventKind::Counter { at, .. } => at,
        }
    }

    /// The value of the argument `name`, if given.
    pub fn arg(&self, name: &str) -> Option<&ArgValue> {
        self.args.iter().find(|(k, _)| k == name).map(|(_, v)| v)
    }
}

impl Event {
    /// An owned copy of an event as reported.
    fn new(track: Track, name: &str, kind: EventKind, args: Args<'_>) -> Event {
        Event {
            track,
            name: name.to_string(),
            kind,
            args: args
                .iter()
                .map(|(k, v)| ((*k).to_string(), ArgValue::from(*v)))
                .collect(),
        }
    }

    /// Hands the event to `sink`, as it was first reported.
    pub fn replay(&self, sink: &mut dyn TraceSink) {
        let args: Vec<(&str, Arg<'_>)> = self
            .args
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_arg()))
            .collect();
        match self.kind {
            EventKind::Busy { start, end } => sink.busy(self.track, &self.name, start, end, &args),
            EventKind::Instant { at } => sink.instant(self.track, &self.name, at, &args),
            EventKind::Counter { at, value } => sink.counter(self.track, &self.name, at, value),
        }
    }
}

impl ArgValue {
    /// The value as an [`Arg`].
    pub fn as_arg(&self) -> Arg<'_> {
        match self {
            ArgValue::U64(v) => Arg::U64(*v),
            ArgValue::I64(v) => Arg::I64(*v),
            ArgValue::Bool(v) => Arg::Bool(*v),
            ArgValue::Str(v) => Arg::Str(v),
        }
    }
}

/// One chip's events of a run, held until the run loop hands them to the run's sink at the end
/// of the chip's turn: the chip's units report here, so chips can later run on threads of their
/// own and still give one trace in a fixed order. Off (and free) when the run's sink is off.
#[derive(Clone, Debug, Default)]
pub struct TraceBuffer {
    on: bool,
    held: VecSink,
}

impl TraceBuffer {
    /// Keeps events from now on if `on`.
    pub fn keep(&mut self, on: bool) {
        self.on = on;
    }

    /// Hands the events held to `sink`, oldest first.
    pub fn flush(&mut self, sink: &mut dyn TraceSink) {
        for e in self.held.events.drain(..) {
            e.replay(sink);
        }
    }
}

impl TraceSink for TraceBuffer {
    fn enabled(&self) -> bool {
        self.on
    }

    fn busy(&mut self, track: Track, name: &str, start: Cycle, end: Cycle, args: Args<'_>) {
        self.held.busy(track, name, start, end, args);
    }

    fn instant(&mut self, track: Track, name: &str, at: Cycle, args: Args<'_>) {
        self.held.instant(track, name, at, args);
    }

    fn counter(&mut self, track: Track, name: &str, at: Cycle, value: u64) {
        self.held.counter(track, name, at, value);
    }
}

/// Keeps every event in order, for tests.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct VecSink {
    /// The events received, in order.
    pub events: Vec<Event>,
}

impl VecSink {
    /// An empty sink.
    pub fn new() -> VecSink {
        VecSink::default()
    }

    /// The events on `track`, in order.
    pub fn on(&self, track: Track) -> impl Iterator<Item = &Event> {
        self.events.iter().filter(move |e| e.track == track)
    }

    /// Total busy cycles recorded on `track`.
    pub fn busy_cycles(&self, track: Track) -> Cycle {
        self.on(track)
            .map(|e| match e.kind {
                EventKind::Busy { start, end } => end.since(start),
                _ => Cycle::ZERO,
            })
            .sum()
    }

    fn push(&mut self, track: Track, name: &str, kind: EventKind, args: Args<'_>) {
        self.events.push(Event::new(track, name, kind, args));
    }
}

impl TraceSink for VecSink {
    fn busy(&mut self, track: Track, name: &str, start: Cycle, end: Cycle, args: Args<'_>) {
        self.push(track, name, EventKind::Busy { start, end }, args);
    }

    fn instant(&mut self, track: Track, name: &str, at: Cycle, args: Args<'_>) {
        self.push(track, name, EventKind::Instant { at }, args);
    }

    fn counter(&mut self, track: Track, name: &str, at: Cycle, value: u64) {
        self.push(track, name, EventKind::Counter { at, value }, &[]);
    }
}
