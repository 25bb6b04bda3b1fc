// A browser stand-in for node:crypto's randomBytes (hsi-data names temp files with it).

export function randomBytes(n: number): Uint8Array & { toString(encoding?: string): string } {
  const bytes = crypto.getRandomValues(new Uint8Array(n));
  return Object.assign(bytes, {
    toString: (encoding?: string) =>
      encoding === 'hex'
        ? Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('')
        : Array.from(bytes).join(','),
  });
}

export default { randomBytes };
