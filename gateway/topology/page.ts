/**
 * The `/topology` page: one self-contained HTML document (no CDN, no build:
 * the gateway may run without internet). It fetches the layout from
 * `/topology.json`, draws it as SVG, and overlays live numbers — records per
 * second, errors, average latency per node, consumer lag on source nodes —
 * pushed every second over the `/topology/live` WebSocket (polling
 * `/topology/stats` if the socket cannot open).
 */
export const TOPOLOGY_PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>aura-streams topology</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
  body { font: 13px/1.4 system-ui, sans-serif; margin: 0; color: #1d2733; background: #f7f9fb; }
  header { padding: 10px 18px; background: #1d2733; color: #fff; display: flex; gap: 24px; align-items: baseline; }
  header h1 { font-size: 16px; margin: 0; }
  header .meta { opacity: .8; }
  #status.live { color: #7ee2a8; } #status.down { color: #ff9c9c; }
  main { padding: 12px; overflow: auto; }
  svg text { font-size: 12px; }
  .node rect { stroke-width: 1.5; rx: 8; }
  .node.source rect, .node.sink rect { fill: #eef4ff; stroke: #4a6fa5; }
  .node.processor rect { fill: #fff; stroke: #2f855a; }
  .node.join rect { fill: #f3ecff; stroke: #6b46c1; }
  .node.store rect { fill: #fff6e5; stroke: #b7791f; }
  .node.errors rect { stroke: #c53030; stroke-width: 3; }
  .node .title { font-weight: 600; }
  .node .detail { fill: #55606e; }
  .node .stats { fill: #1d2733; font-variant-numeric: tabular-nums; }
  .edge { fill: none; stroke: #8796a8; stroke-width: 1.3; }
  .edge.topic { stroke-dasharray: 5 4; }
  .edge.store { stroke-dasharray: 2 3; stroke: #b7791f; }
  .edge-label { fill: #55606e; font-size: 11px; }
</style>
</head>
<body>
<header><h1 id="app">topology</h1><span class="meta" id="totals"></span><span class="meta" id="status">connecting…</span></header>
<main><svg id="graph" xmlns="http://www.w3.org/2000/svg"></svg></main>
<script>
(function () {
  var NS = 'http://www.w3.org/2000/svg';
  var svg = document.getElementById('graph');
  function el(name, attrs, parent) {
    var e = document.createElementNS(NS, name);
    for (var k in attrs) e.setAttribute(k, attrs[k]);
    if (parent) parent.appendChild(e);
    return e;
  }
  function fmt(n) { return n >= 100 ? n.toFixed(0) : n >= 10 ? n.toFixed(1) : n.toFixed(2); }
  var byId = {};
  function draw(layout) {
    document.getElementById('app').textContent = layout.app + ' topology';
    svg.setAttribute('width', layout.width);
    svg.setAttribute('height', layout.height);
    var defs = el('defs', {}, svg);
    var marker = el('marker', { id: 'arrow', viewBox: '0 0 10 10', refX: 10, refY: 5, markerWidth: 7, markerHeight: 7, orient: 'auto-start-reverse' }, defs);
    el('path', { d: 'M 0 0 L 10 5 L 0 10 z', fill: '#8796a8' }, marker);
    layout.nodes.forEach(function (n) { byId[n.id] = n; });
    layout.edges.forEach(function (e) {
      var a = byId[e.from], b = byId[e.to];
      if (!a || !b) return;
      var x1 = a.x + a.w, y1 = a.y + a.h / 2, x2 = b.x, y2 = b.y + b.h / 2;
      if (e.kind === 'store') { x1 = a.x + a.w / 2; y1 = a.y + a.h; x2 = b.x + b.w / 2; y2 = b.y; }
      var mid = (x1 + x2) / 2;
      var d = e.kind === 'store' ? 'M' + x1 + ',' + y1 + ' L' + x2 + ',' + y2 : 'M' + x1 + ',' + y1 + ' C' + mid + ',' + y1 + ' ' + mid + ',' + y2 + ' ' + x2 + ',' + y2;
      el('path', { d: d, class: 'edge ' + e.kind, 'marker-end': e.kind === 'store' ? '' : 'url(#arrow)' }, svg);
      if (e.label && e.kind === 'flow') {
        var t = el('text', { x: mid, y: (y1 + y2) / 2 - 4, class: 'edge-label', 'text-anchor': 'middle' }, svg);
        t.textContent = e.label;
      }
    });
    layout.nodes.forEach(function (n) {
      var g = el('g', { class: 'node ' + n.kind, 'data-node-id': n.id, transform: 'translate(' + n.x + ',' + n.y + ')' }, svg);
      el('rect', { width: n.w, height: n.h }, g);
      var title = el('text', { x: 10, y: 18, class: 'title' }, g); title.textContent = n.label;
      var detail = el('text', { x: 10, y: 34, class: 'detail' }, g); detail.textContent = n.detail;
      if (n.kind !== 'store') {
        var s1 = el('text', { x: 10, y: 52, class: 'stats rate', 'data-stat': 'rate' }, g); s1.textContent = '0 rec/s · 0 total';
        var s2 = el('text', { x: 10, y: 68, class: 'stats errors', 'data-stat': 'errors' }, g); s2.textContent = '0 errors';
      }
    });
  }
  function update(stats) {
    var totals = stats.totals || {};
    document.getElementById('totals').textContent = 'consumed ' + (totals.recordsConsumed || 0) + ' · produced ' + (totals.recordsProduced || 0) + ' · dead letters ' + (totals.deadLetters || 0) + ' · lag ' + (totals.lag || 0);
    Object.keys(stats.nodes || {}).forEach(function (id) {
      var s = stats.nodes[id];
      var g = svg.querySelector('[data-node-id="' + CSS.escape(id) + '"]');
      if (!g) return;
      g.querySelector('[data-stat=rate]').textContent = fmt(s.rate) + ' rec/s · ' + s.processed + ' total';
      var errs = s.errors + ' errors' + (s.latencyAvgMs ? ' · ' + fmt(s.latencyAvgMs) + ' ms' : '') + (s.lag !== undefined ? ' · lag ' + s.lag : '');
      g.querySelector('[data-stat=errors]').textContent = errs;
      g.classList.toggle('errors', s.errorRate > 0);
    });
  }
  function setStatus(text, cls) { var s = document.getElementById('status'); s.textContent = text; s.className = 'meta ' + cls; }
  function poll() {
    setStatus('polling', 'down');
    setInterval(function () { fetch(location.pathname.replace(/\\/$/, '') + '/stats').catch(function () { return null; }).then(function (r) { return r && r.json(); }).then(function (s) { if (s) update(s); }); }, 1000);
  }
  function live() {
    var url = (location.protocol === 'https:' ? 'wss://' : 'ws://') + location.host + location.pathname.replace(/\\/$/, '') + '/live';
    var ws;
    try { ws = new WebSocket(url); } catch (e) { return poll(); }
    var opened = false;
    ws.onopen = function () { opened = true; setStatus('live', 'live'); };
    ws.onmessage = function (m) { update(JSON.parse(m.data)); };
    ws.onclose = function () { if (!opened) return poll(); setStatus('reconnecting…', 'down'); setTimeout(live, 1000); };
  }
  fetch(location.pathname.replace(/\\/$/, '') + '.json').then(function (r) { return r.json(); }).then(function (layout) { draw(layout); live(); });
})();
</script>
</body>
</html>
`;
