//! `wamr-run`: runs a `.wasm` (interpreter) or an `.aot` image (AOT, in place).
//! This first form calls one export with `-f NAME ARGS...`; WASI programs come with the
//! command-line issue.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{bail, Context, Result};
use clap::{Parser, ValueEnum};
use wamr_common::{Instance, Linker, Module};

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Mode {
    /// `.aot` images (by their magic) in AOT mode, anything else in the interpreter.
    Auto,
    Interp,
    Aot,
}

/// Run a WebAssembly module or an AOT image.
#[derive(Parser)]
#[command(name = "wamr-run", version, about)]
struct Cli {
    /// Execution mode.
    #[arg(long, value_enum, default_value_t = Mode::Auto)]
    mode: Mode,
    /// Call this exported function with the arguments that follow the file.
    #[arg(short = 'f', long = "function")]
    function: Option<String>,
    /// Log level 0..5.
    #[arg(short = 'v', default_value_t = 1)]
    verbosity: u8,
    /// The .wasm or .aot file.
    file: PathBuf,
    /// Arguments of the function.
    #[arg(allow_hyphen_values = true)]
    args: Vec<String>,
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

fn run(cli: Cli) -> Result<ExitCode> {
    wamr_cli::init_logging(cli.verbosity);
    let aot = match cli.mode {
        Mode::Auto => is_aot(&cli.file)?,
        Mode::Interp => false,
        Mode::Aot => true,
    };
    let (module, linker) = if aot {
        if !is_aot(&cli.file)? {
            bail!(
                "{} is not an AOT image (compile it with wamr-compile)",
                cli.file.display()
            );
        }
        (
            wamr_aot::load(&cli.file)?,
            Linker::new(wamr_aot::Aot::new()),
        )
    } else {
        let bytes = std::fs::read(&cli.file)
            .with_context(|| format!("cannot read {}", cli.file.display()))?;
        let module =
            Module::new(&bytes).with_context(|| format!("cannot load {}", cli.file.display()))?;
        (
            module,
            Linker::new(wamr_interp::Interp::new(Default::default())),
        )
    };
    let instance = Instance::new(&module, &linker).context("cannot instantiate")?;
    let Some(name) = cli.function else {
        bail!("no function to run: pass -f NAME (WASI programs are not supported yet)");
    };
    let func = instance
        .get_func(&name)
        .with_context(|| format!("no exported function `{name}`"))?;
    let params = func.ty().params().to_vec();
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
    match func.call(&args) {
        Ok(results) => {
            let shown: Vec<String> = results.iter().map(wamr_cli::format_val).collect();
            println!("{}", shown.join(","));
            Ok(ExitCode::SUCCESS)
        }
        Err(trap) => {
            eprintln!("Exception: {}", trap.message());
            Ok(ExitCode::FAILURE)
        }
    }
}

fn main() -> ExitCode {
    match run(Cli::parse()) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("wamr-run: {e:#}");
            ExitCode::from(2)
        }
    }
}
