package dev.logmesh.internal.reconcile;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.logmesh.ActionId;
import dev.logmesh.internal.reconcile.ReconcileException.Reason;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/** Protocol v1's encodings, one rule at a time, with the spec section each test follows. */
class WireFormatTest {

    private static ItemStorage storageOf(Item... items) {
        return new NaiveStorage(List.of(items));
    }

    private static byte[] varint(long v) {
        MessageWriter w = new MessageWriter(16);
        w.varint(v);
        return w.toByteArray();
    }

    @Test
    void varintsAreBase128MostSignificantDigitFirst() {
        // spec "Varint": <Digit+128>* <Digit>, as few digits as possible
        assertEquals("00", Hex.encode(varint(0)));
        assertEquals("7f", Hex.encode(varint(127)));
        assertEquals("8100", Hex.encode(varint(128)));
        assertEquals("c000", Hex.encode(varint(8192)));
        assertEquals("81ffffffffffffffff7f", Hex.encode(varint(-1L)), "2^64 - 1, unsigned");
        for (long v : new long[] {0, 1, 127, 128, 16383, 16384, 1_700_000_000_000L, Long.MAX_VALUE, -1L}) {
            assertArrayEquals(NaiveStorage.varint(v), varint(v));
            assertEquals(v, new MessageReader(varint(v)).varint());
        }
    }

    @Test
    void varintsOverSixtyFourBitsAreMalformed() {
        assertMalformed(() -> new MessageReader(Hex.decode("82808080808080808000")).varint());
        // leading zero digits are not minimal, but carry no extra bits: read leniently, as the reference does
        assertEquals(0, new MessageReader(Hex.decode("8080808080808080808000")).varint());
        assertMalformed(() -> new MessageReader(Hex.decode("80")).varint());
    }

    @Test
    void boundsDeltaEncodeTimestampsAndInfinityIsZero() {
        // spec "Bound": infinity = 0, else 1 + offset from the previous timestamp of the message
        MessageWriter w = new MessageWriter(64);
        long last = w.bound(Bound.of(100), 0);
        last = w.bound(Bound.of(100, new byte[] {(byte) 0xab}), last);
        last = w.bound(Bound.of(300), last);
        w.bound(Bound.INFINITY, last);
        assertEquals("6500" + "0101ab" + "814900" + "0000", Hex.encode(w.toByteArray()));
        MessageReader r = new MessageReader(w.toByteArray());
        assertEquals(Bound.of(100), r.bound());
        assertEquals(Bound.of(100, new byte[] {(byte) 0xab}), r.bound());
        assertEquals(Bound.of(300), r.bound());
        assertEquals(Bound.INFINITY, r.bound());
        assertFalse(r.hasMore());
    }

    @Test
    void decodedTimestampsSaturateAtInfinity() {
        // 1 + (2^64 - 2) after 100 overflows: the reference saturates to infinity
        MessageWriter w = new MessageWriter(32);
        w.varint(101);
        w.varint(0);
        w.varint(-1L);
        w.varint(0);
        MessageReader r = new MessageReader(w.toByteArray());
        assertEquals(100, r.bound().timestamp());
        assertEquals(Bound.INFINITY_TIMESTAMP, r.bound().timestamp());
    }

    @Test
    void theShortestBoundBetweenItems() {
        // spec "Bound": prefix empty when timestamps differ, else the common prefix plus one byte
        byte[] a = new byte[32];
        byte[] b = new byte[32];
        a[0] = 1;
        b[0] = 1;
        b[1] = 2;
        assertEquals(Bound.of(11), Bound.between(new Item(10, ItemId.of(a)), new Item(11, ItemId.of(b))));
        assertEquals(Bound.of(10, new byte[] {1, 2}),
            Bound.between(new Item(10, ItemId.of(a)), new Item(10, ItemId.of(b))));
    }

    @Test
    void fingerprintIsSha256OfTheLittleEndianSumAndCount() {
        // spec "Fingerprint Algorithm"; an all-ones id plus one wraps to zero mod 2^256
        byte[] ones = new byte[32];
        Arrays.fill(ones, (byte) 0xff);
        byte[] one = new byte[32];
        one[0] = 1;
        List<Item> items = List.of(new Item(1, ItemId.of(ones)), new Item(2, ItemId.of(one)));
        ItemIndex index = VectorTest.fill(new ItemIndex(4, 1), items);
        byte[] expected = sha256(new byte[32], new byte[] {2});
        assertArrayEquals(Arrays.copyOf(expected, 16), index.fingerprint(0, 2).toBytes());
        assertArrayEquals(Arrays.copyOf(sha256(new byte[32], new byte[] {0}), 16),
            index.fingerprint(1, 1).toBytes(), "the empty range");
    }

