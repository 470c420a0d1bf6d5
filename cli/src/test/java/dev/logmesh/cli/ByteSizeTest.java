package dev.logmesh.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** {@link Checks.ByteSize}: the sizes {@code --memory-limit} takes (session 42), binary units, nonsense refused. */
class ByteSizeTest {
    @Test
    void takesBytesAndBinaryUnitsInAnyCase() {
        assertEquals(65_536, Checks.ByteSize.parse("65536"));
        assertEquals(512L << 10, Checks.ByteSize.parse("512k"));
        assertEquals(256L << 20, Checks.ByteSize.parse("256m"));
        assertEquals(256L << 20, Checks.ByteSize.parse("256MiB"));
        assertEquals(256L << 20, Checks.ByteSize.parse("256MB"));
        assertEquals(2L << 30, Checks.ByteSize.parse("2G"));
        assertEquals(100, Checks.ByteSize.parse("100b"));
    }

    @Test
    void refusesWhatIsNoSizeNothingAndTooMuch() {
        for (String bad : new String[] {"", "m", "1.5g", "-1m", "12x", "1 0m", "２５６m"}) {
            assertThrows(CommandLine.TypeConversionException.class, () -> Checks.ByteSize.parse(bad), bad);
        }
        assertEquals("'0' holds nothing: give more than 0 bytes",
            assertThrows(CommandLine.TypeConversionException.class, () -> Checks.ByteSize.parse("0")).getMessage());
        assertEquals("'9000000000000g' is too large: at most 9223372036854775807 bytes",
            assertThrows(CommandLine.TypeConversionException.class,
                () -> Checks.ByteSize.parse("9000000000000g")).getMessage());
    }
}
