//! The `.aot` image format (documented in `aot/FORMAT.md`): writing and checked parsing.
//!
//! All integers are little-endian. The parser checks every offset, length and index
//! against the file before anything else looks at it, and the checksum before anything
//! is mapped executable.

use std::ops::Range;

pub const MAGIC: [u8; 8] = *b"\0wamraot";
pub const VERSION: u32 = 9;
const HEADER_SIZE: usize = 64;
const SECTION_ENTRY_SIZE: usize = 24;

/// Section kinds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u32)]
pub enum SectionKind {
    /// The source module's bytes: the metadata the runtime needs (types, imports,
    /// exports, tables, memories, globals, segments, names) in wasm's own encoding.
    Wasm = 1,
    /// Target triple (UTF-8).
    Target = 2,
    /// Per defined function: text offset (u32) and size (u32).
    Funcs = 3,
    /// Per module type: text offset (u32) of its array trampoline.
    Trampolines = 4,
    /// Machine code, page-aligned in the file; mapped read+execute in place.
    Text = 5,
    /// The constant table of `*.const` intrinsics: u64 entries (may be empty).
    Consts = 6,
    /// The intrinsic set the code was compiled with: a u128 bit mask (16 bytes).
    Intrinsics = 7,
}

impl SectionKind {
    /// The kind with this number in the section table.
    pub fn from_u32(k: u32) -> Option<SectionKind> {
        use SectionKind::*;
        [Wasm, Target, Funcs, Trampolines, Text, Consts, Intrinsics]
            .into_iter()
            .find(|s| *s as u32 == k)
    }
}

pub const ARCH_X86_64: u32 = 1;
pub const ARCH_AARCH64: u32 = 2;

/// Header flags (compile options).
pub const FLAG_BOUNDS_CHECKS: u32 = 1 << 0;
pub const FLAG_STACK_CHECKS: u32 = 1 << 1;
pub const FLAG_INDIRECT_CALLS: u32 = 1 << 2;
/// The image ends in a signature trailer (see [`Signature`]).
pub const FLAG_SIGNED: u32 = 1 << 3;
/// The code charges fuel (`wamr_common::metering`).
pub const FLAG_FUEL: u32 = 1 << 4;
/// The code checks for interruption at function entries and loop headers.
pub const FLAG_INTERRUPTIBLE: u32 = 1 << 5;
/// The LLVM tier wrote the code (its functions use LLVM's `tailcc` convention).
pub const FLAG_LLVM: u32 = 1 << 6;
const KNOWN_FLAGS: u32 = FLAG_BOUNDS_CHECKS
    | FLAG_STACK_CHECKS
    | FLAG_INDIRECT_CALLS
    | FLAG_SIGNED
    | FLAG_FUEL
    | FLAG_INTERRUPTIBLE
    | FLAG_LLVM;

/// Size of the signature trailer: Ed25519 signature (64 bytes), then the signer's public
/// key (32 bytes).
pub const SIGNATURE_TRAILER: usize = 96;

/// An image's signature trailer, as found in the file (not yet verified: that is
/// `trust::Trust`'s job).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Signature {
    /// The Ed25519 signature of [`crate::trust::signed_message`] of the signed bytes.
    pub signature: [u8; 64],
    /// The public key that claims to have signed.
    pub public_key: [u8; 32],
    /// The bytes the signature covers: the whole file before the trailer (the checksum
    /// included).
    pub signed: Range<usize>,
}

/// What the header says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Header {
    pub version: u32,
    pub arch: u32,
    pub flags: u32,
    pub opt_level: u32,
    /// Required CPU features (see `cpu::Feature` bits).
    pub cpu_features: u64,
    /// [`hash64`] of the source wasm.
    pub wasm_hash: u64,
}

