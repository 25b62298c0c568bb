/**
 * The HTML of the Mermaid webview: the diagram text escaped into a `<pre class="mermaid">`, Mermaid
 * loaded from the extension's own copy (no network), a strict Content-Security-Policy. Pure.
 */

export interface MermaidPage {
  title: string;
  /** Mermaid source, for example the output of `weavergen workflow show NAME --format mermaid`. */
  diagram: string;
  /** Plain text shown under the diagram (for example the span tree); optional. */
  details?: string;
  /** The webview URI of the bundled mermaid.min.js. */
  mermaidUri: string;
  /** `webview.cspSource`. */
  cspSource: string;
  nonce: string;
  /** Dark themes get Mermaid's dark theme. */
  dark: boolean;
}

export function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

/** A random nonce for the page's one inline script. */
export function makeNonce(random: () => number = Math.random): string {
  const chars = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
  let out = '';
  for (let i = 0; i < 32; i++) {
    out += chars.charAt(Math.floor(random() * chars.length));
  }
  return out;
}

export function contentSecurityPolicy(cspSource: string, nonce: string): string {
  return [
    "default-src 'none'",
    `script-src 'nonce-${nonce}' ${cspSource}`,
    // Mermaid writes <style> elements into the SVG it renders.
    `style-src ${cspSource} 'unsafe-inline'`,
    `img-src ${cspSource} data:`,
    `font-src ${cspSource} data:`,
  ].join('; ');
}

export function mermaidHtml(page: MermaidPage): string {
  const config = JSON.stringify({ startOnLoad: false, securityLevel: 'strict', theme: page.dark ? 'dark' : 'default' });
  const details = page.details !== undefined && page.details.trim() !== '' ? `<pre class="details">${escapeHtml(page.details)}</pre>` : '';
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${escapeHtml(contentSecurityPolicy(page.cspSource, page.nonce))}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<title>${escapeHtml(page.title)}</title>
<style>
  body { font-family: var(--vscode-font-family); color: var(--vscode-foreground); }
  pre.details { font-family: var(--vscode-editor-font-family); font-size: var(--vscode-editor-font-size); }
  #error { color: var(--vscode-errorForeground); white-space: pre-wrap; }
</style>
</head>
<body>
<h2>${escapeHtml(page.title)}</h2>
<pre class="mermaid">${escapeHtml(page.diagram)}</pre>
<div id="error"></div>
${details}
<script nonce="${page.nonce}" src="${escapeHtml(page.mermaidUri)}"></script>
<script nonce="${page.nonce}">
  mermaid.initialize(${config});
  mermaid.run({ querySelector: 'pre.mermaid' }).catch(function (err) {
    document.getElementById('error').textContent = 'Mermaid could not draw this diagram: ' + (err && err.message ? err.message : err);
  });
</script>
</body>
</html>
`;
}
