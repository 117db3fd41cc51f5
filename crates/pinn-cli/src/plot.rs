//! Line plots as PNG (plotters, bitmap backend). Text is drawn with a TrueType font read from
//! the system (DejaVu Sans, Debian's `fonts-dejavu-core`) or from `$PINN_FONT`.

use std::path::Path;
use std::sync::OnceLock;

use plotters::prelude::*;

/// One curve: a legend entry and its points.
pub struct Series {
    /// Legend text.
    pub name: String,
    /// `(x, y)` points; non-finite or (on log axes) non-positive ones are skipped.
    pub points: Vec<(f64, f64)>,
}

/// Axes of a plot.
pub struct Axes<'a> {
    /// Title above the plot.
    pub title: &'a str,
    /// x-axis label.
    pub x: &'a str,
    /// y-axis label.
    pub y: &'a str,
    /// Logarithmic x axis.
    pub log_x: bool,
    /// Logarithmic y axis.
    pub log_y: bool,
}

const FONT_PATHS: [&str; 2] = [
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/TTF/DejaVuSans.ttf",
];

/// Register the font once; `Err` says how to get one.
fn font() -> Result<(), String> {
    static FONT: OnceLock<Result<(), String>> = OnceLock::new();
    FONT.get_or_init(|| {
        let path = std::env::var("PINN_FONT")
            .ok()
            .into_iter()
            .chain(FONT_PATHS.iter().map(|s| s.to_string()))
            .find(|p| Path::new(p).exists())
            .ok_or(
                "no TrueType font for figure labels: install fonts-dejavu-core or set PINN_FONT",
            )?;
        let bytes = std::fs::read(&path).map_err(|e| format!("cannot read font {path}: {e}"))?;
        plotters::style::register_font(
            "sans-serif",
            FontStyle::Normal,
            Box::leak(bytes.into_boxed_slice()),
        )
        .map_err(|_| format!("{path} is not a usable TrueType font"))
    })
    .clone()
}

fn range(values: impl Iterator<Item = f64>, log: bool) -> (f64, f64) {
    let (lo, hi) = values.fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), v| {
        (a.min(v), b.max(v))
    });
    if !(lo.is_finite() && hi.is_finite()) {
        return (if log { 1e-1 } else { 0.0 }, 1.0);
    }
    if log {
        let (lo, hi) = (
            lo.log10().floor(),
            hi.log10().ceil().max(lo.log10().floor() + 1.0),
        );
        (10f64.powf(lo), 10f64.powf(hi))
    } else if hi > lo {
        let pad = 0.05 * (hi - lo);
        (lo - pad, hi + pad)
    } else {
        (lo - 1.0, hi + 1.0)
    }
}

/// A tick label: `1e-6` on log axes, a short decimal otherwise.
fn tick(v: f64, log: bool) -> String {
    if log {
        format!("{v:.0e}")
    } else if v.abs() >= 1e4 || (v != 0.0 && v.abs() < 1e-2) {
        format!("{v:.1e}")
    } else {
        let s = format!("{v:.2}");
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    }
}

/// Draw `series` into a 900 × 600 PNG at `path` (written through a temporary file).
pub fn line_plot(path: &Path, axes: &Axes<'_>, series: &[Series]) -> Result<(), String> {
    font()?;
    let keep = |&(x, y): &(f64, f64)| {
        x.is_finite() && y.is_finite() && (!axes.log_x || x > 0.0) && (!axes.log_y || y > 0.0)
    };
    let pts: Vec<Vec<(f64, f64)>> = series
        .iter()
        .map(|s| s.points.iter().copied().filter(keep).collect())
        .collect();
    let (x0, x1) = range(pts.iter().flatten().map(|p| p.0), axes.log_x);
    let (y0, y1) = range(pts.iter().flatten().map(|p| p.1), axes.log_y);
    let tmp = path.with_extension("tmp.png");
    let draw = || -> Result<(), Box<dyn std::error::Error>> {
        let root = BitMapBackend::new(&tmp, (900, 600)).into_drawing_area();
        root.fill(&WHITE)?;
        let mut builder = ChartBuilder::on(&root);
        builder
            .caption(axes.title, ("sans-serif", 24))
            .margin(15)
            .x_label_area_size(50)
            .y_label_area_size(80);
        macro_rules! finish {
            ($chart:expr) => {{
                let mut chart = $chart;
                chart
                    .configure_mesh()
                    .x_desc(axes.x)
                    .y_desc(axes.y)
                    .x_label_formatter(&|v| tick(*v, axes.log_x))
                    .y_label_formatter(&|v| tick(*v, axes.log_y))
                    .label_style(("sans-serif", 16))
                    .draw()?;
                for (i, (s, p)) in series.iter().zip(&pts).enumerate() {
                    let color = Palette99::pick(i).mix(0.9);
                    chart
                        .draw_series(LineSeries::new(p.iter().copied(), color.stroke_width(2)))?
                        .label(s.name.clone())
                        .legend(move |(x, y)| {
                            PathElement::new(vec![(x, y), (x + 20, y)], color.stroke_width(2))
                        });
                    chart.draw_series(p.iter().map(|&q| Circle::new(q, 3, color.filled())))?;
                }
                chart
                    .configure_series_labels()
                    .background_style(WHITE.mix(0.8))
                    .border_style(BLACK)
                    .label_font(("sans-serif", 16))
                    .draw()?;
            }};
        }
        match (axes.log_x, axes.log_y) {
            (false, false) => finish!(builder.build_cartesian_2d(x0..x1, y0..y1)?),
            (false, true) => finish!(builder.build_cartesian_2d(x0..x1, (y0..y1).log_scale())?),
            (true, false) => finish!(builder.build_cartesian_2d((x0..x1).log_scale(), y0..y1)?),
            (true, true) => {
                finish!(builder.build_cartesian_2d((x0..x1).log_scale(), (y0..y1).log_scale())?)
            }
        }
        root.present()?;
        Ok(())
    };
    draw().map_err(|e| format!("cannot draw {}: {e}", path.display()))?;
    std::fs::rename(&tmp, path).map_err(|e| format!("cannot write {}: {e}", path.display()))
}
