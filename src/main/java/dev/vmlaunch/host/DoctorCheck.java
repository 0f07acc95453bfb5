package dev.vmlaunch.host;

import java.util.Locale;

/** One line of {@code vmlaunch host check}: what was checked, the verdict, what was seen, and the fix. */
public record DoctorCheck(String id, Status status, String detail, String remedy) {
    public enum Status {
        PASS,
        WARN,
        FAIL;

        public String json() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    static DoctorCheck pass(String id, String detail) {
        return new DoctorCheck(id, Status.PASS, detail, null);
    }

    static DoctorCheck warn(String id, String detail, String remedy) {
        return new DoctorCheck(id, Status.WARN, detail, remedy);
    }

    static DoctorCheck fail(String id, String detail, String remedy) {
        return new DoctorCheck(id, Status.FAIL, detail, remedy);
    }
}
