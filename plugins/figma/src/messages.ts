// The postMessage protocol between the plugin's main thread (src/code.ts, canvas only) and its
// UI iframe (src/ui/*, network). Shared by both sides, so both are type-checked against it.
//
// UI -> main:   parent.postMessage({ pluginMessage: UiToMain }, '*')   (received by figma.ui.onmessage)
// main -> UI:   figma.ui.postMessage(MainToUi)                        (received as event.data.pluginMessage)

/** Connection settings remembered with figma.clientStorage (local to the user, never in the file). */
export interface Settings {
  serverUrl: string;
  token: string;
}

/** Plugin data keys written on nodes placed by the plugin. */
export const PLUGIN_DATA_KEYS = ['faceId', 'editId', 'serverUrl', 'projectId', 'faceName'] as const;
export type PluginDataKey = (typeof PLUGIN_DATA_KEYS)[number];

/** What the main thread knows about a plugin-placed node (from its plugin data). */
export interface LinkedNode {
  nodeId: string;
  name: string;
  faceId: string;
  editId: string;
  serverUrl: string;
  projectId: string;
}

/** An extra image layer placed inside the result frame (segmentation mask, depth map). */
export interface OverlayLayer {
  /** Stable key, e.g. "segmentation" or "depth:hair"; a layer with the same key is replaced. */
  key: string;
  /** Layer name shown in Figma's layers panel. */
  name: string;
  png: Uint8Array;
  /** 0..1, default 1. Layers start hidden so the face stays visible. */
  opacity?: number;
}

export interface PlaceResultMessage {
  type: 'place-result';
  /** Echoed in the answer ("placed" or "place-failed"). */
  requestId: string;
  faceId: string;
  faceName: string;
  editId: string;
  projectId: string;
  serverUrl: string;
  /** The rendered image (PNG, at most 4096 px a side). */
  png: Uint8Array;
  /**
   * Update this node in place when it still exists and was placed by the plugin; otherwise
   * (null, deleted, foreign node) a new node is created.
   */
  targetNodeId: string | null;
  /** Optional overlay layers; when given they replace all earlier overlays of the node. */
  layers?: OverlayLayer[];
}

/** One frame of a strip: an image, and optionally a second image shown under it (a depth map). */
export interface StripFrame {
  name: string;
  png: Uint8Array;
  below?: { name: string; png: Uint8Array };
}

/**
 * A row of frames in one new container frame (the compositional view: the background, then each
 * part added, with the added part's depth map under each step). Answered by "strip-placed".
 */
export interface PlaceStripMessage {
  type: 'place-strip';
  requestId: string;
  /** The container's name, e.g. "Ada · built part by part". */
  name: string;
  /** The face and edit it shows (plugin data compositionOf / editId; not faceId: edits never update it). */
  faceId: string;
  editId: string;
  frames: StripFrame[];
}

export type UiToMain =
  | { type: 'ui-ready' }
  | { type: 'save-settings'; settings: Settings | null }
  | PlaceResultMessage
  | PlaceStripMessage
  | { type: 'select-node'; nodeId: string }
  /** Selects the frame on the current page that shows this face (the newest), if there is one. */
  | { type: 'select-face'; faceId: string; serverUrl: string }
  | { type: 'notify'; message: string; error?: boolean }
  | { type: 'resize'; width: number; height: number };

export type MainToUi =
  | { type: 'init'; settings: Settings | null; selection: LinkedNode | null }
  /** Sent on every selection change: the selected plugin node (or its plugin-node ancestor), or null. */
  | { type: 'selection'; node: LinkedNode | null }
  | { type: 'placed'; requestId: string; node: LinkedNode; updated: boolean }
  | { type: 'place-failed'; requestId: string; message: string }
  | { type: 'strip-placed'; requestId: string; nodeId: string; frames: number }
  | { type: 'settings-saved' };

export function isUiToMain(value: unknown): value is UiToMain {
  return typeof value === 'object' && value !== null && typeof (value as { type?: unknown }).type === 'string';
}

/** Width and height from a PNG's IHDR chunk, or null when the bytes are not a PNG. */
export function pngSize(bytes: Uint8Array): { width: number; height: number } | null {
  const sig = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
  if (bytes.length < 24 || sig.some((b, i) => bytes[i] !== b)) return null;
  const u32 = (o: number) => ((bytes[o] << 24) | (bytes[o + 1] << 16) | (bytes[o + 2] << 8) | bytes[o + 3]) >>> 0;
  return { width: u32(16), height: u32(20) };
}

export const MAX_IMAGE_SIDE = 4096;
export const DEFAULT_UI_SIZE = { width: 360, height: 560 } as const;
