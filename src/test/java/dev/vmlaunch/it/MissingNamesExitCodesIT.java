package dev.vmlaunch.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * README's exit-code table for names and files that are not there, subcommand by subcommand, as a user runs
 * ./vmlaunch: a name that is no guest or a file that does not exist is a usage error (2), a PCI device that is not
 * on this host means the host is not ready (3). Always one line on stderr, nothing on stdout.
 */
class MissingNamesExitCodesIT {
    @TempDir
    Path tmp;

    @ParameterizedTest(name = "vmlaunch {0} exits {1}")
    @CsvSource(
            delimiter = '|',
            value = {
                "stop nosuchguest                     | 2 | no guest named \"nosuchguest\"",
                "stop nosuchguest othermissing        | 2 | no guest named \"nosuchguest\", \"othermissing\"",
                "status nosuchguest                   | 2 | no guest named \"nosuchguest\"",
                "status --json nosuchguest            | 2 | no guest named \"nosuchguest\"",
                "console nosuchguest                  | 2 | no guest named \"nosuchguest\"",
                "logs nosuchguest                     | 2 | no guest named \"nosuchguest\"",
                "logs -f nosuchguest                  | 2 | no guest named \"nosuchguest\"",
                "print /nonexistent/guest.json        | 2 | /nonexistent/guest.json: no such file",
                "check /nonexistent/guest.json        | 2 | /nonexistent/guest.json: no such file",
                "run /nonexistent/guest.json          | 2 | /nonexistent/guest.json: no such file",
                "run -d /nonexistent/guest.json       | 2 | /nonexistent/guest.json: no such file",
                "test /nonexistent/harness.json       | 2 | /nonexistent/harness.json: no such file",
                "export libvirt /nonexistent/guest.json | 2 | /nonexistent/guest.json: no such file",
                "interrupts diff /nonexistent/a /nonexistent/b | 2 | /nonexistent/a: no such file",
                "bind 0000:99:00.0                    | 3 | no PCI device 0000:99:00.0 on this host",
                "unbind 0000:99:00.0                  | 3 | no PCI device 0000:99:00.0 on this host",
                "groups --device 0000:99:00.0         | 3 | no PCI device 0000:99:00.0 on this host",
            })
    void aMissingNameOrFileHasTheDocumentedExitCodeAndOneLine(String command, int code, String message)
            throws Exception {
        SupervisionEnv env = new SupervisionEnv(tmp);
        VmlaunchProcess p = env.vmlaunch(command.trim().split(" +"));
        assertEquals(code, p.exitCode(), p.transcript());
        assertEquals(List.of(), p.stdout(), p.transcript());
        List<String> err = p.stderr().stream().filter(l -> !l.isBlank()).toList();
        assertTrue(p.stderrText().contains(message), p.transcript());
        // bind lists what it refused under one heading line; everything else says it in one line.
        assertTrue(err.size() == 1 || (command.startsWith("bind") && err.size() == 2), p.transcript());
        assertFalse(p.stderrText().contains("\tat "), "no stack trace: " + p.transcript());
    }
}
