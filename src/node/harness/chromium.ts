/** Debian's Chromium, and the launch flags the team's guide prescribes for it on these machines. */
export const CHROMIUM_PATH = '/usr/bin/chromium';

export const CHROMIUM_ARGS: readonly string[] = Object.freeze([
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  // Without these, Chromium keeps trying hosts this sandbox cannot reach.
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--autoplay-policy=no-user-gesture-required',
]);

/** Options for playwright-core's `chromium.launch`. */
export function chromiumLaunchOptions(extraArgs: readonly string[] = []): { executablePath: string; headless: true; args: string[] } {
  return { executablePath: CHROMIUM_PATH, headless: true, args: [...CHROMIUM_ARGS, ...extraArgs] };
}
