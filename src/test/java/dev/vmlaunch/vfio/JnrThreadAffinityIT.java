package dev.vmlaunch.vfio;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.vmlaunch.config.CpuList;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * sched_setaffinity / sched_getaffinity through jnr against the real kernel, on a thread of this JVM made for the
 * purpose (tid 0 is the calling thread), checked against what /proc says.
 */
class JnrThreadAffinityIT {
    private final ThreadAffinity sys = ThreadAffinity.system();

    private static String procAllowed() throws Exception {
        return Files.readAllLines(Path.of("/proc/thread-self/status")).stream()
                .filter(l -> l.startsWith("Cpus_allowed_list:"))
                .findFirst()
                .orElseThrow()
                .substring("Cpus_allowed_list:".length())
                .strip();
    }

    @Test
    void aMaskSetOnAThreadIsWhatTheKernelReportsForIt() throws Exception {
        String[] seen = CompletableFuture.supplyAsync(
                        () -> {
                            try {
                                String before = sys.get(0).cpus().toString();
                                int r = sys.set(0, CpuList.of(0));
                                return new String[] {
                                    before,
                                    Integer.toString(r),
                                    sys.get(0).cpus().toString(),
                                    procAllowed()
                                };
                            } catch (Exception e) {
                                throw new IllegalStateException(e);
                            }
                        },
                        r -> new Thread(r, "affinity-probe").start())
                .get(30, TimeUnit.SECONDS);
        assertEquals(
                Files.readString(Path.of("/sys/devices/system/cpu/online")).strip(),
                seen[0],
                "a thread starts on every online CPU");
        assertArrayEquals(new String[] {"0", "0", "0"}, new String[] {seen[1], seen[2], seen[3]});
    }

    @Test
    void aThreadThatDoesNotExistIsEsrch() {
        // pid_max is at most 2^22; this tid cannot exist.
        assertEquals(-3, sys.set(1L << 30, CpuList.of(0)));
        assertEquals(3, sys.get(1L << 30).errno());
    }

    @Test
    void onlyCpusThatDoNotExistIsEinval() {
        assertEquals(-Errno.EINVAL.number(), sys.set(0, CpuList.of(CpuList.MAX_CPU)));
    }

    @Test
    void masksBeyondGlibcsCpuSetGrowTheBuffer() {
        assertEquals(128, JnrThreadAffinity.toBytes(CpuList.of(0)).length);
        byte[] big = JnrThreadAffinity.toBytes(CpuList.of(1, 2000));
        assertEquals(256, big.length);
        assertEquals(0b10, big[0]);
        assertEquals(1 << (2000 % 8), big[2000 / 8]);
    }
}
