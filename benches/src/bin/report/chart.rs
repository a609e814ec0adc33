//! The report's SVG bar charts (plotters, SVG backend only).

use std::path::Path;

use anyhow::{anyhow, Result};
use plotters::prelude::*;

use crate::{geomean_ratios, Row, INTERP, PROGRAMS};

/// One horizontal bar: label, value, and an optional min-max whisker.
struct Bar {
    label: String,
    value: f64,
    spread: Option<(f64, f64)>,
}

/// `coremark.svg`: CoreMark score per engine; `programs.svg`: the WASI programs' geometric
/// mean speed-up over our interpreter, per engine (programs where both have a figure).
pub fn write(rows: &[Row], out: &Path) -> Result<()> {
    let coremark: Vec<Bar> = rows
        .iter()
        .filter(|r| r.section == "CoreMark")
        .filter_map(|r| {
            let (m, lo, hi) = r.stats()?;
            Some(Bar {
                label: r.engine.clone(),
                value: m,
                spread: Some((lo, hi)),
            })
        })
        .collect();
    bars(
        &out.join("coremark.svg"),
        "CoreMark score (higher is faster), median and min-max",
        &coremark,
    )?;

    let programs: Vec<Bar> = geomean_ratios(rows, PROGRAMS, INTERP)
        .into_iter()
        .map(|(engine, n, value)| Bar {
            label: format!("{engine} ({n} programs)"),
            value,
            spread: None,
        })
        .collect();
    bars(
        &out.join("programs.svg"),
        "WASI programs: geometric-mean speed-up over ours-interp",
        &programs,
    )
}

fn bars(path: &Path, title: &str, bars: &[Bar]) -> Result<()> {
    let n = bars.len().max(1);
    let max = bars
        .iter()
        .map(|b| b.spread.map_or(b.value, |s| s.1.max(b.value)))
        .fold(0.0f64, f64::max)
        .max(1e-9);
    let height = 80 + 36 * n as u32;
    let root = SVGBackend::new(path, (960, height)).into_drawing_area();
    let err = |e: &dyn std::fmt::Display| anyhow!("chart {}: {e}", path.display());
    root.fill(&WHITE).map_err(|e| err(&e))?;
    let mut chart = ChartBuilder::on(&root)
        .caption(title, ("sans-serif", 18))
        .margin(12)
        .x_label_area_size(30)
        .y_label_area_size(320)
        .build_cartesian_2d(0.0..max * 1.15, (0..n).into_segmented())
        .map_err(|e| err(&e))?;
    let labels: Vec<String> = bars.iter().map(|b| b.label.clone()).collect();
    chart
        .configure_mesh()
        .disable_y_mesh()
        .y_labels(n)
        .y_label_formatter(&|v| match v {
            SegmentValue::CenterOf(i) => labels.get(*i).cloned().unwrap_or_default(),
            _ => String::new(),
        })
        .draw()
        .map_err(|e| err(&e))?;
    chart
        .draw_series(bars.iter().enumerate().map(|(i, b)| {
            let mut r = Rectangle::new(
                [
                    (0.0, SegmentValue::Exact(i)),
                    (b.value, SegmentValue::Exact(i + 1)),
                ],
                BLUE.mix(0.6).filled(),
            );
            r.set_margin(5, 5, 0, 0);
            r
        }))
        .map_err(|e| err(&e))?;
    chart
        .draw_series(bars.iter().enumerate().filter_map(|(i, b)| {
            let (lo, hi) = b.spread?;
            // The min-max whisker.
            Some(PathElement::new(
                vec![
                    (lo, SegmentValue::CenterOf(i)),
                    (hi, SegmentValue::CenterOf(i)),
                ],
                BLACK.stroke_width(2),
            ))
        }))
        .map_err(|e| err(&e))?;
    chart
        .draw_series(bars.iter().enumerate().map(|(i, b)| {
            Text::new(
                format!("{:.2}", b.value),
                (b.value, SegmentValue::CenterOf(i)),
                ("sans-serif", 13),
            )
        }))
        .map_err(|e| err(&e))?;
    root.present().map_err(|e| err(&e))?;
    Ok(())
}
