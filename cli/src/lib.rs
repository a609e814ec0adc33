//! Shared pieces of the command-line tools: argument parsing of wasm values, result
//! printing in iwasm's format, logging set-up.

pub mod cache;
pub mod features;
pub mod inspect;
pub mod native;

use anyhow::{bail, Context, Result};
use wamr_common::{Val, ValType};

/// Parses a command-line argument as a value of `ty` (decimal or `0x` hex integers,
/// floats in Rust syntax, `nan`/`inf` accepted).
pub fn parse_arg(text: &str, ty: ValType) -> Result<Val> {
    let int = |t: &str| -> Result<i128> {
        let (neg, digits) = match t.strip_prefix('-') {
            Some(d) => (true, d),
            None => (false, t),
        };
        let v = match digits
            .strip_prefix("0x")
            .or_else(|| digits.strip_prefix("0X"))
        {
            Some(hex) => i128::from_str_radix(hex, 16),
            None => digits.parse::<i128>(),
        }
        .with_context(|| format!("`{text}` is not an integer"))?;
        Ok(if neg { -v } else { v })
    };
    Ok(match ty {
        ValType::I32 => {
            let v = int(text)?;
            if !(i128::from(i32::MIN)..=i128::from(u32::MAX)).contains(&v) {
                bail!("`{text}` does not fit in i32");
            }
            Val::I32(v as i32)
        }
        ValType::I64 => {
            let v = int(text)?;
            if !(i128::from(i64::MIN)..=i128::from(u64::MAX)).contains(&v) {
                bail!("`{text}` does not fit in i64");
            }
            Val::I64(v as i64)
        }
        ValType::F32 => Val::F32(
            text.parse::<f32>()
                .with_context(|| format!("`{text}` is not an f32"))?
                .to_bits(),
        ),
        ValType::F64 => Val::F64(
            text.parse::<f64>()
                .with_context(|| format!("`{text}` is not an f64"))?
                .to_bits(),
        ),
        // All 128 bits as one integer (`0x000000040000000300000002000000001`), lane 0
        // in the low bits, as the result is printed.
        ValType::V128 => {
            let hex = text
                .strip_prefix("0x")
                .or_else(|| text.strip_prefix("0X"))
                .with_context(|| {
                    format!("`{text}` is not a v128 (0x followed by 1-32 hex digits)")
                })?;
            Val::V128(u128::from_str_radix(hex, 16).with_context(|| {
                format!("`{text}` is not a v128 (0x followed by 1-32 hex digits)")
            })?)
        }
        other => bail!("cannot pass a {other} argument from the command line"),
    })
}

/// Formats a result as iwasm does: `0x2a:i32`, `0x2a:i64`, `1.5:f32`.
pub fn format_val(v: &Val) -> String {
    match v {
        Val::I32(x) => format!("{:#x}:i32", *x as u32),
        Val::I64(x) => format!("{:#x}:i64", *x as u64),
        Val::F32(b) => format!("{}:f32", f32::from_bits(*b)),
        Val::F64(b) => format!("{}:f64", f64::from_bits(*b)),
        Val::V128(x) => format!("{x:#034x}:v128"),
        Val::FuncRef(None) => "ref.null func".into(),
        Val::FuncRef(Some(_)) => "ref.func".into(),
        Val::ExternRef(None) => "ref.null extern".into(),
        Val::ExternRef(Some(r)) => format!("ref.extern {}", r.0),
        Val::ExnRef(None) => "ref.null exn".into(),
        Val::ExnRef(Some(_)) => "ref.exn".into(),
    }
}

/// Logs to stderr; `-v=N` (0 errors .. 5 trace) unless `RUST_LOG` is set.
pub fn init_logging(verbosity: u8) {
    let level = match verbosity {
        0 => "error",
        1 => "warn",
        2 => "info",
        3 => "debug",
        _ => "trace",
    };
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(level));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_formats_values() {
        assert_eq!(parse_arg("-1", ValType::I32).unwrap(), Val::I32(-1));
        assert_eq!(parse_arg("0xffffffff", ValType::I32).unwrap(), Val::I32(-1));
        assert!(parse_arg("0x100000000", ValType::I32).is_err());
        assert_eq!(
            parse_arg("2.5", ValType::F64).unwrap(),
            Val::F64(2.5f64.to_bits())
        );
        assert!(parse_arg("x", ValType::I64).is_err());
        assert_eq!(format_val(&Val::I32(42)), "0x2a:i32");
        assert_eq!(format_val(&Val::F32(1.5f32.to_bits())), "1.5:f32");
        // v128: 1 to 32 hex digits after 0x, lane 0 low; printed back in full.
        let v = parse_arg("0x400000003", ValType::V128).unwrap();
        assert_eq!(v, Val::V128(0x4_0000_0003));
        assert_eq!(format_val(&v), "0x00000000000000000000000400000003:v128");
        assert_eq!(
            parse_arg(&format!("0x{}", "f".repeat(32)), ValType::V128).unwrap(),
            Val::V128(u128::MAX)
        );
        for bad in [
            "",
            "0x",
            "12",
            "0xg",
            "0x-1",
            &format!("0x{}", "f".repeat(33)),
        ] {
            let err = parse_arg(bad, ValType::V128).unwrap_err().to_string();
            assert!(err.contains("is not a v128"), "{bad}: {err}");
        }
    }
}
