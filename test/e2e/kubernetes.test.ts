// deploy/kubernetes.yaml, read without a cluster: its objects fit together and the bot reads its
// settings as meant; then its replicas run here with exactly the environment a pod would get, are
// probed where the kubelet probes them, and one is stopped as a rolling update stops it.
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { TIMEOUTS } from '../../src/store/postgres.js';
import { STOP_GRACE_MS } from '../../src/bot.js';
import { loadConfig } from '../../src/config.js';
import { WEBHOOK_PATH } from '../../src/receivers/webhook.js';
import { pushEvent } from '../../src/sandbox/feishu-push.js';
import { startSandbox } from '../../src/sandbox/open-platform.js';
import { sandboxEnv, SANDBOX_APP } from '../../src/sandbox/sandbox-settings.js';
import { remedySeedEvent } from '../../src/sandbox/seed-events.js';
import { freePort, readiness, spawnBot, type BotProcess } from '../support/bot-process.js';
import { eventually } from '../support/harness.js';
import { freshDatabase } from '../support/postgres.js';

const ROOT = resolve(import.meta.dirname, '../..');

// The shapes of the objects this check reads; anything else in them is the cluster's business.
interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: { fieldRef?: { fieldPath: string } };
}
interface Probe {
  httpGet: { path: string; port: string | number };
  timeoutSeconds?: number;
}
interface Container {
  name: string;
  image: string;
  ports: { name: string; containerPort: number }[];
  env: EnvVar[];
  envFrom: { configMapRef?: { name: string }; secretRef?: { name: string } }[];
  readinessProbe: Probe;
  livenessProbe: Probe;
  lifecycle?: { preStop?: { exec?: { command: string[] } } };
}
interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; labels?: Record<string, string> };
  data?: Record<string, string>;
  stringData?: Record<string, string>;
  spec?: Record<string, unknown>;
}
interface PodTemplate {
  metadata: { labels: Record<string, string> };
  spec: { terminationGracePeriodSeconds: number; containers: Container[]; securityContext?: { runAsNonRoot?: boolean } };
}

const documents = parseAllDocuments(readFileSync(join(ROOT, 'deploy/kubernetes.yaml'), 'utf8'));
const objects = documents.map((d) => {
  if (d.errors.length > 0) throw new Error(`deploy/kubernetes.yaml: ${d.errors[0]!.message}`);
  return d.toJS() as K8sObject;
});
const only = (kind: string) => {
  const found = objects.filter((o) => o.kind === kind);
  if (found.length !== 1) throw new Error(`deploy/kubernetes.yaml: ${found.length} objects of kind ${kind}`);
  return found[0]!;
};
const deployment = only('Deployment');
const pod = deployment.spec!.template as PodTemplate;
const bot = pod.spec.containers[0]!;
const secret = only('Secret');
const configMap = only('ConfigMap');

/** The environment a pod named `podName` gets: envFrom in order, then env, which wins. */
function podEnvironment(podName: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const source of bot.envFrom) {
    if (source.configMapRef) Object.assign(env, objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name === source.configMapRef!.name)!.data);
    if (source.secretRef) Object.assign(env, objects.find((o) => o.kind === 'Secret' && o.metadata.name === source.secretRef!.name)!.stringData);
  }
  for (const variable of bot.env) {
    if (variable.value !== undefined) env[variable.name] = variable.value;
    else if (variable.valueFrom?.fieldRef?.fieldPath === 'metadata.name') env[variable.name] = podName;
    else throw new Error(`env ${variable.name}: a source this check does not know`);
  }
  return env;
}

const portOf = (port: string | number) => (typeof port === 'number' ? port : bot.ports.find((p) => p.name === port)?.containerPort);

