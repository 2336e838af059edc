/* test-kernels.c: checks every float32 CPU kernel of kernels/cpu against a
 * deliberately naive double-precision implementation written here, on odd
 * shapes that hit the blocking tails, with deterministic pseudo-random
 * data.  The half-precision conversions are checked exhaustively against
 * decoders and a round-to-nearest-even encoder built from frexp/ldexp
 * rather than bit tricks, so they share no code with the kernels.
 *
 * The fast path's kernels (BLAS-backed or plain products with strides,
 * vectorised GELU and LayerNorm, the fused residual + LayerNorm, blocked
 * attention on tiles that do not divide the token count) are checked the
 * same way, with and without the BLAS.
 *
 * A failing case prints its parameters and its largest error; the program
 * then exits non-zero (GLib test framework, TAP output).
 */
#include "radio-cpu.h"

#include <glib.h>
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- helpers ------------------------------------------------------------ */

/* xorshift64*: deterministic, and good enough for test data. */
static uint64_t rng_state = 0x9E3779B97F4A7C15ull;

static void
rng_seed (uint64_t seed)
{
  rng_state = seed * 0x2545F4914F6CDD1Dull + 0x9E3779B97F4A7C15ull;
  if (rng_state == 0)
    rng_state = 1;
}

static uint64_t
rng_next (void)
{
  rng_state ^= rng_state >> 12;
  rng_state ^= rng_state << 25;
  rng_state ^= rng_state >> 27;
  return rng_state * 0x2545F4914F6CDD1Dull;
}

static uint32_t
rng_u32 (void)
{
  return (uint32_t) (rng_next () >> 32);
}

/* Uniform in [lo, hi). */
static float
rng_uniform (float lo, float hi)
{
  double u = (double) (rng_next () >> 11) * (1.0 / 9007199254740992.0);

  return (float) (lo + (hi - lo) * u);
}

static void
fill_uniform (float *p, size_t n, float lo, float hi)
{
  size_t i;

  for (i = 0; i < n; i++)
    p[i] = rng_uniform (lo, hi);
}

static float
bits_to_float (uint32_t u)
{
  float f;

  memcpy (&f, &u, sizeof f);
  return f;
}

/* Largest error / tolerance ratio seen by the current test, reported as a
 * TAP comment so that a tolerance which is far too loose shows up. */
static double worst_ratio;

/* Compares got[i] with ref[i] under |got - ref| <= atol + rtol |ref|.
 * Prints the case name and the worst element on failure. */
static gboolean
check_close (const char *what, const float *got, const double *ref,
    size_t n, double atol, double rtol)
{
  double max_err = 0.0, max_ratio = 0.0;
  size_t worst = 0, i;

  for (i = 0; i < n; i++) {
    double err = fabs ((double) got[i] - ref[i]);
    double tol = atol + rtol * fabs (ref[i]);
    double ratio;

    if (isnan (got[i]) != isnan (ref[i]))
      err = INFINITY;
    else if (isnan (ref[i]))
      err = 0.0;
    else if (isinf (ref[i]))
      err = (double) got[i] == ref[i] ? 0.0 : INFINITY;
    if (tol > 0.0)
      ratio = err / tol;
    else
      ratio = err > 0.0 ? INFINITY : 0.0;
    if (i == 0 || ratio > max_ratio) {
      max_ratio = ratio;
      max_err = err;
      worst = i;
    }
  }
  if (max_ratio > worst_ratio)
    worst_ratio = max_ratio;
  if (max_ratio > 1.0) {
    g_printerr ("FAIL %s: max error %.3g at index %zu (got %.9g, want "
        "%.9g, tol %.3g)\n", what, max_err, worst, (double) got[worst],
        ref[worst], atol + rtol * fabs (ref[worst]));
    g_test_fail ();
    return FALSE;
  }
  return TRUE;
}

static void
report_worst (const char *test)
{
  g_test_message ("%s: worst error/tolerance ratio %.3g", test,
      worst_ratio);
  worst_ratio = 0.0;
}

/* Fills guard floats after an output so stray writes past it are seen
 * even where valgrind cannot (inside one allocation). */
#define GUARD 16
#define GUARD_VALUE 12345.5f

static void
set_guard (float *p)
{
  int i;

  for (i = 0; i < GUARD; i++)
    p[i] = GUARD_VALUE;
}

static gboolean
check_guard (const char *what, const float *p)
{
  int i;

  for (i = 0; i < GUARD; i++) {
    if (p[i] != GUARD_VALUE) {
      g_printerr ("FAIL %s: wrote past the end of the output (+%d)\n",
          what, i);
      g_test_fail ();
      return FALSE;
    }
  }
  return TRUE;
}

/* ---- naive half-precision codecs ---------------------------------------- */

static double
naive_f16_decode (uint16_t h)
{
  int sign = (h >> 15) & 1;
  int exp = (h >> 10) & 0x1f;
  int mant = h & 0x3ff;
  double v;

  if (exp == 0x1f)
    v = mant != 0 ? NAN : INFINITY;
  else if (exp == 0)
    v = ldexp (mant, -24);
  else
    v = ldexp (1024 + mant, exp - 25);
  return sign ? -v : v;
}

static double
naive_bf16_decode (uint16_t b)
{
  int sign = (b >> 15) & 1;
  int exp = (b >> 7) & 0xff;
  int mant = b & 0x7f;
  double v;

  if (exp == 0xff)
    v = mant != 0 ? NAN : INFINITY;
  else if (exp == 0)
    v = ldexp (mant, -133);
  else
    v = ldexp (128 + mant, exp - 134);
  return sign ? -v : v;
}

/* Round-to-nearest-even into a binary format with `mbits` stored mantissa
 * bits, `ebits` exponent bits of bias `bias` and minimum normal exponent
 * emin; returns the encoding.  Anything but NaN. */
static uint16_t
naive_encode (float f, int mbits, int emin, int bias, int ebits)
{
  uint16_t sign = signbit (f) ? 0x8000 : 0;
  uint16_t inf = (uint16_t) (((1u << ebits) - 1) << mbits);
  double a = fabs ((double) f), q, r, v;
  int e;

  if (isinf (f))
    return sign | inf;
  if (a < ldexp (1.0, emin)) {
    q = ldexp (1.0, emin - mbits);
  } else {
    frexp (a, &e);
    q = ldexp (1.0, e - 1 - mbits);
  }
  /* a / q is exact (power-of-two q) and nearbyint rounds half to even in
   * the default rounding mode. */
  r = nearbyint (a / q);
  v = r * q;
  if (v == 0.0)
    return sign;
  if (v < ldexp (1.0, emin))
    return sign | (uint16_t) r;
  frexp (v, &e);
  e -= 1;
  if (e + bias >= (1 << ebits) - 1)
    return sign | inf;
  return sign | (uint16_t) ((e + bias) << mbits)
      | (uint16_t) ((v / ldexp (1.0, e) - 1.0) * (1 << mbits));
}

static uint16_t
naive_f32_to_f16 (float f)
{
  return naive_encode (f, 10, -14, 15, 5);
}

static uint16_t
naive_f32_to_bf16 (float f)
{
  return naive_encode (f, 7, -126, 127, 8);
}

static double
naive_decode (const void *data, RadioDType dtype, size_t i)
{
  const unsigned char *p = data;
  uint16_t h;
  float f;

  switch (dtype) {
    case RADIO_DTYPE_F32:
      memcpy (&f, p + 4 * i, 4);
      return f;
    case RADIO_DTYPE_F16:
      memcpy (&h, p + 2 * i, 2);
      return naive_f16_decode (h);
    case RADIO_DTYPE_BF16:
      memcpy (&h, p + 2 * i, 2);
      return naive_bf16_decode (h);
    default:
      g_assert_not_reached ();
  }
  return 0.0;
}

