//! Wasm float semantics that differ from Rust's, shared by the interpreter's handlers and
//! the AOT engine's runtime intrinsics (so both compute one definition).
//!
//! NaN results follow what the AOT engine's inline code gives on the host, so all three
//! agree bit for bit. The choice is made explicitly (an addition would let the compiler
//! commute the operands, and with them which NaN wins).

/// The NaN of `min`/`max` when `a` or `b` is NaN. Cranelift's x86-64 lowering adds
/// `b + a` (SSE: the destination's NaN wins, quieted); aarch64's `fmin`/`fmax` prefer a
/// signalling NaN, first operand first, then a quiet one, first operand first.
#[inline(always)]
fn nan_of<T: Float>(a: T, b: T) -> T {
    if cfg!(target_arch = "x86_64") {
        if b.is_nan() {
            b.quiet()
        } else {
            a.quiet()
        }
    } else if a.is_nan() && a.quiet().to_u64() != a.to_u64() {
        a.quiet()
    } else if b.is_nan() && b.quiet().to_u64() != b.to_u64() {
        b.quiet()
    } else if a.is_nan() {
        a
    } else {
        b
    }
}

/// `fmin`: NaN if either is NaN, and `-0 < +0`.
#[inline(always)]
pub fn fmin<T: Float>(a: T, b: T) -> T {
    if a.is_nan() || b.is_nan() {
        nan_of(a, b)
    } else if a.eq(b) {
        a.or_bits(b) // min(-0, +0) = -0
    } else if a.lt(b) {
        a
    } else {
        b
    }
}

/// `fmax`: NaN if either is NaN, and `-0 < +0`.
#[inline(always)]
pub fn fmax<T: Float>(a: T, b: T) -> T {
    if a.is_nan() || b.is_nan() {
        nan_of(a, b)
    } else if a.eq(b) {
        a.and_bits(b) // max(-0, +0) = +0
    } else if a.lt(b) {
        b
    } else {
        a
    }
}

pub trait Float: Copy {
    fn is_nan(self) -> bool;
    fn add(self, o: Self) -> Self;
    fn eq(self, o: Self) -> bool;
    fn lt(self, o: Self) -> bool;
    fn or_bits(self, o: Self) -> Self;
    fn and_bits(self, o: Self) -> Self;
    /// With the quiet-NaN bit set.
    fn quiet(self) -> Self;
    fn to_u64(self) -> u64;
}

macro_rules! float_impl {
    ($($t:ty),*) => {$(
        impl Float for $t {
            #[inline(always)] fn is_nan(self) -> bool { <$t>::is_nan(self) }
            #[inline(always)] fn add(self, o: Self) -> Self { self + o }
            #[inline(always)] fn eq(self, o: Self) -> bool { self == o }
            #[inline(always)] fn lt(self, o: Self) -> bool { self < o }
            #[inline(always)] fn or_bits(self, o: Self) -> Self { <$t>::from_bits(self.to_bits() | o.to_bits()) }
            #[inline(always)] fn and_bits(self, o: Self) -> Self { <$t>::from_bits(self.to_bits() & o.to_bits()) }
            #[inline(always)] fn quiet(self) -> Self { <$t>::from_bits(self.to_bits() | (1 << (<$t>::MANTISSA_DIGITS - 2))) }
            #[inline(always)] fn to_u64(self) -> u64 { self.to_bits() as u64 }
        }
    )*};
}
float_impl!(f32, f64);
