// @hsrkit/layers' WebAssembly SIMD kernels for training (simd-training-kernels.ts registers them
// as TF.js wasm kernels): 3x3 stride-1 'same' convolutions, dense or grouped, and both their
// gradients by Winograd F(4x4, 3x3), bias gradients (column sums), depthwise convolutions of any
// size, stride and dilation, and matrix products with either operand transposed. Every kernel
// splits its work over the threads of threads.h (one thread in a build without them). Same
// freestanding C and builds as wasm-simd/kernels.c, plus a threaded variant of each (atomics,
// shared memory); scripts/build-wasm.mjs builds all four.
#include "../wasm-core/simd.h"
#include "../wasm-simd/lkb.h"

#ifdef THREADS
#include "../wasm-core/threads.h"
#else
typedef void (*job_fn)(int tid, int nth);
static void run_job(job_fn fn, int nth) {
  (void)nth;
  fn(0, 1);
}
static inline void share(int total, int tid, int nth, int *lo, int *hi) {
  *lo = (int)((int64_t)total * tid / nth);
  *hi = (int)((int64_t)total * (tid + 1) / nth);
}
#endif

static inline void store_part(float *row, int c, int n, v128_t y) {
  if (c + 4 <= n) {
    wasm_v128_store(row + c, y);
    return;
  }
  float v[4];
  wasm_v128_store(v, y);
  for (int l = 0; c + l < n; l++) row[c + l] = v[l];
}

// ---- Winograd F(4x4, 3x3) --------------------------------------------------------------------
// Tiles: tile t of a batch [n][h][w] covers outputs rows 4 ty .. 4 ty + 3, columns 4 tx .. of
// image t / (th tw); its 6x6 input window starts one row and column before ('same' padding).

struct tiles {
  int n, h, w, th, tw;
};

static inline struct tiles tiles_of(int n, int h, int w) {
  struct tiles g = {n, h, w, (h + 3) / 4, (w + 3) / 4};
  return g;
}

// The 36 transformed vectors B^T d B of 4 channels from c of tile t of x [n][h][w][cin].
static inline void input_tile(const float *x, struct tiles g, int cin, int t, int c, v128_t V[36]) {
  int per = g.th * g.tw, img = t / per, r = t % per;
  int y0 = 4 * (r / g.tw) - 1, x0 = 4 * (r % g.tw) - 1;
  bt_input_tile(x + (int64_t)img * g.h * g.w * cin, g.h, g.w, cin, y0, x0, c, V);
}

// A applied to four vectors, giving six (the transpose of at6: back through the output transform).
static inline void a6(const v128_t *y, v128_t *m) {
  v128_t s02 = wasm_f32x4_add(y[0], y[2]), s13 = wasm_f32x4_add(y[1], y[3]);
  v128_t p = madd(wasm_f32x4_splat(4), y[2], y[0]);
  v128_t q = madd(wasm_f32x4_splat(8), y[3], wasm_f32x4_add(y[1], y[1]));
  m[0] = y[0];
  m[1] = wasm_f32x4_add(s02, s13);
  m[2] = wasm_f32x4_sub(s02, s13);
  m[3] = wasm_f32x4_add(p, q);
  m[4] = wasm_f32x4_sub(p, q);
  m[5] = y[3];
}

// ---- Filter packing ---------------------------------------------------------------------------

static const float GT[3][6] = {
    {1.0f / 4, -1.0f / 6, -1.0f / 6, 1.0f / 24, 1.0f / 24, 0},
    {0, -1.0f / 6, 1.0f / 6, 1.0f / 12, -1.0f / 12, 0},
    {0, -1.0f / 6, -1.0f / 6, 1.0f / 6, 1.0f / 6, 1},
};

// Grouped convolutions (groups > 1: conv output channel o of N reads only the K / groups input
// channels of its group o / (N / groups)): panel p's 8 outputs touch one or two groups, so its
// GEMM reads the Kp input channels from panel_k0(p) (the groups it touches; Kp the most any panel
// needs, the last windows moved back to stay inside K) and its packed filter is zero for the
// lanes of another group. groups 1 is the dense conv (Kp = K, from 0).
static int panel_kp(int K, int N, int groups) {
  if (groups == 1) return K;
  int Kg = K / groups, Ng = N / groups, panels = (N + NR - 1) / NR, span = 1;
  for (int p = 0; p < panels; p++) {
    int last = p * NR + NR - 1 < N ? p * NR + NR - 1 : N - 1;
    int s = last / Ng - (p * NR) / Ng + 1;
    if (s > span) span = s;
  }
  return span * Kg < K ? span * Kg : K;
}

static inline int panel_k0(int p, int K, int N, int groups, int Kp) {
  if (groups == 1) return 0;
  int k0 = ((p * NR) / (N / groups)) * (K / groups);
  return k0 + Kp > K ? K - Kp : k0;
}

static struct pk_args {
  const float *g;
  float *u;
  int cin, cout, flip, groups, kp;
} pk;

