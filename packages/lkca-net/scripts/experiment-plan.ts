// The pure part of scripts/experiment.ts (issue 8): which scenes, which degradations, which variants
// in which order, how many steps, the command line, and the results table. No TF.js here, so it is
// tested on its own (experiment-plan.test.ts).
import type { Region } from '@hsrkit/hsi-data/node';

export class ExperimentUsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ExperimentUsageError';
  }
}

export class ExperimentDataError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ExperimentDataError';
  }
}

export interface SceneSpec {
  id: string;
  title: string;
  sensor: string;
  /** Candidate files, repo-relative (shipped in the repo) first, then ../shared/data/hsi ones.
   * For a scene of whole crops (`crops`), candidate folders holding them. */
  files: string[];
  /** Never trained on; scores every variant. Sides are multiples of the scale. */
  holdOut?: Region;
  /** A scene of whole crops of one sensor: trained on `train`, scored on `test` (whole crops held out). */
  crops?: { train: string[]; test: string[] };
  /** HR patch side and grid stride of the training patches. */
  patchSize: number;
  stride: number;
  batchSize: number;
  /** Steps of every variant of this scene in the full run (before --steps-scale and a variant's
   * own factor). */
  steps: number;
  /** Variants not trained on this scene (to fit the run in the machine's budget). */
  skip?: VariantId[];
  /** CAVE .mat files carry no wavelengths; 400 + 10 k nm is the CAVE band grid. */
  caveWavelengths?: boolean;
}

export const SCALE = 4;

/** The two real scenes shipped in the repo, and whole AVIRIS crops from ../shared/data/hsi-train. */
export const SCENES: readonly SceneSpec[] = [
  {
    id: 'balloons',
    title: 'CAVE balloons (256 x 256 x 31, 400-700 nm)',
    sensor: 'CAVE: cooled CCD camera with a tunable filter (Columbia), 2x-averaged scene',
    files: [
      'packages/lkca-net/assets/scene/balloons_ms.mat',
      '../shared/data/hsi/jicongfan-STP-Tensor-Completion/balloons_ms.mat',
    ],
    // The bottom-right quadrant, as `lkca demo` (DEMO_HOLD_OUT).
    holdOut: { row: 128, col: 128, rows: 128, cols: 128 },
    patchSize: 48,
    stride: 8,
    batchSize: 8,
    steps: 1500,
    caveWavelengths: true,
  },
  {
    id: 'aviris',
    title: 'AVIRIS ABU crops (100 x 100 x 205, 5 airport and urban scenes)',
    sensor:
      'AVIRIS (airborne imaging spectrometer, NASA JPL), the 205-band ABU airport/urban crops',
    files: ['../shared/data/hsi-train/jiojio0505-OT-AD'],
    // Whole crops held out: one airport and one urban scene the models never see.
    crops: {
      train: ['abu-airport-1.mat', 'abu-airport-2.mat', 'abu-urban-4.mat'],
      test: ['abu-airport-3.mat', 'abu-urban-5.mat'],
    },
    patchSize: 32,
    stride: 4,
    batchSize: 8,
    steps: 800,
    skip: ['student-long', 'group-s2', 'student-l1', 'student-sam01'],
  },
  {
    id: 'jasper',
    title: 'Jasper Ridge (100 x 100 x 198, 399-2457 nm)',
    sensor: 'AVIRIS (airborne imaging spectrometer, NASA JPL)',
    files: [
      'packages/hsi-data/fixtures/real/jasperRidge2_R198.img',
      '../shared/data/hsi/pekalam-hyperspectral-segmentation/jasperRidge2_R198.img',
    ],
    holdOut: { row: 52, col: 52, rows: 48, cols: 48 },
    patchSize: 32,
    stride: 4,
    batchSize: 8,
    steps: 800,
    // No earlier run to compare with (--compare-to): its own 2x-steps student checks convergence.
    skip: ['group-s2', 'student-l1', 'student-sam01'],
  },
];

export type DegradationId = 'bicubic' | 'blind';

