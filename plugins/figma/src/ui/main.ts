// The plugin UI (iframe; origin "null" inside Figma): talks GraphQL to the server and asks the
// main thread (code.ts) to put results on the canvas. Plain DOM, no framework.
import type { LinkedNode, MainToUi, OverlayLayer, Settings, UiToMain } from '../messages';
import {
  ApiError,
  SsgClient,
  normalizeServerUrl,
  type ComponentPart,
  type EditNode,
  type FaceDetail,
  type FaceSummary,
  type GenerativeModel,
  type Job,
  type Page,
  type ProgressTransport,
  type ProjectDetail,
  type ProjectSummary,
  type Render,
} from './api';
import { $, $button, $input, $select, h } from './dom';

// ---------------------------------------------------------------- state

interface State {
  settings: Settings | null;
  client: SsgClient | null;
  models: GenerativeModel[];
  projects: ProjectSummary[];
  project: ProjectDetail | null;
  targetId: string | null;
  sourceId: string | null;
  components: Set<string>;
  history: FaceDetail | null;
  selection: LinkedNode | null;
  busy: boolean;
}

const state: State = {
  settings: null,
  client: null,
  models: [],
  projects: [],
  project: null,
  targetId: null,
  sourceId: null,
  components: new Set(),
  history: null,
  selection: null,
  busy: false,
};

// ---------------------------------------------------------------- messaging with code.ts

function send(msg: UiToMain): void {
  parent.postMessage({ pluginMessage: msg }, '*');
}

const pendingPlacements = new Map<string, { resolve: (n: LinkedNode) => void; reject: (e: Error) => void }>();
let requestCounter = 0;

function place(msg: Omit<Extract<UiToMain, { type: 'place-result' }>, 'type' | 'requestId'>): Promise<LinkedNode> {
  const requestId = `r${Date.now().toString(36)}-${++requestCounter}`;
  return new Promise((resolve, reject) => {
    pendingPlacements.set(requestId, { resolve, reject });
    send({ type: 'place-result', requestId, ...msg });
  });
}

window.addEventListener('message', (event: MessageEvent) => {
  const msg = (event.data as { pluginMessage?: MainToUi } | null)?.pluginMessage;
  if (!msg || typeof msg !== 'object') return;
  switch (msg.type) {
    case 'init':
      state.selection = msg.selection;
      if (msg.settings) {
        $input('server-url').value = msg.settings.serverUrl;
        $input('server-token').value = msg.settings.token;
        $button('forget-btn').hidden = false;
        void connect(msg.settings);
      } else {
        $input('server-token').focus();
      }
      return;
    case 'selection':
      state.selection = msg.node;
      void onSelection();
      return;
    case 'placed': {
      const p = pendingPlacements.get(msg.requestId);
      pendingPlacements.delete(msg.requestId);
      state.selection = msg.node;
      updateLinkedNote();
      p?.resolve(msg.node);
      return;
    }
    case 'place-failed': {
      const p = pendingPlacements.get(msg.requestId);
      pendingPlacements.delete(msg.requestId);
      p?.reject(new Error(msg.message));
      return;
    }
    case 'settings-saved':
      return;
  }
});

// ---------------------------------------------------------------- errors and progress

function clearBanner(): void {
  $('banner').hidden = true;
}

function showBanner(text: string, actions: { label: string; run: () => void }[] = [], warning = false): void {
  const banner = $('banner');
  banner.classList.toggle('warning', warning);
  $('banner-text').textContent = text;
  const box = $('banner-actions');
  box.replaceChildren(
    ...actions.map((a) =>
      h('button', { class: 'btn btn-secondary btn-small', type: 'button', onclick: () => a.run() }, a.label),
    ),
  );
  banner.hidden = false;
}

function showError(err: unknown, retry?: () => void): void {
  const dismiss = { label: 'Dismiss', run: clearBanner };
  if (err instanceof ApiError) {
    switch (err.kind) {
      case 'network':
        showBanner(err.message, [
          ...(retry ? [{ label: 'Retry', run: () => (clearBanner(), retry()) }] : []),
          { label: 'Settings', run: showConnect },
        ]);
        setConnStatus(false, 'Server unreachable');
        return;
      case 'auth':
        showBanner(err.message, [{ label: 'Settings', run: showConnect }]);
        setConnStatus(false, 'Token refused');
        return;
      case 'conflict': {
        const name = currentFace()?.name ?? 'This face';
        showBanner(
          `${name} was changed by someone else since you loaded it, so your edit was not applied. Reload to see their edit, then try again.`,
          [{ label: 'Reload face', run: () => (clearBanner(), void reloadAll()) }, dismiss],
          true,
        );
        return;
      }
      case 'job':
        showBanner(err.message, [
          ...(retry ? [{ label: 'Try again', run: () => (clearBanner(), retry()) }] : []),
          dismiss,
        ]);
        return;
      default:
        showBanner(err.message, [dismiss]);
        return;
    }
  }
  showBanner(err instanceof Error ? err.message : String(err), [dismiss]);
}

