//! `wamr-compile`: compiles a `.wasm` to an `.aot` image (options follow WAMR's wamrc).

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{bail, Context, Result};
use clap::Parser;
use wamr_aot::abi::CodegenOptions;
use wamr_aot::{CompileOptions, Target};

/// Compile a WebAssembly module ahead of time into an .aot image.
#[derive(Parser)]
#[command(name = "wamr-compile", version, about)]
struct Cli {
    /// Output image.
    #[arg(short = 'o', required_unless_present_any = ["print_intrinsics", "generate_key"])]
    output: Option<PathBuf>,
    /// Target architecture: x86_64 or aarch64 (default: this host).
    #[arg(long)]
    target: Option<String>,
    /// CPU: native (detect this CPU) or generic.
    #[arg(long)]
    cpu: Option<String>,
    /// CPU features: comma-separated, e.g. +avx2,-bmi2.
    #[arg(long = "cpu-features")]
    cpu_features: Option<String>,
    /// Optimisation level 0..3.
    #[arg(long = "opt-level", default_value_t = 3, value_parser = clap::value_parser!(u8).range(0..=3))]
    opt_level: u8,
    /// The code generator: cranelift (fast compiles, the default) or llvm (LLVM 19,
    /// slower compiles and faster code; needs a build with the `llvm` feature).
    #[arg(long, default_value = "cranelift", value_parser = ["cranelift", "llvm"])]
    backend: String,
    /// Explicit bounds checks on memory accesses (1) or guard pages (0, the default on 64-bit).
    #[arg(long = "bounds-checks", default_value_t = 0, value_parser = clap::value_parser!(u8).range(0..=1))]
    bounds_checks: u8,
    /// Check the native stack in every function prologue (1, default) or not (0).
    #[arg(long = "stack-bounds-checks", default_value_t = 1, value_parser = clap::value_parser!(u8).range(0..=1))]
    stack_bounds_checks: u8,
    /// Call functions through the function-pointer table in the exec_env (XIP indirect mode).
    #[arg(long = "enable-indirect-mode")]
    indirect: bool,
    /// Compile operations in the intrinsic set as calls to runtime functions.
    #[arg(long = "disable-llvm-intrinsics", visible_alias = "disable-intrinsics")]
    disable_intrinsics: bool,
    /// The intrinsic set with --disable-llvm-intrinsics/--xip: comma-separated names and
    /// groups (`all`, `fp.common`, `i64.common`, `constop`, ...; see --print-intrinsics).
    /// Default: what keeps data out of the target's code (f32.const,f64.const on x86_64 and aarch64).
    #[arg(long = "enable-builtin-intrinsics", value_name = "LIST")]
    builtin_intrinsics: Option<String>,
    /// Execute-in-place: --enable-indirect-mode --disable-llvm-intrinsics.
    #[arg(long)]
    xip: bool,
    /// Charge fuel as the code runs, exactly as the interpreter does (for
    /// `wamr-run --fuel=N` and `Store::set_fuel`).
    #[arg(long)]
    fuel: bool,
    /// Check for interruption at every function entry and loop header (for
    /// `wamr-run --timeout=MS` and `Store::interrupt_handle`).
    #[arg(long)]
    interruptible: bool,
    /// Sign the image with this Ed25519 private key (PKCS#8 PEM, from --generate-key or
    /// `openssl genpkey -algorithm ed25519`), so `wamr-run --trust PUBKEY` runs it.
    #[arg(long, value_name = "KEY")]
    sign: Option<PathBuf>,
    /// Write a new signing key to PATH (private, mode 0600) and its public key to
    /// PATH.pub, then exit. Refuses to overwrite either.
    #[arg(long = "generate-key", value_name = "PATH")]
    generate_key: Option<PathBuf>,
    /// List the intrinsic names and groups, then exit.
    #[arg(long = "print-intrinsics")]
    print_intrinsics: bool,
    #[command(flatten)]
    features: wamr_cli::features::FeatureArgs,
    /// Log level 0..5.
    #[arg(short = 'v', default_value_t = 1)]
    verbosity: u8,
    /// The module to compile.
    #[arg(required_unless_present_any = ["print_intrinsics", "generate_key"])]
    input: Option<PathBuf>,
}

