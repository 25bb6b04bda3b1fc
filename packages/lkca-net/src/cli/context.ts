import { availableParallelism } from 'node:os';
import { type RuntimeInfo, type RuntimeName, selectRuntime } from '@hsrkit/inference';
import { makeOutput, type Output } from './output.js';

/** Options every command takes. */
export interface CommonOptions {
  json?: boolean;
  backend?: RuntimeName;
  /** commander's negation of --no-winograd: false keeps TF.js's stock kernels (no Winograd/GEMM convs, no fused tail). */
  winograd?: boolean;
}

/** A user error: printed without a stack, exit code 2. */
export class CliUsageError extends Error {
  override name = 'CliUsageError';
}

export interface CommandContext {
  out: Output;
  signal: AbortSignal;
  /** Starts the chosen backend (once) and says which one and on what device. */
  runtime(): Promise<RuntimeInfo>;
}

const controller = new AbortController();
let interrupted = false;
let installed = false;
/** Ctrl-C aborts the running job (which removes its partial files); a second Ctrl-C exits at once.
 * Installed once per process, however many times the CLI runs in it (tests, scripts). */
export function installInterruptHandler(): void {
  if (installed) return;
  installed = true;
  // SIGTERM (kill, a scheduler stopping the job) is handled like Ctrl-C.
  const onSignal = () => {
    if (interrupted) process.exit(130);
    interrupted = true;
    process.stderr.write('\ninterrupted: stopping and cleaning up (Ctrl-C again to exit now)\n');
    controller.abort(new Error('interrupted by the user'));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
}

/**
 * Every command's context. `training` commands keep the stock convolutions (Winograd transforms
 * each filter once, and training changes the filters every step).
 */
export function makeContext(opts: CommonOptions, { training = false } = {}): CommandContext {
  const out = makeOutput(!!opts.json);
  let started: Promise<RuntimeInfo> | undefined;
  return {
    out,
    signal: controller.signal,
    runtime() {
      const winogradConv = !training && opts.winograd !== false;
      started ??= selectRuntime(opts.backend ?? 'auto', { winogradConv }).then((info) => {
        out.info(`backend: ${info.backend} (asked: ${info.requested}) on ${info.device}`);
        return info;
      });
      return started;
    },
  };
}

export function parseNumber(
  name: string,
  v: string | undefined,
  opts: { int?: boolean; min?: number } = {},
): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (
    !Number.isFinite(n) ||
    (opts.int && !Number.isInteger(n)) ||
    (opts.min !== undefined && n < opts.min)
  )
    throw new CliUsageError(
      `--${name} expects ${opts.int ? 'an integer' : 'a number'}${opts.min !== undefined ? ` >= ${opts.min}` : ''}, got '${v}'`,
    );
  return n;
}

export function parseList(
  name: string,
  v: string | undefined,
  count?: number,
): number[] | undefined {
  if (v === undefined) return undefined;
  const parts = v.split(',').map((p) => Number(p.trim()));
  if (parts.some((p) => !Number.isFinite(p)) || (count && parts.length !== count))
    throw new CliUsageError(
      `--${name} expects ${count ?? 'a list of'} comma-separated numbers, got '${v}'`,
    );
  return parts;
}

/**
 * `--workers`: a count, or 'auto' = one per core where tiles run on the CPU (wasm, cpu), else 1
 * (a GPU backend runs one tile at a time anyway).
 */
export function parseWorkers(v: string | undefined, backend: string): number {
  if (v === undefined || v === 'auto')
    return backend === 'wasm' || backend === 'cpu' ? availableParallelism() : 1;
  return parseNumber('workers', v, { int: true, min: 1 })!;
}

/** `--dataset` / `--band-axis` as hsi-data's read options (nothing when not given). */
export function parseCubeSelection(o: { dataset?: string; bandAxis?: string }): {
  dataset?: string;
  bandAxis?: number;
} {
  const bandAxis = parseNumber('band-axis', o.bandAxis, { int: true, min: 0 });
  if (bandAxis !== undefined && bandAxis > 2)
    throw new CliUsageError(`--band-axis must be 0, 1 or 2; got '${o.bandAxis}'`);
  return {
    ...(o.dataset !== undefined ? { dataset: o.dataset } : {}),
    ...(bandAxis !== undefined ? { bandAxis } : {}),
  };
}

/** A value that must be one of `choices`. */
export function parseChoice<T extends string>(name: string, v: string, choices: readonly T[]): T {
  if (!(choices as readonly string[]).includes(v))
    throw new CliUsageError(`--${name} must be ${choices.join(', ')}; got '${v}'`);
  return v as T;
}

/** `n` or `rows,cols` (positive integers), e.g. `--size`. */
export function parseSize(name: string, v: string): [number, number] {
  const size = parseList(name, v);
  if (!size || size.length > 2 || size.some((n) => !Number.isInteger(n) || n < 1))
    throw new CliUsageError(`--${name} expects n or rows,cols (positive integers), got '${v}'`);
  return size.length === 1 ? [size[0], size[0]] : [size[0], size[1]];
}

/** The flags of `tiledRunOptions` as the package APIs take them, for a run on `backend`. */
export function parseTiledRun(
  o: CommonOptions & { tile?: string; overlap: string; workers: string },
  backend: string,
): { tile?: number; overlap?: number; workers: number; fastKernels: boolean } {
  return {
    tile: parseNumber('tile', o.tile, { int: true, min: 4 }),
    overlap: parseNumber('overlap', o.overlap, { int: true, min: 0 }),
    workers: parseWorkers(o.workers, backend),
    fastKernels: o.winograd !== false,
  };
}
