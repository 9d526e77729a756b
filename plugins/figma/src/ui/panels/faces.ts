// Faces panel: the project's faces (paged), target (click) and source (Shift-click), and new
// faces from a seed. Faces whose render is still running refresh when their job ends.
import { html } from 'lit-html';
import type { FaceSummary, Page, ProjectDetail } from '../api';
import { clearBanner, showBanner, showError } from '../banner';
import { send } from '../bridge';
import { enterPressesDefault, focus, preventSubmit, valueOf } from '../forms';
import { thumb } from '../images';
import { client, faceById, get, randomSeed, set } from '../state';
import { loadHistory } from './history';

export async function setTarget(id: string): Promise<void> {
  const { targetId, sourceId, project } = get();
  if (targetId === id) return;
  set({
    targetId: id,
    sourceId: sourceId === id ? (project?.faces.find((f) => f.id !== id)?.id ?? null) : sourceId,
  });
  try {
    await loadHistory();
  } catch (err) {
    showError(err, () => void loadHistory());
  }
}

export function setSource(id: string | null): void {
  if (id && id === get().targetId) return;
  set({ sourceId: id });
}

/** Appends the next page of faces; returns the faces it added (none if the project changed). */
async function nextFacesPage(): Promise<FaceSummary[]> {
  const project = get().project;
  if (!project) return [];
  const page = await client().projectFaces(project.id, project.facesCursor);
  if (get().project?.id !== project.id) return [];
  const [next, added] = withFaces(get().project!, page);
  set({ project: next });
  for (const face of added) watchPendingFace(face);
  return added;
}

/** Loads pages of the project's faces until `faceId` is among them; false when it isn't there. */
export async function ensureFaceLoaded(faceId: string): Promise<boolean> {
  for (let i = 0; i < 100 && !faceById(faceId) && get().project?.hasMoreFaces; i++) {
    if (!(await nextFacesPage()).length && !get().project?.hasMoreFaces) break;
  }
  return !!faceById(faceId);
}

/** "Show more faces": appends the next page and moves focus to the first new tile. */
async function loadMoreFaces(): Promise<void> {
  const { project, loadingFaces } = get();
  if (!project?.hasMoreFaces || loadingFaces) return;
  set({ loadingFaces: true });
  try {
    const added = await nextFacesPage();
    if (added[0]) focus(`#face-grid [data-face-id="${added[0].id}"]`);
  } catch (err) {
    showError(err, () => void loadMoreFaces());
  } finally {
    set({ loadingFaces: false });
  }
}

async function createFace(): Promise<void> {
  const { project, newFace: form } = get();
  if (!project) return;
  const name = form.name.trim() || `Face ${project.faces.length + 1}`;
  const seed = Number.parseInt(form.seed, 10);
  const truncation = Number.parseFloat(form.truncation);
  if (!Number.isInteger(seed) || seed < 0) {
    showBanner('The seed must be a whole number, 0 or more.');
    return focus('#new-face-seed');
  }
  if (!(truncation >= 0 && truncation <= 1.5)) {
    showBanner('Truncation must be between 0 and 1.5 (0.7 is a good start).');
    return focus('#new-face-trunc');
  }
  try {
    clearBanner();
    const payload = await client().createFace({ projectId: project.id, name, seed, truncation });
    const face: FaceSummary = { ...payload.face, head: { ...payload.face.head, job: payload.job } };
    set((s) => ({
      project: s.project && { ...s.project, faces: [...s.project.faces.filter((f) => f.id !== face.id), face] },
      newFace: { ...s.newFace, open: false, name: '', seed: '' },
      targetId: s.targetId ?? face.id,
      sourceId: s.targetId && !s.sourceId ? face.id : s.sourceId,
    }));
    if (get().targetId === face.id) void loadHistory().catch((err) => showError(err));
    watchPendingFace(face);
  } catch (err) {
    showError(err);
  }
}

const watching = new Set<string>();

/** The project with a page of faces appended (faces already shown are not repeated). */
export function withFaces(project: ProjectDetail, page: Page<FaceSummary>): [ProjectDetail, FaceSummary[]] {
  const seen = new Set(project.faces.map((f) => f.id));
  const added = page.items.filter((f) => !seen.has(f.id));
  const next = {
    ...project,
    faces: [...project.faces, ...added],
    hasMoreFaces: page.hasNextPage && page.items.length > 0,
    facesCursor: page.endCursor ?? project.facesCursor,
  };
  return [next, added];
}

export function toggleNewFace(open: boolean): void {
  const f = get().newFace;
  const n = (get().project?.faces.length ?? 0) + 1;
  set({
    newFace: open ? { ...f, open, name: f.name || `Face ${n}`, seed: f.seed || String(randomSeed()) } : { ...f, open },
  });
  if (open) focus('#new-face-name');
}

