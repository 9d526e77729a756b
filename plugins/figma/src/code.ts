// The plugin's main thread: runs in Figma's sandbox with the document, no network. It shows the
// UI, remembers the connection in clientStorage, places rendered faces on the canvas and tells
// the UI when the designer selects a node the plugin placed.
import {
  DEFAULT_UI_SIZE,
  MAX_IMAGE_SIDE,
  isUiToMain,
  pngSize,
  type LinkedNode,
  type MainToUi,
  type PlaceResultMessage,
  type PlaceStripMessage,
  type Settings,
} from './messages';

const SETTINGS_KEY = 'ssg-studio.settings';
/** New results are at least this wide on the canvas (the demo model renders small images). */
const MIN_PLACED_SIDE = 256;

function post(msg: MainToUi): void {
  figma.ui.postMessage(msg);
}

/** The plugin data of a node the plugin placed, or null for any other node. */
function linkedInfo(node: BaseNode): LinkedNode | null {
  const faceId = node.getPluginData('faceId');
  if (!faceId) return null;
  return {
    nodeId: node.id,
    name: node.name,
    faceId,
    editId: node.getPluginData('editId'),
    serverUrl: node.getPluginData('serverUrl'),
    projectId: node.getPluginData('projectId'),
  };
}

/** The selected plugin node (or the plugin node containing the selected overlay layer). */
function linkedSelection(): LinkedNode | null {
  const selection = figma.currentPage.selection;
  if (selection.length !== 1) return null;
  let node: BaseNode | null = selection[0];
  while (node && node.type !== 'PAGE' && node.type !== 'DOCUMENT') {
    const info = linkedInfo(node);
    if (info) return info;
    node = node.parent;
  }
  return null;
}

async function loadSettings(): Promise<Settings | null> {
  const value = (await figma.clientStorage.getAsync(SETTINGS_KEY)) as Partial<Settings> | undefined;
  if (value && typeof value.serverUrl === 'string' && typeof value.token === 'string') {
    return { serverUrl: value.serverUrl, token: value.token };
  }
  return null;
}

function imageFill(hash: string): ImagePaint {
  return { type: 'IMAGE', imageHash: hash, scaleMode: 'FILL' };
}

function checkedImage(png: Uint8Array, what: string): Image {
  const size = pngSize(png);
  if (!size) throw new Error(`The server sent ${what} that is not a PNG.`);
  if (size.width > MAX_IMAGE_SIDE || size.height > MAX_IMAGE_SIDE) {
    throw new Error(`${what} is ${size.width}x${size.height}; Figma takes images up to ${MAX_IMAGE_SIDE} px a side.`);
  }
  return figma.createImage(png);
}

async function placeResult(msg: PlaceResultMessage): Promise<{ node: FrameNode; updated: boolean }> {
  const size = pngSize(msg.png);
  const image = checkedImage(msg.png, 'an image');
  let node: FrameNode | null = null;
  if (msg.targetNodeId) {
    const existing = await figma.getNodeByIdAsync(msg.targetNodeId);
    if (existing && existing.type === 'FRAME' && !existing.removed && existing.getPluginData('faceId')) {
      node = existing;
    }
  }
  const updated = node !== null;
  if (!node) {
    node = figma.createFrame();
    const w = size!.width;
    const h = size!.height;
    const scale = w < MIN_PLACED_SIDE ? MIN_PLACED_SIDE / w : 1;
    node.resize(Math.round(w * scale), Math.round(h * scale));
    const center = figma.viewport.center;
    node.x = Math.round(center.x - node.width / 2);
    node.y = Math.round(center.y - node.height / 2);
    node.clipsContent = true;
    figma.currentPage.appendChild(node);
  }
  node.name = msg.faceName;
  node.fills = [imageFill(image.hash)];
  node.setPluginData('faceId', msg.faceId);
  node.setPluginData('editId', msg.editId);
  node.setPluginData('serverUrl', msg.serverUrl);
  node.setPluginData('projectId', msg.projectId);
  node.setPluginData('faceName', msg.faceName);

  if (msg.layers) {
    for (const child of [...node.children]) {
      if (child.getPluginData('overlay')) child.remove();
    }
    for (const layer of msg.layers) {
      const overlayImage = checkedImage(layer.png, `the layer "${layer.name}"`);
      const rect = figma.createRectangle();
      rect.name = layer.name;
      rect.resize(node.width, node.height);
      rect.x = 0;
      rect.y = 0;
      rect.fills = [imageFill(overlayImage.hash)];
      rect.opacity = layer.opacity ?? 1;
      rect.constraints = { horizontal: 'SCALE', vertical: 'SCALE' };
      rect.setPluginData('overlay', layer.key);
      node.appendChild(rect);
    }
  }

  if (!updated) {
    figma.currentPage.selection = [node];
    figma.viewport.scrollAndZoomIntoView([node]);
  }
  return { node, updated };
}

/** Gap between the strip's frames, in canvas pixels. */
const STRIP_GAP = 16;

/** One image frame of a strip, at least MIN_PLACED_SIDE wide. */
function stripImage(name: string, png: Uint8Array, x: number, y: number): FrameNode {
  const size = pngSize(png)!;
  const image = checkedImage(png, `the image "${name}"`);
  const scale = size.width < MIN_PLACED_SIDE ? MIN_PLACED_SIDE / size.width : 1;
  const node = figma.createFrame();
  node.name = name;
  node.resize(Math.round(size.width * scale), Math.round(size.height * scale));
  node.x = x;
  node.y = y;
  node.fills = [imageFill(image.hash)];
  return node;
}

