#!/usr/bin/env bash
# Builds the image and checks it as an operator would, with a real Docker daemon: the container
# runs as a non-root user, becomes healthy, answers /healthz on the published port, keeps its
# database on the volume, and on `docker stop` (SIGTERM) shuts down gracefully with exit code 0.
# Run by hand (`bash scripts/container-smoke.sh`); test/e2e/container.test.ts runs it when a
# daemon is available. Removes its container and volume; keeps the image ($IMAGE).
set -euo pipefail
cd "$(dirname "$0")/.."

IMAGE=${IMAGE:-feishu-approval-bot:smoke}
run_id="fab-smoke-$$"
container=$run_id
volume="$run_id-data"

fail() { echo "container smoke: FAIL: $*" >&2; docker logs "$container" >&2 2>&1 || true; exit 1; }
cleanup() { docker rm -f "$container" >/dev/null 2>&1 || true; docker volume rm "$volume" >/dev/null 2>&1 || true; }
trap cleanup EXIT

echo "── docker build -t $IMAGE"
docker build -t "$IMAGE" .

echo "── docker run ($container, volume $volume)"
docker volume create "$volume" >/dev/null
# The bot starts without reaching Feishu, so a dummy Open Platform address will do; the health
# interval is shortened so that "healthy" comes in seconds, the command is the image's own.
docker run -d --name "$container" \
  -e FEISHU_APP_ID=cli_a1b2c3d4e5f60718 -e FEISHU_APP_SECRET=smoke-secret \
  -e FEISHU_DOMAIN=http://127.0.0.1:9 \
  -v "$volume:/data" -p 127.0.0.1::3000 \
  --health-interval 1s --health-start-period 30s \
  "$IMAGE" >/dev/null

uid=$(docker exec "$container" id -u) || fail "docker exec id -u"
[ "$uid" != 0 ] || fail "the bot runs as root"
echo "runs as uid $uid"

status=
for _ in $(seq 60); do
  status=$(docker inspect -f '{{.State.Health.Status}}' "$container")
  [ "$status" = healthy ] && break
  [ "$(docker inspect -f '{{.State.Running}}' "$container")" = true ] || fail "the container stopped"
  sleep 1
done
[ "$status" = healthy ] || fail "not healthy after 60 s (status: $status)"
echo "health: $status"

address=$(docker port "$container" 3000/tcp | head -n1)
body=$(node -e "fetch('http://$address/healthz').then(async (r) => { if (!r.ok) process.exit(1); process.stdout.write(await r.text()); }, () => process.exit(1))") \
  || fail "GET http://$address/healthz"
[ "$body" = '{"ok":true}' ] || fail "/healthz answered $body"
echo "GET http://$address/healthz → $body"

echo "── docker stop (SIGTERM)"
docker stop -t 30 "$container" >/dev/null
code=$(docker inspect -f '{{.State.ExitCode}}' "$container")
logs=$(docker logs "$container" 2>&1)
grep -q '"msg":"shutting down"' <<<"$logs" || fail "no \"shutting down\" line in the logs"
grep -q '"msg":"stopped"' <<<"$logs" || fail "no \"stopped\" line in the logs"
[ "$code" = 0 ] || fail "exit code $code"
echo "exit code $code, logged \"shutting down\" and \"stopped\""

files=$(docker run --rm -v "$volume:/data" "$IMAGE" ls /data)
grep -qx 'bot.sqlite' <<<"$files" || fail "no bot.sqlite on the volume (found: $files)"
echo "the volume holds: $(tr '\n' ' ' <<<"$files")"
echo "container smoke: OK"
