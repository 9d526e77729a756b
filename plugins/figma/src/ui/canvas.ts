// The canvas side of the UI: placing a face's image (and its overlay layers) through the main
// thread, and the note on what the selected layer will receive. (Following the selection to its
// face is selection.ts: it drives the panels, which place through here.)
import { html } from 'lit-html';
import type { LinkedNode, OverlayLayer } from '../messages';
import type { Render } from './api';
import { place, send } from './bridge';
import { imageBytes } from './images';
import { client, get, linkedNodeFor } from './state';

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
