import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { IContainer } from 'kubernetes-models/v1/Container';
import type { IPodTemplateSpec } from 'kubernetes-models/v1/PodTemplateSpec';
import { DOCKER_IMAGES } from '@abtest/local-stack';
import { CREATE_TOPICS_SCRIPT } from './kafka-cli';
import { knownVariables, programExists, PROGRAMS, type Program } from './known-variables';
import { OVERLAYS, REPO_ROOT, renderOverlay, schemaErrors, typedOverlay, type Overlay, type Rendered } from './manifests';
import { unknownFields } from './unknown-fields';

/** Secrets the manifests may reference; each is documented in k8s/README.md, none is committed. */
const K8S_README = readFileSync(join(REPO_ROOT, 'k8s', 'README.md'), 'utf8');
const SERVICES = ['ingress', 'processor', 'results'] as const;

interface Workload {
  kind: string;
  name: string;
  template: IPodTemplateSpec;
  container: IContainer;
}

function workloads(rendered: Rendered): Workload[] {
  const all = [...rendered.deployments.map((d) => ({ kind: 'Deployment', name: d.metadata?.name ?? '', template: d.spec?.template })), ...rendered.jobs.map((j) => ({ kind: 'Job', name: j.metadata?.name ?? '', template: j.spec?.template }))];
  return all.map(({ kind, name, template }) => {
    const containers = template?.spec?.containers ?? [];
    const [container] = containers;
    if (!template || !container || containers.length !== 1) throw new Error(`${kind} ${name}: expected one container`);
    return { kind, name, template, container };
  });
}

function deploymentOf(rendered: Rendered, service: string) {
  const deployment = rendered.deployments.find((d) => d.metadata?.name === `abtest-${service}`);
  if (!deployment) throw new Error(`no Deployment abtest-${service} in ${rendered.overlay}`);
  return deployment;
}

function containerOf(rendered: Rendered, service: string): IContainer {
  const container = deploymentOf(rendered, service).spec?.template.spec?.containers[0];
  if (!container) throw new Error(`abtest-${service} has no container`);
  return container;
}

function settings(rendered: Rendered): Record<string, string> {
  const config = rendered.configMaps.find((c) => c.metadata?.name?.startsWith('abtest-config-'));
  if (!config?.data) throw new Error(`no abtest-config ConfigMap in ${rendered.overlay}`);
  return config.data;
}

const envValue = (container: IContainer, name: string) => container.env?.find((e) => e.name === name)?.value;
const secretRefs = (container: IContainer) => (container.env ?? []).flatMap((e) => (e.valueFrom?.secretKeyRef ? [{ variable: e.name, ...e.valueFrom.secretKeyRef }] : []));
const preStopSeconds = (container: IContainer) => {
  const command = container.lifecycle?.preStop?.exec?.command ?? [];
  return command[0] === 'sleep' ? Number(command[1]) : 0;
};

