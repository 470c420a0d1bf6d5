package dev.logmesh;

import dev.logmesh.internal.net.SystemLoop;
import dev.logmesh.spi.Loop;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A future that a node's loop completes ({@link MeshNode#add}, {@link MeshNode#entries}, {@link MeshNode#ask}, …):
 * waiting for it on that loop's thread before it is done would stop the node (the loop that would complete it is
 * the one waiting: for good, or for the whole timeout), so {@link #get()}, {@link #get(long, TimeUnit)} and {@link #join()} throw
 * {@link IllegalStateException} there at once instead, naming the mistake. A subscriber, listener or answerer
 * that did {@code node.add(a).join()} hung the node: no add of any thread completed, no session ran, and
 * {@link MeshNode#close} gave up after {@link MeshNode#CLOSE_STUCK_MILLIS} (18 s in all, embed22's trial;
 * {@code LoopBlockingTest}). Dependent stages ({@code thenApply}, …) are such futures too. Only a thread loop
 * ({@link SystemLoop}) is checked: a test's manual loop runs on the test's thread, which may wait.
 */
final class LoopFuture<T> extends CompletableFuture<T> {
    private final Loop loop;

    LoopFuture(Loop loop) {
        this.loop = loop;
    }

    @Override
    public <U> CompletableFuture<U> newIncompleteFuture() {
        return new LoopFuture<>(loop);
    }

    /** Throws if the calling thread is the loop's and the future is not done (the wait could not end). */
    private void requireNotLoop() {
        if (!isDone() && loop instanceof SystemLoop && loop.inLoop()) {
            throw new IllegalStateException("waiting for a node's future on the node's loop thread ("
                + Thread.currentThread().getName() + ") would never end: the loop completes it. A subscriber, "
                + "listener or answerer must not wait: chain the rest with thenAccept, or wait on another thread");
        }
    }

    @Override
    public T get() throws InterruptedException, ExecutionException {
        requireNotLoop();
        return super.get();
    }

    @Override
    public T get(long timeout, TimeUnit unit) throws InterruptedException, ExecutionException, TimeoutException {
        requireNotLoop();
        return super.get(timeout, unit);
    }

    @Override
    public T join() {
        requireNotLoop();
        return super.join();
    }
}
