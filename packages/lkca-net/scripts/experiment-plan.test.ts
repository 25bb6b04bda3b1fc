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
  stepsFor,
  svdBreakEvenRank,
  svdParamRatio,
  svdUpsamplerParams,
} from './experiment-plan.js';
import {
  blindFindings,
  energyAtRank,
  type GroupResult,
  groupFindings,
  type Metrics,
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
      scenes: ['balloons', 'jasper'],
      degradations: ['bicubic', 'blind'],
      stepsScale: 1,
      quick: false,
      resume: false,
    });
    expect(
      parseExperimentArgs(['--quick', '--scenes', 'jasper', '--degradations', 'blind', '--resume']),
    ).toMatchObject({ scenes: ['jasper'], degradations: ['blind'], quick: true, resume: true });
    expect(parseExperimentArgs(['--steps-scale', '0.5']).stepsScale).toBe(0.5);
    expect(parseExperimentArgs(['--report-only']).reportOnly).toBe(true);
    expect(() => parseExperimentArgs(['--scenes', 'pavia'])).toThrow(ExperimentUsageError);
    expect(() => parseExperimentArgs(['--scenes'])).toThrow(/needs a value/);
    expect(() => parseExperimentArgs(['--steps-scale', '-1'])).toThrow(/> 0/);
    expect(() => parseExperimentArgs(['--fast'])).toThrow(/unknown argument '--fast'/);
  });

  it('plans every variant after what it needs, the rerun only on bicubic, same steps per scene', () => {
    const runs = planRuns(parseExperimentArgs([]));
    // 2 scenes x (8 bicubic + 7 blind) trainings.
    expect(runs).toHaveLength(30);
    const group = runs.filter((r) => r.scene.id === 'balloons' && r.degradation.id === 'blind');
    expect(group.map((r) => r.variant.id)).toEqual([
      'teacher',
      'student',
      'student-kd',
      'group',
      'group-kd',
      'svd',
      'svd-kd',
    ]);
    for (const s of SCENES) {
      const steps = new Set(runs.filter((r) => r.scene.id === s.id).map((r) => r.steps));
      expect([...steps]).toEqual([s.steps]);
    }
    const quick = parseExperimentArgs(['--quick']);
    expect(stepsFor(SCENES[0], quick)).toBe(10);
    expect(profileName(quick)).toBe('quick');
    expect(profileName(parseExperimentArgs(['--steps-scale', '2']))).toBe('steps-x2');
    expect(isCanonicalRun(parseExperimentArgs([]))).toBe(true);
    expect(isCanonicalRun(parseExperimentArgs(['--scenes', 'jasper']))).toBe(false);
  });

  it('scenes are shipped in the repo, and their hold-outs fit the scale', () => {
    for (const s of SCENES) {
      expect(existsSync(resolve(repoRoot, s.files[0]))).toBe(true);
      expect(s.holdOut.rows % SCALE).toBe(0);
      expect(s.holdOut.cols % SCALE).toBe(0);
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

  it('computes the findings from the numbers, KD and low-rank losses included', () => {
    const g: GroupResult = {
      degradation: { id: 'bicubic', title: 'bicubic' },
      bicubic: m(40, 2),
      variants: [
        variant('teacher', 41),
        variant('student', 40.5),
        variant('student-rerun', 40.45),
        variant('student-kd', 40.3),
        variant('group', 40.2, { params: 50 }),
        variant('svd', 40.6, { rank: 30, params: 80, msForward: 5 }),
      ],
    };
    const text = groupFindings(g).join('\n');
    expect(text).toContain('Best MPSNR: teacher at 41.000 dB, +1.000 dB vs bicubic');
    expect(text).toContain('differ by 0.050 dB');
    expect(text).toContain('`conv` -0.200 dB');
    expect(text).toContain('`group` -0.300 dB at 0.50x the params');
    expect(text).toContain('`svd` (r=30) +0.100 dB at 0.80x the params and 0.50x the time');
    const blind: GroupResult = {
      ...g,
      degradation: { id: 'blind', title: 'blind' },
      variants: [variant('student', 35), variant('group', 34)],
    };
    const scene = { groups: [g, blind] } as never;
    expect(blindFindings(scene)[0]).toContain('group: -0.300 dB (bicubic) -> -1.000 dB (blind)');
    expect(energyAtRank([3, 4], 1)).toBeCloseTo(9 / 25, 12);
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 2, 3])).toBe(2.5);
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
