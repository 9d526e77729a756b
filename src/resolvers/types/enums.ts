// One source per vocabulary: Prisma's enums (prisma/schema.prisma) and the domain's ComponentPart,
// registered with type-graphql under their own names. Import this module before using them in a type.
import { registerEnumType } from 'type-graphql';
import { ComponentPart } from '../../domain/components.ts';
import { RenderQuality } from '../../domain/render-quality.ts';
import { AttributeSource, EditOperation, JobKind, JobStatus } from '../../generated/prisma/enums.ts';

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

export { AttributeSource, ComponentPart, EditOperation, JobKind, JobStatus, RenderQuality };
