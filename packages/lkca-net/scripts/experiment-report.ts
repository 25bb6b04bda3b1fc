// results.json's shape and results.md from it (pure, tested in experiment-plan.test.ts). The
// findings are computed from the numbers, so a rerun that lands elsewhere rewrites them honestly.
import type { MetricName } from '@hsrkit/hsi-data';
import {
  type DegradationSpec,
  KD_ALPHA,
  lowRankVerdict,
  resultsTableMarkdown,
  SEED_PAIRS,
  SVD_ENERGY,
  svdParamRatio,
  type TableRow,
  type VariantId,
} from './experiment-plan.js';

/** The six scores of hsi-data's computeMetrics. */
export type Metrics = Record<MetricName, number>;

export interface VariantResult {
  id: VariantId;
  label: string;
  kd: boolean;
  upsampler: 'conv' | 'group' | 'svd';
  blocks: number;
  rank?: number;
  params: number;
  gmacs: number;
  msForward: number | null;
  /** Mean over the test cubes (a region scene has one). */
  metrics: Metrics;
  /** Each held-out crop's scores, for scenes of whole crops. */
  metricsPerTest?: Record<string, Metrics>;
  /** Seed of the weight init and patch order (runs before the converged one: unseeded). */
  seed?: number;
  steps: number;
  resumedFrom: number | null;
  /** Wall seconds of this variant's training in the run that finished it (validation included). */
  trainSeconds: number;
  /** True when --resume found it finished and it was loaded, not trained, in this invocation. */
  reused: boolean;
  validations: { step: number; mpsnr: number; sam: number }[];
}

export interface GroupResult {
  degradation: DegradationSpec;
  bicubic: Metrics;
  bicubicPerTest?: Record<string, Metrics>;
  variants: VariantResult[];
}

export interface SpectrumResult {
  /** e.g. 'student (bicubic)', 'teacher (blind)', 'untrained init'. */
  name: string;
  degradation: string | null;
  variant: string;
  matrixShape: [number, number];
  fullRank: number;
  ranks: { energy: number; rank: number }[];
  knee: number;
  /** Rank above which an 'svd' upsampler has more params than the conv. */
  breakEven: number;
  verdict: 'low-rank' | 'not low-rank';
  /** What `lkca analyze MODEL --json` printed for the same layer, when the CLI was built. */
  cliCheck: string;
  singularValues: number[];
}

export interface SceneResult {
  id: string;
  title: string;
  sensor: string;
  file: string;
  shape: [number, number, number];
  /** A region scene's hold-out; scenes of whole crops have train and test files instead. */
  holdOut?: { row: number; col: number; rows: number; cols: number };
  trainFiles?: string[];
  testFiles?: string[];
  lrInput: [number, number, number];
  training: {
    steps: number;
    batchSize: number;
    patchSize: number;
    stride: number;
    lr: number;
    seed?: number;
    seeds?: number[];
    loss?: string;
    trainPatches: number;
  };
  groups: GroupResult[];
  spectra: SpectrumResult[];
  plots: { svg: string; png: string | null };
}

/**
 * Scores of an earlier run of the same experiment at fewer steps (`--compare-to`), kept in
 * results.json so results.md can be rewritten from it alone: a convergence check for scenes
 * without a 2x-steps student (AVIRIS, Jasper), and a second one for those with one.
 */
export interface EarlierRun {
  /** Its results.json, relative to the repo root. */
  file: string;
  profile: string;
  generatedAt: string;
  groups: {
    scene: string;
    degradation: string;
    variants: { id: VariantId; label: string; steps: number; mpsnr: number; sam: number }[];
  }[];
}

export type EarlierGroup = EarlierRun['groups'][number];

export interface ExperimentResults {
  generatedAt: string;
  command: string;
  profile: string;
  complete: boolean;
  machine: {
    cpu: string;
    cores: number;
    node: string;
    tfjs: string;
    backend: string;
    loadAverageStart: number[];
    loadAverageEnd: number[];
  };
  wallMinutes: number;
  trainMinutes: number;
  timing: { warmup: number; runs: number };
  scenes: SceneResult[];
  earlier?: EarlierRun;
}

