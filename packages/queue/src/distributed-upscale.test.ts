// The acceptance test: a private redis-server, >= 4 real scenes queued with `lkca queue add`,
// two `lkca worker` processes, one SIGKILLed in the middle of a job; every job completes, every
// output equals a single-machine `lkca upscale` run (upscaleFileWithModel, what that command calls),
// no partial file remains, `lkca queue wait` exits 0. Then bad inputs fail their jobs with the
// typed error text while the surviving worker keeps running, and SIGTERM stops it cleanly.
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, promises as fs } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cropCube, readCube, writeCube } from '@hsrkit/hsi-data/node';
import { selectRuntime } from '@hsrkit/inference';
import { upscaleFileWithModel } from '@hsrkit/inference/node';
import { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RedisServer, skipWithoutRedis, startRedis } from '../test/redis-server.js';
import { LKCA_FROM_SOURCE, MODEL, REPO, SAMSON, writeSceneCrops } from '../test/scenes.js';
import type { UpscaleJobProgress } from './job-data.js';

interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

interface Proc {
  child: ChildProcess;
  out: { stdout: string; stderr: string };
  done: Promise<Run>;
}

describe.skipIf(skipWithoutRedis)('lkca queue + lkca worker on BullMQ/Redis', () => {
  let redis: RedisServer;
  let dir: string;
  let scenes: string[];
  const procs: Proc[] = [];

  function lkca(...args: string[]): Proc {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', '--conditions=source', LKCA_FROM_SOURCE, ...args],
      {
        cwd: REPO,
        env: { ...process.env, LKCA_REDIS_URL: redis.url },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    const out = { stdout: '', stderr: '' };
    child.stdout!.on('data', (d) => (out.stdout += d));
    child.stderr!.on('data', (d) => (out.stderr += d));
    const done = new Promise<Run>((resolve) =>
      child.on('exit', (code, signal) => resolve({ code, signal, ...out })),
    );
    const p = { child, out, done };
    procs.push(p);
    return p;
  }

  beforeAll(async () => {
    redis = await startRedis();
    dir = await fs.mkdtemp(join(tmpdir(), 'hsrkit-queue-'));
    await fs.mkdir(join(dir, 'in'));
    // Four 80 x 80 windows of the real scene, long enough (model load + run) to be caught mid-job.
    scenes = await writeSceneCrops(join(dir, 'in'), 80, [
      [8, 8],
      [96, 40],
      [150, 170],
      [170, 90],
    ]);
  });

  afterAll(async () => {
    for (const p of procs)
      if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGKILL');
    await redis?.stop();
    if (dir) await fs.rm(dir, { recursive: true, force: true });
  });

  it('2 workers, one SIGKILLed mid-job: every scene done, equal to lkca upscale, no partial files', async () => {
    const outDir = join(dir, 'out');
    const workerArgs = [
      'worker',
      '--backend',
      'wasm',
      '--workers',
      '1',
      '--lock-ms',
      '3000',
      '--grace',
      '20',
    ];
    const workers = [lkca(...workerArgs), lkca(...workerArgs)];
    const add = await lkca(
      'queue',
      'add',
      ...scenes,
      '--model',
      MODEL,
      '--out-dir',
      outDir,
      '--json',
    ).done;
    expect(add.code, add.stderr).toBe(0);
    const jobs = JSON.parse(add.stdout) as {
      jobId: string;
      input: string;
      output: string;
      added: boolean;
    }[];
    expect(jobs.map((j) => j.output)).toEqual(
      scenes.map((_, i) => join(outDir, `balloons${i}.hdr`)),
    );
    expect(jobs.every((j) => j.added)).toBe(true);

    // The first worker seen running a job is killed while that job runs.
    const queue = new Queue('lkca-upscale', { connection: { url: redis.url } });
    let victim: { proc: Proc; jobId: string; output: string } | undefined;
    const t0 = Date.now();
    while (!victim && Date.now() - t0 < 120_000) {
      for (const job of await queue.getActive()) {
        const worker = (job?.progress as Partial<UpscaleJobProgress>)?.worker;
        const proc = workers.find((w) => worker?.endsWith(`:${w.child.pid}`));
        if (proc) {
          proc.child.kill('SIGKILL');
          victim = { proc, jobId: String(job.id), output: (job.data as { output: string }).output };
          break;
        }
      }
      if (!victim) await new Promise((r) => setTimeout(r, 50));
    }
    expect(victim, 'no worker ever ran a job').toBeDefined();
    const killed = await victim!.proc.done;
    expect(killed.signal).toBe('SIGKILL');
    // It died mid-job: its output was never published, and it left its staging folder behind.
    expect(killed.stderr).not.toContain(`${victim!.jobId}: wrote`);
    expect(existsSync(victim!.output)).toBe(false);
    const survivor = workers.find((w) => w !== victim!.proc)!;

    const wait = lkca('queue', 'wait', '--json', '--poll-ms', '200');
    // Meanwhile, the single-machine reference of every scene (what `lkca upscale` runs).
    await selectRuntime('wasm');
    const refDir = join(dir, 'ref');
    const refs: string[] = [];
    for (const [i, scene] of scenes.entries()) {
      const ref = join(refDir, `balloons${i}.hdr`);
      await upscaleFileWithModel(scene, ref, { modelPath: MODEL, overlap: 16 });
      refs.push(ref);
    }
    const waited = await wait.done;
    expect(waited.code, waited.stderr).toBe(0);
    const status = JSON.parse(waited.stdout);
    expect(status.counts).toMatchObject({
      completed: 4,
      failed: 0,
      waiting: 0,
      active: 0,
      delayed: 0,
    });
    // The killed worker's job was taken over by the survivor after its lock ran out.
    expect(survivor.out.stderr).toContain(`${victim!.jobId}: wrote`);
    const recovered = await queue.getJob(victim!.jobId);
    expect(recovered!.attemptsStarted).toBeGreaterThanOrEqual(2);
    expect(await recovered!.getState()).toBe('completed');
    await queue.close();

    for (const [i, ref] of refs.entries()) {
      const want = await readCube(ref);
      const got = await readCube(join(outDir, `balloons${i}.hdr`));
      expect([got.rows, got.cols, got.bands]).toEqual([320, 320, 31]);
      let peak = 0;
      let maxDiff = 0;
      for (let k = 0; k < want.data.length; k++) {
        peak = Math.max(peak, Math.abs(want.data[k]));
        maxDiff = Math.max(maxDiff, Math.abs(want.data[k] - got.data[k]));
      }
      expect(peak).toBeGreaterThan(0);
      expect(maxDiff, `balloons${i}`).toBeLessThanOrEqual(1e-6 * peak);
    }
    // Only complete outputs and their records: no staging folder, no .partial, no temp file.
    const names = (await fs.readdir(outDir)).sort();
    expect(names).toEqual(
      scenes
        .flatMap((_, i) => [`balloons${i}.hdr`, `balloons${i}.hdr.lkca.json`, `balloons${i}.img`])
        .sort(),
    );
    for (const i of scenes.keys()) {
      const record = JSON.parse(
        await fs.readFile(join(outDir, `balloons${i}.hdr.lkca.json`), 'utf8'),
      );
      expect(record.outputs.map((f: { path: string }) => f.path)).toEqual([
        join(outDir, `balloons${i}.img`),
        join(outDir, `balloons${i}.hdr`),
      ]);
    }

    // Bad inputs fail their own jobs with the typed error; the worker stays up.
    const truncated = join(dir, 'in', 'truncated.hdr');
    await fs.copyFile(scenes[0], truncated);
    await fs.writeFile(join(dir, 'in', 'truncated.img'), Buffer.alloc(1000));
    const badOut = join(dir, 'bad-out');
    // A missing input is refused by `queue add` itself, naming the file, and nothing is queued.
    const [addBad, addMissing] = await Promise.all([
      lkca('queue', 'add', SAMSON, truncated, '--model', MODEL, '--out-dir', badOut).done,
      lkca('queue', 'add', join(dir, 'nope.hdr'), '--model', MODEL, '--out-dir', badOut).done,
    ]);
    expect(addMissing.code).toBe(1);
    expect(addMissing.stderr).toContain('nope.hdr');
    expect(addBad.code, addBad.stderr).toBe(0);
    const waitBad = await lkca('queue', 'wait', '--json', '--poll-ms', '200').done;
    expect(waitBad.code).toBe(1);
    expect(waitBad.stderr).toContain('QueueJobsFailedError: 2 job(s) failed for good');
    const st = await lkca('queue', 'status', '--json').done;
    expect(st.code, st.stderr).toBe(0);
    const failures = JSON.parse(st.stdout).failures as {
      input: string;
      reason: string;
      attemptsMade: number;
    }[];
    const reasonOf = (input: string) => failures.find((f) => f.input === input)?.reason;
    expect(reasonOf(SAMSON)).toMatch(
      /^UpscaleInputError: .*samson_crop\.hdr has 156 bands but the model takes 31/,
    );
    expect(reasonOf(truncated)).toMatch(/^Hsi\w*Error: .*truncated/);
    // Bad inputs are not retried: one attempt each.
    expect(failures.every((f) => f.attemptsMade === 1)).toBe(true);
    expect(existsSync(badOut) ? await fs.readdir(badOut) : []).toEqual([]);

    expect(survivor.child.exitCode).toBeNull();
    survivor.child.kill('SIGTERM');
    const stopped = await survivor.done;
    expect(stopped.code, stopped.stderr).toBe(0);
  }, 240_000);

  it('an any-band model by name: two sensors (156 and 31 bands) in one queue, equal to lkca upscale; a wrong --scale fails its job at once', async () => {
    const outDir = join(dir, 'any-out');
    const badOut = join(dir, 'any-bad');
    const q = ['--queue', 'any-band'];
    const model = 'lkca-any-band-x4';
    const add = await lkca(
      'queue',
      'add',
      SAMSON,
      scenes[0],
      '--model',
      model,
      '--out-dir',
      outDir,
      '--json',
      ...q,
    ).done;
    expect(add.code, add.stderr).toBe(0);
    const jobs = JSON.parse(add.stdout) as { output: string; input: string }[];
    const bad = await lkca(
      'queue',
      'add',
      scenes[1],
      '--model',
      model,
      '--scale',
      '2',
      '--out-dir',
      badOut,
      ...q,
    ).done;
    expect(bad.code, bad.stderr).toBe(0);
    // A cascade by name (x8: the x4 then the x2 any-band model) on a small crop, in the same queue.
    const tiny = join(dir, 'tiny', 'tiny.hdr');
    await fs.mkdir(join(dir, 'tiny'));
    await writeCube(
      tiny,
      cropCube('tiny', await readCube(scenes[1]), { row: 5, col: 7, rows: 14, cols: 12 }),
    );
    const x8Out = join(dir, 'x8-out');
    const addX8 = await lkca(
      'queue',
      'add',
      tiny,
      '--model',
      'lkca-any-band-x8',
      '--out-dir',
      x8Out,
      '--json',
      ...q,
    ).done;
    expect(addX8.code, addX8.stderr).toBe(0);
    const [x8Job] = JSON.parse(addX8.stdout) as { output: string }[];
    // Two tile threads here and for the reference: the tiling follows the thread count.
    const worker = await lkca(
      'worker',
      '--backend',
      'wasm',
      '--workers',
      '2',
      '--until-drained',
      ...q,
    ).done;
    expect(worker.code, worker.stderr).toBe(0);
    expect(worker.stderr).toContain('its own runner');

    for (const job of jobs) {
      const ref = join(
        dir,
        'any-ref',
        `${job.input.includes('samson') ? 'samson' : 'balloons'}.hdr`,
      );
      const r = await lkca(
        'upscale',
        job.input,
        '-o',
        ref,
        '--model',
        model,
        '--backend',
        'wasm',
        '--workers',
        '2',
      ).done;
      expect(r.code, r.stderr).toBe(0);
      const [want, got] = [await readCube(ref), await readCube(job.output)];
      expect([got.rows, got.cols, got.bands]).toEqual([want.rows, want.cols, want.bands]);
      let peak = 0;
      let maxDiff = 0;
      for (let k = 0; k < want.data.length; k++) {
        peak = Math.max(peak, Math.abs(want.data[k]));
        maxDiff = Math.max(maxDiff, Math.abs(want.data[k] - got.data[k]));
      }
      // Tiles on 2 threads blend in the order they finish: float32 rounding apart.
      expect(peak).toBeGreaterThan(0);
      expect(maxDiff, job.input).toBeLessThanOrEqual(1e-6 * peak);
    }
    expect((await readCube(jobs[0].output)).bands).toBe(156);
    expect((await readCube(jobs[1].output)).bands).toBe(31);
    // The cascade's job: what `lkca upscale --model lkca-any-band-x8` writes, and nothing else left.
    const x8Ref = join(dir, 'any-ref', 'tiny-x8.hdr');
    const x8r = await lkca(
      'upscale',
      tiny,
      '-o',
      x8Ref,
      '--model',
      'lkca-any-band-x8',
      '--backend',
      'wasm',
      '--workers',
      '2',
    ).done;
    expect(x8r.code, x8r.stderr).toBe(0);
    const [x8Want, x8Got] = [await readCube(x8Ref), await readCube(x8Job.output)];
    expect([x8Got.rows, x8Got.cols, x8Got.bands]).toEqual([112, 96, 31]);
    let x8Peak = 0;
    let x8Diff = 0;
    for (let k = 0; k < x8Want.data.length; k++) {
      x8Peak = Math.max(x8Peak, Math.abs(x8Want.data[k]));
      x8Diff = Math.max(x8Diff, Math.abs(x8Want.data[k] - x8Got.data[k]));
    }
    expect(x8Diff).toBeLessThanOrEqual(1e-6 * x8Peak);
    expect((await fs.readdir(x8Out)).filter((f) => f.includes('cascade'))).toEqual([]);

    const st = await lkca('queue', 'status', '--json', ...q).done;
    const status = JSON.parse(st.stdout);
    expect(status.counts).toMatchObject({ completed: 3, failed: 1 });
    expect(status.failures).toHaveLength(1);
    expect(status.failures[0].reason).toMatch(/^UpscaleInputError: .*x4, not the requested x2/);
    expect(status.failures[0].attemptsMade).toBe(1);
    expect(existsSync(badOut) ? await fs.readdir(badOut) : []).toEqual([]);
  }, 240_000);
});
