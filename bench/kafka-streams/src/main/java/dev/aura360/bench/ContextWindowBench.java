package dev.aura360.bench;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Grouped;
import org.apache.kafka.streams.kstream.Materialized;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * The same stateful aggregation as bench/aggregate.yaml, in Kafka Streams:
 * user events keyed by user id, grouped by key, folded into a context window
 * per user (RocksDB store + changelog), a summary per update to the output
 * topic. One stream thread, like one Node engine. Prints "STATE RUNNING"
 * when it runs; SIGTERM closes it cleanly.
 *
 * args: bootstrap input output application.id state.dir guarantee cache-bytes
 */
public final class ContextWindowBench {
  public static void main(String[] args) throws InterruptedException {
    if (args.length != 7) {
      System.err.println("usage: ContextWindowBench <bootstrap> <input> <output> <application.id> <state.dir> <exactly_once_v2|at_least_once> <cache-bytes>");
      System.exit(2);
    }
    Properties p = new Properties();
    p.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, args[0]);
    p.put(StreamsConfig.APPLICATION_ID_CONFIG, args[3]);
    p.put(StreamsConfig.STATE_DIR_CONFIG, args[4]);
    p.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, args[5]);
    p.put(StreamsConfig.STATESTORE_CACHE_MAX_BYTES_CONFIG, Long.parseLong(args[6]));
    p.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, 100);
    p.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, 1);
    p.put(StreamsConfig.REPLICATION_FACTOR_CONFIG, 1);
    p.put(StreamsConfig.consumerPrefix("auto.offset.reset"), "earliest");
    // Opt in now (Kafka 5.0 default) rather than log a warning at every start.
    p.put("processing.exception.handler.global.enabled", true);
    // The Node engine's producer compresses with lz4 too.
    p.put(StreamsConfig.producerPrefix("compression.type"), "lz4");

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

    KafkaStreams streams = new KafkaStreams(builder.build(), p);
    CountDownLatch closed = new CountDownLatch(1);
    streams.setStateListener((now, before) -> {
      System.out.println("STATE " + now);
      System.out.flush();
      if (now == KafkaStreams.State.NOT_RUNNING || now == KafkaStreams.State.ERROR) closed.countDown();
    });
    streams.setUncaughtExceptionHandler(e -> {
      System.err.println("[ks] stream thread failed: " + e);
      return StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse.SHUTDOWN_CLIENT;
    });
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      streams.close(Duration.ofSeconds(30));
      closed.countDown();
    }));
    streams.start();
    closed.await();
  }
}
