package dev.aura360.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.Serializer;

/**
 * The per-user context window, as the Node engine's `aggregate` (preset
 * context_window) keeps it: the last 50 events within 7 days of the newest,
 * in event-time order, a redelivered event id ignored. Stored as JSON, like
 * the Node engine's state, so both sides pay for a JSON state.
 */
final class ContextWindow {
  static final ObjectMapper JSON = new ObjectMapper();
  static final int MAX_EVENTS = 50;
  static final long SPAN_MS = 7L * 24 * 3600 * 1000;

  long version;
  final List<ObjectNode> events = new ArrayList<>();

  ContextWindow add(JsonNode event) {
    String id = event.path("id").asText("");
    for (ObjectNode e : events) if (id.equals(e.get("id").asText())) return this;
    ObjectNode stored = JSON.createObjectNode();
    stored.put("id", id);
    stored.put("type", event.path("type").asText("unknown"));
    long time = Instant.parse(event.path("time").asText()).toEpochMilli();
    stored.put("time", time);
    stored.set("data", event.path("data"));
    int pos = events.size();
    while (pos > 0 && events.get(pos - 1).get("time").asLong() > time) pos--;
    events.add(pos, stored);
    long newest = events.get(events.size() - 1).get("time").asLong();
    while (events.size() > MAX_EVENTS || events.get(0).get("time").asLong() < newest - SPAN_MS) events.remove(0);
    version++;
    return this;
  }

  /** The small summary that goes to the output topic. */
  ObjectNode summary(String user) {
    int moods = 0;
    double moodSum = 0;
    long minutes = 0;
    for (ObjectNode e : events) {
      JsonNode data = e.get("data");
      String type = e.get("type").asText();
      if (type.equals("user.mood.created") && data.path("score").isNumber()) {
        moods++;
        moodSum += data.get("score").asDouble();
      } else if (type.equals("user.activity.created")) minutes += data.path("minutes").asLong(0);
    }
    ObjectNode out = JSON.createObjectNode();
    out.put("user_id", user);
    out.put("version", version);
    out.put("events", events.size());
    out.put("mood_count", moods);
    if (moods > 0) out.put("mood_avg", Math.round(moodSum / moods * 100) / 100.0);
    else out.putNull("mood_avg");
    out.put("activity_minutes", minutes);
    out.put("last_event_id", events.isEmpty() ? "" : events.get(events.size() - 1).get("id").asText());
    return out;
  }

  static final Serde<ContextWindow> SERDE = Serdes.serdeFrom(ContextWindow::toBytes, ContextWindow::fromBytes);

  static final Serde<JsonNode> JSON_SERDE = Serdes.serdeFrom(
      (Serializer<JsonNode>) (topic, node) -> write(node),
      (Deserializer<JsonNode>) (topic, bytes) -> bytes == null ? null : read(bytes));

  private static byte[] toBytes(String topic, ContextWindow w) {
    ObjectNode node = JSON.createObjectNode();
    node.put("version", w.version);
    ArrayNode list = node.putArray("events");
    for (ObjectNode e : w.events) list.add(e);
    return write(node);
  }

  private static ContextWindow fromBytes(String topic, byte[] bytes) {
    if (bytes == null) return null;
    JsonNode node = read(bytes);
    ContextWindow w = new ContextWindow();
    w.version = node.path("version").asLong();
    for (JsonNode e : node.path("events")) w.events.add((ObjectNode) e);
    return w;
  }

  static byte[] write(JsonNode node) {
    try {
      return JSON.writeValueAsBytes(node);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static JsonNode read(byte[] bytes) {
    try {
      return JSON.readTree(bytes);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
