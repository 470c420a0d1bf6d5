package dev.logmesh.testkit;

import dev.logmesh.internal.protocol.Message;
import dev.logmesh.internal.protocol.MessageConnection;
import java.util.ArrayList;
import java.util.List;

/**
 * A message connection that passes everything to another and records what its session asks of the link, in order:
 * the type of each message sent, {@code take client frames} ({@link MessageConnection#takeClientFrames}: an accepted
 * link's frame limit raised for a Logux client) and {@code take mesh frames} ({@link MessageConnection#takeMeshFrames}:
 * a dialed link's lowered for a mesh peer). The loop's thread only.
 */
public final class RecordingConnection extends ForwardingConnection {
    /** What the session asked, in order. */
    public final List<String> calls = new ArrayList<>();

    public RecordingConnection(MessageConnection inner) {
        super(inner);
    }

    @Override
    public boolean send(Message message) {
        calls.add(message.type());
        return inner.send(message);
    }

    @Override
    public void takeClientFrames() {
        calls.add("take client frames");
    }

    @Override
    public void takeMeshFrames() {
        calls.add("take mesh frames");
    }
}
