/*
 * LinkEmu: a user-space link emulator for WebSocket links (this kernel has no netem qdisc).
 *
 * A TCP forwarder that understands WebSocket framing (RFC 6455) and, per direction and with given probabilities
 * per message, delays messages, stalls a connection, and resets it (a message lost with its connection, or
 * delivered just before the connection dies), and can cut a link (partition) and heal it on command.
 *
 * A connection's bytes stay in order, each message once, as TCP keeps them: what a network does to a TCP stream
 * is delay it (a retransmission stalls everything behind the lost segment) or kill it. So `reorder` stalls a
 * connection (messages of other connections overtake it: reordering across connections), `drop` loses a message
 * and resets its connection (what was sent before it arrives; the sender learns of the loss only from the reset),
 * and `dup` delivers a message and then resets its connection (the sender cannot know it arrived and sends it
 * again on its next connection: the duplicate a real network makes). Before session 38 `drop`, `dup` and
 * `reorder` lost, doubled and swapped single frames inside a live connection, which TCP never does: a presence
 * record put ahead of the handshake's `connected` failed the first session after a partition's heal
 * (`missed-auth`), a fault no real network makes.
 *
 * Runs from source with no build (JDK 17):
 *
 *   java scripts/lib/LinkEmu.java --listen 127.0.0.1:7101 --target 127.0.0.1:7001 \
 *        --drop 0.1 --dup 0.05 --reorder 0.25 --delay 0-50 --seed 42 --control 127.0.0.1:7199
 *
 * Several links in one process (saves a JVM per link): repeat --listen; options after a --listen (until
 * the next one) belong to that link, options before the first --listen are defaults for every link.
 *
 *   --listen HOST:PORT    start a link listening here (port 0: any free port, printed in the ready line)
 *   --target HOST:PORT    where that link forwards to
 *   --name NAME           the link's name in commands and stats (default l1, l2, ...)
 *   --link NAME,LISTEN,TARGET   the three above in one option
 *   --drop P --dup P --reorder P   probabilities per message (0..1), both directions: drop = lost, and its
 *                         connection reset; dup = delivered, then its connection reset; reorder = the
 *                         connection stalls for --hold ms at that message (order kept inside it)
 *   --delay MIN-MAX       delay per message in ms, uniform (order is kept)
 *   --hold MS             how long a message picked by --reorder stalls its connection (default 100)
 *   --c2s SPEC / --s2c SPEC   per direction, e.g. "drop=0.2,dup=0,delay=5-10"; c2s = from the connecting
 *                         side (the WebSocket client, whose frames are masked) to the target
 *   --cut-mode close|blackhole|stall   what `cut` does by default (default close)
 *   --control HOST:PORT   control socket: one command per line, answered with lines ending in "ok ..." or
 *                         "error ..." (commands are also read from stdin, if it is not at EOF)
 *   --seed N              seed of every random choice (per link, connection and direction)
 *   --verbose             log connections and cuts on stderr
 *
 * Commands ([LINK] = a link name or "all", the default; [DIR] = c2s, s2c or both, the default):
 *   set [LINK] [DIR] drop=P dup=P reorder=P delay=MIN-MAX hold=MS   change faults (also mid-connection)
 *   cut [LINK] [close|blackhole|stall]   partition: close = close its connections and refuse new ones
 *                         (accept + reset); blackhole = keep connections open but discard every frame both
 *                         ways (new connections hang); stall = keep connections, hold every frame until heal
 *   heal [LINK]           end the cut (blackholed connections opened during the cut are closed)
 *   reset [LINK]          close the link's current connections (a connection churn; no cut)
 *   stats [LINK]          one JSON line per link and direction: frames in/out, dropped (lost with a reset),
 *                         duplicated (delivered, then reset), reordered (stalls), discarded (by a cut, or
 *                         behind a reset), bytes, connections
 *   show                  the current settings
 *   quit                  close everything and exit
 *
 * Only messages are faulted: the HTTP upgrade, and control frames (close, ping, pong), pass unchanged.
 * A fragmented message is faulted as a whole. Sec-WebSocket-Extensions is removed from the upgrade request,
 * so no extension (permessage-deflate, whose context a lost frame would break) is negotiated.
 * Not for wss:// (TLS records are opaque to it).
 */

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.PriorityQueue;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

