/**
 * A named-state machine with guarded transitions: `table[state][event]` is the
 * next state, and an event with no entry is refused (returns undefined) rather
 * than moving the machine somewhere the RFC figure does not go.
 *
 * Transactions and proxy branches extend it rather than hold one: tens of
 * thousands of them live for 32 s under load, and a machine of their own was
 * one more object each for the collector to mark.
 */
export type TransitionTable<S extends string, E extends string> = { readonly [state in S]: Partial<Readonly<Record<E, S>>> };

export class StateMachine<S extends string, E extends string> {
  constructor(
    private readonly table: TransitionTable<S, E>,
    private current: S,
  ) {}

  get state(): S {
    return this.current;
  }

  /** Where `event` leads from the current state, if it is allowed there. */
  next(event: E): S | undefined {
    return this.table[this.current][event];
  }

  /** Takes the transition; false (state unchanged) when `event` is not allowed in the current state. */
  fire(event: E): boolean {
    const to = this.next(event);
    if (to === undefined) return false;
    this.current = to;
    return true;
  }
}

/** Where `event` leads from `from` in `table`; undefined when the move is illegal. */
export function transition<S extends string, E extends string>(table: TransitionTable<S, E>, from: S, event: E): S | undefined {
  return table[from][event];
}
