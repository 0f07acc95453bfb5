package dev.vmlaunch.cli.docs;

import dev.vmlaunch.cli.ThroughPicocli;
import dev.vmlaunch.cli.Version;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import picocli.AutoComplete;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;

/**
 * Build step ({@code mvn package}, exec-maven-plugin): writes every command's man page and the bash and zsh
 * completion scripts from the picocli model, under the given folder:
 * <pre>man/man1/vmlaunch.1, man/man1/vmlaunch-run.1, ..., completion/vmlaunch.bash, completion/vmlaunch.zsh</pre>
 * {@code vmlaunch install} copies them into a prefix.
 */
public final class BuildDocs {
    private BuildDocs() {}

    public static void main(String[] args) throws IOException {
        if (args.length != 2) {
            System.err.println("usage: BuildDocs OUT_DIR DATE");
            System.exit(2);
        }
        List<Path> written = write(Path.of(args[0]), args[1], Version.current());
        System.out.println("vmlaunch: wrote " + written.size() + " man pages and completions under " + args[0]);
    }

    public static List<Path> write(Path out, String date, String version) throws IOException {
        CommandLine root = ThroughPicocli.commandLine();
        List<Path> written = new ArrayList<>();
        Path man1 = Files.createDirectories(out.resolve("man").resolve("man1"));
        for (CommandSpec spec : commands(root.getCommandSpec())) {
            Path page = man1.resolve(ManPage.pageName(spec) + ".1");
            Files.writeString(page, new ManPage(spec, date).render(version), StandardCharsets.UTF_8);
            written.add(page);
        }
        Path completion = Files.createDirectories(out.resolve("completion"));
        String bash = AutoComplete.bash("vmlaunch", root);
        Path bashFile = completion.resolve("vmlaunch.bash");
        Files.writeString(bashFile, bash, StandardCharsets.UTF_8);
        written.add(bashFile);
        // zsh runs the same completion function through its bash compatibility layer (picocli's documented way).
        Path zshFile = completion.resolve("vmlaunch.zsh");
        Files.writeString(
                zshFile,
                "# vmlaunch completion for zsh: source this file from ~/.zshrc\n"
                        + "autoload -U +X compinit && compinit\n"
                        + "autoload -U +X bashcompinit && bashcompinit\n" + bash,
                StandardCharsets.UTF_8);
        written.add(zshFile);
        return written;
    }

    /** The command and all its visible descendants, depth first; the help command is not a page of its own. */
    static List<CommandSpec> commands(CommandSpec spec) {
        List<CommandSpec> all = new ArrayList<>();
        all.add(spec);
        spec.subcommands().values().stream()
                .distinct()
                .map(CommandLine::getCommandSpec)
                .filter(c -> !c.usageMessage().hidden() && !c.name().equals("help"))
                .forEach(c -> all.addAll(commands(c)));
        return all;
    }
}
