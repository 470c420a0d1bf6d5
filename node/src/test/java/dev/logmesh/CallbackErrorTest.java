package dev.logmesh;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.logmesh.internal.callback.Callbacks;
import dev.logmesh.internal.net.SystemLoop;
import dev.logmesh.spi.Connection;
import dev.logmesh.testkit.CapturedLogs;
import dev.logmesh.testkit.LocalNetwork;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.slf4j.event.Level;

/**
 * Session 27, errors27: an {@link Error} thrown by application code the node calls on its loop ended the whole node
 * ({@code whenClosed()} failed, every peer's sync stopped), though a {@link RuntimeException} from the same place
 * was logged and skipped. Application code throws Errors that say nothing of the JVM's health: an {@code assert}
 * ({@link AssertionError}), a recursive reducer ({@link StackOverflowError}), a missing optional dependency ({@link
 * NoClassDefFoundError}, {@link ExceptionInInitializerError}). Now, for every kind of callback, such an Error is the
 * callback's failure only: the node goes on, sync goes on both ways, the callbacks after it still run (client hooks:
 * the client gets its {@code logux/undo} with reason {@code error}, as for an exception). An {@link OutOfMemoryError}
 * still ends the node, from every kind of callback.
 *
 * <p>Two nodes on one {@link SystemLoop} (the real loop, whose fatal-error path ends the nodes) and an in-memory
 * {@link LocalNetwork}: alice holds the failing callback, bob is her peer, and a raw Logux client ({@code app}) talks
 * to alice for the client hooks.
 */
class CallbackErrorTest {
    static final Duration WAIT = Duration.ofSeconds(10);
    static final String CLIENT = "app:c1:t1";

    final SystemLoop loop = new SystemLoop("callback-error-test");
    final LocalNetwork net = new LocalNetwork(loop, new Random(27));
    final List<MeshNode> nodes = new ArrayList<>();
    /** What the good callback after the failing one saw (entry types, events). */
    final List<String> good = new CopyOnWriteArrayList<>();
    /** Frames alice sent to the raw client. */
    final List<String> toClient = new CopyOnWriteArrayList<>();
    Connection client;
    MeshNode alice;
    MeshNode bob;

    @AfterEach
    void tearDown() {
        for (MeshNode n : nodes) {
            n.close();
        }
        loop.close();
    }

    /** The Errors a callback may throw without ending the node. */
    static Stream<Supplier<Error>> survivable() {
        return Stream.of(() -> new AssertionError("an assert in the application"),
            () -> new StackOverflowError("a recursive callback (injected)"),
            () -> new NoClassDefFoundError("an/optional/Dependency"),
            () -> new ExceptionInInitializerError("a static initializer (injected)"));
    }

    static Stream<Arguments> kindsAndErrors() {
        return Stream.of(Kind.values()).flatMap(k -> survivable().map(s -> Arguments.of(k, s.get())));
    }

    /**
     * What every kind did with a RuntimeException before session 27 already, but a channel's filter predicate: its
     * exception left the pump that sends the client its entries.
     */
    static Stream<Arguments> kindsAndRuntimeExceptions() {
        return Stream.of(Kind.values()).map(k -> Arguments.of(k, new IllegalStateException("an application bug")));
    }

    /** {@code thrown} to throw from a lambda: a RuntimeException to throw, or the Error thrown here. */
    static RuntimeException fail(Throwable thrown) {
        if (thrown instanceof RuntimeException r) {
            return r;
        }
        throw (Error) thrown;
    }

