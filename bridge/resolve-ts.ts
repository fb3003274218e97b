// src/ imports its siblings as './x.js' (what the workerd bundler and tsc expect), but Node runs
// the .ts files as they are. This hook lets such a relative '.js' import find the '.ts' file when
// no '.js' exists. Must be imported before anything that imports src/ (see main.ts).

import { registerHooks } from 'node:module';

registerHooks({
  resolve(specifier, context, nextResolve) {
    try {
      return nextResolve(specifier, context);
    } catch (error) {
      const relativeJs = specifier.startsWith('.') && specifier.endsWith('.js');
      if (!relativeJs || (error as { code?: string }).code !== 'ERR_MODULE_NOT_FOUND') throw error;
      return nextResolve(`${specifier.slice(0, -'.js'.length)}.ts`, context);
    }
  },
});
