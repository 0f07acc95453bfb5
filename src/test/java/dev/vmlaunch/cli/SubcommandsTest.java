package dev.vmlaunch.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.Map;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** Which subcommands a command line gets built, and that doing so lazily changes nothing a user sees. */
class SubcommandsTest {

    @Test
    void eachSpelledNameIsTheNameItsClassDeclares() {
        Subcommands.all()
                .forEach((name, c) ->
                        assertEquals(c.getAnnotation(CommandLine.Command.class).name(), name, c.getName()));
    }

    @Test
    void aNamedSubcommandIsTheOnlyOneBuilt() {
        CommandLine cl = new CommandLine(new Main());
        Subcommands.register(cl, new String[] {"--debug", "list", "--json"});
        assertEquals(java.util.Set.of("list"), cl.getSubcommands().keySet());
    }

    @Test
    void helpNoCommandOrAnUnknownOneGetAllOfThem() {
        assertNull(Subcommands.chosen(new String[] {}));
        assertNull(Subcommands.chosen(new String[] {"help", "list"}));
        assertNull(Subcommands.chosen(new String[] {"--help"}));
        assertNull(Subcommands.chosen(new String[] {"lsit"}));
        CommandLine cl = new CommandLine(new Main());
        Subcommands.register(cl, new String[] {"lsit"});
        assertEquals(Subcommands.all().keySet(), cl.getSubcommands().keySet());
    }

    @Test
    void topLevelHelpStillListsEveryVisibleCommand() {
        StringWriter out = new StringWriter();
        assertEquals(
                0, Main.execute(new String[] {"--help"}, new PrintWriter(out), new PrintWriter(new StringWriter())));
        for (Map.Entry<String, Class<?>> e : Subcommands.all().entrySet()) {
            boolean hidden =
                    e.getValue().getAnnotation(CommandLine.Command.class).hidden();
            assertEquals(!hidden, out.toString().contains("\n  " + e.getKey() + " "), e.getKey() + " in:\n" + out);
        }
    }

    @Test
    void anInheritedOptionAfterALazilyAddedSubcommandStillParses() {
        StringWriter err = new StringWriter();
        int code = Main.execute(
                new String[] {"status", "no-such-guest", "--debug"},
                new PrintWriter(new StringWriter()),
                new PrintWriter(err));
        assertEquals(2, code, err.toString());
        assertTrue(err.toString().contains("at dev.vmlaunch.cli.StatusCommand"), "--debug showed the stack: " + err);
    }
}
