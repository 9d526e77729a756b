// Parts one by one (seed Fig. 9): the background alone, then each part added in the model's
// order, every step a renderFace of the growing component set, with the depth map of the part
// that step adds. The steps can go on the canvas as a strip of frames.
import { html } from 'lit-html';
import { clearBanner, showError } from '../banner';
import { placeStrip, send } from '../bridge';
import { imageBytes, thumb, urlImage } from '../images';
import { client, currentFace, get, set, type CompositionStep } from '../state';

/** Components in the model's order, background first (the composition grows from it). */
function buildOrder(): string[] {
  const comps = [...(get().project?.model.components ?? [])].sort((a, b) => a.index - b.index);
  const bg = comps.filter((c) => c.name === 'background');
  return [...bg, ...comps.filter((c) => c.name !== 'background')].map((c) => c.name);
}

async function build(): Promise<void> {
  const face = currentFace();
  if (!face || get().composition?.running) return;
  const order = buildOrder();
  const editId = face.head.id;
  const c = client();
  clearBanner();
  set({ composition: { faceId: face.id, editId, steps: [], total: order.length, running: true } });
  try {
    // All steps are queued at once (the workers take them in turn); each shows when it is done.
    const jobs = await Promise.all(
      order.map((_, i) => c.renderFace({ faceId: face.id, editId, components: order.slice(0, i + 1) })),
    );
    const steps: CompositionStep[] = [];
    for (const [i, job] of jobs.entries()) {
      const render = job.render ?? (await c.waitForJob(job.id));
      const depths = await c.renderDepths(job.id);
      const added = order[i];
      steps.push({
        components: order.slice(0, i + 1),
        added,
        render,
        depth: depths.find((d) => d.componentName === added) ?? null,
      });
      const now = get().composition;
      if (now?.faceId !== face.id || now.editId !== editId) return;
      set({ composition: { ...now, steps: [...steps] } });
    }
  } catch (err) {
    showError(err, () => void build());
  } finally {
    const now = get().composition;
    if (now?.faceId === face.id && now.editId === editId) set({ composition: { ...now, running: false } });
  }
}

async function place(): Promise<void> {
  const comp = get().composition;
  const face = currentFace();
  if (!comp || comp.running || !face || !comp.steps.length) return;
  set({ busy: true });
  try {
    const frames = await Promise.all(
      comp.steps.map(async (s, i) => ({
        name: i === 0 ? `1 · ${s.added}` : `${i + 1} · + ${s.added}`,
        png: await imageBytes(s.render.imageUrl),
        below: s.depth ? { name: `Depth · ${s.added}`, png: await imageBytes(s.depth.url) } : undefined,
      })),
    );
    await placeStrip({ name: `${face.name} · part by part`, faceId: comp.faceId, editId: comp.editId, frames });
    send({ type: 'notify', message: `Placed ${face.name}, part by part (${frames.length} frames)` });
  } catch (err) {
    showError(err);
  } finally {
    set({ busy: false });
  }
}

export function partsView() {
  const { composition: comp, busy } = get();
  const face = currentFace();
  const shown = comp && face && comp.faceId === face.id && comp.editId === face.head.id ? comp : null;
  return html`<p class="hint">
      How ${face?.name ?? 'the face'} is built: the background, then each part added, with that part's depth.
    </p>
    <div class="row">
      <button
        id="parts-build-btn"
        class="btn btn-primary"
        type="button"
        ?disabled=${!face || !!shown?.running}
        @click=${() => void build()}
      >
        ${shown?.running ? `Rendering ${shown.steps.length + 1} of ${shown.total}…` : 'Show parts one by one'}
      </button>
      <button
        id="parts-place-btn"
        class="btn btn-secondary"
        type="button"
        ?disabled=${busy || !shown || shown.running || !shown.steps.length}
        @click=${() => void place()}
      >
        Place strip on canvas
      </button>
    </div>
    <ol id="parts-strip" class="strip" aria-label="Parts added one by one">
      ${(shown?.steps ?? []).map(
        (s, i) =>
          html`<li data-added=${s.added} data-render-id=${s.render.id}>
            ${thumb(s.render, `${i === 0 ? '' : '+ '}${s.added}`)}
            ${s.depth ? urlImage(s.depth.url, `Depth of ${s.added}`, 'thumb depth') : html`<span class="thumb"></span>`}
            <span class="name">${i === 0 ? s.added : `+ ${s.added}`}</span>
          </li>`,
      )}
    </ol>`;
}
