// Module hooks that let a child `node` process run the project's TypeScript sources directly (the
// relay-crash test kills such a child with SIGKILL): `@app/<lib>` -> libs/<lib>/src/index.ts,
// `./x.js` -> `./x.ts` when only the .ts exists, and .ts files transpiled on load (no type check).
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { resolve as resolvePath } from 'node:path';
import ts from 'typescript';

const root = resolvePath(fileURLToPath(new URL('.', import.meta.url)), '../../..');

export async function resolve(specifier, context, nextResolve) {
  const lib = /^@app\/([a-z0-9-]+)$/.exec(specifier);
  if (lib) return { url: pathToFileURL(`${root}/libs/${lib[1]}/src/index.ts`).href, shortCircuit: true };
  if (specifier.startsWith('.') && specifier.endsWith('.js') && context.parentURL?.endsWith('.ts')) {
    const candidate = new URL(specifier.replace(/\.js$/, '.ts'), context.parentURL);
    if (existsSync(fileURLToPath(candidate))) return { url: candidate.href, shortCircuit: true };
  }
  return nextResolve(specifier, context);
}

export async function load(url, context, nextLoad) {
  if (!url.endsWith('.ts')) return nextLoad(url, context);
  const source = await readFile(fileURLToPath(url), 'utf8');
  const { outputText } = ts.transpileModule(source, {
    fileName: fileURLToPath(url),
    compilerOptions: {
      module: ts.ModuleKind.ESNext,
      target: ts.ScriptTarget.ES2023,
      experimentalDecorators: true,
      emitDecoratorMetadata: true,
      verbatimModuleSyntax: false,
    },
  });
  return { format: 'module', source: outputText, shortCircuit: true };
}
