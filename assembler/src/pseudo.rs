//! Pseudo-instructions: the names of `isa::pseudo`'s table (`li`, `la`, `mv`, `j`, `call`, `ret`,
//! `nop`…), their operands read by the row's syntax and expanded to the instructions they stand
//! for, which [`crate::lower`] then builds and emits.

use crate::expr::{self, Expr, Val};
use crate::layout::FileAsm;
use crate::lex::Kind;
use crate::lower::{Modifier, Opnd};
use crate::parse::{Cursor, PResult, SyntaxError};
use crate::source::Span;
use isa::operand::OperandKind;
use isa::pseudo::PseudoSpec;

impl FileAsm<'_, '_> {
    /// A pseudo-instruction: its operands read by the syntax of its table rows `rows`, then
    /// expanded.
    pub(crate) fn pseudo(
        &mut self,
        name: &str,
        rows: &'static [PseudoSpec],
        span: Span,
        c: &mut Cursor<'_>,
    ) -> PResult<()> {
        use OperandKind::{Imm32 as I, Reg as R, Target as T};
        let Some(row) = rows.first() else {
            return Err(SyntaxError::new(
                span,
                format!("`{name}` is not a pseudo-instruction"),
            ));
        };
        let syntax = row.syntax;
        let mut ops: Vec<(Opnd<'_>, Span)> = Vec::with_capacity(3);
        for (k, operand) in row.operands().enumerate() {
            // Operand names as `isa::pseudo::PseudoSpec::syntax` defines them.
            let kind = match operand {
                "target" => T,
                // Any 64-bit value (`li`, `la`).
                "value" | "symbol" => I,
                _ => R,
            };
            if k > 0 && !c.eat(Kind::Comma) {
                let e = if c.at_end() {
                    SyntaxError::new(c.here(), format!("`{name}` needs more operands"))
                } else {
                    c.unexpected("`,`")
                };
                return Err(e.help(format!("the syntax is `{syntax}`")));
            }
            if c.at_end() {
                return Err(
                    SyntaxError::new(c.here(), format!("`{name}` needs more operands"))
                        .help(format!("the syntax is `{syntax}`")),
                );
            }
            let op = if kind == I {
                self.wide_operand(c)?
            } else {
                self.operand(c, kind)?
            };
            ops.push(op);
        }
        if !c.at_end() {
            return Err(c
                .unexpected("the end of the instruction")
                .help(format!("the syntax is `{syntax}`")));
        }
        let x0 = (Opnd::Name("x0"), span);
        let ra = (Opnd::Name("ra"), span);
        let zero = (Opnd::Const(0), span);
        let spec = |m: &str| {
            isa::lookup(m)
                .expect("pseudo-instructions expand to table rows")
                .0
        };
        match name {
            "nop" => {
                self.emit_instruction(spec("addi"), &[], "", &mut [x0.clone(), x0, zero], span)
            }
            "mv" => self.emit_instruction(
                spec("addi"),
                &[],
                "",
                &mut [ops[0].clone(), ops[1].clone(), zero],
                span,
            ),
            "not" => self.emit_instruction(
                spec("xori"),
                &[],
                "",
                &mut [ops[0].clone(), ops[1].clone(), (Opnd::Const(-1), span)],
                span,
            ),
            "neg" => self.emit_instruction(
                spec("sub"),
                &[],
                "",
                &mut [ops[0].clone(), x0, ops[1].clone()],
                span,
            ),
            "li" | "la" => {
                let (rd, (value, vspan)) = (ops[0].clone(), ops[1].clone());
                // The upper and lower halves `lui` and `addi` build the value from.
                let (hi, lo) = match value {
                    Opnd::Const(v) if name == "li" && i32::try_from(v).is_ok() => {
                        return self.emit_instruction(
                            spec("addi"),
                            &[],
                            "",
                            &mut [rd, x0, (Opnd::Const(v), vspan)],
                            span,
                        );
                    }
                    Opnd::Const(v) => (
                        Opnd::Const(isa::abi::hi32(v as u64) as i32 as i64),
                        Opnd::Const(v as u32 as i32 as i64),
                    ),
                    Opnd::Expr { expr, val, .. } => (
                        Opnd::Expr {
                            expr: expr.clone(),
                            val,
                            modifier: Modifier::Hi,
                        },
                        Opnd::Expr {
                            expr,
                            val,
                            modifier: Modifier::Lo,
                        },
                    ),
                    Opnd::Name(_) => unreachable!("wide operands are values"),
                };
                self.emit_instruction(spec("lui"), &[], "", &mut [rd.clone(), (hi, vspan)], span)?;
                self.emit_instruction(
                    spec("addi"),
                    &[],
                    "",
                    &mut [rd.clone(), rd, (lo, vspan)],
                    span,
                )
            }
            "j" => self.emit_instruction(spec("jal"), &[], "", &mut [x0, ops[0].clone()], span),
            "call" => self.emit_instruction(spec("jal"), &[], "", &mut [ra, ops[0].clone()], span),
            "jr" => {
                self.emit_instruction(spec("jalr"), &[], "", &mut [x0, ops[0].clone(), zero], span)
            }
            "ret" => self.emit_instruction(spec("jalr"), &[], "", &mut [x0, ra, zero], span),
            "beqz" | "bnez" => {
                let m = if name == "beqz" { "beq" } else { "bne" };
                self.emit_instruction(
                    spec(m),
                    &[],
                    "",
                    &mut [ops[0].clone(), x0, ops[1].clone()],
                    span,
                )
            }
            "bgt" | "ble" | "bgtu" | "bleu" => {
                let m = match name {
                    "bgt" => "blt",
                    "ble" => "bge",
                    "bgtu" => "bltu",
                    _ => "bgeu",
                };
                self.emit_instruction(
                    spec(m),
                    &[],
                    "",
                    &mut [ops[1].clone(), ops[0].clone(), ops[2].clone()],
                    span,
                )
            }
            // A row of the table this assembler does not expand yet.
            _ => Err(SyntaxError::new(
                span,
                format!("pseudo-instruction `{name}` has no expansion in this assembler"),
            )),
        }
    }

    /// The value of `li`/`la`: any 64-bit constant or address.
    fn wide_operand<'a>(&mut self, c: &mut Cursor<'a>) -> PResult<(Opnd<'a>, Span)> {
        let t = *c.peek().expect("checked by the caller");
        if t.kind == Kind::Ident && isa::Reg::from_name(c.slice(&t)).is_some() {
            return Err(SyntaxError::new(
                c.span(&t),
                format!("expected a value, found register `{}`", c.slice(&t)),
            )
            .help("to copy a register, write `mv rd, rs`"));
        }
        let start = c.here();
        let mut e = Expr::default();
        expr::parse(c, self, &mut e)?;
        let whole = start.to(e.span());
        let val = expr::eval(&e, self)?;
        Ok(match val {
            Some(Val::Abs(v)) => (Opnd::Const(v), whole),
            _ => (
                Opnd::Expr {
                    expr: e,
                    val,
                    modifier: Modifier::None,
                },
                whole,
            ),
        })
    }
}
