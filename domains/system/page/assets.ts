/**
 * The live system page (`GET /system`): HTML, style and script, kept here as text so the page
 * is served offline (no outside URL) and goes into a compiled binary with the code.
 * @module
 */

/** The page; `{{CSS}}` and `{{JS}}` are replaced by the inline style and script. */
export const PAGE_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>MicroCoreOS · system</title>
<link rel="icon" href="data:,">
<style>{{CSS}}</style>
</head>
<body>
<header><h1>MicroCoreOS</h1><span id="summary">loading…</span><span id="rates"></span></header>
<main>
<section><h2>Tools and plugins</h2><table id="entries"><thead><tr><th>id</th><th>kind</th><th>state</th><th>load</th><th>reloads</th><th>error</th></tr></thead><tbody></tbody></table></section>
<section><h2>Event flow</h2><div id="flow"></div></section>
<section><h2>Routes</h2><table id="routes"><thead><tr><th>method</th><th>path</th><th>plugin</th></tr></thead><tbody></tbody></table></section>
<section><h2>Recent reloads</h2><ul id="reloads"></ul></section>
<section class="wide"><h2>Live logs</h2><pre id="logs"></pre></section>
</main>
<script>{{JS}}</script>
</body>
</html>
`;

/** The page's style. */
export const PAGE_CSS = `
body { font: 14px/1.4 system-ui, sans-serif; margin: 0; background: #fafafa; color: #222; }
header { display: flex; gap: 1.5em; align-items: baseline; padding: .6em 1em; background: #1f2937; color: #fff; }
header h1 { font-size: 1.1em; margin: 0; }
main { display: grid; grid-template-columns: repeat(auto-fit, minmax(28em, 1fr)); gap: 1em; padding: 1em; }
section { background: #fff; border: 1px solid #ddd; border-radius: 6px; padding: .5em 1em; overflow: auto; }
section.wide { grid-column: 1 / -1; }
h2 { font-size: 1em; margin: .3em 0 .6em; }
table { border-collapse: collapse; width: 100%; }
td, th { text-align: left; padding: 2px 6px; border-bottom: 1px solid #eee; vertical-align: top; }
.ready { color: #15803d; } .failed, .stale, .degraded { color: #b91c1c; font-weight: bold; }
.error { color: #b91c1c; font-family: monospace; white-space: pre-wrap; }
pre#logs { max-height: 24em; overflow: auto; margin: 0; font-size: 12px; }
.warn { color: #b45309; } .err { color: #b91c1c; }
svg text { font: 12px system-ui, sans-serif; }
`;

/** The page's script: polls the /system/* endpoints and streams the logs (fetch, so a token works). */
export const PAGE_JS = `"use strict";
const token = new URLSearchParams(location.hash.slice(1)).get("token");
const auth = token ? { authorization: "Bearer " + token } : {};
const $ = (id) => document.getElementById(id);
const el = (tag, text, cls) => { const e = document.createElement(tag); if (text !== undefined) e.textContent = String(text); if (cls) e.className = cls; return e; };
async function get(path) {
  const res = await fetch(path, { headers: auth });
  if (!res.ok) throw new Error(path + ": " + res.status);
  return path === "/metrics" ? res.text() : (await res.json()).data;
}
function row(cells) { const tr = el("tr"); for (const c of cells) tr.append(c instanceof Node ? c : el("td", c)); return tr; }
function td(node) { const t = el("td"); t.append(node); return t; }
function renderEntries(entries) {
  const body = $("entries").tBodies[0];
  body.replaceChildren(...entries.map((e) => {
    const err = e.error ? (e.error.message || "") + (e.error.file ? " (" + e.error.file + (e.error.line ? ":" + e.error.line : "") + ")" : "") : "";
    return row([e.id, e.kind, td(el("span", e.state, e.state)), e.loadMs !== undefined ? e.loadMs + " ms" : "", e.reloads ?? "", td(el("span", err, "error"))]);
  }));
  const routes = [];
  for (const e of entries) for (const r of e.routes || []) routes.push(row([r.method, r.path, e.id]));
  $("routes").tBodies[0].replaceChildren(...routes);
  const reloads = entries.filter((e) => e.kind === "plugin" && e.reloads > 0).sort((a, b) => b.updatedAt - a.updatedAt);
  $("reloads").replaceChildren(...reloads.slice(0, 20).map((e) => el("li", e.id + ": " + e.reloads + " reload(s), last took " + e.loadMs + " ms at " + new Date(e.updatedAt).toLocaleTimeString() + (e.state !== "ready" ? " — " + e.state : ""))));
}
const SVG = "http://www.w3.org/2000/svg";
function svg(tag, attrs, text) { const e = document.createElementNS(SVG, tag); for (const k in attrs) e.setAttribute(k, attrs[k]); if (text !== undefined) e.textContent = text; return e; }
function renderFlow(events) {
  const shown = events.filter((e) => !e.name.startsWith("_dlq."));
  const pubs = [...new Set(shown.flatMap((e) => [...e.declaredBy, ...e.emitters]))].sort();
  const subs = [...new Set(shown.flatMap((e) => [...e.subscribers, ...(e.responder ? [e.responder] : [])]))].sort();
  const rowH = 22, h = Math.max(pubs.length, shown.length, subs.length, 1) * rowH + 10;
  const s = svg("svg", { width: 760, height: h, viewBox: "0 0 760 " + h, role: "img", "aria-label": "event flow" });
  const y = (i) => 16 + i * rowH;
  shown.forEach((e, i) => {
    for (const p of new Set([...e.declaredBy, ...e.emitters])) s.append(svg("line", { x1: 190, y1: y(pubs.indexOf(p)) - 4, x2: 290, y2: y(i) - 4, stroke: "#2563eb" }));
    for (const c of e.subscribers) s.append(svg("line", { x1: 470, y1: y(i) - 4, x2: 570, y2: y(subs.indexOf(c)) - 4, stroke: "#16a34a" }));
    if (e.responder) s.append(svg("line", { x1: 470, y1: y(i) - 4, x2: 570, y2: y(subs.indexOf(e.responder)) - 4, stroke: "#9333ea", "stroke-dasharray": "4 3" }));
    s.append(svg("text", { x: 380, y: y(i), "text-anchor": "middle", class: "event" }, e.name + " (" + e.published + "/" + e.delivered + (e.failed ? ", " + e.failed + " failed" : "") + ")"));
  });
  pubs.forEach((p, i) => s.append(svg("text", { x: 185, y: y(i), "text-anchor": "end" }, p)));
  subs.forEach((c, i) => s.append(svg("text", { x: 575, y: y(i) }, c)));
  $("flow").replaceChildren(s);
}
let last;
function renderRates(metrics, events) {
  let reqs = 0;
  for (const line of metrics.split("\\n")) if (line.startsWith("http_server_request_duration_seconds_count")) reqs += Number(line.split(" ").pop());
  const published = events.reduce((n, e) => n + e.published, 0);
  const now = Date.now();
  if (last) {
    const s = (now - last.at) / 1000;
    $("rates").textContent = ((reqs - last.reqs) / s).toFixed(1) + " req/s · " + ((published - last.published) / s).toFixed(1) + " events/s";
  }
  last = { at: now, reqs, published };
}
async function refresh() {
  try {
    const [status, ev] = await Promise.all([get("/system/status"), get("/system/events")]);
    const s = status.summary;
    $("summary").textContent = (s.mode || "") + " · " + (s.states ? Object.entries(s.states).map(([k, v]) => v + " " + k).join(", ") : "") + " · heap " + Math.round((s.heapUsed || 0) / 1048576) + " MiB";
    renderEntries(status.entries);
    renderFlow(ev.events);
    const metrics = await get("/metrics").catch(() => "");
    renderRates(metrics, ev.events);
    document.body.dataset.updated = String(Date.now());
  } catch (e) {
    $("summary").textContent = "unreachable: " + e.message;
  }
}
async function logs() {
  const pre = $("logs");
  try {
    const res = await fetch("/system/logs/stream", { headers: auth });
    if (!res.ok || !res.body) { pre.textContent = "log stream: " + res.status; return; }
    const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
    let buf = "";
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      buf += value;
      let i;
      while ((i = buf.indexOf("\\n\\n")) >= 0) {
        const block = buf.slice(0, i); buf = buf.slice(i + 2);
        const data = /^data: (.*)$/m.exec(block);
        if (!/^event: log$/m.test(block) || !data) continue;
        const r = JSON.parse(data[1]);
        pre.append(el("div", r.time.slice(11, 23) + " " + r.level.padEnd(5) + " " + r.owner + ": " + r.message, r.level === "error" ? "err" : r.level === "warn" ? "warn" : ""));
        while (pre.childNodes.length > 300) pre.firstChild.remove();
        pre.scrollTop = pre.scrollHeight;
      }
    }
  } catch { /* the server went away (a restart): the next refresh says so */ }
  setTimeout(logs, 2000);
}
refresh();
setInterval(refresh, 2000);
logs();
`;
