package dev.vmlaunch.vmm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class XmlWriterTest {

    @Test
    void keepsAttributeOrderIndentsAndEscapes() {
        XmlElement root = XmlElement.of("domain").attr("type", "kvm");
        root.add("address")
                .attr("domain", "0x0000")
                .attr("bus", "0x01")
                .attr("slot", "0x00")
                .attr("function", "0x0");
        root.add("cmdline").text("a<b & \"c\" ]]> d");
        assertEquals(
                "<domain type=\"kvm\">\n"
                        + "  <address domain=\"0x0000\" bus=\"0x01\" slot=\"0x00\" function=\"0x0\"/>\n"
                        + "  <cmdline>a&lt;b &amp; \"c\" ]]&gt; d</cmdline>\n"
                        + "</domain>\n",
                XmlWriter.write(root));
    }

    @Test
    void namespacePrefixIsDeclaredOnceOnTheRoot() {
        XmlElement root = XmlElement.of("domain");
        XmlElement cmd = root.add(XmlElement.of(LibvirtQemuNamespace.NS, "qemu", "commandline"));
        cmd.addSameNs("arg").attr("value", "-a");
        cmd.addSameNs("arg").attr("value", "-b");
        String xml = XmlWriter.write(root);
        assertEquals(1, xml.split("xmlns:qemu=", -1).length - 1, xml);
        assertTrue(xml.startsWith("<domain xmlns:qemu=\"" + LibvirtQemuNamespace.NS + "\">"), xml);
        assertEquals(2, new DomainXml(xml).count("/domain/qemu:commandline/qemu:arg"));
    }

    @Test
    void whitespaceInAttributesIsWrittenAsCharacterReferences() {
        XmlElement root = XmlElement.of("a").attr("v", "x\ny\tz\r");
        String xml = XmlWriter.write(root);
        assertTrue(xml.contains("v=\"x&#10;y&#9;z&#13;\""), xml);
    }

    @Test
    void charactersXmlCannotCarryAreRefusedWithWhere() {
        XmlElement root = XmlElement.of("os");
        root.add("cmdline").text("bad\u001bescape");
        XmlWriter.UnwritableValue e = assertThrows(XmlWriter.UnwritableValue.class, () -> XmlWriter.write(root));
        assertTrue(e.getMessage().contains("<cmdline>") && e.getMessage().contains("U+001B"), e.getMessage());
        XmlElement lone = XmlElement.of("a").attr("v", "\ud800");
        assertThrows(XmlWriter.UnwritableValue.class, () -> XmlWriter.write(lone));
    }
}
