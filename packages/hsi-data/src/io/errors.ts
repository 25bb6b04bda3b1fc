/** Base of every error the hsi-data readers and writers throw: says which file and which field. */
export class HsiIoError extends Error {
  /** The file at fault (the header, the data file, the .mat ...). */
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

/** The values are unusable (NaN or Inf where finite numbers are required) or an argument is out of range. */
export class HsiDataValueError extends HsiIoError {
  /** How many non-finite samples were found, when that is the fault. */
  readonly nonFiniteCount?: number;
  /** The (row, col, band) of the first non-finite sample found, when that is the fault. */
  readonly firstNonFinite?: { row: number; col: number; band: number };

  constructor(
    file: string,
    field: string,
    message: string,
    detail: {
      nonFiniteCount?: number;
      firstNonFinite?: { row: number; col: number; band: number };
    } = {},
  ) {
    super(file, field, message);
    this.nonFiniteCount = detail.nonFiniteCount;
    this.firstNonFinite = detail.firstNonFinite;
  }
}
