package dev.vmlaunch.vmm;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A mutable XML element that keeps attributes in the order they were set, so the written document reads the way
 * libvirt writes it ({@code domain bus slot function}) rather than in the alphabetical order a DOM serializer
 * imposes. Values are kept raw; {@link XmlWriter} does all escaping.
 */
public final class XmlElement {
    private final String namespace;
    private final String prefix;
    private final String name;
    private final Map<String, String> attributes = new LinkedHashMap<>();
    private final List<XmlElement> children = new ArrayList<>();
    private String text;

    private XmlElement(String namespace, String prefix, String name) {
        this.namespace = namespace;
        this.prefix = prefix;
        this.name = name;
    }

    /** An element in no namespace. */
    public static XmlElement of(String name) {
        return new XmlElement("", "", name);
    }

    /** An element in {@code namespace}, written as {@code prefix:name}. */
    public static XmlElement of(String namespace, String prefix, String name) {
        return new XmlElement(namespace, prefix, name);
    }

    /** Appends and returns a new child element in no namespace. */
    public XmlElement add(String childName) {
        return add(of(childName));
    }

    /** Appends and returns a new child in this element's namespace (same prefix). */
    public XmlElement addSameNs(String childName) {
        return add(of(namespace, prefix, childName));
    }

    /** Appends {@code child} and returns it. */
    public XmlElement add(XmlElement child) {
        if (text != null) {
            throw new IllegalStateException("<" + qualifiedName() + "> has text; mixed content is not written");
        }
        children.add(child);
        return child;
    }

    /** Sets an attribute (replacing an earlier value in place); returns this element. */
    public XmlElement attr(String attribute, String value) {
        attributes.put(attribute, value);
        return this;
    }

    /** Sets the text content; returns this element. */
    public XmlElement text(String value) {
        if (!children.isEmpty()) {
            throw new IllegalStateException("<" + qualifiedName() + "> has children; mixed content is not written");
        }
        this.text = value;
        return this;
    }

    public String namespace() {
        return namespace;
    }

    public String prefix() {
        return prefix;
    }

    public String name() {
        return name;
    }

    public String qualifiedName() {
        return prefix.isEmpty() ? name : prefix + ":" + name;
    }

    public Map<String, String> attributes() {
        return Collections.unmodifiableMap(attributes);
    }

    public List<XmlElement> children() {
        return Collections.unmodifiableList(children);
    }

    public Optional<String> textContent() {
        return Optional.ofNullable(text);
    }
}
