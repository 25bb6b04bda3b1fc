import type { OutputRecord, StoredFile } from './output-record.js';

/** A local copy of an input that the cube readers can open, and how to let go of it. */
export interface LocalInput {
  path: string;
  release(): Promise<void>;
}

/**
 * Where inputs are read and outputs published. `sharedFileStorage` is the only implementation
 * today (every worker sees the same paths: NFS, EFS, a mounted volume); an object store would
 * download inputs in `localInput` and upload in `publish`. Paths are the job's strings.
 */
export interface SceneStorage {
  /** The files making up the input cube (ENVI: header and data) with size and mtime; throws a
   * typed error naming the input when it is missing. */
  describeInput(input: string): Promise<StoredFile[]>;
  /** A path the cube readers can open for `input`. */
  localInput(input: string): Promise<LocalInput>;
  /** A fresh private folder for one attempt at `output`, from which `publish` moves files. */
  stage(output: string, attempt: string): Promise<string>;
  /** Removes what earlier attempts at `output` left (a worker killed mid-job), except `keep`. */
  cleanStale(output: string, keep?: string): Promise<void>;
  /** Moves staged files to their final paths, each by an atomic rename, in the order given; then
   * removes the staging folder. Returns the final files with their sizes. */
  publish(staging: string, moves: { from: string; to: string }[]): Promise<StoredFile[]>;
  /** Removes a staging folder and everything in it. */
  discard(staging: string): Promise<void>;
  /** The sizes of `paths` as stored, or undefined when any is missing. */
  describeOutputs(paths: string[]): Promise<StoredFile[] | undefined>;
  readRecord(output: string): Promise<OutputRecord | undefined>;
  /** Writes the record atomically (temp + rename). */
  writeRecord(output: string, record: OutputRecord): Promise<void>;
  removeRecord(output: string): Promise<void>;
}
