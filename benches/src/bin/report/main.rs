//! `cargo run --release -p benches [--features peers] --bin report [-- --full]`
//!
//! One command that measures every mode of ours beside its peers, in this process (and,
//! for peak RSS, in child processes of this binary), and writes the result as Markdown,
//! CSV and an SVG chart to `target/bench-report/`. See benches/README.md.

mod chart;
mod mini_wasi;
mod sfnano_wasi;
mod wasmi_wasi;
#[cfg(feature = "peers")]
mod wasmtime_wasi;

use std::cell::RefCell;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};
use std::rc::Rc;
use std::sync::OnceLock;
use std::time::Instant;

use anyhow::{anyhow, bail, ensure, Context, Result};
use benches::{
    coremark_minimal, coremark_score, shared_dir, OursRunner, Runner, SfNanoRunner, WasmiRunner,
    SFNANO_VERSION,
};
use sf_nano_core::Tier;
use wamr_aot::abi::CodegenOptions;
use wamr_aot::intrinsics::IntrinsicSet;
use wamr_common::{FuncType, Instance, Linker, Module, Trap, Val, ValType};
use wamr_interp::{HandlerSet, Interp, InterpConfig};

/// The in-process peers' versions: Cargo.toml pins them exactly (`=2.0.0`, `=48.0.8`;
/// Silverfir-nano's is `benches::SFNANO_VERSION`).
const WASMI_VERSION: &str = "2.0.0";
#[cfg(feature = "peers")]
const WASMTIME_VERSION: &str = "48.0.8";

/// The hidden argument that makes this binary a child measuring one mode's peak RSS.
const CHILD_RSS: &str = "--child-rss";

const USAGE: &str = "usage: report [--quick | --full] [--only SECTION,...] [--engines ENGINE,...] [--programs NAME,...] [--out DIR]\n  \
    --quick  few repetitions (default)\n  --full   more repetitions, steadier medians\n  \
    --only   some sections: coremark, coremark-wasi, programs, simd, startup, translation,\n           compile, rss\n  \
    --engines  in the coremark and programs sections, measure only the engines whose row\n             label starts with one of these (e.g. ours-interp,wasmi,sf-nano-interp)\n  \
    --programs  only the shootout programs whose name contains one of these (e.g. sieve,gimli)\n  \
    --out    output directory (default: target/bench-report)";

/// The sections, in the order they run (`--only` names).
const SECTIONS: &[&str] = &[
    "coremark",
    "coremark-wasi",
    "programs",
    "simd",
    "startup",
    "translation",
    "compile",
    "rss",
];

struct Reps {
    coremark: usize,
    coremark_wasi: usize,
    program: usize,
    load: usize,
    startup: usize,
    compile: usize,
}

const QUICK: Reps = Reps {
    coremark: 3,
    coremark_wasi: 1,
    program: 3,
    load: 20,
    startup: 5,
    compile: 3,
};
const FULL: Reps = Reps {
    coremark: 7,
    coremark_wasi: 3,
    program: 10,
    load: 200,
    startup: 20,
    compile: 7,
};

/// A row's figures, or why there are none.
enum Outcome {
    Samples(Vec<f64>),
    Absent(String),
}

struct Row {
    section: &'static str,
    workload: String,
    engine: String,
    unit: &'static str,
    higher_better: bool,
    outcome: Outcome,
}

impl Row {
    fn stats(&self) -> Option<(f64, f64, f64)> {
        match &self.outcome {
            Outcome::Samples(s) if !s.is_empty() => {
                let mut s = s.clone();
                s.sort_by(f64::total_cmp);
                let n = s.len();
                let median = if n % 2 == 1 {
                    s[n / 2]
                } else {
                    (s[n / 2 - 1] + s[n / 2]) / 2.0
                };
                Some((median, s[0], s[n - 1]))
            }
            _ => None,
        }
    }
}

/// The section of the WASI programs (the chart and the summary read it).
const PROGRAMS: &str = "WASI programs";
const SIMD_PROGRAMS: &str = "SIMD programs (clang -O3 -msimd128)";

/// The engine names the ratio columns divide by.
const WASMI: &str = "wasmi";
const SFNANO: &str = "sf-nano-interp";
const INTERP: &str = "ours-interp";
const WASMTIME: &str = "wasmtime";
/// The ratio columns, in table order: (header, base engine).
const BASES: [(&str, &str); 4] = [
    ("vs wasmi", WASMI),
    ("vs sf-nano-interp", SFNANO),
    ("vs ours-interp", INTERP),
    ("vs wasmtime", WASMTIME),
];

/// Silverfir-nano's tiers, row labels first (the interpreter's is a ratio baseline).
const SFNANO_TIERS: [(&str, Tier); 2] = [(SFNANO, Tier::Interp), ("sf-nano-jit", Tier::Jit)];

/// Ours in AOT mode: label and codegen options.
fn aot_modes() -> Vec<(&'static str, CodegenOptions)> {
    let mut modes = vec![
        ("ours-aot", CodegenOptions::default()),
        (
            "ours-aot indirect",
            CodegenOptions {
                indirect_calls: true,
                ..Default::default()
            },
        ),
        (
            "ours-aot explicit bounds checks",
            CodegenOptions {
                bounds_checks: true,
                ..Default::default()
            },
        ),
        (
            "ours-aot xip (default intrinsics)",
            CodegenOptions {
                indirect_calls: true,
                intrinsics: IntrinsicSet::default_for(wamr_aot::cpu::host_arch()),
                ..Default::default()
            },
        ),
        (
            "ours-aot xip (all intrinsics)",
            CodegenOptions {
                indirect_calls: true,
                intrinsics: IntrinsicSet::all(),
                ..Default::default()
            },
        ),
    ];
    // The LLVM tier (a build with `--features llvm`): direct calls, and as `--xip`.
    if cfg!(feature = "llvm") {
        modes.push(("ours-aot-llvm", llvm_codegen(false)));
        modes.push(("ours-aot-llvm xip", llvm_codegen(true)));
    }
    modes
}

/// What `wamr-compile --backend=llvm [--xip]` compiles with.
fn llvm_codegen(xip: bool) -> CodegenOptions {
    CodegenOptions {
        backend: wamr_aot::abi::Backend::Llvm,
        opt_level: 2,
        indirect_calls: xip,
        intrinsics: if xip {
            IntrinsicSet::default_for(wamr_aot::cpu::host_arch())
        } else {
            IntrinsicSet::EMPTY
        },
        ..Default::default()
    }
}

/// The handler set `Auto` picks is the last supported one; its row is the interpreter
/// baseline ("ours-interp"), the others are named by their set.
fn interp_modes() -> Vec<(String, HandlerSet)> {
    let sets = benches::supported_handler_sets();
    let last = sets.len() - 1;
    sets.into_iter()
        .enumerate()
        .map(|(i, h)| {
            let name = format!("{h:?}").to_lowercase();
            let label = if i == last {
                INTERP.to_string()
            } else {
                format!("{INTERP} ({name} handlers)")
            };
            (label, h)
        })
        .collect()
}

fn progress(msg: impl AsRef<str>) {
    eprintln!("[report] {}", msg.as_ref());
}

/// Times `runs` calls of `f` (each returns its own figure, e.g. a score or seconds).
fn sample(runs: usize, mut f: impl FnMut() -> Result<f64>) -> Outcome {
    let mut v = Vec::with_capacity(runs);
    for _ in 0..runs {
        match f() {
            Ok(x) => v.push(x),
            Err(e) => return Outcome::Absent(format!("error: {e:#}")),
        }
    }
    Outcome::Samples(v)
}

fn ms_since(t: Instant) -> f64 {
    t.elapsed().as_secs_f64() * 1e3
}

struct Report {
    rows: Vec<Row>,
    reps: &'static Reps,
    out: PathBuf,
    shared: PathBuf,
    /// Images of the shootout programs and CoreMark in default AOT mode, for the load
    /// time rows: (name, path, size).
    images: Vec<(String, PathBuf, u64)>,
    header: String,
}

impl Report {
    fn push(
        &mut self,
        section: &'static str,
        workload: impl Into<String>,
        engine: impl Into<String>,
        unit: &'static str,
        higher_better: bool,
        outcome: Outcome,
    ) {
        let row = Row {
            section,
            workload: workload.into(),
            engine: engine.into(),
            unit,
            higher_better,
            outcome,
        };
        match row.stats() {
            Some((m, lo, hi)) => progress(format!(
                "  {} / {}: {m:.3} {} ({lo:.3}..{hi:.3})",
                row.workload, row.engine, row.unit
            )),
            None => {
                if let Outcome::Absent(why) = &row.outcome {
                    progress(format!("  {} / {}: {why}", row.workload, row.engine));
                }
            }
        }
        self.rows.push(row);
    }

    /// Compiles `wasm` with `codegen` to an image file in the output directory.
    fn compile_image(&self, name: &str, wasm: &[u8], codegen: CodegenOptions) -> Result<PathBuf> {
        let opts = wamr_aot::CompileOptions {
            codegen,
            ..Default::default()
        };
        let image = wamr_aot::compile(wasm, &opts).with_context(|| format!("compiling {name}"))?;
        let dir = self.out.join("images");
        std::fs::create_dir_all(&dir)?;
        let path = dir.join(format!(
            "{name}-{:016x}.aot",
            wamr_aot::image::hash64(&image)
        ));
        wamr_aot::write_image(&path, &image)?;
        Ok(path)
    }

    // --- CoreMark --------------------------------------------------------------------

