package dev.logmesh.testkit;

import dev.logmesh.internal.protocol.Message;
import dev.logmesh.internal.protocol.MessageConnection;

/**
 * A message connection that passes every call to another: the base of the test kit's wrappers, which override what
 * they watch or change ({@link RecordingConnection}). The frame-limit calls are not passed on unless overridden (the
 * wrapped link keeps its limits); the thread is the wrapped connection's.
 */
public abstract class ForwardingConnection implements MessageConnection {
    /** The connection every call goes to. */
    protected final MessageConnection inner;

    protected ForwardingConnection(MessageConnection inner) {
        this.inner = inner;
    }

    @Override
    public void start(Handler handler) {
        inner.start(handler);
    }

    @Override
    public boolean send(Message message) {
        return inner.send(message);
    }

    @Override
    public void close(String reason) {
        inner.close(reason);
    }

    @Override
    public String remoteAddress() {
        return inner.remoteAddress();
    }

    @Override
    public void pauseReading(boolean paused) {
        inner.pauseReading(paused); // flow control is the wrapped link's, as ReceiveGate passes it on
    }
}
