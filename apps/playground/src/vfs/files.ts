// The in-memory "disk" behind the node:fs shim: files the user picked (or fetched), each under a
// virtual path. @hsrkit/hsi-data's readers take paths; mounting the picked files side by side under
// one folder lets them find an ENVI header's data file exactly as they do on disk.

const mounted = new Map<string, Blob>();
let folders = 0;

/** Puts the files in a new virtual folder; returns their paths, in order. */
export function mountFiles(files: { name: string; blob: Blob }[]): string[] {
  const dir = `/picked/${++folders}`;
  return files.map(({ name, blob }) => {
    const path = `${dir}/${name}`;
    mounted.set(path, blob);
    return path;
  });
}

/** Forgets the files of a folder returned by `mountFiles` (by any of its paths). */
export function unmountFolderOf(path: string): void {
  const dir = path.slice(0, path.lastIndexOf('/') + 1);
  for (const p of [...mounted.keys()]) if (p.startsWith(dir)) mounted.delete(p);
}

export function mountedFile(path: string): Blob | undefined {
  return mounted.get(path);
}
