//! Turns LLVM's relocatable object into the image's text: the code sections first, then
//! the read-only data (constant pools, jump tables) at a fixed distance after them, with
//! every reference between them resolved here. What an image needs at load time is
//! nothing: a reference this cannot resolve (an undefined symbol, an absolute address,
//! writable data) is an error, never a relocation left for the loader.

use std::collections::HashMap;

use crate::llvm_tier::Linked;
use object::{
    Object, ObjectSection, ObjectSymbol, RelocationFlags, RelocationTarget, SectionKind,
    SymbolSection,
};

/// The symbol of defined function `index` (wasm function index).
pub(super) fn func_symbol(index: u32) -> String {
    format!("wasm_func_{index}")
}

/// The symbol of the trampoline of module type `index`.
pub(super) fn trampoline_symbol(index: u32) -> String {
    format!("wasm_trampoline_{index}")
}

/// Whether a section's bytes go into the image: code and read-only data. Debug and
/// unwind information (`.eh_frame`), notes and the like stay behind.
fn placed(kind: SectionKind) -> bool {
    matches!(
        kind,
        SectionKind::Text
            | SectionKind::ReadOnlyData
            | SectionKind::ReadOnlyString
            | SectionKind::ReadOnlyDataWithRel
    )
}

/// Rewrites the little-endian instruction word at `at`.
fn patch32(text: &mut [u8], at: usize, f: impl Fn(u32) -> u32) {
    let insn = u32::from_le_bytes([text[at], text[at + 1], text[at + 2], text[at + 3]]);
    text[at..at + 4].copy_from_slice(&f(insn).to_le_bytes());
}

