package dev.aura360.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;

/**
 * The per-user stats of bench/stats.yaml: count of events; count, sum, min,
 * max (and so the average) of `score`; sum of `minutes`; last `ts`. A missing
 * or non-numeric field is skipped, as the Node engine's aggregations do.
 * Stored as JSON, like the Node engine's state, so both sides pay for a JSON
 * state.
 */
final class UserStats {
  long count;
  long scores;
  double scoreSum;
  double scoreMin = Double.POSITIVE_INFINITY;
  double scoreMax = Double.NEGATIVE_INFINITY;
  long minutesCount;
  double minutesSum;
  JsonNode lastTs;

  UserStats add(JsonNode event) {
    count++;
    JsonNode score = event.get("score");
    if (score != null && score.isNumber()) {
      double s = score.asDouble();
      scores++;
      scoreSum += s;
      scoreMin = Math.min(scoreMin, s);
      scoreMax = Math.max(scoreMax, s);
    }
    JsonNode minutes = event.get("minutes");
    if (minutes != null && minutes.isNumber()) {
      minutesCount++;
      minutesSum += minutes.asDouble();
    }
    JsonNode ts = event.get("ts");
    if (ts != null && !ts.isNull()) lastTs = ts;
    return this;
  }

  /** The output record, field for field as the Node engine emits it. */
  ObjectNode toOutput(String user) {
    ObjectNode out = ContextWindow.JSON.createObjectNode();
    out.put("key", user);
    out.put("count", count);
    if (scores > 0) {
      number(out, "score_sum", scoreSum);
      number(out, "score_min", scoreMin);
      number(out, "score_max", scoreMax);
      out.put("score_avg", scoreSum / scores);
    } else {
      out.putNull("score_sum");
      out.putNull("score_min");
      out.putNull("score_max");
      out.putNull("score_avg");
    }
    if (minutesCount > 0) number(out, "minutes_sum", minutesSum);
    else out.putNull("minutes_sum");
    if (lastTs != null) out.set("last_ts", lastTs);
    else out.putNull("last_ts");
    return out;
  }

  /** Integral values as integers (12, not 12.0), like JSON.stringify. */
  private static void number(ObjectNode out, String field, double v) {
    if (v == Math.rint(v) && Math.abs(v) < 9.007199254740992E15) out.put(field, (long) v);
    else out.put(field, v);
  }

  static final Serde<UserStats> SERDE = Serdes.serdeFrom(
      (topic, s) -> ContextWindow.write(s.toState()),
      (topic, bytes) -> bytes == null ? null : fromState(ContextWindow.read(bytes)));

  private ObjectNode toState() {
    ObjectNode n = ContextWindow.JSON.createObjectNode();
    n.put("count", count);
    n.put("scores", scores);
    n.put("score_sum", scoreSum);
    if (scores > 0) {
      n.put("score_min", scoreMin);
      n.put("score_max", scoreMax);
    }
    n.put("minutes_count", minutesCount);
    n.put("minutes_sum", minutesSum);
    if (lastTs != null) n.set("last_ts", lastTs);
    return n;
  }

  private static UserStats fromState(JsonNode n) {
    UserStats s = new UserStats();
    s.count = n.path("count").asLong();
    s.scores = n.path("scores").asLong();
    s.scoreSum = n.path("score_sum").asDouble();
    if (s.scores > 0) {
      s.scoreMin = n.path("score_min").asDouble();
      s.scoreMax = n.path("score_max").asDouble();
    }
    s.minutesCount = n.path("minutes_count").asLong();
    s.minutesSum = n.path("minutes_sum").asDouble();
    s.lastTs = n.get("last_ts");
    return s;
  }
}
