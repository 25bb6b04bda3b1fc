/** Jobs by state, as BullMQ counts them. A job that will be retried is `waiting` or `delayed`. */
export interface QueueCounts {
  waiting: number;
  active: number;
  delayed: number;
  prioritized: number;
  /** Finished: the output exists. */
  completed: number;
  /** Failed for good (no attempt left, or a bad input that no retry can fix). */
  failed: number;
}

/** A job that failed for good, with BullMQ's recorded reason (the typed error's text). */
export interface JobFailure {
  jobId: string;
  input?: string;
  reason: string;
  attemptsMade: number;
}

/** A job running now, with its worker's last progress report. */
export interface ActiveJob {
  jobId: string;
  input?: string;
  /** `host:pid` of its worker. */
  worker?: string;
  tilesDone?: number;
  tilesTotal?: number;
}

export interface QueueStatus {
  queue: string;
  counts: QueueCounts;
  active: ActiveJob[];
  failures: JobFailure[];
}

/** True when no job is left to run: nothing waiting, delayed, prioritized or active. */
export function isDrained(counts: QueueCounts): boolean {
  return counts.waiting + counts.active + counts.delayed + counts.prioritized === 0;
}
