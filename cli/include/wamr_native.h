/*
 * wamr_native.h: native libraries for wamr-run (`--native-lib=libfoo.so`), in WAMR's
 * form, so existing WAMR native libraries build unchanged.
 *
 * A library exports
 *     uint32_t get_native_lib(char **module_name, NativeSymbol **native_symbols);
 * returning the number of symbols, and optionally
 *     uint32_t init_native_lib(void);    (non-zero on success)
 *     void deinit_native_lib(void);
 *
 * Each function takes `wasm_exec_env_t` first, then its wasm arguments as the signature
 * string says: `(params)result` with
 *     i  int32_t        I  int64_t       f  float        F  double
 *     r  uint32_t externref handle (0xffffffff is null)
 *     *  pointer into linear memory, checked and converted to a native pointer
 *     ~  the byte length of the preceding `*` (the whole buffer is checked)
 *     $  NUL-terminated string in linear memory, checked and converted
 * e.g. "(i*~)i" is int32_t f(wasm_exec_env_t env, int32_t a, void *buf, int32_t len).
 * A `*` without `~` is checked for one byte. Arguments must fit in registers: at most 5
 * integer-class (x86-64; 7 on aarch64) and 8 floating-point ones.
 *
 * The runtime's own API (wasm_runtime_*) is not available; what a function may need is
 * in the exec_env (attachment and the caller's linear memory).
 */
#ifndef WAMR_NATIVE_H
#define WAMR_NATIVE_H

#include <stddef.h>
#include <stdint.h>

typedef struct wamr_exec_env {
    void *attachment;        /* NativeSymbol.attachment of the called function */
    uint8_t *memory_base;    /* the caller's linear memory 0 (NULL if none) */
    uint64_t memory_size;    /* its size in bytes */
} *wasm_exec_env_t;

typedef struct NativeSymbol {
    const char *symbol;
    void *func_ptr;
    const char *signature;
    void *attachment;
} NativeSymbol;

#define EXPORT_WASM_API_WITH_SIG(symbol, signature) { #symbol, (void *)symbol, signature, NULL }
#define EXPORT_WASM_API_WITH_ATT(symbol, signature, attachment) \
    { #symbol, (void *)symbol, signature, attachment }

static inline void *wasm_runtime_get_function_attachment(wasm_exec_env_t env) {
    return env->attachment;
}

#endif
