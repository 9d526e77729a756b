// Every GraphQL document the plugin sends, as named operations and fragments. Each template is
// marked /* GraphQL */ so codegen (plugins/figma/codegen.ts) reads them from here and writes
// their result types to generated/graphql.ts; at run time `op` appends the fragments an operation
// spreads, so each document is written once.
import type * as G from './generated/graphql.ts';

/** An operation's text, typed with its result and variables (the generated types). */
export type Operation<TData, TVariables> = string & { readonly __types?: [TData, TVariables] };

const FRAGMENTS: Record<string, string> = {};
function fragment(text: string): void {
  FRAGMENTS[/fragment (\w+)/.exec(text)![1]] = text;
}

fragment(/* GraphQL */ `
  fragment PluginRender on Render {
    id
    width
    height
    imageUrl
    segmentationUrl
  }
`);
fragment(/* GraphQL */ `
  fragment PluginJob on InferenceJob {
    id
    status
    error
    attempts
    progress
    render {
      ...PluginRender
    }
  }
`);
fragment(/* GraphQL */ `
  fragment PluginEditSummary on Edit {
    id
    operation
    description
    createdAt
    render {
      ...PluginRender
    }
    job {
      id
      status
      error
    }
  }
`);
fragment(/* GraphQL */ `
  fragment PluginEditNode on Edit {
    ...PluginEditSummary
    params
    isHead
    parent {
      id
    }
    children(first: 0) {
      totalCount
    }
  }
`);
fragment(/* GraphQL */ `
  fragment PluginFaceSummary on Face {
    id
    name
    head {
      ...PluginEditSummary
    }
  }
`);
fragment(/* GraphQL */ `
  fragment PluginModel on GenerativeModel {
    id
    name
    resolution
    untrained
    components {
      index
      name
      transparent
      color
    }
    attributes {
      name
      component
      part
      accuracy
      spread
    }
  }
`);
fragment(/* GraphQL */ `
  fragment PluginProjectSummary on Project {
    id
    name
    model {
      id
      name
    }
  }
`);
fragment(/* GraphQL */ `
  fragment PluginEditPayload on EditPayload {
    face {
      ...PluginFaceSummary
    }
    edit {
      ...PluginEditSummary
    }
    job {
      ...PluginJob
    }
  }
`);
fragment(/* GraphQL */ `
  fragment PluginProjectPage on ProjectConnection {
    edges {
      cursor
      node {
        ...PluginProjectSummary
      }
    }
    pageInfo {
      hasNextPage
      endCursor
    }
  }
`);
fragment(/* GraphQL */ `
  fragment PluginFacePage on FaceConnection {
    edges {
      cursor
      node {
        ...PluginFaceSummary
      }
    }
    pageInfo {
      hasNextPage
      endCursor
    }
  }
`);
fragment(/* GraphQL */ `
  fragment PluginEditPage on EditConnection {
    edges {
      cursor
      node {
        ...PluginEditNode
      }
    }
    pageInfo {
      hasNextPage
      endCursor
    }
  }
`);

/** The operation with the fragments it spreads (transitively), whitespace collapsed. */
function op<TData, TVariables>(text: string): Operation<TData, TVariables> {
  const used = new Set<string>();
  const visit = (t: string) => {
    for (const [, name] of t.matchAll(/\.\.\.(\w+)/g)) {
      if (used.has(name)) continue;
      if (!FRAGMENTS[name]) throw new Error(`unknown fragment ${name}`);
      used.add(name);
      visit(FRAGMENTS[name]);
    }
  };
  visit(text);
  return [text, ...[...used].map((n) => FRAGMENTS[n])].join(' ').replace(/\s+/g, ' ').trim();
}

export const MODELS = op<G.PluginModelsQuery, G.PluginModelsQueryVariables>(/* GraphQL */ `
  query PluginModels {
    models {
      ...PluginModel
    }
  }
`);

