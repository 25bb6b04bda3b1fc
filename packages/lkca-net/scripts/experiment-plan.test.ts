import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  ExperimentUsageError,
  isCanonicalRun,
  lowRankVerdict,
  median,
  parseExperimentArgs,
  planRuns,
  profileName,
  resultsTableMarkdown,
  SCALE,
  SCENES,
  SEED_PAIRS,
  stepsFor,
  svdBreakEvenRank,
  svdParamRatio,
  svdUpsamplerParams,
  VARIANTS,
} from './experiment-plan.js';
import {
  blindFindings,
  claimVerdicts,
  earlierRunOf,
  earlierRunTable,
  energyAtRank,
  type ExperimentResults,
  type GroupResult,
  groupFindings,
  type Metrics,
  resultsMarkdown,
  seedSpread,
  stepsCheck,
  type VariantResult,
} from './experiment-report.js';
import { renderSpectrumPng } from './spectrum-png.js';

const repoRoot = resolve(fileURLToPath(new URL('.', import.meta.url)), '../../..');

const m = (mpsnr: number, sam = 2): Metrics => ({
  mpsnr,
  mssim: 0.9,
  sam,
  ergas: 2,
  cc: 0.99,
  rmse: 1,
});

function variant(
  id: VariantResult['id'],
  mpsnr: number,
  extra: Partial<VariantResult> = {},
): VariantResult {
  return {
    id,
    label: id,
    kd: id.endsWith('-kd'),
    upsampler: id.startsWith('group') ? 'group' : id.startsWith('svd') ? 'svd' : 'conv',
    blocks: id === 'teacher' ? 8 : 4,
    params: 100,
    gmacs: 1,
    msForward: 10,
    metrics: m(mpsnr),
    steps: 10,
    resumedFrom: null,
    trainSeconds: 1,
    reused: false,
    validations: [],
    ...extra,
  };
}