/// A parsed, checked image: ranges are valid byte ranges of the file.
#[derive(Debug, Clone)]
pub struct Layout {
    pub header: Header,
    pub wasm: Range<usize>,
    pub target: String,
    /// (offset in text, size) per defined function.
    pub funcs: Vec<(u32, u32)>,
    /// Offset in text of each type's trampoline.
    pub trampolines: Vec<u32>,
    pub text: Range<usize>,
    /// The constant table (8-byte aligned in the file).
    pub consts: Range<usize>,
    pub intrinsics: u128,
    /// Every section as the table lists it: (kind, byte range in the file).
    pub sections: Vec<(u32, Range<usize>)>,
    /// The signature trailer, when the header says the image is signed.
    pub signature: Option<Signature>,
}

/// Why an image was refused.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ImageError {
    #[error("not an AOT image (bad magic)")]
    BadMagic,
    #[error(
        "AOT image format version {found} is not supported (this runtime reads version {VERSION})"
    )]
    Version { found: u32 },
    #[error("truncated AOT image: {0}")]
    Truncated(&'static str),
    #[error("corrupt AOT image: {0}")]
    Corrupt(String),
    #[error("AOT image checksum mismatch (the file is damaged)")]
    Checksum,
    #[error(
        "AOT image compiled against another runtime interface (a build of the same format \
         version whose builtins or vmctx layout differ): compile it again"
    )]
    Abi,
}

/// The image's checksum and the wasm hash: XXH3-64 (the `xxhash-rust` crate), which
/// runs at memory speed, so loading a large image stays cheap. Not a cryptographic hash:
/// it detects damage, not forgery (the object cache authenticates its entries with a
/// keyed BLAKE3 hash).
pub fn hash64(bytes: &[u8]) -> u64 {
    xxhash_rust::xxh3::xxh3_64(bytes)
}

/// The sections of an image, in file order. The layout is canonical: each section starts
/// at the first offset after the previous one that has its alignment, the gaps are zero,
/// and the text ends where the checksum begins. The loader refuses any other placement,
/// so no section-table entry can be pointed elsewhere (at padding, say) and still load.
const LAYOUT: [SectionKind; 7] = [
    SectionKind::Wasm,
    SectionKind::Target,
    SectionKind::Funcs,
    SectionKind::Trampolines,
    SectionKind::Consts,
    SectionKind::Intrinsics,
    SectionKind::Text,
];

/// Where a section may start: the text at a page boundary, everything else at 8 bytes.
fn section_align(kind: SectionKind, page_size: usize) -> usize {
    if kind == SectionKind::Text {
        page_size
    } else {
        8
    }
}

/// Builds an image. `text` is placed at a multiple of `page_align`.
pub struct Writer {
    pub header: Header,
    pub wasm: Vec<u8>,
    pub target: String,
    pub funcs: Vec<(u32, u32)>,
    pub trampolines: Vec<u32>,
    pub text: Vec<u8>,
    pub consts: Vec<u64>,
    pub intrinsics: u128,
    pub page_align: usize,
}

