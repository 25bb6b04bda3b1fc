import { checkOutputPaths, falseColor, readCube, writePng } from '@hsrkit/hsi-data/node';
import type { Command } from 'commander';
import { type CommonOptions, makeContext, parseCubeSelection, parseList } from '../context.js';
import { cubeSelectionOptions, jsonOption } from '../options.js';

export function previewCommand(program: Command): void {
  const cmd = program
    .command('preview')
    .description(
      'false-colour PNG of a cube (bands nearest 640/550/460 nm by default, 2-98 % stretch)',
    )
    .argument('<file>', 'cube file')
    .requiredOption('-o, --output <png>', 'PNG to write')
    .option('--bands <r,g,b>', 'band indices (0-based) for red, green, blue')
    .option('--rgb-nm <r,g,b>', 'wavelengths (nm) to pick the nearest bands for')
    .option('--percentiles <lo,hi>', 'stretch percentiles', '2,98');
  jsonOption(cubeSelectionOptions(cmd)).action(
    async (
      file: string,
      o: CommonOptions & {
        dataset?: string;
        bandAxis?: string;
        output: string;
        bands?: string;
        rgbNm?: string;
        percentiles: string;
      },
    ) => {
      const ctx = makeContext(o);
      // Before any work: the PNG never replaces the cube (or its ENVI header / data file).
      await checkOutputPaths(o.output, [file]);
      await ctx.runtime();
      const bands = parseList('bands', o.bands, 3) as [number, number, number] | undefined;
      const nm = parseList('rgb-nm', o.rgbNm, 3) as [number, number, number] | undefined;
      const view = await falseColor(
        await readCube(file, { ...parseCubeSelection(o), nonFinite: { fill: 0 } }),
        {
          ...(bands ? { bands } : {}),
          ...(nm ? { wavelengthsNm: nm } : {}),
          percentiles: parseList('percentiles', o.percentiles, 2) as [number, number],
        } as never,
      );
      await writePng(o.output, view.image);
      ctx.out.result(
        { output: o.output, bands: view.bands, rows: view.image.height, cols: view.image.width },
        `wrote ${o.output}: ${view.image.width} x ${view.image.height}, bands ${view.bands.join(', ')}`,
      );
    },
  );
}
