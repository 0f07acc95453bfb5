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
        add(PrintCommand.class);
        add(CheckCommand.class);
        add(RunCommand.class);
        add(ListCommand.class);
        add(StopCommand.class);
        add(StatusCommand.class);
        add(ConsoleCommand.class);
        add(LogsCommand.class);
        add(TestCommand.class);
        add(LabCommand.class);
        add(LabInsideCommand.class);
        add(InterruptsCommand.class);
        add(VfioProbeCommand.class);
        add(GroupsCommand.class);
        add(BindCommand.class);
        add(UnbindCommand.class);
        add(HostCommand.class);
        add(ExportCommand.class);
        add(CommandLine.HelpCommand.class);
    }

    /** Main's own options that take no value; anything else before the subcommand's name means "give it all". */
    private static final List<String> MAIN_FLAGS = List.of("--debug");

    private Subcommands() {
    }

    private static void add(Class<?> c) {
        // The annotation's name only: reading it does not build picocli's model.
        ALL.put(c.getAnnotation(CommandLine.Command.class).name(), c);
    }

    /** Every subcommand name, in help order. */
    static List<String> names() {
        return List.copyOf(ALL.keySet());
    }

    /** Adds to {@code main} the subcommands {@code args} can reach. */
    static void register(CommandLine main, String[] args) {
        String chosen = chosen(args);
        if (chosen != null) {
            main.addSubcommand(chosen, ALL.get(chosen));
            return;
        }
        ALL.forEach(main::addSubcommand);
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
