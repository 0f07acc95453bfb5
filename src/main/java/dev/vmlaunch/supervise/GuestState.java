package dev.vmlaunch.supervise;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
import dev.vmlaunch.VmlaunchException;
import dev.vmlaunch.driver.ExitRecord;
import dev.vmlaunch.driver.Lifecycle;
import dev.vmlaunch.driver.ProcessIdentity;
import dev.vmlaunch.driver.VmmDriver;
import dev.vmlaunch.driver.VmmEndpoints;
import dev.vmlaunch.drivers.VmmDrivers;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * The content of a guest's {@code state.json}. Instants are ISO-8601 strings (Jackson's core has no java.time).
 *
 * @param bootId          the host boot this record belongs to ({@link ProcessIdentity#bootId()})
 * @param pid             the VMM, null before it started
 * @param pidStart        the VMM's start time in clock ticks ({@link ProcessIdentity})
 * @param foreground      the supervisor is a foreground {@code vmlaunch run} on a terminal
 * @param devices         every passthrough device of the guest (host addresses)
 * @param managedDevices  the devices vmlaunch bound to vfio-pci for this guest and must give back
 * @param devicesRestored true once {@code managedDevices} are back on their drivers
 * @param restoreError    why giving them back failed, when it did
 * @param qmpCliSocket    the QMP socket for CLI commands (qemu), null for lkvm
 * @param consoleSocket   the serial console socket (detached qemu), null otherwise
 * @param lkvmSocket      kvmtool's IPC socket (lkvm), null for qemu
 * @param stopConsoleCommand what {@code stop} types on a detached lkvm guest's console first (guest.json's
 *                        {@code stop.consoleCommand}), null for none
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record GuestState(
        int version,
        String name,
        String vmm,
        String binary,
        String bootId,
        Long pid,
        Long pidStart,
        long supervisorPid,
        long supervisorStart,
        boolean foreground,
        String state,
        String since,
        String startedAt,
        List<String> devices,
        List<String> managedDevices,
        Boolean devicesRestored,
        String restoreError,
        String qmpCliSocket,
        String consoleSocket,
        String lkvmSocket,
        ExitRecord exit,
        String stopConsoleCommand) {

    public static final int VERSION = 1;

    public GuestState {
        devices = devices == null ? List.of() : List.copyOf(devices);
        managedDevices = managedDevices == null ? List.of() : List.copyOf(managedDevices);
    }

    @JsonIgnore
    public Optional<Lifecycle> lifecycle() {
        return Lifecycle.fromJson(state);
    }

    /** Where the running VMM is reached, as recorded. */
    @JsonIgnore
    public VmmEndpoints endpoints() {
        return VmmEndpoints.recorded(qmpCliSocket, lkvmSocket, consoleSocket, stopConsoleCommand);
    }

    /** The driver of the recorded VMM, if this vmlaunch has one for it. */
    @JsonIgnore
    public Optional<VmmDriver> driverIfKnown() {
        return VmmDrivers.named(vmm);
    }

    /** The driver of the recorded VMM; a failure naming the guest when this vmlaunch has none for it. */
    @JsonIgnore
    public VmmDriver driver() {
        return driverIfKnown()
                .orElseThrow(() -> VmlaunchException.failure("guest \"" + name + "\": state.json names vmm \"" + vmm
                        + "\", which this vmlaunch has no driver for"));
    }

    /** The VMM's identity, when it has started. */
    @JsonIgnore
    public Optional<ProcessIdentity> vmmIdentity() {
        return pid == null || pidStart == null ? Optional.empty() : Optional.of(new ProcessIdentity(pid, pidStart));
    }

    @JsonIgnore
    public ProcessIdentity supervisorIdentity() {
        return new ProcessIdentity(supervisorPid, supervisorStart);
    }

    /** Whether the devices vmlaunch took for this guest still have to be given back. */
    @JsonIgnore
    public boolean devicesOwed() {
        return !managedDevices.isEmpty() && !Boolean.TRUE.equals(devicesRestored);
    }

    public GuestState withLifecycle(Lifecycle l, Instant at) {
        return new GuestState(
                version,
                name,
                vmm,
                binary,
                bootId,
                pid,
                pidStart,
                supervisorPid,
                supervisorStart,
                foreground,
                l.json(),
                at.toString(),
                startedAt,
                devices,
                managedDevices,
                devicesRestored,
                restoreError,
                qmpCliSocket,
                consoleSocket,
                lkvmSocket,
                exit,
                stopConsoleCommand);
    }

    public GuestState withVmm(ProcessIdentity vmmId) {
        return new GuestState(
                version,
                name,
                vmm,
                binary,
                bootId,
                vmmId.pid(),
                vmmId.startTicks(),
                supervisorPid,
                supervisorStart,
                foreground,
                state,
                since,
                startedAt,
                devices,
                managedDevices,
                devicesRestored,
                restoreError,
                qmpCliSocket,
                consoleSocket,
                lkvmSocket,
                exit,
                stopConsoleCommand);
    }

    public GuestState withManagedDevices(List<String> managed) {
        return new GuestState(
                version,
                name,
                vmm,
                binary,
                bootId,
                pid,
                pidStart,
                supervisorPid,
                supervisorStart,
                foreground,
                state,
                since,
                startedAt,
                devices,
                managed,
                managed.isEmpty() ? null : false,
                restoreError,
                qmpCliSocket,
                consoleSocket,
                lkvmSocket,
                exit,
                stopConsoleCommand);
    }

    public GuestState withRestore(boolean restored, String error) {
        return new GuestState(
                version,
                name,
                vmm,
                binary,
                bootId,
                pid,
                pidStart,
                supervisorPid,
                supervisorStart,
                foreground,
                state,
                since,
                startedAt,
                devices,
                managedDevices,
                restored,
                error,
                qmpCliSocket,
                consoleSocket,
                lkvmSocket,
                exit,
                stopConsoleCommand);
    }

    public GuestState withExit(ExitRecord e) {
        return new GuestState(
                version,
                name,
                vmm,
                binary,
                bootId,
                pid,
                pidStart,
                supervisorPid,
                supervisorStart,
                foreground,
                state,
                since,
                startedAt,
                devices,
                managedDevices,
                devicesRestored,
                restoreError,
                qmpCliSocket,
                consoleSocket,
                lkvmSocket,
                e,
                stopConsoleCommand);
    }
}
