//! The link fabric (`fabric.impl = "link"`): messages cross directed links hop by hop, cut
//! through, each link a shared bandwidth with a latency, each of its virtual channels a buffer
//! at the far end guarded by credits. docs/fabric.md gives the model and its formula.
//!
//! A packet is cut into messages of at most `max_message` bytes of data; each carries
//! `overhead` bytes more on every link. A message waiting at a node for a link takes it once
//! the buffer of its VC there has room for it (its credits) and its turn on the wire comes;
//! its head then leaves at once and its tail follows at the wire's pace, or the pace at which
//! it arrives, whichever is slower. Its head reaches the next node the link's latency later,
//! plus that node's hop latency if it is a switch. The buffer it held before frees when its
//! tail has left it, and the sender hears so a link latency later (the credit's way back).
//! The packet is handed over when the tail of its last message has arrived.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap, VecDeque};
use std::sync::Arc;

use crate::network::Fabric;
use crate::sim::message::Packet;
use crate::sim::server::Server;
use crate::time::Cycle;

use super::route::{Hop, Routes};
use super::topology::Topology;

/// The sizes that shape the link model.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Params {
    /// Data bytes a message carries at most (`fabric.max_message_bytes`).
    pub max_message: u64,
    /// Bytes each message adds on every link (`fabric.message_overhead_bytes`).
    pub overhead: u64,
    /// Bytes of buffer each VC of a link has at its far end (`fabric.buffer_bytes`), at least
    /// `max_message + overhead`.
    pub buffer: u64,
}

/// What one link has carried.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct LinkCounters {
    /// Bytes on the wire, overhead included.
    pub bytes: u64,
    /// Messages.
    pub messages: u64,
    /// Whole cycles the wire was busy (its share of bytes ÷ bandwidth, summed exactly).
    pub busy_cycles: u64,
    /// Messages that found their VC's buffer full and waited for credits.
    pub credit_stalls: u64,
    /// The most bytes any VC's buffer held or had promised at once.
    pub peak_buffered: u64,
}

/// A message in the fabric.
#[derive(Debug)]
struct Message {
    /// Its packet, in [`LinkFabric::packets`].
    packet: u32,
    /// Its bytes on a wire.
    wire: u64,
    route: Arc<[Hop]>,
    /// Links crossed so far.
    hop: usize,
    /// When its tail is at the node it waits at.
    tail: Cycle,
    /// Counted as stalled at this node already.
    stalled: bool,
}

/// Something the fabric does at a cycle.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Event {
    /// A message's head reaches a node it leaves again.
    Arrive(u32),
    /// A message's tail reaches its destination chip.
    Deliver(u32),
    /// Credits for `bytes` come back to the sender of a link's VC.
    Credit { hop: Hop, bytes: u64 },
}

/// One directed link's state.
#[derive(Debug)]
struct LinkState {
    wire: Server,
    /// Ticks a byte costs, and ticks in a cycle (`Bandwidth` as a fraction).
    per_byte: u64,
    per_cycle: u64,
    busy_ticks: u128,
    /// Per VC: bytes its far buffer holds or has promised, and the messages waiting for it.
    used: Vec<u64>,
    waiting: Vec<VecDeque<u32>>,
    counters: LinkCounters,
}

/// Chips joined by links.
#[derive(Debug)]
pub struct LinkFabric {
    topology: Arc<Topology>,
    routes: Routes,
    params: Params,
    /// Routes taken so far, by (source, destination).
    known: HashMap<(u32, u32), Arc<[Hop]>>,
    links: Vec<LinkState>,
    messages: Vec<Option<Message>>,
    free_messages: Vec<u32>,
    /// Packets in flight and how many of their messages have not arrived.
    packets: Vec<Option<(Packet, u64)>>,
    free_packets: Vec<u32>,
    events: BinaryHeap<Reverse<(Cycle, u64, Event)>>,
    seq: u64,
}

impl LinkFabric {
    /// The fabric of `topology`.
    pub fn new(topology: Arc<Topology>, params: Params) -> LinkFabric {
        let routes = Routes::new(&topology);
        let links = topology
            .links
            .iter()
            .map(|l| LinkState {
                wire: Server::new(Some(l.bandwidth)),
                per_byte: l.bandwidth.cycles(),
                per_cycle: l.bandwidth.bytes(),
                busy_ticks: 0,
                used: Vec::new(),
                waiting: Vec::new(),
                counters: LinkCounters::default(),
            })
            .collect();
        LinkFabric {
            topology,
            routes,
            params,
            known: HashMap::new(),
            links,
            messages: Vec::new(),
            free_messages: Vec::new(),
            packets: Vec::new(),
            free_packets: Vec::new(),
            events: BinaryHeap::new(),
            seq: 0,
        }
    }

    /// Its topology.
    pub fn topology(&self) -> &Topology {
        &self.topology
    }

    /// What each link has carried, by link number.
    pub fn counters(&self) -> Vec<LinkCounters> {
        self.links
            .iter()
            .map(|l| LinkCounters {
                busy_cycles: u64::try_from(l.busy_ticks / u128::from(l.per_cycle))
                    .unwrap_or(u64::MAX),
                ..l.counters
            })
            .collect()
    }

    fn at(&mut self, t: Cycle, e: Event) {
        self.seq += 1;
        self.events.push(Reverse((t, self.seq, e)));
    }

    fn route(&mut self, src: u32, dst: u32) -> Arc<[Hop]> {
        let (t, r) = (&self.topology, &self.routes);
        self.known
            .entry((src, dst))
            .or_insert_with(|| r.route(t, src, dst).into())
            .clone()
    }

