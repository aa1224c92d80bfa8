//! The address mapping: which parts of a byte address within the HBM select the stack, channel,
//! pseudo-channel, bank group, bank, row and column of a burst.
//!
//! An address is first divided by the burst size (the low bits pick a byte within a burst).
//! The burst number is then read as a mixed-radix number whose digits are the fields, named most
//! significant first: `"ro-ba-co-bg-st-ch-pc"` has the pseudo-channel in the lowest digit (so
//! consecutive bursts go to consecutive pseudo-channels), then the channel, the stack, the bank
//! group, the column, the bank and the row. Each field's radix is its count (6 stacks make a
//! digit of radix 6, so a non-power-of-two stack count interleaves too). A field may be split
//! into parts of given bits (`co2` is two bits of the column); the parts of a split field give
//! the field's bits from the most significant part down.

use core::fmt;

/// A field of an address.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Field {
    /// The stack (`st`).
    Stack,
    /// The channel within a stack (`ch`).
    Channel,
    /// The pseudo-channel within a channel (`pc`).
    PseudoChannel,
    /// The bank group within a pseudo-channel (`bg`).
    BankGroup,
    /// The bank within a bank group (`ba`).
    Bank,
    /// The row within a bank (`ro`).
    Row,
    /// The column within a row, in bursts (`co`).
    Column,
}

const FIELDS: [Field; 7] = [
    Field::Stack,
    Field::Channel,
    Field::PseudoChannel,
    Field::BankGroup,
    Field::Bank,
    Field::Row,
    Field::Column,
];

impl Field {
    /// Its short name in a mapping.
    pub const fn short(self) -> &'static str {
        match self {
            Field::Stack => "st",
            Field::Channel => "ch",
            Field::PseudoChannel => "pc",
            Field::BankGroup => "bg",
            Field::Bank => "ba",
            Field::Row => "ro",
            Field::Column => "co",
        }
    }
}

/// The named mappings and the fields they stand for.
pub const NAMED: [(&str, &str); 2] = [
    // Consecutive bursts spread over every pseudo-channel, channel and stack, then alternate bank
    // groups (tCCD_S rather than tCCD_L between a pseudo-channel's consecutive bursts).
    ("channel-interleaved", "ro-ba-co-bg-st-ch-pc"),
    // Each pseudo-channel holds one contiguous range: row, bank, bank group, column.
    ("row-bank-column", "st-ch-pc-ro-ba-bg-co"),
];

/// How many of each field there are.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Geometry {
    /// Stacks.
    pub stacks: u64,
    /// Channels per stack.
    pub channels: u64,
    /// Pseudo-channels per channel.
    pub pseudo_channels: u64,
    /// Bank groups per pseudo-channel.
    pub bank_groups: u64,
    /// Banks per bank group.
    pub banks: u64,
    /// Rows per bank.
    pub rows: u64,
    /// Bursts per row.
    pub columns: u64,
    /// Bytes per burst (a power of two).
    pub burst_bytes: u64,
}

impl Geometry {
    /// How many values `f` takes.
    pub const fn count(&self, f: Field) -> u64 {
        match f {
            Field::Stack => self.stacks,
            Field::Channel => self.channels,
            Field::PseudoChannel => self.pseudo_channels,
            Field::BankGroup => self.bank_groups,
            Field::Bank => self.banks,
            Field::Row => self.rows,
            Field::Column => self.columns,
        }
    }

    /// Bytes addressed.
    pub fn bytes(&self) -> u64 {
        FIELDS.iter().map(|&f| self.count(f)).product::<u64>() * self.burst_bytes
    }
}

/// Where a burst goes.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Location {
    /// The channel, counted over every stack (`stack × channels + channel`).
    pub channel: u32,
    /// The pseudo-channel within it.
    pub pseudo_channel: u32,
    /// The bank group.
    pub bank_group: u32,
    /// The bank within its group.
    pub bank: u32,
    /// The row.
    pub row: u32,
    /// The column, in bursts.
    pub column: u32,
}

/// One digit of the mixed-radix burst number.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Part {
    field: Field,
    /// Values of this digit.
    radix: u64,
    /// Where its value goes within the field (the bits of less significant parts below it).
    shift: u32,
}

/// A mapping that does not cover the address.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MappingError(pub String);

impl fmt::Display for MappingError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A resolved address mapping.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Mapping {
    /// The digits, least significant first.
    parts: Vec<Part>,
    geometry: Geometry,
    /// log2 of the burst size.
    burst_shift: u32,
}

