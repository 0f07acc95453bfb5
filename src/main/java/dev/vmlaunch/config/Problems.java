package dev.vmlaunch.config;

import java.util.ArrayList;
import java.util.List;

/** Collects the errors and warnings of one config file so that all of them are reported at once. */
public final class Problems {
    private final String file;
    private final List<ConfigError> errors = new ArrayList<>();
    private final List<ConfigError> warnings = new ArrayList<>();

    public Problems(String file) {
        this.file = file;
    }

    public String file() {
        return file;
    }

    public void error(Json.Location at, String path, String message) {
        errors.add(
                new ConfigError(file, at == null ? 0 : at.line(), at == null ? 0 : at.column(), path, message, false));
    }

    public void warn(Json.Location at, String path, String message) {
        warnings.add(
                new ConfigError(file, at == null ? 0 : at.line(), at == null ? 0 : at.column(), path, message, true));
    }

    public boolean hasErrors() {
        return !errors.isEmpty();
    }

    public List<ConfigError> warnings() {
        return List.copyOf(warnings);
    }

    /** Throws a {@link ConfigException} with every error found so far, if there is any. */
    public void throwIfAny() {
        if (!errors.isEmpty()) {
            throw new ConfigException(errors);
        }
    }
}