// U = G k G^T for the conv k[i][j][ci][co] = g[i][j][ci - group start][co], or, flipped (the
// input gradient's conv), k[i][j][co][ci] = g[2-i][2-j][ci - group start][co], g [3][3][cin /
// groups][cout]; packed [36][panels][Kp][8] (panel_kp), K its input channels.
static void pack_job(int tid, int nth) {
  int K = pk.flip ? pk.cout : pk.cin, N = pk.flip ? pk.cin : pk.cout, Kp = pk.kp;
  int Kg = K / pk.groups, Ng = N / pk.groups, ping = pk.cin / pk.groups;
  int panels = (N + NR - 1) / NR, lo, hi;
  share(panels * Kp, tid, nth, &lo, &hi);
  for (int q = lo; q < hi; q++) {
    int p = q / Kp, kc = panel_k0(p, K, N, pk.groups, Kp) + q % Kp, kg = kc / Kg;
    for (int half = 0; half < 2; half++) {
      v128_t k3[3][3], t6[6][3];
      for (int i = 0; i < 3; i++)
        for (int j = 0; j < 3; j++) {
          float v[4];
          for (int l = 0; l < 4; l++) {
            int nc = p * NR + half * 4 + l;
            if (nc >= N || nc / Ng != kg) {
              v[l] = 0;
            } else if (pk.flip) {
              v[l] = pk.g[(((2 - i) * 3 + (2 - j)) * ping + nc - kg * Ng) * pk.cout + kc];
            } else {
              v[l] = pk.g[((i * 3 + j) * ping + kc - kg * Kg) * pk.cout + nc];
            }
          }
          k3[i][j] = wasm_v128_load(v);
        }
      // t6 = G k (6x3), then U = t6 G^T (6x6).
      for (int a = 0; a < 6; a++)
        for (int j = 0; j < 3; j++) {
          v128_t s = wasm_f32x4_splat(0);
          for (int i = 0; i < 3; i++) s = madd(wasm_f32x4_splat(GT[i][a]), k3[i][j], s);
          t6[a][j] = s;
        }
      for (int a = 0; a < 6; a++)
        for (int b = 0; b < 6; b++) {
          v128_t s = wasm_f32x4_splat(0);
          for (int j = 0; j < 3; j++) s = madd(wasm_f32x4_splat(GT[j][b]), t6[a][j], s);
          wasm_v128_store(pk.u + ((((a * 6 + b) * panels + p) * Kp + q % Kp) * NR + half * 4), s);
        }
    }
  }
}

// Floats of wt_pack's packing of a [3][3][cin / groups][cout] filter (flip: its input gradient's
// conv).
EXPORT(wt_pack_size) int wt_pack_size(int cin, int cout, int flip, int groups) {
  int K = flip ? cout : cin, N = flip ? cin : cout;
  return 36 * ((N + NR - 1) / NR) * NR * panel_kp(K, N, groups);
}

EXPORT(wt_pack)
void wt_pack(const float *g, float *u, int cin, int cout, int flip, int groups, int nth) {
  pk = (struct pk_args){.g = g, .u = u, .cin = cin, .cout = cout, .flip = flip, .groups = groups,
                        .kp = panel_kp(flip ? cout : cin, flip ? cin : cout, groups)};
  run_job(pack_job, nth);
}

// ---- Forward (and input-gradient) convolution -------------------------------------------------

// Tiles per block: V [36][NT][cinP] and M [36][NT][8 PC] stay in L2.
#ifndef NT
#define NT 32
#endif
#ifndef PC
#define PC 4
#endif

static struct cv_args {
  const float *x, *u, *bias;
  float *out, *scratch;
  int n, h, w, cin, cout, groups, kp, scratchPerThread;
} cv;

static void conv_job(int tid, int nth) {
  struct tiles g = tiles_of(cv.n, cv.h, cv.w);
  int cin = cv.cin, cout = cv.cout, cinP = (cin + 3) & ~3, panels = (cout + NR - 1) / NR;
  int ldm = NR * PC, total = g.n * g.th * g.tw, lo, hi, per = g.th * g.tw;
  float *V = cv.scratch + (int64_t)tid * cv.scratchPerThread, *M = V + 36 * NT * cinP;
  share(total, tid, nth, &lo, &hi);
  for (int t0 = lo; t0 < hi; t0 += NT) {
    int nt = hi - t0 < NT ? hi - t0 : NT;
    for (int t = 0; t < nt; t++)
      for (int c = 0; c < cinP; c += 4) {
        v128_t v[36];
        input_tile(cv.x, g, cin, t0 + t, c, v);
        for (int k = 0; k < 36; k++) wasm_v128_store(V + (k * NT + t) * cinP + c, v[k]);
      }
    for (int p0 = 0; p0 < panels; p0 += PC) {
      int pc = panels - p0 < PC ? panels - p0 : PC;
      for (int p = p0; p < p0 + pc; p++)
        for (int k = 0; k < 36; k++)
          gemm_panel(V + k * NT * cinP + panel_k0(p, cin, cout, cv.groups, cv.kp), cinP, nt,
                     cv.u + ((k * panels + p) * cv.kp) * NR, cv.kp,
                     M + k * NT * ldm + (p - p0) * NR, ldm);
      for (int t = 0; t < nt; t++) {
        int tt = t0 + t, img = tt / per, r = tt % per;
        int oy0 = 4 * (r / g.tw), ox0 = 4 * (r % g.tw);
        float *O = cv.out + (int64_t)img * g.h * g.w * cout;
        for (int q = 0; q < pc * 2; q++) {
          int co0 = p0 * NR + 4 * q;
          if (co0 >= cout) break;
          v128_t bv = cv.bias ? load_part(cv.bias, co0, cout) : wasm_f32x4_splat(0);
          v128_t m[6], z[6][4], zc[6], y[4];
          for (int a = 0; a < 6; a++) {
            for (int b = 0; b < 6; b++)
              m[b] = wasm_v128_load(M + ((a * 6 + b) * NT + t) * ldm + 4 * q);
            at6(m, z[a]);
          }
          for (int j = 0; j < 4 && ox0 + j < g.w; j++) {
            for (int a = 0; a < 6; a++) zc[a] = z[a][j];
            at6(zc, y);
            for (int i = 0; i < 4 && oy0 + i < g.h; i++)
              store_part(O + ((oy0 + i) * g.w + ox0 + j) * cout, co0, cout,
                         wasm_f32x4_add(y[i], bv));
          }
        }
      }
    }
  }
}

