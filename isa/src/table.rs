//! The instruction table: every ZW instruction, once. Everything else is derived from these rows.
//!
//! Each row: variant, mnemonic, opcode, format, timing class, the engine queue it uses (`-`
//! none, `dmain`, `dmaout`, `mx`, `vec`: enqueues there; `named`: enqueues on the queue its
//! operand names; `drain_*`: waits for those queues to drain), `local` when it touches only the
//! core's registers (else `-`), summary, semantics (pseudocode, statements separated by `;`), and
//! the trap causes it may raise besides illegal instruction.
//! Pseudocode: `x[r]` is a register, `sext` sign-extends to 64 bits, `M[a]` is memory at global
//! address `a` (docs/isa.md, "Memory map"), `S[s]` a semaphore of this tile, `pc` this instruction.

use crate::format::*;
use crate::instruction::Instruction;
use crate::operand::{Context, OperandError, Value};
use crate::spec::{DecodeReason, DecodeRow, InstrSpec, QueueId, QueueSet, QueueUse, TimingClass};
use core::fmt;

/// A row's queue column.
macro_rules! queue_use {
    (-) => {
        QueueUse::None
    };
    (dmain) => {
        QueueUse::Enqueue(QueueId::DmaIn)
    };
    (dmaout) => {
        QueueUse::Enqueue(QueueId::DmaOut)
    };
    (mx) => {
        QueueUse::Enqueue(QueueId::Matrix)
    };
    (vec) => {
        QueueUse::Enqueue(QueueId::Vector)
    };
    (named) => {
        QueueUse::EnqueueNamed
    };
    (drain_all) => {
        QueueUse::Drain(QueueSet::ALL)
    };
    (drain_dma) => {
        QueueUse::Drain(QueueSet::DMA)
    };
    (drain_mx) => {
        QueueUse::Drain(QueueSet::of(QueueId::Matrix))
    };
    (drain_vec) => {
        QueueUse::Drain(QueueSet::of(QueueId::Vector))
    };
}

/// A row's core-local column.
macro_rules! local {
    (local) => {
        true
    };
    (-) => {
        false
    };
}

