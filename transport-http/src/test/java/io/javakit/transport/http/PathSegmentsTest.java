package io.javakit.transport.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.javakit.endpoint.BadRequestException;
import org.junit.jupiter.api.Test;

class PathSegmentsTest {

    @Test
    void splitsKeepingEmptySegments() {
        assertThat(PathSegments.split("/users/")).containsExactly("users", "");
        assertThat(PathSegments.split("/a//b")).containsExactly("a", "", "b");
    }

    @Test
    void decodesPercentEncodedUtf8() {
        assertThat(PathSegments.decode("J%C3%BCrgen%20M")).isEqualTo("Jürgen M");
        assertThat(PathSegments.decode("a+b")).isEqualTo("a+b");
    }

    @Test
    void rejectsAnythingThatCouldChangeThePathsShape() {
        for (String raw : new String[] {"a%2Fb", "a%2fb", "..", "%2E%2E", ".", "a%5Cb", "%00", "a%0D%0Ab", "%", "%zz", "%C3", "%FF", "",
            "J\u00fcrgen", "a b", "a\tb", "a\u007fb"}) {
            assertThatThrownBy(() -> PathSegments.decode(raw)).as(raw).isInstanceOf(BadRequestException.class);
        }
    }

    @Test
    void encodesEverythingButUnreservedCharacters() {
        assertThat(PathSegments.encode("product1")).isEqualTo("product1");
        assertThat(PathSegments.encode("a/b?c#d e")).isEqualTo("a%2Fb%3Fc%23d%20e");
        assertThat(PathSegments.encode("Jürgen")).isEqualTo("J%C3%BCrgen");
    }

    @Test
    void encodingRoundTripsThroughStrictDecoding() {
        String value = "weird name ü %41 +";
        assertThat(PathSegments.decode(PathSegments.encode(value))).isEqualTo(value);
    }

    @Test
    void refusesToEncodeDotSegmentsOrNothing() {
        for (String value : new String[] {"", ".", ".."}) {
            assertThatThrownBy(() -> PathSegments.encode(value)).isInstanceOf(BadRequestException.class);
        }
    }
}
