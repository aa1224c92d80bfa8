//! Where `--load` and `--dump` reach: an address or a symbol (`data`, `data+64`), after an
//! optional `chipN:` and `tileN:` naming the chip and tile, or `chip*:` and `tile*:` for every
//! one of them (a dump stacks them, the chips outermost).

use emulator::{MemoryMap, Program};
use isa::memory_map::{ChipSel, Location, Memory, TileSel};

use super::sim::parse_address;

/// Which chips or tiles a prefix picks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Pick {
    /// No prefix: as the address itself says.
    Given,
    /// `chipN:` or `tileN:`.
    One(u32),
    /// `chip*:` or `tile*:`.
    Every,
}

/// A place on the command line.
#[derive(Clone, Debug)]
pub struct Place {
    chip: Pick,
    tile: Pick,
    /// The address, as a global address before the prefixes apply.
    addr: u64,
    /// The symbol it names, with the offset from it.
    symbol: Option<(String, u64)>,
}

/// Reads `chip3:`, `tile*:` and the like off the front of `text`.
fn prefix<'a>(text: &'a str, word: &str) -> Result<(Pick, &'a str), String> {
    let Some(rest) = text.strip_prefix(word) else {
        return Ok((Pick::Given, text));
    };
    let Some((which, rest)) = rest.split_once(':') else {
        return Ok((Pick::Given, text));
    };
    if which == "*" {
        return Ok((Pick::Every, rest));
    }
    if which.is_empty() || !which.bytes().all(|b| b.is_ascii_digit()) {
        // A symbol that starts with the word (`chipset`), not a prefix.
        return Ok((Pick::Given, text));
    }
    let n = which
        .parse()
        .map_err(|_| format!("`{word}{which}`: no such {word}"))?;
    Ok((Pick::One(n), rest))
}

impl Place {
    /// Parses `[chipN:|chip*:][tileN:|tile*:]ADDR`, ADDR a number or a symbol of `program`.
    pub fn parse(text: &str, program: &Program) -> Result<Place, String> {
        let (chip, rest) = prefix(text, "chip")?;
        let (tile, rest) = prefix(rest, "tile")?;
        let addr = parse_address(rest, program)?;
        // A symbol, with the offset from it (`data+64`), for the room left in it.
        let name = rest.split(['+', '-']).next().unwrap_or("").trim();
        let symbol = program
            .addresses
            .get(name)
            .map(|&a| (name.to_string(), addr.wrapping_sub(a)));
        Ok(Place {
            chip,
            tile,
            addr,
            symbol,
        })
    }

    /// The bytes from the place to the end of the symbol it names, when known.
    pub fn room(&self, program: &Program) -> Option<(String, u64)> {
        let (name, offset) = self.symbol.as_ref()?;
        let extent = *program.extents.get(name)?;
        Some((name.clone(), extent.saturating_sub(*offset)))
    }

    /// The global address of each chip and tile the place picks, chips outermost, and the sizes
    /// of the stacked dimensions (`chip*` then `tile*`).
    pub fn addresses(&self, map: &MemoryMap) -> Result<(Vec<u64>, Vec<u64>), String> {
        let at = Location::decode(self.addr).map_err(|e| e.to_string())?;
        let per_tile = matches!(at.memory, Memory::Spad | Memory::Acc);
        if self.tile != Pick::Given && !per_tile {
            return Err(format!(
                "{} belongs to the chip, not to a tile: drop `tile…:`",
                at.memory.name()
            ));
        }
        if at.memory == Memory::Imem && self.chip != Pick::Given {
            return Err("instruction memory is not named by chip".to_string());
        }
        let named_chip = match at.chip {
            ChipSel::Id(c) => Some(c),
            ChipSel::Own => None,
        };
        let named_tile = match at.tile {
            TileSel::Id(t) => Some(t),
            TileSel::Own => None,
        };
        let chips = picks(self.chip, named_chip, map.chips, "chip")?;
        let tiles = if per_tile {
            picks(self.tile, named_tile, map.tiles, "tile")?
        } else {
            vec![None]
        };
        let mut out = Vec::with_capacity(chips.len() * tiles.len());
        for &chip in &chips {
            for &tile in &tiles {
                let location = Location {
                    chip: chip.map_or(at.chip, ChipSel::Id),
                    tile: tile.map_or(at.tile, TileSel::Id),
                    ..at
                };
                out.push(location.encode().map_err(|e| e.to_string())?);
            }
        }
        let mut stack = Vec::new();
        if self.chip == Pick::Every {
            stack.push(chips.len() as u64);
        }
        if self.tile == Pick::Every {
            stack.push(tiles.len() as u64);
        }
        Ok((out, stack))
    }
}

/// The numbers a pick gives (`None`: as the address says), checked against `count`; an address
/// that names one already cannot be picked again.
fn picks(
    pick: Pick,
    named: Option<u32>,
    count: u32,
    word: &str,
) -> Result<Vec<Option<u32>>, String> {
    match (pick, named) {
        (Pick::Given, _) => Ok(vec![None]),
        (_, Some(n)) => Err(format!(
            "the address already names {word} {n}: give the {word} once"
        )),
        (Pick::One(n), None) if n < count => Ok(vec![Some(n)]),
        (Pick::One(n), None) => Err(format!(
            "{word} {n} does not exist: the system has {count} {word}s (0 to {})",
            count - 1
        )),
        (Pick::Every, None) => Ok((0..count).map(Some).collect()),
    }
}
