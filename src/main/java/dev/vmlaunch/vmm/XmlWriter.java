package dev.vmlaunch.vmm;

import java.io.StringWriter;
import java.util.LinkedHashMap;
import java.util.Map;
import javax.xml.XMLConstants;
import javax.xml.transform.OutputKeys;
import javax.xml.transform.TransformerConfigurationException;
import javax.xml.transform.TransformerFactory;
import javax.xml.transform.sax.SAXTransformerFactory;
import javax.xml.transform.sax.TransformerHandler;
import javax.xml.transform.stream.StreamResult;
import org.xml.sax.SAXException;
import org.xml.sax.helpers.AttributesImpl;

/**
 * Writes an {@link XmlElement} tree as an indented XML document through the JDK's serializer. SAX events (not a
 * DOM) keep attribute order; the serializer escapes markup characters and writes tab, CR and LF inside
 * attributes as character references, so a value survives a parser's attribute normalisation unchanged.
 */
public final class XmlWriter {
    private XmlWriter() {}

    /** Thrown when a value holds a character XML 1.0 cannot carry at all (most C0 controls). */
    public static final class UnwritableValue extends IllegalArgumentException {
        private static final long serialVersionUID = 1L;

        UnwritableValue(String message) {
            super(message);
        }
    }

    /** The document, starting with the root element (no XML declaration, as libvirt writes it) and ending in LF. */
    public static String write(XmlElement root) {
        try {
            SAXTransformerFactory factory = (SAXTransformerFactory) TransformerFactory.newInstance();
            factory.setFeature(XMLConstants.FEATURE_SECURE_PROCESSING, true);
            TransformerHandler h = factory.newTransformerHandler();
            h.getTransformer().setOutputProperty(OutputKeys.METHOD, "xml");
            h.getTransformer().setOutputProperty(OutputKeys.OMIT_XML_DECLARATION, "yes");
            h.getTransformer().setOutputProperty(OutputKeys.ENCODING, "UTF-8");
            h.getTransformer().setOutputProperty(OutputKeys.INDENT, "yes");
            h.getTransformer().setOutputProperty("{http://xml.apache.org/xslt}indent-amount", "2");
            StringWriter out = new StringWriter();
            h.setResult(new StreamResult(out));
            h.startDocument();
            Map<String, String> prefixes = new LinkedHashMap<>();
            collectPrefixes(root, prefixes);
            element(h, root, prefixes, true);
            h.endDocument();
            String xml = out.toString().strip();
            return xml.replace("\r\n", "\n") + "\n";
        } catch (TransformerConfigurationException | SAXException e) {
            throw new IllegalStateException("the JDK's XML serializer failed", e);
        }
    }

    private static void collectPrefixes(XmlElement e, Map<String, String> prefixes) {
        if (!e.namespace().isEmpty()) {
            String known = prefixes.putIfAbsent(e.prefix(), e.namespace());
            if (known != null && !known.equals(e.namespace())) {
                throw new IllegalStateException("prefix " + e.prefix() + " bound to two namespaces");
            }
        }
        e.children().forEach(c -> collectPrefixes(c, prefixes));
    }

    private static void element(TransformerHandler h, XmlElement e, Map<String, String> prefixes, boolean root)
            throws SAXException {
        AttributesImpl attrs = new AttributesImpl();
        for (Map.Entry<String, String> a : e.attributes().entrySet()) {
            checkLegal(a.getValue(), "<" + e.qualifiedName() + " " + a.getKey() + "=...>");
            attrs.addAttribute("", a.getKey(), a.getKey(), "CDATA", a.getValue());
        }
        if (root) {
            // Declared once on the root, where libvirt declares xmlns:qemu.
            for (Map.Entry<String, String> p : prefixes.entrySet()) {
                attrs.addAttribute("", "", "xmlns:" + p.getKey(), "CDATA", p.getValue());
            }
        }
        // The namespace URI is left out on purpose: the root already declares every prefix, and a URI here makes
        // the serializer repeat the declaration on each element of that namespace.
        h.startElement("", e.name(), e.qualifiedName(), attrs);
        for (XmlElement c : e.children()) {
            element(h, c, prefixes, false);
        }
        if (e.textContent().isPresent()) {
            String text = e.textContent().get();
            checkLegal(text, "<" + e.qualifiedName() + ">");
            h.characters(text.toCharArray(), 0, text.length());
        }
        h.endElement("", e.name(), e.qualifiedName());
    }

    /** XML 1.0 Char production: tab, LF, CR and everything from U+0020 except surrogates halves and U+FFFE/F. */
    private static void checkLegal(String value, String where) {
        for (int i = 0; i < value.length(); ) {
            int cp = value.codePointAt(i);
            boolean legal = cp == 0x9
                    || cp == 0xA
                    || cp == 0xD
                    || (cp >= 0x20 && cp <= 0xD7FF)
                    || (cp >= 0xE000 && cp <= 0xFFFD)
                    || (cp >= 0x10000 && cp <= 0x10FFFF);
            if (!legal) {
                throw new UnwritableValue(
                        where + " would need character U+" + String.format("%04X", cp) + ", which XML cannot carry");
            }
            i += Character.charCount(cp);
        }
    }
}