/** A new container frame with the frames in a row (their `below` images in a second row). */
function placeStrip(msg: PlaceStripMessage): FrameNode {
  if (!msg.frames.length) throw new Error('There is nothing to place.');
  // Everything is checked before anything is created, so a bad image leaves the canvas as it was.
  for (const f of msg.frames) {
    for (const [what, png] of [[f.name, f.png], ...(f.below ? [[f.below.name, f.below.png] as const] : [])] as const) {
      const size = pngSize(png);
      if (!size) throw new Error(`The server sent "${what}" that is not a PNG.`);
      if (size.width > MAX_IMAGE_SIDE || size.height > MAX_IMAGE_SIDE) {
        throw new Error(
          `"${what}" is ${size.width}x${size.height}; Figma takes images up to ${MAX_IMAGE_SIDE} px a side.`,
        );
      }
    }
  }
  const container = figma.createFrame();
  container.name = msg.name;
  container.fills = [];
  let x = STRIP_GAP;
  let height = 0;
  for (const f of msg.frames) {
    const top = stripImage(f.name, f.png, x, STRIP_GAP);
    container.appendChild(top);
    let bottom = top.y + top.height;
    if (f.below) {
      const under = stripImage(f.below.name, f.below.png, x, bottom + STRIP_GAP);
      container.appendChild(under);
      bottom = under.y + under.height;
    }
    x += top.width + STRIP_GAP;
    height = Math.max(height, bottom + STRIP_GAP);
  }
  container.resize(x, height);
  const center = figma.viewport.center;
  container.x = Math.round(center.x - container.width / 2);
  container.y = Math.round(center.y - container.height / 2);
  container.setPluginData('compositionOf', msg.faceId);
  container.setPluginData('editId', msg.editId);
  figma.currentPage.appendChild(container);
  figma.currentPage.selection = [container];
  figma.viewport.scrollAndZoomIntoView([container]);
  return container;
}

async function handle(raw: unknown): Promise<void> {
  if (!isUiToMain(raw)) return;
  const msg = raw;
  switch (msg.type) {
    case 'ui-ready': {
      post({ type: 'init', settings: await loadSettings(), selection: linkedSelection() });
      return;
    }
    case 'save-settings': {
      if (msg.settings) await figma.clientStorage.setAsync(SETTINGS_KEY, msg.settings);
      else await figma.clientStorage.deleteAsync(SETTINGS_KEY);
      post({ type: 'settings-saved' });
      return;
    }
    case 'place-result': {
      try {
        const { node, updated } = await placeResult(msg);
        const info = linkedInfo(node)!;
        post({ type: 'placed', requestId: msg.requestId, node: info, updated });
        figma.notify(updated ? `Updated "${node.name}"` : `Placed "${node.name}"`, { timeout: 1500 });
      } catch (err) {
        const message = err instanceof Error ? err.message : String(err);
        post({ type: 'place-failed', requestId: msg.requestId, message });
        figma.notify(message, { error: true });
      }
      return;
    }
    case 'place-strip': {
      try {
        const node = placeStrip(msg);
        post({ type: 'strip-placed', requestId: msg.requestId, nodeId: node.id, frames: msg.frames.length });
        figma.notify(`Placed "${node.name}"`, { timeout: 1500 });
      } catch (err) {
        const message = err instanceof Error ? err.message : String(err);
        post({ type: 'place-failed', requestId: msg.requestId, message });
        figma.notify(message, { error: true });
      }
      return;
    }
    case 'select-face': {
      // Clicking a face's tile selects its frame, so that the next edit updates it in place
      // instead of adding another layer. Frames placed later come later in the page's order.
      const frames = figma.currentPage.findAll(
        (n) =>
          n.type === 'FRAME' &&
          n.getPluginData('faceId') === msg.faceId &&
          n.getPluginData('serverUrl') === msg.serverUrl,
      );
      const frame = frames[frames.length - 1];
      if (!frame) return;
      figma.currentPage.selection = [frame];
      figma.viewport.scrollAndZoomIntoView([frame]);
      return;
    }
    case 'select-node': {
      const node = await figma.getNodeByIdAsync(msg.nodeId);
      if (!node || node.type === 'PAGE' || node.type === 'DOCUMENT') {
        figma.notify('That layer is no longer in the file.', { error: true });
        return;
      }
      let page: BaseNode | null = node.parent;
      while (page && page.type !== 'PAGE') page = page.parent;
      if (page && page.type === 'PAGE' && page.id !== figma.currentPage.id) await figma.setCurrentPageAsync(page);
      figma.currentPage.selection = [node as SceneNode];
      figma.viewport.scrollAndZoomIntoView([node]);
      return;
    }
    case 'notify': {
      figma.notify(msg.message, { error: msg.error ?? false });
      return;
    }
    case 'resize': {
      figma.ui.resize(Math.max(280, Math.round(msg.width)), Math.max(320, Math.round(msg.height)));
      return;
    }
  }
}

figma.showUI(__html__, { ...DEFAULT_UI_SIZE, themeColors: true, title: 'ssg-studio' });

figma.ui.onmessage = (msg: unknown) => {
  handle(msg).catch((err: unknown) => {
    figma.notify(`ssg-studio: ${err instanceof Error ? err.message : String(err)}`, { error: true });
  });
};

figma.on('selectionchange', () => {
  post({ type: 'selection', node: linkedSelection() });
});
