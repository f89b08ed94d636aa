package io.javakit.sd.zookeeper;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.javakit.sd.Instance;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class NodesTest {

    @Test
    void laysInstancesOutUnderTheServiceWithTheSharedInstanceId() {
        assertThat(Nodes.instancePath("users", Instance.parse("10.0.0.5:8080")))
                .isEqualTo("/javakit/services/users/users-10.0.0.5-8080");
        assertThat(Nodes.instanceId("users", Instance.parse("[::1]:8080"))).isEqualTo("users-__1-8080");
    }

    @Test
    void writesTheSharedJsonPayloadAndReadsItBack() {
        Instance instance = Instance.parse("[::1]:8080");

        assertThat(new String(Nodes.encode(Instance.parse("127.0.0.1:8080")), StandardCharsets.UTF_8))
                .isEqualTo("{\"host\":\"127.0.0.1\",\"port\":8080}");
        assertThat(Nodes.decode(Nodes.encode(instance))).isEqualTo(instance);
        assertThat(Nodes.decode("{\"port\":1,\"host\":\"a\",\"zone\":\"eu\"}".getBytes(StandardCharsets.UTF_8)))
                .isEqualTo(new Instance("a", 1));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "not json", "[1,2]", "{}", "{\"host\":\"a\"}", "{\"port\":80}",
            "{\"host\":\"a\",\"port\":\"80\"}", "{\"host\":\"a\",\"port\":0}", "{\"host\":\"a\",\"port\":70000}",
            "{\"host\":\"a\",\"port\":80.5}", "{\"host\":\" \",\"port\":80}", "{\"host\":\"[::1]\",\"port\":80}",
            "{\"host\":\"a\",\"port\":80} trailing"})
    void rejectsPayloadsThatAreNotAHostAndPort(String payload) {
        assertThatThrownBy(() -> Nodes.decode(payload.getBytes(StandardCharsets.UTF_8)))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", " ", "a/b", ".", "..", "bad\u0000name"})
    void rejectsServiceNamesThatAreNotOneNodeName(String service) {
        assertThatThrownBy(() -> Nodes.servicePath(service))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("service: ");
    }
}