/**
 * Shows (or hides, with null) the progress line. `via` says how the job's status arrived
 * (WebSocket subscription or polling); kept on #progress as data-via for diagnostics and tests.
 */
function setProgress(text: string | null, via?: ProgressTransport | ''): void {
  const el = $('progress');
  el.hidden = text === null;
  $('progress-text').textContent = text ?? '';
  if (via !== undefined) el.dataset.via = via;
}

function jobText(job: Job): string {
  switch (job.status) {
    case 'QUEUED':
      return 'Queued…';
    case 'RUNNING':
      return job.attempts && job.attempts > 1 ? `Rendering (attempt ${job.attempts})…` : 'Rendering…';
    case 'SUCCEEDED':
      return 'Rendered';
    default:
      return job.status.toLowerCase();
  }
}

function setBusy(busy: boolean): void {
  state.busy = busy;
  updateControls();
}

function setConnStatus(ok: boolean, text: string): void {
  const el = $('conn-status');
  el.textContent = text;
  el.classList.toggle('ok', ok);
}

// ---------------------------------------------------------------- images (blob URLs; the token never goes in a URL)

const blobUrls = new Map<string, Promise<string>>();
const pngCache = new Map<string, Promise<Uint8Array>>();

function imageBytes(url: string): Promise<Uint8Array> {
  const client = state.client!;
  const key = client.resolve(url);
  let p = pngCache.get(key);
  if (!p) {
    p = client.image(url);
    pngCache.set(key, p);
    p.catch(() => pngCache.delete(key));
  }
  return p;
}

function blobUrl(url: string): Promise<string> {
  const key = state.client!.resolve(url);
  let p = blobUrls.get(key);
  if (!p) {
    p = imageBytes(url).then((bytes) => URL.createObjectURL(new Blob([bytes as BlobPart], { type: 'image/png' })));
    blobUrls.set(key, p);
    p.catch(() => blobUrls.delete(key));
  }
  return p;
}

function thumb(render: Render | null, alt: string): HTMLImageElement {
  const img = h('img', { class: render ? 'thumb' : 'thumb pending', alt, draggable: 'false' });
  if (render) {
    img.dataset.renderId = render.id;
    blobUrl(render.imageUrl)
      .then((src) => {
        img.src = src;
      })
      .catch(() => img.classList.add('pending'));
  }
  return img;
}

// ---------------------------------------------------------------- connect

function showConnect(): void {
  $('connect-view').hidden = false;
  $('main-view').hidden = true;
  $input('server-token').focus();
}

async function connect(settings: Settings): Promise<void> {
  clearBanner();
  let serverUrl: string;
  try {
    serverUrl = normalizeServerUrl(settings.serverUrl);
  } catch {
    showBanner('That server URL is not valid. It looks like http://localhost:4000.');
    return;
  }
  if (!settings.token.trim()) {
    showBanner('Paste an API token first.');
    $input('server-token').focus();
    return;
  }
  const client = new SsgClient(serverUrl, settings.token.trim());
  const btn = $button('connect-btn');
  btn.disabled = true;
  setConnStatus(false, `Connecting to ${serverUrl}…`);
  try {
    const [models, projects] = await Promise.all([client.models(), client.projects()]);
    if (state.client !== client) state.client?.ws?.dispose();
    state.client = client;
    state.settings = { serverUrl, token: client.token };
    state.models = models;
    state.projects = projects;
    send({ type: 'save-settings', settings: state.settings });
    setConnStatus(true, new URL(serverUrl).host);
    $('connect-view').hidden = true;
    $('main-view').hidden = false;
    $button('settings-btn').hidden = false;
    $button('forget-btn').hidden = false;
    renderModelOptions();
    renderProjectOptions();
    const wanted =
      state.selection && state.selection.serverUrl === serverUrl ? state.selection.projectId : state.project?.id;
    const first = projects.find((p) => p.id === wanted) ?? projects[0];
    if (first) await openProject(first.id);
    else {
      renderProject();
      toggleForm('new-project', true);
    }
    await onSelection();
  } catch (err) {
    if (!(err instanceof ApiError && (err.kind === 'network' || err.kind === 'auth')))
      setConnStatus(false, 'Not connected');
    showError(err, () => void connect(settings));
  } finally {
    btn.disabled = false;
  }
}

