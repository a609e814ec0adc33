//! `wamr-run`: runs a WASI program or one export of a `.wasm` (interpreter or AOT through
//! the object cache) or an `.aot` image (AOT, in place). Options follow WAMR's `iwasm`.

use std::cell::RefCell;
use std::path::PathBuf;
use std::process::ExitCode;
use std::rc::Rc;

use anyhow::{bail, Context, Result};
use clap::{Parser, ValueEnum};
use wamr_aot::abi::CodegenOptions;
use wamr_common::{Instance, InstanceLimits, Linker, Module, Trap};
use wamr_wasi::{WasiConfig, WasiCtx};

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Mode {
    /// `.aot` images (by their magic) in AOT mode, anything else in the interpreter.
    Auto,
    /// The interpreter (`.wasm` only).
    Interp,
    /// AOT: an `.aot` image in place, or a `.wasm` compiled through the object cache.
    Aot,
    /// Run `-f NAME ARGS` in the interpreter and in AOT and report whether results, trap
    /// and final memory agree (modules importing WASI or other host functions are refused).
    Diff,
}

/// Run a WebAssembly module or an AOT image (iwasm-compatible options).
#[derive(Parser)]
#[command(name = "wamr-run", version, about, after_help = AFTER_HELP)]
struct Cli {
    /// Execution mode.
    #[arg(long, value_enum, default_value_t = Mode::Auto)]
    mode: Mode,
    /// Call this exported function with the arguments that follow the file, and print
    /// its results (instead of running the WASI `_start`).
    #[arg(short = 'f', long = "function", value_name = "NAME")]
    function: Option<String>,
    /// Native stack size in bytes for the wasm thread (also sizes the interpreter's
    /// value stack).
    #[arg(long = "stack-size", value_name = "BYTES", value_parser = parse_size)]
    stack_size: Option<u64>,
    /// Cap on linear memory, in 64 KiB wasm pages (a `K`/`M`/`G` suffix gives bytes,
    /// rounded down to whole pages).
    #[arg(long = "max-memory", value_name = "PAGES", value_parser = parse_max_memory)]
    max_memory: Option<u64>,
    /// Cap on every table's size in elements (default: the runtime's 10,000,000).
    #[arg(long = "max-table-elements", value_name = "N")]
    max_table_elements: Option<u64>,
    /// Stop the program with `Exception: out of fuel` after N units of fuel (one per
    /// wasm operator, counted the same in both modes). An `.aot` image needs
    /// `wamr-compile --fuel`.
    #[arg(long = "fuel", value_name = "N")]
    fuel: Option<u64>,
    /// Stop the program with `Exception: interrupted` after MS milliseconds of running.
    /// An `.aot` image needs `wamr-compile --interruptible`.
    #[arg(long = "timeout", value_name = "MS")]
    timeout: Option<u64>,
    /// Environment variable for the program (repeatable).
    #[arg(long = "env", value_name = "KEY=VALUE")]
    env: Vec<String>,
    /// Preopen a host directory under its own name (repeatable).
    #[arg(long = "dir", value_name = "PATH")]
    dir: Vec<String>,
    /// Preopen HOST as GUEST (repeatable), e.g. `--map-dir=/::./sandbox`.
    #[arg(long = "map-dir", value_name = "GUEST::HOST")]
    map_dir: Vec<String>,
    /// Load a WAMR native library and register its functions (repeatable); see
    /// cli/include/wamr_native.h.
    #[arg(long = "native-lib", value_name = "PATH")]
    native_lib: Vec<PathBuf>,
    /// Describe an .aot image (header, target, options, sections, intrinsics,
    /// functions, relocations) instead of running it.
    #[arg(long)]
    inspect: bool,
    /// AOT mode: write jit-PID.dump (perf's jitdump: every function's address, size,
    /// name and code) into $TMPDIR, so a `perf record -k mono` profile names compiled
    /// code after `perf inject --jit`.
    #[arg(long)]
    jitdump: bool,
    /// Read `NAME ARGS...` lines from stdin and call each export (iwasm's REPL).
    #[arg(long)]
    repl: bool,
    /// Object cache directory for `--mode aot` on a `.wasm` (default:
    /// $XDG_CACHE_HOME/wamr-rs, else ~/.cache/wamr-rs; none without either). It must be
    /// yours and not writable by others; it is created mode 0700.
    #[arg(long = "cache-dir", value_name = "DIR")]
    cache_dir: Option<PathBuf>,
    /// Run an `.aot` image only if it is signed by this Ed25519 public key (a PEM file,
    /// from `wamr-compile --generate-key` or openssl; repeatable: any of them will do).
    /// Without it, an `.aot` file you name runs unsigned, as with iwasm.
    #[arg(long = "trust", value_name = "PUBKEY")]
    trust: Vec<PathBuf>,
    /// Compile `.wasm` in AOT mode without reading or writing the cache.
    #[arg(long = "no-cache")]
    no_cache: bool,
    /// Cap on the object cache's size; the least recently used entries go first
    /// (a `K`/`M`/`G` suffix; default 512M).
    #[arg(long = "cache-max-size", value_name = "BYTES", value_parser = parse_size,
          default_value_t = wamr_cli::cache::DEFAULT_MAX_BYTES)]
    cache_max_size: u64,
    #[command(flatten)]
    features: wamr_cli::features::FeatureArgs,
    /// Log level 0 (errors) .. 5 (trace); `RUST_LOG` overrides it.
    #[arg(short = 'v', default_value_t = 1, value_name = "LEVEL")]
    verbosity: u8,
    /// The .wasm or .aot file, then the arguments of the program (or of the function
    /// with `-f`). Options go before the file: everything after it is the program's,
    /// `-`-prefixed or not, as with iwasm.
    #[arg(
        required = true,
        num_args = 1..,
        trailing_var_arg = true,
        value_names = ["FILE", "ARGS"]
    )]
    command: Vec<String>,
    /// The file (the first word of `command`).
    #[arg(skip)]
    file: PathBuf,
    /// The program's arguments (the rest of `command`).
    #[arg(skip)]
    args: Vec<String>,
}

