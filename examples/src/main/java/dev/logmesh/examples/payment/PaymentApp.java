package dev.logmesh.examples.payment;

import dev.logmesh.MeshNode;
import dev.logmesh.examples.ExampleOptions;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CountDownLatch;

/**
 * Runs one side of the payment example.
 *
 * <pre>
 * PaymentApp payment [--limit N] --name bank --port 7101 --no-mdns
 * PaymentApp shop --name shop --peer ws://127.0.0.1:7101 --no-mdns     (then type amounts, one per line)
 * </pre>
 */
public final class PaymentApp {
    private PaymentApp() {
    }

    public static void main(String[] args) throws Exception {
        ExampleOptions options = ExampleOptions.parse(args, "node");
        List<String> rest = options.rest();
        String usage = "usage: PaymentApp payment|shop [--limit N] [options]\n" + ExampleOptions.HELP;
        boolean withLimit = rest.size() == 3 && rest.get(1).equals("--limit") && rest.get(2).matches("\\d{1,15}");
        if (rest.isEmpty() || !List.of("payment", "shop").contains(rest.get(0)) || (rest.size() > 1 && !withLimit)) {
            System.err.println(usage);
            System.exit(2);
        }
        long limit = withLimit ? Long.parseLong(rest.get(2)) : 100;
        try (MeshNode node = MeshNode.start(options.config(), List.of(new MeshNode.Listener() {
            @Override
            public void peer(String nodeId, boolean connected) {
                System.out.println((connected ? "connected to " : "lost ") + nodeId);
            }
        }))) {
            System.out.println(node.nodeId() + " listening at " + node.url());
            if (rest.get(0).equals("payment")) {
                Payments.serve(node, limit);
                node.subscribe(Payments.ASK, e -> System.out.println("asked: " + e.action()));
                new CountDownLatch(1).await(); // until Ctrl-C
            }
            BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
            String line;
            int order = 0;
            while ((line = in.readLine()) != null) {
                if (line.isBlank()) {
                    continue;
                }
                order++;
                String id = "o-" + order;
                try {
                    Payments.Result r = Payments.pay(node, id, Long.parseLong(line.strip()), Duration.ofSeconds(10))
                        .join();
                    System.out.println(id + ": " + (r.ok() ? "paid" : "declined: " + r.reason()));
                } catch (CompletionException e) {
                    System.out.println(id + ": no answer (" + e.getCause().getMessage() + ")");
                } catch (NumberFormatException e) {
                    System.out.println("not an amount: " + line);
                }
            }
        }
    }
}