export const PROJECTS = op<G.PluginProjectsQuery, G.PluginProjectsQueryVariables>(/* GraphQL */ `
  query PluginProjects($first: Int!, $after: String) {
    projects(first: $first, after: $after) {
      ...PluginProjectPage
    }
  }
`);

export const CREATE_PROJECT = op<G.PluginCreateProjectMutation, G.PluginCreateProjectMutationVariables>(/* GraphQL */ `
  mutation PluginCreateProject($input: CreateProjectInput!) {
    createProject(input: $input) {
      ...PluginProjectSummary
    }
  }
`);

export const PROJECT = op<G.PluginProjectQuery, G.PluginProjectQueryVariables>(/* GraphQL */ `
  query PluginProject($id: ID!, $first: Int!) {
    project(id: $id) {
      id
      name
      model {
        ...PluginModel
      }
      faces(first: $first) {
        ...PluginFacePage
      }
    }
  }
`);

export const PROJECT_FACES = op<G.PluginProjectFacesQuery, G.PluginProjectFacesQueryVariables>(/* GraphQL */ `
  query PluginProjectFaces($id: ID!, $first: Int!, $after: String) {
    project(id: $id) {
      id
      faces(first: $first, after: $after) {
        ...PluginFacePage
      }
    }
  }
`);

export const FACE = op<G.PluginFaceQuery, G.PluginFaceQueryVariables>(/* GraphQL */ `
  query PluginFace($id: ID!, $first: Int!) {
    face(id: $id) {
      id
      name
      canUndo
      canRedo
      project {
        id
      }
      head {
        ...PluginEditNode
      }
      edits(first: $first) {
        ...PluginEditPage
      }
    }
  }
`);

export const FACE_EDITS = op<G.PluginFaceEditsQuery, G.PluginFaceEditsQueryVariables>(/* GraphQL */ `
  query PluginFaceEdits($id: ID!, $first: Int!, $after: String) {
    face(id: $id) {
      id
      edits(first: $first, after: $after) {
        ...PluginEditPage
      }
    }
  }
`);

export const CREATE_FACE = op<G.PluginCreateFaceMutation, G.PluginCreateFaceMutationVariables>(/* GraphQL */ `
  mutation PluginCreateFace($input: CreateFaceInput!) {
    createFace(input: $input) {
      ...PluginEditPayload
    }
  }
`);

export const SWAP = op<G.PluginSwapMutation, G.PluginSwapMutationVariables>(/* GraphQL */ `
  mutation PluginSwap($input: SwapComponentsInput!) {
    swapComponents(input: $input) {
      ...PluginEditPayload
    }
  }
`);

export const EDIT_ATTRIBUTE = op<G.PluginEditAttributeMutation, G.PluginEditAttributeMutationVariables>(/* GraphQL */ `
  mutation PluginEditAttribute($input: EditAttributeInput!) {
    editAttribute(input: $input) {
      ...PluginEditPayload
    }
  }
`);

// undo/redo/revertTo take the documented arguments (faceId / editId); `expectedHeadId` is the
// server's optional extension that turns a move on a head someone else changed into CONFLICT.
export const UNDO = op<G.PluginUndoMutation, G.PluginUndoMutationVariables>(/* GraphQL */ `
  mutation PluginUndo($faceId: ID!, $expectedHeadId: ID) {
    undo(faceId: $faceId, expectedHeadId: $expectedHeadId) {
      ...PluginFaceSummary
    }
  }
`);

export const REDO = op<G.PluginRedoMutation, G.PluginRedoMutationVariables>(/* GraphQL */ `
  mutation PluginRedo($faceId: ID!, $expectedHeadId: ID) {
    redo(faceId: $faceId, expectedHeadId: $expectedHeadId) {
      ...PluginFaceSummary
    }
  }
`);

