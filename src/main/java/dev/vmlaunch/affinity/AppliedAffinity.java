package dev.vmlaunch.affinity;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;

/**
 * The pinning as the kernel reports it, read back from /proc after it was applied (and again by {@code status}).
 * Recorded as {@code affinity.json} in the guest's state folder.
 *
 * @param asked   what guest.json asked for, in words
 * @param askedProcess the asked cpuAffinity, null when not set
 * @param process the main thread's Cpus_allowed_list (null when it could not be read)
 * @param threads how many threads the VMM had, and how many of them ran outside {@code cpuAffinity}
 * @param vcpus   each pinned vCPU's thread and its mask
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record AppliedAffinity(
        @JsonProperty("asked") String asked,
        @JsonProperty("askedProcess") String askedProcess,
        @JsonProperty("process") String process,
        @JsonProperty("threads") int threads,
        @JsonProperty("threadsOutsideProcessMask") List<Long> threadsOutsideProcessMask,
        @JsonProperty("vcpus") List<Vcpu> vcpus) {

    public AppliedAffinity {
        threadsOutsideProcessMask =
                threadsOutsideProcessMask == null ? List.of() : List.copyOf(threadsOutsideProcessMask);
        vcpus = vcpus == null ? List.of() : List.copyOf(vcpus);
    }

    /** @param cpus the thread's Cpus_allowed_list, null when the thread is gone */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Vcpu(
            @JsonProperty("index") int index, @JsonProperty("tid") long tid, @JsonProperty("cpus") String cpus) {}

    /** For people: {@code process 0 (3 threads); vCPU 0: tid 1234 on 0}. */
    public String describe() {
        StringBuilder b = new StringBuilder("process ")
                .append(process == null ? "?" : process)
                .append(" (")
                .append(threads)
                .append(threads == 1 ? " thread" : " threads");
        if (!threadsOutsideProcessMask.isEmpty()) {
            b.append(", outside the mask: tid ")
                    .append(threadsOutsideProcessMask.stream()
                            .map(String::valueOf)
                            .reduce((x, y) -> x + "," + y)
                            .orElse(""));
        }
        b.append(')');
        for (Vcpu v : vcpus) {
            b.append("; vCPU ")
                    .append(v.index())
                    .append(": tid ")
                    .append(v.tid())
                    .append(" on ")
                    .append(v.cpus() == null ? "(gone)" : v.cpus());
        }
        return b.toString();
    }
}
