/* vecmath.h: 16-lane float32 building blocks of the fast row kernels and
 * of the blocked attention: exp, the exact (erf) GELU, and sums in double.
 * Private to kernels/cpu.
 *
 * Everything works on GCC vector types of 16 floats (one AVX-512 register;
 * GCC splits them into two AVX2 or four SSE registers on narrower
 * targets), through pointers so that no vector is ever passed by value to
 * a function whose ISA differs from its caller's.  The functions are
 * always_inline: each ISA variant of a kernel (cpu-dispatch.h) gets its own
 * copy, compiled for its own target.
 *
 * Accuracy, float32 arguments:
 *   radio_vec_exp    relative error < 2e-7 (degree-7 polynomial after a
 *                    Cody-Waite reduction), 0 below -87.3, NaN stays NaN
 *   radio_vec_gelu   relative error ~3e-7 (erfc from a Chebyshev fit,
 *                    relative error 1.2e-7, and radio_vec_exp)
 */
#ifndef RADIO_CPU_VECMATH_H
#define RADIO_CPU_VECMATH_H

#include <stdint.h>
#include <string.h>

#define RADIO_VEC 16

typedef float radio_v16f __attribute__ ((vector_size (64)));
typedef int32_t radio_v16i __attribute__ ((vector_size (64)));
typedef double radio_v8d __attribute__ ((vector_size (64)));
typedef float radio_v8f __attribute__ ((vector_size (32)));

#define RADIO_ALWAYS_INLINE static inline __attribute__ ((always_inline))

RADIO_ALWAYS_INLINE void
radio_vec_load (radio_v16f *v, const float *p)
{
  memcpy (v, p, sizeof *v);
}

RADIO_ALWAYS_INLINE void
radio_vec_store (float *p, const radio_v16f *v)
{
  memcpy (p, v, sizeof *v);
}

RADIO_ALWAYS_INLINE void
radio_vec_splat (radio_v16f *v, float s)
{
  radio_v16f z = { 0 };

  *v = z + s;
}

/* Lanes of a where mask (from a vector comparison) is all ones, of b where
 * it is zero.  A macro: a helper returning a vector would be an ABI
 * hazard between ISA variants. */
#define RADIO_VEC_SELECT(mask, a, b) \
  ((radio_v16f) (((radio_v16i) (a) & (mask)) | ((radio_v16i) (b) & ~(mask))))

/* *v = exp (*v), lane by lane. */
RADIO_ALWAYS_INLINE void
radio_vec_exp (radio_v16f *v)
{
  /* 1.5 * 2^23: adding it rounds a float of magnitude < 2^22 to an integer
   * held in the low mantissa bits. */
  const float round_magic = 12582912.0f;
  const float log2e = 1.44269504088896341f;
  /* ln 2 split so that n * ln2_hi is exact for |n| < 2^9. */
  const float ln2_hi = 0.693359375f, ln2_lo = -2.12194440e-4f;
  radio_v16f x = *v, t, n, r, p, scale, hi, lo;
  radio_v16i underflow, bits;

  /* Inputs here are softmax logits minus their max (<= 0) or -z^2: the
   * upper clamp (2^127 range) only guards against garbage.  Below -87.33
   * the result would be subnormal; it is flushed to zero. */
  radio_vec_splat (&hi, 88.37f);
  radio_vec_splat (&lo, -87.33f);
  x = RADIO_VEC_SELECT (x > hi, hi, x);
  underflow = x < lo;
  x = RADIO_VEC_SELECT (underflow, lo, x);

  t = x * log2e + round_magic;
  n = t - round_magic;
  /* The integer n sits in t's low mantissa bits: subtract the magic's bit
   * pattern (0x4b400000). */
  bits = (radio_v16i) t - 0x4b400000;
  r = x - n * ln2_hi;
  r = r - n * ln2_lo;

  /* exp (r), |r| <= 0.347: Taylor to r^7, truncation < 6e-9. */
  p = r * (1.0f / 5040) + (1.0f / 720);
  p = p * r + (1.0f / 120);
  p = p * r + (1.0f / 24);
  p = p * r + (1.0f / 6);
  p = p * r + 0.5f;
  p = p * r + 1.0f;
  p = p * r + 1.0f;

  scale = (radio_v16f) ((bits + 127) << 23);
  p = p * scale;
  *v = (radio_v16f) ((radio_v16i) p & ~underflow);
}

/* *v = 0.5 x (1 + erf (x / sqrt 2)), lane by lane. */
RADIO_ALWAYS_INLINE void
radio_vec_gelu (radio_v16f *v)
{
  radio_v16f x = *v, z, t, poly, half_erfc, zero = { 0 };

  /* erfc (z) = t exp (-z^2 + P(t)), t = 1 / (1 + z / 2), z = |x| / sqrt 2:
   * the Chebyshev fit of Numerical Recipes' erfcc, relative error below
   * 1.2e-7 for every z >= 0.  GELU is x (1 - erfc (z) / 2) for x >= 0 and
   * x erfc (z) / 2 for x < 0; computing erfc itself (no 1 - erf) keeps
   * the negative side accurate relative to its small values. */
  z = (radio_v16f) ((radio_v16i) x & 0x7fffffff) * 0.70710678118654752f;
  t = 1.0f / (z * 0.5f + 1.0f);
  poly = t * 0.17087277f - 0.82215223f;
  poly = poly * t + 1.48851587f;
  poly = poly * t - 1.13520398f;
  poly = poly * t + 0.27886807f;
  poly = poly * t - 0.18628806f;
  poly = poly * t + 0.09678418f;
  poly = poly * t + 0.37409196f;
  poly = poly * t + 1.00002368f;
  poly = poly * t - 1.26551223f;
  poly = poly - z * z;
  radio_vec_exp (&poly);
  half_erfc = t * poly * 0.5f;
  *v = x * RADIO_VEC_SELECT (x < zero, half_erfc, 1.0f - half_erfc);
}

/* Sum of the 16 lanes, in double. */
RADIO_ALWAYS_INLINE double
radio_vec_sum_d (const radio_v16f *v)
{
  double s = 0.0;
  int i;

  for (i = 0; i < RADIO_VEC; i++)
    s += (*v)[i];
  return s;
}

/* *acc += the 16 lanes of *v, widened to double (two 8-lane halves). */
RADIO_ALWAYS_INLINE void
radio_vec_accumulate_d (radio_v8d *acc, const radio_v16f *v)
{
  radio_v8f lo, hi;

  memcpy (&lo, v, sizeof lo);
  memcpy (&hi, (const char *) v + sizeof lo, sizeof hi);
  *acc += __builtin_convertvector (lo, radio_v8d);
  *acc += __builtin_convertvector (hi, radio_v8d);
}

RADIO_ALWAYS_INLINE double
radio_vec_hsum_d (const radio_v8d *acc)
{
  return (((*acc)[0] + (*acc)[4]) + ((*acc)[1] + (*acc)[5]))
      + (((*acc)[2] + (*acc)[6]) + ((*acc)[3] + (*acc)[7]));
}

#endif /* RADIO_CPU_VECMATH_H */
