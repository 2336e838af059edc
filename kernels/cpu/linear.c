/* linear.c: y[M, N] = x[M, K] . W[N, K]^T + bias[N], all float32 except W,
 * which stays in its stored dtype (F32, F16 or BF16, possibly unaligned,
 * row-major [N, K] like a PyTorch Linear weight).
 *
 * A blocked GEMM: W is taken NC x KC at a time, widened to float32 and
 * packed into the caller's scratch as 16-column strips ([KC][16] each), so
 * the inner loop reads one contiguous 64-byte line of W per k.  A register
 * blocked micro-kernel then keeps a rows x 16 tile of y in accumulators
 * while it walks k (rows depends on the ISA, see DEFINE_MICRO_KERNEL).
 * Everything is accumulated in float32, k in order, whatever M is, so on
 * a given machine a row of y does not depend on the other rows of x (the
 * ISA paths differ from each other only in their use of FMA).
 *
 * radio_cpu_gemm_plain is the same machinery with leading dimensions,
 * alpha and beta, and B either [N, K] (a weight, attention keys) or
 * [K, N] (attention values): the fast path's fallback when there is no
 * BLAS.
 */
#include "radio-cpu.h"
#include "cpu-dispatch.h"

#include <string.h>

#define NC 256                  /* columns of y (rows of W) per packed block */
#define KC 256                  /* reduction length per packed block */
#define NR 16                   /* columns per strip = micro-kernel width */
#define MR_MAX 12               /* most rows of y any micro-kernel handles */

/* Generic vectors rather than intrinsics: GCC maps each width onto the
 * widest registers the function's target has, and the same source builds
 * on every architecture. */
typedef float v4f __attribute__ ((vector_size (16)));
typedef float v8f __attribute__ ((vector_size (32)));
typedef float v16f __attribute__ ((vector_size (64)));

/* On x86-64 the micro-kernel is compiled for the baseline ISA, for
 * AVX2+FMA and for AVX-512, and the CPU's features pick one at run time,
 * so a generic distribution build still gets the fast path.  (GCC 12's
 * target_clones ("arch=haswell") dispatches on the CPU model being
 * exactly Haswell, so later cores would silently get the baseline clone;
 * testing the features ourselves avoids that.)  Defining
 * RADIO_CPU_FORCE_GENERIC turns dispatch off and RADIO_CPU_NO_AVX512 stops
 * at AVX2, to test those paths on a machine that has more. */

size_t
radio_cpu_linear_scratch_floats (void)
{
  return (size_t) NC * KC;
}

/* Packs W[n0 .. n0+nb, k0 .. k0+kb] of a row-major W [N, K] with row
 * stride ldw (K for a Linear weight) as strips of NR columns, strip s at
 * dst + s * kb * NR, element (k, c) at [k * NR + c].  Columns past nb in
 * the last strip are zero so the micro-kernel never needs a column tail. */
static void
pack_block (float *dst, RadioTensorView w, size_t ldw, size_t n0, size_t nb,
    size_t k0, size_t kb)
{
  size_t esize = radio_dtype_size (w.dtype);
  size_t strips = (nb + NR - 1) / NR;
  float row[KC];
  size_t s, c, k;

  for (s = 0; s < strips; s++) {
    float *strip = dst + s * kb * NR;

    for (c = 0; c < NR; c++) {
      size_t j = s * NR + c;

      if (j < nb) {
        RadioTensorView src;

        /* Widen one contiguous stretch of a W row, then scatter it down the
         * strip's column; reading W row-wise keeps the mmapped source
         * streaming. */
        src.data = (const unsigned char *) w.data
            + ((n0 + j) * ldw + k0) * esize;
        src.dtype = w.dtype;
        radio_cpu_convert_to_f32 (row, src, kb);
        for (k = 0; k < kb; k++)
          strip[k * NR + c] = row[k];
      } else {
        for (k = 0; k < kb; k++)
          strip[k * NR + c] = 0.0f;
      }
    }
  }
}

/* c[ROWS][NR] (row stride ldc) += sum_k a[r][k] * b[k][0 .. NR), with the
 * whole c tile held in registers across k.  ROWS is chosen per ISA so that
 * ROWS * NR / lanes accumulators plus one strip row of b and a broadcast
 * fit the register file (16 ymm for AVX2: 6 rows; 32 zmm for AVX-512: 12
 * rows; 16 xmm for SSE: 2 rows; 32 q registers for NEON: 6 rows).  The
 * loops over rows and vectors have constant bounds and are fully unrolled,
 * which lets GCC keep the accumulator array in registers. */