export interface DegradationSpec {
  id: DegradationId;
  title: string;
  /** hsi-data's `degrade` options beyond the bicubic x1/s (none for plain bicubic). */
  options?: {
    blur: { sigma: number };
    noise: { snrDb: number; seed: number };
  };
}

export const DEGRADATIONS: readonly DegradationSpec[] = [
  { id: 'bicubic', title: 'MATLAB bicubic x1/4' },
  {
    id: 'blind',
    title: 'Gaussian blur (sigma 2 HR px) + bicubic x1/4 + Gaussian noise (30 dB SNR)',
    options: { blur: { sigma: 2 }, noise: { snrDb: 30, seed: 8 } },
  },
];

/** Seed of the noise in the hold-out LR (training noise varies per batch from the spec's seed). */
export const EVAL_NOISE_SEED = 12345;

export type VariantId =
  | 'teacher'
  | 'student'
  | 'student-s2'
  | 'student-long'
  | 'student-kd'
  | 'student-kd-s2'
  | 'group'
  | 'group-s2'
  | 'svd'
  | 'svd-s2'
  | 'student-l1'
  | 'student-sam01'
  // Variants of earlier runs' results.json (still rendered by --report-only).
  | 'student-rerun'
  | 'group-kd'
  | 'svd-kd';

export interface VariantSpec {
  id: VariantId;
  label: string;
  blocks: number;
  upsampler: 'conv' | 'group' | 'svd';
  /** Distilled from this degradation's teacher (LKCA-KD, alpha 0.1 on the features F). */
  kd: boolean;
  /** Seed of the weight init and the patch order (two seeds per claim). */
  seed: number;
  /** Steps = the scene's steps times this (default 1): the teacher trains twice as long, so that
   * it is a better model than the student; 'student-long' checks whether the budget converged. */
  stepsFactor?: number;
  /** Variants that must be trained first (the teacher for KD, the full student for the svd rank). */
  needs: VariantId[];
  /** Only under these degradations (default all). */
  only?: DegradationId[];
  /** Weights of the spectral terms next to L1 (default SPECTRAL_LOSS: 1 and 1, as `lkca train`). */
  spectralLoss?: { sam: number; spectralGradient: number };
}

/** The field's loss next to L1 (as `lkca train`'s default): spectral angle and spectral gradient. */
export const SPECTRAL_LOSS = { sam: 1, spectralGradient: 1 } as const;

export const UPSAMPLER_GROUPS = 8;
/** The svd rank is the one keeping this share of the trained full student's upsampler energy. */
export const SVD_ENERGY = 0.9;
export const KD_ALPHA = 0.1;

/** In training order: every variant comes after what it needs. */
export const VARIANTS: readonly VariantSpec[] = [
  {
    id: 'teacher',
    label: 'teacher: 8 LKB, `conv`, 2x steps',
    blocks: 8,
    upsampler: 'conv',
    kd: false,
    seed: 1,
    stepsFactor: 2,
    needs: [],
  },
  {
    id: 'student',
    label: 'student: 4 LKB, `conv`',
    blocks: 4,
    upsampler: 'conv',
    kd: false,
    seed: 1,
    needs: [],
  },
  {
    id: 'student-s2',
    label: 'student: 4 LKB, `conv` (seed 2)',
    blocks: 4,
    upsampler: 'conv',
    kd: false,
    seed: 2,
    needs: [],
  },
  {
    id: 'student-long',
    label: 'student: 4 LKB, `conv`, 2x steps',
    blocks: 4,
    upsampler: 'conv',
    kd: false,
    seed: 1,
    stepsFactor: 2,
    needs: [],
  },
  {
    id: 'student-kd',
    label: 'student: 4 LKB, `conv`, KD',
    blocks: 4,
    upsampler: 'conv',
    kd: true,
    seed: 1,
    needs: ['teacher'],
  },
  {
    id: 'student-kd-s2',
    label: 'student: 4 LKB, `conv`, KD (seed 2)',
    blocks: 4,
    upsampler: 'conv',
    kd: true,
    seed: 2,
    needs: ['teacher'],
  },
  {
    id: 'group',
    label: 'LR student: `group` g=8',
    blocks: 4,
    upsampler: 'group',
    kd: false,
    seed: 1,
    needs: [],
  },
  {
    id: 'group-s2',
    label: 'LR student: `group` g=8 (seed 2)',
    blocks: 4,
    upsampler: 'group',
    kd: false,
    seed: 2,
    needs: [],
  },
  {
    id: 'svd',
    label: 'LR student: `svd` r(0.9)',
    blocks: 4,
    upsampler: 'svd',
    kd: false,
    seed: 1,
    needs: ['student'],
  },
  {
    id: 'svd-s2',
    label: 'LR student: `svd` r(0.9) (seed 2)',
    blocks: 4,
    upsampler: 'svd',
    kd: false,
    seed: 2,
    needs: ['student'],
  },
  // The loss, measured: the student (seed 1) with L1 alone and with a lighter angle term.
  {
    id: 'student-l1',
    label: 'student: 4 LKB, `conv`, L1 alone',
    blocks: 4,
    upsampler: 'conv',
    kd: false,
    seed: 1,
    needs: [],
    spectralLoss: { sam: 0, spectralGradient: 0 },
  },
  {
    id: 'student-sam01',
    label: 'student: 4 LKB, `conv`, L1 + 0.1 angle + 1 gradient',
    blocks: 4,
    upsampler: 'conv',
    kd: false,
    seed: 1,
    needs: [],
    spectralLoss: { sam: 0.1, spectralGradient: 1 },
  },
];

