import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { PATH_METADATA } from '@nestjs/common/constants';
import { parseAllDocuments } from 'yaml';
import { ConfigMap, Namespace, Secret, Service } from 'kubernetes-models/v1';
import { Deployment } from 'kubernetes-models/apps/v1';
import { Job } from 'kubernetes-models/batch/v1';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1';
import { HealthController, MetricsController, loadConfig } from '@ipstd/platform';

/**
 * deploy/k8s, checked offline: every document validates against the Kubernetes API's JSON schemas
 * (kubernetes-models, generated from the API's OpenAPI document), every environment variable set is
 * one the configuration reads, every probe names a route the apps serve, and the objects refer to
 * each other (selectors, ports, ConfigMaps, entry points) consistently.
 */
const ROOT = join(__dirname, '..', '..');
const DIR = join(ROOT, 'deploy', 'k8s');

type Doc = { apiVersion: string; kind: string; metadata: { name: string; labels?: Record<string, string> }; [key: string]: unknown };
type Validatable = { validate(): void };
const MODELS: Record<string, new (data: never) => Validatable> = {
  'v1/Namespace': Namespace as never,
  'v1/ConfigMap': ConfigMap as never,
  'v1/Secret': Secret as never,
  'v1/Service': Service as never,
  'apps/v1/Deployment': Deployment as never,
  'batch/v1/Job': Job as never,
  'policy/v1/PodDisruptionBudget': PodDisruptionBudget as never,
};

/** Throws what the schema says is wrong with a document; kustomization.yaml is not an API object. */
function validate(doc: Doc): void {
  const Model = MODELS[`${doc.apiVersion}/${doc.kind}`];
  if (!Model) throw new Error(`no schema for ${doc.apiVersion} ${doc.kind} (add it to MODELS)`);
  new Model(structuredClone(doc) as never).validate();
}

function parse(file: string): Doc[] {
  return parseAllDocuments(readFileSync(join(DIR, file), 'utf8')).map((document) => {
    if (document.errors.length) throw new Error(`${file}: ${document.errors.map((e) => e.message).join('; ')}`);
    // YAML 1.1 as kubectl reads it would turn `on`, `yes` and octal-looking numbers into other types: none may appear.
    if (document.warnings.length) throw new Error(`${file}: ${document.warnings.map((w) => w.message).join('; ')}`);
    return document.toJS() as Doc;
  });
}

const files = readdirSync(DIR).filter((f) => /\.ya?ml$/.test(f)).sort();
const kustomization = parse('kustomization.yaml')[0] as Doc & { resources: string[] };
const manifests = files.filter((f) => f !== 'kustomization.yaml').flatMap((file) => parse(file).map((doc) => ({ file, doc })));
const ofKind = <T = Doc>(kind: string) => manifests.filter((m) => m.doc.kind === kind).map((m) => m.doc as unknown as T);

interface Container {
  name: string;
  command?: string[];
  ports?: Array<{ name?: string; containerPort: number }>;
  env?: Array<{ name: string; value?: string; valueFrom?: { secretKeyRef?: { name: string; key: string }; configMapKeyRef?: { name: string; key: string } } }>;
  envFrom?: Array<{ configMapRef?: { name: string }; secretRef?: { name: string } }>;
  startupProbe?: { httpGet?: { path: string; port: string | number } };
  livenessProbe?: { httpGet?: { path: string; port: string | number } };
  readinessProbe?: { httpGet?: { path: string; port: string | number } };
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
}
type PodSpec = { containers: Container[]; volumes?: Array<{ name: string }> };
type Workload = Doc & { spec: { replicas?: number; selector?: { matchLabels: Record<string, string> }; template: { metadata?: { labels?: Record<string, string> }; spec: PodSpec } } };

/** The names loadConfig reads from the environment, observed by handing it an environment that records every lookup. */
function variablesTheConfigReads(): Set<string> {
  const read = new Set<string>();
  const env = new Proxy({} as NodeJS.ProcessEnv, {
    get(_, name) {
      if (typeof name === 'string') read.add(name);
      return undefined;
    },
  });
  loadConfig(env);
  return read;
}

/** Paths the health and metrics controllers every app mounts (PlatformModule.forRoot) answer on. */
function platformRoutes(): Set<string> {
  const routes = new Set<string>();
  for (const controller of [HealthController, MetricsController]) {
    const base = String(Reflect.getMetadata(PATH_METADATA, controller) ?? '').replace(/^\/|\/$/g, '');
    for (const name of Object.getOwnPropertyNames(controller.prototype)) {
      const handler = (controller.prototype as unknown as Record<string, unknown>)[name];
      if (typeof handler !== 'function' || name === 'constructor') continue;
      const path = Reflect.getMetadata(PATH_METADATA, handler);
      if (path === undefined) continue;
      routes.add(`/${[base, String(path).replace(/^\/|\/$/g, '')].filter(Boolean).join('/')}`);
    }
  }
  return routes;
}

