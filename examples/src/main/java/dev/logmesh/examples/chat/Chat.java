package dev.logmesh.examples.chat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.logmesh.Action;
import dev.logmesh.ActionId;
import dev.logmesh.Entry;
import dev.logmesh.MeshNode;
import dev.logmesh.Meta;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

/**
 * A command-line chat room on a node: {@link #send} adds a {@code chat/message}; every message, from anyone,
 * is printed as it arrives ({@code 12:03:04 alice: hi}). A message that arrives late, after messages that
 * were written after it (its author was offline, say), is printed with a note
 * ({@code 12:01:00 bob: hello   [late: written before the 2 messages above]}), and {@link #history} prints
 * the whole room in created order, the order every node agrees on.
 *
 * <p>Threads: printing runs on the node's loop thread; {@code send} and {@code history} from any thread.
 */
public final class Chat {
    /** {@code {"type": "chat/message", "author": "alice", "text": "hi"}}. */
    public static final String MESSAGE = "chat/message";

    private final MeshNode node;
    private final String author;
    private final Consumer<String> out;
    private final DateTimeFormatter time;
    /** Ids printed so far, newest last, for the "late" note; owned by the loop. */
    private final java.util.TreeSet<ActionId> printed = new java.util.TreeSet<>();
    private final MeshNode.Subscription subscription;

    /**
     * Joins the room.
     *
     * @param out  where lines go (called on the node's loop)
     * @param zone the time zone of printed times
     */
    public Chat(MeshNode node, String author, Consumer<String> out, ZoneId zone) {
        this.node = node;
        this.author = author;
        this.out = out;
        this.time = DateTimeFormatter.ofPattern("HH:mm:ss", Locale.ROOT).withZone(zone);
        this.subscription = node.subscribe(MESSAGE, this::arrived);
    }

    /** Sends a message (added to the local log at once; delivered when peers are reachable). */
    public CompletableFuture<Meta> send(String text) {
        ObjectNode a = Action.ofType(MESSAGE).json();
        a.put("author", author);
        a.put("text", text);
        return node.add(Action.of(a));
    }

    /** Prints the room so far in created order, framed by a header and a footer line. */
    public CompletableFuture<Void> history() {
        return node.entries().thenAccept(all -> {
            List<Entry> messages = all.stream().filter(e -> e.action().type().equals(MESSAGE)).toList();
            out.accept("--- " + messages.size() + " messages, in the order every node agrees on ---");
            messages.forEach(e -> out.accept(format(e)));
            out.accept("---");
        });
    }

    private void arrived(Entry e) {
        int after = printed.tailSet(e.id(), false).size();
        printed.add(e.id());
        out.accept(format(e) + (after == 0 ? "" : "   [late: written before the " + after
            + (after == 1 ? " message" : " messages") + " above]"));
    }

    /** {@code HH:mm:ss author: text}, with the time the author's node stamped. */
    String format(Entry e) {
        return time.format(Instant.ofEpochMilli(e.id().ms())) + " " + e.action().get("author").asText("?") + ": "
            + e.action().get("text").asText("");
    }

    /** Leaves the room (the node goes on). */
    public void close() {
        subscription.close();
    }
}