impl Mapping {
    /// Parses `spec` (a name of [`NAMED`], or fields most significant first, `-` between them)
    /// for `g`.
    pub fn new(spec: &str, g: Geometry) -> Result<Mapping, MappingError> {
        let fields = NAMED
            .iter()
            .find(|(name, _)| *name == spec)
            .map_or(spec, |(_, fields)| fields);
        if !g.burst_bytes.is_power_of_two() {
            return Err(MappingError(format!(
                "the burst of {} bytes is not a power of two",
                g.burst_bytes
            )));
        }
        if let Some(f) = FIELDS.iter().find(|&&f| g.count(f) == 0) {
            return Err(MappingError(format!("there are no {} values", f.short())));
        }
        // Parse, most significant first.
        let mut parsed: Vec<(Field, Option<u32>)> = Vec::new();
        for word in fields.split('-') {
            let split = word
                .find(|c: char| c.is_ascii_digit())
                .unwrap_or(word.len());
            let (name, bits) = word.split_at(split);
            let field = FIELDS
                .iter()
                .copied()
                .find(|f| f.short() == name)
                .ok_or_else(|| {
                    MappingError(format!(
                        "`{word}` is not a field (st, ch, pc, bg, ba, ro, co, each optionally \
                     followed by a bit count) nor one of {}",
                        NAMED.map(|(n, _)| format!("\"{n}\"")).join(", ")
                    ))
                })?;
            let bits =
                match bits {
                    "" => None,
                    b => Some(b.parse::<u32>().ok().filter(|&b| b <= 63).ok_or_else(|| {
                        MappingError(format!("`{word}`: `{b}` is not a bit count"))
                    })?),
                };
            parsed.push((field, bits));
        }
        // Each field covered exactly.
        for f in FIELDS {
            let parts: Vec<Option<u32>> = parsed
                .iter()
                .filter(|(p, _)| *p == f)
                .map(|(_, b)| *b)
                .collect();
            let count = g.count(f);
            match parts.as_slice() {
                [] => {
                    return Err(MappingError(format!(
                        "`{fields}` has no `{}` field",
                        f.short()
                    )));
                }
                [None] => {}
                _ => {
                    let Some(total) = parts.iter().copied().sum::<Option<u32>>() else {
                        return Err(MappingError(format!(
                            "`{}` appears more than once: give each part its bits",
                            f.short()
                        )));
                    };
                    if !count.is_power_of_two() || 1u64 << total.min(63) != count {
                        return Err(MappingError(format!(
                            "the parts of `{}` cover {total} bits, but there are {count} values",
                            f.short()
                        )));
                    }
                }
            }
        }
        // Digits, least significant first; a split field fills from its lowest part up.
        let mut used = [0u32; 7];
        let mut parts = Vec::with_capacity(parsed.len());
        for &(field, bits) in parsed.iter().rev() {
            let slot = &mut used[FIELDS.iter().position(|&f| f == field).unwrap_or(0)];
            let radix = bits.map_or(g.count(field), |b| 1u64 << b);
            parts.push(Part {
                field,
                radix,
                shift: *slot,
            });
            *slot += bits.unwrap_or(0);
        }
        Ok(Mapping {
            parts,
            geometry: g,
            burst_shift: g.burst_bytes.trailing_zeros(),
        })
    }

    /// The geometry it maps.
    pub fn geometry(&self) -> &Geometry {
        &self.geometry
    }

    /// The burst number of byte `addr`.
    #[inline]
    pub fn burst(&self, addr: u64) -> u64 {
        addr >> self.burst_shift
    }

    /// Where burst number `n` goes.
    #[inline]
    pub fn locate(&self, mut n: u64) -> Location {
        let mut v = [0u64; 7];
        for p in &self.parts {
            let digit = if p.radix.is_power_of_two() {
                let d = n & (p.radix - 1);
                n >>= p.radix.trailing_zeros();
                d
            } else {
                let d = n % p.radix;
                n /= p.radix;
                d
            };
            v[p.field as usize] |= digit << p.shift;
        }
        let g = &self.geometry;
        Location {
            channel: (v[Field::Stack as usize] * g.channels + v[Field::Channel as usize]) as u32,
            pseudo_channel: v[Field::PseudoChannel as usize] as u32,
            bank_group: v[Field::BankGroup as usize] as u32,
            bank: v[Field::Bank as usize] as u32,
            row: v[Field::Row as usize] as u32,
            column: v[Field::Column as usize] as u32,
        }
    }

