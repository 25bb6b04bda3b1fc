// Shared by this package's WebAssembly SIMD kernels (wasm-simd/kernels.c for inference,
// wasm-training/training-kernels.c for training): fused multiply-add where the build has relaxed
// SIMD, the GEMM micro-kernel and the Winograd F(4x4, 3x3) transforms. Freestanding C, no libc.
#ifndef HSRKIT_SIMD_H
#define HSRKIT_SIMD_H
#include <stdint.h>
#include <wasm_simd128.h>

#define EXPORT(name) __attribute__((export_name(#name)))

#ifdef RELAXED
static inline v128_t madd(v128_t a, v128_t b, v128_t c) {
  return (v128_t)__builtin_wasm_relaxed_madd_f32x4((__f32x4)a, (__f32x4)b, (__f32x4)c);
}
#else
static inline v128_t madd(v128_t a, v128_t b, v128_t c) {
  return wasm_f32x4_add(wasm_f32x4_mul(a, b), c);
}
#endif

// clang may lower loops to these; there is no libc to provide them.
void *memset(void *d, int v, unsigned long n) {
  unsigned char *p = d;
  while (n--) *p++ = (unsigned char)v;
  return d;
}
void *memcpy(void *d, const void *s, unsigned long n) {
  unsigned char *p = d;
  const unsigned char *q = s;
  while (n--) *p++ = *q++;
  return d;
}

// Output channels go in panels of 8 (two v128 accumulators per row of the micro-kernel).
#define NR 8

// M[t][0..8) = sum_c A[t*lda + c] * Up[c][0..8) for t < rows: rows of A (tiles or pixels) against
// one packed panel, MR rows at a time: 2*MR accumulators, 2 panel vectors and 1 broadcast must fit
// the vector registers V8 leaves free on x86-64 (MR 3..6 measured; 4 was fastest).
#ifndef MR
#define MR 4
#endif
static inline void gemm_panel_core(const float *A, int lda, int rows, const float *Up, int K,
                                   float *M, int ldm, int add) {
  int t = 0;
  for (; t + MR <= rows; t += MR) {
    const float *a0 = A + t * lda;
    float *m = M + t * ldm;
    v128_t c[MR][2];
#pragma clang loop unroll(full)
    for (int r = 0; r < MR; r++) {
      c[r][0] = add ? wasm_v128_load(m + r * ldm) : wasm_f32x4_splat(0);
      c[r][1] = add ? wasm_v128_load(m + r * ldm + 4) : wasm_f32x4_splat(0);
    }
    const float *b = Up;
// Not unrolled: unrolling ran slower under V8 (measured 1, 2, 4, 8).
#pragma clang loop unroll(disable)
    for (int k = 0; k < K; k++, b += NR) {
      v128_t b0 = wasm_v128_load(b), b1 = wasm_v128_load(b + 4);
#pragma clang loop unroll(full)
      for (int r = 0; r < MR; r++) {
        v128_t x = wasm_v128_load32_splat(a0 + r * lda + k);
        c[r][0] = madd(x, b0, c[r][0]);
        c[r][1] = madd(x, b1, c[r][1]);
      }
    }
#pragma clang loop unroll(full)
    for (int r = 0; r < MR; r++) {
      wasm_v128_store(m + r * ldm, c[r][0]);
      wasm_v128_store(m + r * ldm + 4, c[r][1]);
    }
  }
  for (; t < rows; t++) {
    const float *a0 = A + t * lda;
    v128_t c00 = add ? wasm_v128_load(M + t * ldm) : wasm_f32x4_splat(0);
    v128_t c01 = add ? wasm_v128_load(M + t * ldm + 4) : wasm_f32x4_splat(0);
    const float *b = Up;
    for (int k = 0; k < K; k++, b += NR) {
      v128_t x = wasm_v128_load32_splat(a0 + k);
      c00 = madd(x, wasm_v128_load(b), c00);
      c01 = madd(x, wasm_v128_load(b + 4), c01);
    }
    wasm_v128_store(M + t * ldm, c00);
    wasm_v128_store(M + t * ldm + 4, c01);
  }
}

static void gemm_panel(const float *A, int lda, int rows, const float *Up, int K, float *M,
                       int ldm) {
  gemm_panel_core(A, lda, rows, Up, K, M, ldm, 0);
}

// Like gemm_panel, but adds onto M instead of overwriting it.
static inline void gemm_panel_add(const float *A, int lda, int rows, const float *Up, int K, float *M,
                           int ldm) {
  gemm_panel_core(A, lda, rows, Up, K, M, ldm, 1);
}