// Scratch floats per thread for wt_conv.
EXPORT(wt_conv_scratch) int wt_conv_scratch(int cin) {
  return 36 * NT * ((cin + 3) & ~3) + 36 * NT * NR * PC;
}

// out [n][h][w][cout] = conv3x3_same(x [n][h][w][cin], u) + bias (bias may be 0), in `groups`
// groups; u: wt_pack's (for the input gradient: cin and cout those of its flipped conv).
EXPORT(wt_conv)
void wt_conv(const float *x, int n, int h, int w, int cin, const float *u, const float *bias,
             int cout, int groups, float *out, float *scratch, int scratchPerThread, int nth) {
  cv = (struct cv_args){
      .x = x, .u = u, .bias = bias, .out = out, .scratch = scratch, .n = n, .h = h, .w = w,
      .cin = cin, .cout = cout, .groups = groups, .kp = panel_kp(cin, cout, groups),
      .scratchPerThread = scratchPerThread};
  run_job(conv_job, nth);
}

// ---- Filter gradient --------------------------------------------------------------------------
// dW = G^T (sum over tiles of (B^T x B) (A dY A^T)^T) G, per tile position k: a GEMM
// [cin x T] x [T x cout] for each of the 36 positions, over chunks of TC tiles.

#ifndef TC
#define TC 128
#endif
#ifndef FG_CB
#define FG_CB 128
#endif

static struct fg_args {
  const float *x, *dy;
  float *dw, *VT, *DM, *dU;
  int n, h, w, cin, cout, groups, kp, t0, nt;
} fg;

// Phase 1 (over the chunk's tiles): VT [36][cin][TC] and DM [36][panels][TC][8].
static void fg_transform_job(int tid, int nth) {
  struct tiles g = tiles_of(fg.n, fg.h, fg.w);
  int cin = fg.cin, cout = fg.cout, panels = (cout + NR - 1) / NR, per = g.th * g.tw, lo, hi;
  share(fg.nt, tid, nth, &lo, &hi);
  for (int t = lo; t < hi; t++) {
    int tt = fg.t0 + t;
    for (int c = 0; c < cin; c += 4) {
      v128_t v[36];
      input_tile(fg.x, g, cin, tt, c, v);
      for (int k = 0; k < 36; k++) {
        float lanes[4];
        wasm_v128_store(lanes, v[k]);
        for (int l = 0; l < 4 && c + l < cin; l++) fg.VT[(k * cin + c + l) * TC + t] = lanes[l];
      }
    }
  }
  // dy's channels in blocks of FG_CB, each over all of the thread's tiles: a tile's 36 vectors
  // go to 36 x panels rows of DM, so running all channels per tile would touch the whole of DM
  // (tens of MB for thousands of channels, a page per store) for every tile.
  for (int c0 = 0; c0 < panels * NR; c0 += FG_CB) {
    int c1 = c0 + FG_CB < panels * NR ? c0 + FG_CB : panels * NR;
    for (int t = lo; t < hi; t++) {
      int tt = fg.t0 + t, img = tt / per, r = tt % per, oy0 = 4 * (r / g.tw), ox0 = 4 * (r % g.tw);
      const float *D = fg.dy + (int64_t)img * g.h * g.w * cout;
      for (int c = c0; c < c1; c += 4) {
        v128_t y[4][4], col[4], m6[6], z[6][4];
        for (int i = 0; i < 4; i++)
          for (int j = 0; j < 4; j++)
            y[i][j] = (oy0 + i < g.h && ox0 + j < g.w && c < cout)
                          ? load_part(D + ((oy0 + i) * g.w + ox0 + j) * cout, c, cout)
                          : wasm_f32x4_splat(0);
        // Down the columns: z[a][j] = sum_i A[a][i] y[i][j]; then along the rows.
        for (int j = 0; j < 4; j++) {
          for (int i = 0; i < 4; i++) col[i] = y[i][j];
          a6(col, m6);
          for (int a = 0; a < 6; a++) z[a][j] = m6[a];
        }
        int p = c / NR, l = c % NR;
        for (int a = 0; a < 6; a++) {
          a6(z[a], m6);
          for (int b = 0; b < 6; b++)
            wasm_v128_store(fg.DM + ((((a * 6 + b) * panels + p) * TC + t) * NR + l), m6[b]);
        }
      }
    }
  }
}

// Phase 2 (over the 36 positions x panels): dU[k][cin][8 panels] += VT_k DM_k, for each panel
// only the input channels of its groups (panel_k0).
static void fg_gemm_job(int tid, int nth) {
  int panels = (fg.cout + NR - 1) / NR, ldu = panels * NR, lo, hi;
  share(36 * panels, tid, nth, &lo, &hi);
  for (int q = lo; q < hi; q++) {
    int k = q / panels, p = q % panels, k0 = panel_k0(p, fg.cin, fg.cout, fg.groups, fg.kp);
    gemm_panel_add(fg.VT + (k * fg.cin + k0) * TC, TC, fg.kp,
                   fg.DM + ((k * panels + p) * TC) * NR, fg.nt,
                   fg.dU + (k * fg.cin + k0) * ldu + p * NR, ldu);
  }
}