public final class LinkEmu {

    static final PrintStream OUT = System.out;
    static boolean verbose;

    /** Fault settings of one direction of one link; read by the pipes for every message. */
    static final class Faults {
        volatile double drop, dup, reorder;
        volatile int delayMin, delayMax;
        volatile int hold = 100;

        Faults copy() {
            Faults f = new Faults();
            f.drop = drop; f.dup = dup; f.reorder = reorder;
            f.delayMin = delayMin; f.delayMax = delayMax; f.hold = hold;
            return f;
        }

        void set(String key, String value) {
            switch (key) {
                case "drop" -> drop = prob(value);
                case "dup" -> dup = prob(value);
                case "reorder" -> reorder = prob(value);
                case "hold" -> hold = Integer.parseInt(value);
                case "delay" -> {
                    int dash = value.indexOf('-');
                    int lo = Integer.parseInt(dash < 0 ? value : value.substring(0, dash));
                    int hi = dash < 0 ? lo : Integer.parseInt(value.substring(dash + 1));
                    if (lo < 0 || hi < lo) {
                        throw new IllegalArgumentException("delay must be MIN-MAX with 0 <= MIN <= MAX: " + value);
                    }
                    delayMin = lo; delayMax = hi;
                }
                default -> throw new IllegalArgumentException("unknown setting " + key
                    + " (drop, dup, reorder, delay, hold)");
            }
        }

        void apply(String spec) {
            for (String kv : spec.split("[, ]+")) {
                if (kv.isEmpty()) continue;
                int eq = kv.indexOf('=');
                if (eq < 0) throw new IllegalArgumentException("expected key=value: " + kv);
                set(kv.substring(0, eq), kv.substring(eq + 1));
            }
        }

        static double prob(String v) {
            double p = Double.parseDouble(v);
            if (!(p >= 0 && p <= 1)) throw new IllegalArgumentException("probability out of 0..1: " + v);
            return p;
        }

        @Override
        public String toString() {
            return String.format(Locale.ROOT, "drop=%s dup=%s reorder=%s delay=%d-%d hold=%d",
                drop, dup, reorder, delayMin, delayMax, hold);
        }
    }

    static final class Stats {
        final AtomicLong in = new AtomicLong(), out = new AtomicLong(), dropped = new AtomicLong(),
            duplicated = new AtomicLong(), reordered = new AtomicLong(), discarded = new AtomicLong(),
            control = new AtomicLong(), bytesIn = new AtomicLong(), bytesOut = new AtomicLong();

        String json(String link, String dir, int conns) {
            return String.format(Locale.ROOT, "{\"link\":\"%s\",\"dir\":\"%s\",\"in\":%d,\"out\":%d,\"dropped\":%d,"
                    + "\"duplicated\":%d,\"reordered\":%d,\"discarded\":%d,\"control\":%d,\"bytesIn\":%d,"
                    + "\"bytesOut\":%d,\"connections\":%d}", link, dir, in.get(), out.get(), dropped.get(),
                duplicated.get(), reordered.get(), discarded.get(), control.get(), bytesIn.get(), bytesOut.get(),
                conns);
        }
    }

    static final class Link {
        String name;
        InetSocketAddress listen, target;
        Faults c2s, s2c;
        volatile String cut; // null: healed; else close | blackhole | stall
        final ReentrantLock cutLock = new ReentrantLock();
        final Condition healed = cutLock.newCondition();
        ServerSocket server;
        final Set<Conn> conns = ConcurrentHashMap.newKeySet();
        final AtomicInteger accepted = new AtomicInteger();
        final Stats c2sStats = new Stats(), s2cStats = new Stats();
        long seed;

        void awaitHeal() throws InterruptedException {
            cutLock.lock();
            try {
                while ("stall".equals(cut)) healed.await(50, TimeUnit.MILLISECONDS);
            } finally {
                cutLock.unlock();
            }
        }

        void signalHeal() {
            cutLock.lock();
            try {
                healed.signalAll();
            } finally {
                cutLock.unlock();
            }
        }
    }

