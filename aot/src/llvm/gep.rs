//! The LLVM tier's one `unsafe` call: a byte-offset `getelementptr`.

use inkwell::builder::{Builder, BuilderError};
use inkwell::values::{IntValue, PointerValue};

/// `ptr + offset` bytes, wrapping like the integer sum it stands for (no `inbounds`).
pub(super) fn byte_offset<'ctx>(
    b: &Builder<'ctx>,
    ptr: PointerValue<'ctx>,
    offset: IntValue<'ctx>,
) -> Result<PointerValue<'ctx>, BuilderError> {
    let i8t = ptr.get_type().get_context().i8_type();
    // SAFETY: inkwell marks `build_gep` unsafe because LLVM aborts on indices that do
    // not fit the element type; an `i8` element indexed by one integer always fits.
    unsafe { b.build_gep(i8t, ptr, &[offset], "") }
}
