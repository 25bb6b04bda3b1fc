// The embedded sample (public/sample, made by scripts/make-sample.ts): the LR cube as ENVI and
// its ground truth as MATLAB v5, fetched from the app's own server.

export const SAMPLE_LR = ['balloons-lr-x4.hdr', 'balloons-lr-x4.img'];
export const SAMPLE_HR = ['balloons-hr.mat'];

export async function fetchSample(names: string[]): Promise<{ name: string; blob: Blob }[]> {
  return Promise.all(
    names.map(async (name) => {
      const res = await fetch(`${import.meta.env.BASE_URL}sample/${name}`);
      if (!res.ok) throw new Error(`sample/${name}: HTTP ${res.status}`);
      return { name, blob: await res.blob() };
    }),
  );
}