/** What an earlier run's results.json contributes to this run's report. */
export function earlierRunOf(file: string, r: ExperimentResults): EarlierRun {
  return {
    file,
    profile: r.profile,
    generatedAt: r.generatedAt,
    groups: r.scenes.flatMap((s) =>
      s.groups.map((g) => ({
        scene: s.id,
        degradation: g.degradation.id,
        variants: g.variants.map((v) => ({
          id: v.id,
          label: v.label,
          steps: v.steps,
          mpsnr: v.metrics.mpsnr,
          sam: v.metrics.sam,
        })),
      })),
    ),
  };
}

/** The earlier run's group of the same scene and degradation. */
export function earlierGroupOf(
  earlier: EarlierRun | undefined,
  scene: string,
  degradation: string,
): EarlierGroup | undefined {
  return earlier?.groups.find((x) => x.scene === scene && x.degradation === degradation);
}

export interface StepsCheck {
  /** This run's student steps over the earlier run's. */
  ratio: number;
  /** Student (mean over the seeds both runs have) now minus then. */
  mpsnr: number;
  sam: number;
  seeds: number;
  /** More steps moved it no more than the seeds' spread (or 0.05 dB). */
  converged: boolean;
}

/** The student now against the same student in an earlier run at fewer steps. */
export function stepsCheck(g: GroupResult, e: EarlierGroup | undefined): StepsCheck | undefined {
  if (!e) return undefined;
  const pairs = SEED_PAIRS.student
    .map((id) => [byId(g, id), e.variants.find((v) => v.id === id)] as const)
    .filter(([now, then]) => now && then && now.steps > then.steps);
  if (!pairs.length) return undefined;
  const mean = (k: (p: (typeof pairs)[number]) => number) =>
    pairs.reduce((a, p) => a + k(p), 0) / pairs.length;
  const mpsnr = mean(([now, then]) => now!.metrics.mpsnr - then!.mpsnr);
  return {
    ratio: pairs[0][0]!.steps / pairs[0][1]!.steps,
    mpsnr,
    sam: mean(([now, then]) => now!.metrics.sam - then!.sam),
    seeds: pairs.length,
    converged: Math.abs(mpsnr) <= Math.max(0.05, seedSpread(g) ?? 0),
  };
}

/** Every variant in both runs: its steps, MPSNR and SAM then and now. */
export function earlierRunTable(g: GroupResult, e: EarlierGroup | undefined): string | undefined {
  const rows = g.variants.flatMap((v) => {
    const then = e?.variants.find((x) => x.id === v.id);
    return then
      ? [
          `| ${v.label} | ${then.steps} -> ${v.steps} | ${f(then.mpsnr, 3)} -> ${f(v.metrics.mpsnr, 3)} (${signed(v.metrics.mpsnr - then.mpsnr, 3)}) | ${f(then.sam, 3)} -> ${f(v.metrics.sam, 3)} (${signed(v.metrics.sam - then.sam, 3)}) |`,
        ]
      : [];
  });
  if (!rows.length) return undefined;
  return [
    '| model | steps: earlier run -> this run | MPSNR (dB) | SAM (deg) |',
    '|---|---:|---:|---:|',
    ...rows,
  ].join('\n');
}

/** The finding of `stepsCheck` in words. */
export function stepsFinding(c: StepsCheck, e: EarlierRun): string {
  return `Against the earlier run (\`${e.file}\`, profile '${e.profile}'): the student (mean of ${c.seeds} seed${c.seeds > 1 ? 's' : ''}) at ${f(c.ratio, 0)}x the steps: ${signed(c.mpsnr, 3)} dB, SAM ${signed(c.sam, 3)} deg${c.converged ? ': converged (the extra steps change less than the seeds do)' : ": NOT converged at the earlier budget (the extra steps move the score beyond the seeds' spread)"}.`;
}

const f = (v: number, d: number) => v.toFixed(d);
const signed = (v: number, d: number) => `${v >= 0 ? '+' : ''}${v.toFixed(d)}`;

export function groupTableRows(g: GroupResult): TableRow[] {
  return [
    { label: 'bicubic', params: null, gmacs: null, msForward: null, metrics: g.bicubic },
    ...g.variants.map((v) => ({
      label: v.label,
      params: v.params,
      gmacs: v.gmacs,
      msForward: v.msForward,
      metrics: v.metrics,
      rank: v.rank,
    })),
  ];
}

function byId(g: GroupResult, id: VariantId): VariantResult | undefined {
  return g.variants.find((v) => v.id === id);
}

