#!/usr/bin/env bash
# `npm test`: type-check, then one vitest run. A card must not depend on the server's own TZ, so
# vitest.config.ts runs the files that show times (*.tz.test.ts) under three process time zones
# and every other file once. Ends with one summary line.
set -uo pipefail
cd "$(dirname "$0")/.."

npx tsc --noEmit || { echo "tests: 0 passed, 1 failed (type check)"; exit 1; }

report=$(mktemp)
trap 'rm -f "$report"' EXIT
status=0
npx vitest run --reporter=default --reporter=json --outputFile.json="$report" "$@" || status=1

node -e '
  const fs = require("node:fs");
  let r;
  try { r = JSON.parse(fs.readFileSync(process.argv[1], "utf8")); } catch {
    console.log("tests: 0 passed, 1 failed (no vitest report)");
    process.exit(1);
  }
  const skipped = r.numPendingTests + r.numTodoTests;
  // vitest fails the run for errors raised outside any test (an uncaught exception in a timer):
  // the JSON report does not count them, so the exit status has to be said here.
  const outside = process.argv[2] !== "0" && r.numFailedTests === 0 ? " (vitest failed the run: errors outside tests, see above)" : "";
  console.log(`tests: ${r.numPassedTests} passed, ${r.numFailedTests} failed, ${skipped} skipped${outside}`);
  // The exit status follows the report too: a process hook that exits 0 early (embedded-postgres
  // had one) must not turn failed tests into a passing run.
  if (r.numFailedTests > 0 || r.numFailedTestSuites > 0 || r.success === false) process.exit(1);
' "$report" "$status" || status=1
exit $status
