package dev.aura360.bench;

import java.time.Duration;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler;

/**
 * What the bench apps share: their configuration and their life cycle. Prints
 * "STATE <state>" lines on stdout (bench/kafka/streams-app.ts reads them) and
 * closes cleanly on SIGTERM.
 */
final class BenchRunner {
  private BenchRunner() {}

  /**
   * Kafka Streams' defaults (one stream thread, commit every 100 ms under
   * exactly-once) with the given guarantee and record cache size (its default
   * is 10485760), plus lz4 like the Node engine's producer.
   */
  static Properties config(String bootstrap, String applicationId, String stateDir, String guarantee, long cacheBytes) {
    Properties p = new Properties();
    p.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    p.put(StreamsConfig.APPLICATION_ID_CONFIG, applicationId);
    p.put(StreamsConfig.STATE_DIR_CONFIG, stateDir);
    p.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, guarantee);
    p.put(StreamsConfig.STATESTORE_CACHE_MAX_BYTES_CONFIG, cacheBytes);
    p.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, 100);
    p.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, 1);
    p.put(StreamsConfig.REPLICATION_FACTOR_CONFIG, 1);
    p.put(StreamsConfig.consumerPrefix("auto.offset.reset"), "earliest");
    // Opt in now (Kafka 5.0 default) rather than log a warning at every start.
    p.put("processing.exception.handler.global.enabled", true);
    p.put(StreamsConfig.producerPrefix("compression.type"), "lz4");
    return p;
  }

  static void run(Topology topology, Properties p) throws InterruptedException {
    KafkaStreams streams = new KafkaStreams(topology, p);
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
