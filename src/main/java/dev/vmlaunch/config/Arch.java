package dev.vmlaunch.config;

/** Guest architecture. */
public enum Arch implements JsonEnum {
    X86_64("x86_64"),
    AARCH64("aarch64");

    private final String json;

    Arch(String json) {
        this.json = json;
    }

    /** The architecture this JVM runs on, when vmlaunch knows it. */
    public static java.util.Optional<Arch> host() {
        String a = System.getProperty("os.arch", "");
        if (a.equals("amd64") || a.equals("x86_64")) {
            return java.util.Optional.of(X86_64);
        }
        if (a.equals("aarch64") || a.equals("arm64")) {
            return java.util.Optional.of(AARCH64);
        }
        return java.util.Optional.empty();
    }

    @Override
    public String json() {
        return json;
    }
}
