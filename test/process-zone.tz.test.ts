// Each tz:… project really runs its files under its zone, or running them three times proves nothing.
import { expect, it } from 'vitest';
import { expectProcessZone } from './support/process-zone.js';

it('runs under the process time zone its project names', ({ task }) => {
  expect(task.file.projectName).toMatch(/^tz:/);
  expectProcessZone(task.file.projectName!);
});
