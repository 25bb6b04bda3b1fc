// 4. The low-rank analysis of the loaded model, computed in the worker by @hsrkit/lowrank.
import { describeError } from '../errors.js';
import type { SrClient } from '../sr-client.js';
import type { Store } from '../store.js';
import { byId } from '../ui/dom.js';
import { lowRankView } from '../ui/lowrank-view.js';

export function lowRankPanel(store: Store, client: SrClient): void {
  const button = byId<HTMLButtonElement>('analyze');
  const out = byId('lowrank-out');
  button.addEventListener('click', async () => {
    out.textContent = 'Analysing…';
    try {
      store.set({ lowRank: await client.request({ type: 'analyze' }) });
    } catch (e) {
      const { name, message } = describeError(e);
      out.textContent = `${name}: ${message}`;
    }
  });
  store.on((s, changed) => {
    button.disabled = !s.model || !!s.busy;
    if (changed.has('model')) out.replaceChildren();
    if (changed.has('lowRank') && s.lowRank) out.replaceChildren(lowRankView(s.lowRank));
  });
}
