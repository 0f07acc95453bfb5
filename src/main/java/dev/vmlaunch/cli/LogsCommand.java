package dev.vmlaunch.cli;

import dev.vmlaunch.ExitCodes;
import dev.vmlaunch.VmlaunchException;
import dev.vmlaunch.state.StateRoot;
import dev.vmlaunch.supervise.EventLog;
import dev.vmlaunch.supervise.GuestDir;
import dev.vmlaunch.supervise.LogRotation;
import dev.vmlaunch.supervise.RecordedGuests;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(
        name = "logs",
        mixinStandardHelpOptions = true,
        sortOptions = false,
        description = {
            "Print a guest's console log, then its events (QMP events and vmlaunch's lifecycle records), "
                    + "each event line starting with '[event]'.",
            "With -f, keep printing what comes until the guest has ended (or Ctrl-C)."
        })
public final class LogsCommand implements Callable<Integer> {
    private static final long POLL_MILLIS = 200;

    @Parameters(paramLabel = "NAME", description = "The guest.")
    String name;

    @Option(
            names = {"-f", "--follow"},
            description = "Follow the logs until the guest ends.")
    boolean follow;

    @Option(names = "--console", description = "Only the console log.")
    boolean consoleOnly;

    @Option(names = "--events", description = "Only the events.")
    boolean eventsOnly;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        Path root = StateRoot.resolve();
        Optional<RecordedGuests.Record> r = RecordedGuests.find(root, name);
        if (r.isEmpty()) {
            throw VmlaunchException.usage("no guest named \"" + name + "\" (see 'vmlaunch list --all')");
        }
        GuestDir dir = r.get().dir();
        FileTail console = new FileTail(dir.consoleLog());
        FileTail events = new FileTail(dir.eventsFile());
        boolean wantConsole = !eventsOnly;
        boolean wantEvents = !consoleOnly;
        if (wantConsole) {
            out.print(console.readNew());
        }
        if (wantEvents) {
            printEvents(out, events.readNew(), wantConsole);
        }
        out.flush();
        if (!follow) {
            return ExitCodes.OK;
        }
        long checkEvery = 5;
        for (long round = 0; ; round++) {
            Thread.sleep(POLL_MILLIS);
            boolean ended = round % checkEvery == 0
                    && RecordedGuests.find(root, name).map(x -> !x.live()).orElse(true);
            if (wantConsole) {
                out.print(console.readNew());
            }
            if (wantEvents) {
                printEvents(out, events.readNew(), wantConsole);
            }
            out.flush();
            if (ended) {
                return ExitCodes.OK;
            }
        }
    }

    /** Whole lines only: the supervisor may be in the middle of appending the last one. */
    private final StringBuilder eventText = new StringBuilder();

    private void printEvents(PrintWriter out, String text, boolean afterConsole) {
        eventText.append(text);
        int nl;
        while ((nl = eventText.indexOf("\n")) >= 0) {
            EventLog.Entry e = parse(eventText.substring(0, nl));
            eventText.delete(0, nl + 1);
            if (e != null) {
                out.println((afterConsole ? "[event] " : "") + e.format());
            }
        }
    }

    private static EventLog.Entry parse(String line) {
        return line.isBlank() ? null : EventLog.parseLine(line).orElse(null);
    }

    /**
     * Reads what was appended to a file since the last call; UTF-8 split across reads is kept for the next. Follows
     * the supervisor's rotation ({@link LogRotation}): when {@code NAME.1} is a new file since the last call, the
     * rest of what we were reading is in it, and the file itself starts again.
     */
    static final class FileTail {
        /** At most this much per call, so that a reader never holds a whole log (twice) in memory. */
        private static final int MAX_READ = 8 << 20;

        private final Path file;
        private final Path rotated;
        private final CharsetDecoder decoder = StandardCharsets.UTF_8
                .newDecoder()
                .onMalformedInput(CodingErrorAction.REPLACE)
                .onUnmappableCharacter(CodingErrorAction.REPLACE);
        private long pos;
        private Object rotatedSeen;
        private boolean started;
        private ByteBuffer pending = ByteBuffer.allocate(0);

        FileTail(Path file) {
            this.file = file;
            this.rotated = LogRotation.rotated(file);
        }

        String readNew() {
            java.io.ByteArrayOutputStream fresh = new java.io.ByteArrayOutputStream();
            boolean first = !started;
            Object key = fileKey(rotated);
            if (key != null && !key.equals(rotatedSeen)) {
                rotatedSeen = key;
                // Newest first: after .1 we go on in the file, so what one read of .1 leaves out would be lost.
                long rotatedSize = readNewest(rotated, pos, fresh);
                // Truncated already: start over. Not yet (the copy is renamed into place first): what follows the
                // copied part is new, and the truncate will show as the file shrinking.
                pos = !started || length(file) < rotatedSize ? 0 : rotatedSize;
            }
            started = true;
            if (length(file) < pos) {
                // Truncated: a new run of the same name started.
                pos = 0;
            }
            // A follower reads on from where it was, a read at a time; a first read shows the newest.
            pos = first ? readNewest(file, pos, fresh) : read(file, pos, fresh);
            ByteBuffer in = ByteBuffer.allocate(pending.remaining() + fresh.size());
            in.put(pending).put(fresh.toByteArray()).flip();
            CharBuffer chars = CharBuffer.allocate(in.remaining() + 1);
            decoder.decode(in, chars, false);
            pending = in.slice();
            return chars.flip().toString();
        }

        /**
         * Like {@link #read}, but when more than {@link #MAX_READ} follows {@code from}, only the newest
         * {@link #MAX_READ}: a rotation that looked late leaves a {@code .1} of more than that (a guest flooding its
         * console between two looks), and {@code logs} must end with the guest's last line, not one read in.
         */
        private static long readNewest(Path f, long from, java.io.ByteArrayOutputStream out) {
            return read(f, Math.max(from, length(f) - MAX_READ), out);
        }

        /** Appends {@code f} from {@code from} on (at most {@link #MAX_READ}) to {@code out}; returns where it stopped. */
        private static long read(Path f, long from, java.io.ByteArrayOutputStream out) {
            try (RandomAccessFile r = new RandomAccessFile(f.toFile(), "r")) {
                long len = r.length();
                if (len <= from) {
                    return len < from ? from : len;
                }
                byte[] b = new byte[(int) Math.min(len - from, MAX_READ)];
                r.seek(from);
                r.readFully(b);
                out.write(b, 0, b.length);
                return from + b.length;
            } catch (IOException e) {
                return from;
            }
        }

        private static long length(Path f) {
            try {
                return java.nio.file.Files.size(f);
            } catch (IOException e) {
                return 0;
            }
        }

        private static Object fileKey(Path f) {
            try {
                return java.nio.file.Files.readAttributes(
                                f,
                                java.nio.file.attribute.BasicFileAttributes.class,
                                java.nio.file.LinkOption.NOFOLLOW_LINKS)
                        .fileKey();
            } catch (IOException e) {
                return null;
            }
        }
    }
}
