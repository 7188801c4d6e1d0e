#include "cwork.h"

// FNV-1a step: the innermost inlined helper.
static inline __attribute__((always_inline)) uint32_t fnv_step(uint32_t h, unsigned char b) {
    h ^= b;
    h *= 16777619u;
    return h;
}

// Four bytes at a time, through fnv_step: two levels of inlining.
static inline __attribute__((always_inline)) uint32_t fnv_block(uint32_t h, const unsigned char *p) {
    h = fnv_step(h, p[0]);
    h = fnv_step(h, p[1]);
    h = fnv_step(h, p[2]);
    h = fnv_step(h, p[3]);
    return h;
}

// A whole buffer: three levels (c_hash > fnv_buffer > fnv_block > fnv_step).
static inline __attribute__((always_inline)) uint32_t fnv_buffer(uint32_t h, const unsigned char *p, size_t n) {
    size_t i = 0;
    for (; i + 4 <= n; i += 4)
        h = fnv_block(h, p + i);
    for (; i < n; i++)
        h = fnv_step(h, p[i]);
    return h;
}

uint32_t c_hash(const unsigned char *p, size_t n, int rounds) {
    uint32_t h = 2166136261u;
    for (int r = 0; r < rounds; r++)
        h = fnv_buffer(h ^ (uint32_t)r, p, n);
    return h;
}

static inline int64_t square(int64_t v) { return v * v; }

// Kept out of line so c_sum_squares has a real call beside its inlined helper.
__attribute__((noinline)) static int64_t clamp_add(int64_t acc, int64_t v) {
    int64_t s = acc + v;
    return s < acc ? INT64_MAX : s;
}

int64_t c_sum_squares(int64_t n) {
    int64_t acc = 0;
    for (int64_t i = 1; i <= n; i++)
        acc = clamp_add(acc, square(i) % 1000003);
    return acc;
}

static inline double horner_step(double acc, double x, double coef) { return acc * x + coef; }

double c_poly(double x, int terms) {
    double acc = 0;
    for (int k = terms; k > 0; k--)
        acc = horner_step(acc, x, 1.0 / (double)k);
    return acc;
}
