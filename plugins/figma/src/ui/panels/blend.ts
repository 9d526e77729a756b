// Blend: a slider per ticked component that moves it from the target face toward a second face
// (interpolateComponents' t). While a slider moves, dry runs (previewEdit) show the would-be
// face; letting go makes exactly one edit. The blend applies to the current head, so a slider
// is back at 0 after its edit.
import { html } from 'lit-html';
// live(): a slider's value is written only when it differs from what the element shows. Chromium
// takes a programmatic write during a drag as the value the release compares with, so a re-render
// that wrote the same value (a preview arriving) swallowed the release's change event: no edit.
import { live } from 'lit-html/directives/live.js';
import { endPreview, freezePreview, heldBack, requestPreview, runEdit } from '../edits';
import { valueOf } from '../forms';
import { tickedComponents, tickedSummary } from '../ticked';
import { client, currentFace, faceById, get, set } from '../state';
import { setSource } from './faces';
import { previewView } from './preview';

const amountOf = (ev: Event) => Number.parseInt(valueOf(ev), 10) / 100;

function interpolation(component: string, t: number) {
  const face = currentFace()!;
  return { faceId: face.id, otherFaceId: get().sourceId!, components: [component], part: get().part, t };
}

function onInput(component: string, ev: Event): void {
  if (heldBack(ev, String(Math.round((get().blend[component] ?? 0) * 100)))) return;
  const t = amountOf(ev);
  set({ blend: { ...get().blend, [component]: t } });
  if (currentFace() && get().sourceId) requestPreview('blend', { interpolate: interpolation(component, t) });
}

async function onRelease(component: string, ev: Event): Promise<void> {
  if (heldBack(ev, '0')) return;
  const t = amountOf(ev);
  freezePreview();
  const face = currentFace();
  const other = faceById(get().sourceId);
  if (!face || !other || t === 0) {
    set({ blend: { ...get().blend, [component]: 0 } });
    return endPreview();
  }
  const input = interpolation(component, t);
  await runEdit((expectedHeadId) => client().interpolateComponents({ ...input, expectedHeadId }), {
    tool: 'blend',
    sending: `Blending ${component}…`,
    done: () => `Blended ${component} of ${face.name} ${Math.round(t * 100)}% toward ${other.name}`,
    components: [component],
  });
  set({ blend: { ...get().blend, [component]: 0 } });
  endPreview();
}

export function blendView() {
  const { project, targetId, sourceId, blend, busy } = get();
  const face = currentFace();
  const faces = (project?.faces ?? []).filter((f) => f.id !== targetId);
  const components = tickedComponents();
  const ready = !!face && !!sourceId && sourceId !== targetId;
  return html`<label class="field">
      <span class="label">Toward</span>
      <select
        id="blend-toward"
        class="input select"
        .value=${sourceId && sourceId !== targetId ? sourceId : ''}
        @change=${(ev: Event) => setSource(valueOf(ev) || null)}
      >
        <option value="">${faces.length ? 'Choose a face' : 'Create a second face'}</option>
        ${faces.map((f) => html`<option value=${f.id} ?selected=${f.id === sourceId}>${f.name}</option>`)}
      </select>
    </label>
    ${tickedSummary('blend-summary')}
    <div id="blend-sliders" class="sliders">
      ${components.map((c) => {
        const t = blend[c] ?? 0;
        return html`<label class="slider">
          <span class="label">${c}</span>
          <input
            type="range"
            min="0"
            max="100"
            step="5"
            data-component=${c}
            aria-label=${`Blend ${c} toward ${faceById(sourceId)?.name ?? 'the other face'}`}
            aria-valuetext=${`${Math.round(t * 100)}%`}
            .value=${live(String(Math.round(t * 100)))}
            ?disabled=${!ready}
            aria-disabled=${String(busy)}
            @input=${(ev: Event) => onInput(c, ev)}
            @change=${(ev: Event) => void onRelease(c, ev)}
          />
          <output>${Math.round(t * 100)}%</output>
        </label>`;
      })}
    </div>
    ${previewView('blend')}`;
}
