package dev.vmlaunch.cli;

import java.io.PrintWriter;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.List;

/**
 * The plain command lines of {@code list} and {@code print}, run without picocli. They are the commands people run in
 * loops, and what was left of their start was mostly picocli: its model of Main and the subcommand built by
 * reflection, annotation proxies, and its Java 5 classes verified on every start (README, "Startup").
 *
 * <p>A line is taken only when it is the subcommand's name followed by nothing but that command's flags, each spelled
 * out as a word of its own and given at most once, and for {@code print} exactly one file that picocli, too, could
 * only read as the file (not empty, not starting with {@code -} or {@code @}, a valid path). Everything else — help,
 * {@code --debug}, {@code --}, an unknown or repeated option, clustered short options, {@code --flag=value}, a missing
 * or extra argument, picocli's tracing switched on — is not taken ({@link #run} returns null) and goes through picocli
 * as before, which says what it always said.
 *
 * <p>A taken line runs the same static method the command's picocli {@code call()} runs, with the same writers, and
 * an exception from it is reported by {@link Main#report} as picocli's execution handler reports it (never with a
 * stack trace: {@code --debug} is never taken here). So stdout, stderr and the exit code are the same either way;
 * FastPathTest runs every kind of line both ways.
 *
 * <p>No picocli type appears in this class, not even in a signature or an import, so that the JVM loads none for a
 * line taken here (StartupArchiveIT checks it).
 */
final class FastPath {
    /**
     * Both commands have {@code --json} and one more flag, here with every spelling picocli accepts for it; they have
     * no other options (print's one parameter is the guest file).
     */
    private static final String JSON = "--json";

    private static final List<String> LIST_ALL = List.of("-a", "--all");
    private static final List<String> PRINT_DETACH = List.of("-d", "--detach");

    /** With this system property set picocli traces its parsing to stderr; such a line is left to picocli. */
    private static final String PICOCLI_TRACE = "picocli.trace";

    private FastPath() {}

    /** Runs {@code args} if it is a line taken here and returns its exit code; null if it is left to picocli. */
    static Integer run(String[] args, PrintWriter out, PrintWriter err) {
        if (args.length == 0 || System.getProperty(PICOCLI_TRACE) != null) {
            return null;
        }
        if (args[0].equals("list")) {
            Line line = parse(args, LIST_ALL, false);
            if (line == null) {
                return null;
            }
            try {
                return ListCommand.list(out, line.json(), line.flag());
            } catch (Exception ex) {
                return Main.report(ex, false, err);
            }
        }
        if (args[0].equals("print")) {
            Line line = parse(args, PRINT_DETACH, true);
            if (line == null || line.file() == null) {
                return null;
            }
            Path file;
            try {
                file = Path.of(line.file());
            } catch (InvalidPathException e) {
                // picocli's converter fails on it too, with a usage error of its own.
                return null;
            }
            try {
                return PrintCommand.print(file, line.json(), line.flag(), out, err);
            } catch (Exception ex) {
                return Main.report(ex, false, err);
            }
        }
        return null;
    }

    /** A line taken here: whether it gives --json, the command's other flag, and its parameter (null if none). */
    private record Line(boolean json, boolean flag, String file) {}

    /**
     * {@code args} after the subcommand's name, or null when a word is neither --json nor {@code flag} nor the one
     * parameter a command that {@code takesFile} may have, or when an option is repeated (picocli refuses that).
     */
    private static Line parse(String[] args, List<String> flag, boolean takesFile) {
        boolean json = false;
        boolean other = false;
        String file = null;
        for (int i = 1; i < args.length; i++) {
            String a = args[i];
            if (a.equals(JSON) && !json) {
                json = true;
            } else if (flag.contains(a) && !other) {
                other = true;
            } else if (takesFile && file == null && plainParameter(a)) {
                file = a;
            } else {
                return null;
            }
        }
        return new Line(json, other, file);
    }

    /**
     * A word picocli can only take as a positional parameter: a leading {@code -} may be an option (or {@code --},
     * or a cluster), a leading {@code @} is an argument file picocli expands, and an empty word is left to it too.
     */
    private static boolean plainParameter(String word) {
        return !word.isEmpty() && word.charAt(0) != '-' && word.charAt(0) != '@';
    }
}
