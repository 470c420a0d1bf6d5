/*
 * Tests of LinkEmu (scripts/lib/LinkEmu.java) with a minimal WebSocket client and server of its own:
 * frames in = frames out with no faults (every frame size, fragmented messages, control frames); a connection's
 * messages always in order and each once, as TCP keeps them: drop (lost, then the connection reset), dup
 * (delivered, then reset), reorder (a stall that another connection overtakes), delay, all at once; cut (close,
 * blackhole, stall) and heal, changes at run time, and the same decisions from the same seed.
 *
 *   java scripts/lib/LinkEmuTest.java [CLASSPATH_OF_COMPILED_LINKEMU]
 *
 * (scripts/test-linkemu compiles LinkEmu once and passes its class directory; without it, each LinkEmu
 * process is started from source.) Exit code 0 when every check passed.
 */

import java.io.BufferedInputStream;
import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeSet;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

public final class LinkEmuTest {

    static int failures;
    static int checks;
    static String emuClasspath;

    static void check(boolean ok, String what) {
        checks++;
        if (ok) {
            System.out.println("  ok   " + what);
        } else {
            failures++;
            System.out.println("  FAIL " + what);
        }
    }

    // ---- a minimal WebSocket peer ----

    record Frame(int opcode, boolean fin, String text, long nanos) {
    }

