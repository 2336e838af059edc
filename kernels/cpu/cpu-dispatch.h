/* cpu-dispatch.h: whether the kernels compile several ISA variants of their
 * hot loops and pick one from the CPU's features at run time (x86-64 with
 * GCC or clang).  RADIO_CPU_FORCE_GENERIC turns this off, to test the
 * portable path on any machine.  Private to kernels/cpu. */
#ifndef RADIO_CPU_DISPATCH_H
#define RADIO_CPU_DISPATCH_H

#if defined(__x86_64__) && defined(__GNUC__) \
    && !defined(RADIO_CPU_FORCE_GENERIC)
#define RADIO_X86_DISPATCH 1
#else
#define RADIO_X86_DISPATCH 0
#endif

#endif /* RADIO_CPU_DISPATCH_H */
