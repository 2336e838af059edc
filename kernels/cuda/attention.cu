// attention.cu: unmasked multi-head self attention, flash-attention style.
//
//   qkv[batch, tokens, 3, heads, hd]   the fused qkv Linear's output
//   out[batch, tokens, heads * hd]     heads concatenated
//   out[n, h*hd + d] = sum_m softmax_m(q_n . k_m / sqrt(hd)) v_m[d]
//
// Reference: radio_cpu_attention.  Keys and values are visited tile by tile
// with a running maximum and sum per query (online softmax), so no
// tokens x tokens matrix is ever stored; accumulation is float32.
//
// Two kernels:
// - attention_mma_kernel: fp16 / bf16 on sm_80 and newer with tensor cores
//   (mma.sync m16n8k16), head dims that are multiples of 8 up to 128 (padded
//   with zeros to a multiple of 16 for the q.k products).  A block of four
//   warps owns 64 queries (16 per warp, kept in registers); it walks the
//   keys in tiles of 64, K and V tiles double as a two-stage cp.async
//   pipeline: the next K tile loads while softmax and P.V run, the next V
//   tile while the next q.k runs.  Fragment layouts are those of the PTX ISA
//   for mma.m16n8k16 with .row.col operands (A 16x16 row-major, B 16x8
//   column-major, C/D 16x8 float).
// - attention_generic_kernel: everything else (float32 runs, older GPUs,
//   other head dims), on CUDA cores: a block of four warps owns 16 queries,
//   each lane scores one key of a 32-key tile, and the lanes share the
//   probabilities by shuffles for the P.V sum.
#include "radio-cuda-device.cuh"

#include <stdint.h>

// ---- tensor-core kernel ----
//
// Below sm_80 the kernel compiles to an empty body (the launcher never
// picks it there), so its helpers are marked unused for those passes.

#define MMA_QUERIES 64 // per block, 16 per warp
#define MMA_KEYS 64    // per tile
#define MMA_THREADS 128

// 16-byte global -> shared copy that bypasses the registers; a false
// `valid` writes zeros instead (the rows past the last token, the padding
// columns past hd).
static __device__ __forceinline__ __attribute__ ((unused)) void
cp_async_16 (void *smem, const void *gmem, bool valid)
{
#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 800
  unsigned s = (unsigned) __cvta_generic_to_shared (smem);
  int bytes = valid ? 16 : 0;
  asm volatile ("cp.async.cg.shared.global [%0], [%1], 16, %2;\n"
      :: "r" (s), "l" (gmem), "r" (bytes));
#endif
}

static __device__ __forceinline__ __attribute__ ((unused)) void
cp_async_commit (void)
{
#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 800
  asm volatile ("cp.async.commit_group;\n" ::);
#endif
}

// Waits until at most `pending` committed groups are still in flight.
template <int pending>
static __device__ __forceinline__ void
cp_async_wait (void)
{
#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 800
  asm volatile ("cp.async.wait_group %0;\n" :: "n" (pending));
#endif
}

// Four 8x8 16-bit matrices from shared memory; lanes 8i .. 8i+7 give the
// row addresses of matrix i.  Without .trans lane l receives row l/4,
// columns 2(l%4), 2(l%4)+1 of each; with .trans the transposed elements.
static __device__ __forceinline__ __attribute__ ((unused)) void
ldmatrix_x4 (uint32_t r[4], const void *smem)
{
#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 800
  unsigned s = (unsigned) __cvta_generic_to_shared (smem);
  asm volatile ("ldmatrix.sync.aligned.m8n8.x4.shared.b16 "
      "{%0, %1, %2, %3}, [%4];\n"
      : "=r" (r[0]), "=r" (r[1]), "=r" (r[2]), "=r" (r[3]) : "r" (s));
#endif
}

static __device__ __forceinline__ __attribute__ ((unused)) void
ldmatrix_x4_trans (uint32_t r[4], const void *smem)
{
#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 800
  unsigned s = (unsigned) __cvta_generic_to_shared (smem);
  asm volatile ("ldmatrix.sync.aligned.m8n8.x4.trans.shared.b16 "
      "{%0, %1, %2, %3}, [%4];\n"
      : "=r" (r[0]), "=r" (r[1]), "=r" (r[2]), "=r" (r[3]) : "r" (s));
#endif
}

