//! The `aot_image` fuzz target's logic on seeded inputs: 5,000 mutated images per run
//! (two tests of 2,500: 50 generated modules each, every AOT mode in turn, 50 mutations
//! per image). Every mutated image must be refused or behave exactly as the original.
//! Same code path as `fuzz/fuzz_targets/aot_image.rs`.

use wamr_diff::aot_image::{check_image_mutations, ImageVerdict};
use wamr_diff::gen::seeded_case;
use wamr_diff::EngineId;

const MUTATIONS_PER_IMAGE: usize = 50;

fn run_seeds(range: std::ops::Range<u64>) {
    let (start, end) = (range.start, range.end);
    let (images, refused, same, unchanged) = std::thread::Builder::new()
        .stack_size(64 << 20)
        .spawn(move || {
            let (mut images, mut refused, mut same, mut unchanged) = (0, 0, 0, 0);
            for seed in start..end {
                let Some(case) = seeded_case(seed) else {
                    continue;
                };
                let engine = EngineId::AOT_MODES[(seed % 4) as usize];
                let verdicts = check_image_mutations(&case, engine, MUTATIONS_PER_IMAGE, seed)
                    .unwrap_or_else(|f| panic!("seed {seed}: {f}"));
                for v in verdicts {
                    images += 1;
                    match v {
                        ImageVerdict::Refused(_) => refused += 1,
                        ImageVerdict::SameBehaviour { changed: true } => same += 1,
                        ImageVerdict::SameBehaviour { changed: false } => unchanged += 1,
                        ImageVerdict::NoModule => {}
                    }
                }
            }
            (images, refused, same, unchanged)
        })
        .unwrap()
        .join()
        .unwrap();
    println!(
        "seeds {start}..{end}: {images} mutated images: {refused} refused, {same} changed but \
         loaded and behaved the same, {unchanged} left byte-identical"
    );
    assert!(images >= 2_400, "only {images} mutated images checked");
    assert!(refused > images / 2, "most mutations must be refused");
}

#[test]
fn mutated_images_are_refused_or_behave_the_same_seeds_0_to_50() {
    run_seeds(0..50);
}

#[test]
fn mutated_images_are_refused_or_behave_the_same_seeds_50_to_100() {
    run_seeds(50..100);
}
