// GraphQL over fetch against an ssg-studio server (names and shapes from schema/schema.graphql),
// and render progress over a graphql-ws subscription when a WebSocket connects (polling otherwise).
// Every failure becomes an ApiError whose `kind` says what the designer can do about it.
import {
  GraphQLWsClient,
  WsOperationError,
  WsUnavailable,
  type GraphQLErrorLike,
  type WebSocketFactory,
} from './ws.ts';

import * as ops from './operations.ts';
import type { Operation } from './operations.ts';
import type {
  DepthMap,
  EditNode,
  EditPayload,
  ErrorKind,
  FaceDetail,
  FaceSummary,
  GenerativeModel,
  Job,
  Page,
  ProgressTransport,
  ProjectDetail,
  ProjectSummary,
  Render,
} from './types.ts';
import type * as G from './generated/graphql.ts';

export type * from './types.ts';
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

/**
 * Page sizes. The server allows first ≤ 100 within its query cost limit (test/plugin/api.test.ts
 * checks every operation against it); history and faces pages carry thumbnails, so 50 at a time.
 */
export const PAGE_SIZES = { projects: 100, faces: 50, edits: 50 };

interface Connection<T> {
  edges: { cursor: string; node: T }[];
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
}
const toPage = <T>(c: Connection<T>): Page<T> => ({
  items: c.edges.map((e) => e.node),
  hasNextPage: c.pageInfo.hasNextPage,
  endCursor: c.pageInfo.endCursor ?? c.edges[c.edges.length - 1]?.cursor ?? null,
});

export { JOB_SUBSCRIPTION } from './operations.ts';

const notFound = (message: string) => new ApiError('not-found', message, 'NOT_FOUND');

function toApiError(first: GraphQLErrorLike): ApiError {
  const code = first.extensions?.code;
  if (code === 'UNAUTHENTICATED') {
    return new ApiError(
      'auth',
      'The server refused your token. Create one with "npx ssg token create --workspace NAME" and paste it in Settings.',
      'UNAUTHENTICATED',
    );
  }
  const kind: ErrorKind =
    code === 'CONFLICT'
      ? 'conflict'
      : code === 'NOT_FOUND'
        ? 'not-found'
        : code === 'BAD_USER_INPUT' || code === 'GRAPHQL_VALIDATION_FAILED'
          ? 'input'
          : 'server';
  return new ApiError(kind, first.message, code);
}

/** A job that ended: its render, or the error to show; null while it is still queued or running. */
function settled(job: Job): Render | null {
  if (job.status === 'SUCCEEDED') {
    if (!job.render) throw new ApiError('job', 'The render finished without an image.');
    return job.render;
  }
  if (job.status === 'FAILED') throw new ApiError('job', `Rendering failed: ${job.error ?? 'no reason given'}.`);
  if (job.status === 'CANCELLED') throw new ApiError('job', 'The render job was cancelled.');
  return null;
}

/** ws(s)://…/graphql for an http(s) server URL. */
export function webSocketUrl(serverUrl: string): string {
  return `${serverUrl.replace(/^http/i, 'ws')}/graphql`;
}

