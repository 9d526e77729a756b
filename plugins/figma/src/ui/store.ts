// A minimal state store: one immutable state object, replaced by `set`, and listeners that
// re-render from it. lit-html makes a full re-render cheap (it only touches what changed).

export interface Store<S> {
  get(): S;
  /** Merges a patch (or what a function of the current state returns) and notifies listeners. */
  set(patch: Partial<S> | ((s: S) => Partial<S>)): void;
  subscribe(listener: () => void): () => void;
}

export function createStore<S extends object>(initial: S): Store<S> {
  let state = initial;
  const listeners = new Set<() => void>();
  return {
    get: () => state,
    set(patch) {
      state = { ...state, ...(typeof patch === 'function' ? patch(state) : patch) };
      for (const listener of listeners) listener();
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}