describe('deploy/k8s manifests', () => {
  it('are all listed in kustomization.yaml, and every listed file exists', () => {
    expect([...kustomization.resources].sort()).toEqual(files.filter((f) => f !== 'kustomization.yaml'));
    expect(manifests.length).toBeGreaterThan(10);
  });

  it.each(manifests.map((m) => [`${m.file}: ${m.doc.kind} ${m.doc.metadata?.name}`, m.doc] as const))('%s validates against the Kubernetes API schema', (_, doc) => {
    expect(() => validate(doc)).not.toThrow();
  });

  it('the schema check fails for a broken manifest: a wrong field type, a wrong nested type, a missing required field, an unknown kind', () => {
    const deployment = ofKind<Workload>('Deployment')[0];
    const wrongType = structuredClone(deployment) as Workload;
    (wrongType.spec as Record<string, unknown>).replicas = 'two';
    expect(() => validate(wrongType)).toThrow(/replicas/);

    const probe = structuredClone(deployment) as Workload;
    (probe.spec.template.spec.containers[0].readinessProbe!.httpGet as Record<string, unknown>).port = { name: 'http' };
    expect(() => validate(probe)).toThrow();

    const noContainers = structuredClone(deployment) as Workload;
    delete (noContainers.spec.template.spec as Partial<PodSpec>).containers;
    expect(() => validate(noContainers)).toThrow(/containers/);

    const pdb = structuredClone(ofKind('PodDisruptionBudget')[0]) as Doc & { spec: Record<string, unknown> };
    pdb.spec.selector = 'app=x';
    expect(() => validate(pdb)).toThrow(/selector/);

    const job = structuredClone(ofKind('Job')[0]) as Doc & { spec: { backoffLimit: unknown } };
    job.spec.backoffLimit = 1.5;
    expect(() => validate(job)).toThrow(/backoffLimit/);

    expect(() => validate({ ...deployment, kind: 'Deploymnet' })).toThrow(/no schema/);
  });

  it('run the four apps with the production replica counts, each from its built entry point', () => {
    const deployments = ofKind<Workload>('Deployment');
    expect(Object.fromEntries(deployments.map((d) => [d.metadata.name, d.spec.replicas]))).toEqual({
      'applications-service': 2,
      'grants-service': 1,
      'projections-service': 2,
      'integration-gateway': 1,
    });
    const workloads = [...deployments, ...ofKind<Workload>('Job')];
    for (const workload of workloads) {
      const [container] = workload.spec.template.spec.containers;
      const entry = container.command!.find((part) => part.startsWith('dist/'))!;
      const source = join(ROOT, entry.replace(/^dist\//, '').replace(/\.js$/, '.ts'));
      expect({ workload: workload.metadata.name, source, exists: existsSync(source) }).toEqual({ workload: workload.metadata.name, source, exists: true });
    }
    expect(ofKind<Workload>('Job').map((j) => j.spec.template.spec.containers[0].command)).toEqual([['node', 'dist/scripts/migrate.js']]);
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
    expect(pkg.scripts.migrate).toBe('node dist/scripts/migrate.js');
  });

  it('set only environment variables the configuration reads, and every secret a service needs', () => {
    const known = variablesTheConfigReads();
    expect(known.has('DATABASE_URL')).toBe(true);
    const configMaps = new Map(ofKind<Doc & { data: Record<string, string> }>('ConfigMap').map((c) => [c.metadata.name, c.data]));
    for (const [name, data] of configMaps) {
      expect({ configMap: name, unknown: Object.keys(data).filter((k) => !known.has(k)) }).toEqual({ configMap: name, unknown: [] });
    }
    const workloads = [...ofKind<Workload>('Deployment'), ...ofKind<Workload>('Job')];
    for (const workload of workloads) {
      for (const container of workload.spec.template.spec.containers) {
        const set = new Set<string>();
        for (const env of container.env ?? []) set.add(env.name);
        for (const from of container.envFrom ?? []) {
          expect(from.secretRef).toBeUndefined();
          const data = configMaps.get(from.configMapRef!.name);
          expect({ workload: workload.metadata.name, configMap: from.configMapRef!.name, found: data !== undefined }).toEqual({ workload: workload.metadata.name, configMap: from.configMapRef!.name, found: true });
          Object.keys(data!).forEach((k) => set.add(k));
        }
        expect({ workload: workload.metadata.name, unknown: [...set].filter((k) => !known.has(k)) }).toEqual({ workload: workload.metadata.name, unknown: [] });
        // No secret value is written into a manifest: secrets come from Secret references only.
        for (const env of container.env ?? []) expect({ name: env.name, literal: env.value }).toEqual({ name: env.name, literal: undefined });
        expect([...set]).toEqual(expect.arrayContaining(['DATABASE_URL', 'AUTH_HS256_SECRET', 'PORT']));
        // The configuration would accept them: the values (placeholders for the secrets) pass loadConfig.
        const values: Record<string, string> = { DATABASE_URL: 'postgres://u:p@db:5432/ipstd', AUTH_HS256_SECRET: 'x'.repeat(32) };
        for (const from of container.envFrom ?? []) Object.assign(values, configMaps.get(from.configMapRef!.name));
        expect(() => loadConfig(values)).not.toThrow();
        const port = Number(loadConfig(values).port);
        expect(container.ports?.map((p) => p.containerPort) ?? [port]).toEqual([port]);
      }
    }
    expect(ofKind<Workload>('Deployment').find((d) => d.metadata.name === 'integration-gateway')!.spec.template.spec.containers[0].envFrom!.map((f) => f.configMapRef!.name)).toContain('ipstd-kafka');
  });

  it('probe the routes the apps serve, on a port the container declares, and declare requests and limits', () => {
    const routes = platformRoutes();
    expect(routes).toEqual(new Set(['/health/live', '/health/ready', '/metrics']));
    for (const app of ['applications-service', 'grants-service', 'projections-service', 'integration-gateway']) {
      expect(readFileSync(join(ROOT, 'apps', app, 'src', 'main.ts'), 'utf8')).toContain('PlatformModule.forRoot(runtime)');
    }
    for (const deployment of ofKind<Workload>('Deployment')) {
      const [container] = deployment.spec.template.spec.containers;
      const probes = { startup: container.startupProbe, liveness: container.livenessProbe, readiness: container.readinessProbe };
      for (const [kind, probe] of Object.entries(probes)) {
        expect({ deployment: deployment.metadata.name, kind, path: probe?.httpGet?.path, served: routes.has(probe?.httpGet?.path ?? '') }).toEqual({ deployment: deployment.metadata.name, kind, path: probe?.httpGet?.path, served: true });
        expect(container.ports!.map((p) => p.name)).toContain(probe!.httpGet!.port);
      }
      expect(probes.readiness!.httpGet!.path).toBe('/health/ready');
      expect(probes.liveness!.httpGet!.path).toBe('/health/live');
      for (const resource of ['cpu', 'memory']) {
        expect(container.resources?.requests?.[resource]).toBeDefined();
        expect(container.resources?.limits?.[resource]).toBeDefined();
      }
    }
  });

  it('give every Deployment a Service and a PodDisruptionBudget that select its pods, and a PDB that allows a drain', () => {
    const services = ofKind<Doc & { spec: { selector: Record<string, string>; ports: Array<{ targetPort: string | number }> } }>('Service');
    const budgets = ofKind<Doc & { spec: { selector: { matchLabels: Record<string, string> }; minAvailable?: number; maxUnavailable?: number } }>('PodDisruptionBudget');
    const matches = (selector: Record<string, string>, labels: Record<string, string>) => Object.entries(selector).every(([k, v]) => labels[k] === v);
    for (const deployment of ofKind<Workload>('Deployment')) {
      const labels = deployment.spec.template.metadata!.labels!;
      expect(matches(deployment.spec.selector!.matchLabels, labels)).toBe(true);
      const service = services.filter((s) => matches(s.spec.selector, labels));
      expect({ deployment: deployment.metadata.name, services: service.length }).toEqual({ deployment: deployment.metadata.name, services: 1 });
      const ports = deployment.spec.template.spec.containers[0].ports!.map((p) => p.name);
      for (const port of service[0].spec.ports) expect(ports).toContain(port.targetPort);
      const budget = budgets.filter((b) => matches(b.spec.selector.matchLabels, labels));
      expect({ deployment: deployment.metadata.name, budgets: budget.length }).toEqual({ deployment: deployment.metadata.name, budgets: 1 });
      const replicas = deployment.spec.replicas ?? 1;
      const allowed = budget[0].spec.maxUnavailable ?? replicas - (budget[0].spec.minAvailable ?? replicas);
      expect({ deployment: deployment.metadata.name, disruptionsAllowed: allowed > 0, keepsOne: replicas === 1 || replicas - allowed >= 1 }).toEqual({ deployment: deployment.metadata.name, disruptionsAllowed: true, keepsOne: true });
    }
  });
});