    /** Where the application's code runs, how to make it fail on the action of type "boom", and what goes on. */
    enum Kind {
        SUBSCRIBER {
            @Override
            void install(CallbackErrorTest t, Throwable thrown) {
                t.alice.subscribe("boom", e -> {
                    throw fail(thrown);
                });
                t.alice.subscribe("boom", e -> t.good.add(e.action().type()));
            }
        },
        SUBSCRIPTION_FILTER {
            @Override
            void install(CallbackErrorTest t, Throwable thrown) {
                t.alice.subscribe(e -> {
                    if (e.action().type().equals("boom")) {
                        throw fail(thrown);
                    }
                    return false;
                }, e -> { });
                t.alice.subscribe("boom", e -> t.good.add(e.action().type()));
            }
        },
        REPLAYING_SUBSCRIBER {
            @Override
            void install(CallbackErrorTest t, Throwable thrown) {
                t.alice.subscribe(0, e -> e.action().type().equals("boom"), e -> {
                    throw fail(thrown);
                });
                t.alice.subscribe("boom", e -> t.good.add(e.action().type()));
            }
        },
        ANSWERER {
            @Override
            void install(CallbackErrorTest t, Throwable thrown) {
                t.alice.answer("boom", e -> {
                    throw fail(thrown);
                });
                t.alice.subscribe("boom", e -> t.good.add(e.action().type()));
            }
        },
        LISTENER {
            @Override
            List<MeshNode.Listener> listeners(CallbackErrorTest t, Throwable thrown) {
                return List.of(new MeshNode.Listener() {
                    @Override
                    public void peer(String nodeId, boolean connected) {
                        throw fail(thrown);
                    }
                }, new MeshNode.Listener() {
                    @Override
                    public void peer(String nodeId, boolean connected) {
                        t.good.add("boom"); // bob's arrival, after the failing listener
                    }
                });
            }

            @Override
            void trigger(CallbackErrorTest t) {
                // bob's arrival was it
            }
        },
        STATE_REDUCER {
            @Override
            void install(CallbackErrorTest t, Throwable thrown) {
                t.state(e -> true, (s, e) -> {
                    if (e.action().type().equals("boom")) {
                        throw fail(thrown);
                    }
                    return append(s, e);
                });
            }
        },
        STATE_FILTER {
            @Override
            void install(CallbackErrorTest t, Throwable thrown) {
                t.state(e -> {
                    if (e.action().type().equals("boom")) {
                        throw fail(thrown);
                    }
                    return true;
                }, CallbackErrorTest::append);
            }
        },
        STATE_LISTENER {
            @Override
            void install(CallbackErrorTest t, Throwable thrown) {
                ReplicatedState<List<String>> s = ReplicatedState.create(t.alice, e -> true, List.of(),
                    CallbackErrorTest::append);
                s.listen(list -> {
                    if (list.contains("boom")) {
                        throw fail(thrown);
                    }
                });
                s.listen(list -> {
                    if (list.contains("boom") && !t.good.contains("boom")) {
                        t.good.add("boom");
                    }
                });
            }
        },
        TYPE_ACCESS {
            @Override
            void install(CallbackErrorTest t, Throwable thrown) {
                t.alice.type("boom", TypeHooks.access((ctx, a, m) -> {
                    throw fail(thrown);
                }));
            }

            @Override
            void trigger(CallbackErrorTest t) {
                t.clientAdds("boom");
            }
        },
        TYPE_RESEND {
            @Override
            void install(CallbackErrorTest t, Throwable thrown) {
                t.alice.type("boom", TypeHooks.accept().resend((ctx, a, m) -> {
                    throw fail(thrown);
                }));
            }

            @Override
            void trigger(CallbackErrorTest t) {
                t.clientAdds("boom");
            }
        },
        TYPE_PROCESS {
            @Override
            void install(CallbackErrorTest t, Throwable thrown) {
                t.alice.type("boom", TypeHooks.accept().process((ctx, a, m) -> {
                    throw fail(thrown);
                }));
            }

            @Override
            void trigger(CallbackErrorTest t) {
                t.clientAdds("boom");
            }
        },
        CHANNEL_ACCESS {
            @Override
            void install(CallbackErrorTest t, Throwable thrown) {
                t.alice.channel("room", ChannelHooks.access((ctx, r) -> {
                    throw fail(thrown);
                }));
            }

            @Override
            void trigger(CallbackErrorTest t) {
                t.clientSubscribes();
            }
        },
        CHANNEL_FILTER {
            @Override
            void install(CallbackErrorTest t, Throwable thrown) {
                t.alice.channel("room", ChannelHooks.accept().filter((ctx, r) -> {
                    throw fail(thrown);
                }));
            }

            @Override
            void trigger(CallbackErrorTest t) {
                t.clientSubscribes();
            }
        },
        CHANNEL_LOAD {
            @Override
            void install(CallbackErrorTest t, Throwable thrown) {
                t.alice.channel("room", ChannelHooks.accept().load((ctx, r) -> {
                    throw fail(thrown);
                }));
            }

            @Override
            void trigger(CallbackErrorTest t) {
                t.clientSubscribes();
            }
        },
        /** The predicate a channel's filter hook returned, run for each entry addressed to the channel. */
        CHANNEL_PREDICATE {
            @Override
            void install(CallbackErrorTest t, Throwable thrown) {
                t.alice.channel("room", ChannelHooks.accept().filter((ctx, r) -> e -> {
                    if (e.action().type().equals("boom")) {
                        throw fail(thrown);
                    }
                    return true;
                }));
                t.alice.subscribe("boom", e -> t.good.add(e.action().type()));
            }

            @Override
            void trigger(CallbackErrorTest t) throws Exception {
                t.clientSubscribes();
                t.until(() -> t.toClient.stream().anyMatch(f -> f.contains("logux/processed")));
                t.bob.add(Action.ofType("boom"), JsonNodeFactory.instance.objectNode()
                    .set("channels", JsonNodeFactory.instance.arrayNode().add("room"))).get(5, TimeUnit.SECONDS);
            }
        };

