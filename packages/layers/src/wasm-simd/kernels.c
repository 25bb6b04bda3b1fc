// @hsrkit/layers' own WebAssembly SIMD kernels (freestanding C: no libc; the TypeScript hosts
// own every buffer in linear memory):
// - the tail of a sub-pixel SR net, out = PixelShuffle(conv(F) + bias) (+ what `out` already
//   holds, e.g. a bicubic skip), conv a 3x3 'same' convolution by Winograd F(4x4, 3x3) or a 1x1
//   one, grouped or not, each result scattered straight to its high-resolution sample through a
//   channel offset table (any shuffle order) instead of materialising the [h, w, B*s*s] tensor,
//   transposing it and adding the skip in three more passes (subpixel-tail.ts), and the same
//   convs for TF.js's wasm backend (simd-kernels.ts);
// - MATLAB-style separable resizing from tap tables (the bicubic skip);
// - LKCA-Net's Large Kernel Block in one call (lkb-kernel.ts).
// Built by scripts/build-wasm.mjs with Debian's clang-16 / lld-16, once with plain SIMD and once
// with relaxed SIMD (fused multiply-add) for engines that have it.
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

static const float G[6][3] = {
    {1.0f / 4, 0, 0},
    {-1.0f / 6, -1.0f / 6, -1.0f / 6},
    {-1.0f / 6, 1.0f / 6, -1.0f / 6},
    {1.0f / 24, 1.0f / 12, 1.0f / 6},
    {1.0f / 24, -1.0f / 12, 1.0f / 6},
    {0, 0, 1},
};

// 3x3 kernel g [3][3][cinG][cout] (HWIO) -> U = G g G^T per tile position k = 6a+b, packed
// [36][panels][cinG][8], zero past cout.
EXPORT(wino_pack) void wino_pack(const float *g, float *u, int cinG, int cout) {
  int panels = (cout + NR - 1) / NR;
  for (int a = 0; a < 6; a++)
    for (int b = 0; b < 6; b++)
      for (int p = 0; p < panels; p++)
        for (int ci = 0; ci < cinG; ci++)
          for (int l = 0; l < NR; l++) {
            int co = p * NR + l;
            double v = 0;
            if (co < cout)
              for (int i = 0; i < 3; i++)
                for (int j = 0; j < 3; j++)
                  v += (double)G[a][i] * G[b][j] * g[((i * 3 + j) * cinG + ci) * cout + co];
            u[(((a * 6 + b) * panels + p) * cinG + ci) * NR + l] = (float)v;
          }
}

// 1x1 kernel g [cinG][cout] -> [panels][cinG][8], zero past cout.
EXPORT(pointwise_pack) void pointwise_pack(const float *g, float *u, int cinG, int cout) {
  int panels = (cout + NR - 1) / NR;
  for (int p = 0; p < panels; p++)
    for (int ci = 0; ci < cinG; ci++)
      for (int l = 0; l < NR; l++) {
        int co = p * NR + l;
        u[(p * cinG + ci) * NR + l] = co < cout ? g[ci * cout + co] : 0.0f;
      }
}

