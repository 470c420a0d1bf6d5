package dev.logmesh.internal.protocol;

import dev.logmesh.Action;
import dev.logmesh.ActionId;
import dev.logmesh.Meta;
import java.util.AbstractList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.RandomAccess;

/**
 * The entries of a {@code sync} frame that {@link SyncScanner} read, kept as columns (a few array slots an entry)
 * instead of a {@link WireMeta} and a {@link Message.WireEntry} an entry: the receiving session makes each entry's
 * {@link Meta} straight from them ({@link #meta}), once it knows the connection's base time, time fix and peer node.
 * A catch-up receives thousands of entries a second from a process's first second, where every object an entry and
 * every code path run matter (docs/performance.md, "Session 50").
 *
 * <p>As a {@code List<WireEntry>} it is what {@link MessageCodec}'s streaming decoder makes of the same frame: each
 * {@link #get} makes that entry (for anything but the receiving path: encoding, tests, a log line), and {@code equals}
 * compares element by element with any list. Scanned metas never have custom keys (the scanner leaves those frames to
 * the decoder), nor an entry too deep or with a number beyond a double's range.
 *
 * <p>Filled by one scanner on one thread ({@link #add}, package-private), then never changed: immutable once the
 * {@link Message.Sync} holding it is made, so any thread may read it.
 */
public final class ScannedEntries extends AbstractList<Message.WireEntry> implements RandomAccess {
    /** Per entry {@code i}: at {@code 3i} the id's time part (shifted but for {@code TEXT}), {@code 3i + 1} its seq,
     *  {@code 3i + 2} the meta's time (shifted). */
    private long[] longs;
    /** Per entry {@code i}: at {@code 3i} the {@link Action}, {@code 3i + 1} the id's node (null: the sender's),
     *  {@code 3i + 2} the reasons ({@code List<String>}, interned; null when the meta has no {@code reasons} key). */
    private Object[] refs;
    /** Per entry: how its id travelled. */
    private WireMeta.IdForm[] forms;
    /** Per entry: the subprotocol; null while every one so far is 0 (a catch-up's usual case). */
    private int[] subprotocols;
    private int size;

    /** Columns for about {@code expected} entries (grown as needed). */
    ScannedEntries(int expected) {
        int n = Math.max(4, expected);
        longs = new long[3 * n];
        refs = new Object[3 * n];
        forms = new WireMeta.IdForm[n];
    }

    /** Appends one entry, as the scanner read it (its shape checked; values as {@link WireMeta}'s components). */
    void add(Action action, WireMeta.IdForm form, long idTime, String idNode, long idSeq, long time,
             List<String> reasons, int subprotocol) {
        if (size == forms.length) {
            int n = size + (size >> 1) + 1;
            longs = Arrays.copyOf(longs, 3 * n);
            refs = Arrays.copyOf(refs, 3 * n);
            forms = Arrays.copyOf(forms, n);
            if (subprotocols != null) {
                subprotocols = Arrays.copyOf(subprotocols, n);
            }
        }
        int k = 3 * size;
        longs[k] = idTime;
        longs[k + 1] = idSeq;
        longs[k + 2] = time;
        refs[k] = action;
        refs[k + 1] = idNode;
        refs[k + 2] = reasons;
        forms[size] = form;
        if (subprotocol != 0) {
            if (subprotocols == null) {
                subprotocols = new int[forms.length];
            }
            subprotocols[size] = subprotocol;
        }
        size++;
    }

    @Override
    public int size() {
        return size;
    }

    /** Entry {@code i} in wire form, as the streaming decoder makes it (a new object each call). */
    @Override
    public Message.WireEntry get(int i) {
        return new Message.WireEntry(action(i), wireMeta(i), 0);
    }

    /** Entry {@code i}'s action. */
    public Action action(int i) {
        java.util.Objects.checkIndex(i, size);
        return (Action) refs[3 * i];
    }

    /** Whether entry {@code i}'s meta has a reason, as {@link WireMeta#hasReasons}. */
    public boolean hasReasons(int i) {
        java.util.Objects.checkIndex(i, size);
        return refs[3 * i + 2] instanceof List<?> l && !l.isEmpty();
    }

    /** Entry {@code i}'s meta in wire form (a new object each call). */
    @SuppressWarnings("unchecked") // the column holds only what add() took: List<String>
    public WireMeta wireMeta(int i) {
        java.util.Objects.checkIndex(i, size);
        int k = 3 * i;
        return new WireMeta(forms[i], longs[k], (String) refs[k + 1], longs[k + 1], longs[k + 2],
            (List<String>) refs[k + 2], subprotocol(i), Map.of());
    }

    /**
     * Entry {@code i}'s meta as sent by {@code remoteNode}, in the local clock, with {@code added}: equal to
     * {@code wireMeta(i).toMeta(remoteNode, baseTime, timeFix, added)} (the same value, or the same error), made
     * without the wire meta. Any thread.
     *
     * @param added the {@code added} the receiving store is expected to give it, 0 for none
     * @throws ProtocolError wrong-format if a value is out of range once unshifted, as {@link WireMeta#toMeta}
     */
    public Meta meta(int i, String remoteNode, long baseTime, long timeFix, long added) throws ProtocolError {
        return meta(i, remoteNode, baseTime, timeFix, added, reasons(i));
    }

    /** Entry {@code i}'s reasons as its {@link Meta} holds them (interned; none when the key was absent). */
    @SuppressWarnings("unchecked") // the column holds only what add() took: List<String>
    public List<String> reasons(int i) {
        java.util.Objects.checkIndex(i, size);
        List<String> r = (List<String>) refs[3 * i + 2];
        return r == null ? List.of() : r;
    }

    /**
     * {@link #meta(int, String, long, long, long)} with {@code reasons} instead of the entry's: those a log's pre-add
     * hooks give its reasons ({@code Log#storedReasons}), so that the log stores the meta as it is, not a copy. A value
     * out of range is refused as there, with the entry's own reasons.
     *
     * @throws ProtocolError wrong-format if a value is out of range once unshifted, as {@link WireMeta#toMeta}
     */
    public Meta meta(int i, String remoteNode, long baseTime, long timeFix, long added, List<String> reasons)
        throws ProtocolError {
        java.util.Objects.checkIndex(i, size);
        int k = 3 * i;
        String node = (String) refs[k + 1];
        try {
            WireMeta.IdForm form = forms[i];
            long ms = form == WireMeta.IdForm.TEXT ? longs[k] : Math.addExact(longs[k], baseTime);
            ActionId id = new ActionId(ms, node == null ? remoteNode : node, form == WireMeta.IdForm.NUMBER ? 0 : longs[k + 1]);
            long t = Math.addExact(Math.addExact(longs[k + 2], baseTime), timeFix);
            return new Meta(id, t, added, reasons, subprotocol(i), Map.of());
        } catch (IllegalArgumentException | ArithmeticException e) {
            // rare (a peer's bad value): the wire meta's conversion says what is wrong, in its words
            return wireMeta(i).toMeta(remoteNode, baseTime, timeFix, added);
        }
    }

    private int subprotocol(int i) {
        return subprotocols == null ? 0 : subprotocols[i];
    }
}