/** Pairs of one claim's variants over seeds: what the findings average. */
export const SEED_PAIRS: Readonly<Record<string, readonly VariantId[]>> = {
  student: ['student', 'student-s2'],
  'student-kd': ['student-kd', 'student-kd-s2'],
  group: ['group', 'group-s2'],
  svd: ['svd', 'svd-s2'],
};

export interface ExperimentArgs {
  scenes: string[];
  degradations: DegradationId[];
  stepsScale: number;
  quick: boolean;
  resume: boolean;
  /** Only rewrite results.md (and the verdicts) from an existing results.json: no training. */
  reportOnly: boolean;
  /** Results folder; default bench/results/experiment for the full run, else under the models folder. */
  out?: string;
  /** Variants left out of this invocation (e.g. checks already measured at another budget). */
  skip: VariantId[];
  /** results.json of an earlier run at fewer steps: the report compares the same variants. */
  compareTo?: string;
}

export const USAGE = `usage: experiment.ts [--quick] [--resume] [--report-only] [--scenes balloons,aviris,jasper]
                     [--degradations bicubic,blind] [--steps-scale x] [--skip v1,v2] [--out dir]
                     [--compare-to earlier/results.json]
  --quick         smoke run: 10 steps per variant (a few minutes); results under .experiment-models/quick/
  --resume        keep finished variants and continue unfinished ones from their checkpoints
  --scenes        ${SCENES.map((s) => s.id).join(', ')} (default all)
  --degradations  ${DEGRADATIONS.map((d) => d.id).join(', ')} (default bicubic)
  --steps-scale   multiply every scene's steps (default 1: ${SCENES.map((s) => `${s.id} ${s.steps}`).join(', ')}; teacher x2)
  --skip          leave these variants out (${VARIANTS.map((v) => v.id).join(', ')}); a variant
                  another one needs cannot be left out
  --report-only   rewrite results.md from the results.json already in the results folder
  --out           folder for results.json, results.md and the plots
  --compare-to    an earlier run's results.json (fewer steps): its scores beside this run's, and
                  the convergence check where a scene has no 2x-steps student`;

function listArg(flag: string, value: string | undefined, allowed: readonly string[]): string[] {
  if (value === undefined || value.startsWith('--'))
    throw new ExperimentUsageError(`${flag} needs a value`);
  const items = value.split(',').filter(Boolean);
  for (const v of items)
    if (!allowed.includes(v))
      throw new ExperimentUsageError(`${flag}: unknown '${v}' (use ${allowed.join(', ')})`);
  if (!items.length) throw new ExperimentUsageError(`${flag} needs at least one name`);
  return [...new Set(items)];
}

