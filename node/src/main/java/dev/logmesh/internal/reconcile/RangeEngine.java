package dev.logmesh.internal.reconcile;

import dev.logmesh.internal.reconcile.ReconcileException.Reason;
import java.util.HashSet;
import java.util.Objects;
import java.util.Set;

/**
 * Range-based set reconciliation (Meyer 2022), Negentropy protocol v1: the message processing both roles
 * share. {@link Initiator} and {@link Responder} are the public faces.
 *
 * <h2>Design notes</h2>
 * <ul>
 * <li>A message is a version byte and a list of adjacent ranges covering all of item order, each with an
 *     upper bound and a mode: Skip (settled), Fingerprint (16 bytes over the sender's items in the range) or
 *     IdList (all of the sender's ids in it). The receiver answers range by range: a Skip or a matching
 *     fingerprint settles the range; a fingerprint that differs is split ({@link #splitRange}): a range of
 *     fewer than 32 items becomes an IdList, a larger one 16 Fingerprint ranges of equal item counts; an
 *     IdList settles the range on the initiator (which now knows the difference) and is answered with the
 *     responder's own IdList. Settled ranges in a row are sent as one Skip range. The session ends when the
 *     initiator has nothing left to send.</li>
 * <li>Output is byte for byte that of the reference implementations (hoytech/negentropy C++ and JS, the
 *     nostr-tools client), so their vectors test this code. That includes the frame limit rule: when the next
 *     range's output would pass {@code limit - 200} bytes, the message ends with one Fingerprint range to
 *     infinity over the items from the <em>end</em> of the current range on. That fingerprint leaves out
 *     the current range and any pending Skip ranges, so it differs from the peer's whenever anything was
 *     left out, and the peer splits again; settled ranges can so be compared twice, which is why the
 *     initiator drops differences it already reported.</li>
 * <li>A cutoff restricts this side to items at or after it: the range code sees the storage from
 *     {@code lowerBound(cutoff)} on (as the reference's SubRange storage does), and the initiator opens with
 *     a Skip range to the cutoff so the responder leaves older items out as well. A responder whose own cutoff is
 *     later than the initiator's (the initiator's clock behind) settles what lies before its cutoff, a range or
 *     the part of one, as if Skip had come: before (session 51, break51) it answered those ranges with its empty
 *     view, and the initiator pushed its items there, ids the responder may have applied, cleaned and forgotten
 *     (older than its seen horizon): each applied again.</li>
 * <li>Nothing is kept between messages except the role: the storage may change between them.</li>
 * </ul>
 */
final class RangeEngine {
    /** Protocol v1's version byte. */
    static final int PROTOCOL_VERSION = 0x61;
    static final int MODE_SKIP = 0;
    static final int MODE_FINGERPRINT = 1;
    static final int MODE_ID_LIST = 2;
    /** Fingerprint ranges a differing range is split into. */
    static final int BUCKETS = 16;
    /** Bytes kept free under the frame limit for the closing Fingerprint range. */
    static final int CUT_RESERVE = 200;

    /** Where the initiator learns the differences; the responder has none. */
    interface Differences {
        /** An item this side has and the peer lacks. */
        void have(Item item);

        /** An id the peer has and this side lacks; its timestamp lies in {@code [min, max]}. */
        void need(ItemId id, long minTimestamp, long maxTimestamp);
    }

    private final ItemStorage storage;
    private final int frameSizeLimit;
    private final long cutoffMs;
    private long lastTimestampOut;

    RangeEngine(ItemStorage storage, ReconcileOptions options) {
        this.storage = Objects.requireNonNull(storage, "storage");
        this.frameSizeLimit = options.frameSizeLimit();
        this.cutoffMs = options.cutoffMs();
    }

    /** The initiator's first message: the whole (cut off) set as 16 fingerprints, or one id list. */
    byte[] initiate() {
        lastTimestampOut = 0;
        MessageWriter out = new MessageWriter(1024);
        out.write(PROTOCOL_VERSION);
        if (cutoffMs > 0) {
            bound(out, Bound.of(cutoffMs));
            out.varint(MODE_SKIP);
        }
        splitRange(viewBegin(), storage.size(), Bound.INFINITY, out);
        return out.toByteArray();
    }

