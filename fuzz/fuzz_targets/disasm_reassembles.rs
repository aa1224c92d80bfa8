#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| assembler::fuzz::disasm_reassembles(data));
