//! Golden bytecode: the disassembly of every function of each `tests/golden/*.wat` must
//! equal its `.txt` snapshot, so a translator change shows up as a reviewable diff.
//! After an intended change, rewrite the snapshots with
//! `WAMR_BLESS=1 cargo test -p wamr-interp --test golden` and review `git diff`.

use std::path::Path;

use wamr_common::Module;
use wamr_interp::translate::{disassemble, translate};

fn listing(wat: &Path) -> String {
    let bytes = wat::parse_file(wat).unwrap_or_else(|e| panic!("{}: {e}", wat.display()));
    let module = Module::new(&bytes).unwrap();
    let mut out = String::new();
    for (_, index) in module.defined_funcs() {
        let index = index.0;
        let name = module.func_names.get(&index).cloned().unwrap_or_default();
        let t = translate(&module, index).unwrap();
        out.push_str(&format!(
            "func {index} ${name} ({} words, {} slots)\n{}\n",
            t.code.len(),
            t.frame_slots,
            disassemble(&t.code)
        ));
    }
    out
}

#[test]
fn bytecode_matches_the_snapshots() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden");
    let bless = std::env::var_os("WAMR_BLESS").is_some();
    let mut wats: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "wat"))
        .collect();
    wats.sort();
    assert!(wats.len() >= 4, "the golden modules are missing");
    let mut stale = Vec::new();
    for wat in wats {
        let got = listing(&wat);
        let snapshot = wat.with_extension("txt");
        if bless {
            std::fs::write(&snapshot, &got).unwrap();
            continue;
        }
        let want = std::fs::read_to_string(&snapshot).unwrap_or_default();
        if got != want {
            stale.push(format!(
                "{} differs from its snapshot:\n--- expected\n{want}\n--- got\n{got}",
                wat.display()
            ));
        }
    }
    assert!(
        stale.is_empty(),
        "{}\n(rerun with WAMR_BLESS=1 if the change is intended)",
        stale.join("\n")
    );
}
