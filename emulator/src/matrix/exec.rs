//! The matrix slot's state and the functional effect of its operations: `mx.ldw` fills the
//! weight buffer, `mx.mm`/`mx.mma` run on the systolic array model, `mx.out` runs the output
//! stage.
//!
//! Output stage, per element (docs/timing.md, "Matrix output stage"): an fp32 accumulator `c`
//! gives `fmaf(c, scale, bias[n])` (one rounding), then the activation in fp32, then one rounding
//! to the output type; an i32 accumulator is computed the same way in f64 (exact for scale 1 and
//! no bias), with tanh and gelu evaluated in fp32.

use isa::DType;
use isa::operand::Activation;

use crate::memory::Memories;
use crate::numerics;
use crate::systolic::{self, ArrayConfig, Dataflow, Gemm, MatrixUnit, Model};

use super::{MatrixFault, MatrixOp, Post};

/// Weights held by the unit after `mx.ldw`.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Weights {
    k: u32,
    n: u32,
    dtype: DType,
    bytes: Vec<u8>,
}

/// One tile's matrix unit: its weight buffer and array models (one per dataflow, made when
/// first used).
pub struct MatrixSlot {
    array: ArrayConfig,
    model: Model,
    units: [Option<Box<dyn MatrixUnit + Send>>; 3],
    weights: Option<Weights>,
    /// Multiply-accumulates done, for stats.
    pub macs: u64,
}

impl std::fmt::Debug for MatrixSlot {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MatrixSlot")
            .field("array", &self.array)
            .field("model", &self.model)
            .field(
                "weights",
                &self.weights.as_ref().map(|w| (w.k, w.n, w.dtype)),
            )
            .finish()
    }
}

fn dataflow_index(d: Dataflow) -> usize {
    match d {
        Dataflow::Ws => 0,
        Dataflow::Os => 1,
        Dataflow::Is => 2,
    }
}

fn read(
    mem: &(impl Memories + ?Sized),
    p: &crate::memory::Place,
    len: u64,
) -> Result<Vec<u8>, MatrixFault> {
    let s = mem.at(p).ok_or(MatrixFault::NoMemory(*p))?;
    let mut out = vec![0u8; len as usize];
    s.read(p.offset, &mut out)?;
    Ok(out)
}

fn write(
    mem: &mut (impl Memories + ?Sized),
    p: &crate::memory::Place,
    data: &[u8],
) -> Result<(), MatrixFault> {
    let s = mem.at_mut(p).ok_or(MatrixFault::NoMemory(*p))?;
    s.write(p.offset, data)?;
    Ok(())
}

impl MatrixSlot {
    /// An empty slot for `array` (its dataflow is replaced per operation), simulated by `model`.
    pub fn new(array: ArrayConfig, model: Model) -> MatrixSlot {
        MatrixSlot {
            array,
            model,
            units: [None, None, None],
            weights: None,
            macs: 0,
        }
    }

    fn unit(&mut self, dataflow: Dataflow) -> Result<&mut Box<dyn MatrixUnit + Send>, MatrixFault> {
        let slot = &mut self.units[dataflow_index(dataflow)];
        if slot.is_none() {
            let config = ArrayConfig {
                dataflow,
                ..self.array
            };
            *slot = Some(systolic::matrix_unit(config, self.model)?);
        }
        slot.as_mut().ok_or(MatrixFault::NoUnit)
    }

    /// Performs `op`. `Err` only if the memories differ from those `op` was checked against.
    pub fn apply(
        &mut self,
        op: &MatrixOp,
        mem: &mut (impl Memories + ?Sized),
    ) -> Result<(), MatrixFault> {
        match *op {
            MatrixOp::Load { src, k, n, dtype } => {
                let bytes = read(mem, &src, u64::from(k) * u64::from(n) * dtype.size())?;
                self.weights = Some(Weights { k, n, dtype, bytes });
                Ok(())
            }
            MatrixOp::Multiply {
                acc,
                a,
                shape,
                dtype,
                dataflow,
                accumulate,
            } => {
                let a_bytes = read(
                    mem,
                    &a,
                    u64::from(shape.m) * u64::from(shape.k) * dtype.size(),
                )?;
                let c_len = u64::from(shape.m) * u64::from(shape.n) * 4;
                let mut c = read(mem, &acc, c_len)?;
                let weights = self.weights.take().ok_or(MatrixFault::WeightsMissing)?;
                let result = self.unit(dataflow).and_then(|unit| {
                    unit.matmul(
                        &Gemm {
                            dtype,
                            shape,
                            a: &a_bytes,
                            b: &weights.bytes,
                            accumulate,
                        },
                        &mut c,
                    )
                    .map_err(MatrixFault::from)
                });
                self.weights = Some(weights);
                result?;
                self.macs += shape.macs();
                write(mem, &acc, &c)
            }
            MatrixOp::Out {
                dst,
                acc,
                m,
                n,
                acc_type,
                post,
                bias,
            } => {
                let cells = u64::from(m) * u64::from(n);
                let c = read(mem, &acc, cells * 4)?;
                let bias = match bias {
                    Some(p) => Some(read(mem, &p, u64::from(n) * 4)?),
                    None => None,
                };
                let size = post.out.size() as usize;
                let mut out = vec![0u8; cells as usize * size];
                for (i, chunk) in c.chunks_exact(4).enumerate() {
                    let col = i % n as usize;
                    let b = bias.as_ref().map_or(0.0, |b| {
                        f32::from_le_bytes([
                            b[col * 4],
                            b[col * 4 + 1],
                            b[col * 4 + 2],
                            b[col * 4 + 3],
                        ])
                    });
                    let raw = u32::from_le_bytes([chunk[0], chunk[1], chunk[2], chunk[3]]);
                    let bits = output_element(raw, acc_type, &post, b);
                    out[i * size..(i + 1) * size].copy_from_slice(&bits.to_le_bytes()[..size]);
                }
                write(mem, &dst, &out)
            }
        }
    }
}

fn activate_f32(act: Activation, x: f32) -> f32 {
    match act {
        Activation::None => x,
        Activation::Relu => {
            if x > 0.0 || x.is_nan() {
                x
            } else {
                0.0
            }
        }
        Activation::Gelu => numerics::gelu_f32(x),
        Activation::Tanh => libm::tanhf(x),
    }
}

/// One accumulator element through the output stage, as output-type bits.
pub fn output_element(raw: u32, acc_type: DType, post: &Post, bias: f32) -> u32 {
    let scale = f32::from_bits(post.scale);
    if acc_type == DType::I32 {
        let x = libm::fma(f64::from(raw as i32), f64::from(scale), f64::from(bias));
        return match post.act {
            Activation::None => numerics::encode_f64(post.out, x),
            Activation::Relu => numerics::encode_f64(post.out, if x > 0.0 { x } else { 0.0 }),
            act => numerics::encode_f32(post.out, activate_f32(act, x as f32)),
        };
    }
    let x = libm::fmaf(f32::from_bits(raw), scale, bias);
    numerics::encode_f32(
        post.out,
        numerics::canonicalize_nan(activate_f32(post.act, x)),
    )
}
