package dev.logmesh.examples.chat;

import dev.logmesh.MeshNode;
import dev.logmesh.examples.ExampleOptions;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.ZoneId;
import java.util.List;

/**
 * A headless chat: each line of stdin is a message; {@code /history} prints the room in created order,
 * {@code /quit} (or EOF) leaves.
 *
 * <pre>
 * ChatApp --name alice --port 7201 --no-mdns
 * ChatApp --name bob --peer ws://127.0.0.1:7201 --no-mdns
 * </pre>
 */
public final class ChatApp {
    private ChatApp() {
    }

    public static void main(String[] args) throws Exception {
        ExampleOptions options;
        try {
            options = ExampleOptions.parse(args, "chat");
            if (!options.rest().isEmpty()) {
                throw new IllegalArgumentException("unknown option " + options.rest().get(0));
            }
        } catch (IllegalArgumentException e) {
            System.err.println("chat: " + e.getMessage() + "\n" + ExampleOptions.HELP);
            System.exit(2);
            return;
        }
        String name = options.config().name();
        try (MeshNode node = MeshNode.start(options.config(), List.of(new MeshNode.Listener() {
            @Override
            public void peer(String nodeId, boolean connected) {
                System.out.println("* " + nodeId + (connected ? " joined" : " left"));
            }
        }))) {
            Chat chat = new Chat(node, name, System.out::println, ZoneId.systemDefault());
            System.out.println("* you are " + node.nodeId() + (node.url() != null ? " at " + node.url() : "")
                + "; /history, /quit");
            BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
            String line;
            while ((line = in.readLine()) != null && !line.equals("/quit")) {
                if (line.equals("/history")) {
                    chat.history().join();
                } else if (!line.isBlank()) {
                    chat.send(line).join();
                }
            }
            chat.close();
        }
    }
}
