/** A file as storage describes it. */
export interface StoredFile {
  path: string;
  size: number;
  /** Modification time, ms since the epoch (inputs only; outputs are checked by size). */
  mtimeMs?: number;
}

/**
 * The record written beside an output once all its files are in place (last, atomically). A retried
 * job whose record matches (same input files with the same sizes and modification times, same model
 * digest, same scale/tile/overlap/self-ensemble/dataset) and whose output files still have the recorded sizes is not
 * redone. The input's bytes are not hashed: at archive scale that would read every scene twice.
 */
export interface OutputRecord {
  version: 1;
  input: StoredFile[];
  /** sha256 of the model's model.json and weight files (see modelDigest). */
  modelDigest: string;
  scale: number;
  tile?: number;
  overlap?: number;
  /** Made under the geometric self-ensemble (absent: a single pass). */
  selfEnsemble?: boolean;
  /** The HDF5 dataset and band axis read, when the job named them. */
  dataset?: string;
  bandAxis?: number;
  outputs: StoredFile[];
  rows: number;
  cols: number;
  bands: number;
  jobId?: string;
  finishedAt: string;
}

/** What a job expects of an existing record for its output to count as done. */
export type OutputRecordKey = Pick<
  OutputRecord,
  'input' | 'modelDigest' | 'tile' | 'overlap' | 'selfEnsemble' | 'dataset' | 'bandAxis'
> & {
  /** The requested scale, if any (the model's scale is checked by the run itself). */
  scale?: number;
};

const sameFiles = (a: StoredFile[], b: StoredFile[]) =>
  a.length === b.length &&
  a.every((f, i) => f.path === b[i].path && f.size === b[i].size && f.mtimeMs === b[i].mtimeMs);

/** True when `record` was made from the same input, model and options as `key` asks. */
export function recordMatches(record: OutputRecord | undefined, key: OutputRecordKey): boolean {
  if (record?.version !== 1) return false;
  return (
    sameFiles(record.input, key.input) &&
    record.modelDigest === key.modelDigest &&
    (key.scale === undefined || record.scale === key.scale) &&
    record.tile === key.tile &&
    record.overlap === key.overlap &&
    (record.selfEnsemble ?? false) === (key.selfEnsemble ?? false) &&
    record.dataset === key.dataset &&
    record.bandAxis === key.bandAxis
  );
}

/** `<output>.lkca.json`: the record's name beside the output. */
export function outputRecordPath(output: string): string {
  return `${output}.lkca.json`;
}
