package dev.vmlaunch.config;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** The host files a guest needs, and which of them are missing. */
public final class GuestFiles {

    /** One file the guest refers to: the JSON path naming it, the file, and whether it must be a folder. */
    public record Ref(String jsonPath, Path path, boolean directory) {
        public String problem() {
            if (directory) {
                return Files.isDirectory(path) ? null : Files.exists(path) ? "not a folder" : "no such folder";
            }
            if (!Files.exists(path)) {
                return "no such file";
            }
            if (Files.isDirectory(path)) {
                return "is a folder, expected a file";
            }
            return Files.isReadable(path) ? null : "not readable";
        }
    }

    private GuestFiles() {}

    public static List<Ref> refs(GuestSpec s) {
        List<Ref> r = new ArrayList<>();
        if (s.boot().kernel() != null) {
            r.add(new Ref("$.kernel", s.boot().kernel(), false));
        }
        if (s.boot().initrd() != null) {
            r.add(new Ref("$.initrd", s.boot().initrd(), false));
        }
        if (s.boot().firmware() != null) {
            r.add(new Ref(
                    s.boot().firmware().pflash() ? "$.firmware.code" : "$.firmware",
                    s.boot().firmware().code(),
                    false));
            if (s.boot().firmware().vars() != null) {
                r.add(new Ref("$.firmware.vars", s.boot().firmware().vars(), false));
            }
        }
        for (int i = 0; i < s.storage().disks().size(); i++) {
            r.add(new Ref("$.disks[" + i + "].path", s.storage().disks().get(i).path(), false));
        }
        if (s.storage().cdrom() != null) {
            r.add(new Ref("$.cdrom", s.storage().cdrom(), false));
        }
        for (int i = 0; i < s.shares().size(); i++) {
            r.add(new Ref("$.shares[" + i + "].path", s.shares().get(i).path(), true));
        }
        for (int i = 0; i < s.passthrough().size(); i++) {
            if (s.passthrough().get(i).romfile() != null) {
                r.add(new Ref(
                        "$.passthrough[" + i + "].romfile",
                        s.passthrough().get(i).romfile(),
                        false));
            }
        }
        return r;
    }

    /** The examples boot the project's test images; say how to make them when they are missing. */
    private static String buildHint(Path path) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile(".*/test-images/out/(x86_64|aarch64)/.*")
                .matcher(path.toString());
        return m.matches() ? " (build it: test-images/build " + m.group(1) + ")" : "";
    }

    /** "guest.json: $.kernel: no such file: /abs/path" lines for every missing file. */
    public static List<String> problems(GuestSpec s, String display) {
        List<String> out = new ArrayList<>();
        for (Ref ref : refs(s)) {
            String p = ref.problem();
            if (p != null) {
                out.add(display + ": " + ref.jsonPath() + ": " + p + ": " + ref.path() + buildHint(ref.path()));
            }
        }
        return out;
    }
}
