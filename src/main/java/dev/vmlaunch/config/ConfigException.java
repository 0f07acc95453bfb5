package dev.vmlaunch.config;

import dev.vmlaunch.ExitCodes;
import dev.vmlaunch.VmlaunchException;
import java.util.List;

/** A config file that cannot be used; carries every error found, each printed on its own line. Exit code 2. */
public final class ConfigException extends VmlaunchException {
    private static final long serialVersionUID = 1L;
    private final transient List<ConfigError> errors;

    public ConfigException(List<ConfigError> errors) {
        super(
                ExitCodes.USAGE,
                errors.isEmpty() ? "invalid config" : errors.get(0).format());
        this.errors = List.copyOf(errors);
    }

    public List<ConfigError> errors() {
        return errors;
    }
}