/* Stores float values as `dtype` at byte offset `offset` of a fresh
 * buffer (offset 1 gives a deliberately misaligned array).  Returns the
 * allocation; *data points at the first element. */
static unsigned char *
make_stored (const float *values, size_t n, RadioDType dtype, size_t offset,
    const void **data)
{
  size_t esize = radio_dtype_size (dtype);
  unsigned char *buf = g_malloc (n * esize + offset + 1);
  size_t i;

  for (i = 0; i < n; i++) {
    unsigned char *dst = buf + offset + i * esize;
    uint16_t h;

    switch (dtype) {
      case RADIO_DTYPE_F32:
        memcpy (dst, &values[i], 4);
        break;
      case RADIO_DTYPE_F16:
        h = radio_f32_to_f16 (values[i]);
        memcpy (dst, &h, 2);
        break;
      case RADIO_DTYPE_BF16:
        h = radio_f32_to_bf16 (values[i]);
        memcpy (dst, &h, 2);
        break;
      default:
        g_assert_not_reached ();
    }
  }
  *data = buf + offset;
  return buf;
}

/* ---- dtype -------------------------------------------------------------- */

static void
test_dtype_names (void)
{
  static const struct
  {
    RadioDType dtype;
    const char *name;
    size_t size;
  } table[] = {
    { RADIO_DTYPE_F32, "F32", 4 }, { RADIO_DTYPE_F16, "F16", 2 },
    { RADIO_DTYPE_BF16, "BF16", 2 }, { RADIO_DTYPE_F64, "F64", 8 },
    { RADIO_DTYPE_I64, "I64", 8 }, { RADIO_DTYPE_I32, "I32", 4 },
    { RADIO_DTYPE_I16, "I16", 2 }, { RADIO_DTYPE_I8, "I8", 1 },
    { RADIO_DTYPE_U8, "U8", 1 }, { RADIO_DTYPE_BOOL, "BOOL", 1 },
  };
  static const char *bad[] = { "f32", "", "F8", "FLOAT", "BF1", "F32 " };
  RadioDType d;
  size_t i;

  g_assert_cmpint (G_N_ELEMENTS (table), ==, RADIO_DTYPE_COUNT);
  for (i = 0; i < G_N_ELEMENTS (table); i++) {
    g_assert_cmpuint (radio_dtype_size (table[i].dtype), ==, table[i].size);
    g_assert_cmpstr (radio_dtype_name (table[i].dtype), ==, table[i].name);
    d = RADIO_DTYPE_COUNT;
    g_assert_cmpint (radio_dtype_from_name (table[i].name, &d), ==, 0);
    g_assert_cmpint (d, ==, table[i].dtype);
  }
  for (i = 0; i < G_N_ELEMENTS (bad); i++)
    g_assert_cmpint (radio_dtype_from_name (bad[i], &d), ==, -1);
  g_assert_cmpint (radio_dtype_from_name (NULL, &d), ==, -1);
  g_assert_cmpuint (radio_dtype_size (RADIO_DTYPE_COUNT), ==, 0);
  g_assert_null (radio_dtype_name (RADIO_DTYPE_COUNT));
  g_assert_null (radio_dtype_name ((RadioDType) - 1));
}

static gboolean
is_f16_nan (uint16_t h)
{
  return (h & 0x7c00) == 0x7c00 && (h & 0x3ff) != 0;
}

static gboolean
is_bf16_nan (uint16_t b)
{
  return (b & 0x7f80) == 0x7f80 && (b & 0x7f) != 0;
}

/* Every half: decoding matches the naive decoder bit for bit (including
 * the sign of zero) and encoding the result gives the half back. */
static void
test_f16_exhaustive (void)
{
  unsigned failures = 0;
  uint32_t h;

  for (h = 0; h <= 0xffff; h++) {
    float f = radio_f16_to_f32 ((uint16_t) h);
    double ref = naive_f16_decode ((uint16_t) h);
    uint16_t back = radio_f32_to_f16 (f);
    gboolean ok;

    if (is_f16_nan ((uint16_t) h))
      ok = isnan (f) && is_f16_nan (back)
          && (signbit (f) != 0) == ((h & 0x8000) != 0)
          && (back & 0x8000) == (h & 0x8000);
    else
      ok = (double) f == ref && (signbit (f) != 0) == (signbit (ref) != 0)
          && back == h;
    if (!ok && failures++ < 10)
      g_printerr ("FAIL f16 0x%04x: got %.9g want %.9g, back 0x%04x\n",
          (unsigned) h, (double) f, ref, back);
  }
  if (failures > 0)
    g_test_fail ();
}

static void
test_bf16_exhaustive (void)
{
  unsigned failures = 0;
  uint32_t b;

  for (b = 0; b <= 0xffff; b++) {
    float f = radio_bf16_to_f32 ((uint16_t) b);
    double ref = naive_bf16_decode ((uint16_t) b);
    uint16_t back = radio_f32_to_bf16 (f);
    gboolean ok;

    if (is_bf16_nan ((uint16_t) b))
      ok = isnan (f) && is_bf16_nan (back)
          && (back & 0x8000) == (b & 0x8000);
    else
      ok = (double) f == ref && (signbit (f) != 0) == (signbit (ref) != 0)
          && back == b;
    if (!ok && failures++ < 10)
      g_printerr ("FAIL bf16 0x%04x: got %.9g want %.9g, back 0x%04x\n",
          (unsigned) b, (double) f, ref, back);
  }
  if (failures > 0)
    g_test_fail ();
}

