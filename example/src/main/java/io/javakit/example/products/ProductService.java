package io.javakit.example.products;

import io.javakit.endpoint.NotFoundException;
import io.javakit.endpoint.RequestContext;
import java.util.Map;
import java.util.Optional;

/** The seed's ProductService: {@code ProductByName(ctx, name) -> (Product, error)}. */
@FunctionalInterface
public interface ProductService {
    Product productByName(RequestContext ctx, String name) throws Exception;

    /** The seed's in-memory data: product1..product3 with ids 1-3. */
    static ProductService inMemory() {
        Map<String, Product> products = Map.of("product1", new Product(1, "product1"),
                "product2", new Product(2, "product2"), "product3", new Product(3, "product3"));
        return (ctx, name) -> Optional.ofNullable(products.get(name)).orElseThrow(() -> new NotFoundException("product not found."));
    }
}