describe('experiment plan', () => {
  it('parses the command line and refuses what it does not know, with a typed error', () => {
    expect(parseExperimentArgs([])).toMatchObject({
      scenes: ['balloons', 'aviris', 'jasper'],
      degradations: ['bicubic'],
      stepsScale: 1,
      quick: false,
      resume: false,
    });
    expect(
      parseExperimentArgs(['--quick', '--scenes', 'jasper', '--degradations', 'blind', '--resume']),
    ).toMatchObject({ scenes: ['jasper'], degradations: ['blind'], quick: true, resume: true });
    expect(parseExperimentArgs(['--steps-scale', '0.5']).stepsScale).toBe(0.5);
    expect(parseExperimentArgs(['--report-only']).reportOnly).toBe(true);
    expect(parseExperimentArgs(['--compare-to', 'a/results.json']).compareTo).toBe(
      'a/results.json',
    );
    expect(() => parseExperimentArgs(['--compare-to', '--resume'])).toThrow(/needs a results/);
    expect(() => parseExperimentArgs(['--scenes', 'pavia'])).toThrow(ExperimentUsageError);
    expect(() => parseExperimentArgs(['--scenes'])).toThrow(/needs a value/);
    expect(() => parseExperimentArgs(['--steps-scale', '-1'])).toThrow(/> 0/);
    expect(() => parseExperimentArgs(['--fast'])).toThrow(/unknown argument '--fast'/);
  });

  it('--skip leaves variants out of the plan (not the canonical run); what another needs cannot be', () => {
    const args = parseExperimentArgs(['--skip', 'student-l1,student-sam01', '--steps-scale', '4']);
    expect(args.skip).toEqual(['student-l1', 'student-sam01']);
    const ids = planRuns(args).map((r) => `${r.scene.id}/${r.variant.id}`);
    expect(ids).toHaveLength(10 + 8 + 9);
    expect(ids.some((id) => id.endsWith('/student-l1') || id.endsWith('/student-sam01'))).toBe(
      false,
    );
    // Same budget, same folder: --resume finds the variants trained without --skip.
    expect(profileName(args)).toBe('converged-steps-x4');
    expect(isCanonicalRun(parseExperimentArgs(['--skip', 'student-l1']))).toBe(false);
    expect(() => planRuns(parseExperimentArgs(['--skip', 'student']))).toThrow(
      /needs student, which is left out or comes later/,
    );
    expect(() => parseExperimentArgs(['--skip', 'students'])).toThrow(/unknown 'students'/);
  });

  it('plans every variant after what it needs, two seeds per claim, the teacher at 2x steps', () => {
    const runs = planRuns(parseExperimentArgs([]));
    // balloons: all 12 variants; aviris skips the 2x-steps student (its convergence check compares
    // with an earlier run), group's 2nd seed and the two loss variants; jasper keeps the 2x student.
    expect(runs).toHaveLength(12 + 8 + 9);
    const balloons = runs.filter((r) => r.scene.id === 'balloons');
    expect(balloons.map((r) => r.variant.id)).toEqual([
      'teacher',
      'student',
      'student-s2',
      'student-long',
      'student-kd',
      'student-kd-s2',
      'group',
      'group-s2',
      'svd',
      'svd-s2',
      'student-l1',
      'student-sam01',
    ]);
    for (const s of SCENES) {
      const steps = (id: string) =>
        runs.find((r) => r.scene.id === s.id && r.variant.id === id)?.steps;
      expect(steps('student')).toBe(s.steps);
      expect(steps('svd-s2')).toBe(s.steps);
      expect(steps('teacher')).toBe(2 * s.steps);
    }
    expect(runs.filter((r) => r.scene.id === 'aviris').map((r) => r.variant.id)).not.toContain(
      'student-long',
    );
    expect(runs.filter((r) => r.scene.id === 'jasper').map((r) => r.variant.id)).toContain(
      'student-long',
    );
    // Seeds 1 and 2 of every claim; the seed-2 variant trains like its seed-1 twin.
    for (const [a, b] of Object.values(SEED_PAIRS)) {
      const va = VARIANTS.find((v) => v.id === a)!;
      const vb = VARIANTS.find((v) => v.id === b)!;
      expect([va.seed, vb.seed]).toEqual([1, 2]);
      expect({ ...vb, id: a, label: '', seed: 1 }).toEqual({ ...va, label: '' });
    }
    // Blind runs on request.
    const blind = planRuns(
      parseExperimentArgs(['--scenes', 'balloons', '--degradations', 'blind']),
    );
    expect(blind).toHaveLength(12);
    const quick = parseExperimentArgs(['--quick']);
    expect(stepsFor(SCENES[0], quick)).toBe(10);
    expect(stepsFor(SCENES[0], quick, { stepsFactor: 2 })).toBe(10);
    expect(profileName(quick)).toBe('quick');
    expect(profileName(parseExperimentArgs([]))).toBe('converged');
    expect(profileName(parseExperimentArgs(['--steps-scale', '2']))).toBe('converged-steps-x2');
    expect(isCanonicalRun(parseExperimentArgs([]))).toBe(true);
    expect(isCanonicalRun(parseExperimentArgs(['--scenes', 'jasper']))).toBe(false);
    expect(isCanonicalRun(parseExperimentArgs(['--degradations', 'bicubic,blind']))).toBe(false);
  });

  it('scenes are shipped in the repo, and their hold-outs fit the scale', () => {
    for (const s of SCENES) {
      if (s.crops) continue; // ../shared/data/hsi-train, checked by the run itself
      expect(existsSync(resolve(repoRoot, s.files[0]))).toBe(true);
      expect(s.holdOut!.rows % SCALE).toBe(0);
      expect(s.holdOut!.cols % SCALE).toBe(0);
      expect(s.patchSize % SCALE).toBe(0);
    }
  });

  it('svd params, break-even rank and the low-rank verdict', () => {
    // C = 64, B = 31, s = 4: conv upsampler 576 x 496 + bias.
    expect(svdUpsamplerParams(64, 496, 16)).toBe(16 * 576 + 16 * 496 + 496);
    const be = svdBreakEvenRank(64, 496);
    expect(svdUpsamplerParams(64, 496, be)).toBeLessThanOrEqual(576 * 496 + 496);
    expect(svdUpsamplerParams(64, 496, be + 1)).toBeGreaterThan(576 * 496 + 496);
    expect(svdParamRatio(be, 576, 496)).toBeLessThanOrEqual(1);
    expect(svdParamRatio(16, 576, 496)).toBeCloseTo((16 * 1072 + 496) / (576 * 496 + 496), 12);
    expect(lowRankVerdict(40, 576, 496)).toBe('low-rank');
    // 90 % of the energy at 49 % of the rank: the svd pair saves only ~10 %, not low-rank.
    expect(lowRankVerdict(241, 576, 496)).toBe('not low-rank');
    expect(lowRankVerdict(Math.floor(be / 2), 576, 496)).toBe('low-rank');
  });

  it('formats the table with the best value of each metric in bold', () => {
    const md = resultsTableMarkdown([
      {
        label: 'bicubic',
        params: null,
        gmacs: null,
        msForward: null,
        metrics: { mpsnr: 40, mssim: 0.95, sam: 2, ergas: 3 },
      },
      {
        label: 'svd',
        params: 92480,
        gmacs: 0.0912,
        msForward: 12.34,
        rank: 16,
        metrics: { mpsnr: 41.5, mssim: 0.94, sam: 2.5, ergas: 2.5 },
      },
    ]);
    const lines = md.split('\n');
    expect(lines[0]).toMatch(/^\| model \| params \| GMACs \| ms \/ forward \| MPSNR/);
    expect(lines[2]).toBe('| bicubic | - | - | - | 40.000 | **0.9500** | **2.000** | 3.000 |');
    expect(lines[3]).toBe(
      '| svd (r=16) | 92,480 | 0.091 | 12.3 | **41.500** | 0.9400 | 2.500 | **2.500** |',
    );
  });

  it("computes the findings from the numbers: means over seeds, the seeds' spread, convergence", () => {
    const g: GroupResult = {
      degradation: { id: 'bicubic', title: 'bicubic' },
      bicubic: m(40, 2),
      variants: [
        variant('teacher', 41, { blocks: 8, steps: 20 }),
        variant('student', 40.5),
        variant('student-s2', 40.45),
        variant('student-long', 40.52, { steps: 20 }),
        variant('student-kd', 40.3),
        variant('student-kd-s2', 40.2),
        variant('group', 40.2, { params: 50 }),
        variant('group-s2', 40.4, { params: 50 }),
        variant('svd', 40.6, { rank: 30, params: 80, msForward: 5 }),
        variant('svd-s2', 40.5, { rank: 30, params: 80, msForward: 5 }),
        variant('student-l1', 40.7, { metrics: m(40.7, 2.5) }),
      ],
    };
    const text = groupFindings(g).join('\n');
    expect(text).toContain('Best MPSNR: teacher at 41.000 dB, +1.000 dB vs bicubic');
    expect(text).toContain(
      'The loss (student, seed 1, same steps): L1 alone 40.700 dB / SAM 2.500 deg; L1 + 1 angle + 1 gradient (the default) 40.500 dB / SAM 2.000 deg (bicubic 40.000 / 2.000)',
    );
    // The largest gap between two seeds: group 40.2 vs 40.4.
    expect(seedSpread(g)).toBeCloseTo(0.2, 12);
    expect(text).toContain('up to 0.200 dB apart');
    expect(text).toContain('trained 2x as long: +0.020 dB');
    expect(text).toContain('the budget has converged');
    // Teacher 41 vs the student's mean 40.475.
    expect(text).toContain('+0.525 dB');
    // KD: mean 40.25 vs 40.475 = -0.225, beyond the 0.2 spread.
    expect(text).toContain("`conv` -0.225 dB / SAM +0.000 deg (worse, beyond the seeds' spread)");
    expect(text).toContain('(from a teacher that is better than the student)');
    // group mean 40.3: -0.175, within the spread; svd mean 40.55: +0.075 at 0.80x, 0.50x time.
    expect(text).toContain('`group` -0.175 dB / SAM +0.000 deg at 0.50x the params');
    expect(text).toContain("within the seeds' spread of 0.200 dB");
    expect(text).toContain(
      '`svd` (r=30) +0.075 dB / SAM +0.000 deg at 0.80x the params and 0.50x the time',
    );
    const scene = {
      title: 'S (x)',
      groups: [g],
      spectra: [
        {
          name: 'student (bicubic)',
          degradation: 'bicubic',
          variant: 'student',
          matrixShape: [576, 496],
          fullRank: 496,
          ranks: [{ energy: 0.9, rank: 241 }],
        },
      ],
    } as never;
    const v = claimVerdicts(scene, g);
    expect(v.converged).toBe(true);
    expect(v.teacherBetter).toBe(true);
    expect(v.kdHelps).toBe('no');
    expect(v.lowRankKeepsQuality.group).toMatch(/^yes \(-0.175 dB at 0.50x/);
    expect(v.upsamplerLowRank).toContain('not low-rank (r(0.9) 241 of 496)');
    // Doubling the steps moves it beyond the spread: not converged.
    const moving = {
      ...g,
      variants: g.variants.map((x) => (x.id === 'student-long' ? { ...x, metrics: m(41.2) } : x)),
    };
    expect(groupFindings(moving).join('\n')).toContain('NOT converged');
    expect(claimVerdicts(scene, moving).converged).toBe(false);
    const blind: GroupResult = {
      ...g,
      degradation: { id: 'blind', title: 'blind' },
      variants: [variant('student', 35), variant('group', 34)],
    };
    expect(blindFindings({ groups: [g, blind] } as never)[0]).toContain(
      'group: -0.300 dB (bicubic) -> -1.000 dB (blind)',
    );
    expect(energyAtRank([3, 4], 1)).toBeCloseTo(9 / 25, 12);
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 2, 3])).toBe(2.5);
  });

  it('against an earlier run at fewer steps: the convergence check where no 2x-steps student was trained', () => {
    const scene = (variants: VariantResult[]) =>
      ({
        id: 'aviris',
        title: 'AVIRIS (x)',
        sensor: 's',
        file: 'f',
        shape: [1, 1, 1],
        lrInput: [1, 1, 1],
        training: { steps: 40, batchSize: 8, patchSize: 32, stride: 4, lr: 1e-3, trainPatches: 9 },
        groups: [{ degradation: { id: 'bicubic', title: 'bicubic' }, bicubic: m(37), variants }],
        spectra: [],
        plots: { svg: 'a.svg', png: null },
      }) as ExperimentResults['scenes'][number];
    const run = (variants: VariantResult[], profile: string): ExperimentResults =>
      ({
        generatedAt: '2026-12-03T00:00:00Z',
        command: 'x',
        profile,
        complete: true,
        machine: {
          cpu: 'c',
          cores: 2,
          node: 'v20',
          tfjs: '4',
          backend: 'wasm',
          loadAverageStart: [0, 0, 0],
          loadAverageEnd: [0, 0, 0],
        },
        wallMinutes: 1,
        trainMinutes: 1,
        timing: { warmup: 2, runs: 9 },
        scenes: [scene(variants)],
      }) as ExperimentResults;
    const before = run(
      [variant('student', 37.3, { steps: 10 }), variant('student-s2', 37.2, { steps: 10 })],
      'converged',
    );
    const earlier = earlierRunOf('bench/results/experiment/results.json', before);
    expect(earlier.groups[0].variants.map((v) => [v.id, v.steps, v.mpsnr])).toEqual([
      ['student', 10, 37.3],
      ['student-s2', 10, 37.2],
    ]);
    // 4x the steps moves the students' mean by +0.025 dB, within the seeds' 0.05: converged.
    const now = [
      variant('student', 37.3, { steps: 40 }),
      variant('student-s2', 37.25, { steps: 40, metrics: m(37.25, 1.5) }),
    ];
    const g = scene(now).groups[0];
    const check = stepsCheck(g, earlier.groups[0])!;
    expect(check.ratio).toBe(4);
    expect(check.mpsnr).toBeCloseTo(0.025, 12);
    expect(check.sam).toBeCloseTo(-0.25, 12);
    expect(check.converged).toBe(true);
    const v = claimVerdicts(scene(now), g, earlier.groups[0]);
    expect(v.converged).toBe(true);
    expect(v.convergedBy).toBe('4x steps of an earlier run: +0.025 dB');
    // Beyond the seeds: not converged at the earlier budget.
    const moved = [
      variant('student', 37.8, { steps: 40 }),
      variant('student-s2', 37.75, { steps: 40 }),
    ];
    expect(stepsCheck(scene(moved).groups[0], earlier.groups[0])!.converged).toBe(false);
    // Without an earlier run, or without the student in it, nothing is claimed.
    expect(stepsCheck(g, undefined)).toBeUndefined();
    expect(claimVerdicts(scene(now), g).converged).toBeUndefined();
    expect(stepsCheck(g, { ...earlier.groups[0], variants: [] })).toBeUndefined();
    expect(earlierRunTable(g, earlier.groups[0])).toContain(
      '| student-s2 | 10 -> 40 | 37.200 -> 37.250 (+0.050) | 2.000 -> 1.500 (-0.500) |',
    );
    // The report, from results.json alone.
    const md = resultsMarkdown({ ...run(now, 'converged-steps-x4'), earlier });
    expect(md).toContain('| yes (4x steps of an earlier run: +0.025 dB) |');
    expect(md).toContain(
      "Against the earlier run (`bench/results/experiment/results.json`, profile 'converged')",
    );
    expect(md).toContain('| student | 10 -> 40 | 37.300 -> 37.300 (+0.000) |');
    // The setup table gives a variant's steps (the student's), not the teacher's 2x that runs
    // before the fix recorded as the scene's.
    const recorded2x = run(now, 'converged-steps-x4');
    recorded2x.scenes[0].training.steps = 80;
    expect(resultsMarkdown(recorded2x)).toMatch(/\| 1 x 1 x 1 \| 40 \| 8 x 32x32/);
    // KD from a teacher no better than the student: the claims table says so beside the verdict.
    const weakTeacher = [
      ...now,
      variant('teacher', 37.2, { blocks: 8, steps: 80 }),
      variant('student-kd', 36.9, { steps: 40 }),
      variant('student-kd-s2', 36.95, { steps: 40 }),
    ];
    expect(resultsMarkdown(run(weakTeacher, 'converged-steps-x4'))).toContain(
      '| no | no (from a teacher no better than the student) |',
    );
    // Budget: a run that trained as long as its variants took says so; one that only loaded
    // models finished by earlier runs gives the variants' training time instead of its own 0.
    const trained = run(
      [
        variant('student', 37.3, { trainSeconds: 30 }),
        variant('student-s2', 37.2, { trainSeconds: 30 }),
      ],
      'converged-steps-x4',
    );
    expect(resultsMarkdown(trained)).toContain('(training 1.0 min; the rest is reading');
    const loaded = { ...trained, trainMinutes: 0, wallMinutes: 4.25 };
    loaded.scenes[0].groups[0].variants[0].trainSeconds = 3600;
    expect(resultsMarkdown(loaded)).toContain(
      '**4.3 min** (training in it 0.0 min; the rest is reading, scoring, timing and SVDs). The models were trained by earlier invocations of the same command with `--resume`, run in the background across sessions: **60.5 min** of training',
    );
  });

  it('renders the spectrum plot as RGBA with the curves in colour', () => {
    const img = renderSpectrumPng(
      [
        {
          label: 'student: r90 3 of 4',
          singularValues: [4, 2, 1, 0.5],
          energy: [0.75, 0.94, 0.99, 1],
          mark: 2,
        },
      ],
      { title: 'TEST', width: 400 },
    );
    expect(img.width).toBe(400);
    expect(img.data.length).toBe(img.width * img.height * 4);
    // Some pixels carry the first curve colour (31, 119, 180).
    let blue = 0;
    for (let i = 0; i < img.data.length; i += 4)
      if (img.data[i] === 31 && img.data[i + 1] === 119 && img.data[i + 2] === 180) blue++;
    expect(blue).toBeGreaterThan(100);
  });
});
