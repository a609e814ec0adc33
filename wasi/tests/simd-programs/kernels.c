/* Loops clang auto-vectorises with -msimd128: saxpy, an integer dot product, a small
 * matrix multiply, a clamp of bytes, a sum of absolute differences, a prefix-free
 * histogram-like count. Prints checksums; the same source built natively prints the same.
 * Usage: kernels [rounds] */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#define N 4096
#define M 48

static float xs[N], ys[N];
static int32_t ia[N], ib[N];
static uint8_t pa[N], pb[N], pc[N];
static float ma[M][M], mb[M][M], mc[M][M];

static uint32_t seed = 12345;
static uint32_t next(void) {
    seed = seed * 1103515245u + 12345u;
    return seed >> 8;
}

static void saxpy(float a, const float *x, float *y, int n) {
    for (int i = 0; i < n; i++) y[i] = a * x[i] + y[i];
}

static int64_t dot(const int32_t *a, const int32_t *b, int n) {
    int64_t s = 0;
    for (int i = 0; i < n; i++) s += (int64_t)a[i] * b[i];
    return s;
}

static void matmul(void) {
    for (int i = 0; i < M; i++)
        for (int j = 0; j < M; j++) mc[i][j] = 0;
    for (int i = 0; i < M; i++)
        for (int k = 0; k < M; k++) {
            float a = ma[i][k];
            for (int j = 0; j < M; j++) mc[i][j] += a * mb[k][j];
        }
}

static void clamp_bytes(uint8_t *out, const uint8_t *a, const uint8_t *b, int n) {
    for (int i = 0; i < n; i++) {
        int v = a[i] + b[i] - 64;
        out[i] = v < 0 ? 0 : v > 255 ? 255 : (uint8_t)v;
    }
}

static uint32_t sad(const uint8_t *a, const uint8_t *b, int n) {
    uint32_t s = 0;
    for (int i = 0; i < n; i++) s += (uint32_t)abs(a[i] - b[i]);
    return s;
}

static uint32_t fold(const void *p, size_t n) {
    const uint8_t *b = p;
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < n; i++) h = (h ^ b[i]) * 16777619u;
    return h;
}

int main(int argc, char **argv) {
    int rounds = argc > 1 ? atoi(argv[1]) : 3;
    for (int i = 0; i < N; i++) {
        xs[i] = (float)(next() % 1000) / 8.0f;
        ys[i] = (float)(next() % 1000) / 16.0f;
        ia[i] = (int32_t)(next() % 20001) - 10000;
        ib[i] = (int32_t)(next() % 20001) - 10000;
        pa[i] = (uint8_t)next();
        pb[i] = (uint8_t)next();
    }
    for (int i = 0; i < M; i++)
        for (int j = 0; j < M; j++) {
            ma[i][j] = (float)(next() % 200) / 64.0f - 1.5f;
            mb[i][j] = (float)(next() % 200) / 32.0f - 3.0f;
        }
    int64_t d = 0;
    uint32_t s = 0;
    for (int r = 0; r < rounds; r++) {
        saxpy(0.5f + r * 0.25f, xs, ys, N);
        d += dot(ia, ib, N);
        matmul();
        clamp_bytes(pc, pa, pb, N);
        s += sad(pc, pa, N);
        pa[r % N] ^= pc[(r * 7) % N];
    }
    printf("saxpy %08x\n", (unsigned)fold(ys, sizeof ys));
    printf("dot %lld\n", (long long)d);
    printf("matmul %08x %.3f\n", (unsigned)fold(mc, sizeof mc), (double)mc[M / 2][M / 3]);
    printf("bytes %08x sad %u\n", (unsigned)fold(pc, sizeof pc), (unsigned)s);
    return 0;
}
