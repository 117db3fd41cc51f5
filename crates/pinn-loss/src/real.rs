//! [`Real`]: the arithmetic shared by numbers and [`Jet`]s, so that a formula (a distance
//! function, an expression) is written once and gives both host values and jets with exact
//! derivatives.

use std::ops::{Add, Mul, Sub};

use pinn_model::Jet;

/// Numbers or jets: `+`, `−`, `·` and the element-wise functions below.
pub trait Real: Clone + Add<Output = Self> + Sub<Output = Self> + Mul<Output = Self> {
    /// The constant `c` shaped like `self` (derivatives zero).
    fn constant_like(&self, c: f64) -> Self;
    /// `c · self`.
    fn scale(self, c: f64) -> Self;
    /// `self + c`.
    fn add_scalar(self, c: f64) -> Self;
    /// `√self`.
    fn sqrt(self) -> Self;
    /// `1/self`.
    fn recip(self) -> Self;
    /// `self^n`.
    fn powi(self, n: i32) -> Self;
    /// `sin self`.
    fn sin(self) -> Self;
    /// `cos self`.
    fn cos(self) -> Self;
    /// `exp self`.
    fn exp(self) -> Self;
    /// `ln self`.
    fn ln(self) -> Self;
    /// `tanh self`.
    fn tanh(self) -> Self;
}

impl Real for f64 {
    fn constant_like(&self, c: f64) -> Self {
        c
    }
    fn scale(self, c: f64) -> Self {
        c * self
    }
    fn add_scalar(self, c: f64) -> Self {
        self + c
    }
    fn sqrt(self) -> Self {
        f64::sqrt(self)
    }
    fn recip(self) -> Self {
        1.0 / self
    }
    fn powi(self, n: i32) -> Self {
        f64::powi(self, n)
    }
    fn sin(self) -> Self {
        f64::sin(self)
    }
    fn cos(self) -> Self {
        f64::cos(self)
    }
    fn exp(self) -> Self {
        f64::exp(self)
    }
    fn ln(self) -> Self {
        f64::ln(self)
    }
    fn tanh(self) -> Self {
        f64::tanh(self)
    }
}

impl Real for Jet {
    fn constant_like(&self, c: f64) -> Self {
        self.clone().scale(0.0).add_scalar(c)
    }
    fn scale(self, c: f64) -> Self {
        Jet::scale(self, c)
    }
    fn add_scalar(self, c: f64) -> Self {
        Jet::add_scalar(self, c)
    }
    fn sqrt(self) -> Self {
        Jet::sqrt(self)
    }
    fn recip(self) -> Self {
        Jet::recip(self)
    }
    fn powi(self, n: i32) -> Self {
        Jet::powi(self, n)
    }
    fn sin(self) -> Self {
        Jet::sin(self)
    }
    fn cos(self) -> Self {
        Jet::cos(self)
    }
    fn exp(self) -> Self {
        Jet::exp(self)
    }
    fn ln(self) -> Self {
        Jet::ln(self)
    }
    fn tanh(self) -> Self {
        Jet::tanh(self)
    }
}
