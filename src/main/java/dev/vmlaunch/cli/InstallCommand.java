package dev.vmlaunch.cli;

import dev.vmlaunch.ExitCodes;
import dev.vmlaunch.VmlaunchException;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code vmlaunch install}: puts the build's man pages and shell completions (target/man, target/completion, made
 * by {@code mvn package} from the command model) and a {@code bin/vmlaunch} link to this checkout's launcher under a
 * prefix, the way {@code make install} would. Nothing is written until every source file has been found.
 */
@Command(
        name = "install",
        mixinStandardHelpOptions = true,
        versionProvider = Version.class,
        sortOptions = false,
        description = {
            "Install the man pages, the bash and zsh completions and a bin/vmlaunch link to this checkout's launcher"
                    + " under a prefix.",
            "Files: PREFIX/share/man/man1/vmlaunch*.1, PREFIX/share/bash-completion/completions/vmlaunch,"
                    + " PREFIX/share/vmlaunch/vmlaunch.zsh (source it from ~/.zshrc), PREFIX/bin/vmlaunch."
        })
public final class InstallCommand implements Callable<Integer> {

    @Option(
            names = "--prefix",
            paramLabel = "DIR",
            defaultValue = "/usr/local",
            description = "Where to install (default: ${DEFAULT-VALUE}).")
    Path prefix;

    @Option(names = "--dry-run", description = "Print what would be installed, change nothing.")
    boolean dryRun;

    @Spec
    CommandSpec spec;

    /** One file to put in place: copied, or (bin/vmlaunch) a symbolic link. */
    record Item(Path source, Path target, boolean link) {}

    @Override
    public Integer call() {
        Path built = builtFolder();
        List<Item> items = plan(built, prefix.toAbsolutePath().normalize());
        PrintWriter out = spec.commandLine().getOut();
        for (Item i : items) {
            if (!dryRun) {
                put(i);
            }
            out.println(
                    (dryRun ? "would install " : "installed ") + i.target() + (i.link() ? " -> " + i.source() : ""));
        }
        if (!dryRun) {
            out.println("man pages: man vmlaunch (add " + prefix.resolve("share/man") + " to MANPATH if man does not"
                    + " find it); bash completion loads on its own in a new shell; zsh: source "
                    + prefix.resolve("share/vmlaunch/vmlaunch.zsh") + " in ~/.zshrc");
        }
        out.flush();
        return ExitCodes.OK;
    }

    /** Everything to install, checked to exist before anything is written. */
    static List<Item> plan(Path built, Path prefix) {
        List<Item> items = new ArrayList<>();
        Path man1 = built.resolve("man").resolve("man1");
        try (DirectoryStream<Path> pages = Files.newDirectoryStream(man1, "vmlaunch*.1")) {
            for (Path page : pages) {
                items.add(new Item(page, prefix.resolve("share/man/man1").resolve(page.getFileName()), false));
            }
        } catch (IOException e) {
            throw missing(man1);
        }
        if (items.isEmpty()) {
            throw missing(man1);
        }
        items.sort((a, b) -> a.target().compareTo(b.target()));
        Path bash = built.resolve("completion/vmlaunch.bash");
        Path zsh = built.resolve("completion/vmlaunch.zsh");
        for (Path p : List.of(bash, zsh)) {
            if (!Files.isRegularFile(p)) {
                throw missing(p);
            }
        }
        items.add(new Item(bash, prefix.resolve("share/bash-completion/completions/vmlaunch"), false));
        items.add(new Item(zsh, prefix.resolve("share/vmlaunch/vmlaunch.zsh"), false));
        Path launcher = built.getParent().resolve("vmlaunch");
        if (Files.isRegularFile(launcher) && Files.isExecutable(launcher)) {
            Path bin = prefix.resolve("bin/vmlaunch");
            // Refused before anything is written: an install stops whole or not at all.
            if (Files.exists(bin, LinkOption.NOFOLLOW_LINKS) && !Files.isSymbolicLink(bin)) {
                throw VmlaunchException.usage(
                        bin + " exists and is not a link vmlaunch made; remove it or pick" + " another --prefix");
            }
            items.add(new Item(launcher, bin, true));
        }
        return items;
    }

    private static void put(Item i) {
        try {
            Files.createDirectories(i.target().getParent());
            if (i.link()) {
                link(i);
            } else {
                AtomicFile.write(i.target(), Files.readAllBytes(i.source()));
            }
        } catch (IOException e) {
            throw VmlaunchException.failure("cannot install " + i.target() + ": " + e.getMessage(), e);
        }
    }

    /** bin/vmlaunch: replaces an earlier link (plan refused a file of someone else's). */
    private static void link(Item i) throws IOException {
        Path t = i.target();
        Path tmp = t.resolveSibling("." + t.getFileName() + ".new");
        Files.deleteIfExists(tmp);
        Files.createSymbolicLink(tmp, i.source());
        Files.move(
                tmp,
                t,
                java.nio.file.StandardCopyOption.ATOMIC_MOVE,
                java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    }

    private static VmlaunchException missing(Path p) {
        return VmlaunchException.failure(p + " is missing: install copies what `mvn package` built; run ./vmlaunch"
                + " --version (it builds the jar) or mvn package first");
    }

    /** target/: the folder of the running jar, where the build put man/ and completion/. */
    private static Path builtFolder() {
        return dev.vmlaunch.OwnJar.require("install copies files from beside vmlaunch's jar")
                .getParent();
    }
}
