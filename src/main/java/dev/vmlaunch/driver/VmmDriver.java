package dev.vmlaunch.driver;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.vmlaunch.config.GuestSpec;
import dev.vmlaunch.config.Vmm;
import dev.vmlaunch.config.VmmRules;
import dev.vmlaunch.host.VmmHostProfile;
import dev.vmlaunch.vmm.RootPortReserve;
import dev.vmlaunch.vmm.RunLayout;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * Everything vmlaunch does differently for one VMM: its argv, where it is reached once running, one run's readiness
 * wait, console wiring and exit classification ({@link VmmSession}), its stop sequence, pause/resume and the
 * questions {@code list} and {@code status} ask it. The supervisor keeps the lifecycle and asks the driver; the
 * registry ({@code drivers.VmmDrivers}) maps each {@code config.Vmm} to one driver.
 */
public interface VmmDriver {

    Vmm vmm();

    /** What this VMM takes of a guest.json and the defaults it fills in (the loader asks, through the registry). */
    VmmRules rules();

    /** What the host checks need to know of this VMM (its executable, /dev/kvm, VFIO, shares, BAR placement). */
    VmmHostProfile hostProfile();

    /** The exact argv that starts {@code spec} for {@code layout}, on a host whose devices need {@code reserve}. */
    List<String> argv(GuestSpec spec, RunLayout layout, RootPortReserve reserve);

    /**
     * Where a run of {@code spec} will be reached (recorded in state.json).
     *
     * @param ipcSocket kvmtool's {@code ~/.lkvm/NAME.sock}; a driver that has no such socket ignores it
     */
    VmmEndpoints endpoints(GuestSpec spec, RunLayout layout, Path ipcSocket, boolean foreground);

    /** The VMM's vCPUs wait until vmlaunch has pinned them (cpuAffinity / vcpuPin). */
    boolean pausedUntilPinned();

    /** How {@code affinity} is applied to this VMM, as {@code print} says it ("; ..." or ""). */
    String pinningNote(dev.vmlaunch.config.Affinity affinity);

    /** One run of the VMM, from its spawn to its recorded end. */
    VmmSession session(VmmSession.Context context);

    /** The stop sequence for a guest reached at {@code at}; signals come after it (StopPolicy). */
    StopPolicy stopPolicy(VmmEndpoints at, boolean force);

    /** Pauses or resumes the vCPUs; returns what the VMM says now ("paused", "running", ...). */
    String pauseOrResume(VmmEndpoints at, boolean pause, Duration timeout);

    /**
     * The VMM's own word on a running guest's state, for a VMM that sends no events to record it ("paused",
     * "running"); empty when the recorded state is the answer or the VMM does not answer in time.
     */
    Optional<String> askedState(VmmEndpoints at, Duration timeout);

    /**
     * {@code status}'s live questions: puts the VMM's answers under its own key of {@code doc} (and what it says of
     * each device into {@code devices}).
     */
    void queryStatus(VmmEndpoints at, Duration timeout, ObjectNode doc, ArrayNode devices);

    /** {@code status}'s text line for what {@link #queryStatus} put into {@code doc}, when it asked. */
    Optional<String> statusLine(com.fasterxml.jackson.databind.JsonNode doc);

    /** Why {@code vmlaunch export libvirt} cannot render a guest of this VMM, when it cannot (libvirt runs qemu). */
    Optional<String> libvirtExportRefusal();

    /**
     * Why a running guest of this VMM has no console socket, for the harness's console driver (a guest of another
     * VMM would have one).
     */
    String noConsoleSocketReason();

    /** Why a device cannot be plugged into a running guest of this VMM, when it cannot. */
    Optional<String> hotplugRefusal();
}