    fn coremark(&mut self) -> Result<()> {
        let wasm = coremark_minimal()?;
        let runs = self.reps.coremark;
        let score = |label: &str, r: Result<Box<dyn Runner>>| -> Outcome {
            if let Some(o) = skipped(label) {
                return o;
            }
            progress(format!("CoreMark: {label} ({runs} runs)"));
            match r {
                Ok(mut r) => sample(runs, || Ok(coremark_score(r.as_mut())? as f64)),
                Err(e) => Outcome::Absent(format!("error: {e:#}")),
            }
        };
        let mut rows = Vec::new();
        for (label, handlers) in interp_modes() {
            let config = InterpConfig {
                handlers,
                ..benches::ours_config()
            };
            let o = score(
                &label,
                OursRunner::with_config(&wasm, config).map(|r| Box::new(r) as _),
            );
            rows.push((label, o));
        }
        for (label, codegen) in aot_modes() {
            let o = score(
                label,
                OursRunner::aot(&wasm, codegen).map(|r| Box::new(r) as _),
            );
            rows.push((label.to_string(), o));
        }
        let o = score(WASMI, WasmiRunner::new(&wasm).map(|r| Box::new(r) as _));
        rows.push((WASMI.into(), o));
        for (label, tier) in SFNANO_TIERS {
            let o = score(
                label,
                SfNanoRunner::new(&wasm, tier).map(|r| Box::new(r) as _),
            );
            rows.push((label.into(), o));
        }
        #[cfg(feature = "peers")]
        {
            let o = score(
                "wasmtime",
                benches::WasmtimeRunner::new(&wasm).map(|r| Box::new(r) as _),
            );
            rows.push((WASMTIME.into(), o));
        }
        #[cfg(not(feature = "peers"))]
        rows.push((
            WASMTIME.into(),
            Outcome::Absent("not built (needs --features peers)".into()),
        ));
        for (engine, o) in rows {
            self.push("CoreMark", "coremark-minimal", engine, "score", true, o);
        }
        for tool in ["iwasm", "wasm3", "wasmtime"] {
            let why = if tool_version(tool).is_none() {
                "not found on PATH"
            } else {
                "found, not measured: coremark-minimal imports env.clock_ms, \
                 which an external runtime does not provide"
            };
            self.push(
                "CoreMark",
                "coremark-minimal",
                format!("{tool} (external)"),
                "score",
                true,
                Outcome::Absent(why.into()),
            );
        }
        Ok(())
    }

    // --- CoreMark through WASI, whole process ------------------------------------------

    /// `coremark.wasm` as a WASI command: ours as `wamr-run` processes (start-up, loading
    /// and WASI included), wasmi and Silverfir-nano (its own WASI) in this process,
    /// external runtimes if present. The score
    /// is CoreMark's `Iterations/Sec`, taken only when its CRC checks pass.
    fn coremark_wasi(&mut self) -> Result<()> {
        const WORKLOAD: &str = "coremark.wasm (WASI, whole run)";
        let path = self.shared.join("wasm/coremark.wasm");
        let wasm = std::fs::read(&path).with_context(|| format!("reading {}", path.display()))?;
        let runs = self.reps.coremark_wasi;
        let wamr_run = wamr_run_binary();
        let file = |p: &Path| p.display().to_string();
        let mut cmds: Vec<(String, Result<Vec<String>, String>)> = Vec::new();
        cmds.push((
            INTERP.into(),
            wamr_run
                .clone()
                .map(|bin| vec![file(&bin), "--mode".into(), "interp".into(), file(&path)]),
        ));
        for (label, codegen) in aot_modes() {
            let argv = match (&wamr_run, self.compile_image("coremark", &wasm, codegen)) {
                (Ok(bin), Ok(image)) => Ok(vec![file(bin), file(&image)]),
                (Err(e), _) => Err(e.clone()),
                (_, Err(e)) => Err(format!("error: {e:#}")),
            };
            cmds.push((label.into(), argv));
        }
        cmds.extend(external_runs(&path, &self.out));
        for (label, argv) in cmds {
            let o = match argv {
                Err(why) => Outcome::Absent(why),
                Ok(argv) => sample(runs, || {
                    progress(format!("CoreMark (WASI): {label} (~11 s)"));
                    let out = Command::new(&argv[0]).args(&argv[1..]).output()?;
                    ensure!(
                        out.status.success(),
                        "{} failed ({}): {}",
                        argv.join(" "),
                        out.status,
                        String::from_utf8_lossy(&out.stderr).trim()
                    );
                    coremark_wasi_score(&out.stdout)
                }),
            };
            self.push("CoreMark (WASI)", WORKLOAD, label, "score", true, o);
        }
        progress(format!(
            "CoreMark (WASI): {WASMI} in process ({runs} runs of ~11 s)"
        ));
        let o = match wasmi_wasi::WasmiCommand::new(&wasm) {
            Ok(cmd) => sample(runs, || {
                let (code, out, _) = cmd.run(&["coremark.wasm"], &self.out)?;
                ensure!(code == 0, "exit code {code}");
                coremark_wasi_score(&out)
            }),
            Err(e) => Outcome::Absent(format!("error: {e:#}")),
        };
        self.push("CoreMark (WASI)", WORKLOAD, WASMI, "score", true, o);
        #[cfg(feature = "peers")]
        {
            progress(format!(
                "CoreMark (WASI): {WASMTIME} in process ({runs} runs of ~11 s)"
            ));
            let o = match wasmtime_wasi::WasmtimeCommand::new(&wasm) {
                Ok(cmd) => sample(runs, || {
                    let (code, out, _) = cmd.run(&["coremark.wasm"], &self.out)?;
                    ensure!(code == 0, "exit code {code}");
                    coremark_wasi_score(&out)
                }),
                Err(e) => Outcome::Absent(format!("error: {e:#}")),
            };
            self.push("CoreMark (WASI)", WORKLOAD, WASMTIME, "score", true, o);
        }
        for (label, tier) in SFNANO_TIERS {
            progress(format!(
                "CoreMark (WASI): {label} in process ({runs} runs of ~11 s)"
            ));
            let o = match sfnano_wasi::SfNanoCommand::new(&wasm, tier) {
                Ok(cmd) => sample(runs, || {
                    let (code, out, _) = cmd.run("coremark.wasm", &self.out)?;
                    ensure!(code == 0, "exit code {code}");
                    coremark_wasi_score(&out)
                }),
                Err(e) => Outcome::Absent(format!("error: {e:#}")),
            };
            self.push("CoreMark (WASI)", WORKLOAD, label, "score", true, o);
        }
        Ok(())
    }

