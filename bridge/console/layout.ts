// The frame of the console's own pages, in bull-board's palette (its header colour, font and card
// look), so that going from the job browser to the queues page does not feel like another tool.

import { html, raw } from 'hono/html';
import type { HtmlEscapedString } from 'hono/utils/html';

export const CONSOLE_BASE = '/ui';

const STYLE = `
  :root { color-scheme: light; }
  * { box-sizing: border-box; }
  body { margin: 0; font-family: -apple-system, BlinkMacSystemFont, "Segoe UI", Roboto, Helvetica, Arial, sans-serif; font-size: 14px; background: #f5f8fa; color: #2d3748; }
  header { background: #4a5568; color: #fff; padding: 0 1.5rem; height: 3.5rem; display: flex; align-items: center; gap: 1.5rem; }
  header h1 { font-size: 1.1rem; margin: 0; font-weight: 600; }
  header a, header button { color: #e2e8f0; text-decoration: none; background: none; border: 0; font: inherit; cursor: pointer; padding: 0; }
  header a:hover, header button:hover { color: #fff; }
  header .spacer { flex: 1; }
  main { padding: 1.5rem; max-width: 90rem; }
  h2 { font-size: 1rem; margin: 1.5rem 0 .75rem; }
  .card { background: #fff; border-radius: .375rem; box-shadow: 0 1px 3px rgba(0,0,0,.1); overflow-x: auto; }
  table { border-collapse: collapse; width: 100%; }
  th, td { text-align: left; padding: .6rem .8rem; border-bottom: 1px solid #edf2f7; vertical-align: top; white-space: nowrap; }
  th { font-size: .75rem; text-transform: uppercase; letter-spacing: .03em; color: #718096; }
  td.wrap { white-space: normal; max-width: 22rem; overflow-wrap: anywhere; }
  .muted { color: #a0aec0; }
  .badge { display: inline-block; padding: .1rem .5rem; border-radius: 9999px; font-size: .75rem; font-weight: 600; }
  .badge.paused { background: #feebc8; color: #9c4221; }
  .badge.running { background: #c6f6d5; color: #22543d; }
  .badge.stale { background: #fed7d7; color: #9b2c2c; }
  .notice { background: #fff5f5; color: #9b2c2c; border-radius: .375rem; padding: .75rem 1rem; margin-bottom: 1rem; }
  button.action { background: #4a5568; color: #fff; border: 0; border-radius: .25rem; padding: .35rem .8rem; font: inherit; cursor: pointer; }
  button.action:hover { background: #2d3748; }
  form.inline { display: inline; margin: 0; }
  .login { max-width: 24rem; margin: 4rem auto; background: #fff; border-radius: .375rem; box-shadow: 0 1px 3px rgba(0,0,0,.1); padding: 2rem; }
  .login label { display: block; margin-bottom: .5rem; font-weight: 600; }
  .login input { width: 100%; padding: .5rem; border: 1px solid #cbd5e0; border-radius: .25rem; font: inherit; margin-bottom: 1rem; }
`;

export const page = (title: string, body: HtmlEscapedString | Promise<HtmlEscapedString>, { signedIn }: { signedIn: boolean }) => html`<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <meta name="viewport" content="width=device-width, initial-scale=1" />
    <title>${title} &middot; Queue Worker</title>
    <style>
      ${raw(STYLE)}
    </style>
  </head>
  <body>
    <header>
      <h1>Queue Worker</h1>
      ${signedIn
        ? html`<a href="${CONSOLE_BASE}/queues">Queues</a><a href="${CONSOLE_BASE}/">Jobs</a><span class="spacer"></span>
            <form class="inline" method="post" action="${CONSOLE_BASE}/logout"><button type="submit">Log out</button></form>`
        : ''}
    </header>
    ${body}
  </body>
</html>`;
