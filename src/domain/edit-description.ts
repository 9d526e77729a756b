// An edit in words, from its operation and params (and the other face's name where it has one):
// "eyes and mouth texture from Grace", "hair resampled, seed 812", "blend 0.3 toward Ada: hair
// shape", "truncation 0.5", "sampled, seed 1", "imported". Edit.description and
// EditPreview.description both come from here.

/** Params as stored on an edit (JSON); unknown or missing keys are skipped, never thrown on. */
type Params = Record<string, unknown>;

/** "hair", "eyes and mouth", "eyes, nose and mouth". */
function listWords(names: string[]): string {
  if (names.length <= 1) return names[0] ?? 'nothing';
  return `${names.slice(0, -1).join(', ')} and ${names[names.length - 1]}`;
}

/** The components and, unless BOTH, the part: "eyes and mouth texture". */
function componentWords(p: Params): string {
  const names = Array.isArray(p.components) ? p.components.map(String) : [];
  const part = p.part === 'SHAPE' ? ' shape' : p.part === 'TEXTURE' ? ' texture' : '';
  return `${listWords(names)}${part}`;
}

/** A number as a person writes it: 0.3, 0.5, 812, 702965380 (integers exact, no float noise such as 0.30000001). */
function num(v: unknown): string {
  const n = Number(v);
  if (!Number.isFinite(n)) return String(v);
  return Number.isInteger(n) ? String(n) : String(Number(n.toPrecision(6)));
}

/** The face ids an edit's description names (the swap source, the blend partner). */
export function namedFaceId(params: unknown): string | undefined {
  const p = (params ?? {}) as Params;
  const id = p.sourceFaceId ?? p.otherFaceId;
  return typeof id === 'string' ? id : undefined;
}

/**
 * The description of an edit. `otherFaceName` is the name of the face `namedFaceId(params)` names;
 * undefined (e.g. it was deleted or is out of reach) reads "another face".
 */
export function describeEdit(operation: string, params: unknown, otherFaceName?: string): string {
  const p = (params ?? {}) as Params;
  const other = otherFaceName ?? 'another face';
  switch (operation) {
    case 'SAMPLE':
      return p.seed === undefined ? 'sampled' : `sampled, seed ${num(p.seed)}`;
    case 'IMPORT':
      return 'imported';
    case 'SWAP':
      return `${componentWords(p)} from ${other}`;
    case 'RESAMPLE':
      return p.seed === undefined
        ? `${componentWords(p)} resampled`
        : `${componentWords(p)} resampled, seed ${num(p.seed)}`;
    case 'INTERPOLATE':
      return `blend ${num(p.t)} toward ${other}: ${componentWords(p)}`;
    case 'TRUNCATE':
      return `truncation ${num(p.psi)}`;
    case 'ATTRIBUTE': {
      if (p.attribute === undefined) return 'attribute';
      // In spreads where the edit stored them (the plugin's slider unit: "+3", not the W distance
      // 2.94897 it became), else the W distance of older edits.
      const moved = typeof p.spreads === 'number' ? Number(p.spreads.toPrecision(4)) : Number(p.amount);
      return `${String(p.attribute)} ${moved >= 0 ? '+' : ''}${num(moved)}`;
    }
    case 'INVERT': {
      const size = p.width !== undefined && p.height !== undefined ? ` (${num(p.width)} x ${num(p.height)})` : '';
      return `found from an image${size}`;
    }
    default:
      // An operation this module does not know yet is named by its enum value.
      return operation.toLowerCase();
  }
}