// d += a . b for one 16x8x16 tile; the element type picks the instruction.
static __device__ __forceinline__ __attribute__ ((unused)) void
mma_16x8x16 (float d[4], const uint32_t a[4], uint32_t b0, uint32_t b1,
    const __half *)
{
#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 800
  asm volatile ("mma.sync.aligned.m16n8k16.row.col.f32.f16.f16.f32 "
      "{%0, %1, %2, %3}, {%4, %5, %6, %7}, {%8, %9}, {%0, %1, %2, %3};\n"
      : "+f" (d[0]), "+f" (d[1]), "+f" (d[2]), "+f" (d[3])
      : "r" (a[0]), "r" (a[1]), "r" (a[2]), "r" (a[3]), "r" (b0),
        "r" (b1));
#endif
}

static __device__ __forceinline__ __attribute__ ((unused)) void
mma_16x8x16 (float d[4], const uint32_t a[4], uint32_t b0, uint32_t b1,
    const __nv_bfloat16 *)
{
#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 800
  asm volatile ("mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32 "
      "{%0, %1, %2, %3}, {%4, %5, %6, %7}, {%8, %9}, {%0, %1, %2, %3};\n"
      : "+f" (d[0]), "+f" (d[1]), "+f" (d[2]), "+f" (d[3])
      : "r" (a[0]), "r" (a[1]), "r" (a[2]), "r" (a[3]), "r" (b0),
        "r" (b1));
#endif
}

// Two floats as one 32-bit register of 16-bit values, `lo` in the low half
// (the element with the smaller column index).
static __device__ __forceinline__ __attribute__ ((unused)) uint32_t
pack2 (float lo, float hi, const __half *)
{
  union {
    __half2 h;
    uint32_t u;
  } v;
  v.h = __floats2half2_rn (lo, hi);
  return v.u;
}

static __device__ __forceinline__ __attribute__ ((unused)) uint32_t
pack2 (float lo, float hi, const __nv_bfloat16 *)
{
  union {
    __nv_bfloat162 h;
    uint32_t u;
  } v;
  v.h = __floats2bfloat162_rn (lo, hi);
  return v.u;
}

// Rows row0 .. row0+63 of one of Q, K, V (columns 0 .. DP-1) into a
// [64][DP + 8] shared tile.  hd is a multiple of 8, so a 16-byte chunk is
// either entirely inside the head or entirely padding.
template <typename T, int DP>
static __device__ __forceinline__ void
load_tile_async (T *tile, const T *src, size_t row_stride, int row0,
    int tokens, int hd)
{
  const int chunks = DP / 8;

  for (int i = threadIdx.x; i < MMA_KEYS * chunks; i += MMA_THREADS) {
    int r = i / chunks, c = (i % chunks) * 8;
    bool valid = row0 + r < tokens && c < hd;
    const T *g = valid ? src + (size_t) (row0 + r) * row_stride + c : src;
    cp_async_16 (tile + r * (DP + 8) + c, g, valid);
  }
}

