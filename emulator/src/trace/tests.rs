use std::io::{self, Write};

use serde_json::Value;

use super::*;
use crate::time::Clock;

const DMA_IN: Track = Track::tile(0, 3, "dma-in");
const MATRIX: Track = Track::tile(0, 3, "matrix");
const HBM: Track = Track::chip(1, "hbm");

/// Sends the same small timeline to any sink.
fn timeline(sink: &mut impl TraceSink) {
    sink.busy(
        DMA_IN,
        "load",
        Cycle(1000),
        Cycle(3500),
        &[("bytes", Arg::U64(8192)), ("dtype", "bf16".into())],
    );
    sink.busy(MATRIX, "matmul", Cycle(3500), Cycle(4524), &[]);
    sink.instant(
        DMA_IN,
        "sem.inc",
        Cycle(3500),
        &[("sem", 2u32.into()), ("ok", true.into())],
    );
    sink.counter(HBM, "queue", Cycle(1200), 5);
}

#[test]
fn vec_sink_records_every_event_in_order() {
    let mut sink = VecSink::new();
    assert!(sink.enabled());
    timeline(&mut sink);
    assert_eq!(sink.events.len(), 4);
    let load = &sink.events[0];
    assert_eq!(load.track, DMA_IN);
    assert_eq!(load.name, "load");
    assert_eq!(
        load.kind,
        EventKind::Busy {
            start: Cycle(1000),
            end: Cycle(3500)
        }
    );
    assert_eq!(load.arg("bytes"), Some(&ArgValue::U64(8192)));
    assert_eq!(load.arg("dtype"), Some(&ArgValue::Str("bf16".into())));
    assert_eq!(load.arg("nope"), None);
    assert_eq!(sink.events[2].at(), Cycle(3500));
    assert_eq!(sink.events[2].arg("ok"), Some(&ArgValue::Bool(true)));
    assert_eq!(
        sink.events[3].kind,
        EventKind::Counter {
            at: Cycle(1200),
            value: 5
        }
    );
    assert_eq!(sink.on(DMA_IN).count(), 2);
    assert_eq!(sink.busy_cycles(DMA_IN), Cycle(2500));
    assert_eq!(sink.busy_cycles(MATRIX), Cycle(1024));
}

#[test]
fn sinks_work_through_references_and_boxes() {
    let mut inner = VecSink::new();
    {
        let mut by_ref: &mut VecSink = &mut inner;
        timeline(&mut by_ref);
    }
    let mut boxed: Box<dyn TraceSink> = Box::new(VecSink::new());
    timeline(&mut boxed);
    assert_eq!(inner.events.len(), 4);
    let mut null = NullSink;
    assert!(!null.enabled());
    timeline(&mut null);
}

#[test]
fn tracks_are_named_by_tile_and_unit() {
    assert_eq!(DMA_IN.to_string(), "tile 3 / dma-in");
    assert_eq!(HBM.to_string(), "hbm");
}

fn parse(bytes: &[u8]) -> Vec<Value> {
    let text = std::str::from_utf8(bytes).unwrap();
    match serde_json::from_str::<Value>(text).unwrap_or_else(|e| panic!("{e}\n{text}")) {
        Value::Array(events) => events,
        other => panic!("not an array: {other}"),
    }
}

#[test]
fn chrome_trace_with_no_events_is_an_empty_json_array() {
    let clock = Clock::from_ghz(1.0).unwrap();
    let w = ChromeTraceWriter::new(Vec::new(), clock).unwrap();
    let out = w.finish().unwrap();
    assert_eq!(parse(&out), Vec::<Value>::new());
}

