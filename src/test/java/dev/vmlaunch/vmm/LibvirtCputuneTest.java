package dev.vmlaunch.vmm;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** cpuAffinity / vcpuPin exported as libvirt's vcpu cpuset, emulatorpin and vcpupin. */
class LibvirtCputuneTest {
    private static DomainXml xml(String fields) {
        return new DomainXml(
                LibvirtDomainXml.export(Guests.parse("{\"name\": \"g\", \"vmm\": \"qemu\", \"cpus\": 2" + fields + "}"))
                        .xml());
    }

    @Test
    void processMaskIsTheVcpuDefaultAndTheEmulatorPinAndVcpuPinsAreVcpupins() {
        DomainXml x = xml(", \"cpuAffinity\": \"2-3,6\", \"vcpuPin\": {\"1\": \"3\", \"0\": \"2\"}");
        assertEquals("2-3,6", x.text("/domain/vcpu/@cpuset"));
        assertEquals("2-3,6", x.text("/domain/cputune/emulatorpin/@cpuset"));
        assertEquals(2, x.count("/domain/cputune/vcpupin"));
        assertEquals("2", x.text("/domain/cputune/vcpupin[@vcpu='0']/@cpuset"));
        assertEquals("3", x.text("/domain/cputune/vcpupin[@vcpu='1']/@cpuset"));
    }

    @Test
    void vcpuPinAloneLeavesTheEmulatorThreadsFree() {
        DomainXml x = xml(", \"vcpuPin\": {\"0\": \"1\"}");
        assertEquals(0, x.count("/domain/vcpu/@cpuset | /domain/cputune/emulatorpin"));
        assertEquals("1", x.text("/domain/cputune/vcpupin[@vcpu='0']/@cpuset"));
    }

    @Test
    void anUnpinnedGuestHasNoCputune() {
        assertEquals(0, xml("").count("/domain/cputune | /domain/vcpu/@cpuset"));
    }
}