fn run(cli: Cli) -> Result<()> {
    wamr_cli::init_logging(cli.verbosity);
    if cli.print_intrinsics {
        print!("{}", wamr_aot::intrinsics::IntrinsicSet::listing());
        return Ok(());
    }
    if let Some(path) = &cli.generate_key {
        return generate_key(path);
    }
    // Read the key first: a wrong key path should not cost a compile.
    let signer = cli
        .sign
        .as_deref()
        .map(wamr_aot::SecretKey::read)
        .transpose()?;
    let (Some(input), Some(output)) = (cli.input.as_ref(), cli.output.as_ref()) else {
        bail!("an input module and -o OUTPUT are required");
    };
    let disable_intrinsics = cli.disable_intrinsics || cli.xip;
    let intrinsics = match (&cli.builtin_intrinsics, disable_intrinsics) {
        (Some(_), false) => {
            bail!(
                "--enable-builtin-intrinsics applies only with --disable-llvm-intrinsics or --xip"
            )
        }
        (Some(list), true) => {
            wamr_aot::intrinsics::IntrinsicSet::parse(list).map_err(anyhow::Error::msg)?
        }
        (None, true) => wamr_aot::intrinsics::IntrinsicSet::default_for(
            cli.target.as_deref().unwrap_or(wamr_aot::cpu::host_arch()),
        ),
        (None, false) => wamr_aot::intrinsics::IntrinsicSet::EMPTY,
    };
    let wasm = std::fs::read(input).with_context(|| format!("cannot read {}", input.display()))?;
    if output == input {
        bail!("the output would overwrite the input");
    }
    let opts = CompileOptions {
        codegen: CodegenOptions {
            bounds_checks: cli.bounds_checks == 1,
            stack_bounds_checks: cli.stack_bounds_checks == 1,
            indirect_calls: cli.indirect || cli.xip,
            opt_level: cli.opt_level.min(2),
            backend: if cli.backend == "llvm" {
                wamr_aot::abi::Backend::Llvm
            } else {
                wamr_aot::abi::Backend::Cranelift
            },
            intrinsics,
            metering: wamr_common::metering::Metering {
                fuel: cli.fuel,
                interruptible: cli.interruptible,
            },
        },
        target: Target {
            arch: cli.target,
            cpu: cli.cpu,
            cpu_features: cli.cpu_features,
        },
        threads: None,
        features: cli.features.features(),
    };
    // Progress on a terminal, for modules big enough to take a while.
    use std::io::IsTerminal;
    let show = std::io::stderr().is_terminal() && cli.verbosity > 0 && wasm.len() >= 1 << 20;
    let last = std::sync::atomic::AtomicUsize::new(0);
    let progress = |done: usize, total: usize| {
        if !show {
            return;
        }
        let pct = done * 100 / total;
        if last.swap(pct, std::sync::atomic::Ordering::Relaxed) != pct || done == total {
            eprint!(
                "\rcompiling {}: {done}/{total} functions ({pct}%)",
                input.display()
            );
            if done == total {
                eprintln!();
            }
        }
    };
    let mut image = wamr_aot::compile_with_progress(&wasm, &opts, &progress)
        .with_context(|| format!("cannot compile {}", input.display()))?;
    if let Some(key) = &signer {
        image = key.sign_image(image)?;
        tracing::info!("signed with key {}", key.public().fingerprint());
    }
    wamr_aot::write_image(output, &image)
        .with_context(|| format!("cannot write {}", output.display()))?;
    Ok(())
}

/// Writes a fresh key pair: `path` (PKCS#8 PEM, 0600) and `path.pub` (SPKI PEM).
fn generate_key(path: &std::path::Path) -> Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let key = wamr_aot::SecretKey::generate()?;
    let public = PathBuf::from(format!("{}.pub", path.display()));
    let create = |p: &std::path::Path, mode: u32, text: &str| -> Result<()> {
        let mut f = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(mode)
            .open(p)
            .with_context(|| format!("cannot create {}", p.display()))?;
        f.write_all(text.as_bytes())
            .with_context(|| format!("cannot write {}", p.display()))
    };
    if public.exists() {
        bail!("{} exists; not overwriting it", public.display());
    }
    create(path, 0o600, &key.to_pem())?;
    create(&public, 0o644, &key.public().to_pem())?;
    println!(
        "wrote {} (private: keep it) and {} (key {})",
        path.display(),
        public.display(),
        key.public().fingerprint()
    );
    Ok(())
}

fn main() -> ExitCode {
    // This program offers the LLVM tier (`--backend=llvm`); `wamr-run` does not, and so
    // does not load libLLVM.
    #[cfg(feature = "llvm")]
    wamr_aot::enable_llvm_backend();
    match run(Cli::parse()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("wamr-compile: {e:#}");
            ExitCode::FAILURE
        }
    }
}