static void
test_known_bits (void)
{
  static const struct
  {
    uint32_t f32;
    uint16_t f16;
  } to_f16[] = {
    { 0x3f800000, 0x3c00 },     /* 1 */
    { 0xbf800000, 0xbc00 },     /* -1 */
    { 0x00000000, 0x0000 },
    { 0x80000000, 0x8000 },     /* -0 keeps its sign */
    { 0x477fe000, 0x7bff },     /* 65504, the largest half */
    { 0x477fefff, 0x7bff },     /* just under the 65520 tie */
    { 0x477ff000, 0x7c00 },     /* 65520 ties to even = inf */
    { 0x7f7fffff, 0x7c00 },     /* FLT_MAX */
    { 0x7f800000, 0x7c00 },     /* inf */
    { 0xff800000, 0xfc00 },     /* -inf */
    { 0x38800000, 0x0400 },     /* 2^-14, smallest normal */
    { 0x387fc000, 0x03ff },     /* 1023 * 2^-24, largest subnormal */
    { 0x387fe000, 0x0400 },     /* 1023.5 units: tie rounds up to normal */
    { 0x387f8000, 0x03fe },     /* 1022 units */
    { 0x33800000, 0x0001 },     /* 2^-24 */
    { 0x33000000, 0x0000 },     /* 2^-25: tie to even zero */
    { 0x33000001, 0x0001 },     /* just above: one unit */
    { 0xb3000001, 0x8001 },
    { 0x32ffffff, 0x0000 },
    { 0x33c00000, 0x0002 },     /* 1.5 units: tie to even 2 */
    { 0x34200000, 0x0002 },     /* 2.5 units: tie to even 2 */
    { 0x34600000, 0x0004 },     /* 3.5 units: tie to even 4 */
    { 0x3f801000, 0x3c00 },     /* 1 + 2^-11: tie to even 1 */
    { 0x3f803000, 0x3c02 },     /* 1 + 3 * 2^-11: tie to even */
    { 0x3f801001, 0x3c01 },
    { 0x00000001, 0x0000 },     /* float subnormal */
  };
  static const struct
  {
    uint32_t f32;
    uint16_t bf16;
  } to_bf16[] = {
    { 0x3f800000, 0x3f80 },
    { 0x3f808000, 0x3f80 },     /* tie to even */
    { 0x3f818000, 0x3f82 },     /* tie to even, upwards */
    { 0x3f808001, 0x3f81 },
    { 0x7f7fffff, 0x7f80 },     /* FLT_MAX rounds to inf */
    { 0x7f7f7fff, 0x7f7f },
    { 0x7f800000, 0x7f80 },
    { 0xff800000, 0xff80 },
    { 0x00000001, 0x0000 },
    { 0x00008000, 0x0000 },     /* subnormal tie to even */
    { 0x00018000, 0x0002 },
    { 0x80000000, 0x8000 },
  };
  size_t i;

  g_assert_cmpfloat (radio_bf16_to_f32 (0x3f80), ==, 1.0f);
  g_assert_cmpfloat (radio_f16_to_f32 (0x3c00), ==, 1.0f);
  g_assert_cmpfloat (radio_f16_to_f32 (0x0001), ==, ldexpf (1.0f, -24));
  g_assert_cmpfloat (radio_f16_to_f32 (0x03ff), ==, ldexpf (1023.0f, -24));
  g_assert_cmpfloat (radio_f16_to_f32 (0x0400), ==, ldexpf (1.0f, -14));
  g_assert_cmpfloat (radio_f16_to_f32 (0x7bff), ==, 65504.0f);
  g_assert_cmpfloat (radio_f16_to_f32 (0xc000), ==, -2.0f);
  g_assert_cmpfloat (radio_f16_to_f32 (0x3555), ==, 0x1.554p-2f);
  g_assert_true (isinf (radio_f16_to_f32 (0x7c00)));
  g_assert_true (radio_f16_to_f32 (0xfc00) < 0.0f);
  g_assert_true (isnan (radio_f16_to_f32 (0x7e00)));
  g_assert_true (isnan (radio_f16_to_f32 (0x7c01)));
  g_assert_true (signbit (radio_f16_to_f32 (0x8000)));
  g_assert_cmpfloat (radio_bf16_to_f32 (0x0001), ==, ldexpf (1.0f, -133));
  g_assert_cmpfloat (radio_bf16_to_f32 (0xc049), ==, -3.140625f);
  g_assert_true (isnan (radio_bf16_to_f32 (0x7fc0)));
  g_assert_true (isnan (radio_bf16_to_f32 (0x7f81)));

  for (i = 0; i < G_N_ELEMENTS (to_f16); i++) {
    uint16_t got = radio_f32_to_f16 (bits_to_float (to_f16[i].f32));

    if (got != to_f16[i].f16) {
      g_printerr ("FAIL f32->f16 0x%08x: got 0x%04x want 0x%04x\n",
          (unsigned) to_f16[i].f32, got, to_f16[i].f16);
      g_test_fail ();
    }
  }
  for (i = 0; i < G_N_ELEMENTS (to_bf16); i++) {
    uint16_t got = radio_f32_to_bf16 (bits_to_float (to_bf16[i].f32));

    if (got != to_bf16[i].bf16) {
      g_printerr ("FAIL f32->bf16 0x%08x: got 0x%04x want 0x%04x\n",
          (unsigned) to_bf16[i].f32, got, to_bf16[i].bf16);
      g_test_fail ();
    }
  }
  /* NaNs of either sign and any payload stay NaN, including payloads that
   * live only in the bits the narrowing drops. */
  g_assert_true (is_f16_nan (radio_f32_to_f16 (bits_to_float (0x7fc00000))));
  g_assert_true (is_f16_nan (radio_f32_to_f16 (bits_to_float (0x7f800001))));
  g_assert_true (is_f16_nan (radio_f32_to_f16 (bits_to_float (0xff800001))));
  g_assert_true (is_bf16_nan (radio_f32_to_bf16 (bits_to_float (0x7f800001))));
  g_assert_true (is_bf16_nan (radio_f32_to_bf16 (bits_to_float (0xffffffff))));
}

/* Random floats against the naive encoder: fully random bit patterns,
 * patterns with exponents around each format's range, and exact ties. */
static void
test_round_random (void)
{
  unsigned failures = 0;
  int i;

  rng_seed (7);
  for (i = 0; i < 2000000; i++) {
    uint32_t u = rng_u32 ();
    float f;
    uint16_t got, want;

    if (i % 3 == 1) {
      /* Exponents from f16 underflow to overflow. */
      u = (u & 0x807fffffu) | ((uint32_t) (127 - 27 + (rng_u32 () % 45)) << 23);
    }
    if (i % 4 == 2)
      u = (u & ~0x1fffu) | 0x1000u;     /* f16 tie in the normal range */
    f = bits_to_float (u);
    if (isnan (f))
      continue;

    got = radio_f32_to_f16 (f);
    want = naive_f32_to_f16 (f);
    if (got != want && failures++ < 10)
      g_printerr ("FAIL f32->f16 0x%08x: got 0x%04x want 0x%04x\n",
          (unsigned) u, got, want);

    if (i % 4 == 3)
      u = (u & ~0xffffu) | 0x8000u;     /* bf16 tie */
    f = bits_to_float (u);
    got = radio_f32_to_bf16 (f);
    want = naive_f32_to_bf16 (f);
    if (got != want && failures++ < 10)
      g_printerr ("FAIL f32->bf16 0x%08x: got 0x%04x want 0x%04x\n",
          (unsigned) u, got, want);
  }
  if (failures > 0)
    g_test_fail ();
}

static void
test_convert (void)
{
  static const RadioDType dtypes[] = {
    RADIO_DTYPE_F32, RADIO_DTYPE_F16, RADIO_DTYPE_BF16
  };
  const size_t n = 37;
  float values[37], got[37 + GUARD];
  double ref[37];
  uint8_t bytes[256 + 1];
  float unit[256 + GUARD];
  double unit_ref[256];
  size_t d, offset, i;

  rng_seed (11);
  fill_uniform (values, n, -70000.0f, 70000.0f);
  values[0] = 0.0f;
  values[1] = -0.0f;
  values[2] = INFINITY;
  values[3] = -INFINITY;
  values[4] = NAN;
  values[5] = ldexpf (1.0f, -24);
  values[6] = ldexpf (3.0f, -20);
  values[7] = 1e-3f;

  for (d = 0; d < G_N_ELEMENTS (dtypes); d++) {
    for (offset = 0; offset < 4; offset++) {
      const void *data;
      unsigned char *buf = make_stored (values, n, dtypes[d], offset, &data);
      RadioTensorView v = { data, dtypes[d] };
      char what[64];

      for (i = 0; i < n; i++)
        ref[i] = naive_decode (data, dtypes[d], i);
      set_guard (got + n);
      radio_cpu_convert_to_f32 (got, v, n);
      g_snprintf (what, sizeof what, "convert %s offset %zu",
          radio_dtype_name (dtypes[d]), offset);
      check_close (what, got, ref, n, 0.0, 0.0);
      check_guard (what, got + n);
      g_free (buf);
    }
  }

  for (i = 0; i < 256; i++) {
    bytes[i + 1] = (uint8_t) i;
    unit_ref[i] = i / 255.0;
  }
  set_guard (unit + 256);
  radio_cpu_u8_to_unit_f32 (unit, bytes + 1, 256);
  check_close ("u8_to_unit", unit, unit_ref, 256, 0.0, 1e-7);
  check_guard ("u8_to_unit", unit + 256);
  g_assert_cmpfloat (unit[0], ==, 0.0f);
  g_assert_cmpfloat (unit[255], ==, 1.0f);
  report_worst ("convert");
}

/* ---- linear ------------------------------------------------------------- */

