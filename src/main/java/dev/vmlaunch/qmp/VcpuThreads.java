package dev.vmlaunch.qmp;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;

/** QMP {@code query-cpus-fast}: which host thread runs which vCPU. */
public final class VcpuThreads {
    private VcpuThreads() {}

    /**
     * vCPU index ({@code cpu-index}) → host thread id ({@code thread-id}).
     *
     * @throws QmpErrorException the reply is not the list QEMU documents (an entry without a number where one belongs)
     */
    public static Map<Integer, Long> query(QmpClient qmp, Duration timeout) throws QmpException, InterruptedException {
        JsonNode r = qmp.execute("query-cpus-fast", timeout);
        Map<Integer, Long> out = new TreeMap<>();
        if (!r.isArray()) {
            throw malformed("expected an array, found " + r.getNodeType());
        }
        for (JsonNode cpu : r) {
            JsonNode index = cpu.path("cpu-index");
            JsonNode tid = cpu.path("thread-id");
            if (!index.canConvertToInt()
                    || !index.isIntegralNumber()
                    || index.asInt() < 0
                    || !tid.isIntegralNumber()
                    || !tid.canConvertToLong()
                    || tid.asLong() <= 0) {
                throw malformed("an entry without a valid cpu-index and thread-id: " + abbreviate(cpu.toString()));
            }
            if (out.putIfAbsent(index.asInt(), tid.asLong()) != null) {
                throw malformed("cpu-index " + index.asInt() + " listed twice");
            }
        }
        return out;
    }

    private static QmpErrorException malformed(String what) {
        return new QmpErrorException("query-cpus-fast", "GenericError", "unexpected reply: " + what);
    }

    private static String abbreviate(String s) {
        return s.length() > 200 ? s.substring(0, 200) + "..." : s;
    }
}