    /// The shootout programs, sorted.
    fn program_paths(&self) -> Result<Vec<PathBuf>> {
        let dir = self.shared.join("wasm/shootout");
        let mut programs: Vec<PathBuf> = std::fs::read_dir(&dir)
            .with_context(|| format!("reading {}", dir.display()))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "wasm"))
            .filter(|p| {
                let name = p.file_stem().unwrap_or_default().to_string_lossy();
                PROGRAMS_WANTED
                    .get()
                    .is_none_or(|wanted| wanted.iter().any(|w| name.contains(w.as_str())))
            })
            .collect();
        programs.sort();
        Ok(programs)
    }

    // --- WASI programs ----------------------------------------------------------------

    fn programs(&mut self) -> Result<()> {
        let dir = self.shared.join("wasm/shootout");
        let programs = self.program_paths()?;
        let runs = self.reps.program;
        let total = programs.len();
        for (i, path) in programs.iter().enumerate() {
            let stem = path.file_stem().unwrap().to_string_lossy().into_owned();
            progress(format!(
                "program {}/{total}: {stem} ({runs} runs per mode)",
                i + 1
            ));
            let wasm = std::fs::read(path)?;
            let expected = |ext: &str| {
                std::fs::read(dir.join(format!("{stem}.{ext}.expected"))).unwrap_or_default()
            };
            let (want_out, want_err) = (expected("stdout"), expected("stderr"));
            let check = |(code, out, err): (i32, Vec<u8>, Vec<u8>)| -> Result<()> {
                ensure!(code == 0, "wrong result: exit code {code}");
                ensure!(
                    out == want_out,
                    "wrong result: stdout differs from {stem}.stdout.expected"
                );
                ensure!(
                    err == want_err,
                    "wrong result: stderr differs from {stem}.stderr.expected"
                );
                Ok(())
            };
            // Each run instantiates afresh and runs `_start`; output checked every time
            // (the first check runs before anything is recorded).
            let timed = |f: &mut dyn FnMut() -> Result<Ran>| timed_command(runs, &check, f);
            let mut rows = Vec::new();
            match Module::new(&wasm) {
                _ if skipped(INTERP).is_some() => {
                    rows.push((INTERP.into(), skipped(INTERP).unwrap()))
                }
                Ok(module) => {
                    let o = timed(&mut || {
                        run_wasi_ours(
                            &module,
                            Interp::new(InterpConfig::default()),
                            &[&stem],
                            &dir,
                        )
                    });
                    rows.push((INTERP.to_string(), o));
                }
                Err(e) => rows.push((INTERP.into(), Outcome::Absent(format!("error: {e}")))),
            }
            for (mi, (label, codegen)) in aot_modes().into_iter().enumerate() {
                if let Some(o) = skipped(label) {
                    rows.push((label.to_string(), o));
                    continue;
                }
                let o = match self
                    .compile_image(&stem, &wasm, codegen)
                    .and_then(|p| Ok((benches::load_own_image(&p)?, p)))
                {
                    Ok((module, p)) => {
                        if mi == 0 {
                            let size = std::fs::metadata(&p)?.len();
                            self.images.push((stem.clone(), p, size));
                        }
                        timed(&mut || run_wasi_ours(&module, wamr_aot::Aot::new(), &[&stem], &dir))
                    }
                    Err(e) => Outcome::Absent(format!("error: {e:#}")),
                };
                rows.push((label.to_string(), o));
            }
            let o = match wasmi_wasi::WasmiCommand::new(&wasm) {
                _ if skipped(WASMI).is_some() => skipped(WASMI).unwrap(),
                Ok(cmd) => timed(&mut || cmd.run(&[&stem], &dir)),
                Err(e) => Outcome::Absent(format!("error: {e:#}")),
            };
            rows.push((WASMI.into(), o));
            for (label, tier) in SFNANO_TIERS {
                let o = match sfnano_wasi::SfNanoCommand::new(&wasm, tier) {
                    _ if skipped(label).is_some() => skipped(label).unwrap(),
                    Ok(cmd) => timed(&mut || cmd.run(&stem, &dir)),
                    Err(e) => Outcome::Absent(format!("error: {e:#}")),
                };
                rows.push((label.into(), o));
            }
            rows.push((
                WASMTIME.into(),
                wasmtime_command(&wasm, &timed, &[&stem], &dir),
            ));
            // WAMR's LLVM AOT as a whole `iwasm` process (start-up included: under a
            // millisecond, against programs of tens to hundreds).
            let o = match skipped(WAMRC_AOT) {
                Some(o) => o,
                None => match wamrc_program(path, &self.out) {
                    Ok(argv) => timed(&mut || run_process(&argv, &dir)),
                    Err(why) => Outcome::Absent(why),
                },
            };
            rows.push((WAMRC_AOT.into(), o));
            for (engine, o) in rows {
                self.push(PROGRAMS, stem.clone(), engine, "ms", false, o);
            }
        }
        Ok(())
    }

    // --- SIMD programs ----------------------------------------------------------------

    /// The SIMD test programs (`wasi/tests/simd-programs`) with their benchmark arguments
    /// (`NAME.bench.args`, output checked against `NAME.bench.stdout.expected`, both from
    /// the native build): the interpreter under each handler set, AOT, and wasmi when this
    /// binary was built with `--features wasmi-simd` (wasmi's `simd` feature widens every
    /// value it holds to 128 bits, so the scalar sections measure it without).
    fn simd_programs(&mut self) -> Result<()> {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../wasi/tests/simd-programs");
        let runs = self.reps.program;
        let mut sets = vec![
            ("generic", HandlerSet::Generic),
            ("portable", HandlerSet::Portable),
        ];
        if wamr_interp::avx2_supported() {
            sets.push(("avx2", HandlerSet::Avx2));
        }
        for name in ["kernels", "hash", "hash-relaxed", "blur"] {
            progress(format!("simd program {name} ({runs} runs per mode)"));
            let read = |ext: &str| std::fs::read(dir.join(format!("{name}.{ext}")));
            let wasm = read("wasm").with_context(|| format!("{name}.wasm in {}", dir.display()))?;
            let args = String::from_utf8(read("bench.args")?)?;
            let want = read("bench.stdout.expected")?;
            let mut argv = vec![name];
            argv.extend(args.split_whitespace());
            let check = |(code, out, _): (i32, Vec<u8>, Vec<u8>)| -> Result<()> {
                ensure!(code == 0, "wrong result: exit code {code}");
                ensure!(
                    out == want,
                    "wrong result: stdout differs from {name}.bench.stdout.expected"
                );
                Ok(())
            };
            let timed = |f: &mut dyn FnMut() -> Result<Ran>| timed_command(runs, &check, f);
            let mut rows = Vec::new();
            let module = Module::new(&wasm)?;
            for (set, handlers) in &sets {
                let label = format!("{INTERP} ({set})");
                let o = match skipped(&label) {
                    Some(o) => o,
                    None => timed(&mut || {
                        let config = InterpConfig {
                            handlers: *handlers,
                            ..Default::default()
                        };
                        run_wasi_ours(&module, Interp::new(config), &argv, &dir)
                    }),
                };
                rows.push((label, o));
            }
            let (label, codegen) = aot_modes().into_iter().next().expect("a default AOT mode");
            let o = match skipped(label) {
                Some(o) => o,
                None => match self
                    .compile_image(name, &wasm, codegen)
                    .and_then(|p| Ok(benches::load_own_image(&p)?))
                {
                    Ok(image) => {
                        timed(&mut || run_wasi_ours(&image, wamr_aot::Aot::new(), &argv, &dir))
                    }
                    Err(e) => Outcome::Absent(format!("error: {e:#}")),
                },
            };
            rows.push((label.to_string(), o));
            let o = if cfg!(feature = "wasmi-simd") {
                match wasmi_wasi::WasmiCommand::new(&wasm) {
                    _ if skipped(WASMI).is_some() => skipped(WASMI).unwrap(),
                    Ok(cmd) => timed(&mut || cmd.run(&argv, &dir)),
                    Err(e) => Outcome::Absent(format!("error: {e:#}")),
                }
            } else {
                Outcome::Absent(
                    "not measured: build the report with --features wasmi-simd for wasmi's SIMD"
                        .into(),
                )
            };
            rows.push((WASMI.into(), o));
            rows.push((
                WASMTIME.into(),
                wasmtime_command(&wasm, &timed, &argv, &dir),
            ));
            for (engine, o) in rows {
                self.push(SIMD_PROGRAMS, name.to_string(), engine, "ms", false, o);
            }
        }
        Ok(())
    }

    // --- Start-up ---------------------------------------------------------------------

    fn startup(&mut self) -> Result<()> {
        // .aot load time by image size: the programs' images (compiled here when the
        // programs section did not run) and CoreMark's.
        if self.images.is_empty() {
            for path in self.program_paths()? {
                let stem = path.file_stem().unwrap().to_string_lossy().into_owned();
                let image =
                    self.compile_image(&stem, &std::fs::read(&path)?, Default::default())?;
                let size = std::fs::metadata(&image)?.len();
                self.images.push((stem, image, size));
            }
        }
        let wasm = coremark_minimal()?;
        let path = self.compile_image("coremark-minimal", &wasm, CodegenOptions::default())?;
        let size = std::fs::metadata(&path)?.len();
        self.images.push(("coremark-minimal".into(), path, size));
        let mut images = std::mem::take(&mut self.images);
        images.sort_by_key(|i| i.2);
        progress(format!(
            ".aot load time: {} images, {} loads each",
            images.len(),
            self.reps.load
        ));
        for (name, path, size) in &images {
            let o = sample(self.reps.load, || {
                let t = Instant::now();
                let m = benches::load_own_image(path)?;
                let us = t.elapsed().as_secs_f64() * 1e6;
                drop(m);
                Ok(us)
            });
            self.push(
                "Start-up",
                format!(".aot load: {name} ({:.0} KB image)", *size as f64 / 1e3),
                "ours-aot",
                "µs",
                false,
                o,
            );
        }
        self.images = images;

        // Time to first instruction: from the bytes to the first host call (CoreMark's
        // first `env.clock_ms`, which traps here to stop the run).
        // Our interpreter's baseline row here is its default, lazy translation.
        progress("time to first instruction (coremark-minimal)");
        let runs = self.reps.startup;
        for (label, eager) in [(INTERP, false), ("ours-interp (eager)", true)] {
            let o = sample(runs, || {
                let t = Instant::now();
                let module = Module::new(&wasm)?;
                let config = InterpConfig {
                    eager,
                    ..InterpConfig::default()
                };
                first_host_call_ours(&module, Interp::new(config), t)
            });
            self.push(
                "Start-up",
                "time to first instruction (coremark-minimal)",
                label,
                "ms",
                false,
                o,
            );
        }
        let aot = &self
            .images
            .iter()
            .find(|i| i.0 == "coremark-minimal")
            .unwrap()
            .1;
        let o = sample(runs, || {
            let t = Instant::now();
            let module = benches::load_own_image(aot)?;
            first_host_call_ours(&module, wamr_aot::Aot::new(), t)
        });
        self.push(
            "Start-up",
            "time to first instruction (coremark-minimal)",
            "ours-aot (load .aot)",
            "ms",
            false,
            o,
        );
        // wasmi's row (the ratio baseline) is its eager mode, as everywhere else.
        for (engine, mode) in [
            ("wasmi (lazy)", wasmi::CompilationMode::Lazy),
            (WASMI, wasmi::CompilationMode::Eager),
        ] {
            let o = sample(runs, || first_host_call_wasmi(&wasm, mode));
            self.push(
                "Start-up",
                "time to first instruction (coremark-minimal)",
                engine,
                "ms",
                false,
                o,
            );
        }
        // Silverfir-nano compiles eagerly on both tiers (no lazy mode to show).
        for (label, tier) in SFNANO_TIERS {
            let o = sample(runs, || first_host_call_sfnano(&wasm, tier));
            self.push(
                "Start-up",
                "time to first instruction (coremark-minimal)",
                label,
                "ms",
                false,
                o,
            );
        }

        // Hello world: whole-process wall time.
        self.hello()?;
        Ok(())
    }

    // --- Translation ------------------------------------------------------------------

    /// How fast the interpreters turn wasm into what they run, over every function of the
    /// shootout programs and CoreMark: validation plus translation (ours: `Module::new`
    /// then `translate` of each function; wasmi: an eager `Module::new`), in MB of
    /// function bodies per second; and how many bytes of our bytecode each byte of
    /// function body becomes. wasmi's translated size is not visible from outside, and
    /// Silverfir-nano predecodes only while instantiating, so neither has that row.
    fn translation(&mut self) -> Result<()> {
        let mut modules = vec![coremark_minimal()?];
        for path in self.program_paths()? {
            modules.push(std::fs::read(&path)?);
        }
        let mut body_bytes = 0usize;
        for wasm in &modules {
            let module = Module::new(wasm)?;
            body_bytes += module.bodies.iter().map(|b| b.range.len()).sum::<usize>();
        }
        let mb = body_bytes as f64 / 1e6;
        let workload = format!(
            "translation, MB of function bodies per second ({} modules, {mb:.2} MB)",
            modules.len()
        );
        let runs = self.reps.startup;
        progress(format!("translation ({runs} runs per engine)"));
        let mut bytecode_bytes = 0usize;
        let o = sample(runs, || {
            let t = Instant::now();
            let mut words = 0usize;
            for wasm in &modules {
                let module = Module::new(wasm)?;
                for (_, index) in module.defined_funcs() {
                    words += wamr_interp::translate::translate(&module, index.0)?
                        .code
                        .len();
                }
            }
            let secs = t.elapsed().as_secs_f64();
            bytecode_bytes = words * 4;
            Ok(mb / secs)
        });
        self.push("Start-up", workload.clone(), INTERP, "MB/s", true, o);
        let mut config = wasmi::Config::default();
        config.compilation_mode(wasmi::CompilationMode::Eager);
        let engine = wasmi::Engine::new(&config);
        let o = sample(runs, || {
            let t = Instant::now();
            for wasm in &modules {
                wasmi::Module::new(&engine, wasm)?;
            }
            Ok(mb / t.elapsed().as_secs_f64())
        });
        self.push("Start-up", workload, WASMI, "MB/s", true, o);
        let per_byte = Outcome::Samples(vec![bytecode_bytes as f64 / body_bytes as f64]);
        self.push(
            "Start-up",
            "bytecode bytes per byte of function body",
            INTERP,
            "B/B",
            false,
            per_byte,
        );
        Ok(())
    }

    fn hello(&mut self) -> Result<()> {
        let wasm = wat::parse_str(HELLO_WAT)?;
        let path = self.out.join("hello.wasm");
        std::fs::write(&path, wasm)?;
        let runs = self.reps.startup;
        progress(format!("hello world wall time ({runs} runs per command)"));
        let wamr_run = wamr_run_binary();
        let mut cmds: Vec<(String, Result<Vec<String>, String>)> = Vec::new();
        for (label, mode) in [
            ("wamr-run (interp)", "interp"),
            ("wamr-run --mode aot (cached image)", "aot"),
        ] {
            cmds.push((
                label.into(),
                wamr_run.clone().map(|bin| {
                    vec![
                        bin.display().to_string(),
                        "--mode".into(),
                        mode.into(),
                        path.display().to_string(),
                    ]
                }),
            ));
        }
        cmds.extend(external_runs(&path, &self.out));
        for (label, argv) in cmds {
            let o = match argv {
                Err(why) => Outcome::Absent(why),
                Ok(argv) => {
                    let run = || -> Result<f64> {
                        let t = Instant::now();
                        let out = Command::new(&argv[0]).args(&argv[1..]).output()?;
                        let ms = ms_since(t);
                        ensure!(
                            out.status.success() && out.stdout == b"hello, world\n",
                            "wrong result: {} printed {:?} (status {})",
                            argv.join(" "),
                            String::from_utf8_lossy(&out.stdout),
                            out.status
                        );
                        Ok(ms)
                    };
                    // One unmeasured run first (fills wamr-run's AOT cache).
                    match run() {
                        Ok(_) => sample(runs, run),
                        Err(e) => Outcome::Absent(format!("{e:#}")),
                    }
                }
            };
            self.push(
                "Start-up",
                "hello world (process wall time)",
                label,
                "ms",
                false,
                o,
            );
        }
        Ok(())
    }

    // --- Compile time -----------------------------------------------------------------

    fn compile(&mut self) -> Result<()> {
        let runs = self.reps.compile;
        for rel in [
            "wasm/coremark-minimal.wasm",
            "wasm/coremark.wasm",
            "wasm/shootout/shootout-switch.wasm",
            "wasm/shootout/shootout-ed25519.wasm",
        ] {
            let path = self.shared.join(rel);
            let Ok(wasm) = std::fs::read(&path) else {
                self.push(
                    "Compile",
                    rel,
                    "ours",
                    "ms/MB",
                    false,
                    Outcome::Absent(format!("{} not found", path.display())),
                );
                continue;
            };
            let mb = wasm.len() as f64 / 1e6;
            let name = format!(
                "compile: {} ({:.0} KB wasm)",
                path.file_stem().unwrap().to_string_lossy(),
                wasm.len() as f64 / 1e3
            );
            progress(format!("{name} ({runs} runs per compiler)"));
            let mut compilers = vec![
                ("ours-aot, 1 thread", Some(1), CodegenOptions::default()),
                ("ours-aot, all cores", None, CodegenOptions::default()),
            ];
            if cfg!(feature = "llvm") {
                // LLVM compiles the whole module on one thread.
                compilers.push(("ours-aot-llvm, 1 thread", Some(1), llvm_codegen(false)));
            }
            for (label, threads, codegen) in compilers {
                let o = sample(runs, || {
                    let opts = wamr_aot::CompileOptions {
                        threads,
                        codegen,
                        ..Default::default()
                    };
                    let t = Instant::now();
                    wamr_aot::compile(&wasm, &opts)?;
                    Ok(ms_since(t) / mb)
                });
                self.push("Compile", name.clone(), label, "ms/MB", false, o);
            }
            #[cfg(feature = "peers")]
            let o = sample(runs, || {
                let t = Instant::now();
                let engine = wasmtime::Engine::default();
                wasmtime::Module::new(&engine, &wasm).map_err(|e| anyhow!("wasmtime: {e}"))?;
                Ok(ms_since(t) / mb)
            });
            #[cfg(not(feature = "peers"))]
            let o = Outcome::Absent("not built (needs --features peers)".into());
            // Built without its `parallel-compilation` feature: one thread, so compare it
            // with our 1-thread row.
            self.push(
                "Compile",
                name.clone(),
                "wasmtime, 1 thread",
                "ms/MB",
                false,
                o,
            );
            let o = match tool_version("wamrc") {
                None => Outcome::Absent("not found on PATH".into()),
                Some(_) => {
                    let out = self.out.join("wamrc-out.aot");
                    sample(runs, || {
                        let t = Instant::now();
                        let st = Command::new("wamrc")
                            .arg("-o")
                            .arg(&out)
                            .arg(&path)
                            .output()?;
                        ensure!(st.status.success(), "wamrc failed: {}", st.status);
                        Ok(ms_since(t) / mb)
                    })
                }
            };
            self.push("Compile", name, "wamrc (external)", "ms/MB", false, o);
        }
        Ok(())
    }

    // --- Peak RSS ---------------------------------------------------------------------

    fn rss(&mut self) -> Result<()> {
        let exe = std::env::current_exe()?;
        let wasm = coremark_minimal()?;
        let mut modes: Vec<(String, Vec<String>)> =
            vec![("(process baseline, no wasm)".into(), vec!["none".into()])];
        for (label, h) in interp_modes() {
            modes.push((label, vec![format!("interp-{h:?}").to_lowercase()]));
        }
        for (label, codegen) in aot_modes() {
            let p = self.compile_image("coremark-minimal", &wasm, codegen)?;
            modes.push((label.into(), vec!["aot".into(), p.display().to_string()]));
        }
        modes.push((WASMI.into(), vec!["wasmi".into()]));
        for (label, tier) in SFNANO_TIERS {
            modes.push((label.into(), vec![format!("sfnano-{}", tier.as_str())]));
        }
        modes.push(("wasmtime".into(), vec!["wasmtime".into()]));
        for (label, args) in modes {
            progress(format!("peak RSS on CoreMark: {label} (child process)"));
            let out = Command::new(&exe).arg(CHILD_RSS).args(&args).output()?;
            let stdout = String::from_utf8_lossy(&out.stdout);
            let o = if let Some(kb) = stdout
                .lines()
                .find_map(|l| l.strip_prefix("VmHWM_KB "))
                .and_then(|v| v.trim().parse::<f64>().ok())
            {
                Outcome::Samples(vec![kb / 1024.0])
            } else if let Some(why) = stdout.lines().find_map(|l| l.strip_prefix("ABSENT ")) {
                Outcome::Absent(why.to_string())
            } else {
                Outcome::Absent(format!(
                    "error: child failed ({}): {}",
                    out.status,
                    String::from_utf8_lossy(&out.stderr).trim()
                ))
            };
            self.push(
                "Peak RSS",
                "peak RSS (CoreMark, VmHWM)",
                label,
                "MiB",
                false,
                o,
            );
        }
        Ok(())
    }
}