template <typename T, int DP>
static __global__ void __launch_bounds__ (MMA_THREADS)
attention_mma_kernel (T *out, const T *qkv, int tokens, int heads, int hd,
    float scale_log2)
{
#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 800
  // Rows padded by 16 bytes: the eight row addresses of every ldmatrix and
  // fragment load then fall in distinct banks.
  const int LD = DP + 8;
  __shared__ __align__ (16) T k_tile[MMA_KEYS * (DP + 8)];
  __shared__ __align__ (16) T v_tile[MMA_KEYS * (DP + 8)];
  const T *tag = NULL;
  const int warp = threadIdx.x / 32, lane = threadIdx.x % 32;
  const int g = lane / 4, t = lane % 4; // fragment row group, column pair
  const int q0 = blockIdx.x * MMA_QUERIES;
  const size_t row_stride = (size_t) 3 * heads * hd;
  const T *q_src = qkv + (size_t) blockIdx.z * tokens * row_stride
      + (size_t) blockIdx.y * hd;
  const T *k_src = q_src + (size_t) heads * hd;
  const T *v_src = k_src + (size_t) heads * hd;
  const int n_tiles = (tokens + MMA_KEYS - 1) / MMA_KEYS;
  uint32_t qf[DP / 16][4];
  float o[DP / 8][4];
  float m_lo = -INFINITY, m_hi = -INFINITY; // running max, rows g and g+8
  float l_lo = 0.0f, l_hi = 0.0f;           // this lane's part of the sums

  // Q goes through k_tile into registers: the A fragments of q.k.
  load_tile_async<T, DP> (k_tile, q_src, row_stride, q0, tokens, hd);
  cp_async_commit ();
  cp_async_wait<0> ();
  __syncthreads ();
#pragma unroll
  for (int kc = 0; kc < DP / 16; kc++) {
    const T *q = k_tile + (warp * 16 + g) * LD + kc * 16 + 2 * t;
    qf[kc][0] = *(const uint32_t *) q;
    qf[kc][1] = *(const uint32_t *) (q + 8 * LD);
    qf[kc][2] = *(const uint32_t *) (q + 8);
    qf[kc][3] = *(const uint32_t *) (q + 8 * LD + 8);
  }
#pragma unroll
  for (int nd = 0; nd < DP / 8; nd++)
    o[nd][0] = o[nd][1] = o[nd][2] = o[nd][3] = 0.0f;
  __syncthreads ();

  load_tile_async<T, DP> (k_tile, k_src, row_stride, 0, tokens, hd);
  cp_async_commit ();
  load_tile_async<T, DP> (v_tile, v_src, row_stride, 0, tokens, hd);
  cp_async_commit ();

  for (int j = 0; j < n_tiles; j++) {
    const int key0 = j * MMA_KEYS;
    const bool more = j + 1 < n_tiles;
    float s[MMA_KEYS / 8][4];
    float mx_lo, mx_hi, alpha_lo, alpha_hi, sum_lo = 0.0f, sum_hi = 0.0f;

    // S = Q K^T for 16 queries x 64 keys per warp.
    cp_async_wait<1> (); // K_j is in; V_j may still be in flight
    __syncthreads ();
#pragma unroll
    for (int nt = 0; nt < MMA_KEYS / 8; nt++)
      s[nt][0] = s[nt][1] = s[nt][2] = s[nt][3] = 0.0f;
#pragma unroll
    for (int kc = 0; kc < DP / 16; kc++) {
#pragma unroll
      for (int nt = 0; nt < MMA_KEYS / 8; nt += 2) {
        // Matrices: keys nt*8.. x dims kc*16.., keys nt*8.. x dims +8,
        // keys nt*8+8.. x dims kc*16.., keys nt*8+8.. x dims +8, i.e. the
        // B fragments (b0, b1) of key tiles nt and nt+1.
        uint32_t b[4];
        ldmatrix_x4 (b, k_tile + (nt * 8 + (lane & 7) + ((lane >> 4) << 3))
            * LD + kc * 16 + ((lane >> 3) & 1) * 8);
        mma_16x8x16 (s[nt], qf[kc], b[0], b[1], tag);
        mma_16x8x16 (s[nt + 1], qf[kc], b[2], b[3], tag);
      }
    }
    __syncthreads (); // every warp is done with k_tile
    if (more) {
      load_tile_async<T, DP> (k_tile, k_src, row_stride, key0 + MMA_KEYS,
          tokens, hd);
      cp_async_commit ();
    }

    // Online softmax in base 2: scores scaled by log2(e) / sqrt(hd), keys
    // past the end masked out.  Each row's 64 scores are spread over the
    // four lanes of a quad.
    mx_lo = m_lo;
    mx_hi = m_hi;
#pragma unroll
    for (int nt = 0; nt < MMA_KEYS / 8; nt++) {
#pragma unroll
      for (int e = 0; e < 4; e++) {
        int key = key0 + nt * 8 + 2 * t + (e & 1);
        float v = key < tokens ? s[nt][e] * scale_log2 : -INFINITY;
        s[nt][e] = v;
        if (e < 2)
          mx_lo = fmaxf (mx_lo, v);
        else
          mx_hi = fmaxf (mx_hi, v);
      }
    }
    mx_lo = fmaxf (mx_lo, __shfl_xor_sync (0xffffffffu, mx_lo, 1));
    mx_lo = fmaxf (mx_lo, __shfl_xor_sync (0xffffffffu, mx_lo, 2));
    mx_hi = fmaxf (mx_hi, __shfl_xor_sync (0xffffffffu, mx_hi, 1));
    mx_hi = fmaxf (mx_hi, __shfl_xor_sync (0xffffffffu, mx_hi, 2));
    // key0 < tokens, so both maxima are finite; the first tile's alphas
    // are exp2(-inf) = 0.
    alpha_lo = exp2f (m_lo - mx_lo);
    alpha_hi = exp2f (m_hi - mx_hi);
    m_lo = mx_lo;
    m_hi = mx_hi;
#pragma unroll
    for (int nt = 0; nt < MMA_KEYS / 8; nt++) {
      s[nt][0] = exp2f (s[nt][0] - m_lo);
      s[nt][1] = exp2f (s[nt][1] - m_lo);
      s[nt][2] = exp2f (s[nt][2] - m_hi);
      s[nt][3] = exp2f (s[nt][3] - m_hi);
      sum_lo += s[nt][0] + s[nt][1];
      sum_hi += s[nt][2] + s[nt][3];
    }
    l_lo = l_lo * alpha_lo + sum_lo;
    l_hi = l_hi * alpha_hi + sum_hi;
#pragma unroll
    for (int nd = 0; nd < DP / 8; nd++) {
      o[nd][0] *= alpha_lo;
      o[nd][1] *= alpha_lo;
      o[nd][2] *= alpha_hi;
      o[nd][3] *= alpha_hi;
    }

    // O += P V.  The accumulators of key tiles 2kk and 2kk+1 are exactly
    // the A fragment of keys kk*16 .. kk*16+15.
    if (more)
      cp_async_wait<1> (); // V_j is in; K_{j+1} may still be in flight
    else
      cp_async_wait<0> ();
    __syncthreads ();
#pragma unroll
    for (int kk = 0; kk < MMA_KEYS / 16; kk++) {
      uint32_t a[4];
      a[0] = pack2 (s[2 * kk][0], s[2 * kk][1], tag);
      a[1] = pack2 (s[2 * kk][2], s[2 * kk][3], tag);
      a[2] = pack2 (s[2 * kk + 1][0], s[2 * kk + 1][1], tag);
      a[3] = pack2 (s[2 * kk + 1][2], s[2 * kk + 1][3], tag);
#pragma unroll
      for (int nd = 0; nd < DP / 8; nd += 2) {
        // Transposed: keys kk*16.. x dims nd*8.., keys +8 x dims nd*8..,
        // keys kk*16.. x dims (nd+1)*8.., keys +8 x dims (nd+1)*8..: the
        // B fragments of dim tiles nd and nd+1.
        uint32_t b[4];
        ldmatrix_x4_trans (b, v_tile + (kk * 16 + (lane & 15)) * LD
            + (nd + (lane >> 4)) * 8);
        mma_16x8x16 (o[nd], a, b[0], b[1], tag);
        mma_16x8x16 (o[nd + 1], a, b[2], b[3], tag);
      }
    }
    __syncthreads (); // every warp is done with v_tile
    if (more) {
      load_tile_async<T, DP> (v_tile, v_src, row_stride, key0 + MMA_KEYS,
          tokens, hd);
      cp_async_commit ();
    }
  }

  {
    const int row_lo = q0 + warp * 16 + g, row_hi = row_lo + 8;
    const size_t out_stride = (size_t) heads * hd;
    T *dst = out + (size_t) blockIdx.z * tokens * out_stride
        + (size_t) blockIdx.y * hd;
    float inv_lo, inv_hi;

    l_lo += __shfl_xor_sync (0xffffffffu, l_lo, 1);
    l_lo += __shfl_xor_sync (0xffffffffu, l_lo, 2);
    l_hi += __shfl_xor_sync (0xffffffffu, l_hi, 1);
    l_hi += __shfl_xor_sync (0xffffffffu, l_hi, 2);
    inv_lo = 1.0f / l_lo;
    inv_hi = 1.0f / l_hi;
#pragma unroll
    for (int nd = 0; nd < DP / 8; nd++) {
      int d = nd * 8 + 2 * t;
      if (d >= hd)
        continue;
      if (row_lo < tokens)
        *(uint32_t *) (dst + (size_t) row_lo * out_stride + d) =
            pack2 (o[nd][0] * inv_lo, o[nd][1] * inv_lo, tag);
      if (row_hi < tokens)
        *(uint32_t *) (dst + (size_t) row_hi * out_stride + d) =
            pack2 (o[nd][2] * inv_hi, o[nd][3] * inv_hi, tag);
    }
  }
#endif
}