static void
linear_case (size_t M, size_t K, size_t N, RadioDType dtype, size_t offset,
    gboolean with_bias)
{
  float *x = g_new (float, M * K);
  float *w = g_new (float, N * K);
  float *bias = g_new (float, N);
  float *y = g_new (float, M * N + GUARD);
  float *scratch = g_new (float, radio_cpu_linear_scratch_floats ());
  double *ref = g_new (double, M * N);
  const void *wdata;
  unsigned char *wbuf;
  RadioTensorView view;
  char what[128];
  size_t m, n, k;

  fill_uniform (x, M * K, -1.0f, 1.0f);
  fill_uniform (w, N * K, -1.0f, 1.0f);
  fill_uniform (bias, N, -1.0f, 1.0f);
  wbuf = make_stored (w, N * K, dtype, offset, &wdata);
  view.data = wdata;
  view.dtype = dtype;

  for (m = 0; m < M; m++) {
    for (n = 0; n < N; n++) {
      double acc = with_bias ? bias[n] : 0.0;

      for (k = 0; k < K; k++)
        acc += (double) x[m * K + k] * naive_decode (wdata, dtype, n * K + k);
      ref[m * N + n] = acc;
    }
  }

  /* y starts as garbage: the kernel must not accumulate into it. */
  fill_uniform (y, M * N, 100.0f, 200.0f);
  set_guard (y + M * N);
  radio_cpu_linear (y, x, M, K, N, view, with_bias ? bias : NULL, scratch);

  g_snprintf (what, sizeof what, "linear %s M=%zu K=%zu N=%zu%s%s",
      radio_dtype_name (dtype), M, K, N, offset ? " unaligned" : "",
      with_bias ? " bias" : "");
  /* Float32 summation error grows like sqrt(K) for random signs. */
  check_close (what, y, ref, M * N, 1e-6 * sqrt ((double) K),
      1e-6 * sqrt ((double) K));
  check_guard (what, y + M * N);

  g_free (wbuf);
  g_free (x);
  g_free (w);
  g_free (bias);
  g_free (y);
  g_free (scratch);
  g_free (ref);
}

static void
test_linear (void)
{
  static const size_t Ms[] = { 1, 3, 7, 33 };
  static const size_t Ks[] = { 1, 5, 16, 257, 300 };
  static const size_t Ns[] = { 1, 7, 16, 17, 300 };
  static const RadioDType dtypes[] = {
    RADIO_DTYPE_F32, RADIO_DTYPE_F16, RADIO_DTYPE_BF16
  };
  size_t d, a, b, c;
  unsigned count = 0;

  rng_seed (1);
  for (d = 0; d < G_N_ELEMENTS (dtypes); d++)
    for (a = 0; a < G_N_ELEMENTS (Ms); a++)
      for (b = 0; b < G_N_ELEMENTS (Ks); b++)
        for (c = 0; c < G_N_ELEMENTS (Ns); c++, count++)
          linear_case (Ms[a], Ks[b], Ns[c], dtypes[d], count % 3,
              count % 2 == 0);
  /* Several row tiles, three K blocks and three N blocks at once. */
  linear_case (50, 520, 600, RADIO_DTYPE_BF16, 1, TRUE);
  linear_case (29, 768, 513, RADIO_DTYPE_F32, 0, FALSE);
  report_worst ("linear");
}

/* A token's output must not depend on which other tokens share the call
 * (full tiles and tail tiles take the same path), so that results are
 * reproducible whatever the batch or image size. */
static void
test_linear_row_invariance (void)
{
  const size_t M = 31, K = 300, N = 40;
  float *x = g_new (float, M * K), *w = g_new (float, N * K);
  float *bias = g_new (float, N), *y = g_new (float, M * N);
  float *row = g_new (float, N);
  float *scratch = g_new (float, radio_cpu_linear_scratch_floats ());
  RadioTensorView view = radio_tensor_view_f32 (w);
  size_t m;

  rng_seed (23);
  fill_uniform (x, M * K, -1.0f, 1.0f);
  fill_uniform (w, N * K, -1.0f, 1.0f);
  fill_uniform (bias, N, -1.0f, 1.0f);
  radio_cpu_linear (y, x, M, K, N, view, bias, scratch);
  for (m = 0; m < M; m++) {
    radio_cpu_linear (row, x + m * K, 1, K, N, view, bias, scratch);
    if (memcmp (row, y + m * N, N * sizeof (float)) != 0) {
      g_printerr ("FAIL linear row %zu of %zu differs from the same row "
          "alone\n", m, M);
      g_test_fail ();
      break;
    }
  }
  g_free (x);
  g_free (w);
  g_free (bias);
  g_free (y);
  g_free (row);
  g_free (scratch);
}

/* ---- normalisation and elementwise -------------------------------------- */

static void
naive_layernorm (double *y, const float *x, size_t rows, size_t dim,
    const float *gamma, const float *beta, double eps)
{
  size_t r, i;

  for (r = 0; r < rows; r++) {
    double mean = 0.0, var = 0.0;

    for (i = 0; i < dim; i++)
      mean += x[r * dim + i];
    mean /= dim;
    for (i = 0; i < dim; i++)
      var += (x[r * dim + i] - mean) * (x[r * dim + i] - mean);
    var /= dim;
    for (i = 0; i < dim; i++)
      y[r * dim + i] = (x[r * dim + i] - mean) / sqrt (var + eps)
          * (gamma ? gamma[i] : 1.0) + (beta ? beta[i] : 0.0);
  }
}

static void
test_layernorm (void)
{
  const size_t rows = 7, dim = 33;
  float x[7 * 33], y[7 * 33 + GUARD], gamma[33], beta[33];
  double ref[7 * 33];
  int variant;

  rng_seed (3);
  for (variant = 0; variant < 6; variant++) {
    gboolean affine = variant % 2 == 1;
    gboolean in_place = variant >= 2 && variant < 4;
    gboolean offset_rows = variant >= 4;
    const float *g = affine ? gamma : NULL, *b = affine ? beta : NULL;
    float *out = in_place ? x : y;
    char what[96];
    size_t i;

    fill_uniform (x, rows * dim, -3.0f, 3.0f);
    fill_uniform (gamma, dim, 0.5f, 2.0f);
    fill_uniform (beta, dim, -1.0f, 1.0f);
    if (offset_rows) {
      /* A large common offset: a one-pass variance would cancel badly. */
      for (i = 0; i < rows * dim; i++)
        x[i] = 1000.0f + x[i] * 0.01f;
    }
    naive_layernorm (ref, x, rows, dim, g, b, 1e-6);
    set_guard (y + rows * dim);
    radio_cpu_layernorm (out, x, rows, dim, g, b, 1e-6f);
    g_snprintf (what, sizeof what, "layernorm 7x33%s%s%s",
        affine ? " gamma/beta" : "", in_place ? " in place" : "",
        offset_rows ? " offset 1000" : "");
    check_close (what, out, ref, rows * dim, 1e-6, 1e-6);
    check_guard (what, y + rows * dim);
  }

  /* eps matters when a row is constant. */
  for (variant = 0; variant < (int) dim; variant++)
    x[variant] = 2.5f;
  naive_layernorm (ref, x, 1, dim, NULL, beta, 1e-2);
  radio_cpu_layernorm (y, x, 1, dim, NULL, beta, 1e-2f);
  check_close ("layernorm constant row", y, ref, dim, 1e-6, 1e-6);
  report_worst ("layernorm");
}

static void
test_gelu (void)
{
  const size_t n = 1000;
  float x[1000 + GUARD];
  double ref[1000];
  size_t i;

  rng_seed (5);
  fill_uniform (x, n, -8.0f, 8.0f);
  x[0] = 0.0f;
  x[1] = -0.0f;
  x[2] = 30.0f;
  x[3] = -30.0f;
  x[4] = 1.0f;
  x[5] = -1.0f;
  x[6] = 1e-20f;
  for (i = 0; i < n; i++)
    ref[i] = 0.5 * x[i] * (1.0 + erf (x[i] / sqrt (2.0)));
  set_guard (x + n);
  radio_cpu_gelu (x, n);
  check_close ("gelu", x, ref, n, 1e-6, 1e-6);
  check_guard ("gelu", x + n);
  /* gelu(1) = 0.8413447460685429... */
  g_assert_cmpfloat_with_epsilon (x[4], 0.84134474606854293, 1e-6);
  report_worst ("gelu");
}

