// A private redis-server on a free localhost port for the tests (no persistence). Tests that need
// it are skipped, loudly, only where redis-server is missing and CI is not asking for it (CI or
// HSRKIT_REQUIRE_REDIS=1): there, a missing redis-server fails the test instead.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { createServer } from 'node:net';

export const redisRequired = !!process.env.CI || process.env.HSRKIT_REQUIRE_REDIS === '1';
export const redisInstalled = spawnSync('redis-server', ['--version']).status === 0;
export const skipWithoutRedis = !redisInstalled && !redisRequired;
if (skipWithoutRedis)
  console.warn(
    '\n*** @hsrkit/queue: redis-server is not installed: the BullMQ tests are SKIPPED. ' +
      'Install it (Debian: apt-get install redis-server); under CI or HSRKIT_REQUIRE_REDIS=1 this fails. ***\n',
  );

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
  });
}

export interface RedisServer {
  url: string;
  stop(): Promise<void>;
}

export async function startRedis(): Promise<RedisServer> {
  if (!redisInstalled)
    throw new Error('redis-server is not installed, and CI / HSRKIT_REQUIRE_REDIS=1 requires it');
  const port = await freePort();
  const proc: ChildProcess = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let log = '';
  await new Promise<void>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`redis-server did not start:\n${log}`)), 10_000);
    proc.stdout!.on('data', (d) => {
      log += d;
      if (log.includes('Ready to accept connections')) {
        clearTimeout(t);
        resolve();
      }
    });
    proc.once('exit', (code) => {
      clearTimeout(t);
      reject(new Error(`redis-server exited (${code}):\n${log}`));
    });
  });
  return {
    url: `redis://127.0.0.1:${port}`,
    async stop() {
      if (proc.exitCode !== null) return;
      const exited = new Promise((r) => proc.once('exit', r));
      proc.kill('SIGTERM');
      await exited;
    },
  };
}
