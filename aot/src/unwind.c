/* The one thing stable Rust cannot express: a call that a trap can unwind out of.
 * Compiled code holds no destructors, so jumping over its frames is sound; the Rust
 * side makes sure no Rust frame with pending drops lies between the two points. */
#include <setjmp.h>
#include <stdint.h>

typedef void (*wamr_trampoline)(void *vmctx, void *callee, uint64_t *values);

/* Calls `t(vmctx, callee, values)`. Returns 0 when it returns, 1 when a trap unwound
 * to here. `*slot` holds the innermost active jump buffer of this thread. */
int wamr_aot_call(wamr_trampoline t, void *vmctx, void *callee, uint64_t *values, void **slot) {
    sigjmp_buf buf;
    void *prev = *slot;
    *slot = &buf;
    /* savemask = 0: no syscall per call; the signal handler runs with SA_NODEFER, so no
     * signal is left blocked when it jumps here. */
    if (sigsetjmp(buf, 0) == 0) {
        t(vmctx, callee, values);
        *slot = prev;
        return 0;
    }
    *slot = prev;
    return 1;
}

/* Unwinds to the innermost `wamr_aot_call` (`buf` is what it stored in the slot). */
void wamr_aot_unwind(void *buf) {
    siglongjmp(*(sigjmp_buf *)buf, 1);
}

/* Defined in Rust (trap.rs): raises trap `code` from the compiled code at `pc`. */
void wamr_aot_trap_at(int32_t code, void *pc);

/* The `Trap` builtin (`(vmctx, code) -> !`). It lives here because only C can read its
 * own return address: the call site in the compiled function that trapped. */
void wamr_aot_trap_builtin(void *vmctx, int32_t code) {
    (void)vmctx;
    wamr_aot_trap_at(code, __builtin_return_address(0));
}
