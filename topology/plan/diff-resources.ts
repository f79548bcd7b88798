/**
 * Resources: added, removed, reconfigured. One change matters beyond the
 * process: an embedder of another model makes the vectors already stored
 * incomparable with the new ones.
 */

import { sameJson } from '../../common/canonical-json.js';
import { builtinResources } from '../../providers/registry.js';
import type { ResourceSpec } from '../model.js';
import { arrow, change, type DiffContext, finding, type PlanChange } from './changes.js';

/** What decides which vectors an embedder makes. */
const EMBEDDER_IDENTITY = ['model', 'dimensions'];

export function diffResources(ctx: DiffContext): PlanChange[] {
  const before = ctx.before.pipeline.resources;
  const after = ctx.after.pipeline.resources;
  const out: PlanChange[] = [];
  for (const r of Object.values(after)) {
    const old = before[r.id];
    if (!old) out.push(change('add', 'resource', r.id, r.type, { loc: r.loc }));
    else {
      const c = diffResource(ctx, old, r);
      if (c) out.push(c);
    }
  }
  for (const r of Object.values(before)) if (!after[r.id]) out.push(change('remove', 'resource', r.id, r.type, { loc: r.loc, deployed: true }));
  return out;
}

function diffResource(ctx: DiffContext, old: ResourceSpec, r: ResourceSpec): PlanChange | undefined {
  const keys = [...new Set([...Object.keys(old.config), ...Object.keys(r.config)])].filter((k) => !sameJson(old.config[k], r.config[k]));
  if (old.type === r.type && keys.length === 0) return undefined;
  const parts = [...(old.type !== r.type ? [`type ${arrow(old.type, r.type)}`] : []), ...keys.map((k) => `${k} ${arrow(old.config[k], r.config[k])}`)];
  const c = change('change', 'resource', r.id, parts.join(', '), { loc: r.loc });
  const role = builtinResources.get(r.type)?.role;
  if (role === 'embedder' && builtinResources.get(old.type)?.role === 'embedder' && (old.type !== r.type || keys.some((k) => EMBEDDER_IDENTITY.includes(k)))) {
    const users = Object.values(ctx.after.pipeline.nodes)
      .filter((n) => Object.values(n.config).includes(r.id))
      .map((n) => `"${n.id}"`);
    c.findings.push(
      finding(
        'EMBEDDER_CHANGED',
        `vectors already stored were made by the old ${old.type} embedder${users.length > 0 ? ` (used by ${users.join(', ')})` : ''}: similarity search would compare vectors of two models`,
        {
          todo: 'keep the embedder; or rebuild the vectors: clear the vector sink and re-process the contexts (aura dlq replay / re-publish) after deploying',
          discards: 'nothing is deleted, but vectors of the old model stay in the sink and are compared with new ones',
        },
      ),
    );
  }
  return c;
}
