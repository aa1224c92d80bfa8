//! Where every endpoint of a chip sits on its mesh: tiles in a block inside the rim, HBM
//! controllers on the west and east edges, L2 slices on the north and south edges, fabric ports
//! at the four corners (docs/network.md, "Floorplan").

use core::fmt;

use crate::config::Resolved;

/// What is attached to a router.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Site {
    /// Nothing.
    Empty,
    /// A tile.
    Tile(u32),
    /// An HBM stack's controller.
    Hbm(u32),
    /// An L2 slice.
    L2(u32),
    /// A port to the chip-to-chip fabric.
    Fabric(u32),
}

/// The routers of each kind of endpoint on a `cols × rows` mesh.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Floorplan {
    /// Routers per row.
    pub cols: u32,
    /// Rows.
    pub rows: u32,
    /// Router of each tile.
    pub tiles: Vec<u32>,
    /// Router of each HBM controller.
    pub hbm: Vec<u32>,
    /// Router of each L2 slice.
    pub l2: Vec<u32>,
    /// Router of each fabric port.
    pub fabric: Vec<u32>,
}

/// `n` places spread evenly over `slots` slots: the slot of each.
fn spread(n: u32, slots: u32) -> impl Iterator<Item = u32> {
    (0..n).map(move |i| (2 * i + 1) * slots / (2 * n))
}

impl Floorplan {
    /// The floorplan of a chip, or what does not fit (the key to change, and why).
    pub fn of(c: &Resolved) -> Result<Floorplan, (&'static str, String)> {
        let cfg = &c.config;
        Floorplan::new(
            cfg.noc.cols,
            cfg.noc.rows,
            (cfg.chip.tiles_x, cfg.chip.tiles_y),
            cfg.hbm.stacks,
            cfg.l2.slices,
        )
    }

    /// `tiles` in a block inside the rim from (1, 1), row by row, `hbm` controllers split between the west and
    /// east edges, `l2` slices between the north and south edges, a fabric port at each corner.
    pub fn new(
        cols: u32,
        rows: u32,
        (tx, ty): (u32, u32),
        hbm: u32,
        l2: u32,
    ) -> Result<Floorplan, (&'static str, String)> {
        if cols < tx + 2 {
            return Err((
                "noc.cols",
                format!(
                    "{tx} tile columns and the rim need at least {} routers per row",
                    tx + 2
                ),
            ));
        }
        if rows < ty + 2 {
            return Err((
                "noc.rows",
                format!("{ty} tile rows and the rim need at least {} rows", ty + 2),
            ));
        }
        let edge_y = rows - 2;
        let edge_x = cols - 2;
        if hbm > 2 * edge_y {
            return Err((
                "noc.rows",
                format!(
                    "{hbm} HBM controllers on the west and east edges need {} rows",
                    hbm.div_ceil(2) + 2
                ),
            ));
        }
        if l2 > 2 * edge_x {
            return Err((
                "noc.cols",
                format!(
                    "{l2} L2 slices on the north and south edges need {} columns",
                    l2.div_ceil(2) + 2
                ),
            ));
        }
        let node = |x: u32, y: u32| y * cols + x;
        let (ox, oy) = (1, 1);
        let tiles = (0..tx * ty)
            .map(|t| node(ox + t % tx, oy + t / tx))
            .collect();
        let west = hbm.div_ceil(2);
        let hbm_nodes = spread(west, edge_y)
            .map(|s| node(0, 1 + s))
            .chain(spread(hbm - west, edge_y).map(|s| node(cols - 1, 1 + s)))
            .collect();
        let north = l2.div_ceil(2);
        let l2_nodes = spread(north, edge_x)
            .map(|s| node(1 + s, 0))
            .chain(spread(l2 - north, edge_x).map(|s| node(1 + s, rows - 1)))
            .collect();
        let fabric = vec![
            node(0, 0),
            node(cols - 1, 0),
            node(0, rows - 1),
            node(cols - 1, rows - 1),
        ];
        Ok(Floorplan {
            cols,
            rows,
            tiles,
            hbm: hbm_nodes,
            l2: l2_nodes,
            fabric,
        })
    }

    /// What sits at router `node`.
    pub fn site(&self, node: u32) -> Site {
        let find = |v: &[u32]| v.iter().position(|&n| n == node).map(|i| i as u32);
        if let Some(i) = find(&self.tiles) {
            Site::Tile(i)
        } else if let Some(i) = find(&self.hbm) {
            Site::Hbm(i)
        } else if let Some(i) = find(&self.l2) {
            Site::L2(i)
        } else if let Some(i) = find(&self.fabric) {
            Site::Fabric(i)
        } else {
            Site::Empty
        }
    }
}

impl fmt::Display for Floorplan {
    /// The mesh as a grid, north up: `T3` tile 3, `H0` HBM controller 0, `L5` L2 slice 5,
    /// `F1` fabric port 1, `.` nothing.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for y in 0..self.rows {
            let cells: Vec<String> = (0..self.cols)
                .map(|x| match self.site(y * self.cols + x) {
                    Site::Empty => ".".to_string(),
                    Site::Tile(i) => format!("T{i}"),
                    Site::Hbm(i) => format!("H{i}"),
                    Site::L2(i) => format!("L{i}"),
                    Site::Fabric(i) => format!("F{i}"),
                })
                .collect();
            let line: Vec<String> = cells.iter().map(|c| format!("{c:>4}")).collect();
            writeln!(f, "{}", line.join(""))?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zw1_puts_tiles_inside_and_memories_and_fabric_ports_on_the_rim() {
        let c = crate::config::Config::zw1().resolve().unwrap();
        let f = Floorplan::of(&c).unwrap();
        let text = f.to_string();
        assert_eq!(
            text,
            "  F0  L0  L1  L2  L3  F1\n  H0  T0  T1  T2  T3  H3\n   .  T4  T5  T6  T7   .\n  H1  T8  T9 T10 T11  H4\n  H2 T12 T13 T14 T15  H5\n  F2  L4  L5  L6  L7  F3\n",
            "{text}"
        );
        let mut all: Vec<u32> = [&f.tiles, &f.hbm, &f.l2, &f.fabric]
            .into_iter()
            .flatten()
            .copied()
            .collect();
        all.sort();
        all.dedup();
        assert_eq!(all.len(), 16 + 6 + 8 + 4, "no two endpoints share a router");
    }

    #[test]
    fn a_mesh_too_small_is_refused_naming_the_key() {
        assert_eq!(
            Floorplan::new(5, 6, (4, 4), 6, 8).unwrap_err().0,
            "noc.cols"
        );
        assert_eq!(
            Floorplan::new(6, 5, (4, 4), 6, 8).unwrap_err().0,
            "noc.rows"
        );
        assert_eq!(
            Floorplan::new(6, 6, (4, 4), 10, 8).unwrap_err().0,
            "noc.rows"
        );
        assert_eq!(
            Floorplan::new(6, 6, (4, 4), 6, 10).unwrap_err().0,
            "noc.cols"
        );
    }
}
