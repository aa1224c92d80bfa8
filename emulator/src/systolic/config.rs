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
    /// Multiply-accumulates per PE per cycle, by input type.
    pub macs_per_pe_cycle: MacRates,
}

/// Multiply-accumulates one PE does per cycle, by input type: a PE with rate Q takes Q consecutive
/// `k` values per cycle. `fp32` inputs always do one.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MacRates {
    pub bf16: u32,
    pub fp16: u32,
    /// E4M3 and E5M2.
    pub fp8: u32,
    pub int8: u32,
}

impl MacRates {
    /// One multiply-accumulate per cycle for 2-byte inputs, `narrow` for 1-byte ones.
    pub const fn narrow(narrow: u32) -> MacRates {
        MacRates {
            bf16: 1,
            fp16: 1,
            fp8: narrow,
            int8: narrow,
        }
    }

    /// The rate for `dtype` inputs.
    pub const fn of(&self, dtype: DType) -> u32 {
        match dtype {
            DType::Bf16 => self.bf16,
            DType::Fp16 => self.fp16,
            DType::E4M3 | DType::E5M2 => self.fp8,
            DType::I8 | DType::U8 => self.int8,
            DType::I32 | DType::Fp32 => 1,
        }
    }
}

impl Default for ArrayConfig {
    /// ZW-1: 64 × 64, weight-stationary, overlapped folds, 1-byte types at twice the rate.
    fn default() -> ArrayConfig {
        ArrayConfig {
            rows: 64,
            cols: 64,
            dataflow: Dataflow::Ws,
            overlap: true,
            macs_per_pe_cycle: MacRates::narrow(2),
        }
    }
}

impl ArrayConfig {
    /// The largest number of rows or columns.
    pub const MAX_DIMENSION: u32 = 256;
    /// The largest multiply-accumulate rate of a PE.
    pub const MAX_MACS_PER_PE_CYCLE: u32 = 4;

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
        let r = self.macs_per_pe_cycle;
        for (key, value) in [
            ("macs_per_pe_cycle.bf16", r.bf16),
            ("macs_per_pe_cycle.fp16", r.fp16),
            ("macs_per_pe_cycle.fp8", r.fp8),
            ("macs_per_pe_cycle.int8", r.int8),
        ] {
            if !(1..=Self::MAX_MACS_PER_PE_CYCLE).contains(&value) {
                return Err(SystolicError::InvalidConfig {
                    key,
                    value: value.into(),
                    allowed: "1 to 4",
                });
            }
        }
        Ok(())
    }

    /// Multiply-accumulates one PE does per cycle on `dtype` inputs.
    pub const fn macs_per_pe_cycle(&self, dtype: DType) -> u32 {
        self.macs_per_pe_cycle.of(dtype)
    }

    /// The array's peak multiply-accumulates per cycle on `dtype` inputs.
    pub const fn peak_macs_per_cycle(&self, dtype: DType) -> u64 {
        self.rows as u64 * self.cols as u64 * self.macs_per_pe_cycle(dtype) as u64
    }
}
