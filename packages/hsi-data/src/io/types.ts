import type { Interleave } from '../cube.js';
import type { SampleType } from './dtypes.js';
import type { NonFinitePolicy } from './finite.js';

/** The file formats `readCube` / `writeCube` dispatch to. */
export type CubeFormat = 'envi' | 'mat' | 'geotiff' | 'npy' | 'hdf5';

/** What a file holds, learned from its header alone (no pixel data read). */
export interface CubeInfo {
  format: CubeFormat;
  /** The file asked about. */
  file: string;
  /** The file holding the samples (ENVI: the data file beside the header). */
  dataFile: string;
  rows: number;
  cols: number;
  bands: number;
  /** How samples are stored in the file (64-bit integers are read as float64 numbers). */
  sampleType: SampleType;
  /** Sample order in the file. MAT and column-major NPY data are reported as the cube they read to. */
  interleave: Interleave;
  littleEndian: boolean;
  wavelengths?: number[];
  wavelengthUnits?: string;
  /** Bytes before the first sample (ENVI `header offset`, NPY header length). */
  headerOffset?: number;
  /** MAT: the variable the cube comes from. */
  variable?: string;
  /** HDF5 / NetCDF-4: the dataset the cube comes from. */
  dataset?: string;
  /** HDF5 / NetCDF-4: the dataset axis (0, 1, 2) that holds the bands, and how it was found. */
  bandAxis?: number;
  bandAxisFrom?: 'option' | 'dimension name' | 'wavelengths' | 'shortest axis';
  /** HDF5 / NetCDF-4: the rows x cols x bands of one stored chunk (absent: contiguous storage). */
  chunk?: { rows: number; cols: number; bands: number };
  /** GeoTIFF: tile size when tiled. */
  tileSize?: { width: number; height: number };
}

/** Options every reader takes. */
export interface ReadOptions {
  /** NaN / Inf in float data: 'error' (default) throws `HsiValueError`; 'keep'; or `{ fill: value }`. */
  nonFinite?: NonFinitePolicy;
  signal?: AbortSignal;
  /** Called with the fraction done (0..1) while a long read runs. */
  onProgress?: (fraction: number) => void;
}