impl Cli {
    /// Parses the command line and splits the file from the program's arguments.
    fn from_args() -> Cli {
        let mut cli = Cli::parse();
        let mut words = std::mem::take(&mut cli.command).into_iter();
        cli.file = words.next().map(PathBuf::from).unwrap_or_default();
        cli.args = words.collect();
        cli
    }
}

const AFTER_HELP: &str = "An .aot image is native code that runs with your rights: its \
checksum detects damage, not forgery. Without --trust, an image you name runs whoever \
wrote it (iwasm's behaviour), so run only images you trust; with --trust, only images \
signed by a trusted key run (sign with `wamr-compile --sign`). An image writable by \
anyone but you (or owned by another user) is refused either way. `.wasm` files compiled \
through the object cache are authenticated by the cache.

Exit status: the program's WASI exit code; 1 after a trap \
(printed as `Exception: <message>`); 2 when the file cannot be loaded, linked or run.";

fn parse_size(s: &str) -> Result<u64, String> {
    let s = s.trim();
    let (num, mult) = match s.char_indices().last() {
        Some((i, 'k' | 'K')) => (&s[..i], 1u64 << 10),
        Some((i, 'm' | 'M')) => (&s[..i], 1 << 20),
        Some((i, 'g' | 'G')) => (&s[..i], 1 << 30),
        _ => (s, 1),
    };
    num.parse::<u64>()
        .ok()
        .and_then(|n| n.checked_mul(mult))
        .ok_or_else(|| format!("`{s}` is not a size (a number, optionally with K, M or G)"))
}

fn parse_max_memory(s: &str) -> Result<u64, String> {
    let plain = s.trim().chars().all(|c| c.is_ascii_digit());
    let n = parse_size(s)?;
    let pages = if plain {
        n
    } else {
        n / wamr_common::memory::WASM_PAGE
    };
    if pages > wamr_common::memory::MAX_PAGES {
        return Err(format!("{pages} pages is more than wasm32 allows (65536)"));
    }
    Ok(pages)
}

/// Whose word an `.aot` image the user names needs: the `--trust` keys, or none.
fn trust(cli: &Cli) -> Result<wamr_aot::Trust> {
    if cli.trust.is_empty() {
        // SAFETY: the user named this image on the command line and gave no --trust
        // key: running it is their decision, as with iwasm (--help says what it means).
        return Ok(unsafe { wamr_aot::Trust::any_image() });
    }
    let keys = cli
        .trust
        .iter()
        .map(|p| wamr_aot::PublicKey::read(p))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(wamr_aot::Trust::signed_by(keys))
}