export function parseExperimentArgs(argv: readonly string[]): ExperimentArgs {
  const args: ExperimentArgs = {
    scenes: SCENES.map((s) => s.id),
    // The blind degradation stays available; the run at convergence has the budget for one.
    degradations: ['bicubic'],
    stepsScale: 1,
    quick: false,
    resume: false,
    reportOnly: false,
    skip: [],
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--quick') args.quick = true;
    else if (a === '--resume') args.resume = true;
    else if (a === '--report-only') args.reportOnly = true;
    else if (a === '--scenes')
      args.scenes = listArg(
        a,
        argv[++i],
        SCENES.map((s) => s.id),
      );
    else if (a === '--degradations')
      args.degradations = listArg(
        a,
        argv[++i],
        DEGRADATIONS.map((d) => d.id),
      ) as DegradationId[];
    else if (a === '--skip')
      args.skip = listArg(
        a,
        argv[++i],
        VARIANTS.map((v) => v.id),
      ) as VariantId[];
    else if (a === '--steps-scale') {
      const v = Number(argv[++i]);
      if (!(Number.isFinite(v) && v > 0))
        throw new ExperimentUsageError(`--steps-scale: expected a number > 0, got '${argv[i]}'`);
      args.stepsScale = v;
    } else if (a === '--compare-to') {
      const v = argv[++i];
      if (!v || v.startsWith('--'))
        throw new ExperimentUsageError('--compare-to needs a results.json');
      args.compareTo = v;
    } else if (a === '--out') {
      const v = argv[++i];
      if (!v || v.startsWith('--')) throw new ExperimentUsageError('--out needs a folder');
      args.out = v;
    } else throw new ExperimentUsageError(`unknown argument '${a}'\n${USAGE}`);
  }
  return args;
}

/** Steps of a variant on a scene: quick runs take 10, else the scene's steps times the scale and
 * the variant's factor. */
export function stepsFor(
  scene: SceneSpec,
  args: Pick<ExperimentArgs, 'quick' | 'stepsScale'>,
  variant?: Pick<VariantSpec, 'stepsFactor'>,
) {
  if (args.quick) return 10;
  return Math.max(1, Math.round(scene.steps * args.stepsScale * (variant?.stepsFactor ?? 1)));
}

/** Folder name of a run's models and checkpoints: different budgets never share checkpoints. */
export function profileName(args: Pick<ExperimentArgs, 'quick' | 'stepsScale'>): string {
  if (args.quick) return 'quick';
  return args.stepsScale === 1 ? 'converged' : `converged-steps-x${args.stepsScale}`;
}

/** The full default run is the one whose results are committed. */
export function isCanonicalRun(args: ExperimentArgs): boolean {
  return (
    !args.quick &&
    args.stepsScale === 1 &&
    args.scenes.length === SCENES.length &&
    args.skip.length === 0 &&
    args.degradations.join() === 'bicubic'
  );
}

export interface PlannedRun {
  scene: SceneSpec;
  degradation: DegradationSpec;
  variant: VariantSpec;
  steps: number;
}

/** Every training run in order: scene by scene, degradation by degradation, variants in order. */
export function planRuns(args: ExperimentArgs): PlannedRun[] {
  const runs: PlannedRun[] = [];
  for (const id of args.scenes) {
    const scene = SCENES.find((s) => s.id === id);
    if (!scene) throw new ExperimentUsageError(`unknown scene '${id}'`);
    for (const did of args.degradations) {
      const degradation = DEGRADATIONS.find((d) => d.id === did);
      if (!degradation) throw new ExperimentUsageError(`unknown degradation '${did}'`);
      for (const variant of VARIANTS)
        if (
          (!variant.only || variant.only.includes(did)) &&
          !scene.skip?.includes(variant.id) &&
          !args.skip?.includes(variant.id)
        )
          runs.push({ scene, degradation, variant, steps: stepsFor(scene, args, variant) });
    }
  }
  // The order must respect `needs` within each (scene, degradation).
  const seen = new Set<string>();
  for (const r of runs) {
    const key = (v: string) => `${r.scene.id}/${r.degradation.id}/${v}`;
    for (const n of r.variant.needs)
      if (!seen.has(key(n)))
        throw new ExperimentUsageError(
          `plan: ${key(r.variant.id)} needs ${n}, which is left out or comes later`,
        );
    seen.add(key(r.variant.id));
  }
  return runs;
}

