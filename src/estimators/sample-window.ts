/** The sliding window of accepted samples that the window estimators share. */
import type { DownloadSample, SampleFilterOptions, SampleVerdict } from '../core/sample.js';
import { checkSample, DEFAULT_SAMPLE_FILTER, sampleThroughputBps } from '../core/sample.js';
import { invalidOptions } from '../core/errors.js';

/** The last `size` accepted samples' throughputs (bit/s), oldest first. Shared by window estimators. */
export class ThroughputWindow {
  readonly #size: number;
  readonly #filter: SampleFilterOptions;
  #throughputsBps: number[] = [];

  constructor(component: string, size: number, filter: SampleFilterOptions = DEFAULT_SAMPLE_FILTER) {
    if (!Number.isInteger(size) || size < 1) throw invalidOptions(component, `windowSize must be an integer >= 1, got ${size}`);
    this.#size = size;
    this.#filter = filter;
  }

  add(sample: DownloadSample): SampleVerdict {
    const verdict = checkSample(sample, this.#filter);
    if (!verdict.accepted) return verdict;
    this.#throughputsBps.push(sampleThroughputBps(sample));
    if (this.#throughputsBps.length > this.#size) this.#throughputsBps.shift();
    return verdict;
  }

  get values(): readonly number[] {
    return this.#throughputsBps;
  }

  clear(): void {
    this.#throughputsBps = [];
  }
}
