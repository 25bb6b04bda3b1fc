import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

/**
 * sha256 (hex) of a model folder's model.json and its weight files in manifest order: the model's
 * identity in output records, so a retrained model in the same folder is a different model.
 */
export async function modelDigest(modelPath: string): Promise<string> {
  const jsonPath = modelPath.endsWith('.json') ? modelPath : join(modelPath, 'model.json');
  const json = await fs.readFile(jsonPath);
  const hash = createHash('sha256').update(json);
  const manifest = (
    JSON.parse(json.toString('utf8')) as { weightsManifest?: { paths: string[] }[] }
  ).weightsManifest;
  for (const group of manifest ?? [])
    for (const p of group.paths) hash.update(await fs.readFile(resolve(dirname(jsonPath), p)));
  return hash.digest('hex');
}
