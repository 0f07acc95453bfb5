package dev.vmlaunch.console;

import dev.vmlaunch.VmlaunchException;
import java.io.IOException;
import java.lang.reflect.InvocationTargetException;
import java.nio.file.Path;

/**
 * The master end of a pseudo-terminal this process owns; its slave ({@link #slave()}, {@code /dev/pts/N}) is set raw
 * and is meant to become a child's stdin/stdout/stderr by path (ProcessBuilder cannot pass a descriptor). The
 * slave stays open here until {@link #releaseSlave()}: a master whose slave was never opened, or was closed by
 * everyone, reads EIO, so it is released only once the child holds its own. After that, {@link #read} returns -1
 * when the last process holding the slave has closed it (the child and whatever it forked ended).
 *
 * <p>The real one is openpty's steps through jnr-ffi in dev.vmlaunch.vfio (the project's one native boundary),
 * loaded by name so that commands which never start a guest (list, print) never load jnr.
 */
public interface PseudoTerminal extends AutoCloseable {

    /** The slave's path, e.g. /dev/pts/3. */
    Path slave();

    /** Closes this process's descriptor of the slave (call once the child has opened it). */
    void releaseSlave();

    /** Blocks until the slave side wrote something; -1 once nobody holds the slave any more. */
    int read(byte[] buf) throws IOException;

    /** Writes all of {@code len} bytes to the slave's input (what the child reads as typed). */
    void write(byte[] buf, int off, int len) throws IOException;

    @Override
    void close();

    /** A new raw pseudo-terminal through libc. */
    static PseudoTerminal open() {
        try {
            Class<?> impl = Class.forName("dev.vmlaunch.vfio.JnrPseudoTerminal");
            return (PseudoTerminal) impl.getMethod("open").invoke(null);
        } catch (InvocationTargetException e) {
            if (e.getCause() instanceof VmlaunchException v) {
                throw v;
            }
            throw VmlaunchException.hostNotReady(
                    "cannot open a pseudo-terminal for the guest's console: " + e.getCause());
        } catch (ReflectiveOperationException | LinkageError e) {
            throw VmlaunchException.hostNotReady("cannot open a pseudo-terminal for the guest's console: " + e);
        }
    }
}
