//! docs/tutorial.md's `zw run` commands, run as written (from a scratch folder, with the
//! repository's paths made absolute): each works, writes its outputs, and prints the cycles the
//! tutorial's table gives; the one with a `q.take` left out reports its race and exits with 7.

mod common;

use common::{code, text, write, zw};
use std::path::{Path, PathBuf};

/// The repository's root.
fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// The words of a shell command: blanks split, single quotes group, a trailing `\` joins lines.
fn words(command: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut word = String::new();
    let mut quoted = false;
    let mut in_word = false;
    for c in command.replace("\\\n", " ").chars() {
        match c {
            '\'' => {
                quoted = !quoted;
                in_word = true;
            }
            c if c.is_whitespace() && !quoted => {
                if in_word {
                    out.push(std::mem::take(&mut word));
                    in_word = false;
                }
            }
            c => {
                word.push(c);
                in_word = true;
            }
        }
    }
    if in_word {
        out.push(word);
    }
    out
}

/// Every `cargo run ... -p zw -- run` command of the tutorial's `sh` blocks, as its words after
/// `--`.
fn commands(doc: &str) -> Vec<Vec<String>> {
    let mut out = Vec::new();
    for block in doc.split("```sh\n").skip(1) {
        let block = block.split("```").next().unwrap();
        for command in block.replace("\\\n", " ").lines() {
            let w = words(command);
            if let Some(at) = w.iter().position(|x| x == "--")
                && w[..at].join(" ") == "cargo run --release -p zw"
            {
                out.push(w[at + 1..].to_vec());
            }
        }
    }
    out
}

/// The cycles docs/tutorial.md's table gives for `program`.
fn quoted_cycles(doc: &str, program: &str) -> String {
    let row = doc
        .lines()
        .find(|l| l.starts_with('|') && l.contains(&format!("`{program}`")))
        .unwrap_or_else(|| panic!("no table row for {program}"));
    let last = row.trim_end_matches('|').rsplit('|').next().unwrap().trim();
    last.replace(',', "")
}

#[test]
fn the_tutorials_commands_run_as_written_and_print_the_quoted_cycles() {
    let doc = std::fs::read_to_string(root().join("docs/tutorial.md")).unwrap();
    let commands = commands(&doc);
    assert_eq!(commands.len(), 7, "six steps and the race: {commands:?}");
    let dir = tempfile::tempdir().unwrap();
    // The tutorial's `sed '/q.take  dmain, s2, 1/d' step5.s > racy.s`.
    let step5 = std::fs::read_to_string(root().join("programs/tutorial/step5.s")).unwrap();
    let racy: String = step5
        .lines()
        .filter(|l| !l.contains("q.take  dmain, s2, 1"))
        .map(|l| format!("{l}\n"))
        .collect();
    write(dir.path(), "racy.s", &racy);

    for words in commands {
        let args: Vec<String> = words
            .iter()
            .map(|w| w.replace("programs/", &format!("{}/programs/", root().display())))
            .collect();
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let o = zw(&args, dir.path());
        let (out, err) = (text(&o.stdout), text(&o.stderr));
        let program = &words[1];
        if program == "racy.s" {
            assert_eq!(code(&o), 7, "{err}");
            assert!(err.contains("1 race found"), "{err}");
            assert!(err.contains("`mx.mm x24, x23, x9`"), "{err}");
            continue;
        }
        assert_eq!(code(&o), 0, "{}: {err}", words.join(" "));
        let cycles = quoted_cycles(&doc, program);
        assert!(
            out.contains(&format!("simulated {cycles} cycles")),
            "{program}: the table says {cycles} cycles:\n{out}"
        );
        // Every output the command names was written.
        for (i, w) in words.iter().enumerate() {
            let file = match w.as_str() {
                "--dump" => words[i + 1].rsplit_once('=').unwrap().1,
                "--trace" => words[i + 1].as_str(),
                _ => continue,
            };
            assert!(dir.path().join(file).is_file(), "{program}: no {file}");
        }
    }
    // Step 6's `--dump 'tile*:share:i32[2]=share.npy'`: tile t's first block and count.
    let share = std::fs::read(dir.path().join("share.npy")).unwrap();
    let values: Vec<i32> = share[share.len() - 32..]
        .chunks_exact(4)
        .map(|b| i32::from_le_bytes(b.try_into().unwrap()))
        .collect();
    assert_eq!(values, [0, 4, 4, 4, 8, 4, 12, 4]);
    assert!(text(&share[..128]).contains("'shape': (4, 2)"));
}