// Figma's UI iframe may be sandboxed without "allow-forms", where a form never submits (not even
// the submit event fires): forms here have plain buttons, and Enter in a field presses the
// form's default button.
for (const form of Array.from(document.querySelectorAll('form'))) {
  form.addEventListener('submit', (ev) => ev.preventDefault());
  form.addEventListener('keydown', (ev) => {
    const t = ev.target as HTMLElement;
    if (ev.key === 'Enter' && t.tagName === 'INPUT' && !ev.isComposing) {
      ev.preventDefault();
      form.querySelector<HTMLButtonElement>('button[data-default]')?.click();
    }
  });
}

$button('connect-btn').addEventListener('click', () => {
  void connect({ serverUrl: $input('server-url').value, token: $input('server-token').value });
});

$button('forget-btn').addEventListener('click', () => {
  send({ type: 'save-settings', settings: null });
  $input('server-token').value = '';
  $button('forget-btn').hidden = true;
  state.client?.ws?.dispose();
  state.client = null;
  setConnStatus(false, 'Not connected');
  showConnect();
});

$button('settings-btn').addEventListener('click', () => {
  if ($('connect-view').hidden) showConnect();
  else if (state.client) {
    $('connect-view').hidden = true;
    $('main-view').hidden = false;
  }
});

// ---------------------------------------------------------------- projects

function toggleForm(name: 'new-project' | 'new-face', open: boolean): void {
  $(`${name}-form`).hidden = !open;
  $button(`${name}-btn`).setAttribute('aria-expanded', String(open));
  if (open) {
    if (name === 'new-face') {
      const n = (state.project?.faces.length ?? 0) + 1;
      if (!$input('new-face-name').value) $input('new-face-name').value = `Face ${n}`;
      if (!$input('new-face-seed').value) $input('new-face-seed').value = String(randomSeed());
      $input('new-face-name').focus();
    } else {
      if (!$input('new-project-name').value) $input('new-project-name').value = 'My faces';
      $input('new-project-name').focus();
    }
  }
}

function renderModelOptions(): void {
  $select('new-project-model').replaceChildren(
    ...state.models.map((m) => h('option', { value: m.id }, m.untrained ? `${m.name} (demo, untrained)` : m.name)),
  );
}

function renderProjectOptions(): void {
  const select = $select('project-select');
  if (!state.projects.length) {
    select.replaceChildren(h('option', { value: '' }, 'No projects yet'));
    select.disabled = true;
    return;
  }
  select.disabled = false;
  select.replaceChildren(...state.projects.map((p) => h('option', { value: p.id }, `${p.name} · ${p.model.name}`)));
  if (state.project) select.value = state.project.id;
}

async function openProject(id: string): Promise<void> {
  const client = state.client!;
  const project = await client.project(id);
  // Reopening the same project keeps the pages of faces that were showing.
  const shown = state.project?.id === project.id ? state.project.faces.length : 0;
  for (let i = 0; i < 100 && project.faces.length < shown && project.hasMoreFaces; i++) {
    appendFaces(project, await client.projectFaces(project.id, project.facesCursor));
  }
  if (state.project?.id !== project.id) {
    state.targetId = null;
    state.sourceId = null;
    state.history = null;
    state.components = new Set();
  }
  state.project = project;
  if (state.targetId && !project.faces.some((f) => f.id === state.targetId)) state.targetId = null;
  if (state.sourceId && !project.faces.some((f) => f.id === state.sourceId)) state.sourceId = null;
  if (!state.targetId && project.faces[0]) state.targetId = project.faces[0].id;
  if (!state.sourceId) state.sourceId = project.faces.find((f) => f.id !== state.targetId)?.id ?? null;
  renderProjectOptions();
  renderProject();
  for (const face of project.faces) watchPendingFace(face);
  if (state.targetId) await loadHistory();
  else renderHistory();
}

function appendFaces(project: ProjectDetail, page: Page<FaceSummary>): FaceSummary[] {
  const seen = new Set(project.faces.map((f) => f.id));
  const added = page.items.filter((f) => !seen.has(f.id));
  project.faces = [...project.faces, ...added];
  project.hasMoreFaces = page.hasNextPage && page.items.length > 0;
  project.facesCursor = page.endCursor ?? project.facesCursor;
  return added;
}

/** Loads pages of the project's faces until `faceId` is among them; false when it isn't there. */
async function ensureFaceLoaded(faceId: string): Promise<boolean> {
  const project = state.project;
  const client = state.client;
  if (!project || !client) return false;
  for (let i = 0; i < 100 && !faceById(faceId) && project.hasMoreFaces; i++) {
    const added = appendFaces(project, await client.projectFaces(project.id, project.facesCursor));
    if (state.project !== project) return false;
    for (const face of added) watchPendingFace(face);
  }
  if (faceById(faceId)) renderProject();
  return !!faceById(faceId);
}