/** While a face's head has no render yet, waits for its job and then refreshes its tile. */
export function watchPendingFace(face: FaceSummary): void {
  const job = face.head.job;
  if (face.head.render || !job || watching.has(job.id)) return;
  if (job.status === 'FAILED' || job.status === 'CANCELLED') return;
  watching.add(job.id);
  client()
    .waitForJob(job.id)
    .then((render) => {
      const f = faceById(face.id);
      if (f && f.head.id === face.head.id) {
        set(({ project }) => ({
          project: project && {
            ...project,
            faces: project.faces.map((x) => (x.id === face.id ? { ...x, head: { ...x.head, render } } : x)),
          },
        }));
      }
      if (get().history?.id === face.id) void loadHistory();
    })
    .catch((err) => showError(err))
    .finally(() => watching.delete(job.id));
}

function tile(face: FaceSummary) {
  const { targetId, sourceId } = get();
  const isTarget = face.id === targetId;
  const isSource = face.id === sourceId;
  const pick = (ev: MouseEvent) => {
    if (ev.shiftKey) return setSource(face.id);
    // The clicked face's frame on the canvas, if it has one, becomes the selection, so that the
    // next edit updates that frame instead of adding another layer.
    send({ type: 'select-face', faceId: face.id, serverUrl: client().serverUrl });
    void setTarget(face.id);
  };
  return html`<li>
    <button
      class="tile"
      type="button"
      aria-pressed=${String(isTarget)}
      aria-label=${`${face.name}${isTarget ? ', target' : ''}${isSource ? ', source' : ''}`}
      title=${`${face.name} — click: target, Shift-click: source`}
      data-face-id=${face.id}
      @click=${pick}
    >
      ${thumb(face.head.render, '')} ${isTarget ? html`<span class="badge" aria-hidden="true">T</span>` : ''}
      ${isSource ? html`<span class="badge source" aria-hidden="true">S</span>` : ''}
      <span class="name">${face.name}</span>
    </button>
  </li>`;
}

export function facesView() {
  const { project, client: c, newFace: form, loadingFaces } = get();
  const faces = project?.faces ?? [];
  const edit = (patch: Partial<typeof form>) => set({ newFace: { ...get().newFace, ...patch } });
  const field = (key: 'name' | 'seed' | 'truncation') => (ev: Event) => edit({ [key]: valueOf(ev) });
  return html`<section class="section" aria-labelledby="faces-heading">
    <div class="section-head">
      <h2 id="faces-heading" class="section-title">Faces</h2>
      <button
        id="new-face-btn"
        class="btn btn-ghost"
        type="button"
        aria-expanded=${String(form.open)}
        aria-controls="new-face-form"
        ?disabled=${!c || !project}
        @click=${() => toggleNewFace(!form.open)}
      >
        New face
      </button>
    </div>
    <form
      id="new-face-form"
      class="subform"
      ?hidden=${!form.open}
      @submit=${preventSubmit}
      @keydown=${enterPressesDefault}
    >
      <div class="grid3">
        <label class="field">
          <span class="label">Name</span>
          <input
            id="new-face-name"
            class="input"
            name="name"
            required
            placeholder="Face 1"
            .value=${form.name}
            @input=${field('name')}
          />
        </label>
        <label class="field">
          <span class="label">Seed</span>
          <input
            id="new-face-seed"
            class="input"
            name="seed"
            type="number"
            step="1"
            min="0"
            required
            .value=${form.seed}
            @input=${field('seed')}
          />
        </label>
        <label class="field">
          <span class="label">Truncation</span>
          <input
            id="new-face-trunc"
            class="input"
            name="truncation"
            type="number"
            step="0.05"
            min="0"
            max="1.5"
            required
            .value=${form.truncation}
            @input=${field('truncation')}
          />
        </label>
      </div>
      <div class="row">
        <button
          id="create-face-btn"
          class="btn btn-primary"
          type="button"
          data-default
          @click=${() => void createFace()}
        >
          Create face
        </button>
        <button
          id="new-face-random"
          class="btn btn-secondary"
          type="button"
          @click=${() => edit({ seed: String(randomSeed()) })}
        >
          Random seed
        </button>
        <button id="new-face-cancel" class="btn btn-secondary" type="button" @click=${() => toggleNewFace(false)}>
          Cancel
        </button>
      </div>
    </form>
    <p class="hint">
      Click a face to make it the target (its frame on the canvas gets selected, so edits update it); Shift-click (or
      the Source menu) picks the source.
    </p>
    <ul id="face-grid" class="face-grid" aria-label="Faces in this project">
      ${faces.map(tile)}
    </ul>
    <button
      id="faces-more"
      class="btn btn-secondary more"
      type="button"
      ?hidden=${!project?.hasMoreFaces}
      ?disabled=${loadingFaces}
      @click=${() => void loadMoreFaces()}
    >
      Show more faces
    </button>
    <p id="faces-empty" class="empty" ?hidden=${faces.length > 0 || !project}>No faces yet. Create one from a seed.</p>
  </section>`;
}