// B^T applied to six vectors (one column or row of a 6x6 input tile).
static inline void bt6(const v128_t *d, v128_t *r) {
  v128_t four = wasm_f32x4_splat(4), five = wasm_f32x4_splat(5), two = wasm_f32x4_splat(2);
  v128_t d2x4 = wasm_f32x4_mul(four, d[2]);
  v128_t s34 = wasm_f32x4_sub(d[4], d2x4);         // d4 - 4 d2
  v128_t t12 = wasm_f32x4_sub(d[3], wasm_f32x4_mul(four, d[1])); // d3 - 4 d1
  v128_t s3 = wasm_f32x4_sub(d[4], d[2]);          // d4 - d2
  v128_t t3 = wasm_f32x4_mul(two, wasm_f32x4_sub(d[3], d[1])); // 2 (d3 - d1)
  r[0] = wasm_f32x4_add(wasm_f32x4_sub(wasm_f32x4_mul(four, d[0]), wasm_f32x4_mul(five, d[2])), d[4]);
  r[1] = wasm_f32x4_add(s34, t12);
  r[2] = wasm_f32x4_sub(s34, t12);
  r[3] = wasm_f32x4_add(s3, t3);
  r[4] = wasm_f32x4_sub(s3, t3);
  r[5] = wasm_f32x4_add(wasm_f32x4_sub(wasm_f32x4_mul(four, d[1]), wasm_f32x4_mul(five, d[3])), d[5]);
}

// Four lanes of `row` from column c (zeros past n).
static inline v128_t load_part(const float *row, int c, int n) {
  if (c + 4 <= n) return wasm_v128_load(row + c);
  float v[4] = {0, 0, 0, 0};
  for (int l = 0; c + l < n; l++) v[l] = row[c + l];
  return wasm_v128_load(v);
}

// V[a * 6 + b] = (B^T d B)[a][b] for the 6x6 tile d of 4 channels from c at rows y0.., columns
// x0.. of the image F [h][w][cin] (zeros outside it: 'same' padding, and past cin): the Winograd
// F(4x4, 3x3) input transform, down the columns and then along the rows.
static inline void bt_input_tile(const float *F, int h, int w, int cin, int y0, int x0, int c,
                                 v128_t V[36]) {
  v128_t d[6][6], r[6][6], col[6], out[6];
  for (int i = 0; i < 6; i++)
    for (int j = 0; j < 6; j++) {
      int y = y0 + i, x = x0 + j;
      d[i][j] = (y < 0 || y >= h || x < 0 || x >= w) ? wasm_f32x4_splat(0)
                                                     : load_part(F + (y * w + x) * cin, c, cin);
    }
  // Down the columns: r[a][j] = sum_i BT[a][i] d[i][j].
  for (int j = 0; j < 6; j++) {
    for (int i = 0; i < 6; i++) col[i] = d[i][j];
    bt6(col, out);
    for (int a = 0; a < 6; a++) r[a][j] = out[a];
  }
  // Along the rows: V[a][b] = sum_j r[a][j] BT[b][j].
  for (int a = 0; a < 6; a++) bt6(r[a], V + a * 6);
}

// The taps [*lo, *hi) of a k-tap filter at dilation d, reaching pb before position p, that read
// inside 0..n-1 ('same' padding: the taps outside read zeros and are skipped).
static inline void taps_inside(int p, int k, int d, int pb, int n, int *lo, int *hi) {
  int before = pb - p, last = n - 1 - p + pb;
  *lo = before > 0 ? (before + d - 1) / d : 0;
  *hi = last < 0 ? 0 : last / d + 1;
  if (*hi > k) *hi = k;
  if (*lo > *hi) *lo = *hi;
}

// A^T applied to six vectors, giving four.
static inline void at6(const v128_t *m, v128_t *y) {
  v128_t s12 = wasm_f32x4_add(m[1], m[2]), d12 = wasm_f32x4_sub(m[1], m[2]);
  v128_t s34 = wasm_f32x4_add(m[3], m[4]), d34 = wasm_f32x4_sub(m[3], m[4]);
  y[0] = wasm_f32x4_add(wasm_f32x4_add(m[0], s12), s34);
  y[1] = madd(wasm_f32x4_splat(2), d34, d12);
  y[2] = madd(wasm_f32x4_splat(4), s34, s12);
  y[3] = wasm_f32x4_add(madd(wasm_f32x4_splat(8), d34, d12), m[5]);
}

#endif
