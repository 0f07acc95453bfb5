package dev.vmlaunch.cli;

import dev.vmlaunch.config.ConfigError;
import dev.vmlaunch.config.GuestSpecLoader;
import dev.vmlaunch.drivers.VmmDrivers;
import java.io.PrintWriter;
import java.nio.file.Path;

/** Loading a guest.json the same way in every command: errors throw (exit 2), warnings go to stderr. */
final class GuestArgs {
    private GuestArgs() {}

    static GuestSpecLoader.Loaded load(Path file, PrintWriter err) {
        GuestSpecLoader.Loaded loaded = GuestSpecLoader.load(file, VmmDrivers::rules);
        for (ConfigError w : loaded.warnings()) {
            err.println(w.format());
        }
        err.flush();
        return loaded;
    }
}
