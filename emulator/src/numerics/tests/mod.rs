//! Numerics against an independent host reference, conversions and arithmetic apart.

mod arith;
mod convert;
mod reference;
