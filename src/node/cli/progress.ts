/**
 * A one-line progress bar on stderr, redrawn in place when stderr is a terminal and printed every
 * 10% otherwise (so CI logs show progress without thousands of lines).
 */
export function createProgressBar(label: string, stream: NodeJS.WriteStream = process.stderr) {
  const startedMs = Date.now();
  let lastDecile = -1;
  return {
    update(done: number, total: number, detail = ''): void {
      const fraction = total > 0 ? done / total : 1;
      const elapsedS = (Date.now() - startedMs) / 1000;
      if (stream.isTTY) {
        const width = 30;
        const filled = Math.round(fraction * width);
        stream.write(`\r${label} [${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${done}/${total} ${elapsedS.toFixed(1)}s ${detail}`.padEnd(90));
        if (done >= total) stream.write('\n');
      } else {
        const decile = Math.floor(fraction * 10);
        if (decile !== lastDecile) {
          lastDecile = decile;
          stream.write(`${label}: ${done}/${total} (${Math.round(fraction * 100)}%) ${elapsedS.toFixed(1)}s\n`);
        }
      }
    },
  };
}