let loadingFaces = false;

/** "Show more faces": appends the next page and moves focus to the first new tile. */
async function loadMoreFaces(): Promise<void> {
  const project = state.project;
  const client = state.client;
  if (!project || !client || !project.hasMoreFaces || loadingFaces) return;
  loadingFaces = true;
  $button('faces-more').disabled = true;
  try {
    const added = appendFaces(project, await client.projectFaces(project.id, project.facesCursor));
    if (state.project !== project) return;
    renderProject();
    for (const face of added) watchPendingFace(face);
    if (added[0]) document.querySelector<HTMLElement>(`#face-grid [data-face-id="${added[0].id}"]`)?.focus();
  } catch (err) {
    showError(err, () => void loadMoreFaces());
  } finally {
    loadingFaces = false;
    $button('faces-more').disabled = false;
  }
}

$button('faces-more').addEventListener('click', () => void loadMoreFaces());

$select('project-select').addEventListener('change', () => {
  const id = $select('project-select').value;
  if (id) openProject(id).catch((err) => showError(err, () => void openProject(id)));
});

$button('new-project-btn').addEventListener('click', () => toggleForm('new-project', $('new-project-form').hidden));
$button('new-project-cancel').addEventListener('click', () => toggleForm('new-project', false));
$button('create-project-btn').addEventListener('click', () => void createProject());

async function createProject(): Promise<void> {
  const name = $input('new-project-name').value.trim();
  const modelId = $select('new-project-model').value;
  if (!name) return $input('new-project-name').focus();
  try {
    clearBanner();
    const project = await state.client!.createProject(name, modelId);
    state.projects = [project, ...state.projects.filter((p) => p.id !== project.id)];
    $input('new-project-name').value = '';
    toggleForm('new-project', false);
    await openProject(project.id);
    toggleForm('new-face', true);
  } catch (err) {
    showError(err);
  }
}

// ---------------------------------------------------------------- faces

function currentFace(): FaceSummary | undefined {
  return state.project?.faces.find((f) => f.id === state.targetId);
}

function faceById(id: string | null): FaceSummary | undefined {
  return id ? state.project?.faces.find((f) => f.id === id) : undefined;
}

function renderProject(): void {
  renderFaces();
  renderComponents();
  renderSwapFaces();
  updateControls();
}

function renderFaces(): void {
  const faces = state.project?.faces ?? [];
  $('faces-empty').hidden = faces.length > 0 || !state.project;
  $button('faces-more').hidden = !state.project?.hasMoreFaces;
  $('face-grid').replaceChildren(
    ...faces.map((face) => {
      const isTarget = face.id === state.targetId;
      const isSource = face.id === state.sourceId;
      const label = `${face.name}${isTarget ? ', target' : ''}${isSource ? ', source' : ''}`;
      return h(
        'li',
        {},
        h(
          'button',
          {
            class: 'tile',
            type: 'button',
            'aria-pressed': String(isTarget),
            'aria-label': label,
            title: `${face.name} — click: target, Shift-click: source`,
            'data-face-id': face.id,
            onclick: (ev: Event) => {
              if ((ev as MouseEvent).shiftKey) setSource(face.id);
              else void setTarget(face.id);
            },
          },
          thumb(face.head.render, ''),
          isTarget ? h('span', { class: 'badge', 'aria-hidden': 'true' }, 'T') : null,
          isSource ? h('span', { class: 'badge source', 'aria-hidden': 'true' }, 'S') : null,
          h('span', { class: 'name' }, face.name),
        ),
      );
    }),
  );
}

function renderSwapFaces(): void {
  const target = currentFace();
  $('target-card').replaceChildren(
    ...(target
      ? [thumb(target.head.render, `${target.name}, current image`), h('span', { class: 'name' }, target.name)]
      : [h('span', { class: 'hint' }, 'Pick a face above')]),
  );
  const faces = state.project?.faces ?? [];
  const select = $select('source-select');
  select.replaceChildren(
    h('option', { value: '' }, faces.length > 1 ? 'Choose a face' : 'Create a second face'),
    ...faces.filter((f) => f.id !== state.targetId).map((f) => h('option', { value: f.id }, f.name)),
  );
  select.value = state.sourceId && state.sourceId !== state.targetId ? state.sourceId : '';
}

async function setTarget(id: string): Promise<void> {
  if (state.targetId === id) return;
  state.targetId = id;
  if (state.sourceId === id) state.sourceId = state.project?.faces.find((f) => f.id !== id)?.id ?? null;
  renderFaces();
  renderSwapFaces();
  updateControls();
  updateLinkedNote();
  try {
    await loadHistory();
  } catch (err) {
    showError(err, () => void loadHistory());
  }
}

