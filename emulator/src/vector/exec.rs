//! The functional effect of a vector operation, through the bit-exact element functions of
//! [`crate::numerics`].

use crate::memory::Memories;
use crate::memory::strided::{gather, scatter};
use crate::numerics;

use super::{Kind, Operand, VectorFault, VectorOp};

fn read(
    op: &Operand,
    n: u64,
    size: usize,
    mem: &(impl Memories + ?Sized),
) -> Result<Vec<u8>, VectorFault> {
    let s = mem.at(&op.place).ok_or(VectorFault::NoMemory(op.place))?;
    let mut out = Vec::with_capacity(n as usize * size);
    gather(s, op.place.offset, op.stride, n, size, &mut out)?;
    Ok(out)
}

/// Computes `op` and writes its result. `Err` only if the memories differ from those `op` was
/// checked against.
pub fn apply(op: &VectorOp, mem: &mut (impl Memories + ?Sized)) -> Result<(), VectorFault> {
    let (n, size, out_size) = (op.n, op.dt.size() as usize, op.out.size() as usize);
    let a = match op.a {
        Some(a) => read(&a, n, size, mem)?,
        None => Vec::new(),
    };
    let result = match op.kind {
        Kind::Binary(bop) => {
            let b = read(&op.b.ok_or(VectorFault::OperandMissing)?, n, size, mem)?;
            let mut d = vec![0u8; a.len()];
            numerics::binary(bop, op.dt, &a, &b, &mut d)?;
            d
        }
        Kind::Fma => {
            let b = read(&op.b.ok_or(VectorFault::OperandMissing)?, n, size, mem)?;
            let mut d = read(&op.d, n, size, mem)?;
            numerics::fma(op.dt, &a, &b, &mut d)?;
            d
        }
        Kind::Unary(uop) => {
            let mut d = vec![0u8; a.len()];
            numerics::unary(uop, op.dt, &a, &mut d)?;
            d
        }
        Kind::Mov => a,
        Kind::Reduce(rop) => {
            let bits = numerics::reduce(rop, op.dt, &a)?;
            bits.to_le_bytes()[..out_size].to_vec()
        }
        Kind::Convert => {
            let mut d = vec![0u8; n as usize * out_size];
            numerics::convert_slice(op.dt, &a, op.out, &mut d)?;
            d
        }
        Kind::Fill(bits) => {
            let one = &bits.to_le_bytes()[..out_size];
            one.repeat(n as usize)
        }
    };
    let d = mem
        .at_mut(&op.d.place)
        .ok_or(VectorFault::NoMemory(op.d.place))?;
    scatter(d, op.d.place.offset, op.d.stride, out_size, &result)?;
    Ok(())
}
