// The shapes of what the plugin reads from the server: the generated result types of its
// operations (src/ui/operations.ts → generated/graphql.ts), plus the pages the client assembles.
import type * as G from './generated/graphql.ts';

export type { ComponentPart, JobStatus } from './generated/graphql.ts';

export type GenerativeModel = G.PluginModelFragment;
export type ModelComponent = GenerativeModel['components'][number];
export type ModelAttribute = GenerativeModel['attributes'][number];
export type Render = G.PluginRenderFragment;
export type Job = G.PluginJobFragment;
export type EditSummary = G.PluginEditSummaryFragment;
/** An edit with its place in the tree; `isHead`: it is its face's head (from the server). */
export type EditNode = G.PluginEditNodeFragment;
export type FaceSummary = G.PluginFaceSummaryFragment;
export type ProjectSummary = G.PluginProjectSummaryFragment;
export type EditPayload = G.PluginEditPayloadFragment;
export type DepthMap = NonNullable<NonNullable<G.PluginRenderDepthsQuery['job']>['render']>['depthUrls'][number];

/** One page of a connection, newest first: `endCursor` fetches the next (older) page. */
export interface Page<T> {
  items: T[];
  hasNextPage: boolean;
  endCursor: string | null;
}
/** A face with its head, undo/redo availability (the server's rules) and the edits loaded so far. */
export type FaceDetail = Omit<NonNullable<G.PluginFaceQuery['face']>, 'edits'> & {
  /** Newest first (whole pages from the newest). */
  edits: EditNode[];
  hasMoreEdits: boolean;
  editsCursor: string | null;
};
/** A project with its model and the faces loaded so far (newest first). */
export type ProjectDetail = Omit<NonNullable<G.PluginProjectQuery['project']>, 'faces'> & {
  faces: FaceSummary[];
  hasMoreFaces: boolean;
  facesCursor: string | null;
};

export type ErrorKind = 'network' | 'auth' | 'conflict' | 'not-found' | 'input' | 'job' | 'server';

/** How a job's progress reached the UI. */
export type ProgressTransport = 'websocket' | 'polling';
