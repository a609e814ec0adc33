//! Targets and CPU features: what an image requires and whether this host has it.

use cranelift_codegen::isa::TargetIsa;

/// Features an image can require, per architecture: (bit, Cranelift flag, user name).
const X86_FEATURES: &[(u32, &str, &str)] = &[
    (0, "has_sse3", "sse3"),
    (1, "has_ssse3", "ssse3"),
    (2, "has_sse41", "sse4.1"),
    (3, "has_sse42", "sse4.2"),
    (4, "has_popcnt", "popcnt"),
    (5, "has_avx", "avx"),
    (6, "has_avx2", "avx2"),
    (7, "has_fma", "fma"),
    (8, "has_bmi1", "bmi1"),
    (9, "has_bmi2", "bmi2"),
    (10, "has_lzcnt", "lzcnt"),
    // Cranelift's native detection turns these on where the host has them, and both
    // tiers may then use them: the image must say so.
    (11, "has_avx512f", "avx512f"),
    (12, "has_avx512vl", "avx512vl"),
    (13, "has_avx512dq", "avx512dq"),
    (14, "has_avx512bitalg", "avx512bitalg"),
    (15, "has_avx512vbmi", "avx512vbmi"),
    (16, "has_avx512vnni", "avx512vnni"),
];

const ARM_FEATURES: &[(u32, &str, &str)] = &[
    (0, "has_lse", "lse"),
    (1, "has_pauth", "paca"),
    (2, "has_fp16", "fp16"),
];

fn table(arch: &str) -> &'static [(u32, &'static str, &'static str)] {
    if arch == "aarch64" {
        ARM_FEATURES
    } else {
        X86_FEATURES
    }
}

pub fn host_arch() -> &'static str {
    if cfg!(target_arch = "aarch64") {
        "aarch64"
    } else {
        "x86_64"
    }
}

pub fn triple_for(arch: &str) -> Option<&'static str> {
    match arch {
        "x86_64" => Some("x86_64-unknown-linux-gnu"),
        "aarch64" => Some("aarch64-unknown-linux-gnu"),
        _ => None,
    }
}

pub fn arch_code(arch: &str) -> u32 {
    match arch {
        "aarch64" => crate::image::ARCH_AARCH64,
        _ => crate::image::ARCH_X86_64,
    }
}

pub fn arch_name(code: u32) -> Option<&'static str> {
    match code {
        crate::image::ARCH_X86_64 => Some("x86_64"),
        crate::image::ARCH_AARCH64 => Some("aarch64"),
        _ => None,
    }
}

/// Text alignment in the file: the largest page size the architecture's Linux uses.
pub fn page_align(arch: &str) -> usize {
    if arch == "aarch64" {
        65536
    } else {
        4096
    }
}

/// Parses `+sse4.1,-avx` into Cranelift flag settings.
pub fn parse_feature_list(arch: &str, list: &str) -> Result<Vec<(&'static str, bool)>, String> {
    let mut out = Vec::new();
    for item in list.split(',').map(str::trim).filter(|s| !s.is_empty()) {
        let (on, name) = match item.as_bytes()[0] {
            b'+' => (true, &item[1..]),
            b'-' => (false, &item[1..]),
            _ => (true, item),
        };
        let (_, flag, _) = table(arch)
            .iter()
            .find(|(_, _, n)| *n == name)
            .ok_or_else(|| {
                format!(
                    "unknown CPU feature `{name}` for {arch} (known: {})",
                    feature_names(arch)
                )
            })?;
        out.push((*flag, on));
    }
    Ok(out)
}

fn feature_names(arch: &str) -> String {
    table(arch)
        .iter()
        .map(|(_, _, n)| *n)
        .collect::<Vec<_>>()
        .join(", ")
}

/// The feature bits an ISA's code may use.
pub fn features_of(isa: &dyn TargetIsa) -> u64 {
    let arch = isa.triple().architecture.to_string();
    let flags = isa.isa_flags();
    table(&arch)
        .iter()
        .filter(|(_, flag, _)| {
            flags
                .iter()
                .any(|v| v.name == *flag && v.as_bool() == Some(true))
        })
        .fold(0, |acc, (bit, _, _)| acc | (1 << bit))
}

