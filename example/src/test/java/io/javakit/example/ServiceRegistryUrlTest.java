package io.javakit.example;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.javakit.sd.ServiceRegistry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Registry URLs as operators type them: every registry module on the class path answers its scheme. */
@Timeout(10)
class ServiceRegistryUrlTest {
    @Test
    void anUnknownOrMalformedUrlNamesTheSchemesThatExist() {
        String expected = "(expected: consul://..., dns-srv://..., etcd://..., zk://...)";
        assertThatThrownBy(() -> ServiceRegistry.connect("mysql://db:3306")).hasMessage("registry: 'mysql://db:3306' " + expected);
        assertThatThrownBy(() -> ServiceRegistry.connect("etcd://")).hasMessage("registry: 'etcd://' " + expected);
        assertThatThrownBy(() -> ServiceRegistry.connect("10.0.0.2:2379")).hasMessage("registry: '10.0.0.2:2379' " + expected);
    }

    @Test
    void aBadAddressInAKnownSchemeIsRefusedNamingIt() {
        assertThatThrownBy(() -> ServiceRegistry.connect("etcd://no-port")).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("no-port");
    }
}
