// LKCA-Net's Large Kernel Block on WebAssembly SIMD, shared by wasm-simd/kernels.c (inference:
// lkb_forward) and wasm-training/training-kernels.c (training keeps the intermediates).
#ifndef HSRKIT_LKB_H
#define HSRKIT_LKB_H
#include "../wasm-core/simd.h"

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
// Training (wasm-training/training-kernels.c) keeps what the gradient needs: Z (not null) gets
// the pre-activation [h*w][C] and gate (not null) the attention gate [C], leaving `pooled` the
// mean; S, F and hidden are kept by the caller as they are.
static void lkb_forward_core(const float *x, int h, int w, int C, int stages, int k,
                             const int32_t *dil, const float *dwK, const float *dwB,
                             const float *u, const float *fuseB, int groups, int act,
                             const float *downK, const float *downB, int hid, const float *upK,
                             const float *upB, float *out, float *S, float *F, float *pooled,
                             float *hidden, float *Z, float *gate) {
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
      for (int xx = 0; xx < w; xx++) {
        int i0, i1, j0, j1;
        taps_inside(y, k, d, pb, h, &i0, &i1);
        taps_inside(xx, k, d, pb, w, &j0, &j1);
        for (int g = 0; g < groups; g++)
          for (int c = 0; c < Cg; c += 4) {
            int ch = g * Cg + c;
            v128_t acc = wasm_v128_load(B + ch);
            for (int i = i0; i < i1; i++) {
              int yy = y + i * d - pb;
              for (int j = j0; j < j1; j++) {
                int xs = xx + j * d - pb;
                acc = madd(wasm_v128_load(K + (i * k + j) * C + ch),
                           wasm_v128_load(S + (yy * w + xs) * L + g * stages * Cg + (t - 1) * Cg + c),
                           acc);
              }
            }
            wasm_v128_store(S + (y * w + xx) * L + g * stages * Cg + t * Cg + c, acc);
          }
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
      if (Z) wasm_v128_store(Z + p * C + c, v);
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
  // The gate reuses `pooled` unless kept apart: sigmoid(z) = 1 / (1 + e^-z).
  if (!gate) gate = pooled;
  for (int c = 0; c < C; c += 4) {
    float z[4];
    for (int l = 0; l < 4; l++) {
      float a = upB[c + l];
      for (int j = 0; j < hid; j++) a += hidden[j] * upK[j * C + c + l];
      z[l] = a;
    }
    v128_t e = v_exp(wasm_f32x4_neg(wasm_v128_load(z)));
    wasm_v128_store(gate + c, wasm_f32x4_div(wasm_f32x4_splat(1.0f), wasm_f32x4_add(e, wasm_f32x4_splat(1.0f))));
  }
  for (int p = 0; p < n; p++)
    for (int c = 0; c < C; c += 4)
      wasm_v128_store(out + p * C + c,
                      madd(wasm_v128_load(F + p * C + c), wasm_v128_load(gate + c),
                           wasm_v128_load(x + p * C + c)));
}
#endif
