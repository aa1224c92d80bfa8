//! The Chrome trace-event JSON writer (the "JSON array" form, which Perfetto opens).
//!
//! Layout: one process per chip (`chip 0`), one thread per track (`tile 3 / dma-in`, or `hbm` for
//! a chip-level unit), ordered by tile. Busy spans are complete events (`"ph": "X"`), instants
//! are thread-scoped instant events (`"ph": "i"`), counters are counter events (`"ph": "C"`)
//! named `<track> / <counter>`. Names of processes and threads are metadata events (`"ph": "M"`)
//! written the first time a chip or track appears.
//!
//! Timestamps (`ts`) and durations (`dur`) are in microseconds, as the format requires: cycles ×
//! 10^6 / clock in Hz, as a float (so 1 cycle at 1 GHz is 0.001). They are for display only.
//!
//! Events are written as they arrive, one JSON object per line, with `serde_json`; nothing is
//! buffered beyond what the writer given buffers (wrap a file in a `BufWriter`).
//! [`ChromeTraceWriter::finish`] closes the array, so the output is valid JSON even with no
//! events; dropping the writer closes it too, ignoring errors.

use std::collections::{BTreeSet, HashMap};
use std::io::{self, Write};

use serde::Serialize;
use serde::ser::{SerializeMap, Serializer};

use super::{Arg, Args, TraceSink, Track};
use crate::time::{Clock, Cycle};

/// Writes trace events as Chrome trace-event JSON to any [`Write`].
pub struct ChromeTraceWriter<W: Write> {
    out: Option<W>,
    clock: Clock,
    /// Nothing has been written after the opening bracket yet.
    first: bool,
    /// Thread id of each track seen so far.
    tids: HashMap<Track, u32>,
    /// Chips whose process has been named.
    chips: BTreeSet<u32>,
    /// The first write error; later events are dropped and `finish` returns it.
    error: Option<io::Error>,
    events: u64,
}

/// The `args` object of one record.
enum RecordArgs<'a> {
    None,
    Values(Args<'a>),
    Name(&'a str),
    SortIndex(u64),
    Counter(u64),
}

impl Serialize for RecordArgs<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(None)?;
        match *self {
            RecordArgs::None => {}
            RecordArgs::Values(args) => {
                for (k, v) in args {
                    match *v {
                        Arg::U64(x) => m.serialize_entry(k, &x)?,
                        Arg::I64(x) => m.serialize_entry(k, &x)?,
                        Arg::Bool(x) => m.serialize_entry(k, &x)?,
                        Arg::Str(x) => m.serialize_entry(k, x)?,
                    }
                }
            }
            RecordArgs::Name(n) => m.serialize_entry("name", n)?,
            RecordArgs::SortIndex(i) => m.serialize_entry("sort_index", &i)?,
            RecordArgs::Counter(v) => m.serialize_entry("value", &v)?,
        }
        m.end()
    }
}

impl RecordArgs<'_> {
    fn is_none(&self) -> bool {
        matches!(self, RecordArgs::None)
    }
}

/// One trace event object.
#[derive(Serialize)]
struct Record<'a> {
    name: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    cat: Option<&'a str>,
    ph: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    ts: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    dur: Option<f64>,
    pid: u32,
    tid: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    s: Option<&'static str>,
    #[serde(skip_serializing_if = "RecordArgs::is_none")]
    args: RecordArgs<'a>,
}

impl<'a> Record<'a> {
    fn meta(name: &'a str, pid: u32, tid: u32, args: RecordArgs<'a>) -> Record<'a> {
        Record {
            name,
            cat: None,
            ph: "M",
            ts: None,
            dur: None,
            pid,
            tid,
            s: None,
            args,
        }
    }
}

impl<W: Write> ChromeTraceWriter<W> {
    /// Starts a trace on `out`; `clock` converts cycles to microseconds.
    pub fn new(mut out: W, clock: Clock) -> io::Result<ChromeTraceWriter<W>> {
        out.write_all(b"[")?;
        Ok(ChromeTraceWriter {
            out: Some(out),
            clock,
            first: true,
            tids: HashMap::new(),
            chips: BTreeSet::new(),
            error: None,
            events: 0,
        })
    }

    /// Trace events written so far (metadata included).
    pub fn events_written(&self) -> u64 {
        self.events
    }