/** Mean MPSNR and SAM of the variants present among `ids` (a claim over its seeds). */
function meanOf(g: GroupResult, ids: readonly VariantId[]) {
  const vs = ids.map((id) => byId(g, id)).filter((v): v is VariantResult => !!v);
  if (!vs.length) return undefined;
  return {
    n: vs.length,
    mpsnr: vs.reduce((a, v) => a + v.metrics.mpsnr, 0) / vs.length,
    sam: vs.reduce((a, v) => a + v.metrics.sam, 0) / vs.length,
    params: vs[0].params,
    ms: vs.every((v) => v.msForward !== null)
      ? vs.reduce((a, v) => a + (v.msForward as number), 0) / vs.length
      : null,
    first: vs[0],
  };
}

/** The largest MPSNR gap between two seeds of one configuration: the noise floor of a comparison. */
export function seedSpread(g: GroupResult): number | undefined {
  let spread: number | undefined;
  for (const ids of Object.values(SEED_PAIRS)) {
    const [a, b] = ids.map((id) => byId(g, id));
    if (a && b) spread = Math.max(spread ?? 0, Math.abs(a.metrics.mpsnr - b.metrics.mpsnr));
  }
  // Results of the first runs had a rerun of the student instead of seeds.
  const s = byId(g, 'student');
  const rerun = byId(g, 'student-rerun');
  if (s && rerun) spread = Math.max(spread ?? 0, Math.abs(s.metrics.mpsnr - rerun.metrics.mpsnr));
  return spread;
}

/** "better" / "worse" beyond the seed spread, else "no difference beyond the seeds' spread". */
function beyond(delta: number, spread: number | undefined): string {
  if (spread === undefined) return '';
  if (Math.abs(delta) <= spread)
    return ` (within the seeds' spread of ${f(spread, 3)} dB: no evidence either way)`;
  return delta > 0 ? " (better, beyond the seeds' spread)" : " (worse, beyond the seeds' spread)";
}

/** Plain-language comparisons computed from one (scene, degradation) group. */
export function groupFindings(g: GroupResult): string[] {
  const out: string[] = [];
  const best = [...g.variants].sort((a, b) => b.metrics.mpsnr - a.metrics.mpsnr)[0];
  if (best)
    out.push(
      `Best MPSNR: ${best.label} at ${f(best.metrics.mpsnr, 3)} dB, ${signed(best.metrics.mpsnr - g.bicubic.mpsnr, 3)} dB vs bicubic (SAM ${f(best.metrics.sam, 3)} vs ${f(g.bicubic.sam, 3)} deg). ` +
        `${g.variants.filter((v) => v.metrics.mpsnr > g.bicubic.mpsnr).length} of ${g.variants.length} trained models beat bicubic in MPSNR, ${g.variants.filter((v) => v.metrics.sam < g.bicubic.sam).length} in SAM.`,
    );
  const spread = seedSpread(g);
  if (spread !== undefined)
    out.push(
      `Two seeds of the same configuration (init and patch order) land up to ${f(spread, 3)} dB apart: differences of that size below are not evidence of anything. Claims below compare means over the seeds.`,
    );
  const student = meanOf(g, SEED_PAIRS.student);
  const long = byId(g, 'student-long');
  const s1 = byId(g, 'student');
  if (long && s1)
    out.push(
      `Convergence check: the same student (seed 1) trained ${f(long.steps / s1.steps, 0)}x as long: ${signed(long.metrics.mpsnr - s1.metrics.mpsnr, 3)} dB, SAM ${signed(long.metrics.sam - s1.metrics.sam, 3)} deg${Math.abs(long.metrics.mpsnr - s1.metrics.mpsnr) <= Math.max(0.05, spread ?? 0) ? ': the budget has converged (doubling it changes less than the seeds do)' : ": NOT converged at this budget (doubling it still moves the score beyond the seeds' spread)"}.`,
    );
  const l1 = byId(g, 'student-l1');
  const light = byId(g, 'student-sam01');
  if (s1 && (l1 || light))
    out.push(
      `The loss (student, seed 1, same steps): ${[
        [l1, 'L1 alone'],
        [light, 'L1 + 0.1 angle + 1 gradient'],
        [s1, 'L1 + 1 angle + 1 gradient (the default)'],
      ]
        .filter(([v]) => v)
        .map(
          ([v, name]) =>
            `${name} ${f((v as VariantResult).metrics.mpsnr, 3)} dB / SAM ${f((v as VariantResult).metrics.sam, 3)} deg`,
        )
        .join('; ')} (bicubic ${f(g.bicubic.mpsnr, 3)} / ${f(g.bicubic.sam, 3)}).`,
    );
  const t = byId(g, 'teacher');
  if (t && student) {
    const d = t.metrics.mpsnr - student.mpsnr;
    out.push(
      `Teacher (${t.blocks} LKB, ${f(t.steps / (s1?.steps ?? t.steps), 0)}x steps) minus the student (4 LKB, mean of ${student.n} seeds): ${signed(d, 3)} dB, SAM ${signed(t.metrics.sam - student.sam, 3)} deg${beyond(d, spread)}.`,
    );
  }
  const kdParts: string[] = [];
  for (const [alone, kd] of [
    [SEED_PAIRS.student, SEED_PAIRS['student-kd']],
    [['group'], ['group-kd']],
    [['svd'], ['svd-kd']],
  ] as const) {
    const a = meanOf(g, alone);
    const k = meanOf(g, kd);
    if (a && k)
      kdParts.push(
        `\`${a.first.upsampler}\` ${signed(k.mpsnr - a.mpsnr, 3)} dB / SAM ${signed(k.sam - a.sam, 3)} deg${beyond(k.mpsnr - a.mpsnr, spread)}`,
      );
  }
  if (kdParts.length)
    out.push(
      `Distillation (alpha ${KD_ALPHA}) minus the same student trained alone${t && student && t.metrics.mpsnr > student.mpsnr ? ' (from a teacher that is better than the student)' : t ? ' (the teacher is NOT better than the student here)' : ''}: ${kdParts.join('; ')}.`,
    );
  const lrParts: string[] = [];
  for (const key of ['group', 'svd'] as const) {
    const v = meanOf(g, SEED_PAIRS[key]);
    if (v && student)
      lrParts.push(
        `\`${key}\`${v.first.rank !== undefined ? ` (r=${v.first.rank})` : ''} ${signed(v.mpsnr - student.mpsnr, 3)} dB / SAM ${signed(v.sam - student.sam, 3)} deg at ${f(v.params / student.params, 2)}x the params and ${v.ms && student.ms ? `${f(v.ms / student.ms, 2)}x the time` : 'n/a time'}${beyond(v.mpsnr - student.mpsnr, spread)}`,
      );
  }
  if (lrParts.length)
    out.push(
      `Low-rank upsampler minus the full \`conv\` student (both trained alone, means over seeds): ${lrParts.join('; ')}.`,
    );
  return out;
}

