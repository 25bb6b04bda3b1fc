// File names the readers and writers work with, as plain strings (no node:path, so the browser
// entry can pair an ENVI header with its data file among the files a user picked).

/** The extension of a file name or path, with its dot (`.hdr`), or '' (like node:path's `extname`). */
export function extensionOf(name: string): string {
  const base = name.slice(Math.max(name.lastIndexOf('/'), name.lastIndexOf('\\')) + 1);
  const dot = base.lastIndexOf('.');
  return dot <= 0 ? '' : base.slice(dot);
}

/** Extensions an ENVI data file may have (besides none), in the order they are looked for. */
export const ENVI_DATA_EXTENSIONS = ['.img', '.dat', '.raw', '.bsq', '.bil', '.bip'] as const;

/** True for `x.hdr` (any case). */
export function isEnviHeaderName(name: string): boolean {
  return /\.hdr$/i.test(name);
}

/**
 * The names the data file of ENVI header `headerName` may have, in the order to look for them:
 * `x.hdr` -> `x`, `x.img`, `x.dat` ... (and upper-case extensions); `x.img.hdr` -> `x.img` first.
 */
export function enviDataFileCandidates(headerName: string): string[] {
  const stem = headerName.slice(0, -4);
  return [
    stem,
    ...ENVI_DATA_EXTENSIONS.map((e) => stem + e),
    ...ENVI_DATA_EXTENSIONS.map((e) => stem + e.toUpperCase()),
  ];
}

/** The names the header of ENVI data file `dataName` may have: `x.img.hdr`, `x.hdr` (and `.HDR`). */
export function enviHeaderFileCandidates(dataName: string): string[] {
  const ext = extensionOf(dataName);
  const noExt = ext ? dataName.slice(0, -ext.length) : dataName;
  return [`${dataName}.hdr`, `${noExt}.hdr`, `${dataName}.HDR`, `${noExt}.HDR`];
}

/**
 * Header and data file names an ENVI writer uses for `file`: `x.hdr` -> data `x.img`; `x.img.hdr`
 * -> data `x.img`; `x.img` -> header `x.hdr`; `x` -> header `x.hdr`.
 */
export function enviWritePaths(file: string): { headerFile: string; dataFile: string } {
  if (isEnviHeaderName(file)) {
    const stem = file.slice(0, -4);
    return { headerFile: file, dataFile: extensionOf(stem) ? stem : `${stem}.img` };
  }
  const ext = extensionOf(file);
  return { headerFile: ext ? `${file.slice(0, -ext.length)}.hdr` : `${file}.hdr`, dataFile: file };
}
