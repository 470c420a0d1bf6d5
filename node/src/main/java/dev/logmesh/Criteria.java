package dev.logmesh;


/**
 * Which entries {@code removeReason} looks at, with Logux's criteria. Every set criterion must match; none
 * set matches every entry with the reason.
 *
 * <p>{@code olderThan} and {@code youngerThan} compare ids in created order (strictly), so every node
 * cleans the same entries; Logux compares {@code meta.time}, which differs between nodes.
 *
 * @param id          only the entry with this id, or null
 * @param olderThan   only entries created strictly before this id, or null
 * @param youngerThan only entries created strictly after this id, or null
 * @param minAdded    only entries with {@code added >= minAdded}, or 0
 * @param maxAdded    only entries with {@code added <= maxAdded}, or {@code Long.MAX_VALUE}
 */
public record Criteria(ActionId id, ActionId olderThan, ActionId youngerThan, long minAdded, long maxAdded) {

    /** Matches every entry. */
    public static final Criteria ALL = new Criteria(null, null, null, 0, Long.MAX_VALUE);

    /** Only the entry with this id. */
    public static Criteria id(ActionId id) {
        return ALL.withId(id);
    }

    public Criteria withId(ActionId value) {
        return new Criteria(value, olderThan, youngerThan, minAdded, maxAdded);
    }

    public Criteria olderThan(ActionId value) {
        return new Criteria(id, value, youngerThan, minAdded, maxAdded);
    }

    public Criteria youngerThan(ActionId value) {
        return new Criteria(id, olderThan, value, minAdded, maxAdded);
    }

    public Criteria minAdded(long value) {
        return new Criteria(id, olderThan, youngerThan, value, maxAdded);
    }

    public Criteria maxAdded(long value) {
        return new Criteria(id, olderThan, youngerThan, minAdded, value);
    }

    /** Whether an entry with this id and {@code added} matches. */
    public boolean matches(ActionId entryId, long added) {
        return (id == null || id.equals(entryId))
            && (olderThan == null || entryId.compareTo(olderThan) < 0)
            && (youngerThan == null || entryId.compareTo(youngerThan) > 0)
            && added >= minAdded && added <= maxAdded;
    }
}