/// Reads a module file, with a helpful word for the text format.
fn read_wasm(path: &std::path::Path) -> Result<Vec<u8>> {
    let bytes = std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
    if bytes.trim_ascii_start().starts_with(b"(") {
        bail!(
            "{} looks like WebAssembly text; wamr-run takes the binary format (convert it with `wat2wasm`)",
            path.display()
        );
    }
    Ok(bytes)
}

fn is_aot(path: &std::path::Path) -> Result<bool> {
    use std::io::Read;
    let mut magic = [0u8; 8];
    let mut f =
        std::fs::File::open(path).with_context(|| format!("cannot open {}", path.display()))?;
    let n = f
        .read(&mut magic)
        .with_context(|| format!("cannot read {}", path.display()))?;
    Ok(n == 8 && magic == wamr_aot::image::MAGIC)
}

/// What went wrong, and the exit status it maps to.
enum Outcome {
    Exit(i32),
    Trap(Trap),
}

/// `--jitdump`: writes perf's jitdump file for the image's code.
fn write_jitdump(module: &Module) -> Result<()> {
    let Some(image) = wamr_aot::image_of(module) else {
        bail!("--jitdump needs AOT mode (--mode aot or an .aot image)");
    };
    let dir = std::env::temp_dir();
    let path = wamr_aot::jitdump::write_jitdump(&image, module, &dir)
        .with_context(|| format!("--jitdump: cannot write into {}", dir.display()))?;
    tracing::info!("jitdump written to {}", path.display());
    Ok(())
}

fn load(cli: &Cli) -> Result<(Module, Linker)> {
    let image = is_aot(&cli.file)?;
    let aot = match cli.mode {
        Mode::Auto => image,
        Mode::Interp => {
            if image {
                bail!(
                    "{} is an AOT image; run it with --mode aot (or auto)",
                    cli.file.display()
                );
            }
            false
        }
        Mode::Aot => true,
        Mode::Diff => unreachable!("handled by `diff`"),
    };
    let metering = wamr_common::metering::Metering {
        fuel: cli.fuel.is_some(),
        interruptible: cli.timeout.is_some(),
    };
    let mut interp_config = wamr_interp::InterpConfig {
        metering,
        ..Default::default()
    };
    if let Some(bytes) = cli.stack_size {
        interp_config.stack_slots = (bytes / 8).max(1024) as usize;
    }
    let module = if aot && image {
        let module = wamr_aot::load(&cli.file, &trust(cli)?)?;
        let has = wamr_aot::image_of(&module).map(|i| i.codegen().metering);
        let has = has.unwrap_or_default();
        if metering.fuel && !has.fuel {
            bail!(
                "--fuel: {} was compiled without fuel metering (compile it with `wamr-compile --fuel`)",
                cli.file.display()
            );
        }
        if metering.interruptible && !has.interruptible {
            bail!(
                "--timeout: {} was compiled without interruption checks (compile it with `wamr-compile --interruptible`)",
                cli.file.display()
            );
        }
        module
    } else {
        let bytes = {
            let _span = tracing::info_span!("read").entered();
            std::fs::read(&cli.file)
                .with_context(|| format!("cannot read {}", cli.file.display()))?
        };
        if aot {
            let opts = wamr_aot::CompileOptions {
                codegen: CodegenOptions {
                    metering,
                    ..Default::default()
                },
                target: Default::default(),
                threads: None,
                features: cli.features.features(),
            };
            use wamr_cli::cache;
            let dir = match (&cli.cache_dir, cli.no_cache) {
                (_, true) => None,
                (Some(dir), false) => Some(dir.clone()),
                (None, false) => cache::default_dir().or_else(|| {
                    tracing::info!("no $XDG_CACHE_HOME or $HOME: compiling without the cache");
                    None
                }),
            };
            match dir {
                Some(dir) => {
                    cache::Cache::open(&dir, cli.cache_max_size)?.load_or_compile(&bytes, &opts)
                }
                None => cache::compile_uncached(&bytes, &opts),
            }
            .with_context(|| format!("cannot run {} in AOT mode", cli.file.display()))?
        } else {
            let _span = tracing::info_span!("validate").entered();
            Module::with_features(&bytes, cli.features.features())
                .with_context(|| format!("cannot load {}", cli.file.display()))?
        }
    };
    if cli.jitdump {
        write_jitdump(&module)?;
    }
    let linker = if aot {
        Linker::new(wamr_aot::Aot::new())
    } else {
        Linker::new(wamr_interp::Interp::new(interp_config))
    };
    Ok((module, linker))
}

