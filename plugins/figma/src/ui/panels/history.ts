// History panel: the target face's edits, newest first and paged; undo, redo, revert. Which
// edit is the head and whether undo/redo are possible come from the server (isHead, canUndo,
// canRedo); the rows only trace the current line through the parent/child links they show.
import { html, nothing } from 'lit-html';
import type { EditNode, FaceDetail, FaceSummary, Page } from '../api';
import { clearBanner, setProgress, showError } from '../banner';
import { send } from '../bridge';
import { placeOnCanvas } from '../canvas';
import { focus } from '../forms';
import { thumb } from '../images';
import { client, faceById, get, linkedNodeFor, seenHeadId, set, updateFace } from '../state';

function withEdits(face: FaceDetail, page: Page<EditNode>): [FaceDetail, EditNode[]] {
  const seen = new Set(face.edits.map((e) => e.id));
  const added = page.items.filter((e) => !seen.has(e.id));
  const next = {
    ...face,
    edits: [...face.edits, ...added],
    hasMoreEdits: page.hasNextPage && page.items.length > 0,
    editsCursor: page.endCursor ?? face.editsCursor,
  };
  return [next, added];
}

/** (Re)loads the target face's history, keeping as many pages as were showing. */
export async function loadHistory(): Promise<void> {
  const { targetId: id, client: c, history } = get();
  if (!id || !c) return set({ history: null });
  // The head's row is always loaded (pages are whole, from the newest, so every shown edit's
  // descendants are shown too and the current line can be traced across pages).
  const shown = history?.id === id ? history.edits.length : 0;
  let face = await c.face(id);
  const hasHead = (f: FaceDetail) => f.edits.some((e) => e.id === f.head.id);
  for (let i = 0; i < 40 && face.hasMoreEdits && (face.edits.length < shown || !hasHead(face)); i++) {
    if (get().targetId !== id) return;
    [face] = withEdits(face, await c.faceEdits(id, face.editsCursor));
  }
  if (get().targetId !== id) return;
  set({ history: face });
  const summary = faceById(id);
  if (summary && (summary.head.id !== face.head.id || (!summary.head.render && face.head.render))) {
    updateFace({ id: face.id, name: face.name, head: face.head });
  }
}

/** "Show older edits": appends the next page and moves focus to the first older edit. */
async function loadOlderEdits(): Promise<void> {
  const { history: face, loadingEdits } = get();
  if (!face?.hasMoreEdits || loadingEdits) return;
  set({ loadingEdits: true });
  try {
    const page = await client().faceEdits(face.id, face.editsCursor);
    if (get().history?.id !== face.id) return;
    const [next, added] = withEdits(get().history!, page);
    set({ history: next });
    if (added[0]) focus(`#history-list li[data-edit-id="${added[0].id}"]`);
  } catch (err) {
    showError(err, () => void loadOlderEdits());
  } finally {
    set({ loadingEdits: false });
  }
}

async function historyMove(run: () => Promise<FaceSummary>, verb: string): Promise<void> {
  const faceId = get().targetId;
  if (!faceId) return;
  clearBanner();
  set({ busy: true });
  try {
    const face = await run();
    updateFace(face);
    await loadHistory();
    focus('#history-heading');
    const head = get().history?.head;
    // Keep the selected canvas layer showing the face's current edit.
    if (head && linkedNodeFor(faceId)) {
      setProgress('Updating canvas…');
      const render = head.render ?? (head.job ? await client().waitForJob(head.job.id) : null);
      if (render) await placeOnCanvas(face, head.id, render, [...get().components]);
      setProgress(null);
    }
    send({ type: 'notify', message: `${verb}: ${face.name}` });
  } catch (err) {
    setProgress(null);
    showError(err);
  } finally {
    set({ busy: false });
  }
}

/** The target's history when it is loaded and no edit is in flight (undo/redo/revert possible). */
function movable(): FaceDetail | null {
  const { history, targetId, busy } = get();
  return !busy && history && history.id === targetId ? history : null;
}

export function undo(): void {
  const face = movable();
  if (face?.canUndo) void historyMove(() => client().undo(face.id, seenHeadId(face.id)), 'Undone');
}

export function redo(): void {
  const face = movable();
  if (face?.canRedo) void historyMove(() => client().redo(face.id, seenHeadId(face.id)), 'Redone');
}

function revert(face: FaceDetail, edit: EditNode): void {
  void historyMove(() => client().revertTo(edit.id, face.id, seenHeadId(face.id)), 'Reverted');
}

/**
 * The current line through the loaded edits: the head's ancestors, and the redo path (the most
 * recent child, repeatedly, as the server's redo follows).
 */
function currentLine(face: FaceDetail, head: EditNode): { line: Set<string>; redo: Set<string> } {
  const byId = new Map(face.edits.map((e) => [e.id, e]));
  const line = new Set<string>();
  for (let e: EditNode | undefined = head; e; e = e.parent ? byId.get(e.parent.id) : undefined) line.add(e.id);
  // Children among the loaded edits (Edit.children is paginated; the page of edits has their parents).
  const kidsOf = new Map<string, EditNode[]>();
  for (const e of face.edits) if (e.parent) kidsOf.set(e.parent.id, [...(kidsOf.get(e.parent.id) ?? []), e]);
  const redo = new Set<string>();
  for (let e: EditNode | undefined = head; e?.children.totalCount;) {
    const kids: EditNode[] = kidsOf.get(e.id) ?? [];
    e = kids.sort((a, b) => b.createdAt.localeCompare(a.createdAt))[0];
    if (e) redo.add(e.id);
  }
  return { line, redo };
}

