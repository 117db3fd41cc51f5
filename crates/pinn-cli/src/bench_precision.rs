//! `pinn bench precision`: whether each backend's f64 is f64. One JSON line per backend with
//! the error of each elementary function and of a matrix product against the host's
//! ([`pinn_model::precision`]), and whether `pinn train --dtype f64` accepts the backend.

use std::collections::BTreeMap;

use pinn_model::backend::{Backend, Dtype, configured_device};
use pinn_model::precision::{F64_TOLERANCE, f64_errors, verdict};
use serde::Serialize;

/// One backend's f64, measured.
#[derive(Serialize)]
struct PrecisionRow {
    backend: String,
    /// Each function's `max |f_dev − f| / max(1, |f|)`, and the product's relative error.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    errors: BTreeMap<&'static str, f64>,
    tolerance: f64,
    /// Whether training in f64 on this backend is accepted.
    f64_accepted: bool,
    /// Why not, in the words `pinn train` would use.
    #[serde(skip_serializing_if = "Option::is_none")]
    reason: Option<String>,
}

/// Run `pinn bench precision` on `backends` (default: every backend this build has).
pub fn run(backends: &[Backend]) -> Result<(), String> {
    let backends: Vec<Backend> = if backends.is_empty() {
        [
            Backend::Flex,
            Backend::Ndarray,
            Backend::Wgpu,
            Backend::Cuda,
        ]
        .into_iter()
        .filter(|b| b.is_built())
        .collect()
    } else {
        backends.to_vec()
    };
    for backend in backends {
        let mut row = PrecisionRow {
            backend: backend.to_string(),
            errors: BTreeMap::new(),
            tolerance: F64_TOLERANCE,
            f64_accepted: false,
            reason: None,
        };
        match configured_device(backend, Dtype::F64) {
            Ok(device) => {
                let errors = f64_errors(&device);
                let accepted = backend.supports(Dtype::F64).and(verdict(&errors));
                row.errors = errors.into_iter().collect();
                row.f64_accepted = accepted.is_ok();
                row.reason = accepted.err();
            }
            Err(e) => row.reason = Some(e),
        }
        println!(
            "{}",
            serde_json::to_string(&row).map_err(|e| e.to_string())?
        );
    }
    Ok(())
}