/// The child side of [`Report::rss`]: runs CoreMark once in one mode, then prints its
/// peak resident set size. AOT modes load an image the parent compiled, so the compiler
/// does not count.
fn child_rss(args: &[String]) -> Result<()> {
    let wasm = coremark_minimal()?;
    let interp = |h: HandlerSet| -> Result<Box<dyn Runner>> {
        let config = InterpConfig {
            handlers: h,
            ..benches::ours_config()
        };
        Ok(Box::new(OursRunner::with_config(&wasm, config)?))
    };
    let runner: Option<Box<dyn Runner>> = match args.first().map(String::as_str) {
        Some("none") => None,
        Some("interp-generic") => Some(interp(HandlerSet::Generic)?),
        Some("interp-avx2") => Some(interp(HandlerSet::Avx2)?),
        Some("interp-portable") => Some(interp(HandlerSet::Portable)?),
        Some("aot") => {
            let path = args.get(1).context("aot needs an image path")?;
            let module = benches::load_own_image(Path::new(path))?;
            Some(Box::new(AotRunner(instantiate_clock(
                &module,
                wamr_aot::Aot::new(),
            )?)))
        }
        Some("wasmi") => Some(Box::new(WasmiRunner::new(&wasm)?)),
        Some("sfnano-interp") => Some(Box::new(SfNanoRunner::new(&wasm, Tier::Interp)?)),
        Some("sfnano-jit") => Some(Box::new(SfNanoRunner::new(&wasm, Tier::Jit)?)),
        #[cfg(feature = "peers")]
        Some("wasmtime") => Some(Box::new(benches::WasmtimeRunner::new(&wasm)?)),
        #[cfg(not(feature = "peers"))]
        Some("wasmtime") => {
            println!("ABSENT not built (needs --features peers)");
            return Ok(());
        }
        other => bail!("unknown mode {other:?}"),
    };
    if let Some(mut r) = runner {
        coremark_score(r.as_mut())?;
    }
    let status = std::fs::read_to_string("/proc/self/status")?;
    let kb = status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        .context("no VmHWM in /proc/self/status")?;
    println!("VmHWM_KB {kb}");
    Ok(())
}