macro_rules! instructions {
    ($(
        $variant:ident $mnemonic:literal $opcode:literal $format:ident $class:ident
            $queue:tt $local:tt $summary:literal $semantics:literal $traps:literal;
    )*) => {
        /// Which instruction a word holds: its opcode byte (bits 7..0) as a name.
        #[repr(u8)]
        #[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, PartialOrd, Ord)]
        pub enum Opcode { $($variant = $opcode),* }

        /// A ZW instruction with typed operands: one variant per instruction, holding its format.
        /// [`Instruction::operation`] gives it; match on it to reach every operand by name.
        #[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, arbitrary::Arbitrary)]
        pub enum Operation { $($variant($format)),* }

        /// Every instruction, in opcode order.
        pub const INSTRUCTIONS: &[InstrSpec] = &[$(InstrSpec {
            mnemonic: $mnemonic,
            opcode: $opcode,
            format: &$format::SPEC,
            class: TimingClass::$class,
            queues: queue_use!($queue),
            local: local!($local),
            summary: $summary,
            semantics: $semantics,
            traps: $traps,
        }),*];

        /// For each opcode byte, what the decoder tests, and the opcode of a word it accepts.
        pub(crate) static DECODE_ROWS: [(DecodeRow, Opcode); 256] = {
            // Rows of unknown opcodes accept no word, so their stand-in opcode is never read.
            let mut rows = [(DecodeRow::UNKNOWN, Opcode::Halt); 256];
            $(rows[$opcode] = ($format::ROW, Opcode::$variant);)*
            rows
        };

        /// The opcode each byte names, if any.
        const OPCODES: [Option<Opcode>; 256] = {
            let mut opcodes = [None; 256];
            $(opcodes[$opcode] = Some(Opcode::$variant);)*
            opcodes
        };

        impl Opcode {
            /// The opcode that `byte` names, if any instruction has it.
            pub const fn from_byte(byte: u8) -> Option<Opcode> {
                OPCODES[byte as usize]
            }
        }

        impl Operation {
            /// The instruction's opcode.
            pub const fn opcode(&self) -> Opcode {
                match self { $(Self::$variant(_) => Opcode::$variant),* }
            }

            /// The 64-bit word. Never fails: operands can only hold encodable values.
            #[inline]
            pub fn encode(&self) -> u64 {
                match *self { $(Self::$variant(f) => $opcode as u64 | f.encode()),* }
            }

            pub(crate) fn write_field(&self, index: usize, out: &mut dyn fmt::Write, ctx: &Context<'_>) -> fmt::Result {
                match self { $(Self::$variant(f) => f.write_field(index, out, ctx)),* }
            }
        }

        impl Instruction {
            /// The instruction with typed operands.
            pub fn operation(&self) -> Operation {
                let word = self.encode();
                match self.opcode() { $(Opcode::$variant => Operation::$variant($format::from_accepted(word))),* }
            }

            /// Decodes without the table: the opcode, then the reserved bits, then each field in
            /// order. What [`DecodeError::reason`] reports.
            pub(crate) fn decode_field_by_field(word: u64) -> Result<Self, DecodeReason> {
                match word as u8 {
                    $($opcode => $format::decode_exactly(word)
                        .map(|_| Self::from_accepted(Opcode::$variant, word)),)*
                    _ => Err(DecodeReason::UnknownOpcode),
                }
            }

            /// Builds the instruction `spec` names from assembler values in syntax order (mnemonic
            /// suffixes first), for an instruction at `pc`. On error, the index of the operand at fault.
            pub fn build(spec: &InstrSpec, values: &[Value<'_>], pc: u64) -> Result<Self, (usize, OperandError)> {
                let operation = match spec.opcode {
                    $($opcode => $format::from_values(values, pc).map(Operation::$variant),)*
                    _ => Err((0, OperandError::Count { expected: 0, found: values.len() })),
                };
                operation.map(Self::from)
            }
        }
    };
}

instructions! {
    // System and ordering.
    Halt "halt" 0x01 NoOperands System drain_all - "Stop this tile."
        "wait until every engine queue of this tile is empty; stop fetching; the tile is finished" "";
    Trap "trap" 0x02 TrapCode System - - "Raise a software trap."
        "stop this tile with cause `software trap` and `code`" "software trap";
    Fence "fence" 0x03 NoOperands Fence drain_all - "Wait for every engine."
        "stall issue until the DMA-in, DMA-out, matrix and vector queues are empty and their last operations have completed" "";
    FenceDma "fence.dma" 0x04 NoOperands Fence drain_dma - "Wait for both DMA engines."
        "stall issue until the DMA-in and DMA-out queues are empty and their last transfers have completed" "";
    FenceMx "fence.mx" 0x05 NoOperands Fence drain_mx - "Wait for the matrix engine."
        "stall issue until the matrix queue is empty and its last operation has completed" "";
    FenceVec "fence.vec" 0x06 NoOperands Fence drain_vec - "Wait for the vector engine."
        "stall issue until the vector queue is empty and its last operation has completed" "";

    // Integer arithmetic, register-register.
    Add "add" 0x10 Reg3 Alu - local "Add." "x[rd] = x[rs1] + x[rs2] (wrapping)" "";
    Sub "sub" 0x11 Reg3 Alu - local "Subtract." "x[rd] = x[rs1] - x[rs2] (wrapping)" "";
    Mul "mul" 0x12 Reg3 Mul - local "Multiply, low 64 bits." "x[rd] = (x[rs1] * x[rs2])[63:0]" "";
    Mulh "mulh" 0x13 Reg3 Mul - local "Multiply signed, high 64 bits." "x[rd] = (sext128(x[rs1]) * sext128(x[rs2]))[127:64]" "";
    Mulhu "mulhu" 0x14 Reg3 Mul - local "Multiply unsigned, high 64 bits." "x[rd] = (zext128(x[rs1]) * zext128(x[rs2]))[127:64]" "";
    Div "div" 0x15 Reg3 Div - local "Divide signed, rounding toward zero."
        "x[rd] = x[rs2] == 0 ? -1 : x[rs1] == MIN && x[rs2] == -1 ? MIN : x[rs1] / x[rs2]" "";
    Divu "divu" 0x16 Reg3 Div - local "Divide unsigned." "x[rd] = x[rs2] == 0 ? 2^64-1 : x[rs1] /u x[rs2]" "";
    Rem "rem" 0x17 Reg3 Div - local "Remainder of signed division."
        "x[rd] = x[rs2] == 0 ? x[rs1] : x[rs1] == MIN && x[rs2] == -1 ? 0 : x[rs1] % x[rs2]" "";
    Remu "remu" 0x18 Reg3 Div - local "Remainder of unsigned division." "x[rd] = x[rs2] == 0 ? x[rs1] : x[rs1] %u x[rs2]" "";
    And "and" 0x19 Reg3 Alu - local "Bitwise and." "x[rd] = x[rs1] & x[rs2]" "";
    Or "or" 0x1a Reg3 Alu - local "Bitwise or." "x[rd] = x[rs1] | x[rs2]" "";
    Xor "xor" 0x1b Reg3 Alu - local "Bitwise exclusive or." "x[rd] = x[rs1] ^ x[rs2]" "";
    Sll "sll" 0x1c Reg3 Alu - local "Shift left logical." "x[rd] = x[rs1] << x[rs2][5:0]" "";
    Srl "srl" 0x1d Reg3 Alu - local "Shift right logical." "x[rd] = x[rs1] >>u x[rs2][5:0]" "";
    Sra "sra" 0x1e Reg3 Alu - local "Shift right arithmetic." "x[rd] = x[rs1] >>s x[rs2][5:0]" "";
    Slt "slt" 0x1f Reg3 Alu - local "Set if less than, signed." "x[rd] = x[rs1] <s x[rs2] ? 1 : 0" "";
    Sltu "sltu" 0x20 Reg3 Alu - local "Set if less than, unsigned." "x[rd] = x[rs1] <u x[rs2] ? 1 : 0" "";
    Min "min" 0x21 Reg3 Alu - local "Minimum, signed." "x[rd] = min_s(x[rs1], x[rs2])" "";
    Max "max" 0x22 Reg3 Alu - local "Maximum, signed." "x[rd] = max_s(x[rs1], x[rs2])" "";
    Minu "minu" 0x23 Reg3 Alu - local "Minimum, unsigned." "x[rd] = min_u(x[rs1], x[rs2])" "";
    Maxu "maxu" 0x24 Reg3 Alu - local "Maximum, unsigned." "x[rd] = max_u(x[rs1], x[rs2])" "";

    // Integer arithmetic with an immediate; building constants.
    Addi "addi" 0x28 RegImm Alu - local "Add immediate." "x[rd] = x[rs1] + sext(imm)" "";
    Andi "andi" 0x29 RegImm Alu - local "And immediate." "x[rd] = x[rs1] & sext(imm)" "";
    Ori "ori" 0x2a RegImm Alu - local "Or immediate." "x[rd] = x[rs1] | sext(imm)" "";
    Xori "xori" 0x2b RegImm Alu - local "Exclusive-or immediate." "x[rd] = x[rs1] ^ sext(imm)" "";
    Slti "slti" 0x2c RegImm Alu - local "Set if less than immediate, signed." "x[rd] = x[rs1] <s sext(imm) ? 1 : 0" "";
    Sltiu "sltiu" 0x2d RegImm Alu - local "Set if less than immediate, unsigned." "x[rd] = x[rs1] <u sext(imm) ? 1 : 0" "";
    Slli "slli" 0x2e Shift Alu - local "Shift left logical by a constant." "x[rd] = x[rs1] << shamt" "";
    Srli "srli" 0x2f Shift Alu - local "Shift right logical by a constant." "x[rd] = x[rs1] >>u shamt" "";
    Srai "srai" 0x30 Shift Alu - local "Shift right arithmetic by a constant." "x[rd] = x[rs1] >>s shamt" "";
    Lui "lui" 0x31 Upper Alu - local "Load upper: the high 32 bits of a constant."
        "x[rd] = imm << 32; with `addi rd, rd, lo` this builds any 64-bit value (`li`, `la`)" "";

    // Loads and stores: the scalar core reaches this tile's scratchpad and accumulator.
    Lb "lb" 0x38 Load Load - - "Load byte, sign-extended." "x[rd] = sext(M8[x[rs1] + sext(imm)])" "misaligned access, access fault";
    Lbu "lbu" 0x39 Load Load - - "Load byte, zero-extended." "x[rd] = zext(M8[x[rs1] + sext(imm)])" "misaligned access, access fault";
    Lh "lh" 0x3a Load Load - - "Load 16 bits, sign-extended." "x[rd] = sext(M16[x[rs1] + sext(imm)])" "misaligned access, access fault";
    Lhu "lhu" 0x3b Load Load - - "Load 16 bits, zero-extended." "x[rd] = zext(M16[x[rs1] + sext(imm)])" "misaligned access, access fault";
    Lw "lw" 0x3c Load Load - - "Load 32 bits, sign-extended." "x[rd] = sext(M32[x[rs1] + sext(imm)])" "misaligned access, access fault";
    Lwu "lwu" 0x3d Load Load - - "Load 32 bits, zero-extended." "x[rd] = zext(M32[x[rs1] + sext(imm)])" "misaligned access, access fault";
    Ld "ld" 0x3e Load Load - - "Load 64 bits." "x[rd] = M64[x[rs1] + sext(imm)]" "misaligned access, access fault";
    Sb "sb" 0x40 Store Store - - "Store the low byte." "M8[x[rs1] + sext(imm)] = x[rs2][7:0]" "misaligned access, access fault";
    Sh "sh" 0x41 Store Store - - "Store the low 16 bits." "M16[x[rs1] + sext(imm)] = x[rs2][15:0]" "misaligned access, access fault";
    Sw "sw" 0x42 Store Store - - "Store the low 32 bits." "M32[x[rs1] + sext(imm)] = x[rs2][31:0]" "misaligned access, access fault";
    Sd "sd" 0x43 Store Store - - "Store 64 bits." "M64[x[rs1] + sext(imm)] = x[rs2]" "misaligned access, access fault";

    // Control flow. Targets are absolute in assembly, pc-relative in the word.
    Beq "beq" 0x48 Branch Branch - local "Branch if equal." "if x[rs1] == x[rs2]: pc = target" "fetch fault";
    Bne "bne" 0x49 Branch Branch - local "Branch if not equal." "if x[rs1] != x[rs2]: pc = target" "fetch fault";
    Blt "blt" 0x4a Branch Branch - local "Branch if less than, signed." "if x[rs1] <s x[rs2]: pc = target" "fetch fault";
    Bge "bge" 0x4b Branch Branch - local "Branch if greater or equal, signed." "if x[rs1] >=s x[rs2]: pc = target" "fetch fault";
    Bltu "bltu" 0x4c Branch Branch - local "Branch if less than, unsigned." "if x[rs1] <u x[rs2]: pc = target" "fetch fault";
    Bgeu "bgeu" 0x4d Branch Branch - local "Branch if greater or equal, unsigned." "if x[rs1] >=u x[rs2]: pc = target" "fetch fault";
    Jal "jal" 0x4e Jump Jump - local "Jump and link." "x[rd] = pc + 8; pc = target" "fetch fault";
    Jalr "jalr" 0x4f RegImm Jump - local "Jump to a register plus offset, and link."
        "t = x[rs1] + sext(imm); x[rd] = pc + 8; pc = t" "fetch fault";

    // Control/status registers and semaphores.
    Csrr "csrr" 0x50 CsrRead Csr - local "Read a control/status register." "x[rd] = CSR[csr]" "";
    SemSet "sem.set" 0x51 SemOp Sem - - "Set a semaphore." "S[sem] = x[rs1] + sext(imm)" "semaphore fault";
    SemAdd "sem.add" 0x52 SemOp Sem - - "Add to a semaphore." "S[sem] = S[sem] + x[rs1] + sext(imm)" "semaphore fault";
    SemWait "sem.wait" 0x53 SemOp Sem - - "Wait until a semaphore reaches a value."
        "stall issue until S[sem] >= x[rs1] + sext(imm)" "";
    SemTake "sem.take" 0x54 SemOp Sem - - "Wait until a semaphore reaches a value, then take that much."
        "n = x[rs1] + sext(imm); stall issue until S[sem] >= n; S[sem] = S[sem] - n (atomically)" "";
    SemGet "sem.get" 0x55 SemRead Sem - - "Read a semaphore." "x[rd] = S[sem]" "";
    SemSignal "sem.signal" 0x56 SemSignal Sem - - "Add to a semaphore of any tile on any chip, over the NoC or fabric."
        "S(chip x[rchip], tile x[rtile])[sem] += sext(imm), arriving after the network's latency; issue continues at once" "semaphore fault";
    QSignal "q.signal" 0x57 QueueSem Sem named - "Enqueue a semaphore signal behind an engine's work."
        "enqueue on `queue`: once every earlier operation of that queue has completed, S[sem] += sext(imm)" "semaphore fault";
    QTake "q.take" 0x58 QueueSem Sem named - "Enqueue a wait: the engine's later work waits for a semaphore."
        "enqueue on `queue`: that queue's next operation starts only once S[sem] >= sext(imm); then S[sem] -= sext(imm) (atomically); issue continues at once" "";

    // DMA: the descriptor registers, then transfers on the in and out engines.
    DmaDim "dma.dim" 0x60 DmaDim Alu - local "Set one dimension of the DMA descriptor."
        "D.count[dim] = x[rcount]; D.src_stride[dim] = x[rsrc_stride]; D.dst_stride[dim] = x[rdst_stride] (byte strides, signed)" "";
    DmaCfg "dma.cfg" 0x61 DmaCfg Alu - local "Set the DMA descriptor's element types and options."
        "D.src_type = src; D.dst_type = dst; D.flags = flags (1 transpose dims 0 and 1 at the destination: element (i1, i0) goes to dst + i0*D.dst_stride[1] + i1*D.dst_stride[0], the source strides unchanged; 2 accumulate into the destination; 4 signal the destination tile)" "";
    DmaIn "dma.in" 0x62 DmaXfer Dma dmain - "Enqueue a transfer on the DMA-in engine."
        "enqueue on DMA-in: for every index (i3,i2,i1,i0) < D.count: M[x[rdst] + sum(i*D.dst_stride)] (+)= convert(M[x[rsrc] + sum(i*D.src_stride)], D.src_type, D.dst_type); on completion S[sem] += 1" "DMA fault";
    DmaOut "dma.out" 0x63 DmaXfer Dma dmaout - "Enqueue a transfer on the DMA-out engine."
        "as dma.in, on the DMA-out engine (the two run concurrently; each runs its queue in order)" "DMA fault";

    // The matrix unit (systolic array). A, B and results are packed row-major.
    MxCfg "mx.cfg" 0x70 MxCfg Alu - local "Configure the matrix unit."
        "X.dataflow = dataflow; X.type = dtype (accumulate in int32 for i8, else fp32)" "";
    MxLdw "mx.ldw" 0x71 MxLoad Matrix mx - "Load the stationary operand B (K×N)."
        "X.B = M[x[rsrc] .. + K*N*size(X.type)] with K = x[rk], N = x[rn]" "matrix fault";
    MxMm "mx.mm" 0x72 MxMul Matrix mx - "Multiply A (M×K) by B into the accumulator."
        "A = M[x[rsrc]] (M×K, M = x[rm]); ACC[x[racc]] (M×N) = A·X.B in the dataflow's accumulation order (x[racc] is a full address in this tile's accumulator, 4-byte aligned)" "matrix fault";
    MxMma "mx.mma" 0x73 MxMul Matrix mx - "Multiply A (M×K) by B and add into the accumulator."
        "A = M[x[rsrc]] (M×K, M = x[rm]); ACC[x[racc]] (M×N) += A·X.B in the dataflow's accumulation order (x[racc] is a full address in this tile's accumulator, 4-byte aligned)" "matrix fault";
    MxPost "mx.post" 0x74 MxPost Alu - local "Configure the accumulator read-out."
        "X.act = act; X.out_type = odt; X.scale = f32(x[rscale][31:0]); X.bias = x[rbias] (0: no bias, else the address of N fp32 values in this tile's scratchpad or accumulator, read when each later mx.out completes, not now)" "";
    MxOut "mx.out" 0x75 MxOut Vector vec - "Read accumulators out: scale, bias, activation, conversion."
        "enqueue on the vector queue (the output stage reads the accumulator through the vector unit's port, overlapping the array's next multiplication); for m < x[rm], n < x[rn]: M[x[rdst]][m][n] = convert(act(fma(ACC[x[racc]][m][n], X.scale, X.bias[n])), X.out_type)" "matrix fault";

    // The vector unit: elementwise over scratchpad or accumulator vectors.
    VStride "vstride" 0x80 VStride Alu - local "Set the vector element strides."
        "V.sd = x[rsd]; V.sa = x[rsa]; V.sb = x[rsb] (signed, in elements; 1 at reset; 0 broadcasts one element)" "";
    Vadd "vadd" 0x81 VBinary Vector vec - "Add vectors." "for i < x[rlen]: vd[i] = va[i] + vb[i]" "vector fault";
    Vsub "vsub" 0x82 VBinary Vector vec - "Subtract vectors." "for i < x[rlen]: vd[i] = va[i] - vb[i]" "vector fault";
    Vmul "vmul" 0x83 VBinary Vector vec - "Multiply vectors." "for i < x[rlen]: vd[i] = va[i] * vb[i]" "vector fault";
    Vmax "vmax" 0x84 VBinary Vector vec - "Elementwise maximum." "for i < x[rlen]: vd[i] = max(va[i], vb[i])" "vector fault";
    Vmin "vmin" 0x85 VBinary Vector vec - "Elementwise minimum." "for i < x[rlen]: vd[i] = min(va[i], vb[i])" "vector fault";
    Vfma "vfma" 0x86 VBinary Vector vec - "Fused multiply-add into the destination." "for i < x[rlen]: vd[i] = va[i] * vb[i] + vd[i] (one rounding)" "vector fault";
    Vexp "vexp" 0x88 VFloat Vector vec - "Exponential." "for i < x[rlen]: vd[i] = exp(va[i])" "vector fault";
    Vrecip "vrecip" 0x89 VFloat Vector vec - "Reciprocal." "for i < x[rlen]: vd[i] = 1 / va[i]" "vector fault";
    Vrsqrt "vrsqrt" 0x8a VFloat Vector vec - "Reciprocal square root." "for i < x[rlen]: vd[i] = 1 / sqrt(va[i])" "vector fault";
    Vtanh "vtanh" 0x8b VFloat Vector vec - "Hyperbolic tangent." "for i < x[rlen]: vd[i] = tanh(va[i])" "vector fault";
    Vgelu "vgelu" 0x8c VFloat Vector vec - "GELU (tanh approximation)."
        "for i < x[rlen]: vd[i] = 0.5 * va[i] * (1 + tanh(0.7978845608 * (va[i] + 0.044715 * va[i]^3)))" "vector fault";
    Vrelu "vrelu" 0x8d VUnary Vector vec - "Rectified linear unit." "for i < x[rlen]: vd[i] = max(va[i], 0)" "vector fault";
    Vmov "vmov" 0x8e VUnary Vector vec - "Copy a vector (with strides: gather, scatter, broadcast)." "for i < x[rlen]: vd[i] = va[i]" "vector fault";
    Vredsum "vredsum" 0x90 VUnary Vector vec - "Sum of a vector."
        "vd[0] = va[0] + va[1] + ... + va[x[rlen]-1], added in index order (fp32, or int32 for integers)" "vector fault";
    Vredmax "vredmax" 0x91 VUnary Vector vec - "Maximum of a vector." "vd[0] = max(va[0], ..., va[x[rlen]-1])" "vector fault";
    Vcvt "vcvt" 0x92 VConvert Vector vec - "Convert element types." "for i < x[rlen]: vd[i] = convert(va[i], from, to)" "vector fault";
    Vfill "vfill" 0x93 VFill Vector vec - "Fill a vector with a register's low bits."
        "for i < x[rlen]: vd[i] = x[rs][size(dt)*8-1:0] as dt" "vector fault";
}

/// Index into [`INSTRUCTIONS`] by opcode; `u8::MAX` where no instruction has the opcode.
const INDEX: [u8; 256] = {
    let mut index = [u8::MAX; 256];
    let mut i = 0;
    while i < INSTRUCTIONS.len() {
        index[INSTRUCTIONS[i].opcode as usize] = i as u8;
        i += 1;
    }
    index
};

/// The row of the instruction with this opcode.
pub fn spec_of(opcode: u8) -> Option<&'static InstrSpec> {
    INSTRUCTIONS.get(INDEX[opcode as usize] as usize)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fuzz::{SplitMix64, interesting_word};
    use crate::spec::DecodeError;

    fn agree(word: u64) {
        let exact = Instruction::decode_field_by_field(word);
        assert_eq!(
            DECODE_ROWS[word as u8 as usize].0.accepts(word),
            exact.is_ok(),
            "{word:#018x}"
        );
        match Instruction::decode(word) {
            Ok(inst) => assert_eq!(Ok(inst), exact, "{word:#018x}"),
            Err(e) => {
                assert_eq!(e.word(), word);
                assert_eq!(Err(e.reason()), exact, "{word:#018x}");
            }
        }
    }

    #[test]
    fn opcodes_are_the_tables_bytes() {
        for byte in 0..=255u8 {
            let row = spec_of(byte);
            let opcode = Opcode::from_byte(byte);
            assert_eq!(opcode.map(Opcode::byte), row.map(|s| s.opcode));
            if let Some(op) = opcode {
                assert_eq!(op.spec().mnemonic, row.unwrap().mnemonic);
                assert_eq!(DECODE_ROWS[byte as usize].1, op);
            }
        }
    }

    #[test]
    fn queue_columns_agree_with_the_timing_classes() {
        for s in INSTRUCTIONS {
            let engine = matches!(
                s.class,
                TimingClass::Dma | TimingClass::Matrix | TimingClass::Vector
            );
            match s.queues {
                // An engine instruction either configures its engine or enqueues.
                QueueUse::None => assert!(!engine || s.local, "{}", s.mnemonic),
                QueueUse::Enqueue(_) => assert!(engine && !s.local, "{}", s.mnemonic),
                QueueUse::EnqueueNamed => assert_eq!(s.class, TimingClass::Sem),
                QueueUse::Drain(_) => assert!(
                    matches!(s.class, TimingClass::Fence | TimingClass::System) && !s.local,
                    "{}",
                    s.mnemonic
                ),
            }
        }
    }

    #[test]
    fn a_decode_result_is_no_larger_than_an_instruction() {
        assert_eq!(
            size_of::<Result<Instruction, DecodeError>>(),
            size_of::<Instruction>()
        );
        assert_eq!(size_of::<Instruction>(), 12);
    }

    #[test]
    fn decode_errors_keep_the_word_and_explain_it() {
        let add = crate::lookup("add").unwrap().0.opcode as u64;
        let e = Instruction::decode(add | 1 << 40).unwrap_err();
        assert_eq!(e.word(), add | 1 << 40);
        assert_eq!(e.reason(), DecodeReason::ReservedBits { bits: 1 << 40 });
        assert_eq!((e.mnemonic(), e.field_name()), (Some("add"), None));
        let csrr = crate::lookup("csrr").unwrap().0.opcode as u64;
        let e = Instruction::decode(csrr | 0x30 << 32).unwrap_err();
        assert_eq!(
            e.reason(),
            DecodeReason::InvalidField {
                field: 1,
                value: 0x30
            }
        );
        assert_eq!(e.field_name(), Some("csr"));
        let e = Instruction::decode(0xff).unwrap_err();
        assert_eq!(e.reason(), DecodeReason::UnknownOpcode);
        assert_eq!(e.mnemonic(), None);
    }

    #[test]
    fn the_decoders_table_accepts_exactly_the_words_that_decode_field_by_field() {
        // Every opcode, with every value of bits 43..28 (both windows, a CSR number, and the
        // reserved bits around them), then seeded words of every kind.
        for opcode in 0..=255u64 {
            for high in 0..1u64 << 16 {
                agree(opcode | high << 28);
            }
        }
        let mut rng = SplitMix64(0xdec0de);
        for _ in 0..200_000 {
            agree(interesting_word(&mut rng));
        }
    }
}