// ---- CUDA-core kernel ----

#define GEN_WARPS 4
#define GEN_QUERIES_PER_WARP 4
#define GEN_QUERIES (GEN_WARPS * GEN_QUERIES_PER_WARP)
#define GEN_KEYS 32
#define GEN_DIMS_PER_LANE (RADIO_CUDA_ATTENTION_MAX_HEAD_DIM / 32)

// Shared floats: K tile [32][hd + 1] (odd stride: lane m reads key m's row
// without bank conflicts), V tile [32][hd], queries [16][hd].
static size_t
generic_shared_bytes (size_t hd)
{
  return (GEN_KEYS * (hd + 1) + GEN_KEYS * hd + GEN_QUERIES * hd)
      * sizeof (float);
}

template <typename T>
static __global__ void __launch_bounds__ (GEN_WARPS * 32)
attention_generic_kernel (T *out, const T *qkv, int tokens, int heads,
    int hd, float scale)
{
  extern __shared__ float shared[];
  float *k_tile = shared;
  float *v_tile = k_tile + GEN_KEYS * (hd + 1);
  float *q_rows = v_tile + GEN_KEYS * hd;
  const int warp = threadIdx.x / 32, lane = threadIdx.x % 32;
  const int q0 = blockIdx.x * GEN_QUERIES;
  const size_t row_stride = (size_t) 3 * heads * hd;
  const T *q_src = qkv + (size_t) blockIdx.z * tokens * row_stride
      + (size_t) blockIdx.y * hd;
  const T *k_src = q_src + (size_t) heads * hd;
  const T *v_src = k_src + (size_t) heads * hd;
  float o[GEN_QUERIES_PER_WARP][GEN_DIMS_PER_LANE];
  float m[GEN_QUERIES_PER_WARP], l[GEN_QUERIES_PER_WARP];

  for (int i = threadIdx.x; i < GEN_QUERIES * hd; i += blockDim.x) {
    int r = i / hd, c = i % hd;
    q_rows[i] = q0 + r < tokens
        ? to_float (q_src[(size_t) (q0 + r) * row_stride + c]) : 0.0f;
  }
#pragma unroll
  for (int qi = 0; qi < GEN_QUERIES_PER_WARP; qi++) {
    m[qi] = -INFINITY;
    l[qi] = 0.0f;
#pragma unroll
    for (int e = 0; e < GEN_DIMS_PER_LANE; e++)
      o[qi][e] = 0.0f;
  }

  for (int key0 = 0; key0 < tokens; key0 += GEN_KEYS) {
    const int key = key0 + lane;
    const bool valid = key < tokens;

    __syncthreads (); // the previous tile is consumed (and Q is stored)
    for (int i = threadIdx.x; i < GEN_KEYS * hd; i += blockDim.x) {
      int r = i / hd, c = i % hd;
      bool in = key0 + r < tokens;
      size_t at = (size_t) (key0 + r) * row_stride + c;
      k_tile[r * (hd + 1) + c] = in ? to_float (k_src[at]) : 0.0f;
      v_tile[r * hd + c] = in ? to_float (v_src[at]) : 0.0f;
    }
    __syncthreads ();

#pragma unroll
    for (int qi = 0; qi < GEN_QUERIES_PER_WARP; qi++) {
      const float *q = q_rows + (warp * GEN_QUERIES_PER_WARP + qi) * hd;
      const float *k = k_tile + lane * (hd + 1);
      float s = 0.0f, mx, alpha, p;

      for (int d = 0; d < hd; d++)
        s += q[d] * k[d];
      s = valid ? s * scale : -INFINITY;
      mx = fmaxf (m[qi], warp_max (s));
      alpha = expf (m[qi] - mx);
      p = valid ? expf (s - mx) : 0.0f;
      l[qi] = l[qi] * alpha + warp_sum (p);
      m[qi] = mx;
#pragma unroll
      for (int e = 0; e < GEN_DIMS_PER_LANE; e++)
        o[qi][e] *= alpha;
      for (int kk = 0; kk < GEN_KEYS; kk++) {
        float pk = __shfl_sync (0xffffffffu, p, kk);
#pragma unroll
        for (int e = 0; e < GEN_DIMS_PER_LANE; e++) {
          int d = lane + 32 * e;
          if (d < hd)
            o[qi][e] += pk * v_tile[kk * hd + d];
        }
      }
    }
  }

  {
    const size_t out_stride = (size_t) heads * hd;
    T *dst = out + (size_t) blockIdx.z * tokens * out_stride
        + (size_t) blockIdx.y * hd;

#pragma unroll
    for (int qi = 0; qi < GEN_QUERIES_PER_WARP; qi++) {
      int n = q0 + warp * GEN_QUERIES_PER_WARP + qi;
      if (n >= tokens)
        continue;
#pragma unroll
      for (int e = 0; e < GEN_DIMS_PER_LANE; e++) {
        int d = lane + 32 * e;
        if (d < hd)
          store_float (dst + (size_t) n * out_stride + d, o[qi][e] / l[qi]);
      }
    }
  }
}

