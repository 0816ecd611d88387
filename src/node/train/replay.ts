/** Replay memory of the Double DQN trainer, in flat typed arrays. */
import type { Features } from '../../learned/features.js';
import { GLOBAL_FEATURES, RUNG_FEATURES, shieldMask } from '../../learned/features.js';
import { MAX_TRAIN_RUNGS } from './data.js';

/** Replay memory in flat typed arrays: n-step transitions over variable rung counts (masked to MAX_TRAIN_RUNGS). */
export class Replay {
  readonly capacity: number;
  size = 0;
  #next = 0;
  readonly global: Float32Array;
  readonly perRung: Float32Array;
  readonly rungs: Uint8Array;
  readonly action: Uint8Array;
  readonly ret: Float32Array;
  readonly discount: Float32Array;
  readonly nextGlobal: Float32Array;
  readonly nextPerRung: Float32Array;
  readonly nextRungs: Uint8Array;
  readonly mask: Uint32Array;
  readonly nextMask: Uint32Array;

  constructor(capacity: number) {
    this.capacity = capacity;
    this.global = new Float32Array(capacity * GLOBAL_FEATURES);
    this.perRung = new Float32Array(capacity * MAX_TRAIN_RUNGS * RUNG_FEATURES);
    this.rungs = new Uint8Array(capacity);
    this.action = new Uint8Array(capacity);
    this.ret = new Float32Array(capacity);
    this.discount = new Float32Array(capacity);
    this.nextGlobal = new Float32Array(capacity * GLOBAL_FEATURES);
    this.nextPerRung = new Float32Array(capacity * MAX_TRAIN_RUNGS * RUNG_FEATURES);
    this.nextRungs = new Uint8Array(capacity);
    this.mask = new Uint32Array(capacity);
    this.nextMask = new Uint32Array(capacity);
  }

  push(features: Features, action: number, ret: number, discount: number, next: Features | null): void {
    const i = this.#next;
    this.global.set(features.global, i * GLOBAL_FEATURES);
    this.perRung.set(features.perRung, i * MAX_TRAIN_RUNGS * RUNG_FEATURES);
    this.rungs[i] = features.rungCount;
    this.mask[i] = shieldMask(features);
    this.action[i] = action;
    this.ret[i] = ret;
    this.discount[i] = discount;
    if (next) {
      this.nextGlobal.set(next.global, i * GLOBAL_FEATURES);
      this.nextPerRung.set(next.perRung, i * MAX_TRAIN_RUNGS * RUNG_FEATURES);
      this.nextRungs[i] = next.rungCount;
      this.nextMask[i] = shieldMask(next);
    } else {
      this.nextRungs[i] = 0;
    }
    this.#next = (i + 1) % this.capacity;
    this.size = Math.min(this.size + 1, this.capacity);
  }
}
