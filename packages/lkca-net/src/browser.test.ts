import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { extname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';
import { maxAbsDiff, seededValues, useBackend } from '@hsrkit/testing';
import * as tf from '@tensorflow/tfjs';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { saveModel } from '@hsrkit/inference/node';
import { lkcaNet } from './model.js';

// The browser half of the runtime story: the same model, served over HTTP to headless Debian
// chromium, runs on WebGPU there and survives an IndexedDB round trip. Without chromium the test
// FAILS and says so; HSRKIT_SKIP_BROWSER=1 skips it explicitly, loudly.
const CHROMIUM = process.env.HSRKIT_CHROMIUM ?? '/usr/bin/chromium';
const skip = process.env.HSRKIT_SKIP_BROWSER === '1';
if (skip) console.warn('\n!!! browser WebGPU test SKIPPED: HSRKIT_SKIP_BROWSER=1 is set !!!\n');

describe.skipIf(skip)('LKCA-Net in headless chromium (WebGPU, HTTP, IndexedDB)', () => {
  let dir: string;
  let server: Server;
  let base: string;
  const shape = [1, 10, 12, 6];
  const input = Array.from(
    seededValues(
      shape.reduce((a, b) => a * b),
      21,
    ),
    (v) => (v + 1) / 2,
  );
  let reference: Float32Array;

  beforeAll(async () => {
    await useBackend('cpu');
    dir = await mkdtemp(join(tmpdir(), 'lkca-browser-'));
    const model = lkcaNet({
      bands: 6,
      scale: 2,
      channels: 8,
      blocks: 2,
      reduction: 4,
      upsampler: 'group',
      upsamplerGroups: 2,
    });
    await saveModel(model, join(dir, 'model'));
    const y = tf.tidy(
      () =>
        model.predict(tf.tensor4d(input, shape as [number, number, number, number])) as tf.Tensor,
    );
    reference = (await y.data()) as Float32Array;
    y.dispose();
    model.dispose();
    const bundle = await build({
      entryPoints: [fileURLToPath(new URL('../test/browser/entry.ts', import.meta.url))],
      bundle: true,
      format: 'esm',
      platform: 'browser',
      // tfjs's 'browser' field is a prebuilt bundle with its own tfjs-core: take the ES modules so
      // the backend registers with the same engine.
      mainFields: ['module', 'main'],
      conditions: ['source'],
      external: ['node:*', 'webgpu', '@tensorflow/tfjs-node', '@tensorflow/tfjs-node-gpu'],
      write: false,
      logLevel: 'error',
    });
    const js = bundle.outputFiles[0].text;
    const html =
      '<!doctype html><html><body><script type="module" src="/bundle.js"></script></body></html>';
    server = createServer(async (req, res) => {
      const url = new URL(req.url ?? '/', 'http://x').pathname;
      const send = (type: string, body: string | Buffer) => {
        res.setHeader('content-type', type);
        res.end(body);
      };
      if (url === '/') return send('text/html', html);
      if (url === '/bundle.js') return send('text/javascript', js);
      if (url === '/input.json')
        return send('application/json', JSON.stringify({ shape, values: input }));
      const file = normalize(join(dir, url));
      if (!file.startsWith(dir) || !existsSync(file)) {
        res.statusCode = 404;
        return res.end();
      }
      send(
        extname(file) === '.json' ? 'application/json' : 'application/octet-stream',
        await readFile(file),
      );
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  });
  afterAll(async () => {
    server?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('runs the HTTP-loaded model on WebGPU like cpu in Node, and loads back from IndexedDB', async () => {
    if (!existsSync(CHROMIUM))
      throw new Error(
        `no chromium at ${CHROMIUM}: apt-get install chromium (or set HSRKIT_SKIP_BROWSER=1)`,
      );
    const { chromium } = await import('playwright-core');
    const browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--no-sandbox', '--enable-unsafe-webgpu', '--disable-background-networking'],
    });
    try {
      const page = await browser.newPage();
      await page.goto(base);
      await page.waitForFunction(() => window.__result || window.__error, null, {
        timeout: 90_000,
      });
      const error = await page.evaluate(() => window.__error);
      expect(error).toBeUndefined();
      const r = (await page.evaluate(() => window.__result)) as {
        backend: string;
        device: string;
        shape: number[];
        out: number[];
        out2: number[];
      };
      expect(r.backend).toBe('webgpu');
      expect(r.shape).toEqual([1, 20, 24, 6]);
      expect(maxAbsDiff(r.out, reference)).toBeLessThan(1e-4);
      expect(r.out2).toEqual(r.out);
    } finally {
      await browser.close();
    }
  });
});
