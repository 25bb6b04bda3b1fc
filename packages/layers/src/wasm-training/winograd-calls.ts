import { trainingState, type Scope } from './training-state.js';

export type Shape4 = [number, number, number, number];

/** Threads the training kernels run on now. */
export const nth = (): number => trainingState()!.threads;

/**
 * out [n][h][w][cout] = conv3x3_same(x [n][h][w][cin], g) + bias by Winograd, in `groups` groups
 * (g [3][3][cin / groups][cout]); `flip` runs the input gradient's conv instead: x is then the
 * output gradient [n][h][w][cout of g] and out [n][h][w][cin of g] (`cout` names out's channels).
 */
export function winograd(
  s: Scope,
  x: number,
  shape: Shape4,
  g: number,
  cout: number,
  flip: boolean,
  bias: number,
  out: number,
  groups = 1,
): void {
  const { ex } = trainingState()!.mod;
  const [n, h, w, cin] = shape;
  // wt_pack takes the filter's own cin and cout; flipped, the conv's are the other way round.
  const [gIn, gOut] = flip ? [cout, cin] : [cin, cout];
  const u = s.take(ex.wt_pack_size(gIn, gOut, flip ? 1 : 0, groups));
  ex.wt_pack(g, u, gIn, gOut, flip ? 1 : 0, groups, nth());
  const per = ex.wt_conv_scratch(cin);
  ex.wt_conv(x, n, h, w, cin, u, bias, cout, groups, out, s.take(per * nth()), per, nth());
}

/** dw [3][3][cin / groups][cout] of conv3x3_same(x [n][h][w][cin], w) for the output gradient dy. */
export function winogradFilterGrad(
  s: Scope,
  x: number,
  dy: number,
  shape: Shape4,
  cout: number,
  dw: number,
  groups = 1,
): void {
  const { ex } = trainingState()!.mod;
  const [n, h, w, cin] = shape;
  const scratch = s.take(ex.wt_filter_grad_scratch(cin, cout));
  ex.wt_filter_grad(x, dy, n, h, w, cin, cout, groups, dw, scratch, nth());
}

/** db [c] = the column sums of dy [rows][c]. */
export function biasGrad(s: Scope, dy: number, rows: number, c: number, db: number): void {
  const { ex } = trainingState()!.mod;
  ex.wt_bias_grad(dy, rows, c, db, s.take(ex.wt_bias_grad_scratch(rows, c)), nth());
}