    /// Closes the JSON array, flushes, and returns the writer, or the first error met.
    pub fn finish(mut self) -> io::Result<W> {
        let mut out = self
            .out
            .take()
            .ok_or_else(|| io::Error::other("finished twice"))?;
        if let Some(e) = self.error.take() {
            return Err(e);
        }
        out.write_all(b"\n]\n")?;
        out.flush()?;
        Ok(out)
    }

    fn us(&self, c: Cycle) -> f64 {
        self.clock.microseconds_f64(c)
    }

    fn write(&mut self, record: &Record<'_>) {
        if self.error.is_some() {
            return;
        }
        let Some(out) = self.out.as_mut() else {
            return;
        };
        let sep: &[u8] = if self.first { b"\n" } else { b",\n" };
        let result = out
            .write_all(sep)
            .and_then(|()| serde_json::to_writer(&mut *out, record).map_err(io::Error::from));
        match result {
            Ok(()) => {
                self.first = false;
                self.events += 1;
            }
            Err(e) => self.error = Some(e),
        }
    }

    /// The thread id of `track`, naming its process and thread on first sight.
    fn tid(&mut self, track: Track) -> u32 {
        if let Some(&t) = self.tids.get(&track) {
            return t;
        }
        if self.chips.insert(track.chip) {
            let name = format!("chip {}", track.chip);
            self.write(&Record::meta(
                "process_name",
                track.chip,
                0,
                RecordArgs::Name(&name),
            ));
            self.write(&Record::meta(
                "process_sort_index",
                track.chip,
                0,
                RecordArgs::SortIndex(u64::from(track.chip)),
            ));
        }
        // Thread 0 is left to the process; tracks number from 1 in order of first sight.
        let tid = u32::try_from(self.tids.len() + 1).unwrap_or(u32::MAX);
        self.tids.insert(track, tid);
        let name = track.to_string();
        self.write(&Record::meta(
            "thread_name",
            track.chip,
            tid,
            RecordArgs::Name(&name),
        ));
        // Chip-level units first, then tiles in order; within a tile, order of first sight.
        let tile_rank = track.tile.map_or(0, |t| u64::from(t) + 1);
        self.write(&Record::meta(
            "thread_sort_index",
            track.chip,
            tid,
            RecordArgs::SortIndex(tile_rank << 32 | u64::from(tid)),
        ));
        tid
    }
}

impl<W: Write> TraceSink for ChromeTraceWriter<W> {
    fn busy(&mut self, track: Track, name: &str, start: Cycle, end: Cycle, args: Args<'_>) {
        let tid = self.tid(track);
        let record = Record {
            name,
            cat: Some(track.unit),
            ph: "X",
            ts: Some(self.us(start)),
            dur: Some(self.us(end.since(start))),
            pid: track.chip,
            tid,
            s: None,
            args: if args.is_empty() {
                RecordArgs::None
            } else {
                RecordArgs::Values(args)
            },
        };
        self.write(&record);
    }

    fn instant(&mut self, track: Track, name: &str, at: Cycle, args: Args<'_>) {
        let tid = self.tid(track);
        let record = Record {
            name,
            cat: Some(track.unit),
            ph: "i",
            ts: Some(self.us(at)),
            dur: None,
            pid: track.chip,
            tid,
            s: Some("t"),
            args: if args.is_empty() {
                RecordArgs::None
            } else {
                RecordArgs::Values(args)
            },
        };
        self.write(&record);
    }

    fn counter(&mut self, track: Track, name: &str, at: Cycle, value: u64) {
        let tid = self.tid(track);
        let full = format!("{track} / {name}");
        let record = Record {
            name: &full,
            cat: Some(track.unit),
            ph: "C",
            ts: Some(self.us(at)),
            dur: None,
            pid: track.chip,
            tid,
            s: None,
            args: RecordArgs::Counter(value),
        };
        self.write(&record);
    }
}

impl<W: Write> Drop for ChromeTraceWriter<W> {
    /// Closes the array if [`ChromeTraceWriter::finish`] was not called; errors are ignored.
    fn drop(&mut self) {
        if let Some(mut out) = self.out.take() {
            if self.error.is_none() {
                let _ = out.write_all(b"\n]\n");
            }
            let _ = out.flush();
        }
    }
}