function setSource(id: string): void {
  if (id === state.targetId) return;
  state.sourceId = id;
  renderFaces();
  renderSwapFaces();
  updateControls();
}

$select('source-select').addEventListener('change', () => {
  state.sourceId = $select('source-select').value || null;
  renderFaces();
  updateControls();
});

function randomSeed(): number {
  return Math.floor(Math.random() * 2_000_000_000);
}

$button('new-face-btn').addEventListener('click', () => toggleForm('new-face', $('new-face-form').hidden));
$button('new-face-cancel').addEventListener('click', () => toggleForm('new-face', false));
$button('new-face-random').addEventListener('click', () => {
  $input('new-face-seed').value = String(randomSeed());
});
$button('create-face-btn').addEventListener('click', () => void createFace());

async function createFace(): Promise<void> {
  const project = state.project;
  if (!project) return;
  const name = $input('new-face-name').value.trim() || `Face ${project.faces.length + 1}`;
  const seed = Number.parseInt($input('new-face-seed').value, 10);
  const truncation = Number.parseFloat($input('new-face-trunc').value);
  if (!Number.isInteger(seed) || seed < 0) {
    showBanner('The seed must be a whole number, 0 or more.');
    return $input('new-face-seed').focus();
  }
  if (!(truncation >= 0 && truncation <= 1.5)) {
    showBanner('Truncation must be between 0 and 1.5 (0.7 is a good start).');
    return $input('new-face-trunc').focus();
  }
  try {
    clearBanner();
    const payload = await state.client!.createFace({ projectId: project.id, name, seed, truncation });
    const face: FaceSummary = { ...payload.face, head: { ...payload.face.head, job: payload.job } };
    project.faces = [...project.faces.filter((f) => f.id !== face.id), face];
    $input('new-face-name').value = '';
    $input('new-face-seed').value = '';
    toggleForm('new-face', false);
    if (!state.targetId) state.targetId = face.id;
    else if (!state.sourceId) state.sourceId = face.id;
    renderProject();
    if (state.targetId === face.id) void loadHistory().catch((err) => showError(err));
    watchPendingFace(face);
  } catch (err) {
    showError(err);
  }
}

const watching = new Set<string>();

/** While a face's head has no render yet, waits for its job and then refreshes its tile. */
function watchPendingFace(face: FaceSummary): void {
  const job = face.head.job;
  if (face.head.render || !job || watching.has(job.id)) return;
  if (job.status === 'FAILED' || job.status === 'CANCELLED') return;
  watching.add(job.id);
  const client = state.client!;
  client
    .waitForJob(job.id)
    .then((render) => {
      const f = state.project?.faces.find((x) => x.id === face.id);
      if (f && f.head.id === face.head.id) {
        f.head = { ...f.head, render };
        renderFaces();
        renderSwapFaces();
      }
      if (state.history?.id === face.id) void loadHistory();
    })
    .catch((err) => showError(err))
    .finally(() => watching.delete(job.id));
}

// ---------------------------------------------------------------- components and swap

function renderComponents(): void {
  const model = state.project?.model;
  const box = $('component-list');
  if (!model) {
    box.replaceChildren();
    return;
  }
  const all = [
    { name: 'coarse', label: 'Coarse structure', color: null as string | null },
    ...model.components.map((c) => ({ name: c.name, label: c.name, color: c.color })),
  ];
  for (const name of [...state.components]) if (!all.some((c) => c.name === name)) state.components.delete(name);
  box.replaceChildren(
    ...all.map((c) =>
      h(
        'label',
        { class: 'chip' },
        h('input', {
          type: 'checkbox',
          name: 'component',
          value: c.name,
          checked: state.components.has(c.name),
          onchange: (ev: Event) => {
            const input = ev.target as HTMLInputElement;
            if (input.checked) state.components.add(c.name);
            else state.components.delete(c.name);
            updateControls();
          },
        }),
        h(
          'span',
          {},
          c.color ? h('i', { class: 'swatch', style: `background:${cssColor(c.color)}`, 'aria-hidden': 'true' }) : null,
          c.label,
        ),
      ),
    ),
  );
}

function cssColor(color: string): string {
  return /^#?[0-9a-f]{3,8}$/i.test(color)
    ? color.startsWith('#')
      ? color
      : `#${color}`
    : /^[\w(),.\s%]+$/.test(color)
      ? color
      : 'transparent';
}

function selectedPart(): ComponentPart {
  const checked = document.querySelector<HTMLInputElement>('#part-group input:checked');
  return (checked?.value as ComponentPart) ?? 'BOTH';
}

