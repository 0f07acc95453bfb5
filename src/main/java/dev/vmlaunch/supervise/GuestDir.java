package dev.vmlaunch.supervise;

import dev.vmlaunch.VmlaunchException;
import dev.vmlaunch.config.GuestSpec;
import dev.vmlaunch.vmm.RunLayout;
import java.nio.file.Path;
import java.util.List;

/**
 * One guest's folder in the state directory, {@code STATE/NAME/}:
 * <pre>
 *   lock            held by the supervisor for the guest's whole life (one guest per name)
 *   spec.json       the validated guest spec and the VMM argv that ran
 *   state.json      {@link GuestState}, replaced atomically on every change
 *   events.jsonl    QMP events and vmlaunch's own lifecycle records, one JSON object a line
 *   qmp.sock        QMP for the supervisor (events)            } qemu only, mode 0600,
 *   qmp-cli.sock    QMP for vmlaunch stop/status               } removed when the
 *   console.sock    the serial console (detached qemu)         } guest ends
 *   console.log     everything the guest printed on its console
 *   vmm.log         the VMM's own stdout/stderr (detached)
 *   supervisor.log  the supervisor's messages (detached)
 *   stop-requested  written by vmlaunch stop, so the end is recorded as a host stop
 *   hotplug.json    the devices vmlaunch attach plugged in ({@link AttachedDevices}); hotplug.lock serialises them
 * </pre>
 */
public record GuestDir(Path root, String name) {

    public static GuestDir of(Path stateRoot, String name) {
        if (name == null || !name.matches(GuestSpec.NAME_PATTERN)) {
            throw VmlaunchException.usage("not a guest name: '" + name + "' (letters, digits, '_', '.', '-'; "
                    + "starting with a letter or digit; at most 64)");
        }
        return new GuestDir(stateRoot.resolve(name), name);
    }

    public Path lockFile() {
        return root.resolve("lock");
    }

    public Path stateFile() {
        return root.resolve("state.json");
    }

    public Path specFile() {
        return root.resolve("spec.json");
    }

    public Path eventsFile() {
        return root.resolve("events.jsonl");
    }

    public Path vmmLog() {
        return root.resolve("vmm.log");
    }

    public Path supervisorLog() {
        return root.resolve("supervisor.log");
    }

    public Path stopRequest() {
        return root.resolve("stop-requested");
    }

    public Path hotplugFile() {
        return root.resolve("hotplug.json");
    }

    public Path hotplugLock() {
        return root.resolve("hotplug.lock");
    }

    public RunLayout layout(RunLayout.ConsoleMode mode) {
        return new RunLayout(root, mode);
    }

    public Path consoleLog() {
        return layout(RunLayout.ConsoleMode.SOCKET).consoleLog();
    }

    /** The sockets QEMU makes here; all of them go when the guest ends. */
    public List<Path> sockets() {
        RunLayout l = layout(RunLayout.ConsoleMode.SOCKET);
        return List.of(l.qmpSocket(), l.qmpCliSocket(), l.consoleSocket());
    }
}
