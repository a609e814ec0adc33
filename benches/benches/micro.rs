//! Micro benchmarks in WAT, each run on our engines and the in-process peers (wasmi,
//! Silverfir-nano's interpreter and JIT) in the same run:
//! calls (recursive fib), a tight arithmetic loop, and memory copies (a byte loop and
//! `memory.copy`). Every engine's answer is checked against a value computed in Rust
//! before it is timed.

use std::hint::black_box;

use anyhow::{ensure, Result};
use benches::{bench_engines, check_call, note_skipped_engines, EngineId, Runner, Value};
use criterion::{criterion_group, criterion_main, Criterion, SamplingMode, Throughput};

const FIB_WAT: &str = r#"
(module
  (func $fib (export "fib") (param $n i32) (result i32)
    (if (result i32) (i32.lt_u (local.get $n) (i32.const 2))
      (then (local.get $n))
      (else
        (i32.add
          (call $fib (i32.sub (local.get $n) (i32.const 1)))
          (call $fib (i32.sub (local.get $n) (i32.const 2))))))))
"#;
const FIB_N: i32 = 25;

const SUM_WAT: &str = r#"
(module
  ;; sum of 0..n, an i32 counter and an i64 accumulator in locals
  (func (export "sum") (param $n i32) (result i64)
    (local $i i32) (local $acc i64)
    (block $done
      (br_if $done (i32.eqz (local.get $n)))
      (loop $next
        (local.set $acc (i64.add (local.get $acc) (i64.extend_i32_u (local.get $i))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br_if $next (i32.lt_u (local.get $i) (local.get $n)))))
    (local.get $acc)))
"#;
const SUM_N: i32 = 10_000_000;

/// 64 KiB source at [0, 64Ki), destination at [64Ki, 128Ki).
const COPY_LEN: u32 = 64 * 1024;
const COPY_WAT: &str = r#"
(module
  (memory 2)
  ;; source byte i = i * 7 + (i >> 8) (not periodic in 256); destination zeroed
  (func (export "init")
    (local $i i32)
    (loop $next
      (i32.store8 (local.get $i)
        (i32.add (i32.mul (local.get $i) (i32.const 7))
                 (i32.shr_u (local.get $i) (i32.const 8))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $next (i32.lt_u (local.get $i) (i32.const 65536))))
    (memory.fill (i32.const 65536) (i32.const 0) (i32.const 65536)))
  ;; one load and one store per byte
  (func (export "copy_bytes")
    (local $i i32)
    (loop $next
      (i32.store8 offset=65536 (local.get $i) (i32.load8_u (local.get $i)))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $next (i32.lt_u (local.get $i) (i32.const 65536)))))
  (func (export "copy_bulk")
    (memory.copy (i32.const 65536) (i32.const 0) (i32.const 65536)))
  ;; FNV-1a over the destination
  (func (export "checksum") (result i32)
    (local $i i32) (local $h i32)
    (local.set $h (i32.const 0x811c9dc5))
    (loop $next
      (local.set $h
        (i32.mul (i32.xor (local.get $h) (i32.load8_u offset=65536 (local.get $i)))
                 (i32.const 0x01000193)))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $next (i32.lt_u (local.get $i) (i32.const 65536))))
    (local.get $h)))
"#;

fn fib(n: i32) -> i32 {
    let (mut a, mut b) = (0i32, 1i32);
    for _ in 0..n {
        (a, b) = (b, a.wrapping_add(b));
    }
    a
}

/// FNV-1a of the copied bytes, as `checksum` computes it after a correct copy.
fn copy_checksum() -> i32 {
    (0..COPY_LEN)
        .map(|i| i.wrapping_mul(7).wrapping_add(i >> 8) as u8)
        .fold(0x811c_9dc5u32, |h, b| {
            (h ^ u32::from(b)).wrapping_mul(0x0100_0193)
        }) as i32
}

/// Checks a copy export: the destination starts zeroed, so the checksum only matches
/// if the copy really happened.
fn check_copy(runner: &mut dyn Runner, export: &str) -> Result<()> {
    let expected = [Value::I32(copy_checksum())];
    runner.call("init", &[])?;
    ensure!(
        runner.call("checksum", &[])? != expected,
        "init left a copy behind"
    );
    runner.call(export, &[])?;
    let got = runner.call("checksum", &[])?;
    ensure!(
        got == expected,
        "{}: {export} left checksum {got:?}, expected {expected:?}",
        runner.engine()
    );
    Ok(())
}

