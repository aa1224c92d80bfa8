//! The race checker on the kernels: every program in programs/ is race-free, and a
//! double-buffered GEMM that leaves out one `q.take` is not.

use emulator::config::Config;
use emulator::{Agent, Exit, Machine, shared};
use isa::QueueId;
use programs::Run;

#[test]
fn every_program_that_halts_is_race_free() {
    let mut checked = 0;
    for dir in [
        "examples",
        "gemm",
        "layernorm",
        "softmax",
        "tutorial",
        "vadd",
    ] {
        for entry in std::fs::read_dir(programs::path(dir)).unwrap().flatten() {
            let p = entry.path();
            let text = std::fs::read_to_string(&p).unwrap_or_default();
            if p.extension().is_none_or(|e| e != "s") || !text.contains("_start:") {
                continue;
            }
            let name = format!("{dir}/{}", p.file_name().unwrap().to_string_lossy());
            let mut run = Run::zw1(&name);
            run.machine.check_races();
            let report = run.machine.run(Some(1 << 32));
            if report.exit != Exit::Halted {
                continue; // the deadlock example
            }
            let races = run.machine.races().unwrap();
            let text: String = races.iter().map(|r| format!("{r}\n")).collect();
            assert!(races.is_empty(), "{name}:\n{text}");
            checked += 1;
        }
    }
    assert!(checked >= 8, "only {checked} programs checked");
}

/// programs/gemm/gemm.s with its first line equal to `line` (trimmed) left out.
fn gemm_without(line: &str) -> Machine {
    let path = programs::path("gemm/gemm.s");
    let text = std::fs::read_to_string(&path).unwrap();
    let at = text.find(line).expect("the line is in gemm.s");
    let edited = format!("{}{}", &text[..at], &text[at + line.len()..]);
    let mut asm = assembler::Assembler::new(assembler::Options::default());
    asm.add_bytes(&path, edited.into_bytes());
    let image = asm.assemble().expect("the edited gemm assembles").image;
    Machine::from_elf(&Config::zw1(), shared(image.to_elf())).unwrap()
}

#[test]
fn a_gemm_missing_the_q_take_that_waits_for_a_free_b_buffer_races() {
    let mut m = gemm_without("q.take  dmain, s2, 1");
    m.check_races();
    assert_eq!(m.run(Some(1 << 32)).exit, Exit::Halted);
    let races = m.races().unwrap();
    // The next B slice's transfer overwrites a buffer the matrix unit may still be loading.
    let found = races.iter().any(|r| {
        let agents = [r.earlier.agent, r.later.agent];
        agents.contains(&Agent::Engine(QueueId::DmaIn))
            && agents.contains(&Agent::Engine(QueueId::Matrix))
            && [&r.earlier, &r.later]
                .iter()
                .any(|a| a.instruction.starts_with("mx.ldw"))
    });
    let text: String = races.iter().map(|r| format!("{r}\n")).collect();
    assert!(found, "{text}");
}
