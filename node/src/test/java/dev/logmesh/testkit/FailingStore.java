package dev.logmesh.testkit;

import dev.logmesh.StoreException;
import dev.logmesh.spi.Store;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.util.Set;

/**
 * A {@link Store} whose writes fail on demand (a full disk, an I/O error), around a real store. Built as a proxy
 * of the {@code Store} interface, so it follows that interface as it grows: every method goes to the real
 * store, except that while {@link #failing} is on, the write methods named in {@link #WRITES} throw
 * {@link StoreException} without touching it.
 */
public final class FailingStore {
    /** The methods that fail while failing is on: every write of entries. */
    public static final Set<String> WRITES = Set.of("add");

    private final Store real;
    private final Store proxy;
    private volatile boolean failing;
    private volatile int failures;

    public FailingStore(Store real) {
        this.real = real;
        this.proxy = (Store) Proxy.newProxyInstance(Store.class.getClassLoader(), new Class<?>[] {Store.class},
            (p, method, args) -> {
                if (failing && WRITES.contains(method.getName())) {
                    failures++;
                    throw new StoreException("[SQLITE_FULL] database or disk is full (test)");
                }
                try {
                    return method.invoke(real, args);
                } catch (InvocationTargetException e) {
                    throw e.getCause();
                }
            });
    }

    /** The store to hand to a log. */
    public Store store() {
        return proxy;
    }

    /** The store under it. */
    public Store real() {
        return real;
    }

    /** Makes writes fail (true) or work again (false). */
    public void failing(boolean on) {
        failing = on;
    }

    /** How many writes failed so far. */
    public int failures() {
        return failures;
    }
}