// Phase 3 (over input channels): dW[i][j][ci][co] = sum_ab G[a][i] G[b][j] dU[ab][ci][co], co
// of ci's group, written to dw [3][3][cin / groups][cout].
static void fg_output_job(int tid, int nth) {
  int cin = fg.cin, cout = fg.cout, ldu = ((cout + NR - 1) / NR) * NR, lo, hi;
  int ping = cin / fg.groups, poutg = cout / fg.groups;
  share(cin, tid, nth, &lo, &hi);
  for (int ci = lo; ci < hi; ci++) {
    int gr = ci / ping, c1 = (gr + 1) * poutg;
    float *dwRow = fg.dw + (ci - gr * ping) * cout;
    for (int c = gr * poutg; c < c1; c += 4) {
      v128_t t3[6][3];
      for (int a = 0; a < 6; a++)
        for (int j = 0; j < 3; j++) {
          v128_t s = wasm_f32x4_splat(0);
          for (int b = 0; b < 6; b++)
            if (GT[j][b] != 0)
              s = madd(wasm_f32x4_splat(GT[j][b]),
                       wasm_v128_load(fg.dU + ((a * 6 + b) * cin + ci) * ldu + c), s);
          t3[a][j] = s;
        }
      for (int i = 0; i < 3; i++)
        for (int j = 0; j < 3; j++) {
          v128_t s = wasm_f32x4_splat(0);
          for (int a = 0; a < 6; a++)
            if (GT[i][a] != 0) s = madd(wasm_f32x4_splat(GT[i][a]), t3[a][j], s);
          store_part(dwRow + (i * 3 + j) * ping * cout, c, c1, s);
        }
    }
  }
}

static void zero_job(int tid, int nth) {
  int panels = (fg.cout + NR - 1) / NR, total = 36 * fg.cin * panels * NR, lo, hi;
  share(total / 4, tid, nth, &lo, &hi);
  for (int i = lo; i < hi; i++) wasm_v128_store(fg.dU + 4 * i, wasm_f32x4_splat(0));
}

// Scratch floats for wt_filter_grad (shared by all threads; 4 past the end: phase 3 reads a
// group's last 4 lanes whole).
EXPORT(wt_filter_grad_scratch) int wt_filter_grad_scratch(int cin, int cout) {
  int coutP = ((cout + NR - 1) / NR) * NR;
  return 36 * cin * TC + 36 * coutP * TC + 36 * cin * coutP + 4;
}

// dw [3][3][cin / groups][cout] = gradient of the grouped conv3x3_same(x, w) for the output
// gradient dy [n][h][w][cout].
EXPORT(wt_filter_grad)
void wt_filter_grad(const float *x, const float *dy, int n, int h, int w, int cin, int cout,
                    int groups, float *dw, float *scratch, int nth) {
  int coutP = ((cout + NR - 1) / NR) * NR;
  struct tiles g = tiles_of(n, h, w);
  int total = g.n * g.th * g.tw;
  fg = (struct fg_args){
      .x = x, .dy = dy, .dw = dw, .n = n, .h = h, .w = w, .cin = cin, .cout = cout,
      .groups = groups, .kp = panel_kp(cin, cout, groups), .VT = scratch,
      .DM = scratch + 36 * cin * TC, .dU = scratch + 36 * cin * TC + 36 * coutP * TC};
  run_job(zero_job, nth);
  for (int t0 = 0; t0 < total; t0 += TC) {
    fg.t0 = t0;
    fg.nt = total - t0 < TC ? total - t0 : TC;
    run_job(fg_transform_job, nth);
    run_job(fg_gemm_job, nth);
  }
  run_job(fg_output_job, nth);
}

// ---- Bias gradient ----------------------------------------------------------------------------
// db[c] = sum over rows of dy [rows][c]: fixed chunks of BG_ROWS rows summed into their own
// partial (any thread), then the partials in chunk order, so the sum does not depend on threads.

#define BG_ROWS 256
static struct bg_args {
  const float *dy;
  float *db, *part;
  int rows, c;
} bg;

static void bg_chunk_job(int tid, int nth) {
  int chunks = (bg.rows + BG_ROWS - 1) / BG_ROWS, C = bg.c, lo, hi;
  share(chunks, tid, nth, &lo, &hi);
  for (int q = lo; q < hi; q++) {
    float *acc = bg.part + (int64_t)q * C;
    int r1 = (q + 1) * BG_ROWS < bg.rows ? (q + 1) * BG_ROWS : bg.rows;
    for (int c = 0; c < C; c++) acc[c] = 0;
    for (int r = q * BG_ROWS; r < r1; r++) {
      const float *row = bg.dy + (int64_t)r * C;
      int c = 0;
      for (; c + 4 <= C; c += 4)
        wasm_v128_store(acc + c, wasm_f32x4_add(wasm_v128_load(acc + c), wasm_v128_load(row + c)));
      for (; c < C; c++) acc[c] += row[c];
    }
  }
}

static void bg_sum_job(int tid, int nth) {
  int chunks = (bg.rows + BG_ROWS - 1) / BG_ROWS, lo, hi;
  share(bg.c, tid, nth, &lo, &hi);
  for (int c = lo; c < hi; c++) {
    float s = 0;
    for (int q = 0; q < chunks; q++) s += bg.part[(int64_t)q * bg.c + c];
    bg.db[c] = s;
  }
}