static void
test_residual (void)
{
  const size_t rows = 5, dim = 19;
  float x[5 * 19 + GUARD], delta[5 * 19], scale[19], mean[19];
  double ref[5 * 19];
  int with_scale;
  size_t r, i;

  rng_seed (9);
  for (with_scale = 0; with_scale < 2; with_scale++) {
    fill_uniform (x, rows * dim, -2.0f, 2.0f);
    fill_uniform (delta, rows * dim, -2.0f, 2.0f);
    fill_uniform (scale, dim, -0.5f, 0.5f);
    for (r = 0; r < rows; r++)
      for (i = 0; i < dim; i++)
        ref[r * dim + i] = (double) x[r * dim + i]
            + (with_scale ? (double) scale[i] : 1.0) * delta[r * dim + i];
    set_guard (x + rows * dim);
    radio_cpu_residual_add (x, delta, rows, dim, with_scale ? scale : NULL);
    check_close (with_scale ? "residual_add scale" : "residual_add", x, ref,
        rows * dim, 1e-6, 1e-6);
    check_guard ("residual_add", x + rows * dim);
  }

  fill_uniform (x, rows * dim, -2.0f, 2.0f);
  fill_uniform (mean, dim, -2.0f, 2.0f);
  for (r = 0; r < rows; r++)
    for (i = 0; i < dim; i++)
      ref[r * dim + i] = (double) x[r * dim + i] - mean[i];
  radio_cpu_subtract_row_vector (x, rows, dim, mean);
  check_close ("subtract_row_vector", x, ref, rows * dim, 1e-6, 1e-6);
  check_guard ("subtract_row_vector", x + rows * dim);
  report_worst ("residual");
}

/* ---- attention ---------------------------------------------------------- */

/* ref[tokens, heads*hd] = softmax (q k^T / sqrt (hd)) v per head, in
 * double, from qkv[tokens, 3, heads, hd]. */
static void
naive_attention (double *ref, const float *qkv, size_t tokens, size_t heads,
    size_t hd)
{
  size_t stride = 3 * heads * hd, dim = heads * hd;
  double *p = g_new (double, tokens);
  size_t h, n, m, d;

  for (h = 0; h < heads; h++) {
    for (n = 0; n < tokens; n++) {
      const float *q = qkv + n * stride + h * hd;
      double max = -INFINITY, sum = 0.0;

      for (m = 0; m < tokens; m++) {
        const float *k = qkv + m * stride + dim + h * hd;
        double s = 0.0;

        for (d = 0; d < hd; d++)
          s += (double) q[d] * k[d];
        p[m] = s / sqrt ((double) hd);
        if (p[m] > max)
          max = p[m];
      }
      for (m = 0; m < tokens; m++) {
        p[m] = exp (p[m] - max);
        sum += p[m];
      }
      for (d = 0; d < hd; d++) {
        double acc = 0.0;

        for (m = 0; m < tokens; m++)
          acc += p[m] * qkv[m * stride + 2 * dim + h * hd + d];
        ref[n * dim + h * hd + d] = acc / sum;
      }
    }
  }
  g_free (p);
}

static void
attention_case (size_t tokens, size_t heads, size_t hd, float amplitude)
{
  size_t stride = 3 * heads * hd, dim = heads * hd;
  float *qkv = g_new (float, tokens * stride);
  float *out = g_new (float, tokens * dim + GUARD);
  float *scratch = g_new (float,
      radio_cpu_attention_scratch_floats (tokens, hd));
  double *ref = g_new (double, tokens * dim);
  char what[96];

  fill_uniform (qkv, tokens * stride, -amplitude, amplitude);
  naive_attention (ref, qkv, tokens, heads, hd);

  fill_uniform (out, tokens * dim, 100.0f, 200.0f);
  set_guard (out + tokens * dim);
  radio_cpu_attention (out, qkv, tokens, heads, hd, scratch);
  g_snprintf (what, sizeof what, "attention tokens=%zu heads=%zu hd=%zu "
      "amplitude %g", tokens, heads, hd, (double) amplitude);
  /* Outputs are convex combinations of V, so the error is relative to the
   * V amplitude; large logits make the softmax weights (relatively) less
   * accurate, by about |logit| * float eps. */
  check_close (what, out, ref, tokens * dim,
      5e-7 * amplitude * (1.0 + amplitude * amplitude), 5e-7);
  check_guard (what, out + tokens * dim);

  g_free (qkv);
  g_free (out);
  g_free (scratch);
  g_free (ref);
}

static void
test_attention (void)
{
  rng_seed (13);
  attention_case (7, 5, 16, 1.0f);
  attention_case (1, 1, 16, 1.0f);
  attention_case (1, 3, 80, 1.0f);
  attention_case (65, 3, 80, 1.0f);
  attention_case (9, 2, 13, 1.0f);      /* head_dim not a multiple of 8 */
  attention_case (6, 2, 44, 1.0f);      /* 32 + 8 + 4 output tail */
  attention_case (33, 4, 64, 1.0f);
  /* Logits in the hundreds: exp would overflow without the max. */
  attention_case (17, 2, 16, 8.0f);
  report_worst ("attention");
}

/* ---- resize ------------------------------------------------------------- */

static void
naive_source (size_t d, size_t in, size_t out, RadioResizeMode mode,
    size_t *i0, size_t *i1, double *l)
{
  double s;

  if (mode == RADIO_RESIZE_ALIGN_CORNERS)
    s = out > 1 ? (double) d * (in - 1) / (out - 1) : 0.0;
  else
    s = fmax ((d + 0.5) * in / out - 0.5, 0.0);
  *i0 = (size_t) floor (s);
  if (*i0 > in - 1)
    *i0 = in - 1;
  *i1 = *i0 + 1 < in ? *i0 + 1 : in - 1;
  *l = s - *i0;
}

static void
resize_case (size_t in_h, size_t in_w, size_t out_h, size_t out_w,
    size_t dst_rows, size_t dst_cols, size_t channels, RadioDType dtype,
    size_t offset, RadioResizeMode mode)
{
  size_t n_in = in_h * in_w * channels, n_out = dst_rows * dst_cols * channels;
  float *values = g_new (float, n_in);
  float *dst = g_new (float, n_out + GUARD);
  double *ref = g_new (double, n_out);
  const void *data;
  unsigned char *buf;
  RadioTensorView view;
  char what[160];
  size_t oy, ox, c;
  gboolean identity = in_h == out_h && in_w == out_w;

  fill_uniform (values, n_in, -1.0f, 1.0f);
  buf = make_stored (values, n_in, dtype, offset, &data);
  view.data = data;
  view.dtype = dtype;

  for (oy = 0; oy < dst_rows; oy++) {
    size_t y0, y1, x0, x1;
    double ly, lx;

    naive_source (oy, in_h, out_h, mode, &y0, &y1, &ly);
    for (ox = 0; ox < dst_cols; ox++) {
      naive_source (ox, in_w, out_w, mode, &x0, &x1, &lx);
      for (c = 0; c < channels; c++) {
        double a = naive_decode (data, dtype, (y0 * in_w + x0) * channels + c);
        double b = naive_decode (data, dtype, (y0 * in_w + x1) * channels + c);
        double cc = naive_decode (data, dtype,
            (y1 * in_w + x0) * channels + c);
        double d = naive_decode (data, dtype,
            (y1 * in_w + x1) * channels + c);

        ref[(oy * dst_cols + ox) * channels + c] =
            (1 - ly) * ((1 - lx) * a + lx * b) + ly * ((1 - lx) * cc + lx * d);
      }
    }
  }

  set_guard (dst + n_out);
  radio_cpu_resize_bilinear (dst, dst_rows, dst_cols, out_h, out_w, view,
      in_h, in_w, channels, mode);
  g_snprintf (what, sizeof what, "resize %s %zux%zu -> %zux%zu crop %zux%zu "
      "c=%zu %s%s", mode == RADIO_RESIZE_ALIGN_CORNERS ? "align-corners" :
      "half-pixel", in_h, in_w, out_h, out_w, dst_rows, dst_cols, channels,
      radio_dtype_name (dtype), offset ? " unaligned" : "");
  /* Same size must be an exact copy in both modes. */
  check_close (what, dst, ref, n_out, identity ? 0.0 : 1e-5,
      identity ? 0.0 : 1e-5);
  check_guard (what, dst + n_out);

  g_free (values);
  g_free (dst);
  g_free (ref);
  g_free (buf);
}

