package dev.vmlaunch.host;

import dev.vmlaunch.vfio.VfioException;
import dev.vmlaunch.vfio.VfioProbe;
import dev.vmlaunch.vfio.VfioReport;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * The host checks' VFIO proof, backed by the real ioctls. Only offered when {@code /dev/vfio/vfio} exists; jnr-ffi
 * is loaded on the first {@code prove}, never by merely building this.
 */
public final class IoctlVfioProof {
    private IoctlVfioProof() {}

    public static Optional<VfioProof> system(Path devRoot) {
        if (!Files.exists(devRoot.resolve("vfio/vfio"))) {
            return Optional.empty();
        }
        return Optional.of((group, device) -> {
            try {
                VfioReport r = VfioProbe.system(devRoot).probe(group, device);
                return VfioProof.Result.answered(r.viable(), r.msiCount(), r.msixCount(), r.hotResetPeers());
            } catch (VfioException e) {
                return VfioProof.Result.failed(e.getMessage());
            }
        });
    }
}
