// Figma's UI iframe may be sandboxed without "allow-forms", where a form never submits (not even
// the submit event fires): forms here have plain buttons, and Enter in a field presses the
// form's default button.
export function preventSubmit(ev: Event): void {
  ev.preventDefault();
}

export function enterPressesDefault(ev: KeyboardEvent): void {
  const t = ev.target as HTMLElement;
  if (ev.key === 'Enter' && t.tagName === 'INPUT' && !ev.isComposing) {
    ev.preventDefault();
    (ev.currentTarget as HTMLFormElement).querySelector<HTMLButtonElement>('button[data-default]')?.click();
  }
}

/** The value of the input an event came from. */
export const valueOf = (ev: Event): string => (ev.target as HTMLInputElement).value;
export const checkedOf = (ev: Event): boolean => (ev.target as HTMLInputElement).checked;

/** Focuses an element of the rendered UI (renders are synchronous, so it is there). */
export function focus(selector: string): void {
  document.querySelector<HTMLElement>(selector)?.focus();
}
