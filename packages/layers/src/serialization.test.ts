import { describeBackends, expectNoLeak, maxAbsDiff, seededValues } from '@hsrkit/testing';
import * as tf from '@tensorflow/tfjs';
import { expect, it } from 'vitest';
import { ChannelAttention, channelAttention } from './channel-attention.js';
import { DilatedDepthwiseConv2D, dilatedDepthwiseConv2D } from './dilated-depthwise-conv.js';
import { GroupedConv2D, groupedConv2D } from './grouped-conv.js';
import { LargeKernelBlock, largeKernelBlock } from './lkb.js';
import { PixelShuffle, pixelShuffle2D } from './pixel-shuffle.js';

/** Fills every weight of the model with seeded values (biases too, so they are tested). */
function randomizeWeights(model: tf.LayersModel, seed: number): void {
  const values = model
    .getWeights()
    .map((w, i) => tf.tensor(seededValues(w.size, seed + i), w.shape));
  model.setWeights(values);
  tf.dispose(values);
}

/** Saves through an in-memory handler, through JSON text, as a file-based handler would. */
async function saveAndLoad(model: tf.LayersModel): Promise<tf.LayersModel> {
  let saved: tf.io.ModelArtifacts | undefined;
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      saved = artifacts;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
  const topology = JSON.parse(JSON.stringify(saved!.modelTopology));
  const weightSpecs = JSON.parse(JSON.stringify(saved!.weightSpecs));
  const weightData = (saved!.weightData as ArrayBuffer).slice(0);
  return tf.loadLayersModel(tf.io.fromMemory({ modelTopology: topology, weightSpecs, weightData }));
}

/** The layers applied in turn to an input of `input` (batch axis included, left out here). */
function chain(input: number[], layers: tf.layers.Layer[]): tf.LayersModel {
  const x = tf.input({ shape: input.slice(1) });
  const y = layers.reduce((t, layer) => layer.apply(t) as tf.SymbolicTensor, x);
  return tf.model({ inputs: x, outputs: y });
}

const cases: {
  title: string;
  classNames: string[];
  layers: () => tf.layers.Layer[];
  input: number[];
}[] = [
  {
    title: 'DilatedDepthwiseConv2D',
    classNames: [DilatedDepthwiseConv2D.className],
    input: [2, 7, 6, 5],
    layers: () => [dilatedDepthwiseConv2D({ kernelSize: 3, dilationRate: 2 })],
  },
  {
    title: 'GroupedConv2D',
    classNames: [GroupedConv2D.className],
    input: [1, 5, 5, 6],
    layers: () => [groupedConv2D({ filters: 9, kernelSize: 3, groups: 3 })],
  },
  {
    title: 'PixelShuffle',
    classNames: [PixelShuffle.className],
    input: [1, 3, 4, 8],
    layers: () => [tf.layers.conv2d({ filters: 8, kernelSize: 1 }), pixelShuffle2D({ scale: 2 })],
  },
  {
    title: 'ChannelAttention',
    classNames: [ChannelAttention.className],
    input: [2, 4, 4, 8],
    layers: () => [channelAttention({ reduction: 4 })],
  },
  {
    title: 'a small SR net using every layer',
    classNames: [
      GroupedConv2D.className,
      LargeKernelBlock.className,
      DilatedDepthwiseConv2D.className,
      ChannelAttention.className,
      PixelShuffle.className,
    ],
    input: [1, 6, 6, 4],
    layers: () => [
      groupedConv2D({ filters: 8, kernelSize: 3, groups: 2 }),
      largeKernelBlock({ reduction: 4, dilations: [2, 3] }),
      largeKernelBlock({ reduction: 4, kernelSize: 5, dilations: [1, 2, 1], fusionGroups: 8 }),
      dilatedDepthwiseConv2D({ kernelSize: 3, dilationRate: 3, useBias: false }),
      channelAttention({ reduction: 2 }),
      groupedConv2D({ filters: 16, kernelSize: 3, groups: 4 }),
      pixelShuffle2D({ scale: 2 }),
    ],
  },
];

describeBackends(
  'save then load in a fresh model',
  (backend) => {
    for (const c of cases) {
      it(`${c.title}: same config, same weights, identical outputs (${backend})`, async () => {
        const model = chain(c.input, c.layers());
        randomizeWeights(model, 500);
        const loaded = await saveAndLoad(model);
        const topologyText = JSON.stringify(loaded.toJSON(null, false));
        for (const name of c.classNames) expect(topologyText).toContain(`"class_name":"${name}"`);
        expect(loaded.layers.map((l) => l.getConfig())).toEqual(
          model.layers.map((l) => l.getConfig()),
        );
        expect(loaded.weights.map((w) => w.originalName)).toEqual(
          model.weights.map((w) => w.originalName),
        );
        const x = tf.tensor(
          seededValues(
            c.input.reduce((a, b) => a * b, 1),
            501,
          ),
          c.input,
        );
        await expectNoLeak(async () => {
          const [a, b] = [model.predict(x) as tf.Tensor, loaded.predict(x) as tf.Tensor];
          expect(b.shape).toEqual(a.shape);
          expect(maxAbsDiff(await b.data(), await a.data())).toBe(0);
          tf.dispose([a, b]);
        }, 'predict');
        x.dispose();
        model.dispose();
        loaded.dispose();
      });
    }
  },
  ['cpu', 'wasm'],
);
