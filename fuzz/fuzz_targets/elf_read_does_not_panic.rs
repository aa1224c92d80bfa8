#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| assembler::fuzz::elf_read_does_not_panic(data));
