/**
 * Topic administration of the embedded log, with Kafka's answers: creating an
 * existing topic fails (TOPIC_EXISTS, after creating the others of the
 * request), partitions only grow, deleting a missing topic fails. Groups
 * subscribed to a changed topic rebalance, as on a metadata refresh.
 */
import { AuraError, ErrorCodes } from '../../common/errors.js';
import type { Admin, TopicConfig, TopicDescription } from '../types.js';
import type { EmbeddedCore } from './core.js';

export class EmbeddedAdmin implements Admin {
  constructor(private readonly core: EmbeddedCore) {}

  async listTopics(): Promise<TopicDescription[]> {
    this.core.assertOpen();
    return this.core.catalog.list().map((t) => this.core.catalog.describe(t));
  }

  async createTopics(topics: TopicConfig[]): Promise<void> {
    this.core.assertOpen();
    const created: string[] = [];
    const existing: string[] = [];
    try {
      for (const cfg of topics) {
        if (this.core.catalog.get(cfg.name)) existing.push(cfg.name);
        else created.push(this.core.catalog.create(cfg).name);
      }
    } finally {
      if (created.length > 0) this.core.groups.topicsChanged(created);
    }
    if (existing.length > 0) {
      throw new AuraError(ErrorCodes.TOPIC_EXISTS, `topic${existing.length > 1 ? 's' : ''} already exist${existing.length > 1 ? '' : 's'}: ${existing.join(', ')}`, {
        details: { topics: existing, created },
      });
    }
  }

  async createPartitions(topic: string, count: number): Promise<void> {
    this.core.assertOpen();
    this.core.catalog.addPartitions(topic, count);
    this.core.groups.topicsChanged([topic]);
  }

  async deleteTopics(names: string[]): Promise<void> {
    this.core.assertOpen();
    for (const name of names) this.core.catalog.require(name);
    for (const name of names) this.core.catalog.delete(name);
    if (names.length > 0) this.core.groups.topicsChanged(names);
  }
}
