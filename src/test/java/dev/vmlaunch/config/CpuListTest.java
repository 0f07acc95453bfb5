package dev.vmlaunch.config;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class CpuListTest {

    private static String reason(String text) {
        List<String> why = new ArrayList<>();
        Optional<CpuList> l = CpuList.parse(text, why::add);
        assertTrue(l.isEmpty(), "parsed \"" + text + "\" as " + l);
        assertEquals(1, why.size(), why.toString());
        return why.get(0);
    }

    @ParameterizedTest
    @CsvSource(
            delimiter = '|',
            value = {
                "0|0",
                "2-3,6|2-3,6",
                "6,2-3|2-3,6",
                "0,1,2,3|0-3",
                "3-3|3",
                "0-7:1/2|0,2,4,6",
                "0-7:2/4|0-1,4-5",
                "1, 3 |1,3",
                "'0-1\n'|0-1",
                "0-2,1-4|0-4"
            })
    void parsesTheKernelsSyntaxIntoTheCanonicalForm(String text, String canonical) {
        assertEquals(canonical, CpuList.parseOrThrow(text).toString());
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "", " ", "a", "1-", "-1", "1,,2", "1,", "+1", "0x1", "1 2", "0-3:3/2", "0-3:0/2", "3:1/2", "0-7:1",
                "2-3-4"
            })
    void rejectsWhatTheKernelWouldRejectWithAReason(String text) {
        assertFalse(reason(text).isBlank());
    }

    @Test
    void backwardsRangeSaysHowToWriteIt() {
        assertEquals("\"3-1\" is a backwards range (write 1-3)", reason("3-1"));
    }

    @Test
    void cpuBeyondTheKernelsLimitIsRefused() {
        assertEquals("CPU 8192 in \"0-8192\" is beyond the largest CPU number 8191", reason("0-8192"));
        assertEquals("8191", CpuList.parseOrThrow("8191").toString());
    }

    @Test
    void wordsAreTheKernelsCpuSetLayout() {
        assertArrayEquals(new long[] {0b101L}, CpuList.parseOrThrow("0,2").words());
        assertArrayEquals(new long[] {0L, 1L}, CpuList.parseOrThrow("64").words());
        assertArrayEquals(
                new long[] {Long.MIN_VALUE}, CpuList.parseOrThrow("63").words());
    }

    @Test
    void setOperations() {
        CpuList a = CpuList.parseOrThrow("2-3");
        CpuList b = CpuList.parseOrThrow("0-3,6");
        assertTrue(a.isWithin(b));
        assertFalse(b.isWithin(a));
        assertEquals("0-1,6", b.minus(a).orElseThrow().toString());
        assertTrue(a.minus(b).isEmpty());
        assertEquals(CpuList.of(0, 1, 2, 3, 6), a.union(b));
        assertEquals(6, b.highest());
        assertEquals(5, b.size());
    }
}
