package dev.vmlaunch.vfio;

import dev.vmlaunch.ExitCodes;
import dev.vmlaunch.config.PciAddress;
import java.lang.reflect.InvocationTargetException;
import java.nio.file.Path;

/**
 * Asks the kernel, through the VFIO ioctls a VMM makes, whether a device can be passed through, and what it
 * offers (regions, MSI and MSI-X vectors). Every fd is closed before {@link #probe} returns, because a VFIO
 * group node has a single opener and the VMM must be able to open it next.
 *
 * <p>This interface and its records carry no native types: code that only mentions them (list, print) never
 * loads jnr-ffi. {@link #system} loads the native implementation by name when a probe is really wanted.
 */
public interface VfioProbe {

    /**
     * Opens the container and /dev/vfio/{groupId}, attaches the group, selects the type1 IOMMU and reads the
     * device's info; closes everything again.
     *
     * @throws VfioException naming the failed step, its errno and what the user can do
     */
    VfioReport probe(int groupId, PciAddress device);

    /**
     * The real probe on this machine's VFIO nodes under {@code devRoot} (normally /dev; VMLAUNCH_DEV moves it).
     *
     * @throws VfioException (step LOAD_NATIVE) when the native access layer cannot be loaded
     */
    static VfioProbe system(Path devRoot) {
        try {
            Class<?> impl = Class.forName("dev.vmlaunch.vfio.JnrVfioProbe");
            return (VfioProbe) impl.getConstructor(Path.class).newInstance(devRoot);
        } catch (InvocationTargetException e) {
            if (e.getCause() instanceof VfioException ve) {
                throw ve;
            }
            throw loadFailed(e.getCause());
        } catch (ReflectiveOperationException | LinkageError e) {
            throw loadFailed(e);
        }
    }

    private static VfioException loadFailed(Throwable cause) {
        VfioException e = new VfioException(
                VfioStep.LOAD_NATIVE,
                0,
                ExitCodes.FAILURE,
                "cannot load the native layer for the VFIO ioctls (jnr-ffi): " + cause
                        + " (jnr-ffi unpacks its library into java.io.tmpdir, which must be writable and executable)");
        e.initCause(cause);
        return e;
    }
}
