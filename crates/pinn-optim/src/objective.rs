//! The interface between optimizers on `θ ∈ ℝ^n` and a model: `θ ↦ (L(θ), ∇L(θ))`.

/// A differentiable objective on a flat parameter vector.
pub trait Objective {
    /// `L(θ)` and `∇L(θ)`. A non-finite `L` marks `θ` as unusable (the line search backs off).
    fn value_grad(&mut self, theta: &[f64]) -> (f64, Vec<f64>);
}

impl<F: FnMut(&[f64]) -> (f64, Vec<f64>)> Objective for F {
    fn value_grad(&mut self, theta: &[f64]) -> (f64, Vec<f64>) {
        self(theta)
    }
}

pub(crate) fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

/// `y ← y + α x`.
pub(crate) fn axpy(alpha: f64, x: &[f64], y: &mut [f64]) {
    for (yi, xi) in y.iter_mut().zip(x) {
        *yi += alpha * xi;
    }
}
