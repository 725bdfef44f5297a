// The environment of a process (a bot, the CLI) on a machine whose wall clock is `ms` ahead
// (negative: behind): skewed-clock.mjs preloaded. The monotonic clock runs true, as on such a machine.
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const PRELOAD = pathToFileURL(resolve(import.meta.dirname, 'skewed-clock.mjs')).href;

export function clockOff(ms: number): Record<string, string> {
  return { NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --import=${PRELOAD}`.trim(), SKEWED_CLOCK_MS: String(ms) };
}
