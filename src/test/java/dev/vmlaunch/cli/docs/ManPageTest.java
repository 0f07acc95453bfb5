package dev.vmlaunch.cli.docs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vmlaunch.cli.ThroughPicocli;
import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine.Model.CommandSpec;

class ManPageTest {

    @Test
    void textThatLooksLikeTroffIsEscaped() {
        assertEquals(
                "\\&.vmlaunch/NAME holds \\e\\-\\- the agent", ManPage.escape(".vmlaunch/NAME holds \\-- the agent"));
        assertEquals("a\n\\&'quoted", ManPage.escape("a\n'quoted"));
        assertEquals("\\-\\-stop\\-timeout", ManPage.escape("--stop-timeout"));
    }

    @Test
    void everyVisibleCommandGetsAPageAndHiddenOnesDoNot() {
        List<String> names = BuildDocs.commands(ThroughPicocli.commandLine().getCommandSpec()).stream()
                .map(ManPage::pageName)
                .toList();
        assertTrue(
                names.containsAll(List.of(
                        "vmlaunch",
                        "vmlaunch-run",
                        "vmlaunch-host-check",
                        "vmlaunch-interrupts-diff",
                        "vmlaunch-install")),
                names.toString());
        assertFalse(names.contains("vmlaunch-lab-inside"), names.toString());
        assertFalse(names.contains("vmlaunch-help"), names.toString());
    }

    @Test
    void aPageCarriesTheCommandsOptionsAndTheRootsExitCodes() {
        CommandSpec stop =
                ThroughPicocli.commandLine().getSubcommands().get("stop").getCommandSpec();
        String page = new ManPage(stop, "2026-12-02").render("1.2.3");
        assertTrue(page.startsWith(".TH \"VMLAUNCH-STOP\" 1 \"2026-12-02\" \"vmlaunch 1.2.3\""), page);
        assertTrue(page.contains(".SH NAME\nvmlaunch\\-stop \\- "), page);
        assertTrue(page.contains(".SH OPTIONS\n"), page);
        assertTrue(page.contains(".TP\n.B 2\nusage or configuration error"), page);
        assertTrue(page.contains("\\fBvmlaunch\\fR(1)"), page);
    }
}