struct Workload {
    /// The criterion group name.
    name: &'static str,
    wat: &'static str,
    /// The export timed, and its arguments.
    export: &'static str,
    args: &'static [Value],
    /// Checks the answer once per engine, before timing.
    verify: fn(&mut dyn Runner) -> Result<()>,
    throughput: Option<Throughput>,
    /// Long calls: fewer samples, one call each (criterion's flat sampling).
    long: bool,
}

/// Benchmarks `w` on every engine. Each engine is instantiated and checked lazily, inside
/// its first sample, so a criterion filter (`-- wasmi`) skips the engines it excludes.
/// Silverfir-nano is the exception: it is set up first, so a failure leaves it out of the
/// group with its reason (the modules are tiny, so this costs milliseconds).
fn bench_workload(c: &mut Criterion, w: &Workload) {
    let wasm = wat::parse_str(w.wat).unwrap_or_else(|e| panic!("{}: bad WAT: {e}", w.name));
    let mut group = c.benchmark_group(w.name);
    if let Some(t) = w.throughput.clone() {
        group.throughput(t);
    }
    if w.long {
        group.sample_size(20).sampling_mode(SamplingMode::Flat);
    }
    let setup = |engine: EngineId| -> Result<Box<dyn Runner>> {
        let mut runner = engine.instantiate(&wasm)?;
        (w.verify)(runner.as_mut())?;
        Ok(runner)
    };
    for &engine in bench_engines() {
        // Criterion calls the closure once per sample; the instance outlives them all.
        let mut runner: Option<Box<dyn Runner>> = None;
        if matches!(engine, EngineId::SfNano | EngineId::SfNanoJit) {
            match setup(engine) {
                Ok(r) => runner = Some(r),
                Err(e) => {
                    eprintln!("{}/{engine}: not measured: {e:#}", w.name);
                    continue;
                }
            }
        }
        group.bench_function(engine.id(), |b| {
            let runner = runner.get_or_insert_with(|| {
                setup(engine).unwrap_or_else(|e| panic!("{}/{engine}: {e:#}", w.name))
            });
            let mut run = runner
                .export(w.export)
                .unwrap_or_else(|e| panic!("{}/{engine}: {e:#}", w.name));
            b.iter(|| run(black_box(w.args)).expect("checked call trapped"));
        });
    }
    group.finish();
}

fn micro(c: &mut Criterion) {
    note_skipped_engines();
    let workloads = [
        Workload {
            name: "fib25",
            wat: FIB_WAT,
            export: "fib",
            args: &[Value::I32(FIB_N)],
            verify: |r| check_call(r, "fib", &[Value::I32(FIB_N)], &[Value::I32(fib(FIB_N))]),
            throughput: None,
            long: false,
        },
        Workload {
            name: "sum10M",
            wat: SUM_WAT,
            export: "sum",
            args: &[Value::I32(SUM_N)],
            verify: |r| {
                let n = i64::from(SUM_N);
                check_call(
                    r,
                    "sum",
                    &[Value::I32(SUM_N)],
                    &[Value::I64(n * (n - 1) / 2)],
                )
            },
            throughput: Some(Throughput::Elements(SUM_N as u64)),
            long: true,
        },
        Workload {
            name: "copy64k-bytes",
            wat: COPY_WAT,
            export: "copy_bytes",
            args: &[],
            verify: |r| check_copy(r, "copy_bytes"),
            throughput: Some(Throughput::Bytes(COPY_LEN.into())),
            long: false,
        },
        Workload {
            name: "copy64k-memory.copy",
            wat: COPY_WAT,
            export: "copy_bulk",
            args: &[],
            verify: |r| check_copy(r, "copy_bulk"),
            throughput: Some(Throughput::Bytes(COPY_LEN.into())),
            long: false,
        },
    ];
    for w in &workloads {
        bench_workload(c, w);
    }
}

criterion_group!(benches, micro);
criterion_main!(benches);
