// The UI's state (one store) and the questions every panel asks of it.
import type { LinkedNode, Settings } from '../messages';
import type {
  ComponentPart,
  FaceDetail,
  FaceSummary,
  GenerativeModel,
  ProgressTransport,
  ProjectDetail,
  ProjectSummary,
  DepthMap,
  Render,
  SsgClient,
} from './api';
import { createStore } from './store';

export interface BannerAction {
  label: string;
  run: () => void;
}

/** The tools under "More tools", one panel each (panels/<name>.ts). */
export type ToolName = 'resample' | 'blend' | 'truncation' | 'parts' | 'compare' | 'file';
/** What can edit the face or show a preview: a tool, or the Attributes panel. */
export type EditorName = ToolName | 'attributes';

/** A dry-run image (previewEdit) shown while a slider moves or before a try is kept. */
export interface Preview {
  /** Which tool asked for it; the tool shows it. */
  tool: EditorName;
  /** The attribute whose slider asked for it (the Attributes panel shows it beside that row). */
  attribute?: string;
  /** data:image/png URL from the server, or null while the first one is on its way. */
  url: string | null;
  description: string;
  /** The quality the server rendered it at (PREVIEW: the cheaper graph) and its size. */
  quality: string;
  width: number;
  /** A newer request is on its way. */
  pending: boolean;
  /** How many previews arrived since the drag began (a data attribute, for tests and curiosity). */
  count: number;
}

/** One step of the compositional view: the face with the components so far (seed Fig. 9). */
export interface CompositionStep {
  components: string[];
  /** The component this step adds. */
  added: string;
  render: Render;
  /** The depth map of the added component (null when the model gives none). */
  depth: DepthMap | null;
}

export interface State {
  view: 'connect' | 'main';
  /** The connect form's fields (kept while the main view shows). */
  serverUrl: string;
  token: string;
  connecting: boolean;
  conn: { ok: boolean; text: string };
  /** Remembered settings exist (shows "Forget token"). */
  remembered: boolean;
  settings: Settings | null;
  client: SsgClient | null;
  models: GenerativeModel[];
  projects: ProjectSummary[];
  project: ProjectDetail | null;
  targetId: string | null;
  sourceId: string | null;
  components: ReadonlySet<string>;
  part: ComponentPart;
  layers: { segmentation: boolean; depth: boolean };
  /** The target face's history (edits loaded so far). */
  history: FaceDetail | null;
  /** The history row under the pointer or focus (its image shows in the history's preview). */
  historyHover: string | null;
  /** The selected canvas node, when it is one the plugin placed. */
  selection: LinkedNode | null;
  busy: boolean;
  loadingFaces: boolean;
  loadingEdits: boolean;
  newProject: { open: boolean; name: string; modelId: string };
  newFace: { open: boolean; name: string; seed: string; truncation: string };
  banner: { text: string; actions: BannerAction[]; warning: boolean } | null;
  /** The progress line (null: hidden) and how the job's status last arrived (kept as data-via). */
  progress: string | null;
  progressVia: ProgressTransport | '';
  tool: ToolName;
  /** The tool whose edit is in flight (its panel shows the progress), or null. */
  editingTool: EditorName | null;
  preview: Preview | null;
  /** Per-component blend amounts while their sliders move (0 = this face). */
  blend: Record<string, number>;
  /** Attribute sliders while they move, in spreads from the face's current offset (see panels/attributes.ts). */
  attributes: Record<string, number>;
  /** The truncation slider (1 = unchanged; applies to the current head). */
  psi: number;
  /** The last resample this UI made (for "Try another"): its edit, the components, part and seed. */
  lastResample: { faceId: string; editId: string; components: string[]; part: ComponentPart; seed: number } | null;
  composition: { faceId: string; editId: string; steps: CompositionStep[]; total: number; running: boolean } | null;
  /** What the compare view shows side by side: "face:<id>" or "edit:<id>" keys. */
  compare: { a: string; b: string };
}

export const store = createStore<State>({
  view: 'connect',
  serverUrl: 'http://localhost:4000',
  token: '',
  connecting: false,
  conn: { ok: false, text: 'Not connected' },
  remembered: false,
  settings: null,
  client: null,
  models: [],
  projects: [],
  project: null,
  targetId: null,
  sourceId: null,
  components: new Set(),
  part: 'BOTH',
  layers: { segmentation: false, depth: false },
  history: null,
  historyHover: null,
  selection: null,
  busy: false,
  loadingFaces: false,
  loadingEdits: false,
  newProject: { open: false, name: '', modelId: '' },
  newFace: { open: false, name: '', seed: '', truncation: '0.7' },
  banner: null,
  progress: null,
  progressVia: '',
  tool: 'resample',
  editingTool: null,
  preview: null,
  blend: {},
  attributes: {},
  psi: 1,
  lastResample: null,
  composition: null,
  compare: { a: '', b: '' },
});

export const get = store.get;
export const set = store.set;

export function faceById(id: string | null): FaceSummary | undefined {
  return id ? get().project?.faces.find((f) => f.id === id) : undefined;
}

export function currentFace(): FaceSummary | undefined {
  return faceById(get().targetId);
}

/** The connected client; actions only run while connected. */
export function client(): SsgClient {
  const c = get().client;
  if (!c) throw new Error('Not connected to a server.');
  return c;
}

/** The head this UI last saw for a face (sent as expectedHeadId, so moves on a stale view fail with CONFLICT). */
export function seenHeadId(faceId: string): string | undefined {
  const { history } = get();
  return history?.id === faceId ? history.head.id : faceById(faceId)?.head.id;
}

/** The selected canvas node to update in place when it shows the given face. */
export function linkedNodeFor(faceId: string): string | null {
  const { selection, client } = get();
  return selection && selection.faceId === faceId && selection.serverUrl === client?.serverUrl
    ? selection.nodeId
    : null;
}

/** Replaces one face of the open project (e.g. its new head). */
export function updateFace(face: FaceSummary): void {
  set(({ project }) =>
    project
      ? { project: { ...project, faces: project.faces.map((f) => (f.id === face.id ? { ...f, ...face } : f)) } }
      : {},
  );
}

export const randomSeed = (): number => Math.floor(Math.random() * 2_000_000_000);
