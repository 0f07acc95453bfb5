package dev.vmlaunch.cli;

import com.fasterxml.jackson.core.JsonGenerator;
import dev.vmlaunch.config.Affinity;
import dev.vmlaunch.config.CpuList;
import dev.vmlaunch.config.GuestSpec;
import dev.vmlaunch.drivers.VmmDrivers;
import java.io.IOException;
import java.util.Map;

/** How {@code print} tells what {@code run} applies besides the argv: the pinning of cpuAffinity / vcpuPin. */
final class PrintedAffinity {
    private PrintedAffinity() {}

    /** A shell comment, so that the printed text still pastes as the command. */
    static String comment(GuestSpec g) {
        Affinity a = g.affinity();
        StringBuilder b = new StringBuilder("# vmlaunch pins this guest: ").append(a.describe());
        if (a.process() != null) {
            b.append("; started under taskset -c ").append(a.process());
        }
        b.append(VmmDrivers.of(g.vmm()).pinningNote(a));
        return b.toString();
    }

    /** {@code "affinity": {"process": "2-3", "vcpus": {"0": "2"}, "spawnPrefix": [...], "pausedUntilPinned": true}}. */
    static void write(JsonGenerator j, GuestSpec g) throws IOException {
        Affinity a = g.affinity();
        j.writeObjectFieldStart("affinity");
        if (a.process() != null) {
            j.writeStringField("process", a.process().toString());
        }
        j.writeObjectFieldStart("vcpus");
        for (Map.Entry<Integer, CpuList> e : a.vcpus().entrySet()) {
            j.writeStringField(Integer.toString(e.getKey()), e.getValue().toString());
        }
        j.writeEndObject();
        j.writeArrayFieldStart("spawnPrefix");
        if (a.process() != null) {
            j.writeString("taskset");
            j.writeString("-c");
            j.writeString(a.process().toString());
        }
        j.writeEndArray();
        j.writeBooleanField("pausedUntilPinned", VmmDrivers.of(g.vmm()).pausedUntilPinned());
        j.writeEndObject();
    }
}
