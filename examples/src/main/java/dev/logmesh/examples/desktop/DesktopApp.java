package dev.logmesh.examples.desktop;

import dev.logmesh.MeshNode;
import dev.logmesh.NodeConfig;
import dev.logmesh.examples.ExampleOptions;
import java.awt.BorderLayout;
import java.awt.Font;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import javax.swing.DefaultListModel;
import javax.swing.JButton;
import javax.swing.JFrame;
import javax.swing.JLabel;
import javax.swing.JList;
import javax.swing.JPanel;
import javax.swing.JScrollPane;
import javax.swing.JTextField;
import javax.swing.SwingUtilities;
import javax.swing.WindowConstants;

/**
 * A Swing window showing a {@link SharedList}: every instance on the LAN shows the same items in the same
 * order. The node's loop hands each new list to the Swing thread ({@code SwingUtilities.invokeLater}); the
 * text field adds items from the Swing thread (the add itself runs on the node's loop).
 *
 * <pre>
 * DesktopApp --name alice [--port 7001] [--peer ws://HOST:PORT] [--data DIR] [--no-mdns] [--interface ADDR]
 *            [--script FILE] [--stdin] [--position X,Y]
 * </pre>
 * {@code --script FILE} adds each non-empty line of FILE as an item at start; {@code --stdin} adds each
 * line read from stdin. Each change of the list is also printed to stdout as
 * {@code list <count> <text>|<text>|...} so scripts can tell what the window shows.
 */
public final class DesktopApp {
    private DesktopApp() {
    }

    @SuppressWarnings("FutureReturnValueIgnored") // an add fails only once the node is closed, when the app is exiting
    public static void main(String[] args) throws Exception {
        ExampleOptions options;
        try {
            options = ExampleOptions.parse(args, "desktop");
        } catch (IllegalArgumentException e) {
            System.err.println("desktop: " + e.getMessage() + "\n" + ExampleOptions.HELP
                + "\n  --script FILE       add each line of FILE\n  --stdin             add each line of stdin"
                + "\n  --position X,Y      where to put the window");
            System.exit(2);
            return;
        }
        Path script = null;
        boolean stdin = false;
        int[] position = null;
        List<String> rest = options.rest();
        for (int i = 0; i < rest.size(); i++) {
            if (rest.get(i).equals("--script") && i + 1 < rest.size()) {
                script = Path.of(rest.get(++i));
            } else if (rest.get(i).equals("--position") && i + 1 < rest.size()) {
                String[] xy = rest.get(++i).split(",", -1);
                position = new int[] {Integer.parseInt(xy[0].strip()), Integer.parseInt(xy[1].strip())};
            } else if (rest.get(i).equals("--stdin")) {
                stdin = true;
            } else {
                System.err.println("desktop: unknown option " + rest.get(i));
                System.exit(2);
            }
        }
        NodeConfig config = options.config();
        Set<String> peers = ConcurrentHashMap.newKeySet();
        JLabel status = new JLabel();
        MeshNode node = MeshNode.start(config, List.of(new MeshNode.Listener() {
            @Override
            public void peer(String nodeId, boolean connected) {
                if (connected) {
                    peers.add(nodeId);
                } else {
                    peers.remove(nodeId);
                }
                int n = peers.size();
                SwingUtilities.invokeLater(() -> status.setText(n + (n == 1 ? " peer" : " peers")));
            }
        }));
        SharedList list = new SharedList(node);
        CountDownLatch closed = new CountDownLatch(1);
        DefaultListModel<SharedList.Item> model = new DefaultListModel<>();
        int[] at = position;
        SwingUtilities.invokeAndWait(() -> show(node, list, model, status, closed, at));
        list.onChange(items -> {
            System.out.println("list " + items.size() + " " + String.join("|",
                items.stream().map(SharedList.Item::text).toList()));
            SwingUtilities.invokeLater(() -> {
                model.clear();
                model.addAll(items);
            });
        });
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            list.close();
            node.close();
        }, "desktop-shutdown"));
        if (script != null) {
            for (String line : Files.readAllLines(script, StandardCharsets.UTF_8)) {
                if (!line.isBlank()) {
                    list.add(line.strip());
                }
            }
        }
        if (stdin) {
            BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
            String line;
            while ((line = in.readLine()) != null) {
                if (!line.isBlank()) {
                    list.add(line.strip());
                }
            }
        }
        closed.await();
        System.exit(0);
    }

    /** Builds the window; on the Swing thread. */
    @SuppressWarnings("FutureReturnValueIgnored") // an add fails only once the node is closed, when the window is gone
    private static void show(MeshNode node, SharedList list, DefaultListModel<SharedList.Item> model,
                             JLabel status, CountDownLatch closed, int[] at) {
        JFrame frame = new JFrame("Shared list: " + node.nodeId());
        JList<SharedList.Item> view = new JList<>(model);
        view.setFont(view.getFont().deriveFont(Font.PLAIN, 16f));
        JTextField input = new JTextField();
        JButton add = new JButton("Add");
        Runnable submit = () -> {
            String text = input.getText().strip();
            if (!text.isEmpty()) {
                list.add(text);
                input.setText("");
            }
        };
        add.addActionListener(e -> submit.run());
        input.addActionListener(e -> submit.run());
        JPanel bottom = new JPanel(new BorderLayout());
        bottom.add(input, BorderLayout.CENTER);
        bottom.add(add, BorderLayout.EAST);
        status.setText("0 peers" + (node.url() != null ? ", listening at " + node.url() : ""));
        JPanel top = new JPanel(new BorderLayout());
        top.add(new JLabel(node.nodeId()), BorderLayout.WEST);
        top.add(status, BorderLayout.EAST);
        frame.getContentPane().add(top, BorderLayout.NORTH);
        frame.getContentPane().add(new JScrollPane(view), BorderLayout.CENTER);
        frame.getContentPane().add(bottom, BorderLayout.SOUTH);
        frame.setDefaultCloseOperation(WindowConstants.DISPOSE_ON_CLOSE);
        frame.addWindowListener(new java.awt.event.WindowAdapter() {
            @Override
            public void windowClosed(java.awt.event.WindowEvent e) {
                closed.countDown();
            }
        });
        frame.setSize(380, 300);
        if (at != null) {
            frame.setLocation(at[0], at[1]);
        } else {
            frame.setLocationByPlatform(true);
        }
        frame.setVisible(true);
    }

}
