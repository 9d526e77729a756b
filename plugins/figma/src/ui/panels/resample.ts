// Resample: fresh codes for the ticked components (shape, texture or both) of the target face,
// from a random seed. "Try another" replaces the last try: it undoes it and resamples the same
// components with a new seed, so the tries stay as branches of the history instead of a pile.
import { html } from 'lit-html';
import type { EditPayload } from '../api';
import { runEdit } from '../edits';
import { tickedComponents, tickedSummary } from '../ticked';
import { client, currentFace, get, randomSeed, set, type State } from '../state';

function remember(payload: EditPayload | null, last: NonNullable<State['lastResample']>): void {
  if (payload) set({ lastResample: { ...last, editId: payload.edit.id } });
}

async function resample(): Promise<void> {
  const face = currentFace();
  const components = tickedComponents();
  if (!face || !components.length) return;
  const { part } = get();
  const seed = randomSeed();
  const payload = await runEdit(
    (expectedHeadId) => client().resampleComponents({ faceId: face.id, components, part, seed, expectedHeadId }),
    {
      tool: 'resample',
      sending: 'Resampling…',
      done: () => `Resampled ${components.join(', ')} of ${face.name} (seed ${seed})`,
      components,
    },
  );
  remember(payload, { faceId: face.id, editId: '', components, part, seed });
}

/** The last try can be replaced while it is still the face's head. */
function replaceable(): NonNullable<State['lastResample']> | null {
  const { lastResample: last } = get();
  const face = currentFace();
  return last && face && last.faceId === face.id && face.head.id === last.editId ? last : null;
}

async function tryAnother(): Promise<void> {
  const last = replaceable();
  const face = currentFace();
  if (!last || !face) return;
  const seed = randomSeed();
  const { components, part } = last;
  const payload = await runEdit(
    async (expectedHeadId) => {
      const c = client();
      // Back to the try's parent, then the same components from a new seed: a sibling branch.
      const parent = await c.undo(face.id, expectedHeadId);
      return c.resampleComponents({ faceId: face.id, components, part, seed, expectedHeadId: parent.head.id });
    },
    {
      tool: 'resample',
      sending: 'Trying another…',
      done: () => `Another ${components.join(', ')} for ${face.name} (seed ${seed})`,
      components,
    },
  );
  remember(payload, { ...last, seed });
}

export function resampleView() {
  const { busy } = get();
  const face = currentFace();
  const last = replaceable();
  const blocked = busy || !face || !tickedComponents().length;
  return html`<p class="hint">New random codes for the ticked components of ${face?.name ?? 'the target'}.</p>
    ${tickedSummary('resample-summary')}
    <div class="row">
      <button
        id="resample-btn"
        class="btn btn-primary"
        type="button"
        ?disabled=${blocked}
        @click=${() => void resample()}
      >
        Resample
      </button>
      <button
        id="resample-again-btn"
        class="btn btn-secondary"
        type="button"
        ?disabled=${busy || !last}
        title=${last ? `Replace seed ${last.seed} with another` : 'Resample first'}
        @click=${() => void tryAnother()}
      >
        Try another
      </button>
    </div>
    <p id="resample-last" class="hint" ?hidden=${!last}>
      ${last ? `Showing seed ${last.seed} for ${last.components.join(', ')}; earlier tries stay in the history.` : ''}
    </p>`;
}
