/**
 * CMCD on shaka's segment requests: a request filter on the player's networking engine adds the
 * CMCD v2 keys from abrkit's state to each segment URL (shaka's own `cmcd` config reports what its
 * player believes; leave it off when this is on).
 */
import type shaka from 'shaka-player';
import { appendCmcdQuery, encodeCmcdRequest, pageHidden, relativePath, type CmcdObjectType, type CmcdOptions, type CmcdRequestState } from '../cmcd.js';

/** shaka's `NetworkingEngine.RequestType.SEGMENT` and `AdvancedRequestType.INIT_SEGMENT`. */
const SEGMENT_REQUEST_TYPE = 1;
const INIT_SEGMENT_TYPE = 0;
/** Buffer below this (s), or a seek, marks a request as urgent (`su`). */
const URGENT_BUFFER_S = 1;

/** The networking engine members the filter needs. */
export interface ShakaNetworking {
  getNetworkingEngine(): { registerRequestFilter(filter: shaka.extern.RequestFilter): void; unregisterRequestFilter(filter: shaka.extern.RequestFilter): void } | null;
}

export interface ShakaCmcdSource {
  bufferS(): number;
  throughputBps(): number | null;
  seeking(): boolean;
}

/** The CMCD state of one segment request. */
export function shakaCmcdState(request: shaka.extern.Request, context: shaka.extern.RequestContext | undefined, source: ShakaCmcdSource): CmcdRequestState {
  const stream = context?.stream;
  const init = context?.type === INIT_SEGMENT_TYPE;
  const type = stream?.type;
  const objectType: CmcdObjectType = init ? 'i' : type === 'video' ? (stream?.isAudioMuxedInVideo ? 'av' : 'v') : type === 'audio' ? 'a' : type === 'text' ? 'c' : 'o';
  const bufferS = source.bufferS();
  let nextObject: string | undefined;
  const segment = context?.segment;
  const index = stream?.segmentIndex;
  if (segment && index && !init) {
    const position = index.find(segment.getStartTime());
    const next = position === null ? null : index.get(position + 1);
    const uri = next?.getUris()[0];
    if (uri && request.uris[0]) nextObject = relativePath(request.uris[0], uri);
  }
  return {
    objectType,
    ...(stream?.bandwidth ? { bitrateBps: stream.bandwidth } : {}),
    ...(init ? {} : { bufferS }),
    throughputBps: source.throughputBps(),
    ...(nextObject ? { nextObject } : {}),
    startup: !init && (bufferS < URGENT_BUFFER_S || source.seeking()),
    backgrounded: pageHidden(),
  };
}

/** Registers the filter; returns a function that unregisters it. */
export function registerShakaCmcd(player: ShakaNetworking, options: CmcdOptions, source: ShakaCmcdSource): () => void {
  const engine = player.getNetworkingEngine();
  if (!engine) return () => undefined;
  const filter: shaka.extern.RequestFilter = (type, request, context) => {
    if (Number(type) !== SEGMENT_REQUEST_TYPE) return;
    const dictionary = encodeCmcdRequest(shakaCmcdState(request, context, source), options);
    request.uris = request.uris.map((uri) => appendCmcdQuery(uri, dictionary));
  };
  engine.registerRequestFilter(filter);
  return () => engine.unregisterRequestFilter(filter);
}
