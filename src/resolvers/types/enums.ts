// One source per vocabulary: Prisma's enums (prisma/schema.prisma) and the domain's ComponentPart,
// registered with type-graphql under their own names. Import this module before using them in a type.
import { registerEnumType } from 'type-graphql';
import { ComponentPart } from '../../domain/components.ts';
import { RenderQuality } from '../../domain/render-quality.ts';
import { AttributeSource, EditOperation, FaceStatus, JobKind, JobStatus } from '../../generated/prisma/enums.ts';

registerEnumType(ComponentPart, {
  name: 'ComponentPart',
  description:
    'Which codes of a component an operation touches: its shape code, its texture code, or both. "coarse" (the base codes) has no such split and takes BOTH only (SHAPE or TEXTURE with it: BAD_USER_INPUT).',
});
registerEnumType(EditOperation, { name: 'EditOperation', description: 'What produced an edit.' });
registerEnumType(JobStatus, { name: 'JobStatus' });
registerEnumType(FaceStatus, {
  name: 'FaceStatus',
  description: 'INVERTING while an imported image is being inverted (no edits yet); FAILED if that job failed.',
});
registerEnumType(JobKind, {
  name: 'JobKind',
  description:
    "RENDER_EDIT renders an edit's latent; RENDER_COMPOSITION is a renderFace (subset of components); " +
    'INVERT_IMAGE finds the latent of an imported image, then renders it.',
});

registerEnumType(AttributeSource, {
  name: 'AttributeSource',
  description:
    "How an attribute direction was made: LEARNED from the model's renders, from EXAMPLES a designer marked, or IMPORTED from an .npy.",
});

registerEnumType(RenderQuality, {
  name: 'RenderQuality',
  description:
    "FULL: the model's full render. PREVIEW: the render net stopped at a lower level (its own to-RGB and to-seg " +
    'outputs there): smaller and far cheaper, close to the full render downsized but not a faithful copy of it. ' +
    "Never stored as an edit's render.",
});

export { AttributeSource, ComponentPart, EditOperation, FaceStatus, JobKind, JobStatus, RenderQuality };
