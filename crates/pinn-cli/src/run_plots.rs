//! The pictures of a run directory: `loss.png` (every loss term, the total and the relative
//! L² error against step, the stage boundaries dashed) and `solution.png` (for 1D problems the
//! solution beside the exact one and the error; otherwise heat maps of `u`, `u*` and `u − u*`
//! on the first two axes, the others fixed at their final time or middle value).

use std::path::Path;

use burn::tensor::Device;
use pinn_loss::{Problem, points_tensor};
use pinn_model::Field;
use pinn_run::run_dir::{LOSS_PLOT, SOLUTION_PLOT};

use crate::plot::{Axes, HeatMap, Panel, Series, heat_maps, line_panels};

/// Points per axis of the solution plots.
const PLOT_GRID: usize = 128;

/// Write both plots into `dir` from the metrics text `csv` and the trained `model`.
pub fn write<M: Field>(
    dir: &Path,
    csv: &str,
    problem: &Problem,
    model: &M,
    device: &Device,
) -> Result<(), String> {
    loss_plot(&dir.join(LOSS_PLOT), csv, &problem.name)?;
    solution_plot(&dir.join(SOLUTION_PLOT), problem, model, device)
}

/// Loss terms, total and error against step from `metrics.csv`, stage boundaries dashed.
fn loss_plot(path: &Path, csv: &str, name: &str) -> Result<(), String> {
    let mut lines = csv.lines();
    let Some(header) = lines.next() else {
        return Ok(());
    };
    let columns: Vec<&str> = header.split(',').collect();
    let mut series: Vec<Series> = columns[2..]
        .iter()
        .map(|c| Series {
            name: if *c == "rel_l2" {
                "rel. L2 error".into()
            } else {
                c.to_string()
            },
            points: Vec::new(),
        })
        .collect();
    let mut marks = Vec::new();
    let mut previous: Option<(f64, String)> = None;
    for line in lines {
        let cells: Vec<&str> = line.split(',').collect();
        let Some(step) = cells.first().and_then(|s| s.parse::<f64>().ok()) else {
            continue;
        };
        let optimizer = cells.get(1).copied().unwrap_or_default().to_string();
        if let Some((before, opt)) = &previous
            && *opt != optimizer
        {
            marks.push(0.5 * (before + step));
        }
        for (s, cell) in series.iter_mut().zip(&cells[2..]) {
            if let Ok(v) = cell.parse::<f64>() {
                s.points.push((step, v));
            }
        }
        previous = Some((step, optimizer));
    }
    series.retain(|s| !s.points.is_empty());
    if series.is_empty() {
        return Ok(());
    }
    let title = format!("{name}: loss terms and error (stages dashed)");
    let axes = Axes {
        title: &title,
        x: "step",
        y: "value",
        log_x: false,
        log_y: true,
    };
    line_panels(
        path,
        &[Panel {
            axes,
            series,
            marks,
        }],
    )
}

/// The solution, the exact one and the error, of the first field.
fn solution_plot<M: Field>(
    path: &Path,
    problem: &Problem,
    model: &M,
    device: &Device,
) -> Result<(), String> {
    let domain = &problem.domain;
    let (lo, hi, names) = (domain.lo(), domain.hi(), domain.names());
    let d = domain.dim();
    let evaluate = |points: &[Vec<f64>]| -> Vec<f64> {
        let x = points_tensor(points, d, device);
        model
            .clone()
            .no_grad()
            .forward(x)
            .narrow(1, 0, 1)
            .into_data_as::<f64>()
            .iter::<f64>()
            .collect()
    };
    let exact = problem.exact.as_ref().map(|e| move |x: &[f64]| e(x)[0]);
    if d == 1 {
        let n = 4 * PLOT_GRID;
        let xs: Vec<Vec<f64>> = (0..n)
            .map(|i| vec![lo[0] + (hi[0] - lo[0]) * i as f64 / (n - 1) as f64])
            .collect();
        let u = evaluate(&xs);
        let mut solution = vec![Series {
            name: "u (trained)".into(),
            points: xs.iter().zip(&u).map(|(x, v)| (x[0], *v)).collect(),
        }];
        let title = format!("{}: solution", problem.name);
        let axis = |title| Axes {
            title,
            x: &names[0],
            y: "u",
            log_x: false,
            log_y: false,
        };
        let mut panels = Vec::new();
        let Some(e) = &exact else {
            return line_panels(
                path,
                &[Panel {
                    axes: axis(&title),
                    series: solution,
                    marks: Vec::new(),
                }],
            );
        };
        solution.push(Series {
            name: "u* (exact)".into(),
            points: xs.iter().map(|x| (x[0], e(x))).collect(),
        });
        panels.push(Panel {
            axes: axis(&title),
            series: solution,
            marks: Vec::new(),
        });
        let error = vec![Series {
            name: "u − u*".into(),
            points: xs.iter().zip(&u).map(|(x, v)| (x[0], v - e(x))).collect(),
        }];
        panels.push(Panel {
            axes: Axes {
                y: "u − u*",
                ..axis("error")
            },
            series: error,
            marks: Vec::new(),
        });
        return line_panels(path, &panels);
    }
    // The first two axes; the time axis (if not among them) at its final value, others at
    // their middle.
    let fixed: Vec<f64> = (0..d)
        .map(|a| {
            if Some(a) == domain.time_axis() {
                hi[a]
            } else {
                0.5 * (lo[a] + hi[a])
            }
        })
        .collect();
    let n = PLOT_GRID;
    let points: Vec<Vec<f64>> = (0..n * n)
        .map(|k| {
            let mut p = fixed.clone();
            p[0] = lo[0] + (hi[0] - lo[0]) * ((k % n) as f64 + 0.5) / n as f64;
            p[1] = lo[1] + (hi[1] - lo[1]) * ((k / n) as f64 + 0.5) / n as f64;
            p
        })
        .collect();
    // Outside a region the model means nothing: NaN, left blank.
    let outside = |p: &Vec<f64>| !domain.contains(p);
    let u: Vec<f64> = evaluate(&points)
        .into_iter()
        .zip(&points)
        .map(|(v, p)| if outside(p) { f64::NAN } else { v })
        .collect();
    let slice: Vec<String> = (2..d)
        .map(|a| format!("{} = {}", names[a], fixed[a]))
        .collect();
    let at = if slice.is_empty() {
        String::new()
    } else {
        format!(" at {}", slice.join(", "))
    };
    let mut maps = vec![HeatMap {
        title: format!("u (trained){at}"),
        values: u.clone(),
    }];
    if let Some(e) = &exact {
        let ue: Vec<f64> = points
            .iter()
            .map(|p| if outside(p) { f64::NAN } else { e(p) })
            .collect();
        maps.push(HeatMap {
            title: "u* (exact)".into(),
            values: ue.clone(),
        });
        maps.push(HeatMap {
            title: "u − u*".into(),
            values: u.iter().zip(&ue).map(|(a, b)| a - b).collect(),
        });
    }
    heat_maps(
        path,
        &maps,
        (n, n),
        (lo[0], hi[0]),
        (lo[1], hi[1]),
        (&names[0], &names[1]),
    )
}
