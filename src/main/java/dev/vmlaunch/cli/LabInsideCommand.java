package dev.vmlaunch.cli;

import dev.vmlaunch.lab.LabInside;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** What `vmlaunch lab` runs inside its lab host; hidden because nobody types it. */
@Command(name = "lab-inside", hidden = true, description = "Run the lab's steps inside the lab host.")
public final class LabInsideCommand implements Callable<Integer> {

    @Parameters(index = "0", paramLabel = "LAB_DIR")
    Path dir;

    @Parameters(index = "1", paramLabel = "IMAGES")
    Path images;

    @picocli.CommandLine.Option(names = "--mode", paramLabel = "kvm|tcg", defaultValue = "kvm")
    String mode;

    @picocli.CommandLine.Option(names = "--lkvm", paramLabel = "PATH")
    String lkvm;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        return LabInside.run(dir, images, mode, lkvm, spec.commandLine().getOut(), Main::execute);
    }
}
