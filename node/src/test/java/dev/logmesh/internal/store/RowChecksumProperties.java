package dev.logmesh.internal.store;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.ByteBuffer;
import java.util.List;
import java.util.zip.CRC32C;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.Size;

/**
 * A row's checksum is the same whether one {@link SqliteStore.RowChecksum} makes a batch's rows in turn (its header
 * and checksum reused) or each row gets its own ({@link SqliteStore#rowCrc}), and both are the format's: CRC-32C over
 * the header (four numbers of 8 bytes, the subprotocol and four lengths of 4, -1 for NULL) and the parts, written here
 * once more as the reference, so rows written before still verify.
 */
class RowChecksumProperties {

    /** One row's checksummed values (a class: a record's array components compare by reference). */
    static final class Row {
        final long[] numbers;
        final int subprotocol;
        final byte[] node;
        final byte[] reasons;
        final byte[] extra;
        final byte[] action;

        Row(long[] numbers, int subprotocol, byte[] node, byte[] reasons, byte[] extra, byte[] action) {
            this.numbers = numbers;
            this.subprotocol = subprotocol;
            this.node = node;
            this.reasons = reasons;
            this.extra = extra;
            this.action = action;
        }
    }

    @Provide
    Arbitrary<Row> rows() {
        Arbitrary<byte[]> bytes = Arbitraries.bytes().array(byte[].class).ofMaxSize(300);
        Arbitrary<byte[]> maybe = Arbitraries.oneOf(bytes, Arbitraries.just(null));
        Arbitrary<long[]> numbers = Arbitraries.oneOf(Arbitraries.longs(), Arbitraries.longs().between(0, 5))
            .array(long[].class).ofSize(4);
        return Combinators.combine(numbers, Arbitraries.integers(), bytes, bytes, maybe, maybe)
            .as(Row::new);
    }

    @Property(tries = 300, seed = "4912")
    void aReusedChecksumIsTheFormatsForEveryRow(@ForAll @Size(min = 1, max = 12) List<@net.jqwik.api.From("rows") Row> rows) {
        SqliteStore.RowChecksum reused = new SqliteStore.RowChecksum();
        for (Row r : rows) {
            long expected = reference(r);
            long[] n = r.numbers;
            assertEquals(expected, reused.of(n[0], n[1], r.node, n[2], n[3], r.subprotocol, r.reasons, r.extra,
                r.action), "reused");
            assertEquals(expected, SqliteStore.rowCrc(n[0], n[1], r.node, n[2], n[3], r.subprotocol, r.reasons,
                r.extra, r.action), "one a row");
        }
    }

    private static long reference(Row r) {
        ByteBuffer header = ByteBuffer.allocate(52);
        header.putLong(r.numbers[0]).putLong(r.numbers[1]).putLong(r.numbers[2]).putLong(r.numbers[3])
            .putInt(r.subprotocol).putInt(length(r.node)).putInt(length(r.reasons)).putInt(length(r.extra))
            .putInt(length(r.action));
        CRC32C crc = new CRC32C();
        crc.update(header.array());
        for (byte[] part : new byte[][] {r.node, r.reasons, r.extra, r.action}) {
            if (part != null) {
                crc.update(part);
            }
        }
        return crc.getValue();
    }

    private static int length(byte[] part) {
        return part == null ? -1 : part.length;
    }
}