describe.each(OVERLAYS)('Kubernetes manifests: k8s/overlays/%s', (overlay: Overlay) => {
  let rendered: Rendered;

  beforeAll(() => {
    const objects = renderOverlay(overlay);
    const errors = schemaErrors(objects);
    if (errors.length > 0) throw new Error(`objects failing the Kubernetes API schemas:\n${errors.join('\n')}`);
    rendered = typedOverlay(overlay, objects);
  });

  it('should render with kubectl kustomize into objects that all validate against the Kubernetes API schemas', () => {
    expect(schemaErrors(rendered.objects)).toEqual([]);
    expect(rendered.deployments.map((d) => d.metadata?.name).sort()).toEqual(['abtest-ingress', 'abtest-processor', 'abtest-results']);
    expect(rendered.jobs.map((j) => j.metadata?.name)).toEqual(['abtest-create-topics']);
  });

  it('should use no field that the Kubernetes API does not have', () => {
    expect(unknownFields(rendered.objects)).toEqual([]);
  });

  it('should put every object in one namespace', () => {
    expect(new Set(rendered.objects.map((o) => (o.raw.metadata as { namespace?: string }).namespace))).toEqual(new Set([overlay === 'prod' ? 'abtest' : 'abtest-dev']));
  });

  it('should commit no Secret and reference only the secrets k8s/README.md documents', () => {
    expect(rendered.objects.filter((o) => o.key === 'v1/Secret')).toEqual([]);
    const names = workloads(rendered).flatMap((w) => [...secretRefs(w.container).map((r) => r.name), ...(w.template.spec?.volumes ?? []).flatMap((v) => (v.secret?.secretName ? [v.secret.secretName] : []))]);
    for (const name of new Set(names)) expect(K8S_README).toContain(`\`${name}\``);
  });

  it('should give each service a readiness probe on /readyz, a liveness probe on /healthz, and a Service and Ingress that reach it', () => {
    for (const service of SERVICES) {
      const container = containerOf(rendered, service);
      expect(container.readinessProbe?.httpGet).toEqual({ path: '/readyz', port: 'http' });
      expect(container.livenessProbe?.httpGet).toEqual({ path: '/healthz', port: 'http' });
      expect(container.ports?.map((p) => p.name)).toEqual(['http']);
      const podLabels = deploymentOf(rendered, service).spec?.template.metadata?.labels ?? {};
      const selecting = rendered.services.filter((s) => Object.entries(s.spec?.selector ?? {}).every(([k, v]) => podLabels[k] === v));
      expect(selecting.map((s) => s.metadata?.name)).toEqual([`abtest-${service}`]);
    }
    const backends = rendered.ingresses.flatMap((i) => (i.spec?.rules ?? []).flatMap((r) => r.http?.paths.map((p) => p.backend.service) ?? []));
    expect(backends.map((b) => `${b?.name}:${b?.port?.name}`).sort()).toEqual(['abtest-ingress:http', 'abtest-results:http']);
  });

  it("should drain the ingress: preStop, then the ingress's own shutdown, within terminationGracePeriodSeconds", () => {
    const container = containerOf(rendered, 'ingress');
    const drainSeconds = preStopSeconds(container) + (Number(envValue(container, 'INGRESS_SHUTDOWN_DELAY_MS')) + Number(envValue(container, 'INGRESS_SHUTDOWN_TIMEOUT_MS'))) / 1000;
    expect(preStopSeconds(container)).toBeGreaterThanOrEqual(5);
    expect(deploymentOf(rendered, 'ingress').spec?.template.spec?.terminationGracePeriodSeconds).toBeGreaterThan(drainSeconds);
    expect(deploymentOf(rendered, 'ingress').spec?.strategy?.rollingUpdate?.maxUnavailable).toBe(0);
  });

  it('should scale the ingress with a HorizontalPodAutoscaler on CPU, against CPU requests', () => {
    const [autoscaler, ...others] = rendered.autoscalers;
    expect(others).toEqual([]);
    expect(autoscaler?.spec?.scaleTargetRef).toEqual({ apiVersion: 'apps/v1', kind: 'Deployment', name: 'abtest-ingress' });
    expect(autoscaler?.spec?.metrics?.map((m) => m.resource?.name)).toEqual(['cpu']);
    expect(autoscaler?.spec?.minReplicas).toBeGreaterThanOrEqual(overlay === 'prod' ? 2 : 1);
    expect(deploymentOf(rendered, 'ingress').spec?.replicas).toBeUndefined();
    expect(containerOf(rendered, 'ingress').resources?.requests?.cpu).toBeDefined();
  });

  it("should never run more processor instances than the events topic's partitions, not even during a rollout", () => {
    const config = settings(rendered);
    const partitions = Number(config.EVENTS_TOPIC_PARTITIONS);
    const processor = deploymentOf(rendered, 'processor');
    expect(processor.spec?.replicas).toBeGreaterThanOrEqual(1);
    expect(processor.spec?.replicas).toBeLessThanOrEqual(partitions);
    expect(processor.spec?.strategy?.rollingUpdate?.maxSurge).toBe(0);
    expect(rendered.autoscalers.filter((a) => a.spec?.scaleTargetRef.name === 'abtest-processor')).toEqual([]);
    // The ingress and the processor name the events topic with their own variables.
    expect(config.INGRESS_TOPIC).toBe(config.EVENTS_TOPIC);
    expect(config.INGRESS_TOPIC_PARTITIONS).toBe(config.EVENTS_TOPIC_PARTITIONS);
  });

  it('should protect every Deployment with a PodDisruptionBudget and let the processor shut down gracefully', () => {
    for (const service of SERVICES) {
      const podLabels = deploymentOf(rendered, service).spec?.template.metadata?.labels ?? {};
      const budgets = rendered.disruptionBudgets.filter((b) => Object.entries(b.spec?.selector?.matchLabels ?? {}).every(([k, v]) => podLabels[k] === v));
      expect(budgets.map((b) => b.spec?.maxUnavailable)).toEqual([1]);
    }
    // GracefulShutdown's default timeout (30 s) must fit: the final commits happen in it.
    expect(deploymentOf(rendered, 'processor').spec?.template.spec?.terminationGracePeriodSeconds).toBeGreaterThan(30);
  });

  it('should harden every pod: non-root, read-only root filesystem, no privilege escalation, no capabilities, no service links or API token', () => {
    for (const { kind, name, template, container } of workloads(rendered)) {
      const where = `${kind} ${name}`;
      expect({ where, pod: template.spec?.securityContext }).toEqual({ where, pod: expect.objectContaining({ runAsNonRoot: true, runAsUser: 1000, seccompProfile: { type: 'RuntimeDefault' } }) });
      expect({ where, container: container.securityContext }).toEqual({ where, container: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } } });
      expect({ where, links: template.spec?.enableServiceLinks, token: template.spec?.automountServiceAccountToken }).toEqual({ where, links: false, token: false });
      expect({ where, tmp: container.volumeMounts?.some((m) => m.mountPath === '/tmp') }).toEqual({ where, tmp: true });
    }
  });

  it('should set CPU and memory requests and limits on every container', () => {
    for (const { kind, name, container } of workloads(rendered)) {
      const { requests, limits } = container.resources ?? {};
      expect({ where: `${kind} ${name}`, requests: Object.keys(requests ?? {}).sort(), limits: Object.keys(limits ?? {}).sort() }).toEqual({ where: `${kind} ${name}`, requests: ['cpu', 'memory'], limits: ['cpu', 'memory'] });
    }
  });

  it('should announce every service to Prometheus on its own port', () => {
    for (const service of SERVICES) {
      const annotations = deploymentOf(rendered, service).spec?.template.metadata?.annotations ?? {};
      const port = containerOf(rendered, service).ports?.[0]?.containerPort;
      expect(annotations).toEqual({ 'prometheus.io/scrape': 'true', 'prometheus.io/port': String(port), 'prometheus.io/path': '/metrics' });
    }
  });

  it("should create the topics with the broker's own image and the script under test", () => {
    const job = workloads(rendered).find((w) => w.kind === 'Job');
    expect(job?.container.image).toBe(DOCKER_IMAGES.kafka);
    const scriptMap = rendered.configMaps.find((c) => c.metadata?.name?.startsWith('abtest-create-topics-'));
    expect(scriptMap?.data?.['create-topics.sh']).toBe(readFileSync(CREATE_TOPICS_SCRIPT, 'utf8'));
    expect(job?.template.spec?.volumes?.find((v) => v.name === 'script')?.configMap?.name).toBe(scriptMap?.metadata?.name);
  });

  it("should run the services' own images", () => {
    for (const service of SERVICES) expect(containerOf(rendered, service).image).toMatch(new RegExp(`(^|/)abtest/${service}:[\\w.-]+$`));
  });

  it.each(PROGRAMS)('should give %s only variables that it reads', (program: Program) => {
    if (!programExists(program)) return;
    const workload = workloads(rendered).find((w) => w.container.name === program);
    if (!workload) throw new Error(`no container named ${program}`);
    const known = knownVariables(program);
    const explicit = (workload.container.env ?? []).map((e) => e.name);
    expect(explicit.filter((name) => !known.has(name))).toEqual([]);
  });

  it('should put only settings that some program reads into the shared ConfigMap', () => {
    const everyone = new Set(PROGRAMS.filter(programExists).flatMap((program) => [...knownVariables(program)]));
    expect(Object.keys(settings(rendered)).filter((name) => !everyone.has(name))).toEqual([]);
  });

  if (overlay === 'prod') {
    it('should require the Kafka SASL and Redis credentials and speak TLS to Kafka', () => {
      const config = settings(rendered);
      expect(config).toMatchObject({ KAFKA_SSL: 'true', KAFKA_SASL_MECHANISM: expect.stringMatching(/^scram-sha-(256|512)$/), INGRESS_MODE: 'production' });
      for (const { name, container, template } of workloads(rendered)) {
        // Optional by design: Slack alerts and the definitions admin API.
        const required = secretRefs(container).filter((r) => r.variable !== 'SLACK_WEBHOOK_URL' && r.variable !== 'ADMIN_TOKEN');
        expect({ name, optional: required.filter((r) => r.optional) }).toEqual({ name, optional: [] });
        expect({ name, sasl: required.filter((r) => r.variable.startsWith('KAFKA_SASL_')).length }).toEqual({ name, sasl: 2 });
        const caMount = container.volumeMounts?.find((m) => m.name === 'kafka-ca');
        expect({ name, ca: config.KAFKA_SSL_CA_FILE?.startsWith(`${caMount?.mountPath}/`), secret: template.spec?.volumes?.find((v) => v.name === 'kafka-ca')?.secret?.optional }).toEqual({
          name,
          ca: true,
          secret: undefined,
        });
      }
      for (const service of ['processor', 'results']) expect(secretRefs(containerOf(rendered, service)).find((r) => r.variable === 'REDIS_URL')?.optional).toBeUndefined();
      for (const ingress of rendered.ingresses) expect(ingress.spec?.tls?.[0]?.hosts).toEqual(ingress.spec?.rules?.map((r) => r.host));
    });
  }
});
