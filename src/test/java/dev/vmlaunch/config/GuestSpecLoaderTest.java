package dev.vmlaunch.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vmlaunch.drivers.VmmDrivers;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GuestSpecLoaderTest {
    @TempDir
    Path dir;

    private GuestSpecLoader.Loaded load(String json) throws IOException {
        Path f = dir.resolve("guest.json");
        Files.writeString(f, json);
        return GuestSpecLoader.fromJson(
                JsonReader.read(f, "guest.json"), f, "guest.json", Optional.of(Arch.X86_64), VmmDrivers::rules);
    }

    private List<String> errors(String json) {
        ConfigException e = assertThrows(ConfigException.class, () -> load(json));
        return e.errors().stream().map(ConfigError::format).toList();
    }

    private String onlyError(String json) {
        List<String> errs = errors(json);
        assertEquals(1, errs.size(), "expected exactly one error, got " + errs);
        return errs.get(0);
    }

    @Test
    void minimalQemuGuestGetsDefaults() throws IOException {
        GuestSpec s = load("{\"name\":\"g1\",\"vmm\":\"qemu\"}").spec();
        assertEquals("g1", s.name());
        assertEquals(Arch.X86_64, s.arch());
        assertEquals(Accel.KVM, s.accel());
        assertEquals(Machine.Q35, s.machine());
        assertEquals(1, s.cpus());
        assertEquals(512, s.memoryMiB());
        assertEquals(Console.SERIAL, s.console());
        assertEquals(Viommu.NONE, s.viommu());
        assertNull(s.binary(), "the VMM's default executable");
    }

    @Test
    void unknownFieldSuggestsTheClosestName() {
        assertEquals(
                "guest.json:1:26: $.memroy: unknown field \"memroy\" (did you mean \"memory\"?)",
                onlyError("{\"name\":\"g\",\"vmm\":\"qemu\",\"memroy\":\"1G\"}"));
    }

    @Test
    void unknownFieldFarFromAnyNameListsTheAllowedOnes() {
        String e = onlyError("{\"name\":\"g\",\"vmm\":\"qemu\",\"zzzzzzzzz\":1}");
        assertTrue(e.contains("unknown field \"zzzzzzzzz\" (allowed: accel, arch, binary"), e);
    }

    @Test
    void wrongTypeNamesExpectedAndFound() {
        assertEquals(
                "guest.json:1:33: $.cpus: expected an integer, found a string",
                onlyError("{\"name\":\"g\",\"vmm\":\"qemu\",\"cpus\":\"2\"}"));
    }

    @Test
    void badEnumListsAllowedValues() {
        assertEquals(
                "guest.json:1:8: $.vmm: \"xen\" is not allowed (one of: qemu, lkvm)",
                onlyError("{\"vmm\":\"xen\",\"name\":\"g\"}"));
    }

    @Test
    void missingRequiredFields() {
        List<String> errs = errors("{\n  \"cpus\": 2\n}");
        assertEquals(
                List.of(
                        "guest.json:1:1: $.name: missing required field \"name\" (a guest name matching "
                                + GuestSpec.NAME_PATTERN + ")",
                        "guest.json:1:1: $.vmm: missing required field \"vmm\" (one of: qemu, lkvm)"),
                errs);
    }

    @Test
    void jsonSyntaxErrorHasLineAndColumn() {
        String e = onlyError("{\n  \"name\": \"g\",\n  \"vmm\": \"qemu\",,\n}");
        assertTrue(e.startsWith("guest.json:3:17: JSON syntax error: "), e);
    }

    @Test
    void duplicateKeyPointsAtTheSecondAndNamesTheFirst() {
        assertEquals(
                "guest.json:3:3: $.name: duplicate key \"name\" (first at line 1)",
                onlyError("{\"name\":\"a\",\n\"vmm\":\"qemu\",\n  \"name\":\"b\"}"));
    }

    @Test
    void emptyFile() {
        assertEquals("guest.json: the file is empty (expected a JSON object)", onlyError("  \n"));
    }

    @Test
    void topLevelMustBeAnObject() {
        assertEquals("guest.json:1:1: $: the top level must be an object, found an array", onlyError("[1,2]"));
    }

    @Test
    void trailingContentIsAnError() {
        assertTrue(onlyError("{\"name\":\"g\",\"vmm\":\"qemu\"} {}")
                .contains("unexpected content after the top-level value"));
    }

    @Test
    void outOfRangeNumbers() {
        assertEquals(
                "guest.json:1:33: $.cpus: out of range: 513 (allowed 1..512)",
                onlyError("{\"name\":\"g\",\"vmm\":\"qemu\",\"cpus\":513}"));
        assertTrue(
                onlyError("{\"name\":\"g\",\"vmm\":\"qemu\",\"cpus\":1.5}").contains("expected an integer, found 1.5"));
        assertTrue(
                onlyError("{\"name\":\"g\",\"vmm\":\"qemu\",\"memory\":\"8\"}").contains("out of range"));
        assertTrue(onlyError("{\"name\":\"g\",\"vmm\":\"qemu\",\"memory\":\"lots\"}")
                .contains("$.memory: \"lots\" is not a memory size"));
        assertTrue(onlyError(
                        "{\"name\":\"g\",\"vmm\":\"qemu\",\"passthrough\":[{\"host\":\"01:00.0\",\"minMsiVectors\":0}]}")
                .contains("$.passthrough[0].minMsiVectors: out of range: 0 (allowed 1..2048)"));
    }

    @Test
    void hotplugSlotsAreCountedAndDefaultToNone() throws IOException {
        assertEquals(0, load("{\"name\":\"g\",\"vmm\":\"qemu\"}").spec().hotplugSlots());
        assertEquals(
                3,
                load("{\"name\":\"g\",\"vmm\":\"qemu\",\"hotplugSlots\":3}")
                        .spec()
                        .hotplugSlots());
        assertEquals(
                "guest.json:1:41: $.hotplugSlots: out of range: 17 (allowed 0..16)",
                onlyError("{\"name\":\"g\",\"vmm\":\"qemu\",\"hotplugSlots\":17}"));
        assertTrue(onlyError("{\"name\":\"g\",\"vmm\":\"qemu\",\"hotplugSlots\":\"2\"}")
                .contains("$.hotplugSlots: expected an integer"));
    }

    @Test
    void hotplugSlotsAreRefusedForLkvmAndThePcMachine() {
        assertTrue(onlyError("{\"name\":\"g\",\"vmm\":\"lkvm\",\"hotplugSlots\":1}")
                .contains("$.hotplugSlots: kvmtool has no PCI hotplug"));
        assertTrue(onlyError("{\"name\":\"g\",\"vmm\":\"qemu\",\"machine\":\"pc\",\"hotplugSlots\":1}")
                .contains("$.hotplugSlots: hotplug slots are PCIe root ports, which the pc machine has not"));
    }

    @Test
    void memoryAcceptsUnitsAndMebibytes() throws IOException {
        assertEquals(
                4096,
                load("{\"name\":\"g\",\"vmm\":\"qemu\",\"memory\":\"4G\"}")
                        .spec()
                        .memoryMiB());
        assertEquals(
                512,
                load("{\"name\":\"g\",\"vmm\":\"qemu\",\"memory\":\"512M\"}")
                        .spec()
                        .memoryMiB());
        assertEquals(
                2048,
                load("{\"name\":\"g\",\"vmm\":\"qemu\",\"memory\":\"2GiB\"}")
                        .spec()
                        .memoryMiB());
        assertEquals(
                768,
                load("{\"name\":\"g\",\"vmm\":\"qemu\",\"memory\":768}").spec().memoryMiB());
    }

    @Test
    void badPciAddresses() {
        for (String bad : List.of(
                "08:00.8", "08:20.0", "0000:08:00", "../../../etc", "08:00.1/../x", "g8:00.1", "0000:08:00.1 ", "")) {
            String json = "{\"name\":\"g\",\"vmm\":\"qemu\",\"passthrough\":[{\"host\":\"" + bad + "\"}]}";
            String e = onlyError(json);
            assertTrue(e.contains("$.passthrough[0].host: "), e);
        }
    }

    @Test
    void shortPciAddressIsNormalisedToTheFullForm() throws IOException {
        GuestSpec s =
                load("{\"name\":\"g\",\"vmm\":\"qemu\",\"passthrough\":[{\"host\":\"08:00.1\"},{\"host\":\"0001:0A:1f.7\"}]}")
                        .spec();
        assertEquals("0000:08:00.1", s.passthrough().get(0).host().toString());
        assertEquals("0001:0a:1f.7", s.passthrough().get(1).host().toString());
        assertTrue(s.passthrough().get(0).managed(), "managed defaults to true, as in libvirt");
    }

    @Test
    void duplicatePassthroughDeviceAfterNormalisation() {
        assertEquals(
                "guest.json:1:68: $.passthrough[1].host: duplicate passthrough device 0000:08:00.1 "
                        + "(already at $.passthrough[0])",
                onlyError(
                        "{\"name\":\"g\",\"vmm\":\"qemu\",\"passthrough\":[{\"host\":\"08:00.1\"},{\"host\":\"0000:08:00.1\"}]}"));
    }

    @Test
    void badNames() {
        for (String bad : List.of("-x", "a/b", "..", "a b", "x".repeat(65), "ünï")) {
            String e = onlyError("{\"name\":\"" + bad + "\",\"vmm\":\"qemu\"}");
            assertTrue(e.contains("$.name: "), e);
        }
    }

    @Test
    void anLkvmGuestsStopTypesPoweroffOnItsConsoleByDefault() throws IOException {
        assertEquals(
                "poweroff",
                load("{\"name\":\"g\",\"vmm\":\"lkvm\"}").spec().stop().consoleCommand());
        assertEquals(
                "halt -f",
                load("{\"name\":\"g\",\"vmm\":\"lkvm\",\"stop\":{\"consoleCommand\":\"halt -f\"}}")
                        .spec()
                        .stop()
                        .consoleCommand());
    }

    @Test
    void aNullOrEmptyConsoleCommandTurnsTheConsoleStepOff() throws IOException {
        assertNull(load("{\"name\":\"g\",\"vmm\":\"lkvm\",\"stop\":{\"consoleCommand\":null}}")
                .spec()
                .stop()
                .consoleCommand());
        assertNull(load("{\"name\":\"g\",\"vmm\":\"lkvm\",\"stop\":{\"consoleCommand\":\"\"}}")
                .spec()
                .stop()
                .consoleCommand());
    }

    @Test
    void aConsoleCommandWithAControlCharacterIsRefusedWithItsPosition() {
        assertEquals(
                "guest.json:1:51: $.stop.consoleCommand: must be one line of text (no control characters: "
                        + "vmlaunch adds the Enter)",
                onlyError("{\"name\":\"g\",\"vmm\":\"lkvm\",\"stop\":{\"consoleCommand\":\"poweroff\\n\"}}"));
    }

    @Test
    void stopIsRefusedForQemuAndItsUnknownFieldsAreErrors() {
        assertTrue(onlyError("{\"name\":\"g\",\"vmm\":\"qemu\",\"stop\":{}}")
                .contains("$.stop: \"stop\" is for lkvm guests"));
        assertTrue(onlyError("{\"name\":\"g\",\"vmm\":\"lkvm\",\"stop\":{\"command\":\"x\"}}")
                .contains("$.stop.command"));
        assertTrue(onlyError("{\"name\":\"g\",\"vmm\":\"lkvm\",\"stop\":{\"consoleCommand\":7}}")
                .contains("$.stop.consoleCommand: expected a string"));
        assertTrue(
                onlyError("{\"name\":\"g\",\"vmm\":\"lkvm\",\"stop\":{\"consoleCommand\":\"" + "x".repeat(257) + "\"}}")
                        .contains("at most 256 characters"));
    }

    @Test
    void xVgaIsRefusedForLkvm() {
        String e =
                onlyError("{\"name\":\"g\",\"vmm\":\"lkvm\",\"passthrough\":[{\"host\":\"08:00.1\",\"xVga\":true}]}");
        assertTrue(e.contains("$.passthrough[0].xVga: \"xVga\" is not supported by lkvm"), e);
    }

    @Test
    void gicv3ItsIsRefusedOnX86() {
        assertEquals(
                "guest.json:1:36: $.irqchip: \"gicv3-its\" is an aarch64 GIC (x86_64: kernel or split)",
                onlyError("{\"name\":\"g\",\"vmm\":\"qemu\",\"irqchip\":\"gicv3-its\"}"));
    }

    @Test
    void qemuOnlyOptionsAreRefusedForLkvm() {
        List<String> errs =
                errors("{\"name\":\"g\",\"vmm\":\"lkvm\",\"accel\":\"tcg\",\"machine\":\"q35\",\"cdrom\":\"x.iso\","
                        + "\"shares\":[{\"path\":\"/tmp\",\"tag\":\"t\",\"readonly\":true}]}");
        assertEquals(4, errs.size(), errs.toString());
        assertTrue(errs.get(0).contains("$.accel: lkvm runs guests on KVM only"), errs.toString());
    }

    @Test
    void intelViommuForcesSplitAndRefusesKernelIrqchip() throws IOException {
        assertEquals(
                IrqChip.SPLIT,
                load("{\"name\":\"g\",\"vmm\":\"qemu\",\"viommu\":\"intel\"}")
                        .spec()
                        .irqchip());
        assertTrue(onlyError("{\"name\":\"g\",\"vmm\":\"qemu\",\"viommu\":\"intel\",\"irqchip\":\"kernel\"}")
                .contains("$.irqchip: the intel vIOMMU needs \"split\""));
        assertTrue(onlyError("{\"name\":\"g\",\"vmm\":\"qemu\",\"viommu\":\"intel\",\"machine\":\"pc\"}")
                .contains("$.viommu: the intel vIOMMU needs arch x86_64 and machine q35"));
        assertTrue(onlyError("{\"name\":\"g\",\"vmm\":\"qemu\",\"viommu\":\"smmuv3\"}")
                .contains("smmuv3 is an Arm IOMMU"));
    }

    @Test
    void splitWithoutViommuIsAWarning() throws IOException {
        GuestSpecLoader.Loaded l = load("{\"name\":\"g\",\"vmm\":\"qemu\",\"irqchip\":\"split\"}");
        assertEquals(1, l.warnings().size());
        assertTrue(l.warnings().get(0).format().contains("$.irqchip: warning: split without the intel vIOMMU"));
    }

    @Test
    void aarch64DefaultsToVirtWithGicv3Its() throws IOException {
        GuestSpec s =
                load("{\"name\":\"g\",\"vmm\":\"qemu\",\"arch\":\"aarch64\"}").spec();
        assertEquals(Machine.VIRT, s.machine());
        assertEquals(IrqChip.GICV3_ITS, s.irqchip());
        assertEquals(Arch.AARCH64, s.arch());
        assertTrue(onlyError("{\"name\":\"g\",\"vmm\":\"qemu\",\"arch\":\"aarch64\",\"machine\":\"q35\"}")
                .contains("$.machine: \"q35\" is an x86_64 machine"));
        assertTrue(onlyError("{\"name\":\"g\",\"vmm\":\"qemu\",\"arch\":\"aarch64\",\"cpu\":{\"hideHypervisor\":true}}")
                .contains("$.cpu.hideHypervisor: hypervisor hiding exists on x86_64 only"));
    }

    @Test
    void relativePathsResolveAgainstTheFilesFolder() throws IOException {
        GuestSpec s =
                load("{\"name\":\"g\",\"vmm\":\"qemu\",\"kernel\":\"img/vmlinuz\",\"shares\":[{\"path\":\"..\",\"tag\":\"up\"}]}")
                        .spec();
        assertEquals(dir.resolve("img/vmlinuz"), s.boot().kernel());
        assertEquals(dir.getParent(), s.shares().get(0).path());
    }

    @Test
    void aGuestFileThatIsADeviceIsRefusedWithoutReadingIt() {
        ConfigException e = org.junit.jupiter.api.Assertions.assertTimeoutPreemptively(
                java.time.Duration.ofSeconds(10),
                () -> org.junit.jupiter.api.Assertions.assertThrows(
                        ConfigException.class,
                        () -> GuestSpecLoader.load(java.nio.file.Path.of("/dev/zero"), VmmDrivers::rules)));
        assertEquals("/dev/zero: not a regular file (expected a JSON file)", e.getMessage());
    }

    @Test
    void anUnknownShareSecurityModelIsAnErrorWithItsPosition() {
        assertEquals(
                "guest.json:1:72: $.shares[0].security: \"mapped\" is not allowed (one of: mapped-xattr, "
                        + "mapped-file, passthrough, none)",
                onlyError(
                        "{\"name\":\"g\",\"vmm\":\"qemu\",\"shares\":[{\"path\":\"/tmp\",\"tag\":\"t\",\"security\":\"mapped\"}]}"));
    }

    @Test
    void lkvmSharesHaveNoSecurityModelButNoneAndAreRecordedAsNone() throws IOException {
        assertTrue(onlyError("{\"name\":\"g\",\"vmm\":\"lkvm\",\"shares\":[{\"path\":\"/tmp\",\"tag\":\"t\","
                        + "\"security\":\"mapped-xattr\"}]}")
                .contains("$.shares[0].security: lkvm's --9p has no security model"));
        GuestSpec s = load("{\"name\":\"g\",\"vmm\":\"lkvm\",\"shares\":[{\"path\":\"/tmp\",\"tag\":\"t\"}]}")
                .spec();
        assertEquals(ShareSecurity.NONE, s.shares().get(0).security());
    }

    @Test
    void shareTagsAreLimitedTo31Characters() {
        assertTrue(onlyError("{\"name\":\"g\",\"vmm\":\"qemu\",\"shares\":[{\"path\":\"/tmp\",\"tag\":\""
                        + "t".repeat(32) + "\"}]}")
                .contains("$.shares[0].tag: "));
    }

    @Test
    void everyErrorIsReportedAtOnce() {
        List<String> errs =
                errors("{\"name\":\"bad name\",\"vmm\":\"qemu\",\"cpus\":0,\"memory\":true,\"colour\":\"red\"}");
        assertEquals(4, errs.size(), errs.toString());
    }

    @Test
    void initrdWithoutKernel() {
        assertTrue(onlyError("{\"name\":\"g\",\"vmm\":\"qemu\",\"initrd\":\"i.gz\"}")
                .contains("$.initrd: an initrd needs a kernel"));
    }

    @Test
    void mteOnlyFalseAddsNothingOtherwise() throws IOException {
        GuestSpec s = load("{\"name\":\"g\",\"vmm\":\"lkvm\",\"arch\":\"aarch64\",\"mte\":false}")
                .spec();
        assertEquals(false, s.mte());
        assertNull(s.machine());
        assertFalse(onlyError("{\"name\":\"g\",\"vmm\":\"qemu\",\"mte\":false}").isEmpty());
    }

    @Test
    void userDeviceIdsCannotTakeOurPrefix() {
        assertTrue(onlyError("{\"name\":\"g\",\"vmm\":\"qemu\",\"devices\":[{\"model\":\"e1000e\",\"id\":\"vml-x\"}]}")
                .contains("$.devices[0].id: ids starting with \"vml-\" are vmlaunch's own"));
    }
    /** The loader names no VMM: what a VMM refuses and fills in comes from the lookup it is given, in place. */
    @Test
    void aVmmsRulesComeFromTheLookupWithTheirPositionsAndDefaults() throws IOException {
        VmmRules refusesCpusAndDefaultsTcg = new VmmRules() {
            @Override
            public void checkStop(Fields guest) {
                if (guest.has("stop")) {
                    guest.error("stop", "no stop here");
                }
            }

            @Override
            public GuestSpec check(Fields guest, GuestSpec draft, Optional<Arch> hostArch) {
                if (draft.cpus() > 1) {
                    guest.error("cpus", "one vCPU only");
                }
                return draft.withVmmDefaults(Accel.TCG, Machine.PC, null, draft.shares());
            }
        };
        Path f = dir.resolve("guest.json");
        Files.writeString(f, "{\"name\": \"g\", \"vmm\": \"qemu\",\n \"cpus\": 2, \"stop\": {}}");
        ConfigException e = assertThrows(
                ConfigException.class,
                () -> GuestSpecLoader.fromJson(
                        JsonReader.read(f, "guest.json"),
                        f,
                        "guest.json",
                        Optional.of(Arch.X86_64),
                        vmm -> refusesCpusAndDefaultsTcg));
        assertEquals(
                List.of("guest.json:2:21: $.stop: no stop here", "guest.json:2:10: $.cpus: one vCPU only"),
                e.errors().stream().map(ConfigError::format).toList());

        Files.writeString(f, "{\"name\": \"g\", \"vmm\": \"qemu\"}");
        GuestSpec s = GuestSpecLoader.fromJson(
                        JsonReader.read(f, "guest.json"),
                        f,
                        "guest.json",
                        Optional.of(Arch.X86_64),
                        vmm -> refusesCpusAndDefaultsTcg)
                .spec();
        assertEquals(Accel.TCG, s.accel());
        assertEquals(Machine.PC, s.machine());
    }
}
