// GET /ui/login: one password field for OPS_READ_TOKEN or OPS_TOKEN, posted (never in a URL).

import { html } from 'hono/html';
import { CONSOLE_BASE, page } from './layout.ts';

export const loginPage = (error?: string) =>
  page(
    'Log in',
    html`<form class="login" method="post" action="${CONSOLE_BASE}/login">
      ${error ? html`<div class="notice" role="alert">${error}</div>` : ''}
      <label for="token">Operations token</label>
      <input id="token" name="token" type="password" autocomplete="current-password" required autofocus />
      <p class="muted">OPS_READ_TOKEN to look, OPS_TOKEN to act.</p>
      <button class="action" type="submit">Log in</button>
    </form>`,
    { signedIn: false },
  );
