/*
 * The checker of scripts/chaos: reads what one scenario left in its directory and prints the invariants.
 *
 *   java scripts/lib/ChaosCheck.java DIR --nodes 1,2,3 [--since-us T] [--skew I=MS ...] [--tampered I,...]
 *
 * DIR holds, per node I: outI (the node's stdout, NDJSON with "ts", across all its lives; a line
 * {"event":"chaos-life",...} starts each life), logI (`logmesh log --data DIR` at the end, created order) and
 * logI.rc (its exit code); and `sent` ("KEY I" per action written to node I's stdin).
 *
 * Definitions (an action is known by its unique "k"):
 *   added   acknowledged actions: the node it was sent to printed its "add" event (after the commit)
 *   lost    acknowledged actions missing from the final log of at least one node
 *   twice   applications beyond the first: an id twice in one log, one action under two ids, an "add" event
 *           repeated for an id within one life of a node, or in a later life of a node whose store was not
 *           tampered with (--tampered: restored or WAL-less nodes, which may legitimately get an id back)
 *   order   positions where a node's created order (restricted to the ids every node holds) differs from the
 *           first node's, plus adjacent pairs out of id order (ms, node, seq) in any log
 *   diverged  ids held by some nodes but not all (acknowledged or not), plus ids whose action text differs
 *           between nodes, plus rows whose "v" is not the one scripts/chaos added for that key
 *   converge  ms from --since-us until every node printed every id of the union of the final logs (its first
 *           "add" event, any life; node clocks corrected by --skew I=MS); "never" if some node lacks one
 * Output: one line "key=value ..." on stdout; details (examples) on stderr.
 */

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

public final class ChaosCheck {

    static final Pattern K = Pattern.compile("\"k\":\"([^\"]*)\"");
    static final Pattern ID = Pattern.compile("\"id\":\"([^\"]*)\"");
    static final Pattern KEYNUM = Pattern.compile("-(\\d+)$");
    static final Pattern V = Pattern.compile("\"v\":\"([^\"]*)\"");
    static final Pattern TS = Pattern.compile("\"ts\":(\\d+)\\}\\s*$");

    record Row(String k, String id, String action) {
    }

    static int compareIds(String a, String b) {
        String[] x = a.split(" "), y = b.split(" ");
        if (x.length != 3 || y.length != 3) return a.compareTo(b);
        int c = Long.compare(Long.parseLong(x[0]), Long.parseLong(y[0]));
        if (c != 0) return c;
        c = x[1].compareTo(y[1]);
        if (c != 0) return c;
        return Long.compare(Long.parseLong(x[2]), Long.parseLong(y[2]));
    }

    public static void main(String[] args) throws IOException {
        if (args.length > 0 && args[0].equals("--selftest")) {
            System.exit(SelfTest.run());
        }
        List<String> details = new ArrayList<>();
        System.out.println(run(args, details));
        for (String d : details) System.err.println(d);
    }

