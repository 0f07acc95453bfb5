package dev.vmlaunch.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.vmlaunch.drivers.VmmDrivers;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** cpuAffinity and vcpuPin in guest.json: what they become, and every way to get them wrong. */
class AffinityFieldsTest {
    @TempDir
    Path dir;

    private GuestSpec load(String members) throws IOException {
        Path f = dir.resolve("guest.json");
        Files.writeString(f, "{\"name\": \"g\", \"vmm\": \"qemu\", \"cpus\": 2,\n" + members + "}");
        return GuestSpecLoader.fromJson(
                        JsonReader.read(f, "guest.json"), f, "guest.json", Optional.of(Arch.X86_64), VmmDrivers::rules)
                .spec();
    }

    private List<String> errors(String members) {
        ConfigException e = assertThrows(ConfigException.class, () -> load(members));
        return e.errors().stream().map(ConfigError::format).toList();
    }

    @Test
    void withoutTheFieldsNothingIsPinned() throws IOException {
        GuestSpec s = load("\"memory\": 64");
        assertSame(Affinity.NONE, s.affinity());
        assertFalse(s.affinity().any());
    }

    @Test
    void processMaskAndVcpuPinsBecomeCpuLists() throws IOException {
        Affinity a = load("\"cpuAffinity\": \"2-3,6\", \"vcpuPin\": {\"1\": \"3\", \"0\": \"2\"}")
                .affinity();
        assertEquals("2-3,6", a.process().toString());
        assertEquals(Map.of(0, CpuList.of(2), 1, CpuList.of(3)), a.vcpus());
        assertEquals(List.of(0, 1), List.copyOf(a.vcpus().keySet()));
        assertEquals("process 2-3,6; vCPU 0 on 2, vCPU 1 on 3", a.describe());
    }

    @Test
    void vcpuPinAloneNeedsNoProcessMask() throws IOException {
        Affinity a = load("\"vcpuPin\": {\"0\": \"1\"}").affinity();
        assertEquals(null, a.process());
        assertEquals("1", a.allCpus().orElseThrow().toString());
    }

    @Test
    void aSyntaxErrorNamesFileLineColumnAndPath() {
        assertEquals(
                List.of("guest.json:2:16: $.cpuAffinity: \"2-\" is not a CPU number or range (expected N or "
                        + "FIRST-LAST, e.g. 2-3)"),
                errors("\"cpuAffinity\": \"2-\""));
    }

    @Test
    void cpuAffinityMustBeAString() {
        assertEquals(
                List.of("guest.json:2:16: $.cpuAffinity: expected a string, found a number"),
                errors("\"cpuAffinity\": 2"));
    }

    @Test
    void aVcpuThatTheGuestDoesNotHaveIsAnError() {
        assertEquals(
                List.of("guest.json:2:13: $.vcpuPin[\"2\"]: vCPU 2 does not exist: the guest has 2 vCPUs (0..1; see "
                        + "\"cpus\")"),
                errors("\"vcpuPin\": {\"2\": \"0\"}"));
    }

    @Test
    void vcpuIndexesAreDecimalWithoutLeadingZeros() {
        List<String> e = errors("\"vcpuPin\": {\"01\": \"0\", \"x\": \"0\", \"-1\": \"0\"}");
        assertEquals(3, e.size(), e.toString());
        e.forEach(m -> assertEquals(true, m.contains("is not a vCPU index"), m));
    }

    @Test
    void aVcpuListOutsideTheProcessMaskIsAnError() {
        assertEquals(
                List.of("guest.json:2:40: $.vcpuPin[\"1\"]: host CPUs 4-5 of vCPU 1 are outside \"cpuAffinity\": "
                        + "\"2-3\" (a vCPU thread runs within the process's CPUs)"),
                errors("\"cpuAffinity\": \"2-3\", \"vcpuPin\": {\"1\": \"3-5\"}"));
    }

    @Test
    void vcpuPinMustBeAnObjectOfStrings() {
        assertEquals(
                List.of("guest.json:2:12: $.vcpuPin: expected an object of guest vCPU index → host CPU list, e.g. "
                        + "{\"0\": \"2\", \"1\": \"3\"}, found an array"),
                errors("\"vcpuPin\": [\"2\"]"));
        assertEquals(
                List.of("guest.json:2:18: $.vcpuPin[\"0\"]: expected a host CPU list string such as \"2\" or \"2-3\", "
                        + "found a number"),
                errors("\"vcpuPin\": {\"0\": 2}"));
    }

    @Test
    void everyAffinityErrorIsReportedInOnePass() {
        assertEquals(
                2, errors("\"cpuAffinity\": \"x\", \"vcpuPin\": {\"0\": \"\"}").size());
    }

    @Test
    void lkvmGuestsTakeTheFieldsToo() throws IOException {
        Path f = dir.resolve("lkvm.json");
        Files.writeString(
                f,
                "{\"name\": \"g\", \"vmm\": \"lkvm\", \"cpus\": 1, \"cpuAffinity\": \"0\", "
                        + "\"vcpuPin\": {\"0\": \"0\"}}");
        GuestSpec s = GuestSpecLoader.fromJson(
                        JsonReader.read(f, "lkvm.json"), f, "lkvm.json", Optional.of(Arch.X86_64), VmmDrivers::rules)
                .spec();
        assertEquals("process 0; vCPU 0 on 0", s.affinity().describe());
    }
}
