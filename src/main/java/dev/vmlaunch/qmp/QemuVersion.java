package dev.vmlaunch.qmp;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * The QEMU version announced in the QMP greeting.
 *
 * @param packageName the distribution's build string, e.g. "Debian 1:7.2+dfsg-7+deb12u18"; may be empty
 */
public record QemuVersion(int major, int minor, int micro, String packageName) {

    static QemuVersion fromGreeting(JsonNode qmp) {
        JsonNode version = qmp.path("version");
        JsonNode qemu = version.path("qemu");
        return new QemuVersion(
                qemu.path("major").asInt(-1),
                qemu.path("minor").asInt(-1),
                qemu.path("micro").asInt(-1),
                version.path("package").asText("").strip());
    }

    public boolean atLeast(int major, int minor) {
        return this.major > major || (this.major == major && this.minor >= minor);
    }

    @Override
    public String toString() {
        return major + "." + minor + "." + micro;
    }
}