/** Params of the 'svd' upsampler at rank r against the 'conv' one, both with bias. */
export function svdUpsamplerParams(channels: number, outChannels: number, rank: number): number {
  return rank * (9 * channels) + rank * outChannels + outChannels;
}

/** The rank at which the 'svd' upsampler stops saving params over the full 3x3 conv. */
export function svdBreakEvenRank(channels: number, outChannels: number): number {
  return Math.floor((9 * channels * outChannels) / (9 * channels + outChannels));
}

/** Params of an 'svd' pair at rank r against the layer it replaces, for a [rows, cols] kernel
 * matrix (rows = k*k*Cin in the flat form) with bias: r*(rows + cols) + cols over rows*cols + cols. */
export function svdParamRatio(rank: number, rows: number, cols: number): number {
  return (rank * (rows + cols) + cols) / (rows * cols + cols);
}

/**
 * Whether a trained upsampler is low-rank in the sense the method needs: an 'svd' upsampler that
 * keeps 90 % of its energy has at most half the params of the full conv. (Keeping 90 % with, say,
 * 49 % of the rank saves almost nothing: r*(rows + cols) is then close to rows*cols.)
 */
export function lowRankVerdict(
  rank90: number,
  rows: number,
  cols: number,
): 'low-rank' | 'not low-rank' {
  return svdParamRatio(rank90, rows, cols) <= 0.5 ? 'low-rank' : 'not low-rank';
}

export interface TableRow {
  label: string;
  params: number | null;
  gmacs: number | null;
  msForward: number | null;
  metrics: { mpsnr: number; mssim: number; sam: number; ergas: number };
  /** Rank of the 'svd' upsampler, when there is one. */
  rank?: number;
}

const fixed = (v: number | null, d: number) => (v === null ? '-' : v.toFixed(d));
const grouped = (v: number | null) => (v === null ? '-' : Math.round(v).toLocaleString('en-US'));

/**
 * The results table: one row per model, the best MPSNR / MSSIM (highest) and SAM / ERGAS (lowest)
 * in bold, bicubic included in the comparison.
 */
export function resultsTableMarkdown(rows: readonly TableRow[]): string {
  const best = {
    mpsnr: Math.max(...rows.map((r) => r.metrics.mpsnr)),
    mssim: Math.max(...rows.map((r) => r.metrics.mssim)),
    sam: Math.min(...rows.map((r) => r.metrics.sam)),
    ergas: Math.min(...rows.map((r) => r.metrics.ergas)),
  };
  const cell = (v: number, key: keyof typeof best, d: number) =>
    v.toFixed(d) === best[key].toFixed(d) ? `**${v.toFixed(d)}**` : v.toFixed(d);
  const lines = [
    '| model | params | GMACs | ms / forward | MPSNR (dB) | MSSIM | SAM (deg) | ERGAS |',
    '|---|---:|---:|---:|---:|---:|---:|---:|',
  ];
  for (const r of rows)
    lines.push(
      `| ${r.label}${r.rank !== undefined ? ` (r=${r.rank})` : ''} | ${grouped(r.params)} | ${fixed(r.gmacs, 3)} | ${fixed(r.msForward, 1)} | ${cell(r.metrics.mpsnr, 'mpsnr', 3)} | ${cell(r.metrics.mssim, 'mssim', 4)} | ${cell(r.metrics.sam, 'sam', 3)} | ${cell(r.metrics.ergas, 'ergas', 3)} |`,
    );
  return lines.join('\n');
}

/** Median of a non-empty list (mean of the middle two for even lengths). */
export function median(values: readonly number[]): number {
  if (!values.length) throw new RangeError('median of an empty list');
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}
