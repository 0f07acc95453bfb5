package dev.vmlaunch.cli;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine;

/**
 * The top-level subcommands, in the order {@code vmlaunch --help} lists them, and the choice of which of them a
 * command line needs. Building picocli's model reflects over every option of every class it is given; for the 18
 * commands that was most of a {@code list}'s start (picocli's classes are Java 5 class files, which class-data sharing
 * cannot archive, so that work is redone on every start). A command line that names its subcommand gets only that
 * one; help, a missing or an unknown name gets all of them, so usage, "did you mean" and errors stay as they were.
 */
final class Subcommands {
    private static final Map<String, Class<?>> ALL = new LinkedHashMap<>();

    static {
        ALL.put("print", PrintCommand.class);
        ALL.put("check", CheckCommand.class);
        ALL.put("run", RunCommand.class);
        ALL.put("list", ListCommand.class);
        ALL.put("stop", StopCommand.class);
        ALL.put("pause", PauseCommand.class);
        ALL.put("resume", ResumeCommand.class);
        ALL.put("status", StatusCommand.class);
        ALL.put("attach", AttachCommand.class);
        ALL.put("detach", DetachCommand.class);
        ALL.put("console", ConsoleCommand.class);
        ALL.put("logs", LogsCommand.class);
        ALL.put("test", TestCommand.class);
        ALL.put("lab", LabCommand.class);
        ALL.put("lab-inside", LabInsideCommand.class);
        ALL.put("interrupts", InterruptsCommand.class);
        ALL.put("vfio-probe", VfioProbeCommand.class);
        ALL.put("groups", GroupsCommand.class);
        ALL.put("bind", BindCommand.class);
        ALL.put("unbind", UnbindCommand.class);
        ALL.put("host", HostCommand.class);
        ALL.put("export", ExportCommand.class);
        ALL.put("install", InstallCommand.class);
        ALL.put("help", CommandLine.HelpCommand.class);
    }

    /** Main's own options that take no value; anything else before the subcommand's name means "give it all". */
    private static final List<String> MAIN_FLAGS = List.of("--debug");

    private Subcommands() {}

    /**
     * Every subcommand by name, in help order. The names are spelled here, not read from each class's annotation:
     * parsing 19 annotations costs a start what it saves (SubcommandsTest checks they agree).
     */
    static Map<String, Class<?>> all() {
        return Map.copyOf(ALL);
    }

    /** Adds to {@code main} the subcommands {@code args} can reach. */
    static void register(CommandLine main, String[] args) {
        String chosen = chosen(args);
        if (chosen != null) {
            main.addSubcommand(chosen, ALL.get(chosen));
            return;
        }
        // A plain loop, not ALL.forEach(main::addSubcommand): a method reference bound to a CommandLine links
        // picocli's (Java 5) classes while the CDS archive is dumped, and the JDK then leaves CommandLine itself out of
        // the archive, so every start parsed and verified it from the jar again.
        for (Map.Entry<String, Class<?>> e : ALL.entrySet()) {
            main.addSubcommand(e.getKey(), e.getValue());
        }
    }

    /** The subcommand {@code args} names, or null when it needs them all (help, none, unknown, a Main option). */
    static String chosen(String[] args) {
        for (String a : args) {
            if (MAIN_FLAGS.contains(a)) {
                continue;
            }
            return ALL.containsKey(a) && !a.equals("help") ? a : null;
        }
        return null;
    }
}
