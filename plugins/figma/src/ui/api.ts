// GraphQL over fetch against an ssg-studio server (names and shapes from shared/spec/product.md).
// Every failure becomes an ApiError whose `kind` says what the designer can do about it.

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
  parent: { id: string } | null;
  children: { id: string }[];
}
export interface FaceSummary {
  id: string;
  name: string;
  head: EditSummary;
}
export interface FaceDetail {
  id: string;
  name: string;
  project: { id: string };
  head: EditNode;
  edits: EditNode[];
  hasMoreEdits: boolean;
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
  faces: FaceSummary[];
}
export interface EditPayload {
  face: FaceSummary;
  edit: EditSummary;
  job: Job;
}

export type ErrorKind = 'network' | 'auth' | 'conflict' | 'not-found' | 'input' | 'job' | 'server';

export class ApiError extends Error {
  constructor(
    readonly kind: ErrorKind,
    message: string,
    readonly code?: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

const RENDER = `id width height imageUrl segmentationUrl`;
const JOB_BRIEF = `id status error`;
const EDIT_SUMMARY = `id operation createdAt render { ${RENDER} } job { ${JOB_BRIEF} }`;
const EDIT_NODE = `${EDIT_SUMMARY} params parent { id } children { id }`;
const FACE_SUMMARY = `id name head { ${EDIT_SUMMARY} }`;
const MODEL = `id name resolution untrained components { index name transparent color }`;
const PROJECT_SUMMARY = `id name model { id name }`;
const JOB = `id status error attempts render { ${RENDER} }`;
const PAYLOAD = `face { ${FACE_SUMMARY} } edit { ${EDIT_SUMMARY} } job { ${JOB} }`;

interface Connection<T> {
  edges: { cursor: string; node: T }[];
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
}
const nodes = <T>(c: Connection<T>): T[] => c.edges.map((e) => e.node);

export function normalizeServerUrl(input: string): string {
  let s = input.trim();
  if (!/^https?:\/\//i.test(s)) s = `http://${s}`;
  const u = new URL(s);
  return `${u.protocol}//${u.host}${u.pathname.replace(/\/+$/, '').replace(/\/graphql$/, '')}`;
}

export class SsgClient {
  constructor(
    readonly serverUrl: string,
    readonly token: string,
    private readonly fetchImpl: typeof fetch = (...args) => fetch(...args),
  ) {}

  /** An absolute URL for a server path or URL (render URLs may be relative). */
  resolve(url: string): string {
    return new URL(url, `${this.serverUrl}/`).toString();
  }

  async request<T>(query: string, variables: Record<string, unknown> = {}): Promise<T> {
    let res: Response;
    try {
      res = await this.fetchImpl(`${this.serverUrl}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${this.token}` },
        body: JSON.stringify({ query, variables }),
      });
    } catch {
      throw new ApiError(
        'network',
        `Can't reach the server at ${this.serverUrl}. Check that it is running and that the URL is right.`,
      );
    }
    let body: { data?: T; errors?: { message: string; extensions?: { code?: string } }[] } | undefined;
    try {
      body = (await res.json()) as typeof body;
    } catch {
      body = undefined;
    }
    const first = body?.errors?.[0];
    if (res.status === 401 || first?.extensions?.code === 'UNAUTHENTICATED') {
      throw new ApiError(
        'auth',
        'The server refused your token. Create one with "npx ssg token create --workspace NAME" and paste it in Settings.',
        'UNAUTHENTICATED',
      );
    }
    if (first) {
      const code = first.extensions?.code;
      const kind: ErrorKind =
        code === 'CONFLICT'
          ? 'conflict'
          : code === 'NOT_FOUND'
            ? 'not-found'
            : code === 'BAD_USER_INPUT' || code === 'GRAPHQL_VALIDATION_FAILED'
              ? 'input'
              : 'server';
      throw new ApiError(kind, first.message, code);
    }
    if (!res.ok || !body?.data) {
      throw new ApiError('server', `The server answered ${res.status} ${res.statusText || ''}`.trim() + '.');
    }
    return body.data;
  }

  /** Fetches an image (render PNG) with the token; returns its bytes. */
  async image(url: string): Promise<Uint8Array> {
    let res: Response;
    try {
      res = await this.fetchImpl(this.resolve(url), { headers: { authorization: `Bearer ${this.token}` } });
    } catch {
      throw new ApiError('network', `Can't reach the server at ${this.serverUrl} to load an image.`);
    }
    if (res.status === 401)
      throw new ApiError('auth', 'The server refused your token for an image.', 'UNAUTHENTICATED');
    if (!res.ok) throw new ApiError('server', `Loading an image failed (${res.status}).`);
    return new Uint8Array(await res.arrayBuffer());
  }

  async models(): Promise<GenerativeModel[]> {
    return (await this.request<{ models: GenerativeModel[] }>(`query PluginModels { models { ${MODEL} } }`)).models;
  }

  async projects(): Promise<ProjectSummary[]> {
    const d = await this.request<{ projects: Connection<ProjectSummary> }>(
      `query PluginProjects { projects(first: 100) { edges { cursor node { ${PROJECT_SUMMARY} } } pageInfo { hasNextPage endCursor } } }`,
    );
    return nodes(d.projects);
  }

  async createProject(name: string, modelId: string): Promise<ProjectSummary> {
    const d = await this.request<{ createProject: ProjectSummary }>(
      `mutation PluginCreateProject($input: CreateProjectInput!) { createProject(input: $input) { ${PROJECT_SUMMARY} } }`,
      { input: { name, modelId } },
    );
    return d.createProject;
  }

  async project(id: string): Promise<ProjectDetail> {
    const d = await this.request<{
      project: (Omit<ProjectDetail, 'faces'> & { faces: Connection<FaceSummary> }) | null;
    }>(
      `query PluginProject($id: ID!) { project(id: $id) { id name model { ${MODEL} } faces(first: 100) { edges { cursor node { ${FACE_SUMMARY} } } pageInfo { hasNextPage endCursor } } } }`,
      { id },
    );
    if (!d.project) throw new ApiError('not-found', 'That project no longer exists.', 'NOT_FOUND');
    return { ...d.project, faces: nodes(d.project.faces) };
  }

  async face(id: string): Promise<FaceDetail> {
    const d = await this.request<{
      face: (Omit<FaceDetail, 'edits' | 'hasMoreEdits'> & { edits: Connection<EditNode> }) | null;
    }>(
      `query PluginFace($id: ID!) { face(id: $id) { id name project { id } head { ${EDIT_NODE} } edits(first: 50) { edges { cursor node { ${EDIT_NODE} } } pageInfo { hasNextPage endCursor } } } }`,
      { id },
    );
    if (!d.face) throw new ApiError('not-found', 'That face no longer exists.', 'NOT_FOUND');
    return { ...d.face, edits: nodes(d.face.edits), hasMoreEdits: d.face.edits.pageInfo.hasNextPage };
  }

  async createFace(input: { projectId: string; name: string; seed: number; truncation: number }): Promise<EditPayload> {
    const d = await this.request<{ createFace: EditPayload }>(
      `mutation PluginCreateFace($input: CreateFaceInput!) { createFace(input: $input) { ${PAYLOAD} } }`,
      { input },
    );
    return d.createFace;
  }

  async swapComponents(input: {
    targetFaceId: string;
    sourceFaceId: string;
    components: string[];
    part: ComponentPart;
    expectedHeadId?: string;
  }): Promise<EditPayload> {
    const d = await this.request<{ swapComponents: EditPayload }>(
      `mutation PluginSwap($input: SwapComponentsInput!) { swapComponents(input: $input) { ${PAYLOAD} } }`,
      { input },
    );
    return d.swapComponents;
  }

  // undo/redo/revertTo take the documented arguments (faceId / editId); `expectedHeadId` is the
  // server's optional extension that turns a move on a head someone else changed into CONFLICT.
  async undo(faceId: string, expectedHeadId?: string): Promise<FaceSummary> {
    const q = `mutation PluginUndo($faceId: ID!, $expectedHeadId: ID) { undo(faceId: $faceId, expectedHeadId: $expectedHeadId) { ${FACE_SUMMARY} } }`;
    return (await this.request<{ undo: FaceSummary }>(q, { faceId, expectedHeadId })).undo;
  }

  async redo(faceId: string, expectedHeadId?: string): Promise<FaceSummary> {
    const q = `mutation PluginRedo($faceId: ID!, $expectedHeadId: ID) { redo(faceId: $faceId, expectedHeadId: $expectedHeadId) { ${FACE_SUMMARY} } }`;
    return (await this.request<{ redo: FaceSummary }>(q, { faceId, expectedHeadId })).redo;
  }

  async revertTo(editId: string, faceId?: string, expectedHeadId?: string): Promise<FaceSummary> {
    const q = `mutation PluginRevert($editId: ID!, $faceId: ID, $expectedHeadId: ID) { revertTo(editId: $editId, faceId: $faceId, expectedHeadId: $expectedHeadId) { ${FACE_SUMMARY} } }`;
    return (await this.request<{ revertTo: FaceSummary }>(q, { editId, faceId, expectedHeadId })).revertTo;
  }

  async job(id: string): Promise<Job> {
    const d = await this.request<{ job: Job | null }>(`query PluginJob($id: ID!) { job(id: $id) { ${JOB} } }`, { id });
    if (!d.job) throw new ApiError('not-found', 'The render job disappeared from the server.', 'NOT_FOUND');
    return d.job;
  }

  /**
   * Polls a job until it ends. Resolves with its render; rejects with kind "job" when it failed
   * or was cancelled. `onStatus` sees each status change (for the progress display).
   */
  async waitForJob(
    id: string,
    onStatus: (job: Job) => void = () => {},
    opts: { intervalMs?: number; timeoutMs?: number; signal?: { cancelled: boolean } } = {},
  ): Promise<Render> {
    const interval = opts.intervalMs ?? 400;
    const deadline = Date.now() + (opts.timeoutMs ?? 180_000);
    let last: JobStatus | undefined;
    for (;;) {
      const job = await this.job(id);
      if (job.status !== last) onStatus(job);
      last = job.status;
      if (job.status === 'SUCCEEDED') {
        if (!job.render) throw new ApiError('job', 'The render finished without an image.');
        return job.render;
      }
      if (job.status === 'FAILED') throw new ApiError('job', `Rendering failed: ${job.error ?? 'no reason given'}.`);
      if (job.status === 'CANCELLED') throw new ApiError('job', 'The render job was cancelled.');
      if (opts.signal?.cancelled) throw new ApiError('job', 'Stopped waiting for the render.');
      if (Date.now() > deadline) throw new ApiError('job', 'The render is taking too long; try again later.');
      await new Promise((r) => setTimeout(r, interval));
    }
  }

  depthUrl(renderId: string, component: string): string {
    return this.resolve(`/renders/${encodeURIComponent(renderId)}/depth/${encodeURIComponent(component)}.png`);
  }
}