export function normalizeServerUrl(input: string): string {
  let s = input.trim();
  if (!/^https?:\/\//i.test(s)) s = `http://${s}`;
  const u = new URL(s);
  return `${u.protocol}//${u.host}${u.pathname.replace(/\/+$/, '').replace(/\/graphql$/, '')}`;
}

export class SsgClient {
  /** Subscriptions (job progress); null when WebSockets are off for this client. */
  readonly ws: GraphQLWsClient | null;
  /** Called after every request the server answered with data: the server is reachable again. */
  onAnswer: () => void = () => {};

  constructor(
    readonly serverUrl: string,
    readonly token: string,
    private readonly fetchImpl: typeof fetch = (...args) => fetch(...args),
    opts: { webSocket?: WebSocketFactory | null; ackTimeoutMs?: number } = {},
  ) {
    this.ws =
      opts.webSocket === null
        ? null
        : new GraphQLWsClient(
            webSocketUrl(serverUrl),
            { authorization: `Bearer ${token}` },
            { webSocket: opts.webSocket, ackTimeoutMs: opts.ackTimeoutMs },
          );
  }

  /** An absolute URL for a server path or URL (render URLs may be relative). */
  resolve(url: string): string {
    return new URL(url, `${this.serverUrl}/`).toString();
  }

  async request<TData, TVariables>(query: Operation<TData, TVariables>, variables: TVariables): Promise<TData> {
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
    let body: { data?: TData; errors?: { message: string; extensions?: { code?: string } }[] } | undefined;
    try {
      body = (await res.json()) as typeof body;
    } catch {
      body = undefined;
    }
    const first = body?.errors?.[0];
    if (res.status === 401) throw toApiError({ message: 'unauthenticated', extensions: { code: 'UNAUTHENTICATED' } });
    if (first) throw toApiError(first);
    if (!res.ok || !body?.data) {
      throw new ApiError('server', `The server answered ${res.status} ${res.statusText || ''}`.trim() + '.');
    }
    this.onAnswer();
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
    return (await this.request(ops.MODELS, {})).models;
  }

  /** Every project of the workspace (all pages). */
  async projects(): Promise<ProjectSummary[]> {
    const all: ProjectSummary[] = [];
    let after: string | null = null;
    // Bounded, in case a server kept answering hasNextPage.
    for (let i = 0; i < 100; i++) {
      const d: G.PluginProjectsQuery = await this.request(ops.PROJECTS, { first: PAGE_SIZES.projects, after });
      const page = toPage(d.projects);
      all.push(...page.items.filter((p) => !all.some((q) => q.id === p.id)));
      if (!page.hasNextPage || !page.endCursor) break;
      after = page.endCursor;
    }
    return all;
  }

  async createProject(name: string, modelId: string): Promise<ProjectSummary> {
    return (await this.request(ops.CREATE_PROJECT, { input: { name, modelId } })).createProject;
  }

  /** A project with the first page of its faces (more with projectFaces). */
  async project(id: string): Promise<ProjectDetail> {
    const d = await this.request(ops.PROJECT, { id, first: PAGE_SIZES.faces });
    if (!d.project) throw notFound('That project no longer exists.');
    const page = toPage(d.project.faces);
    return { ...d.project, faces: page.items, hasMoreFaces: page.hasNextPage, facesCursor: page.endCursor };
  }

  /** The next page of a project's faces, after `after` (a cursor from the previous page). */
  async projectFaces(id: string, after: string | null): Promise<Page<FaceSummary>> {
    const d = await this.request(ops.PROJECT_FACES, { id, first: PAGE_SIZES.faces, after });
    if (!d.project) throw notFound('That project no longer exists.');
    return toPage(d.project.faces);
  }

  /** A face, its head and the first page of its edits (older ones with faceEdits). */
  async face(id: string): Promise<FaceDetail> {
    const d = await this.request(ops.FACE, { id, first: PAGE_SIZES.edits });
    if (!d.face) throw notFound('That face no longer exists.');
    const page = toPage(d.face.edits);
    return { ...d.face, edits: page.items, hasMoreEdits: page.hasNextPage, editsCursor: page.endCursor };
  }

  /** The next (older) page of a face's edits, after `after` (a cursor from the previous page). */
  async faceEdits(id: string, after: string | null): Promise<Page<EditNode>> {
    const d = await this.request(ops.FACE_EDITS, { id, first: PAGE_SIZES.edits, after });
    if (!d.face) throw notFound('That face no longer exists.');
    return toPage(d.face.edits);
  }

  async createFace(input: G.CreateFaceInput): Promise<EditPayload> {
    return (await this.request(ops.CREATE_FACE, { input })).createFace;
  }

  async swapComponents(input: G.SwapComponentsInput): Promise<EditPayload> {
    return (await this.request(ops.SWAP, { input })).swapComponents;
  }

  async resampleComponents(input: G.ResampleComponentsInput): Promise<EditPayload> {
    return (await this.request(ops.RESAMPLE, { input })).resampleComponents;
  }

  async interpolateComponents(input: G.InterpolateComponentsInput): Promise<EditPayload> {
    return (await this.request(ops.INTERPOLATE, { input })).interpolateComponents;
  }

  async setTruncation(input: G.SetTruncationInput): Promise<EditPayload> {
    return (await this.request(ops.TRUNCATE, { input })).setTruncation;
  }

  async importFace(input: G.ImportFaceInput): Promise<EditPayload> {
    return (await this.request(ops.IMPORT_FACE, { input })).importFace;
  }

  /** A PNG or JPEG as a new face: the payload's job inverts it (with progress), then renders it. */
  async importImage(input: G.ImportImageInput): Promise<EditPayload> {
    return (await this.request(ops.IMPORT_IMAGE, { input })).importImage;
  }

  /** A dry run: the image (a data: URL) the edit would make; writes nothing. */
  async previewEdit(input: G.PreviewEditInput): Promise<G.PluginPreviewEditMutation['previewEdit']> {
    return (await this.request(ops.PREVIEW_EDIT, { input })).previewEdit;
  }

  /** The edit's W+ latent as the bytes of an official-format .npy. */
  async editLatent(editId: string): Promise<Uint8Array> {
    const b64 = (await this.request(ops.EDIT_LATENT, { id: editId })).edit.latentNpyBase64;
    return Uint8Array.from(atob(b64), (ch) => ch.charCodeAt(0));
  }

  /** Starts a composition render (only `components` kept); returns its job. */
  async renderFace(input: G.RenderFaceInput): Promise<Job> {
    return (await this.request(ops.RENDER_FACE, { input })).renderFace;
  }

  /** The per-component depth maps of a finished job's render. */
  async renderDepths(jobId: string): Promise<DepthMap[]> {
    const d = await this.request(ops.RENDER_DEPTHS, { id: jobId });
    return d.job?.render?.depthUrls ?? [];
  }

  async editAttribute(input: G.EditAttributeInput): Promise<EditPayload> {
    return (await this.request(ops.EDIT_ATTRIBUTE, { input })).editAttribute;
  }

  // `expectedHeadId`: the server's optional guard, CONFLICT when someone else moved the head.
  async undo(faceId: string, expectedHeadId?: string): Promise<FaceSummary> {
    return (await this.request(ops.UNDO, { faceId, expectedHeadId })).undo;
  }

  async redo(faceId: string, expectedHeadId?: string): Promise<FaceSummary> {
    return (await this.request(ops.REDO, { faceId, expectedHeadId })).redo;
  }

  async revertTo(editId: string, faceId?: string, expectedHeadId?: string): Promise<FaceSummary> {
    return (await this.request(ops.REVERT, { editId, faceId, expectedHeadId })).revertTo;
  }

  async job(id: string): Promise<Job> {
    const d = await this.request(ops.JOB, { id });
    if (!d.job) throw notFound('The render job disappeared from the server.');
    return d.job;
  }

  /**
   * Waits for a job to end: over the `jobUpdated` subscription when the WebSocket connects, else
   * (or when the connection drops) by polling `job(id)`. Resolves with its render; rejects with
   * kind "job" when it failed or was cancelled. `onStatus` sees each status change (for the
   * progress display) and how it arrived.
   */
  async waitForJob(
    id: string,
    onStatus: (job: Job, via: ProgressTransport) => void = () => {},
    opts: { intervalMs?: number; timeoutMs?: number; signal?: { cancelled: boolean } } = {},
  ): Promise<Render> {
    const deadline = Date.now() + (opts.timeoutMs ?? 180_000);
    let last: string | undefined;
    const report = (job: Job, via: ProgressTransport): Render | null => {
      // Progress (image inversions) counts as news too.
      const now = `${job.status}:${job.progress ?? ''}`;
      if (now !== last) onStatus(job, via);
      last = now;
      return settled(job);
    };
    if (this.ws?.available) {
      const render = await this.watchJob(id, report, deadline, opts.signal);
      if (render) return render;
      // No WebSocket, or it dropped before the job ended: poll from the job's current state.
    }
    const interval = opts.intervalMs ?? 400;
    for (;;) {
      const render = report(await this.job(id), 'polling');
      if (render) return render;
      if (opts.signal?.cancelled) throw new ApiError('job', 'Stopped waiting for the render.');
      if (Date.now() > deadline) throw new ApiError('job', 'The render is taking too long; try again later.');
      await new Promise((r) => setTimeout(r, interval));
    }
  }

  /** Follows a job over the subscription; resolves undefined when the WebSocket can't be used. */
  private watchJob(
    id: string,
    report: (job: Job, via: ProgressTransport) => Render | null,
    deadline: number,
    signal: { cancelled: boolean } | undefined,
  ): Promise<Render | undefined> {
    const ws = this.ws!;
    return new Promise<Render | undefined>((resolve, reject) => {
      let done = false;
      let stop = () => {};
      const finish = (settle: () => void) => {
        if (done) return;
        done = true;
        clearInterval(timer);
        stop();
        settle();
      };
      const timer = setInterval(() => {
        if (signal?.cancelled) finish(() => reject(new ApiError('job', 'Stopped waiting for the render.')));
        else if (Date.now() > deadline)
          finish(() => reject(new ApiError('job', 'The render is taking too long; try again later.')));
      }, 250);
      stop = ws.subscribe<G.PluginJobUpdatedSubscription>(
        ops.JOB_SUBSCRIPTION,
        { id },
        {
          next: (result) => {
            if (result.errors?.length) return finish(() => reject(toApiError(result.errors![0])));
            const job = result.data?.jobUpdated;
            if (!job) return;
            try {
              const render = report(job, 'websocket');
              if (render) finish(() => resolve(render));
            } catch (err) {
              finish(() => reject(err));
            }
          },
          error: (err) => {
            if (err instanceof WsUnavailable) finish(() => resolve(undefined));
            else finish(() => reject(toApiError((err as WsOperationError).errors[0] ?? { message: err.message })));
          },
          // Completed without an end state (not expected from this server): poll for the rest.
          complete: () => finish(() => resolve(undefined)),
        },
      );
      if (done) stop();
    });
  }

  depthUrl(renderId: string, component: string): string {
    return this.resolve(`/renders/${encodeURIComponent(renderId)}/depth/${encodeURIComponent(component)}.png`);
  }
}
