package dev.logmesh.internal.protocol;

import dev.logmesh.Action;
import dev.logmesh.ActionId;
import dev.logmesh.internal.log.Interner;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The common {@code sync} frame decoded in one pass over its UTF-8 bytes, without Jackson: what a catch-up
 * receives, thousands of entries a second from a process's first second, while the JIT has not compiled
 * Jackson's parser yet (its largest methods took C2 hundreds of milliseconds of a core in a cold CLI catch-up,
 * and decoding was ~40% of the loop thread's samples: docs/performance.md, Cold).
 *
 * <p>A <em>fast path with a fallback</em>: {@link #scan} either returns exactly the {@link Message.Sync} that
 * {@link MessageCodec}'s streaming decoder makes of the same bytes, or null, and then that decoder reads the
 * frame (and says what is wrong with it, if anything). It returns null for anything but strict JSON (RFC 8259:
 * no leading zeros, no control characters in strings, well-formed UTF-8) in the common shape: an action
 * object with a plain string {@code type}; a meta of {@code id} (a number, {@code [time, seq]}, {@code [time,
 * node, seq]} or a string), {@code time}, {@code reasons}, {@code subprotocol} and {@code added} only (custom keys
 * are trees: the decoder's), integers in JavaScript's safe range, other numbers within a double's range, node ids
 * and reasons of ASCII without escapes; nesting up to {@link EntrySize#MAX_DEPTH}. {@code MessageCodecTest} checks the two agree on every frame of its
 * corpus and on mutations of them.
 *
 * <p>The entries it returns are {@link ScannedEntries}: columns of what each meta holds, not a {@link WireMeta} and a
 * {@link Message.WireEntry} an entry; the receiving session makes each {@code Meta} from them directly
 * ({@code ReceivePathProperties} checks that it is the meta, or the error, that the decoder's entries give).
 *
 * <p>One instance per frame (it keeps the frame's position); not thread-safe.
 */
final class SyncScanner {
    private static final byte[] SYNC = "[\"sync\"".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] SYNCED = "[\"synced\"".getBytes(StandardCharsets.US_ASCII);
    /** The most digits of an integer read here: 9007199254740991 has 16. */
    private static final int MAX_DIGITS = 16;
    /** The longest number (in bytes) checked here; a longer one is the decoder's (Jackson limits them). */
    private static final int MAX_NUMBER = 100;
    /** The longest string (in bytes) checked here; a longer one is the decoder's (Jackson limits them too). */
    private static final int MAX_STRING = 1 << 20;
    /**
     * The longest field name (in bytes, so never more chars) taken here: Jackson refuses a longer name than its
     * {@link com.fasterxml.jackson.core.StreamReadConstraints} allow (50,000 chars), so such a frame is the decoder's.
     */
    private static final int MAX_NAME = com.fasterxml.jackson.core.StreamReadConstraints.DEFAULT_MAX_NAME_LEN;

    private final byte[] b;
    private final int end;
    private final Interner interner;
    private int pos;
    /** The entries of the {@code sync} being read. */
    private ScannedEntries entries;
    /** The chars of the ASCII string being interned (an interner takes chars); grown as needed. */
    private char[] chars = new char[64];
    /** The value of the last {@link #integer()}. */
    private long value;
    /** Not 0 when the compact meta being read by {@link #meta} has a flaw (then {@link #anyMeta} reads it). */
    private int flaw;
    /** Where the last plain string's content starts and ends (exclusive), from {@link #plainString()}. */
    private int strFrom;
    private int strTo;
    /**
     * The last action type taken in this frame and where its content is: an entry whose type has the same bytes
     * takes the same string without interning it again (a catch-up's frame holds up to a thousand entries, most of
     * one type). 0 to 0 and null before the first.
     */
    private int typeFrom;
    private int typeTo;
    private String type;
    /**
     * The last compact meta taken in this frame: where its id's node (quotes included) and its reasons (brackets
     * included) are, with what they were read as. A meta whose node or reasons have the same bytes takes the same
     * objects without reading them again (a catch-up's metas repeat both); lengths 0 before the first.
     */
    private int nodeFrom;
    private int nodeLength;
    private String node;
    private int reasonsFrom;
    private int reasonsLength;
    private List<String> reasonList;

    private SyncScanner(byte[] b, int offset, int length, Interner interner) {
        this.b = b;
        this.pos = offset;
        this.end = offset + length;
        this.interner = interner;
    }

    /**
     * The frame {@code utf8[offset .. offset + length)} as a {@code sync}, or null when it is not one of the
     * common shape (see the class comment): then {@link MessageCodec} decodes it.
     */
    static Message.Sync scan(byte[] utf8, int offset, int length, Interner interner) {
        if (length < SYNC.length) {
            return null;
        }
        for (int i = 0; i < SYNC.length; i++) { // a frame starts with its type, as logmesh and Logux write them
            if (utf8[offset + i] != SYNC[i]) {
                return null;
            }
        }
        SyncScanner s = new SyncScanner(utf8, offset + SYNC.length, length - SYNC.length, interner);
        return s.sync();
    }

    /**
     * The frame {@code utf8[offset .. offset + length)} as {@code ["synced", added]} (blanks where JSON allows them
     * after the type; {@code added} an integer from 0 to 2^53 - 1 with no fraction or exponent), or null: then
     * {@link MessageCodec} decodes it. Each round trip of a sync ends with one: this reads it without a parser. A
     * frame taken is ASCII, so well-formed UTF-8.
     */
    static Message.Synced scanSynced(byte[] utf8, int offset, int length) {
        if (length < SYNCED.length) {
            return null;
        }
        for (int i = 0; i < SYNCED.length; i++) {
            if (utf8[offset + i] != SYNCED[i]) {
                return null;
            }
        }
        return new SyncScanner(utf8, offset + SYNCED.length, length - SYNCED.length, null).synced();
    }

    private Message.Synced synced() {
        long added = added();
        if (added < 0) {
            return null;
        }
        ws();
        if (pos >= end || b[pos] != ']') {
            return null;
        }
        pos++;
        ws();
        return pos == end ? new Message.Synced(added) : null;
    }

    /** After the type of a {@code sync} or {@code synced}: the comma and its {@code added} (at least 0), or -1. */
    private long added() {
        if (!comma()) {
            return -1;
        }
        ws();
        return integer() && value >= 0 ? value : -1;
    }

    private Message.Sync sync() {
        long added = added();
        if (added < 0) {
            return null;
        }
        // columns sized for a frame of entries of ~64 bytes (a catch-up's small actions: one array each, not grown)
        entries = new ScannedEntries(Math.min((end - pos) / 64, 2048));
        ws();
        while (pos < end && b[pos] == ',') {
            pos++;
            if (!entry()) {
                return null;
            }
            ws();
        }
        if (pos >= end || b[pos] != ']') {
            return null;
        }
        pos++;
        ws();
        return pos == end ? new Message.Sync(added, entries) : null;
    }

    /** {@link #next}: the container's closing byte was read. */
    private static final int CLOSED = 0;
    /** {@link #next}: a comma was read, and the whitespace after it. */
    private static final int COMMA = 1;
    /** {@link #next}: the frame ended or another byte came: the decoder's. */
    private static final int DECLINED = 2;

    /**
     * After a value in an object or array: skips whitespace and reads {@code close} ({@link #CLOSED}) or a comma and
     * the whitespace after it ({@link #COMMA}); anything else, or the frame's end, is {@link #DECLINED}.
     */
    private int next(int close) {
        ws();
        if (pos >= end) {
            return DECLINED;
        }
        byte c = b[pos++];
        if (c == close) {
            return CLOSED;
        }
        if (c != ',') {
            return DECLINED;
        }
        ws();
        return COMMA;
    }

    /** One action and its meta, after the comma before the action, added to {@link #entries}; false to decline. */
    private boolean entry() {
        ws();
        Action action = action();
        if (action == null || !comma()) {
            return false;
        }
        ws();
        return meta(action);
    }

    /** An action object with a plain string type, kept as its text; null to decline. */
    private Action action() {
        if (pos >= end || b[pos] != '{') {
            return null;
        }
        int from = pos;
        pos++;
        String type = null;
        ws();
        if (pos < end && b[pos] == '}') {
            return null; // no type: the decoder says so
        }
        while (true) {
            if (!plainString() || strTo - strFrom > MAX_NAME) {
                return null;
            }
            boolean isType = strTo - strFrom == 4 && b[strFrom] == 't' && b[strFrom + 1] == 'y'
                && b[strFrom + 2] == 'p' && b[strFrom + 3] == 'e';
            if (!colon()) {
                return null;
            }
            ws();
            if (isType) {
                // the last one counts, as with JSON.parse; plain ASCII only here
                if (!plainString() || strTo == strFrom) {
                    return null;
                }
                if (strTo - strFrom == typeTo - typeFrom && same(strFrom, typeFrom, strTo - strFrom)) {
                    type = this.type; // the entry before's: interned already
                } else {
                    type = intern();
                    if (type == null) {
                        return null;
                    }
                    this.type = type;
                    typeFrom = strFrom;
                    typeTo = strTo;
                }
            } else if (!value(1)) {
                return null;
            }
            int next = next('}');
            if (next == CLOSED) {
                break;
            }
            if (next == DECLINED) {
                return null;
            }
        }
        if (type == null) {
            return null;
        }
        return CheckedActions.of(new String(b, from, pos - from, StandardCharsets.UTF_8), type);
    }

    /**
     * Skips one JSON value at {@code depth} (1 for a value of the action object); null-free: false to decline (not
     * JSON, or nested deeper than {@link EntrySize#MAX_DEPTH}).
     */
    private boolean value(int depth) {
        if (pos >= end) {
            return false;
        }
        return switch (b[pos]) {
            case '"' -> string(false);
            case '{', '[' -> container(depth + 1);
            case 't' -> literal("true");
            case 'f' -> literal("false");
            case 'n' -> literal("null");
            default -> number();
        };
    }

    /** An object or array at the current position, nested at {@code depth}; false to decline. */
    private boolean container(int depth) {
        if (depth > EntrySize.MAX_DEPTH) {
            return false; // the decoder marks the entry too deep
        }
        boolean object = b[pos] == '{';
        byte close = object ? (byte) '}' : (byte) ']';
        pos++;
        ws();
        if (pos < end && b[pos] == close) {
            pos++;
            return true;
        }
        while (true) {
            if (object) {
                int name = pos;
                if (!string(true) || pos - name - 2 > MAX_NAME || !colon()) {
                    return false;
                }
                ws();
            }
            if (!value(depth)) {
                return false;
            }
            int next = next(close);
            if (next == CLOSED) {
                return true;
            }
            if (next == DECLINED) {
                return false;
            }
        }
    }

    private boolean literal(String word) {
        int n = word.length();
        if (end - pos < n) {
            return false;
        }
        for (int i = 0; i < n; i++) {
            if (b[pos + i] != word.charAt(i)) {
                return false;
            }
        }
        pos += n;
        return true;
    }

    /** A JSON number (RFC 8259 grammar); false to decline. */
    private boolean number() {
        int from = pos;
        if (pos < end && b[pos] == '-') {
            pos++;
        }
        if (pos >= end) {
            return false;
        }
        if (b[pos] == '0') {
            pos++;
        } else if (digit(b[pos])) {
            while (pos < end && digit(b[pos])) {
                pos++;
            }
        } else {
            return false;
        }
        if (pos < end && b[pos] == '.') {
            pos++;
            if (!digits()) {
                return false;
            }
        }
        boolean exponent = pos < end && (b[pos] == 'e' || b[pos] == 'E');
        if (exponent) {
            pos++;
            if (pos < end && (b[pos] == '+' || b[pos] == '-')) {
                pos++;
            }
            if (!digits()) {
                return false;
            }
        }
        if (pos - from > MAX_NUMBER || (pos < end && letterOrDigit(b[pos]))) {
            return false;
        }
        // a number beyond a double's range (1e999999: JavaScript's Infinity) is the decoder's, which marks its entry
        // refused (Message.WireEntry#beyondRange); without an exponent, MAX_NUMBER's 100 digits are within range
        return !exponent
            || !Double.isInfinite(Double.parseDouble(new String(b, from, pos - from, StandardCharsets.US_ASCII)));
    }

    private boolean digits() {
        int from = pos;
        while (pos < end && digit(b[pos])) {
            pos++;
        }
        return pos > from;
    }

    private static boolean digit(byte c) {
        return c >= '0' && c <= '9';
    }

    /** What may not follow a number or a literal directly (the decoder's to refuse: "1x", "truex"). */
    private static boolean letterOrDigit(byte c) {
        return digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == '.' || c == '+'
            || c == '-' || c < 0;
    }

    /**
     * An integer in [-{@link ActionId#MAX_SAFE}, {@link ActionId#MAX_SAFE}] (no fraction, no exponent, no leading
     * zero) into {@link #value}; false to decline.
     */
    private boolean integer() {
        boolean negative = false;
        if (pos < end && b[pos] == '-') {
            negative = true;
            pos++;
        }
        if (pos >= end || !digit(b[pos])) {
            return false;
        }
        if (b[pos] == '0') {
            pos++;
            value = 0;
            if (negative) {
                return false; // -0: the decoder's
            }
        } else {
            int from = pos;
            long v = 0;
            while (pos < end && digit(b[pos])) {
                if (pos - from >= MAX_DIGITS) {
                    return false;
                }
                v = v * 10 + (b[pos] - '0');
                pos++;
            }
            if (v > ActionId.MAX_SAFE) {
                return false;
            }
            value = negative ? -v : v;
        }
        return pos >= end || !letterOrDigit(b[pos]);
    }

    /**
     * A JSON string, any content (escapes checked, UTF-8 well-formed); false to decline. A field {@code name} with a
     * surrogate escape (backslash, u, D800 to DFFF) is declined: Jackson checks that they pair up in names (not in
     * values) and refuses the frame otherwise, so it is the decoder's.
     */
    private boolean string(boolean name) {
        if (pos >= end || b[pos] != '"') {
            return false;
        }
        int from = ++pos;
        while (pos < end) {
            int c = b[pos] & 0xff;
            if (c == '"') {
                pos++;
                return pos - from <= MAX_STRING;
            }
            if (c < 0x20) {
                return false;
            }
            if (c == '\\') {
                if (name && surrogateEscape()) {
                    return false;
                }
                if (!escape()) {
                    return false;
                }
            } else if (c >= 0x80) {
                if (!utf8(c)) {
                    return false;
                }
            } else {
                pos++;
            }
        }
        return false;
    }

    /** A string of printable ASCII without escapes: its content's bounds into {@link #strFrom}, {@link #strTo}. */
    private boolean plainString() {
        if (pos >= end || b[pos] != '"') {
            return false;
        }
        int from = ++pos;
        while (pos < end) {
            byte c = b[pos];
            if (c == '"') {
                strFrom = from;
                strTo = pos++;
                return strTo - strFrom <= MAX_STRING;
            }
            if (c < 0x20 || c == '\\') {
                return false; // also every byte >= 0x80 (negative)
            }
            pos++;
        }
        return false;
    }

    /** The interned string of the last plain string, as the decoder shares it. */
    private String intern() {
        int n = strTo - strFrom;
        if (chars.length < n) {
            chars = new char[Math.max(n, 2 * chars.length)];
        }
        for (int i = 0; i < n; i++) {
            chars[i] = (char) b[strFrom + i];
        }
        return interner.intern(chars, 0, n);
    }

    /** Whether the escape at the backslash is a backslash-u escape of a surrogate (D800 to DFFF), in either case. */
    private boolean surrogateEscape() {
        return end - pos >= 6 && b[pos + 1] == 'u' && (b[pos + 2] == 'd' || b[pos + 2] == 'D')
            && ((b[pos + 3] >= '8' && b[pos + 3] <= '9') || (b[pos + 3] >= 'a' && b[pos + 3] <= 'f')
            || (b[pos + 3] >= 'A' && b[pos + 3] <= 'F'));
    }

    /** One escape at the backslash: false to decline. */
    private boolean escape() {
        if (end - pos < 2) {
            return false;
        }
        byte e = b[pos + 1];
        if (e == 'u') {
            if (end - pos < 6) {
                return false;
            }
            for (int i = 2; i < 6; i++) {
                byte h = b[pos + i];
                if (!(digit(h) || (h >= 'a' && h <= 'f') || (h >= 'A' && h <= 'F'))) {
                    return false;
                }
            }
            pos += 6;
            return true;
        }
        if (e == '"' || e == '\\' || e == '/' || e == 'b' || e == 'f' || e == 'n' || e == 'r' || e == 't') {
            pos += 2;
            return true;
        }
        return false;
    }

    /** One well-formed UTF-8 sequence of 2 to 4 bytes (RFC 3629: no overlong form, no surrogate), lead {@code c}. */
    private boolean utf8(int c) {
        int n;
        int min;
        if (c >= 0xc2 && c <= 0xdf) {
            n = 1;
            min = 0x80;
        } else if (c >= 0xe0 && c <= 0xef) {
            n = 2;
            min = 0x800;
        } else if (c >= 0xf0 && c <= 0xf4) {
            n = 3;
            min = 0x10000;
        } else {
            return false;
        }
        if (end - pos <= n) {
            return false;
        }
        int cp = c & (0x3f >> n);
        for (int i = 1; i <= n; i++) {
            int x = b[pos + i] & 0xff;
            if ((x & 0xc0) != 0x80) {
                return false;
            }
            cp = (cp << 6) | (x & 0x3f);
        }
        if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) {
            return false;
        }
        pos += n + 1;
        return true;
    }

    /** A compact meta's bytes up to its id's value. */
    private static final byte[] META_ID = "{\"id\":".getBytes(StandardCharsets.US_ASCII);
    /** A compact meta's bytes between its id and its time's value. */
    private static final byte[] META_TIME = ",\"time\":".getBytes(StandardCharsets.US_ASCII);
    /** A compact meta's bytes between its time and its reasons' array. */
    private static final byte[] META_REASONS = ",\"reasons\":".getBytes(StandardCharsets.US_ASCII);

    /**
     * The meta object, added to {@link #entries} with {@code action}; false to decline. First as a logmesh peer writes
     * it (compact, {@code id} then {@code time} then one or two {@code reasons} if any; the id a number,
     * {@code [time, seq]} or {@code [time, node, seq]}):
     * one pass that notes each flaw in {@link #flaw} and looks at it once, at the end. Any flaw, and {@link #anyMeta}
     * reads the meta again from its start (any key order, whitespace, the other keys and forms), taking it or
     * declining.
     *
     * <p>Why not one reader with a decline at each byte: a catch-up calls this for every entry from a process's
     * first second, and C2's compile of that reader (every helper inlined, 370-430 uncommon traps for the declines a
     * catch-up never takes) took 230-290 ms of a core in the CLI catch-up's ~300 ms window (docs/performance.md,
     * "The scanner's C2 compile"). Here the checks are arithmetic on a flaw word, and the one decline calls a method
     * the catch-up never reaches, which C2 leaves out of this one.
     */
    private boolean meta(Action action) {
        int start = pos;
        flaw = 0;
        word(META_ID);
        WireMeta.IdForm form;
        long idTime;
        String idNode = null;
        int idFrom = 0; // where the node id is, quotes included, when there is one
        int idTo = 0;
        long idSeq = 0;
        if (at(pos) == '[') {
            pos++;
            idTime = compactInteger();
            expect(',');
            if (at(pos) == '"') {
                idFrom = pos;
                if (nodeLength > 0 && same(pos, nodeFrom, nodeLength)) {
                    idNode = node; // the meta before's, read and interned already
                    pos += nodeLength;
                } else {
                    idNode = compactName(true);
                }
                idTo = pos;
                expect(',');
                form = WireMeta.IdForm.TRIPLE;
            } else {
                form = WireMeta.IdForm.PAIR;
            }
            idSeq = compactInteger();
            flaw |= (int) (idSeq >>> 63); // a negative seq
            expect(']');
        } else {
            idTime = compactInteger();
            form = WireMeta.IdForm.NUMBER;
        }
        word(META_TIME);
        long time = compactInteger();
        List<String> reasons = null;
        int listFrom = 0; // where the reasons' array is, brackets included, when there is one
        int listTo = 0;
        if (at(pos) == ',') {
            word(META_REASONS);
            listFrom = pos;
            if (reasonsLength > 0 && same(pos, reasonsFrom, reasonsLength)) {
                reasons = reasonList; // the meta before's, read and interned already
                pos += reasonsLength;
            } else {
                reasons = compactReasons();
            }
            listTo = pos;
        }
        expect('}');
        if ((flaw | ((end - pos) >>> 31)) != 0) { // a flaw, or the meta ran past the frame's end
            pos = start;
            return anyMeta(action);
        }
        if (idNode != null) {
            node = idNode;
            nodeFrom = idFrom;
            nodeLength = idTo - idFrom;
        }
        if (reasons != null) {
            reasonList = reasons;
            reasonsFrom = listFrom;
            reasonsLength = listTo - listFrom;
        }
        entries.add(action, form, idTime, idNode, idSeq, time, reasons, 0);
        return true;
    }

    /**
     * Whether the {@code n} bytes at {@code from} are those at {@code other} (a range of this frame read before, so
     * within it); false when the first range runs past the frame's end.
     */
    private boolean same(int from, int other, int n) {
        if (n > end - from) {
            return false;
        }
        for (int i = 0; i < n; i++) {
            if (b[from + i] != b[other + i]) {
                return false;
            }
        }
        return true;
    }

    /**
     * A compact meta's reasons, one or two, at its array's opening bracket: read to the closing bracket (included),
     * interned; a flaw otherwise (then what is returned is not to be used).
     */
    private List<String> compactReasons() {
        String first = null;
        String second = null;
        flaw |= at(pos) ^ '[';
        do { // after the array's opening bracket or a comma; one call of compactName, so C2 inlines it once
            pos++;
            String s = compactName(false);
            if (first == null) {
                first = s;
            } else if (second == null) {
                if (!s.equals(first)) {
                    second = s;
                }
            } else {
                flaw = 1; // a third reason: anyMeta's
            }
        } while (pos < end && b[pos] == ',');
        expect(']');
        return second == null ? interner.single(first) : interner.pair(first, second);
    }

    /**
     * The byte at {@code p}, or the frame's last byte from its end on: the compact meta's reader looks at bytes
     * without a bound check each (every byte it looks at moves {@link #pos} past it, so a meta read past the end
     * ends past it, and is declined there).
     */
    private byte at(int p) {
        return b[Math.min(p, end - 1)];
    }

    /** A compact meta's {@code c} at {@link #pos}, read; a flaw otherwise. */
    private void expect(char c) {
        flaw |= at(pos++) ^ c;
    }

    /** A compact meta's {@code word} at {@link #pos}, read; a flaw otherwise. */
    private void word(byte[] word) {
        for (int i = 0; i < word.length; i++) {
            flaw |= at(pos + i) ^ word[i];
        }
        pos += word.length;
    }

    /**
     * A compact meta's integer, as {@link #integer()} takes it (in [-{@link ActionId#MAX_SAFE}, {@link
     * ActionId#MAX_SAFE}], no leading zero, not -0); a flaw otherwise. What follows it is the caller's to check (a
     * fraction or an exponent is not the punctuation it expects).
     */
    private long compactInteger() {
        int negative = is(at(pos), '-');
        pos += negative;
        int from = pos;
        long v = 0;
        while (pos < end) {
            int d = b[pos] - '0';
            if ((d | (9 - d)) < 0) {
                break;
            }
            v = v * 10 + d;
            pos++;
        }
        int n = pos - from;
        flaw |= (((n - 1) | (MAX_DIGITS - n)) >>> 31) // no digit, or more than an integer here has
            | (is(at(from), '0') & ((1 - n) >>> 31)) // a leading zero
            | (int) ((ActionId.MAX_SAFE - v) >>> 63)
            | (negative & (int) ((v - 1) >>> 63)); // -0
        long sign = -negative; // 0 or -1: v or -v, without a branch
        return (v ^ sign) - sign;
    }

    /**
     * A compact meta's plain string (printable ASCII without escapes, as {@link #plainString()} takes it, and not
     * empty; a {@code nodeId} without spaces), interned; a flaw otherwise, and then the empty string, not interned.
     */
    private String compactName(boolean nodeId) {
        flaw |= at(pos) ^ '"';
        int from = ++pos;
        int bad = 0; // negative for a control character, a byte of a multi-byte character, a backslash, a space in a node id
        while (pos < end) {
            byte c = b[pos];
            if (c == '"') {
                break;
            }
            bad |= (c - 0x20) | ((c ^ '\\') - 1);
            if (nodeId) {
                bad |= (c ^ ' ') - 1;
            }
            pos++;
        }
        strFrom = from;
        strTo = pos;
        pos++; // the closing quote (past the end if there was none)
        int n = strTo - strFrom;
        flaw |= (bad | (n - 1) | (MAX_STRING - n)) >>> 31;
        if (flaw != 0) {
            return "";
        }
        return intern();
    }

    /** 1 when {@code c} is {@code x}, else 0: without a branch. */
    private static int is(byte c, char x) {
        return (((c & 0xff) ^ x) - 1) >>> 31;
    }

    /** The meta object of the common shape in any form {@link #meta} does not read; false to decline. */
    private boolean anyMeta(Action action) {
        if (pos >= end || b[pos] != '{') {
            return false;
        }
        pos++;
        WireMeta.IdForm form = null;
        long idTime = 0;
        String idNode = null;
        long idSeq = 0;
        long time = 0;
        boolean timeSeen = false;
        List<String> reasons = null;
        int subprotocol = 0;
        ws();
        if (pos < end && b[pos] == '}') {
            return false;
        }
        while (true) {
            if (!plainString()) {
                return false;
            }
            int key = key();
            if (!colon()) {
                return false;
            }
            ws();
            switch (key) {
                case ID -> {
                    idNode = null;
                    idSeq = 0;
                    if (pos >= end) {
                        return false;
                    }
                    byte c = b[pos];
                    if (c == '"') {
                        if (!plainString()) {
                            return false;
                        }
                        ActionId id;
                        try {
                            id = ActionId.parse(new String(b, strFrom, strTo - strFrom, StandardCharsets.US_ASCII));
                        } catch (IllegalArgumentException e) {
                            return false;
                        }
                        form = WireMeta.IdForm.TEXT;
                        idTime = id.ms();
                        idNode = id.node();
                        idSeq = id.seq();
                    } else if (c == '[') {
                        pos++;
                        ws();
                        if (!integer()) {
                            return false;
                        }
                        idTime = value;
                        if (!comma()) {
                            return false;
                        }
                        ws();
                        if (pos < end && b[pos] == '"') {
                            if (!plainString()) {
                                return false;
                            }
                            idNode = intern();
                            if (idNode.isEmpty() || idNode.indexOf(' ') >= 0 || !comma()) {
                                return false;
                            }
                            ws();
                            form = WireMeta.IdForm.TRIPLE;
                        } else {
                            form = WireMeta.IdForm.PAIR;
                        }
                        if (!integer() || value < 0) {
                            return false;
                        }
                        idSeq = value;
                        ws();
                        if (pos >= end || b[pos] != ']') {
                            return false;
                        }
                        pos++;
                    } else {
                        if (!integer()) {
                            return false;
                        }
                        form = WireMeta.IdForm.NUMBER;
                        idTime = value;
                    }
                }
                case TIME -> {
                    if (!integer()) {
                        return false;
                    }
                    time = value;
                    timeSeen = true;
                }
                case REASONS -> {
                    reasons = reasons();
                    if (reasons == null) {
                        return false;
                    }
                }
                case SUBPROTOCOL -> {
                    if (literal("null")) {
                        subprotocol = 0;
                    } else {
                        if (!integer() || value < 0 || value > Integer.MAX_VALUE) {
                            return false;
                        }
                        subprotocol = (int) value;
                    }
                }
                case ADDED -> {
                    if (!value(1)) {
                        return false;
                    }
                }
                default -> {
                    return false; // a custom key: a tree, the decoder's
                }
            }
            int next = next('}');
            if (next == CLOSED) {
                break;
            }
            if (next == DECLINED) {
                return false;
            }
        }
        if (form == null || !timeSeen) {
            return false;
        }
        entries.add(action, form, idTime, idNode, idSeq, time, reasons, subprotocol);
        return true;
    }

    private static final int OTHER = 0;
    private static final int ID = 1;
    private static final int TIME = 2;
    private static final int REASONS = 3;
    private static final int SUBPROTOCOL = 4;
    private static final int ADDED = 5;

    /** Which meta key the last plain string is. */
    private int key() {
        int n = strTo - strFrom;
        int f = strFrom;
        return switch (n) {
            case 2 -> b[f] == 'i' && b[f + 1] == 'd' ? ID : OTHER;
            case 4 -> b[f] == 't' && b[f + 1] == 'i' && b[f + 2] == 'm' && b[f + 3] == 'e' ? TIME : OTHER;
            case 5 -> is("added", f) ? ADDED : OTHER;
            case 7 -> is("reasons", f) ? REASONS : OTHER;
            case 11 -> is("subprotocol", f) ? SUBPROTOCOL : OTHER;
            default -> OTHER;
        };
    }

    private boolean is(String word, int at) {
        for (int i = 0; i < word.length(); i++) {
            if (b[at + i] != word.charAt(i)) {
                return false;
            }
        }
        return true;
    }

    /** Reasons as {@code WireMeta.read} makes them (a string: one; duplicates dropped); null to decline. */
    private List<String> reasons() {
        if (pos < end && b[pos] == 'n') {
            return null; // a null: the decoder refuses it and says why
        }
        if (pos < end && b[pos] == '"') {
            if (!plainString()) {
                return null;
            }
            // the decoder takes an empty single reason as it is: the Meta refuses it later, the same way
            String s = intern();
            return interner.single(s);
        }
        if (pos >= end || b[pos] != '[') {
            return null;
        }
        pos++;
        ws();
        if (pos < end && b[pos] == ']') {
            pos++;
            return List.of();
        }
        // one or two reasons, most entries' case (an application's, and a node's own): the shared list, found
        // without a list of its own; a third one makes a list
        String first = null;
        String second = null;
        List<String> out = null;
        while (true) {
            if (!plainString() || strTo == strFrom) {
                return null;
            }
            String s = intern();
            if (first == null) {
                first = s;
            } else if (second == null) {
                if (!s.equals(first)) {
                    second = s;
                }
            } else {
                if (out == null) {
                    out = new ArrayList<>(4);
                    out.add(first);
                    out.add(second);
                }
                if (!out.contains(s)) {
                    out.add(s);
                }
            }
            int next = next(']');
            if (next == CLOSED) {
                break;
            }
            if (next == DECLINED) {
                return null;
            }
        }
        if (second == null) {
            return interner.single(first);
        }
        if (out == null || out.size() == 2) {
            return interner.pair(first, second);
        }
        return interner.list(out);
    }

    /** Whitespace, then a comma (consumed); false when something else comes. */
    private boolean comma() {
        ws();
        if (pos < end && b[pos] == ',') {
            pos++;
            return true;
        }
        return false;
    }

    private boolean colon() {
        ws();
        if (pos < end && b[pos] == ':') {
            pos++;
            return true;
        }
        return false;
    }

    private void ws() {
        while (pos < end) {
            byte c = b[pos];
            if (c != ' ' && c != '\n' && c != '\r' && c != '\t') {
                return;
            }
            pos++;
        }
    }
}
