// The canvas side of the UI: placing a face's image (and its overlay layers) through the main
// thread, and following the canvas selection to the face it shows.
import { html } from 'lit-html';
import type { LinkedNode, OverlayLayer } from '../messages';
import type { Render } from './api';
import { showError } from './banner';
import { place, send } from './bridge';
import { imageBytes } from './images';
import { client, faceById, get, linkedNodeFor, set } from './state';
import { ensureFaceLoaded, setTarget } from './panels/faces';
import { loadHistory } from './panels/history';
import { openProject } from './panels/projects';

async function buildLayers(render: Render, components: string[]): Promise<OverlayLayer[]> {
  const { layers: wanted } = get();
  const layers: OverlayLayer[] = [];
  if (wanted.segmentation && render.segmentationUrl) {
    const png = await imageBytes(render.segmentationUrl);
    layers.push({ key: 'segmentation', name: 'Segmentation', png, opacity: 0.6 });
  }
  if (wanted.depth) {
    for (const c of components.filter((x) => x !== 'coarse')) {
      try {
        const png = await imageBytes(client().depthUrl(render.id, c));
        layers.push({ key: `depth:${c}`, name: `Depth · ${c}`, png, opacity: 1 });
      } catch {
        send({ type: 'notify', message: `No depth map for "${c}" on this render.` });
      }
    }
  }
  return layers;
}

/** Puts the face's image (at `editId`) on the canvas: updates the linked node, or makes a new one. */
export async function placeOnCanvas(
  face: { id: string; name: string },
  editId: string,
  render: Render,
  components: string[],
): Promise<LinkedNode> {
  const png = await imageBytes(render.imageUrl);
  return place({
    faceId: face.id,
    faceName: face.name,
    editId,
    projectId: get().project!.id,
    serverUrl: client().serverUrl,
    png,
    targetNodeId: linkedNodeFor(face.id),
    // Always sent (possibly empty): overlays of an earlier edit would no longer match the image.
    layers: await buildLayers(render, components),
  });
}

/** Opens the project and face of the selected canvas node (when it is one of this server's). */
export async function followSelection(): Promise<void> {
  const { selection: sel, client: c } = get();
  if (!sel || !c || sel.serverUrl !== c.serverUrl) return;
  try {
    if (get().project?.id !== sel.projectId) {
      if (!get().projects.some((p) => p.id === sel.projectId)) set({ projects: await c.projects() });
      await openProject(sel.projectId);
    }
    if (!faceById(sel.faceId)) await ensureFaceLoaded(sel.faceId);
    if (get().targetId !== sel.faceId) await setTarget(sel.faceId);
    else await loadHistory();
  } catch (err) {
    showError(err);
  }
}

export function linkedNoteView() {
  const { selection: sel, client: c, targetId } = get();
  const text = !sel
    ? ''
    : c && sel.serverUrl !== c.serverUrl
      ? `The selected layer "${sel.name}" comes from ${sel.serverUrl}; connect there to edit it.`
      : sel.faceId === targetId
        ? `Selected layer "${sel.name}" will be updated in place.`
        : `Selected layer "${sel.name}" shows another face; results go to a new layer.`;
  return html`<p id="linked-note" class="hint" ?hidden=${!sel}>${text}</p>`;
}