export interface ClaimVerdicts {
  scene: string;
  degradation: string;
  /** Best trained model minus bicubic. */
  bestVsBicubic: { mpsnr: number; sam: number } | undefined;
  converged: boolean | undefined;
  /** What decided `converged`, with the change: e.g. '2x steps: +0.020 dB'. */
  convergedBy?: string;
  teacherBetter: boolean | undefined;
  kdHelps: 'yes' | 'no' | 'no evidence' | undefined;
  lowRankKeepsQuality: { group?: string; svd?: string };
  upsamplerLowRank: string | undefined;
}

/** The paper's claims, one verdict each, from a scene's group (numbers, not wording, decide). */
export function claimVerdicts(
  scene: SceneResult,
  g: GroupResult,
  earlier?: EarlierGroup,
): ClaimVerdicts {
  const spread = seedSpread(g) ?? 0;
  const student = meanOf(g, SEED_PAIRS.student);
  const kd = meanOf(g, SEED_PAIRS['student-kd']);
  const t = byId(g, 'teacher');
  const long = byId(g, 'student-long');
  const s1 = byId(g, 'student');
  const best = [...g.variants].sort((a, b) => b.metrics.mpsnr - a.metrics.mpsnr)[0];
  const keeps = (key: 'group' | 'svd') => {
    const v = meanOf(g, SEED_PAIRS[key]);
    if (!v || !student) return undefined;
    const d = v.mpsnr - student.mpsnr;
    return `${d >= -spread ? 'yes' : 'no'} (${signed(d, 3)} dB at ${f(v.params / student.params, 2)}x the params)`;
  };
  const sp = scene.spectra.filter(
    (x) => x.degradation === g.degradation.id && x.variant !== 'init',
  );
  // The 2x-steps student of this run decides; else the same student in an earlier, shorter run.
  const check = long && s1 ? undefined : stepsCheck(g, earlier);
  const converged =
    long && s1
      ? Math.abs(long.metrics.mpsnr - s1.metrics.mpsnr) <= Math.max(0.05, spread)
      : check?.converged;
  const convergedBy =
    long && s1
      ? `${f(long.steps / s1.steps, 0)}x steps: ${signed(long.metrics.mpsnr - s1.metrics.mpsnr, 3)} dB`
      : check
        ? `${f(check.ratio, 0)}x steps of an earlier run: ${signed(check.mpsnr, 3)} dB`
        : undefined;
  return {
    scene: scene.title.split(' (')[0],
    degradation: g.degradation.id,
    bestVsBicubic: best
      ? { mpsnr: best.metrics.mpsnr - g.bicubic.mpsnr, sam: best.metrics.sam - g.bicubic.sam }
      : undefined,
    converged,
    convergedBy,
    teacherBetter: t && student ? t.metrics.mpsnr - student.mpsnr > spread : undefined,
    kdHelps:
      kd && student
        ? Math.abs(kd.mpsnr - student.mpsnr) <= spread
          ? 'no evidence'
          : kd.mpsnr > student.mpsnr
            ? 'yes'
            : 'no'
        : undefined,
    lowRankKeepsQuality: { group: keeps('group'), svd: keeps('svd') },
    upsamplerLowRank: sp.length
      ? sp
          .map((x) => `${x.name}: ${verdictOf(x)} (r(0.9) ${rank90(x)} of ${x.fullRank})`)
          .join('; ')
      : undefined,
  };
}