static void
test_resize (void)
{
  static const size_t shapes[][7] = {
    /* in_h, in_w, out_h, out_w, dst_rows, dst_cols, channels */
    { 1, 1, 1, 1, 1, 1, 3 },
    { 1, 1, 4, 5, 4, 5, 2 },
    { 1, 6, 1, 11, 1, 11, 3 },
    { 7, 1, 12, 1, 12, 1, 3 },
    { 1, 9, 1, 4, 1, 4, 1 },
    { 4, 6, 9, 13, 9, 13, 3 },  /* upsample */
    { 9, 13, 4, 5, 4, 5, 5 },   /* downsample */
    { 16, 16, 7, 3, 7, 3, 2 },  /* strong downsample */
    { 5, 7, 5, 7, 5, 7, 4 },    /* same size */
    { 14, 14, 37, 29, 20, 11, 8 },      /* position-embedding style crop */
    { 6, 5, 3, 8, 2, 8, 3 },    /* mixed, crop rows only */
    { 3, 4, 1, 1, 1, 1, 2 },    /* to a single cell */
  };
  static const RadioDType dtypes[] = {
    RADIO_DTYPE_F32, RADIO_DTYPE_F16, RADIO_DTYPE_BF16
  };
  size_t s, d;
  int mode;

  rng_seed (17);
  for (s = 0; s < G_N_ELEMENTS (shapes); s++)
    for (mode = 0; mode < 2; mode++)
      for (d = 0; d < G_N_ELEMENTS (dtypes); d++)
        resize_case (shapes[s][0], shapes[s][1], shapes[s][2], shapes[s][3],
            shapes[s][4], shapes[s][5], shapes[s][6], dtypes[d],
            (s + d) % 2, (RadioResizeMode) mode);

  /* Known values: 1x2 -> 1x3 with align corners gives the midpoint, and
   * half-pixel 1x2 -> 1x4 gives 0, 0.25, 0.75, 1 of the way. */
  {
    float src[2] = { 1.0f, 3.0f }, dst[4];

    radio_cpu_resize_bilinear (dst, 1, 3, 1, 3, radio_tensor_view_f32 (src),
        1, 2, 1, RADIO_RESIZE_ALIGN_CORNERS);
    g_assert_cmpfloat (dst[0], ==, 1.0f);
    g_assert_cmpfloat (dst[1], ==, 2.0f);
    g_assert_cmpfloat (dst[2], ==, 3.0f);
    radio_cpu_resize_bilinear (dst, 1, 4, 1, 4, radio_tensor_view_f32 (src),
        1, 2, 1, RADIO_RESIZE_HALF_PIXEL);
    g_assert_cmpfloat (dst[0], ==, 1.0f);
    g_assert_cmpfloat (dst[1], ==, 1.5f);
    g_assert_cmpfloat (dst[2], ==, 2.5f);
    g_assert_cmpfloat (dst[3], ==, 3.0f);
  }
  report_worst ("resize");
}

/* ---- patches ------------------------------------------------------------ */

static void
patches_case (size_t grid_h, size_t grid_w, size_t P)
{
  static const float mean[3] = { 0.485f, 0.456f, 0.406f };
  static const float std[3] = { 0.229f, 0.224f, 0.225f };
  size_t H = grid_h * P, W = grid_w * P, plen = 3 * P * P;
  size_t n_out = grid_h * grid_w * plen;
  float *image = g_new (float, H * W * 3);
  float *out = g_new (float, n_out + GUARD);
  double *ref = g_new (double, n_out);
  char what[64];
  size_t gy, gx, c, i, j;

  fill_uniform (image, H * W * 3, 0.0f, 1.0f);
  for (gy = 0; gy < grid_h; gy++)
    for (gx = 0; gx < grid_w; gx++)
      for (c = 0; c < 3; c++)
        for (i = 0; i < P; i++)
          for (j = 0; j < P; j++)
            ref[(gy * grid_w + gx) * plen + c * P * P + i * P + j] =
                ((double) image[((gy * P + i) * W + gx * P + j) * 3 + c]
                - mean[c]) / std[c];

  set_guard (out + n_out);
  radio_cpu_image_to_patches (out, image, H, W, P, mean, std);
  g_snprintf (what, sizeof what, "image_to_patches %zux%zu grid P=%zu",
      grid_h, grid_w, P);
  check_close (what, out, ref, n_out, 1e-6, 1e-6);
  check_guard (what, out + n_out);

  g_free (image);
  g_free (out);
  g_free (ref);
}

static void
test_patches (void)
{
  rng_seed (19);
  patches_case (1, 1, 14);
  patches_case (2, 3, 14);
  patches_case (1, 1, 16);
  patches_case (2, 3, 16);
  patches_case (3, 2, 16);
  report_worst ("patches");
}

/* ---- fast path ---------------------------------------------------------- */

static const RadioCpuGemmImpl gemm_impls[] = {
  RADIO_CPU_GEMM_PLAIN, RADIO_CPU_GEMM_BLAS
};

static const char *
gemm_impl_name (RadioCpuGemmImpl impl)
{
  return impl == RADIO_CPU_GEMM_BLAS ? (radio_cpu_have_blas () ? "blas"
      : "blas(absent: plain)") : "plain";
}

/* C = alpha A op(B) + beta C with every stride larger than its row, so a
 * kernel that ignores a leading dimension reads or writes the wrong
 * elements; the gaps of C must stay untouched. */
