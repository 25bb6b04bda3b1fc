import { Queue } from 'bullmq';

/** Where Redis is when no URL is given and LKCA_REDIS_URL is unset. */
export const DEFAULT_REDIS_URL = 'redis://127.0.0.1:6379';

/** `--redis`, else LKCA_REDIS_URL, else redis://127.0.0.1:6379. */
export function resolveRedisUrl(
  flag?: string,
  env: Record<string, string | undefined> = process.env,
): string {
  return flag || env.LKCA_REDIS_URL || DEFAULT_REDIS_URL;
}

/** Redis cannot be reached (or was lost) at the URL given. */
export class QueueConnectionError extends Error {
  override name = 'QueueConnectionError';
}

/** The URL without its password, for messages and logs. */
export function redactRedisUrl(url: string): string {
  return url.replace(/\/\/[^@/]*@/, '//***@');
}

/**
 * BullMQ connection options for a URL. Workers (the default) retry forever, so they ride out a
 * Redis restart; `retryForMs` makes a short-lived client (queue add/status/wait) give up after
 * about that long instead of hanging on a wrong URL.
 */
export function redisConnection(
  url: string,
  opts: { retryForMs?: number } = {},
): Record<string, unknown> & { url: string } {
  if (opts.retryForMs === undefined) return { url, maxRetriesPerRequest: null };
  const tries = Math.max(1, Math.round(opts.retryForMs / 500));
  return {
    url,
    // Commands wait for the connection; when the retries run out they fail with it.
    maxRetriesPerRequest: null,
    connectTimeout: Math.max(1000, opts.retryForMs),
    retryStrategy: (times: number) => (times > tries ? null : 500),
  };
}

/** Runs `fn` on a short-lived Queue, closes it, and names Redis in connection failures. */
export async function withQueue<T>(
  url: string,
  name: string,
  fn: (queue: Queue) => Promise<T>,
  retryForMs = 5000,
): Promise<T> {
  const queue = new Queue(name, { connection: redisConnection(url, { retryForMs }) });
  // Failures surface through the calls below; without a listener an 'error' event would crash.
  queue.on('error', () => {});
  try {
    return await fn(queue);
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    if (
      /ECONNREFUSED|ENOTFOUND|ETIMEDOUT|EAI_AGAIN|ECONNRESET|Connection is closed|NOAUTH|WRONGPASS/.test(
        `${err.code ?? ''} ${err.message}`,
      )
    )
      throw new QueueConnectionError(
        `cannot reach Redis at ${redactRedisUrl(url)}: ${err.message}`,
      );
    throw e;
  } finally {
    await queue.close().catch(() => {});
  }
}
