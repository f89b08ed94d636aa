package io.javakit.sd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class InstanceTest {

    @Test
    void parsesHostAndPort() {
        assertThat(Instance.parse("localhost:8080")).isEqualTo(new Instance("localhost", 8080));
    }

    @Test
    void bracketsIpv6LiteralsBothWays() {
        Instance v6 = Instance.parse("[::1]:8080");
        assertThat(v6.host()).isEqualTo("::1");
        assertThat(v6.address()).isEqualTo("[::1]:8080");
    }

    @Test
    void rejectsAddressesWithoutAUsablePort() {
        for (String bad : new String[] {"localhost", "localhost:", ":8080", "localhost:http", "host:0", "host:70000", "::1:80"}) {
            assertThatThrownBy(() -> Instance.parse(bad)).as(bad).isInstanceOf(IllegalArgumentException.class);
        }
    }
}
