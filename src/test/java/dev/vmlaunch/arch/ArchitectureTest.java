package dev.vmlaunch.arch;

import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.base.DescribedPredicate;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.domain.JavaFieldAccess;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchRule;
import com.tngtech.archunit.lang.syntax.ArchRuleDefinition;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The package layering of docs/architecture.md, checked on the compiled main classes: no package cycles, and every
 * dependency points down the layers (a package may use its own layer's and lower layers' packages only).
 */
class ArchitectureTest {
    /** Top to bottom; packages on one line are one layer and must not use each other either way unless listed. */
    static final List<List<String>> LAYERS = List.of(
            List.of("cli", "cli.docs"),
            List.of("lava"),
            List.of("lab"),
            List.of("harness"),
            List.of("supervise"),
            List.of("drivers"),
            List.of("driver.qemu", "driver.lkvm"),
            List.of("driver"),
            List.of("host"),
            List.of("affinity"),
            List.of("vmm", "qmp", "lkvm", "vfio"),
            List.of("config", "state", "console"),
            List.of(""));

    static JavaClasses classes;

    @BeforeAll
    static void importMainClasses() {
        classes = new ClassFileImporter()
                .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .importPackages("dev.vmlaunch");
    }

    @Test
    void everyPackageHasALayer() {
        java.util.Set<String> listed = new java.util.HashSet<>();
        LAYERS.forEach(l -> l.forEach(p -> listed.add(full(p))));
        java.util.Set<String> unlisted = new java.util.TreeSet<>();
        classes.forEach(c -> {
            if (!listed.contains(c.getPackageName())) {
                unlisted.add(c.getPackageName());
            }
        });
        org.junit.jupiter.api.Assertions.assertEquals(
                java.util.Set.of(),
                unlisted,
                "give each package its layer in ArchitectureTest.LAYERS and docs/architecture.md");
    }

    @Test
    void noPackageCycles() {
        slices().matching("dev.vmlaunch.(**)").should().beFreeOfCycles().check(classes);
    }

    @Test
    void dependenciesPointDownTheLayers() {
        for (int i = 0; i < LAYERS.size(); i++) {
            for (String pkg : LAYERS.get(i)) {
                List<String> allowed = new java.util.ArrayList<>();
                allowed.add(pkg);
                for (int j = i + 1; j < LAYERS.size(); j++) {
                    allowed.addAll(LAYERS.get(j));
                }
                if (pkg.equals("cli")) {
                    allowed.add("cli.docs");
                }
                if (pkg.equals("cli.docs")) {
                    allowed.add("cli");
                }
                rule(pkg, allowed).check(classes);
            }
        }
    }

    /**
     * The build tells javac to ignore the JDK's "internal proprietary API" marks (pom.xml: Java 17 cannot suppress
     * that warning per use), so this is where a new use of JDK internals is caught: signals need sun.misc.Signal, and
     * only these two classes may use it.
     */
    @Test
    void onlyTheSignalHandlersUseJdkInternals() {
        ArchRuleDefinition.noClasses()
                .that()
                .doNotHaveFullyQualifiedName("dev.vmlaunch.supervise.StopSignals")
                .and()
                .doNotHaveFullyQualifiedName("dev.vmlaunch.driver.lkvm.LkvmConsole")
                .should()
                .dependOnClassesThat()
                .resideInAnyPackage("sun..", "jdk.internal..")
                .because("JDK internals may go in any release; StopSignals and LkvmConsole use sun.misc.Signal because"
                        + " the JDK has no other way to handle a signal")
                .check(classes);
    }

    /**
     * docs/architecture.md "How to add a VMM": a new VMM is its name in config.Vmm, its driver package and one line in
     * the registry. So only those name a VMM: everything else asks the guest's driver (or the rules and host profile
     * it hands out). A comparison with Vmm.LKVM or a switch over Vmm (javac compiles it to a read of the constants)
     * anywhere else fails here.
     */
    @Test
    void onlyTheDriverPackagesAndTheRegistryNameAVmm() {
        ArchRuleDefinition.noClasses()
                .that()
                .resideOutsideOfPackages(full("driver") + ".*", full("drivers"))
                .and()
                .doNotBelongToAnyOf(dev.vmlaunch.config.Vmm.class)
                .should()
                .accessFieldWhere(new DescribedPredicate<JavaFieldAccess>("read a constant of config.Vmm") {
                    @Override
                    public boolean test(JavaFieldAccess access) {
                        return access.getTargetOwner().isEquivalentTo(dev.vmlaunch.config.Vmm.class)
                                && access.getTarget()
                                        .resolveMember()
                                        .map(f -> f.getModifiers()
                                                .contains(com.tngtech.archunit.core.domain.JavaModifier.ENUM))
                                        .orElse(false);
                    }
                })
                .because("a VMM's differences live in its driver package (docs/architecture.md, How to add a VMM)")
                .check(classes);
    }

    private static ArchRule rule(String pkg, List<String> allowed) {
        return ArchRuleDefinition.noClasses()
                .that()
                .resideInAPackage(full(pkg))
                .should()
                .dependOnClassesThat(new DescribedPredicate<JavaClass>("are vmlaunch classes outside " + allowed) {
                    @Override
                    public boolean test(JavaClass c) {
                        String p = c.getPackageName();
                        return p.startsWith("dev.vmlaunch")
                                && allowed.stream().map(ArchitectureTest::full).noneMatch(p::equals);
                    }
                })
                .because("docs/architecture.md: " + (pkg.isEmpty() ? "the base package" : pkg)
                        + " may use only its own and lower layers");
    }

    private static String full(String pkg) {
        return pkg.isEmpty() ? "dev.vmlaunch" : "dev.vmlaunch." + pkg;
    }
}