    /** One accepted connection: the client socket and (unless black-holed at accept) the upstream socket. */
    static final class Conn {
        final Link link;
        final Socket client;
        volatile Socket upstream;
        final int index;
        final boolean deadAtBirth; // accepted during a blackhole cut: never forwarded, closed at heal
        final AtomicInteger openPipes = new AtomicInteger();
        volatile boolean closed;

        Conn(Link link, Socket client, int index, boolean deadAtBirth) {
            this.link = link; this.client = client; this.index = index; this.deadAtBirth = deadAtBirth;
        }

        /** Closes both sockets with a TCP reset (RST), as a connection that died on the network. */
        void reset() {
            if (verbose) log(link.name + " #" + index + " reset");
            try {
                client.setSoLinger(true, 0);
                Socket up = upstream;
                if (up != null) up.setSoLinger(true, 0);
            } catch (IOException ignored) {
                // closing anyway
            }
            close();
        }

        void close() {
            if (closed) return;
            closed = true;
            closeQuietly(client);
            closeQuietly(upstream);
            link.conns.remove(this);
            if (verbose) log(link.name + " #" + index + " closed");
        }
    }

    static void closeQuietly(Socket s) {
        if (s == null) return;
        try {
            s.close();
        } catch (IOException ignored) {
            // closing
        }
    }

    static void log(String msg) {
        System.err.println("linkemu " + System.currentTimeMillis() + " " + msg);
    }

    /**
     * A message (one frame, or a fragmented message's frames) waiting to be written, or (data null) the reset of the
     * connection once what is before it was written.
     */
    record Item(byte[] data, long due, long seq, boolean message) {
    }

    /**
     * One direction of a connection: a reader thread parses frames and decides their fate; a writer thread
     * writes them when they are due.
     */
    static final class Pipe {
        final Conn conn;
        final boolean c2s;
        final Faults faults;
        final Stats stats;
        final SplittableRandom random;
        final InputStream in;
        final OutputStream out;
        final ReentrantLock lock = new ReentrantLock();
        final Condition changed = lock.newCondition();
        final PriorityQueue<Item> queue = new PriorityQueue<>((a, b) -> a.due != b.due
            ? Long.compare(a.due, b.due) : Long.compare(a.seq, b.seq));
        long seq;
        long lastDue;
        /** A reset of the connection is queued (drop or dup): later messages of this direction are discarded. */
        boolean resetting;
        boolean eof;
        final String label;

        Pipe(Conn conn, boolean c2s, InputStream in, OutputStream out) {
            this.conn = conn;
            this.c2s = c2s;
            Link l = conn.link;
            this.faults = c2s ? l.c2s : l.s2c;
            this.stats = c2s ? l.c2sStats : l.s2cStats;
            long s = l.seed * 0x9E3779B97F4A7C15L + l.name.hashCode() * 31L + conn.index * 1_000_003L + (c2s ? 1 : 2);
            this.random = new SplittableRandom(s);
            this.in = new BufferedInputStream(in, 1 << 16);
            this.out = new BufferedOutputStream(out, 1 << 16);
            this.label = l.name + " #" + conn.index + " " + (c2s ? "c2s" : "s2c");
        }

        void start() {
            conn.openPipes.incrementAndGet();
            Thread r = new Thread(this::readLoop, "read " + label);
            Thread w = new Thread(this::writeLoop, "write " + label);
            r.setDaemon(true);
            w.setDaemon(true);
            r.start();
            w.start();
        }

        // ---- reading ----

        void readLoop() {
            try {
                byte[] head = readHttpHead();
                if (head == null) return;
                boolean upgraded = true;
                if (c2s) {
                    head = stripExtensions(head);
                } else {
                    String status = new String(head, 0, Math.min(head.length, 40), StandardCharsets.ISO_8859_1);
                    upgraded = status.startsWith("HTTP/1.1 101") || status.startsWith("HTTP/1.0 101");
                }
                enqueueNow(head);
                if (!upgraded) {
                    passThrough();
                    return;
                }
                readFrames();
            } catch (EOFException | SocketException e) {
                // connection ended
            } catch (IOException e) {
                if (verbose) log(label + ": " + e);
            } catch (RuntimeException e) {
                log(label + ": " + e);
            } finally {
                lock.lock();
                try {
                    eof = true;
                    changed.signalAll();
                } finally {
                    lock.unlock();
                }
            }
        }

