#![no_main]
libfuzzer_sys::fuzz_target!(|inst: isa::Instruction| isa::fuzz::decode_encode_roundtrip(inst));
