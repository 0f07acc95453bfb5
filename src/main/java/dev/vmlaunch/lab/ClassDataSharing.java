package dev.vmlaunch.lab;

import com.sun.management.HotSpotDiagnosticMXBean;
import java.lang.management.ManagementFactory;

/**
 * Whether this JVM runs with vmlaunch's class-data-sharing archive, for the lab host's first progress line: under TCG
 * a JVM start without it takes several times as long, and the JVM drops a mismatched archive without a word.
 */
final class ClassDataSharing {
    private ClassDataSharing() {}

    static String describe() {
        boolean asked = ManagementFactory.getRuntimeMXBean().getInputArguments().stream()
                .anyMatch(a -> a.startsWith("-XX:SharedArchiveFile="));
        boolean sharing;
        try {
            sharing = Boolean.parseBoolean(ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class)
                    .getVMOption("UseSharedSpaces")
                    .getValue());
        } catch (RuntimeException e) {
            return "CDS unknown";
        }
        if (asked) {
            return sharing ? "CDS archive used" : "CDS archive refused";
        }
        return sharing ? "no CDS archive (the JDK's own)" : "no CDS";
    }
}