/// An instance with `env.clock_ms`, as a [`Runner`] for a module loaded from an image.
struct AotRunner(Instance);

impl Runner for AotRunner {
    fn engine(&self) -> &'static str {
        "ours-aot"
    }
    fn export(&mut self, name: &str) -> Result<benches::ExportFn<'_>> {
        let func = self
            .0
            .get_func(name)
            .ok_or_else(|| anyhow!("no export {name}"))?;
        Ok(Box::new(move |_args| {
            let r = func.call(&[]).map_err(|t| anyhow!("trap: {t}"))?;
            match r.as_slice() {
                [Val::F32(bits)] => Ok(vec![benches::Value::F32(f32::from_bits(*bits))]),
                other => bail!("unexpected results {other:?}"),
            }
        }))
    }
}

fn instantiate_clock(module: &Module, engine: Rc<dyn wamr_common::Engine>) -> Result<Instance> {
    let mut linker = Linker::new(engine);
    linker.func(
        "env",
        "clock_ms",
        FuncType::new([], [ValType::I64]),
        |_, _, r| {
            r[0] = Val::I64(benches::clock_ms());
            Ok(())
        },
    );
    Ok(Instance::new(module, &linker)?)
}

/// Instantiates CoreMark and calls `run` until its first `env.clock_ms`; returns the
/// milliseconds from `t` to that call.
fn first_host_call_ours(
    module: &Module,
    engine: Rc<dyn wamr_common::Engine>,
    t: Instant,
) -> Result<f64> {
    let at = Rc::new(RefCell::new(None));
    let seen = at.clone();
    let mut linker = Linker::new(engine);
    linker.func(
        "env",
        "clock_ms",
        FuncType::new([], [ValType::I64]),
        move |_, _, _| {
            *seen.borrow_mut() = Some(ms_since(t));
            Err(Trap::host("stop"))
        },
    );
    let instance = Instance::new(module, &linker)?;
    let _ = instance.invoke("run", &[]);
    let ms = *at.borrow();
    ms.context("`run` never called env.clock_ms")
}

fn first_host_call_wasmi(wasm: &[u8], mode: wasmi::CompilationMode) -> Result<f64> {
    let t = Instant::now();
    let mut config = wasmi::Config::default();
    config.compilation_mode(mode);
    let engine = wasmi::Engine::new(&config);
    let module = wasmi::Module::new(&engine, wasm)?;
    let mut store = wasmi::Store::new(&engine, None::<f64>);
    let mut linker = wasmi::Linker::new(&engine);
    linker.func_wrap(
        "env",
        "clock_ms",
        move |mut c: wasmi::Caller<'_, Option<f64>>| -> Result<i64, wasmi::Error> {
            *c.data_mut() = Some(ms_since(t));
            Err(wasmi::Error::i32_exit(0))
        },
    )?;
    let instance = linker.instantiate_and_start(&mut store, &module)?;
    let run = instance.get_typed_func::<(), f32>(&store, "run")?;
    let _ = run.call(&mut store, ());
    store.data().context("`run` never called env.clock_ms")
}

fn first_host_call_sfnano(wasm: &[u8], tier: Tier) -> Result<f64> {
    let t = Instant::now();
    let engine = benches::sfnano_engine(tier)?;
    let at = Rc::new(std::cell::Cell::new(None));
    let seen = at.clone();
    let clock = benches::sfnano_clock_import(move || {
        seen.set(Some(ms_since(t)));
        Err(sf_nano_core::WasmError::trap("stop"))
    });
    let mut instance = sf_nano_core::Instance::new(&engine, wasm, &[clock])
        .map_err(|e| anyhow!("{}: instantiating: {e}", benches::sfnano_id(tier)))?;
    let _ = instance.invoke("run", &[]);
    at.get().context("`run` never called env.clock_ms")
}

/// What a WASI command gave: exit code, stdout, stderr.
type Ran = (i32, Vec<u8>, Vec<u8>);
/// A section's way of timing one engine's runs of a command (see [`timed_command`]).
type Timer<'a> = dyn Fn(&mut dyn FnMut() -> Result<Ran>) -> Outcome + 'a;

/// A run shorter than this is timed in batches lasting about this long: a program that
/// runs for microseconds (shootout-nestedloop) is mostly instantiation, and one run is
/// too short for a clock read on a busy machine to mean anything.
const BATCH_MS: f64 = 20.0;
/// At most this many runs per batch.
const MAX_BATCH: usize = 2000;

/// Milliseconds per run of `f` over `runs` samples, its output checked by `check` once
/// before anything is recorded and after every timed run. A sample is one run, or the
/// mean of a batch of runs when one run takes under [`BATCH_MS`] (sized from a second,
/// warm run, since the first may translate or compile).
fn timed_command(
    runs: usize,
    check: &dyn Fn(Ran) -> Result<()>,
    f: &mut dyn FnMut() -> Result<Ran>,
) -> Outcome {
    let timed_run = |f: &mut dyn FnMut() -> Result<Ran>| -> Result<f64> {
        let t = Instant::now();
        let r = f()?;
        let ms = ms_since(t);
        check(r)?;
        Ok(ms)
    };
    let batch = match timed_run(&mut *f).and_then(|first| {
        if first >= BATCH_MS {
            return Ok(1);
        }
        let warm = timed_run(&mut *f)?;
        Ok(batch_size(warm))
    }) {
        Ok(batch) => batch,
        Err(e) => return Outcome::Absent(format!("{e:#}")),
    };
    sample(runs, || {
        let mut outputs = Vec::with_capacity(batch);
        let t = Instant::now();
        for _ in 0..batch {
            outputs.push(f()?);
        }
        let ms = ms_since(t) / batch as f64;
        for r in outputs {
            check(r)?;
        }
        Ok(ms)
    })
}

/// How many runs of `run_ms` each make one sample lasting about [`BATCH_MS`].
fn batch_size(run_ms: f64) -> usize {
    if run_ms >= BATCH_MS {
        return 1;
    }
    let runs = (BATCH_MS / run_ms.max(1e-4)).ceil();
    (runs as usize).clamp(1, MAX_BATCH)
}

/// wasmtime's row for a WASI command (in this process, on the report's minimal WASI),
/// measured by `timed`; absent unless built with the `peers` feature.
fn wasmtime_command(wasm: &[u8], timed: &Timer<'_>, argv: &[&str], dir: &Path) -> Outcome {
    if let Some(o) = skipped(WASMTIME) {
        return o;
    }
    #[cfg(feature = "peers")]
    return match wasmtime_wasi::WasmtimeCommand::new(wasm) {
        Ok(cmd) => timed(&mut || cmd.run(argv, dir)),
        Err(e) => Outcome::Absent(format!("error: {e:#}")),
    };
    #[cfg(not(feature = "peers"))]
    {
        let _ = (wasm, timed, argv, dir);
        Outcome::Absent("not built (needs --features peers)".into())
    }
}

/// Runs a WASI command with `dir` preopened as `.` and `bench.start`/`bench.end` as
/// no-ops, capturing its output (as wasi/tests/programs.rs does); returns (exit code,
/// stdout, stderr).
fn run_wasi_ours(
    module: &Module,
    engine: Rc<dyn wamr_common::Engine>,
    argv: &[&str],
    dir: &Path,
) -> Result<(i32, Vec<u8>, Vec<u8>)> {
    use wamr_wasi::{Output, WasiConfig, WasiCtx};
    let mut linker = Linker::new(engine);
    let (stdout, out) = Output::capture();
    let (stderr, err) = Output::capture();
    let mut config = WasiConfig::new();
    for arg in argv {
        config.arg(*arg);
    }
    config.preopen_dir(dir, ".");
    config.stdout = stdout;
    config.stderr = stderr;
    let ctx = Rc::new(RefCell::new(WasiCtx::new(&config)?));
    wamr_wasi::add_to_linker(&mut linker, ctx);
    for name in ["start", "end"] {
        linker.func("bench", name, FuncType::new([], []), |_, _, _| Ok(()));
    }
    let instance = Instance::new(module, &linker)?;
    let code = match instance.invoke("_start", &[]) {
        Ok(_) => 0,
        Err(t) => t.exit_code().ok_or_else(|| anyhow!("trap: {t}"))?,
    };
    let (o, e) = (out.borrow().clone(), err.borrow().clone());
    Ok((code, o, e))
}

/// CoreMark's score (`Iterations/Sec`) from its report, if its CRC checks passed. A run
/// under ten seconds (possible on a busy machine) is still a measurement, so the time
/// check is not required, but any CRC error is.
fn coremark_wasi_score(stdout: &[u8]) -> Result<f64> {
    let text = String::from_utf8_lossy(stdout);
    ensure!(
        !text.contains("crc 0x") && text.contains("seedcrc"),
        "wrong result: CoreMark's CRC checks failed:\n{text}"
    );
    text.lines()
        .find_map(|l| {
            l.strip_prefix("Iterations/Sec")?
                .trim_start()
                .strip_prefix(':')
        })
        .and_then(|v| v.trim().parse().ok())
        .ok_or_else(|| anyhow!("no Iterations/Sec in CoreMark's output:\n{text}"))
}

