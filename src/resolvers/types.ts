// GraphQL object, input and enum types (type-graphql). tsx emits no decorator metadata, so every
// field names its type explicitly. Resolvers return the plain records of src/domain/records.ts;
// relations are field resolvers in the resolver classes.
import { GraphQLJSON } from 'graphql-scalars';
import { Field, GraphQLISODateTime, ID, InputType, Int, Float, ObjectType, registerEnumType } from 'type-graphql';
import { ComponentPart } from '../domain/components.ts';
import { EditOperation, JobKind, JobStatus } from '../generated/prisma/enums.ts';

// One source per vocabulary: Prisma's enums (prisma/schema.prisma) and the domain's ComponentPart,
// registered here under their own names.
registerEnumType(ComponentPart, {
  name: 'ComponentPart',
  description: 'Which codes of a component an operation touches: its shape code, its texture code, or both.',
});
registerEnumType(EditOperation, { name: 'EditOperation', description: 'What produced an edit.' });
registerEnumType(JobStatus, { name: 'JobStatus' });
registerEnumType(JobKind, {
  name: 'JobKind',
  description: "RENDER_EDIT renders an edit's latent; RENDER_COMPOSITION is a renderFace (subset of components).",
});
export { GraphQLJSON, GraphQLISODateTime };

// ---------------------------------------------------------------------------------------------
// Models

@ObjectType({ description: 'One semantic class of a model (one local generator).' })
export class ModelComponent {
  @Field(() => Int) index!: number;
  @Field(() => String) name!: string;
  @Field(() => Boolean) transparent!: boolean;
  @Field(() => String, { description: 'Segmentation colour as #rrggbb.' }) color!: string;
  @Field(() => [Int], { description: 'Segmentation colour as [r, g, b], 0-255.' }) rgb!: number[];
}

@ObjectType({ description: 'W+ layout: rows 0..baseLayers-1 coarse, then (shape, texture) per component.' })
export class LatentLayout {
  @Field(() => Int) nLatent!: number;
  @Field(() => Int) dim!: number;
  @Field(() => Int) baseLayers!: number;
  @Field(() => Int) numComponents!: number;
}

@ObjectType({ description: 'A model loaded by the server.' })
export class GenerativeModel {
  @Field(() => ID) id!: string;
  @Field(() => String) name!: string;
  @Field(() => Int) resolution!: number;
  @Field(() => Boolean, { description: 'True for the demo model with random weights.' }) untrained!: boolean;
  @Field(() => [ModelComponent]) components!: ModelComponent[];
  @Field(() => LatentLayout) layout!: LatentLayout;
}

// ---------------------------------------------------------------------------------------------
// Projects, faces, edits, renders, jobs

@ObjectType()
export class Project {
  @Field(() => ID) id!: string;
  @Field(() => String) name!: string;
  @Field(() => GraphQLISODateTime) createdAt!: Date;
}

@ObjectType()
export class Face {
  @Field(() => ID) id!: string;
  @Field(() => String) name!: string;
  @Field(() => Int, { description: 'Number of edits in the whole history tree.' }) editCount!: number;
  @Field(() => GraphQLISODateTime) createdAt!: Date;
  @Field(() => GraphQLISODateTime) updatedAt!: Date;
}

@ObjectType({ description: "One node of a face's history tree." })
export class Edit {
  @Field(() => ID) id!: string;
  @Field(() => Int, { description: "Position in the face's history: 1 for the root, newest = highest." }) seq!: number;
  @Field(() => EditOperation) operation!: EditOperation;
  @Field(() => ID, { nullable: true, description: 'The parent edit id; null for the root.' }) parentId!: string | null;
  @Field(() => GraphQLJSON, {
    description: 'The operation\'s parameters, e.g. {"components": ["hair"], "part": "BOTH"}.',
  })
  params!: unknown;
  @Field(() => GraphQLISODateTime) createdAt!: Date;
}

@ObjectType({ description: "One component's pseudo-depth map of a render." })
export class DepthMap {
  @Field(() => Int) componentIndex!: number;
  @Field(() => String) componentName!: string;
  @Field(() => String) url!: string;
}

@ObjectType({ description: 'Images for one latent under one model (content-addressed, immutable).' })
export class Render {
  @Field(() => ID) id!: string;
  @Field(() => Int) width!: number;
  @Field(() => Int) height!: number;
  @Field(() => GraphQLISODateTime) createdAt!: Date;
}

@ObjectType()
export class InferenceJob {
  @Field(() => ID) id!: string;
  @Field(() => JobKind) kind!: JobKind;
  @Field(() => JobStatus) status!: JobStatus;
  @Field(() => String, { nullable: true }) error!: string | null;
  @Field(() => Int) attempts!: number;
  @Field(() => Int) maxAttempts!: number;
  @Field(() => GraphQLJSON, { description: 'Render options, e.g. {"components": [0, 1, 7]} for renderFace.' })
  options!: unknown;
  @Field(() => GraphQLISODateTime) createdAt!: Date;
  @Field(() => GraphQLISODateTime, { nullable: true }) startedAt!: Date | null;
  @Field(() => GraphQLISODateTime, { nullable: true }) finishedAt!: Date | null;
}