// M[t][0..8) = sum_c A[t*lda + c] * Up[c][0..8) for t < rows: rows of A (tiles or pixels) against
// one packed panel, MR rows at a time: 2*MR accumulators, 2 panel vectors and 1 broadcast must fit
// the vector registers V8 leaves free on x86-64 (MR 3..6 measured; 4 was fastest).
#ifndef MR
#define MR 4
#endif
static void gemm_panel(const float *A, int lda, int rows, const float *Up, int K, float *M,
                       int ldm) {
  int t = 0;
  for (; t + MR <= rows; t += MR) {
    const float *a0 = A + t * lda;
    v128_t c[MR][2];
    for (int r = 0; r < MR; r++) c[r][0] = c[r][1] = wasm_f32x4_splat(0);
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
    float *m = M + t * ldm;
#pragma clang loop unroll(full)
    for (int r = 0; r < MR; r++) {
      wasm_v128_store(m + r * ldm, c[r][0]);
      wasm_v128_store(m + r * ldm + 4, c[r][1]);
    }
  }
  for (; t < rows; t++) {
    const float *a0 = A + t * lda;
    v128_t c00 = wasm_f32x4_splat(0), c01 = c00;
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

// Writes (or adds) 4 channels co0..co0+3 of one low-resolution output pixel at `base`.
static inline void scatter4(float *base, const int32_t *off, const uint8_t *contig, int co0,
                            int cout, v128_t y, int accumulate) {
  if (contig[co0 >> 2]) {
    float *d = base + off[co0];
    wasm_v128_store(d, accumulate ? wasm_f32x4_add(wasm_v128_load(d), y) : y);
    return;
  }
  float lanes[4];
  wasm_v128_store(lanes, y);
  for (int l = 0; l < 4 && co0 + l < cout; l++) {
    float *d = base + off[co0 + l];
    *d = accumulate ? *d + lanes[l] : lanes[l];
  }
}

static inline v128_t bias4(const float *bias, int co0, int cout) {
  if (!bias) return wasm_f32x4_splat(0);
  if (co0 + 4 <= cout) return wasm_v128_load(bias + co0);
  float b[4] = {0, 0, 0, 0};
  for (int l = 0; co0 + l < cout; l++) b[l] = bias[co0 + l];
  return wasm_v128_load(b);
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

// A^T applied to six vectors, giving four.
static inline void at6(const v128_t *m, v128_t *y) {
  v128_t s12 = wasm_f32x4_add(m[1], m[2]), d12 = wasm_f32x4_sub(m[1], m[2]);
  v128_t s34 = wasm_f32x4_add(m[3], m[4]), d34 = wasm_f32x4_sub(m[3], m[4]);
  y[0] = wasm_f32x4_add(wasm_f32x4_add(m[0], s12), s34);
  y[1] = madd(wasm_f32x4_splat(2), d34, d12);
  y[2] = madd(wasm_f32x4_splat(4), s34, s12);
  y[3] = wasm_f32x4_add(madd(wasm_f32x4_splat(8), d34, d12), m[5]);
}

// V[k][t][cinP] = B^T d B for the tiles t < nt starting at tile row tr0 (tw tiles per row), d
// the 6x6 input tile at rows row0 + 4 tr - 1.., columns 4 tc - 1.. ('same' padding: zeros
// outside the h x w input).
static void wino_input(const float *F, int h, int w, int cin, int cinP, int row0, int tr0, int nt,
                       int tw, float *V) {
  for (int t = 0; t < nt; t++) {
    int y0 = row0 + 4 * (tr0 + t / tw) - 1, x0 = 4 * (t % tw) - 1;
    for (int c = 0; c < cinP; c += 4) {
      v128_t d[6][6], r[6][6], col[6], out[6];
      for (int i = 0; i < 6; i++)
        for (int j = 0; j < 6; j++) {
          int y = y0 + i, x = x0 + j;
          if (y < 0 || y >= h || x < 0 || x >= w) {
            d[i][j] = wasm_f32x4_splat(0);
          } else if (c + 4 <= cin) {
            d[i][j] = wasm_v128_load(F + (y * w + x) * cin + c);
          } else {
            float v[4] = {0, 0, 0, 0};
            for (int l = 0; c + l < cin; l++) v[l] = F[(y * w + x) * cin + c + l];
            d[i][j] = wasm_v128_load(v);
          }
        }
      // Down the columns: r[a][j] = sum_i BT[a][i] d[i][j].
      for (int j = 0; j < 6; j++) {
        for (int i = 0; i < 6; i++) col[i] = d[i][j];
        bt6(col, out);
        for (int a = 0; a < 6; a++) r[a][j] = out[a];
      }
      // Along the rows: V[a][b] = sum_j r[a][j] BT[b][j].
      for (int a = 0; a < 6; a++) {
        bt6(r[a], out);
        for (int b = 0; b < 6; b++) wasm_v128_store(V + ((a * 6 + b) * nt + t) * cinP + c, out[b]);
      }
    }
  }
}

// Output channels per pass of the output transform: PC panels, so each HR sample gets whole
// cache lines written (a pass per 8 channels wrote half lines, each read and written twice).
#ifndef PC
#define PC 4
#endif

// Winograd 3x3 'same' convolution of F [h][w][cin] for output rows [row0, rowEnd), tile rows
// [tr0, tr1) of them (tile row tr: rows row0 + 4 tr ..; a tile is 4x4 outputs), + bias, each
// output (oy, ox, co) written or added at out[oy*rowStride + ox*colStride + off[co]]. contig[g]
// is 1 where off[4g..4g+3] are consecutive.
// Scratch: V [36][nt][cinP], M [36][nt][8*PC], nt = (tr1 - tr0) * ceil(w/4).
EXPORT(wino_tail)
void wino_tail(const float *F, int h, int w, int cin, int groups, const float *u,
               const float *bias, int cout, float *out, int rowStride, int colStride,
               const int32_t *off, const uint8_t *contig, int accumulate, int row0, int rowEnd,
               int tr0, int tr1, float *V, float *M) {
  int tw = (w + 3) / 4, cinP = (cin + 3) & ~3, cinG = cin / groups, coutG = cout / groups;
  int panels = (cout + NR - 1) / NR, nt = (tr1 - tr0) * tw, ldm = NR * PC;
  wino_input(F, h, w, cin, cinP, row0, tr0, nt, tw, V);
  for (int p0 = 0; p0 < panels; p0 += PC) {
    int pc = panels - p0 < PC ? panels - p0 : PC;
    for (int p = p0; p < p0 + pc; p++) {
      int g = (p * NR) / coutG;
      for (int k = 0; k < 36; k++)
        gemm_panel(V + k * nt * cinP + g * cinG, cinP, nt, u + ((k * panels + p) * cinG) * NR,
                   cinG, M + k * nt * ldm + (p - p0) * NR, ldm);
    }
    int nq = (pc * NR) / 4; // 4-channel groups in this pass
    for (int t = 0; t < nt; t++) {
      int oy0 = row0 + 4 * (tr0 + t / tw), ox0 = 4 * (t % tw);
      for (int q = 0; q < nq; q++) {
        int co0 = p0 * NR + 4 * q;
        if (co0 >= cout) break;
        v128_t bv = bias4(bias, co0, cout);
        v128_t m[6], z[6][4], zc[6], y[4];
        // A^T along b within each row a, then along a.
        for (int a = 0; a < 6; a++) {
          for (int b = 0; b < 6; b++) m[b] = wasm_v128_load(M + ((a * 6 + b) * nt + t) * ldm + 4 * q);
          at6(m, z[a]);
        }
        for (int j = 0; j < 4; j++) {
          int ox = ox0 + j;
          if (ox >= w) break;
          for (int a = 0; a < 6; a++) zc[a] = z[a][j];
          at6(zc, y);
          for (int i = 0; i < 4; i++) {
            int oy = oy0 + i;
            if (oy >= rowEnd) break;
            scatter4(out + oy * rowStride + ox * colStride, off, contig, co0, cout,
                     wasm_f32x4_add(y[i], bv), accumulate);
          }
        }
      }
    }
  }
}

// 1x1 convolution of F [h][w][cin] for rows [y0, y1), + bias, scattered like wino_tail.
// Scratch: M [w][8*PC].
EXPORT(pointwise_tail)
void pointwise_tail(const float *F, int h, int w, int cin, int groups, const float *u,
                    const float *bias, int cout, float *out, int rowStride, int colStride,
                    const int32_t *off, const uint8_t *contig, int accumulate, int y0, int y1,
                    float *M) {
  int cinG = cin / groups, coutG = cout / groups, panels = (cout + NR - 1) / NR, ldm = NR * PC;
  (void)h;
  for (int y = y0; y < y1; y++) {
    const float *row = F + y * w * cin;
    for (int p0 = 0; p0 < panels; p0 += PC) {
      int pc = panels - p0 < PC ? panels - p0 : PC;
      for (int p = p0; p < p0 + pc; p++) {
        int g = (p * NR) / coutG;
        gemm_panel(row + g * cinG, cin, w, u + p * cinG * NR, cinG, M + (p - p0) * NR, ldm);
      }
      int nq = (pc * NR) / 4;
      for (int x = 0; x < w; x++)
        for (int q = 0; q < nq; q++) {
          int co0 = p0 * NR + 4 * q;
          if (co0 >= cout) break;
          scatter4(out + y * rowStride + x * colStride, off, contig, co0, cout,
                   wasm_f32x4_add(wasm_v128_load(M + x * ldm + 4 * q), bias4(bias, co0, cout)),
                   accumulate);
        }
    }
  }
}

// Separable resize of x [h][w][B] into out [H][W][B] for output rows [y0, y1): each output row
// oy is sum_t rw[oy*rt+t] * x[ri[oy*rt+t]], then each output column ox is
// sum_t cw[ox*ct+t] * (that row)[ci[ox*ct+t]]. Scratch: tmp [w*B].
EXPORT(resize_rows)
void resize_rows(const float *x, int w, int B, float *out, int W, const int32_t *ri,
                 const float *rw, int rt, const int32_t *ci, const float *cw, int ct, int y0,
                 int y1, float *tmp) {
  int n = w * B;
  for (int oy = y0; oy < y1; oy++) {
    const int32_t *rix = ri + oy * rt;
    const float *rwx = rw + oy * rt;
    int i = 0;
    for (; i + 4 <= n; i += 4) {
      v128_t acc = wasm_f32x4_splat(0);
      for (int t = 0; t < rt; t++)
        acc = madd(wasm_f32x4_splat(rwx[t]), wasm_v128_load(x + rix[t] * n + i), acc);
      wasm_v128_store(tmp + i, acc);
    }
    for (; i < n; i++) {
      float acc = 0;
      for (int t = 0; t < rt; t++) acc += rwx[t] * x[rix[t] * n + i];
      tmp[i] = acc;
    }
    float *o = out + oy * W * B;
    for (int ox = 0; ox < W; ox++, o += B) {
      const int32_t *cix = ci + ox * ct;
      const float *cwx = cw + ox * ct;
      int b = 0;
      for (; b + 4 <= B; b += 4) {
        v128_t acc = wasm_f32x4_splat(0);
        for (int t = 0; t < ct; t++)
          acc = madd(wasm_f32x4_splat(cwx[t]), wasm_v128_load(tmp + cix[t] * B + b), acc);
        wasm_v128_store(o + b, acc);
      }
      for (; b < B; b++) {
        float acc = 0;
        for (int t = 0; t < ct; t++) acc += cwx[t] * tmp[cix[t] * B + b];
        o[b] = acc;
      }
    }
  }
}

// ---- Large Kernel Block ---------------------------------------------------------------------

// e^x for 4 lanes (Cephes expf: x = n ln2 + r, |r| <= ln2/2, degree-5 polynomial; ~1 ulp).
static inline v128_t v_exp(v128_t x) {
  x = wasm_f32x4_min(wasm_f32x4_max(x, wasm_f32x4_splat(-87.3f)), wasm_f32x4_splat(88.3f));
  v128_t n = wasm_f32x4_nearest(wasm_f32x4_mul(x, wasm_f32x4_splat(1.44269504088896341f)));
  v128_t r = wasm_f32x4_sub(x, wasm_f32x4_mul(n, wasm_f32x4_splat(0.693359375f)));
  r = wasm_f32x4_sub(r, wasm_f32x4_mul(n, wasm_f32x4_splat(-2.12194440e-4f)));
  v128_t p = wasm_f32x4_splat(1.9875691500e-4f);
  p = madd(p, r, wasm_f32x4_splat(1.3981999507e-3f));
  p = madd(p, r, wasm_f32x4_splat(8.3334519073e-3f));
  p = madd(p, r, wasm_f32x4_splat(4.1665795894e-2f));
  p = madd(p, r, wasm_f32x4_splat(1.6666665459e-1f));
  p = madd(p, r, wasm_f32x4_splat(5.0000001201e-1f));
  p = madd(wasm_f32x4_mul(p, r), r, wasm_f32x4_add(r, wasm_f32x4_splat(1.0f)));
  v128_t e = wasm_i32x4_shl(wasm_i32x4_add(wasm_i32x4_trunc_sat_f32x4(n), wasm_i32x4_splat(127)), 23);
  return wasm_f32x4_mul(p, e);
}

// erf for 4 lanes: Abramowitz & Stegun 7.1.26 (|error| < 1.5e-7), the form TF.js uses.
static inline v128_t v_erf(v128_t x) {
  v128_t sign = wasm_v128_and(x, wasm_i32x4_splat((int)0x80000000));
  v128_t a = wasm_f32x4_abs(x);
  v128_t t = wasm_f32x4_div(wasm_f32x4_splat(1.0f),
                            madd(wasm_f32x4_splat(0.3275911f), a, wasm_f32x4_splat(1.0f)));
  v128_t p = wasm_f32x4_splat(1.061405429f);
  p = madd(p, t, wasm_f32x4_splat(-1.453152027f));
  p = madd(p, t, wasm_f32x4_splat(1.421413741f));
  p = madd(p, t, wasm_f32x4_splat(-0.284496736f));
  p = madd(p, t, wasm_f32x4_splat(0.254829592f));
  p = wasm_f32x4_mul(p, t);
  v128_t y = wasm_f32x4_sub(wasm_f32x4_splat(1.0f),
                            wasm_f32x4_mul(p, v_exp(wasm_f32x4_neg(wasm_f32x4_mul(a, a)))));
  return wasm_v128_or(y, sign);
}

// Packs the fusion kernel [1,1,(n+1)C/g, C] (rows: channel-interleaved stages, (n+1)c' + t within
// a group) for the GEMM over the group-major stage buffer (rows t*Cg + c' within a group):
// [panels][(n+1)Cg][8].
EXPORT(lkb_pack_fuse)
void lkb_pack_fuse(const float *k, float *u, int C, int stages, int groups) {
  int Cg = C / groups, K = stages * Cg, panels = (C + NR - 1) / NR;
  for (int p = 0; p < panels; p++)
    for (int t = 0; t < stages; t++)
      for (int c = 0; c < Cg; c++)
        for (int l = 0; l < NR; l++) {
          int co = p * NR + l;
          u[(p * K + t * Cg + c) * NR + l] = co < C ? k[(c * stages + t) * C + co] : 0.0f;
        }
}

// One LKB on x [h][w][C] (one image), out [h][w][C]:
//   stage_0 = x; stage_t = DW(k, dil[t-1])(stage_{t-1}) + dwBias[t-1] ('same', zeros outside)
//   f = act(fuse(interleave(stages)) + fuseBias); gate = sigmoid(up(relu(down(mean f))))
//   out = x + f * gate
// dwK: (stages-1) kernels [k][k][C]; dwB: (stages-1) x [C]. u: lkb_pack_fuse's packing.
// act: 0 linear, 1 relu, 2 gelu (erf). Scratch: S [h*w][stages*C] (group-major), F [h*w][C],
// pooled [C], hidden [hid]. C/groups must be a multiple of 4 and of 8 for the GEMM panels.
EXPORT(lkb_forward)
void lkb_forward(const float *x, int h, int w, int C, int stages, int k, const int32_t *dil,
                 const float *dwK, const float *dwB, const float *u, const float *fuseB,
                 int groups, int act, const float *downK, const float *downB, int hid,
                 const float *upK, const float *upB, float *out, float *S, float *F,
                 float *pooled, float *hidden) {
  int Cg = C / groups, L = stages * C, n = h * w;
  // Stage 0: x into the group-major buffer S[p][g][t][c'].
  for (int p = 0; p < n; p++)
    for (int g = 0; g < groups; g++)
      for (int c = 0; c < Cg; c += 4)
        wasm_v128_store(S + p * L + g * stages * Cg + c, wasm_v128_load(x + p * C + g * Cg + c));
  // Cascaded dilated depthwise convs, each reading the previous stage.
  for (int t = 1; t < stages; t++) {
    int d = dil[t - 1], pb = d * (k - 1) / 2;
    const float *K = dwK + (t - 1) * k * k * C, *B = dwB + (t - 1) * C;
    for (int y = 0; y < h; y++)
      for (int xx = 0; xx < w; xx++)
        for (int g = 0; g < groups; g++)
          for (int c = 0; c < Cg; c += 4) {
            int ch = g * Cg + c;
            v128_t acc = wasm_v128_load(B + ch);
            for (int i = 0; i < k; i++) {
              int yy = y + i * d - pb;
              if (yy < 0 || yy >= h) continue;
              for (int j = 0; j < k; j++) {
                int xs = xx + j * d - pb;
                if (xs < 0 || xs >= w) continue;
                acc = madd(wasm_v128_load(K + (i * k + j) * C + ch),
                           wasm_v128_load(S + (yy * w + xs) * L + g * stages * Cg + (t - 1) * Cg + c),
                           acc);
              }
            }
            wasm_v128_store(S + (y * w + xx) * L + g * stages * Cg + t * Cg + c, acc);
          }
  }
  // Grouped 1x1 fusion over all pixels: F = S (group-major) x U.
  int panels = (C + NR - 1) / NR, Kg = stages * Cg;
  for (int p = 0; p < panels; p++) {
    int g = (p * NR) / Cg;
    gemm_panel(S + g * Kg, L, n, u + p * Kg * NR, Kg, F + p * NR, C);
  }
  // Bias, activation, and the per-channel mean for the attention.
  for (int c = 0; c < C; c += 4) wasm_v128_store(pooled + c, wasm_f32x4_splat(0));
  v128_t half = wasm_f32x4_splat(0.5f), rs2 = wasm_f32x4_splat(0.70710678118654752f);
  for (int p = 0; p < n; p++)
    for (int c = 0; c < C; c += 4) {
      v128_t v = wasm_f32x4_add(wasm_v128_load(F + p * C + c), wasm_v128_load(fuseB + c));
      if (act == 1) v = wasm_f32x4_max(v, wasm_f32x4_splat(0));
      else if (act == 2)
        v = wasm_f32x4_mul(wasm_f32x4_mul(v, half),
                           wasm_f32x4_add(v_erf(wasm_f32x4_mul(v, rs2)), wasm_f32x4_splat(1.0f)));
      wasm_v128_store(F + p * C + c, v);
      wasm_v128_store(pooled + c, wasm_f32x4_add(wasm_v128_load(pooled + c), v));
    }
  float inv = 1.0f / (float)n;
  for (int c = 0; c < C; c++) pooled[c] *= inv;
  for (int j = 0; j < hid; j++) {
    float a = downB[j];
    for (int c = 0; c < C; c++) a += pooled[c] * downK[c * hid + j];
    hidden[j] = a > 0 ? a : 0;
  }
  // The gate reuses `pooled`: sigmoid(z) = 1 / (1 + e^-z).
  for (int c = 0; c < C; c += 4) {
    float z[4];
    for (int l = 0; l < 4; l++) {
      float a = upB[c + l];
      for (int j = 0; j < hid; j++) a += hidden[j] * upK[j * C + c + l];
      z[l] = a;
    }
    v128_t e = v_exp(wasm_f32x4_neg(wasm_v128_load(z)));
    wasm_v128_store(pooled + c, wasm_f32x4_div(wasm_f32x4_splat(1.0f), wasm_f32x4_add(e, wasm_f32x4_splat(1.0f))));
  }
  for (int p = 0; p < n; p++)
    for (int c = 0; c < C; c += 4)
      wasm_v128_store(out + p * C + c,
                      madd(wasm_v128_load(F + p * C + c), wasm_v128_load(pooled + c),
                           wasm_v128_load(x + p * C + c)));
}
