import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SAMPLE_MODEL_ID, SHIPPED_MODELS, shippedModelsFor } from './shipped-models.js';

// The app's list is written by hand (it must be known before anything is fetched): it has to
// agree with the folders @hsrkit/lkca-net ships, or a menu entry would load nothing.
const lkcaDir = dirname(createRequire(import.meta.url).resolve('@hsrkit/lkca-net/package.json'));
const json = (file: string) => JSON.parse(readFileSync(file, 'utf8'));

describe('SHIPPED_MODELS', () => {
  it('every entry is a folder the package ships, of the kind the entry says', () => {
    for (const m of SHIPPED_MODELS) {
      const dir = join(lkcaDir, m.packageFolder);
      if (m.stages) {
        expect(existsSync(join(dir, 'cascade.json')), m.id).toBe(true);
        continue;
      }
      expect(existsSync(join(dir, 'model.json')), m.id).toBe(true);
      expect(existsSync(join(dir, 'any-band.json')), m.id).toBe(m.bands === 'any');
    }
  });

  it("a cascade's stages are its cascade.json's, shipped any-band models whose scales multiply to its own", () => {
    const cascades = SHIPPED_MODELS.filter((m) => m.stages);
    expect(cascades.map((m) => m.id)).toContain('lkca-any-band-x8');
    for (const m of cascades) {
      const file = json(join(lkcaDir, m.packageFolder, 'cascade.json'));
      expect(file.name).toBe(m.id);
      expect(m.stages).toEqual(file.stages);
      const stages = (m.stages ?? []).map((id) => SHIPPED_MODELS.find((s) => s.id === id));
      expect(stages.every((s) => s && s.bands === 'any' && !s.stages)).toBe(true);
      expect(stages.reduce((p, s) => p * (s?.scale ?? Number.NaN), 1)).toBe(m.scale);
    }
  });

  it('any-band models (and the cascade) take any band count; the sample model fits the 31-band sample', () => {
    const for20 = shippedModelsFor(20).map((m) => m.id);
    expect(for20).toContain('lkca-any-band-x8');
    expect(for20).not.toContain('lkca-distilled-alpha0.1-x4');
    expect(shippedModelsFor(31).map((m) => m.id)).toContain(SAMPLE_MODEL_ID);
  });
});
