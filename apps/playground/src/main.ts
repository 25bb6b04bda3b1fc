// The playground page: four panels over one state, TF.js in a worker.
import './styles.css';
import { comparePanel } from './panels/compare-panel.js';
import { cubePanel } from './panels/cube-panel.js';
import { lowRankPanel } from './panels/lowrank-panel.js';
import { srPanel } from './panels/sr-panel.js';
import { SrClient } from './sr-client.js';
import { Store } from './store.js';
import { exposeState } from './test-hooks.js';
import { byId } from './ui/dom.js';

const store = new Store();
const client = new SrClient();
exposeState(store);
store.on((s) => {
  byId('busy').textContent = s.busy ? `${s.busy}…` : '';
});
cubePanel(store);
srPanel(store, client);
comparePanel(store, client);
lowRankPanel(store, client);
store.set({});
