package dev.vmlaunch.config;

/** What every fuzz target asserts about the error it got: a message a user can read, one line per problem. */
public final class FuzzAssert {
    private FuzzAssert() {}

    public static void oneLineMessage(Throwable e) {
        String m = e.getMessage();
        if (m == null || m.isBlank()) {
            throw new AssertionError("an error without a message", e);
        }
        if (m.length() > 64 * 1024) {
            throw new AssertionError("an error message of " + m.length() + " characters", e);
        }
    }
}
