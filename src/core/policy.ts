/** The ABR policy contract. */
import type { DecisionContext } from './context.js';
import type { Decision } from './decision.js';

/**
 * An ABR policy: given a read-only context, choose a rung and say why. Policies never hold a
 * player or subscribe to events, so the same object runs in a player, the simulator and tests.
 * A policy may keep state between calls (BOLA's placeholder); `reset` clears it for a new session.
 */
export interface AbrPolicy {
  readonly name: string;
  decide(context: DecisionContext): Decision;
  reset?(): void;
}