    @Test
    void sumsCarryAcrossEveryLimb() {
        Random random = new Random(7);
        BigInteger mod = BigInteger.ONE.shiftLeft(256);
        long[] acc = new long[4];
        BigInteger expected = BigInteger.ZERO;
        long[] special = {0, -1L, Long.MIN_VALUE, 1};
        for (int i = 0; i < 2000; i++) {
            long[] w = new long[4];
            for (int k = 0; k < 4; k++) {
                w[k] = random.nextInt(3) == 0 ? special[random.nextInt(4)] : random.nextLong();
            }
            ItemId id = ItemId.ofWords(w[0], w[1], w[2], w[3]);
            BigInteger value = new BigInteger(1, reverse(id.toBytes()));
            if (random.nextBoolean()) {
                Sum256.addId(acc, 0, w[0], w[1], w[2], w[3]);
                expected = expected.add(value).mod(mod);
            } else {
                Sum256.subtractId(acc, 0, w[0], w[1], w[2], w[3]);
                expected = expected.subtract(value).mod(mod);
            }
            assertEquals(expected, toBigInteger(acc), "after step " + i);
        }
    }

    @Test
    void anActionsItemIsItsMsAndTheSha256OfItsIdString() {
        ActionId id = ActionId.parse("1564508138460 380:R7BNGAP5:px3-J3oc 0");
        Item item = Item.of(id);
        assertEquals(1564508138460L, item.timestamp());
        assertArrayEquals(sha256("1564508138460 380:R7BNGAP5:px3-J3oc 0".getBytes(StandardCharsets.UTF_8)),
            item.id().toBytes());
        ActionId unicode = ActionId.of(5, "нода", 1);
        assertArrayEquals(sha256("5 нода 1".getBytes(StandardCharsets.UTF_8)), Item.of(unicode).id().toBytes());
    }

    @Test
    void responderAnswersAnEmptyIdListWithItsIds() {
        // from the reference's test/protoversion.pl: full range bound, empty IdList
        ItemStorage s = storageOf(new Item(12345, ItemId.fromHex("ee".repeat(32))));
        byte[] answer = Responder.create(s, ReconcileOptions.DEFAULT).reconcile(Hex.decode("6100000200"));
        assertEquals("6100000201" + "ee".repeat(32), Hex.encode(answer));
    }

    @Test
    void responderAnswersAnotherVersionWithTheOneItSpeaks() {
        // spec "Message": reply with a single byte, the highest version supported
        ItemStorage s = storageOf(new Item(12345, ItemId.fromHex("ee".repeat(32))));
        Responder responder = Responder.create(s, ReconcileOptions.DEFAULT);
        assertEquals("61", Hex.encode(responder.reconcile(Hex.decode("62aabbccddeeff"))));
        assertEquals("61", Hex.encode(responder.reconcile(Hex.decode("6f"))));
        assertMalformed(() -> responder.reconcile(Hex.decode("70")));
        assertMalformed(() -> responder.reconcile(Hex.decode("00")));
        assertMalformed(() -> responder.reconcile(new byte[0]));
    }

    @Test
    void initiatorRefusesAnotherVersion() {
        Initiator initiator = Initiator.create(storageOf(), ReconcileOptions.DEFAULT);
        assertEquals("6100000200", Hex.encode(initiator.initiate()), "an empty set: one empty IdList");
        ReconcileException e = assertThrows(ReconcileException.class, () -> initiator.reconcile(Hex.decode("62")));
        assertEquals(Reason.UNSUPPORTED_VERSION, e.reason());
    }

    @Test
    void malformedMessagesAreRefused() {
        Responder responder = Responder.create(storageOf(new Item(1, ItemId.hashOf("x"))), ReconcileOptions.DEFAULT);
        assertMalformed(() -> responder.reconcile(Hex.decode("610000")), "no mode");
        assertMalformed(() -> responder.reconcile(Hex.decode("61000003")), "mode 3");
        assertMalformed(() -> responder.reconcile(Hex.decode("61000001" + "00".repeat(15))), "short fingerprint");
        assertMalformed(() -> responder.reconcile(Hex.decode("61000002" + "02" + "00".repeat(40))), "short id list");
        assertMalformed(() -> responder.reconcile(Hex.decode("61000002" + "ffffffff0f")), "huge id count");
        assertMalformed(() -> responder.reconcile(Hex.decode("610121" + "00".repeat(33) + "00")), "33-byte prefix");
        assertMalformed(() -> responder.reconcile(Hex.decode("610105" + "0000")), "prefix past the end");
    }