function updateControls(): void {
  const ready = !!state.client && !!state.project;
  const target = currentFace();
  const canSwap =
    ready && !!target && !!state.sourceId && state.sourceId !== state.targetId && state.components.size > 0;
  $button('swap-btn').disabled = state.busy || !canSwap;
  $button('place-btn').disabled = state.busy || !target?.head.render;
  const head = state.history && state.history.id === state.targetId ? state.history.head : null;
  $button('undo-btn').disabled = state.busy || !head?.parent;
  $button('redo-btn').disabled = state.busy || !head || head.children.length === 0;
  $button('new-face-btn').disabled = !ready;
  $button('swap-btn').title = canSwap
    ? ''
    : !target
      ? 'Pick a target face'
      : !state.sourceId
        ? 'Pick a source face'
        : 'Tick at least one component';
}

/** The selected canvas node to update in place when it shows the given face. */
function linkedNodeFor(faceId: string): string | null {
  const sel = state.selection;
  return sel && sel.faceId === faceId && sel.serverUrl === state.client?.serverUrl ? sel.nodeId : null;
}

function updateLinkedNote(): void {
  const note = $('linked-note');
  const sel = state.selection;
  if (!sel) {
    note.hidden = true;
    return;
  }
  note.hidden = false;
  if (state.client && sel.serverUrl !== state.client.serverUrl) {
    note.textContent = `The selected layer "${sel.name}" comes from ${sel.serverUrl}; connect there to edit it.`;
  } else if (sel.faceId === state.targetId) {
    note.textContent = `Selected layer "${sel.name}" will be updated in place.`;
  } else {
    note.textContent = `Selected layer "${sel.name}" shows another face; results go to a new layer.`;
  }
}

async function buildLayers(render: Render, components: string[]): Promise<OverlayLayer[]> {
  const client = state.client!;
  const layers: OverlayLayer[] = [];
  if ($input('layer-seg').checked && render.segmentationUrl) {
    layers.push({
      key: 'segmentation',
      name: 'Segmentation',
      png: await imageBytes(render.segmentationUrl),
      opacity: 0.6,
    });
  }
  if ($input('layer-depth').checked) {
    for (const c of components.filter((x) => x !== 'coarse')) {
      try {
        layers.push({
          key: `depth:${c}`,
          name: `Depth · ${c}`,
          png: await imageBytes(client.depthUrl(render.id, c)),
          opacity: 1,
        });
      } catch {
        send({ type: 'notify', message: `No depth map for "${c}" on this render.` });
      }
    }
  }
  return layers;
}

/** Puts the face's image (at `editId`) on the canvas: updates the linked node, or makes a new one. */
async function placeOnCanvas(
  face: { id: string; name: string },
  editId: string,
  render: Render,
  components: string[],
): Promise<LinkedNode> {
  const client = state.client!;
  const png = await imageBytes(render.imageUrl);
  return place({
    faceId: face.id,
    faceName: face.name,
    editId,
    projectId: state.project!.id,
    serverUrl: client.serverUrl,
    png,
    targetNodeId: linkedNodeFor(face.id),
    // Always sent (possibly empty): overlays of an earlier edit would no longer match the image.
    layers: await buildLayers(render, components),
  });
}

$button('swap-btn').addEventListener('click', () => void swap());

async function swap(): Promise<void> {
  const client = state.client!;
  const target = currentFace();
  const source = faceById(state.sourceId);
  if (!target || !source) return;
  const components = [...state.components];
  const part = selectedPart();
  const expectedHeadId = seenHeadId(target.id);
  clearBanner();
  setBusy(true);
  setProgress('Sending swap…', '');
  try {
    const payload = await client.swapComponents({
      targetFaceId: target.id,
      sourceFaceId: source.id,
      components,
      part,
      expectedHeadId,
    });
    setProgress(jobText(payload.job));
    const render =
      payload.job.render ?? (await client.waitForJob(payload.job.id, (job, via) => setProgress(jobText(job), via)));
    const face = payload.face;
    updateFace({ ...face, head: { ...payload.edit, render } });
    setProgress('Placing on canvas…');
    await placeOnCanvas(face, payload.edit.id, render, components);
    setProgress(null);
    send({ type: 'notify', message: `Swapped ${components.join(', ')} from ${source.name} into ${face.name}` });
    await loadHistory();
  } catch (err) {
    setProgress(null);
    showError(err, () => void swap());
  } finally {
    setBusy(false);
  }
}

$button('place-btn').addEventListener('click', () => {
  const face = currentFace();
  if (!face?.head.render) return;
  setBusy(true);
  placeOnCanvas(face, face.head.id, face.head.render, [...state.components])
    .catch((err) => showError(err))
    .finally(() => setBusy(false));
});

function updateFace(face: FaceSummary): void {
  const project = state.project;
  if (!project) return;
  project.faces = project.faces.map((f) => (f.id === face.id ? { ...f, ...face } : f));
  renderFaces();
  renderSwapFaces();
  updateControls();
}