// Scratch floats for wt_bias_grad.
EXPORT(wt_bias_grad_scratch) int wt_bias_grad_scratch(int rows, int c) {
  return ((rows + BG_ROWS - 1) / BG_ROWS) * c;
}

// db [c] = the column sums of dy [rows][c] (a bias's gradient).
EXPORT(wt_bias_grad)
void wt_bias_grad(const float *dy, int rows, int c, float *db, float *scratch, int nth) {
  bg = (struct bg_args){.dy = dy, .db = db, .part = scratch, .rows = rows, .c = c};
  run_job(bg_chunk_job, nth);
  run_job(bg_sum_job, nth);
}

// ---- Depthwise convolution --------------------------------------------------------------------

static struct dwc_args {
  const float *x, *f;
  float *out;
  int n, h, w, c, kh, kw, sh, sw, dh, dw, pt, pl, oh, ow;
} dwc;

// Work items: (image, output row, 64-channel block), so a few output rows still split evenly.
#define DW_CB 64
static void dw_job(int tid, int nth) {
  int C = dwc.c, blocks = (C + DW_CB - 1) / DW_CB, lo, hi;
  share(dwc.n * dwc.oh * blocks, tid, nth, &lo, &hi);
  for (int q = lo; q < hi; q++) {
    int cb = q % blocks, row = q / blocks, b = row / dwc.oh, oy = row % dwc.oh;
    int c0 = cb * DW_CB, c1 = c0 + DW_CB < C ? c0 + DW_CB : C;
    const float *X = dwc.x + (int64_t)b * dwc.h * dwc.w * C;
    float *O = dwc.out + ((int64_t)(b * dwc.oh + oy) * dwc.ow) * C;
    for (int ox = 0; ox < dwc.ow; ox++)
      for (int c = c0; c < c1; c += 4) {
        v128_t acc = wasm_f32x4_splat(0);
        for (int i = 0; i < dwc.kh; i++) {
          int y = oy * dwc.sh + i * dwc.dh - dwc.pt;
          if (y < 0 || y >= dwc.h) continue;
          const float *xr = X + (int64_t)y * dwc.w * C, *fr = dwc.f + i * dwc.kw * C;
          for (int j = 0; j < dwc.kw; j++) {
            int xx = ox * dwc.sw + j * dwc.dw - dwc.pl;
            if (xx < 0 || xx >= dwc.w) continue;
            acc = madd(load_part(xr + xx * C, c, C), load_part(fr + j * C, c, C), acc);
          }
        }
        store_part(O + ox * C, c, C, acc);
      }
  }
}

// out [n][oh][ow][c] = depthwise conv of x [n][h][w][c] with f [kh][kw][c] (multiplier 1),
// strides (sh, sw), dilations (dh, dw), padding top pt and left pl (zeros outside).
EXPORT(wt_depthwise)
void wt_depthwise(const float *x, int n, int h, int w, int c, const float *f, int kh, int kw,
                  int sh, int sw, int dh, int dw, int pt, int pl, float *out, int oh, int ow,
                  int nth) {
  dwc = (struct dwc_args){
      .x = x, .f = f, .out = out, .n = n, .h = h, .w = w, .c = c, .kh = kh, .kw = kw, .sh = sh,
      .sw = sw, .dh = dh, .dw = dw, .pt = pt, .pl = pl, .oh = oh, .ow = ow};
  run_job(dw_job, nth);
}

// ---- Matrix product ---------------------------------------------------------------------------

static struct mm_args {
  const float *a, *b;
  float *c, *ap, *bp;
  int m, k, n, ta, tb, splitRows;
} mm;

// Packs op(B) [k][n] as [panels][k][8] (zeros past n), and op(A) as rows [m][k] when transposed.
static void mm_pack_job(int tid, int nth) {
  int panels = (mm.n + NR - 1) / NR, K = mm.k, lo, hi;
  share(panels, tid, nth, &lo, &hi);
  for (int p = lo; p < hi; p++)
    for (int kk = 0; kk < K; kk++)
      for (int l = 0; l < NR; l++) {
        int nn = p * NR + l;
        mm.bp[(p * K + kk) * NR + l] =
            nn >= mm.n ? 0.0f : mm.tb ? mm.b[nn * K + kk] : mm.b[kk * mm.n + nn];
      }
  if (mm.ta) {
    share(mm.m, tid, nth, &lo, &hi);
    for (int r = lo; r < hi; r++)
      for (int kk = 0; kk < K; kk++) mm.ap[r * K + kk] = mm.a[kk * mm.m + r];
  }
}

// C [m][8 panels] = op(A) op(B), split over rows or over panels.
static void mm_job(int tid, int nth) {
  int panels = (mm.n + NR - 1) / NR, ldc = panels * NR, lo, hi;
  const float *A = mm.ta ? mm.ap : mm.a;
  if (mm.splitRows) {
    share((mm.m + MR - 1) / MR, tid, nth, &lo, &hi);
    int r0 = lo * MR, r1 = hi * MR < mm.m ? hi * MR : mm.m;
    if (r1 > r0)
      for (int p = 0; p < panels; p++)
        gemm_panel(A + r0 * mm.k, mm.k, r1 - r0, mm.bp + p * mm.k * NR, mm.k,
                   mm.c + r0 * ldc + p * NR, ldc);
  } else {
    share(panels, tid, nth, &lo, &hi);
    for (int p = lo; p < hi; p++)
      gemm_panel(A, mm.k, mm.m, mm.bp + p * mm.k * NR, mm.k, mm.c + p * NR, ldc);
  }
}