// ---- launcher ----

#define MMA_CASE(T, dp) \
  case dp: \
    attention_mma_kernel<T, dp><<<grid, MMA_THREADS, 0, stream>>> ( \
        (T *) out, (const T *) qkv, (int) tokens, (int) heads, \
        (int) head_dim, scale_log2); \
    break

#define MMA_SWITCH(T) \
  switch (dp) { \
    MMA_CASE (T, 16); \
    MMA_CASE (T, 32); \
    MMA_CASE (T, 48); \
    MMA_CASE (T, 64); \
    MMA_CASE (T, 80); \
    MMA_CASE (T, 96); \
    MMA_CASE (T, 112); \
    MMA_CASE (T, 128); \
    default: \
      return cudaErrorInvalidValue; \
  }

// The mma kernel has a body only where it was compiled for sm_80 or newer:
// a device of compute capability >= 8.0 running PTX of an older virtual
// architecture (a build whose cuda-arch stops below 80) would get the empty
// one and silently write nothing.  So ask what this device will run.
static bool
mma_kernel_compiled (void)
{
  cudaFuncAttributes attributes;

  if (cudaFuncGetAttributes (&attributes,
          attention_mma_kernel<__half, 64>) != cudaSuccess) {
    (void) cudaGetLastError ();
    return false;
  }
  return attributes.ptxVersion >= 80;
}

