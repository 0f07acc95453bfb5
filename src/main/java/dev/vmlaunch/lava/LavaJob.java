package dev.vmlaunch.lava;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import dev.vmlaunch.JvmFlags;
import dev.vmlaunch.VmlaunchException;
import dev.vmlaunch.config.GuestSpec;
import dev.vmlaunch.harness.HarnessSpec;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * A LAVA job definition that boots the host owning a harness's devices and runs {@code vmlaunch test --lava} on it,
 * as a tree written out as YAML by Jackson.
 *
 * <p>{@link #qemuLabHost} is complete: LAVA's qemu device type boots the lab host (the test image's initramfs, with
 * LAVA's test overlay appended to it by LAVA itself) and the test shell, in that initramfs, mounts this machine's /
 * and the shares at their own paths and runs vmlaunch chrooted there: every path in the harness means the same file
 * inside the lab host as on the worker. {@link #board} is a template for boards and FVPs: its deploy and boot need
 * the farm's own URLs and methods (docs/lava.md); its test action is the same.
 */
public final class LavaJob {
    static final String DEFINITION = "vmlaunch";
    /** The test image's console prompt: PS1='\h:\w\$ ' with its hostname, as root. */
    static final String TEST_IMAGE_PROMPT = "vmlaunch-guest:.*# ";
    /** The test image's init mounts 9p with this msize (virtio's limit in Debian 12's kernel); cache=loose for the JVM. */
    private static final String NINEP = "trans=virtio,version=9p2000.L,msize=512000";

    private static final String PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
    private static final JsonNodeFactory F = JsonNodeFactory.instance;
    /**
     * What a value in a step may hold. lava-test-case --shell runs its command through eval "$*", which splits it
     * once more, so quoting cannot protect a blank or a quote: such values are refused instead.
     */
    private static final Pattern SAFE = Pattern.compile("[A-Za-z0-9_./:=,@%+-]+");

    private LavaJob() {}

    /**
     * The job for the x86_64 virtual lab host on LAVA's {@code qemu} device type.
     *
     * @param harness the harness, as loaded on this machine (its paths are valid inside the lab host too)
     * @param host    the lab host, from {@link LavaQemuHost#of}
     * @param java    the JVM on this machine's root
     * @param jar     vmlaunch's jar
     */
    public static ObjectNode qemuLabHost(HarnessSpec harness, LavaQemuHost host, Path java, Path jar) {
        ObjectNode job = header("qemu", harness, "on the vmlaunch x86_64 lab host (q35, intel-iommu, TCG)");
        ObjectNode context = job.putObject("context");
        context.put("arch", host.arch());
        // There is no usable /dev/kvm where the lab runs; LAVA's qemu template adds -enable-kvm -cpu host without this.
        context.put("no_kvm", true);
        context.put("memory", host.memoryMiB());
        ArrayNode extra = context.putArray("extra_options");
        host.extraOptions().forEach(extra::add);

        ArrayNode actions = job.putArray("actions");
        ObjectNode deploy = actions.addObject().putObject("deploy");
        deploy.putObject("timeout").put("minutes", 5);
        deploy.put("to", "tmpfs");
        ObjectNode images = deploy.putObject("images");
        ObjectNode kernel = images.putObject("kernel");
        kernel.put("image_arg", "-kernel {kernel} -append \"" + host.kernelArgs() + "\"");
        kernel.put("url", host.kernel().toUri().toString());
        ObjectNode initrd = images.putObject("initrd");
        initrd.put("image_arg", "-initrd {initrd}");
        initrd.put("url", host.initrd().toUri().toString());
        initrd.put("compression", "gz");
        // LAVA appends its test overlay (/lava-JOBID) to the initramfs itself: no guestfs disk, no network transfer.
        initrd.put("format", "cpio.newc");
        initrd.putObject("overlays").put("lava", true);

        ObjectNode boot = actions.addObject().putObject("boot");
        boot.putObject("timeout").put("minutes", 10);
        boot.put("method", "qemu");
        boot.put("media", "tmpfs");
        boot.putArray("prompts").add(TEST_IMAGE_PROMPT);

        actions.add(test(harness, labHostSteps(harness, host, java, jar)));
        return job;
    }

    /**
     * A template for a board or FVP of {@code deviceType}: deploy and boot with placeholder URLs under
     * example.invalid (replace them, or the whole deploy/boot pair, with the farm's own), then the same test action,
     * with vmlaunch on the board's PATH and the harness at the same path on the board.
     */
    public static ObjectNode board(String deviceType, HarnessSpec harness, Path harnessOnBoard) {
        ObjectNode job = header(deviceType, harness, "on " + deviceType);
        ArrayNode actions = job.putArray("actions");
        if (deviceType.equals("fvp")) {
            fvp(actions);
        } else {
            uBoot(actions);
        }
        actions.add(test(harness, List.of(runStep(List.of("vmlaunch", "test", "--lava", harnessOnBoard.toString())))));
        return job;
    }

    /** A board booted by u-boot over TFTP with an NFS root that holds the JVM, vmlaunch and the guests' files. */
    private static void uBoot(ArrayNode actions) {
        ObjectNode deploy = actions.addObject().putObject("deploy");
        deploy.putObject("timeout").put("minutes", 10);
        deploy.put("to", "tftp");
        deploy.put("os", "debian");
        deploy.putObject("kernel")
                .put("url", "https://example.invalid/CHANGE-ME/Image")
                .put("type", "image");
        deploy.putObject("dtb").put("url", "https://example.invalid/CHANGE-ME/board.dtb");
        deploy.putObject("nfsrootfs")
                .put("url", "https://example.invalid/CHANGE-ME/rootfs-with-jvm-and-vmlaunch.tar.xz")
                .put("compression", "xz");
        ObjectNode boot = actions.addObject().putObject("boot");
        boot.putObject("timeout").put("minutes", 10);
        boot.put("method", "u-boot");
        boot.put("commands", "nfs");
        boot.putArray("prompts").add("root@.*:~# ");
        ObjectNode login = boot.putObject("auto_login");
        login.put("login_prompt", "login:");
        login.put("username", "root");
    }

    /**
     * An Arm FVP (Base RevC AEM, which models SMMUv3 and GICv3-ITS) in LAVA's FVP docker container; LAVA appends its
     * overlay to the ramdisk. The model's path, its arguments and the docker image are the farm's.
     */
    private static void fvp(ArrayNode actions) {
        ObjectNode deploy = actions.addObject().putObject("deploy");
        deploy.putObject("timeout").put("minutes", 10);
        deploy.put("to", "fvp");
        ObjectNode ramdisk = deploy.putObject("ramdisk");
        ramdisk.put("install_overlay", true);
        ramdisk.put("compression", "gz");
        ObjectNode images = deploy.putObject("images");
        for (String[] i : new String[][] {
            {"bl1", "bl1.bin"},
            {"fip", "fip.bin"},
            {"kernel", "Image"},
            {"dtb", "fvp-base-revc.dtb"},
            {"ramdisk", "rootfs-with-jvm-and-vmlaunch.cpio.gz"}
        }) {
            images.putObject(i[0]).put("url", "https://example.invalid/CHANGE-ME/" + i[1]);
        }
        ObjectNode boot = actions.addObject().putObject("boot");
        boot.putObject("timeout").put("minutes", 20);
        boot.put("method", "fvp");
        boot.putObject("docker")
                .put("name", "example.invalid/change-me/fvp-base-revc:latest")
                .put("local", true);
        boot.put("image", "/opt/model/FVP_Base_RevC-2xAEMvA/models/Linux64_GCC-9.3/FVP_Base_RevC-2xAEMvA");
        boot.put("console_string", "terminal_0: Listening for serial connection on port (?P<PORT>\\d+)");
        ArrayNode args = boot.putArray("arguments");
        for (String a : new String[] {
            "-C bp.secureflashloader.fname={BL1}",
            "-C bp.flashloader0.fname={FIP}",
            "--data cluster0.cpu0={KERNEL}@0x80080000",
            "--data cluster0.cpu0={DTB}@0x82000000",
            "--data cluster0.cpu0={RAMDISK}@0x84000000",
            "-C pci.smmulogger.trace_enable=0",
            "-C pci.pci_smmuv3.mmu.SMMU_IDR0=0x0046123B",
            "-C cluster0.has_arm_v8-4=1"
        }) {
            args.add(a);
        }
        boot.putArray("prompts").add("root@.*:~# ");
    }

    public static String yaml(ObjectNode job) {
        ObjectMapper m = new ObjectMapper(new YAMLFactory()
                .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
                .disable(YAMLGenerator.Feature.SPLIT_LINES)
                .enable(YAMLGenerator.Feature.MINIMIZE_QUOTES)
                .enable(YAMLGenerator.Feature.ALWAYS_QUOTE_NUMBERS_AS_STRINGS)
                .enable(YAMLGenerator.Feature.INDENT_ARRAYS_WITH_INDICATOR));
        try {
            return m.writeValueAsString(job);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static ObjectNode header(String deviceType, HarnessSpec harness, String where) {
        ObjectNode job = F.objectNode();
        job.put("job_name", "vmlaunch test " + harness.name() + " " + where);
        job.put("device_type", deviceType);
        job.put("visibility", "public");
        job.put("priority", "medium");
        ObjectNode timeouts = job.putObject("timeouts");
        timeouts.putObject("job").put("minutes", 15 + testMinutes(harness));
        timeouts.putObject("action").put("minutes", 10);
        timeouts.putObject("connection").put("minutes", 2);
        return job;
    }

    /** The guests boot and run their workload in parallel; the rest is the JVM's start and the guests' stop. */
    private static long testMinutes(HarnessSpec h) {
        return h.bootTimeout().plus(h.workloadTimeout()).toMinutes() + 5;
    }

    private static ObjectNode test(HarnessSpec harness, List<String> steps) {
        ObjectNode action = F.objectNode();
        ObjectNode test = action.putObject("test");
        test.putObject("timeout").put("minutes", testMinutes(harness));
        ObjectNode def = test.putArray("definitions").addObject();
        def.put("from", "inline");
        def.put("name", DEFINITION);
        def.put("path", "inline/vmlaunch.yaml");
        ObjectNode repo = def.putObject("repository");
        ObjectNode meta = repo.putObject("metadata");
        meta.put("format", "Lava-Test Test Definition 1.0");
        meta.put("name", DEFINITION);
        meta.put(
                "description",
                "vmlaunch test --lava " + harness.name() + ": one test case per guest, workload and "
                        + "passthrough device, the interrupt delta as measurement");
        ArrayNode s = repo.putObject("run").putArray("steps");
        steps.forEach(s::add);
        return action;
    }

    /**
     * The lab host's test shell runs in its initramfs (where LAVA put the overlay). It builds the root the test
     * image's own init builds for vmlaunch.root (README of test-images) and runs vmlaunch there. LAVA steps are shell
     * lines by LAVA's contract; every value in them is checked by {@link #safe}.
     */
    // ReferenceEquality: `s == rootShare` skips the very share picked as the root, not one that merely equals it.
    @SuppressWarnings("ReferenceEquality")
    private static List<String> labHostSteps(HarnessSpec harness, LavaQemuHost host, Path java, Path jar) {
        String root = "/newroot";
        List<String> steps = new ArrayList<>();
        GuestSpec.Share rootShare = host.shares().stream()
                .filter(s -> s.path().equals(Path.of("/")))
                .findFirst()
                .orElseThrow(
                        () -> new IllegalArgumentException("the lab host has no 9p share of / to use as its root"));
        steps.add("mkdir -p " + root + " && mount -t 9p -o ro," + NINEP + ",cache=loose " + safe(rootShare.tag()) + " "
                + root);
        steps.add("mount -t proc proc " + root + "/proc && mount -t sysfs sysfs " + root
                + "/sys && mount -t devtmpfs devtmpfs " + root + "/dev && mount -t devpts devpts " + root + "/dev/pts");
        steps.add("for d in /tmp /var/tmp /dev/shm; do mount -t tmpfs -o mode=1777 tmpfs " + root + "$d; done; "
                + "for d in /run /mnt; do mount -t tmpfs -o mode=0755 tmpfs " + root + "$d; done");
        for (GuestSpec.Share s : host.shares()) {
            if (s == rootShare) {
                continue;
            }
            // At its own path: the harness's paths then mean the same files inside the lab host as on the worker.
            String at = safe(root + s.path());
            if (s.readonly()) {
                steps.add("mkdir -p " + at + " && mount -t 9p -o ro," + NINEP + ",cache=loose " + safe(s.tag()) + " "
                        + at);
            } else {
                // The writable share (the harness's folder) is copied onto the lab host's own tmpfs, as LabInside
                // keeps the nested guests' shares there: their 9p shares must not be 9p mounts themselves.
                String staging = "/mnt/vmlaunch-9p/" + safe(s.tag());
                steps.add("mkdir -p " + staging + " " + at + " && mount -t 9p -o " + NINEP + " " + safe(s.tag()) + " "
                        + staging + " && mount -t tmpfs -o mode=0755 tmpfs " + at + " && cp -a " + staging + "/. " + at
                        + "/");
            }
        }
        List<String> run = new ArrayList<>(List.of(
                "chroot", root, "/usr/bin/env", "-i", "HOME=/root", "LANG=C.UTF-8", "PATH=" + PATH, java.toString()));
        run.addAll(JvmFlags.cli());
        run.addAll(List.of(
                "-jar",
                jar.toString(),
                "test",
                "--lava",
                harness.source().toAbsolutePath().toString()));
        steps.add(runStep(run));
        return steps;
    }

    static String safe(String value) {
        if (!SAFE.matcher(value).matches()) {
            throw VmlaunchException.usage("'" + value + "' cannot go into a LAVA test step (lava-test-case --shell "
                    + "splits its command again): use paths of letters, digits and _ . / : = , @ % + - only");
        }
        return value;
    }

    /**
     * vmlaunch's exit code as a case of its own (lava-test-case --shell), so a run that dies before reporting still
     * shows as a failure rather than as missing cases.
     */
    private static String runStep(List<String> argv) {
        return "lava-test-case " + DEFINITION + "-exit --shell "
                + String.join(" ", argv.stream().map(LavaJob::safe).toList());
    }
}