// Scratch floats for wt_matmul: packed B, transposed A, C with rows padded to 8 lanes.
EXPORT(wt_matmul_scratch) int wt_matmul_scratch(int m, int k, int n) {
  int nP = ((n + NR - 1) / NR) * NR;
  return nP * k + m * k + m * nP;
}

// out [m][n] = op(A) op(B): A [m][k] (ta: [k][m]), B [k][n] (tb: [n][k]).
EXPORT(wt_matmul)
void wt_matmul(const float *a, const float *b, float *out, int m, int k, int n, int ta, int tb,
               float *scratch, int nth) {
  int panels = (n + NR - 1) / NR, nP = panels * NR;
  mm = (struct mm_args){
      .a = a, .b = b, .m = m, .k = k, .n = n, .ta = ta, .tb = tb, .bp = scratch,
      .ap = scratch + nP * k, .c = nP == n ? out : scratch + nP * k + m * k,
      .splitRows = (m + MR - 1) / MR >= panels};
  run_job(mm_pack_job, nth);
  run_job(mm_job, nth);
  if (nP != n)
    for (int r = 0; r < m; r++)
      for (int j = 0; j < n; j++) out[r * n + j] = mm.c[r * nP + j];
}

// ---- Large Kernel Block: forward keeping what the gradient needs, and the gradient -------------
// Per image (threads take whole images): the forward is lkb.h's, keeping S (the group-major
// stages), Z (pre-activation), F (activation) and per image [pooled C | gate C | hidden hidP];
// the backward writes dx and each image's weight gradients to its own slot, and the slots are
// summed in image order, so the result does not depend on the thread count.

static struct lk_args {
  const float *x, *dy, *dwK, *dwB, *u, *fuseK, *fuseB, *downK, *downB, *upK, *upB;
  const int32_t *dil;
  float *out, *S, *Z, *F, *stats, *dx, *slots, *scratch, *WT, *grads;
  int n, h, w, C, stages, k, groups, act, hid, scratchPerThread;
} lk;

static inline int lk_hidP(void) { return (lk.hid + 3) & ~3; }
static inline int lk_statsPer(void) { return 2 * lk.C + lk_hidP(); }
// Gradient slot of one image: fuseK [g][Kg][Cg] | fuseB C | downK C*hid | downB hid | upK hid*C |
// upB C | dwK (stages-1)*k*k*C | dwB (stages-1)*C.
static inline int lk_slot(void) {
  int C = lk.C, Kg = lk.stages * C / lk.groups, hid = lk.hid;
  return Kg * C + C + C * hid + hid + hid * C + C + (lk.stages - 1) * (lk.k * lk.k + 1) * C;
}

static void lkt_forward_job(int tid, int nth) {
  int P = lk.h * lk.w, C = lk.C, L = lk.stages * C, ST = lk_statsPer(), lo, hi;
  share(lk.n, tid, nth, &lo, &hi);
  for (int b = lo; b < hi; b++) {
    float *st = lk.stats + b * ST;
    lkb_forward_core(lk.x + (int64_t)b * P * C, lk.h, lk.w, C, lk.stages, lk.k, lk.dil, lk.dwK,
                     lk.dwB, lk.u, lk.fuseB, lk.groups, lk.act, lk.downK, lk.downB, lk.hid,
                     lk.upK, lk.upB, lk.out + (int64_t)b * P * C, lk.S + (int64_t)b * P * L,
                     lk.F + (int64_t)b * P * C, st, st + 2 * C, lk.Z + (int64_t)b * P * C,
                     st + C);
  }
}

// out, S [n][P][stages*C], Z and F [n][P][C], stats [n][2C + hidP]; u: lkb_pack_fuse's packing.
EXPORT(lkt_forward)
void lkt_forward(const float *x, int n, int h, int w, int C, int stages, int k, const int32_t *dil,
                 const float *dwK, const float *dwB, const float *u, const float *fuseB, int groups,
                 int act, const float *downK, const float *downB, int hid, const float *upK,
                 const float *upB, float *out, float *S, float *Z, float *F, float *stats,
                 int nth) {
  lk = (struct lk_args){
      .x = x, .n = n, .h = h, .w = w, .C = C, .stages = stages, .k = k, .dil = dil, .dwK = dwK,
      .dwB = dwB, .u = u, .fuseB = fuseB, .groups = groups, .act = act, .downK = downK,
      .downB = downB, .hid = hid, .upK = upK, .upB = upB, .out = out, .S = S, .Z = Z, .F = F,
      .stats = stats};
  run_job(lkt_forward_job, nth);
}

// d act(z) / dz for 4 lanes (act: 0 linear, 1 relu, 2 exact-erf gelu: Phi(z) + z phi(z)).
static inline v128_t act_grad(v128_t z, int act) {
  if (act == 1) return wasm_v128_and(wasm_f32x4_gt(z, wasm_f32x4_splat(0)), wasm_f32x4_splat(1));
  if (act != 2) return wasm_f32x4_splat(1);
  v128_t cdf = wasm_f32x4_mul(wasm_f32x4_splat(0.5f),
                              wasm_f32x4_add(v_erf(wasm_f32x4_mul(z, wasm_f32x4_splat(0.70710678118654752f))),
                                             wasm_f32x4_splat(1.0f)));
  v128_t pdf = wasm_f32x4_mul(v_exp(wasm_f32x4_mul(wasm_f32x4_mul(z, z), wasm_f32x4_splat(-0.5f))),
                              wasm_f32x4_splat(0.39894228040143268f));
  return madd(z, pdf, cdf);
}

