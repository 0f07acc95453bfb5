package dev.vmlaunch.harness;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfinedDirTest {
    @TempDir
    Path dir;

    @TempDir
    Path outside;

    @Test
    void readsRegularFilesAndReportsMissingOnesAsEmpty() throws Exception {
        Files.writeString(dir.resolve("a"), "data");
        try (ConfinedDir d = ConfinedDir.open(dir)) {
            assertArrayEquals("data".getBytes(UTF_8), d.read("a").orElseThrow());
            assertEquals(Optional.empty(), d.read("missing"));
        }
    }

    @Test
    void aFileOfExactlyTheCapIsRead() throws Exception {
        Files.write(dir.resolve("a"), new byte[ConfinedDir.MAX_READ]);
        try (ConfinedDir d = ConfinedDir.open(dir)) {
            assertEquals(ConfinedDir.MAX_READ, d.read("a").orElseThrow().length);
        }
    }

    @Test
    void refusesASubdirectoryThatIsASymlink() throws Exception {
        Files.createSymbolicLink(dir.resolve("sub"), outside);
        try (ConfinedDir d = ConfinedDir.open(dir)) {
            ShareTamperedException e = assertThrows(ShareTamperedException.class, () -> d.subdir("sub"));
            assertEquals("sub is a symlink where a directory belongs", e.getMessage());
        }
    }

    @Test
    void writeAtomicallyReplacesAPlantedLinkInsteadOfWritingThroughIt() throws Exception {
        Path victim = Files.writeString(outside.resolve("v"), "keep");
        Files.createSymbolicLink(dir.resolve("f"), victim);
        Files.createSymbolicLink(dir.resolve(".f.tmp"), outside.resolve("w"));
        try (ConfinedDir d = ConfinedDir.open(dir)) {
            d.writeAtomically("f", "new".getBytes(UTF_8));
        }
        assertEquals("keep", Files.readString(victim));
        assertTrue(Files.notExists(outside.resolve("w"), LinkOption.NOFOLLOW_LINKS));
        assertEquals("new", Files.readString(dir.resolve("f")));
    }

    @Test
    void deleteTreeRemovesLinksButNotWhatTheyPointTo() throws Exception {
        Path keep = Files.writeString(outside.resolve("keep"), "x");
        Path t = Files.createDirectories(dir.resolve("t/sub"));
        Files.createSymbolicLink(t.resolve("link"), outside);
        Files.writeString(t.resolve("f"), "y");
        try (ConfinedDir d = ConfinedDir.open(dir)) {
            d.deleteTree("t");
        }
        assertTrue(Files.notExists(dir.resolve("t")));
        assertTrue(Files.exists(keep));
    }

    @Test
    void refusesNamesWithSlashesOrDots() throws Exception {
        try (ConfinedDir d = ConfinedDir.open(dir)) {
            assertThrows(IllegalArgumentException.class, () -> d.read("../x"));
            assertThrows(IllegalArgumentException.class, () -> d.read(".."));
        }
    }
}