function claimsSection(r: ExperimentResults): string[] {
  const rows: string[] = [];
  for (const scene of r.scenes)
    for (const g of scene.groups) {
      const v = claimVerdicts(scene, g, earlierGroupOf(r.earlier, scene.id, g.degradation.id));
      const yn = (b: boolean | undefined) => (b === undefined ? '-' : b ? 'yes' : 'no');
      rows.push(
        `| ${v.scene} (${v.degradation}) | ${v.bestVsBicubic ? `${signed(v.bestVsBicubic.mpsnr, 3)} dB / SAM ${signed(v.bestVsBicubic.sam, 3)}` : '-'} | ${yn(v.converged)}${v.convergedBy ? ` (${v.convergedBy})` : ''} | ${yn(v.teacherBetter)} | ${v.kdHelps ?? '-'}${v.kdHelps && v.teacherBetter === false ? ' (from a teacher no better than the student)' : ''} | ${v.lowRankKeepsQuality.group ?? '-'} | ${v.lowRankKeepsQuality.svd ?? '-'} | ${v.upsamplerLowRank ?? '-'} |`,
      );
    }
  if (!rows.length) return [];
  return [
    '## The claims, in one table',
    '',
    'Each cell is computed from this run\'s numbers (rules in the sections below): "yes"/"no" beyond the spread between two seeds of one configuration, "no evidence" within it.',
    '',
    "| scene | best model vs bicubic | converged (more steps move the student less than the seeds) | teacher better than student | KD helps the student | `group` keeps the student's quality | `svd` r(0.9) keeps it | trained upsampler low-rank |",
    '|---|---|---|---|---|---|---|---|',
    ...rows,
    '',
  ];
}