impl Writer {
    pub fn finish(self) -> Vec<u8> {
        let funcs: Vec<u8> = self
            .funcs
            .iter()
            .flat_map(|(o, s)| [o.to_le_bytes(), s.to_le_bytes()].concat())
            .collect();
        let tramps: Vec<u8> = self
            .trampolines
            .iter()
            .flat_map(|o| o.to_le_bytes())
            .collect();
        let consts: Vec<u8> = self.consts.iter().flat_map(|c| c.to_le_bytes()).collect();
        let intrinsics = self.intrinsics.to_le_bytes();
        let count = LAYOUT.len();
        let mut out = vec![0u8; HEADER_SIZE + count * SECTION_ENTRY_SIZE];
        let mut entries = Vec::new();
        for kind in LAYOUT {
            let data: &[u8] = match kind {
                SectionKind::Wasm => &self.wasm,
                SectionKind::Target => self.target.as_bytes(),
                SectionKind::Funcs => &funcs,
                SectionKind::Trampolines => &tramps,
                SectionKind::Consts => &consts,
                SectionKind::Intrinsics => &intrinsics,
                SectionKind::Text => &self.text,
            };
            align(&mut out, section_align(kind, self.page_align));
            entries.push((kind, out.len(), data.len()));
            out.extend_from_slice(data);
        }
        // Header.
        let h = &self.header;
        out[0..8].copy_from_slice(&MAGIC);
        put_u32(&mut out, 8, h.version);
        put_u32(&mut out, 12, HEADER_SIZE as u32);
        put_u32(&mut out, 16, h.arch);
        put_u32(&mut out, 20, h.flags);
        put_u32(&mut out, 24, h.opt_level);
        put_u32(&mut out, 28, count as u32);
        put_u64(&mut out, 32, h.cpu_features);
        put_u64(&mut out, 40, h.wasm_hash);
        put_u64(&mut out, 48, crate::abi::fingerprint());
        for (i, (kind, off, len)) in entries.into_iter().enumerate() {
            let at = HEADER_SIZE + i * SECTION_ENTRY_SIZE;
            put_u32(&mut out, at, kind as u32);
            put_u64(&mut out, at + 8, off as u64);
            put_u64(&mut out, at + 16, len as u64);
        }
        // The checksum covers every byte before it.
        let sum = hash64(&out);
        out.extend_from_slice(&sum.to_le_bytes());
        out
    }
}

fn align(v: &mut Vec<u8>, to: usize) {
    let pad = v.len().next_multiple_of(to) - v.len();
    v.extend(std::iter::repeat_n(0, pad));
}

fn put_u32(b: &mut [u8], at: usize, v: u32) {
    b[at..at + 4].copy_from_slice(&v.to_le_bytes());
}

fn put_u64(b: &mut [u8], at: usize, v: u64) {
    b[at..at + 8].copy_from_slice(&v.to_le_bytes());
}

fn get_u32(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes(
        b.get(at..at.checked_add(4)?)?.try_into().ok()?,
    ))
}

fn get_u64(b: &[u8], at: usize) -> Option<u64> {
    Some(u64::from_le_bytes(
        b.get(at..at.checked_add(8)?)?.try_into().ok()?,
    ))
}

