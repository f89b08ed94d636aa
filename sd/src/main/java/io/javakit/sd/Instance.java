package io.javakit.sd;

import java.util.Objects;

/**
 * One reachable instance of a service: a host (name, IPv4 or IPv6 literal) and a port.
 *
 * @param host host name or IP literal, without brackets
 * @param port TCP port, 1 to 65535
 */
public record Instance(String host, int port) implements Comparable<Instance> {

    public Instance {
        Objects.requireNonNull(host, "host");
        if (host.isBlank() || host.startsWith("[")) {
            throw new IllegalArgumentException("host: '" + host + "' (expected: a name or an IP literal without brackets)");
        }
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("port: " + port + " (expected: 1-65535)");
        }
    }

    /**
     * Parses {@code host:port}; an IPv6 literal must be bracketed, as in {@code [::1]:8080}.
     *
     * @throws IllegalArgumentException if the text is not of that form
     */
    public static Instance parse(String address) {
        Objects.requireNonNull(address, "address");
        String text = address.strip();
        int colon = text.lastIndexOf(':');
        if (colon <= 0 || colon == text.length() - 1) {
            throw new IllegalArgumentException("address: '" + address + "' (expected: host:port)");
        }
        String host = text.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        } else if (host.contains(":")) {
            throw new IllegalArgumentException("address: '" + address + "' (expected: IPv6 hosts in brackets, [::1]:port)");
        }
        int port;
        try {
            port = Integer.parseInt(text.substring(colon + 1));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("address: '" + address + "' (expected: a numeric port)");
        }
        return new Instance(host, port);
    }

    /** {@code host:port}, with IPv6 literals bracketed. */
    public String address() {
        return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
    }

    @Override
    public int compareTo(Instance other) {
        int byHost = host.compareTo(other.host);
        return byHost != 0 ? byHost : Integer.compare(port, other.port);
    }

    @Override
    public String toString() {
        return address();
    }
}
