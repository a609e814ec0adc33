use wamr_common::{FuncType, Instance, Linker, Module, Val, ValType};
use wamr_interp::{Dispatch, Interp, InterpConfig};

fn run(
    wat: &str,
    name: &str,
    args: &[Val],
    dispatch: Dispatch,
) -> Result<Vec<Val>, wamr_common::Trap> {
    let bytes = wat::parse_str(wat).unwrap();
    let module = Module::new(&bytes).unwrap();
    let mut linker = Linker::new(Interp::new(InterpConfig {
        dispatch,
        ..Default::default()
    }));
    linker.func(
        "env",
        "twice",
        FuncType::new([ValType::I32], [ValType::I32]),
        |_, a, r| {
            let Val::I32(x) = a[0] else { unreachable!() };
            r[0] = Val::I32(x * 2);
            Ok(())
        },
    );
    let inst = Instance::new(&module, &linker).unwrap();
    inst.invoke(name, args)
}

const FIB: &str = r#"(module
  (import "env" "twice" (func $twice (param i32) (result i32)))
  (func $fib (export "fib") (param i32) (result i32)
    (if (result i32) (i32.lt_u (local.get 0) (i32.const 2))
      (then (local.get 0))
      (else (i32.add (call $fib (i32.sub (local.get 0) (i32.const 1)))
                     (call $fib (i32.sub (local.get 0) (i32.const 2)))))))
  (func (export "loop") (param i32) (result i32) (local i32)
    (block (loop
      (br_if 1 (i32.eqz (local.get 0)))
      (local.set 1 (i32.add (local.get 1) (local.get 0)))
      (local.set 0 (i32.sub (local.get 0) (i32.const 1)))
      (br 0)))
    (local.get 1))
  (func (export "host") (param i32) (result i32) (call $twice (local.get 0)))
  (func (export "div") (param i32 i32) (result i32) (i32.div_s (local.get 0) (local.get 1)))
  (func $inf (export "inf") (call $inf))
)"#;

#[test]
fn smoke_both_dispatchers() {
    for d in [Dispatch::Loop, Dispatch::Threaded] {
        assert_eq!(
            run(FIB, "fib", &[Val::I32(20)], d).unwrap(),
            vec![Val::I32(6765)]
        );
        assert_eq!(
            run(FIB, "loop", &[Val::I32(100)], d).unwrap(),
            vec![Val::I32(5050)]
        );
        assert_eq!(
            run(FIB, "host", &[Val::I32(21)], d).unwrap(),
            vec![Val::I32(42)]
        );
        let t = run(FIB, "div", &[Val::I32(1), Val::I32(0)], d).unwrap_err();
        assert_eq!(t.message(), "integer divide by zero");
        let t = run(FIB, "inf", &[], d).unwrap_err();
        assert_eq!(t.message(), "call stack exhausted");
    }
}

