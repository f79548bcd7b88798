/**
 * `/docs`: the OpenAPI document rendered for people, by one self-contained
 * HTML page (no CDN, no build: the gateway may run without internet, and the
 * page loads nothing but `/openapi.json`). Operations by tag — method, path,
 * security, parameters, body, every response with its headers — and every
 * component schema once, which `$ref`s link to. Text goes in through
 * `textContent` only (backticks become <code>), never as HTML.
 */
export const OPENAPI_PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>API reference</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
  body { font: 14px/1.5 system-ui, sans-serif; margin: 0; color: #1d2733; background: #f7f9fb; }
  header { padding: 14px 22px; background: #1d2733; color: #fff; }
  header h1 { margin: 0; font-size: 20px; }
  main { max-width: 1100px; margin: 0 auto; padding: 10px 22px 60px; }
  h2 { margin: 28px 0 6px; border-bottom: 1px solid #d6dde5; }
  .op { background: #fff; border: 1px solid #d6dde5; border-radius: 8px; margin: 10px 0; padding: 4px 12px; }
  .op summary { cursor: pointer; padding: 6px 0; }
  .method { display: inline-block; min-width: 52px; font-weight: 700; text-transform: uppercase; }
  .method.get { color: #2f855a; } .method.post { color: #2b6cb0; }
  .path { font-family: ui-monospace, monospace; font-weight: 600; }
  .status { font-family: ui-monospace, monospace; font-weight: 700; }
  .status.ok { color: #2f855a; } .status.err { color: #c53030; }
  code, .schema { font-family: ui-monospace, monospace; font-size: 12.5px; }
  code { background: #eef1f5; padding: 0 3px; border-radius: 3px; }
  table { border-collapse: collapse; margin: 4px 0 10px; }
  td, th { border: 1px solid #d6dde5; padding: 3px 8px; text-align: left; vertical-align: top; }
  .schema { margin: 2px 0 2px 14px; }
  .muted { color: #55606e; }
</style>
</head>
<body>
<header><h1 id="title">API reference</h1><div id="version" class="muted"></div></header>
<main><div id="intro"></div><div id="operations"></div><h2 id="schemas-title">Schemas</h2><div id="schemas"></div><p id="status" class="muted">loading…</p></main>
<script>
(function () {
  var SPEC = location.pathname.replace(/\\/docs\\/?$/, '') + '/openapi.json';
  function el(name, attrs, parent, text) {
    var e = document.createElement(name);
    for (var k in attrs || {}) e.setAttribute(k, attrs[k]);
    if (text !== undefined) rich(e, String(text));
    if (parent) parent.appendChild(e);
    return e;
  }
  // Markdown's inline code only: \`x\` becomes <code>x</code>; everything else stays text.
  function rich(e, text) {
    text.split('\`').forEach(function (part, i) {
      if (i % 2) el('code', {}, e).textContent = part; else e.appendChild(document.createTextNode(part));
    });
  }
  function refName(ref) { return ref.replace('#/components/schemas/', ''); }
  function constraints(s) {
    var out = [];
    ['format', 'minimum', 'maximum', 'minLength', 'maxLength', 'pattern', 'minItems', 'maxItems', 'default'].forEach(function (k) {
      if (s[k] !== undefined) out.push(k + ': ' + JSON.stringify(s[k]));
    });
    if (s.enum) out.push('one of ' + s.enum.map(function (v) { return JSON.stringify(v); }).join(', '));
    if (s.const !== undefined) out.push('= ' + JSON.stringify(s.const));
    return out.join(', ');
  }
  function schema(s, parent, depth) {
    var box = el('div', { class: 'schema' }, parent);
    if (!s || typeof s !== 'object') { box.textContent = 'any'; return box; }
    if (s.$ref) {
      var name = refName(s.$ref);
      var a = el('a', { href: '#schema-' + name.split('/')[0] }, box);
      a.textContent = name;
      return box;
    }
    var type = Array.isArray(s.type) ? s.type.join(' | ') : s.type || (s.properties ? 'object' : '');
    var head = el('span', {}, box);
    head.textContent = [type, constraints(s)].filter(Boolean).join(' — ');
    if (s.description) el('span', { class: 'muted' }, box, ' ' + s.description);
    if (depth > 8) return box;
    var req = s.required || [];
    Object.keys(s.properties || {}).forEach(function (p) {
      var row = el('div', { class: 'schema' }, box);
      el('b', {}, row).textContent = p + (req.indexOf(p) >= 0 ? '' : '?') + ': ';
      schema(s.properties[p], row, depth + 1);
    });
    if (s.additionalProperties && typeof s.additionalProperties === 'object') { el('div', { class: 'muted' }, box, 'each value:'); schema(s.additionalProperties, box, depth + 1); }
    if (s.items) { el('div', { class: 'muted' }, box, 'items:'); schema(s.items, box, depth + 1); }
    ['allOf', 'anyOf', 'oneOf'].forEach(function (k) {
      if (!s[k]) return;
      el('div', { class: 'muted' }, box, k + ':');
      s[k].forEach(function (x) { schema(x, box, depth + 1); });
    });
    if (s.if && s.then) { el('div', { class: 'muted' }, box, 'if ' + JSON.stringify(s.if.properties || s.if) + ' then:'); schema(s.then, box, depth + 1); }
    return box;
  }
  function operation(path, method, op, parent) {
    var d = el('details', { class: 'op', id: 'op-' + op.operationId, 'data-operation': op.operationId }, parent);
    var sum = el('summary', {}, d);
    el('span', { class: 'method ' + method }, sum).textContent = method;
    el('span', { class: 'path' }, sum).textContent = path;
    el('span', { class: 'muted' }, sum, ' — ' + (op.summary || ''));
    if (op.description) el('p', {}, d, op.description);
    var sec = (op.security || []).map(function (s) { var k = Object.keys(s)[0]; return s[k].length ? k + ' (role ' + s[k].join(', ') + ')' : k; });
    el('p', { class: 'muted' }, d, 'Authentication: ' + (sec.length ? sec.join(' or ') : 'none'));
    if (op.parameters) {
      var t = el('table', {}, d);
      var h = el('tr', {}, t);
      ['parameter', 'in', 'schema', ''].forEach(function (x) { el('th', {}, h).textContent = x; });
      op.parameters.forEach(function (p) {
        var r = el('tr', {}, t);
        el('td', {}, r).textContent = p.name + (p.required ? '' : '?');
        el('td', {}, r).textContent = p.in;
        schema(p.schema, el('td', {}, r), 0);
        el('td', {}, r, p.description || '');
      });
    }
    if (op.requestBody) {
      el('h4', {}, d).textContent = 'Body';
      var c = op.requestBody.content;
      Object.keys(c).forEach(function (type) { el('div', { class: 'muted' }, d).textContent = type; schema(c[type].schema, d, 0); });
    }
    el('h4', {}, d).textContent = 'Responses';
    Object.keys(op.responses).forEach(function (status) { response(status, op.responses[status], d); });
  }
  function response(status, r, parent) {
    var div = el('div', { 'data-status': status }, parent);
    el('span', { class: 'status ' + (status < 400 ? 'ok' : 'err') }, div).textContent = status + ' ';
    el('span', {}, div, r.description || '');
    Object.keys(r.headers || {}).forEach(function (name) {
      var h = r.headers[name];
      el('div', { class: 'schema muted' }, div, 'header ' + name + (h.required ? '' : '?') + ': ' + (h.description || ''));
    });
    Object.keys(r.content || {}).forEach(function (type) {
      el('div', { class: 'schema muted' }, div).textContent = type;
      if (r.content[type].schema) schema(r.content[type].schema, div, 0);
    });
  }
  function render(spec) {
    document.title = spec.info.title + ' — API reference';
    document.getElementById('title').textContent = spec.info.title;
    document.getElementById('version').textContent = 'OpenAPI ' + spec.openapi + ' · version ' + spec.info.version;
    (spec.info.description || '').split('\\n\\n').forEach(function (p) { el('p', {}, document.getElementById('intro'), p); });
    var ops = document.getElementById('operations');
    (spec.tags || []).forEach(function (tag) {
      var section = el('section', { id: 'tag-' + tag.name }, ops);
      el('h2', {}, section).textContent = tag.name;
      if (tag.description) el('p', { class: 'muted' }, section, tag.description);
      Object.keys(spec.paths).forEach(function (path) {
        Object.keys(spec.paths[path]).forEach(function (method) {
          var op = spec.paths[path][method];
          if ((op.tags || [])[0] === tag.name) operation(path, method, op, section);
        });
      });
    });
    var schemas = document.getElementById('schemas');
    Object.keys((spec.components || {}).schemas || {}).forEach(function (name) {
      var d = el('details', { class: 'op', id: 'schema-' + name, 'data-schema': name }, schemas);
      el('summary', {}, d).textContent = name;
      schema(spec.components.schemas[name], d, 0);
    });
    if (location.hash) { var target = document.getElementById(location.hash.slice(1)); if (target) { target.open = true; target.scrollIntoView(); } }
    var status = document.getElementById('status');
    status.textContent = 'rendered from ' + SPEC;
    status.className = 'muted ready';
  }
  document.addEventListener('click', function (e) {
    var a = e.target.closest && e.target.closest('a[href^="#schema-"]');
    if (a) { var t = document.getElementById(a.getAttribute('href').slice(1)); if (t) t.open = true; }
  });
  fetch(SPEC).then(function (r) { return r.json(); }).then(render, function (err) { document.getElementById('status').textContent = 'could not load ' + SPEC + ': ' + err; });
})();
</script>
</body>
</html>
`;
