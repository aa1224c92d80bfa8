//! The array's plain configuration.

use isa::DType;
use serde::{Deserialize, Serialize};

use super::SystolicError;

/// Which operand stays in the processing elements while the other streams through.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Dataflow {
    /// Weight-stationary: B is preloaded (K on rows, N on columns); A streams in from the left,
    /// partial sums flow down the columns.
    Ws,
    /// Output-stationary: each PE accumulates one element of C (M on rows, N on columns);
    /// A streams from the left, B from the top; results drain out of the bottom.
    Os,
    /// Input-stationary: A is preloaded (K on rows, M on columns); B streams in from the left,
    /// partial sums flow down the columns.
    Is,
}

impl Dataflow {
    /// Every dataflow.
    pub const ALL: [Dataflow; 3] = [Dataflow::Ws, Dataflow::Os, Dataflow::Is];

    /// The name used in configs and on the command line.
    pub const fn name(self) -> &'static str {
        match self {
            Dataflow::Ws => "ws",
            Dataflow::Os => "os",
            Dataflow::Is => "is",
        }
    }

    /// The dataflow named `name`.
    pub fn from_name(name: &str) -> Option<Dataflow> {
        Self::ALL.into_iter().find(|d| d.name() == name)
    }
}

/// How the array is simulated. Both give the same bits and the same cycles.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Model {
    /// Closed-form timing and a blocked kernel with the array's accumulation order.
    #[default]
    Fast,
    /// Every processing element's registers, every cycle.
    Register,
}

impl Model {
    /// The name used in configs and on the command line.
    pub const fn name(self) -> &'static str {
        match self {
            Model::Fast => "fast",
            Model::Register => "register",
        }
    }

    /// The model named `name`.
    pub fn from_name(name: &str) -> Option<Model> {
        [Model::Fast, Model::Register]
            .into_iter()
            .find(|m| m.name() == name)
    }
}

/// The systolic array's shape and behaviour: a plain struct the chip config maps onto.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ArrayConfig {
    /// PE rows (R).
    pub rows: u32,
    /// PE columns (C).
    pub cols: u32,
    /// The dataflow.
    pub dataflow: Dataflow,
    /// Double-buffer the stationary operand (and, output-stationary, the outputs) so that
    /// consecutive folds overlap; off, each fold starts when the previous one has left the
    /// array.
    pub overlap: bool,
    /// Multiply-accumulates per PE per cycle for 1-byte inputs (`i8`, `e4m3`, `e5m2`): each PE
    /// takes this many consecutive `k` values per cycle. 2-byte and 4-byte inputs do one.
    pub narrow_rate_multiplier: u32,
}

impl Default for ArrayConfig {
    /// ZW-1: 64 × 64, weight-stationary, overlapped folds, 1-byte types at twice the rate.
    fn default() -> ArrayConfig {
        ArrayConfig {
            rows: 64,
            cols: 64,
            dataflow: Dataflow::Ws,
            overlap: true,
            narrow_rate_multiplier: 2,
        }
    }
}

impl ArrayConfig {
    /// The largest number of rows or columns.
    pub const MAX_DIMENSION: u32 = 256;
    /// The largest `narrow_rate_multiplier`.
    pub const MAX_NARROW_RATE: u32 = 4;

    /// Checks every field, naming the first one out of range.
    pub fn validate(&self) -> Result<(), SystolicError> {
        for (key, value) in [("rows", self.rows), ("cols", self.cols)] {
            if !(1..=Self::MAX_DIMENSION).contains(&value) {
                return Err(SystolicError::InvalidConfig {
                    key,
                    value: value.into(),
                    allowed: "1 to 256",
                });
            }
        }
        if !(1..=Self::MAX_NARROW_RATE).contains(&self.narrow_rate_multiplier) {
            return Err(SystolicError::InvalidConfig {
                key: "narrow_rate_multiplier",
                value: self.narrow_rate_multiplier.into(),
                allowed: "1 to 4",
            });
        }
        Ok(())
    }

    /// Multiply-accumulates one PE does per cycle on `dtype` inputs.
    pub const fn macs_per_pe_cycle(&self, dtype: DType) -> u32 {
        if dtype.size() == 1 {
            self.narrow_rate_multiplier
        } else {
            1
        }
    }

    /// The array's peak multiply-accumulates per cycle on `dtype` inputs.
    pub const fn peak_macs_per_cycle(&self, dtype: DType) -> u64 {
        self.rows as u64 * self.cols as u64 * self.macs_per_pe_cycle(dtype) as u64
    }
}