static void
gemm_case (RadioCpuGemmImpl impl, RadioCpuGemmLayout layout, size_t M,
    size_t N, size_t K, float alpha, float beta, RadioDType dtype)
{
  size_t lda = K + 3, ldc = N + 5;
  size_t b_rows = layout == RADIO_CPU_GEMM_B_NK ? N : K;
  size_t b_cols = layout == RADIO_CPU_GEMM_B_NK ? K : N;
  size_t ldb = b_cols + 2;
  float *a = g_new (float, M * lda + 1);
  float *b = g_new (float, b_rows * ldb + 1);
  float *c = g_new (float, M * ldc + GUARD);
  float *c_before = g_new (float, M * ldc);
  float *got = g_new (float, M * N);
  float *scratch = g_new (float, radio_cpu_gemm_scratch_floats ());
  double *ref = g_new (double, M * N);
  unsigned char *bbuf;
  const void *bdata;
  RadioTensorView view;
  char what[160];
  size_t m, n, k;
  gboolean gaps_ok = TRUE;

  fill_uniform (a, M * lda + 1, -1.0f, 1.0f);
  fill_uniform (b, b_rows * ldb + 1, -1.0f, 1.0f);
  fill_uniform (c, M * ldc, -1.0f, 1.0f);
  if (beta == 0.0f) {
    /* beta 0 must ignore C entirely, NaN included. */
    for (m = 0; m < M; m++)
      for (n = 0; n < N; n++)
        c[m * ldc + n] = NAN;
  }
  memcpy (c_before, c, M * ldc * sizeof (float));
  bbuf = make_stored (b, b_rows * ldb, dtype, 0, &bdata);
  view.data = bdata;
  view.dtype = dtype;

  for (m = 0; m < M; m++) {
    for (n = 0; n < N; n++) {
      double acc = 0.0;

      for (k = 0; k < K; k++) {
        size_t bi = layout == RADIO_CPU_GEMM_B_NK ? n * ldb + k
            : k * ldb + n;
        acc += (double) a[m * lda + k] * naive_decode (bdata, dtype, bi);
      }
      ref[m * N + n] = alpha * acc
          + (beta == 0.0f ? 0.0 : (double) beta * c_before[m * ldc + n]);
    }
  }

  set_guard (c + M * ldc);
  radio_cpu_gemm (impl, layout, M, N, K, alpha, a, lda, view, ldb, beta, c,
      ldc, scratch);
  for (m = 0; m < M; m++) {
    memcpy (got + m * N, c + m * ldc, N * sizeof (float));
    for (n = N; n < ldc && m * ldc + n < M * ldc; n++)
      if (memcmp (&c[m * ldc + n], &c_before[m * ldc + n], sizeof (float)))
        gaps_ok = FALSE;
  }
  g_snprintf (what, sizeof what, "gemm %s %s %s M=%zu N=%zu K=%zu "
      "alpha=%g beta=%g", gemm_impl_name (impl),
      layout == RADIO_CPU_GEMM_B_NK ? "B[N,K]" : "B[K,N]",
      radio_dtype_name (dtype), M, N, K, (double) alpha, (double) beta);
  check_close (what, got, ref, M * N, 1e-6 * sqrt ((double) K + 1),
      1e-6 * sqrt ((double) K + 1));
  check_guard (what, c + M * ldc);
  if (!gaps_ok) {
    g_printerr ("FAIL %s: wrote between rows of C\n", what);
    g_test_fail ();
  }

  g_free (a);
  g_free (b);
  g_free (c);
  g_free (c_before);
  g_free (got);
  g_free (scratch);
  g_free (ref);
  g_free (bbuf);
}

static void
test_gemm (void)
{
  static const size_t shapes[][3] = {
    { 1, 1, 1 }, { 1, 17, 5 }, { 7, 1, 33 }, { 13, 19, 64 },
    { 33, 300, 257 }, { 50, 64, 520 }, { 3, 600, 16 },
  };
  static const float alphas[] = { 1.0f, 0.37f };
  static const float betas[] = { 0.0f, 1.0f };
  size_t i, s, l, ab;

  rng_seed (29);
  for (i = 0; i < G_N_ELEMENTS (gemm_impls); i++)
    for (s = 0; s < G_N_ELEMENTS (shapes); s++)
      for (l = 0; l < 2; l++)
        for (ab = 0; ab < 4; ab++)
          gemm_case (gemm_impls[i], (RadioCpuGemmLayout) l, shapes[s][0],
              shapes[s][1], shapes[s][2], alphas[ab % 2], betas[ab / 2],
              RADIO_DTYPE_F32);
  /* Stored half-precision B (the plain path widens while packing; the
   * BLAS path hands such a B to the plain kernels). */
  gemm_case (RADIO_CPU_GEMM_BLAS, RADIO_CPU_GEMM_B_NK, 9, 40, 300, 1.0f,
      0.0f, RADIO_DTYPE_BF16);
  gemm_case (RADIO_CPU_GEMM_PLAIN, RADIO_CPU_GEMM_B_KN, 9, 40, 300, 0.5f,
      1.0f, RADIO_DTYPE_F16);
  report_worst ("gemm");
}

static void
test_gelu_fast (void)
{
  const size_t n = 4003;
  float *x = g_new (float, n + GUARD);
  double *ref = g_new (double, n);
  size_t i;

  rng_seed (31);
  fill_uniform (x, n, -8.0f, 8.0f);
  /* A dense sweep of the range where erf changes, then special values. */
  for (i = 0; i < 2000; i++)
    x[i] = -10.0f + 20.0f * (float) i / 2000.0f;
  x[2000] = 0.0f;
  x[2001] = -0.0f;
  x[2002] = 30.0f;
  x[2003] = -30.0f;
  x[2004] = 1e-20f;
  x[2005] = -1e-20f;
  x[2006] = 1e30f;
  x[2007] = -1e30f;
  x[2008] = INFINITY;
  x[2009] = NAN;
  /* erfc (-x / sqrt 2) = 1 + erf (x / sqrt 2) without the cancellation,
   * so the reference is exact on the negative side too. */
  for (i = 0; i < n; i++)
    ref[i] = 0.5 * x[i] * erfc (-x[i] / sqrt (2.0));
  ref[2007] = -0.0;     /* 0.5 * -1e30 * (1 + erf) underflows to -0 */
  ref[2008] = INFINITY;
  set_guard (x + n);
  radio_cpu_gelu_fast (x, n);
  check_close ("gelu_fast", x, ref, n, 1e-9, 1e-6);
  check_guard ("gelu_fast", x + n);
  g_assert_true (isnan (x[2009]));
  /* Odd lengths take the padded tail. */
  for (i = 0; i < 7; i++)
    x[i] = (float) i - 3.0f;
  radio_cpu_gelu_fast (x, 7);
  for (i = 0; i < 7; i++)
    ref[i] = 0.5 * ((double) i - 3.0) * erfc ((3.0 - (double) i)
        / sqrt (2.0));
  check_close ("gelu_fast tail", x, ref, 7, 1e-9, 1e-6);
  g_free (x);
  g_free (ref);
  report_worst ("gelu_fast");
}

static void
test_layernorm_fast (void)
{
  static const size_t dims[] = { 1, 7, 16, 33, 100, 768 };
  const size_t rows = 5;
  size_t di;
  int variant;

  rng_seed (37);
  for (di = 0; di < G_N_ELEMENTS (dims); di++) {
    size_t dim = dims[di], n = rows * dim, i;
    float *x = g_new (float, n), *y = g_new (float, n + GUARD);
    float *gamma = g_new (float, dim), *beta = g_new (float, dim);
    double *ref = g_new (double, n);

    for (variant = 0; variant < 8; variant++) {
      gboolean affine = variant & 1, in_place = variant & 2;
      gboolean gelu = variant & 4;
      const float *g = affine ? gamma : NULL, *b = affine ? beta : NULL;
      float *out = in_place ? x : y;
      char what[96];

      fill_uniform (x, n, -3.0f, 3.0f);
      fill_uniform (gamma, dim, 0.5f, 2.0f);
      fill_uniform (beta, dim, -1.0f, 1.0f);
      if (variant == 2) {
        /* A large common offset, as in test_layernorm. */
        for (i = 0; i < n; i++)
          x[i] = 1000.0f + x[i] * 0.01f;
      }
      naive_layernorm (ref, x, rows, dim, g, b, 1e-6);
      if (gelu)
        for (i = 0; i < n; i++)
          ref[i] = 0.5 * ref[i] * (1.0 + erf (ref[i] / sqrt (2.0)));
      set_guard (y + n);
      radio_cpu_layernorm_fast (out, x, rows, dim, g, b, 1e-6f, gelu);
      g_snprintf (what, sizeof what, "layernorm_fast %zux%zu%s%s%s%s", rows,
          dim, affine ? " gamma/beta" : "", in_place ? " in place" : "",
          gelu ? " gelu" : "", variant == 2 ? " offset 1000" : "");
      check_close (what, out, ref, n, dim == 1 ? 1e-3 : 1e-6, 1e-6);
      check_guard (what, y + n);
    }
    g_free (x);
    g_free (y);
    g_free (gamma);
    g_free (beta);
    g_free (ref);
  }
  report_worst ("layernorm_fast");
}

