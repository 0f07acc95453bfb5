package dev.vmlaunch.harness;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.vmlaunch.JsonMappers;

/**
 * The JSON form of an {@link InterruptDiff}:
 * <pre>{"irqs":[{"irq":"20","chip":"ITS-MSI","hwirq":"0","trigger":"Edge","name":"0000:00:00.0",
 *   "counts":[1,0,0,0],"delta":1}],
 *  "vanished":[{"irq":..., "chip":..., "hwirq":..., "trigger":..., "name":..., "counts":[...]}],
 *  "cpus":[0,1,2,3], "cpusAdded":[], "cpusRemoved":[]}</pre>
 * {@code counts} are AFTER's (BEFORE's for vanished rows), one per CPU in {@code cpus} or a single value for
 * ERR/MIS-style rows. Fields the kernel did not print are null. A negative delta is a counter reset.
 */
public final class InterruptDiffJson {

    private InterruptDiffJson() {}

    public static ObjectNode of(InterruptDiff diff) {
        ObjectNode root = JsonMappers.object();
        ArrayNode irqs = root.putArray("irqs");
        for (RowDelta d : diff.rows()) {
            ObjectNode o = row(irqs.addObject(), d.after());
            o.put("delta", d.delta());
        }
        ArrayNode vanished = root.putArray("vanished");
        diff.vanished().forEach(r -> row(vanished.addObject(), r));
        diff.cpus().forEach(root.putArray("cpus")::add);
        diff.cpusAdded().forEach(root.putArray("cpusAdded")::add);
        diff.cpusRemoved().forEach(root.putArray("cpusRemoved")::add);
        return root;
    }

    public static String toJson(InterruptDiff diff) {
        return of(diff).toString();
    }

    private static ObjectNode row(ObjectNode o, InterruptRow r) {
        o.put("irq", r.irq());
        o.put("chip", r.chip());
        o.put("hwirq", r.hwirq());
        o.put("trigger", r.trigger());
        o.put("name", r.name());
        ArrayNode counts = o.putArray("counts");
        r.counts().forEach(counts::add);
        return o;
    }
}
