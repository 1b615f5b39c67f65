/* One-pass Adam step in C with OpenMP: the speed reference the issue sets for SharpOptim's Adam
 * (bench/README.md, "The C kernel"). The bench compiles it at run time with
 *     gcc -O3 -march=native -fno-math-errno -fopenmp adam_step.c -o adam_step -lm
 * and runs it in two modes:
 *
 *   adam_step time THREADS WARMUP WARMUP_MS N:REPEATS [N:REPEATS ...]
 *       For each size N: one float32 tensor, params and grads random normal (grads times 1e-2),
 *       moments zero; at least WARMUP untimed steps lasting at least WARMUP_MS, then REPEATS
 *       timed steps. Prints one line per size: "N ms ms ms ...".
 *   adam_step check IN OUT STEPS
 *       Reads N, then N params and N grads (float32) from IN, runs STEPS steps on one thread and
 *       writes the N params to OUT: the bench compares them with SharpOptim's Adam, so the two
 *       sides are known to do the same math.
 *
 * The math is Adam's (PyTorch's defaults: lr 1e-3, betas (0.9, 0.999), eps 1e-8; no weight
 * decay, amsgrad or maximize), per element, in PyTorch's order of operations:
 *     m = m + (1 - beta1) * (g - m)                       (exp_avg.lerp_(grad, 1 - beta1))
 *     v = beta2 * v + (1 - beta2) * g * g                 (mul_ then addcmul_)
 *     p = p + (-step_size) * m / (sqrt(v) / bc2_sqrt + eps)   (addcdiv_)
 * with step_size = lr / (1 - beta1^t) and bc2_sqrt = sqrt(1 - beta2^t) computed in double once
 * per step. No -ffast-math: it would let gcc replace the division and square root by
 * approximations and reorder the sums, which is no longer the same math. -fno-math-errno only
 * drops sqrtf's errno write for negative inputs (v is never negative), without which gcc keeps a
 * branch in the loop and does not vectorize it; the results are IEEE's either way. GCC's default
 * -ffp-contract=fast fuses the multiply-adds, as SharpOptim's fused mode does.
 */
#define _POSIX_C_SOURCE 199309L
#include <math.h>
#include <omp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const double LR = 1e-3, BETA1 = 0.9, BETA2 = 0.999, EPS = 1e-8;

typedef struct {
    float lerp_weight, beta2, one_minus_beta2, bc2_sqrt, neg_step_size, eps;
} adam_scalars;

static adam_scalars scalars_for_step(long step)
{
    double bc1 = 1 - pow(BETA1, (double)step), bc2 = 1 - pow(BETA2, (double)step);
    adam_scalars s = {
        .lerp_weight = (float)(1 - BETA1),
        .beta2 = (float)BETA2,
        .one_minus_beta2 = (float)(1 - BETA2),
        .bc2_sqrt = (float)sqrt(bc2),
        .neg_step_size = (float)(-(LR / bc1)),
        .eps = (float)EPS,
    };
    return s;
}

/* The step itself: every element read once and written once, the threads splitting the tensor
 * into equal contiguous ranges. Below PyTorch's parallel grain size (32768 elements) one thread
 * does it all: waking the others would cost more than the work. */
static void adam_step(float *restrict p, const float *restrict g, float *restrict m, float *restrict v,
                      long n, adam_scalars s)
{
    const float w = s.lerp_weight, beta2 = s.beta2, omb2 = s.one_minus_beta2, bc2_sqrt = s.bc2_sqrt,
                neg_step_size = s.neg_step_size, eps = s.eps;
#pragma omp parallel for schedule(static) if (n >= 32768)
    for (long i = 0; i < n; i++) {
        float gi = g[i];
        float mi = m[i] + w * (gi - m[i]);
        float vi = beta2 * v[i] + omb2 * gi * gi;
        m[i] = mi;
        v[i] = vi;
        p[i] = p[i] + neg_step_size * mi / (sqrtf(vi) / bc2_sqrt + eps);
    }
}

static double now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

/* A standard normal value that depends only on (stream, index), so the data do not depend on the
 * thread count: splitmix64 for two uniforms, then Box-Muller. */
