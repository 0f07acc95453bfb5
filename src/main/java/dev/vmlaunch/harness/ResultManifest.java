package dev.vmlaunch.harness;

import dev.vmlaunch.VmlaunchException;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The body of a result's {@code exit} file: {@code code=N}, then {@code FILE=SHA256} for each of
 * {@link GuestAgent#RESULT_FILES}. Exactly those keys, once each; anything else is a one-line failure.
 */
record ResultManifest(int exitCode, Map<String, String> sha256) {
    static ResultManifest parse(String body, String what) {
        Integer code = null;
        Map<String, String> sums = new LinkedHashMap<>();
        for (String line : body.split("\n")) {
            if (line.isEmpty()) {
                continue;
            }
            int eq = line.indexOf('=');
            String key = eq < 0 ? line : line.substring(0, eq);
            String value = eq < 0 ? "" : line.substring(eq + 1);
            if (key.equals("code") && code == null) {
                if (!value.matches("-?[0-9]{1,3}")) {
                    throw VmlaunchException.failure(what + ": exit code \"" + Irqs.clip(value) + "\" is not a number");
                }
                code = Integer.parseInt(value);
            } else if (GuestAgent.RESULT_FILES.contains(key)
                    && !sums.containsKey(key)
                    && value.matches("[0-9a-f]{64}")) {
                sums.put(key, value);
            } else {
                throw VmlaunchException.failure(
                        what + ": unexpected line \"" + Irqs.clip(line) + "\" in its exit file");
            }
        }
        if (code == null || sums.size() != GuestAgent.RESULT_FILES.size()) {
            throw VmlaunchException.failure(
                    what + ": its exit file lacks " + (code == null ? "code=" : "a file's SHA-256"));
        }
        return new ResultManifest(code, Map.copyOf(sums));
    }
}