#[test]
fn chrome_trace_names_chips_and_tracks_and_times_events_in_microseconds() {
    let clock = Clock::from_ghz(1.0).unwrap();
    let mut w = ChromeTraceWriter::new(Vec::new(), clock).unwrap();
    timeline(&mut w);
    let written = w.events_written();
    let events = parse(&w.finish().unwrap());
    assert_eq!(events.len() as u64, written);

    let find = |ph: &str, name: &str| -> Vec<&Value> {
        events
            .iter()
            .filter(|e| e["ph"] == ph && e["name"] == name)
            .collect()
    };
    // One process per chip, named.
    let processes = find("M", "process_name");
    let names: Vec<(&Value, &Value)> = processes
        .iter()
        .map(|e| (&e["pid"], &e["args"]["name"]))
        .collect();
    assert_eq!(
        names,
        vec![
            (&Value::from(0), &Value::from("chip 0")),
            (&Value::from(1), &Value::from("chip 1"))
        ]
    );
    // One thread per track, named "tile 3 / dma-in".
    let threads = find("M", "thread_name");
    assert_eq!(threads.len(), 3);
    let dma_thread = threads
        .iter()
        .find(|e| e["args"]["name"] == "tile 3 / dma-in")
        .expect("dma-in track");
    let dma_tid = dma_thread["tid"].clone();
    // The busy span: 1000..3500 cycles at 1 GHz is 1.0 µs for 2.5 µs.
    let load = find("X", "load");
    assert_eq!(load.len(), 1);
    let load = load[0];
    assert_eq!(load["ts"], 1.0);
    assert_eq!(load["dur"], 2.5);
    assert_eq!(load["pid"], 0);
    assert_eq!(load["tid"], dma_tid);
    assert_eq!(load["cat"], "dma-in");
    assert_eq!(load["args"]["bytes"], 8192);
    assert_eq!(load["args"]["dtype"], "bf16");
    let matmul = find("X", "matmul")[0];
    assert_ne!(matmul["tid"], dma_tid);
    assert!(matmul.get("args").is_none());
    // The instant, thread-scoped, on the same track.
    let inc = find("i", "sem.inc")[0];
    assert_eq!(inc["ts"], 3.5);
    assert_eq!(inc["s"], "t");
    assert_eq!(inc["tid"], dma_tid);
    assert_eq!(inc["args"]["ok"], true);
    // The counter, on chip 1.
    let queue = find("C", "hbm / queue")[0];
    assert_eq!(queue["pid"], 1);
    assert_eq!(queue["ts"], 1.2);
    assert_eq!(queue["args"]["value"], 5);
}

#[test]
fn chrome_trace_timestamps_follow_the_clock() {
    let clock = Clock::from_ghz(2.0).unwrap();
    let mut w = ChromeTraceWriter::new(Vec::new(), clock).unwrap();
    w.busy(MATRIX, "matmul", Cycle(3), Cycle(2003), &[]);
    let events = parse(&w.finish().unwrap());
    let matmul = events.iter().find(|e| e["ph"] == "X").unwrap();
    assert_eq!(matmul["ts"], 0.0015);
    assert_eq!(matmul["dur"], 1.0);
}

#[test]
fn dropping_an_unfinished_chrome_trace_still_closes_the_array() {
    let clock = Clock::from_ghz(1.0).unwrap();
    let mut buf = Vec::new();
    {
        let mut w = ChromeTraceWriter::new(&mut buf, clock).unwrap();
        timeline(&mut w);
    }
    assert!(parse(&buf).len() > 4);
}

/// Accepts `budget` bytes, then fails.
struct Failing {
    budget: usize,
}

impl Write for Failing {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if self.budget == 0 {
            return Err(io::Error::other("disk full"));
        }
        let n = buf.len().min(self.budget);
        self.budget -= n;
        Ok(n)
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

#[test]
fn a_write_error_is_reported_by_finish() {
    let clock = Clock::from_ghz(1.0).unwrap();
    let mut w = ChromeTraceWriter::new(Failing { budget: 64 }, clock).unwrap();
    timeline(&mut w);
    let e = w.finish().err().expect("error reported");
    assert_eq!(e.to_string(), "disk full");
}

#[test]
fn a_trace_buffer_hands_over_every_event_as_reported_and_only_when_on() {
    let mut direct = VecSink::new();
    timeline(&mut direct);
    let mut buffer = TraceBuffer::default();
    assert!(!buffer.enabled(), "off until the run's sink is on");
    buffer.keep(true);
    timeline(&mut buffer);
    let mut replayed = VecSink::new();
    buffer.flush(&mut replayed);
    assert_eq!(replayed, direct);
    let mut again = VecSink::new();
    buffer.flush(&mut again);
    assert!(again.events.is_empty(), "a flush empties the buffer");
}
