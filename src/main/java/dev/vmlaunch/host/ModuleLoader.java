package dev.vmlaunch.host;

import java.io.IOException;

/** Loads kernel modules. Real: {@code modprobe}; tests: a fake that registers the driver in a fake tree. */
public interface ModuleLoader {
    void load(String module) throws IOException;
}
