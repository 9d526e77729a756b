// The components and part the tools act on: those ticked under "Swap components" (one choice
// for every tool, so a designer picks "hair, shape" once and swaps, resamples or blends it).
import { html } from 'lit-html';
import type { ComponentPart } from './api';
import { get } from './state';

const PART_WORDS: Record<ComponentPart, string> = { SHAPE: 'shape', TEXTURE: 'texture', BOTH: 'shape and texture' };

export const tickedComponents = (): string[] => [...get().components];

export function tickedSummary(id: string) {
  const names = tickedComponents();
  return html`<p id=${id} class="hint">
    ${
      names.length
        ? html`Acts on <strong>${names.join(', ')}</strong> · ${PART_WORDS[get().part]} (ticked under Swap components).`
        : 'Tick components (and shape, texture or both) under Swap components first.'
    }
  </p>`;
}
