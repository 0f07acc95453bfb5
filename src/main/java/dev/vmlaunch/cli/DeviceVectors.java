package dev.vmlaunch.cli;

import dev.vmlaunch.harness.InterruptDiff;
import dev.vmlaunch.harness.RowDelta;

/**
 * How many of one device's interrupt vectors fired between two snapshots: every row of the device in AFTER is a
 * vector, and it fired when its counters grew (a reset, a negative delta, is not a firing).
 */
record DeviceVectors(String device, int total, int fired) {

    static DeviceVectors of(String device, InterruptDiff deviceRows) {
        int fired =
                (int) deviceRows.rows().stream().filter(DeviceVectors::fired).count();
        return new DeviceVectors(device, deviceRows.rows().size(), fired);
    }

    /** "7 of 8 vectors fired", "1 of 1 vector fired", "no vectors" when the device has no rows. */
    String summary() {
        if (total == 0) {
            return "no vectors of " + device;
        }
        return fired + " of " + total + (total == 1 ? " vector" : " vectors") + " fired";
    }

    private static boolean fired(RowDelta d) {
        return d.delta() > 0;
    }
}
