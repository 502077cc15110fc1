// Node runs the compiled ESM output; TypeScript's `paths` are not rewritten by tsc, so `@app/<lib>`
// is resolved here to the lib's compiled index (the only way in to a lib).
import { register } from 'node:module';

register('./alias-hooks.mjs', import.meta.url);
