//! The `aot_image` target: a valid image, mutated, must be refused by the loader or, if
//! it loads, behave exactly as the original did.
//!
//! Two kinds of mutation:
//! - *damage*: bit flips, byte overwrites, truncation and field rewrites anywhere (header,
//!   section table, wasm, target, function and trampoline tables, text, checksum), the
//!   checksum left as it was. The whole-file checksum must refuse every one.
//! - *resealed*: the same kinds of change confined to what the loader checks structurally
//!   (header, section table, target, embedded wasm, truncation), with the checksum then
//!   recomputed, so the checks behind the checksum are exercised too. Code and code
//!   offsets (text, function and trampoline tables) are not resealed: an image whose
//!   machine code was changed and re-checksummed is a forged image, which no loader can
//!   tell from a real one without a signature; the checksum is the integrity guarantee.

use std::fmt;
use std::ops::Range;

use arbitrary::{Result, Unstructured};

use crate::compare::{compare, NanMode};
use crate::gen::{arbitrary_case, Case};
use crate::run::{self, EngineId, Observation};

/// Parts of an image a mutation can aim at.
#[derive(Debug, Clone, Copy, PartialEq, Eq, arbitrary::Arbitrary)]
pub enum Region {
    Header,
    SectionTable,
    Wasm,
    Target,
    Funcs,
    Trampolines,
    Text,
    Checksum,
    Anywhere,
}

/// One change to an image.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Mutation {
    FlipBit {
        at: usize,
        bit: u8,
    },
    Overwrite {
        at: usize,
        byte: u8,
    },
    Truncate {
        len: usize,
    },
    /// A little-endian field of `width` bytes (4 or 8) set to `value`: lengths, offsets,
    /// counts, kinds.
    SetField {
        at: usize,
        width: usize,
        value: u64,
    },
}

/// A mutation plan: changes, then maybe a recomputed checksum.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageMutation {
    pub changes: Vec<Mutation>,
    pub resealed: bool,
}

/// What happened to a mutated image.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ImageVerdict {
    /// The loader refused it (with this error).
    Refused(String),
    /// It loaded and behaved exactly as the original.
    SameBehaviour { changed: bool },
    /// The input did not make a module.
    NoModule,
}

/// A mutated image that loaded and behaved differently, or an original that did not
/// load.
#[derive(Debug, Clone)]
pub struct ImageFailure {
    pub wasm: Vec<u8>,
    pub engine: EngineId,
    pub mutation: ImageMutation,
    pub what: String,
    pub dump: Option<std::path::PathBuf>,
}

impl fmt::Display for ImageFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: {}\nmutation: {:?}",
            self.engine, self.what, self.mutation
        )?;
        if let Some(p) = &self.dump {
            write!(
                f,
                "\nreproduction: {} (and .wat, .txt beside it)",
                p.display()
            )?;
        }
        Ok(())
    }
}

/// The byte ranges of an image's parts (from the loader's own parser).
pub fn regions(image: &[u8]) -> Option<Vec<(Region, Range<usize>)>> {
    let page = 4096.max(if cfg!(target_arch = "aarch64") {
        65536
    } else {
        4096
    });
    let layout = wamr_aot::image::parse(image, page)
        .or_else(|_| wamr_aot::image::parse(image, 4096))
        .ok()?;
    let count = u32::from_le_bytes(image.get(28..32)?.try_into().ok()?) as usize;
    let find = |kind: u32| {
        (0..count).find_map(|i| {
            let at = 64 + i * 24;
            let k = u32::from_le_bytes(image.get(at..at + 4)?.try_into().ok()?);
            let off = u64::from_le_bytes(image.get(at + 8..at + 16)?.try_into().ok()?) as usize;
            let len = u64::from_le_bytes(image.get(at + 16..at + 24)?.try_into().ok()?) as usize;
            (k == kind).then_some(off..off + len)
        })
    };
    Some(vec![
        (Region::Header, 0..64),
        (Region::SectionTable, 64..64 + count * 24),
        (Region::Wasm, layout.wasm.clone()),
        (Region::Target, find(2)?),
        (Region::Funcs, find(3)?),
        (Region::Trampolines, find(4)?),
        (Region::Text, layout.text.clone()),
        (Region::Checksum, image.len() - 8..image.len()),
        (Region::Anywhere, 0..image.len()),
    ])
}

