// Bundles the bot's entry points into dist/ as plain JavaScript, so production runs `node
// dist/main.js` with no TypeScript loader in the process: the loader (tsx) cost ~80 MB of RSS,
// a thread and 0.4 s at every start. Packages stay external (node_modules). Takes ~50 ms, so
// `npm start`, `npm run demo` and `npm run cli` build first, every time.
import { build } from 'esbuild';
import { rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
// Chunk names carry a content hash: without a clean slate, old chunks would pile up.
rmSync(new URL('../dist', import.meta.url), { recursive: true, force: true });

await build({
  absWorkingDir: root,
  entryPoints: ['src/main.ts', 'src/demo.ts', 'src/cli.ts'],
  outdir: 'dist',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  packages: 'external',
  sourcemap: true,
  logLevel: 'warning',
});
