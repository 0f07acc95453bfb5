package dev.vmlaunch.cli;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;
import picocli.CommandLine.IVersionProvider;

/** The version baked into the jar at build time. */
public final class Version implements IVersionProvider {
    public static String current() {
        try (InputStream in = Version.class.getResourceAsStream("/vmlaunch-version.properties")) {
            if (in == null) {
                return "unknown";
            }
            Properties p = new Properties();
            p.load(in);
            return p.getProperty("version", "unknown");
        } catch (IOException e) {
            return "unknown";
        }
    }

    @Override
    public String[] getVersion() {
        return new String[] {
            "vmlaunch " + current(), "Java " + Runtime.version() + " (" + System.getProperty("java.vm.name") + ")"
        };
    }
}
