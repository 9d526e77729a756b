// "More tools": a tab per tool (resample, blend, truncation, parts, compare, file), each its own
// panel module. Arrow keys move between tabs, as in any tab list.
import { html } from 'lit-html';
import { progressView } from '../banner';
import { focus } from '../forms';
import { get, set, type ToolName } from '../state';
import { blendView } from './blend';
import { compareView } from './compare';
import { fileView } from './file';
import { partsView } from './parts';
import { resampleView } from './resample';
import { truncationView } from './truncation';

const TOOLS: [ToolName, string, () => unknown][] = [
  ['resample', 'Resample', resampleView],
  ['blend', 'Blend', blendView],
  ['truncation', 'Truncation', truncationView],
  ['parts', 'Parts', partsView],
  ['compare', 'Compare', compareView],
  ['file', 'File', fileView],
];

function onTabKey(ev: KeyboardEvent): void {
  const step = ev.key === 'ArrowRight' ? 1 : ev.key === 'ArrowLeft' ? -1 : 0;
  if (!step) return;
  ev.preventDefault();
  const i = TOOLS.findIndex(([name]) => name === get().tool);
  const next = TOOLS[(i + step + TOOLS.length) % TOOLS.length][0];
  set({ tool: next });
  focus(`#tool-tab-${next}`);
}

export function toolsView() {
  const { tool } = get();
  return html`<section class="section" aria-labelledby="tools-heading">
    <h2 id="tools-heading" class="section-title">More tools</h2>
    <div class="tabs" role="tablist" aria-labelledby="tools-heading" @keydown=${onTabKey}>
      ${TOOLS.map(
        ([name, label]) =>
          html`<button
            id=${`tool-tab-${name}`}
            class="tab"
            type="button"
            role="tab"
            aria-selected=${String(tool === name)}
            aria-controls=${`tool-${name}`}
            tabindex=${tool === name ? '0' : '-1'}
            @click=${() => set({ tool: name })}
          >
            ${label}
          </button>`,
      )}
    </div>
    ${TOOLS.map(
      ([name, , view]) =>
        html`<div
          id=${`tool-${name}`}
          class="tool"
          role="tabpanel"
          aria-labelledby=${`tool-tab-${name}`}
          ?hidden=${tool !== name}
        >
          ${tool === name ? view() : ''}
        </div>`,
    )}
    ${progressView('tool-progress', tool)}
  </section>`;
}
