package dev.logmesh.internal.edge;

import com.fasterxml.jackson.databind.JsonNode;
import dev.logmesh.Action;
import java.util.Objects;

/**
 * A client's {@code logux/subscribe {channel, filter?, since?}} or {@code logux/unsubscribe {channel, filter?}}.
 *
 * @param channel     the channel name
 * @param filter      the {@code filter} field, or null
 * @param since       the {@code since} field, or null (absent or malformed)
 * @param unsubscribe whether this is a {@code logux/unsubscribe}
 */
public record Subscribe(String channel, JsonNode filter, Since since, boolean unsubscribe) {
    public Subscribe {
        Objects.requireNonNull(channel, "channel");
        filter = filter == null || filter.isNull() ? null : filter.deepCopy();
    }

    /** Whether an action is a {@code logux/subscribe} or {@code logux/unsubscribe}. */
    public static boolean is(Action action) {
        return Answers.SUBSCRIBE.equals(action.type()) || Answers.UNSUBSCRIBE.equals(action.type());
    }

    /**
     * Reads a subscription action.
     *
     * @return null when the action is one of the two types but has no string {@code channel} (Logux answers
     *     {@code wrongChannel})
     * @throws IllegalArgumentException when the action is of another type
     */
    public static Subscribe of(Action action) {
        if (!is(action)) {
            throw new IllegalArgumentException("not a subscription action: " + action.type());
        }
        JsonNode channel = action.get("channel");
        if (channel == null || !channel.isTextual()) {
            return null;
        }
        return new Subscribe(channel.asText(), action.get("filter"), Since.of(action.get("since")),
            Answers.UNSUBSCRIBE.equals(action.type()));
    }

    /** The key of this subscription's filter ({@link Subscriptions#filterKey}). */
    public String filterKey() {
        return Subscriptions.filterKey(filter);
    }
}
