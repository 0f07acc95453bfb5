package dev.vmlaunch.driver;

import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The VMM as something that can be waited for and signalled: our own child (the supervisor), or a process known
 * only by its recorded pid and start time ({@code vmlaunch stop} after the supervisor is gone). Signals go only to
 * the process that is still the recorded one.
 */
public interface VmmProcess {
    long pid();

    boolean isAlive();

    /** Waits up to {@code timeout}; true once the process is gone. */
    boolean awaitExit(Duration timeout);

    /** SIGTERM. */
    void terminate();

    /** SIGKILL. */
    void kill();

    static VmmProcess child(Process p) {
        return new Child(p);
    }

    static VmmProcess recorded(ProcessIdentity id) {
        return new Recorded(id);
    }

    /** Our child: the JDK reaps it and tells us the moment it ends. */
    final class Child implements VmmProcess {
        private final Process process;

        Child(Process process) {
            this.process = process;
        }

        @Override
        public long pid() {
            return process.pid();
        }

        @Override
        public boolean isAlive() {
            return process.isAlive();
        }

        @Override
        public boolean awaitExit(Duration timeout) {
            try {
                process.onExit().get(Math.max(0, timeout.toMillis()), TimeUnit.MILLISECONDS);
                return true;
            } catch (TimeoutException e) {
                return !process.isAlive();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return !process.isAlive();
            } catch (ExecutionException e) {
                return !process.isAlive();
            }
        }

        @Override
        public void terminate() {
            process.destroy();
        }

        @Override
        public void kill() {
            process.destroyForcibly();
        }
    }

    /**
     * Someone else's child. Its end is seen by polling /proc (a zombie counts as gone: the VMM has ended, its
     * parent just has not reaped it), and every signal is preceded by checking pid + start time.
     */
    final class Recorded implements VmmProcess {
        private static final long POLL_MILLIS = 20;
        private final ProcessIdentity id;

        Recorded(ProcessIdentity id) {
            this.id = id;
        }

        @Override
        public long pid() {
            return id.pid();
        }

        @Override
        public boolean isAlive() {
            return id.isAlive();
        }

        @Override
        public boolean awaitExit(Duration timeout) {
            long end = System.nanoTime() + Math.max(0, timeout.toNanos());
            while (id.isAlive()) {
                if (System.nanoTime() - end >= 0) {
                    return false;
                }
                try {
                    Thread.sleep(POLL_MILLIS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return !id.isAlive();
                }
            }
            return true;
        }

        @Override
        public void terminate() {
            id.handle().ifPresent(ProcessHandle::destroy);
        }

        @Override
        public void kill() {
            id.handle().ifPresent(ProcessHandle::destroyForcibly);
        }
    }
}
