/* A four-lane multiply-rotate hash (in the style of xxHash32's stripes) over a buffer,
 * written with wasm_simd128.h intrinsics when built for wasm SIMD and as plain C
 * otherwise: both must print the same digests. With relaxed SIMD the final mix uses
 * relaxed_madd, matched natively by fmaf. Usage: hash [megabytes] */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#ifdef __wasm_simd128__
#include <wasm_simd128.h>
#endif

#define P1 2654435761u
#define P2 2246822519u

static uint32_t rotl(uint32_t x, int r) { return (x << r) | (x >> (32 - r)); }

static void stripes(const uint8_t *p, size_t n, uint32_t acc[4]) {
#ifdef __wasm_simd128__
    v128_t a = wasm_v128_load(acc);
    const v128_t p1 = wasm_i32x4_splat((int32_t)P1), p2 = wasm_i32x4_splat((int32_t)P2);
    for (size_t i = 0; i + 16 <= n; i += 16) {
        v128_t in = wasm_v128_load(p + i);
        a = wasm_i32x4_add(a, wasm_i32x4_mul(in, p2));
        a = wasm_v128_or(wasm_i32x4_shl(a, 13), wasm_u32x4_shr(a, 19));
        a = wasm_i32x4_mul(a, p1);
    }
    wasm_v128_store(acc, a);
#else
    for (size_t i = 0; i + 16 <= n; i += 16)
        for (int l = 0; l < 4; l++) {
            uint32_t in;
            memcpy(&in, p + i + 4 * l, 4);
            acc[l] = rotl(acc[l] + in * P2, 13) * P1;
        }
#endif
}

/* Byte statistics with saturating adds and min/max: what an image or codec loop does. */
static uint32_t bytes_mix(const uint8_t *p, size_t n) {
    uint8_t hi[16], lo[16], sat[16];
    memset(hi, 0, 16);
    memset(lo, 255, 16);
    memset(sat, 0, 16);
#ifdef __wasm_simd128__
    v128_t h = wasm_v128_load(hi), l = wasm_v128_load(lo), s = wasm_v128_load(sat);
    for (size_t i = 0; i + 16 <= n; i += 16) {
        v128_t in = wasm_v128_load(p + i);
        h = wasm_u8x16_max(h, in);
        l = wasm_u8x16_min(l, in);
        s = wasm_u8x16_add_sat(wasm_u8x16_sub_sat(s, wasm_i8x16_splat(3)), wasm_u8x16_shr(in, 4));
    }
    wasm_v128_store(hi, h);
    wasm_v128_store(lo, l);
    wasm_v128_store(sat, s);
#else
    for (size_t i = 0; i + 16 <= n; i += 16)
        for (int k = 0; k < 16; k++) {
            uint8_t in = p[i + k];
            hi[k] = in > hi[k] ? in : hi[k];
            lo[k] = in < lo[k] ? in : lo[k];
            int v = sat[k] - 3;
            v = v < 0 ? 0 : v;
            v += in >> 4;
            sat[k] = v > 255 ? 255 : (uint8_t)v;
        }
#endif
    uint32_t m = 0;
    for (int k = 0; k < 16; k++) m = m * 31 + hi[k] * 7u + lo[k] * 3u + sat[k];
    return m;
}

/* Four floats mixed with a fused multiply-add. */
static void fmix(float f[4]) {
#if defined(__wasm_relaxed_simd__)
    v128_t v = wasm_v128_load(f);
    v = wasm_f32x4_relaxed_madd(v, wasm_f32x4_splat(1.000001f), wasm_f32x4_splat(0.333333f));
    wasm_v128_store(f, v);
#else
    for (int l = 0; l < 4; l++) f[l] = fmaf(f[l], 1.000001f, 0.333333f);
#endif
}

int main(int argc, char **argv) {
    size_t mb = argc > 1 ? (size_t)atoi(argv[1]) : 1;
    size_t n = 1 << 16;
    uint8_t *buf = malloc(n);
    uint32_t x = 7;
    for (size_t i = 0; i < n; i++) {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        buf[i] = (uint8_t)x;
    }
    uint32_t acc[4] = {P1, P2, 0, 0u - P1};
    uint32_t mix = 0;
    float f[4] = {1.0f, -2.5f, 1e-3f, 3e5f};
    for (size_t r = 0; r < mb * 16; r++) {
        stripes(buf, n, acc);
        mix = mix * 33 + bytes_mix(buf, n);
        buf[r % n] ^= (uint8_t)acc[r % 4];
        fmix(f);
    }
    uint32_t h = rotl(acc[0], 1) + rotl(acc[1], 7) + rotl(acc[2], 12) + rotl(acc[3], 18);
    printf("hash %08x mix %08x\n", (unsigned)h, (unsigned)mix);
    printf("fmix %a %a %a %a\n", f[0], f[1], f[2], f[3]);
    free(buf);
    return 0;
}
