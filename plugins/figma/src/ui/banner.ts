// The error banner (with actions that say what to do) and the progress line.
import { html, nothing } from 'lit-html';
import { ApiError, type Job, type ProgressTransport } from './api';
import { currentFace, get, set, type BannerAction, type EditorName } from './state';

/** Set by main.ts: opens the connect view ("Settings"), reloads the open project ("Reload face"). */
export const recovery = { showConnect: () => {}, reloadAll: () => {} };

export function clearBanner(): void {
  set({ banner: null });
}

export function showBanner(text: string, actions: BannerAction[] = [], warning = false): void {
  set({ banner: { text, actions, warning } });
}

export function showError(err: unknown, retry?: () => void): void {
  const dismiss = { label: 'Dismiss', run: clearBanner };
  const again = (label: string) => (retry ? [{ label, run: () => (clearBanner(), retry()) }] : []);
  const settings = { label: 'Settings', run: () => recovery.showConnect() };
  if (!(err instanceof ApiError)) return showBanner(err instanceof Error ? err.message : String(err), [dismiss]);
  switch (err.kind) {
    case 'network':
      showBanner(err.message, [...again('Retry'), settings]);
      return set({ conn: { ok: false, text: 'Server unreachable' } });
    case 'auth':
      showBanner(err.message, [settings]);
      return set({ conn: { ok: false, text: 'Token refused' } });
    case 'conflict': {
      const name = currentFace()?.name ?? 'This face';
      const reload = { label: 'Reload face', run: () => (clearBanner(), recovery.reloadAll()) };
      return showBanner(
        `${name} was changed by someone else since you loaded it, so your edit was not applied. Reload to see their edit, then try again.`,
        [reload, dismiss],
        true,
      );
    }
    case 'job':
      return showBanner(err.message, [...again('Try again'), dismiss]);
    default:
      return showBanner(err.message, [dismiss]);
  }
}

/** Shows (or hides, with null) the progress line; `via` says how the job's status arrived. */
export function setProgress(text: string | null, via?: ProgressTransport | ''): void {
  set(via === undefined ? { progress: text } : { progress: text, progressVia: via });
}

export function jobText(job: Job): string {
  switch (job.status) {
    case 'QUEUED':
      return 'Queued…';
    case 'RUNNING':
      if (job.progress != null) return `Finding the face… ${Math.round(job.progress * 100)}%`;
      return job.attempts && job.attempts > 1 ? `Rendering (attempt ${job.attempts})…` : 'Rendering…';
    case 'SUCCEEDED':
      return 'Rendered';
    default:
      return job.status.toLowerCase();
  }
}

export function bannerView() {
  const { banner } = get();
  return html`<div id="banner" class="banner ${banner?.warning ? 'warning' : ''}" role="alert" ?hidden=${!banner}>
    <p id="banner-text" class="banner-text">${banner?.text ?? ''}</p>
    <div id="banner-actions" class="banner-actions">
      ${
        banner?.actions.map(
          (a) =>
            html`<button class="btn btn-secondary btn-small" type="button" @click=${() => a.run()}>${a.label}</button>`,
        ) ?? nothing
      }
    </div>
  </div>`;
}

/**
 * The progress line. A tool (or the Attributes panel) shows its own, `owner` set, while it edits,
 * so the progress is where the designer started it; the main line shows everything else.
 */
export function progressView(
  id: 'progress' | 'tool-progress' | 'attributes-progress' = 'progress',
  owner: EditorName | null = null,
) {
  const { progress, progressVia, editingTool } = get();
  const mine = editingTool === owner;
  return html`<div
    id=${id}
    class="progress"
    role="status"
    aria-live="polite"
    data-via=${progressVia}
    ?hidden=${progress === null || !mine}
  >
    <div class="progress-bar" aria-hidden="true"><span></span></div>
    <span id="progress-text" class="progress-text">${progress ?? ''}</span>
  </div>`;
}
