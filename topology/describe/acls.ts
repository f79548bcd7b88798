/**
 * `aura describe --format acls`: the Kafka ACLs each component needs, derived
 * from the pipeline (topic-usage.ts) — least privilege per principal, as
 * Markdown tables plus the Confluent CLI commands that create them. Three
 * principals: `pipeline` (the processors: `aura run`), `gateway` (the HTTP
 * side of `aura serve`) and `operator` (`aura topics apply`, `aura dlq
 * replay`). `aura serve` runs the processors and the gateway in one process
 * with one API key: that key needs both sets. docs/deployment.md embeds this
 * output (ops/generated.ts keeps it fresh).
 */
import type { Pipeline } from '../model.js';
import { deploymentsTopic } from '../plan/deployment.js';
import { gatewayRegistryTopic, groupInputTopics, topicUsage } from './topic-usage.js';

export type Principal = 'pipeline' | 'gateway' | 'operator';
export type AclResource = 'topic' | 'consumer-group' | 'transactional-id';
/** Operation names as the Confluent CLI spells them. */
export type AclOperation = 'read' | 'write' | 'describe' | 'describe-configs' | 'create' | 'alter';

export interface AclRule {
  principal: Principal;
  resource: AclResource;
  name: string;
  prefixed: boolean;
  operations: AclOperation[];
  why: string;
}

/** librdkafka needs a group id even for assign-only consumers (restores, the gateway's reply reader): transports/kafka/consumer.ts. */
export const ASSIGN_ONLY_GROUP_PREFIX = 'aura-assign-';

const ORDER: AclOperation[] = ['read', 'write', 'describe', 'describe-configs', 'create', 'alter'];

export function deriveAcls(pipeline: Pipeline): AclRule[] {
  const rules: AclRule[] = [];
  const grant = (principal: Principal, resource: AclResource, name: string, ops: AclOperation[], why: string, prefixed = false) => {
    const same = rules.find((r) => r.principal === principal && r.resource === resource && r.name === name && r.prefixed === prefixed);
    if (!same) {
      rules.push({ principal, resource, name, prefixed, operations: [...ops], why });
      return;
    }
    for (const op of ops) if (!same.operations.includes(op)) same.operations.push(op);
    if (!same.why.split('; ').includes(why)) same.why += `; ${why}`;
  };
  const name = (topicId: string) => pipeline.topics[topicId]!.name;
  const uses = topicUsage(pipeline);
  const why = {
    source: 'consumes it',
    table: 'reads it as a table',
    sink: 'produces to it',
    changelog: 'store changelog: written, read back by restores',
    dead_letter: 'dead letters',
    publish: 'publishes HTTP requests to it',
    reply: 'reads answers for its clients',
    status: 'follows processing status',
  } as const;

  for (const u of uses) grant(u.component, 'topic', name(u.topic), [u.action], why[u.role]);
  // Start-up checks every topic's cleanup.policy and retention.ms against the pipeline.
  for (const t of Object.values(pipeline.topics)) grant('pipeline', 'topic', t.name, ['describe-configs'], 'start-up check of its configuration');
  grant('pipeline', 'consumer-group', pipeline.app, ['read'], 'the consumer group of the processors (the app id)');
  if (pipeline.defaults.processing === 'exactly_once') {
    grant(
      'pipeline',
      'transactional-id',
      `${pipeline.app}-`,
      ['write', 'describe'],
      'exactly-once: one transactional id per instance, <app>-<AURA_INSTANCE_ID> (and <app>-<AURA_INSTANCE_ID>-1 with AURA_TRANSACTIONS_IN_FLIGHT=2)',
      true,
    );
  }
  grant(
    'pipeline',
    'consumer-group',
    ASSIGN_ONLY_GROUP_PREFIX,
    ['describe'],
    'restore consumers are assign-only: librdkafka still looks up their placeholder group',
    true,
  );
  grant(
    'pipeline',
    'topic',
    deploymentsTopic(pipeline.app),
    ['read', 'write', 'describe', 'create'],
    'deployment record: read and written at start-up (created on first start); see docs/pipeline-changes.md',
  );

  const readsOrWrites = new Set(uses.filter((u) => u.component === 'gateway').map((u) => u.topic));
  for (const id of groupInputTopics(pipeline))
    if (!readsOrWrites.has(id)) grant('gateway', 'topic', name(id), ['describe'], 'consumer lag (end offsets) for /metrics');
  grant('gateway', 'topic', gatewayRegistryTopic(pipeline), ['read', 'write', 'create'], 'instance registry for interactive queries (created on first start)');
  grant('gateway', 'consumer-group', pipeline.app, ['describe'], "consumer lag: reads the processors' committed offsets");
  grant(
    'gateway',
    'consumer-group',
    ASSIGN_ONLY_GROUP_PREFIX,
    ['describe'],
    'the reply reader is assign-only: librdkafka still looks up its placeholder group',
    true,
  );

  for (const t of Object.values(pipeline.topics))
    grant('operator', 'topic', t.name, ['create', 'alter', 'describe-configs'], '`aura topics apply`: create, raise partitions, compare configs');
  grant('operator', 'topic', deploymentsTopic(pipeline.app), ['read', 'describe'], '`aura plan` reads the deployment record');
  const dlq = pipeline.defaults.deadLetterTopic;
  if (dlq && pipeline.topics[dlq]) {
    grant('operator', 'topic', name(dlq), ['read'], '`aura dlq replay` reads the dead letters');
    for (const id of groupInputTopics(pipeline)) grant('operator', 'topic', name(id), ['write'], '`aura dlq replay` re-publishes to it');
    grant('operator', 'consumer-group', ASSIGN_ONLY_GROUP_PREFIX, ['describe'], '`aura dlq replay` reads assign-only', true);
  }
  for (const r of rules) r.operations.sort((a, b) => ORDER.indexOf(a) - ORDER.indexOf(b));
  return rules;
}

