// Truncation: pull the target face toward the model's average (ψ < 1, "less extreme") or away
// from it (ψ > 1): setTruncation's psi, applied to the current head. Dragging previews (dry
// runs), letting go makes one edit; the slider is back at 1 after it.
import { html } from 'lit-html';
// live(): a slider's value is written only when it differs from what the element shows. Chromium
// takes a programmatic write during a drag as the value the release compares with, so a re-render
// that wrote the same value (a preview arriving) swallowed the release's change event: no edit.
import { live } from 'lit-html/directives/live.js';
import { endPreview, freezePreview, heldBack, requestPreview, runEdit } from '../edits';
import { valueOf } from '../forms';
import { client, currentFace, get, set } from '../state';
import { previewView } from './preview';

const psiOf = (ev: Event) => Number.parseFloat(valueOf(ev));

function onInput(ev: Event): void {
  if (heldBack(ev, String(get().psi))) return;
  const psi = psiOf(ev);
  set({ psi });
  const face = currentFace();
  if (face) requestPreview('truncation', { truncation: { faceId: face.id, psi } });
}

async function onRelease(ev: Event): Promise<void> {
  if (heldBack(ev, '1')) return;
  const psi = psiOf(ev);
  freezePreview();
  const face = currentFace();
  if (!face || psi === 1) {
    set({ psi: 1 });
    return endPreview();
  }
  await runEdit((expectedHeadId) => client().setTruncation({ faceId: face.id, psi, expectedHeadId }), {
    tool: 'truncation',
    sending: 'Applying truncation…',
    done: () => `Truncation ψ ${psi} on ${face.name}`,
  });
  set({ psi: 1 });
  endPreview();
}

export function truncationView() {
  const { psi, busy } = get();
  const face = currentFace();
  return html`<p class="hint">Left: closer to the average face (less extreme). Right: more distinctive.</p>
    <label class="slider">
      <span class="label">ψ</span>
      <input
        id="truncation-slider"
        type="range"
        min="0"
        max="1.5"
        step="0.05"
        aria-label="Truncation ψ"
        aria-valuetext=${psi.toFixed(2)}
        .value=${live(String(psi))}
        ?disabled=${!face}
        aria-disabled=${String(busy)}
        @input=${onInput}
        @change=${(ev: Event) => void onRelease(ev)}
      />
      <output>${psi.toFixed(2)}</output>
    </label>
    ${previewView('truncation')}`;
}
