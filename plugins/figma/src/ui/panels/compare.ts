// Compare: two faces (their current images) or two edits of the target face's history, side by
// side and larger than the thumbnails. "face:<id>" and "edit:<id>" keys name what each side shows.
import { html } from 'lit-html';
import type { Render } from '../api';
import { valueOf } from '../forms';
import { thumb } from '../images';
import { get, set } from '../state';
import { editLabel } from './history';

interface Choice {
  key: string;
  label: string;
  render: Render | null;
}

function choices(): Choice[] {
  const { project, history } = get();
  const faces = (project?.faces ?? []).map((f) => ({
    key: `face:${f.id}`,
    label: `${f.name} (now)`,
    render: f.head.render,
  }));
  const edits = (history?.edits ?? []).map((e) => ({
    key: `edit:${e.id}`,
    label: `${history!.name} · ${editLabel(e)}`,
    render: e.render,
  }));
  return [...faces, ...edits];
}

/** The default sides: the target and the source face. */
function sides(all: Choice[]): [string, string] {
  const { compare, targetId, sourceId } = get();
  const has = (k: string) => all.some((c) => c.key === k);
  const a = has(compare.a) ? compare.a : targetId ? `face:${targetId}` : '';
  const b = has(compare.b) ? compare.b : sourceId ? `face:${sourceId}` : '';
  return [a, b];
}

function side(which: 'a' | 'b', selected: string, all: Choice[]) {
  const choice = all.find((c) => c.key === selected);
  const label = which === 'a' ? 'Left' : 'Right';
  return html`<div class="compare-side">
    <label class="field">
      <span class="label">${label}</span>
      <select
        id=${`compare-${which}`}
        class="input select"
        .value=${selected}
        @change=${(ev: Event) => set({ compare: { ...get().compare, [which]: valueOf(ev) } })}
      >
        ${all.map((c) => html`<option value=${c.key} ?selected=${c.key === selected}>${c.label}</option>`)}
      </select>
    </label>
    <figure class="compare-image" data-key=${selected}>
      ${choice ? thumb(choice.render, choice.label) : html`<span class="hint">Nothing chosen</span>`}
    </figure>
  </div>`;
}

export function compareView() {
  const all = choices();
  const [a, b] = sides(all);
  return html`<p class="hint">Faces, or edits of ${get().history?.name ?? 'the target'}, side by side.</p>
    <div id="compare-view" class="compare">${side('a', a, all)} ${side('b', b, all)}</div>`;
}