        byte[] readHttpHead() throws IOException {
            ByteArrayOutputStream b = new ByteArrayOutputStream(512);
            int state = 0;
            while (true) {
                int c = in.read();
                if (c < 0) {
                    if (b.size() == 0) return null;
                    throw new EOFException();
                }
                b.write(c);
                state = (c == '\r' && (state == 0 || state == 2)) ? state + 1
                    : (c == '\n' && (state == 1 || state == 3)) ? state + 1 : (c == '\r' ? 1 : 0);
                if (state == 4) return b.toByteArray();
                if (b.size() > 65536) return b.toByteArray(); // not HTTP: forwarded raw from here on
            }
        }

        static byte[] stripExtensions(byte[] head) {
            String s = new String(head, StandardCharsets.ISO_8859_1);
            StringBuilder r = new StringBuilder(s.length());
            for (String line : s.split("\r\n", -1)) {
                if (line.regionMatches(true, 0, "Sec-WebSocket-Extensions:", 0, 25)) continue;
                r.append(line).append("\r\n");
            }
            r.setLength(r.length() - 2);
            return r.toString().getBytes(StandardCharsets.ISO_8859_1);
        }

        void passThrough() throws IOException {
            byte[] buf = new byte[16384];
            int n;
            while ((n = in.read(buf)) >= 0) {
                if (n > 0) enqueueNow(java.util.Arrays.copyOf(buf, n));
            }
        }

        void readFully(byte[] b, int off, int len) throws IOException {
            while (len > 0) {
                int n = in.read(b, off, len);
                if (n < 0) throw new EOFException();
                off += n;
                len -= n;
            }
        }

        void readFrames() throws IOException {
            ByteArrayOutputStream fragments = null; // frames of a fragmented message so far
            byte[] h = new byte[14];
            while (true) {
                int b0 = in.read();
                if (b0 < 0) return;
                readFully(h, 1, 1);
                h[0] = (byte) b0;
                boolean fin = (b0 & 0x80) != 0;
                int opcode = b0 & 0x0f;
                boolean masked = (h[1] & 0x80) != 0;
                long len = h[1] & 0x7f;
                int hl = 2;
                if (len == 126) {
                    readFully(h, 2, 2);
                    len = ((h[2] & 0xffL) << 8) | (h[3] & 0xffL);
                    hl = 4;
                } else if (len == 127) {
                    readFully(h, 2, 8);
                    len = 0;
                    for (int i = 2; i < 10; i++) len = (len << 8) | (h[i] & 0xffL);
                    hl = 10;
                }
                if (masked) {
                    readFully(h, hl, 4);
                    hl += 4;
                }
                if (len > Integer.MAX_VALUE - 64) throw new IOException("frame too large: " + len);
                byte[] frame = new byte[hl + (int) len];
                System.arraycopy(h, 0, frame, 0, hl);
                readFully(frame, hl, (int) len);
                stats.bytesIn.addAndGet(frame.length);
                if ((opcode & 0x8) != 0) { // control frame: unchanged, in order
                    stats.control.incrementAndGet();
                    if (!"blackhole".equals(conn.link.cut)) enqueueNow(frame);
                    continue;
                }
                if (!fin || fragments != null) {
                    if (fragments == null) fragments = new ByteArrayOutputStream();
                    fragments.write(frame);
                    if (!fin) continue;
                    frame = fragments.toByteArray();
                    fragments = null;
                }
                message(frame);
            }
        }

