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
#include "../wasm-core/simd.h"

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
  return bias ? load_part(bias, co0, cout) : wasm_f32x4_splat(0);
}

// V[k][t][cinP] = B^T d B for the tiles t < nt starting at tile row tr0 (tw tiles per row), d
// the 6x6 input tile at rows row0 + 4 tr - 1.., columns 4 tc - 1.. ('same' padding: zeros
// outside the h x w input).
static void wino_input(const float *F, int h, int w, int cin, int cinP, int row0, int tr0, int nt,
                       int tw, float *V) {
  for (int t = 0; t < nt; t++) {
    int y0 = row0 + 4 * (tr0 + t / tw) - 1, x0 = 4 * (t % tw) - 1;
    for (int c = 0; c < cinP; c += 4) {
      v128_t tile[36];
      bt_input_tile(F, h, w, cin, y0, x0, c, tile);
      for (int k = 0; k < 36; k++) wasm_v128_store(V + (k * nt + t) * cinP + c, tile[k]);
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
// out[i] = sum_t wt[t] src[idx[t] * stride + i] for i < n: one weighted sum of `taps` rows of src.
static inline void weighted_rows(const float *src, int stride, const int32_t *idx, const float *wt,
                                 int taps, int n, float *out) {
  int i = 0;
  for (; i + 4 <= n; i += 4) {
    v128_t acc = wasm_f32x4_splat(0);
    for (int t = 0; t < taps; t++)
      acc = madd(wasm_f32x4_splat(wt[t]), wasm_v128_load(src + idx[t] * stride + i), acc);
    wasm_v128_store(out + i, acc);
  }
  for (; i < n; i++) {
    float acc = 0;
    for (int t = 0; t < taps; t++) acc += wt[t] * src[idx[t] * stride + i];
    out[i] = acc;
  }
}

EXPORT(resize_rows)
void resize_rows(const float *x, int w, int B, float *out, int W, const int32_t *ri,
                 const float *rw, int rt, const int32_t *ci, const float *cw, int ct, int y0,
                 int y1, float *tmp) {
  int n = w * B;
  for (int oy = y0; oy < y1; oy++) {
    // Down the columns into tmp (one row of w pixels), then along it into each output pixel.
    weighted_rows(x, n, ri + oy * rt, rw + oy * rt, rt, n, tmp);
    float *o = out + oy * W * B;
    for (int ox = 0; ox < W; ox++, o += B) weighted_rows(tmp, B, ci + ox * ct, cw + ox * ct, ct, B, o);
  }
}

#include "lkb.h"

// One LKB on x [h][w][C] (one image), out [h][w][C] (lkb_forward_core in lkb.h).
EXPORT(lkb_forward)
void lkb_forward(const float *x, int h, int w, int C, int stages, int k, const int32_t *dil,
                 const float *dwK, const float *dwB, const float *u, const float *fuseB,
                 int groups, int act, const float *downK, const float *downB, int hid,
                 const float *upK, const float *upB, float *out, float *S, float *F,
                 float *pooled, float *hidden) {
  lkb_forward_core(x, h, w, C, stages, k, dil, dwK, dwB, u, fuseB, groups, act, downK, downB, hid,
                   upK, upB, out, S, F, pooled, hidden, 0, 0);
}
