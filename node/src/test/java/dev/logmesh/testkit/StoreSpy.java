package dev.logmesh.testkit;

import dev.logmesh.spi.Store;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.util.function.BiConsumer;

/**
 * A {@link Store} that tells a test of each call before it hands the call to another store: what a test needs that
 * watches which store calls a node makes, and when (a timer set at a sweep's first batch, the keys a cursor write
 * was given). Exceptions of the delegate pass through as they are; the spy is as thread-safe as the delegate.
 */
public final class StoreSpy {
    private StoreSpy() {
    }

    /**
     * @param delegate the store every call goes to
     * @param before   told of each call first: the {@link Store} method's name and its arguments (null for none)
     * @return the spying store
     */
    public static Store around(Store delegate, BiConsumer<String, Object[]> before) {
        return (Store) Proxy.newProxyInstance(Store.class.getClassLoader(), new Class<?>[] {Store.class},
            (proxy, method, args) -> {
                before.accept(method.getName(), args);
                try {
                    return method.invoke(delegate, args);
                } catch (InvocationTargetException e) {
                    throw e.getCause();
                }
            });
    }
}
