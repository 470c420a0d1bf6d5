package dev.logmesh.internal.reconcile;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.logmesh.ActionId;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * {@link ItemHasher} gives the words of {@link ItemId#of(ActionId)} (SHA-256 of the id's text) for every id: numbers
 * of every length from 0 to {@link ActionId#MAX_SAFE}, node ids of ASCII (its own path), of other chars, of surrogate
 * pairs and unpaired surrogates (the generalized UTF-8 path), and ids one after another through one instance (its
 * buffers are reused, and grow for a long node id).
 */
class ItemHasherProperties {

    @Provide
    Arbitrary<ActionId> ids() {
        Arbitrary<Long> numbers = Arbitraries.oneOf(Arbitraries.of(0L, 9L, 10L, 99L, 100L, 999_999_999_999_999L,
                1_000_000_000_000_000L, ActionId.MAX_SAFE, 1_764_000_000_000L),
            Arbitraries.longs().between(0, 12), Arbitraries.longs().between(0, ActionId.MAX_SAFE));
        Arbitrary<String> nodes = Arbitraries.oneOf(
            Arbitraries.of("a", "380:R7BNGAP5:px3-J3oc", "\uD83D\uDE00", "\uFF21", "x\uD800", "\uDC00y", "\u007F", "\u0080"),
            Arbitraries.strings().withCharRange('!', '~').ofMinLength(1).ofMaxLength(40),
            Arbitraries.strings().withCharRange('!', '~').withChars('\u00E9', '\uFFFF', '\uD800', '\uDFFF', '\uDBFF')
                .ofMinLength(1).ofMaxLength(6),
            Arbitraries.strings().withCharRange('!', '~').ofMinLength(100).ofMaxLength(400));
        return Combinators.combine(numbers, nodes, numbers).as(ActionId::new);
    }

    @Property(tries = 2000, seed = "4912")
    void wordsAreThoseOfTheIdsHash(@ForAll("ids") ActionId a, @ForAll("ids") ActionId b) {
        ItemHasher hasher = new ItemHasher();
        long[] words = new long[9];
        hasher.words(a, words, 0);
        hasher.words(b, words, 5);
        hasher.words(a, words, 1); // after b: nothing of b's text left in the buffer counts
        ItemId expectedA = ItemId.of(a);
        ItemId expectedB = ItemId.of(b);
        assertEquals(expectedA, ItemId.ofWords(words[1], words[2], words[3], words[4]), a.toString());
        assertEquals(expectedB, ItemId.ofWords(words[5], words[6], words[7], words[8]), b.toString());
    }

    @Example
    void wordsAreSha256OfTheText() {
        ItemHasher hasher = new ItemHasher();
        long[] words = new long[4];
        hasher.words(ActionId.of(1, "a", 0), words, 0);
        assertEquals(ItemId.fromHex("c027f4d186c2ba2323a35f89b17841e60e5493436edc86e145ab3b56398d5195"),
            ItemId.ofWords(words[0], words[1], words[2], words[3]), "sha256sum of '1 a 0'");
        hasher.words(ActionId.of(1_764_000_000_000L, "380:R7BNGAP5:px3-J3oc", 12), words, 0);
        assertEquals(ItemId.fromHex("057087bd578e2373a3e6962fab8df597ffcb470d18c4ceb9832c5d1530212e50"),
            ItemId.ofWords(words[0], words[1], words[2], words[3]), "sha256sum of '1764000000000 380:R7BNGAP5:px3-J3oc 12'");
    }
}
