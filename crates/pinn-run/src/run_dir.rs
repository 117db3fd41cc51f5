//! A run directory and its files. A new run goes into a directory that is missing, empty or
//! (with `force`) holds an earlier run, whose files are then removed first, so that no stale
//! result sits beside new ones. Temporary files of interrupted writes are swept at start.

use std::path::{Path, PathBuf};

/// The resolved config of the run.
pub const CONFIG: &str = "config.toml";
/// One row per evaluation step; never ahead of the checkpoint.
pub const METRICS: &str = "metrics.csv";
/// Parameters and the state training resumes from ([`crate::Checkpoint`]).
pub const CHECKPOINT: &str = "checkpoint.safetensors";
/// The record of a finished run ([`crate::RunSummary`]).
pub const SUMMARY: &str = "summary.json";
/// Loss terms and error against step.
pub const LOSS_PLOT: &str = "loss.png";
/// Solution, exact solution and error as heat maps (1D and 2D problems, time slices).
pub const SOLUTION_PLOT: &str = "solution.png";

/// `pinn export`'s default outputs, by format.
pub const EXPORTS: [&str; 3] = ["solution.vtk", "solution.npy", "solution.csv"];

/// Every file a run and its exports write.
pub const RUN_FILES: [&str; 9] = [
    CONFIG,
    METRICS,
    CHECKPOINT,
    SUMMARY,
    LOSS_PLOT,
    SOLUTION_PLOT,
    EXPORTS[0],
    EXPORTS[1],
    EXPORTS[2],
];

/// Whether `name` is a temporary file of [`crate::files::write_atomic`].
pub fn is_temporary(name: &str) -> bool {
    RUN_FILES.iter().any(|f| {
        name.strip_prefix(f)
            .is_some_and(|rest| rest.starts_with(".tmp"))
    })
}

/// Remove the temporary files an interrupted write left in `dir`; returns how many.
pub fn sweep_temporaries(dir: &Path) -> usize {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return 0;
    };
    entries
        .flatten()
        .filter(|e| is_temporary(&e.file_name().to_string_lossy()))
        .filter(|e| std::fs::remove_file(e.path()).is_ok())
        .count()
}

/// Make `dir` ready for a new run: create it, or accept it empty; one that holds a run is
/// refused unless `force`, and then its run files are removed. A directory holding files that
/// are not a run's is always refused (nothing a user saved is deleted).
pub fn prepare(dir: &Path, force: bool) -> Result<PathBuf, String> {
    std::fs::create_dir_all(dir)
        .map_err(|e| format!("cannot create output directory {}: {e}", dir.display()))?;
    sweep_temporaries(dir);
    let entries: Vec<String> = std::fs::read_dir(dir)
        .map_err(|e| format!("cannot read output directory {}: {e}", dir.display()))?
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    if let Some(foreign) = entries
        .iter()
        .find(|n| !RUN_FILES.contains(&n.as_str()) && n.as_str() != "spectrum")
    {
        return Err(format!(
            "output directory {} holds `{foreign}`, which is not a run's file; choose another \
             --out (or name)",
            dir.display()
        ));
    }
    if !entries.is_empty() {
        if !force {
            return Err(format!(
                "output directory {} already holds a run; pass --force to replace it, \
                 --resume {} to continue it, or choose another --out",
                dir.display(),
                dir.display()
            ));
        }
        for name in entries.iter().filter(|n| RUN_FILES.contains(&n.as_str())) {
            std::fs::remove_file(dir.join(name))
                .map_err(|e| format!("cannot remove {}: {e}", dir.join(name).display()))?;
        }
    }
    Ok(dir.to_path_buf())
}

/// The rows of `metrics.csv` text up to and including `step` (with the header).
pub fn metrics_through(csv: &str, step: usize) -> String {
    let mut out = String::new();
    for (i, line) in csv.lines().enumerate() {
        let keep = i == 0
            || line
                .split(',')
                .next()
                .and_then(|s| s.parse::<usize>().ok())
                .is_some_and(|s| s <= step);
        if keep {
            out.push_str(line);
            out.push('\n');
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn temporaries_are_recognised() {
        assert!(is_temporary("metrics.csv.tmp1234"));
        assert!(is_temporary("checkpoint.safetensors.tmp7"));
        assert!(!is_temporary("metrics.csv"));
        assert!(!is_temporary("notes.txt.tmp1"));
    }

    #[test]
    fn metrics_are_cut_after_a_step() {
        let csv = "step,loss\n5,1e0\n10,5e-1\n15,2e-1\n";
        assert_eq!(metrics_through(csv, 10), "step,loss\n5,1e0\n10,5e-1\n");
        assert_eq!(metrics_through(csv, 4), "step,loss\n");
    }
}