fn wasi_config(cli: &Cli) -> Result<WasiConfig> {
    let mut c = WasiConfig::new();
    c.arg(cli.file.display().to_string());
    for a in &cli.args {
        c.arg(a.clone());
    }
    for kv in &cli.env {
        let (k, v) = kv
            .split_once('=')
            .with_context(|| format!("--env `{kv}`: expected KEY=VALUE"))?;
        c.env(k, v);
    }
    for d in &cli.dir {
        c.preopen_dir(d, d.clone());
    }
    for m in &cli.map_dir {
        c.map_dir(m)?;
    }
    Ok(c)
}

fn call_export(
    instance: &Instance,
    name: &str,
    args: &[String],
) -> Result<std::result::Result<Vec<wamr_common::Val>, Trap>> {
    let func = instance
        .get_func(name)
        .with_context(|| format!("no exported function `{name}`"))?;
    let params = func.ty().params().to_vec();
    if params.len() != args.len() {
        bail!(
            "`{name}` takes {} argument(s), {} given",
            params.len(),
            args.len()
        );
    }
    let args = args
        .iter()
        .zip(&params)
        .map(|(a, t)| wamr_cli::parse_arg(a, *t))
        .collect::<Result<Vec<_>>>()?;
    let _span = tracing::info_span!("run", function = name).entered();
    Ok(func.call(&args))
}

fn print_results(results: &[wamr_common::Val]) {
    let shown: Vec<String> = results.iter().map(wamr_cli::format_val).collect();
    println!("{}", shown.join(","));
}

fn repl(instance: &Instance) -> Result<Outcome> {
    use std::io::{BufRead, Write};
    let stdin = std::io::stdin();
    loop {
        print!("webassembly> ");
        std::io::stdout().flush()?;
        let mut line = String::new();
        if stdin.lock().read_line(&mut line)? == 0 {
            return Ok(Outcome::Exit(0));
        }
        let words: Vec<String> = line.split_whitespace().map(String::from).collect();
        let Some((name, args)) = words.split_first() else {
            continue;
        };
        if name == "quit" || name == "exit" {
            return Ok(Outcome::Exit(0));
        }
        match call_export(instance, name, args) {
            Ok(Ok(results)) => print_results(&results),
            Ok(Err(t)) if t.exit_code().is_some() => return Ok(Outcome::Trap(t)),
            Ok(Err(t)) => eprintln!("Exception: {}", t.message()),
            Err(e) => eprintln!("{e:#}"),
        }
    }
}

/// `--mode diff`: the same export in both engines.
fn diff(cli: &Cli) -> Result<Outcome> {
    let name = cli
        .function
        .as_deref()
        .context("--mode diff compares one export: pass -f NAME [ARGS]")?;
    let bytes = read_wasm(&cli.file)?;
    let module = Module::with_features(&bytes, cli.features.features())
        .with_context(|| format!("cannot load {}", cli.file.display()))?;
    let export = module
        .export(name)
        .filter(|e| e.kind == wamr_common::module::ExportKind::Func)
        .with_context(|| format!("no exported function `{name}`"))?;
    let params = module.func_type(export.index).params().to_vec();
    if params.len() != cli.args.len() {
        bail!(
            "`{name}` takes {} argument(s), {} given",
            params.len(),
            cli.args.len()
        );
    }
    let args = cli
        .args
        .iter()
        .zip(&params)
        .map(|(a, t)| wamr_cli::parse_arg(a, *t))
        .collect::<Result<Vec<_>>>()?;
    let report = wamr_diff::diff_export(&bytes, name, &args)?;
    println!("{report}");
    Ok(Outcome::Exit(if report.is_equal() { 0 } else { 1 }))
}