const OP_LABELS: Record<string, string> = {
  SAMPLE: 'Created from seed',
  IMPORT: 'Imported',
  SWAP: 'Swap',
  RESAMPLE: 'Resample',
  INTERPOLATE: 'Interpolate',
  TRUNCATE: 'Truncation',
  ATTRIBUTE: 'Attribute',
};

/** What the edit did, in words: the server's Edit.description (its params when that is empty). */
export function editLabel(edit: EditNode): string {
  return edit.description || describe(edit);
}

function describe(edit: EditNode): string {
  const label = OP_LABELS[edit.operation] ?? edit.operation.charAt(0) + edit.operation.slice(1).toLowerCase();
  const p = (edit.params ?? {}) as Record<string, unknown>;
  const bits: string[] = [];
  if (Array.isArray(p.components)) bits.push(p.components.join(', '));
  if (typeof p.part === 'string') bits.push(p.part.toLowerCase());
  if (edit.operation === 'SAMPLE' && typeof p.seed === 'number') bits.push(`seed ${p.seed}`);
  if (typeof p.psi === 'number') bits.push(`ψ ${Number(p.psi.toFixed(3))}`);
  return bits.length ? `${label} · ${bits.join(' · ')}` : label;
}

function formatTime(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  const time = d.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: '2-digit' });
  return d.toDateString() === new Date().toDateString() ? time : `${d.toLocaleDateString()} ${time}`;
}

function row(face: FaceDetail, edit: EditNode, line: Set<string>, redo: Set<string>) {
  const isHead = edit.isHead;
  const onRedo = redo.has(edit.id);
  const onLine = line.has(edit.id) || onRedo;
  const branches = edit.children.totalCount;
  const text = editLabel(edit);
  const time = formatTime(edit.createdAt);
  // tabindex -1: the focus target after "Show older edits" (not in the tab order).
  return html`<li
    class=${isHead ? 'head' : onRedo ? 'redo' : onLine ? '' : 'off'}
    style=${onLine ? nothing : '--indent: 1'}
    data-edit-id=${edit.id}
    data-operation=${edit.operation}
    tabindex="-1"
    aria-current=${isHead ? 'step' : nothing}
    @mouseenter=${() => set({ historyHover: edit.id })}
    @focusin=${() => set({ historyHover: edit.id })}
  >
    ${thumb(edit.render, '')}
    <span class="meta">
      <span><span class="op">${text}</span>${isHead ? html`<span class="tag">CURRENT</span>` : ''}</span>
      <span class="time">${time}${onRedo ? ' · redo' : ''}${onLine ? '' : ' · other branch'}</span>
      ${branches > 1 ? html`<span class="branch">Branch point · ${branches} branches</span>` : ''}
    </span>
    ${
      isHead
        ? ''
        : html`<button
            class="btn btn-secondary btn-small"
            type="button"
            aria-label=${`Revert to ${text}, ${time}`}
            @click=${() => revert(face, edit)}
          >
            Revert
          </button>`
    }
  </li>`;
}

/**
 * The edit under the pointer (or focus), else the current one, larger, in a fixed place above
 * the list (sticky while it scrolls): it never covers the rows around the one pointed at.
 */
function previewOf(edit: EditNode | FaceDetail['head']) {
  const text = 'parent' in edit ? editLabel(edit) : 'Current';
  return html`<figure id="history-preview" class="history-preview" data-edit-id=${edit.id} aria-hidden="true">
    ${thumb(edit.render, '')}
    <figcaption>${text}</figcaption>
  </figure>`;
}

export function historyView() {
  const { history: face, loadingEdits } = get();
  const target = movable();
  const head = face ? (face.edits.find((e) => e.isHead) ?? face.head) : null;
  const { line, redo: redoPath } =
    face && head ? currentLine(face, head) : { line: new Set<string>(), redo: new Set<string>() };
  const more = loadingEdits ? 'Loading older edits…' : 'Show older edits';
  // The button's text is exactly its label (no whitespace around it).
  // prettier-ignore
  const moreButton = html`<button id="history-more" class="btn btn-secondary more" type="button" ?hidden=${!face?.hasMoreEdits} ?disabled=${loadingEdits} @click=${() => void loadOlderEdits()}>${more}</button>`;
  return html`<section class="section" aria-labelledby="history-heading">
    <div class="section-head">
      <h2 id="history-heading" class="section-title" tabindex="-1">History</h2>
      <div class="row tight">
        <button id="undo-btn" class="btn btn-secondary" type="button" ?disabled=${!target?.canUndo} @click=${undo}>
          Undo
        </button>
        <button id="redo-btn" class="btn btn-secondary" type="button" ?disabled=${!target?.canRedo} @click=${redo}>
          Redo
        </button>
      </div>
    </div>
    ${face && head ? previewOf(face.edits.find((e) => e.id === get().historyHover) ?? head) : ''}
    <ol
      id="history-list"
      class="history"
      aria-label="Edits, newest first"
      @mouseleave=${() => set({ historyHover: null })}
      @focusout=${() => set({ historyHover: null })}
    >
      ${face?.edits.map((e) => row(face, e, line, redoPath)) ?? ''}
    </ol>
    ${moreButton}
    <p id="history-empty" class="empty" ?hidden=${!!face && face.edits.length > 0}>Pick a face to see its edits.</p>
  </section>`;
}
