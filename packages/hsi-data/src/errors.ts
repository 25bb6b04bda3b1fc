// Every error @hsrkit/hsi-data throws. Readers and writers name the file and the field at fault;
// the prep, metric and preview functions name the function and the shapes or options involved.

/** Base of the errors about a file's bytes: says which file (or byte source) and which field. */
export class HsiIoError extends Error {
  /** The file at fault (the header, the data file, the .mat ...), or the byte source's name. */
  readonly file: string;
  /** The field, variable, tag or option at fault (`data type`, `Y`, `GDAL_METADATA`, `window` ...). */
  readonly field: string;

  constructor(file: string, field: string, message: string) {
    super(`${file}: ${field}: ${message}`);
    this.name = new.target.name;
    this.file = file;
    this.field = field;
  }
}

/** The file is not in the format it claims, or uses a feature this reader does not support. */
export class HsiFormatError extends HsiIoError {}

/** The file holds fewer bytes than its header (or its own structure) says. */
export class HsiTruncatedError extends HsiIoError {
  readonly expectedBytes: number;
  readonly actualBytes: number;

  constructor(
    file: string,
    field: string,
    expectedBytes: number,
    actualBytes: number,
    message?: string,
  ) {
    super(
      file,
      field,
      message ??
        `expected at least ${expectedBytes} bytes, the file has ${actualBytes} (truncated or a header that lies)`,
    );
    this.expectedBytes = expectedBytes;
    this.actualBytes = actualBytes;
  }
}

/** Where a value error was found, when it comes from a file (a reader's NaN check, a window). */
export interface HsiValueErrorDetail {
  /** The file (or byte source) whose values are at fault. */
  file?: string;
  /** The field, variable or option at fault (`data`, `im`, `window`, `window.bands` ...). */
  field?: string;
  /** How many non-finite samples were found, when that is the fault. */
  nonFiniteCount?: number;
  /** The (row, col, band) of the first non-finite sample found, when that is the fault. */
  firstNonFinite?: { row: number; col: number; band: number };
}

/**
 * Values that cannot be used: NaN / Inf where finite numbers are required (in a file or in a cube
 * handed to a function), a constant cube to stretch, no samples left after masking, a window
 * outside the image. With `file` and `field` the message starts `file: field:`, like `HsiIoError`.
 */
export class HsiValueError extends Error {
  override name = 'HsiValueError';
  readonly file?: string;
  readonly field?: string;
  readonly nonFiniteCount?: number;
  readonly firstNonFinite?: { row: number; col: number; band: number };

  constructor(message: string, detail: HsiValueErrorDetail = {}) {
    const where = [detail.file, detail.field].filter((s) => s !== undefined);
    super(where.length ? `${where.join(': ')}: ${message}` : message);
    this.file = detail.file;
    this.field = detail.field;
    this.nonFiniteCount = detail.nonFiniteCount;
    this.firstNonFinite = detail.firstNonFinite;
  }
}

/**
 * @deprecated Use `HsiValueError`: the readers' value errors and the prep functions' are one class
 * now (this is the same constructor, so `instanceof HsiDataValueError` still works).
 */
export const HsiDataValueError = HsiValueError;
/** @deprecated Use `HsiValueError`. */
export type HsiDataValueError = HsiValueError;

/** Shapes that do not fit together (two cubes of different sizes, a patch larger than the image...). */
export class HsiShapeError extends Error {
  override name = 'HsiShapeError';
}

/** An option or record field that cannot work (a negative sigma, a percentile outside 0..100...). */
export class HsiConfigError extends Error {
  override name = 'HsiConfigError';
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(`invalid '${field}': ${message}`);
  }
}

/** Formats a shape for error messages: `[40, 36, 50]`. */
export function shapeText(shape: readonly number[]): string {
  return `[${shape.join(', ')}]`;
}

/** Why an output path is refused before any work (see `checkOutputPaths` in './node'). */
export type OutputPathProblem = 'is-input' | 'directory' | 'symlink' | 'not-a-file';

/**
 * An output path that must not be written: it is (or resolves to, through links) one of the
 * inputs, an existing directory, a symbolic link, or not a regular file. `file` is the output;
 * `input` the input it would overwrite, when that is the problem.
 */
export class HsiOutputPathError extends HsiIoError {
  constructor(
    file: string,
    readonly problem: OutputPathProblem,
    message: string,
    readonly input?: string,
  ) {
    super(file, 'output', message);
  }
}
