// Live updates that cross processes and machines (PostgreSQL LISTEN/NOTIFY underneath).
// Shaped like type-graphql's PubSub so it can be passed to buildSchema({ pubSub }).

export const Topics = {
  /** payload: JobEvent; dynamic id: the job id */
  JOB_UPDATED: 'JOB_UPDATED',
  /** payload: FaceEvent; dynamic id: the face id */
  FACE_UPDATED: 'FACE_UPDATED',
} as const;

export interface JobEvent {
  jobId: string;
  faceId: string;
  editId: string;
  status: 'QUEUED' | 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'CANCELLED';
}

export interface FaceEvent {
  faceId: string;
  /** Why the face changed: a new edit, a head move, a render arriving. */
  reason: 'EDIT' | 'HEAD_MOVED' | 'RENDER';
}

export interface PubSub {
  publish(routingKey: string, ...args: unknown[]): void;
  subscribe(routingKey: string, dynamicId?: unknown): AsyncIterable<unknown>;
}
