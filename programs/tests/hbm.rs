//! Every program over the command-level HBM (`hbm.impl = "hbm2e"`): the bytes it moves are
//! exactly those it moves over the ideal memory, only the time differs.

use emulator::Exit;
use emulator::config::Config;
use half::bf16;
use programs::{Run, every_program, random_bf16};

fn hbm2e() -> Config {
    let mut c = Config::zw1();
    c.set("hbm.impl", "hbm2e").unwrap();
    c
}

#[test]
fn every_program_ends_in_the_same_state_over_the_hbm_model_as_over_the_ideal_memory() {
    let mut timed_differently = 0;
    for program in every_program() {
        let mut ideal = Run::zw1(&program);
        let ideal_report = ideal.machine.run(Some(1 << 32));
        let mut model = Run::load(&program, &hbm2e());
        let model_report = model.machine.run(Some(1 << 32));
        assert_eq!(
            std::mem::discriminant(&model_report.exit),
            std::mem::discriminant(&ideal_report.exit),
            "{program}: {} over the model, {} over the ideal memory",
            model_report.exit,
            ideal_report.exit
        );
        if ideal_report.exit != Exit::Halted {
            continue;
        }
        assert_eq!(
            model.machine.architectural_state(),
            ideal.machine.architectural_state(),
            "{program}: the state differs over the HBM model"
        );
        let stats = model.machine.stats(&model_report.exit);
        let hbm = stats.chips[0]
            .hbm
            .as_ref()
            .expect("the model reports its stats");
        if hbm.bytes() > 0 {
            assert_ne!(model_report.cycles, ideal_report.cycles, "{program}");
            timed_differently += 1;
        }
    }
    assert!(
        timed_differently >= 3,
        "programs that reach HBM: {timed_differently}"
    );
}

/// C of the gemm kernel on random `m×k` by `k×n` matrices in HBM over `config`, and its cycles.
fn gemm(config: &Config, m: usize, n: usize, k: usize) -> (Vec<u8>, u64) {
    let mut run = Run::load("gemm/gemm.s", config);
    let hbm = isa::memory_map::HBM_BASE + (256 << 20);
    let (pa, pb, pc) = (hbm, hbm + (64 << 20), hbm + (128 << 20));
    let to_bytes = |v: &[bf16]| v.iter().flat_map(|x| x.to_le_bytes()).collect::<Vec<u8>>();
    let params: Vec<u8> = [m as u64, n as u64, k as u64, pa, pb, pc]
        .iter()
        .flat_map(|v| v.to_le_bytes())
        .collect();
    run.machine.write(run.symbol("params"), &params).unwrap();
    run.machine
        .write(pa, &to_bytes(&random_bf16(m * k, 11, 2.0)))
        .unwrap();
    run.machine
        .write(pb, &to_bytes(&random_bf16(k * n, 12, 2.0)))
        .unwrap();
    let report = run.run();
    let c = run.machine.read(pc, (m * n * 2) as u64).unwrap();
    (c, report.cycles.get())
}

#[test]
fn gemm_over_hbm2e_computes_the_same_bits_as_over_the_ideal_memory() {
    for (m, n, k) in [(256, 256, 256), (100, 130, 70)] {
        let (ideal, ideal_cycles) = gemm(&Config::zw1(), m, n, k);
        let (model, model_cycles) = gemm(&hbm2e(), m, n, k);
        assert!(ideal == model, "gemm {m}×{n}×{k}: C differs");
        println!("gemm {m}×{n}×{k}: {ideal_cycles} cycles ideal, {model_cycles} over HBM2E");
    }
}
