package dev.vmlaunch.vmm;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import javax.xml.XMLConstants;
import javax.xml.namespace.NamespaceContext;
import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.xpath.XPath;
import javax.xml.xpath.XPathConstants;
import javax.xml.xpath.XPathFactory;
import org.w3c.dom.Document;
import org.w3c.dom.NodeList;

/** An exported domain parsed back with a namespace-aware parser, queried with XPath ({@code qemu:} bound). */
final class DomainXml {
    private final Document doc;
    private final XPath xpath;

    DomainXml(String xml) {
        try {
            DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
            f.setNamespaceAware(true);
            doc = f.newDocumentBuilder().parse(new ByteArrayInputStream(xml.getBytes(StandardCharsets.UTF_8)));
        } catch (Exception e) {
            throw new AssertionError("not well-formed XML: " + e.getMessage() + "\n" + xml, e);
        }
        xpath = XPathFactory.newInstance().newXPath();
        xpath.setNamespaceContext(new NamespaceContext() {
            @Override
            public String getNamespaceURI(String prefix) {
                return "qemu".equals(prefix) ? LibvirtQemuNamespace.NS : XMLConstants.NULL_NS_URI;
            }

            @Override
            public String getPrefix(String uri) {
                return null;
            }

            @Override
            public Iterator<String> getPrefixes(String uri) {
                return null;
            }
        });
    }

    /** The string value of {@code expr} ("" when it selects nothing). */
    String text(String expr) {
        try {
            return xpath.evaluate(expr, doc);
        } catch (Exception e) {
            throw new AssertionError("bad XPath " + expr, e);
        }
    }

    int count(String expr) {
        return ((Double) eval("count(" + expr + ")", XPathConstants.NUMBER)).intValue();
    }

    /** The string values of every node {@code expr} selects, in document order. */
    List<String> all(String expr) {
        NodeList nodes = (NodeList) eval(expr, XPathConstants.NODESET);
        List<String> out = new ArrayList<>();
        for (int i = 0; i < nodes.getLength(); i++) {
            out.add(nodes.item(i).getTextContent());
        }
        return out;
    }

    private Object eval(String expr, javax.xml.namespace.QName type) {
        try {
            return xpath.evaluate(expr, doc, type);
        } catch (Exception e) {
            throw new AssertionError("bad XPath " + expr, e);
        }
    }
}