/** Each held-out crop's MPSNR / SAM (scenes of whole crops), bicubic first. */
export function perTestTable(g: GroupResult): string | undefined {
  if (!g.bicubicPerTest) return undefined;
  const names = Object.keys(g.bicubicPerTest);
  const lines = [
    `| model | ${names.map((n) => `\`${n}\` MPSNR / SAM`).join(' | ')} |`,
    `|---|${names.map(() => '---:').join('|')}|`,
    `| bicubic | ${names.map((n) => `${f(g.bicubicPerTest![n].mpsnr, 3)} / ${f(g.bicubicPerTest![n].sam, 3)}`).join(' | ')} |`,
  ];
  for (const v of g.variants)
    if (v.metricsPerTest)
      lines.push(
        `| ${v.label} | ${names.map((n) => (v.metricsPerTest![n] ? `${f(v.metricsPerTest![n].mpsnr, 3)} / ${f(v.metricsPerTest![n].sam, 3)}` : '-')).join(' | ')} |`,
      );
  return lines.join('\n');
}

/** Validation MPSNR along training (on patches of the scored data; it selects nothing). */
export function learningCurveTable(g: GroupResult): string | undefined {
  const withCurves = g.variants.filter((v) => v.validations.length > 1);
  if (!withCurves.length) return undefined;
  const lines = [
    '| model | validation MPSNR (dB) at step: ... | last - middle |',
    '|---|---|---:|',
  ];
  for (const v of withCurves) {
    const mid = v.validations[Math.floor((v.validations.length - 1) / 2)];
    const last = v.validations[v.validations.length - 1];
    lines.push(
      `| ${v.label} | ${v.validations.map((x) => `${x.step}: ${f(x.mpsnr, 2)}`).join(', ')} | ${signed(last.mpsnr - mid.mpsnr, 3)} |`,
    );
  }
  return lines.join('\n');
}

/** Does the low-rank student keep up under the blind degradation as it does under bicubic? */
export function blindFindings(scene: SceneResult): string[] {
  const plain = scene.groups.find((g) => g.degradation.id === 'bicubic');
  const blind = scene.groups.find((g) => g.degradation.id === 'blind');
  if (!plain || !blind) return [];
  const gap = (g: GroupResult, id: VariantId) => {
    const v = byId(g, id);
    const s = byId(g, 'student');
    return v && s ? v.metrics.mpsnr - s.metrics.mpsnr : Number.NaN;
  };
  const parts: string[] = [];
  for (const id of ['group', 'group-kd', 'svd', 'svd-kd'] as const) {
    const a = gap(plain, id);
    const b = gap(blind, id);
    if (Number.isFinite(a) && Number.isFinite(b))
      parts.push(`${id}: ${signed(a, 3)} dB (bicubic) -> ${signed(b, 3)} dB (blind)`);
  }
  if (!parts.length) return [];
  return [
    `Gap of each low-rank student to the full \`conv\` student trained alone, bicubic vs blind degradation: ${parts.join('; ')}.`,
  ];
}

const rank90 = (s: SpectrumResult) => s.ranks.find((x) => Math.abs(x.energy - 0.9) < 1e-9)?.rank;

/** The verdict from the ranks, so re-rendering old results applies the current rule. */
function verdictOf(s: SpectrumResult): string {
  const r = rank90(s);
  return r === undefined ? s.verdict : lowRankVerdict(r, s.matrixShape[0], s.matrixShape[1]);
}

/** Share of the squared Frobenius norm held by the first k singular values. */
export function energyAtRank(singularValues: readonly number[], k: number): number {
  let top = 0;
  let all = 0;
  singularValues.forEach((v, i) => {
    all += v * v;
    if (i < k) top += v * v;
  });
  return all > 0 ? top / all : 1;
}

function spectraTable(spectra: SpectrumResult[]): string {
  const lines = [
    `| upsampler | matrix | full rank | rank for 90 % energy | 95 % | 99 % | knee | energy in the top 16 (the shipped student's rank) | \`svd\` at r(0.9): params / \`conv\`'s | verdict | \`lkca analyze\` |`,
    '|---|---|---:|---:|---:|---:|---:|---:|---:|---|---|',
  ];
  for (const s of spectra) {
    const r = (e: number) => s.ranks.find((x) => Math.abs(x.energy - e) < 1e-9)?.rank ?? '-';
    const r90 = rank90(s);
    lines.push(
      `| ${s.name} | ${s.matrixShape[0]} x ${s.matrixShape[1]} | ${s.fullRank} | ${r(0.9)} (${f((100 * Number(r(0.9))) / s.fullRank, 0)} %) | ${r(0.95)} | ${r(0.99)} | ${s.knee} | ${f(100 * energyAtRank(s.singularValues, 16), 1)} % | ${r90 === undefined ? '-' : f(svdParamRatio(r90, s.matrixShape[0], s.matrixShape[1]), 2)} | ${verdictOf(s)} | ${s.cliCheck} |`,
    );
  }
  return lines.join('\n');
}

/** What scores a scene: its hold-out region, or the crops held out whole. */
function testOf(s: SceneResult): string {
  if (s.holdOut)
    return `rows ${s.holdOut.row}-${s.holdOut.row + s.holdOut.rows - 1}, cols ${s.holdOut.col}-${s.holdOut.col + s.holdOut.cols - 1}`;
  return `whole crops ${(s.testFiles ?? []).map((f) => `\`${f}\``).join(', ')} (trained on ${(s.trainFiles ?? []).map((f) => `\`${f}\``).join(', ')})`;
}

/** The finding and table against the earlier run, for one group (nothing without one). */
function earlierSection(g: GroupResult, earlier: EarlierRun | undefined, scene: string): string[] {
  const e = earlierGroupOf(earlier, scene, g.degradation.id);
  if (!earlier || !e) return [];
  const check = stepsCheck(g, e);
  const table = earlierRunTable(g, e);
  return [
    ...(check ? [`- ${stepsFinding(check, earlier)}`] : []),
    ...(table
      ? [
          '',
          `The same variants in the earlier run (\`${earlier.file}\`) and in this one:`,
          '',
          table,
        ]
      : []),
  ];
}

