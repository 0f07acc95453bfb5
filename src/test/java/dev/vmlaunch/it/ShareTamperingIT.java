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
 * their symlinks and FIFOs are real ones on the host. One plants its stop file as a link to a host path; the other
 * kills its agent and leaves a signed result whose output is a FIFO, with a link to a host secret and a 6 MiB file
 * beside it. Both guests fail with one line naming what they did; no file appears outside the share, the secret is
 * not in the report, the run ends, and no stack trace reaches the user.
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
                + "\",\"cmdline\":\"quiet\",\"shares\":[{\"path\":\"" + share + "\",\"tag\":\"work\",\"security\":\"none\"}],"
                + "\"devices\":[{\"model\":\"e1000e\",\"netdev\":\"user\"}]}";
    }

    /** The workload: what each guest does, by its hostname (the test image sets it to the guest's name). */
    String attack() {
        return """
                n=$(hostname)
                d=.vmlaunch/$n
                case $n in
                evil-stop)
                    ln -sfn OUTSIDE/created-through-stop "$d/stop"
                    exit 0 ;;
                evil-result)
                    r=$d/res/1
                    for p in /proc/[0-9]*; do
                        case "$(tr '\\0' ' ' <"$p/cmdline" 2>/dev/null)" in *agent.sh*) kill -9 "${p#/proc/}" ;; esac
                    done
                    set -f; for w in $(cat /proc/cmdline); do case $w in vmlaunch.token=*) token=${w#*=} ;; esac; done
                    rm -f "$r/output"; mkfifo "$r/output"
                    rm -f "$r/interrupts.before"; ln -s OUTSIDE/secret "$r/interrupts.before"
                    dd if=/dev/zero of="$r/msi.after" bs=1M count=6 2>/dev/null
                    : >"$r/interrupts.after"; : >"$r/msi.before"
                    e=$(printf '' | sha256sum | cut -d' ' -f1)
                    { echo code=0; for f in output interrupts.before interrupts.after msi.before msi.after; do echo "$f=$e"; done; } >"$r/x"
                    m=$({ cat "$r/x"; echo "$token"; } | sha256sum | cut -d' ' -f1); echo "mac=$m" >>"$r/x"
                    mv "$r/x" "$r/exit"
                    exit 0 ;;
                esac
                """.replace("OUTSIDE", outside.toString());
    }

    @Test
    void guestsThatPlantLinksFifosAndHugeFilesFailWithoutTouchingTheHost() throws Exception {
        Path secret = Files.writeString(outside.resolve("secret"), "TOP-SECRET-HOST-DATA");
        Files.writeString(share.resolve("attack.sh"), attack());
        Path h = share.resolve("harness.json");
        Files.writeString(h, "{\"name\":\"tamper\",\"guests\":[" + guest("evil-stop") + "," + guest("evil-result") + "],"
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
        assertTrue(errors.get("evil-stop").startsWith("guest evil-stop made .vmlaunch/evil-stop/stop a symlink"),
                r.toPrettyString());
        assertTrue(errors.get("evil-result").startsWith("guest evil-result made .vmlaunch/evil-result/res/1/output a FIFO"),
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
