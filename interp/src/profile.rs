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
        pub prev: u32,
    }

    thread_local! {
        pub static COUNTS: RefCell<Counts> = RefCell::new(Counts {
            ops: vec![0; NUM_OPS],
            pairs: HashMap::new(),
            prev: Op::halt as u32,
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
        let prev = c.prev;
        *c.pairs.entry((prev, op)).or_default() += 1;
        c.prev = op;
    });
    #[cfg(not(feature = "op-profile"))]
    let _ = op;
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
        let mut pairs: Vec<(&(u32, u32), &u64)> = c.pairs.iter().collect();
        pairs.sort_by_key(|p| std::cmp::Reverse(*p.1));
        eprintln!("op pairs:");
        for ((a, b), n) in pairs.iter().take(40) {
            eprintln!(
                "{n:14} {:5.2}%  {} ; {}",
                **n as f64 * 100.0 / total as f64,
                OP_NAMES[*a as usize],
                OP_NAMES[*b as usize]
            );
        }
    });
}
