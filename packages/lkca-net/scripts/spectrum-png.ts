// A raster copy of @hsrkit/lowrank's plotSpectrumSvg, so the README can show the plot where SVG is
// not rendered: drawn into RGBA here and encoded by @hsrkit/hsi-data's PNG writer (no new
// dependency). Same content: singular values / largest on a log axis, cumulative energy dashed,
// the 90 % energy rank marked, one colour per spectrum, a legend. Text uses a 5x7 bitmap font.
import type { RgbImage } from '@hsrkit/hsi-data/node';

export interface SpectrumCurve {
  label: string;
  singularValues: ArrayLike<number>;
  energy: ArrayLike<number>;
  /** Rank to mark (e.g. for 90 % energy). */
  mark?: number;
}

// 5x7 glyphs, upper case; anything else is drawn as a space.
const GLYPHS: Record<string, string> = {
  A: ' ### #   ##   #######   ##   ##   #',
  B: '#### #   ##   ##### #   ##   ##### ',
  C: ' ### #   ##    #    #    #   # ### ',
  D: '#### #   ##   ##   ##   ##   ##### ',
  E: '######    #    #### #    #    #####',
  F: '######    #    #### #    #    #    ',
  G: ' ### #   ##    # ####   ##   # ####',
  H: '#   ##   ##   #######   ##   ##   #',
  I: ' ###   #    #    #    #    #   ### ',
  J: '  ###   #    #    #    # #  #  ##  ',
  K: '#   ##  # # #  ##   # #  #  # #   #',
  L: '#    #    #    #    #    #    #####',
  M: '#   ### ### # ## # ##   ##   ##   #',
  N: '#   ##   ###  ## # ##  ###   ##   #',
  O: ' ### #   ##   ##   ##   ##   # ### ',
  P: '#### #   ##   ##### #    #    #    ',
  Q: ' ### #   ##   ##   ## # ##  #  ## #',
  R: '#### #   ##   ##### # #  #  # #   #',
  S: ' #####    #     ###     #    ##### ',
  T: '#####  #    #    #    #    #    #  ',
  U: '#   ##   ##   ##   ##   ##   # ### ',
  V: '#   ##   ##   ##   ##   # # #   #  ',
  W: '#   ##   ##   ## # ## # ## # # # # ',
  X: '#   ##   # # #   #   # # #   ##   #',
  Y: '#   ##   # # #   #    #    #    #  ',
  Z: '#####    #   #   #   #   #    #####',
  '0': ' ### #   ##  ### # ###  ##   # ### ',
  '1': '  #   ##    #    #    #    #   ### ',
  '2': ' ### #   #    #   #   #   #   #####',
  '3': '#####   #   #     #     ##   # ### ',
  '4': '   #   ##  # # #  # #####   #    # ',
  '5': '######    ####     #    ##   # ### ',
  '6': '  ##  #   #    #### #   ##   # ### ',
  '7': '#####    #   #   #   #    #    #   ',
  '8': ' ### #   ##   # ### #   ##   # ### ',
  '9': ' ### #   ##   # ####    #   #  ##  ',
  '.': '                          ##   ##  ',
  ',': '                     ##    #   #   ',
  ':': '      ##   ##        ##   ##       ',
  '=': '          #####     #####          ',
  '(': '   #   #   #    #    #     #     # ',
  ')': ' #     #     #    #    #   #   #   ',
  '/': '         #   #   #   #   #         ',
  '-': '               #####               ',
  '+': '       #    #  #####  #    #       ',
  '>': ' #     #     #     #   #   #   #   ',
  '<': '   #   #   #   #     #     #     # ',
  '%': '##   ##  #   #   #   #   #  ##   ##',
};

const COLORS: [number, number, number][] = [
  [31, 119, 180],
  [214, 39, 40],
  [44, 160, 44],
  [148, 103, 189],
  [255, 127, 14],
  [140, 86, 75],
];