export const REVERT = op<G.PluginRevertMutation, G.PluginRevertMutationVariables>(/* GraphQL */ `
  mutation PluginRevert($editId: ID!, $faceId: ID, $expectedHeadId: ID) {
    revertTo(editId: $editId, faceId: $faceId, expectedHeadId: $expectedHeadId) {
      ...PluginFaceSummary
    }
  }
`);

export const JOB = op<G.PluginJobQuery, G.PluginJobQueryVariables>(/* GraphQL */ `
  query PluginJob($id: ID!) {
    job(id: $id) {
      ...PluginJob
    }
  }
`);

/** The subscription behind progress: the job now, then at every change, until it ends. */
export const JOB_SUBSCRIPTION = op<G.PluginJobUpdatedSubscription, G.PluginJobUpdatedSubscriptionVariables>(
  /* GraphQL */ `
    subscription PluginJobUpdated($id: ID!) {
      jobUpdated(id: $id) {
        ...PluginJob
      }
    }
  `,
);

export const RESAMPLE = op<G.PluginResampleMutation, G.PluginResampleMutationVariables>(/* GraphQL */ `
  mutation PluginResample($input: ResampleComponentsInput!) {
    resampleComponents(input: $input) {
      ...PluginEditPayload
    }
  }
`);

export const INTERPOLATE = op<G.PluginInterpolateMutation, G.PluginInterpolateMutationVariables>(/* GraphQL */ `
  mutation PluginInterpolate($input: InterpolateComponentsInput!) {
    interpolateComponents(input: $input) {
      ...PluginEditPayload
    }
  }
`);

export const TRUNCATE = op<G.PluginTruncateMutation, G.PluginTruncateMutationVariables>(/* GraphQL */ `
  mutation PluginTruncate($input: SetTruncationInput!) {
    setTruncation(input: $input) {
      ...PluginEditPayload
    }
  }
`);

export const IMPORT_FACE = op<G.PluginImportFaceMutation, G.PluginImportFaceMutationVariables>(/* GraphQL */ `
  mutation PluginImportFace($input: ImportFaceInput!) {
    importFace(input: $input) {
      ...PluginEditPayload
    }
  }
`);

export const IMPORT_IMAGE = op<G.PluginImportImageMutation, G.PluginImportImageMutationVariables>(/* GraphQL */ `
  mutation PluginImportImage($input: ImportImageInput!) {
    importImage(input: $input) {
      ...PluginEditPayload
    }
  }
`);

/** The latent of one edit, as the official .npy (base64); fetched only when exporting. */
export const EDIT_LATENT = op<G.PluginEditLatentQuery, G.PluginEditLatentQueryVariables>(/* GraphQL */ `
  query PluginEditLatent($id: ID!) {
    edit(id: $id) {
      id
      latentNpyBase64
    }
  }
`);

/** A composition (the face with only some components kept), with its per-component depth maps. */
export const RENDER_FACE = op<G.PluginRenderFaceMutation, G.PluginRenderFaceMutationVariables>(/* GraphQL */ `
  mutation PluginRenderFace($input: RenderFaceInput!) {
    renderFace(input: $input) {
      ...PluginJob
    }
  }
`);

export const RENDER_DEPTHS = op<G.PluginRenderDepthsQuery, G.PluginRenderDepthsQueryVariables>(/* GraphQL */ `
  query PluginRenderDepths($id: ID!) {
    job(id: $id) {
      id
      render {
        id
        depthUrls {
          componentIndex
          componentName
          url
        }
      }
    }
  }
`);

/** A dry run of one edit (no Edit row, no job): the would-be image as a data: URL and its words. */
export const PREVIEW_EDIT = op<G.PluginPreviewEditMutation, G.PluginPreviewEditMutationVariables>(/* GraphQL */ `
  mutation PluginPreviewEdit($input: PreviewEditInput!) {
    previewEdit(input: $input) {
      imageUrl
      width
      height
      quality
      operation
      description
    }
  }
`);
