// The shapes of what the plugin reads from the server (names from schema/schema.graphql).

export type ComponentPart = 'SHAPE' | 'TEXTURE' | 'BOTH';
export type JobStatus = 'QUEUED' | 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'CANCELLED';

export interface ModelComponent {
  index: number;
  name: string;
  transparent: boolean;
  color: string | null;
}
export interface GenerativeModel {
  id: string;
  name: string;
  resolution: number;
  untrained: boolean;
  components: ModelComponent[];
}
export interface Render {
  id: string;
  width: number;
  height: number;
  imageUrl: string;
  segmentationUrl: string | null;
}
export interface Job {
  id: string;
  status: JobStatus;
  error: string | null;
  attempts?: number;
  render: Render | null;
}
export interface EditSummary {
  id: string;
  operation: string;
  createdAt: string;
  render: Render | null;
  job: Pick<Job, 'id' | 'status' | 'error'> | null;
}
export interface EditNode extends EditSummary {
  params: unknown;
  /** This edit is its face's head (from the server). */
  isHead: boolean;
  parent: { id: string } | null;
  children: { id: string }[];
}
export interface FaceSummary {
  id: string;
  name: string;
  head: EditSummary;
}
/** One page of a connection, newest first: `endCursor` fetches the next (older) page. */
export interface Page<T> {
  items: T[];
  hasNextPage: boolean;
  endCursor: string | null;
}
export interface FaceDetail {
  id: string;
  name: string;
  project: { id: string };
  head: EditNode;
  /** Undo / redo possible from the head (the server's rules). */
  canUndo: boolean;
  canRedo: boolean;
  /** The edits loaded so far, newest first (whole pages from the newest). */
  edits: EditNode[];
  hasMoreEdits: boolean;
  editsCursor: string | null;
}
export interface ProjectSummary {
  id: string;
  name: string;
  model: { id: string; name: string };
}
export interface ProjectDetail {
  id: string;
  name: string;
  model: GenerativeModel;
  /** The faces loaded so far, newest first. */
  faces: FaceSummary[];
  hasMoreFaces: boolean;
  facesCursor: string | null;
}
export interface EditPayload {
  face: FaceSummary;
  edit: EditSummary;
  job: Job;
}

export type ErrorKind = 'network' | 'auth' | 'conflict' | 'not-found' | 'input' | 'job' | 'server';

/** How a job's progress reached the UI. */
export type ProgressTransport = 'websocket' | 'polling';