fn run(cli: &Cli) -> Result<Outcome> {
    if cli.inspect {
        print!("{}", wamr_cli::inspect::inspect(&cli.file)?);
        return Ok(Outcome::Exit(0));
    }
    if cli.mode == Mode::Diff {
        return diff(cli);
    }
    let (module, mut linker) = {
        let _span = tracing::info_span!("load", file = %cli.file.display()).entered();
        load(cli)?
    };
    linker.set_limits(InstanceLimits {
        max_memory_pages: cli.max_memory,
        max_table_elements: cli.max_table_elements,
        ..Default::default()
    });
    let wasi = Rc::new(RefCell::new(WasiCtx::new(&wasi_config(cli)?)?));
    wamr_wasi::add_to_linker(&mut linker, wasi);
    let mut libs = Vec::new();
    for path in &cli.native_lib {
        libs.push(wamr_cli::native::load(path, &mut linker)?);
    }
    wamr_cli::native::check_imports(&module, &libs).map_err(anyhow::Error::msg)?;
    if let Some(fuel) = cli.fuel {
        linker.store().set_fuel(fuel);
    }
    if let Some(ms) = cli.timeout {
        let handle = linker.store().interrupt_handle();
        // Detached: the process ends when the program does, sleeping or not.
        std::thread::Builder::new()
            .name("timeout".into())
            .spawn(move || {
                std::thread::sleep(std::time::Duration::from_millis(ms));
                handle.interrupt();
            })
            .context("cannot start the timeout thread")?;
    }
    let instance = {
        let _span = tracing::info_span!("instantiate").entered();
        match Instance::new(&module, &linker) {
            Ok(i) => i,
            Err(wamr_common::InstantiationError::Trap(t)) => return Ok(Outcome::Trap(t)),
            Err(e) => return Err(e).context("cannot instantiate"),
        }
    };
    if cli.repl {
        return repl(&instance);
    }
    if let Some(name) = &cli.function {
        return Ok(match call_export(&instance, name, &cli.args)? {
            Ok(results) => {
                print_results(&results);
                Outcome::Exit(0)
            }
            Err(t) => Outcome::Trap(t),
        });
    }
    let start = instance.get_func("_start").with_context(|| {
        let exports: Vec<String> = instance.exports().into_iter().map(|(n, _)| n).collect();
        format!(
            "{} has no `_start` (not a WASI command); call an export with -f NAME. Exports: {}",
            cli.file.display(),
            exports.join(", ")
        )
    })?;
    let _span = tracing::info_span!("run", function = "_start").entered();
    Ok(match start.call(&[]) {
        Ok(_) => Outcome::Exit(0),
        Err(t) => Outcome::Trap(t),
    })
}

fn report(outcome: Outcome) -> ExitCode {
    use std::io::Write;
    let _ = std::io::stdout().flush();
    match outcome {
        Outcome::Exit(code) => ExitCode::from(code as u8),
        Outcome::Trap(t) => {
            if let Some(code) = t.exit_code() {
                return ExitCode::from(code as u8);
            }
            eprintln!("Exception: {}", t.message());
            let bt = t.backtrace();
            // Deep recursion gives thousands of frames: show both ends.
            for (i, f) in bt.iter().enumerate() {
                if bt.len() > 40 && (20..bt.len() - 10).contains(&i) {
                    if i == 20 {
                        eprintln!("  ... {} more frames", bt.len() - 30);
                    }
                    continue;
                }
                eprintln!("  #{i:02} {f}");
            }
            ExitCode::from(1)
        }
    }
}

fn main() -> ExitCode {
    let cli = Cli::from_args();
    wamr_cli::init_logging(cli.verbosity);
    // The program runs on its own thread so --stack-size sizes a real native stack.
    let stack = cli.stack_size.unwrap_or(8 << 20).max(256 << 10) as usize;
    let result = std::thread::Builder::new()
        .name("wasm".into())
        .stack_size(stack)
        .spawn(move || match run(&cli) {
            Ok(o) => report(o),
            Err(e) => {
                eprintln!("wamr-run: {e:#}");
                ExitCode::from(2)
            }
        });
    match result.map(|h| h.join()) {
        Ok(Ok(code)) => code,
        Ok(Err(_)) => {
            eprintln!("wamr-run: internal error (the run thread panicked)");
            ExitCode::from(70)
        }
        Err(e) => {
            eprintln!("wamr-run: cannot start the wasm thread: {e}");
            ExitCode::from(2)
        }
    }
}