    static String readHead(InputStream in) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        int state = 0;
        while (state < 4) {
            int c = in.read();
            if (c < 0) throw new EOFException();
            b.write(c);
            state = (c == '\r' && (state == 0 || state == 2)) ? state + 1
                : (c == '\n' && (state == 1 || state == 3)) ? state + 1 : (c == '\r' ? 1 : 0);
        }
        return b.toString(StandardCharsets.ISO_8859_1);
    }

    static void readFully(InputStream in, byte[] b) throws IOException {
        int off = 0;
        while (off < b.length) {
            int n = in.read(b, off, b.length - off);
            if (n < 0) throw new EOFException();
            off += n;
        }
    }

    static Frame readFrame(InputStream in) throws IOException {
        int b0 = in.read();
        if (b0 < 0) return null;
        int b1 = in.read();
        if (b1 < 0) throw new EOFException();
        long len = b1 & 0x7f;
        if (len == 126) {
            byte[] l = new byte[2];
            readFully(in, l);
            len = ((l[0] & 0xff) << 8) | (l[1] & 0xff);
        } else if (len == 127) {
            byte[] l = new byte[8];
            readFully(in, l);
            len = 0;
            for (byte x : l) len = (len << 8) | (x & 0xff);
        }
        byte[] mask = null;
        if ((b1 & 0x80) != 0) {
            mask = new byte[4];
            readFully(in, mask);
        }
        byte[] p = new byte[(int) len];
        readFully(in, p);
        if (mask != null) for (int i = 0; i < p.length; i++) p[i] ^= mask[i & 3];
        return new Frame(b0 & 0x0f, (b0 & 0x80) != 0, new String(p, StandardCharsets.UTF_8), System.nanoTime());
    }

    static final Random MASKS = new Random(7);

    static byte[] frame(int opcode, boolean fin, String text, boolean masked) {
        byte[] p = text.getBytes(StandardCharsets.UTF_8);
        ByteArrayOutputStream b = new ByteArrayOutputStream(p.length + 14);
        b.write((fin ? 0x80 : 0) | opcode);
        int m = masked ? 0x80 : 0;
        if (p.length < 126) {
            b.write(m | p.length);
        } else if (p.length < 65536) {
            b.write(m | 126);
            b.write(p.length >> 8);
            b.write(p.length & 0xff);
        } else {
            b.write(m | 127);
            for (int i = 7; i >= 0; i--) b.write((int) ((long) p.length >> (8 * i)) & 0xff);
        }
        if (masked) {
            byte[] mask = new byte[4];
            MASKS.nextBytes(mask);
            b.write(mask, 0, 4);
            for (int i = 0; i < p.length; i++) p[i] ^= mask[i & 3];
        }
        b.write(p, 0, p.length);
        return b.toByteArray();
    }

    /** One end of a WebSocket connection; records every frame it receives. */
    static final class End {
        final Socket socket;
        final InputStream in;
        final OutputStream out;
        final boolean client;
        final List<Frame> got = new CopyOnWriteArrayList<>();
        volatile boolean closed;
        String requestHead;

        End(Socket s, boolean client) throws IOException {
            this.socket = s;
            this.in = new BufferedInputStream(s.getInputStream());
            this.out = s.getOutputStream();
            this.client = client;
        }

        void startReading() {
            Thread t = new Thread(() -> {
                try {
                    Frame f;
                    while ((f = readFrame(in)) != null) got.add(f);
                } catch (IOException e) {
                    // closed
                }
                closed = true;
            });
            t.setDaemon(true);
            t.start();
        }

        synchronized void send(int opcode, boolean fin, String text) throws IOException {
            out.write(frame(opcode, fin, text, client));
            out.flush();
        }

        void text(String s) throws IOException {
            send(1, true, s);
        }

        /** Sends a text message; false once the connection is gone (reset by the emulator). */
        boolean offer(String s) {
            try {
                text(s);
                return true;
            } catch (IOException e) {
                return false;
            }
        }

        List<String> texts() {
            List<String> r = new ArrayList<>();
            StringBuilder frag = null;
            for (Frame f : got) {
                if (f.opcode >= 8) continue;
                if (!f.fin || frag != null) {
                    if (frag == null) frag = new StringBuilder();
                    frag.append(f.text);
                    if (f.fin) {
                        r.add(frag.toString());
                        frag = null;
                    }
                    continue;
                }
                r.add(f.text);
            }
            return r;
        }

        void close() {
            try {
                socket.close();
            } catch (IOException e) {
                // closing
            }
        }
    }

    /** The target: a WebSocket server that accepts every upgrade. */
    static final class Server {
        final ServerSocket ss;
        final List<End> ends = new CopyOnWriteArrayList<>();

        Server() throws IOException {
            ss = new ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress());
            Thread t = new Thread(() -> {
                while (true) {
                    try {
                        Socket s = ss.accept();
                        End e = new End(s, false);
                        e.requestHead = readHead(e.in);
                        Matcher m = Pattern.compile("(?i)Sec-WebSocket-Key: *(\\S+)").matcher(e.requestHead);
                        String key = m.find() ? m.group(1) : "";
                        String accept = Base64.getEncoder().encodeToString(MessageDigest.getInstance("SHA-1")
                            .digest((key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11").getBytes(StandardCharsets.US_ASCII)));
                        e.out.write(("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                            + "Sec-WebSocket-Accept: " + accept + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                        e.out.flush();
                        e.startReading();
                        ends.add(e);
                    } catch (Exception e) {
                        return;
                    }
                }
            });
            t.setDaemon(true);
            t.start();
        }

        int port() {
            return ss.getLocalPort();
        }
    }

    /** Connects a client through the emulator; returns [client, server end], or null if refused/closed. */
    static End[] connect(int port, Server server) throws Exception {
        int before = server.ends.size();
        Socket s = new Socket();
        try {
            s.connect(new java.net.InetSocketAddress("127.0.0.1", port), 2000);
            s.setSoTimeout(3000);
            End c = new End(s, true);
            c.out.write(("GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
                + "Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII));
            c.out.flush();
            String head = readHead(c.in);
            if (!head.startsWith("HTTP/1.1 101")) return null;
            s.setSoTimeout(0);
            c.startReading();
            long deadline = System.currentTimeMillis() + 3000;
            while (server.ends.size() <= before && System.currentTimeMillis() < deadline) Thread.sleep(5);
            return new End[] {c, server.ends.get(server.ends.size() - 1)};
        } catch (IOException e) {
            s.close();
            return null;
        }
    }

    // ---- the emulator process ----

    static final class Emu {
        final Process process;
        final int port;
        final int controlPort;
        final Socket control;
        final BufferedReader controlIn;
        final PrintWriter controlOut;

        Emu(int targetPort, long seed, String... extra) throws Exception {
            List<String> cmd = new ArrayList<>(List.of(javaBin()));
            if (emuClasspath != null) {
                cmd.addAll(List.of("-cp", emuClasspath, "LinkEmu"));
            } else {
                cmd.add(System.getProperty("linkemu.src", "scripts/lib/LinkEmu.java"));
            }
            cmd.addAll(List.of("--seed", Long.toString(seed), "--control", "127.0.0.1:0"));
            Collections.addAll(cmd, extra);
            cmd.addAll(List.of("--listen", "127.0.0.1:0", "--target", "127.0.0.1:" + targetPort, "--name", "t"));
            process = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start();
            BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
            String ready = r.readLine();
            if (ready == null) throw new IllegalStateException("LinkEmu did not start");
            Matcher c = Pattern.compile("\"control\":\"[^:]+:(\\d+)\"").matcher(ready);
            Matcher l = Pattern.compile("\"listen\":\"[^:]+:(\\d+)\"").matcher(ready);
            if (!c.find() || !l.find()) throw new IllegalStateException("bad ready line: " + ready);
            controlPort = Integer.parseInt(c.group(1));
            port = Integer.parseInt(l.group(1));
            control = new Socket("127.0.0.1", controlPort);
            controlIn = new BufferedReader(new InputStreamReader(control.getInputStream(), StandardCharsets.UTF_8));
            controlOut = new PrintWriter(control.getOutputStream(), true, StandardCharsets.UTF_8);
        }

        List<String> cmd(String line) throws IOException {
            controlOut.println(line);
            List<String> r = new ArrayList<>();
            String s;
            while ((s = controlIn.readLine()) != null) {
                r.add(s);
                if (s.startsWith("ok") || s.startsWith("error")) break;
            }
            return r;
        }

        Map<String, Long> stats(String dir) throws IOException {
            Map<String, Long> m = new HashMap<>();
            for (String line : cmd("stats")) {
                if (!line.contains("\"dir\":\"" + dir + "\"")) continue;
                Matcher x = Pattern.compile("\"(\\w+)\":(\\d+)").matcher(line);
                while (x.find()) m.put(x.group(1), Long.parseLong(x.group(2)));
            }
            return m;
        }

        void stop() {
            process.destroy();
        }
    }

    static String javaBin() {
        return java.nio.file.Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    static void waitFor(java.util.function.BooleanSupplier cond, long millis) throws InterruptedException {
        long deadline = System.currentTimeMillis() + millis;
        while (!cond.getAsBoolean() && System.currentTimeMillis() < deadline) Thread.sleep(10);
    }

    /** Waits until the count stops changing for quietMs (or maxMs passed). */
    static void settle(java.util.function.IntSupplier count, long quietMs, long maxMs) throws InterruptedException {
        long deadline = System.currentTimeMillis() + maxMs;
        int last = -1;
        long since = System.currentTimeMillis();
        while (System.currentTimeMillis() < deadline) {
            int n = count.getAsInt();
            if (n != last) {
                last = n;
                since = System.currentTimeMillis();
            } else if (System.currentTimeMillis() - since >= quietMs) {
                return;
            }
            Thread.sleep(10);
        }
    }

    static List<Integer> indices(List<String> texts, String prefix) {
        List<Integer> r = new ArrayList<>();
        for (String t : texts) if (t.startsWith(prefix)) r.add(Integer.parseInt(t.substring(prefix.length()).split("\\|")[0]));
        return r;
    }

    static boolean increasing(List<Integer> xs, boolean strict) {
        for (int i = 1; i < xs.size(); i++) {
            if (strict ? xs.get(i) <= xs.get(i - 1) : xs.get(i) < xs.get(i - 1)) return false;
        }
        return true;
    }

    static long inversions(List<Integer> xs) {
        long inv = 0;
        for (int i = 1; i < xs.size(); i++) if (xs.get(i) < xs.get(i - 1)) inv++;
        return inv;
    }

    /** 0, 1, ..., n - 1. */
    static List<Integer> prefix(int n) {
        List<Integer> r = new ArrayList<>();
        for (int i = 0; i < n; i++) r.add(i);
        return r;
    }

    static String pad(int n) {
        return "x".repeat(n);
    }

    public static void main(String[] args) throws Exception {
        emuClasspath = args.length > 0 ? args[0] : null;
        Server server = new Server();
        Emu emu = new Emu(server.port(), 1234);
        try {
            run(server, emu);
        } finally {
            emu.stop();
        }
        System.out.println("LinkEmu tests: " + (checks - failures) + "/" + checks + " checks passed");
        System.exit(failures == 0 ? 0 : 1);
    }

    static void run(Server server, Emu emu) throws Exception {
        final int n = 2000;

        System.out.println("no faults: every frame through, in order, both ways");
        End[] p = connect(emu.port, server);
        check(p != null, "the upgrade passes");
        End c = p[0], s = p[1];
        check(!s.requestHead.toLowerCase().contains("sec-websocket-extensions"),
            "Sec-WebSocket-Extensions is removed from the upgrade request");
        List<String> sent = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            int size = i % 500 == 7 ? 70_000 : i % 100 == 3 ? 300 : i % 50 == 5 ? 65_535 : 10;
            String t = "c" + i + "|" + pad(size);
            sent.add(t);
            c.text(t);
            if (i == 1000) { // a fragmented message with a ping between its fragments
                c.send(1, false, "c1000.5|frag-a|");
                c.send(9, true, "ping");
                c.send(0, false, "frag-b|");
                c.send(0, true, "frag-c");
                sent.add("c1000.5|frag-a|frag-b|frag-c");
            }
        }
        for (int i = 0; i < n; i++) s.text("s" + i + "|" + pad(i % 20));
        int want = n + 1;
        End c0 = c;
        waitFor(() -> s.texts().size() >= want && c0.texts().size() >= n, 10_000);
        check(s.texts().equals(sent), "c2s: " + s.texts().size() + " of " + sent.size()
            + " messages, the same bytes in the same order (sizes 10 B to 70 kB, a fragmented message)");
        check(s.got.stream().anyMatch(f -> f.opcode == 9 && f.text.equals("ping")), "a control frame passes");
        check(c.texts().size() == n && increasing(indices(c.texts(), "s"), true),
            "s2c: " + c.texts().size() + " of " + n + " in order");
        Map<String, Long> st = emu.stats("c2s");
        check(st.get("in") == n + 1 && st.get("out") == n + 1 && st.get("dropped") == 0,
            "stats c2s in=out=" + (n + 1) + ": " + st);
        c.close();

        System.out.println("drop 0.2 (c2s only): the message is lost with its connection");
        check(emu.cmd("set t c2s drop=0.2").get(0).equals("ok"), "set t c2s drop=0.2");
        Map<String, Long> before = emu.stats("c2s");
        p = connect(emu.port, server);
        c = p[0];
        End s2 = p[1];
        for (int i = 0; i < n && c.offer("d" + i); i++) { }
        End c2 = c;
        waitFor(() -> c2.closed && s2.closed, 5000);
        List<Integer> got = indices(s2.texts(), "d");
        Map<String, Long> after = emu.stats("c2s");
        check(c.closed && s2.closed, "the connection is reset at the dropped message (both ends closed)");
        check(got.equals(prefix(got.size())), "what arrived is the messages before the dropped one, in order: "
            + got.size());
        check(after.get("dropped") - before.get("dropped") == 1, "one message dropped: " + after);

        System.out.println("dup 0.3: the message is delivered, then its connection reset");
        emu.cmd("set t drop=0 dup=0.3");
        before = emu.stats("c2s");
        p = connect(emu.port, server);
        c = p[0];
        End s3 = p[1];
        for (int i = 0; i < n && c.offer("p" + i); i++) { }
        End c3 = c;
        waitFor(() -> c3.closed && s3.closed, 5000);
        got = indices(s3.texts(), "p");
        after = emu.stats("c2s");
        check(c.closed && s3.closed, "the connection is reset after the duplicated message");
        check(!got.isEmpty() && got.equals(prefix(got.size())), "every message up to it arrived, in order, each once: "
            + got.size());
        check(after.get("duplicated") - before.get("duplicated") == 1, "one message delivered before a reset: "
            + after);

        System.out.println("reorder 0.3: stalls inside a connection, order kept");
        emu.cmd("set t dup=0 reorder=0.3 hold=5");
        before = emu.stats("c2s");
        p = connect(emu.port, server);
        c = p[0];
        End s4 = p[1];
        for (int i = 0; i < 500; i++) c.text("r" + i);
        waitFor(() -> s4.texts().size() >= 500, 10_000);
        got = indices(s4.texts(), "r");
        after = emu.stats("c2s");
        long reordered = after.get("reordered") - before.get("reordered");
        check(got.equals(prefix(500)), "every message once, in order (" + got.size() + ")");
        check(reordered > 0.2 * 500, "stalls: " + reordered);
        c.close();

        System.out.println("reorder across connections: a stalled connection is overtaken by another");
        emu.cmd("set t reorder=1 hold=400");
        p = connect(emu.port, server);
        End ca = p[0], sa = p[1];
        ca.text("a0");
        emu.cmd("set t reorder=0");
        End[] pb = connect(emu.port, server);
        End cb = pb[0], sb = pb[1];
        cb.text("b0");
        waitFor(() -> sa.texts().size() >= 1 && sb.texts().size() >= 1, 3000);
        check(sa.texts().equals(List.of("a0")) && sb.texts().equals(List.of("b0"))
                && sb.got.get(0).nanos < sa.got.get(0).nanos,
            "b0, sent after a0 on another connection, arrived first");
        ca.close();
        cb.close();

        System.out.println("delay 40-60 ms, order kept");
        emu.cmd("set t reorder=0 delay=40-60");
        p = connect(emu.port, server);
        c = p[0];
        End s5 = p[1];
        long[] sentAt = new long[100];
        for (int i = 0; i < 100; i++) {
            sentAt[i] = System.nanoTime();
            c.text("y" + i);
            Thread.sleep(3);
        }
        waitFor(() -> s5.texts().size() >= 100, 5000);
        long minLat = Long.MAX_VALUE, maxLat = 0;
        List<Integer> yi = new ArrayList<>();
        for (Frame f : s5.got) {
            int i = Integer.parseInt(f.text.substring(1));
            yi.add(i);
            long lat = (f.nanos - sentAt[i]) / 1_000_000;
            minLat = Math.min(minLat, lat);
            maxLat = Math.max(maxLat, lat);
        }
        check(yi.size() == 100 && increasing(yi, true), "all 100 in order");
        check(minLat >= 39 && maxLat < 400, "latency " + minLat + ".." + maxLat + " ms");
        c.close();

        System.out.println("everything at once: drop 0.01 dup 0.005 reorder 0.25 delay 0-20, both ways");
        emu.cmd("set t drop=0.01 dup=0.005 reorder=0.25 delay=0-20 hold=5");
        Map<String, Long> bc = emu.stats("c2s"), bs = emu.stats("s2c");
        p = connect(emu.port, server);
        c = p[0];
        End s6 = p[1];
        List<String> sentMix = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            String t = "m" + i + "|" + pad(i % 300 == 0 ? 80_000 : i % 40);
            sentMix.add(t);
            if (!c.offer(t) | !s6.offer("n" + i)) break;
        }
        End c6 = c;
        waitFor(() -> c6.closed && s6.closed, 20_000);
        Map<String, Long> ac = emu.stats("c2s"), as = emu.stats("s2c");
        List<String> mine = s6.texts();
        check(mine.equals(sentMix.subList(0, mine.size())), "c2s: the first " + mine.size()
            + " messages, unaltered, in order, each once");
        List<Integer> back = indices(c6.texts(), "n");
        check(back.equals(prefix(back.size())), "s2c: the first " + back.size() + " in order, each once");
        long resets = (ac.get("dropped") - bc.get("dropped")) + (ac.get("duplicated") - bc.get("duplicated"))
            + (as.get("dropped") - bs.get("dropped")) + (as.get("duplicated") - bs.get("duplicated"));
        check(c6.closed && s6.closed && resets >= 1, "the connection was reset (" + resets + " drop or dup)");
        emu.cmd("set t drop=0 dup=0 reorder=0 delay=0-0");

        System.out.println("cut close / heal");
        p = connect(emu.port, server);
        c = p[0];
        c.text("before-cut");
        End s7 = p[1];
        waitFor(() -> s7.texts().size() >= 1, 2000);
        check(emu.cmd("cut t close").get(0).startsWith("ok"), "cut t close");
        End c7 = c;
        waitFor(() -> c7.closed, 2000);
        check(c.closed, "the open connection is closed");
        check(connect(emu.port, server) == null, "a new connection is refused");
        emu.cmd("heal t");
        p = connect(emu.port, server);
        check(p != null, "after heal a new connection works");
        if (p != null) {
            p[0].text("after-heal");
            End s8 = p[1];
            waitFor(() -> s8.texts().size() >= 1, 2000);
            check(s8.texts().equals(List.of("after-heal")), "and carries frames");
            p[0].close();
        }

        System.out.println("cut blackhole / heal");
        p = connect(emu.port, server);
        c = p[0];
        End s9 = p[1];
        emu.cmd("cut t blackhole");
        for (int i = 0; i < 10; i++) c.text("lost" + i);
        for (int i = 0; i < 10; i++) s9.text("lost" + i);
        Thread.sleep(400);
        check(s9.texts().isEmpty() && c.texts().isEmpty() && !c.closed, "nothing passes, the connection stays open");
        End[] during = connect(emu.port, server);
        check(during == null, "a new connection during the black hole does not complete its upgrade");
        emu.cmd("heal t");
        for (int i = 0; i < 10; i++) c.text("kept" + i);
        waitFor(() -> s9.texts().size() >= 10, 2000);
        check(indices(s9.texts(), "kept").size() == 10 && indices(s9.texts(), "lost").isEmpty(),
            "after heal the same connection carries new frames; the black-holed ones never arrive");
        c.close();

        System.out.println("cut stall / heal");
        p = connect(emu.port, server);
        c = p[0];
        End s10 = p[1];
        emu.cmd("cut t stall");
        for (int i = 0; i < 10; i++) c.text("h" + i);
        Thread.sleep(300);
        check(s10.texts().isEmpty(), "nothing passes during the stall");
        emu.cmd("heal t");
        waitFor(() -> s10.texts().size() >= 10, 2000);
        check(indices(s10.texts(), "h").equals(List.of(0, 1, 2, 3, 4, 5, 6, 7, 8, 9)), "after heal all arrive in order");
        c.close();

        System.out.println("set at run time, mid-connection");
        p = connect(emu.port, server);
        c = p[0];
        End s11 = p[1];
        emu.cmd("set t c2s drop=1");
        c.offer("z0");
        End c11 = c;
        waitFor(() -> c11.closed, 2000);
        check(s11.texts().isEmpty() && c.closed, "drop=1: nothing passes, the connection is reset");
        emu.cmd("set t c2s drop=0");
        p = connect(emu.port, server);
        c = p[0];
        End s12 = p[1];
        c.text("z1");
        waitFor(() -> s12.texts().size() >= 1, 2000);
        check(s12.texts().equals(List.of("z1")), "drop=0 again: a new connection passes");
        check(emu.cmd("set t bogus=1").get(0).startsWith("error"), "a bad command gets an error");
        c.close();

        System.out.println("same seed, same decisions");
        List<Integer> first = null;
        for (int run = 0; run < 2; run++) {
            Emu e = new Emu(server.port(), 99, "--drop", "0.02");
            try {
                End[] q = connect(e.port, server);
                for (int i = 0; i < 300 && q[0].offer("e" + i); i++) { }
                End sq = q[1];
                waitFor(() -> sq.closed, 3000);
                List<Integer> r = indices(sq.texts(), "e");
                if (first == null) first = r;
                else check(first.equals(r) && r.size() < 300,
                    "seed 99: the same " + r.size() + " messages of 300 pass before the drop in both runs");
                q[0].close();
            } finally {
                e.stop();
            }
        }
    }
}