static uint64_t splitmix64(uint64_t x)
{
    x += 0x9E3779B97F4A7C15ull;
    x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
    x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
    return x ^ (x >> 31);
}

static float normal(uint64_t stream, long index)
{
    uint64_t key = (stream << 40) ^ ((uint64_t)index << 1);
    double u1 = ((splitmix64(key) >> 11) + 1.0) * 0x1.0p-53; /* in (0, 1] so log is finite */
    double u2 = (splitmix64(key | 1) >> 11) * 0x1.0p-53;
    return (float)(sqrt(-2 * log(u1)) * cos(6.283185307179586 * u2));
}

static float *allocate(long n)
{
    size_t bytes = ((size_t)n * sizeof(float) + 63) / 64 * 64;
    float *a = aligned_alloc(64, bytes);
    if (!a) {
        fprintf(stderr, "adam_step: cannot allocate %zu bytes\n", bytes);
        exit(3);
    }
    return a;
}

static void time_size(long n, int repeats, int warmup, double warmup_ms)
{
    float *p = allocate(n), *g = allocate(n), *m = allocate(n), *v = allocate(n);
    /* Initialised by the same threads and ranges as the step touches, so pages sit where they are used. */
#pragma omp parallel for schedule(static)
    for (long i = 0; i < n; i++) {
        p[i] = normal(1, i);
        g[i] = normal(2, i) * 1e-2f;
        m[i] = 0;
        v[i] = 0;
    }
    long step = 0;
    double start = now_ms();
    for (int w = 0; w < warmup || now_ms() - start < warmup_ms; w++)
        adam_step(p, g, m, v, n, scalars_for_step(++step));
    printf("%ld", n);
    for (int r = 0; r < repeats; r++) {
        adam_scalars s = scalars_for_step(++step); /* outside the timed region, as the scalars are tiny */
        double t0 = now_ms();
        adam_step(p, g, m, v, n, s);
        printf(" %.6f", now_ms() - t0);
    }
    printf("\n");
    fflush(stdout);
    free(p), free(g), free(m), free(v);
}

static int check(const char *in_path, const char *out_path, int steps)
{
    FILE *in = fopen(in_path, "rb");
    int32_t n32;
    if (!in || fread(&n32, sizeof n32, 1, in) != 1 || n32 <= 0) {
        fprintf(stderr, "adam_step: cannot read %s\n", in_path);
        return 3;
    }
    long n = n32;
    float *p = allocate(n), *g = allocate(n), *m = calloc((size_t)n, sizeof(float)), *v = calloc((size_t)n, sizeof(float));
    if (fread(p, sizeof(float), (size_t)n, in) != (size_t)n || fread(g, sizeof(float), (size_t)n, in) != (size_t)n) {
        fprintf(stderr, "adam_step: %s is shorter than its header says\n", in_path);
        return 3;
    }
    fclose(in);
    for (long step = 1; step <= steps; step++)
        adam_step(p, g, m, v, n, scalars_for_step(step));
    FILE *out = fopen(out_path, "wb");
    if (!out || fwrite(p, sizeof(float), (size_t)n, out) != (size_t)n) {
        fprintf(stderr, "adam_step: cannot write %s\n", out_path);
        return 3;
    }
    fclose(out);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc == 5 && strcmp(argv[1], "check") == 0) {
        omp_set_num_threads(1);
        return check(argv[2], argv[3], atoi(argv[4]));
    }
    if (argc < 6 || strcmp(argv[1], "time") != 0) {
        fprintf(stderr, "usage: adam_step time THREADS WARMUP WARMUP_MS N:REPEATS...\n"
                        "       adam_step check IN OUT STEPS\n");
        return 2;
    }
    omp_set_num_threads(atoi(argv[2]));
    int warmup = atoi(argv[3]);
    double warmup_ms = atof(argv[4]);
    for (int a = 5; a < argc; a++) {
        long n;
        int repeats;
        if (sscanf(argv[a], "%ld:%d", &n, &repeats) != 2 || n <= 0 || repeats <= 0) {
            fprintf(stderr, "adam_step: bad size '%s' (want N:REPEATS)\n", argv[a]);
            return 2;
        }
        time_size(n, repeats, warmup, warmup_ms);
    }
    return 0;
}
