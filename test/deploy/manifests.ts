import { execFileSync, spawnSync } from 'node:child_process';
import { join, resolve } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { Deployment } from 'kubernetes-models/apps/v1/Deployment';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler';
import { Job } from 'kubernetes-models/batch/v1/Job';
import { Ingress } from 'kubernetes-models/networking.k8s.io/v1/Ingress';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1/PodDisruptionBudget';
import { ConfigMap } from 'kubernetes-models/v1/ConfigMap';
import { Service } from 'kubernetes-models/v1/Service';

export const REPO_ROOT = resolve(__dirname, '..', '..');
export const OVERLAYS = ['dev', 'prod'] as const;
export type Overlay = (typeof OVERLAYS)[number];

/**
 * The Kubernetes API schemas (kubernetes-models: the OpenAPI definitions
 * compiled to validators) of every kind the manifests may contain. A kind
 * missing here fails the tests instead of going unchecked.
 */
const MODELS = {
  'v1/ConfigMap': ConfigMap,
  'v1/Service': Service,
  'apps/v1/Deployment': Deployment,
  'batch/v1/Job': Job,
  'networking.k8s.io/v1/Ingress': Ingress,
  'autoscaling/v2/HorizontalPodAutoscaler': HorizontalPodAutoscaler,
  'policy/v1/PodDisruptionBudget': PodDisruptionBudget,
} as const;
export type ModelKey = keyof typeof MODELS;
export const MODEL_KEYS = Object.keys(MODELS) as ModelKey[];

/** A rendered manifest: its source document and, when its kind is known, the model it validated as. */
export interface RenderedObject {
  key: string;
  name: string;
  raw: Record<string, unknown>;
}

export interface Rendered {
  overlay: Overlay;
  objects: RenderedObject[];
  configMaps: ConfigMap[];
  services: Service[];
  deployments: Deployment[];
  jobs: Job[];
  ingresses: Ingress[];
  autoscalers: HorizontalPodAutoscaler[];
  disruptionBudgets: PodDisruptionBudget[];
}

/** kubectl from Debian's package; installed when missing and this user may (CI runs as root). */
export function kubectl(): string {
  if (spawnSync('kubectl', ['version', '--client'], { stdio: 'ignore' }).status === 0) return 'kubectl';
  if (process.getuid?.() !== 0) throw new Error('kubectl is not installed and this user cannot install it: run `sudo apt-get install -y kubectl`');
  execFileSync('apt-get', ['update'], { stdio: 'ignore' });
  execFileSync('apt-get', ['install', '-y', '--no-install-recommends', 'kubectl'], { stdio: 'ignore', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  return 'kubectl';
}

/** `kubectl kustomize k8s/overlays/<overlay>`, parsed into objects. */
export function renderOverlay(overlay: Overlay): RenderedObject[] {
  const output = execFileSync(kubectl(), ['kustomize', join(REPO_ROOT, 'k8s', 'overlays', overlay)], { encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 });
  return parseAllDocuments(output).map((document) => {
    if (document.errors.length > 0) throw new Error(`kubectl kustomize ${overlay} printed invalid YAML: ${document.errors[0]?.message}`);
    const raw: unknown = document.toJS();
    if (!raw || typeof raw !== 'object' || Array.isArray(raw)) throw new Error(`kubectl kustomize ${overlay} printed a document that is not an object`);
    const object = raw as Record<string, unknown>;
    const metadata = object.metadata as { name?: unknown } | undefined;
    return { key: `${String(object.apiVersion)}/${String(object.kind)}`, name: String(metadata?.name), raw: object };
  });
}

/** Validates each object against its kind's API schema; returns one message per invalid object. */
export function schemaErrors(objects: RenderedObject[]): string[] {
  return objects.flatMap((object) => {
    const Model = MODELS[object.key as ModelKey];
    if (!Model) return [`${object.key} ${object.name}: no schema for this kind in test/deploy/manifests.ts`];
    try {
      new Model(object.raw as never).validate();
      return [];
    } catch (error) {
      return [`${object.key} ${object.name}: ${error instanceof Error ? error.message : String(error)}`];
    }
  });
}

/** Renders an overlay whose objects all validated (call schemaErrors first), typed by kind. */
export function typedOverlay(overlay: Overlay, objects: RenderedObject[]): Rendered {
  const of = <K extends ModelKey>(key: K) => objects.filter((o) => o.key === key).map((o) => new MODELS[key](o.raw as never) as InstanceType<(typeof MODELS)[K]>);
  return {
    overlay,
    objects,
    configMaps: of('v1/ConfigMap'),
    services: of('v1/Service'),
    deployments: of('apps/v1/Deployment'),
    jobs: of('batch/v1/Job'),
    ingresses: of('networking.k8s.io/v1/Ingress'),
    autoscalers: of('autoscaling/v2/HorizontalPodAutoscaler'),
    disruptionBudgets: of('policy/v1/PodDisruptionBudget'),
  };
}
