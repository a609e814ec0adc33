//! Dynamic op and op-pair counts, for choosing super-instructions from measurements.
//!
//! Built with the `op-profile` feature, the loop dispatcher (which the interpreter then
//! always uses) counts every instruction it runs and every pair of consecutive ones on
//! this thread; [`report_if_enabled`] prints the most frequent of each. Without the
//! feature nothing is counted and the report is a no-op.
//!
//! `cargo run --release -p wamr-interp --features op-profile --example fixed_run -- app.wasm`

#[cfg(feature = "op-profile")]
mod counts {
    use std::cell::RefCell;
    use std::collections::HashMap;

    use crate::isa::{Op, NUM_OPS};

    pub struct Counts {
        pub ops: Vec<u64>,
        pub pairs: HashMap<(u32, u32), u64>,
        pub triples: HashMap<[u32; 3], u64>,
        pub quads: HashMap<[u32; 4], u64>,
        /// The last three ops, most recent last.
        pub prev: [u32; 3],
    }

    thread_local! {
        pub static COUNTS: RefCell<Counts> = RefCell::new(Counts {
            ops: vec![0; NUM_OPS],
            pairs: HashMap::new(),
            triples: HashMap::new(),
            quads: HashMap::new(),
            prev: [Op::halt as u32; 3],
        });
    }
}

/// Counts one executed instruction (its opcode word).
#[inline(always)]
pub fn record(op: u32) {
    #[cfg(feature = "op-profile")]
    counts::COUNTS.with(|c| {
        let mut c = c.borrow_mut();
        c.ops[op as usize] += 1;
        let [p3, p2, p1] = c.prev;
        *c.pairs.entry((p1, op)).or_default() += 1;
        *c.triples.entry([p2, p1, op]).or_default() += 1;
        *c.quads.entry([p3, p2, p1, op]).or_default() += 1;
        c.prev = [p2, p1, op];
    });
    #[cfg(not(feature = "op-profile"))]
    let _ = op;
}

/// Whether super-instructions are left out (`WAMR_PROFILE_UNFUSED=1` with the
/// `op-profile` feature), so that the runs of plain ops that fusions are chosen from show
/// in the counts.
pub fn unfused() -> bool {
    #[cfg(feature = "op-profile")]
    {
        static UNFUSED: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
        *UNFUSED.get_or_init(|| std::env::var_os("WAMR_PROFILE_UNFUSED").is_some_and(|v| v == "1"))
    }
    #[cfg(not(feature = "op-profile"))]
    false
}

/// Whether this build counts ops.
pub fn enabled() -> bool {
    cfg!(feature = "op-profile")
}

/// Prints the 40 most frequent ops and op pairs on stderr (with the `op-profile`
/// feature).
pub fn report_if_enabled() {
    #[cfg(feature = "op-profile")]
    counts::COUNTS.with(|c| {
        use crate::isa::OP_NAMES;
        let c = c.borrow();
        let total: u64 = c.ops.iter().sum();
        let mut ops: Vec<(usize, u64)> = c.ops.iter().copied().enumerate().collect();
        ops.sort_by_key(|o| std::cmp::Reverse(o.1));
        eprintln!("executed instructions: {total}");
        for (op, n) in ops.iter().take(40).filter(|o| o.1 > 0) {
            eprintln!(
                "{n:14} {:5.2}%  {}",
                *n as f64 * 100.0 / total as f64,
                OP_NAMES[*op]
            );
        }
        let pairs: Vec<(Vec<u32>, u64)> =
            c.pairs.iter().map(|(k, n)| (vec![k.0, k.1], *n)).collect();
        let triples = c.triples.iter().map(|(k, n)| (k.to_vec(), *n)).collect();
        let quads = c.quads.iter().map(|(k, n)| (k.to_vec(), *n)).collect();
        for (title, mut runs) in [
            ("op pairs", pairs),
            ("op triples", triples),
            ("op quads", quads),
        ] {
            runs.sort_by_key(|r| std::cmp::Reverse(r.1));
            eprintln!("{title}:");
            for (run, n) in runs.iter().take(40) {
                let names: Vec<&str> = run.iter().map(|&o| OP_NAMES[o as usize]).collect();
                eprintln!(
                    "{n:14} {:5.2}%  {}",
                    *n as f64 * 100.0 / total as f64,
                    names.join(" ; ")
                );
            }
        }
    });
}