    static String run(String[] args, List<String> details) throws IOException {
        Path dir = Path.of(args[0]);
        List<Integer> nodes = new ArrayList<>();
        long since = 0;
        Map<Integer, Long> skewMs = new HashMap<>();
        Set<Integer> tampered = new HashSet<>();
        for (int i = 1; i < args.length; i++) {
            switch (args[i]) {
                case "--nodes" -> {
                    for (String s : args[++i].split(",")) nodes.add(Integer.parseInt(s));
                }
                case "--since-us" -> since = Long.parseLong(args[++i]);
                case "--skew" -> {
                    String[] kv = args[++i].split("=");
                    skewMs.put(Integer.parseInt(kv[0]), Long.parseLong(kv[1]));
                }
                case "--tampered" -> {
                    for (String s : args[++i].split(",")) if (!s.isEmpty()) tampered.add(Integer.parseInt(s));
                }
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }

        // What was sent where.
        Map<String, Integer> sentTo = new HashMap<>();
        Path sentFile = dir.resolve("sent");
        if (Files.exists(sentFile)) {
            for (String line : Files.readAllLines(sentFile, StandardCharsets.UTF_8)) {
                String[] p = line.trim().split("\\s+");
                if (p.length == 2) sentTo.put(p[0], Integer.parseInt(p[1]));
            }
        }

        // The nodes' stdout: add events per life, first print time per id.
        Map<Integer, Set<String>> printedKeys = new HashMap<>();
        Map<Integer, Map<String, Long>> firstTs = new HashMap<>();
        int twiceEvents = 0;
        List<String> twiceExamples = new ArrayList<>();
        for (int n : nodes) {
            Set<String> keys = new HashSet<>();
            Map<String, Long> first = new HashMap<>();
            Map<String, Integer> lifeOf = new HashMap<>();
            int life = 0;
            Path out = dir.resolve("out" + n);
            long skewUs = skewMs.getOrDefault(n, 0L) * 1000;
            if (Files.exists(out)) {
                for (String line : Files.readAllLines(out, StandardCharsets.UTF_8)) {
                    if (line.contains("\"event\":\"chaos-life\"")) {
                        life++;
                        continue;
                    }
                    if (!line.startsWith("{\"event\":\"add\"")) continue;
                    Matcher k = K.matcher(line), id = ID.matcher(line), ts = TS.matcher(line);
                    if (!id.find()) continue;
                    String i = id.group(1);
                    if (k.find()) keys.add(k.group(1));
                    long t = ts.find() ? Long.parseLong(ts.group(1)) - skewUs : 0;
                    first.putIfAbsent(i, t);
                    Integer prev = lifeOf.put(i, life);
                    if (prev != null && (prev == life || !tampered.contains(n))) {
                        twiceEvents++;
                        if (twiceExamples.size() < 3) {
                            twiceExamples.add("n" + n + " printed add of " + i + " again (life " + prev + " -> " + life + ")");
                        }
                    }
                }
            }
            printedKeys.put(n, keys);
            firstTs.put(n, first);
        }

        // Acknowledged: printed by the node it was sent to.
        Set<String> acked = new HashSet<>();
        for (Map.Entry<String, Integer> e : sentTo.entrySet()) {
            Set<String> p = printedKeys.get(e.getValue());
            if (p != null && p.contains(e.getKey())) acked.add(e.getKey());
        }

        // The final logs.
        Map<Integer, List<Row>> logs = new LinkedHashMap<>();
        List<Integer> unreadable = new ArrayList<>();
        int badLines = 0;
        for (int n : nodes) {
            Path log = dir.resolve("log" + n), rc = dir.resolve("log" + n + ".rc");
            String rcs = Files.exists(rc) ? Files.readString(rc).trim() : "missing";
            if (!rcs.equals("0") || !Files.exists(log)) {
                unreadable.add(n);
                details.add("n" + n + ": `logmesh log` failed (exit " + rcs + ")" + firstLine(dir.resolve("log" + n + ".err")));
            }
            List<Row> rows = new ArrayList<>();
            if (Files.exists(log)) {
                for (String line : Files.readAllLines(log, StandardCharsets.UTF_8)) {
                    int m = line.lastIndexOf(",{\"id\":\"");
                    Matcher k = K.matcher(line);
                    Matcher id = ID.matcher(line);
                    if (m < 1 || !id.find(m)) {
                        badLines++;
                        continue;
                    }
                    rows.add(new Row(k.find() && k.start() < m ? k.group(1) : null, id.group(1), line.substring(1, m)));
                }
            }
            logs.put(n, rows);
        }

        // Applied twice within the final logs.
        int twiceLog = 0;
        for (Map.Entry<Integer, List<Row>> e : logs.entrySet()) {
            Map<String, String> idOfKey = new HashMap<>();
            Set<String> ids = new HashSet<>();
            for (Row r : e.getValue()) {
                if (!ids.add(r.id)) {
                    twiceLog++;
                    if (twiceExamples.size() < 6) twiceExamples.add("n" + e.getKey() + " holds " + r.id + " twice");
                }
                if (r.k != null) {
                    String prev = idOfKey.put(r.k, r.id);
                    if (prev != null && !prev.equals(r.id)) {
                        twiceLog++;
                        if (twiceExamples.size() < 6) {
                            twiceExamples.add("n" + e.getKey() + " holds action " + r.k + " under " + prev + " and " + r.id);
                        }
                    }
                }
            }
        }

        // Lost and diverged.
        List<Integer> readable = new ArrayList<>();
        for (int n : nodes) if (!unreadable.contains(n)) readable.add(n);
        Map<Integer, Map<String, Row>> byId = new HashMap<>();
        Map<Integer, Set<String>> keysHeld = new HashMap<>();
        Set<String> union = new HashSet<>();
        for (int n : readable) {
            Map<String, Row> m = new HashMap<>();
            Set<String> ks = new HashSet<>();
            for (Row r : logs.get(n)) {
                m.putIfAbsent(r.id, r);
                if (r.k != null) ks.add(r.k);
            }
            byId.put(n, m);
            keysHeld.put(n, ks);
            union.addAll(m.keySet());
        }
        int lost = 0;
        Map<Integer, Integer> lostAt = new TreeMap<>();
        List<String> lostExamples = new ArrayList<>();
        for (String k : acked) {
            boolean missing = false;
            for (int n : readable) {
                if (!keysHeld.get(n).contains(k)) {
                    missing = true;
                    lostAt.merge(n, 1, Integer::sum);
                }
            }
            if (missing) {
                lost++;
                if (lostExamples.size() < 3) lostExamples.add(k + " (sent to n" + sentTo.get(k) + ")");
            }
        }
        if (lost > 0) details.add("lost " + lost + " acknowledged actions; missing per node " + lostAt + ", e.g. " + lostExamples);
        int notEverywhere = 0, contentDiffers = 0;
        Map<Integer, Integer> missingAt = new TreeMap<>();
        List<String> divExamples = new ArrayList<>();
        for (String id : union) {
            Row ref = null;
            boolean everywhere = true, differs = false;
            for (int n : readable) {
                Row r = byId.get(n).get(id);
                if (r == null) {
                    everywhere = false;
                    missingAt.merge(n, 1, Integer::sum);
                    continue;
                }
                if (ref == null) ref = r;
                else if (!ref.action.equals(r.action)) differs = true;
            }
            if (!everywhere) notEverywhere++;
            if (differs) {
                contentDiffers++;
                if (divExamples.size() < 3) divExamples.add("content of " + id + " differs between nodes");
            }
        }
        if (notEverywhere > 0) details.add(notEverywhere + " ids not on every node; missing per node " + missingAt);
        details.addAll(divExamples);
        // Content against what was added: scripts/chaos writes "v" = the key's number * 7919 mod 10^8, 8 digits.
        int altered = 0;
        for (int n : readable) {
            for (Row r : logs.get(n)) {
                if (r.k == null) continue;
                Matcher num = KEYNUM.matcher(r.k), v = V.matcher(r.action);
                if (!num.find() || !v.find()) continue;
                long j = Long.parseLong(num.group(1));
                String want = String.format("%08d", j * 7919 % 100_000_000L);
                if (!want.equals(v.group(1))) {
                    altered++;
                    if (details.size() < 40) {
                        details.add("n" + n + " holds " + r.k + " with \"v\":\"" + v.group(1) + "\", added as \"" + want + "\"");
                    }
                }
            }
        }

        // Order.
        Set<String> common = new HashSet<>(union);
        for (int n : readable) common.retainAll(byId.get(n).keySet());
        int order = 0;
        List<String> ref = null;
        int refNode = 0;
        for (int n : readable) {
            List<String> seq = new ArrayList<>();
            List<Row> rows = logs.get(n);
            for (int i = 0; i < rows.size(); i++) {
                if (i > 0 && compareIds(rows.get(i - 1).id, rows.get(i).id) > 0) {
                    order++;
                    if (details.size() < 40) details.add("n" + n + " log out of id order at " + rows.get(i).id);
                }
                if (common.contains(rows.get(i).id)) seq.add(rows.get(i).id);
            }
            if (ref == null) {
                ref = seq;
                refNode = n;
                continue;
            }
            int diff = 0;
            for (int i = 0; i < Math.min(seq.size(), ref.size()); i++) if (!seq.get(i).equals(ref.get(i))) diff++;
            diff += Math.abs(seq.size() - ref.size());
            if (diff > 0) details.add("n" + n + "'s created order differs from n" + refNode + "'s at " + diff + " positions");
            order += diff;
        }

        // Convergence time.
        String converge;
        long worst = 0;
        boolean all = !union.isEmpty() || !acked.isEmpty();
        outer:
        for (int n : readable) {
            Map<String, Long> f = firstTs.get(n);
            for (String id : union) {
                Long t = f.get(id);
                if (t == null) {
                    if (byId.get(n).containsKey(id)) continue; // held but never printed (e.g. restored with the store)
                    all = false;
                    break outer;
                }
                worst = Math.max(worst, t - since);
            }
        }
        if (notEverywhere > 0 || !unreadable.isEmpty()) all = false;
        converge = all ? Long.toString(Math.max(0, worst) / 1000) : "never";

        details.addAll(twiceExamples);
        if (badLines > 0) details.add(badLines + " unparsable log lines");
        return "sent=" + sentTo.size() + " added=" + acked.size() + " lost=" + lost + " twice="
            + (twiceEvents + twiceLog) + " order=" + order + " diverged=" + (notEverywhere + contentDiffers + altered)
            + " converge_ms=" + converge + " unreadable=" + unreadable.size() + " held=" + union.size();
    }

    static String firstLine(Path p) {
        try {
            for (String l : Files.readAllLines(p, StandardCharsets.UTF_8)) {
                if (!l.isBlank() && !l.startsWith("WARNING")) return ": " + (l.length() > 200 ? l.substring(0, 200) : l);
            }
        } catch (IOException e) {
            // none
        }
        return "";
    }

    /** Checks of the checker on made-up scenario directories with known faults (java ChaosCheck.java --selftest). */
    static final class SelfTest {
        static int failures, checks;

        static String action(int j) {
            return String.format("{\"type\":\"chaos/a\",\"k\":\"t-%d\",\"v\":\"%08d\",\"t\":\"payload %d\"}", j,
                j * 7919L % 100_000_000L, j);
        }

        static String id(int j, int origin) {
            return (1_000_000 + j) + " c" + origin + ":x 0";
        }

        static String meta(int j, int origin, int added) {
            return "{\"id\":\"" + id(j, origin) + "\",\"time\":" + (1_000_000 + j) + ",\"added\":" + added
                + ",\"reasons\":[\"mesh\"]}";
        }

        /** A directory with nodes 1..3 that all hold actions 1..n (action j made by node j % 3 + 1). */
        static final class Fixture {
            final Path dir;
            final int n;
            final Map<Integer, List<String>> out = new HashMap<>(), log = new HashMap<>();
            final Map<Integer, String> rc = new HashMap<>();
            final List<String> sent = new ArrayList<>();

            Fixture(int n) throws IOException {
                this.dir = Files.createTempDirectory("chaoscheck");
                this.n = n;
                for (int node = 1; node <= 3; node++) {
                    out.put(node, new ArrayList<>(List.of("{\"event\":\"chaos-life\",\"life\":1,\"ts\":0}")));
                    log.put(node, new ArrayList<>());
                    rc.put(node, "0");
                }
                for (int j = 1; j <= n; j++) {
                    int origin = j % 3 + 1;
                    sent.add("t-" + j + "\t" + origin);
                    for (int node = 1; node <= 3; node++) {
                        out.get(node).add(event(j, origin, node == origin ? 1000 + j : 2000 + j));
                        log.get(node).add("[" + action(j) + "," + meta(j, origin, j) + "]");
                    }
                }
            }

            static String event(int j, int origin, long ts) {
                return "{\"event\":\"add\",\"action\":" + action(j) + ",\"meta\":" + meta(j, origin, j) + ",\"ts\":" + ts + "}";
            }

            String check(String... extra) throws IOException {
                Files.write(dir.resolve("sent"), sent);
                for (int node = 1; node <= 3; node++) {
                    Files.write(dir.resolve("out" + node), out.get(node));
                    Files.write(dir.resolve("log" + node), log.get(node));
                    Files.writeString(dir.resolve("log" + node + ".rc"), rc.get(node) + "\n");
                }
                List<String> args = new ArrayList<>(List.of(dir.toString(), "--nodes", "1,2,3", "--since-us", "0"));
                args.addAll(List.of(extra));
                return ChaosCheck.run(args.toArray(new String[0]), new ArrayList<>());
            }
        }

        static void expect(String what, String result, String... kvs) {
            checks++;
            List<String> bad = new ArrayList<>();
            for (String kv : kvs) if (!(" " + result + " ").contains(" " + kv + " ")) bad.add(kv);
            if (bad.isEmpty()) {
                System.out.println("  ok   " + what + ": " + result);
            } else {
                failures++;
                System.out.println("  FAIL " + what + ": " + result + " (expected " + bad + ")");
            }
        }

        static int run() throws IOException {
            System.out.println("ChaosCheck on made-up runs");
            Fixture f = new Fixture(10);
            expect("all equal", f.check(), "added=10", "lost=0", "twice=0", "order=0", "diverged=0", "converge_ms=2",
                "unreadable=0");

            f = new Fixture(10);
            f.log.get(3).remove(4); // action 5 (made by node 3) missing... from node 3's own log
            expect("an acknowledged action missing on one node", f.check(), "lost=1", "diverged=1", "converge_ms=never");

            f = new Fixture(10);
            f.sent.add("t-11\t2"); // written to node 2, never printed: not acknowledged, not lost
            expect("an action never acknowledged", f.check(), "added=10", "lost=0");

            f = new Fixture(10);
            f.out.get(2).add(Fixture.event(3, 1, 5000)); // printed again in the same life
            expect("an add event twice in one life", f.check(), "twice=1");

            f = new Fixture(10);
            f.out.get(2).add("{\"event\":\"chaos-life\",\"life\":2,\"ts\":0}");
            f.out.get(2).add(Fixture.event(3, 1, 5000)); // again after a restart
            expect("an add event again after a restart", f.check(), "twice=1");
            expect("... of a node whose store was restored", f.check("--tampered", "2"), "twice=0");

            f = new Fixture(10);
            f.log.get(2).add("[" + action(4) + "," + meta(40, 1, 11) + "]"); // action 4 under a second id
            expect("one action under two ids", f.check(), "twice=1");

            f = new Fixture(10);
            java.util.Collections.swap(f.log.get(2), 3, 4);
            String r = f.check();
            expect("two rows swapped in one log", r, "lost=0", "diverged=0");
            checks++;
            if (!r.contains(" order=0 ")) {
                System.out.println("  ok   ... counted as order mismatches");
            } else {
                failures++;
                System.out.println("  FAIL ... not counted as order mismatches: " + r);
            }

            f = new Fixture(10);
            f.log.get(3).set(6, f.log.get(3).get(6).replaceFirst("\"v\":\"\\d{8}\"", "\"v\":\"99999999\""));
            expect("a row's content altered on one node", f.check(), "lost=0", "diverged=2");

            f = new Fixture(10);
            f.rc.put(1, "2");
            f.log.put(1, new ArrayList<>());
            expect("a log that cannot be read", f.check(), "unreadable=1", "converge_ms=never");

            f = new Fixture(10);
            f.out.get(3).set(5, Fixture.event(5, 3, 7_000_003_000L)); // 7000 s ahead + 3 ms
            expect("a node's clock skewed by --skew", f.check("--skew", "3=7000000"), "converge_ms=3");

            System.out.println("ChaosCheck self-test: " + (checks - failures) + "/" + checks + " checks passed");
            return failures == 0 ? 0 : 1;
        }
    }
}
