// File: import a face from a designer's own picture (importImage: the server inverts it with the
// model's encoder), or from an official-format .npy latent (importFace), and export the target's
// current latent as one (Edit.latentNpyBase64, downloaded as <face>.npy).
import { html } from 'lit-html';
import { ApiError, type FaceSummary } from '../api';
import { clearBanner, jobText, setProgress, showBanner, showError } from '../banner';
import { send } from '../bridge';
import { placeOnCanvas } from '../canvas';
import { currentFace, client, get, set } from '../state';
import { loadHistory } from './history';

/** Base64 of bytes (chunked: String.fromCharCode takes a bounded argument list). */
function base64(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s);
}

async function importNpy(ev: Event): Promise<void> {
  const input = ev.target as HTMLInputElement;
  const file = input.files?.[0];
  const project = get().project;
  if (!file || !project) return;
  if (!/\.npy$/i.test(file.name)) {
    input.value = '';
    return showBanner('Choose a .npy file (a latent exported from ssg-studio or the official code).');
  }
  const name = file.name.replace(/\.npy$/i, '') || `Imported ${project.faces.length + 1}`;
  clearBanner();
  set({ busy: true });
  setProgress('Importing…', '');
  try {
    const c = client();
    const latentBase64 = base64(new Uint8Array(await file.arrayBuffer()));
    const payload = await c.importFace({ projectId: project.id, name, latentBase64 });
    const render =
      payload.job.render ?? (await c.waitForJob(payload.job.id, (job, via) => setProgress(jobText(job), via)));
    const face: FaceSummary = { ...payload.face, head: { ...payload.edit, render } };
    set((s) => ({
      project: s.project && { ...s.project, faces: [...s.project.faces.filter((f) => f.id !== face.id), face] },
      targetId: face.id,
    }));
    setProgress('Placing on canvas…');
    await placeOnCanvas(face, payload.edit.id, render, []);
    setProgress(null);
    send({ type: 'notify', message: `Imported ${face.name}` });
    await loadHistory();
  } catch (err) {
    setProgress(null);
    // The server names its field (latentBase64); the designer chose a file.
    const refused = err instanceof ApiError && err.kind === 'input';
    const reason = refused ? err.message.replace(/^latentBase64 (is )?/, '') : '';
    showError(refused ? new ApiError('input', `Couldn't import ${file.name}: ${reason}`, err.code) : err);
  } finally {
    input.value = '';
    set({ busy: false });
  }
}

/** What the designer sees when the server refuses an image: the file's name and the reason. */
const IMAGE_CODES = new Set(['INVALID_IMAGE', 'UNSUPPORTED_IMAGE_FORMAT', 'UPLOAD_TOO_LARGE', 'MODEL_CANNOT_INVERT']);

async function importImage(ev: Event): Promise<void> {
  const input = ev.target as HTMLInputElement;
  const file = input.files?.[0];
  const project = get().project;
  if (!file || !project) return;
  const name = file.name.replace(/\.[a-z0-9]+$/i, '') || `Image ${project.faces.length + 1}`;
  clearBanner();
  set({ busy: true });
  setProgress('Uploading…', '');
  try {
    const c = client();
    const imageBase64 = base64(new Uint8Array(await file.arrayBuffer()));
    const payload = await c.importImage({ projectId: project.id, name, imageBase64 });
    // The job inverts the image (progress per encoder iteration), then renders the found face.
    const render = await c.waitForJob(payload.job.id, (job, via) => setProgress(jobText(job), via));
    const face: FaceSummary = { ...payload.face, head: { ...payload.edit, render } };
    set((s) => ({
      project: s.project && { ...s.project, faces: [...s.project.faces.filter((f) => f.id !== face.id), face] },
      targetId: face.id,
    }));
    setProgress('Placing on canvas…');
    await placeOnCanvas(face, payload.edit.id, render, []);
    setProgress(null);
    send({ type: 'notify', message: `Imported ${face.name} from ${file.name}` });
    await loadHistory();
  } catch (err) {
    setProgress(null);
    const refused = err instanceof ApiError && (err.kind === 'input' || IMAGE_CODES.has(err.code ?? ''));
    showError(refused ? new ApiError('input', `Couldn't import ${file.name}: ${err.message}`, err.code) : err);
  } finally {
    input.value = '';
    set({ busy: false });
  }
}

async function exportNpy(): Promise<void> {
  const face = currentFace();
  if (!face) return;
  try {
    clearBanner();
    const bytes = await client().editLatent(face.head.id);
    const url = URL.createObjectURL(new Blob([bytes as BlobPart], { type: 'application/octet-stream' }));
    const a = document.createElement('a');
    a.href = url;
    a.download = `${face.name.replace(/[^\w.-]+/g, '_') || 'face'}.npy`;
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 60_000);
    send({ type: 'notify', message: `Exported ${face.name}'s latent (${a.download})` });
  } catch (err) {
    showError(err);
  }
}

export function fileView() {
  const { busy, project } = get();
  const face = currentFace();
  return html`<div class="stack">
    <label class="field">
      <span class="label">Import a face from an image (PNG or JPEG)</span>
      <input
        id="import-image"
        class="input file"
        type="file"
        accept="image/png,image/jpeg"
        ?disabled=${busy || !project}
        @change=${(ev: Event) => void importImage(ev)}
      />
    </label>
    <p class="hint">The centre square is used: frame the face like the model's faces. The server finds its codes.</p>
    <label class="field">
      <span class="label">Import a face from a latent (.npy)</span>
      <input
        id="import-npy"
        class="input file"
        type="file"
        accept=".npy"
        ?disabled=${busy || !project}
        @change=${(ev: Event) => void importNpy(ev)}
      />
    </label>
    <p class="hint">A W+ latent (float32 [1, n, D]) or a w ([1, D]), as the official code or Export writes it.</p>
    <div class="row">
      <button
        id="export-npy-btn"
        class="btn btn-secondary"
        type="button"
        ?disabled=${!face}
        @click=${() => void exportNpy()}
      >
        Export ${face?.name ?? 'face'}'s latent (.npy)
      </button>
    </div>
  </div>`;
}
