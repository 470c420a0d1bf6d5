package dev.logmesh.internal.edge;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * The application's hooks, looked up the way {@code @logux/server} does: a type's exact hooks, else the first
 * registered regular expression that finds the type, else the hooks for other types; a channel's first
 * registered pattern that matches, else the hooks for other channels.
 *
 * <p>Defaults differ from {@code @logux/server} on purpose: a node without hooks accepts every action and every
 * subscription (a mesh of trusted nodes and its own apps needs no code to work). {@link Builder#strict()} gives
 * Logux's behaviour: a type without hooks is undone with {@code unknownType}, a channel without hooks with
 * {@code wrongChannel}. Immutable once built.
 */
public final class EdgeRules {
    private final Map<String, EdgeHooks.Type> types;
    private final List<Map.Entry<Pattern, EdgeHooks.Type>> typePatterns;
    private final EdgeHooks.Type otherType;
    private final List<Map.Entry<ChannelPattern, EdgeHooks.Channel>> channels;
    private final List<Map.Entry<Pattern, EdgeHooks.Channel>> channelRegexes;
    private final EdgeHooks.Channel otherChannel;
    private final boolean strict;

    private EdgeRules(Builder b) {
        this.types = Map.copyOf(b.types);
        this.typePatterns = List.copyOf(b.typePatterns);
        this.otherType = b.otherType;
        this.channels = List.copyOf(b.channels);
        this.channelRegexes = List.copyOf(b.channelRegexes);
        this.otherChannel = b.otherChannel;
        this.strict = b.strict;
    }

    /** No hooks: everything is accepted. */
    public static EdgeRules acceptAll() {
        return builder().build();
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Whether unknown types and channels are refused. */
    public boolean strict() {
        return strict;
    }

    /** Whether the application gave hooks for the type (exactly, by a regular expression, or for other types). */
    public boolean hasHooks(String type) {
        return types.containsKey(type) || otherType != null
            || typePatterns.stream().anyMatch(e -> e.getKey().matcher(type).find());
    }

    /** The hooks for a type; null when the rules are strict and nothing matches. */
    public EdgeHooks.Type type(String type) {
        EdgeHooks.Type t = types.get(type);
        if (t != null) {
            return t;
        }
        for (Map.Entry<Pattern, EdgeHooks.Type> e : typePatterns) {
            if (e.getKey().matcher(type).find()) {
                return e.getValue();
            }
        }
        if (otherType != null) {
            return otherType;
        }
        return strict ? null : EdgeHooks.Type.accept();
    }

    /**
     * A channel's hooks and parameters.
     *
     * @param hooks  the hooks
     * @param params the pattern's parameters (for a regular expression: its groups {@code "1"}, {@code "2"}, ...)
     */
    public record ChannelMatch(EdgeHooks.Channel hooks, Map<String, String> params) {
        public ChannelMatch {
            Objects.requireNonNull(hooks, "hooks");
            params = Map.copyOf(params);
        }
    }

    /** The hooks for a channel; null when the rules are strict and nothing matches. */
    public ChannelMatch channel(String name) {
        for (Map.Entry<ChannelPattern, EdgeHooks.Channel> e : channels) {
            Map<String, String> params = e.getKey().match(name);
            if (params != null) {
                return new ChannelMatch(e.getValue(), params);
            }
        }
        for (Map.Entry<Pattern, EdgeHooks.Channel> e : channelRegexes) {
            java.util.regex.Matcher m = e.getKey().matcher(name);
            if (m.find()) {
                Map<String, String> params = new LinkedHashMap<>();
                for (int g = 1; g <= m.groupCount(); g++) {
                    if (m.group(g) != null) {
                        params.put(Integer.toString(g), m.group(g));
                    }
                }
                return new ChannelMatch(e.getValue(), params);
            }
        }
        if (otherChannel != null) {
            return new ChannelMatch(otherChannel, Map.of());
        }
        return strict ? null : new ChannelMatch(EdgeHooks.Channel.accept(), Map.of());
    }

    /** Builds rules. Not thread-safe. */
    public static final class Builder {
        private final Map<String, EdgeHooks.Type> types = new LinkedHashMap<>();
        private final List<Map.Entry<Pattern, EdgeHooks.Type>> typePatterns = new ArrayList<>();
        private EdgeHooks.Type otherType;
        private final List<Map.Entry<ChannelPattern, EdgeHooks.Channel>> channels = new ArrayList<>();
        private final List<Map.Entry<Pattern, EdgeHooks.Channel>> channelRegexes = new ArrayList<>();
        private EdgeHooks.Channel otherChannel;
        private boolean strict;

        private Builder() {
        }

        /**
         * Hooks for one type.
         *
         * @throws IllegalArgumentException if the type has hooks already
         */
        public Builder type(String type, EdgeHooks.Type hooks) {
            Objects.requireNonNull(type, "type");
            Objects.requireNonNull(hooks, "hooks");
            if (types.putIfAbsent(type, hooks) != null) {
                throw new IllegalArgumentException("action type " + type + " already has hooks");
            }
            return this;
        }

        /** Hooks for the types a regular expression finds (tried in registration order, after exact types). */
        public Builder type(Pattern types, EdgeHooks.Type hooks) {
            typePatterns.add(Map.entry(Objects.requireNonNull(types, "types"), Objects.requireNonNull(hooks, "hooks")));
            return this;
        }

        /**
         * Hooks for every other type.
         *
         * @throws IllegalStateException if set twice
         */
        public Builder otherType(EdgeHooks.Type hooks) {
            if (otherType != null) {
                throw new IllegalStateException("hooks for other types are already set");
            }
            otherType = Objects.requireNonNull(hooks, "hooks");
            return this;
        }

        /** Hooks for channels matching a pattern such as {@code users/:id} ({@link ChannelPattern}). */
        public Builder channel(String pattern, EdgeHooks.Channel hooks) {
            channels.add(Map.entry(ChannelPattern.compile(pattern), Objects.requireNonNull(hooks, "hooks")));
            return this;
        }

        /** Hooks for channels a regular expression finds (tried after the patterns). */
        public Builder channel(Pattern names, EdgeHooks.Channel hooks) {
            channelRegexes.add(Map.entry(Objects.requireNonNull(names, "names"), Objects.requireNonNull(hooks, "hooks")));
            return this;
        }

        /**
         * Hooks for every other channel.
         *
         * @throws IllegalStateException if set twice
         */
        public Builder otherChannel(EdgeHooks.Channel hooks) {
            if (otherChannel != null) {
                throw new IllegalStateException("hooks for other channels are already set");
            }
            otherChannel = Objects.requireNonNull(hooks, "hooks");
            return this;
        }

        /** Refuse types and channels without hooks, as {@code @logux/server} does. */
        public Builder strict() {
            strict = true;
            return this;
        }

        public EdgeRules build() {
            return new EdgeRules(this);
        }
    }
}