#define DEFINE_MICRO_KERNEL(NAME, ATTRS, VEC, ROWS) \
  ATTRS static void \
  NAME (const float *const *a, const float *b, size_t kb, float *c, \
      size_t ldc) \
  { \
    enum { LANES = sizeof (VEC) / sizeof (float), V = NR / LANES }; \
    VEC acc[ROWS][V]; \
    size_t k; \
    int r, v; \
    \
    _Pragma ("GCC unroll 16") \
    for (r = 0; r < ROWS; r++) \
      _Pragma ("GCC unroll 16") \
      for (v = 0; v < V; v++) \
        memcpy (&acc[r][v], c + r * ldc + v * LANES, sizeof (VEC)); \
    for (k = 0; k < kb; k++) { \
      VEC bv[V]; \
      \
      _Pragma ("GCC unroll 16") \
      for (v = 0; v < V; v++) \
        memcpy (&bv[v], b + k * NR + v * LANES, sizeof (VEC)); \
      _Pragma ("GCC unroll 16") \
      for (r = 0; r < ROWS; r++) { \
        float s = a[r][k]; \
        \
        _Pragma ("GCC unroll 16") \
        for (v = 0; v < V; v++) \
          acc[r][v] += s * bv[v]; \
      } \
    } \
    _Pragma ("GCC unroll 16") \
    for (r = 0; r < ROWS; r++) \
      _Pragma ("GCC unroll 16") \
      for (v = 0; v < V; v++) \
        memcpy (c + r * ldc + v * LANES, &acc[r][v], sizeof (VEC)); \
  }

#if defined(__aarch64__)
#define GENERIC_ROWS 6
#else
#define GENERIC_ROWS 2
#endif

DEFINE_MICRO_KERNEL (micro_kernel_generic, , v4f, GENERIC_ROWS)
#if RADIO_X86_DISPATCH
DEFINE_MICRO_KERNEL (micro_kernel_avx2, __attribute__ ((target ("avx2,fma"))),
    v8f, 6)
#ifndef RADIO_CPU_NO_AVX512
DEFINE_MICRO_KERNEL (micro_kernel_avx512,
    __attribute__ ((target ("avx512f"))), v16f, 12)
#endif
#endif

typedef void (*MicroKernelFunc) (const float *const *a, const float *b,
    size_t kb, float *c, size_t ldc);

static MicroKernelFunc
pick_micro_kernel (size_t *rows)
{
#if RADIO_X86_DISPATCH
  /* Cheap after the first call: it only reads libgcc's cached CPUID. */
  __builtin_cpu_init ();
#ifndef RADIO_CPU_NO_AVX512
  if (__builtin_cpu_supports ("avx512f")) {
    *rows = 12;
    return micro_kernel_avx512;
  }
#endif
  if (__builtin_cpu_supports ("avx2") && __builtin_cpu_supports ("fma")) {
    *rows = 6;
    return micro_kernel_avx2;
  }
#endif
  *rows = GENERIC_ROWS;
  return micro_kernel_generic;
}

/* y[0 .. M, 0 .. nb] += x[0 .. M, 0 .. kb] . packed, where y and x already
 * point at the block's first column and ldy / ldx are the full row
 * lengths.  One kernel call covers rows x NR outputs over kb steps, so the
 * call and the tail handling around it cost next to nothing. */
static void
multiply_block (float *y, size_t ldy, const float *x, size_t ldx, size_t M,
    const float *packed, size_t nb, size_t kb, MicroKernelFunc kernel,
    size_t rows)
{
  size_t strips = (nb + NR - 1) / NR;
  size_t m, s, r, j;

  for (m = 0; m < M; m += rows) {
    size_t mr = M - m < rows ? M - m : rows;
    const float *a[MR_MAX];

    /* Missing rows of a short final tile re-read a valid row; their
     * results land in the temporary tile and are dropped. */
    for (r = 0; r < rows; r++)
      a[r] = x + (m + (r < mr ? r : 0)) * ldx;

    for (s = 0; s < strips; s++) {
      size_t nr = nb - s * NR < NR ? nb - s * NR : NR;
      const float *b = packed + s * kb * NR;
      float *c = y + m * ldy + s * NR;

      if (mr == rows && nr == NR) {
        kernel (a, b, kb, c, ldy);
      } else {
        float tile[MR_MAX * NR];

        memset (tile, 0, sizeof tile);
        for (r = 0; r < mr; r++)
          for (j = 0; j < nr; j++)
            tile[r * NR + j] = c[r * ldy + j];
        kernel (a, b, kb, tile, NR);
        for (r = 0; r < mr; r++)
          for (j = 0; j < nr; j++)
            c[r * ldy + j] = tile[r * NR + j];
      }
    }
  }
}

