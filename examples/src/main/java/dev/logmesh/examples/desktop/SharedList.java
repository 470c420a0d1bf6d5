package dev.logmesh.examples.desktop;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.logmesh.Action;
import dev.logmesh.ActionId;
import dev.logmesh.Entry;
import dev.logmesh.MeshNode;
import dev.logmesh.Meta;
import dev.logmesh.ReplicatedState;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

/**
 * The model of the shared list, without any UI: {@code list/add} actions folded in created order with
 * {@link ReplicatedState}, so every instance shows the same items in the same order, whatever order they
 * arrived in (an instance that was offline merges its items into place when it syncs).
 *
 * <p>Threads: {@link #add} from any thread; listeners run on the node's loop thread (a UI hands the list
 * to its own thread, see {@link DesktopApp}).
 */
public final class SharedList implements AutoCloseable {
    /** The action type of an added item: {@code {"type": "list/add", "text": "milk"}}. */
    public static final String ADD = "list/add";

    /**
     * One item.
     *
     * @param id     the id of the action that added it (its place in the list)
     * @param author the node that added it
     * @param text   the text
     */
    public record Item(ActionId id, String author, String text) {
        /** {@code text  (author)} with the node name only. */
        @Override
        public String toString() {
            String who = author.contains(":") ? author.substring(0, author.indexOf(':')) : author;
            return text + "  (" + who + ")";
        }
    }

    private final MeshNode node;
    private final ReplicatedState<List<Item>> items;

    /** Follows a node's {@code list/add} actions. */
    public SharedList(MeshNode node) {
        this.node = node;
        this.items = ReplicatedState.create(node, e -> e.action().type().equals(ADD), List.of(), SharedList::reduce);
    }

    /** The reducer: a new immutable list with one more item (the fold runs in id order). */
    static List<Item> reduce(List<Item> list, Entry e) {
        List<Item> next = new ArrayList<>(list.size() + 1);
        next.addAll(list);
        next.add(new Item(e.id(), e.id().node(), e.action().get("text").asText("")));
        return List.copyOf(next);
    }

    /** Adds an item (in the local log when the future completes; works offline). */
    public CompletableFuture<Meta> add(String text) {
        ObjectNode a = Action.ofType(ADD).json();
        a.put("text", text);
        return node.add(Action.of(a));
    }

    /** The items now; any thread. */
    public List<Item> items() {
        return items.state();
    }

    /** Calls {@code listener} on the node's loop with the list now and after each change. */
    public MeshNode.Subscription onChange(Consumer<List<Item>> listener) {
        return items.listen(listener);
    }

    @Override
    public void close() {
        items.close();
    }
}
