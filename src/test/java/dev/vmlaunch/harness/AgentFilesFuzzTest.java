package dev.vmlaunch.harness;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.vmlaunch.VmlaunchException;
import dev.vmlaunch.config.FuzzAssert;
import java.nio.charset.StandardCharsets;

/**
 * The agent's files as a hostile guest can write them: announce, res/N/exit and the msi snapshots. Each input is
 * tried signed with the token (so the fuzzer reaches the parsers behind the MAC) and as it is; every outcome is a
 * parse or a {@link VmlaunchException} with a message.
 */
class AgentFilesFuzzTest {
    private static final String TOKEN = "00112233445566778899aabbccddeeff";

    @FuzzTest(maxDuration = "60s")
    void agentFilesParseOrFailWithOneLine(byte[] input) {
        String text = new String(input, StandardCharsets.UTF_8);
        for (byte[] file : new byte[][] {input, Signed.sign(text, TOKEN)}) {
            try {
                String body = Signed.verify(file, TOKEN, "the fuzzed file");
                GuestAgent.Announcement.parse(body);
            } catch (VmlaunchException e) {
                FuzzAssert.oneLineMessage(e);
            }
            try {
                ResultManifest.parse(Signed.verify(file, TOKEN, "the fuzzed file"), "the fuzzed result");
            } catch (VmlaunchException e) {
                FuzzAssert.oneLineMessage(e);
            }
        }
        try {
            GuestAgent.msi(text, "the fuzzed msi snapshot");
        } catch (VmlaunchException e) {
            FuzzAssert.oneLineMessage(e);
        }
    }
}