class Canvas {
  readonly data: Uint8Array;
  constructor(
    readonly width: number,
    readonly height: number,
  ) {
    this.data = new Uint8Array(width * height * 4).fill(255);
  }
  dot(x: number, y: number, c: readonly number[], r = 0): void {
    for (let dy = -r; dy <= r; dy++)
      for (let dx = -r; dx <= r; dx++) {
        const px = Math.round(x) + dx;
        const py = Math.round(y) + dy;
        if (px < 0 || py < 0 || px >= this.width || py >= this.height) continue;
        const i = (py * this.width + px) * 4;
        this.data[i] = c[0];
        this.data[i + 1] = c[1];
        this.data[i + 2] = c[2];
        this.data[i + 3] = 255;
      }
  }
  /** A line; `dash` = [on, off] in pixels along it. */
  line(
    x0: number,
    y0: number,
    x1: number,
    y1: number,
    c: readonly number[],
    r = 0,
    dash?: [number, number],
  ): void {
    const n = Math.max(1, Math.ceil(Math.hypot(x1 - x0, y1 - y0)));
    for (let i = 0; i <= n; i++) {
      if (dash && i % (dash[0] + dash[1]) >= dash[0]) continue;
      this.dot(x0 + ((x1 - x0) * i) / n, y0 + ((y1 - y0) * i) / n, c, r);
    }
  }
  polyline(points: [number, number][], c: readonly number[], r: number, dash?: [number, number]) {
    // Dashes run along the whole curve, not restarted per segment.
    let along = 0;
    for (let k = 1; k < points.length; k++) {
      const [x0, y0] = points[k - 1];
      const [x1, y1] = points[k];
      const n = Math.max(1, Math.ceil(Math.hypot(x1 - x0, y1 - y0)));
      for (let i = 0; i < n; i++, along++) {
        if (dash && along % (dash[0] + dash[1]) >= dash[0]) continue;
        this.dot(x0 + ((x1 - x0) * i) / n, y0 + ((y1 - y0) * i) / n, c, r);
      }
    }
  }
  text(
    x: number,
    y: number,
    s: string,
    c: readonly number[],
    size = 2,
    align: 'left' | 'right' | 'center' = 'left',
  ) {
    const w = s.length * 6 * size;
    let cx = align === 'left' ? x : align === 'right' ? x - w : x - w / 2;
    for (const ch of s.toUpperCase()) {
      const g = GLYPHS[ch];
      if (g)
        for (let gy = 0; gy < 7; gy++)
          for (let gx = 0; gx < 5; gx++)
            if (g[gy * 5 + gx] === '#')
              for (let sy = 0; sy < size; sy++)
                for (let sx = 0; sx < size; sx++)
                  this.dot(cx + gx * size + sx, y + gy * size + sy, c);
      cx += 6 * size;
    }
  }
}

/** The spectra as an RGBA image (see the module comment). */
export function renderSpectrumPng(
  curves: readonly SpectrumCurve[],
  opts: { title?: string; width?: number } = {},
): RgbImage {
  if (!curves.length) throw new RangeError('renderSpectrumPng needs at least one curve');
  const W = opts.width ?? 1000;
  const legendH = 22 * curves.length;
  const H = 560 + legendH;
  const m = { l: 80, r: 80, t: 50, b: 70 + legendH };
  const pw = W - m.l - m.r;
  const ph = H - m.t - m.b;
  const cv = new Canvas(W, H);
  const ink = [40, 40, 40];
  const grid = [220, 220, 220];
  const maxRank = Math.max(...curves.map((c) => c.singularValues.length));
  let minLog = -1;
  for (const c of curves) {
    const s0 = c.singularValues[0] || 1;
    for (let i = 0; i < c.singularValues.length; i++) {
      const v = c.singularValues[i];
      if (v > 0) minLog = Math.min(minLog, Math.floor(Math.log10(Math.max(v / s0, 1e-6))));
    }
  }
  const x = (rank: number) => m.l + ((rank - 1) / Math.max(maxRank - 1, 1)) * pw;
  const yLog = (v: number) => m.t + (Math.log10(v) / minLog) * ph;
  const yLin = (e: number) => m.t + (1 - e) * ph;
  if (opts.title) cv.text(W / 2, 14, opts.title, ink, 2, 'center');
  for (let d = 0; d >= minLog; d--) {
    const y = yLog(10 ** d);
    cv.line(m.l, y, m.l + pw, y, grid);
    cv.text(m.l - 8, y - 7, `1E${d}`, ink, 2, 'right');
  }
  for (const e of [0, 0.25, 0.5, 0.75, 1]) cv.text(m.l + pw + 8, yLin(e) - 7, e.toFixed(2), ink, 2);
  for (let i = 0; i <= 8; i++) {
    const r = Math.round(1 + ((maxRank - 1) * i) / 8);
    cv.line(x(r), m.t + ph, x(r), m.t + ph + 5, ink);
    cv.text(x(r), m.t + ph + 10, String(r), ink, 2, 'center');
  }
  cv.line(m.l, m.t, m.l + pw, m.t, ink);
  cv.line(m.l, m.t + ph, m.l + pw, m.t + ph, ink);
  cv.line(m.l, m.t, m.l, m.t + ph, ink);
  cv.line(m.l + pw, m.t, m.l + pw, m.t + ph, ink);
  cv.text(
    m.l + pw / 2,
    m.t + ph + 32,
    'RANK. SOLID: SINGULAR VALUE / LARGEST (LOG, LEFT). DASHED: CUMULATIVE ENERGY (RIGHT)',
    ink,
    1,
    'center',
  );
  curves.forEach((c, k) => {
    const col = COLORS[k % COLORS.length];
    const s0 = c.singularValues[0] || 1;
    const sv: [number, number][] = [];
    const en: [number, number][] = [];
    for (let i = 0; i < c.singularValues.length; i++) {
      sv.push([x(i + 1), yLog(Math.max(c.singularValues[i] / s0, 10 ** minLog))]);
      en.push([x(i + 1), yLin(c.energy[i])]);
    }
    cv.polyline(sv, col, 1);
    cv.polyline(en, col, 1, [8, 5]);
    if (c.mark) {
      cv.line(x(c.mark), m.t, x(c.mark), m.t + ph, col, 0, [3, 4]);
      cv.dot(x(c.mark), yLin(c.energy[c.mark - 1]), col, 3);
    }
    const ly = m.t + ph + 52 + k * 22;
    cv.line(m.l, ly + 7, m.l + 30, ly + 7, col, 1);
    cv.text(m.l + 40, ly, c.label, col, 2);
  });
  return { width: W, height: H, data: cv.data };
}
