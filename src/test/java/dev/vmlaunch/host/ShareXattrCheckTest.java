package dev.vmlaunch.host;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vmlaunch.config.Arch;
import dev.vmlaunch.config.GuestSpec;
import dev.vmlaunch.config.GuestSpecLoader;
import dev.vmlaunch.config.JsonReader;
import dev.vmlaunch.drivers.VmmDrivers;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.UserDefinedFileAttributeView;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ShareXattrCheckTest {
    @TempDir
    Path tmp;

    GuestSpec guest(Path share, String security, boolean readonly) throws Exception {
        Path f = tmp.resolve("g.json");
        Files.writeString(
                f,
                "{\"name\":\"g\",\"vmm\":\"qemu\",\"accel\":\"tcg\",\"shares\":[{\"path\":\"" + share
                        + "\",\"tag\":\"hostshare\",\"readonly\":" + readonly
                        + (security == null ? "" : ",\"security\":\"" + security + "\"") + "}]}");
        return GuestSpecLoader.fromJson(
                        JsonReader.read(f, "g.json"), f, "g.json", Optional.of(Arch.X86_64), VmmDrivers::rules)
                .spec();
    }

    @Test
    void aMappedXattrShareOnAFileSystemWithoutUserXattrsIsRefusedWithTheFix() throws Exception {
        // procfs has no user extended attributes, like tmpfs before Linux 6.6 (Debian 12's /run).
        List<Problem> p = problemsFor(guest(Path.of("/proc"), null, false));
        assertEquals(1, p.size(), p.toString());
        assertTrue(p.get(0).isError());
        assertTrue(
                p.get(0)
                        .message()
                        .startsWith("share /proc (tag hostshare) is on a file system without user extended"
                                + " attributes"),
                p.get(0).message());
        assertTrue(
                p.get(0).remedy().contains("\"security\": \"mapped-file\""),
                p.get(0).remedy());
    }

    @Test
    void otherModelsAndReadOnlySharesAreNotProbed() throws Exception {
        assertEquals(List.of(), problemsFor(guest(Path.of("/proc"), "mapped-file", false)));
        assertEquals(List.of(), problemsFor(guest(Path.of("/proc"), null, true)));
    }

    @Test
    void aShareWithUserXattrsPassesAndKeepsNoProbeBehind() throws Exception {
        Path share = Files.createDirectories(tmp.resolve("share"));
        UserDefinedFileAttributeView v = Files.getFileAttributeView(share, UserDefinedFileAttributeView.class);
        try {
            v.write("test", java.nio.ByteBuffer.wrap(new byte[] {1}));
            v.delete("test");
        } catch (java.io.IOException e) {
            org.junit.jupiter.api.Assumptions.abort("the temp folder has no user xattrs here: " + e.getMessage());
        }
        assertEquals(List.of(), problemsFor(guest(share, null, false)));
        assertEquals(
                List.of(),
                Files.getFileAttributeView(share, UserDefinedFileAttributeView.class)
                        .list());
    }

    private static List<Problem> problemsFor(GuestSpec guest) {
        return ShareXattrCheck.problemsFor(guest, Profiles.of(guest));
    }
}
