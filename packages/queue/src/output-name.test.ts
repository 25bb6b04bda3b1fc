import { describe, expect, it } from 'vitest';
import { parseUpscaleJobData } from './job-data.js';
import { sceneJobId } from './job-id.js';
import { outputPathFor, sceneStem } from './output-name.js';
import { recordMatches, type OutputRecord } from './output-record.js';
import { isDrained } from './queue-counts.js';
import { QueueInputError } from './queue-errors.js';

describe('output names, job ids and records (browser-safe helpers)', () => {
  it('names each output after its input stem under the output folder', () => {
    expect(sceneStem('/a/b/scene.hdr')).toBe('scene');
    expect(sceneStem('/a/b/samson_1.img.hdr')).toBe('samson_1');
    expect(sceneStem('C:\\data\\x.tif')).toBe('x');
    expect(sceneStem('/a/noext')).toBe('noext');
    expect(outputPathFor('/in/scene.mat', '/out/')).toBe('/out/scene.hdr');
    expect(outputPathFor('/in/scene.img.hdr', '/out', 'npy')).toBe('/out/scene.npy');
    expect(() => outputPathFor('/in/x.hdr', '/out', 'png' as 'npy')).toThrow(QueueInputError);
  });

  it('job ids: stable for the same scene, different when anything deciding the result changes', () => {
    const a = sceneJobId('scene', ['/in/scene.hdr', 10, 1, '/out/scene.hdr', 'm']);
    expect(sceneJobId('scene', ['/in/scene.hdr', 10, 1, '/out/scene.hdr', 'm'])).toBe(a);
    expect(sceneJobId('scene', ['/in/scene.hdr', 10, 2, '/out/scene.hdr', 'm'])).not.toBe(a);
    expect(a).toMatch(/^scene-[0-9a-f]{16}$/);
    expect(sceneJobId('a:b', [1])).not.toContain(':');
  });

  it('job data read back from Redis is checked field by field', () => {
    expect(parseUpscaleJobData({ input: 'a', output: 'b', model: 'm', overlap: 16 })).toEqual({
      input: 'a',
      output: 'b',
      model: 'm',
      overlap: 16,
      scale: undefined,
      tile: undefined,
    });
    expect(() => parseUpscaleJobData({ input: 'a', output: 'b' })).toThrow(/'model' must be/);
    // An HDF5 input's dataset and band axis.
    expect(
      parseUpscaleJobData({ input: 'a.he5', output: 'b', model: 'm', dataset: '/x', bandAxis: 1 }),
    ).toMatchObject({ dataset: '/x', bandAxis: 1 });
    expect(() => parseUpscaleJobData({ input: 'a', output: 'b', model: 'm', dataset: '' })).toThrow(
      /'dataset' must be a non-empty path/,
    );
    expect(() => parseUpscaleJobData({ input: 'a', output: 'b', model: 'm', bandAxis: 3 })).toThrow(
      /'bandAxis' must be 0, 1 or 2/,
    );
    expect(() => parseUpscaleJobData({ input: 'a', output: 'b', model: 'm', tile: 2.5 })).toThrow(
      /'tile' must be an integer >= 4/,
    );
    expect(
      parseUpscaleJobData({ input: 'a', output: 'b', model: 'm', selfEnsemble: true }).selfEnsemble,
    ).toBe(true);
    expect(() =>
      parseUpscaleJobData({ input: 'a', output: 'b', model: 'm', selfEnsemble: 'yes' }),
    ).toThrow(/'selfEnsemble' must be true or false, got "yes"/);
  });

  it('a record matches only the same input files, model digest and options', () => {
    const input = [
      { path: '/in/s.hdr', size: 100, mtimeMs: 5 },
      { path: '/in/s.img', size: 4000, mtimeMs: 6 },
    ];
    const record: OutputRecord = {
      version: 1,
      input,
      modelDigest: 'abc',
      scale: 4,
      overlap: 16,
      outputs: [{ path: '/out/s.img', size: 1 }],
      rows: 1,
      cols: 1,
      bands: 1,
      finishedAt: '',
    };
    const key = { input, modelDigest: 'abc', overlap: 16 };
    expect(recordMatches(record, key)).toBe(true);
    expect(recordMatches(record, { ...key, scale: 4 })).toBe(true);
    expect(recordMatches(record, { ...key, scale: 2 })).toBe(false);
    expect(recordMatches(record, { ...key, modelDigest: 'abd' })).toBe(false);
    expect(recordMatches(record, { ...key, overlap: 8 })).toBe(false);
    expect(recordMatches(record, { ...key, tile: 64 })).toBe(false);
    // A single-pass output is not a self-ensemble one, and the other way round.
    expect(recordMatches(record, { ...key, selfEnsemble: true })).toBe(false);
    expect(recordMatches({ ...record, selfEnsemble: true }, { ...key, selfEnsemble: true })).toBe(
      true,
    );
    expect(recordMatches({ ...record, selfEnsemble: true }, key)).toBe(false);
    expect(recordMatches(record, { ...key, input: [input[0], { ...input[1], mtimeMs: 7 }] })).toBe(
      false,
    );
    expect(recordMatches(undefined, key)).toBe(false);
  });

  it('drained means nothing waiting, delayed, prioritized or active', () => {
    const c = { waiting: 0, active: 0, delayed: 0, prioritized: 0, completed: 3, failed: 1 };
    expect(isDrained(c)).toBe(true);
    expect(isDrained({ ...c, delayed: 1 })).toBe(false);
    expect(isDrained({ ...c, active: 1 })).toBe(false);
  });
});