const HELLO_WAT: &str = r#"
(module
  (import "wasi_snapshot_preview1" "fd_write"
    (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 16) "hello, world\n")
  (func (export "_start")
    (i32.store (i32.const 0) (i32.const 16))
    (i32.store (i32.const 4) (i32.const 13))
    (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))))
"#;

/// `wamr-run` beside this binary (same profile); built with cargo if missing and this
/// runs under `cargo run`.
fn wamr_run_binary() -> Result<PathBuf, String> {
    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    let bin = exe.with_file_name("wamr-run");
    if bin.is_file() {
        return Ok(bin);
    }
    let Some(cargo) = std::env::var_os("CARGO") else {
        return Err("not built (cargo build --release -p wamr-cli)".into());
    };
    progress("building wamr-run (cargo build --release -p wamr-cli --bin wamr-run)");
    let ok = Command::new(cargo)
        .args(["build", "--release", "-p", "wamr-cli", "--bin", "wamr-run"])
        .status()
        .is_ok_and(|s| s.success());
    if ok && bin.is_file() {
        Ok(bin)
    } else {
        Err("not built: cargo build --release -p wamr-cli failed".into())
    }
}

/// For each external runtime: its row label and the command that runs `wasm` as a WASI
/// command, or why it cannot run. With both `wamrc` and `iwasm` on PATH, WAMR's LLVM AOT
/// too: `wamrc -O3` compiles `wasm` into `out` (untimed) and `iwasm` runs the image.
fn external_runs(wasm: &Path, out: &Path) -> Vec<(String, Result<Vec<String>, String>)> {
    let mut runs: Vec<_> = [
        ("iwasm", &[][..]),
        ("wasmtime", &["run"][..]),
        ("wasm3", &[][..]),
    ]
    .into_iter()
    .map(|(tool, args)| {
        let argv = match tool_version(tool) {
            Some(_) => Ok(std::iter::once(tool)
                .chain(args.iter().copied())
                .map(String::from)
                .chain([wasm.display().to_string()])
                .collect()),
            None => Err("not found on PATH".to_string()),
        };
        (format!("{tool} (external)"), argv)
    })
    .collect();
    runs.push((WAMRC_AOT.into(), wamrc_image(wasm, out)));
    runs
}

/// The row of WAMR's LLVM AOT (`wamrc -O3` images run by `iwasm`).
const WAMRC_AOT: &str = "iwasm AOT, wamrc -O3 (external)";

/// The `bench` imports of the shootout programs (`start`, `end`: markers that do
/// nothing here) as a WAMR native library for `iwasm --native-lib`, built once with
/// `cc` from WAMR's native-library interface (`cli/include/wamr_native.h`).
const BENCH_NATIVE_LIB: &str = r#"#include "wamr_native.h"
static void start(wasm_exec_env_t env) { (void)env; }
static void end(wasm_exec_env_t env) { (void)env; }
static NativeSymbol symbols[] = {
    EXPORT_WASM_API_WITH_SIG(start, "()"),
    EXPORT_WASM_API_WITH_SIG(end, "()"),
};
uint32_t get_native_lib(char **module_name, NativeSymbol **native_symbols) {
    *module_name = "bench";
    *native_symbols = symbols;
    return sizeof(symbols) / sizeof(symbols[0]);
}
"#;

/// `iwasm --native-lib=BENCH --dir=. IMAGE` for a shootout program compiled by
/// `wamrc --opt-level=3`, or why not.
fn wamrc_program(wasm: &Path, out: &Path) -> Result<Vec<String>, String> {
    let mut argv = wamrc_image(wasm, out)?;
    let lib = out.join("bench-native.so");
    if !lib.exists() {
        let src = out.join("bench-native.c");
        std::fs::write(&src, BENCH_NATIVE_LIB).map_err(|e| e.to_string())?;
        let include = Path::new(env!("CARGO_MANIFEST_DIR")).join("../cli/include");
        let cc = Command::new("cc")
            .args(["-shared", "-fPIC", "-O2", "-I"])
            .arg(&include)
            .arg("-o")
            .arg(&lib)
            .arg(&src)
            .output()
            .map_err(|e| format!("cc: {e}"))?;
        if !cc.status.success() {
            return Err(format!(
                "building the bench native library failed: {}",
                String::from_utf8_lossy(&cc.stderr).trim()
            ));
        }
    }
    let image = argv.pop().unwrap_or_default();
    argv.extend([
        format!("--native-lib={}", lib.display()),
        "--dir=.".into(),
        image,
    ]);
    Ok(argv)
}

/// Runs `argv` as a process in `dir`: exit code, stdout, stderr.
fn run_process(argv: &[String], dir: &Path) -> Result<Ran> {
    let (bin, args) = argv.split_first().context("an empty command")?;
    let out = Command::new(bin).args(args).current_dir(dir).output()?;
    Ok((out.status.code().unwrap_or(-1), out.stdout, out.stderr))
}

/// `iwasm IMAGE` for `wasm` compiled by `wamrc --opt-level=3`, or why not.
fn wamrc_image(wasm: &Path, out: &Path) -> Result<Vec<String>, String> {
    if tool_version("wamrc").is_none() || tool_version("iwasm").is_none() {
        return Err("needs both wamrc and iwasm on PATH".into());
    }
    let stem = wasm.file_stem().unwrap_or_default().to_string_lossy();
    let image = out.join(format!("{stem}-wamrc.aot"));
    let compiled = Command::new("wamrc")
        .arg("--opt-level=3")
        .arg("-o")
        .arg(&image)
        .arg(wasm)
        .output()
        .map_err(|e| format!("wamrc: {e}"))?;
    if !compiled.status.success() {
        return Err(format!(
            "wamrc failed: {}",
            String::from_utf8_lossy(&compiled.stderr).trim()
        ));
    }
    Ok(vec!["iwasm".into(), image.display().to_string()])
}

/// The first line of `tool --version`, or `None` if it is not on PATH.
fn tool_version(tool: &str) -> Option<String> {
    let out = Command::new(tool).arg("--version").output().ok()?;
    let text =
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    Some(
        text.lines()
            .find(|l| !l.trim().is_empty())
            .unwrap_or("(no version output)")
            .trim()
            .to_string(),
    )
}

