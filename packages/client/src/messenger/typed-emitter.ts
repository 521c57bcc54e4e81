/**
 * A tiny isomorphic event emitter (no node:events in the core). A listener that throws never
 * breaks the messenger: the error is reported to `onListenerError` and swallowed.
 */
export type Listener<T> = (payload: T) => void;

export class TypedEmitter<M extends { [K in keyof M]: unknown }> {
  private readonly listeners = new Map<keyof M, Set<Listener<never>>>();

  constructor(private readonly onListenerError: (err: unknown) => void = () => undefined) {}

  /** Subscribes; returns an unsubscribe function. */
  on<K extends keyof M>(event: K, listener: Listener<M[K]>): () => void {
    let set = this.listeners.get(event);
    if (!set) this.listeners.set(event, (set = new Set()));
    set.add(listener);
    return () => this.off(event, listener);
  }

  off<K extends keyof M>(event: K, listener: Listener<M[K]>): void {
    this.listeners.get(event)?.delete(listener);
  }

  emit<K extends keyof M>(event: K, payload: M[K]): void {
    for (const l of [...(this.listeners.get(event) ?? [])]) {
      try {
        (l as Listener<M[K]>)(payload);
      } catch (e) {
        this.onListenerError(e);
      }
    }
  }

  removeAll(): void {
    this.listeners.clear();
  }
}
