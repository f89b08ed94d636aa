package io.javakit.sd.etcd;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.etcd.jetcd.ByteSequence;
import io.javakit.sd.Instance;
import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * The layout every javakit registry shares, spelled for etcd: one key per instance,
 * {@code /javakit/services/<service>/<service>-<host>-<port>}, holding {@code {"host":..,"port":..}}. The
 * registrar writes it and the instancer reads it, so both sides live here.
 */
final class EtcdKeys {
    /** Where every service lives; the trailing slash keeps {@code users} from matching {@code users-admin}. */
    static final String ROOT = "/javakit/services/";

    private static final ObjectMapper JSON = new ObjectMapper();

    private EtcdKeys() {}

    static String checkService(String service) {
        Objects.requireNonNull(service, "service");
        if (service.isBlank() || service.contains("/")) {
            throw new IllegalArgumentException("service: '" + service + "' (expected: a non-blank name without '/')");
        }
        return service;
    }

    /** The prefix holding every instance of {@code service}, ending in {@code /}. */
    static ByteSequence prefix(String service) {
        return bytes(ROOT + service + "/");
    }

    static ByteSequence key(String service, Instance instance) {
        return bytes(ROOT + service + "/" + instanceId(service, instance));
    }

    /** {@code <service>-<host>-<port>}, with the {@code :} of IPv6 hosts made {@code _} so the id stays one path segment. */
    static String instanceId(String service, Instance instance) {
        return (service + "-" + instance.host() + "-" + instance.port()).replaceAll("[:\\[\\]]", "_");
    }

    static ByteSequence payload(Instance instance) {
        ObjectNode node = JSON.createObjectNode().put("host", instance.host()).put("port", instance.port());
        return bytes(node.toString());
    }

    /**
     * Reads a payload written by {@link #payload} (or by anything else that follows the convention).
     *
     * @throws IllegalArgumentException saying what is wrong with it, for the log
     */
    static Instance parse(ByteSequence value) {
        String text = value.toString(StandardCharsets.UTF_8);
        JsonNode node;
        try {
            node = JSON.readTree(text);
        } catch (JacksonException e) {
            throw new IllegalArgumentException("not JSON");
        }
        if (node == null || !node.isObject()) {
            throw new IllegalArgumentException("not a JSON object");
        }
        JsonNode host = node.get("host");
        if (host == null || !host.isTextual() || host.asText().isBlank()) {
            throw new IllegalArgumentException("missing or blank host");
        }
        JsonNode port = node.get("port");
        if (port == null || !port.isIntegralNumber() || !port.canConvertToInt()) {
            throw new IllegalArgumentException("missing or non-integer port");
        }
        return new Instance(host.asText(), port.asInt());
    }

    static ByteSequence bytes(String text) {
        return ByteSequence.from(text, StandardCharsets.UTF_8);
    }
}