// ---------------------------------------------------------------------------------------------
// Connections (Relay)

@ObjectType()
export class PageInfo {
  @Field(() => Boolean) hasNextPage!: boolean;
  @Field(() => Boolean) hasPreviousPage!: boolean;
  @Field(() => String, { nullable: true }) startCursor!: string | null;
  @Field(() => String, { nullable: true }) endCursor!: string | null;
}

@ObjectType()
export class ProjectEdge {
  @Field(() => String) cursor!: string;
  @Field(() => Project) node!: unknown;
}

@ObjectType()
export class ProjectConnection {
  @Field(() => [ProjectEdge]) edges!: ProjectEdge[];
  @Field(() => PageInfo) pageInfo!: PageInfo;
}

@ObjectType()
export class FaceEdge {
  @Field(() => String) cursor!: string;
  @Field(() => Face) node!: unknown;
}

@ObjectType()
export class FaceConnection {
  @Field(() => [FaceEdge]) edges!: FaceEdge[];
  @Field(() => PageInfo) pageInfo!: PageInfo;
}

@ObjectType()
export class EditEdge {
  @Field(() => String) cursor!: string;
  @Field(() => Edit) node!: unknown;
}

@ObjectType()
export class EditConnection {
  @Field(() => [EditEdge]) edges!: EditEdge[];
  @Field(() => PageInfo) pageInfo!: PageInfo;
  @Field(() => Int, { description: 'All edits of the face (the whole tree).' }) totalCount!: number;
}

@ObjectType({ description: 'What every edit-producing mutation returns.' })
export class EditPayload {
  @Field(() => Face) face!: unknown;
  @Field(() => Edit) edit!: unknown;
  @Field(() => InferenceJob, { description: "The edit's render job (QUEUED)." }) job!: unknown;
}

// ---------------------------------------------------------------------------------------------
// Inputs

@InputType()
export class CreateProjectInput {
  @Field(() => String) name!: string;
  @Field(() => ID, { nullable: true, description: 'Defaults to the demo model.' }) modelId?: string | null;
}

@InputType()
export class CreateFaceInput {
  @Field(() => ID) projectId!: string;
  @Field(() => String) name!: string;
  @Field(() => Int, { nullable: true, description: 'Non-negative; random (and recorded in params) when omitted.' })
  seed?: number | null;
  @Field(() => Float, { nullable: true, description: 'psi in [0, 1.5]; default 0.7.' }) truncation?: number | null;
}

@InputType()
export class ImportFaceInput {
  @Field(() => ID) projectId!: string;
  @Field(() => String) name!: string;
  @Field(() => String, {
    description: 'Base64 of an official-format float32 .npy: a w [1, D] or a W+ [1, n_latent, D] / [n_latent, D].',
  })
  latentBase64!: string;
}

@InputType()
export class SwapComponentsInput {
  @Field(() => ID) targetFaceId!: string;
  @Field(() => ID) sourceFaceId!: string;
  @Field(() => [String], { description: 'Component names of the model, plus "coarse" for the base codes.' })
  components!: string[];
  @Field(() => ComponentPart, { defaultValue: ComponentPart.BOTH }) part!: ComponentPart;
  @Field(() => ID, { nullable: true, description: 'Fail with CONFLICT unless the target head is this edit.' })
  expectedHeadId?: string | null;
}

@InputType()
export class ResampleComponentsInput {
  @Field(() => ID) faceId!: string;
  @Field(() => [String]) components!: string[];
  @Field(() => ComponentPart, { defaultValue: ComponentPart.BOTH }) part!: ComponentPart;
  @Field(() => Int, { nullable: true, description: 'Random (and recorded in params) when omitted.' }) seed?:
    number | null;
  @Field(() => Float, { nullable: true, description: 'psi for the fresh codes, in [0, 1.5]; default 0.7.' })
  truncation?: number | null;
  @Field(() => ID, { nullable: true }) expectedHeadId?: string | null;
}

@InputType()
export class InterpolateComponentsInput {
  @Field(() => ID) faceId!: string;
  @Field(() => ID) otherFaceId!: string;
  @Field(() => [String]) components!: string[];
  @Field(() => ComponentPart, { defaultValue: ComponentPart.BOTH }) part!: ComponentPart;
  @Field(() => Float, { description: '0 = this face, 1 = the other face; in [0, 1].' }) t!: number;
  @Field(() => ID, { nullable: true }) expectedHeadId?: string | null;
}

@InputType()
export class SetTruncationInput {
  @Field(() => ID) faceId!: string;
  @Field(() => Float, { description: 'In [0, 1.5]: w_avg + psi * (w - w_avg).' }) psi!: number;
  @Field(() => ID, { nullable: true }) expectedHeadId?: string | null;
}

@InputType()
export class RenderFaceInput {
  @Field(() => ID) faceId!: string;
  @Field(() => ID, { nullable: true, description: "Defaults to the face's head." }) editId?: string | null;
  @Field(() => [String], { description: 'Components to keep; the others are dropped by the composition mask.' })
  components!: string[];
}