static void lkt_backward_image(int b, float *scr) {
  int h = lk.h, w = lk.w, P = h * w, C = lk.C, T = lk.stages, L = T * C, g = lk.groups;
  int Cg = C / g, Kg = T * Cg, hid = lk.hid, k = lk.k, ST = lk_statsPer();
  const float *dout = lk.dy + (int64_t)b * P * C, *S = lk.S + (int64_t)b * P * L;
  const float *Z = lk.Z + (int64_t)b * P * C, *F = lk.F + (int64_t)b * P * C;
  const float *pooled = lk.stats + b * ST, *gate = pooled + C, *hidden = pooled + 2 * C;
  float *slot = lk.slots + (int64_t)b * lk_slot();
  float *gFuseK = slot, *gFuseB = gFuseK + Kg * C, *gDownK = gFuseB + C, *gDownB = gDownK + C * hid;
  float *gUpK = gDownB + hid, *gUpB = gUpK + hid * C, *gDwK = gUpB + C;
  float *gDwB = gDwK + (T - 1) * k * k * C;
  float *da = scr, *dpool = da + C, *dh = dpool + C, *dz = dh + lk_hidP(), *dS = dz + P * C;
  float *D = dS + P * L, *carry = D + P * C;
  for (int i = 0; i < lk_slot(); i++) slot[i] = 0;
  // Channel attention: out = x + F * gate, gate = sigmoid(up relu(down mean F)).
  for (int c = 0; c < C; c++) da[c] = 0;
  for (int p = 0; p < P; p++)
    for (int c = 0; c < C; c += 4)
      wasm_v128_store(da + c, madd(wasm_v128_load(dout + p * C + c), wasm_v128_load(F + p * C + c),
                                   wasm_v128_load(da + c)));
  for (int c = 0; c < C; c++) {
    float dza = da[c] * gate[c] * (1 - gate[c]);
    gUpB[c] = dza;
    for (int j = 0; j < hid; j++) gUpK[j * C + c] = hidden[j] * dza;
    da[c] = dza;
  }
  for (int j = 0; j < hid; j++) {
    float s = 0;
    for (int c = 0; c < C; c++) s += lk.upK[j * C + c] * da[c];
    dh[j] = hidden[j] > 0 ? s : 0;
    gDownB[j] = dh[j];
  }
  float invP = 1.0f / (float)P;
  for (int c = 0; c < C; c++) {
    float s = 0;
    for (int j = 0; j < hid; j++) {
      gDownK[c * hid + j] = pooled[c] * dh[j];
      s += lk.downK[c * hid + j] * dh[j];
    }
    dpool[c] = s * invP;
  }
  // dz = (dout gate + dmean / P) act'(z); the fusion bias gradient.
  for (int p = 0; p < P; p++)
    for (int c = 0; c < C; c += 4) {
      v128_t v = madd(wasm_v128_load(dout + p * C + c), wasm_v128_load(gate + c),
                      wasm_v128_load(dpool + c));
      v = wasm_f32x4_mul(v, act_grad(wasm_v128_load(Z + p * C + c), lk.act));
      wasm_v128_store(dz + p * C + c, v);
      wasm_v128_store(gFuseB + c, wasm_f32x4_add(wasm_v128_load(gFuseB + c), v));
    }
  // Grouped 1x1 fusion: dK[g][r][co'] += S[p][g Kg + r] dz[p][g Cg + co']; dS = dz K^T.
  for (int p = 0; p < P; p++)
    for (int gg = 0; gg < g; gg++) {
      const float *s = S + p * L + gg * Kg, *d = dz + p * C + gg * Cg;
      float *acc = gFuseK + gg * Kg * Cg;
      for (int r = 0; r < Kg; r++) {
        v128_t sv = wasm_v128_load32_splat(s + r);
        for (int q = 0; q < Cg; q += 4)
          wasm_v128_store(acc + r * Cg + q,
                          madd(sv, wasm_v128_load(d + q), wasm_v128_load(acc + r * Cg + q)));
      }
      const float *wt = lk.WT + gg * Cg * Kg;
      float *ds = dS + p * L + gg * Kg;
      for (int r = 0; r < Kg; r += 4) {
        v128_t a = wasm_f32x4_splat(0);
        for (int q = 0; q < Cg; q++)
          a = madd(wasm_v128_load32_splat(d + q), wasm_v128_load(wt + q * Kg + r), a);
        wasm_v128_store(ds + r, a);
      }
    }
  // The depthwise cascade backwards: D = dS of stage t + what stage t+1 sent back.
  for (int i = 0; i < P * C; i++) carry[i] = 0;
  for (int t = T - 1; t >= 0; t--) {
    for (int p = 0; p < P; p++)
      for (int gg = 0; gg < g; gg++)
        for (int c = 0; c < Cg; c += 4) {
          int ch = gg * Cg + c;
          wasm_v128_store(D + p * C + ch,
                          wasm_f32x4_add(wasm_v128_load(dS + p * L + gg * Kg + t * Cg + c),
                                         wasm_v128_load(carry + p * C + ch)));
        }
    if (t == 0) break;
    int d = lk.dil[t - 1], pb = d * (k - 1) / 2;
    const float *K = lk.dwK + (t - 1) * k * k * C;
    float *gK = gDwK + (t - 1) * k * k * C, *gB = gDwB + (t - 1) * C;
    for (int i = 0; i < P * C; i++) carry[i] = 0;
    for (int y = 0; y < h; y++)
      for (int x = 0; x < w; x++) {
        const float *dp = D + (y * w + x) * C;
        for (int c = 0; c < C; c += 4)
          wasm_v128_store(gB + c, wasm_f32x4_add(wasm_v128_load(gB + c), wasm_v128_load(dp + c)));
        int i0, i1, j0, j1;
        taps_inside(y, k, d, pb, h, &i0, &i1);
        taps_inside(x, k, d, pb, w, &j0, &j1);
        for (int i = i0; i < i1; i++)
          for (int j = j0; j < j1; j++) {
            int q = (y + i * d - pb) * w + x + j * d - pb;
            float *cq = carry + q * C, *gk = gK + (i * k + j) * C;
            const float *kk = K + (i * k + j) * C;
            for (int gg = 0; gg < g; gg++) {
              const float *sp = S + q * L + gg * Kg + (t - 1) * Cg;
              for (int c = 0; c < Cg; c += 4) {
                int ch = gg * Cg + c;
                v128_t dv = wasm_v128_load(dp + ch);
                wasm_v128_store(gk + ch, madd(wasm_v128_load(sp + c), dv, wasm_v128_load(gk + ch)));
                wasm_v128_store(cq + ch, madd(wasm_v128_load(kk + ch), dv, wasm_v128_load(cq + ch)));
              }
            }
          }
      }
  }
  // dx = dout (the residual) + the gradient reaching stage 0.
  float *dx = lk.dx + (int64_t)b * P * C;
  for (int i = 0; i < P * C; i += 4)
    wasm_v128_store(dx + i, wasm_f32x4_add(wasm_v128_load(dout + i), wasm_v128_load(D + i)));
}