fn machine_header(full: bool) -> String {
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let model = cpuinfo
        .lines()
        .find_map(|l| l.strip_prefix("model name"))
        .and_then(|l| l.split_once(':'))
        .map(|(_, v)| v.trim().to_string())
        .unwrap_or_else(|| "unknown CPU".into());
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    let date = Command::new("date")
        .args(["-u", "+%Y-%m-%d %H:%M UTC"])
        .output()
        .ok()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .filter(|d| !d.is_empty())
        .unwrap_or_else(|| "unknown date".into());
    let commit = Command::new("git")
        .args(["rev-parse", "--short", "HEAD"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .unwrap_or_else(|| "unknown".into());
    let mut h = String::new();
    let _ = writeln!(h, "# wamr-rs benchmark report\n");
    let _ = writeln!(h, "- date: {date}");
    let _ = writeln!(
        h,
        "- machine: {model}, {cores} cores ({}, {})",
        std::env::consts::OS,
        std::env::consts::ARCH
    );
    let _ = writeln!(
        h,
        "- ours: wamr-rs {} (commit {commit}); interpreter handler sets on this CPU: {}",
        env!("CARGO_PKG_VERSION"),
        benches::supported_handler_sets()
            .iter()
            .map(|h| format!("{h:?}").to_lowercase())
            .collect::<Vec<_>>()
            .join(", ")
    );
    let _ = writeln!(
        h,
        "- repetitions: {}",
        if full {
            "--full"
        } else {
            "--quick (default; --full for more)"
        }
    );
    let _ = writeln!(h, "\n| peer | version |\n|---|---|");
    let _ = writeln!(h, "| wasmi (in process) | {WASMI_VERSION} |");
    let _ = writeln!(
        h,
        "| sf-nano-core, Silverfir-nano (in process) | {SFNANO_VERSION} (interpreter and {} JIT tiers, its WASI preview1) |",
        sf_nano_core::active_native_backend_name()
    );
    #[cfg(feature = "peers")]
    let _ = writeln!(h, "| wasmtime (in process) | {WASMTIME_VERSION} |");
    #[cfg(not(feature = "peers"))]
    let _ = writeln!(
        h,
        "| wasmtime (in process) | not built (needs --features peers) |"
    );
    for tool in ["iwasm", "wamrc", "wasm3", "wasmtime"] {
        let v = tool_version(tool).unwrap_or_else(|| "not found on PATH".into());
        let _ = writeln!(h, "| {tool} (external) | {v} |");
    }
    h
}

fn fmt_num(v: f64) -> String {
    if v >= 100.0 {
        format!("{v:.0}")
    } else if v >= 10.0 {
        format!("{v:.1}")
    } else if v >= 0.1 {
        format!("{v:.2}")
    } else {
        format!("{v:.4}")
    }
}

/// `row` relative to the row of `base` engine on the same workload (>1 = better).
fn ratio(rows: &[Row], row: &Row, base: &str) -> Option<f64> {
    let (v, ..) = row.stats()?;
    let b = rows
        .iter()
        .find(|r| r.workload == row.workload && r.engine == base)?
        .stats()?
        .0;
    Some(if row.higher_better { v / b } else { b / v })
}

/// For each engine with rows in `section`, in order of appearance: the geometric mean of
/// its ratios to `base` (oriented, >1 = better) over the workloads where both have a
/// figure, and how many workloads that is. Engines with no such workload are left out.
fn geomean_ratios(rows: &[Row], section: &str, base: &str) -> Vec<(String, usize, f64)> {
    let mut engines: Vec<&str> = Vec::new();
    for r in rows.iter().filter(|r| r.section == section) {
        if !engines.contains(&r.engine.as_str()) {
            engines.push(&r.engine);
        }
    }
    engines
        .into_iter()
        .filter_map(|engine| {
            let logs: Vec<f64> = rows
                .iter()
                .filter(|r| r.section == section && r.engine == engine)
                .filter_map(|r| ratio(rows, r, base))
                .map(f64::ln)
                .collect();
            (!logs.is_empty()).then(|| {
                let mean = (logs.iter().sum::<f64>() / logs.len() as f64).exp();
                (engine.to_string(), logs.len(), mean)
            })
        })
        .collect()
}

fn markdown(report: &Report) -> String {
    let mut md = report.header.clone();
    let _ = writeln!(
        md,
        "\nRatios are relative to wasmi, to Silverfir-nano's interpreter, to our \
         interpreter and to wasmtime on the same workload, oriented so that **>1 means better** (faster, \
         higher score, less memory). Times are medians over the runs; the spread is min-max.\n"
    );
    let headers = BASES.map(|(h, _)| h).join(" | ");
    let aligns = "---:|".repeat(BASES.len());
    let mut section = "";
    for row in &report.rows {
        if row.section != section {
            section = row.section;
            let _ = writeln!(
                md,
                "\n## {section}\n\n| workload | engine | median | min-max | {headers} |\n|---|---|---:|---:|{aligns}"
            );
        }
        match row.stats() {
            Some((m, lo, hi)) => {
                let ratios = BASES.map(|(_, base)| {
                    ratio(&report.rows, row, base).map_or("-".to_string(), |r| format!("{r:.2}x"))
                });
                let _ = writeln!(
                    md,
                    "| {} | {} | {} {} | {}-{} | {} |",
                    row.workload,
                    row.engine,
                    fmt_num(m),
                    row.unit,
                    fmt_num(lo),
                    fmt_num(hi),
                    ratios.join(" | ")
                );
            }
            None => {
                let why = match &row.outcome {
                    Outcome::Absent(w) => w.replace('|', "/"),
                    Outcome::Samples(_) => "no samples".into(),
                };
                let blanks = " |".repeat(BASES.len());
                let _ = writeln!(
                    md,
                    "| {} | {} | {why} | |{blanks}",
                    row.workload, row.engine
                );
            }
        }
    }
    // The programs in one line per engine, against each baseline; an engine is listed
    // if it has a figure beside any baseline's.
    let means = BASES.map(|(_, base)| geomean_ratios(&report.rows, PROGRAMS, base));
    let mut engines: Vec<&str> = Vec::new();
    for (engine, ..) in means.iter().flatten() {
        if !engines.contains(&engine.as_str()) {
            engines.push(engine);
        }
    }
    if !engines.is_empty() {
        let _ = writeln!(
            md,
            "\n## WASI programs, geometric means\n\nSpeed-up (>1 = faster) over the \
             programs where both engines have a figure.\n\n\
             | engine | {headers} |\n|---|{aligns}"
        );
        for engine in engines {
            let cells = means.each_ref().map(|m| {
                m.iter()
                    .find(|(e, ..)| e == engine)
                    .map_or("-".to_string(), |(_, n, v)| {
                        format!("{v:.2}x ({n} programs)")
                    })
            });
            let _ = writeln!(md, "| {engine} | {} |", cells.join(" | "));
        }
    }
    // Load time against image size: the claim is that it does not grow with the image.
    let loads: Vec<(f64, f64)> = report
        .rows
        .iter()
        .filter(|r| r.workload.starts_with(".aot load"))
        .filter_map(|r| {
            let size = report
                .images
                .iter()
                .find(|i| r.workload.contains(&format!(": {} (", i.0)))?
                .2 as f64;
            Some((size, r.stats()?.0))
        })
        .collect();
    if let (Some(first), Some(last)) = (loads.first(), loads.last()) {
        let _ = writeln!(
            md,
            "\n.aot load: the largest image is {:.1}x the smallest and loads in {:.2}x the time.",
            last.0 / first.0,
            last.1 / first.1
        );
    }
    md
}

fn csv(report: &Report) -> String {
    let mut s = String::from(
        "section,workload,engine,unit,median,min,max,runs,vs_wasmi,vs_sf_nano_interp,vs_ours_interp,vs_wasmtime,note\n",
    );
    let q = |v: &str| format!("\"{}\"", v.replace('"', "\"\""));
    for row in &report.rows {
        let opt = |v: Option<f64>| v.map_or(String::new(), |v| format!("{v:.6}"));
        let (m, lo, hi, n, note) = match (&row.outcome, row.stats()) {
            (Outcome::Samples(s), Some((m, lo, hi))) => {
                (Some(m), Some(lo), Some(hi), s.len(), String::new())
            }
            (Outcome::Absent(w), _) => (None, None, None, 0, w.clone()),
            _ => (None, None, None, 0, String::new()),
        };
        let _ = writeln!(
            s,
            "{},{},{},{},{},{},{},{n},{},{}",
            q(row.section),
            q(&row.workload),
            q(&row.engine),
            q(row.unit),
            opt(m),
            opt(lo),
            opt(hi),
            BASES
                .map(|(_, base)| opt(ratio(&report.rows, row, base)))
                .join(","),
            q(&note)
        );
    }
    s
}

/// `--engines`: row-label prefixes to measure in the CoreMark and program sections.
static ENGINES: OnceLock<Vec<String>> = OnceLock::new();
/// `--programs`: the programs to run (name substrings); unset means all.
static PROGRAMS_WANTED: OnceLock<Vec<String>> = OnceLock::new();

/// The row of an engine left out by `--engines`, if it is.
fn skipped(label: &str) -> Option<Outcome> {
    let wanted = ENGINES.get()?;
    if wanted.iter().any(|w| label.starts_with(w.as_str())) {
        None
    } else {
        Some(Outcome::Absent(
            "not measured in this run (--engines)".into(),
        ))
    }
}

struct Args {
    full: bool,
    out: PathBuf,
    sections: Vec<&'static str>,
}

fn parse_args() -> Result<Args> {
    let mut args = Args {
        full: false,
        out: Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/bench-report"),
        sections: SECTIONS.to_vec(),
    };
    let mut it = std::env::args().skip(1);
    while let Some(a) = it.next() {
        let (flag, inline) = match a.split_once('=') {
            Some((f, v)) if f.starts_with("--") => (f.to_string(), Some(v.to_string())),
            _ => (a.clone(), None),
        };
        let mut value = |what: &str| {
            inline
                .clone()
                .or_else(|| it.next())
                .with_context(|| format!("{flag} needs {what}\n{USAGE}"))
        };
        match flag.as_str() {
            "--quick" => args.full = false,
            "--full" => args.full = true,
            "--out" => args.out = PathBuf::from(value("a directory")?),
            "--only" => {
                let list = value("a list of sections")?;
                args.sections = list
                    .split(',')
                    .map(|name| {
                        SECTIONS
                            .iter()
                            .copied()
                            .find(|s| *s == name.trim())
                            .with_context(|| format!("unknown section `{name}`\n{USAGE}"))
                    })
                    .collect::<Result<_>>()?;
            }
            "--engines" => {
                let list = value("a list of engines")?;
                let _ = ENGINES.set(list.split(',').map(|e| e.trim().to_string()).collect());
            }
            "--programs" => {
                let list = value("a list of program names")?;
                let _ =
                    PROGRAMS_WANTED.set(list.split(',').map(|p| p.trim().to_string()).collect());
            }
            "-h" | "--help" => {
                println!("{USAGE}");
                std::process::exit(0);
            }
            _ => bail!("unexpected argument `{a}`\n{USAGE}"),
        }
    }
    Ok(args)
}

fn run() -> Result<()> {
    let argv: Vec<String> = std::env::args().skip(1).collect();
    if argv.first().map(String::as_str) == Some(CHILD_RSS) {
        // One engine per child, so no handler order to fix (nor its memory to count).
        return child_rss(&argv[1..]);
    }
    // Before any of our AOT code runs.
    benches::install_sfnano_signal_handler_first();
    let Args {
        full,
        out,
        sections,
    } = parse_args()?;
    std::fs::create_dir_all(&out).with_context(|| format!("creating {}", out.display()))?;
    let out = out.canonicalize()?;
    if cfg!(debug_assertions) {
        progress("warning: debug build; measure with --release");
    }
    let header = machine_header(full);
    eprint!("{header}");
    let mut report = Report {
        rows: Vec::new(),
        reps: if full { &FULL } else { &QUICK },
        out: out.clone(),
        shared: shared_dir()?,
        images: Vec::new(),
        header,
    };
    let started = Instant::now();
    for section in sections {
        match section {
            "coremark" => report.coremark()?,
            "coremark-wasi" => report.coremark_wasi()?,
            "programs" => report.programs()?,
            "simd" => report.simd_programs()?,
            "startup" => report.startup()?,
            "translation" => report.translation()?,
            "compile" => report.compile()?,
            "rss" => report.rss()?,
            other => unreachable!("SECTIONS lists {other}"),
        }
    }
    let _ = std::fs::remove_dir_all(out.join("images"));
    let md = markdown(&report);
    std::fs::write(out.join("report.md"), &md)?;
    std::fs::write(out.join("report.csv"), csv(&report))?;
    chart::write(&report.rows, &out)?;
    println!("{md}");
    progress(format!(
        "done in {:.0} s: {} (report.md, report.csv, coremark.svg, programs.svg)",
        started.elapsed().as_secs_f64(),
        out.display()
    ));
    Ok(())
}

fn main() -> ExitCode {
    #[cfg(feature = "llvm")]
    wamr_aot::enable_llvm_backend();
    benches::exit_code(run())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(workload: &str, engine: &str, ms: f64) -> Row {
        Row {
            section: PROGRAMS,
            workload: workload.into(),
            engine: engine.into(),
            unit: "ms",
            higher_better: false,
            outcome: Outcome::Samples(vec![ms * 1.1, ms, ms * 0.9]),
        }
    }

    #[test]
    fn short_runs_are_timed_in_batches_and_every_output_is_checked() {
        assert_eq!(batch_size(BATCH_MS * 2.0), 1);
        assert_eq!(batch_size(BATCH_MS / 4.0), 4);
        assert_eq!(batch_size(0.0), MAX_BATCH);
        // A command of no measurable length: two sizing runs, then full batches.
        let calls = std::cell::Cell::new(0usize);
        let checks = std::cell::Cell::new(0usize);
        let check = |_: Ran| -> Result<()> {
            checks.set(checks.get() + 1);
            Ok(())
        };
        let outcome = timed_command(3, &check, &mut || {
            calls.set(calls.get() + 1);
            Ok((0, Vec::new(), Vec::new()))
        });
        let Outcome::Samples(samples) = outcome else {
            panic!("no samples")
        };
        assert_eq!(samples.len(), 3);
        assert!(
            calls.get() > 2 + 3,
            "runs were not batched: {}",
            calls.get()
        );
        assert_eq!(checks.get(), calls.get());
        // A wrong output in the middle of a batch is an error, not a time.
        let bad_after = std::cell::Cell::new(10usize);
        let outcome = timed_command(
            3,
            &|r: Ran| {
                ensure!(r.0 == 0, "wrong");
                Ok(())
            },
            &mut || {
                bad_after.set(bad_after.get().saturating_sub(1));
                Ok((i32::from(bad_after.get() == 0), Vec::new(), Vec::new()))
            },
        );
        assert!(matches!(outcome, Outcome::Absent(e) if e.contains("wrong")));
    }

    /// The minimal WASI lets wasmi run a program that reads input files and recurses
    /// deeply, with the expected output (the report checks every run the same way).
    #[test]
    #[cfg_attr(
        debug_assertions,
        ignore = "wasmi's tail-call dispatch needs an optimised build: cargo test --release -p benches"
    )]
    fn wasmi_runs_shootout_ackermann_with_the_expected_output() {
        let dir = shared_dir().unwrap().join("wasm/shootout");
        let wasm = std::fs::read(dir.join("shootout-ackermann.wasm")).unwrap();
        let (code, out, err) = wasmi_wasi::WasmiCommand::new(&wasm)
            .unwrap()
            .run(&["shootout-ackermann"], &dir)
            .unwrap();
        assert_eq!(code, 0);
        let expected = |ext: &str| {
            std::fs::read(dir.join(format!("shootout-ackermann.{ext}.expected"))).unwrap()
        };
        assert_eq!(out, expected("stdout"));
        assert_eq!(err, expected("stderr"));
    }

    /// wasmtime on the same minimal WASI runs the same program, and a SIMD program, with
    /// the expected output.
    #[cfg(feature = "peers")]
    #[test]
    fn wasmtime_runs_shootout_ackermann_and_a_simd_program_with_the_expected_output() {
        let dir = shared_dir().unwrap().join("wasm/shootout");
        let wasm = std::fs::read(dir.join("shootout-ackermann.wasm")).unwrap();
        let (code, out, err) = wasmtime_wasi::WasmtimeCommand::new(&wasm)
            .unwrap()
            .run(&["shootout-ackermann"], &dir)
            .unwrap();
        assert_eq!(code, 0);
        let expected = |ext: &str| {
            std::fs::read(dir.join(format!("shootout-ackermann.{ext}.expected"))).unwrap()
        };
        assert_eq!(out, expected("stdout"));
        assert_eq!(err, expected("stderr"));

        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../wasi/tests/simd-programs");
        let read = |ext: &str| std::fs::read(dir.join(format!("kernels.{ext}"))).unwrap();
        let args = String::from_utf8(read("args")).unwrap();
        let mut argv = vec!["kernels"];
        argv.extend(args.split_whitespace());
        let (code, out, _) = wasmtime_wasi::WasmtimeCommand::new(&read("wasm"))
            .unwrap()
            .run(&argv, &dir)
            .unwrap();
        assert_eq!(code, 0);
        assert_eq!(out, read("stdout.expected"));
    }

    /// Silverfir-nano's own WASI (with the capturing `fd_write`) runs the same program on
    /// both tiers with the expected output.
    #[test]
    #[cfg_attr(
        debug_assertions,
        ignore = "peers are measured in optimised builds: cargo test --release -p benches"
    )]
    fn sfnano_runs_shootout_ackermann_with_the_expected_output() {
        let dir = shared_dir().unwrap().join("wasm/shootout");
        let wasm = std::fs::read(dir.join("shootout-ackermann.wasm")).unwrap();
        let expected = |ext: &str| {
            std::fs::read(dir.join(format!("shootout-ackermann.{ext}.expected"))).unwrap()
        };
        for (label, tier) in SFNANO_TIERS {
            let (code, out, err) = sfnano_wasi::SfNanoCommand::new(&wasm, tier)
                .unwrap()
                .run("shootout-ackermann", &dir)
                .unwrap();
            assert_eq!(code, 0, "{label}");
            assert_eq!(out, expected("stdout"), "{label}");
            assert_eq!(err, expected("stderr"), "{label}");
        }
    }

    #[test]
    fn row_labels_are_the_engine_ids() {
        assert_eq!(SFNANO_TIERS[0].0, benches::EngineId::SfNano.id());
        assert_eq!(SFNANO_TIERS[1].0, benches::EngineId::SfNanoJit.id());
        assert_eq!(WASMI, benches::EngineId::Wasmi.id());
        assert_eq!(INTERP, benches::EngineId::Ours.id());
    }

    /// Every row carries a ratio to wasmi, to sf-nano-interp, to ours-interp and to
    /// wasmtime, in Markdown (rows and the geometric-mean table) and in CSV.
    #[test]
    fn tables_have_a_column_per_baseline() {
        let mut rows = vec![
            row("a", INTERP, 100.0),
            row("a", WASMI, 50.0),
            row("a", SFNANO, 25.0),
            row("a", "sf-nano-jit", 5.0),
            row("a", WASMTIME, 2.5),
        ];
        rows.push(Row {
            outcome: Outcome::Absent("error: a | b".into()),
            ..row("b", SFNANO, 0.0)
        });
        let report = Report {
            rows,
            reps: &QUICK,
            out: PathBuf::new(),
            shared: PathBuf::new(),
            images: Vec::new(),
            header: String::new(),
        };
        let md = markdown(&report);
        assert!(md.contains(
            "| workload | engine | median | min-max | vs wasmi | vs sf-nano-interp | vs ours-interp | vs wasmtime |\n|---|---|---:|---:|---:|---:|---:|---:|"
        ));
        // sf-nano-jit: 10x wasmi's time, 5x sf-nano-interp's, 20x ours', half wasmtime's.
        assert!(md.contains(
            "| a | sf-nano-jit | 5.00 ms | 4.50-5.50 | 10.00x | 5.00x | 20.00x | 0.50x |"
        ));
        // A row without figures keeps the column count and its reason.
        assert!(md.contains("| b | sf-nano-interp | error: a / b | | | | | |"));
        assert!(
            md.contains("| engine | vs wasmi | vs sf-nano-interp | vs ours-interp | vs wasmtime |")
        );
        assert!(md.contains(
            "| sf-nano-jit | 10.00x (1 programs) | 5.00x (1 programs) | 20.00x (1 programs) | 0.50x (1 programs) |"
        ));
        let csv = csv(&report);
        let mut lines = csv.lines();
        assert_eq!(
            lines.next().unwrap(),
            "section,workload,engine,unit,median,min,max,runs,vs_wasmi,vs_sf_nano_interp,vs_ours_interp,vs_wasmtime,note"
        );
        let jit = lines.find(|l| l.contains("sf-nano-jit")).unwrap();
        assert!(
            jit.ends_with(",3,10.000000,5.000000,20.000000,0.500000,\"\""),
            "{jit}"
        );
    }

    #[test]
    fn ratios_are_oriented_and_geomeans_skip_missing_figures() {
        let mut rows = vec![
            row("a", INTERP, 100.0),
            row("a", "fast", 25.0),
            row("a", WASMI, 50.0),
            row("b", INTERP, 10.0),
            row("b", "fast", 10.0),
        ];
        rows.push(Row {
            outcome: Outcome::Absent("not built".into()),
            ..row("b", WASMI, 0.0)
        });
        // Lower is better: a quarter of the time is 4x.
        assert_eq!(ratio(&rows, &rows[1], INTERP), Some(4.0));
        assert_eq!(ratio(&rows, &rows[2], INTERP), Some(2.0));
        let g = geomean_ratios(&rows, PROGRAMS, INTERP);
        let fast = g.iter().find(|(e, ..)| e == "fast").unwrap();
        assert_eq!(fast.1, 2);
        assert!(
            (fast.2 - 2.0).abs() < 1e-9,
            "sqrt(4 * 1) = 2, got {}",
            fast.2
        );
        // wasmi has one figure, so its geometric mean covers one program.
        let w = g.iter().find(|(e, ..)| e == WASMI).unwrap();
        assert_eq!((w.1, w.2), (1, 2.0));
        // Higher is better for scores.
        let score = Row {
            higher_better: true,
            section: "CoreMark",
            ..row("c", "fast", 30.0)
        };
        let base = Row {
            higher_better: true,
            section: "CoreMark",
            ..row("c", INTERP, 10.0)
        };
        let rows = vec![base, score];
        assert_eq!(ratio(&rows, &rows[1], INTERP), Some(3.0));
    }
}
