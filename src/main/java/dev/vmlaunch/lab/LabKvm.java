package dev.vmlaunch.lab;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/** Whether the lab host can run its nested guests under KVM (kvm + kvm_amd loaded at boot by vmlaunch.modules=kvm). */
final class LabKvm {
    /** Written to the lab folder when it cannot: the outer lab reads it and ends with exit 3. */
    static final String UNUSABLE_FILE = "no-kvm.txt";

    private LabKvm() {}

    /** Why {@code kvm} cannot be used, or null when it opens read-write. */
    static String unusable(Path kvm, LabArch arch) {
        if (!Files.exists(kvm)) {
            return "no " + kvm
                    + (arch == LabArch.X86_64
                            ? " (kvm_amd did not load: the lab host's CPU shows no AMD-V, or its console log says why)"
                            : " (the lab host's kernel did not start at EL2: QEMU needs -machine virtualization=on, "
                                    + "or its console log says why)");
        }
        try {
            // Opened only to learn that it opens.
            FileChannel.open(kvm, StandardOpenOption.READ, StandardOpenOption.WRITE)
                    .close();
            return null;
        } catch (IOException | UnsupportedOperationException e) {
            return "cannot open " + kvm + ": " + e.getMessage();
        }
    }
}
