import { dirname, join } from 'node:path';
import * as ts from 'typescript';
import { REPO_ROOT, type ModelKey, type RenderedObject } from './manifests';

/** The TypeScript interface of each kind in kubernetes-models (generated from the same OpenAPI documents). */
const INTERFACES: Record<ModelKey, { module: string; name: string }> = {
  'v1/ConfigMap': { module: 'kubernetes-models/v1/ConfigMap', name: 'IConfigMap' },
  'v1/Service': { module: 'kubernetes-models/v1/Service', name: 'IService' },
  'apps/v1/Deployment': { module: 'kubernetes-models/apps/v1/Deployment', name: 'IDeployment' },
  'batch/v1/Job': { module: 'kubernetes-models/batch/v1/Job', name: 'IJob' },
  'networking.k8s.io/v1/Ingress': { module: 'kubernetes-models/networking.k8s.io/v1/Ingress', name: 'IIngress' },
  'autoscaling/v2/HorizontalPodAutoscaler': { module: 'kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler', name: 'IHorizontalPodAutoscaler' },
  'policy/v1/PodDisruptionBudget': { module: 'kubernetes-models/policy/v1/PodDisruptionBudget', name: 'IPodDisruptionBudget' },
};

/**
 * The API schemas allow unknown fields (the API server drops them, at most
 * with a warning), so a misspelt `readinesProbe` would validate. Typing each
 * object as an object literal of its kind's interface makes the TypeScript
 * compiler report every field the API does not have (excess property
 * checks), at any depth. Returns one message per unknown field.
 */
export function unknownFields(objects: RenderedObject[]): string[] {
  const file = join(REPO_ROOT, 'test', 'deploy', '__rendered-manifests__.ts');
  const lines: string[] = [];
  const used = new Set<ModelKey>();
  objects.forEach((object, index) => {
    const known = INTERFACES[object.key as ModelKey];
    if (!known) return;
    used.add(object.key as ModelKey);
    lines.push(`// ${object.key} ${object.name}`, `export const object${index}: ${known.name} = ${JSON.stringify(object.raw, null, 1)};`);
  });
  const imports = [...used].map((key) => `import type { ${INTERFACES[key].name} } from '${INTERFACES[key].module}';`);
  const source = [...imports, ...lines].join('\n');

  const options: ts.CompilerOptions = { strict: true, noEmit: true, skipLibCheck: true, types: [], moduleResolution: ts.ModuleResolutionKind.Node10, module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022 };
  const host = ts.createCompilerHost(options);
  const readFile = host.readFile.bind(host);
  const fileExists = host.fileExists.bind(host);
  const getSourceFile = host.getSourceFile.bind(host);
  host.readFile = (name) => (name === file ? source : readFile(name));
  host.fileExists = (name) => name === file || fileExists(name);
  host.getSourceFile = (name, languageVersion, ...rest) => (name === file ? ts.createSourceFile(name, source, languageVersion, true) : getSourceFile(name, languageVersion, ...rest));
  host.getCurrentDirectory = () => dirname(file);
  const program = ts.createProgram([file], options, host);
  return ts.getPreEmitDiagnostics(program).map((diagnostic) => {
    const message = ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n');
    if (diagnostic.file?.fileName !== file || diagnostic.start === undefined) return message;
    const { line } = diagnostic.file.getLineAndCharacterOfPosition(diagnostic.start);
    const owner = source.split('\n').slice(0, line + 1).reverse().find((text) => text.startsWith('// ')) ?? '';
    return `${owner.slice(3)}: ${message}`;
  });
}
