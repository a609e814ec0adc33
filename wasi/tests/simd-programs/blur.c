/* Image filters on an 8-bit greyscale image, in loops clang vectorises: a 3x3 box blur
 * with 16-bit sums, a brightness/contrast step with saturation, and a threshold count.
 * Prints a digest of the result. Usage: blur [passes] */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#define W 512
#define H 384

static uint8_t img[H][W], tmp[H][W];

static void blur(void) {
    for (int y = 1; y < H - 1; y++) {
        uint16_t row[W];
        for (int x = 0; x < W; x++)
            row[x] = (uint16_t)(img[y - 1][x] + img[y][x] + img[y + 1][x]);
        for (int x = 1; x < W - 1; x++)
            tmp[y][x] = (uint8_t)((row[x - 1] + row[x] + row[x + 1]) * 7282u >> 16);
    }
    for (int y = 1; y < H - 1; y++)
        for (int x = 1; x < W - 1; x++) img[y][x] = tmp[y][x];
}

static void contrast(int gain, int bias) {
    for (int y = 0; y < H; y++)
        for (int x = 0; x < W; x++) {
            int v = ((img[y][x] - 128) * gain >> 4) + 128 + bias;
            img[y][x] = v < 0 ? 0 : v > 255 ? 255 : (uint8_t)v;
        }
}

static uint32_t above(uint8_t t) {
    uint32_t n = 0;
    for (int y = 0; y < H; y++)
        for (int x = 0; x < W; x++) n += img[y][x] > t;
    return n;
}

int main(int argc, char **argv) {
    int passes = argc > 1 ? atoi(argv[1]) : 2;
    uint32_t s = 1;
    for (int y = 0; y < H; y++)
        for (int x = 0; x < W; x++) {
            s = s * 1664525u + 1013904223u;
            img[y][x] = (uint8_t)((x ^ y) + (s >> 27));
        }
    uint32_t counts = 0;
    for (int p = 0; p < passes; p++) {
        blur();
        contrast(18 + p % 5, (p % 3) - 1);
        counts = counts * 3 + above((uint8_t)(100 + p % 50));
    }
    uint32_t h = 2166136261u;
    for (int y = 0; y < H; y++)
        for (int x = 0; x < W; x++) h = (h ^ img[y][x]) * 16777619u;
    printf("image %08x counts %u\n", (unsigned)h, (unsigned)counts);
    return 0;
}