/// Regions a resealed mutation may touch (see the module documentation).
const RESEALABLE: [Region; 4] = [
    Region::Header,
    Region::SectionTable,
    Region::Target,
    Region::Wasm,
];

fn pick_in(u: &mut Unstructured<'_>, r: &Range<usize>) -> Result<usize> {
    if r.is_empty() {
        return Ok(r.start);
    }
    u.int_in_range(r.start..=r.end - 1)
}

/// A mutation plan for `image` from fuzz input.
pub fn arbitrary_mutation(u: &mut Unstructured<'_>, image: &[u8]) -> Result<ImageMutation> {
    let regions = regions(image).ok_or(arbitrary::Error::IncorrectFormat)?;
    let resealed: bool = u.arbitrary()?;
    let n = u.int_in_range(1..=3)?;
    let mut changes = Vec::new();
    for _ in 0..n {
        let region: Region = if resealed {
            *u.choose(&RESEALABLE)?
        } else {
            u.arbitrary()?
        };
        let range = regions
            .iter()
            .find(|(r, _)| *r == region)
            .map(|(_, r)| r.clone())
            .unwrap_or(0..image.len());
        let change = match u.int_in_range(0..=4)? {
            0 => Mutation::FlipBit {
                at: pick_in(u, &range)?,
                bit: u.int_in_range(0..=7)?,
            },
            1 => Mutation::Overwrite {
                at: pick_in(u, &range)?,
                byte: u.arbitrary()?,
            },
            2 => Mutation::Truncate {
                len: pick_in(u, &(0..image.len()))?,
            },
            _ => {
                // Fields sit at 4-byte boundaries in the header and section table.
                let width = if u.arbitrary()? { 8 } else { 4 };
                let at = pick_in(u, &range)? & !3;
                let old = image
                    .get(at..at + width)
                    .map(|b| {
                        let mut v = [0u8; 8];
                        v[..width].copy_from_slice(b);
                        u64::from_le_bytes(v)
                    })
                    .unwrap_or(0);
                let value = match u.int_in_range(0..=3)? {
                    0 => old.wrapping_add(u64::from(u.int_in_range(1u8..=16)?)),
                    1 => old.wrapping_sub(u64::from(u.int_in_range(1u8..=16)?)),
                    2 => *u.choose(&[0, 1, 4095, 4096, 65536, u32::MAX as u64, u64::MAX])?,
                    _ => u.arbitrary()?,
                };
                Mutation::SetField { at, width, value }
            }
        };
        changes.push(change);
    }
    Ok(ImageMutation { changes, resealed })
}

/// Applies a mutation plan.
pub fn apply(image: &[u8], m: &ImageMutation) -> Vec<u8> {
    let mut out = image.to_vec();
    for c in &m.changes {
        match *c {
            Mutation::FlipBit { at, bit } => {
                if let Some(b) = out.get_mut(at) {
                    *b ^= 1 << (bit & 7);
                }
            }
            Mutation::Overwrite { at, byte } => {
                if let Some(b) = out.get_mut(at) {
                    *b = byte;
                }
            }
            Mutation::Truncate { len } => out.truncate(len),
            Mutation::SetField { at, width, value } => {
                let bytes = value.to_le_bytes();
                for (i, b) in bytes.iter().take(width).enumerate() {
                    if let Some(x) = out.get_mut(at + i) {
                        *x = *b;
                    }
                }
            }
        }
    }
    if m.resealed && out.len() >= 8 {
        let n = out.len() - 8;
        let sum = wamr_aot::image::hash64(&out[..n]);
        out[n..].copy_from_slice(&sum.to_le_bytes());
    }
    out
}

