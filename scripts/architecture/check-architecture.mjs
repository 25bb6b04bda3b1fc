// Checks that the code keeps the package graph that docs/ARCHITECTURE.md declares:
// - the graph is read from the fenced ```package-graph block of docs/ARCHITECTURE.md;
// - every `@hsrkit/*` import in a package's sources (tests, scripts and benches included) names a
//   package that the graph allows, or `@hsrkit/testing` from tests, benches and scripts;
// - every package a published source file imports is in that package.json's dependencies;
// - no relative import reaches into another package's folder;
// - apps import only the browser-safe entries (never `/node`).
// Used by scripts/architecture/architecture.test.mjs (run by `npm test`).
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';

const SOURCE_EXT = /\.(ts|mts|js|mjs)$/;
const SKIP_DIRS = new Set(['node_modules', 'dist', 'fixtures', 'results', '.turbo', 'public']);
// Static imports/exports start a statement (a line); dynamic import() and require() go anywhere.
const IMPORT_RE =
  /(?:^[ \t]*import\s*(?:type\s+)?(?:[^'"`;]*?\sfrom\s*)?|^[ \t]*export\s+(?:type\s+)?[^'"`;]*?\sfrom\s*|\bimport\s*\(\s*|\brequire\s*\(\s*)['"]([^'"]+)['"]/gm;

/** Parses the ```package-graph block: `name: dep, dep` per line; `name:` for no dependency. */
export function parsePackageGraph(markdown) {
  const block = /```package-graph\n([\s\S]*?)```/.exec(markdown);
  if (!block) throw new Error('docs/ARCHITECTURE.md has no ```package-graph block');
  const graph = new Map();
  for (const raw of block[1].split('\n')) {
    const line = raw.replace(/#.*/, '').trim();
    if (!line) continue;
    const m = /^([a-z0-9-]+)\s*:\s*(.*)$/.exec(line);
    if (!m) throw new Error(`package-graph: cannot read line '${raw}'`);
    const deps = m[2]
      .split(',')
      .map((d) => d.trim())
      .filter(Boolean);
    graph.set(m[1], new Set(deps));
  }
  return graph;
}

function listSources(dir, out = []) {
  let entries;
  try {
    entries = readdirSync(dir);
  } catch {
    return out;
  }
  for (const name of entries) {
    if (SKIP_DIRS.has(name) || name.startsWith('.')) continue;
    const path = join(dir, name);
    const st = statSync(path);
    if (st.isDirectory()) listSources(path, out);
    else if (SOURCE_EXT.test(name) && !name.endsWith('.d.ts')) out.push(path);
  }
  return out;
}

/** Every import specifier in a source file, with its 1-based line. */
export function importsOf(text) {
  const found = [];
  for (const m of text.matchAll(IMPORT_RE)) {
    const line = text.slice(0, m.index).split('\n').length;
    found.push({ spec: m[1], line });
  }
  return found;
}

const isTestLike = (rel) =>
  /\.test\.[mc]?[tj]s$/.test(rel) ||
  rel.startsWith(`test${sep}`) ||
  rel.startsWith(`bench${sep}`) ||
  rel.startsWith(`scripts${sep}`) ||
  rel.includes(`${sep}test-support`) ||
  /(^|[/\\])vite(st)?\.config\./.test(rel) ||
  rel.startsWith(`vite${sep}`);

/**
 * Returns the list of violations (strings naming file:line and the rule); empty when the tree
 * keeps the declared graph. `root` is the monorepo root.
 */
export function checkArchitecture(root) {
  const graph = parsePackageGraph(readFileSync(join(root, 'docs', 'ARCHITECTURE.md'), 'utf8'));
  const violations = [];
  const workspaces = [];
  for (const group of ['packages', 'apps']) {
    let names = [];
    try {
      names = readdirSync(join(root, group));
    } catch {}
    for (const name of names) {
      const dir = join(root, group, name);
      try {
        const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
        workspaces.push({ dir, name, group, pkg });
      } catch {}
    }
  }
  const known = new Set(workspaces.map((w) => w.name));
  for (const w of workspaces) {
    if (!graph.has(w.name)) {
      violations.push(`${w.group}/${w.name}: not declared in docs/ARCHITECTURE.md's package-graph`);
      continue;
    }
    const allowed = graph.get(w.name);
    for (const dep of allowed) {
      if (!known.has(dep)) violations.push(`package-graph: ${w.name} -> unknown package ${dep}`);
    }
    const declared = new Set([
      ...Object.keys(w.pkg.dependencies ?? {}),
      ...Object.keys(w.pkg.peerDependencies ?? {}),
    ]);
    for (const dep of declared) {
      const m = /^@hsrkit\/(.+)$/.exec(dep);
      if (m && !allowed.has(m[1])) {
        violations.push(`${w.group}/${w.name}/package.json: depends on ${dep}, not allowed`);
      }
    }
    const devDeclared = new Set(Object.keys(w.pkg.devDependencies ?? {}));
    for (const file of listSources(w.dir)) {
      const rel = relative(w.dir, file);
      const testLike = isTestLike(rel);
      const text = readFileSync(file, 'utf8');
      for (const { spec, line } of importsOf(text)) {
        const where = `${w.group}/${w.name}/${rel.split(sep).join('/')}:${line}`;
        if (spec.startsWith('.')) {
          // Shared root config (vitest.shared.ts) is fine; another workspace's files are not.
          const target = resolve(dirname(file), spec);
          const other = workspaces.find(
            (o) => o !== w && (target === o.dir || target.startsWith(o.dir + sep)),
          );
          if (other) {
            violations.push(
              `${where}: relative import '${spec}' reaches into ${other.group}/${other.name}`,
            );
          }
          continue;
        }
        const m = /^@hsrkit\/([a-z0-9-]+)(\/.*)?$/.exec(spec);
        if (!m) continue;
        const [, target, sub] = m;
        if (target === w.name) {
          violations.push(`${where}: imports its own package by name ('${spec}')`);
          continue;
        }
        if (testLike && (target === 'testing' || devDeclared.has(`@hsrkit/${target}`))) continue;
        if (!allowed.has(target)) {
          violations.push(`${where}: ${w.name} may not import @hsrkit/${target}`);
          continue;
        }
        if (w.group === 'apps' && sub === '/node' && !testLike) {
          violations.push(`${where}: an app imports the Node entry '${spec}'`);
        }
        if (!testLike && !declared.has(`@hsrkit/${target}`)) {
          violations.push(`${where}: imports @hsrkit/${target}, missing from dependencies`);
        }
      }
    }
  }
  return violations;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const root = resolve(import.meta.dirname, '..', '..');
  const violations = checkArchitecture(root);
  for (const v of violations) console.error(v);
  console.log(
    violations.length === 0
      ? 'architecture: the imports keep docs/ARCHITECTURE.md'
      : `architecture: ${violations.length} violation(s)`,
  );
  process.exit(violations.length === 0 ? 0 : 1);
}
