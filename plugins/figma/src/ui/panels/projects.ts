// Projects panel: pick a project, create one; opening a project loads its first page of faces.
import { html } from 'lit-html';
import { clearBanner, showError } from '../banner';
import { enterPressesDefault, focus, preventSubmit, valueOf } from '../forms';
import { client, get, set } from '../state';
import { loadHistory } from './history';
import { toggleNewFace, watchPendingFace, withFaces } from './faces';

export async function openProject(id: string): Promise<void> {
  const c = client();
  let project = await c.project(id);
  const before = get();
  // Reopening the same project keeps the pages of faces that were showing.
  const shown = before.project?.id === project.id ? before.project.faces.length : 0;
  for (let i = 0; i < 100 && project.faces.length < shown && project.hasMoreFaces; i++) {
    [project] = withFaces(project, await c.projectFaces(project.id, project.facesCursor));
  }
  const faces = new Set(project.faces.map((f) => f.id));
  const same = get().project?.id === project.id;
  let targetId = same ? get().targetId : null;
  let sourceId = same ? get().sourceId : null;
  if (targetId && !faces.has(targetId)) targetId = null;
  if (sourceId && !faces.has(sourceId)) sourceId = null;
  if (!targetId && project.faces[0]) targetId = project.faces[0].id;
  if (!sourceId) sourceId = project.faces.find((f) => f.id !== targetId)?.id ?? null;
  const known = new Set(['coarse', ...project.model.components.map((m) => m.name)]);
  set(({ components, history }) => ({
    project,
    targetId,
    sourceId,
    history: same ? history : null,
    components: same ? new Set([...components].filter((n) => known.has(n))) : new Set<string>(),
  }));
  for (const face of project.faces) watchPendingFace(face);
  await loadHistory();
}

export async function reloadAll(): Promise<void> {
  const { project } = get();
  if (!project) return;
  try {
    await openProject(project.id);
  } catch (err) {
    showError(err, () => void reloadAll());
  }
}

export function toggleNewProject(open: boolean): void {
  const s = get();
  set({ newProject: { ...s.newProject, open, name: open && !s.newProject.name ? 'My faces' : s.newProject.name } });
  if (open) focus('#new-project-name');
}

async function createProject(): Promise<void> {
  const { name, modelId } = get().newProject;
  if (!name.trim()) return focus('#new-project-name');
  try {
    clearBanner();
    const project = await client().createProject(name.trim(), modelId);
    set(({ projects, newProject }) => ({
      projects: [project, ...projects.filter((p) => p.id !== project.id)],
      newProject: { ...newProject, name: '', open: false },
    }));
    await openProject(project.id);
    toggleNewFace(true);
  } catch (err) {
    showError(err);
  }
}

function chooseProject(ev: Event): void {
  const id = valueOf(ev);
  if (id) openProject(id).catch((err) => showError(err, () => void openProject(id)));
}

export function projectsView() {
  const { projects, project, models, newProject: form } = get();
  const edit = (patch: Partial<typeof form>) => set({ newProject: { ...get().newProject, ...patch } });
  return html`<section class="section" aria-labelledby="project-heading">
    <div class="section-head">
      <h2 id="project-heading" class="section-title">Project</h2>
      <button
        id="new-project-btn"
        class="btn btn-ghost"
        type="button"
        aria-expanded=${String(form.open)}
        aria-controls="new-project-form"
        @click=${() => toggleNewProject(!form.open)}
      >
        New project
      </button>
    </div>
    <label class="field field-inline">
      <span class="sr-only">Project</span>
      <select
        id="project-select"
        class="input select"
        ?disabled=${!projects.length}
        .value=${project?.id ?? ''}
        @change=${chooseProject}
      >
        ${
          projects.length
            ? projects.map(
                (p) =>
                  html`<option value=${p.id} ?selected=${p.id === project?.id}>${p.name} · ${p.model.name}</option>`,
              )
            : html`<option value="">No projects yet</option>`
        }
      </select>
    </label>
    <form
      id="new-project-form"
      class="subform"
      ?hidden=${!form.open}
      @submit=${preventSubmit}
      @keydown=${enterPressesDefault}
    >
      <label class="field">
        <span class="label">Name</span>
        <input
          id="new-project-name"
          class="input"
          name="name"
          required
          placeholder="Campaign portraits"
          .value=${form.name}
          @input=${(ev: Event) => edit({ name: valueOf(ev) })}
        />
      </label>
      <label class="field">
        <span class="label">Model</span>
        <select
          id="new-project-model"
          class="input select"
          name="modelId"
          @change=${(ev: Event) => edit({ modelId: valueOf(ev) })}
        >
          ${models.map(
            (m) =>
              html`<option value=${m.id} ?selected=${m.id === form.modelId}>
                ${m.untrained ? `${m.name} (demo, untrained)` : m.name}
              </option>`,
          )}
        </select>
      </label>
      <div class="row">
        <button
          id="create-project-btn"
          class="btn btn-primary"
          type="button"
          data-default
          @click=${() => void createProject()}
        >
          Create project
        </button>
        <button id="new-project-cancel" class="btn btn-secondary" type="button" @click=${() => toggleNewProject(false)}>
          Cancel
        </button>
      </div>
    </form>
  </section>`;
}
