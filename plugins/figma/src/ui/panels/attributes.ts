// Attributes panel: one slider per attribute direction of the face's model, grouped by part.
// Releasing a slider sends one editAttribute (amount = slider value x the direction's spread),
// places the result and snaps the slider back to 0: the next move starts from the new head.
import { html } from 'lit-html';
import type { ModelAttribute } from '../api';
import { clearBanner, jobText, setProgress, showError } from '../banner';
import { send } from '../bridge';
import { placeOnCanvas } from '../canvas';
import { client, currentFace, get, seenHeadId, set, updateFace } from '../state';
import { loadHistory } from './history';

/** Slider range, in spreads of the direction (a typical face's range along it). */
const RANGE = 3;

function modelAttributes(): ModelAttribute[] {
  const { project, models } = get();
  return models.find((m) => m.id === project?.model.id)?.attributes ?? [];
}

/** "hair-area" of component "hair" reads "area". */
const label = (a: ModelAttribute) =>
  a.name.startsWith(`${a.component}-`) ? a.name.slice(a.component.length + 1) : a.name;

export async function applyAttribute(attribute: ModelAttribute, spreads: number, slider?: HTMLInputElement) {
  const face = currentFace();
  if (!face || spreads === 0) return;
  clearBanner();
  set({ busy: true });
  setProgress(`Moving ${attribute.name}…`, '');
  try {
    const c = client();
    const payload = await c.editAttribute({
      faceId: face.id,
      attribute: attribute.name,
      amount: spreads * attribute.spread,
      expectedHeadId: seenHeadId(face.id),
    });
    setProgress(jobText(payload.job));
    const render =
      payload.job.render ?? (await c.waitForJob(payload.job.id, (job, via) => setProgress(jobText(job), via)));
    updateFace({ ...payload.face, head: { ...payload.edit, render } });
    setProgress('Placing on canvas…');
    await placeOnCanvas(payload.face, payload.edit.id, render, []);
    setProgress(null);
    send({ type: 'notify', message: `${attribute.name} ${spreads > 0 ? '+' : ''}${spreads} on ${payload.face.name}` });
    await loadHistory();
  } catch (err) {
    setProgress(null);
    showError(err, () => void applyAttribute(attribute, spreads));
  } finally {
    if (slider) slider.value = '0';
    set({ busy: false });
  }
}

export function attributesView() {
  const attributes = modelAttributes();
  const face = currentFace();
  const { busy } = get();
  if (!get().project || attributes.length === 0) return html``;
  const parts = [...new Set(attributes.map((a) => a.component))];
  return html`<section class="section" id="attributes-panel" aria-labelledby="attributes-heading">
    <h2 id="attributes-heading" class="section-title">Attributes</h2>
    ${face ? '' : html`<p class="muted">Pick a face to move its attributes.</p>`}
    ${parts.map(
      (part) =>
        html`<fieldset class="attribute-group" data-part=${part}>
          <legend>${part}</legend>
          ${attributes
            .filter((a) => a.component === part)
            .map(
              (a) =>
                html`<label
                  class="attribute"
                  title=${`${a.name} (${a.part.toLowerCase()} code${a.accuracy === null || a.accuracy === undefined ? '' : `, held-out score ${a.accuracy.toFixed(2)}`})`}
                >
                  <span>${label(a)}</span>
                  <input
                    type="range"
                    id=${`attr-${a.name}`}
                    data-attribute=${a.name}
                    min=${-RANGE}
                    max=${RANGE}
                    step="0.25"
                    value="0"
                    ?disabled=${busy || !face}
                    @change=${(ev: Event) => {
                      const el = ev.target as HTMLInputElement;
                      void applyAttribute(a, Number(el.value), el);
                    }}
                  />
                </label>`,
            )}
        </fieldset>`,
    )}
  </section>`;
}
