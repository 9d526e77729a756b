// Connect panel: server URL and token, connect / forget, and the top bar's status and Settings.
import { html } from 'lit-html';
import type { Settings } from '../../messages';
import { ApiError, SsgClient, normalizeServerUrl } from '../api';
import { clearBanner, showBanner, showError } from '../banner';
import { send } from '../bridge';
import { enterPressesDefault, focus, preventSubmit, valueOf } from '../forms';
import { get, set } from '../state';
import { openProject, toggleNewProject } from './projects';
import { followSelection } from '../selection';

export function showConnect(): void {
  set({ view: 'connect' });
  focus('#server-token');
}

/** The connect form's values (kept in the state on every input). */
const fieldValues = (): Settings => ({ serverUrl: get().serverUrl, token: get().token });

export async function connect(settings: Settings): Promise<void> {
  clearBanner();
  let serverUrl: string;
  try {
    serverUrl = normalizeServerUrl(settings.serverUrl);
  } catch {
    return showBanner('That server URL is not valid. It looks like http://localhost:4000.');
  }
  if (!settings.token.trim()) {
    showBanner('Paste an API token first.');
    return focus('#server-token');
  }
  const client = new SsgClient(serverUrl, settings.token.trim());
  // "Server unreachable" (or "Token refused") lasts only until this client is answered again,
  // e.g. after a Retry: the pill says what the last request found.
  client.onAnswer = () => {
    const { client: current, conn } = get();
    if (current === client && !conn.ok) set({ conn: { ok: true, text: new URL(serverUrl).host } });
  };
  set({ connecting: true, conn: { ok: false, text: `Connecting to ${serverUrl}…` } });
  try {
    const [models, projects] = await Promise.all([client.models(), client.projects()]);
    const { client: previous, selection, project, newProject } = get();
    if (previous !== client) previous?.ws?.dispose();
    const saved = { serverUrl, token: client.token };
    set({
      client,
      settings: saved,
      models,
      projects,
      remembered: true,
      view: 'main',
      conn: { ok: true, text: new URL(serverUrl).host },
      newProject: { ...newProject, modelId: newProject.modelId || (models[0]?.id ?? '') },
    });
    send({ type: 'save-settings', settings: saved });
    const wanted = selection && selection.serverUrl === serverUrl ? selection.projectId : project?.id;
    const first = projects.find((p) => p.id === wanted) ?? projects[0];
    if (first) await openProject(first.id);
    else toggleNewProject(true);
    await followSelection();
  } catch (err) {
    if (!(err instanceof ApiError && (err.kind === 'network' || err.kind === 'auth')))
      set({ conn: { ok: false, text: 'Not connected' } });
    // Retry with what the fields say now: the designer may have corrected them since.
    showError(err, () => void connect(fieldValues()));
  } finally {
    set({ connecting: false });
  }
}

function forget(): void {
  send({ type: 'save-settings', settings: null });
  get().client?.ws?.dispose();
  set({ token: '', remembered: false, client: null, conn: { ok: false, text: 'Not connected' } });
  showConnect();
}

function toggleSettings(): void {
  const { view, client } = get();
  if (view === 'main') showConnect();
  else if (client) set({ view: 'main' });
}

export function topbarView() {
  const { conn, settings } = get();
  return html`<header class="topbar">
    <h1 class="title">ssg-studio</h1>
    <span id="conn-status" class="conn ${conn.ok ? 'ok' : ''}" role="status" aria-live="polite">${conn.text}</span>
    <button id="settings-btn" class="btn btn-ghost" type="button" ?hidden=${!settings} @click=${toggleSettings}>
      Settings
    </button>
  </header>`;
}

export function connectView() {
  const s = get();
  const submit = () => void connect(fieldValues());
  return html`<section id="connect-view" class="view" aria-labelledby="connect-heading" ?hidden=${s.view !== 'connect'}>
    <h2 id="connect-heading" class="section-title">Connect to a server</h2>
    <form id="connect-form" class="stack" novalidate @submit=${preventSubmit} @keydown=${enterPressesDefault}>
      <label class="field">
        <span class="label">Server URL</span>
        <input
          id="server-url"
          class="input"
          type="url"
          name="serverUrl"
          required
          autocomplete="url"
          spellcheck="false"
          .value=${s.serverUrl}
          @input=${(ev: Event) => set({ serverUrl: valueOf(ev) })}
        />
      </label>
      <label class="field">
        <span class="label">API token</span>
        <input
          id="server-token"
          class="input"
          type="password"
          name="token"
          required
          autocomplete="off"
          spellcheck="false"
          placeholder="ssg_…"
          .value=${s.token}
          @input=${(ev: Event) => set({ token: valueOf(ev) })}
        />
      </label>
      <p class="hint">
        Create a token with <code>npx ssg token create --workspace NAME</code>. It is kept on this computer only.
      </p>
      <div class="row">
        <button
          id="connect-btn"
          class="btn btn-primary"
          type="button"
          data-default
          ?disabled=${s.connecting}
          @click=${submit}
        >
          Connect
        </button>
        <button id="forget-btn" class="btn btn-secondary" type="button" ?hidden=${!s.remembered} @click=${forget}>
          Forget token
        </button>
      </div>
    </form>
  </section>`;
}