    /// The first byte of the burst at `l` (the inverse of [`Mapping::locate`]).
    pub fn address(&self, l: &Location) -> u64 {
        let g = &self.geometry;
        let mut v = [0u64; 7];
        v[Field::Stack as usize] = u64::from(l.channel) / g.channels;
        v[Field::Channel as usize] = u64::from(l.channel) % g.channels;
        v[Field::PseudoChannel as usize] = u64::from(l.pseudo_channel);
        v[Field::BankGroup as usize] = u64::from(l.bank_group);
        v[Field::Bank as usize] = u64::from(l.bank);
        v[Field::Row as usize] = u64::from(l.row);
        v[Field::Column as usize] = u64::from(l.column);
        let mut n = 0u64;
        for p in self.parts.iter().rev() {
            let digit = (v[p.field as usize] >> p.shift) % p.radix;
            n = n * p.radix + digit;
        }
        n << self.burst_shift
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn zw1() -> Geometry {
        // 6 stacks × 8 channels × 2 pseudo-channels × 4 × 4 banks × 1 KiB rows of 32 B bursts:
        // 16 GiB a stack.
        Geometry {
            stacks: 6,
            channels: 8,
            pseudo_channels: 2,
            bank_groups: 4,
            banks: 4,
            rows: 16 << 30 >> 10 >> 8,
            columns: 32,
            burst_bytes: 32,
        }
    }

    #[test]
    fn channel_interleaved_spreads_consecutive_bursts_over_pseudo_channels_then_channels() {
        let m = Mapping::new("channel-interleaved", zw1()).unwrap();
        let l = |a| m.locate(m.burst(a));
        assert_eq!(l(0), Location::default());
        assert_eq!(l(31), Location::default());
        assert_eq!(l(32).pseudo_channel, 1);
        assert_eq!(l(64).channel, 1);
        // 6 stacks × 8 channels × 2 pseudo-channels × 32 B = 3 KiB, then the next bank group.
        assert_eq!(l(3 << 10).bank_group, 1);
        assert_eq!(l(3 << 10).channel, 0);
        assert_eq!(l((3 << 10) * 4).column, 1);
        assert_eq!(l((3 << 10) * 4 * 32).bank, 1);
        assert_eq!(zw1().bytes(), 96 << 30);
    }

    #[test]
    fn row_bank_column_keeps_a_row_contiguous_in_one_pseudo_channel() {
        let m = Mapping::new("row-bank-column", zw1()).unwrap();
        let l = |a| m.locate(m.burst(a));
        assert_eq!(l(1023).column, 31);
        assert_eq!(l(1023).bank_group, 0);
        assert_eq!(l(1024).bank_group, 1);
        assert_eq!(l(16 << 10).row, 1);
        assert_eq!(l(2 << 30).channel, 1, "a channel holds 2 GiB");
        assert_eq!(
            l(16 << 30).channel,
            8,
            "a stack 16 GiB: stack 1's first channel"
        );
        assert_eq!(l(1 << 30).pseudo_channel, 1);
    }

    #[test]
    fn every_burst_has_one_place_and_back() {
        for spec in [
            "channel-interleaved",
            "row-bank-column",
            "ro-co3-ba-bg-st-co2-ch-pc",
        ] {
            let m = Mapping::new(spec, zw1()).unwrap();
            let mut seen = std::collections::HashSet::new();
            for i in 0..20_000u64 {
                let a = (i.wrapping_mul(0x9E37_79B9_7F4A_7C15) % zw1().bytes()) & !31;
                let l = m.locate(m.burst(a));
                assert_eq!(m.address(&l), a, "{spec} {a:#x}");
                assert!(seen.insert(l) || seen.contains(&l));
            }
        }
    }

    #[test]
    fn mappings_that_do_not_cover_the_address_are_refused() {
        for (spec, says) in [
            ("ro-ba-co-bg-ch-pc", "no `st` field"),
            ("ro-ba-co-bg-st-ch-pc-pc", "give each part its bits"),
            (
                "ro-ba-co2-bg-st-ch-pc-co2",
                "cover 4 bits, but there are 32 values",
            ),
            ("ro-ba-co-bg-st-ch-px", "`px` is not a field"),
            ("ro-ba-cox-bg-st-ch-pc", "`cox` is not a field"),
            ("", "is not a field"),
        ] {
            let e = Mapping::new(spec, zw1()).unwrap_err();
            assert!(e.0.contains(says), "{spec}: {e}");
        }
        assert!(Mapping::new("ro-ba-co3-bg-co2-st-ch-pc", zw1()).is_ok());
    }
}