/// The LLVM feature string for exactly the features an ISA's code may use: each known
/// feature on or off, so LLVM uses nothing the image does not record.
#[cfg(feature = "llvm")]
pub fn llvm_features(isa: &dyn TargetIsa) -> String {
    let bits = features_of(isa);
    let arch = isa.triple().architecture.to_string();
    table(&arch)
        .iter()
        .map(|(bit, _, name)| {
            // LLVM's names where they differ from the ones users spell.
            let llvm_name = match *name {
                "bmi1" => "bmi",
                "paca" => "pauth",
                "fp16" => "fullfp16",
                other => other,
            };
            let sign = if bits & (1 << bit) != 0 { '+' } else { '-' };
            format!("{sign}{llvm_name}")
        })
        .collect::<Vec<_>>()
        .join(",")
}

/// Whether vector fused multiply-adds must go through the runtime intrinsic: an x86-64
/// target without FMA, where Cranelift would lower them to libcalls.
pub fn needs_fma_intrinsic(isa: &dyn TargetIsa) -> bool {
    isa.triple().architecture.to_string() == "x86_64"
        && !isa
            .isa_flags()
            .iter()
            .any(|v| v.name == "has_fma" && v.as_bool() == Some(true))
}

/// Names of the features in `bits` this host lacks; bits this runtime does not know
/// count as missing (an image from a newer compiler may need them).
pub fn missing_on_host(arch: &str, bits: u64) -> Vec<String> {
    let known = table(arch)
        .iter()
        .fold(0u64, |acc, (bit, _, _)| acc | (1 << bit));
    let mut missing: Vec<String> = table(arch)
        .iter()
        .filter(|(bit, _, name)| bits & (1 << bit) != 0 && !host_has(name))
        .map(|(_, _, name)| name.to_string())
        .collect();
    missing.extend(
        (0..64)
            .filter(|b| bits & !known & (1 << b) != 0)
            .map(|b| format!("unknown feature bit {b}")),
    );
    missing
}

fn host_has(name: &str) -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        match name {
            "sse3" => std::arch::is_x86_feature_detected!("sse3"),
            "ssse3" => std::arch::is_x86_feature_detected!("ssse3"),
            "sse4.1" => std::arch::is_x86_feature_detected!("sse4.1"),
            "sse4.2" => std::arch::is_x86_feature_detected!("sse4.2"),
            "popcnt" => std::arch::is_x86_feature_detected!("popcnt"),
            "avx" => std::arch::is_x86_feature_detected!("avx"),
            "avx2" => std::arch::is_x86_feature_detected!("avx2"),
            "fma" => std::arch::is_x86_feature_detected!("fma"),
            "bmi1" => std::arch::is_x86_feature_detected!("bmi1"),
            "bmi2" => std::arch::is_x86_feature_detected!("bmi2"),
            "lzcnt" => std::arch::is_x86_feature_detected!("lzcnt"),
            "avx512f" => std::arch::is_x86_feature_detected!("avx512f"),
            "avx512vl" => std::arch::is_x86_feature_detected!("avx512vl"),
            "avx512dq" => std::arch::is_x86_feature_detected!("avx512dq"),
            "avx512bitalg" => std::arch::is_x86_feature_detected!("avx512bitalg"),
            "avx512vbmi" => std::arch::is_x86_feature_detected!("avx512vbmi"),
            "avx512vnni" => std::arch::is_x86_feature_detected!("avx512vnni"),
            _ => false,
        }
    }
    #[cfg(target_arch = "aarch64")]
    {
        match name {
            "lse" => std::arch::is_aarch64_feature_detected!("lse"),
            "paca" => std::arch::is_aarch64_feature_detected!("paca"),
            "fp16" => std::arch::is_aarch64_feature_detected!("fp16"),
            _ => false,
        }
    }
    #[cfg(not(any(target_arch = "x86_64", target_arch = "aarch64")))]
    {
        let _ = name;
        false
    }
}

/// Names of the features in `bits` for an image of architecture code `arch`.
pub fn image_feature_names(arch: u32, bits: u64) -> Vec<&'static str> {
    let arch = arch_name(arch).unwrap_or("x86_64");
    table(arch)
        .iter()
        .filter(|(bit, _, _)| bits & (1 << bit) != 0)
        .map(|(_, _, name)| *name)
        .collect()
}
