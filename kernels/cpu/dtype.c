/* dtype.c: element types of safetensors checkpoints and conversions of
 * F16 / BF16 / F32 arrays (little-endian, any alignment) to float32.
 *
 * The half-precision conversions are done on the bit patterns so that they
 * behave identically on every host, whatever the compiler thinks of
 * _Float16, and so that subnormals, infinities and NaNs are exact.
 * Stored elements are read with memcpy (the data may be unaligned), which
 * assumes a little-endian host like the checkpoint format itself.
 */
#include "radio-cpu.h"

#include <string.h>

static const struct
{
  const char *name;
  size_t size;
} dtype_info[RADIO_DTYPE_COUNT] = {
  [RADIO_DTYPE_F32] = { "F32", 4 },
  [RADIO_DTYPE_F16] = { "F16", 2 },
  [RADIO_DTYPE_BF16] = { "BF16", 2 },
  [RADIO_DTYPE_F64] = { "F64", 8 },
  [RADIO_DTYPE_I64] = { "I64", 8 },
  [RADIO_DTYPE_I32] = { "I32", 4 },
  [RADIO_DTYPE_I16] = { "I16", 2 },
  [RADIO_DTYPE_I8] = { "I8", 1 },
  [RADIO_DTYPE_U8] = { "U8", 1 },
  [RADIO_DTYPE_BOOL] = { "BOOL", 1 },
};

size_t
radio_dtype_size (RadioDType dtype)
{
  /* The enum may be signed or unsigned depending on the compiler, so
   * compare through an int to catch both ends. */
  if ((int) dtype < 0 || (int) dtype >= RADIO_DTYPE_COUNT)
    return 0;
  return dtype_info[dtype].size;
}

const char *
radio_dtype_name (RadioDType dtype)
{
  if ((int) dtype < 0 || (int) dtype >= RADIO_DTYPE_COUNT)
    return NULL;
  return dtype_info[dtype].name;
}

int
radio_dtype_from_name (const char *name, RadioDType *out)
{
  int i;

  if (name == NULL)
    return -1;
  for (i = 0; i < RADIO_DTYPE_COUNT; i++) {
    if (strcmp (name, dtype_info[i].name) == 0) {
      if (out != NULL)
        *out = (RadioDType) i;
      return 0;
    }
  }
  return -1;
}

static inline float
bits_to_f32 (uint32_t u)
{
  float f;

  memcpy (&f, &u, sizeof f);
  return f;
}

static inline uint32_t
f32_to_bits (float f)
{
  uint32_t u;

  memcpy (&u, &f, sizeof u);
  return u;
}

float
radio_f16_to_f32 (uint16_t h)
{
  uint32_t sign = (uint32_t) (h & 0x8000) << 16;
  uint32_t exp = (h >> 10) & 0x1f;
  uint32_t mant = h & 0x3ff;

  if (exp == 0x1f)
    return bits_to_f32 (sign | 0x7f800000u | (mant << 13));
  if (exp != 0)
    return bits_to_f32 (sign | ((exp + 112) << 23) | (mant << 13));
  if (mant == 0)
    return bits_to_f32 (sign);

  /* Subnormal half: every one of them is a normal float, so shift the
   * leading one up to the implicit-bit position.  Biased exponent 113 is
   * 2^-14, the scale of the half subnormal range. */
  exp = 113;
  while ((mant & 0x400) == 0) {
    mant <<= 1;
    exp--;
  }
  return bits_to_f32 (sign | (exp << 23) | ((mant & 0x3ff) << 13));
}

float
radio_bf16_to_f32 (uint16_t b)
{
  return bits_to_f32 ((uint32_t) b << 16);
}

uint16_t
radio_f32_to_f16 (float f)
{
  uint32_t x = f32_to_bits (f);
  uint16_t sign = (uint16_t) ((x >> 16) & 0x8000);
  uint32_t ax = x & 0x7fffffffu;
  uint32_t v, rem;

  if (ax > 0x7f800000u) {
    /* Keep the top payload bits and force the quiet bit, which also
     * guarantees the result is not mistaken for an infinity. */
    return sign | 0x7e00 | ((ax >> 13) & 0x1ff);
  }
  /* 65520 is halfway between 65504 (odd mantissa) and 65536, so it and
   * everything above rounds to infinity. */
  if (ax >= 0x477ff000u)
    return sign | 0x7c00;

  if (ax >= 0x38800000u) {
    /* Normal half: rebias the exponent, then round the 13 dropped bits.
     * A carry out of the mantissa correctly bumps the exponent. */
    v = ax - ((uint32_t) (127 - 15) << 23);
    rem = v & 0x1fff;
    v >>= 13;
    if (rem > 0x1000 || (rem == 0x1000 && (v & 1)))
      v++;
    return sign | (uint16_t) v;
  } else {
    /* Subnormal half (units of 2^-24).  The float is m * 2^(e - 150) with
     * the implicit bit restored, so the count of units is m >> (126 - e). */
    uint32_t e = ax >> 23;
    uint32_t m = (ax & 0x7fffff) | 0x800000;
    uint32_t shift, half;

    /* Below 2^-25 (e < 102) it is less than half a unit: zero.  Exactly
     * 2^-25 is a tie that goes to the even value zero, which the general
     * path below gets right as well. */
    if (e < 102)
      return sign;
    shift = 126 - e;
    half = 1u << (shift - 1);
    rem = m & ((1u << shift) - 1);
    v = m >> shift;
    if (rem > half || (rem == half && (v & 1)))
      v++;
    /* v == 0x400 here is the smallest normal, which is its own encoding. */
    return sign | (uint16_t) v;
  }
}

uint16_t
radio_f32_to_bf16 (float f)
{
  uint32_t x = f32_to_bits (f);

  if ((x & 0x7fffffffu) > 0x7f800000u)
    return (uint16_t) ((x >> 16) | 0x40);
  /* Round to nearest even on the 16 dropped bits; overflow carries into
   * the exponent and ends as infinity, as it should. */
  x += 0x7fffu + ((x >> 16) & 1);
  return (uint16_t) (x >> 16);
}

void
radio_cpu_convert_to_f32 (float *dst, RadioTensorView src, size_t n)
{
  const unsigned char *p = src.data;
  size_t i;
  uint16_t h;

  switch (src.dtype) {
    case RADIO_DTYPE_F32:
      memcpy (dst, p, n * sizeof (float));
      break;
    case RADIO_DTYPE_F16:
      for (i = 0; i < n; i++) {
        memcpy (&h, p + 2 * i, 2);
        dst[i] = radio_f16_to_f32 (h);
      }
      break;
    case RADIO_DTYPE_BF16:
      /* radio_bf16_to_f32 spelled out so that the loop vectorises: a
       * bf16 is the top half of a float. */
      for (i = 0; i < n; i++) {
        uint32_t u;

        memcpy (&h, p + 2 * i, 2);
        u = (uint32_t) h << 16;
        memcpy (dst + i, &u, 4);
      }
      break;
    default:
      /* Not a floating type this API accepts; NaN makes the misuse
       * visible downstream rather than leaving garbage. */
      for (i = 0; i < n; i++)
        dst[i] = bits_to_f32 (0x7fc00000u);
      break;
  }
}

void
radio_cpu_u8_to_unit_f32 (float *dst, const uint8_t *src, size_t n)
{
  size_t i;

  for (i = 0; i < n; i++)
    dst[i] = (float) src[i] / 255.0f;
}