        /** Listeners alice starts with. */
        List<MeshNode.Listener> listeners(CallbackErrorTest t, Throwable thrown) {
            return List.of();
        }

        /** Registers the failing callback on alice (and a good one after it). */
        void install(CallbackErrorTest t, Throwable thrown) {
        }

        /** Makes the callback run: by default bob adds a "boom", which alice receives. */
        void trigger(CallbackErrorTest t) throws Exception {
            t.bob.add(Action.ofType("boom")).get(5, TimeUnit.SECONDS);
        }

        boolean clientHook() {
            return name().startsWith("TYPE_") || name().startsWith("CHANNEL_");
        }
    }

    static List<String> append(List<String> list, Entry e) {
        List<String> next = new ArrayList<>(list);
        next.add(e.action().type());
        return List.copyOf(next);
    }

    ReplicatedState<List<String>> state(java.util.function.Predicate<Entry> filter,
                                        java.util.function.BiFunction<List<String>, Entry, List<String>> reducer) {
        ReplicatedState<List<String>> s = ReplicatedState.create(alice, filter, List.of(), reducer);
        alice.subscribe("boom", e -> good.add(e.action().type())); // a subscriber of the entry after the state
        stateCheck = s;
        return s;
    }

    /** The state of a STATE_ kind: it must go on folding after the failure. */
    ReplicatedState<List<String>> stateCheck;

    MeshNode start(String name, List<MeshNode.Listener> listeners, String... peers) throws IOException {
        NodeConfig.Builder b = NodeConfig.builder().name(name).memory().mdns(false).loop(loop)
            .transport(net.transport(name));
        for (String p : peers) {
            b.peer(LocalNetwork.url(p));
        }
        MeshNode n = MeshNode.start(b.build(), listeners);
        nodes.add(n);
        return n;
    }

    /** Starts alice with the kind's callback, bob as her peer, and (for client hooks) the raw client. */
    void setUp(Kind kind, Throwable thrown) throws Exception {
        alice = start("alice", kind.listeners(this, thrown));
        kind.install(this, thrown);
        bob = start("bob", List.of(), "alice");
        if (kind.clientHook()) {
            connectClient();
        }
    }

    boolean connected(MeshNode node, MeshNode peer) throws Exception {
        return node.peers().get(5, TimeUnit.SECONDS).stream().anyMatch(p -> p.nodeId().equals(peer.nodeId())
            && p.connected());
    }

    void connectClient() {
        loop.execute(() -> {
            client = net.transport("app").apply(loop).dial(LocalNetwork.url("alice"));
            client.start(new Connection.Handler() {
                @Override
                public void onOpen() {
                    client.send("[\"connect\",5,\"" + CLIENT + "\",0]");
                }

                @Override
                public void onFrame(String frame) {
                    toClient.add(frame);
                    if (frame.startsWith("[\"ping\"")) {
                        client.send("[\"pong\",0]"); // as @logux/core: a node tells a client its epoch in a ping
                    }
                }

                @Override
                public void onClose(String reason) {
                    toClient.add("closed: " + reason);
                }
            });
        });
        await().atMost(WAIT).until(() -> toClient.stream().anyMatch(f -> f.startsWith("[\"connected\"")));
    }

    void clientSends(String frame) {
        loop.execute(() -> client.send(frame));
    }

    void clientAdds(String type) {
        clientSends("[\"sync\",1,{\"type\":\"" + type + "\"},{\"id\":\"1 " + CLIENT + " 0\",\"time\":1}]");
    }

    void clientSubscribes() {
        clientSends("[\"sync\",1,{\"type\":\"logux/subscribe\",\"channel\":\"room\"},{\"id\":\"1 " + CLIENT
            + " 0\",\"time\":1}]");
    }

