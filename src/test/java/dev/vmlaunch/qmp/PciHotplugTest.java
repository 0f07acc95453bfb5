package dev.vmlaunch.qmp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class PciHotplugTest extends ConnectedToFakeQmp {
    private static final String ID = "vml-hot-0000-00-05-0";

    @Test
    void deviceAddSendsTheDriverIdBusAndHostAsArguments() throws Exception {
        Map<String, Object> props = new LinkedHashMap<>();
        props.put("driver", "vfio-pci");
        props.put("host", "0000:00:05.0");
        props.put("id", ID);
        props.put("bus", "vml-hp0");
        Future<?> add = background.submit(() -> {
            PciHotplug.add(client, props, TIMEOUT);
            return null;
        });
        JsonNode req = peer.request();
        assertEquals("device_add", req.path("execute").asText());
        assertEquals("vfio-pci", req.path("arguments").path("driver").asText());
        assertEquals("0000:00:05.0", req.path("arguments").path("host").asText());
        assertEquals("vml-hp0", req.path("arguments").path("bus").asText());
        peer.reply(req, "{}");
        add.get(10, TimeUnit.SECONDS);
    }

    @Test
    void deviceAddRefusedByQemuIsAnErrorWithQemusReason() throws Exception {
        Future<?> add = background.submit(() -> {
            PciHotplug.add(client, Map.of("driver", "vfio-pci", "host", "0000:00:05.0", "id", ID), TIMEOUT);
            return null;
        });
        peer.error(peer.request(), "GenericError", "vfio 0000:00:05.0: group 5 is not viable");
        Exception e = assertThrows(Exception.class, () -> add.get(10, TimeUnit.SECONDS));
        assertTrue(e.getCause() instanceof QmpErrorException, e.toString());
        assertTrue(
                e.getCause().getMessage().contains("group 5 is not viable"),
                e.getCause().getMessage());
    }

    @Test
    void removeReturnsOnlyAfterDeviceDeletedForThatDevice() throws Exception {
        Future<PciHotplug.Removal> del = background.submit(() -> PciHotplug.remove(client, ID, TIMEOUT, TIMEOUT));
        JsonNode req = peer.request();
        assertEquals("device_del", req.path("execute").asText());
        assertEquals(ID, req.path("arguments").path("id").asText());
        peer.reply(req, "{}");
        // The reply only says the request went out; the guest has not let go yet.
        Thread.sleep(300);
        assertFalse(del.isDone(), "remove must wait for DEVICE_DELETED, not for device_del's reply");
        // Another device's deletion, and the event QEMU sends for a device's sub-object (no "device"), are not it.
        peer.event("DEVICE_DELETED", "{\"device\": \"vml-hot-0000-00-06-0\", \"path\": \"/machine/peripheral/x\"}");
        peer.event("DEVICE_DELETED", "{\"path\": \"/machine/peripheral/" + ID + "/virtio-backend\"}");
        Thread.sleep(300);
        assertFalse(del.isDone(), "another device's DEVICE_DELETED must not end the wait");
        peer.event("DEVICE_DELETED", "{\"device\": \"" + ID + "\", \"path\": \"/machine/peripheral/" + ID + "\"}");
        assertEquals(PciHotplug.Removal.DELETED, del.get(10, TimeUnit.SECONDS));
    }

    @Test
    void deviceDeletedBeforeTheReplyIsNotMissed() throws Exception {
        // A slot the guest never powered on is emptied at once: QEMU sends the event before the reply.
        Future<PciHotplug.Removal> del = background.submit(() -> PciHotplug.remove(client, ID, TIMEOUT, TIMEOUT));
        JsonNode req = peer.request();
        peer.event("DEVICE_DELETED", "{\"device\": \"" + ID + "\", \"path\": \"/machine/peripheral/" + ID + "\"}");
        peer.reply(req, "{}");
        assertEquals(PciHotplug.Removal.DELETED, del.get(10, TimeUnit.SECONDS));
    }

    @Test
    void aGuestThatIgnoresTheUnplugRequestTimesOutWithAMessageInsteadOfHanging() throws Exception {
        Duration unplug = Duration.ofMillis(500);
        Future<PciHotplug.Removal> del = background.submit(() -> PciHotplug.remove(client, ID, TIMEOUT, unplug));
        peer.reply(peer.request(), "{}");
        Exception e = assertThrows(Exception.class, () -> del.get(10, TimeUnit.SECONDS));
        assertTrue(e.getCause() instanceof QmpTimeoutException, e.toString());
        assertTrue(
                e.getCause().getMessage().contains("the guest did not release " + ID),
                e.getCause().getMessage());
        assertTrue(
                e.getCause().getMessage().contains("no DEVICE_DELETED"),
                e.getCause().getMessage());
    }

    @Test
    void aDeviceQemuDoesNotKnowIsAlreadyGone() throws Exception {
        Future<PciHotplug.Removal> del = background.submit(() -> PciHotplug.remove(client, ID, TIMEOUT, TIMEOUT));
        peer.error(peer.request(), "DeviceNotFound", "Device '" + ID + "' not found");
        assertEquals(PciHotplug.Removal.ALREADY_GONE, del.get(10, TimeUnit.SECONDS));
    }

    @Test
    void aSecondRequestWhileTheUnplugIsPendingWaitsForTheSameEvent() throws Exception {
        Future<PciHotplug.Removal> del = background.submit(() -> PciHotplug.remove(client, ID, TIMEOUT, TIMEOUT));
        peer.error(peer.request(), "GenericError", "Device " + ID + " is already in the process of unplug");
        Thread.sleep(200);
        assertFalse(del.isDone());
        peer.event("DEVICE_DELETED", "{\"device\": \"" + ID + "\", \"path\": \"/machine/peripheral/" + ID + "\"}");
        assertEquals(PciHotplug.Removal.DELETED, del.get(10, TimeUnit.SECONDS));
    }

    @Test
    void otherRefusalsOfDeviceDelAreErrors() throws Exception {
        Future<PciHotplug.Removal> del = background.submit(() -> PciHotplug.remove(client, ID, TIMEOUT, TIMEOUT));
        peer.error(peer.request(), "GenericError", "Bus 'pcie.0' does not support hotplugging");
        Exception e = assertThrows(Exception.class, () -> del.get(10, TimeUnit.SECONDS));
        assertTrue(e.getCause() instanceof QmpErrorException, e.toString());
    }

    @Test
    void qemuExitingDuringTheWaitEndsItAsClosed() throws Exception {
        Future<PciHotplug.Removal> del = background.submit(() -> PciHotplug.remove(client, ID, TIMEOUT, TIMEOUT));
        peer.reply(peer.request(), "{}");
        peer.hangUp();
        Exception e = assertThrows(Exception.class, () -> del.get(10, TimeUnit.SECONDS));
        assertTrue(e.getCause() instanceof QmpClosedException, e.toString());
    }
}
