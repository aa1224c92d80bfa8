//! The fuzz targets' bodies over fixed seeds: a million random words, a hundred thousand arbitrary
//! instructions.

use arbitrary::{Arbitrary, Unstructured};
use isa::Instruction;
use isa::fuzz::{SplitMix64, decode_does_not_panic, decode_encode_roundtrip, interesting_word};

#[test]
fn decode_does_not_panic_on_a_million_seeded_words() {
    let mut rng = SplitMix64(0x5eed);
    let mut decoded = 0;
    for _ in 0..1_000_000 {
        let word = interesting_word(&mut rng);
        decode_does_not_panic(word);
        decoded += Instruction::decode(word).is_ok() as u32;
    }
    // The generator must reach both outcomes often, or the test proves little.
    assert!(decoded > 100_000, "only {decoded} words decoded");
}

#[test]
fn decode_encode_roundtrip_on_a_hundred_thousand_arbitrary_instructions() {
    let mut rng = SplitMix64(0xa5b17a5);
    let mut seen = std::collections::HashSet::new();
    for _ in 0..100_000 {
        let bytes: Vec<u8> = (0..4).flat_map(|_| rng.next_u64().to_le_bytes()).collect();
        let inst = Instruction::arbitrary(&mut Unstructured::new(&bytes)).unwrap();
        seen.insert(inst.opcode());
        decode_encode_roundtrip(inst);
    }
    assert_eq!(
        seen.len(),
        isa::INSTRUCTIONS.len(),
        "every instruction was generated"
    );
}
