package dev.vmlaunch.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Real TCG guests attack the host through their 9p share with {@code "security": "none"} (what kvmtool always does):
 * their symlinks are real ones on the host. One plants its stop file as a link to a host path; one leaves a signed
 * result whose output is a link to a host secret; one leaves a 6 MiB output. Each fails with one line naming what it
 * did; no file appears outside the share, the secret is not in the report, the run ends, and no stack trace reaches
 * the user.
 */
class ShareTamperingIT {
    @TempDir
    Path state;

    @TempDir
    Path share;

    @TempDir
    Path outside;

    static final Path IMAGES = VmlaunchProcess.ROOT.resolve("test-images/out/x86_64");

    String guest(String name) {
        return "{\"name\":\"" + name + "\",\"vmm\":\"qemu\",\"arch\":\"x86_64\",\"accel\":\"tcg\",\"memory\":\"256M\","
                + "\"kernel\":\"" + IMAGES.resolve("vmlinuz") + "\",\"initrd\":\"" + IMAGES.resolve("initramfs.gz")
                + "\",\"cmdline\":\"quiet\",\"shares\":[{\"path\":\"" + share
                + "\",\"tag\":\"work\",\"security\":\"none\"}],"
                + "\"devices\":[{\"model\":\"e1000e\",\"netdev\":\"user\"}]}";
    }

    /**
     * The workload: what each guest does, by its hostname (the test image sets it to the guest's name). The forging
     * guests kill their agent and sign a result themselves (they have their own token), so what the host finds is
     * exactly what they planted. QEMU 7.2's 9p refuses a guest's mknod of a FIFO (ENXIO, measured), so the FIFO
     * attempt below fails in the guest; kvmtool's 9p creates it, and the unit tests plant FIFOs on the host side.
     */
    String attack() {
        return """
                n=$(hostname)
                d=.vmlaunch/$n
                r=$d/res/1
                forge() {
                    for p in /proc/[0-9]*; do
                        case "$(tr '\\0' ' ' <"$p/cmdline" 2>/dev/null)" in *agent.sh*) kill -9 "${p#/proc/}" ;; esac
                    done
                    set -f; for w in $(cat /proc/cmdline); do case $w in vmlaunch.token=*) token=${w#*=} ;; esac; done
                    rm -f "$r/interrupts.before"; mkfifo "$r/interrupts.before" || : >"$r/interrupts.before"
                    : >"$r/interrupts.after"; : >"$r/msi.before"; : >"$r/msi.after"
                    e=$(printf '' | sha256sum | cut -d' ' -f1)
                    { echo code=0; for f in output interrupts.before interrupts.after msi.before msi.after; do echo "$f=$e"; done; } >"$r/x"
                    m=$({ cat "$r/x"; echo "$token"; } | sha256sum | cut -d' ' -f1); echo "mac=$m" >>"$r/x"
                    mv "$r/x" "$r/exit"
                }
                case $n in
                evil-stop)
                    ln -sfn OUTSIDE/created-through-stop "$d/stop" ;;
                evil-link)
                    rm -f "$r/output"; ln -s OUTSIDE/secret "$r/output"; forge ;;
                evil-huge)
                    rm -f "$r/output"; dd if=/dev/zero of="$r/output" bs=1M count=6 2>/dev/null; forge ;;
                esac
                exit 0
                """
                .replace("OUTSIDE", outside.toString());
    }

    @Test
    void guestsThatPlantLinksFifosAndHugeFilesFailWithoutTouchingTheHost() throws Exception {
        Path secret = Files.writeString(outside.resolve("secret"), "TOP-SECRET-HOST-DATA");
        Files.writeString(share.resolve("attack.sh"), attack());
        Path h = share.resolve("harness.json");
        Files.writeString(
                h,
                "{\"name\":\"tamper\",\"guests\":[" + guest("evil-stop") + "," + guest("evil-link") + ","
                        + guest("evil-huge")
                        + "],"
                        + "\"share\":\"work\",\"devices\":[\"8086:10d3\"],\"bootTimeout\":300,\"workloadTimeout\":120,"
                        + "\"workload\":\"sh attack.sh\",\"expect\":{\"minVectorsFired\":1,\"minTotalDelta\":1}}");
        Map<String, String> env = new HashMap<>(Map.of("VMLAUNCH_STATE", state.toString()));
        VmlaunchProcess p = VmlaunchProcess.start(env, "test", h.toString(), "--json");
        int code = p.waitFor(Duration.ofMinutes(10));
        String transcript = p.transcript();
        assertEquals(1, code, transcript);
        JsonNode r = new ObjectMapper().readTree(String.join("\n", p.stdout()));
        assertFalse(r.get("passed").asBoolean(), r.toPrettyString());
        Map<String, String> errors = new HashMap<>();
        for (JsonNode g : r.get("guests")) {
            assertFalse(g.get("passed").asBoolean(), g.toPrettyString());
            errors.put(g.get("name").asText(), g.get("error").asText());
        }
        assertTrue(
                errors.get("evil-stop").startsWith("guest evil-stop made .vmlaunch/evil-stop/stop a symlink"),
                r.toPrettyString());
        assertTrue(
                errors.get("evil-link").startsWith("guest evil-link made .vmlaunch/evil-link/res/1/output a symlink"),
                r.toPrettyString());
        assertTrue(
                errors.get("evil-huge")
                        .startsWith(
                                "guest evil-huge made .vmlaunch/evil-huge/res/1/output larger " + "than the 4 MiB cap"),
                r.toPrettyString());

        try (var s = Files.list(outside)) {
            assertEquals(1, s.count(), "nothing but the secret outside the share");
        }
        assertFalse(Files.exists(outside.resolve("created-through-stop"), LinkOption.NOFOLLOW_LINKS));
        assertEquals("TOP-SECRET-HOST-DATA", Files.readString(secret));
        assertFalse(transcript.contains("TOP-SECRET"), "the secret is not in the report");
        assertFalse(transcript.contains("\tat ") || transcript.contains("Exception"), transcript);
    }
}