static void lkt_backward_job(int tid, int nth) {
  int lo, hi;
  share(lk.n, tid, nth, &lo, &hi);
  float *scr = lk.scratch + (int64_t)tid * lk.scratchPerThread;
  for (int b = lo; b < hi; b++) lkt_backward_image(b, scr);
}

// Sums the images' slots in image order into grads (fuseK in the layer's layout [Kg][C], rows
// c' * stages + t), split over the slot's elements.
static void lkt_reduce_job(int tid, int nth) {
  int C = lk.C, T = lk.stages, g = lk.groups, Cg = C / g, Kg = T * Cg, S = lk_slot(), lo, hi;
  share(S, tid, nth, &lo, &hi);
  for (int i = lo; i < hi; i++) {
    float s = 0;
    for (int b = 0; b < lk.n; b++) s += lk.slots[(int64_t)b * S + i];
    int o = i;
    if (i < Kg * C) {
      int gg = i / (Kg * Cg), r = (i / Cg) % Kg, co = i % Cg, t = r / Cg, c = r % Cg;
      o = (c * T + t) * C + gg * Cg + co;
    }
    lk.grads[o] = s;
  }
}

// Scratch floats: per thread, then the slots (n images) and the transposed fusion kernel.
EXPORT(lkt_backward_scratch)
int lkt_backward_scratch(int n, int h, int w, int C, int stages, int k, int hid, int groups) {
  lk = (struct lk_args){.C = C, .stages = stages, .k = k, .hid = hid, .groups = groups};
  (void)n;
  (void)k;
  (void)groups;
  int P = h * w;
  return 2 * C + ((hid + 3) & ~3) + P * C + P * stages * C + 2 * P * C;
}

// dx [n][P][C] and grads (one slot's layout, summed over images) of lkt_forward's block, given
// dy and what the forward kept. scratch: nth x lkt_backward_scratch(...) floats; slots: n x slot.
EXPORT(lkt_backward)
void lkt_backward(const float *dy, int n, int h, int w, int C, int stages, int k,
                  const int32_t *dil, const float *dwK, const float *fuseK, int groups, int act,
                  const float *downK, int hid, const float *upK, const float *S, const float *Z,
                  const float *F, const float *stats, float *dx, float *grads, float *scratch,
                  int scratchPerThread, float *slots, float *WT, int nth) {
  lk = (struct lk_args){
      .dy = dy, .n = n, .h = h, .w = w, .C = C, .stages = stages, .k = k, .dil = dil, .dwK = dwK,
      .groups = groups, .act = act, .downK = downK, .hid = hid, .upK = upK, .S = (float *)S,
      .Z = (float *)Z, .F = (float *)F, .stats = (float *)stats, .dx = dx, .grads = grads,
      .scratch = scratch, .scratchPerThread = scratchPerThread, .slots = slots, .WT = WT};
  // WT[g][co'][r] = K[row(r)][g Cg + co'], r = t Cg + c' (group-major), row(r) = c' stages + t.
  int Cg = C / groups, Kg = stages * Cg;
  for (int gg = 0; gg < groups; gg++)
    for (int q = 0; q < Cg; q++)
      for (int r = 0; r < Kg; r++) {
        int t = r / Cg, c = r % Cg;
        WT[(gg * Cg + q) * Kg + r] = fuseK[(c * stages + t) * C + gg * Cg + q];
      }
  run_job(lkt_backward_job, nth);
  run_job(lkt_reduce_job, nth);
}

// Floats of one image's gradient slot.
EXPORT(lkt_slot_size)
int lkt_slot_size(int C, int stages, int k, int hid, int groups) {
  lk = (struct lk_args){.C = C, .stages = stages, .k = k, .hid = hid, .groups = groups};
  return lk_slot();
}
