/**
 * BBA-0 (Huang et al. SIGCOMM'14): the rung follows the buffer level between a reservoir and a
 * cushion.
 */
import type { AbrPolicy } from '../core/policy.js';
import type { DecisionContext } from '../core/context.js';
import type { Decision } from '../core/decision.js';
import { highestRungAtMost } from '../core/ladder.js';
import { invalidOptions } from '../core/errors.js';

export interface BbaOptions {
  /** Below this buffer, always the lowest rung (Huang et al. SIGCOMM'14; Pensieve: 5 s). */
  readonly reservoirS: number;
  /** Buffer span over which the rung rises from lowest to highest (Pensieve: 10 s). */
  readonly cushionS: number;
  /**
   * How the cushion maps to rungs. `index`: rung = floor((rungs - 1) * (buffer - reservoir) / cushion),
   * as in Pensieve's baseline. `bitrate`: BBA-0's linear map to bitrate, then the highest rung at most that.
   */
  readonly mapping: 'index' | 'bitrate';
}

export const BBA_DEFAULTS: BbaOptions = Object.freeze({ reservoirS: 5, cushionS: 10, mapping: 'index' });

/** Buffer-based (BBA-0): the rung is a function of the buffer alone. */
export function createBbaPolicy(options: Partial<BbaOptions> = {}): AbrPolicy {
  const { reservoirS, cushionS, mapping } = { ...BBA_DEFAULTS, ...options };
  if (!(reservoirS >= 0) || !(cushionS > 0)) throw invalidOptions('bba', 'reservoirS must be >= 0 and cushionS > 0');
  if (mapping !== 'index' && mapping !== 'bitrate') throw invalidOptions('bba', `unknown mapping '${String(mapping)}'`);
  return {
    name: 'bba',
    decide(context: DecisionContext): Decision {
      const { bufferS, ladder, minRungIndex, maxRungIndex } = context;
      if (bufferS < reservoirS) {
        return { rungIndex: minRungIndex, reason: { kind: 'buffer', bufferS, zone: 'reservoir' } };
      }
      if (bufferS >= reservoirS + cushionS) {
        return { rungIndex: maxRungIndex, reason: { kind: 'buffer', bufferS, zone: 'upper' } };
      }
      let rung: number;
      if (mapping === 'index') {
        // Same operation order as Pensieve's bb.py, so rung boundaries fall on the same buffers.
        rung = Math.floor(((ladder.renditions.length - 1) * (bufferS - reservoirS)) / cushionS);
      } else {
        const lowBps = ladder.renditions[minRungIndex].bitrateBps;
        const highBps = ladder.renditions[maxRungIndex].bitrateBps;
        const targetBps = lowBps + ((highBps - lowBps) * (bufferS - reservoirS)) / cushionS;
        rung = highestRungAtMost(ladder, targetBps, minRungIndex, maxRungIndex);
      }
      return {
        rungIndex: Math.min(maxRungIndex, Math.max(minRungIndex, rung)),
        reason: { kind: 'buffer', bufferS, zone: 'cushion' },
      };
    },
  };
}
