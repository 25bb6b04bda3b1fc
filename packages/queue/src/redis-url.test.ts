import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { queueStatus } from './queue-status.js';
import {
  DEFAULT_REDIS_URL,
  QueueConnectionError,
  redactRedisUrl,
  resolveRedisUrl,
} from './redis-url.js';

describe('Redis URL and connection failures', () => {
  it('--redis, else LKCA_REDIS_URL, else the local default', () => {
    expect(resolveRedisUrl('redis://a:1', { LKCA_REDIS_URL: 'redis://b:2' })).toBe('redis://a:1');
    expect(resolveRedisUrl(undefined, { LKCA_REDIS_URL: 'redis://b:2' })).toBe('redis://b:2');
    expect(resolveRedisUrl(undefined, {})).toBe(DEFAULT_REDIS_URL);
    expect(DEFAULT_REDIS_URL).toBe('redis://127.0.0.1:6379');
    expect(redactRedisUrl('redis://user:secret@host:6379/0')).toBe('redis://***@host:6379/0');
  });

  it('a short-lived client gives up on an unreachable Redis with a typed error naming it', async () => {
    // A port nobody listens on: bind one, read it, close it.
    const port = await new Promise<number>((resolve) => {
      const srv = createServer().listen(0, '127.0.0.1', () => {
        const p = (srv.address() as { port: number }).port;
        srv.close(() => resolve(p));
      });
    });
    const url = `redis://:hunter2@127.0.0.1:${port}`;
    const t0 = Date.now();
    const err = await queueStatus({ redisUrl: url }).catch((e) => e);
    expect(err).toBeInstanceOf(QueueConnectionError);
    expect(err.message).toContain(`redis://***@127.0.0.1:${port}`);
    expect(err.message).not.toContain('hunter2');
    expect(Date.now() - t0).toBeLessThan(30_000);
  });
});
