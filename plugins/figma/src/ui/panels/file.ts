// File: import a face from a designer's own picture (importImage: the server inverts it with the
// model's encoder), or from an official-format .npy latent (importFace), and export the target's
// current latent as one (Edit.latentNpyBase64, downloaded as <face>.npy).
import { html } from 'lit-html';
import { ApiError, type EditPayload, type FaceSummary, type SsgClient } from '../api';
import { clearBanner, jobText, setProgress, showBanner, showError } from '../banner';
import { send } from '../bridge';
import { placeOnCanvas } from '../canvas';
import { currentFace, client, get, set } from '../state';
import type { EditNode } from '../types';
import { loadHistory } from './history';

/** Base64 of bytes (chunked: String.fromCharCode takes a bounded argument list). */
function base64(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s);
}

/** One way of making a face from a file the designer picks (both imports share the flow below). */
interface FileImport {
  /** The name of the new face: the file's, without its extension. */
  extension: RegExp;
  /** A message when the file is refused before anything is sent. */
  check?: (file: File) => string | undefined;
  upload: (c: SsgClient, projectId: string, name: string, base64: string) => Promise<EditPayload>;
  /** The server's refusal worded for the designer (who chose a file, not a field); undefined: not a refusal. */
  refusal: (err: ApiError) => string | undefined;
}

const NPY_IMPORT: FileImport = {
  extension: /\.npy$/i,
  check: (file) =>
    /\.npy$/i.test(file.name)
      ? undefined
      : 'Choose a .npy file (a latent exported from ssg-studio or the official code).',
  upload: (c, projectId, name, latentBase64) => c.importFace({ projectId, name, latentBase64 }),
  refusal: (err) => (err.kind === 'input' ? err.message.replace(/^latentBase64 (is )?/, '') : undefined),
};

/** The server's codes for an image it cannot use. */
const IMAGE_CODES = new Set(['INVALID_IMAGE', 'UNSUPPORTED_IMAGE_FORMAT', 'UPLOAD_TOO_LARGE', 'MODEL_CANNOT_INVERT']);

/**
 * The server's limit on a picture (MAX_IMAGE_BYTES in src/inference/image-input.ts; its base64
 * fits the HTTP body limit). Checked here first: a designer learns it before a long upload.
 */
export const MAX_IMAGE_BYTES = 8 * 1024 * 1024;

const megabytes = (bytes: number) => `${(bytes / (1024 * 1024)).toFixed(1)} MB`;

/**
 * Under this reconstruction PSNR (the INVERT edit's params.psnr, dB) the picture is not like the
 * model's faces and the face found is far from it. On models/cartoon64 held-out faces of its own
 * kind measure 21.4 to 26.3 dB and a flat grey picture 18.9 (test/api/import-image.test.ts).
 */
export const LOW_PSNR_DB = 20;

/** The job inverts the picture (progress per encoder iteration), then renders the face it found. */
const IMAGE_IMPORT: FileImport = {
  extension: /\.[a-z0-9]+$/i,
  check: (file) =>
    file.size > MAX_IMAGE_BYTES
      ? `${file.name} is ${megabytes(file.size)}; the server takes pictures up to ${megabytes(MAX_IMAGE_BYTES)}. ` +
        'Export it smaller (a JPEG, or fewer pixels: the face is used at a few hundred pixels at most) and import that.'
      : undefined,
  upload: (c, projectId, name, imageBase64) => c.importImage({ projectId, name, imageBase64 }),
  refusal: (err) => (err.kind === 'input' || IMAGE_CODES.has(err.code ?? '') ? err.message : undefined),
};

async function importFile(ev: Event, how: FileImport): Promise<void> {
  const input = ev.target as HTMLInputElement;
  const file = input.files?.[0];
  const project = get().project;
  if (!file || !project) return;
  const refusedEarly = how.check?.(file);
  if (refusedEarly) {
    input.value = '';
    return showBanner(refusedEarly, [{ label: 'Dismiss', run: clearBanner }]);
  }
  const name = file.name.replace(how.extension, '') || `Imported ${project.faces.length + 1}`;
  clearBanner();
  // editingTool: the progress shows in this tab, where the designer started the import.
  set({ busy: true, editingTool: 'file' });
  setProgress(`Uploading ${file.name}…`, '');
  try {
    const c = client();
    const payload = await how.upload(c, project.id, name, base64(new Uint8Array(await file.arrayBuffer())));
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
    send({ type: 'notify', message: `Imported ${face.name} from ${file.name}` });
    await loadHistory();
    warnIfUnlike(
      face.name,
      get().history?.edits.find((e) => e.id === payload.edit.id),
    );
  } catch (err) {
    setProgress(null);
    const reason = err instanceof ApiError ? how.refusal(err) : undefined;
    showError(
      reason !== undefined
        ? new ApiError('input', `Couldn't import ${file.name}: ${reason}`, (err as ApiError).code)
        : err,
    );
  } finally {
    input.value = '';
    set({ busy: false, editingTool: null });
  }
}

/** Says so when the inversion could not reconstruct the picture well (see LOW_PSNR_DB). */
function warnIfUnlike(name: string, edit: EditNode | undefined): void {
  const psnr = (edit?.params as { psnr?: unknown } | undefined)?.psnr;
  if (typeof psnr !== 'number' || psnr >= LOW_PSNR_DB) return;
  showBanner(
    `${name} is not much like the faces this model makes (reconstruction ${psnr.toFixed(1)} dB; its own faces reach about 22), ` +
      "so the face on the canvas may look little like your picture. A picture framed like the model's faces, head and shoulders filling the square, comes out closer.",
    [{ label: 'Dismiss', run: clearBanner }],
    true,
  );
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

function fileInput(id: string, label: string, accept: string, how: FileImport) {
  const { busy, project } = get();
  return html`<label class="field">
    <span class="label">${label}</span>
    <input
      id=${id}
      class="input file"
      type="file"
      accept=${accept}
      ?disabled=${busy || !project}
      @change=${(ev: Event) => void importFile(ev, how)}
    />
  </label>`;
}

export function fileView() {
  const face = currentFace();
  return html`<div class="stack">
    ${fileInput('import-image', `Import a face from an image (PNG or JPEG, up to ${megabytes(MAX_IMAGE_BYTES)})`, 'image/png,image/jpeg', IMAGE_IMPORT)}
    <p class="hint">The centre square is used: frame the face like the model's faces. The server finds its codes.</p>
    ${fileInput('import-npy', 'Import a face from a latent (.npy)', '.npy', NPY_IMPORT)}
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
