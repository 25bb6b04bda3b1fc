// Queue throughput (not a test): scenes per minute through BullMQ on this machine with 1 and 2
// `lkca worker` processes (one tile thread each), and with 1 process of 2 tile threads for
// comparison. Each configuration gets a private redis-server, a fresh queue and the same 8 real
// scenes (128 x 128 x 31 windows of the shipped CAVE scene, x4 with the shipped distilled model,
// ENVI out). Throughput counts the jobs' own window (first job start to last job end, BullMQ's
// processedOn/finishedOn; it includes each worker's model load in its first job), and the wall
// time from `queue add` to drained including process start. Writes bench/results/throughput.json.
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, promises as fs, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import { enqueueScenes, waitUntilDrained } from '../src/node.js';
import { startRedis } from '../test/redis-server.js';
import { LKCA_FROM_SOURCE, MODEL, REPO, writeSceneCrops } from '../test/scenes.js';

const SCENES = 8;
const SIZE = 128;
const configs = [
  { processes: 1, threads: 1 },
  { processes: 2, threads: 1 },
  { processes: 1, threads: 2 },
];

const loadAverageBefore = loadavg().map((l) => +l.toFixed(2));
const dir = await fs.mkdtemp(join(tmpdir(), 'hsrkit-queue-bench-'));
const corners: [number, number][] = Array.from({ length: SCENES }, (_, i) => [
  (i * 37) % (256 - SIZE),
  (i * 61) % (256 - SIZE),
]);
const inputs = await writeSceneCrops(dir, SIZE, corners, 'scene');
const results: Record<string, unknown>[] = [];
try {
  for (const cfg of configs) {
    const redis = await startRedis();
    const queueName = `bench-${cfg.processes}x${cfg.threads}`;
    const t0 = performance.now();
    const workers: ChildProcess[] = Array.from({ length: cfg.processes }, () =>
      spawn(
        process.execPath,
        [
          ...['--import', 'tsx', '--conditions=source', LKCA_FROM_SOURCE, 'worker'],
          ...['--queue', queueName, '--redis', redis.url, '--backend', 'wasm'],
          ...['--workers', String(cfg.threads), '--until-drained'],
        ],
        { cwd: REPO, stdio: ['ignore', 'ignore', 'inherit'] },
      ),
    );
    const exits = workers.map((w) => new Promise((r) => w.on('exit', r)));
    await enqueueScenes({
      redisUrl: redis.url,
      queueName,
      inputs,
      model: MODEL,
      outDir: join(dir, `out-${queueName}`),
      overlap: 16,
    });
    const status = await waitUntilDrained({ redisUrl: redis.url, queueName, pollMs: 100 });
    const wallMs = performance.now() - t0;
    const queue = new Queue(queueName, { connection: { url: redis.url } });
    const jobs = await queue.getCompleted(0, SCENES);
    const start = Math.min(...jobs.map((j) => j.processedOn!));
    const end = Math.max(...jobs.map((j) => j.finishedOn!));
    const jobMs = jobs.map((j) => j.finishedOn! - j.processedOn!);
    // Skips each process's first job, which includes loading the model.
    const firsts = new Set<string>();
    const cpu: number[] = [];
    for (const j of [...jobs].sort((a, b) => a.processedOn! - b.processedOn!)) {
      const key = String(j.progress && (j.progress as { worker?: string }).worker);
      if (firsts.has(key)) cpu.push((j.returnvalue as { cpuMs: number }).cpuMs);
      firsts.add(key);
    }
    await queue.close();
    await Promise.all(exits);
    await redis.stop();
    const row = {
      ...cfg,
      scenes: SCENES,
      completed: status.counts.completed,
      failed: status.counts.failed,
      scenesPerMinute: +((SCENES / (end - start)) * 60_000).toFixed(2),
      jobWindowS: +((end - start) / 1000).toFixed(2),
      meanJobS: +(jobMs.reduce((a, b) => a + b, 0) / jobMs.length / 1000).toFixed(2),
      wallWithStartupS: +(wallMs / 1000).toFixed(2),
      cpuSPerScene: +(cpu.reduce((a, b) => a + b, 0) / cpu.length / 1000).toFixed(2),
      loadAverageAfter: loadavg().map((l) => +l.toFixed(2)),
    };
    console.log(JSON.stringify(row));
    results.push(row);
  }
} finally {
  await fs.rm(dir, { recursive: true, force: true });
}
const file = new URL('./results/throughput.json', import.meta.url);
const earlier = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')).runs ?? []) : [];
const run = {
  date: new Date().toISOString(),
  node: process.version,
  cpus: `${cpus().length} x ${cpus()[0]?.model ?? '?'}`,
  scene: `${SCENES} windows ${SIZE} x ${SIZE} x 31 of packages/lkca-net/assets/scene/balloons_ms.mat, x4 -> ${SIZE * 4} x ${SIZE * 4}`,
  model:
    'packages/lkca-net/assets/models/lkca-distilled-alpha0.1-x4 (wasm, our kernels, default tile, overlap 16)',
  loadAverageBefore,
  results,
};
// Every run is kept: on a shared machine the load of the moment decides much of the result.
const out = {
  bench: 'queue-throughput',
  note: 'processes x tile threads per process; scenesPerMinute over the jobs window (first start to last end); cpuSPerScene: CPU seconds of the worker process per scene, first job of each process (model load) left out; loadAverage: work on the machine, ours and others',
  runs: [...earlier, run],
};
writeFileSync(file, `${JSON.stringify(out, null, 2)}\n`);
