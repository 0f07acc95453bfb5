package dev.vmlaunch.driver.lkvm;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.vmlaunch.VmlaunchException;
import dev.vmlaunch.config.GuestSpec;
import dev.vmlaunch.config.Vmm;
import dev.vmlaunch.config.VmmRules;
import dev.vmlaunch.driver.StopPolicy;
import dev.vmlaunch.driver.VmmDriver;
import dev.vmlaunch.driver.VmmEndpoints;
import dev.vmlaunch.driver.VmmSession;
import dev.vmlaunch.host.VmmHostProfile;
import dev.vmlaunch.lkvm.LkvmIpc;
import dev.vmlaunch.vmm.LkvmCommand;
import dev.vmlaunch.vmm.RootPortReserve;
import dev.vmlaunch.vmm.RunLayout;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * kvmtool: argv from {@link LkvmCommand}, its IPC socket for readiness, stop, pause and status, a terminal the
 * supervisor owns for a detached guest's console. kvmtool sends no events: whether a guest is paused is its answer
 * to VMSTATE, as for {@code lkvm list}.
 */
public final class LkvmDriver implements VmmDriver {
    private static final VmmRules RULES = new LkvmRules();
    private static final VmmHostProfile HOST_PROFILE = new LkvmHostProfile();

    @Override
    public Vmm vmm() {
        return Vmm.LKVM;
    }

    @Override
    public VmmRules rules() {
        return RULES;
    }

    @Override
    public VmmHostProfile hostProfile() {
        return HOST_PROFILE;
    }

    @Override
    public List<String> argv(GuestSpec spec, RunLayout layout, RootPortReserve reserve) {
        return new LkvmCommand().argv(spec, layout);
    }

    /**
     * Detached, the supervisor serves kvmtool's terminal on console.sock, and a stop types {@code
     * stop.consoleCommand} there first.
     */
    @Override
    public VmmEndpoints endpoints(GuestSpec spec, RunLayout layout, Path ipcSocket, boolean foreground) {
        return foreground
                ? new VmmEndpoints(null, ipcSocket, null, null)
                : new VmmEndpoints(
                        null, ipcSocket, layout.consoleSocket(), spec.stop().consoleCommand());
    }

    /** kvmtool cannot start paused: its kvm-vcpu-N threads are pinned as they appear. */
    @Override
    public boolean pausedUntilPinned() {
        return false;
    }

    @Override
    public String pinningNote(dev.vmlaunch.config.Affinity affinity) {
        return affinity.vcpus().isEmpty() ? "" : "; kvm-vcpu-N threads pinned as they appear";
    }

    @Override
    public VmmSession session(VmmSession.Context context) {
        return new LkvmSession(context);
    }

    /** The guest's shell asked first where console.sock is ours, then kvmtool's IPC STOP. */
    @Override
    public StopPolicy stopPolicy(VmmEndpoints at, boolean force) {
        return LkvmStopPolicy.of(at.ipcSocket(), at.consoleSocket(), at.stopConsoleCommand(), force);
    }

    /** IPC PAUSE/RESUME, then VMSTATE. */
    @Override
    public String pauseOrResume(VmmEndpoints at, boolean pause, Duration timeout) {
        Path socket = at.ipcSocket();
        try (LkvmIpc ipc = LkvmIpc.connect(socket, timeout)) {
            if (pause) {
                ipc.pause();
            } else {
                ipc.resume();
            }
            // kvmtool handles a connection's requests in order: VMSTATE answers after the PAUSE/RESUME took effect.
            return ipc.vmState().json();
        } catch (IOException e) {
            throw VmlaunchException.failure("kvmtool did not answer on " + socket + ": " + e.getMessage());
        }
    }

    /** kvmtool's own word on a live guest ("paused", "running"), as {@code lkvm list} shows it. */
    @Override
    public Optional<String> askedState(VmmEndpoints at, Duration timeout) {
        if (at.ipcSocket() == null) {
            return Optional.empty();
        }
        try (LkvmIpc ipc = LkvmIpc.connect(at.ipcSocket(), timeout)) {
            return Optional.of(ipc.vmState().json());
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    /** "lkvm": its pid and VMSTATE; a paused VMSTATE makes a "running" state "paused". */
    @Override
    public void queryStatus(VmmEndpoints at, Duration timeout, ObjectNode doc, ArrayNode devices) {
        ObjectNode k = doc.putObject("lkvm");
        try (LkvmIpc ipc = LkvmIpc.connect(at.ipcSocket(), timeout)) {
            k.put("pid", ipc.pid());
            k.put("vmstate", ipc.vmState().json());
        } catch (Exception e) {
            k.put("error", String.valueOf(e.getMessage()));
        }
        if ("paused".equals(k.path("vmstate").asText())
                && "running".equals(doc.path("state").asText())) {
            doc.put("state", "paused");
        }
    }

    @Override
    public Optional<String> statusLine(com.fasterxml.jackson.databind.JsonNode doc) {
        if (!doc.has("lkvm")) {
            return Optional.empty();
        }
        com.fasterxml.jackson.databind.JsonNode k = doc.path("lkvm");
        return Optional.of("lkvm says: "
                + (k.has("error")
                        ? "no answer: " + k.path("error").asText()
                        : k.path("vmstate").asText() + ", pid " + k.path("pid").asLong()));
    }

    @Override
    public Optional<String> libvirtExportRefusal() {
        return Optional.of("libvirt runs qemu guests only; this guest uses \"vmm\": \"" + Vmm.LKVM.json()
                + "\" (kvmtool has no libvirt driver)");
    }

    @Override
    public String noConsoleSocketReason() {
        // The supervisor serves every detached kvmtool guest's terminal on console.sock and records it in state.json
        // as the guest starts; a state without it is a supervisor that failed before that (its supervisor.log says
        // why).
        return "its supervisor recorded no console socket in state.json (see the guest's supervisor.log)";
    }

    @Override
    public Optional<String> hotplugRefusal() {
        return Optional.of("runs on kvmtool, which has no PCI hotplug");
    }
}