    /**
     * Processes a peer's message and builds the answer. {@code differences} is null on the responder.
     * An answer of just the version byte means the initiator is done.
     */
    byte[] process(byte[] message, Differences differences) {
        boolean initiator = differences != null;
        MessageReader in = new MessageReader(message);
        lastTimestampOut = 0;
        MessageWriter out = new MessageWriter(4096);
        out.write(PROTOCOL_VERSION);

        int version = in.readByte();
        if (version < 0x60 || version > 0x6F) {
            throw MessageReader.malformed("not a Negentropy message: first byte 0x" + Integer.toHexString(version));
        }
        if (version != PROTOCOL_VERSION) {
            if (initiator) {
                throw new ReconcileException(Reason.UNSUPPORTED_VERSION,
                    "the responder speaks protocol version " + (version - 0x60) + ", this side only 1");
            }
            // The spec: answer with the highest version we speak, so the initiator can retry with it.
            return out.toByteArray();
        }

        int size = storage.size();
        int prevIndex = viewBegin();
        Bound prevBound = Bound.ZERO;
        boolean skip = false;
        MessageWriter o = new MessageWriter(1024);

        while (in.hasMore()) {
            o.clear();
            Bound currBound = in.bound();
            long mode = in.varint();
            int lower = prevIndex;
            int upper = Math.max(lower, storage.lowerBound(currBound));

            if (!initiator && cutoffMs > 0 && Long.compareUnsigned(mode, MODE_ID_LIST) <= 0) {
                if (beforeCutoff(currBound)) {
                    // wholly before this side's cutoff (an initiator with an earlier one: its clock behind): settled,
                    // whatever the initiator holds there, so it pushes nothing this side may have applied and forgotten
                    skipPayload(in, mode);
                    skip = true;
                    prevIndex = upper;
                    prevBound = currBound;
                    continue;
                }
                if (Long.compareUnsigned(prevBound.timestamp(), cutoffMs) < 0) {
                    skip = true; // the part before the cutoff is settled, the rest compared as usual
                    prevBound = Bound.of(cutoffMs);
                }
            }
            if (mode == MODE_SKIP) {
                skip = true;
            } else if (mode == MODE_FINGERPRINT) {
                Fingerprint theirs = in.fingerprint();
                if (theirs.equals(storage.fingerprint(lower, upper))) {
                    skip = true;
                } else {
                    if (skip) {
                        skip = false;
                        writeSkip(o, prevBound);
                    }
                    splitRange(lower, upper, currBound, o);
                }
            } else if (mode == MODE_ID_LIST) {
                int count = in.smallVarint(in.remaining() / ItemId.SIZE, "id count");
                if (initiator) {
                    compareIdList(in, count, lower, upper, prevBound, currBound, differences);
                    skip = true;
                } else {
                    in.skipIds(count);
                    if (skip) {
                        skip = false;
                        writeSkip(o, prevBound);
                    }
                    upper = answerIdList(out, o, lower, upper, currBound);
                    out.append(o);
                    o.clear();
                }
            } else {
                throw MessageReader.malformed("unknown range mode " + Long.toUnsignedString(mode));
            }

            if (exceedsFrame(out.length() + o.length())) {
                // Protocol v1's cut: one Fingerprint range to infinity over the items from `upper` on.
                Fingerprint rest = storage.fingerprint(upper, size);
                bound(out, Bound.INFINITY);
                out.varint(MODE_FINGERPRINT);
                out.fingerprint(rest);
                break;
            }
            out.append(o);
            prevIndex = upper;
            prevBound = currBound;
        }
        return out.toByteArray();
    }

    /**
     * The responder's IdList: its ids in {@code [lower, upper)}, as many as fit; when the frame fills up the
     * list ends at the bound of the first item left out. Returns the new upper index.
     */
    private int answerIdList(MessageWriter out, MessageWriter o, int lower, int upper, Bound currBound) {
        MessageWriter ids = new MessageWriter(Math.min(upper - lower, 1024) * ItemId.SIZE);
        Bound end = currBound;
        int count = 0;
        int i = lower;
        for (; i < upper; i++) {
            Item item = storage.get(i);
            if (exceedsFrame(out.length() + ids.length())) {
                end = Bound.of(item);
                break;
            }
            ids.id(item.id());
            count++;
        }
        bound(o, end);
        o.varint(MODE_ID_LIST);
        o.varint(count);
        o.append(ids);
        return i;
    }

