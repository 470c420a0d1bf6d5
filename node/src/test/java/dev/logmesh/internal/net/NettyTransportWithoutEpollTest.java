package dev.logmesh.internal.net;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * {@link NettyTransport}'s promise: epoll where Netty's epoll jars are on the class path and load, NIO otherwise. An
 * application that embeds the node and leaves the epoll jars out (excluded, or a platform's own Netty) must get NIO,
 * not a {@code NoClassDefFoundError} when the node starts.
 */
class NettyTransportWithoutEpollTest {

    @Test
    void withoutTheEpollJarsTheNodeRunsOnNio() throws Exception {
        String classPath = Arrays.stream(System.getProperty("java.class.path").split(File.pathSeparator))
            .filter(e -> !e.contains("netty-transport-classes-epoll") && !e.contains("netty-transport-native-epoll"))
            .collect(Collectors.joining(File.pathSeparator));
        assertTrue(!classPath.contains("epoll"), classPath);
        Process p = new ProcessBuilder(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
            "-cp", classPath, NoEpollProbe.class.getName()))
            .redirectErrorStream(true).start();
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), out);
        assertEquals(0, p.exitValue(), out);
        assertTrue(out.contains("NIO NIO"), out);
    }
}
