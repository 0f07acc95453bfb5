package dev.vmlaunch.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.vmlaunch.host.DeviceVerdict;
import dev.vmlaunch.host.Problem;
import java.util.List;

/** The JSON form of device verdicts and problems, the same in check, groups and host check. */
final class VerdictJson {
    private VerdictJson() {}

    /** {"id","device","status","detail","evidence":[...],"remedy"} per verdict. */
    static void verdicts(ArrayNode into, List<DeviceVerdict> verdicts) {
        for (DeviceVerdict v : verdicts) {
            ObjectNode n = into.addObject();
            n.put("id", v.id());
            n.put("device", v.device().toString());
            n.put("status", v.status().json());
            n.put("detail", v.detail());
            ArrayNode e = n.putArray("evidence");
            v.evidence().forEach(e::add);
            n.put("remedy", v.remedy());
        }
    }

    /** {"severity":"error"|"warning","message","remedy"} per problem. */
    static void problems(ArrayNode into, List<Problem> problems) {
        for (Problem p : problems) {
            ObjectNode n = into.addObject();
            n.put("severity", p.isError() ? "error" : "warning");
            n.put("message", p.message());
            n.put("remedy", p.remedy());
        }
    }
}
