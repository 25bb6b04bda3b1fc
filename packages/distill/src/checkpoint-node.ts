// The Node file-system side of checkpoints. `node:fs` is imported lazily so that bundling the
// trainer for a browser does not pull it in.
import {
  type CheckpointState,
  type CheckpointStore,
  decodeCheckpoint,
  encodeCheckpoint,
} from './checkpoint.js';
import { CheckpointError } from './errors.js';

const FILE_RE = /^step-(\d{9})\.hsrckpt$/;

function fileName(step: number): string {
  return `step-${String(step).padStart(9, '0')}.hsrckpt`;
}

let tmpCounter = 0;

/**
 * Writes `state` into `dir` as `step-NNNNNNNNN.hsrckpt`: to a temp file first, flushed, then
 * renamed, so a crash leaves either the old set of checkpoints or the new one, never half a file.
 * Keeps the newest `keep` checkpoints (default 2) and removes stale temp files. Returns the path.
 */
export async function saveCheckpoint(
  dir: string,
  state: CheckpointState,
  opts: { keep?: number } = {},
): Promise<string> {
  const fs = await import('node:fs/promises');
  const path = await import('node:path');
  const keep = opts.keep ?? 2;
  await fs.mkdir(dir, { recursive: true });
  const bytes = encodeCheckpoint(state);
  const target = path.join(dir, fileName(state.step));
  const tmp = path.join(dir, `.${fileName(state.step)}.tmp-${process.pid}-${tmpCounter++}`);
  const fh = await fs.open(tmp, 'w');
  try {
    await fh.writeFile(bytes);
    await fh.sync();
  } finally {
    await fh.close();
  }
  await fs.rename(tmp, target);
  // Make the rename itself durable where the platform allows syncing a directory.
  try {
    const dh = await fs.open(dir, 'r');
    await dh.sync().finally(() => dh.close());
  } catch {
    // Some file systems refuse fsync on directories; the rename is still atomic.
  }
  const entries = await fs.readdir(dir);
  const steps = entries
    .map((f) => FILE_RE.exec(f))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => Number(m[1]))
    .sort((a, b) => b - a);
  for (const s of steps.slice(Math.max(1, keep)))
    await fs.rm(path.join(dir, fileName(s)), { force: true });
  // Our own temp file is renamed by now: any left are from writes that were killed.
  for (const f of entries)
    if (f.startsWith('.') && f.includes('.hsrckpt.tmp-'))
      await fs.rm(path.join(dir, f), { force: true });
  return target;
}

/** Checkpoint files in `dir`, newest first. Temp files of interrupted writes are ignored. */
export async function listCheckpoints(dir: string): Promise<{ step: number; path: string }[]> {
  const fs = await import('node:fs/promises');
  const path = await import('node:path');
  let entries: string[];
  try {
    entries = await fs.readdir(dir);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw e;
  }
  return entries
    .map((f) => FILE_RE.exec(f))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => ({ step: Number(m[1]), path: path.join(dir, m[0]) }))
    .sort((a, b) => b.step - a.step);
}

/**
 * The newest checkpoint in `dir` (or the file `dir` itself when it is a checkpoint file), or null
 * when there is none. A damaged newest file is an error (CheckpointError naming it), not skipped.
 */
export async function loadCheckpoint(dirOrFile: string): Promise<CheckpointState | null> {
  const fs = await import('node:fs/promises');
  let file: string | undefined;
  const st = await fs.stat(dirOrFile).catch((e: NodeJS.ErrnoException) => {
    if (e.code === 'ENOENT') return null;
    throw e;
  });
  if (!st) return null;
  if (st.isFile()) file = dirOrFile;
  else file = (await listCheckpoints(dirOrFile))[0]?.path;
  if (!file) return null;
  const bytes = new Uint8Array(await fs.readFile(file));
  const state = decodeCheckpoint(bytes, file);
  if (!Number.isInteger(state.step) || state.step < 0)
    throw new CheckpointError(file, `header has an invalid step ${state.step}`);
  return state;
}

/** A `CheckpointStore` over a folder on disk. */
export function nodeCheckpointStore(dir: string, opts: { keep?: number } = {}): CheckpointStore {
  return {
    save: (state) => saveCheckpoint(dir, state, opts),
    load: () => loadCheckpoint(dir),
  };
}
