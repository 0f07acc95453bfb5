package dev.vmlaunch.supervise;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The content of a guest's {@code hotplug.json}: the devices {@code vmlaunch attach} plugged into it while it runs.
 * Written by {@code attach} and {@code detach} only (under {@link HotplugLock}), never by the supervisor, so neither
 * overwrites the other's record; the supervisor gives back managed ones through their bind records, which name the
 * guest.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record AttachedDevices(int version, List<Attached> attached) {
    public static final int VERSION = 1;
    public static final AttachedDevices NONE = new AttachedDevices(VERSION, List.of());

    public AttachedDevices {
        attached = attached == null ? List.of() : List.copyOf(attached);
    }

    /**
     * One endpoint plugged in.
     *
     * @param host            its host address
     * @param id              its QEMU device id ({@code vml-hot-...})
     * @param slot            the root port it sits in ({@code vml-hpN})
     * @param managed         vmlaunch bound it to vfio-pci for this attach and gives it back on detach or guest end
     * @param request         the address given to {@code attach}: the endpoints of one IOMMU group go and come together
     * @param at              when it was plugged in
     * @param unplugRequested a {@code detach} asked the guest to let go and it had not when that detach gave up
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Attached(
            String host, String id, String slot, boolean managed, String request, String at, Boolean unplugRequested) {}

    /** Every endpoint that came with the attach of {@code address} (any endpoint of it names the whole attach). */
    public List<Attached> batchOf(String address) {
        Optional<String> request = attached.stream()
                .filter(a -> a.host().equals(address) || a.request().equals(address))
                .map(Attached::request)
                .findFirst();
        return request.map(r ->
                        attached.stream().filter(a -> a.request().equals(r)).toList())
                .orElse(List.of());
    }

    public Set<String> slotsInUse() {
        return attached.stream().map(Attached::slot).collect(Collectors.toSet());
    }

    public List<String> hosts() {
        return attached.stream().map(Attached::host).toList();
    }

    public AttachedDevices plus(Attached a) {
        List<Attached> next = new ArrayList<>(attached);
        next.add(a);
        return new AttachedDevices(VERSION, next);
    }

    public AttachedDevices without(Attached a) {
        return new AttachedDevices(
                VERSION, attached.stream().filter(x -> !x.id().equals(a.id())).toList());
    }

    public AttachedDevices withUnplugRequested(Attached a) {
        return new AttachedDevices(
                VERSION,
                attached.stream()
                        .map(x -> x.id().equals(a.id())
                                ? new Attached(x.host(), x.id(), x.slot(), x.managed(), x.request(), x.at(), true)
                                : x)
                        .toList());
    }
}