static void
test_residual_layernorm (void)
{
  const size_t rows = 6, dim = 37, n = rows * dim;
  float x[6 * 37 + GUARD], x0[6 * 37], delta[6 * 37 + GUARD], y[6 * 37 + GUARD];
  float bias[37], scale[37], gamma[37], beta[37];
  double ref_x[6 * 37], ref_y[6 * 37];
  float xf[6 * 37];
  int variant;
  size_t i;

  rng_seed (41);
  for (variant = 0; variant < 16; variant++) {
    gboolean with_scale = variant & 1, with_bias = variant & 2;
    gboolean with_y = variant & 4, alias = variant & 8;
    float *out = alias ? delta : y;
    char what[128];

    fill_uniform (x, n, -2.0f, 2.0f);
    fill_uniform (delta, n, -2.0f, 2.0f);
    fill_uniform (bias, dim, -0.5f, 0.5f);
    fill_uniform (scale, dim, -0.5f, 0.5f);
    fill_uniform (gamma, dim, 0.5f, 2.0f);
    fill_uniform (beta, dim, -1.0f, 1.0f);
    memcpy (x0, x, sizeof x0);
    for (i = 0; i < n; i++) {
      double d = (double) delta[i] + (with_bias ? bias[i % dim] : 0.0f);

      ref_x[i] = (double) x0[i] + (with_scale ? scale[i % dim] : 1.0) * d;
      xf[i] = (float) ref_x[i];
    }
    /* The LayerNorm sees the float32 residual stream. */
    naive_layernorm (ref_y, xf, rows, dim, gamma, beta, 1e-6);
    set_guard (x + n);
    set_guard (out + n);
    radio_cpu_residual_layernorm (x, delta, with_bias ? bias : NULL,
        with_scale ? scale : NULL, rows, dim, with_y ? out : NULL, gamma,
        beta, 1e-6f);
    g_snprintf (what, sizeof what, "residual_layernorm%s%s%s%s",
        with_scale ? " scale" : "", with_bias ? " bias" : "",
        with_y ? " +LN" : "", alias ? " y=delta" : "");
    check_close (what, x, ref_x, n, 1e-6, 1e-6);
    check_guard (what, x + n);
    if (with_y) {
      check_close (what, out, ref_y, n, 1e-6, 1e-6);
      check_guard (what, out + n);
    }
  }
  report_worst ("residual_layernorm");
}

static void
attention_tiled_case (RadioCpuGemmImpl impl, size_t tokens, size_t heads,
    size_t hd, size_t query_tile, size_t key_tile, float amplitude)
{
  size_t stride = 3 * heads * hd, dim = heads * hd;
  float *qkv = g_new (float, tokens * stride);
  float *out = g_new (float, tokens * dim + GUARD);
  size_t scratch_floats, n_tasks, t;
  float *scratch;
  double *ref = g_new (double, tokens * dim);
  char what[128];

  if (query_tile == 0)
    radio_cpu_attention_pick_tiles (tokens, heads, 2, &query_tile,
        &key_tile);
  scratch_floats = radio_cpu_attention_tiled_scratch_floats (query_tile,
      key_tile);
  scratch = g_new (float, scratch_floats + GUARD);
  n_tasks = radio_cpu_attention_tiled_n_tasks (tokens, heads, query_tile);

  fill_uniform (qkv, tokens * stride, -amplitude, amplitude);
  naive_attention (ref, qkv, tokens, heads, hd);
  fill_uniform (out, tokens * dim, 100.0f, 200.0f);
  set_guard (out + tokens * dim);
  set_guard (scratch + scratch_floats);
  /* Tasks in reverse order: they must not depend on each other. */
  for (t = n_tasks; t-- > 0;)
    radio_cpu_attention_tiled_task (impl, out, qkv, tokens, heads, hd,
        query_tile, key_tile, t, scratch);
  g_snprintf (what, sizeof what, "attention_tiled %s tokens=%zu heads=%zu "
      "hd=%zu tiles %zux%zu amplitude %g", gemm_impl_name (impl), tokens,
      heads, hd, query_tile, key_tile, (double) amplitude);
  check_close (what, out, ref, tokens * dim,
      5e-7 * amplitude * (1.0 + amplitude * amplitude), 5e-7);
  check_guard (what, out + tokens * dim);
  check_guard (what, scratch + scratch_floats);

  g_free (qkv);
  g_free (out);
  g_free (scratch);
  g_free (ref);
}

static void
test_attention_tiled (void)
{
  size_t i;

  rng_seed (43);
  for (i = 0; i < G_N_ELEMENTS (gemm_impls); i++) {
    RadioCpuGemmImpl impl = gemm_impls[i];

    attention_tiled_case (impl, 1, 1, 16, 1, 1, 1.0f);
    attention_tiled_case (impl, 7, 5, 16, 3, 4, 1.0f);
    /* Tokens not a multiple of either tile, several key tiles. */
    attention_tiled_case (impl, 33, 3, 13, 5, 7, 1.0f);
    attention_tiled_case (impl, 65, 2, 80, 16, 32, 1.0f);
    attention_tiled_case (impl, 50, 2, 64, 64, 16, 1.0f);
    /* Large logits: the running max moves between key tiles, and without
     * the max subtraction exp would overflow. */
    attention_tiled_case (impl, 41, 2, 16, 8, 6, 8.0f);
    /* The default tiles, with more than one key tile (> 512 tokens). */
    attention_tiled_case (impl, 13, 3, 64, 0, 0, 1.0f);
    attention_tiled_case (impl, 600, 1, 64, 0, 0, 1.0f);
  }
  /* pick_tiles: equal key tiles, all tokens covered. */
  for (i = 1; i < 5000; i += 97) {
    size_t qt, kt;

    radio_cpu_attention_pick_tiles (i, 12, 4, &qt, &kt);
    g_assert_cmpuint (kt, <=, 512 + 15);
    g_assert_cmpuint (kt % 16, ==, 0);
    g_assert_cmpuint (qt, >=, 1);
    g_assert_cmpuint (qt, <=, 128);
    g_assert_cmpuint (radio_cpu_attention_tiled_n_tasks (i, 12, qt) * qt,
        >=, 12 * i);
  }
  report_worst ("attention_tiled");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/kernels/dtype/names", test_dtype_names);
  g_test_add_func ("/kernels/dtype/f16-exhaustive", test_f16_exhaustive);
  g_test_add_func ("/kernels/dtype/bf16-exhaustive", test_bf16_exhaustive);
  g_test_add_func ("/kernels/dtype/known-bits", test_known_bits);
  g_test_add_func ("/kernels/dtype/round-random", test_round_random);
  g_test_add_func ("/kernels/dtype/convert", test_convert);
  g_test_add_func ("/kernels/linear", test_linear);
  g_test_add_func ("/kernels/linear-row-invariance",
      test_linear_row_invariance);
  g_test_add_func ("/kernels/layernorm", test_layernorm);
  g_test_add_func ("/kernels/gelu", test_gelu);
  g_test_add_func ("/kernels/residual", test_residual);
  g_test_add_func ("/kernels/attention", test_attention);
  g_test_add_func ("/kernels/resize", test_resize);
  g_test_add_func ("/kernels/patches", test_patches);
  g_test_add_func ("/kernels/fast/gemm", test_gemm);
  g_test_add_func ("/kernels/fast/gelu", test_gelu_fast);
  g_test_add_func ("/kernels/fast/layernorm", test_layernorm_fast);
  g_test_add_func ("/kernels/fast/residual-layernorm",
      test_residual_layernorm);
  g_test_add_func ("/kernels/fast/attention-tiled", test_attention_tiled);

  return g_test_run ();
}
