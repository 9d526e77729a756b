// What every edit tool does once the designer commits: send the mutation, follow its render job,
// put the result on the canvas (the selected layer of that face is updated in place) and reload
// the history, as swaps do. And the dry runs (previewEdit) a slider sends while it moves.
import type { EditPayload } from './api';
import { clearBanner, jobText, setProgress, showError } from './banner';
import { send } from './bridge';
import { placeOnCanvas } from './canvas';
import { loadHistory } from './panels/history';
import { client, get, seenHeadId, set, updateFace, type EditorName, type Preview } from './state';
import type * as G from './generated/graphql.ts';

/**
 * Runs one edit of the target face: `run` gets the head this UI last saw (sent as expectedHeadId,
 * so an edit made meanwhile elsewhere fails with CONFLICT). Resolves with the payload, or null
 * when it failed (the banner says why).
 */
export async function runEdit(
  run: (expectedHeadId: string | undefined) => Promise<EditPayload>,
  opts: { tool: EditorName; sending: string; done: (payload: EditPayload) => string; components?: string[] },
): Promise<EditPayload | null> {
  const faceId = get().targetId;
  if (!faceId || get().busy) return null;
  clearBanner();
  set({ busy: true, editingTool: opts.tool });
  setProgress(opts.sending, '');
  try {
    const c = client();
    const payload = await run(seenHeadId(faceId));
    setProgress(jobText(payload.job));
    const render =
      payload.job.render ?? (await c.waitForJob(payload.job.id, (job, via) => setProgress(jobText(job), via)));
    updateFace({ ...payload.face, head: { ...payload.edit, render } });
    setProgress('Placing on canvas…');
    await placeOnCanvas(payload.face, payload.edit.id, render, opts.components ?? [...get().components]);
    setProgress(null);
    send({ type: 'notify', message: opts.done(payload) });
    await loadHistory();
    return payload;
  } catch (err) {
    setProgress(null);
    showError(err);
    return null;
  } finally {
    set({ busy: false, editingTool: null });
  }
}

/**
 * While an edit is in flight a slider ignores the designer (its value goes back to `value`). It
 * is not disabled: a disabled slider drops the keyboard focus, and each arrow key press is an edit.
 */
export function heldBack(ev: Event, value: string): boolean {
  if (!get().busy) return false;
  (ev.target as HTMLInputElement).value = value;
  return true;
}

/** The operation a dry run previews (exactly one, as PreviewEditInput takes it). */
export type PreviewRequest = Omit<G.PreviewEditInput, 'quality'>;

// One preview in flight at a time; while it runs only the newest request waits (older ones are
// dropped), so a fast drag never queues up renders. `generation` drops answers that arrive after
// the drag ended.
let inFlight = false;
let queued: { tool: EditorName; request: PreviewRequest } | null = null;
let generation = 0;

/** Asks for a preview of `request` (called on every slider input). */
export function requestPreview(tool: EditorName, request: PreviewRequest): void {
  const p = get().preview;
  set({
    preview: {
      tool,
      attribute: request.attribute?.attribute,
      url: p?.tool === tool ? p.url : null,
      description: p?.tool === tool ? p.description : '',
      quality: p?.tool === tool ? p.quality : '',
      width: p?.tool === tool ? p.width : 0,
      pending: true,
      count: p?.tool === tool ? p.count : 0,
    },
  });
  queued = { tool, request };
  if (!inFlight) void pump();
}

async function pump(): Promise<void> {
  while (queued) {
    const { tool, request } = queued;
    queued = null;
    inFlight = true;
    const gen = generation;
    try {
      const answer = await client().previewEdit({ ...request, quality: 'PREVIEW' });
      const p = get().preview;
      if (gen !== generation || p?.tool !== tool) continue;
      const next: Preview = {
        tool,
        attribute: request.attribute?.attribute,
        url: answer.imageUrl,
        description: answer.description,
        quality: answer.quality,
        width: answer.width,
        pending: queued !== null,
        count: p.count + 1,
      };
      set({ preview: next });
    } catch (err) {
      if (gen === generation) {
        set({ preview: null });
        showError(err);
      }
    } finally {
      inFlight = false;
    }
  }
}

/** The slider was let go: answers still on their way are dropped (the last preview stays up). */
export function freezePreview(): void {
  generation++;
  queued = null;
}

/** Hides the preview (after the edit it showed landed, or when the drag is abandoned). */
export function endPreview(): void {
  freezePreview();
  set({ preview: null });
}