describe('deploy/kubernetes.yaml (read without a cluster)', () => {
  it('two or more replicas of the image, replaced one at a time with none unavailable, spread over nodes, and kept by a disruption budget', () => {
    expect(deployment.spec!.replicas).toBeGreaterThanOrEqual(2);
    expect(deployment.spec!.strategy).toEqual({ type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } });
    const labels = (deployment.spec!.selector as { matchLabels: Record<string, string> }).matchLabels;
    expect(pod.metadata.labels).toMatchObject(labels);
    expect(only('Service').spec!.selector).toEqual(labels);
    const budget = only('PodDisruptionBudget');
    expect(budget.spec).toMatchObject({ minAvailable: 1, selector: { matchLabels: labels } });
    expect(pod.spec.securityContext?.runAsNonRoot).toBe(true); // the image runs as `node`
    expect(JSON.stringify(pod.spec)).toContain('"topologyKey":"kubernetes.io/hostname"');
  });

  it('the container listens where the Service, the probes and PORT say, and stops within its grace period', () => {
    const env = podEnvironment('feishu-approval-bot-0');
    expect(bot.ports).toHaveLength(1);
    expect(bot.ports[0]!.containerPort).toBe(Number(env.PORT));
    const service = only('Service').spec!.ports as { targetPort: string | number }[];
    expect(service.map((p) => portOf(p.targetPort))).toEqual([Number(env.PORT)]);
    expect(portOf(bot.readinessProbe.httpGet.port)).toBe(Number(env.PORT));
    expect(portOf(bot.livenessProbe.httpGet.port)).toBe(Number(env.PORT));
    expect([bot.readinessProbe.httpGet.path, bot.livenessProbe.httpGet.path]).toEqual(['/readyz', '/healthz']);
    // The bot answers /readyz within its probe limit, whatever PostgreSQL does: the kubelet waits longer.
    expect(1000 * (bot.readinessProbe.timeoutSeconds ?? 1)).toBeGreaterThan(TIMEOUTS.probeMs);
    // The kubelet runs preStop, then sends SIGTERM; both must end before the grace period does.
    const pause = bot.lifecycle?.preStop?.exec?.command;
    expect(pause?.[0]).toBe('sleep');
    expect(1000 * (pod.spec.terminationGracePeriodSeconds - Number(pause![1]))).toBeGreaterThan(STOP_GRACE_MS);
  });

  it('gives the bot settings it documents and reads as meant: PostgreSQL, the pod name as INSTANCE_ID, secrets in the Secret', () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const env = podEnvironment('feishu-approval-bot-7c9d5-x2k4q');
    for (const name of Object.keys(env)) expect(readme, `${name} in README's settings`).toContain(`| \`${name}\` |`);
    for (const name of ['FEISHU_APP_SECRET', 'FEISHU_ENCRYPT_KEY', 'FEISHU_VERIFICATION_TOKEN', 'DATABASE_URL', 'METRICS_TOKEN']) {
      expect(Object.keys(secret.stringData!), `${name} is a secret`).toContain(name);
      expect(Object.keys(configMap.data!)).not.toContain(name);
    }
    const config = loadConfig(env);
    expect(config.database.engine).toBe('postgres');
    expect(config.instanceId).toBe('feishu-approval-bot-7c9d5-x2k4q');
    expect(config.databasePoolSize).toBe(Number(configMap.data!.DATABASE_POOL_SIZE));
  });
});

describe("deploy/kubernetes.yaml's replicas, run here with a pod's environment", () => {
  it('are ready and alive where the kubelet probes; one sends; the other takes over when a rolling update stops the sender', async () => {
    const sandbox = await startSandbox({ appId: SANDBOX_APP.appId, appSecret: SANDBOX_APP.appSecret });
    const db = await freshDatabase();
    const bots: BotProcess[] = [];
    try {
      // The manifest's settings, with the sandbox's app and this machine's database and ports.
      const { DATABASE_URL: _file, PORT: _port, ...app } = sandboxEnv(sandbox.url, '');
      const names = Array.from({ length: deployment.spec!.replicas as number }, (_, i) => `feishu-approval-bot-7c9d5-pod${i}`);
      const ports: number[] = [];
      for (const name of names) {
        const port = await freePort();
        ports.push(port);
        const { FEISHU_APP_ID, FEISHU_APP_SECRET, FEISHU_ENCRYPT_KEY, FEISHU_VERIFICATION_TOKEN, ...manifest } = podEnvironment(name);
        bots.push(spawnBot({ ...manifest, ...app, DATABASE_URL: db.url, PORT: String(port) }));
      }
      await Promise.all(bots.map((b) => b.ready));
      const probe = (port: number, path: string) => fetch(`http://127.0.0.1:${port}${path}`).then((r) => r.status);
      for (const port of ports) {
        await eventually(async () => (await probe(port, bot.readinessProbe.httpGet.path)) === 200, 'ready', 10_000);
        expect(await probe(port, bot.livenessProbe.httpGet.path)).toBe(200);
      }
      const senders = async () => (await Promise.all(ports.map((port) => readiness(`http://127.0.0.1:${port}`)))).map((r) => r.checks.sender!);
      const chosen = await eventually(async () => {
        const now = await senders();
        return now.filter((s) => s.sending).length === 1 && now.every((s) => s.sender === now[0]!.sender) && now;
      }, 'one sender, named by its pod', 10_000);
      expect(chosen.map((s) => s.instance)).toEqual(names);

      // A rolling update stops the sender with SIGTERM (after preStop): it hands the lease over and exits in time.
      const leader = chosen.findIndex((s) => s.sending);
      const stoppedAt = Date.now();
      bots[leader]!.child.kill('SIGTERM');
      expect(await bots[leader]!.exited).toBe(0);
      expect(Date.now() - stoppedAt).toBeLessThan(1000 * pod.spec.terminationGracePeriodSeconds);
      const other = ports[1 - leader]!;
      await eventually(async () => (await readiness(`http://127.0.0.1:${other}`)).checks.sender!.sending === true, 'the other replica sends', 10_000);
      const identity = { appId: SANDBOX_APP.appId, token: SANDBOX_APP.verificationToken };
      const pushed = await pushEvent(`http://127.0.0.1:${other}${WEBHOOK_PATH}`, remedySeedEvent(identity, { instance_code: 'I-K8S' }), { encryptKey: SANDBOX_APP.encryptKey });
      expect(pushed.status).toBe(200);
      await eventually(() => sandbox.messages.length === 2, 'the DM and the team card, sent by the replica left', 10_000);
    } finally {
      for (const b of bots) {
        if (b.child.exitCode === null) b.child.kill('SIGTERM');
        await b.exited;
      }
      await db.drop();
      await sandbox.close();
    }
  }, 40_000);
});
