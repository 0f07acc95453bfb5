package dev.vmlaunch.config;

/**
 * One problem found in a config file, printed as {@code guest.json:LINE:COL: $.json.path: what is wrong}.
 * {@code line} and {@code column} are 1-based; 0 means the whole file (an empty file, say).
 */
public record ConfigError(String file, int line, int column, String jsonPath, String message, boolean warning) {

    public String format() {
        StringBuilder sb = new StringBuilder(file);
        if (line > 0) {
            sb.append(':').append(line).append(':').append(column);
        }
        sb.append(": ");
        if (jsonPath != null && !jsonPath.isEmpty()) {
            sb.append(jsonPath).append(": ");
        }
        if (warning) {
            sb.append("warning: ");
        }
        return sb.append(message).toString();
    }
}