/// The text of `tests/golden/NAME.wat`.
fn golden_wat(name: &str) -> String {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/golden")
        .join(format!("{name}.wat"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The golden super-instructions (runs of up to eight ops in one handler) compute what
/// their ops compute (a run that branches back to itself too), and a trap inside a run is
/// the run's op's trap, in both dispatchers.
#[test]
fn super_instruction_runs_compute_their_ops() {
    let wat = golden_wat("superinstructions");
    let (v0, v1, v2, v3, t) = (
        0x0123_4567_89ab_cdefu64,
        0xfedc_ba98_7654_3210u64,
        0x0f1e_2d3c_4b5a_6978u64,
        0x8877_6655_4433_2211u64,
        0x1357_9bdf_0246_8aceu64,
    );
    let sip = {
        let v0 = v1.wrapping_add(v0);
        let v2 = v0.rotate_left(32).wrapping_add(v2);
        let v3 = t ^ v2;
        let t = v3.rotate_left(16);
        let v1 = v1.rotate_left(13) ^ v0;
        (v0 ^ v1) ^ (t ^ v3)
    };
    let halves = [1i32, 2, -3, 4, 5, 6, 7, -8];
    let dot: i32 = (0..4).map(|i| halves[i] * halves[i + 4]).sum();
    for d in [Dispatch::Loop, Dispatch::Threaded] {
        assert_eq!(
            run(&wat, "reverse", &[Val::I32(16)], d).unwrap(),
            vec![Val::I32(48)],
            "{d:?}"
        );
        let args = [v0, v1, v2, v3, t].map(|v| Val::I64(v as i64));
        assert_eq!(
            run(&wat, "sipround", &args, d).unwrap(),
            vec![Val::I64(sip as i64)],
            "{d:?}"
        );
        assert_eq!(
            run(&wat, "dot16", &[Val::I32(64), Val::I32(72), Val::I32(4)], d).unwrap(),
            vec![Val::I32(dot)],
            "{d:?}"
        );
        // The run's first load is out of bounds.
        let trap = run(&wat, "reverse", &[Val::I32(65533)], d).unwrap_err();
        assert_eq!(
            trap.kind(),
            wamr_common::TrapKind::MemoryOutOfBounds,
            "{d:?}"
        );
        // Pairs that forward the slot just written (ChaCha's quarter round).
        let (q, want) = (
            [0x6170_7865u32, 0x3320_646e, 0x7962_2d32, 0x6b20_6574],
            quarter_round(0x6170_7865, 0x3320_646e, 0x7962_2d32, 0x6b20_6574),
        );
        assert_eq!(
            run(&wat, "quarter", &q.map(|v| Val::I32(v as i32)), d).unwrap(),
            vec![Val::I32(want as i32)],
            "{d:?}"
        );
        // A run that loops on itself: three passes clear three of the 5536 bytes.
        assert_eq!(
            run(&wat, "mark", &[Val::I32(100), Val::I32(2700)], d).unwrap(),
            vec![Val::I32(5536 - 3)],
            "{d:?}"
        );
        // A counted loop whose counter lives in a register for its step and test.
        assert_eq!(
            run(&wat, "countdown", &[Val::I32(1000)], d).unwrap(),
            vec![Val::I32((1..=1000).fold(0, |x, n| x ^ n))],
            "{d:?}"
        );
        // Its third pass stores past the end of memory.
        let trap = run(&wat, "mark", &[Val::I32(100), Val::I32(3000)], d).unwrap_err();
        assert_eq!(
            trap.kind(),
            wamr_common::TrapKind::MemoryOutOfBounds,
            "{d:?}"
        );
    }
}

/// A switch turned into a table of values (`br_table_const`) gives each case what the
/// jump table gave: a value, the value left as it was, the default, out-of-range indices.
#[test]
fn a_switch_of_values_picks_what_its_cases_pick() {
    let wat = golden_wat("switch");
    for d in [Dispatch::Loop, Dispatch::Threaded] {
        for (i, want) in [
            (0, 1010),
            (1, 1011),
            (2, 1099),
            (3, -1),
            (4, 1013),
            (5, -1),
            (1000, -1),
            (-1, -1),
        ] {
            assert_eq!(
                run(&wat, "pick", &[Val::I32(i)], d).unwrap(),
                vec![Val::I32(want)],
                "pick({i}), {d:?}"
            );
        }
        for (i, want) in [(0, 10), (1, 11), (2, 0), (7, 0)] {
            assert_eq!(
                run(&wat, "mixed", &[Val::I32(i)], d).unwrap(),
                vec![Val::I32(want)],
                "mixed({i}), {d:?}"
            );
        }
    }
}

/// A loop run whole in one handler with its registers, left through a branch in its
/// middle (a match) or its last (the end of the list), or by a trap.
#[test]
fn a_register_loop_leaves_through_any_of_its_branches() {
    let wat = golden_wat("search");
    for d in [Dispatch::Loop, Dispatch::Threaded] {
        for (start, key, want) in [
            (100, 7, 100),
            (100, 9, 112),
            (100, 0x1234, 124),
            (100, 0x1_1234, 124),
            (100, 5, 0),
            (112, 7, 0),
        ] {
            assert_eq!(
                run(&wat, "find", &[Val::I32(start), Val::I32(key)], d).unwrap(),
                vec![Val::I32(want)],
                "find({start}, {key:#x}), {d:?}"
            );
        }
        let trap = run(&wat, "find", &[Val::I32(65530), Val::I32(1)], d).unwrap_err();
        assert_eq!(
            trap.kind(),
            wamr_common::TrapKind::MemoryOutOfBounds,
            "{d:?}"
        );
    }
}

/// CoreMark's list search by value and matrix_sum's inner loop, each run whole in one
/// handler with its registers, compute what their ops compute, leave through any of
/// their branches, and trap as their ops do.
#[test]
fn whole_loop_handlers_compute_their_loops() {
    let bytes = wat::parse_str(golden_wat("search")).unwrap();
    let module = Module::new(&bytes).unwrap();
    let words: Vec<i32> = (0..97).map(|i: i32| (i * 7919 + 13) % 201 - 100).collect();
    let clipped_sum = |words: &[i32], clip: i32| {
        let (mut cur, mut prev, mut ret) = (0i32, 0i32, 0i32);
        for &v in words {
            cur = cur.wrapping_add(v);
            let over = cur > clip;
            if over {
                cur = 0;
            }
            ret = ret.wrapping_add(if over { 10 } else { i32::from(v > prev) });
            prev = v;
        }
        ret
    };
    for d in [Dispatch::Loop, Dispatch::Threaded] {
        let linker = Linker::new(Interp::new(InterpConfig {
            dispatch: d,
            ..Default::default()
        }));
        let instance = Instance::new(&module, &linker).unwrap();
        // The records' low bytes are 0x07, 0x09 and 0x34; only the low byte of the key
        // counts.
        for (start, key, want) in [
            (100, 7, 100),
            (100, 0x109, 112),
            (100, 0x34, 124),
            (100, 5, 0),
            (124, 7, 0),
        ] {
            let got = instance
                .invoke("find_value", &[Val::I32(start), Val::I32(key)])
                .unwrap();
            assert_eq!(
                got,
                vec![Val::I32(want)],
                "find_value({start}, {key:#x}), {d:?}"
            );
        }
        let memory = instance.get_memory("memory").unwrap();
        let bytes: Vec<u8> = words.iter().flat_map(|w| w.to_le_bytes()).collect();
        memory.write(1000, &bytes).unwrap();
        for (n, clip) in [
            (1, 0),
            (2, -1),
            (97, 50),
            (97, 150),
            (60, -30),
            (97, i32::MAX),
        ] {
            let args = [Val::I32(1000), Val::I32(n), Val::I32(clip)];
            let got = instance.invoke("clipped_sum", &args).unwrap();
            let want = clipped_sum(&words[..n as usize], clip);
            assert_eq!(
                got,
                vec![Val::I32(want)],
                "clipped_sum(n {n}, clip {clip}), {d:?}"
            );
        }
        let args = [Val::I32(65536 - 8), Val::I32(4), Val::I32(0)];
        let trap = instance.invoke("clipped_sum", &args).unwrap_err();
        assert_eq!(
            trap.kind(),
            wamr_common::TrapKind::MemoryOutOfBounds,
            "{d:?}"
        );
    }
}

/// Division and remainder by a constant, as multiplications by the divisor's magic,
/// give what the divide gives for every kind of dividend; by 0 it still traps.
#[test]
fn division_by_a_constant_divides() {
    let bytes = wat::parse_str(golden_wat("division")).unwrap();
    let module = Module::new(&bytes).unwrap();
    let lcg = |x: u32| x.wrapping_mul(3877).wrapping_add(29573) % 139968;
    let mut dividends = vec![0u32, 1, 6, 7, 9, 10, 11, 139967, 139968, u32::MAX - 3];
    dividends.extend([u32::MAX - 2, u32::MAX - 1, u32::MAX, 1 << 31]);
    dividends.extend((0..200u32).map(|i| i.wrapping_mul(0x9e37_79b9) ^ (i << 7)));
    for d in [Dispatch::Loop, Dispatch::Threaded] {
        let linker = Linker::new(Interp::new(InterpConfig {
            dispatch: d,
            ..Default::default()
        }));
        let instance = Instance::new(&module, &linker).unwrap();
        let call = |name: &str, args: &[Val]| instance.invoke(name, args);
        for &x in &dividends {
            let arg = [Val::I32(x as i32)];
            for (name, want) in [
                ("rem10", x % 10),
                ("div7", x / 7),
                ("div_big", x / (u32::MAX - 2)),
                ("rem1", 0),
                ("lcg", lcg(lcg(x))),
            ] {
                let got = call(name, &arg).unwrap();
                assert_eq!(got, vec![Val::I32(want as i32)], "{name}({x}), {d:?}");
            }
            let got = call("rem_var", &[Val::I32(x as i32), Val::I32(13)]).unwrap();
            assert_eq!(
                got,
                vec![Val::I32((x % 13) as i32)],
                "rem_var({x}, 13), {d:?}"
            );
        }
        let trap = call("div0", &[Val::I32(5)]).unwrap_err();
        assert_eq!(
            trap.kind(),
            wamr_common::TrapKind::IntegerDivideByZero,
            "{d:?}"
        );
    }
}

/// A branch over one copy turned into a conditional copy copies exactly when the
/// branch would not have been taken, whatever the condition's value.
#[test]
fn a_branch_over_a_copy_copies_when_it_would_have_fallen_through() {
    let wat = golden_wat("conditional");
    for d in [Dispatch::Loop, Dispatch::Threaded] {
        for (a, b, want) in [
            (1.0, 2.0, 7),
            (2.0, 1.0, 5),
            (1.0, 1.0, 5),
            (f64::NAN, 1.0, 5),
            (-0.0, 0.0, 5),
        ] {
            let args = [
                Val::F64(f64::to_bits(a)),
                Val::F64(f64::to_bits(b)),
                Val::I32(5),
                Val::I32(7),
            ];
            assert_eq!(
                run(&wat, "pick_larger", &args, d).unwrap(),
                vec![Val::I32(want)],
                "pick_larger({a}, {b}), {d:?}"
            );
        }
        for (c, want) in [(0, 7), (1, 5), (2, 7), (-1, 5), (i32::MIN, 7)] {
            let args = [Val::I32(c), Val::I32(5), Val::I32(7)];
            assert_eq!(
                run(&wat, "unless_odd", &args, d).unwrap(),
                vec![Val::I32(want)],
                "unless_odd({c}), {d:?}"
            );
        }
    }
}

/// ChaCha's quarter round, combined into one value as `$quarter` combines it.
fn quarter_round(mut a: u32, mut b: u32, mut c: u32, mut d: u32) -> u32 {
    for (r1, r2) in [(16, 12), (8, 7)] {
        a = a.wrapping_add(b);
        d = (d ^ a).rotate_left(r1);
        c = c.wrapping_add(d);
        b = (b ^ c).rotate_left(r2);
    }
    (a ^ b.rotate_left(8)).wrapping_add(c ^ d.rotate_left(24))
}

/// Constants stored as immediates land with the store's width, truncated as the store
/// truncates (golden `stores.wat`), in both dispatchers.
#[test]
fn stores_of_constants_write_their_width() {
    let wat = golden_wat("stores");
    let expected: [(i32, u64); 5] = [
        // store8 of 0x1ff, a zero byte, store16 of -2, then untouched memory.
        (0, 0x0000_0000_fffe_00ff),
        (8, 0x1234_5678),
        (16, 0x0123_4567_89ab_cdef),
        // i64.store32 of -1, then f32 1.5.
        (24, (u64::from(1.5f32.to_bits()) << 32) | 0xffff_ffff),
        (32, (-2.25f64).to_bits()),
    ];
    for d in [Dispatch::Loop, Dispatch::Threaded] {
        for (at, want) in expected {
            assert_eq!(
                run(&wat, "fill_and_read", &[Val::I32(8), Val::I32(at)], d).unwrap(),
                vec![Val::I64(want as i64)],
                "offset {at}, {d:?}"
            );
        }
    }
}

/// A store's signature ids mean nothing in another store, so a function links only
/// within its own: importing one from another store is refused, saying why.
#[test]
fn functions_link_only_within_their_store() {
    let engine = || Interp::new(InterpConfig::default());
    let other = Linker::new(engine());
    let f = other
        .store()
        .host_func(FuncType::new([], []), |_, _, _| Ok(()));
    let mut linker = Linker::new(engine());
    linker.define("env", "f", wamr_common::Extern::Func(f));
    let module =
        Module::new(&wat::parse_str(r#"(module (import "env" "f" (func)))"#).unwrap()).unwrap();
    match Instance::new(&module, &linker) {
        Err(e) => assert!(e.to_string().contains("belongs to another store"), "{e}"),
        Ok(_) => panic!("linked a function of another store"),
    }
}
