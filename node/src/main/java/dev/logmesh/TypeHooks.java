package dev.logmesh;

import java.util.Objects;

/**
 * What a node does with one action type that its Logux clients send, after {@code @logux/server}'s
 * {@code server.type(name, {access, resend, process})}. Register with {@link MeshNode#type(String, TypeHooks)}:
 *
 * <pre>{@code
 * node.type("users/rename", TypeHooks
 *     .access((ctx, action, meta) -> ctx.userId().equals(action.get("userId").asText()))
 *     .resend((ctx, action, meta) -> Recipients.channels("users/" + action.get("userId").asText()))
 *     .process((ctx, action, meta) -> db.rename(action)));
 * }</pre>
 *
 * <ul>
 *   <li>{@code access} false: the client gets {@code logux/undo} with reason {@code denied}; nothing enters the
 *       log.</li>
 *   <li>{@code resend}: whom else the action goes to; written into its meta before it enters the log, so every
 *       node of the mesh delivers it to its own clients.</li>
 *   <li>{@code process}: runs once the action is durably in the log; then the client gets
 *       {@code logux/processed}. If it throws, the client (and everyone the action went to) gets
 *       {@code logux/undo} with {@code error} ({@code notFound} for {@link NotFoundException}).</li>
 * </ul>
 * Hooks run on the node's loop thread, once per action, on the node the client is connected to (not again on
 * other nodes): they must be quick and must not block. Immutable.
 *
 * @param access  may the client add the action (required)
 * @param resend  or null
 * @param process or null
 */
public record TypeHooks(Access access, Resend resend, Processor process) {
    public TypeHooks {
        Objects.requireNonNull(access, "access");
    }

    /** May this client add this action? */
    @FunctionalInterface
    public interface Access {
        boolean allowed(ClientContext ctx, Action action, Meta meta) throws Exception;
    }

    /** Whom else the action goes to; null for no change. */
    @FunctionalInterface
    public interface Resend {
        Recipients resend(ClientContext ctx, Action action, Meta meta) throws Exception;
    }

    /** Work to do once the action is in the log. */
    @FunctionalInterface
    public interface Processor { // not "Process": that name is java.lang's
        void process(ClientContext ctx, Action action, Meta meta) throws Exception;
    }

    /** Accepts every action of the type (what a node does for types without hooks, unless strict). */
    public static TypeHooks accept() {
        return new TypeHooks((ctx, action, meta) -> true, null, null);
    }

    /** Refuses every action of the type ({@code denied}). */
    public static TypeHooks deny() {
        return new TypeHooks((ctx, action, meta) -> false, null, null);
    }

    /** Hooks with this access check. */
    public static TypeHooks access(Access access) {
        return new TypeHooks(access, null, null);
    }

    /** These hooks with a resend hook. */
    public TypeHooks resend(Resend hook) {
        return new TypeHooks(access, hook, process);
    }

    /** These hooks with a process hook. */
    public TypeHooks process(Processor hook) {
        return new TypeHooks(access, resend, hook);
    }
}
