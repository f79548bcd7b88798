package dev.aura360.bench;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Properties;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Grouped;
import org.apache.kafka.streams.kstream.Materialized;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * The per-user stats of bench/stats.yaml in Kafka Streams: events keyed by
 * user id, groupByKey().aggregate() into UserStats (RocksDB store +
 * changelog), the updated stats to the output topic, same JSON in and out as
 * the Node engine. Kafka Streams' defaults otherwise (see BenchRunner).
 *
 * args: bootstrap input output application.id state.dir guarantee cache-bytes
 */
public final class StatsBench {
  public static void main(String[] args) throws InterruptedException {
    if (args.length != 7) {
      System.err.println("usage: StatsBench <bootstrap> <input> <output> <application.id> <state.dir> <exactly_once_v2|at_least_once> <cache-bytes>");
      System.exit(2);
    }
    Properties p = BenchRunner.config(args[0], args[3], args[4], args[5], Long.parseLong(args[6]));

    StreamsBuilder builder = new StreamsBuilder();
    builder.stream(args[1], Consumed.with(Serdes.String(), ContextWindow.JSON_SERDE))
        .groupByKey(Grouped.with(Serdes.String(), ContextWindow.JSON_SERDE))
        .aggregate(UserStats::new, (user, event, stats) -> stats.add(event),
            Materialized.<String, UserStats, KeyValueStore<Bytes, byte[]>>as("user-stats")
                .withKeySerde(Serdes.String())
                .withValueSerde(UserStats.SERDE))
        .toStream()
        .mapValues((user, stats) -> (JsonNode) stats.toOutput(user))
        .to(args[2], Produced.with(Serdes.String(), ContextWindow.JSON_SERDE));

    BenchRunner.run(builder.build(), p);
  }
}
