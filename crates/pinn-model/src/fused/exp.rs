//! The CPU kernel's `eˣ`: in f64, straight-line arithmetic, so that the loops over a row's
//! channels vectorise (libm's `exp` is a call per element).
//!
//! Cody and Waite's reduction (W. J. Cody, W. Waite, *Software Manual for the Elementary
//! Functions*, 1980, ch. 6; J.-M. Muller, *Elementary Functions*, 3rd ed., 2016, §11.2):
//!
//! `eˣ = 2ᵏ eʳ`, `k = round(x / ln 2)`, `r = (x − k c₁) − k c₂`, `|r| ≤ ln 2 / 2`,
//!
//! with `c₁ + c₂ = ln 2` split so that `k c₁` is exact, `eʳ` its Taylor polynomial of degree 13
//! (remainder `|r|¹⁴/14! · e^|r|` below 10⁻¹⁷ relative) by Horner's rule, without fused
//! multiply-adds (a CPU without them would call libm for each), and `2ᵏ` built in the exponent
//! field. `k` is rounded by adding `1.5 · 2⁵²`, which leaves it in the low bits of the sum:
//! integer adds and shifts, which SIMD units have (AVX2 has no conversion of f64 to 64-bit
//! integers). Arguments are clamped to `[−708, 709]`, where `eˣ` and `2ᵏ` are normal numbers:
//! `eˣ` saturates there instead of flushing to zero or overflowing, and the kernel's
//! `1 − 2/(e^{2z} + 1)` gives `±1` either way; a NaN stays a NaN. Against libm at 4·10⁶ points
//! of `[−700, 700]` and `[−4, 4]`: at most 1 ulp apart (the test below).
//!
//! In f32 the kernel keeps libm's `expf` (see its impl).

/// The CPU kernel's `eˣ`: [the module's method](self) in f64, libm's in f32.
pub trait KernelExp: Copy {
    /// `eˣ` to an ulp, NaN for NaN.
    fn kexp(self) -> Self;
}

/// `1/k!` for `k = 0, 1, …, 13`.
const INVERSE_FACTORIALS: [f64; 14] = [
    1.0,
    1.0,
    1.0 / 2.0,
    1.0 / 6.0,
    1.0 / 24.0,
    1.0 / 120.0,
    1.0 / 720.0,
    1.0 / 5040.0,
    1.0 / 40320.0,
    1.0 / 362880.0,
    1.0 / 3628800.0,
    1.0 / 39916800.0,
    1.0 / 479001600.0,
    1.0 / 6227020800.0,
];

impl KernelExp for f64 {
    #[inline(always)]
    fn kexp(self) -> f64 {
        exp(clamp(self, -708.0, 709.0))
    }
}

impl KernelExp for f32 {
    /// libm's `expf`. A correctly rounded `eˣ` (the f64 polynomial, rounded to f32)
    /// differs from glibc's at 0.06 % of the arguments, by an ulp, and that moves an f32 MLP's
    /// jet by up to 2·10⁻⁶ relative from burn's ops (which call libm); with libm's, the fused
    /// layers' f32 jets are burn's bit for bit.
    #[inline(always)]
    fn kexp(self) -> f32 {
        self.exp()
    }
}

/// `eˣ` for `x ∈ [−708, 709]` (module docs).
#[inline(always)]
fn exp(x: f64) -> f64 {
    // ln 2 = C1 + C2 (fdlibm's split), C1 with 32 significant bits so that k C1 is exact for
    // |k| < 2²¹.
    const C1: f64 = f64::from_bits(0x3fe6_2e42_fee0_0000);
    const C2: f64 = f64::from_bits(0x3dea_39ef_3579_3c76);
    const SHIFT: f64 = 6_755_399_441_055_744.0; // 1.5 · 2⁵²: the low bits of SHIFT + k are k
    let shifted = x * std::f64::consts::LOG2_E + SHIFT;
    let k = shifted - SHIFT;
    let r = (x - k * C1) - k * C2;
    let mut p = INVERSE_FACTORIALS[13];
    for c in INVERSE_FACTORIALS[..13].iter().rev() {
        p = p * r + *c;
    }
    // The exponent field of 2ᵏ is k + 1023: the low 11 bits of shifted's bits plus 1023.
    p * f64::from_bits(shifted.to_bits().wrapping_add(1023) << 52)
}

/// `x` clamped to `[lo, hi]`, a NaN left as it is (`f64::clamp` would too, but panics on
/// reversed bounds and compiles to more than two comparisons).
#[inline(always)]
fn clamp<F: PartialOrd>(x: F, lo: F, hi: F) -> F {
    if x < lo {
        lo
    } else if x > hi {
        hi
    } else {
        x
    }
}

#[cfg(test)]
mod tests {
    use super::KernelExp;

    /// ulps between `a` and `b` (finite, same sign).
    fn ulps64(a: f64, b: f64) -> u64 {
        a.to_bits().abs_diff(b.to_bits())
    }

    #[test]
    fn exp_f64_is_within_one_ulp_of_libm() {
        let n = 2_000_000;
        // The whole range, then densely near zero, where most of the kernel's arguments are.
        let wide = (0..=n).map(|i| -700.0 + 1400.0 * i as f64 / n as f64 + 1e-9 * (i % 7) as f64);
        let near = (0..=n).map(|i| -4.0 + 8.0 * i as f64 / n as f64);
        let (worst, at) = wide
            .chain(near)
            .map(|x| (ulps64(x.kexp(), x.exp()), x))
            .fold((0, 0.0), |w, e| if e.0 > w.0 { e } else { w });
        assert!(worst <= 1, "{worst} ulps at x = {at}");
        assert!(f64::NAN.kexp().is_nan());
        assert_eq!(0.0_f64.kexp(), 1.0);
        assert!((-1e4_f64).kexp() < 1e-307 && 1e4_f64.kexp() > 1e307);
    }
}
