// A loaded model's info as the GenerativeModel GraphQL type.
import { notFound } from '../domain/errors.ts';
import { modelInfo } from '../domain/queries.ts';
import type { ModelInfo } from '../inference/types.ts';
import type { GqlContext } from './context.ts';
import type { GenerativeModel } from './types/generative-model.ts';

export function modelView(info: ModelInfo): GenerativeModel {
  return {
    id: info.id,
    name: info.name,
    resolution: info.resolution,
    untrained: info.untrained,
    layout: info.layout,
    components: info.components.map((c) => ({
      index: c.index,
      name: c.name,
      transparent: c.transparent,
      rgb: [...c.color],
      color: '#' + c.color.map((v) => v.toString(16).padStart(2, '0')).join(''),
    })),
  };
}

/** A project's model: loaded here, or (served by another process) described from its recorded manifest. */
export async function modelById(ctx: GqlContext, modelId: string): Promise<GenerativeModel> {
  const info = modelInfo(ctx.app, modelId);
  if (info) return modelView(info);
  const row = await ctx.app.prisma.generativeModel.findUnique({ where: { id: modelId } });
  if (!row) throw notFound('model', modelId);
  return modelView(row.manifest as unknown as ModelInfo);
}
