// results.json's shape and results.md from it (pure, tested in experiment-plan.test.ts). The
// findings are computed from the numbers, so a rerun that lands elsewhere rewrites them honestly.
import type { MetricName } from '@hsrkit/hsi-data';
import {
  type DegradationSpec,
  KD_ALPHA,
  lowRankVerdict,
  resultsTableMarkdown,
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
  metrics: Metrics;
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
  holdOut: { row: number; col: number; rows: number; cols: number };
  lrInput: [number, number, number];
  training: {
    steps: number;
    batchSize: number;
    patchSize: number;
    stride: number;
    lr: number;
    seed: number;
    trainPatches: number;
  };
  groups: GroupResult[];
  spectra: SpectrumResult[];
  plots: { svg: string; png: string | null };
}

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

/** Plain-language comparisons computed from one (scene, degradation) group. */
export function groupFindings(g: GroupResult): string[] {
  const out: string[] = [];
  const dB = (a?: VariantResult, b?: VariantResult) =>
    a && b ? a.metrics.mpsnr - b.metrics.mpsnr : Number.NaN;
  const t = byId(g, 'teacher');
  const s = byId(g, 'student');
  const rerun = byId(g, 'student-rerun');
  const best = [...g.variants].sort((a, b) => b.metrics.mpsnr - a.metrics.mpsnr)[0];
  if (best)
    out.push(
      `Best MPSNR: ${best.label} at ${f(best.metrics.mpsnr, 3)} dB, ${signed(best.metrics.mpsnr - g.bicubic.mpsnr, 3)} dB vs bicubic (SAM ${f(best.metrics.sam, 3)} vs ${f(g.bicubic.sam, 3)} deg). ` +
        `${g.variants.filter((v) => v.metrics.mpsnr > g.bicubic.mpsnr).length} of ${g.variants.length} trained models beat bicubic in MPSNR, ${g.variants.filter((v) => v.metrics.sam < g.bicubic.sam).length} in SAM.`,
    );
  if (s && rerun)
    out.push(
      `Two trainings of the same student (different random init) differ by ${f(Math.abs(dB(s, rerun)), 3)} dB MPSNR and ${f(Math.abs(s.metrics.sam - rerun.metrics.sam), 3)} deg SAM: differences of that size below are not evidence of anything.`,
    );
  if (t && s)
    out.push(`Teacher (8 LKB) vs student (4 LKB), both \`conv\`: ${signed(dB(t, s), 3)} dB.`);
  const kdParts: string[] = [];
  for (const [alone, kd] of [
    ['student', 'student-kd'],
    ['group', 'group-kd'],
    ['svd', 'svd-kd'],
  ] as const) {
    const a = byId(g, alone);
    const k = byId(g, kd);
    if (a && k)
      kdParts.push(
        `\`${a.upsampler}\` ${signed(dB(k, a), 3)} dB / SAM ${signed(k.metrics.sam - a.metrics.sam, 3)} deg`,
      );
  }
  if (kdParts.length)
    out.push(
      `Distillation (alpha ${KD_ALPHA}) minus the same student trained alone: ${kdParts.join('; ')}.`,
    );
  const lrParts: string[] = [];
  for (const id of ['group', 'svd'] as const) {
    const v = byId(g, id);
    if (v && s)
      lrParts.push(
        `\`${v.upsampler}\`${v.rank !== undefined ? ` (r=${v.rank})` : ''} ${signed(dB(v, s), 3)} dB at ${f(v.params / s.params, 2)}x the params and ${v.msForward && s.msForward ? `${f(v.msForward / s.msForward, 2)}x the time` : 'n/a time'}`,
      );
  }
  if (lrParts.length)
    out.push(
      `Low-rank upsampler minus the full \`conv\` student (both trained alone): ${lrParts.join('; ')}.`,
    );
  return out;
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

export function resultsMarkdown(r: ExperimentResults): string {
  const out: string[] = [];
  out.push(
    '# LKCA-Net experiment: teacher, full and low-rank students, with and without distillation',
    '',
    `Generated by \`${r.command}\` (\`packages/lkca-net/scripts/experiment.ts\`) on ${r.generatedAt.slice(0, 10)}. ` +
      `Numbers from \`results.json\` beside this file.${r.complete ? '' : ' **This run is incomplete** (interrupted or a subset): missing rows were not trained.'}`,
    '',
    '## Setup and budget',
    '',
    `- Machine: ${r.machine.cpu}, ${r.machine.cores} cores, Node ${r.machine.node}, TF.js ${r.machine.tfjs}, backend ${r.machine.backend} (training and timing). ` +
      `Load average at start ${r.machine.loadAverageStart.map((v) => v.toFixed(2)).join(' / ')}, at end ${r.machine.loadAverageEnd.map((v) => v.toFixed(2)).join(' / ')} (the machine is shared; wall times include that).`,
    `- Wall time of the whole invocation: **${f(r.wallMinutes, 1)} min** (training ${f(r.trainMinutes, 1)} min; the rest is reading, scoring, timing and SVDs).`,
    `- Every variant of a scene is trained for the same steps on the same seeded patches (Adam, cosine LR from 1e-3, L1, gradient clip 1, dihedral augmentation), never on the hold-out, which scores it. Weight init is TF.js's unseeded Glorot.`,
    `- KD: LKCA-KD on the features F (input of the upsampler), alpha ${KD_ALPHA} (the repo's default: at alpha 1 the distilled demo student ended below the same student trained alone, \`bench/results/distillation.json\`), cosine decay, from the teacher trained on the same degradation.`,
    `- \`svd\`: a 4-LKB student built with \`lkcaNet({upsampler: 'svd', upsamplerRank: r})\` and trained from scratch for the same steps, r = the rank holding ${SVD_ENERGY * 100} % of the energy of the trained full student's upsampler (same scene and degradation), from \`@hsrkit/lowrank\`'s \`analyzeLayer\`. Its steps are counted like every other variant's.`,
    `- Scores: hsi-data \`computeMetrics\`, \`sspsr\` preset, data range = the hold-out's peak, ERGAS ratio 4, on the whole hold-out super-resolved in one forward pass. ms / forward: median of ${r.timing.runs} \`model.predict\` calls on that LR input on wasm after ${r.timing.warmup} warm-ups, variants interleaved so that load from other users of this shared machine hits them alike: compare ms within one table, not across tables or runs. GMACs: \`modelCost\` at the same input size (the bicubic skip's fixed matMuls not counted).`,
    '',
    '| scene | sensor | file | hold-out (HR) | LR input | steps / variant | batch x HR patch | train patches |',
    '|---|---|---|---|---|---:|---|---:|',
  );
  for (const s of r.scenes)
    out.push(
      `| ${s.title} | ${s.sensor} | \`${s.file}\` | rows ${s.holdOut.row}-${s.holdOut.row + s.holdOut.rows - 1}, cols ${s.holdOut.col}-${s.holdOut.col + s.holdOut.cols - 1} | ${s.lrInput.join(' x ')} | ${s.training.steps} | ${s.training.batchSize} x ${s.training.patchSize}x${s.training.patchSize} (stride ${s.training.stride}) | ${s.training.trainPatches} |`,
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
        `Training time of these ${g.variants.length} models: ${f(trainMin, 1)} min (${g.variants.map((v) => `${v.id} ${f(v.trainSeconds / Math.max(1, v.steps - (v.resumedFrom ?? 0)), 2)} s/step${v.resumedFrom ? `, resumed from ${v.resumedFrom}` : ''}`).join('; ')}).`,
        '',
        ...groupFindings(g).map((x) => `- ${x}`),
        '',
      );
    }
    const bf = blindFindings(s);
    if (bf.length) out.push(...bf.map((x) => `- ${x}`), '');
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
