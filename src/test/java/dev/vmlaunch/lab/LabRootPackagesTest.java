package dev.vmlaunch.lab;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The arm64 lab root's package resolution (apt's simulated install against an empty status) and its cache key. The
 * sample lines are from {@code apt-get -qq -s ... install openjdk-17-jre-headless qemu-system-arm busybox-static
 * util-linux} on Debian 12 with arm64 added (December 2026).
 */
class LabRootPackagesTest {
    static final String SIMULATION = String.join(
            "\n",
            "NOTE: This is only a simulation!",
            "Inst gcc-12-base (12.2.0-14+deb12u1 Debian:12.15/oldstable [arm64])",
            "Inst libc6 (2.36-9+deb12u14 Debian:12.15/oldstable [arm64]) []",
            "Inst zlib1g (1:1.2.13.dfsg-1+deb12u1 Debian-Security:12/oldstable-security [arm64])",
            "Inst ca-certificates (20250419~deb12u2 Debian-Security:12/oldstable-security [all])",
            "Inst libstdc++6 (12.2.0-14+deb12u1 Debian:12.15/oldstable [arm64])",
            "Conf libc6 (2.36-9+deb12u14 Debian:12.15/oldstable [arm64])",
            "Inst openjdk-17-jre-headless:arm64 (17.0.17+10-1~deb12u1 Debian-Security:12/oldstable-security [arm64])",
            "");

    @Test
    void everyInstLineIsAPackageWithItsExactVersionAndArchitecture() {
        List<LabRootPackages.Deb> debs = LabRootPackages.parse(SIMULATION);
        assertEquals(6, debs.size(), debs.toString());
        assertEquals(new LabRootPackages.Deb("libc6", "2.36-9+deb12u14", "arm64"), debs.get(1));
        assertEquals(new LabRootPackages.Deb("ca-certificates", "20250419~deb12u2", "all"), debs.get(3));
        assertEquals(new LabRootPackages.Deb("libstdc++6", "12.2.0-14+deb12u1", "arm64"), debs.get(4));
        assertEquals("openjdk-17-jre-headless", debs.get(5).name(), "a name:arch is the package name");
    }

    @Test
    void anEpochIsKeptInTheVersionAndWrittenAsApt_sFileNameHasIt() {
        LabRootPackages.Deb zlib = LabRootPackages.parse(SIMULATION).get(2);
        assertEquals("1:1.2.13.dfsg-1+deb12u1", zlib.version());
        assertEquals("zlib1g_1%3a1.2.13.dfsg-1+deb12u1_arm64.deb", zlib.file());
    }

    @Test
    void theKeyDoesNotDependOnTheOrderAptPrintedThePackagesIn() {
        List<LabRootPackages.Deb> debs = new ArrayList<>(LabRootPackages.parse(SIMULATION));
        String key = LabRootPackages.key(debs);
        Collections.reverse(debs);
        assertEquals(key, LabRootPackages.key(debs));
        assertTrue(key.matches("[0-9a-f]{16}"), key);
    }

    @Test
    void anyVersionChangeOrAnAddedPackageGivesANewKey() {
        List<LabRootPackages.Deb> debs = LabRootPackages.parse(SIMULATION);
        String key = LabRootPackages.key(debs);
        List<LabRootPackages.Deb> newer = new ArrayList<>(debs);
        newer.set(1, new LabRootPackages.Deb("libc6", "2.36-9+deb12u15", "arm64"));
        assertNotEquals(key, LabRootPackages.key(newer));
        List<LabRootPackages.Deb> more = new ArrayList<>(debs);
        more.add(new LabRootPackages.Deb("busybox-static", "1:1.35.0-4+deb12u1+b1", "arm64"));
        assertNotEquals(key, LabRootPackages.key(more));
    }

    @Test
    void theManifestListsEachPackageOnceByName() {
        String manifest = LabRootPackages.manifest(LabRootPackages.parse(SIMULATION));
        assertTrue(manifest.startsWith("ca-certificates 20250419~deb12u2 all\n"), manifest);
        assertTrue(manifest.contains("zlib1g 1:1.2.13.dfsg-1+deb12u1 arm64\n"), manifest);
        assertEquals(6, manifest.lines().count());
    }

    @Test
    void anUnknownPackageIsNamedWithTheFix() {
        String why = LabRootPackages.resolutionError("E: Unable to locate package qemu-system-arm\n", "arm64")
                .orElseThrow();
        assertEquals(
                "apt knows no package qemu-system-arm for arm64 (its arm64 package lists are missing: "
                        + "dpkg --add-architecture arm64 && apt-get update)",
                why);
    }

    @Test
    void anUnmetDependencyNamesBothPackages() {
        String err = String.join(
                "\n",
                "Some packages could not be installed. This may mean that you have",
                "The following packages have unmet dependencies:",
                " openjdk-17-jre-headless : Depends: libcups2 but it is not installable",
                "E: Unable to correct problems, you have held broken packages.");
        assertEquals(
                "package openjdk-17-jre-headless needs libcups2, but it is not installable",
                LabRootPackages.resolutionError(err, "arm64").orElseThrow());
    }

    @Test
    void aFailedDownloadNamesThePackage() {
        String err = "E: Failed to fetch http://deb.debian.org/debian/pool/main/q/qemu/"
                + "qemu-system-arm_1%3a7.2%2bdfsg-7%2bdeb12u18_arm64.deb  404  Not Found [IP: 151.101.2.132 80]\n";
        String why = LabRootPackages.fetchError(err).orElseThrow();
        assertTrue(
                why.startsWith(
                        "downloading package qemu-system-arm failed (qemu-system-arm_1:7.2+dfsg-7+deb12u18_arm64.deb: 404"),
                why);
        assertTrue(why.endsWith("apt-get update"), why);
    }

    @Test
    void theRememberedAnswerIsTheOneForTheSamePackageListsAndPackages() {
        List<String> lists = List.of(
                "deb.debian.org_debian_dists_bookworm_main_binary-arm64_Packages.lz4 9134821 1764630000000",
                "deb.debian.org_debian_dists_bookworm_main_binary-amd64_Packages.lz4 9312011 1764630000000");
        String state = LabRootPackages.aptState(lists, LabRoot.PACKAGES);
        assertEquals(state, LabRootPackages.aptState(List.of(lists.get(1), lists.get(0)), LabRoot.PACKAGES));
        List<String> updated = List.of(lists.get(0).replace("1764630000000", "1764716400000"), lists.get(1));
        assertNotEquals(state, LabRootPackages.aptState(updated, LabRoot.PACKAGES), "apt-get update brought news");
        assertNotEquals(state, LabRootPackages.aptState(lists, List.of("openjdk-17-jre-headless")));
    }

    @Test
    void theRememberedAnswerParsesBackToTheSamePackages() {
        List<LabRootPackages.Deb> debs = LabRootPackages.parse(SIMULATION);
        assertEquals(debs, LabRootPackages.parse(LabRootPackages.memo(debs)));
    }
}
