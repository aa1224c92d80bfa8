//! Flits: the units a packet is cut into, one per link per cycle.

use crate::time::Cycle;

/// Flits of a packet carrying `bytes` bytes of data over flits of `flit_bytes` bytes: a head
/// flit (the header) and `ceil(bytes / flit_bytes)` body flits.
pub fn flits_for(bytes: u64, flit_bytes: u32) -> u32 {
    let body = bytes.div_ceil(u64::from(flit_bytes.max(1)));
    u32::try_from(body).unwrap_or(u32::MAX - 1) + 1
}

/// One flit in a router's input buffer or on a link.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Flit {
    /// The packet it belongs to (an index into the network's packet table).
    pub packet: u32,
    /// The (x, y) of the router it is going to.
    pub dst: (u16, u16),
    /// Its virtual network.
    pub vnet: u8,
    /// The first flit of its packet (it allocates the virtual channels on its way).
    pub head: bool,
    /// The last flit of its packet (it frees them).
    pub tail: bool,
    /// The first cycle it may cross the switch of the router it is in.
    pub ready: Cycle,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_header_is_one_flit_and_data_adds_ceil_bytes_over_flit_bytes() {
        assert_eq!(flits_for(0, 128), 1);
        assert_eq!(flits_for(1, 128), 2);
        assert_eq!(flits_for(128, 128), 2);
        assert_eq!(flits_for(129, 128), 3);
        assert_eq!(flits_for(256, 128), 3);
    }
}
