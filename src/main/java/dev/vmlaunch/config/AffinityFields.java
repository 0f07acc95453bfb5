package dev.vmlaunch.config;

import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * Reads {@code cpuAffinity} and {@code vcpuPin} of a guest object. Only the syntax and the guest's own limits are
 * checked here; whether the CPUs are online is a fact of the host, checked by {@code check} and {@code run}.
 */
final class AffinityFields {
    static final String CPU_AFFINITY = "cpuAffinity";
    static final String VCPU_PIN = "vcpuPin";
    private static final Pattern INDEX = Pattern.compile("0|[1-9][0-9]{0,3}");

    private AffinityFields() {}

    static Affinity read(Fields f, int cpus) {
        CpuList process = f.string(CPU_AFFINITY)
                .flatMap(s -> cpuList(s, f.at(CPU_AFFINITY), f.pathOf(CPU_AFFINITY), f.problems()))
                .orElse(null);
        Map<Integer, CpuList> vcpus = new TreeMap<>();
        Optional<Json> pin = f.node(VCPU_PIN);
        if (pin.isPresent()) {
            if (!(pin.get() instanceof Json.Obj o)) {
                f.error(
                        VCPU_PIN,
                        "expected an object of guest vCPU index → host CPU list, e.g. {\"0\": \"2\", \"1\": \"3\"}, "
                                + "found " + pin.get().kind());
            } else {
                for (var e : o.members().entrySet()) {
                    String path = JsonPath.member(f.pathOf(VCPU_PIN), e.getKey());
                    Json.Location keyAt = e.getValue().keyAt();
                    if (!INDEX.matcher(e.getKey()).matches()) {
                        f.problems()
                                .error(
                                        keyAt,
                                        path,
                                        "\"" + e.getKey() + "\" is not a vCPU index (expected a number " + "from 0 to "
                                                + (cpus - 1) + ", written without leading zeros)");
                        continue;
                    }
                    int index = Integer.parseInt(e.getKey());
                    if (index >= cpus) {
                        f.problems()
                                .error(
                                        keyAt,
                                        path,
                                        "vCPU " + index + " does not exist: the guest has " + cpus + " vCPU"
                                                + (cpus == 1 ? "" : "s") + " (0.." + (cpus - 1) + "; see \"cpus\")");
                        continue;
                    }
                    Json v = e.getValue().value();
                    if (!(v instanceof Json.Str s)) {
                        f.problems()
                                .error(
                                        v.at(),
                                        path,
                                        "expected a host CPU list string such as \"2\" or \"2-3\", found " + v.kind());
                        continue;
                    }
                    Optional<CpuList> list = cpuList(s.value(), v.at(), path, f.problems());
                    if (list.isEmpty()) {
                        continue;
                    }
                    Optional<CpuList> outside =
                            process == null ? Optional.empty() : list.get().minus(process);
                    if (outside.isPresent()) {
                        boolean one = outside.get().size() == 1;
                        f.problems()
                                .error(
                                        v.at(),
                                        path,
                                        "host CPU" + (one ? " " : "s ") + outside.get() + " of vCPU "
                                                + index + (one ? " is" : " are") + " outside \"" + CPU_AFFINITY
                                                + "\": \"" + process
                                                + "\" (a vCPU thread runs within the process's CPUs)");
                        continue;
                    }
                    vcpus.put(index, list.get());
                }
            }
        }
        return process == null && vcpus.isEmpty() ? Affinity.NONE : new Affinity(process, vcpus);
    }

    private static Optional<CpuList> cpuList(String text, Json.Location at, String path, Problems problems) {
        return CpuList.parse(text, why -> problems.error(at, path, why));
    }
}