// ---------------------------------------------------------------- history

async function loadHistory(): Promise<void> {
  const id = state.targetId;
  if (!id || !state.client) {
    state.history = null;
    renderHistory();
    return;
  }
  const client = state.client;
  // Reloading the same face keeps the older pages that were showing; and the head's row is always
  // loaded (pages are whole, from the newest, so every shown edit's descendants are shown too and
  // the current line and the redo path can be traced across pages).
  const shown = state.history?.id === id ? state.history.edits.length : 0;
  const face = await client.face(id);
  for (
    let i = 0;
    i < 40 && face.hasMoreEdits && (face.edits.length < shown || !face.edits.some((e) => e.id === face.head.id));
    i++
  ) {
    if (state.targetId !== id) return;
    appendEdits(face, await client.faceEdits(id, face.editsCursor));
  }
  if (state.targetId !== id) return;
  state.history = face;
  const summary = faceById(id);
  if (summary && (summary.head.id !== face.head.id || (!summary.head.render && face.head.render))) {
    updateFace({ id: face.id, name: face.name, head: face.head });
  }
  renderHistory();
  updateControls();
}

function appendEdits(face: FaceDetail, page: Page<EditNode>): EditNode[] {
  const seen = new Set(face.edits.map((e) => e.id));
  const added = page.items.filter((e) => !seen.has(e.id));
  face.edits = [...face.edits, ...added];
  face.hasMoreEdits = page.hasNextPage && page.items.length > 0;
  face.editsCursor = page.endCursor ?? face.editsCursor;
  return added;
}

let loadingEdits = false;

/** "Show older edits": appends the next page and moves focus to the first older edit. */
async function loadOlderEdits(): Promise<void> {
  const face = state.history;
  const client = state.client;
  if (!face || !client || !face.hasMoreEdits || loadingEdits) return;
  loadingEdits = true;
  const btn = $button('history-more');
  btn.disabled = true;
  btn.textContent = 'Loading older edits…';
  try {
    const added = appendEdits(face, await client.faceEdits(face.id, face.editsCursor));
    if (state.history !== face) return;
    renderHistory();
    if (added[0]) document.querySelector<HTMLElement>(`#history-list li[data-edit-id="${added[0].id}"]`)?.focus();
  } catch (err) {
    showError(err, () => void loadOlderEdits());
  } finally {
    loadingEdits = false;
    btn.disabled = false;
    btn.textContent = 'Show older edits';
  }
}

$button('history-more').addEventListener('click', () => void loadOlderEdits());

const OP_LABELS: Record<string, string> = {
  SAMPLE: 'Created from seed',
  IMPORT: 'Imported',
  SWAP: 'Swap',
  RESAMPLE: 'Resample',
  INTERPOLATE: 'Interpolate',
  TRUNCATE: 'Truncation',
};

function describe(edit: EditNode): string {
  const label = OP_LABELS[edit.operation] ?? edit.operation.charAt(0) + edit.operation.slice(1).toLowerCase();
  const p = (edit.params ?? {}) as Record<string, unknown>;
  const bits: string[] = [];
  if (Array.isArray(p.components)) bits.push(p.components.join(', '));
  if (typeof p.part === 'string') bits.push(p.part.toLowerCase());
  if (edit.operation === 'SAMPLE' && typeof p.seed === 'number') bits.push(`seed ${p.seed}`);
  if (typeof p.psi === 'number') bits.push(`ψ ${Number(p.psi.toFixed(3))}`);
  return bits.length ? `${label} · ${bits.join(' · ')}` : label;
}

function formatTime(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  const time = d.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: '2-digit' });
  return d.toDateString() === new Date().toDateString() ? time : `${d.toLocaleDateString()} ${time}`;
}

