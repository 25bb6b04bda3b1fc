import cliProgress from 'cli-progress';

/** How a command talks: human text or one JSON document on stdout; progress bars on stderr. */
export interface Output {
  json: boolean;
  /** Prints a result: the JSON value with --json, else the text. */
  result(value: unknown, text: string): void;
  /** A line of human information on stderr (silent with --json). */
  info(line: string): void;
  /** A progress bar on stderr; returns an updater and a stop function. */
  progress(
    label: string,
    total: number,
  ): { update(done: number, extra?: string): void; stop(): void };
  /**
   * An `onProgress(done, total)` callback for the package APIs that starts a progress bar on
   * its first call, and `stop()`, which ends the bar if one was started.
   */
  tracker(label: string): { onProgress(done: number, total: number): void; stop(): void };
}

export function makeOutput(json: boolean): Output {
  const tty = !!process.stderr.isTTY;
  const out: Output = {
    json,
    result(value, text) {
      process.stdout.write(json ? `${JSON.stringify(value, null, 2)}\n` : `${text}\n`);
    },
    info(line) {
      if (!json) process.stderr.write(`${line}\n`);
    },
    progress(label, total) {
      if (json || !tty) {
        // Non-interactive: a line every ~10 % so logs show movement without flooding.
        let last = -1;
        return {
          update(done, extra) {
            const pct = Math.floor((done / Math.max(1, total)) * 10);
            if (!json && pct !== last) {
              last = pct;
              process.stderr.write(`${label}: ${done}/${total}${extra ? ` ${extra}` : ''}\n`);
            }
          },
          stop() {},
        };
      }
      const bar = new cliProgress.SingleBar(
        {
          format: `${label} [{bar}] {percentage}% {value}/{total} {extra} eta {eta_formatted}`,
          stream: process.stderr,
          hideCursor: true,
        },
        cliProgress.Presets.shades_classic,
      );
      bar.start(total, 0, { extra: '' });
      return {
        update(done, extra) {
          bar.update(done, { extra: extra ?? '' });
        },
        stop() {
          bar.stop();
        },
      };
    },
    tracker(label) {
      let bar: ReturnType<Output['progress']> | undefined;
      return {
        onProgress(done, total) {
          bar ??= out.progress(label, total);
          bar.update(done);
        },
        stop() {
          bar?.stop();
        },
      };
    },
  };
  return out;
}

/** Formats a table of rows (first row = header) with aligned columns. */
export function table(rows: (string | number)[][]): string {
  const cells = rows.map((r) => r.map((c) => (typeof c === 'number' ? formatNumber(c) : c)));
  const widths = cells[0].map((_, i) => Math.max(...cells.map((r) => (r[i] ?? '').length)));
  return cells
    .map((r) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  '))
    .join('\n');
}

export function formatNumber(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  if (Number.isInteger(v)) return v.toLocaleString('en-US');
  const a = Math.abs(v);
  return a >= 100 ? v.toFixed(1) : a >= 1 ? v.toFixed(3) : v.toPrecision(4);
}
