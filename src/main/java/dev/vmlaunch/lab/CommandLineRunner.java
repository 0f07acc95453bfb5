package dev.vmlaunch.lab;

import java.io.PrintWriter;

/**
 * How the lab runs a vmlaunch command inside the lab host: the CLI's own entry point in this JVM, with the real
 * sockets and state files, exactly as a user's typed command would run it (the CLI hands in {@code Main::execute};
 * the lab sits below the CLI and does not know it).
 */
@FunctionalInterface
public interface CommandLineRunner {
    /** Runs {@code vmlaunch ARGS}; returns its exit code. */
    int execute(String[] args, PrintWriter out, PrintWriter err);
}
