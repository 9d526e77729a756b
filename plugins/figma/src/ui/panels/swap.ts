// Swap panel: target and source, components of the model, shape/texture/both, extra layers;
// Swap renders on the server (progress over jobUpdated, or polling) and places the result.
import { html } from 'lit-html';
import type { ComponentPart } from '../api';
import { clearBanner, jobText, progressView, setProgress, showError } from '../banner';
import { send } from '../bridge';
import { linkedNoteView, placeOnCanvas } from '../canvas';
import { checkedOf, valueOf } from '../forms';
import { thumb } from '../images';
import { client, currentFace, faceById, get, seenHeadId, set, updateFace } from '../state';
import { loadHistory } from './history';
import { setSource } from './faces';

const PARTS: [ComponentPart, string][] = [
  ['SHAPE', 'Shape'],
  ['TEXTURE', 'Texture'],
  ['BOTH', 'Both'],
];

function cssColor(color: string): string {
  if (/^#?[0-9a-f]{3,8}$/i.test(color)) return color.startsWith('#') ? color : `#${color}`;
  return /^[\w(),.\s%]+$/.test(color) ? color : 'transparent';
}

/** Why Swap is disabled ('' when it is not). */
function swapBlocker(): string {
  const { client: c, project, sourceId, targetId, components } = get();
  const target = currentFace();
  if (c && project && target && sourceId && sourceId !== targetId && components.size > 0) return '';
  return !target ? 'Pick a target face' : !sourceId ? 'Pick a source face' : 'Tick at least one component';
}

export async function swap(): Promise<void> {
  const { sourceId, components: ticked, part } = get();
  const target = currentFace();
  const source = faceById(sourceId);
  if (!target || !source) return;
  const components = [...ticked];
  const expectedHeadId = seenHeadId(target.id);
  clearBanner();
  set({ busy: true });
  setProgress('Sending swap…', '');
  try {
    const c = client();
    const input = { targetFaceId: target.id, sourceFaceId: source.id, components, part, expectedHeadId };
    const payload = await c.swapComponents(input);
    setProgress(jobText(payload.job));
    const render =
      payload.job.render ?? (await c.waitForJob(payload.job.id, (job, via) => setProgress(jobText(job), via)));
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
    set({ busy: false });
  }
}

function placeCurrent(): void {
  const face = currentFace();
  if (!face?.head.render) return;
  set({ busy: true });
  placeOnCanvas(face, face.head.id, face.head.render, [...get().components])
    .catch((err) => showError(err))
    .finally(() => set({ busy: false }));
}

function toggleComponent(name: string, on: boolean): void {
  const next = new Set(get().components);
  if (on) next.add(name);
  else next.delete(name);
  set({ components: next });
}

function componentsView() {
  const { project, components } = get();
  const model = project?.model;
  if (!model) return '';
  const all = [
    { name: 'coarse', label: 'Coarse structure', color: null as string | null },
    ...model.components.map((c) => ({ name: c.name, label: c.name, color: c.color })),
  ];
  return all.map(
    (c) =>
      html`<label class="chip">
        <input
          type="checkbox"
          name="component"
          value=${c.name}
          .checked=${components.has(c.name)}
          @change=${(ev: Event) => toggleComponent(c.name, checkedOf(ev))}
        />
        <span
          >${c.color ? html`<i class="swatch" style="background:${cssColor(c.color)}" aria-hidden="true"></i>` : ''}${c.label}</span
        >
      </label>`,
  );
}

export function swapView() {
  const { project, targetId, sourceId, part, layers, busy } = get();
  const target = currentFace();
  const faces = project?.faces ?? [];
  const blocker = swapBlocker();
  return html`<section class="section" aria-labelledby="swap-heading">
    <h2 id="swap-heading" class="section-title">Swap components</h2>
    <div class="pair">
      <div class="field">
        <span class="label" id="target-label">Target</span>
        <div id="target-card" class="face-card" aria-labelledby="target-label">
          ${
            target
              ? html`${thumb(target.head.render, `${target.name}, current image`)}<span class="name"
                    >${target.name}</span
                  >`
              : html`<span class="hint">Pick a face above</span>`
          }
        </div>
      </div>
      <label class="field">
        <span class="label">Source</span>
        <select
          id="source-select"
          class="input select"
          .value=${sourceId && sourceId !== targetId ? sourceId : ''}
          @change=${(ev: Event) => setSource(valueOf(ev) || null)}
        >
          <option value="">${faces.length > 1 ? 'Choose a face' : 'Create a second face'}</option>
          ${faces
            .filter((f) => f.id !== targetId)
            .map((f) => html`<option value=${f.id} ?selected=${f.id === sourceId}>${f.name}</option>`)}
        </select>
      </label>
    </div>
    <fieldset class="fieldset">
      <legend class="label">Components</legend>
      <div id="component-list" class="chips">${componentsView()}</div>
    </fieldset>
    <fieldset class="fieldset">
      <legend class="label">Part</legend>
      <div class="segmented" id="part-group">
        ${PARTS.map(
          ([value, label]) =>
            html`<label
              ><input
                type="radio"
                name="part"
                value=${value}
                .checked=${part === value}
                @change=${() => set({ part: value })}
              /><span>${label}</span></label
            >`,
        )}
      </div>
    </fieldset>
    <fieldset class="fieldset">
      <legend class="label">Extra layers on the canvas</legend>
      <label class="check"
        ><input
          id="layer-seg"
          type="checkbox"
          .checked=${layers.segmentation}
          @change=${(ev: Event) => set({ layers: { ...get().layers, segmentation: checkedOf(ev) } })}
        /><span>Segmentation mask</span></label
      >
      <label class="check"
        ><input
          id="layer-depth"
          type="checkbox"
          .checked=${layers.depth}
          @change=${(ev: Event) => set({ layers: { ...get().layers, depth: checkedOf(ev) } })}
        /><span>Depth of ticked components</span></label
      >
    </fieldset>
    <div class="row">
      <button
        id="swap-btn"
        class="btn btn-primary"
        type="button"
        ?disabled=${busy || blocker !== ''}
        title=${blocker}
        @click=${() => void swap()}
      >
        Swap
      </button>
      <button
        id="place-btn"
        class="btn btn-secondary"
        type="button"
        ?disabled=${busy || !target?.head.render}
        @click=${placeCurrent}
      >
        Place on canvas
      </button>
    </div>
    ${progressView()} ${linkedNoteView()}
  </section>`;
}