/// Parses and checks an image. `page_size` is the alignment the text must have.
pub fn parse(file: &[u8], page_size: usize) -> Result<Layout, ImageError> {
    use ImageError::*;
    if file.len() < 8 {
        return Err(Truncated("shorter than the magic"));
    }
    if file[..8] != MAGIC {
        return Err(BadMagic);
    }
    let version = get_u32(file, 8).ok_or(Truncated("header"))?;
    if version != VERSION {
        return Err(Version { found: version });
    }
    if file.len() < HEADER_SIZE + 8 {
        return Err(Truncated("header"));
    }
    // A signed image ends in its trailer; the checksum sits just before it. The flag is
    // read before the checksum is checked, and the checksum covers it.
    let flags = get_u32(file, 20).ok_or(Truncated("header"))?;
    let (checked, signature) = if flags & FLAG_SIGNED != 0 {
        let signed_len = file
            .len()
            .checked_sub(SIGNATURE_TRAILER)
            .filter(|&n| n >= HEADER_SIZE + 8)
            .ok_or(Truncated("signature"))?;
        let trailer = &file[signed_len..];
        let signature = Signature {
            signature: trailer[..64]
                .try_into()
                .map_err(|_| Truncated("signature"))?,
            public_key: trailer[64..]
                .try_into()
                .map_err(|_| Truncated("signature"))?,
            signed: 0..signed_len,
        };
        (&file[..signed_len], Some(signature))
    } else {
        (file, None)
    };
    let body = &checked[..checked.len() - 8];
    let sum = get_u64(checked, checked.len() - 8).ok_or(Truncated("checksum"))?;
    if hash64(body) != sum {
        return Err(Checksum);
    }
    let corrupt = |m: &str| Corrupt(m.to_string());
    if get_u32(body, 12) != Some(HEADER_SIZE as u32) {
        return Err(corrupt("header size"));
    }
    if flags & !KNOWN_FLAGS != 0 {
        return Err(corrupt("unknown header flags"));
    }
    let header = Header {
        version,
        arch: get_u32(body, 16).ok_or(Truncated("header"))?,
        flags,
        opt_level: get_u32(body, 24).ok_or(Truncated("header"))?,
        cpu_features: get_u64(body, 32).ok_or(Truncated("header"))?,
        wasm_hash: get_u64(body, 40).ok_or(Truncated("header"))?,
    };
    if get_u64(body, 48) != Some(crate::abi::fingerprint()) {
        return Err(ImageError::Abi);
    }
    if body[56..HEADER_SIZE].iter().any(|&b| b != 0) {
        return Err(corrupt("reserved header bytes are not zero"));
    }
    let count = get_u32(body, 28).ok_or(Truncated("header"))? as usize;
    if count != LAYOUT.len() {
        return Err(corrupt("section count"));
    }
    let mut found: [Option<Range<usize>>; 8] = Default::default();
    let mut sections = Vec::with_capacity(count);
    // The writer aligns the text for the image's architecture (64 KiB pages on aarch64),
    // which may not be this host's: a foreign image still parses, and is refused by name
    // when its architecture is checked.
    let text_align = match header.arch {
        ARCH_X86_64 => 4096,
        ARCH_AARCH64 => 65536,
        _ => page_size,
    };
    let mut prev_end = HEADER_SIZE + count * SECTION_ENTRY_SIZE;
    for (i, expected) in LAYOUT.into_iter().enumerate() {
        let at = HEADER_SIZE + i * SECTION_ENTRY_SIZE;
        let kind = get_u32(body, at).ok_or(Truncated("section table"))?;
        let reserved = get_u32(body, at + 4).ok_or(Truncated("section table"))?;
        let off = get_u64(body, at + 8).ok_or(Truncated("section table"))?;
        let len = get_u64(body, at + 16).ok_or(Truncated("section table"))?;
        if kind != expected as u32 || reserved != 0 {
            return Err(corrupt(
                "section table: unknown, duplicate or misplaced section",
            ));
        }
        let start = prev_end.next_multiple_of(section_align(expected, text_align));
        if off != start as u64 {
            return Err(Corrupt(format!(
                "{expected:?} section at {off}, where the layout puts it at {start}"
            )));
        }
        let end = off
            .checked_add(len)
            .filter(|&e| e <= body.len() as u64)
            .ok_or_else(|| corrupt("section out of range"))? as usize;
        if body[prev_end..start].iter().any(|&b| b != 0) {
            return Err(corrupt("padding between sections is not zero"));
        }
        found[expected as usize] = Some(start..end);
        sections.push((kind, start..end));
        prev_end = end;
    }
    if prev_end != body.len() {
        return Err(corrupt("bytes after the text section"));
    }
    let take = |k: SectionKind| {
        found[k as usize]
            .clone()
            .ok_or_else(|| Corrupt(format!("missing {k:?} section")))
    };
    let wasm = take(SectionKind::Wasm)?;
    let target = String::from_utf8(body[take(SectionKind::Target)?].to_vec())
        .map_err(|_| corrupt("target is not UTF-8"))?;
    let text = take(SectionKind::Text)?;
    if text.start % page_size != 0 {
        return Err(corrupt("text section is not page-aligned"));
    }
    let text_len = text.len() as u64;
    let fb = &body[take(SectionKind::Funcs)?];
    if !fb.len().is_multiple_of(8) {
        return Err(corrupt("function table size"));
    }
    let funcs: Vec<(u32, u32)> = fb
        .chunks_exact(8)
        .map(|c| (get_u32(c, 0).unwrap_or(0), get_u32(c, 4).unwrap_or(0)))
        .collect();
    if funcs
        .iter()
        .any(|&(o, s)| u64::from(o) + u64::from(s) > text_len)
    {
        return Err(corrupt("function outside the text section"));
    }
    let tb = &body[take(SectionKind::Trampolines)?];
    if !tb.len().is_multiple_of(4) {
        return Err(corrupt("trampoline table size"));
    }
    let trampolines: Vec<u32> = tb
        .chunks_exact(4)
        .map(|c| get_u32(c, 0).unwrap_or(0))
        .collect();
    if trampolines.iter().any(|&o| u64::from(o) >= text_len.max(1)) {
        return Err(corrupt("trampoline outside the text section"));
    }
    // The writer packs functions in index order from offset 0, each at the next 16-byte
    // boundary after the previous one and never empty, then the trampolines the same
    // way: every entry is fixed by the sizes before it, so anything else (an entry
    // pointing at another function's code, say) is refused.
    let mut end = 0u64;
    for &(o, size) in &funcs {
        if u64::from(o) != end.next_multiple_of(16) || size == 0 {
            return Err(corrupt(
                "function entries out of order, misaligned or empty",
            ));
        }
        end = u64::from(o) + u64::from(size);
    }
    for (i, &o) in trampolines.iter().enumerate() {
        let in_place = if i == 0 {
            u64::from(o) == end.next_multiple_of(16)
        } else {
            o % 16 == 0 && u64::from(o) > end
        };
        if !in_place {
            return Err(corrupt("trampoline entries out of order or misaligned"));
        }
        end = u64::from(o);
    }
    let consts = take(SectionKind::Consts)?;
    if !consts.len().is_multiple_of(8) || !consts.start.is_multiple_of(8) {
        return Err(corrupt("constant table size or alignment"));
    }
    let ib = &body[take(SectionKind::Intrinsics)?];
    let intrinsics = u128::from_le_bytes(ib.try_into().map_err(|_| corrupt("intrinsic set size"))?);
    if intrinsics >> crate::intrinsics::Intrinsic::ALL.len() != 0 {
        return Err(corrupt("unknown intrinsics"));
    }
    Ok(Layout {
        header,
        wasm,
        target,
        funcs,
        trampolines,
        text,
        consts,
        intrinsics,
        sections,
        signature,
    })
}

