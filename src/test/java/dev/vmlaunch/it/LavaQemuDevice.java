package dev.vmlaunch.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * A LAVA worker's device configuration for one qemu device, as lava-server renders it from a device dictionary of
 * {@code {% extends 'qemu.jinja2' %}} and the job's context (LAVA's etc/dispatcher-config/device-types/qemu.jinja2 and
 * base.jinja2, LAVA 2023.01): lava-run needs the rendered form and there is no lava-server here. Only what the qemu
 * boot and the tmpfs deploy read is filled in; the values are the templates' defaults.
 */
final class LavaQemuDevice {
    private static final JsonNodeFactory F = JsonNodeFactory.instance;

    private LavaQemuDevice() {}

    static ObjectNode render(JsonNode jobContext) {
        String arch = jobContext.path("arch").asText();
        ObjectNode d = F.objectNode();
        ObjectNode constants = d.putObject("constants");
        ObjectNode posix = constants.putObject("posix");
        posix.put("lava_test_sh_cmd", "/bin/sh");
        posix.put("lava_test_results_dir", "/lava-%s");
        posix.put("lava_test_shell_file", "~/.bashrc");
        constants.put("shutdown-message", "The system is going down for reboot NOW");
        constants.put("kernel-start-message", "Linux version [0-9]");
        constants.put("default-shell-prompt", "lava-test: # ");
        constants.put("spawn_maxread", "4092");
        // LAVA retries a boot its infrastructure lost (once seen: the qemu connection closed 1.5 s into the kernel).
        constants.put("failure_retry", 2);
        constants.put("boot_retry", 1);
        d.putObject("parameters").putNull("pass");
        d.putArray("available_architectures")
                .add("x86_64")
                .add("amd64")
                .add("aarch64")
                .add("arm64");
        ObjectNode actions = d.putObject("actions");
        ObjectNode deploy = actions.putObject("deploy");
        deploy.putObject("connections").putNull("serial");
        ObjectNode guest = deploy.putObject("methods")
                .putObject("image")
                .putObject("parameters")
                .putObject("guest");
        guest.put("size", 512);
        guest.put("interface", "ide");
        guest.put("driveid", "lavatest");
        ObjectNode boot = actions.putObject("boot");
        boot.putObject("connections").putNull("serial");
        ObjectNode qemu = boot.putObject("methods").putObject("qemu").putObject("parameters");
        qemu.put(
                "command",
                arch.equals("x86_64") || arch.equals("amd64") ? "qemu-system-x86_64" : "qemu-system-aarch64");
        ArrayNode options = qemu.putArray("options");
        if (!jobContext.path("no_kvm").asBoolean(false)) {
            options.add("-cpu host").add("-enable-kvm");
        }
        options.add("-nographic");
        options.add("-net nic,model=virtio,macaddr=52:54:00:12:34:58 -net user");
        options.add("-m " + jobContext.path("memory").asText("512"));
        options.add("-monitor none");
        if (jobContext.has("extra_options")) {
            qemu.set("extra", jobContext.get("extra_options").deepCopy());
        }
        ObjectNode timeouts = d.putObject("timeouts");
        ObjectNode ta = timeouts.putObject("actions");
        ta.putObject("lava-test-shell").put("minutes", 3);
        ta.putObject("auto-login-action").put("minutes", 2);
        ta.putObject("boot-qemu-image").put("minutes", 2);
        ObjectNode tc = timeouts.putObject("connections");
        tc.putObject("lava-test-shell").put("seconds", 10);
        tc.putObject("auto-login-action").put("minutes", 2);
        return d;
    }
}
