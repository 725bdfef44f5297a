#!/usr/bin/env bash
# `npm test`: type-check, then the whole suite under three process time zones, since a card must
# not depend on the server's own TZ. Ends with one summary line over all runs.
set -uo pipefail
cd "$(dirname "$0")/.."

npx tsc --noEmit || { echo "tests: 0 passed, 1 failed (type check)"; exit 1; }

reports=$(mktemp -d)
trap 'rm -rf "$reports"' EXIT
status=0
for zone in UTC Asia/Shanghai America/New_York; do
  echo "── vitest under TZ=$zone"
  TZ=$zone npx vitest run --reporter=default --reporter=json --outputFile.json="$reports/${zone//\//_}.json" || status=1
done

node -e '
  const fs = require("node:fs");
  let passed = 0, failed = 0;
  for (const f of fs.readdirSync(process.argv[1])) {
    const r = JSON.parse(fs.readFileSync(process.argv[1] + "/" + f, "utf8"));
    passed += r.numPassedTests; failed += r.numFailedTests + (r.numRuntimeErrors ?? 0);
  }
  console.log(`tests: ${passed} passed, ${failed} failed`);
' "$reports"
exit $status
