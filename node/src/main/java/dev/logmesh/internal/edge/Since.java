package dev.logmesh.internal.edge;

import com.fasterxml.jackson.databind.JsonNode;
import dev.logmesh.ActionId;
import dev.logmesh.Meta;
import java.util.List;
import java.util.Objects;

/**
 * The {@code since} of a {@code logux/subscribe}: {@code {"id":"<ms> <node> <seq>","time":ms}}, the last action
 * of the channel the client saw ({@code @logux/client} sets it when it resubscribes after a reconnect). A
 * channel's {@code load} hook uses it to send only what is newer.
 *
 * @param id   the id of the last action seen
 * @param time its {@code meta.time} as the client saw it
 */
public record Since(ActionId id, long time) {
    public Since {
        Objects.requireNonNull(id, "id");
    }

    /** Reads a {@code since} field; null when absent or not of that shape. */
    public static Since of(JsonNode since) {
        if (since == null || !since.isObject()) {
            return null;
        }
        JsonNode id = since.get("id");
        JsonNode time = since.get("time");
        if (id == null || !id.isTextual() || time == null || !time.canConvertToLong() || !time.isIntegralNumber()) {
            return null;
        }
        try {
            return new Since(ActionId.parse(id.asText()), time.asLong());
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    /**
     * Whether an entry is newer than this point, with Logux's {@code isFirstOlder} (time, then node id, then
     * seq, then id time), which is what the client used to pick {@code since}.
     */
    public boolean isBefore(Meta meta) {
        Meta mine = Meta.of(id, time, List.of());
        return Meta.isFirstOlder(mine, meta);
    }
}