extern "C" cudaError_t
radio_cuda_attention (void *out, const void *qkv, RadioCudaDType dtype,
    unsigned batch, size_t tokens, size_t heads, size_t head_dim,
    int tensor_cores, cudaStream_t stream)
{
  // As radio_cpu_attention: 1 / sqrtf (hd) in float.
  float scale = 1.0f / sqrtf ((float) head_dim);

  if (batch == 0 || tokens == 0 || heads == 0)
    return cudaSuccess;
  if (head_dim == 0 || head_dim > RADIO_CUDA_ATTENTION_MAX_HEAD_DIM
      || batch > 65535 || heads > 65535 || tokens > (1u << 30)
      || (size_t) 3 * heads * head_dim * tokens > ((size_t) 1 << 40))
    return cudaErrorInvalidValue;

  if (tensor_cores && dtype != RADIO_CUDA_F32 && head_dim % 8 == 0
      && mma_kernel_compiled ()) {
    dim3 grid ((unsigned) ((tokens + MMA_QUERIES - 1) / MMA_QUERIES),
        (unsigned) heads, batch);
    int dp = (int) (head_dim + 15) / 16 * 16;
    float scale_log2 = scale * 1.4426950408889634f;

    if (dtype == RADIO_CUDA_F16) {
      MMA_SWITCH (__half);
    } else {
      MMA_SWITCH (__nv_bfloat16);
    }
  } else {
    dim3 grid ((unsigned) ((tokens + GEN_QUERIES - 1) / GEN_QUERIES),
        (unsigned) heads, batch);
    size_t shared = generic_shared_bytes (head_dim);

    RADIO_CUDA_DISPATCH (dtype, T,
        attention_generic_kernel<T><<<grid, GEN_WARPS * 32, shared,
            stream>>> ((T *) out, (const T *) qkv, (int) tokens,
            (int) heads, (int) head_dim, scale));
  }
  return cudaGetLastError ();
}
