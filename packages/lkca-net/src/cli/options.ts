// Options several commands share, declared once.
import type { Command } from 'commander';

/** `--backend`: the runtime to start (selectRuntime of @hsrkit/inference). */
export function backendOption(cmd: Command): Command {
  return cmd.option(
    '--backend <name>',
    'node-gpu | node | webgpu | wasm | webgl | cpu | auto',
    'auto',
  );
}

/** `--no-winograd`: TF.js's stock kernels instead of @hsrkit/layers' on wasm/cpu. */
export function winogradOption(cmd: Command): Command {
  return cmd.option(
    '--no-winograd',
    "on wasm/cpu, keep TF.js's stock kernels: no Winograd/GEMM convs and no fused sub-pixel tail (ours give the same numbers to float32 rounding, ~2x faster)",
  );
}

/** `--workers`: worker threads for tiles (see parseWorkers). */
export function workersOption(cmd: Command, fallback = 'auto'): Command {
  return cmd.option(
    '--workers <n>',
    "worker threads, each with its own backend ('auto': on wasm/cpu one per core, for upscale only as many as the cube's tiles keep busy; else 1)",
    fallback,
  );
}

/** `--tile` and `--overlap` of tiled inference. */
export function tileOptions(cmd: Command): Command {
  return cmd
    .option(
      '--tile <n>',
      'LR tile edge (default: the largest whose HR tile fits 128 MiB; any-band models: 96)',
    )
    .option('--overlap <n>', 'LR samples shared by neighbouring tiles', '16');
}

export function jsonOption(cmd: Command): Command {
  return cmd.option('--json', 'machine-readable output');
}

/** The flags of a tiled run on a model (upscale, bench): backend, kernels, tiles and workers. */
export function tiledRunOptions(cmd: Command): Command {
  return workersOption(tileOptions(winogradOption(backendOption(cmd))));
}

/** `--dataset` and `--band-axis`: which cube of an HDF5 / NetCDF-4 file (see parseCubeSelection). */
export function cubeSelectionOptions(cmd: Command): Command {
  return cmd
    .option(
      '--dataset <path>',
      "HDF5 / NetCDF-4 input: the 3-D dataset to read (default: the file's only one; `lkca info` lists them)",
    )
    .option(
      '--band-axis <n>',
      'HDF5 / NetCDF-4 input: the dataset axis (0, 1, 2) holding the bands (default: from dimension names or wavelengths)',
    );
}
