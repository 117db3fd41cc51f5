//! Line plots and heat maps as PNG (plotters, bitmap backend). Text is drawn with a TrueType font read from
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
    } else if v.abs() < 1e-15 {
        "0".into()
    } else if v.abs() >= 1e4 || (v != 0.0 && v.abs() < 1e-2) {
        format!("{v:.1e}")
    } else {
        let s = format!("{v:.2}");
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    }
}

/// The temporary file a plot is drawn into before it is renamed to `path` (a `.png`, which the
/// bitmap backend needs, whose name the run directory's sweep recognises).
fn temporary(path: &Path) -> std::path::PathBuf {
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(format!(".tmp{}.png", std::process::id()));
    path.with_file_name(name)
}

/// One panel of a figure: its axes, curves and dashed vertical marks (stage boundaries).
pub struct Panel<'a> {
    /// Title and axes.
    pub axes: Axes<'a>,
    /// The curves.
    pub series: Vec<Series>,
    /// x values of dashed vertical lines.
    pub marks: Vec<f64>,
}

/// Draw `series` into a 900 × 600 PNG at `path` (written through a temporary file).
pub fn line_plot(path: &Path, axes: &Axes<'_>, series: &[Series]) -> Result<(), String> {
    font()?;
    let tmp = temporary(path);
    let draw = || -> Result<(), Box<dyn std::error::Error>> {
        let root = BitMapBackend::new(&tmp, (900, 600)).into_drawing_area();
        root.fill(&WHITE)?;
        draw_lines(&root, axes, series, &[])?;
        root.present()?;
        Ok(())
    };
    finish(draw(), &tmp, path)
}

