/**
 * The `/topology` page: the view an operator opens first in an incident. One
 * self-contained HTML document (no CDN, no build: the gateway may run without
 * internet). It draws the layout of `/topology.json` (layout.ts: bands per
 * sub-topology, edges routed around nodes) as SVG scaled to the window's
 * width, and every 2 s overlays `/topology/cluster`: the numbers of every live
 * instance — records per second, busy time, errors, latency per node with a
 * sparkline of the last 5 minutes, consumer lag per partition with its trend
 * and owner — and highlights the bottleneck.
 */
export const TOPOLOGY_PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>aura-streams topology</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
  body { font: 13px/1.4 system-ui, sans-serif; margin: 0; color: #1d2733; background: #f7f9fb; }
  header { padding: 8px 16px; background: #1d2733; color: #fff; display: flex; flex-wrap: wrap; gap: 6px 22px; align-items: baseline; }
  header h1 { font-size: 16px; margin: 0; }
  header .meta { opacity: .85; }
  #status.live { color: #7ee2a8; } #status.down { color: #ff9c9c; }
  #bottleneck { padding: 7px 16px; background: #e6f4ea; color: #1e4620; border-bottom: 1px solid #c7e3cd; }
  #bottleneck.hot { background: #fff1e0; color: #7a3e00; border-bottom-color: #f4c98f; font-weight: 600; }
  main { padding: 8px 12px 24px; }
  #graph { display: block; width: 100%; height: auto; }
  svg text { font-size: 12px; }
  .band rect { fill: #eef2f6; stroke: #d9e0e8; }
  .band text { fill: #55606e; font-size: 12px; font-weight: 600; }
  .node rect.box { stroke-width: 1.5; rx: 8; }
  .node.source rect.box, .node.sink rect.box { fill: #eef4ff; stroke: #4a6fa5; }
  .node.processor rect.box { fill: #fff; stroke: #2f855a; }
  .node.join rect.box { fill: #f3ecff; stroke: #6b46c1; }
  .node.store rect.box { fill: #fff6e5; stroke: #b7791f; }
  .node.errors rect.box { stroke: #c53030; stroke-width: 3; }
  .node.bottleneck rect.box { stroke: #dd6b20; stroke-width: 4; }
  .node .title { font-weight: 600; }
  .node .detail { fill: #55606e; font-size: 11px; }
  .node .stats { fill: #1d2733; font-size: 11px; font-variant-numeric: tabular-nums; }
  .node .spark { fill: none; stroke: #4a6fa5; stroke-width: 1.2; }
  .node.bottleneck .spark { stroke: #dd6b20; }
  .edge { fill: none; stroke: #8796a8; stroke-width: 1.3; }
  .edge.topic { stroke-dasharray: 5 4; }
  .edge.store { stroke-dasharray: 2 3; stroke: #b7791f; }
  .edge-label { fill: #55606e; font-size: 10px; }
  section { margin-top: 14px; }
  h2 { font-size: 14px; margin: 0 0 6px; }
  table { border-collapse: collapse; background: #fff; font-variant-numeric: tabular-nums; }
  th, td { padding: 4px 10px; border-bottom: 1px solid #e3e8ee; text-align: left; vertical-align: top; }
  .grows { color: #c05621; font-weight: 600; } .shrinks { color: #2f855a; }
  .chip { display: inline-block; margin: 0 6px 3px 0; padding: 0 6px; border-radius: 9px; background: #eef2f6; white-space: nowrap; }
  .chip.grows { background: #fff1e0; }
  .bad { color: #c53030; }
</style>
</head>
<body>
<header><h1 id="app">topology</h1><span class="meta" id="instances"></span><span class="meta" id="totals"></span><span class="meta" id="status">connecting…</span></header>
<div id="bottleneck">waiting for numbers…</div>
<main>
<svg id="graph" xmlns="http://www.w3.org/2000/svg"></svg>
<section><h2>Consumer lag per partition</h2><table id="lag"><thead><tr><th>topic</th><th>lag</th><th>trend</th><th>last 5 min</th><th>partitions (lag, trend, owner)</th></tr></thead><tbody></tbody></table></section>
<section><h2>Instances</h2><table id="peers"><thead><tr><th>instance</th><th>tasks</th><th>url</th><th>numbers</th></tr></thead><tbody></tbody></table></section>
</main>
<script>
(function () {
  var NS = 'http://www.w3.org/2000/svg';
  var svg = document.getElementById('graph');
  var base = location.pathname.replace(/\\/$/, '');
  function el(name, attrs, parent, text) {
    var e = document.createElementNS(NS, name);
    for (var k in attrs) e.setAttribute(k, attrs[k]);
    if (text !== undefined) e.textContent = text;
    if (parent) parent.appendChild(e);
    return e;
  }
  function html(name, text, cls) { var e = document.createElement(name); if (text !== undefined) e.textContent = text; if (cls) e.className = cls; return e; }
  function fmt(n) { n = n || 0; return n >= 100 ? n.toFixed(0) : n >= 10 ? n.toFixed(1) : n.toFixed(2); }
  function pct(n) { return Math.round((n || 0) * 100) + '%'; }
  function trend(t) { return t > 0.5 ? '↑ ' + fmt(t) + '/s' : t < -0.5 ? '↓ ' + fmt(-t) + '/s' : '→'; }
  function trendClass(t) { return t > 0.5 ? 'grows' : t < -0.5 ? 'shrinks' : ''; }
  function sparkPoints(values, x0, x1, y0, y1) {
    if (!values || values.length < 2) return '';
    var max = Math.max.apply(null, values.concat([1]));
    return values.map(function (v, i) { return (x0 + (i * (x1 - x0)) / (values.length - 1)).toFixed(1) + ',' + (y1 - (v / max) * (y1 - y0)).toFixed(1); }).join(' ');
  }
  var layout, byId = {};
  function draw(l) {
    layout = l;
    document.getElementById('app').textContent = l.app + ' topology';
    svg.setAttribute('viewBox', '0 0 ' + l.width + ' ' + l.height);
    svg.style.maxWidth = l.width + 'px';
    var defs = el('defs', {}, svg);
    var marker = el('marker', { id: 'arrow', viewBox: '0 0 10 10', refX: 10, refY: 5, markerWidth: 7, markerHeight: 7, orient: 'auto-start-reverse' }, defs);
    el('path', { d: 'M 0 0 L 10 5 L 0 10 z', fill: '#8796a8' }, marker);
    l.bands.forEach(function (b) {
      var g = el('g', { class: 'band', 'data-band': b.subtopology }, svg);
      el('rect', { x: b.x, y: b.y, width: b.w, height: b.h, rx: 10 }, g);
      el('text', { x: b.x + 10, y: b.y + 19, class: 'label band-title' }, g, b.title);
    });
    l.edges.forEach(function (e) {
      el('path', { d: e.d, class: 'edge ' + e.kind, 'data-edge': e.from + '->' + e.to, 'marker-end': e.kind === 'store' ? '' : 'url(#arrow)' }, svg);
      if (e.label && e.labelAt) el('text', { x: e.labelAt.x, y: e.labelAt.y, class: 'label edge-label' }, svg, e.label);
    });
    l.nodes.forEach(function (n) {
      byId[n.id] = n;
      var g = el('g', { class: 'node ' + n.kind, 'data-node-id': n.id, transform: 'translate(' + n.x + ',' + n.y + ')' }, svg);
      el('title', {}, g, n.id);
      el('rect', { class: 'box', width: n.w, height: n.h }, g);
      el('text', { x: 10, y: 18, class: 'label title' }, g, n.label);
      el('text', { x: 10, y: 34, class: 'label detail' }, g, n.detail);
      if (n.kind !== 'store') {
        el('text', { x: 10, y: 51, class: 'label stats', 'data-stat': 'rate' }, g, '0 rec/s');
        el('text', { x: 10, y: 67, class: 'label stats', 'data-stat': 'errors' }, g, '0 errors');
        el('polyline', { class: 'spark', points: '', 'data-stat': 'spark' }, g);
      }
    });
  }
  function update(c) {
    var t = c.totals || {};
    document.getElementById('totals').textContent = 'consumed ' + t.recordsConsumed + ' · produced ' + t.recordsProduced + ' · dead letters ' + t.deadLetters + ' · lag ' + t.lag;
    var ok = c.instances.filter(function (i) { return i.ok; }).length;
    document.getElementById('instances').textContent = c.instances.length + ' instance' + (c.instances.length === 1 ? '' : 's') + (ok < c.instances.length ? ' (' + (c.instances.length - ok) + ' not answering)' : '');
    var lagByTopic = {};
    c.topics.forEach(function (tp) { lagByTopic[tp.topic] = tp; });
    Object.keys(c.nodes).forEach(function (id) {
      var s = c.nodes[id], n = byId[id];
      var g = svg.querySelector('[data-node-id="' + CSS.escape(id) + '"]');
      if (!g || !n) return;
      var rate = fmt(s.rate) + ' rec/s' + (n.kind === 'processor' || n.kind === 'join' ? ' · ' + pct(s.utilization) + ' busy' : '');
      g.querySelector('[data-stat=rate]').textContent = rate;
      var second = s.errors + ' errors' + (s.latencyAvgMs ? ' · ' + fmt(s.latencyAvgMs) + ' ms' : '');
      var topic = n.kind === 'source' && n.detail.indexOf('source · ') === 0 ? lagByTopic[n.detail.slice(9)] : undefined;
      if (topic) second = s.errors + ' errors · lag ' + topic.lag + ' ' + trend(topic.trend);
      g.querySelector('[data-stat=errors]').textContent = second;
      g.querySelector('[data-stat=spark]').setAttribute('points', sparkPoints(s.spark, 10, n.w - 10, 72, n.h - 5));
      g.classList.toggle('errors', s.errorRate > 0);
      g.classList.toggle('bottleneck', !!c.bottleneck && c.bottleneck.node === id);
    });
    var b = document.getElementById('bottleneck');
    b.textContent = c.bottleneck ? 'Bottleneck: ' + c.bottleneck.reason : 'No bottleneck: no lag is growing and no node is above 80% busy.';
    b.className = c.bottleneck ? 'hot' : '';
    svg.setAttribute('data-bottleneck', c.bottleneck ? c.bottleneck.node : '');
    var body = document.querySelector('#lag tbody');
    body.textContent = '';
    c.topics.forEach(function (tp) {
      var tr = document.createElement('tr');
      tr.setAttribute('data-topic', tp.topic);
      tr.appendChild(html('td', tp.topic));
      tr.appendChild(html('td', String(tp.lag)));
      tr.appendChild(html('td', trend(tp.trend), trendClass(tp.trend)));
      var td = html('td');
      var s = el('svg', { width: 120, height: 20, viewBox: '0 0 120 20' }, td);
      el('polyline', { points: sparkPoints(tp.spark, 0, 120, 2, 18), fill: 'none', stroke: '#4a6fa5' }, s);
      tr.appendChild(td);
      var parts = html('td');
      tp.partitions.forEach(function (p) {
        parts.appendChild(html('span', 'p' + p.partition + ' ' + p.lag + ' ' + trend(p.trend) + ' · ' + (p.owner || 'unassigned'), 'chip ' + trendClass(p.trend)));
      });
      tr.appendChild(parts);
      body.appendChild(tr);
    });
    var peers = document.querySelector('#peers tbody');
    peers.textContent = '';
    c.instances.forEach(function (i) {
      var tr = document.createElement('tr');
      tr.setAttribute('data-instance', i.instance);
      tr.appendChild(html('td', i.instance + (i.here ? ' (this one)' : '')));
      tr.appendChild(html('td', String(i.tasks)));
      tr.appendChild(html('td', i.url || '—'));
      tr.appendChild(html('td', i.ok ? 'included' : i.problem || 'missing', i.ok ? '' : 'bad'));
      peers.appendChild(tr);
    });
  }
  function setStatus(text, cls) { var s = document.getElementById('status'); s.textContent = text; s.className = 'meta ' + cls; }
  function poll() {
    fetch(base + '/cluster').then(function (r) { if (!r.ok) throw new Error(String(r.status)); return r.json(); }).then(function (c) {
      update(c);
      setStatus('live · updated ' + new Date(c.at).toLocaleTimeString(), 'live');
    }).catch(function () { setStatus('no answer, retrying', 'down'); }).then(function () { setTimeout(poll, 2000); });
  }
  fetch(base + '.json').then(function (r) { return r.json(); }).then(function (l) { draw(l); poll(); });
})();
</script>
</body>
</html>
`;
