/** Input the playground cannot use (files that do not make one cube, a model that does not fit
 * the cube, ...): the message says what and how to fix it. */
export class PlaygroundInputError extends Error {
  override name = 'PlaygroundInputError';
}

/** `{name, message}` of anything thrown, for showing and for crossing the worker boundary. */
export function describeError(e: unknown): { name: string; message: string } {
  if (e instanceof Error) return { name: e.name, message: e.message };
  if (e && typeof e === 'object' && 'message' in e)
    return { name: String((e as { name?: unknown }).name ?? 'Error'), message: String(e.message) };
  return { name: 'Error', message: String(e) };
}
