package io.javakit.transport.http;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.ObjectWriter;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.javakit.endpoint.BadRequestException;
import io.javakit.endpoint.UnavailableException;
import java.io.IOException;

/** JSON codecs on one shared Jackson mapper. Readers and writers are built once per type, not per call. */
public final class Json {
    private static final ObjectMapper MAPPER = JsonMapper.builder()
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .build();

    private Json() {}

    /** The shared mapper: lenient about unknown properties, so that services can add fields without breaking callers. */
    public static ObjectMapper mapper() {
        return MAPPER;
    }

    /** Encodes any response as a 200 JSON body. */
    public static <Res> ResponseEncoder<Res> encoder() {
        ObjectWriter writer = MAPPER.writer();
        return (ctx, response) -> HttpResponse.json(200, writer.writeValueAsBytes(response));
    }

    /**
     * Decodes a 2xx response body on the client side; a body that is not the expected JSON means the instance is
     * broken, so it fails as {@link UnavailableException} (retried elsewhere, counted by the breaker).
     */
    public static <Res> ResponseDecoder<Res> decoder(Class<Res> type) {
        ObjectReader reader = MAPPER.readerFor(type);
        return (ctx, response) -> {
            try {
                return reader.<Res>readValue(response.body());
            } catch (IOException e) {
                throw new UnavailableException("malformed JSON from the instance", e);
            }
        };
    }

    /** Decodes a server-side request body; malformed JSON is a 400. */
    public static <Req> RequestDecoder<Req> requestDecoder(Class<Req> type) {
        ObjectReader reader = MAPPER.readerFor(type);
        return (ctx, request) -> {
            try {
                return reader.<Req>readValue(request.body());
            } catch (IOException e) {
                throw new BadRequestException("malformed JSON body");
            }
        };
    }
}