const PRINCIPALS: Record<Principal, { title: string; variable: string; about: string }> = {
  pipeline: {
    title: 'pipeline — the processors (`aura run`)',
    variable: 'SA_PIPELINE',
    about: 'Consumes the input topics in the consumer group `{app}`, produces outputs, changelogs and dead letters{eos}.',
  },
  gateway: {
    title: 'gateway — the HTTP/WebSocket side of `aura serve`',
    variable: 'SA_GATEWAY',
    about: 'Publishes user events and advice requests, reads answers and processing status without a consumer group.',
  },
  operator: { title: 'operator — `aura topics apply`, `aura dlq replay`', variable: 'SA_OPERATOR', about: 'Run by a person or a CI job, not by the app.' },
};

const CLI_FLAG: Record<AclResource, string> = { topic: '--topic', 'consumer-group': '--consumer-group', 'transactional-id': '--transactional-id' };

export function confluentCommand(rule: AclRule): string {
  const v = PRINCIPALS[rule.principal].variable;
  return `confluent kafka acl create --allow --service-account "$${v}" --operations ${rule.operations.join(',')} ${CLI_FLAG[rule.resource]} ${rule.name}${rule.prefixed ? ' --prefix' : ''}`;
}

export function describeAcls(pipeline: Pipeline): string {
  const rules = deriveAcls(pipeline);
  const eos =
    pipeline.defaults.processing === 'exactly_once'
      ? ' in transactions (transactional ids `' +
        pipeline.app +
        '-<AURA_INSTANCE_ID>`, and `' +
        pipeline.app +
        '-<AURA_INSTANCE_ID>-1` with AURA_TRANSACTIONS_IN_FLIGHT=2)'
      : '';
  let out =
    `ACLs of \`${pipeline.app}\`, derived from the pipeline by \`aura describe --format acls\`. ` +
    'Set `SA_PIPELINE`, `SA_GATEWAY` and `SA_OPERATOR` to the service accounts (`sa-...`) first. ' +
    '`aura serve` runs the processors and the gateway in one process: give its service account the `pipeline` and the `gateway` ACLs.\n';
  for (const principal of Object.keys(PRINCIPALS) as Principal[]) {
    const p = PRINCIPALS[principal];
    const mine = rules.filter((r) => r.principal === principal);
    out += `\n#### ${p.title}\n\n${p.about.replace('{app}', pipeline.app).replace('{eos}', eos)}\n\n`;
    out += '| resource | name | operations | why |\n| --- | --- | --- | --- |\n';
    for (const r of mine) out += `| ${r.resource} | \`${r.name}\`${r.prefixed ? ' (prefix)' : ''} | ${r.operations.join(', ')} | ${r.why} |\n`;
    out += `\n\`\`\`sh\n${mine.map(confluentCommand).join('\n')}\n\`\`\`\n`;
  }
  return out;
}