        /**
         * Decides the fate of one whole message. Order is kept: a message is never due before one read before it
         * (delays and stalls hold up what follows, as TCP's in-order delivery does).
         */
        void message(byte[] frame) {
            stats.in.incrementAndGet();
            if ("blackhole".equals(conn.link.cut)) {
                stats.discarded.incrementAndGet();
                return;
            }
            Faults f = faults;
            double dropP = f.drop, dupP = f.dup, reorderP = f.reorder;
            int lo = f.delayMin, hi = f.delayMax, hold = f.hold;
            // Always draw the same numbers per message, so a seed gives the same decisions whatever the settings.
            double rDrop = random.nextDouble(), rDup = random.nextDouble(), rReorder = random.nextDouble();
            int delay = hi > lo ? lo + random.nextInt(hi - lo + 1) : lo;
            long now = System.nanoTime();
            lock.lock();
            try {
                if (resetting) { // behind a reset: never delivered
                    stats.discarded.incrementAndGet();
                    return;
                }
                long due = Math.max(now + TimeUnit.MILLISECONDS.toNanos(delay), lastDue);
                if (rDrop < dropP) { // lost with its connection: what was before it still arrives
                    stats.dropped.incrementAndGet();
                    resetting = true;
                    schedule(null, due, false);
                } else {
                    if (rReorder < reorderP) { // the connection stalls here; other connections overtake it
                        due += TimeUnit.MILLISECONDS.toNanos(hold);
                        stats.reordered.incrementAndGet();
                    }
                    schedule(frame, due, true);
                    if (rDup < dupP) { // delivered, then the connection dies: the sender sends it again later
                        stats.duplicated.incrementAndGet();
                        resetting = true;
                        schedule(null, due, false);
                    }
                }
                changed.signalAll();
            } finally {
                lock.unlock();
            }
        }

        void enqueueNow(byte[] data) {
            lock.lock();
            try {
                if (resetting) {
                    return;
                }
                schedule(data, Math.max(System.nanoTime(), lastDue), false);
                changed.signalAll();
            } finally {
                lock.unlock();
            }
        }

        /** Called with the lock held. */
        void schedule(byte[] data, long due, boolean message) {
            lastDue = Math.max(lastDue, due);
            queue.add(new Item(data, due, seq++, message));
        }

        // ---- writing ----

        void writeLoop() {
            boolean dirty = false; // written but not flushed
            try {
                while (true) {
                    conn.link.awaitHeal();
                    Item item = null;
                    boolean done = false;
                    lock.lock();
                    try {
                        long now = System.nanoTime();
                        Item head = queue.peek();
                        if (head != null && head.due <= now) {
                            item = queue.poll();
                        } else if (head == null && eof) {
                            done = true;
                        } else if (!dirty) {
                            long wake = Long.MAX_VALUE;
                            if (head != null) wake = head.due;
                            if (wake == Long.MAX_VALUE) changed.await();
                            else changed.awaitNanos(wake - now);
                            continue;
                        }
                    } finally {
                        lock.unlock();
                    }
                    if (item != null && item.data() == null) { // a drop or dup: the connection dies here
                        out.flush();
                        conn.reset();
                        return;
                    }
                    if (item != null) {
                        if ("stall".equals(conn.link.cut)) {
                            out.flush();
                            conn.link.awaitHeal();
                        }
                        out.write(item.data());
                        dirty = true;
                        stats.bytesOut.addAndGet(item.data().length);
                        if (item.message()) stats.out.incrementAndGet();
                        continue;
                    }
                    if (dirty) {
                        out.flush();
                        dirty = false;
                    }
                    if (done) break;
                }
                Socket target = c2s ? conn.upstream : conn.client;
                if (target != null) target.shutdownOutput();
            } catch (IOException e) {
                conn.close();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } finally {
                if (conn.openPipes.decrementAndGet() == 0) conn.close();
            }
        }
    }

    // ---- links ----

