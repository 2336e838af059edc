/* cpu-dispatch.h: whether the kernels compile several ISA variants of their
 * hot loops and pick one from the CPU's features at run time (x86-64 with
 * GCC or clang).  RADIO_CPU_FORCE_GENERIC turns this off, to test the
 * portable path on any machine, and RADIO_CPU_NO_AVX512 stops at AVX2.
 * Private to kernels/cpu. */
#ifndef RADIO_CPU_DISPATCH_H
#define RADIO_CPU_DISPATCH_H

#if defined(__x86_64__) && defined(__GNUC__) \
    && !defined(RADIO_CPU_FORCE_GENERIC)
#define RADIO_X86_DISPATCH 1
#else
#define RADIO_X86_DISPATCH 0
#endif

#if RADIO_X86_DISPATCH && !defined(RADIO_CPU_NO_AVX512)
#define RADIO_X86_AVX512 1
#else
#define RADIO_X86_AVX512 0
#endif

typedef enum {
  RADIO_CPU_ISA_GENERIC = 0,
  RADIO_CPU_ISA_AVX2,           /* AVX2 + FMA */
  RADIO_CPU_ISA_AVX512,         /* AVX-512F */
} RadioCpuIsa;

/* The best variant this build has and this CPU runs.  Cheap: it only reads
 * libgcc's cached CPUID. */
static inline RadioCpuIsa
radio_cpu_isa (void)
{
#if RADIO_X86_DISPATCH
  __builtin_cpu_init ();
#if RADIO_X86_AVX512
  if (__builtin_cpu_supports ("avx512f"))
    return RADIO_CPU_ISA_AVX512;
#endif
  if (__builtin_cpu_supports ("avx2") && __builtin_cpu_supports ("fma"))
    return RADIO_CPU_ISA_AVX2;
#endif
  return RADIO_CPU_ISA_GENERIC;
}

#define RADIO_TARGET_AVX2 __attribute__ ((target ("avx2,fma")))
#define RADIO_TARGET_AVX512 __attribute__ ((target ("avx512f")))

#endif /* RADIO_CPU_DISPATCH_H */
