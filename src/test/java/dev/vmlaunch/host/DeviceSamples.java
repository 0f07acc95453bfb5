package dev.vmlaunch.host;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.stream.Stream;

/**
 * Installs a device sample from src/test/resources/diagnosis (its README says where each came from) into a fake
 * sysfs device folder: every file as it is, {@code config.hex} as the binary {@code config}.
 */
public final class DeviceSamples {
    private DeviceSamples() {}

    public static Path sample(String name) {
        try {
            return Path.of(DeviceSamples.class.getResource("/diagnosis/" + name).toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A device {@code bdf} in {@code fs} made of the sample's files. */
    public static FakeSysfs.Device install(FakeSysfs fs, String bdf, String sample) {
        FakeSysfs.Device d = fs.device(bdf);
        Path dir = fs.dir(bdf);
        try (Stream<Path> files = Files.list(sample(sample))) {
            for (Path f : files.toList()) {
                String name = f.getFileName().toString();
                if (name.equals("config.hex")) {
                    Files.write(dir.resolve("config"), hex(f));
                } else if (!name.startsWith("iomem")) {
                    Files.copy(f, dir.resolve(name), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return d;
    }

    static byte[] hex(Path f) throws IOException {
        return HexFormat.of().parseHex(Files.readString(f).replaceAll("\\s", ""));
    }

    /** The sample's /proc/iomem (or another file) copied to {@code <proc>/iomem}. */
    public static void iomem(Path proc, String sample, String file) {
        try {
            Files.createDirectories(proc);
            Files.copy(
                    sample(sample).resolve(file),
                    proc.resolve("iomem"),
                    java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
