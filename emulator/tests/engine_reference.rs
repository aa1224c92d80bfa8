//! Every engine path run on a real tile and checked against a host reference written from
//! docs/numerics.md and docs/isa.md (the `host` module), never against the emulator's own
//! numerics: vector operations on every element type they accept, `vfill`, `vcvt` between every
//! pair of types, activations in the vector unit and the matrix output stage, the int8 matrix
//! path, the three dataflows on both systolic models, and DMA to and from L2 and HBM with
//! conversion, transpose and accumulation.

mod common;

#[path = "engine_reference/host.rs"]
mod host;

#[path = "engine_reference/harness.rs"]
mod harness;

#[path = "engine_reference/vector.rs"]
mod vector;

#[path = "engine_reference/reduce_fill.rs"]
mod reduce_fill;

#[path = "engine_reference/cvt.rs"]
mod cvt;

#[path = "engine_reference/matrix.rs"]
mod matrix;

#[path = "engine_reference/output_stage.rs"]
mod output_stage;

#[path = "engine_reference/dma.rs"]
mod dma;
