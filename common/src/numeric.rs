//! Wasm float semantics that differ from Rust's, shared by the interpreter's handlers and
//! the AOT engine's runtime intrinsics (so both compute one definition).

/// `fmin`: NaN if either is NaN, and `-0 < +0`.
#[inline(always)]
pub fn fmin<T: Float>(a: T, b: T) -> T {
    if a.is_nan() || b.is_nan() {
        a.add(b)
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
        a.add(b)
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
        }
    )*};
}
float_impl!(f32, f64);
