// Component names (from the model's class list, plus "coarse" for the base codes) to indices.
import type { ComponentPart as LatentPart, ModelInfo } from '../inference/types.ts';
import { badInput } from './errors.ts';

export const COARSE = 'coarse';

export interface ComponentSelection {
  components: number[];
  coarse: boolean;
  part: ComponentPart;
}

/**
 * The parts an operation can touch: the values of the runtime's `ComponentPart` type (the
 * `satisfies` keeps the two equal), as the one value the API registers as its enum.
 */
export const ComponentPart = { SHAPE: 'SHAPE', TEXTURE: 'TEXTURE', BOTH: 'BOTH' } as const satisfies {
  [P in LatentPart]: P;
};
export type ComponentPart = (typeof ComponentPart)[keyof typeof ComponentPart];

export const PARTS: readonly ComponentPart[] = Object.values(ComponentPart);

/**
 * Resolves names case-insensitively; unknown names are a BAD_USER_INPUT that names them and
 * lists the valid ones. `allowCoarse` is false where only real components make sense (renderFace).
 */
export function resolveComponents(
  info: ModelInfo,
  names: string[],
  opts: { allowCoarse: boolean; field?: string } = { allowCoarse: true },
): { components: number[]; coarse: boolean; names: string[] } {
  const field = opts.field ?? 'components';
  if (!Array.isArray(names) || names.length === 0) {
    throw badInput(`${field} must list at least one component (${validNames(info, opts.allowCoarse)})`, field);
  }
  const byName = new Map(info.components.map((c) => [c.name.toLowerCase(), c.index]));
  const unknown: string[] = [];
  const indices = new Set<number>();
  let coarse = false;
  for (const raw of names) {
    const name = String(raw).trim().toLowerCase();
    if (opts.allowCoarse && name === COARSE) coarse = true;
    else if (byName.has(name)) indices.add(byName.get(name)!);
    else unknown.push(String(raw));
  }
  if (unknown.length) {
    throw badInput(
      `unknown component${unknown.length > 1 ? 's' : ''} ${unknown.map((n) => JSON.stringify(n)).join(', ')} for model "${info.name}"; valid: ${validNames(info, opts.allowCoarse)}`,
      field,
    );
  }
  const components = [...indices].sort((a, b) => a - b);
  return {
    components,
    coarse,
    names: [...(coarse ? [COARSE] : []), ...components.map((i) => info.components.find((c) => c.index === i)!.name)],
  };
}

function validNames(info: ModelInfo, allowCoarse: boolean): string {
  return [...(allowCoarse ? [COARSE] : []), ...info.components.map((c) => c.name)].join(', ');
}

export function requirePart(part: string): ComponentPart {
  if (!PARTS.includes(part as ComponentPart)) throw badInput(`part must be one of ${PARTS.join(', ')}`, 'part');
  return part as ComponentPart;
}
