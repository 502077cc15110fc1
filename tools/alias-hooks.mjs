import { pathToFileURL } from 'node:url';
import { resolve as resolvePath } from 'node:path';

const dist = resolvePath(import.meta.dirname ?? new URL('.', import.meta.url).pathname, '..', 'dist');

export async function resolve(specifier, context, nextResolve) {
  const match = /^@app\/([a-z0-9-]+)$/.exec(specifier);
  if (match) {
    return nextResolve(pathToFileURL(`${dist}/libs/${match[1]}/src/index.js`).href, context);
  }
  return nextResolve(specifier, context);
}