function renderHistory(): void {
  const face = state.history;
  const list = $('history-list');
  $('history-empty').hidden = !!face && face.edits.length > 0;
  $button('history-more').hidden = !face?.hasMoreEdits;
  if (!face) {
    list.replaceChildren();
    updateControls();
    return;
  }
  const byId = new Map(face.edits.map((e) => [e.id, e]));
  byId.set(face.head.id, byId.get(face.head.id) ?? face.head);
  // The current line: the head's ancestors, and the redo path (most recent child, repeatedly).
  const line = new Set<string>();
  for (let e: EditNode | undefined = face.head; e; e = e.parent ? byId.get(e.parent.id) : undefined) line.add(e.id);
  const redo = new Set<string>();
  for (let e: EditNode | undefined = face.head; e && e.children.length;) {
    const kids: EditNode[] = e.children.map((c) => byId.get(c.id)).filter((x): x is EditNode => !!x);
    kids.sort((a, b) => b.createdAt.localeCompare(a.createdAt));
    e = kids[0];
    if (e) redo.add(e.id);
  }
  list.replaceChildren(
    ...face.edits.map((edit) => {
      const isHead = edit.id === face.head.id;
      const onLine = line.has(edit.id) || redo.has(edit.id);
      const branches = edit.children.length;
      const text = describe(edit);
      const time = formatTime(edit.createdAt);
      return h(
        'li',
        {
          class: isHead ? 'head' : redo.has(edit.id) ? 'redo' : onLine ? '' : 'off',
          style: onLine ? null : '--indent: 1',
          'data-edit-id': edit.id,
          'data-operation': edit.operation,
          // Focus target after "Show older edits" (not in the tab order).
          tabindex: '-1',
          'aria-current': isHead ? 'step' : null,
        },
        thumb(edit.render, ''),
        h(
          'span',
          { class: 'meta' },
          h('span', {}, h('span', { class: 'op' }, text), isHead ? h('span', { class: 'tag' }, 'CURRENT') : null),
          h('span', { class: 'time' }, time, redo.has(edit.id) ? ' · redo' : '', !onLine ? ' · other branch' : ''),
          branches > 1 ? h('span', { class: 'branch' }, `Branch point · ${branches} branches`) : null,
        ),
        isHead
          ? null
          : h(
              'button',
              {
                class: 'btn btn-secondary btn-small',
                type: 'button',
                'aria-label': `Revert to ${text}, ${time}`,
                onclick: () =>
                  void historyMove(() => state.client!.revertTo(edit.id, face.id, seenHeadId(face.id)), 'Reverted'),
              },
              'Revert',
            ),
      );
    }),
  );
  updateControls();
}

/** The head this UI last saw for a face (sent as expectedHeadId, so moves on a stale view fail with CONFLICT). */
function seenHeadId(faceId: string): string | undefined {
  return state.history?.id === faceId ? state.history.head.id : faceById(faceId)?.head.id;
}

async function historyMove(run: () => Promise<FaceSummary>, verb: string): Promise<void> {
  const faceId = state.targetId;
  if (!faceId) return;
  clearBanner();
  setBusy(true);
  try {
    const face = await run();
    updateFace(face);
    await loadHistory();
    $('history-heading').focus();
    const head = state.history?.head;
    // Keep the selected canvas layer showing the face's current edit.
    if (head && linkedNodeFor(faceId)) {
      setProgress('Updating canvas…');
      const render = head.render ?? (head.job ? await state.client!.waitForJob(head.job.id) : null);
      if (render) await placeOnCanvas(face, head.id, render, [...state.components]);
      setProgress(null);
    }
    send({ type: 'notify', message: `${verb}: ${face.name}` });
  } catch (err) {
    setProgress(null);
    showError(err);
  } finally {
    setBusy(false);
  }
}

$button('undo-btn').addEventListener('click', () => {
  const id = state.targetId;
  if (id) void historyMove(() => state.client!.undo(id, seenHeadId(id)), 'Undone');
});
$button('redo-btn').addEventListener('click', () => {
  const id = state.targetId;
  if (id) void historyMove(() => state.client!.redo(id, seenHeadId(id)), 'Redone');
});

// ---------------------------------------------------------------- canvas selection

async function onSelection(): Promise<void> {
  updateLinkedNote();
  const sel = state.selection;
  const client = state.client;
  if (!sel || !client || sel.serverUrl !== client.serverUrl) return;
  try {
    if (state.project?.id !== sel.projectId) {
      if (!state.projects.some((p) => p.id === sel.projectId)) state.projects = await client.projects();
      await openProject(sel.projectId);
    }
    if (!faceById(sel.faceId)) await ensureFaceLoaded(sel.faceId);
    if (state.targetId !== sel.faceId) await setTarget(sel.faceId);
    else await loadHistory();
  } catch (err) {
    showError(err);
  }
}

async function reloadAll(): Promise<void> {
  if (!state.project) return;
  try {
    await openProject(state.project.id);
  } catch (err) {
    showError(err, () => void reloadAll());
  }
}

// Keyboard: Cmd/Ctrl+Z and Shift+Cmd/Ctrl+Z inside the plugin move the face's history.
document.addEventListener('keydown', (ev) => {
  const target = ev.target as HTMLElement | null;
  if (target && (target.tagName === 'INPUT' || target.tagName === 'SELECT' || target.tagName === 'TEXTAREA')) return;
  if ((ev.metaKey || ev.ctrlKey) && ev.key.toLowerCase() === 'z') {
    ev.preventDefault();
    $button(ev.shiftKey ? 'redo-btn' : 'undo-btn').click();
  }
});

updateControls();
send({ type: 'ui-ready' });
