/** A job or `queue add` argument that cannot work: names the input, option or field at fault. */
export class QueueInputError extends Error {
  override name = 'QueueInputError';
}
