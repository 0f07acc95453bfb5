package dev.vmlaunch.cli;

import dev.vmlaunch.ExitCodes;
import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;

/**
 * A command line run through picocli: every line {@link FastPath} does not take. Apart from {@link Main} so that
 * starting Main loads no picocli class (see Main).
 */
public final class ThroughPicocli {
    private ThroughPicocli() {}

    /** Runs one command line through picocli, whatever it is; returns the exit code. */
    static int execute(String[] args, PrintWriter out, PrintWriter err) {
        boolean debug = debugRequested(args);
        CommandLine cl = new CommandLine(new Main());
        Subcommands.register(cl, args);
        cl.setOut(out);
        cl.setErr(err);
        cl.setCaseInsensitiveEnumValuesAllowed(false);
        cl.setParameterExceptionHandler(new UsageErrors(err));
        cl.setExecutionExceptionHandler(new ExecutionErrors(debug, err));
        int code = cl.execute(args);
        out.flush();
        err.flush();
        return code;
    }

    /** The whole command tree, as {@code execute} runs it and as the build renders man pages and completions. */
    public static CommandLine commandLine() {
        CommandLine cl = new CommandLine(new Main());
        Subcommands.register(cl, new String[0]);
        return cl;
    }

    /**
     * A usage error of {@code spec}'s command, typed as a RuntimeException for Main, whose verifier would otherwise
     * load picocli's exception classes to check that what it throws is a Throwable.
     */
    static RuntimeException usageError(CommandSpec spec, String message) {
        return new ParameterException(spec.commandLine(), message);
    }

    // Named classes rather than lambdas: a lambda for one of picocli's (Java 5) interfaces gets picocli's classes
    // linked while the CDS archive is dumped, which then leaves CommandLine itself out of the archive.
    private record UsageErrors(PrintWriter err) implements CommandLine.IParameterExceptionHandler {
        @Override
        public int handleParseException(ParameterException ex, String[] args) {
            CommandLine cmd = ex.getCommandLine();
            err.println(cmd.getCommandSpec().qualifiedName() + ": " + ex.getMessage());
            err.println("Try '" + cmd.getCommandSpec().qualifiedName() + " --help' for more information.");
            err.flush();
            return ExitCodes.USAGE;
        }
    }

    private record ExecutionErrors(boolean debug, PrintWriter err) implements CommandLine.IExecutionExceptionHandler {
        @Override
        public int handleExecutionException(Exception ex, CommandLine cmd, CommandLine.ParseResult parseResult) {
            return Main.report(ex, debug, err);
        }
    }

    private static boolean debugRequested(String[] args) {
        for (String a : args) {
            if (a.equals("--")) {
                return false;
            }
            if (a.equals("--debug")) {
                return true;
            }
        }
        return false;
    }
}
