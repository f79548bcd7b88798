/**
 * ACLs derived from the default pipeline: each principal gets exactly the
 * topics it reads and writes (no more), the consumer group and transactional
 * ids the engine really uses, and the Confluent CLI commands say the same as
 * the tables.
 */
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { InstanceRegistry } from '../../gateway/queries/instance-registry.js';
import { fencedError } from '../../runtime/failures.js';
import { compilePipeline } from '../compile.js';
import type { Pipeline } from '../model.js';
import { type AclRule, ASSIGN_ONLY_GROUP_PREFIX, confluentCommand, deriveAcls, describeAcls, type Principal } from './acls.js';

const source = fs.readFileSync(fileURLToPath(new URL('../../pipeline.yaml', import.meta.url)), 'utf8');
const compile = (text: string): Pipeline => compilePipeline(text, 'pipeline.yaml', { env: {} }).pipeline!;
const pipeline = compile(source);
const rules = deriveAcls(pipeline);
const names = (ids: string[]) => ids.map((id) => pipeline.topics[id]!.name).sort();
const topicsWith = (principal: Principal, op: string) =>
  rules
    .filter((r) => r.principal === principal && r.resource === 'topic' && r.operations.includes(op as never))
    .map((r) => r.name)
    .sort();
const find = (principal: Principal, resource: AclRule['resource'], name: string) =>
  rules.find((r) => r.principal === principal && r.resource === resource && r.name === name);

describe('describe --format acls', () => {
  const changelogs = Object.values(pipeline.topics)
    .filter((t) => t.internal)
    .map((t) => t.id);
  const sources = [...new Set(pipeline.subtopologies.flatMap((st) => [...st.sourceTopics, ...st.tableTopics]))];
  const sinks = [...new Set(pipeline.subtopologies.flatMap((st) => st.sinkTopics))];

  it('lets the processors read their inputs and changelogs and write their outputs, changelogs and dead letters', () => {
    // And the deployment record, which `aura run` reads, writes and creates at start-up.
    expect(topicsWith('pipeline', 'read')).toEqual(
      names([...sources, ...changelogs])
        .concat('aura360-deployments')
        .sort(),
    );
    expect(topicsWith('pipeline', 'write')).toEqual(
      names([...sinks, ...changelogs, 'dead_letters'])
        .concat('aura360-deployments')
        .sort(),
    );
    expect(topicsWith('pipeline', 'describe-configs')).toEqual(names(Object.keys(pipeline.topics)));
    expect(topicsWith('pipeline', 'create')).toEqual(['aura360-deployments']);
    expect(find('pipeline', 'consumer-group', 'aura360')!.operations).toEqual(['read']);
    const txn = find('pipeline', 'transactional-id', 'aura360-')!;
    expect(txn).toMatchObject({ prefixed: true, operations: ['write', 'describe'] });
    // The prefix covers the id the engine fences with: <app>-<AURA_INSTANCE_ID>.
    expect(fencedError('aura360', 'node-1', null).message).toContain(`transactional id ${txn.name}node-1`);
  });

  it('needs no transactional id without exactly-once', () => {
    const alo = deriveAcls(compile(source.replace('processing: exactly_once', 'processing: at_least_once')));
    expect(alo.some((r) => r.resource === 'transactional-id')).toBe(false);
    expect(describeAcls(compile(source.replace('processing: exactly_once', 'processing: at_least_once')))).not.toContain('in transactions');
  });

  it('lets the gateway publish requests and read answers and status, nothing else', () => {
    expect(topicsWith('gateway', 'write')).toEqual(names(['user_events', 'guardian_requests']).concat('aura360-gateway-instances').sort());
    expect(topicsWith('gateway', 'read')).toEqual(
      names(['guardian_responses', 'guardian_chunks', 'context_aggregated', 'context_vectorized', 'vectordb_ingest', 'dead_letters'])
        .concat('aura360-gateway-instances')
        .sort(),
    );
    const registry = new InstanceRegistry({ pipeline } as never).topic;
    expect(find('gateway', 'topic', registry)!.operations).toEqual(['read', 'write', 'create']);
    expect(find('gateway', 'consumer-group', 'aura360')!.operations).toEqual(['describe']);
    expect(rules.filter((r) => r.principal === 'gateway' && r.resource === 'transactional-id')).toEqual([]);
  });

  it('gives the operator what aura topics apply and aura dlq replay need', () => {
    expect(topicsWith('operator', 'create')).toEqual(names(Object.keys(pipeline.topics)));
    expect(topicsWith('operator', 'read')).toEqual(names(['dead_letters']).concat('aura360-deployments').sort()); // `aura plan` reads the deployment record
    expect(topicsWith('operator', 'write')).toEqual(names(sources));
    for (const p of ['pipeline', 'gateway', 'operator'] as const) expect(find(p, 'consumer-group', ASSIGN_ONLY_GROUP_PREFIX)?.prefixed).toBe(true);
  });

  it('prints a table and the Confluent CLI command of every rule', () => {
    const text = describeAcls(pipeline);
    for (const r of rules) {
      expect(text).toContain(confluentCommand(r));
      expect(text).toContain(`| ${r.resource} | \`${r.name}\`${r.prefixed ? ' (prefix)' : ''} | ${r.operations.join(', ')} |`);
    }
    expect(confluentCommand(find('pipeline', 'topic', 'aura360.user.events')!)).toBe(
      'confluent kafka acl create --allow --service-account "$SA_PIPELINE" --operations read,describe-configs --topic aura360.user.events',
    );
    expect(confluentCommand(find('pipeline', 'transactional-id', 'aura360-')!)).toMatch(/--transactional-id aura360- --prefix$/);
  });
});
