package io.javakit.sd.zookeeper;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.javakit.sd.Instance;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Objects;
import org.apache.curator.utils.PathUtils;

/**
 * How instances are laid out in ZooKeeper, shared by the registrar and the instancer: one node per instance at
 * {@code /javakit/services/<service>/<service>-<host>-<port>}, holding {@code {"host":"10.0.0.5","port":8080}}.
 * The registry modules all use the same instance id and payload, so tools can move between registries.
 */
final class Nodes {
    static final String ROOT = "/javakit/services";

    private static final ObjectMapper JSON = new ObjectMapper()
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    private Nodes() {}

    /** The parent of every instance node of {@code service}. */
    static String servicePath(String service) {
        Objects.requireNonNull(service, "service");
        if (service.isBlank() || service.contains("/") || service.equals(".") || service.equals("..")) {
            throw new IllegalArgumentException("service: '" + service + "' (expected: a node name, without '/')");
        }
        String path = ROOT + "/" + service;
        try {
            PathUtils.validatePath(path);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("service: '" + service + "' (expected: a valid ZooKeeper node name: "
                    + e.getMessage() + ")");
        }
        return path;
    }

    static String instancePath(String service, Instance instance) {
        return servicePath(service) + "/" + instanceId(service, instance);
    }

    /** {@code <service>-<host>-<port>}, with the colons of an IPv6 host replaced by {@code _}. */
    static String instanceId(String service, Instance instance) {
        String host = instance.host().replace(':', '_').replace('[', '_').replace(']', '_');
        return service + "-" + host + "-" + instance.port();
    }

    static byte[] encode(Instance instance) {
        return JSON.createObjectNode().put("host", instance.host()).put("port", instance.port()).toString()
                .getBytes(StandardCharsets.UTF_8);
    }

    /**
     * Reads a node's payload.
     *
     * @throws IllegalArgumentException saying what is wrong with it
     */
    static Instance decode(byte[] data) {
        JsonNode node;
        try {
            node = JSON.readTree(data == null ? new byte[0] : data);
        } catch (JacksonException e) {
            throw new IllegalArgumentException("not JSON: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw new IllegalArgumentException("unreadable: " + e.getMessage());
        }
        if (node == null || !node.isObject()) {
            throw new IllegalArgumentException("expected a JSON object {\"host\":...,\"port\":...}");
        }
        JsonNode host = node.get("host");
        if (host == null || !host.isTextual()) {
            throw new IllegalArgumentException("host: " + host + " (expected: a string)");
        }
        JsonNode port = node.get("port");
        if (port == null || !port.isIntegralNumber() || !port.canConvertToInt()) {
            throw new IllegalArgumentException("port: " + port + " (expected: an integer)");
        }
        return new Instance(host.textValue(), port.intValue());
    }
}
