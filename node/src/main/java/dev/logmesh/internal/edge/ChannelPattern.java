package dev.logmesh.internal.edge;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A channel name pattern as {@code @logux/server}'s {@code server.channel('users/:id', ...)} writes them (its
 * {@code url-pattern} with segment values that cannot contain {@code /}): {@code :name} matches one or more
 * characters other than {@code /} and is returned as a parameter; {@code *} matches anything (parameter
 * {@code _}); every other character matches itself. The whole name must match.
 */
public final class ChannelPattern {
    private final String source;
    private final Pattern regex;
    private final List<String> names;

    private ChannelPattern(String source, Pattern regex, List<String> names) {
        this.source = source;
        this.regex = regex;
        this.names = names;
    }

    /**
     * Compiles a pattern.
     *
     * @throws IllegalArgumentException for an empty pattern, a {@code :} without a name, or a name used twice
     */
    public static ChannelPattern compile(String pattern) {
        Objects.requireNonNull(pattern, "pattern");
        if (pattern.isEmpty()) {
            throw new IllegalArgumentException("a channel pattern must not be empty");
        }
        StringBuilder re = new StringBuilder();
        List<String> names = new ArrayList<>();
        int i = 0;
        while (i < pattern.length()) {
            char c = pattern.charAt(i);
            if (c == ':') {
                int j = i + 1;
                while (j < pattern.length() && isNameChar(pattern.charAt(j))) {
                    j++;
                }
                if (j == i + 1) {
                    throw new IllegalArgumentException("\":\" without a parameter name in \"" + pattern + "\"");
                }
                String name = pattern.substring(i + 1, j);
                if (names.contains(name)) {
                    throw new IllegalArgumentException("parameter \"" + name + "\" twice in \"" + pattern + "\"");
                }
                names.add(name);
                re.append("([^/]+)");
                i = j;
            } else if (c == '*') {
                if (names.contains("_")) {
                    throw new IllegalArgumentException("more than one \"*\" in \"" + pattern + "\"");
                }
                names.add("_");
                re.append("(.*)");
                i++;
            } else {
                int j = i;
                while (j < pattern.length() && pattern.charAt(j) != ':' && pattern.charAt(j) != '*') {
                    j++;
                }
                re.append(Pattern.quote(pattern.substring(i, j)));
                i = j;
            }
        }
        return new ChannelPattern(pattern, Pattern.compile(re.toString(), Pattern.DOTALL), List.copyOf(names));
    }

    private static boolean isNameChar(char c) {
        return c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
    }

    /** The parameters when the whole channel name matches, else null. */
    public Map<String, String> match(String channel) {
        Matcher m = regex.matcher(channel);
        if (!m.matches()) {
            return null;
        }
        Map<String, String> params = new LinkedHashMap<>();
        for (int g = 0; g < names.size(); g++) {
            params.put(names.get(g), m.group(g + 1));
        }
        return params;
    }

    @Override
    public String toString() {
        return source;
    }
}
