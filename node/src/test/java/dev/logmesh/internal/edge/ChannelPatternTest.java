package dev.logmesh.internal.edge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Map;
import org.junit.jupiter.api.Test;

class ChannelPatternTest {

    @Test
    void namedSegments() {
        ChannelPattern p = ChannelPattern.compile("users/:id");
        assertEquals(Map.of("id", "10"), p.match("users/10"));
        assertNull(p.match("users/10/posts"));
        assertNull(p.match("users/"));
        assertNull(p.match("xusers/10"));
        assertNull(p.match("users"));
        ChannelPattern two = ChannelPattern.compile("users/:user/posts/:post");
        assertEquals(Map.of("user", "a", "post", "b.c"), two.match("users/a/posts/b.c"));
    }

    @Test
    void literalsAreNotRegularExpressions() {
        ChannelPattern p = ChannelPattern.compile("a.b/(x)+/:id");
        assertEquals(Map.of("id", "1"), p.match("a.b/(x)+/1"));
        assertNull(p.match("aXb/(x)+/1"));
        assertEquals(Map.of(), ChannelPattern.compile("plain").match("plain"));
    }

    @Test
    void wildcard() {
        ChannelPattern p = ChannelPattern.compile("files/*");
        assertEquals(Map.of("_", "a/b/c"), p.match("files/a/b/c"));
        assertEquals(Map.of("_", ""), p.match("files/"));
    }

    @Test
    void mistakes() {
        assertThrows(IllegalArgumentException.class, () -> ChannelPattern.compile(""));
        assertThrows(IllegalArgumentException.class, () -> ChannelPattern.compile("users/:"));
        assertThrows(IllegalArgumentException.class, () -> ChannelPattern.compile("a/:id/:id"));
        assertThrows(IllegalArgumentException.class, () -> ChannelPattern.compile("a/*/*"));
        assertEquals("users/:id", ChannelPattern.compile("users/:id").toString());
    }
}
