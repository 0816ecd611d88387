/**
 * A/B experiments in the browser: `createExperiment` assigns a viewer to an arm deterministically
 * from a random local id (kept in localStorage, so a reload lands in the same arm), by weights, under
 * a salt (a new salt reshuffles everyone, so one experiment's assignment never leaks into the next).
 * The result names the arm's policy for the adapter (`'default'`: the player's own ABR) and the stamp
 * `createTelemetry({ experiment })` puts on every event. No personal data: the id is random and local.
 */
import { invalidOptions } from '../core/errors.js';
import { MAX_ARM_NAME_LENGTH, type ExperimentStamp } from './schema.js';
import { defaultIdSource } from './env.js';

/** The arm value meaning "the player's own ABR" (still recorded, as the control usually is). */
export const PLAYER_DEFAULT_POLICY = 'default';
/** The localStorage key of the viewer id (one id for all experiments; the salt separates them). */
export const VIEWER_ID_STORAGE_KEY = 'abrkit-viewer-id';

/** The part of the Web Storage API the experiment uses (`localStorage` satisfies it). */
export interface IdStorage {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
}

export interface ExperimentOptions {
  /** Experiment name, stamped on every event as `exp`. */
  readonly name: string;
  /** Arm name -> policy name for the adapter (`'default'` = the player's own ABR), in a fixed order. */
  readonly arms: Readonly<Record<string, string>>;
  /** Arm name -> relative weight (>= 0); default: equal. Arms left out weigh 0. */
  readonly weights?: Readonly<Record<string, number>>;
  /** Hash salt; default: the name. Change it to reshuffle viewers between experiments. */
  readonly salt?: string;
  /** Use this id instead of the stored one (an app's own random viewer or session id). */
  readonly id?: string;
  /** Where the viewer id is kept; default `globalThis.localStorage` when usable; `null`: not kept (one id per page load). */
  readonly storage?: IdStorage | null;
  /** New ids; default `crypto.randomUUID()`. */
  readonly idSource?: () => string;
}

export interface Experiment {
  readonly name: string;
  readonly arm: string;
  /** The arm's policy name, as given in `arms`. */
  readonly policy: string;
  /** True when the arm runs the player's own ABR (`'default'`): attach no abrkit controller, still record telemetry. */
  readonly usesPlayerAbr: boolean;
  readonly viewerId: string;
  /** False when the id could not be kept (no storage, or storage refused it): the next page load may get another arm. */
  readonly idPersisted: boolean;
  /** The viewer's position in [0, 1) under this salt. */
  readonly bucket: number;
  /** Pass as `createTelemetry({ experiment: stamp })`. */
  readonly stamp: ExperimentStamp;
}

const NAME_PATTERN = /^[A-Za-z0-9._:+-]+$/;

/**
 * Assigns this viewer to an arm. The same id, arms, weights and salt always give the same arm; the
 * id comes from `options.id`, else the storage (created there on first use).
 */
export function createExperiment(options: ExperimentOptions): Experiment {
  checkName(options.name, 'name');
  const salt = options.salt ?? options.name;
  if (typeof salt !== 'string' || salt.length === 0) throw invalidOptions('experiment', 'salt must be a non-empty string');
  const storage = options.storage === undefined ? browserStorage() : options.storage;
  const { id, persisted } = options.id !== undefined ? { id: options.id, persisted: true } : viewerId(storage, options.idSource ?? defaultIdSource);
  if (typeof id !== 'string' || id.length === 0) throw invalidOptions('experiment', 'id must be a non-empty string');
  const bucket = hashToUnit(`${salt}\u0000${id}`);
  const arm = armAt(bucket, options.arms, options.weights);
  const policy = options.arms[arm]!;
  return Object.freeze({
    name: options.name,
    arm,
    policy,
    usesPlayerAbr: policy === PLAYER_DEFAULT_POLICY,
    viewerId: id,
    idPersisted: persisted,
    bucket,
    stamp: Object.freeze({ exp: options.name, arm }),
  });
}

/** The arm that owns `bucket` (in [0, 1)) when the arms split [0, 1) by weight, in their order. */
export function armAt(bucket: number, arms: Readonly<Record<string, string>>, weights?: Readonly<Record<string, number>>): string {
  const names = Object.keys(arms);
  if (names.length === 0) throw invalidOptions('experiment', 'arms must name at least one arm');
  for (const name of names) {
    checkName(name, `arm '${name}'`);
    if (typeof arms[name] !== 'string' || arms[name]!.length === 0) throw invalidOptions('experiment', `arm '${name}' needs a policy name ('${PLAYER_DEFAULT_POLICY}' for the player's own ABR)`);
  }
  for (const name of Object.keys(weights ?? {})) if (!(name in arms)) throw invalidOptions('experiment', `weights name an unknown arm '${name}'`);
  const w = names.map((name) => (weights ? (weights[name] ?? 0) : 1));
  if (!w.every((x) => Number.isFinite(x) && x >= 0)) throw invalidOptions('experiment', 'weights must be finite and >= 0');
  const total = w.reduce((s, x) => s + x, 0);
  if (!(total > 0)) throw invalidOptions('experiment', 'at least one arm needs a weight > 0');
  let cumulative = 0;
  for (let i = 0; i < names.length; i++) {
    cumulative += w[i]! / total;
    if (bucket < cumulative && w[i]! > 0) return names[i]!;
  }
  // Rounding left the last sliver of [0, 1) unowned: it belongs to the last arm with weight.
  let last = names.length - 1;
  while (w[last] === 0) last--;
  return names[last]!;
}

/**
 * A string's position in [0, 1): 32-bit FNV-1a over its UTF-16 code units, then MurmurHash3's
 * finaliser (FNV alone mixes its last characters poorly into the high bits).
 */
export function hashToUnit(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return (h >>> 0) / 4294967296;
}

function viewerId(storage: IdStorage | null, idSource: () => string): { id: string; persisted: boolean } {
  if (storage) {
    try {
      const stored = storage.getItem(VIEWER_ID_STORAGE_KEY);
      if (stored) return { id: stored, persisted: true };
      const id = idSource();
      storage.setItem(VIEWER_ID_STORAGE_KEY, id);
      return { id, persisted: storage.getItem(VIEWER_ID_STORAGE_KEY) === id };
    } catch {
      // Storage refused (private mode, quota, a sandboxed frame): this page load gets a fresh id.
    }
  }
  return { id: idSource(), persisted: false };
}

function browserStorage(): IdStorage | null {
  try {
    return (globalThis as { localStorage?: IdStorage }).localStorage ?? null;
  } catch {
    // Reading localStorage throws in sandboxed frames.
    return null;
  }
}

function checkName(name: unknown, what: string): void {
  if (typeof name !== 'string' || name.length === 0 || name.length > MAX_ARM_NAME_LENGTH || !NAME_PATTERN.test(name)) {
    throw invalidOptions('experiment', `${what} must be 1-${MAX_ARM_NAME_LENGTH} characters of A-Z a-z 0-9 . _ : + -`);
  }
}