    static void acceptLoop(Link link) {
        while (!link.server.isClosed()) {
            Socket client;
            try {
                client = link.server.accept();
            } catch (IOException e) {
                if (link.server.isClosed()) return;
                log(link.name + " accept: " + e);
                continue;
            }
            int index = link.accepted.incrementAndGet();
            String cut = link.cut;
            try {
                client.setTcpNoDelay(true);
                if ("close".equals(cut)) {
                    client.setSoLinger(true, 0); // a reset, as a refused connection
                    client.close();
                    if (verbose) log(link.name + " #" + index + " refused (cut)");
                    continue;
                }
                if ("blackhole".equals(cut)) {
                    Conn dead = new Conn(link, client, index, true);
                    link.conns.add(dead);
                    Thread t = new Thread(() -> drain(dead), "drain " + link.name);
                    t.setDaemon(true);
                    t.start();
                    if (verbose) log(link.name + " #" + index + " accepted into the black hole");
                    continue;
                }
                Conn conn = new Conn(link, client, index, false);
                Socket up = new Socket();
                try {
                    up.setTcpNoDelay(true);
                    up.connect(link.target, 5000);
                } catch (IOException e) {
                    closeQuietly(up);
                    client.setSoLinger(true, 0);
                    client.close();
                    if (verbose) log(link.name + " #" + index + " target " + link.target + ": " + e.getMessage());
                    continue;
                }
                conn.upstream = up;
                link.conns.add(conn);
                if (verbose) log(link.name + " #" + index + " connected " + client.getRemoteSocketAddress()
                    + " -> " + link.target);
                new Pipe(conn, true, client.getInputStream(), up.getOutputStream()).start();
                new Pipe(conn, false, up.getInputStream(), client.getOutputStream()).start();
                if (link.cut != null && "close".equals(link.cut)) conn.close(); // cut while connecting
            } catch (IOException e) {
                closeQuietly(client);
            }
        }
    }

    static void drain(Conn dead) {
        byte[] buf = new byte[8192];
        try {
            InputStream in = dead.client.getInputStream();
            while (in.read(buf) >= 0) {
                // discarded
            }
        } catch (IOException e) {
            // closed
        }
        dead.close();
    }

    // ---- commands ----

    final List<Link> links = new ArrayList<>();
    String defaultCutMode = "close";

    List<Link> select(String name) {
        if (name == null || name.equals("all")) return links;
        for (Link l : links) if (l.name.equals(name)) return List.of(l);
        throw new IllegalArgumentException("no link named " + name);
    }

    boolean isLinkName(String s) {
        if (s.equals("all")) return true;
        for (Link l : links) if (l.name.equals(s)) return true;
        return false;
    }

    /** Runs one command; returns the reply lines (the last one starts with "ok" or "error"). */
    synchronized List<String> command(String line) {
        List<String> reply = new ArrayList<>();
        String[] w = line.trim().split("\\s+");
        if (w.length == 0 || w[0].isEmpty() || w[0].startsWith("#")) {
            reply.add("ok");
            return reply;
        }
        try {
            String cmd = w[0].toLowerCase(Locale.ROOT);
            String linkName = null, dir = "both", mode = null;
            List<String> settings = new ArrayList<>();
            for (int i = 1; i < w.length; i++) {
                String t = w[i];
                if (t.contains("=")) settings.add(t);
                else if (t.equals("c2s") || t.equals("s2c") || t.equals("both")) dir = t;
                else if (t.equals("close") || t.equals("blackhole") || t.equals("stall")) mode = t;
                else if (isLinkName(t)) linkName = t;
                else throw new IllegalArgumentException("unknown word " + t);
            }
            List<Link> sel = select(linkName);
            switch (cmd) {
                case "set" -> {
                    for (Link l : sel) {
                        for (String kv : settings) {
                            int eq = kv.indexOf('=');
                            if (!dir.equals("s2c")) l.c2s.set(kv.substring(0, eq), kv.substring(eq + 1));
                            if (!dir.equals("c2s")) l.s2c.set(kv.substring(0, eq), kv.substring(eq + 1));
                        }
                    }
                    reply.add("ok");
                }
                case "cut" -> {
                    String m = mode == null ? defaultCutMode : mode;
                    for (Link l : sel) {
                        l.cut = m;
                        if (m.equals("close")) for (Conn c : List.copyOf(l.conns)) c.close();
                        if (verbose) log(l.name + " cut (" + m + ")");
                    }
                    reply.add("ok cut " + m);
                }
                case "heal" -> {
                    for (Link l : sel) {
                        l.cut = null;
                        for (Conn c : List.copyOf(l.conns)) if (c.deadAtBirth) c.close();
                        l.signalHeal();
                        if (verbose) log(l.name + " healed");
                    }
                    reply.add("ok healed");
                }
                case "reset" -> {
                    int n = 0;
                    for (Link l : sel) for (Conn c : List.copyOf(l.conns)) { c.close(); n++; }
                    reply.add("ok closed " + n);
                }
                case "stats" -> {
                    for (Link l : sel) {
                        reply.add(l.c2sStats.json(l.name, "c2s", l.conns.size()));
                        reply.add(l.s2cStats.json(l.name, "s2c", l.conns.size()));
                    }
                    reply.add("ok");
                }
                case "show" -> {
                    for (Link l : sel) {
                        reply.add(l.name + " " + hostPort(l.listen) + " -> " + hostPort(l.target) + " cut="
                            + (l.cut == null ? "no" : l.cut) + " c2s: " + l.c2s + " s2c: " + l.s2c);
                    }
                    reply.add("ok");
                }
                case "quit", "exit" -> {
                    reply.add("ok bye");
                    Thread t = new Thread(() -> {
                        try {
                            Thread.sleep(100);
                        } catch (InterruptedException ignored) {
                            // exiting
                        }
                        System.exit(0);
                    });
                    t.start();
                }
                case "help" -> {
                    reply.add("set [LINK] [c2s|s2c|both] drop=P dup=P reorder=P delay=MIN-MAX hold=MS | "
                        + "cut [LINK] [close|blackhole|stall] | heal [LINK] | reset [LINK] | stats [LINK] | show | quit");
                    reply.add("ok");
                }
                default -> reply.add("error unknown command " + cmd + " (help)");
            }
        } catch (RuntimeException e) {
            reply.add("error " + e.getMessage());
        }
        return reply;
    }