    /// Queues message `id` for its next link at `now`, and starts what can start.
    fn wait(&mut self, id: u32, now: Cycle) {
        let Some(m) = &self.messages[id as usize] else {
            return;
        };
        let hop = m.route[m.hop];
        let link = &mut self.links[hop.link as usize];
        let vc = usize::from(hop.vc);
        if link.waiting.len() <= vc {
            link.waiting.resize_with(vc + 1, VecDeque::new);
            link.used.resize(vc + 1, 0);
        }
        link.waiting[vc].push_back(id);
        self.start(hop, now);
    }

    /// Starts the messages waiting for `hop`'s link and VC, in order, while its buffer has
    /// room for them.
    fn start(&mut self, hop: Hop, now: Cycle) {
        let (l, vc) = (hop.link as usize, usize::from(hop.vc));
        while let Some(&id) = self.links[l].waiting[vc].front() {
            let Some(m) = self.messages[id as usize].as_mut() else {
                self.links[l].waiting[vc].pop_front();
                continue;
            };
            let link = &mut self.links[l];
            if link.used[vc] + m.wire > self.params.buffer {
                if !std::mem::replace(&mut m.stalled, true) {
                    link.counters.credit_stalls += 1;
                }
                return;
            }
            link.waiting[vc].pop_front();
            link.used[vc] += m.wire;
            let c = &mut link.counters;
            c.peak_buffered = c.peak_buffered.max(link.used[vc]);
            c.bytes += m.wire;
            c.messages += 1;
            link.busy_ticks += u128::from(m.wire) * u128::from(link.per_byte);
            let (head, lag) = link.wire.pass(now, m.tail.since(now).get(), m.wire);
            let spec = self.topology.links[l];
            let tail_left = head + lag;
            let wire = m.wire;
            let previous = m.hop.checked_sub(1).map(|h| m.route[h]);
            m.hop += 1;
            m.stalled = false;
            let delay = spec.latency + self.topology.hop_latency(spec.to);
            m.tail = tail_left + delay;
            let (done, tail) = (m.hop == m.route.len(), m.tail);
            if let Some(p) = previous {
                // The buffer before this link empties as the tail leaves it.
                let back = self.topology.links[p.link as usize].latency;
                self.at(
                    tail_left + back,
                    Event::Credit {
                        hop: p,
                        bytes: wire,
                    },
                );
            }
            if done {
                self.at(tail, Event::Deliver(id));
            } else {
                self.at(head + delay, Event::Arrive(id));
            }
        }
    }

    /// Message `id` is all at its destination at `now`.
    fn deliver(&mut self, id: u32, now: Cycle, out: &mut Vec<Packet>) {
        let Some(m) = self.messages[id as usize].take() else {
            return;
        };
        self.free_messages.push(id);
        if let Some(&last) = m.route.last() {
            let back = self.topology.links[last.link as usize].latency;
            self.at(
                now + back,
                Event::Credit {
                    hop: last,
                    bytes: m.wire,
                },
            );
        }
        let slot = &mut self.packets[m.packet as usize];
        if let Some((_, left)) = slot {
            *left -= 1;
            if *left == 0
                && let Some((mut p, _)) = slot.take()
            {
                p.lag = 0;
                out.push(p);
                self.free_packets.push(m.packet);
            }
        }
    }

    fn new_message(&mut self, m: Message) -> u32 {
        match self.free_messages.pop() {
            Some(id) => {
                self.messages[id as usize] = Some(m);
                id
            }
            None => {
                self.messages.push(Some(m));
                (self.messages.len() - 1) as u32
            }
        }
    }
}

impl Fabric for LinkFabric {
    fn send(&mut self, now: Cycle, packet: Packet) {
        let route = self.route(packet.from_chip, packet.to.chip());
        let pieces = packet.bytes.div_ceil(self.params.max_message).max(1);
        let (bytes, lag) = (packet.bytes, packet.lag);
        let slot = match self.free_packets.pop() {
            Some(i) => {
                self.packets[i as usize] = Some((packet, pieces));
                i
            }
            None => {
                self.packets.push(Some((packet, pieces)));
                (self.packets.len() - 1) as u32
            }
        };
        for k in 0..pieces {
            let data = (bytes - k * self.params.max_message).min(self.params.max_message);
            let id = self.new_message(Message {
                packet: slot,
                wire: data + self.params.overhead,
                route: route.clone(),
                hop: 0,
                tail: now + lag,
                stalled: false,
            });
            if route.is_empty() {
                self.at(now + 1, Event::Deliver(id));
            } else {
                self.wait(id, now);
            }
        }
    }

    fn evaluate(&mut self, now: Cycle, out: &mut Vec<Packet>) {
        while let Some(&Reverse((t, _, e))) = self.events.peek() {
            if t > now {
                break;
            }
            self.events.pop();
            match e {
                Event::Arrive(id) => self.wait(id, t),
                Event::Deliver(id) => self.deliver(id, t, out),
                Event::Credit { hop, bytes } => {
                    let used = &mut self.links[hop.link as usize].used[usize::from(hop.vc)];
                    *used -= bytes;
                    self.start(hop, t);
                }
            }
        }
    }

    fn next_wake(&self) -> Option<Cycle> {
        self.events.peek().map(|Reverse((t, _, _))| *t)
    }

    fn ends_at_port(&self) -> bool {
        true
    }
}