/**
 * The budget line. A run that only loaded models finished by earlier invocations (`--resume`)
 * trained nothing itself: then the training the models took, in the runs that finished them, is
 * what a reader needs (the per-scene lines break it down).
 */
function wallTimeLine(r: ExperimentResults): string {
  const variantMinutes =
    r.scenes.reduce(
      (a, s) =>
        a + s.groups.reduce((b, g) => b + g.variants.reduce((c, v) => c + v.trainSeconds, 0), 0),
      0,
    ) / 60;
  const head = `- Wall time of the whole invocation: **${f(r.wallMinutes, 1)} min**`;
  if (variantMinutes <= r.trainMinutes + 0.1)
    return `${head} (training ${f(r.trainMinutes, 1)} min; the rest is reading, scoring, timing and SVDs).`;
  return `${head} (training in it ${f(r.trainMinutes, 1)} min; the rest is reading, scoring, timing and SVDs). The models were trained by earlier invocations of the same command with \`--resume\`, run in the background across sessions: **${f(variantMinutes, 1)} min** of training in the runs that finished them (each scene's line below; the time before a resume is not counted).`;
}

export function resultsMarkdown(r: ExperimentResults): string {
  const out: string[] = [];
  out.push(
    '# LKCA-Net experiment: teacher, full and low-rank students, with and without distillation',
    '',
    `Generated by \`${r.command}\` (\`packages/lkca-net/scripts/experiment.ts\`) on ${r.generatedAt.slice(0, 10)}. ` +
      `Numbers from \`results.json\` beside this file.${r.complete ? '' : ' **This run is incomplete** (interrupted or a subset): missing rows were not trained.'}`,
    '',
    ...claimsSection(r),
    '## Setup and budget',
    '',
    `- Machine: ${r.machine.cpu}, ${r.machine.cores} cores, Node ${r.machine.node}, TF.js ${r.machine.tfjs}, backend ${r.machine.backend} (training and timing). ` +
      `Load average at start ${r.machine.loadAverageStart.map((v) => v.toFixed(2)).join(' / ')}, at end ${r.machine.loadAverageEnd.map((v) => v.toFixed(2)).join(' / ')} (the machine is shared; wall times include that).`,
    wallTimeLine(r),
    ...(r.scenes.some((s) => s.training.seeds)
      ? [
          `- Every variant of a scene is trained for the scene's steps (the teacher and the convergence check for twice as many) with Adam, cosine LR from 1e-3 to 0, gradient clip 1, dihedral augmentation, and the loss ${r.scenes.find((s) => s.training.loss)?.training.loss ?? 'L1'} (the field's spectral terms, as \`lkca train\`). Seed s fixes the weight init (seeded Glorot) and the patch order; the claims are trained with seeds ${r.scenes.find((s) => s.training.seeds)?.training.seeds?.join(' and ')}. Nothing scored is ever trained on. The model kept is the last step's: the validation curve below is measured on the scored data but selects nothing.`,
        ]
      : [
          `- Every variant of a scene is trained for the same steps on the same seeded patches (Adam, cosine LR from 1e-3, L1, gradient clip 1, dihedral augmentation), never on the hold-out, which scores it. Weight init is TF.js's unseeded Glorot.`,
        ]),
    `- KD: LKCA-KD on the features F (input of the upsampler), alpha ${KD_ALPHA} (the repo's default: at alpha 1 the distilled demo student ended below the same student trained alone, \`bench/results/distillation.json\`), cosine decay, from the teacher trained on the same degradation.`,
    `- \`svd\`: a 4-LKB student built with \`lkcaNet({upsampler: 'svd', upsamplerRank: r})\` and trained from scratch for the same steps, r = the rank holding ${SVD_ENERGY * 100} % of the energy of the trained full student's upsampler (same scene and degradation), from \`@hsrkit/lowrank\`'s \`analyzeLayer\`. Its steps are counted like every other variant's.`,
    `- Scores: hsi-data \`computeMetrics\`, \`sspsr\` preset, data range = the hold-out's peak, ERGAS ratio 4, on the whole hold-out (or each held-out crop, the scores then averaged) super-resolved in one forward pass. ms / forward: median of ${r.timing.runs} \`model.predict\` calls on that LR input on wasm after ${r.timing.warmup} warm-ups, variants interleaved so that load from other users of this shared machine hits them alike: compare ms within one table, not across tables or runs. GMACs: \`modelCost\` at the same input size (the bicubic skip's fixed matMuls not counted).`,
    '',
    '| scene | sensor | file | scored on (HR, never trained on) | LR input | steps / variant | batch x HR patch | train patches |',
    '|---|---|---|---|---|---:|---|---:|',
  );
  for (const s of r.scenes)
    out.push(
      `| ${s.title} | ${s.sensor} | \`${s.file}\` | ${testOf(s)} | ${s.lrInput.join(' x ')} | ${variantSteps(s)} | ${s.training.batchSize} x ${s.training.patchSize}x${s.training.patchSize} (stride ${s.training.stride}) | ${s.training.trainPatches} |`,
    );
  out.push('');
  for (const s of r.scenes) {
    out.push(`## ${s.title}`, '');
    for (const g of s.groups) {
      const trainMin = g.variants.reduce((a, v) => a + v.trainSeconds, 0) / 60;
      out.push(
        `### ${g.degradation.id === 'bicubic' ? 'Bicubic degradation' : 'Blind degradation'}: ${g.degradation.title}`,
        '',
        resultsTableMarkdown(groupTableRows(g)),
        '',
        ...(perTestTable(g)
          ? ['Each held-out crop (the table above averages them):', '', perTestTable(g)!, '']
          : []),
        `Training time of these ${g.variants.length} models: ${f(trainMin, 1)} min (${g.variants.map((v) => `${v.id} ${f(v.trainSeconds / Math.max(1, v.steps - (v.resumedFrom ?? 0)), 2)} s/step${v.resumedFrom ? `, resumed from ${v.resumedFrom}` : ''}`).join('; ')}).`,
        '',
        ...groupFindings(g).map((x) => `- ${x}`),
        ...earlierSection(g, r.earlier, s.id),
        '',
        ...(learningCurveTable(g)
          ? [
              'Learning curves (validation MPSNR on patches of the scored data, LR by the same degradation; it selects nothing):',
              '',
              learningCurveTable(g)!,
              '',
            ]
          : []),
      );
    }
    const bf = blindFindings(s);
    if (bf.length) out.push(...bf.map((x) => `- ${x}`), '');
    // A scene still training (an incomplete run) has no spectra or plot yet.
    if (!s.spectra.length) continue;
    out.push(
      '### The claim: is the trained upsampler low-rank?',
      '',
      `Verdict rule: "low-rank" when an \`svd\` upsampler keeping 90 % of the energy (rank r(0.9)) has at most half the params of the full \`conv\` one. The untrained row is TF.js's Glorot init of the same layer: what training started from.`,
      '',
      spectraTable(s.spectra),
      '',
      `![singular values of the upsamplers, ${s.id}](${s.plots.png ?? s.plots.svg})`,
      '',
      `Plot: [\`${s.plots.svg}\`](${s.plots.svg})${s.plots.png ? ` (PNG copy \`${s.plots.png}\`)` : ''}.`,
      '',
    );
    const trained = s.spectra.filter((x) => x.variant !== 'init');
    const init = s.spectra.find((x) => x.variant === 'init');
    const notLow = trained.filter((x) => verdictOf(x) === 'not low-rank');
    if (notLow.length)
      out.push(
        `On ${s.title.split(' (')[0]} ${notLow.length === trained.length ? 'the trained upsamplers are' : `${notLow.length} of ${trained.length} trained upsamplers are`} **not low-rank** by that rule: ${notLow.map((x) => `${x.name} (r(0.9) ${rank90(x)} of ${x.fullRank})`).join(', ')}${init ? `; the untrained init needs r(0.9) = ${rank90(init)}` : ''}.`,
        '',
      );
  }
  return `${out.join('\n')}\n`;
}

/** Steps of a variant of the scene (the student's; runs before this fix recorded the teacher's 2x). */
function variantSteps(s: SceneResult): number {
  return (
    s.groups.flatMap((g) => g.variants).find((v) => v.id === 'student')?.steps ?? s.training.steps
  );
}
