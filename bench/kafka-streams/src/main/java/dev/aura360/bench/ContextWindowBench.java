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
 * The same stateful aggregation as bench/aggregate.yaml, in Kafka Streams:
 * user events keyed by user id, grouped by key, folded into a context window
 * per user (RocksDB store + changelog), a summary per update to the output
 * topic. One stream thread, like one Node engine (see BenchRunner).
 *
 * args: bootstrap input output application.id state.dir guarantee cache-bytes
 */
public final class ContextWindowBench {
  public static void main(String[] args) throws InterruptedException {
    if (args.length != 7) {
      System.err.println("usage: ContextWindowBench <bootstrap> <input> <output> <application.id> <state.dir> <exactly_once_v2|at_least_once> <cache-bytes>");
      System.exit(2);
    }
    Properties p = BenchRunner.config(args[0], args[3], args[4], args[5], Long.parseLong(args[6]));

    StreamsBuilder builder = new StreamsBuilder();
    builder.stream(args[1], Consumed.with(Serdes.String(), ContextWindow.JSON_SERDE))
        .groupByKey(Grouped.with(Serdes.String(), ContextWindow.JSON_SERDE))
        .aggregate(ContextWindow::new, (user, event, window) -> window.add(event),
            Materialized.<String, ContextWindow, KeyValueStore<Bytes, byte[]>>as("user-context")
                .withKeySerde(Serdes.String())
                .withValueSerde(ContextWindow.SERDE))
        .toStream()
        .mapValues((user, window) -> (JsonNode) window.summary(user))
        .to(args[2], Produced.with(Serdes.String(), ContextWindow.JSON_SERDE));

    BenchRunner.run(builder.build(), p);
  }
}
