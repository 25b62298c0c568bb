import assert from 'node:assert/strict';
import { test } from 'node:test';

import { contentSecurityPolicy, makeNonce, mermaidHtml } from '../src/webview';

const page = {
  title: 'Workflow <check>',
  diagram: 'flowchart LR\n  a["x < y & z"] --> b</pre><script>alert(1)</script>',
  details: 'registry_check 12 ms',
  mermaidUri: 'vscode-webview://abc/dist/media/mermaid.min.js',
  cspSource: 'vscode-webview://abc',
  nonce: 'N0nce',
  dark: true,
};

test('the diagram is escaped: no markup from the CLI output reaches the page', () => {
  const html = mermaidHtml(page);
  assert.ok(!html.includes('<script>alert(1)</script>'));
  assert.ok(html.includes('x &lt; y &amp; z'));
  assert.ok(html.includes('<title>Workflow &lt;check&gt;</title>'));
  assert.ok(html.includes('<pre class="details">registry_check 12 ms</pre>'));
});

test('only the bundled Mermaid and the nonce script run; nothing is fetched from the network', () => {
  const html = mermaidHtml(page);
  assert.ok(html.includes(`content="${contentSecurityPolicy(page.cspSource, page.nonce).replace(/'/g, '&#39;')}"`));
  assert.equal(html.match(/<script /g)?.length, 2);
  assert.equal(html.match(/<script nonce="N0nce"/g)?.length, 2);
  assert.ok(!/https?:\/\//.test(html));
  assert.ok(html.includes('"theme":"dark"'));
  assert.ok(html.includes('"securityLevel":"strict"'));
});

test('nonces are 32 characters from a safe alphabet', () => {
  const nonce = makeNonce();
  assert.match(nonce, /^[A-Za-z0-9]{32}$/);
  assert.notEqual(nonce, makeNonce());
});
