// wrangler dev reads secrets from .dev.vars; give a fresh checkout the documented local values.
import { copyFileSync, existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
if (!existsSync(`${root}.dev.vars`)) {
  copyFileSync(`${root}.dev.vars.example`, `${root}.dev.vars`);
  console.log('created .dev.vars from .dev.vars.example (local values only)');
}
