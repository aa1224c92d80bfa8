//! Properties every program in programs/ must keep: the untimed reference interpreter reaches the
//! same architectural state as the cycle-accurate run, and two runs agree bit for bit.

use emulator::Exit;
use programs::{Run, every_program};

#[test]
fn the_kernels_are_among_the_programs() {
    let all = every_program();
    for kernel in ["softmax/softmax.s", "layernorm/layernorm.s", "vadd/vadd.s"] {
        assert!(
            all.iter().any(|p| p == kernel),
            "{kernel} not found in {all:?}"
        );
    }
}

#[test]
fn the_reference_interpreter_agrees_with_the_cycle_accurate_run_on_every_program() {
    for program in every_program() {
        let mut timed = Run::zw1(&program);
        let report = timed.machine.run(Some(1 << 32));
        if report.exit != Exit::Halted {
            continue; // programs that show a trap or a deadlock have their own tests
        }
        let mut reference = Run::zw1(&program);
        let exit = reference.machine.run_reference(1 << 32);
        assert_eq!(
            exit,
            Exit::Halted,
            "{program}: the reference ended with {exit}"
        );
        assert_eq!(
            reference.machine.architectural_state(),
            timed.machine.architectural_state(),
            "{program}: architectural state differs"
        );
    }
}

#[test]
fn every_program_runs_the_same_twice_bit_for_bit() {
    for program in every_program() {
        let outcomes: Vec<_> = (0..2)
            .map(|_| {
                let mut run = Run::zw1(&program);
                let report = run.machine.run(Some(1 << 32));
                let stats = serde_json::to_string(&run.machine.stats(&report.exit)).unwrap();
                (
                    report.exit,
                    report.cycles,
                    stats,
                    run.machine.architectural_state(),
                )
            })
            .collect();
        assert!(outcomes[0] == outcomes[1], "{program}: two runs differ");
    }
}

#[test]
fn every_program_computes_the_same_over_the_mesh_network() {
    let mut slower = 0;
    for program in every_program() {
        let mut ideal = Run::zw1(&program);
        let ideal_report = ideal.machine.run(Some(1 << 32));
        let mut config = emulator::Config::zw1();
        config.set("noc.impl", "mesh").unwrap();
        let mut mesh = Run::load(&program, &config);
        let mesh_report = mesh.machine.run(Some(1 << 32));
        assert_eq!(
            mesh_report.exit, ideal_report.exit,
            "{program}: exits differ"
        );
        assert_eq!(
            mesh.machine.architectural_state(),
            ideal.machine.architectural_state(),
            "{program}: architectural state differs over the mesh"
        );
        slower += usize::from(mesh_report.cycles > ideal_report.cycles);
    }
    // Only the timing differs, and it does: the mesh's hops cost cycles the ideal one does not.
    assert!(slower > 0);
}