void
radio_cpu_linear (float *y, const float *x, size_t M, size_t K, size_t N,
    RadioTensorView weight, const float *bias, float *scratch)
{
  size_t rows;
  MicroKernelFunc kernel = pick_micro_kernel (&rows);
  size_t m, n0, k0;

  /* Seeding y with the bias lets every K block accumulate the same way. */
  for (m = 0; m < M; m++) {
    if (bias != NULL)
      memcpy (y + m * N, bias, N * sizeof (float));
    else
      memset (y + m * N, 0, N * sizeof (float));
  }
  if (M == 0 || K == 0)
    return;

  for (n0 = 0; n0 < N; n0 += NC) {
    size_t nb = N - n0 < NC ? N - n0 : NC;

    for (k0 = 0; k0 < K; k0 += KC) {
      size_t kb = K - k0 < KC ? K - k0 : KC;

      pack_block (scratch, weight, K, n0, nb, k0, kb);
      multiply_block (y + n0, N, x + k0, K, M, scratch, nb, kb, kernel,
          rows);
    }
  }
}

/* Like pack_block for B [K, N] (row stride ldb): strip s holds columns
 * n0 + s*NR .. +NR, element (k, c) at [k * NR + c], each k a contiguous
 * stretch of one B row. */
static void
pack_block_kn (float *dst, RadioTensorView b, size_t ldb, size_t n0,
    size_t nb, size_t k0, size_t kb)
{
  size_t esize = radio_dtype_size (b.dtype);
  size_t strips = (nb + NR - 1) / NR;
  size_t s, k;

  for (s = 0; s < strips; s++) {
    float *strip = dst + s * kb * NR;
    size_t nr = nb - s * NR < NR ? nb - s * NR : NR;

    for (k = 0; k < kb; k++) {
      RadioTensorView src;

      src.data = (const unsigned char *) b.data
          + ((k0 + k) * ldb + n0 + s * NR) * esize;
      src.dtype = b.dtype;
      radio_cpu_convert_to_f32 (strip + k * NR, src, nr);
      if (nr < NR)
        memset (strip + k * NR + nr, 0, (NR - nr) * sizeof (float));
    }
  }
}

void
radio_cpu_gemm_plain (RadioCpuGemmLayout layout, size_t M, size_t N,
    size_t K, float alpha, const float *a, size_t lda, RadioTensorView b,
    size_t ldb, float beta, float *c, size_t ldc, float *scratch)
{
  size_t rows;
  MicroKernelFunc kernel = pick_micro_kernel (&rows);
  size_t m, n0, k0, j;

  if (M == 0 || N == 0)
    return;
  for (m = 0; m < M; m++) {
    float *cr = c + m * ldc;

    if (beta == 0.0f) {
      memset (cr, 0, N * sizeof (float));
    } else if (beta != 1.0f) {
      for (j = 0; j < N; j++)
        cr[j] *= beta;
    }
  }
  if (K == 0 || alpha == 0.0f)
    return;

  for (n0 = 0; n0 < N; n0 += NC) {
    size_t nb = N - n0 < NC ? N - n0 : NC;

    for (k0 = 0; k0 < K; k0 += KC) {
      size_t kb = K - k0 < KC ? K - k0 : KC;

      if (layout == RADIO_CPU_GEMM_B_NK)
        pack_block (scratch, b, ldb, n0, nb, k0, kb);
      else
        pack_block_kn (scratch, b, ldb, n0, nb, k0, kb);
      /* Scaling the packed B by alpha costs kb * nb multiplies per block
       * instead of one per output element and accumulation step. */
      if (alpha != 1.0f) {
        size_t i, n_packed = ((nb + NR - 1) / NR) * NR * kb;

        for (i = 0; i < n_packed; i++)
          scratch[i] *= alpha;
      }
      multiply_block (c + n0, ldc, a + k0, lda, M, scratch, nb, kb, kernel,
          rows);
    }
  }
}
