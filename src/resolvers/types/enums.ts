// One source per vocabulary: Prisma's enums (prisma/schema.prisma) and the domain's ComponentPart,
// registered with type-graphql under their own names. Import this module before using them in a type.
import { registerEnumType } from 'type-graphql';
import { ComponentPart } from '../../domain/components.ts';
import { EditOperation, JobKind, JobStatus } from '../../generated/prisma/enums.ts';

registerEnumType(ComponentPart, {
  name: 'ComponentPart',
  description:
    'Which codes of a component an operation touches: its shape code, its texture code, or both. "coarse" (the base codes) has no such split and takes BOTH only (SHAPE or TEXTURE with it: BAD_USER_INPUT).',
});
registerEnumType(EditOperation, { name: 'EditOperation', description: 'What produced an edit.' });
registerEnumType(JobStatus, { name: 'JobStatus' });
registerEnumType(JobKind, {
  name: 'JobKind',
  description: "RENDER_EDIT renders an edit's latent; RENDER_COMPOSITION is a renderFace (subset of components).",
});

export { ComponentPart, EditOperation, JobKind, JobStatus };
