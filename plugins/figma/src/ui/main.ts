// The plugin UI (iframe; origin "null" inside Figma): talks GraphQL to the server and asks the
// main thread (code.ts) to put results on the canvas. Renders from one state store with
// lit-html, a panel per concern (panels/*).
import { html, render } from 'lit-html';
import { bannerView, recovery } from './banner';
import { onMainMessage, send } from './bridge';
import { followSelection } from './selection';
import { focus } from './forms';
import { attributesView } from './panels/attributes';
import { connect, connectView, showConnect, topbarView } from './panels/connect';
import { facesView } from './panels/faces';
import { historyView, redo, undo } from './panels/history';
import { projectsView, reloadAll } from './panels/projects';
import { swapView } from './panels/swap';
import { toolsView } from './panels/tools';
import { get, set, store } from './state';

recovery.showConnect = showConnect;
recovery.reloadAll = () => void reloadAll();

function app() {
  const { view } = get();
  return html`${topbarView()} ${bannerView()} ${connectView()}
    <main id="main-view" class="view" ?hidden=${view !== 'main'}>
      ${projectsView()} ${facesView()} ${swapView()} ${attributesView()} ${toolsView()} ${historyView()}
    </main>`;
}

const root = document.getElementById('app')!;
const draw = () => render(app(), root);
store.subscribe(draw);
draw();

onMainMessage((msg) => {
  switch (msg.type) {
    case 'init':
      set({ selection: msg.selection });
      if (msg.settings) {
        set({ serverUrl: msg.settings.serverUrl, token: msg.settings.token, remembered: true });
        void connect(msg.settings);
      } else if (document.activeElement === document.body) {
        // Not when the designer (or a test) already is in a field: focus would move mid-typing.
        focus('#server-token');
      }
      return;
    case 'selection':
      set({ selection: msg.node });
      void followSelection();
      return;
    case 'placed':
      set({ selection: msg.node });
      return;
    case 'place-failed':
    case 'strip-placed':
    case 'settings-saved':
      return;
  }
});

// Keyboard: Cmd/Ctrl+Z and Shift+Cmd/Ctrl+Z inside the plugin move the face's history.
document.addEventListener('keydown', (ev) => {
  const target = ev.target as HTMLElement | null;
  if (target && (target.tagName === 'INPUT' || target.tagName === 'SELECT' || target.tagName === 'TEXTAREA')) return;
  if ((ev.metaKey || ev.ctrlKey) && ev.key.toLowerCase() === 'z') {
    ev.preventDefault();
    if (ev.shiftKey) redo();
    else undo();
  }
});

send({ type: 'ui-ready' });
