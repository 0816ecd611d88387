/**
 * What the shaka manager reads off the media element: the buffer ahead of the playhead, and which
 * rung is on screen (for the dropped-frames rule, which charges frames to the rung shown).
 */
import type { Ladder } from '../../core/ladder.js';

/** Buffered time ahead of the playhead, s (0 without an element). */
export function bufferAheadS(media: HTMLMediaElement | null): number {
  if (!media) return 0;
  const { buffered, currentTime } = media;
  for (let i = 0; i < buffered.length; i++) {
    // 0.1 s tolerance: a playhead resting a hair before a range's start still has that range ahead.
    if (buffered.start(i) <= currentTime + 0.1 && currentTime < buffered.end(i)) return buffered.end(i) - currentTime;
  }
  return 0;
}

/** The rung whose size the element shows; the last chosen when several or none match. */
export function playingRung(media: HTMLVideoElement | null, ladder: Ladder, lastRungIndex: number | null): number | null {
  if (!media || !(media.videoHeight > 0)) return lastRungIndex;
  const matching: number[] = [];
  ladder.renditions.forEach((r, rung) => {
    if (r.width === media.videoWidth && r.height === media.videoHeight) matching.push(rung);
  });
  if (matching.length === 0 || (lastRungIndex !== null && matching.includes(lastRungIndex))) return lastRungIndex;
  return matching[0]!;
}
