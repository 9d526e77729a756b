// Every resolver class of the schema: one file per GraphQL type (queries, mutations and field
// resolvers of that type together), as in type-graphql's examples.
import './types/enums.ts';
import { AttributeResolver } from './attribute-resolver.ts';
import { EditOperationResolver } from './edit-operation-resolver.ts';
import { EditResolver } from './edit-resolver.ts';
import { FaceResolver } from './face-resolver.ts';
import { JobResolver } from './job-resolver.ts';
import { ModelResolver } from './model-resolver.ts';
import { PreviewResolver } from './preview-resolver.ts';
import { NodeResolver } from './node-resolver.ts';
import { ProjectResolver } from './project-resolver.ts';
import { RenderResolver } from './render-resolver.ts';

export const resolvers = [
  NodeResolver,
  ModelResolver,
  AttributeResolver,
  ProjectResolver,
  FaceResolver,
  EditResolver,
  EditOperationResolver,
  PreviewResolver,
  RenderResolver,
  JobResolver,
] as const;
