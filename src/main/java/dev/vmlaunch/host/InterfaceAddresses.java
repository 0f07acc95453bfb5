package dev.vmlaunch.host;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/** The addresses a network interface carries, link-local ones left out (every up interface has one). */
public interface InterfaceAddresses {
    List<String> of(String iface);

    /** From the kernel, through the JDK. */
    static InterfaceAddresses system() {
        return iface -> {
            try {
                NetworkInterface ni = NetworkInterface.getByName(iface);
                if (ni == null) {
                    return List.of();
                }
                List<String> out = new ArrayList<>();
                for (InetAddress a : Collections.list(ni.getInetAddresses())) {
                    if (!a.isLinkLocalAddress()) {
                        String s = a.getHostAddress();
                        out.add(a instanceof Inet6Address && s.contains("%") ? s.substring(0, s.indexOf('%')) : s);
                    }
                }
                return out;
            } catch (SocketException e) {
                return List.of();
            }
        };
    }
}
