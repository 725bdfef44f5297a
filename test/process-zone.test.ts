// The once:… project really runs under its zone (not UTC), so a file that depends on the process
// TZ by accident shows it there too.
import { expect, it } from 'vitest';
import { expectProcessZone } from './support/process-zone.js';

it('runs under the process time zone its project names', ({ task }) => {
  expect(task.file.projectName).toMatch(/^once:/);
  expectProcessZone(task.file.projectName!);
});
