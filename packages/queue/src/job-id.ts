// FNV-1a, twice (two offsets) for 64 bits: a short, stable id, not a security hash.
function fnv1a(text: string, seed: number): string {
  let h = seed >>> 0;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h.toString(16).padStart(8, '0');
}

/**
 * The BullMQ job id of a scene: its output stem and a hash of everything that decides the result
 * (input path, its size and modification time, output, model, options). Adding the same scene
 * again while its job is in the queue is then a no-op; a changed input or model is a new job.
 * BullMQ ids must not be integers nor contain ':'.
 */
export function sceneJobId(stem: string, parts: readonly (string | number | undefined)[]): string {
  const key = JSON.stringify(parts);
  const safeStem = stem.replace(/[^A-Za-z0-9._-]/g, '_').slice(0, 64);
  return `${safeStem}-${fnv1a(key, 0x811c9dc5)}${fnv1a(key, 0x01000193)}`;
}