/// Checks one mutated image of `case`'s module compiled for `engine` (an AOT mode).
/// `expected` is the original image's observation when the caller already has it.
pub fn check_mutation(
    case: &Case,
    engine: EngineId,
    image: &[u8],
    expected: Option<&Observation>,
    mutation: &ImageMutation,
) -> std::result::Result<ImageVerdict, Box<ImageFailure>> {
    let fail = |what: String| {
        let mut f = ImageFailure {
            wasm: case.wasm.clone(),
            engine,
            mutation: mutation.clone(),
            what,
            dump: None,
        };
        let report = format!("{f}\nplan:\n{}", case.plan);
        f.dump = crate::repro::dump("aot-image", &case.wasm, &report).ok();
        Box::new(f)
    };
    let expected = match expected {
        Some(o) => o.clone(),
        None => {
            let original =
                run::load_image(image).map_err(|e| fail(format!("original refused: {e}")))?;
            run::observe_module(engine, &original, &case.plan)
        }
    };
    let mutated = apply(image, mutation);
    match run::load_image(&mutated) {
        Err(e) => Ok(ImageVerdict::Refused(e)),
        Ok(module) => {
            let got = run::observe_module(engine, &module, &case.plan);
            match compare(&expected, &got, NanMode::Exact) {
                None => Ok(ImageVerdict::SameBehaviour {
                    changed: mutated != image,
                }),
                Some(d) => Err(fail(format!(
                    "a mutated image loaded and behaved differently: {d}"
                ))),
            }
        }
    }
}

/// The `aot_image` fuzz target: a module and an AOT mode from `data`, compiled, then
/// mutated by the rest of `data`.
pub fn check_aot_image(data: &[u8]) -> std::result::Result<ImageVerdict, Box<ImageFailure>> {
    // The mutation script comes from the first bytes, the module from the rest, so the
    // fuzzer can change one without reshaping the other.
    let split = data.len().min(48);
    let (script, rest) = data.split_at(split);
    let Ok(case) = arbitrary_case(&mut Unstructured::new(rest)) else {
        return Ok(ImageVerdict::NoModule);
    };
    let mut u = Unstructured::new(script);
    let engine = EngineId::AOT_MODES[u.choose_index(4).unwrap_or(0)];
    let image = match run::compile_image(&case.wasm, engine.codegen().expect("AOT")) {
        Ok(i) => i,
        Err(_) => return Ok(ImageVerdict::NoModule),
    };
    let Ok(mutation) = arbitrary_mutation(&mut u, &image) else {
        return Ok(ImageVerdict::NoModule);
    };
    check_mutation(&case, engine, &image, None, &mutation)
}

/// Several mutations of one compiled module (the CI run: compiling and the original run
/// are paid once per module).
pub fn check_image_mutations(
    case: &Case,
    engine: EngineId,
    mutations: usize,
    seed: u64,
) -> std::result::Result<Vec<ImageVerdict>, Box<ImageFailure>> {
    let image = run::compile_image(&case.wasm, engine.codegen().expect("AOT")).map_err(|e| {
        Box::new(ImageFailure {
            wasm: case.wasm.clone(),
            engine,
            mutation: ImageMutation {
                changes: Vec::new(),
                resealed: false,
            },
            what: format!("does not compile: {e}"),
            dump: None,
        })
    })?;
    let original = run::load_image(&image).map_err(|e| {
        Box::new(ImageFailure {
            wasm: case.wasm.clone(),
            engine,
            mutation: ImageMutation {
                changes: Vec::new(),
                resealed: false,
            },
            what: format!("original refused: {e}"),
            dump: None,
        })
    })?;
    let expected = run::observe_module(engine, &original, &case.plan);
    drop(original);
    let mut verdicts = Vec::new();
    for i in 0..mutations {
        let data = crate::seed_bytes(seed.wrapping_mul(1_000_003).wrapping_add(i as u64), 64);
        let Ok(m) = arbitrary_mutation(&mut Unstructured::new(&data), &image) else {
            continue;
        };
        verdicts.push(check_mutation(case, engine, &image, Some(&expected), &m)?);
    }
    Ok(verdicts)
}