pub(super) fn link(object: &[u8], funcs: usize, trampolines: usize) -> Result<Linked, String> {
    let file = object::File::parse(object).map_err(|e| format!("LLVM's object: {e}"))?;
    // Lay the placed sections out: text sections first, then the rest.
    let mut order: Vec<object::Section> = file.sections().filter(|s| placed(s.kind())).collect();
    order.sort_by_key(|s| (s.kind() != SectionKind::Text, s.index().0));
    let mut text = Vec::new();
    let mut base: HashMap<object::SectionIndex, u64> = HashMap::new();
    for s in &order {
        let align = s.align().max(1) as usize;
        text.resize(text.len().next_multiple_of(align.max(16)), 0);
        base.insert(s.index(), text.len() as u64);
        let data = s.data().map_err(|e| e.to_string())?;
        text.extend_from_slice(data);
    }
    for s in file.sections() {
        if matches!(
            s.kind(),
            SectionKind::Data | SectionKind::UninitializedData | SectionKind::Tls
        ) && s.size() > 0
        {
            return Err(format!(
                "LLVM emitted writable data ({}); images hold none",
                s.name().unwrap_or("?")
            ));
        }
    }
    let symbol_address = |sym: &object::Symbol| -> Option<u64> {
        match sym.section() {
            SymbolSection::Section(i) => base.get(&i).map(|b| b + sym.address()),
            _ => None,
        }
    };
    // Functions and trampolines by name.
    let mut func_at = Vec::with_capacity(funcs);
    let mut tramp_at = vec![None; trampolines];
    for sym in file.symbols() {
        let Ok(name) = sym.name() else { continue };
        if let Some(rest) = name.strip_prefix("wasm_trampoline_") {
            if let (Ok(t), Some(at)) = (rest.parse::<usize>(), symbol_address(&sym)) {
                if t < trampolines {
                    tramp_at[t] = Some(at as u32);
                }
            }
        } else if let Some(rest) = name.strip_prefix("wasm_func_") {
            if let (Ok(f), Some(at)) = (rest.parse::<u32>(), symbol_address(&sym)) {
                func_at.push((f, at as u32, sym.size() as u32));
            }
        }
    }
    // Defined functions come in index order; their symbols carry the wasm index.
    let mut by_index = func_at;
    by_index.sort_by_key(|&(f, _, _)| f);
    if by_index.len() != funcs {
        return Err(format!(
            "LLVM's object defines {} of {funcs} functions",
            by_index.len()
        ));
    }
    // LLVM aligns functions more strictly than the image needs (`super::FUNCTION_ALIGN`):
    // the padding before a function is counted into the one before it.
    for i in 1..by_index.len() {
        let (prev_at, prev_len) = (by_index[i - 1].1, by_index[i - 1].2);
        let next_at = by_index[i].1;
        if next_at > prev_at + prev_len && next_at - prev_at - prev_len < super::FUNCTION_ALIGN {
            by_index[i - 1].2 = next_at - prev_at;
        }
    }
    // The image's layout rule (the loader checks it): functions, then trampolines, each
    // at the first 16-byte boundary after the previous one ends.
    let mut end = 0u64;
    for &(f, at, len) in &by_index {
        if u64::from(at) != end.next_multiple_of(16) || len == 0 {
            return Err(format!(
                "LLVM placed function {f} at {at:#x} (size {len}), not where the image packs it"
            ));
        }
        end = u64::from(at) + u64::from(len);
    }
    let trampolines: Vec<u32> = tramp_at
        .into_iter()
        .enumerate()
        .map(|(t, a)| a.ok_or_else(|| format!("LLVM's object lacks trampoline {t}")))
        .collect::<Result<_, _>>()?;

    // Resolve every relocation of the placed sections.
    for s in &order {
        let section_base = base[&s.index()];
        for (offset, reloc) in s.relocations() {
            let site = section_base + offset;
            let target = match reloc.target() {
                RelocationTarget::Symbol(i) => {
                    let sym = file.symbol_by_index(i).map_err(|e| e.to_string())?;
                    symbol_address(&sym).ok_or_else(|| {
                        format!(
                            "the code refers to `{}`, which the image does not hold",
                            sym.name().unwrap_or("?")
                        )
                    })?
                }
                RelocationTarget::Section(i) => *base.get(&i).ok_or_else(|| {
                    "a reference to a section the image does not hold".to_string()
                })?,
                _ => return Err("an absolute relocation".into()),
            };
            let value = target as i64 + reloc.addend();
            let at = site as usize;
            if at + 4 > text.len() {
                return Err(format!("a relocation past the end of the code ({site:#x})"));
            }
            match reloc.flags() {
                RelocationFlags::Elf { r_type } => match r_type {
                    // PC32 (constants, jump tables), PLT32 (a direct call: the callee is in
                    // the image). GOT-relative and absolute forms are refused below.
                    object::elf::R_X86_64_PC32 | object::elf::R_X86_64_PLT32 => {
                        let delta = i32::try_from(value - site as i64)
                            .map_err(|_| "a PC-relative reference out of range".to_string())?;
                        text[at..at + 4].copy_from_slice(&delta.to_le_bytes());
                    }
                    // aarch64: calls, and ADRP + ADD/LDR pairs reaching the constants (the
                    // text is mapped at a page boundary, so the low 12 bits of a text
                    // offset are those of its address).
                    object::elf::R_AARCH64_CALL26 | object::elf::R_AARCH64_JUMP26 => {
                        let delta = (value - site as i64) >> 2;
                        if !(-(1 << 25)..(1 << 25)).contains(&delta) {
                            return Err("a call out of range".into());
                        }
                        patch32(&mut text, at, |insn| {
                            (insn & 0xfc00_0000) | (delta as u32 & 0x03ff_ffff)
                        });
                    }
                    object::elf::R_AARCH64_ADR_PREL_PG_HI21 => {
                        let page = |a: i64| a & !0xfff;
                        let delta = (page(value) - page(site as i64)) >> 12;
                        if !(-(1 << 20)..(1 << 20)).contains(&delta) {
                            return Err("an ADRP reference out of range".into());
                        }
                        let (lo, hi) = (delta as u32 & 3, (delta as u32 >> 2) & 0x7ffff);
                        patch32(&mut text, at, |insn| {
                            (insn & 0x9f00_001f) | (lo << 29) | (hi << 5)
                        });
                    }
                    object::elf::R_AARCH64_ADD_ABS_LO12_NC
                    | object::elf::R_AARCH64_LDST8_ABS_LO12_NC
                    | object::elf::R_AARCH64_LDST16_ABS_LO12_NC
                    | object::elf::R_AARCH64_LDST32_ABS_LO12_NC
                    | object::elf::R_AARCH64_LDST64_ABS_LO12_NC
                    | object::elf::R_AARCH64_LDST128_ABS_LO12_NC => {
                        let shift = match r_type {
                            object::elf::R_AARCH64_LDST16_ABS_LO12_NC => 1,
                            object::elf::R_AARCH64_LDST32_ABS_LO12_NC => 2,
                            object::elf::R_AARCH64_LDST64_ABS_LO12_NC => 3,
                            object::elf::R_AARCH64_LDST128_ABS_LO12_NC => 4,
                            _ => 0,
                        };
                        let lo12 = (value as u32 & 0xfff) >> shift;
                        patch32(&mut text, at, |insn| (insn & !(0xfff << 10)) | (lo12 << 10));
                    }
                    object::elf::R_AARCH64_PREL32 => {
                        let delta = i32::try_from(value - site as i64)
                            .map_err(|_| "a PC-relative reference out of range".to_string())?;
                        text[at..at + 4].copy_from_slice(&delta.to_le_bytes());
                    }
                    other => {
                        return Err(format!(
                            "relocation type {other} at text offset {site:#x} cannot be resolved \
                             when the image is written"
                        ))
                    }
                },
                other => return Err(format!("relocation {other:?}")),
            }
        }
    }
    Ok(Linked {
        text,
        funcs: by_index.into_iter().map(|(_, at, len)| (at, len)).collect(),
        trampolines,
    })
}
