/**
 * A hidden tab, emulated in the page: headless Chromium cannot hide a tab, so the page redefines
 * `document.visibilityState` and `document.hidden` on the document itself (shadowing the prototype's
 * getters, which is what players and abrkit read) and fires `visibilitychange`, as a browser does.
 */
export interface HiddenWindowHandlers {
  onHidden(): void;
  onVisible(): void;
}

/** Hidden once the playhead passes `atS`, visible again `forS` seconds (wall clock) later. */
export function emulateHiddenWindow(video: HTMLVideoElement, window: { readonly atS: number; readonly forS: number }, handlers: HiddenWindowHandlers): void {
  let started = false;
  const onTime = () => {
    if (started || video.currentTime < window.atS) return;
    started = true;
    video.removeEventListener('timeupdate', onTime);
    setVisibility('hidden');
    handlers.onHidden();
    setTimeout(() => {
      setVisibility('visible');
      handlers.onVisible();
    }, window.forS * 1000);
  };
  video.addEventListener('timeupdate', onTime);
}

function setVisibility(state: 'hidden' | 'visible'): void {
  Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => state });
  Object.defineProperty(document, 'hidden', { configurable: true, get: () => state === 'hidden' });
  document.dispatchEvent(new Event('visibilitychange'));
}