    /** The initiator's side of an IdList: every item on one side only is a difference. */
    private void compareIdList(MessageReader in, int count, int lower, int upper, Bound prevBound, Bound currBound,
            Differences differences) {
        ItemId[] theirs = new ItemId[count];
        Set<ItemId> unmatched = new HashSet<>(Math.max(16, count * 2));
        for (int i = 0; i < count; i++) {
            theirs[i] = in.id();
            unmatched.add(theirs[i]);
        }
        for (int i = lower; i < upper; i++) {
            Item item = storage.get(i);
            if (!unmatched.remove(item.id())) {
                differences.have(item);
            }
        }
        if (unmatched.isEmpty()) {
            return;
        }
        long min = clampTimestamp(prevBound.timestamp());
        long max = clampTimestamp(currBound.timestamp());
        for (ItemId id : theirs) {
            if (unmatched.remove(id)) {
                differences.need(id, Math.min(min, max), max);
            }
        }
    }

    /**
     * Protocol v1's split of a range that differs: fewer than {@code 2 * BUCKETS} items go as an IdList, more
     * as {@code BUCKETS} Fingerprint ranges of equal counts (the first {@code n % BUCKETS} one larger), each
     * ending at the shortest bound between its last item and the next.
     */
    private void splitRange(int lower, int upper, Bound upperBound, MessageWriter o) {
        int n = upper - lower;
        if (n < 2 * BUCKETS) {
            bound(o, upperBound);
            o.varint(MODE_ID_LIST);
            o.varint(n);
            for (int i = lower; i < upper; i++) {
                o.id(storage.get(i).id());
            }
            return;
        }
        int perBucket = n / BUCKETS;
        int withExtra = n % BUCKETS;
        int curr = lower;
        for (int b = 0; b < BUCKETS; b++) {
            int bucketSize = perBucket + (b < withExtra ? 1 : 0);
            Fingerprint fp = storage.fingerprint(curr, curr + bucketSize);
            curr += bucketSize;
            Bound next = curr == upper ? upperBound : Bound.between(storage.get(curr - 1), storage.get(curr));
            bound(o, next);
            o.varint(MODE_FINGERPRINT);
            o.fingerprint(fp);
        }
    }

    /** Whether {@code b} is at or before {@code Bound.of(cutoffMs)}: a range ending there lies before the cutoff. */
    private boolean beforeCutoff(Bound b) {
        int c = Long.compareUnsigned(b.timestamp(), cutoffMs);
        return c < 0 || (c == 0 && b.prefixLength() == 0);
    }

    /** Reads past a range's payload (a fingerprint or an id list) without looking at it. */
    private static void skipPayload(MessageReader in, long mode) {
        if (mode == MODE_FINGERPRINT) {
            in.fingerprint();
        } else if (mode == MODE_ID_LIST) {
            in.skipIds(in.smallVarint(in.remaining() / ItemId.SIZE, "id count"));
        }
    }

    private void writeSkip(MessageWriter o, Bound upper) {
        bound(o, upper);
        o.varint(MODE_SKIP);
    }

    private void bound(MessageWriter w, Bound b) {
        lastTimestampOut = w.bound(b, lastTimestampOut);
    }

    private boolean exceedsFrame(int bytes) {
        return frameSizeLimit != 0 && bytes > frameSizeLimit - CUT_RESERVE;
    }

    private int viewBegin() {
        return cutoffMs == 0 ? 0 : storage.lowerBound(Bound.of(cutoffMs));
    }

    /** A bound's unsigned timestamp as an item timestamp: past {@code Long.MAX_VALUE} is open-ended. */
    private static long clampTimestamp(long unsigned) {
        return unsigned < 0 ? Long.MAX_VALUE : unsigned;
    }
}