/// Marks an unsigned image as signed and appends its trailer: sets [`FLAG_SIGNED`],
/// recomputes the checksum, then appends what `sign` returns for the bytes so far
/// (signature, public key). Refuses an image that is already signed.
pub fn append_signature(
    mut image: Vec<u8>,
    sign: impl FnOnce(&[u8]) -> ([u8; 64], [u8; 32]),
) -> Result<Vec<u8>, ImageError> {
    let flags = get_u32(&image, 20).ok_or(ImageError::Truncated("header"))?;
    if image.len() < HEADER_SIZE + 8 || image[..8] != MAGIC {
        return Err(ImageError::BadMagic);
    }
    if flags & FLAG_SIGNED != 0 {
        return Err(ImageError::Corrupt("the image is already signed".into()));
    }
    let body_len = image.len() - 8;
    put_u32(&mut image, 20, flags | FLAG_SIGNED);
    let sum = hash64(&image[..body_len]);
    image[body_len..].copy_from_slice(&sum.to_le_bytes());
    let (signature, public_key) = sign(&image);
    image.extend_from_slice(&signature);
    image.extend_from_slice(&public_key);
    Ok(image)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A small valid, unsigned image.
    pub(crate) fn sample() -> Vec<u8> {
        Writer {
            header: Header {
                version: VERSION,
                arch: ARCH_X86_64,
                flags: FLAG_STACK_CHECKS,
                opt_level: 1,
                cpu_features: 3,
                wasm_hash: 7,
            },
            wasm: b"\0asm\x01\0\0\0".to_vec(),
            target: "x86_64-unknown-linux-gnu".into(),
            funcs: vec![(0, 4), (16, 4)],
            trampolines: vec![32],
            text: vec![0xc3; 48],
            consts: vec![1, 2],
            intrinsics: 5,
            page_align: 4096,
        }
        .finish()
    }

    /// Found by the `aot_image` mutation check: a resealed image whose trampoline offset
    /// pointed into the middle of a function loaded and ran the wrong code.
    #[test]
    fn resealed_offsets_into_the_middle_of_code_are_refused() {
        let with = |funcs: Vec<(u32, u32)>, trampolines: Vec<u32>| {
            let mut w = Writer {
                header: Header {
                    version: VERSION,
                    arch: ARCH_X86_64,
                    flags: 0,
                    opt_level: 1,
                    cpu_features: 0,
                    wasm_hash: 0,
                },
                wasm: Vec::new(),
                target: String::new(),
                funcs,
                trampolines,
                text: vec![0xc3; 64],
                consts: Vec::new(),
                intrinsics: 0,
                page_align: 4096,
            };
            w.target = "x".into();
            parse(&w.finish(), 4096)
        };
        assert!(with(vec![(0, 4), (16, 4)], vec![32]).is_ok());
        for (funcs, tramps) in [
            (vec![(0, 4), (16, 4)], vec![20]),
            (vec![(0, 4), (16, 4)], vec![16]),
            (vec![(0, 4), (8, 4)], vec![32]),
            (vec![(16, 4), (0, 4)], vec![32]),
            (vec![(0, 20), (16, 4)], vec![32]),
            // Empty entries (what a table moved onto zero padding reads as).
            (vec![(0, 0), (0, 0)], vec![0]),
            (vec![(0, 4), (16, 0)], vec![32]),
            // A gap the writer never leaves.
            (vec![(0, 4), (32, 4)], vec![48]),
            (vec![(0, 4), (16, 4)], vec![48]),
        ] {
            assert!(
                matches!(
                    with(funcs.clone(), tramps.clone()),
                    Err(ImageError::Corrupt(_))
                ),
                "{funcs:?} {tramps:?}"
            );
        }
    }

    /// Reseals `image` after `edit` (the checksum recomputed, so only the layout checks
    /// stand between the edit and a load).
    fn resealed(mut image: Vec<u8>, edit: impl FnOnce(&mut Vec<u8>)) -> Vec<u8> {
        edit(&mut image);
        let body = image.len() - 8;
        let sum = hash64(&image[..body]);
        image[body..].copy_from_slice(&sum.to_le_bytes());
        image
    }

    /// Found by the `aot_image` fuzz target: a resealed section table pointing the funcs
    /// section at zero padding loaded, and every function ran function 0's code. Every
    /// field of the table is now fixed by the lengths.
    #[test]
    fn resealed_section_tables_off_the_canonical_layout_are_refused() {
        let img = sample();
        let entry = |i: usize| HEADER_SIZE + i * SECTION_ENTRY_SIZE;
        let funcs_off = get_u64(&img, entry(2) + 8).unwrap();
        type Edit = Box<dyn Fn(&mut Vec<u8>)>;
        let cases: Vec<(&str, Edit)> = vec![
            (
                "funcs moved into padding",
                Box::new(move |b| put_u64(b, entry(2) + 8, funcs_off + 512)),
            ),
            (
                "funcs moved back by 8",
                Box::new(move |b| put_u64(b, entry(2) + 8, funcs_off - 8)),
            ),
            (
                "two entries swapped",
                Box::new(move |b| {
                    let (a, c) = (entry(0), entry(1));
                    let first: Vec<u8> = b[a..a + SECTION_ENTRY_SIZE].to_vec();
                    b.copy_within(c..c + SECTION_ENTRY_SIZE, a);
                    b[c..c + SECTION_ENTRY_SIZE].copy_from_slice(&first);
                }),
            ),
            (
                "reserved entry field",
                Box::new(move |b| put_u32(b, entry(3) + 4, 1)),
            ),
            ("reserved header bytes", Box::new(|b| b[58] = 1)),
            ("runtime interface fingerprint", Box::new(|b| b[50] ^= 1)),
            ("one section fewer", Box::new(|b| put_u32(b, 28, 6))),
            (
                "nonzero padding",
                Box::new(move |b| {
                    let text = get_u64(b, entry(6) + 8).unwrap() as usize;
                    b[text - 1] = 0x90;
                }),
            ),
            (
                "shorter text (bytes after it)",
                Box::new(move |b| {
                    let len = get_u64(b, entry(6) + 16).unwrap();
                    put_u64(b, entry(6) + 16, len - 16);
                }),
            ),
        ];
        for (what, edit) in cases {
            let image = resealed(img.clone(), edit);
            assert!(
                matches!(
                    parse(&image, 4096),
                    Err(ImageError::Corrupt(_) | ImageError::Abi)
                ),
                "{what}: {:?}",
                parse(&image, 4096).map(|l| l.sections)
            );
        }
        assert!(parse(&resealed(img, |_| {}), 4096).is_ok());
    }

    /// An aarch64 image (text on a 64 KiB boundary) parses on a 4 KiB-page host, so its
    /// architecture is what refuses it, by name.
    #[test]
    fn foreign_images_keep_their_architectures_text_alignment() {
        let image = |page_align: usize| {
            Writer {
                header: Header {
                    version: VERSION,
                    arch: ARCH_AARCH64,
                    flags: 0,
                    opt_level: 1,
                    cpu_features: 0,
                    wasm_hash: 0,
                },
                wasm: Vec::new(),
                target: "aarch64-unknown-linux-gnu".into(),
                funcs: vec![(0, 4)],
                trampolines: vec![16],
                text: vec![0; 32],
                consts: Vec::new(),
                intrinsics: 0,
                page_align,
            }
            .finish()
        };
        let l = parse(&image(65536), 4096).unwrap();
        assert_eq!(l.text.start, 65536);
        // The same image laid out on 4 KiB is not what an aarch64 writer makes.
        assert!(matches!(
            parse(&image(4096), 4096),
            Err(ImageError::Corrupt(_))
        ));
    }

    #[test]
    fn round_trips() {
        let img = sample();
        let l = parse(&img, 4096).unwrap();
        assert_eq!(l.header.flags, FLAG_STACK_CHECKS);
        assert_eq!(&img[l.wasm.clone()], b"\0asm\x01\0\0\0");
        assert_eq!(l.funcs, vec![(0, 4), (16, 4)]);
        assert_eq!(l.text.start % 4096, 0);
    }

    #[test]
    fn every_truncation_and_bit_flip_is_refused() {
        let img = sample();
        for len in 0..img.len() {
            assert!(parse(&img[..len], 4096).is_err(), "truncated to {len}");
        }
        for i in 0..img.len() {
            let mut bad = img.clone();
            bad[i] ^= 0x10;
            assert!(parse(&bad, 4096).is_err(), "flip at {i}");
        }
    }

    #[test]
    fn hash64_sees_every_word_length_and_padding() {
        let base: Vec<u8> = (0..1000u32).map(|i| (i * 7 + 3) as u8).collect();
        let h = hash64(&base);
        assert_eq!(h, hash64(&base.clone()), "deterministic");
        // Any change inside one 8-byte word changes the hash, wherever it is (full
        // blocks and the padded tail alike).
        for at in 0..base.len() {
            for bit in [0, 3, 7] {
                let mut v = base.clone();
                v[at] ^= 1 << bit;
                assert_ne!(hash64(&v), h, "bit {bit} of byte {at}");
            }
        }
        // Zero padding is not data: lengths that differ only by trailing zeros differ.
        let mut hashes: Vec<u64> = (0..70).map(|n| hash64(&vec![0u8; n])).collect();
        hashes.sort_unstable();
        hashes.dedup();
        assert_eq!(hashes.len(), 70);
        // Swapping two words of different lanes is damage too.
        let mut swapped = base.clone();
        swapped.copy_within(0..8, 200);
        swapped[..8].copy_from_slice(&base[200..208]);
        assert_ne!(hash64(&swapped), h);
    }
}
