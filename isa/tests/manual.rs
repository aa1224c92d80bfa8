//! docs/isa.md is what the table generates; `BLESS=1` rewrites it.

#[test]
fn the_manual_is_fresh() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/isa.md");
    let generated = isa::manual::generate();
    if std::env::var_os("BLESS").is_some() {
        std::fs::write(path, &generated).unwrap();
        return;
    }
    let on_disk = std::fs::read_to_string(path).unwrap_or_default();
    assert!(
        on_disk == generated,
        "docs/isa.md is stale; regenerate it with `{}`",
        isa::manual::REGENERATE
    );
}

#[test]
fn the_manual_documents_every_instruction() {
    let manual = isa::manual::generate();
    for spec in isa::INSTRUCTIONS {
        assert!(
            manual.contains(&format!("#### {}\n", spec.mnemonic)),
            "{}",
            spec.mnemonic
        );
    }
    assert!(!manual.contains("<!--  -->"));
    assert!(
        !manual.lines().any(|l| l.starts_with("<!-- table:")),
        "unreplaced marker"
    );
}