    @Test
    void initiatorLifecycle() {
        ItemStorage s = storageOf(new Item(1, ItemId.hashOf("x")));
        Initiator initiator = Initiator.create(s, ReconcileOptions.DEFAULT);
        assertThrows(IllegalStateException.class, () -> initiator.reconcile(Hex.decode("61")));
        byte[] first = initiator.initiate();
        assertThrows(IllegalStateException.class, initiator::initiate);
        Round round = initiator.reconcile(Responder.create(s, ReconcileOptions.DEFAULT).reconcile(first));
        assertNull(round.reply());
        assertTrue(round.isDone());
        assertTrue(initiator.isDone());
        assertThrows(IllegalStateException.class, () -> initiator.reconcile(Hex.decode("61")));
    }

    @Test
    void initiatorWithACutoffOpensWithASkipRange() {
        Item old = new Item(10, ItemId.hashOf("old"));
        Item fresh = new Item(30, ItemId.hashOf("fresh"));
        byte[] first = Initiator.create(storageOf(old, fresh), new ReconcileOptions(0, 20)).initiate();
        // version, bound 20 (varint 21, no prefix) Skip, then the rest as one IdList with the fresh id only
        assertEquals("61" + "150000" + "000002" + "01" + fresh.id().toHex(), Hex.encode(first));
    }

    @Test
    void optionsAreChecked() {
        assertThrows(IllegalArgumentException.class,
            () -> ReconcileOptions.DEFAULT.withFrameSizeLimit(ReconcileOptions.MIN_FRAME_SIZE_LIMIT - 1));
        assertThrows(IllegalArgumentException.class, () -> ReconcileOptions.DEFAULT.withCutoffMs(-1));
        assertEquals(4096, ReconcileOptions.DEFAULT.withFrameSizeLimit(4096).frameSizeLimit());
    }

    @Test
    void wireTextIsBase64ThatFitsTheFrame() {
        int budget = 1 << 20;
        int limit = WireText.frameSizeLimitFor(budget);
        assertEquals(786_432, limit);
        assertTrue(WireText.encodedLength(limit) <= budget);
        assertTrue(WireText.encodedLength(limit + 1) > budget);
        byte[] msg = new byte[1000];
        new Random(1).nextBytes(msg);
        String text = WireText.encode(msg);
        assertEquals(WireText.encodedLength(msg.length), text.length());
        assertTrue(text.chars().allMatch(c -> Character.isLetterOrDigit(c) || c == '+' || c == '/' || c == '='),
            "no character needs escaping in JSON");
        assertArrayEquals(msg, WireText.decode(text));
        assertEquals(Reason.MALFORMED, assertThrows(ReconcileException.class, () -> WireText.decode("a*b")).reason());
    }

    @Test
    void idsRoundTrip() {
        ItemId id = ItemId.hashOf("abc");
        assertEquals(id, ItemId.fromHex(id.toHex()));
        assertEquals(id, ItemId.of(id.toBytes()));
        assertEquals("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", id.toHex());
        assertThrows(IllegalArgumentException.class, () -> ItemId.of(new byte[31]));
        assertThrows(IllegalArgumentException.class, () -> new Item(-1, id));
        List<ItemId> sorted = new ArrayList<>(List.of(ItemId.ofWords(-1L, 0, 0, 0), ItemId.ofWords(1, 0, 0, 0)));
        sorted.sort(null);
        assertEquals(1, sorted.get(0).word(0), "bytes compare unsigned: 0x01.. before 0xff..");
    }

    private static void assertMalformed(Executable e) {
        assertMalformed(e, "");
    }

    private static void assertMalformed(Executable e, String what) {
        assertEquals(Reason.MALFORMED, assertThrows(ReconcileException.class, e, what).reason(), what);
    }

    private static byte[] sha256(byte[]... parts) {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            for (byte[] p : parts) {
                md.update(p);
            }
            return md.digest();
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }

    private static byte[] reverse(byte[] b) {
        byte[] r = new byte[b.length];
        for (int i = 0; i < b.length; i++) {
            r[i] = b[b.length - 1 - i];
        }
        return r;
    }

    private static BigInteger toBigInteger(long[] limbs) {
        BigInteger v = BigInteger.ZERO;
        for (int i = 3; i >= 0; i--) {
            v = v.shiftLeft(64).or(new BigInteger(Long.toUnsignedString(limbs[i])));
        }
        return v;
    }
}
