package dev.vmlaunch.lab;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vmlaunch.ExitCodes;
import dev.vmlaunch.VmlaunchException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * How the arm64 root is asked of apt and what a failure says. apt itself is replaced by a script that answers as
 * apt-get does (its messages copied from apt 2.6 on Debian 12); the real apt is exercised by LabIT.
 */
class LabRootTest {
    @TempDir
    Path dir;

    private Path fakeApt(String body) throws Exception {
        Path apt = dir.resolve("apt-get");
        Files.writeString(apt, "#!/bin/sh\necho \"$@\" >>" + dir.resolve("calls") + "\n" + body + "\n");
        Files.setPosixFilePermissions(apt, PosixFilePermissions.fromString("rwxr-xr-x"));
        return apt;
    }

    @Test
    void aPackageAptDoesNotKnowEndsWithExit3NamingIt() throws Exception {
        Path apt = fakeApt("echo 'E: Unable to locate package qemu-system-arm' >&2; exit 100");
        LabRoot root = new LabRoot(dir.resolve("cache"), l -> {}, false, apt.toString());
        VmlaunchException e = assertThrows(VmlaunchException.class, root::ensure);
        assertEquals(ExitCodes.HOST_NOT_READY, e.exitCode());
        assertEquals(
                "the arm64 lab root cannot be assembled: apt knows no package qemu-system-arm for arm64 (its arm64 "
                        + "package lists are missing: dpkg --add-architecture arm64 && apt-get update)",
                e.getMessage());
        assertFalse(e.getMessage().contains("\n"), "one line");
    }

    @Test
    void aFailedDownloadNamesThePackageAndPublishesNoRoot() throws Exception {
        Path apt = fakeApt(String.join(
                "\n",
                "case \"$*\" in \"-qq -s \"*) echo 'Inst libc6 (2.36-9+deb12u14 Debian:12.15/oldstable [arm64]) []'; exit 0 ;; esac",
                "echo 'E: Failed to fetch http://deb.debian.org/debian/pool/main/g/glibc/libc6_2.36-9%2bdeb12u14_arm64.deb  404  Not Found' >&2",
                "exit 100"));
        Path cache = dir.resolve("cache");
        LabRoot root = new LabRoot(cache, l -> {}, false, apt.toString());
        VmlaunchException e = assertThrows(VmlaunchException.class, root::ensure);
        assertEquals(ExitCodes.HOST_NOT_READY, e.exitCode());
        assertTrue(
                e.getMessage().startsWith("the arm64 lab root cannot be assembled: downloading package libc6 failed"),
                e.getMessage());
        try (var s = Files.list(cache.resolve("aarch64"))) {
            assertEquals(List.of(), s.toList(), "nothing half-done in the cache");
        } catch (java.nio.file.NoSuchFileException none) {
            // Not even the folder: fine.
        }
    }

    @Test
    void aptIsAskedAboutAnEmptyArm64SystemWithoutRecommendsAndWithoutTouchingDpkg() throws Exception {
        Path apt = fakeApt("exit 0");
        LabRoot root = new LabRoot(dir.resolve("cache"), l -> {}, false, apt.toString());
        assertThrows(VmlaunchException.class, root::ensure, "no Inst lines: nothing resolved");
        String call = Files.readString(dir.resolve("calls"));
        for (String want : new String[] {
            "-s ",
            "Dir::State::status=" + dir.resolve("cache/empty-dpkg-status"),
            "APT::Architecture=arm64",
            "APT::Architectures=arm64",
            "APT::Install-Recommends=false",
            "Debug::NoLocking=1",
            "install openjdk-17-jre-headless qemu-system-arm busybox-static util-linux"
        }) {
            assertTrue(call.contains(want), want + " in " + call);
        }
        assertEquals("", Files.readString(dir.resolve("cache/empty-dpkg-status")));
    }

    @Test
    void theCacheFollowsVmlaunchCacheThenXdgThenHome() {
        assertEquals(Path.of("/c/lab-root"), LabRoot.cacheDir(Map.of("VMLAUNCH_CACHE", "/c", "HOME", "/h")));
        assertEquals(Path.of("/x/vmlaunch/lab-root"), LabRoot.cacheDir(Map.of("XDG_CACHE_HOME", "/x", "HOME", "/h")));
        assertEquals(Path.of("/h/.cache/vmlaunch/lab-root"), LabRoot.cacheDir(Map.of("HOME", "/h")));
    }
}