    void controlLoop(ServerSocket control) {
        while (true) {
            Socket s;
            try {
                s = control.accept();
            } catch (IOException e) {
                return;
            }
            Thread t = new Thread(() -> serveControl(s), "control");
            t.setDaemon(true);
            t.start();
        }
    }

    void serveControl(Socket s) {
        try (s; BufferedReader r = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8));
             PrintWriter w = new PrintWriter(s.getOutputStream(), true, StandardCharsets.UTF_8)) {
            String line;
            while ((line = r.readLine()) != null) {
                for (String reply : command(line)) w.println(reply);
            }
        } catch (IOException e) {
            // client gone
        }
    }

    // ---- main ----

    static InetSocketAddress addr(String s) {
        int colon = s.lastIndexOf(':');
        if (colon < 0) throw new IllegalArgumentException("expected HOST:PORT: " + s);
        return new InetSocketAddress(s.substring(0, colon), Integer.parseInt(s.substring(colon + 1)));
    }

    static String hostPort(InetSocketAddress a) {
        return a.getHostString() + ":" + a.getPort();
    }

    static void usage(String err) {
        if (err != null) System.err.println("LinkEmu: " + err);
        System.err.println("usage: java LinkEmu.java [defaults] --listen HOST:PORT --target HOST:PORT [--name N] "
            + "[link faults] [--listen ...] [--control HOST:PORT] [--seed N]\n"
            + "  faults: --drop P --dup P --reorder P --delay MIN-MAX --hold MS --c2s SPEC --s2c SPEC;"
            + " --cut-mode close|blackhole|stall; --verbose. See the comment at the top of LinkEmu.java.");
        System.exit(2);
    }

    public static void main(String[] args) throws Exception {
        LinkEmu emu = new LinkEmu();
        Faults defaults = new Faults();
        Faults defC2s = null, defS2c = null;
        long seed = System.nanoTime();
        String control = null;
        Link cur = null;
        try {
            for (int i = 0; i < args.length; i++) {
                String a = args[i];
                String v = (i + 1 < args.length) ? args[i + 1] : null;
                boolean takes = !a.equals("--verbose") && !a.equals("--help") && !a.equals("-h");
                if (takes && v == null) usage("missing value of " + a);
                if (takes) i++;
                Faults tgtBoth = cur == null ? defaults : null;
                switch (a) {
                    case "--listen" -> {
                        cur = new Link();
                        cur.name = "l" + (emu.links.size() + 1);
                        cur.listen = addr(v);
                        cur.c2s = (defC2s != null ? defC2s : defaults).copy();
                        cur.s2c = (defS2c != null ? defS2c : defaults).copy();
                        emu.links.add(cur);
                    }
                    case "--link" -> {
                        String[] p = v.split(",");
                        if (p.length != 3) usage("--link NAME,LISTEN,TARGET");
                        cur = new Link();
                        cur.name = p[0];
                        cur.listen = addr(p[1]);
                        cur.target = addr(p[2]);
                        cur.c2s = (defC2s != null ? defC2s : defaults).copy();
                        cur.s2c = (defS2c != null ? defS2c : defaults).copy();
                        emu.links.add(cur);
                    }
                    case "--target" -> {
                        if (cur == null) usage("--target before --listen");
                        cur.target = addr(v);
                    }
                    case "--name" -> {
                        if (cur == null) usage("--name before --listen");
                        cur.name = v;
                    }
                    case "--drop", "--dup", "--reorder", "--delay", "--hold" -> {
                        String key = a.substring(2);
                        if (tgtBoth != null) {
                            defaults.set(key, v);
                            if (defC2s != null) defC2s.set(key, v);
                            if (defS2c != null) defS2c.set(key, v);
                        } else {
                            cur.c2s.set(key, v);
                            cur.s2c.set(key, v);
                        }
                    }
                    case "--c2s" -> {
                        if (cur == null) {
                            if (defC2s == null) defC2s = defaults.copy();
                            defC2s.apply(v);
                        } else {
                            cur.c2s.apply(v);
                        }
                    }
                    case "--s2c" -> {
                        if (cur == null) {
                            if (defS2c == null) defS2c = defaults.copy();
                            defS2c.apply(v);
                        } else {
                            cur.s2c.apply(v);
                        }
                    }
                    case "--seed" -> seed = Long.parseLong(v);
                    case "--control" -> control = v;
                    case "--cut-mode" -> {
                        if (!v.equals("close") && !v.equals("blackhole") && !v.equals("stall")) {
                            usage("--cut-mode close|blackhole|stall");
                        }
                        emu.defaultCutMode = v;
                    }
                    case "--verbose" -> verbose = true;
                    case "--help", "-h" -> usage(null);
                    default -> usage("unknown option " + a);
                }
            }
        } catch (IllegalArgumentException e) {
            usage(e.getMessage());
        }
        if (emu.links.isEmpty()) usage("no --listen");
        for (Link l : emu.links) {
            if (l.target == null) usage("link " + l.name + " has no --target");
            l.seed = seed;
        }
        StringBuilder ready = new StringBuilder("{\"event\":\"ready\",\"seed\":").append(seed);
        ServerSocket controlSocket = null;
        if (control != null) {
            controlSocket = new ServerSocket();
            controlSocket.setReuseAddress(true);
            controlSocket.bind(addr(control));
            ready.append(",\"control\":\"").append(controlSocket.getInetAddress().getHostAddress())
                .append(':').append(controlSocket.getLocalPort()).append('"');
        }
        ready.append(",\"links\":[");
        for (Link l : emu.links) {
            l.server = new ServerSocket();
            l.server.setReuseAddress(true);
            l.server.bind(l.listen, 128);
            l.listen = new InetSocketAddress(l.listen.getAddress(), l.server.getLocalPort());
            if (l != emu.links.get(0)) ready.append(',');
            ready.append("{\"name\":\"").append(l.name).append("\",\"listen\":\"").append(hostPort(l.listen))
                .append("\",\"target\":\"").append(hostPort(l.target)).append("\"}");
            Thread t = new Thread(() -> acceptLoop(l), "accept " + l.name);
            t.setDaemon(true);
            t.start();
        }
        ready.append("]}");
        OUT.println(ready);
        OUT.flush();
        if (controlSocket != null) {
            ServerSocket cs = controlSocket;
            Thread t = new Thread(() -> emu.controlLoop(cs), "control accept");
            t.setDaemon(true);
            t.start();
        }
        // Commands from stdin too, while it is open; then run until killed or `quit`.
        try (BufferedReader r = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8))) {
            String line;
            while ((line = r.readLine()) != null) {
                for (String reply : emu.command(line)) OUT.println(reply);
                OUT.flush();
            }
        } catch (IOException e) {
            // stdin closed
        }
        Thread.currentThread().join();
    }
}
