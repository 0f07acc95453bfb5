package dev.vmlaunch.cli.docs;

import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine;
import picocli.CommandLine.Help;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Model.PositionalParamSpec;

/**
 * One man page (troff, the man(7) macros) rendered from a picocli command's model: the same names, synopsis,
 * descriptions and exit codes as {@code --help}, so the page cannot drift from the code. picocli-codegen's own
 * generator writes AsciiDoc, which would need Asciidoctor (JRuby) at build time to become a man page.
 */
public final class ManPage {
    private final CommandSpec spec;
    private final String date;

    /**
     * @param spec the command (any level: {@code vmlaunch}, {@code vmlaunch run}, {@code vmlaunch host check})
     * @param date the page's date, ISO yyyy-mm-dd (the build's, so pages are reproducible for one build)
     */
    public ManPage(CommandSpec spec, String date) {
        this.spec = spec;
        this.date = date;
    }

    /** vmlaunch-host-check, the file name without ".1". */
    public static String pageName(CommandSpec spec) {
        return spec.qualifiedName("-");
    }

    public String render(String version) {
        StringBuilder s = new StringBuilder();
        String name = pageName(spec);
        s.append(".TH ")
                .append(quoted(name.toUpperCase(java.util.Locale.ROOT)))
                .append(" 1 ")
                .append(quoted(date))
                .append(' ')
                .append(quoted("vmlaunch " + version))
                .append(' ')
                .append(quoted("vmlaunch manual"))
                .append('\n');
        s.append(".SH NAME\n")
                .append(escape(name))
                .append(" \\- ")
                .append(escape(firstLine()))
                .append('\n');
        s.append(".SH SYNOPSIS\n.nf\n").append(escape(synopsis())).append("\n.fi\n");
        List<String> description = descriptionLines();
        if (!description.isEmpty()) {
            s.append(".SH DESCRIPTION\n");
            for (int i = 0; i < description.size(); i++) {
                s.append(i == 0 ? "" : ".PP\n")
                        .append(escape(description.get(i)))
                        .append('\n');
            }
        }
        List<PositionalParamSpec> params =
                spec.positionalParameters().stream().filter(p -> !p.hidden()).toList();
        if (!params.isEmpty()) {
            s.append(".SH ARGUMENTS\n");
            for (PositionalParamSpec p : params) {
                s.append(".TP\n.I ")
                        .append(escape(p.paramLabel()))
                        .append('\n')
                        .append(escape(String.join(" ", p.description())))
                        .append('\n');
            }
        }
        List<OptionSpec> options =
                spec.options().stream().filter(o -> !o.hidden()).toList();
        if (!options.isEmpty()) {
            s.append(".SH OPTIONS\n");
            for (OptionSpec o : options) {
                s.append(".TP\n")
                        .append(optionHead(o))
                        .append('\n')
                        .append(escape(String.join(" ", o.description())))
                        .append('\n');
            }
        }
        List<CommandLine> subs = new ArrayList<>(spec.subcommands().values().stream()
                .distinct()
                .filter(c -> !c.getCommandSpec().usageMessage().hidden())
                .toList());
        if (!subs.isEmpty()) {
            s.append(".SH COMMANDS\n");
            for (CommandLine sub : subs) {
                CommandSpec c = sub.getCommandSpec();
                s.append(".TP\n.B ")
                        .append(escape(c.name()))
                        .append('\n')
                        .append(escape(new ManPage(c, date).firstLine()))
                        .append(" See \\fB")
                        .append(escape(pageName(c)))
                        .append("\\fR(1).\n");
            }
        }
        String[] footer = spec.root().usageMessage().footer();
        if (footer.length > 0) {
            s.append(".SH EXIT STATUS\n");
            for (String line : footer) {
                String t = line.strip();
                int space = t.indexOf(' ');
                if (space > 0 && t.substring(0, space).chars().allMatch(Character::isDigit)) {
                    s.append(".TP\n.B ")
                            .append(t, 0, space)
                            .append('\n')
                            .append(escape(t.substring(space).strip()))
                            .append('\n');
                }
            }
        }
        s.append(".SH SEE ALSO\n");
        if (spec.parent() != null) {
            s.append("\\fB").append(escape(pageName(spec.parent()))).append("\\fR(1), ");
        }
        s.append("the guides in docs/ of the vmlaunch source: guest-json.md, harness-json.md, supervision.md.\n");
        return s.toString();
    }

    private String firstLine() {
        List<String> d = descriptionLines();
        if (d.isEmpty()) {
            return "";
        }
        String first = d.get(0);
        int stop = first.indexOf(". ");
        return stop > 0 ? first.substring(0, stop + 1) : first;
    }

    private List<String> descriptionLines() {
        List<String> out = new ArrayList<>();
        for (String line : spec.usageMessage().description()) {
            String t = interpolated(line).strip();
            if (!t.isEmpty()) {
                out.add(t);
            }
        }
        return out;
    }

    private String synopsis() {
        Help help = new Help(spec, Help.defaultColorScheme(Help.Ansi.OFF));
        return help.synopsis(0).stripTrailing();
    }

    private static String optionHead(OptionSpec o) {
        StringBuilder s = new StringBuilder();
        String[] names = o.names();
        for (int i = 0; i < names.length; i++) {
            s.append(i == 0 ? "" : ", ").append("\\fB").append(escape(names[i])).append("\\fR");
        }
        if (o.arity().max() > 0 && !o.paramLabel().isEmpty()) {
            s.append("=\\fI").append(escape(o.paramLabel())).append("\\fR");
        }
        return s.toString();
    }

    private String interpolated(String text) {
        return text.replace("%n", " ");
    }

    private static String quoted(String s) {
        return "\"" + s.replace("\"", "'") + "\"";
    }

    /**
     * Text as troff reads it literally: backslashes doubled as \e, every hyphen a minus (so options copy and paste),
     * and a line that would start with a control character guarded with \&.
     */
    static String escape(String text) {
        StringBuilder s = new StringBuilder(text.length() + 8);
        for (String line : text.split("\n", -1)) {
            if (s.length() > 0) {
                s.append('\n');
            }
            if (line.startsWith(".") || line.startsWith("'")) {
                s.append("\\&");
            }
            for (int i = 0; i < line.length(); i++) {
                char c = line.charAt(i);
                switch (c) {
                    case '\\' -> s.append("\\e");
                    case '-' -> s.append("\\-");
                    default -> s.append(c);
                }
            }
        }
        return s.toString();
    }
}