    /**
     * Waits for {@code condition}, failing at once (with the error that ended it) when a node has ended: the fault
     * this test is about.
     */
    void until(java.util.concurrent.Callable<Boolean> condition) {
        until("a condition", condition);
    }

    /** As {@link #until(java.util.concurrent.Callable)}, saying what it waits for when it times out. */
    void until(String what, java.util.concurrent.Callable<Boolean> condition) {
        await(what).atMost(WAIT).until(() -> {
            for (MeshNode n : nodes) {
                if (n.whenClosed().isDone()) {
                    Throwable why = n.whenClosed().handle((v, e) -> e).getNow(null);
                    throw new AssertionError(n.nodeId() + " ended: " + why, why);
                }
            }
            return condition.call();
        });
    }

    static List<String> types(MeshNode node) throws Exception {
        return node.entries().get(5, TimeUnit.SECONDS).stream().map(e -> e.action().type()).toList();
    }

    @ParameterizedTest(name = "{0} throws {1}")
    @MethodSource({"kindsAndErrors", "kindsAndRuntimeExceptions"})
    void anErrorThatSaysNothingOfTheJvmIsTheCallbacksFailureOnly(Kind kind, Throwable thrown) throws Exception {
        setUp(kind, thrown);
        until(() -> connected(alice, bob) && connected(bob, alice));
        kind.trigger(this);

        if (kind == Kind.CHANNEL_PREDICATE) {
            // the subscription does not get what its filter failed on; the entry reached alice's log and subscribers
            until(() -> good.contains("boom"));
        } else if (kind.clientHook()) {
            until(() -> toClient.stream().anyMatch(f -> f.contains("\"logux/undo\"")
                && f.contains("\"reason\":\"error\"")));
        } else {
            until(() -> good.contains("boom")); // the callbacks after the failing one ran
        }

        // the node goes on: adds and sync both ways
        bob.add(Action.ofType("from-bob")).get(5, TimeUnit.SECONDS);
        alice.add(Action.ofType("from-alice")).get(5, TimeUnit.SECONDS);
        until(() -> types(alice).contains("from-bob") && types(bob).contains("from-alice"));
        if (stateCheck != null) {
            until(() -> stateCheck.state().contains("from-bob"));
            assertFalse(kind != Kind.STATE_LISTENER && stateCheck.state().contains("boom"),
                "the action the state's code failed on is skipped: " + stateCheck.state());
        }
        if (kind.clientHook()) {
            // the client still gets what is sent to it: alice's own action (unaddressed: every client gets it)
            until("the client gets alice's later action (its pump goes on)",
                () -> toClient.stream().anyMatch(f -> f.contains("from-alice")));
            assertFalse(toClient.stream().anyMatch(f -> f.startsWith("closed")), toClient.toString());
            if (kind == Kind.CHANNEL_PREDICATE) {
                assertFalse(toClient.stream().anyMatch(f -> f.contains("{\"type\":\"boom\"}")),
                    "the entry the filter failed on does not go to the subscription (fails closed): " + toClient);
            }
        }
        assertFalse(alice.whenClosed().isDone(), "alice runs on");
        assertFalse(bob.whenClosed().isDone(), "bob runs on");
        assertTrue(alice.health().writable());
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(Kind.class)
    void anOutOfMemoryErrorStillEndsTheNode(Kind kind) throws Exception {
        OutOfMemoryError oom = new OutOfMemoryError("Java heap space (injected)");
        setUp(kind, oom);
        try {
            kind.trigger(this);
        } catch (ExecutionException e) {
            assertSame(oom, e.getCause(), "only the fatal error may fail the trigger");
        }
        ExecutionException closed = assertThrows(ExecutionException.class,
            () -> alice.whenClosed().get(WAIT.toSeconds(), TimeUnit.SECONDS));
        assertSame(oom, closed.getCause());
    }

    /** How each kind's failure is named in the log: the start of its ERROR line, or a client hook's text in it. */
    static final java.util.Map<Kind, String> NAMED = new java.util.EnumMap<>(java.util.Map.ofEntries(
        java.util.Map.entry(Kind.SUBSCRIBER, "subscriber "),
        java.util.Map.entry(Kind.SUBSCRIPTION_FILTER, "subscription filter "),
        java.util.Map.entry(Kind.REPLAYING_SUBSCRIBER, "subscriber "),
        java.util.Map.entry(Kind.ANSWERER, "answerer "),
        java.util.Map.entry(Kind.LISTENER, "listener "),
        java.util.Map.entry(Kind.STATE_REDUCER, "state reducer "),
        java.util.Map.entry(Kind.STATE_FILTER, "state filter "),
        java.util.Map.entry(Kind.STATE_LISTENER, "state listener "),
        java.util.Map.entry(Kind.TYPE_ACCESS, "the access hook of type boom failed: "),
        java.util.Map.entry(Kind.TYPE_RESEND, "the resend hook of type boom failed: "),
        java.util.Map.entry(Kind.TYPE_PROCESS, "the process hook of type boom failed: "),
        java.util.Map.entry(Kind.CHANNEL_ACCESS, "the access hook of channel room failed: "),
        java.util.Map.entry(Kind.CHANNEL_FILTER, "the filter hook of channel room failed: "),
        java.util.Map.entry(Kind.CHANNEL_LOAD, "the load hook of channel room failed: "),
        java.util.Map.entry(Kind.CHANNEL_PREDICATE, "filter of channel room ")));

    /**
     * Session 28: each kind's failure is logged under the name of what failed. Before, a {@link ReplicatedState}'s
     * filter was logged as "subscriber &lt;lambda&gt;" (its reducer as "reducer"), a subscription's filter as
     * "subscriber" with its consumer's name, an answerer as "subscriber" with a lambda of {@link MeshNode}, a
     * channel's filter predicate as "subscriber the filter of channel room (...)", and a client hook's failure only
     * as "action ID: " and the exception, without the hook. The ERROR lines start with the name (the kept events are
     * cleared first); a client hook's line ("client ID: action ID: the access hook of type boom failed: ...") holds
     * it, at ERROR too, and none is at INFO: session 29, before which a client hook's failure was an INFO line, as a
     * refusal by the rules is (what a client sent), though an app's hook that throws is a fault the operator must see.
     */
    @ParameterizedTest(name = "{0}")
    @EnumSource(Kind.class)
    void eachKindsFailureIsLoggedByTheNameOfWhatFailed(Kind kind) throws Exception {
        assumeTrue(CapturedLogs.active(), "needs the CapturedLogs SLF4J provider (node's surefire configuration)");
        String name = NAMED.get(kind);
        boolean clientHook = kind.clientHook() && kind != Kind.CHANNEL_PREDICATE;
        CapturedLogs.clear();
        try (CapturedLogs.Tally infoLines = CapturedLogs.tally(Level.INFO, name)) {
            setUp(kind, new IllegalStateException("an application bug"));
            until(() -> connected(alice, bob) && connected(bob, alice));
            kind.trigger(this);
            if (clientHook) {
                try {
                    until("an ERROR line with: " + name, () -> !CapturedLogs.matching(Level.ERROR, name).isEmpty());
                } catch (org.awaitility.core.ConditionTimeoutException e) {
                    throw new AssertionError("no ERROR line with '" + name + "' (INFO lines with it: "
                        + infoLines.count() + "): " + CapturedLogs.events(), e);
                }
                assertTrue(infoLines.count() == 0, "not at INFO: " + infoLines.count());
            } else {
                try {
                    until("an ERROR line that starts with: " + name, () -> CapturedLogs.matching(Level.ERROR,
                        " failed ").stream().anyMatch(e -> e.message().startsWith(name)));
                } catch (org.awaitility.core.ConditionTimeoutException e) {
                    throw new AssertionError("no ERROR line starts with '" + name + "': " + CapturedLogs.events(), e);
                }
            }
        }
    }

    /** A reducer that really overflows its stack on one action: that action is skipped, the state goes on. */
    @Test
    void aReducerThatOverflowsItsStackSkipsTheActionAndTheNodeGoesOn() throws Exception {
        alice = start("alice", List.of());
        ReplicatedState<List<String>> s = ReplicatedState.create(alice, e -> true, List.of(), (list, e) ->
            e.action().type().equals("deep") ? List.of(String.valueOf(depth(0))) : append(list, e));
        alice.add(Action.ofType("a")).get(5, TimeUnit.SECONDS);
        alice.add(Action.ofType("deep")).get(5, TimeUnit.SECONDS);
        alice.add(Action.ofType("b")).get(5, TimeUnit.SECONDS);
        until(() -> s.state().equals(List.of("a", "b")));
        assertFalse(alice.whenClosed().isDone());
    }

    /** Recurses far deeper than a thread's stack holds (as a recursive reducer over a very deep state would). */
    static int depth(int n) {
        return n == Integer.MAX_VALUE ? n : depth(n + 1) + 1;
    }

    /**
     * Every callback the public API takes is one of the kinds above (or is called once, at start, on the caller's
     * thread): a new method that takes application code fails here until its failures are isolated and a kind tests
     * them.
     */
    @Test
    void everyCallbackThePublicApiTakesIsAKindOfThisTest() {
        java.util.Map<String, List<Kind>> kinds = new java.util.TreeMap<>();
        kinds.put("MeshNode.start(NodeConfig,List)", List.of(Kind.LISTENER));
        kinds.put("MeshNode.addListener(Listener)", List.of(Kind.LISTENER));
        kinds.put("MeshNode.subscribe(Predicate,Consumer)", List.of(Kind.SUBSCRIBER, Kind.SUBSCRIPTION_FILTER));
        kinds.put("MeshNode.subscribe(String,Consumer)", List.of(Kind.SUBSCRIBER));
        kinds.put("MeshNode.subscribe(long,Predicate,Consumer)", List.of(Kind.REPLAYING_SUBSCRIBER));
        kinds.put("MeshNode.answer(String,Function)", List.of(Kind.ANSWERER));
        for (String m : List.of("type(String,TypeHooks)", "type(Pattern,TypeHooks)", "otherType(TypeHooks)")) {
            kinds.put("MeshNode." + m, List.of(Kind.TYPE_ACCESS, Kind.TYPE_RESEND, Kind.TYPE_PROCESS));
        }
        for (String m : List.of("channel(String,ChannelHooks)", "channel(Pattern,ChannelHooks)",
            "otherChannel(ChannelHooks)")) {
            kinds.put("MeshNode." + m, List.of(Kind.CHANNEL_ACCESS, Kind.CHANNEL_FILTER, Kind.CHANNEL_LOAD,
                Kind.CHANNEL_PREDICATE));
        }
        kinds.put("ReplicatedState.create(MeshNode,Predicate,Object,BiFunction)",
            List.of(Kind.STATE_FILTER, Kind.STATE_REDUCER));
        kinds.put("ReplicatedState.create(MeshNode,Predicate,Object,BiFunction,int,int)",
            List.of(Kind.STATE_FILTER, Kind.STATE_REDUCER));
        kinds.put("ReplicatedState.listen(Consumer)", List.of(Kind.STATE_LISTENER));
        // called once while the node starts, on the thread that starts it: a failure fails start()
        kinds.put("NodeConfig$Builder.transport(Function)", List.of());
        kinds.put("NodeConfig$Builder.discovery(Function)", List.of());

        java.util.Set<String> found = new java.util.TreeSet<>();
        for (Class<?> c : List.of(MeshNode.class, ReplicatedState.class, NodeConfig.Builder.class)) {
            for (java.lang.reflect.Method m : c.getMethods()) {
                if (m.getDeclaringClass() != c) {
                    continue;
                }
                boolean takesCode = false;
                List<String> params = new ArrayList<>();
                for (Class<?> p : m.getParameterTypes()) {
                    params.add(p.getSimpleName());
                    takesCode |= p.isAnnotationPresent(FunctionalInterface.class) || p == MeshNode.Listener.class
                        || p == TypeHooks.class || p == ChannelHooks.class
                        || (p == List.class && m.getName().equals("start"));
                }
                if (takesCode) {
                    found.add(c.getName().substring(c.getPackageName().length() + 1) + "." + m.getName() + "("
                        + String.join(",", params) + ")");
                }
            }
        }
        org.junit.jupiter.api.Assertions.assertEquals(kinds.keySet(), found,
            "a public method that takes application code: give it a Kind here");
    }

    @Test
    void survivableIsEveryThrowableButTheVirtualMachineErrorsOtherThanStackOverflowAndThreadDeath() {
        for (Throwable t : List.of(new RuntimeException(), new AssertionError(), new StackOverflowError(),
            new NoClassDefFoundError("x"), new ExceptionInInitializerError("x"), new LinkageError(),
            new Error("an application's own"), new Exception("checked, from a hook"))) {
            assertTrue(Callbacks.survivable(t), t.toString());
        }
        for (Throwable t : List.of(new OutOfMemoryError(), new InternalError(), new UnknownError(),
            new ThreadDeath())) {
            assertFalse(Callbacks.survivable(t), t.toString());
            assertSame(t, assertThrows(Error.class, () -> Callbacks.rethrowFatal(t)));
        }
        Callbacks.rethrowFatal(new AssertionError()); // returns
    }
}
