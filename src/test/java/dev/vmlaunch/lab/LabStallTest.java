package dev.vmlaunch.lab;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

class LabStallTest {
    /** The shape of QEMU 7.2's "info registers -a" for a q35 guest in long mode (trimmed to the lines that matter). */
    private static String sample(String rip0, String hlt0, String rip1) {
        return "\nCPU#0\nRAX=0000000000000000 RBX=ffff8f1a00000000\n"
                + "RIP=" + rip0 + " RFL=00000246 [---Z-P-] CPL=0 II=0 A20=1 SMM=0 HLT=" + hlt0 + "\n"
                + "ES =0000 0000000000000000 ffffffff 00c00000\n"
                + "\nCPU#1\nRAX=0000000000000001\n"
                + "RIP=" + rip1 + " RFL=00000202 [-------] CPL=3 II=0 A20=1 SMM=0 HLT=0\n";
    }

    @Test
    void tellsASpinningVcpuFromOneThatStayedPut() {
        List<String> where = LabStall.where(
                sample("ffffffff9ce00a10", "0", "00007f0000001000"),
                sample("ffffffff9ce00b44", "0", "00007f0000001000"));
        assertEquals(
                List.of(
                        "vCPU 0 RIP=ffffffff9ce00a10 CPL=0 HLT=0 (RIP ffffffff9ce00b44 a second later)",
                        "vCPU 1 RIP=00007f0000001000 CPL=3 HLT=0 (RIP unchanged a second later)"),
                where);
    }

    @Test
    void realModeVcpusReportEipAndArmOnesPc() {
        String x86 = "\nCPU#0\nEIP=0000fff0 EFL=00000002 [-------] CPL=0 II=0 A20=1 SMM=0 HLT=0\n";
        assertEquals(
                List.of("vCPU 0 EIP=0000fff0 CPL=0 HLT=0 (EIP unchanged a second later)"), LabStall.where(x86, x86));
        String arm = "\nCPU#0\n PC=ffff800008a1b2c4 X00=0000000000000000 X01=0000000000000001\n";
        String arm2 = "\nCPU#0\n PC=ffff800008a1b2d0 X00=0000000000000000\n";
        assertEquals(
                List.of("vCPU 0 PC=ffff800008a1b2c4 (PC ffff800008a1b2d0 a second later)"), LabStall.where(arm, arm2));
    }

    @Test
    void anAnswerWithoutRegistersSaysSo() {
        assertEquals(List.of("no vCPU registers in its answer"), LabStall.where("", ""));
    }
}