/// Panels side by side, 900 × 600 pixels each, in one PNG at `path`.
pub fn line_panels(path: &Path, panels: &[Panel<'_>]) -> Result<(), String> {
    font()?;
    let tmp = temporary(path);
    let draw = || -> Result<(), Box<dyn std::error::Error>> {
        let width = 900 * panels.len().max(1) as u32;
        let root = BitMapBackend::new(&tmp, (width, 600)).into_drawing_area();
        root.fill(&WHITE)?;
        for (panel, area) in panels
            .iter()
            .zip(root.split_evenly((1, panels.len().max(1))))
        {
            draw_lines(&area, &panel.axes, &panel.series, &panel.marks)?;
        }
        root.present()?;
        Ok(())
    };
    finish(draw(), &tmp, path)
}

/// Curves on `area`; points are marked when a curve has few of them.
fn draw_lines(
    area: &DrawingArea<BitMapBackend<'_>, plotters::coord::Shift>,
    axes: &Axes<'_>,
    series: &[Series],
    marks: &[f64],
) -> Result<(), Box<dyn std::error::Error>> {
    let keep = |&(x, y): &(f64, f64)| {
        x.is_finite() && y.is_finite() && (!axes.log_x || x > 0.0) && (!axes.log_y || y > 0.0)
    };
    let pts: Vec<Vec<(f64, f64)>> = series
        .iter()
        .map(|s| s.points.iter().copied().filter(keep).collect())
        .collect();
    let (x0, x1) = range(pts.iter().flatten().map(|p| p.0), axes.log_x);
    let (y0, y1) = range(pts.iter().flatten().map(|p| p.1), axes.log_y);
    let mut builder = ChartBuilder::on(area);
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
            for &x in marks {
                chart.draw_series(DashedLineSeries::new(
                    [(x, y0), (x, y1)],
                    6,
                    4,
                    BLACK.mix(0.5).stroke_width(1),
                ))?;
            }
            for (i, (s, p)) in series.iter().zip(&pts).enumerate() {
                let color = Palette99::pick(i).mix(0.9);
                chart
                    .draw_series(LineSeries::new(p.iter().copied(), color.stroke_width(2)))?
                    .label(s.name.clone())
                    .legend(move |(x, y)| {
                        PathElement::new(vec![(x, y), (x + 20, y)], color.stroke_width(2))
                    });
                if p.len() <= 100 {
                    chart.draw_series(p.iter().map(|&q| Circle::new(q, 3, color.filled())))?;
                }
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
    Ok(())
}

/// Rename the drawn temporary file to `path`, or remove it after a failed drawing.
fn finish(
    drawn: Result<(), Box<dyn std::error::Error>>,
    tmp: &Path,
    path: &Path,
) -> Result<(), String> {
    if let Err(e) = drawn {
        let _ = std::fs::remove_file(tmp);
        return Err(format!("cannot draw {}: {e}", path.display()));
    }
    std::fs::rename(tmp, path).map_err(|e| {
        let _ = std::fs::remove_file(tmp);
        format!("cannot write {}: {e}", path.display())
    })
}

/// One heat map: a title and values on an `nx × ny` grid of `[x0, x1] × [y0, y1]`, row-major
/// with x fastest.
pub struct HeatMap {
    /// Title above the map.
    pub title: String,
    /// The values, `nx · ny` of them.
    pub values: Vec<f64>,
}

/// Heat maps side by side in one PNG, each with its own colour bar (viridis), sharing the
/// grid `nx × ny` on `x` × `y` with axis labels `labels`.
pub fn heat_maps(
    path: &Path,
    maps: &[HeatMap],
    grid: (usize, usize),
    x: (f64, f64),
    y: (f64, f64),
    labels: (&str, &str),
) -> Result<(), String> {
    font()?;
    let (nx, ny) = grid;
    let tmp = temporary(path);
    let draw = || -> Result<(), Box<dyn std::error::Error>> {
        let width = 460 * maps.len() as u32;
        let root = BitMapBackend::new(&tmp, (width.max(460), 420)).into_drawing_area();
        root.fill(&WHITE)?;
        let panels = root.split_evenly((1, maps.len().max(1)));
        for (map, panel) in maps.iter().zip(&panels) {
            let (lo, hi) = map
                .values
                .iter()
                .filter(|v| v.is_finite())
                .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &v| {
                    (a.min(v), b.max(v))
                });
            let (lo, hi) = if lo < hi {
                (lo, hi)
            } else {
                (lo - 1.0, lo + 1.0)
            };
            let (area, bar) = panel.split_horizontally(panel.dim_in_pixel().0 - 110);
            let mut chart = ChartBuilder::on(&area)
                .caption(&map.title, ("sans-serif", 20))
                .margin(10)
                .x_label_area_size(40)
                .y_label_area_size(50)
                .build_cartesian_2d(x.0..x.1, y.0..y.1)?;
            chart
                .configure_mesh()
                .disable_mesh()
                .x_desc(labels.0)
                .y_desc(labels.1)
                .x_label_formatter(&|v| tick(*v, false))
                .y_label_formatter(&|v| tick(*v, false))
                .label_style(("sans-serif", 14))
                .draw()?;
            let (dx, dy) = ((x.1 - x.0) / nx as f64, (y.1 - y.0) / ny as f64);
            // Non-finite values (points outside a region) stay blank.
            let drawn = (0..nx * ny).filter(|&k| map.values[k].is_finite());
            chart.draw_series(drawn.map(|k| {
                let (i, j) = (k % nx, k / nx);
                let c = ViridisRGB.get_color_normalized(map.values[k], lo, hi);
                let x0 = x.0 + i as f64 * dx;
                let y0 = y.0 + j as f64 * dy;
                Rectangle::new([(x0, y0), (x0 + dx, y0 + dy)], c.filled())
            }))?;
            let mut scale = ChartBuilder::on(&bar)
                .margin_top(40)
                .margin_bottom(50)
                .margin_right(40)
                .y_label_area_size(64)
                .build_cartesian_2d(0.0..1.0, lo..hi)?;
            let steps = 64;
            scale.draw_series((0..steps).map(|k| {
                let a = lo + (hi - lo) * k as f64 / steps as f64;
                let b = lo + (hi - lo) * (k + 1) as f64 / steps as f64;
                let c = ViridisRGB.get_color_normalized(0.5 * (a + b), lo, hi);
                Rectangle::new([(0.0, a), (1.0, b)], c.filled())
            }))?;
            scale
                .configure_mesh()
                .disable_mesh()
                .disable_x_axis()
                .y_label_formatter(&|v| format!("{v:.1e}"))
                .label_style(("sans-serif", 12))
                .draw()?;
        }
        root.present()?;
        Ok(())
    };
    finish(draw(), &tmp, path)
}
